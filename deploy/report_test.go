package deploy_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/deploy"
)

// TestInstanceHours: the time paid for is every instance's time running
// within the deployment, from the timeline's launches and terminations.
func TestInstanceHours(t *testing.T) {
	for _, p := range deploy.Policies {
		_, r, _ := deploy4(t, p, good)
		from, to := map[string]time.Time{}, map[string]time.Time{}
		for _, id := range []string{"i-00001", "i-00002", "i-00003", "i-00004"} {
			from[id], to[id] = r.Start, r.End
		}
		for _, ev := range r.Events {
			switch ev.Kind {
			case deploy.InstanceLaunched:
				from[ev.Instance], to[ev.Instance] = ev.Time, r.End
			case deploy.InstanceTerminated:
				to[ev.Instance] = ev.Time
			}
		}
		var paid time.Duration
		for id := range from {
			paid += to[id].Sub(from[id])
		}
		assert.InDelta(t, paid.Hours(), r.InstanceHours, 1e-9, p.String())
		assert.GreaterOrEqual(t, r.InstanceHours, 4*r.Duration.Hours()-1e-9, "at least the fleet: %v", p)
	}
}

// TestDowntime: AllAtOnce is down from the start until the first instance
// passes a check again.
func TestDowntime(t *testing.T) {
	_, r, err := deploy4(t, deploy.AllAtOnce, good)
	require.NoError(t, err)
	var first time.Time
	for _, ev := range r.Events {
		if ev.Kind == deploy.InstanceInService {
			first = ev.Time
			break
		}
	}
	assert.Equal(t, first.Sub(r.Start), r.Downtime)
	assert.Equal(t, r.Start, r.Capacity[0].Time)
	assert.Equal(t, 0, r.Capacity[0].Total())
	assert.Equal(t, []string{"v1", "v2"}, r.Versions)
}

// TestCapacityPerVersion: during a rolling deployment the capacity moves
// from the old version to the new one batch by batch.
func TestCapacityPerVersion(t *testing.T) {
	_, r, err := deploy4(t, deploy.Rolling, good)
	require.NoError(t, err)
	var olds []int
	for _, p := range r.Capacity {
		if len(olds) == 0 || olds[len(olds)-1] != p.InService[0] {
			olds = append(olds, p.InService[0])
		}
	}
	assert.Equal(t, []int{3, 2, 1, 0}, olds, "the first batch leaves at once")
	last := r.Capacity[len(r.Capacity)-1]
	assert.Equal(t, []int{0, 4}, last.InService)
}

// TestSVG: the chart is well-formed SVG with a panel per policy.
func TestSVG(t *testing.T) {
	c, err := deploy.Compare(ctx, fourV1, bad, deploy.Options{BatchSize: 25})
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, c.WriteSVG(&b))
	svg := b.String()
	dec := xml.NewDecoder(strings.NewReader(svg))
	paths := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "path" {
			paths++
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			for _, a := range se.Attr {
				if a.Name.Local == "height" {
					assert.NotRegexp(t, `^0(\.0*)?$`, a.Value, "no empty rect")
				}
			}
		}
	}
	assert.Equal(t, 10, paths, "two versions in five panels")
	for _, p := range deploy.Policies {
		assert.Contains(t, svg, p.String()+": ")
	}
	b.Reset()
	require.NoError(t, c.Reports[0].WriteSVG(&b))
	assert.True(t, strings.HasPrefix(b.String(), "<svg"))
}

// TestCompare: the same scenario under each policy, on mock clocks of its
// own; the caller's clock does not move.
func TestCompare(t *testing.T) {
	clk := clock.NewMock()
	clk.Add(time.Hour)
	cfg := fourV1
	cfg.Clock = clk
	cfg.Database = deploy.NewDatabase("db")
	c, err := deploy.Compare(ctx, cfg, bad, deploy.Options{BatchSize: 25})
	require.NoError(t, err)
	require.Len(t, c.Reports, 5)
	for i, r := range c.Reports {
		assert.Equal(t, deploy.Policies[i], r.Policy)
		assert.Equal(t, clk.Now(), r.Start)
		assert.False(t, r.Succeeded)
	}
	assert.Equal(t, time.Unix(0, 0).Add(time.Hour).UTC(), clk.Now().UTC())
	assert.False(t, cfg.Database.Terminated())
	table := c.String()
	assert.Contains(t, table, "rolled back")
	assert.Equal(t, 6, strings.Count(table, "\n"))

	again, err := deploy.Compare(ctx, cfg, bad, deploy.Options{BatchSize: 25})
	require.NoError(t, err)
	assert.Equal(t, table, again.String(), "the same seed, the same results")

	_, err = deploy.Compare(ctx, cfg, bad, deploy.Options{BatchSize: 200})
	require.ErrorIs(t, err, deploy.ErrInvalidOption)
	assert.Empty(t, c.Refused)
}

// TestCompareNotAllowed: a policy the environment does not allow is a row
// of the comparison, not an error that loses the others.
func TestCompareNotAllowed(t *testing.T) {
	c, err := deploy.Compare(ctx, deploy.Config{Instances: 4, Health: deploy.Basic}, good, deploy.Options{BatchSize: 25})
	require.NoError(t, err)
	require.Len(t, c.Reports, 3)
	for i, r := range c.Reports {
		assert.Equal(t, deploy.Policies[i], r.Policy)
		assert.True(t, r.Succeeded)
	}
	require.Len(t, c.Refused, 2)
	assert.Equal(t, deploy.Immutable, c.Refused[0].Policy)
	assert.Equal(t, deploy.TrafficSplitting, c.Refused[1].Policy)
	for _, f := range c.Refused {
		require.ErrorIs(t, f.Err, deploy.ErrEnhancedHealthRequired)
	}
	table := c.String()
	assert.Equal(t, 6, strings.Count(table, "\n"))
	assert.Regexp(t, `(?m)^Immutable +not allowed .*\(needs enhanced health\)$`, table)

	c, err = deploy.Compare(ctx, deploy.Config{Instances: 4, Tier: deploy.Worker}, good, deploy.Options{BatchSize: 25})
	require.NoError(t, err)
	require.Len(t, c.Reports, 4)
	require.Len(t, c.Refused, 1)
	assert.Equal(t, deploy.TrafficSplitting, c.Refused[0].Policy)
	require.ErrorIs(t, c.Refused[0].Err, deploy.ErrInvalidOption)
	assert.Contains(t, c.String(), "(needs a web server environment)")
	var b bytes.Buffer
	require.NoError(t, c.WriteSVG(&b), "the chart draws the policies that ran")

	// bad options are still an error
	_, err = deploy.Compare(ctx, deploy.Config{Health: deploy.Basic}, good, deploy.Options{BatchSize: 200})
	require.ErrorIs(t, err, deploy.ErrInvalidOption)
}

// TestSeedReproducible: the same seed gives the same deployment; another
// seed, other timings.
func TestSeedReproducible(t *testing.T) {
	run := func(seed uint64) *deploy.Report {
		e := newEnv(t, deploy.Config{Instances: 4, Seed: seed})
		r, err := e.Deploy(ctx, good, deploy.Options{Policy: deploy.Rolling, BatchSize: 25})
		require.NoError(t, err)
		return r
	}
	a, b, c := run(1), run(1), run(2)
	assert.Equal(t, a.Events, b.Events)
	assert.NotEqual(t, a.Duration, c.Duration)
}

// TestStrings: the names of the enums, as Elastic Beanstalk spells them,
// and a readable event.
func TestStrings(t *testing.T) {
	assert.Equal(t, "RollingWithAdditionalBatch", deploy.RollingWithAdditionalBatch.String())
	assert.Equal(t, "Policy(9)", deploy.Policy(9).String())
	assert.Equal(t, "Fixed", deploy.Fixed.String())
	assert.Equal(t, "Degraded", deploy.Degraded.String())
	assert.Equal(t, "Status(7)", deploy.Status(7).String())
	assert.Equal(t, "enhanced", deploy.Enhanced.String())
	assert.Equal(t, "Worker", deploy.Worker.String())
	assert.Equal(t, "predeploy", deploy.Predeploy.String())
	assert.Equal(t, "container_commands", deploy.ContainerCommand.String())
	assert.Equal(t, "TrafficRestored", deploy.TrafficRestored.String())
	assert.Equal(t, "EventKind(99)", deploy.EventKind(99).String())
	ev := deploy.Event{Kind: deploy.InstanceOutOfService, Instance: "i-00001", Version: "v1", Message: "batch 1 of 4: deregistered"}
	assert.Equal(t, "InstanceOutOfService i-00001 (v1): batch 1 of 4: deregistered", ev.String())
}
