package deploy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/deploy"
)

// healthyAfter returns how long after its deployment the instance became
// healthy, for the first instance that did.
func healthyAfter(t *testing.T, r *deploy.Report) time.Duration {
	t.Helper()
	deployed := map[string]time.Time{}
	for _, ev := range r.Events {
		switch ev.Kind {
		case deploy.InstanceDeployed:
			deployed[ev.Instance] = ev.Time
		case deploy.InstanceHealthy:
			return ev.Time.Sub(deployed[ev.Instance])
		}
	}
	t.Fatal("no instance became healthy")
	return 0
}

// TestTwelveConsecutiveChecks: with enhanced health an instance is healthy
// after 12 consecutive passing checks, 10 s apart; one failing check starts
// the count again.
func TestTwelveConsecutiveChecks(t *testing.T) {
	e := newEnv(t, deploy.Config{})
	r, err := e.Deploy(ctx, good, deploy.Options{})
	require.NoError(t, err)
	assert.Equal(t, 120*time.Second, healthyAfter(t, r), "12 checks at 10 s: 2 minutes")

	flap := deploy.Version{Name: "flap", Health: func(_ string, d time.Duration) deploy.Status {
		if d == 60*time.Second { // the sixth check
			return deploy.Warning
		}
		return deploy.Ok
	}}
	e = newEnv(t, deploy.Config{})
	r, err = e.Deploy(ctx, flap, deploy.Options{})
	require.NoError(t, err)
	assert.Equal(t, 180*time.Second, healthyAfter(t, r), "6 checks, a failure, then 12 more")

	e = newEnv(t, deploy.Config{Tier: deploy.Worker})
	r, err = e.Deploy(ctx, good, deploy.Options{})
	require.NoError(t, err)
	assert.Equal(t, 180*time.Second, healthyAfter(t, r), "a worker needs 18 checks")
}

// TestBasicHealth: one passing load-balancer check is enough, and the
// status threshold does not apply.
func TestBasicHealth(t *testing.T) {
	warn := deploy.Version{Name: "warn", Health: func(string, time.Duration) deploy.Status { return deploy.Degraded }}
	e := newEnv(t, deploy.Config{Health: deploy.Basic})
	r, err := e.Deploy(ctx, warn, deploy.Options{})
	require.NoError(t, err)
	assert.Equal(t, 10*time.Second, healthyAfter(t, r))
}

// TestHealthThreshold: a version stable at Warning fails with the Ok
// threshold and passes with Warning.
func TestHealthThreshold(t *testing.T) {
	warn := deploy.Version{Name: "warn", Health: func(string, time.Duration) deploy.Status { return deploy.Warning }}
	for _, c := range []struct {
		threshold deploy.Status
		ok        bool
	}{{deploy.Ok, false}, {deploy.Warning, true}, {deploy.Degraded, true}, {deploy.Severe, true}} {
		e := newEnv(t, fourV1)
		r, err := e.Deploy(ctx, warn, deploy.Options{Policy: deploy.Rolling, BatchSize: 50, HealthThreshold: c.threshold})
		assert.Equal(t, c.ok, err == nil, "threshold %v: %v", c.threshold, err)
		assert.Equal(t, c.ok, r.Succeeded)
		// Warning instances still pass the load balancer's checks
		assert.Equal(t, 2, r.MinCapacity)
	}
}

// TestTrafficSplittingEvaluation: a version that degrades during the
// evaluation is rolled back: traffic back, new instances terminated.
func TestTrafficSplittingEvaluation(t *testing.T) {
	degrades := deploy.Version{Name: "v2", Health: func(_ string, d time.Duration) deploy.Status {
		if d > 4*time.Minute {
			return deploy.Degraded
		}
		return deploy.Ok
	}}
	e := newEnv(t, fourV1)
	r, err := e.Deploy(ctx, degrades, deploy.Options{Policy: deploy.TrafficSplitting})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.True(t, r.RolledBack)
	assert.Contains(t, r.FailureReason, "evaluation")
	assert.Equal(t, 1, count(r, deploy.TrafficSplit))
	assert.Equal(t, 1, count(r, deploy.TrafficRestored))
	assert.Equal(t, 0, count(r, deploy.TrafficShifted))
	assert.Equal(t, map[string]int{"v1": 4}, e.Versions())
	assert.Equal(t, 4, r.MinCapacity)

	// with a longer evaluation window than the version lasts, it would
	// pass; with the same version healthy throughout, all traffic moves
	e = newEnv(t, fourV1)
	r, err = e.Deploy(ctx, good, deploy.Options{Policy: deploy.TrafficSplitting, NewVersionPercent: 25, EvaluationTime: 10 * time.Minute})
	require.NoError(t, err)
	var split, shifted time.Time
	for _, ev := range r.Events {
		switch ev.Kind {
		case deploy.TrafficSplit:
			split = ev.Time
			assert.Contains(t, ev.Message, "25%")
		case deploy.TrafficShifted:
			shifted = ev.Time
		}
	}
	assert.Equal(t, 10*time.Minute, shifted.Sub(split))
}

// TestHealthElapsedSinceVersionStarted: Version.Health is asked about the
// time since the version started on the instance, also for an instance
// the deployment does not deploy to (a hook failed on it, and it goes back
// in service with its old version), never a figure relative to another
// deployment's start.
func TestHealthElapsedSinceVersionStarted(t *testing.T) {
	asks := map[string][]time.Duration{}
	v2 := deploy.Version{Name: "v2", Health: func(id string, d time.Duration) deploy.Status {
		asks[id] = append(asks[id], d)
		return deploy.Ok
	}}
	e := newEnv(t, deploy.Config{Instances: 2, Version: deploy.Version{Name: "v1"}})
	r, err := e.Deploy(ctx, v2, deploy.Options{Policy: deploy.Rolling, BatchSizeType: deploy.Fixed, BatchSize: 1})
	require.NoError(t, err)
	started := map[string]time.Time{}
	for _, ev := range r.Events {
		if ev.Kind == deploy.InstanceDeployed {
			started[ev.Instance] = ev.Time
		}
	}
	clear(asks)
	// v3's hook fails on every instance: they go back in service with v2,
	// whose Health gives their status when the hook fails
	v3 := deploy.Version{Name: "v3", Bundle: deploy.Bundle{Hooks: []deploy.Hook{{Phase: deploy.Predeploy, Name: "x.sh", Run: func(deploy.HookContext) error { return errors.New("exit 1") }}}}}
	r, err = e.Deploy(ctx, v3, deploy.Options{Policy: deploy.AllAtOnce})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	failed := map[string]time.Time{}
	for _, ev := range r.Events {
		if ev.Kind == deploy.HookFailed {
			failed[ev.Instance] = ev.Time
		}
	}
	require.Len(t, failed, 2)
	for id, at := range failed {
		require.NotEmpty(t, asks[id], id)
		assert.Equal(t, at.Sub(started[id]), asks[id][0], "%s: the time since v2 started on it", id)
	}
	assert.Equal(t, map[string]int{"v2": 2}, r.Final)
}

// TestInstancesHealthFollowsVersionHealth: Instances reports the status the
// version's health model gives, from New on and after a hook failure puts
// an instance back in service with its old version.
func TestInstancesHealthFollowsVersionHealth(t *testing.T) {
	var asked []time.Duration
	warn := deploy.Version{Name: "v1", Health: func(_ string, d time.Duration) deploy.Status {
		asked = append(asked, d)
		return deploy.Warning
	}}
	e := newEnv(t, deploy.Config{Instances: 2, Version: warn})
	assert.Equal(t, []time.Duration{0, 0}, asked, "New asks for elapsed 0")
	for _, in := range e.Instances() {
		assert.Equal(t, deploy.Warning, in.Health)
		assert.True(t, in.InService, "Warning passes the load balancer's check")
	}

	severe := deploy.Version{Name: "v1", Health: func(string, time.Duration) deploy.Status { return deploy.Severe }}
	e = newEnv(t, deploy.Config{Version: severe})
	assert.False(t, e.Instances()[0].InService)
	assert.Equal(t, deploy.Severe, e.Instances()[0].Health)
	code, _, _ := get(e.Handler())
	assert.Equal(t, 503, code)

	// an instance whose deployment aborts keeps v1, and its status is v1's
	e = newEnv(t, deploy.Config{Version: deploy.Version{Name: "v0"}})
	_, err := e.Deploy(ctx, warn, deploy.Options{HealthThreshold: deploy.Warning})
	require.NoError(t, err)
	failing := deploy.Version{Name: "v3", Bundle: deploy.Bundle{Hooks: []deploy.Hook{{Phase: deploy.Prebuild, Name: "x", Run: func(deploy.HookContext) error { return errors.New("exit 1") }}}}}
	_, err = e.Deploy(ctx, failing, deploy.Options{})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	in := e.Instances()[0]
	assert.Equal(t, "v1", in.Version)
	assert.Equal(t, deploy.Warning, in.Health)
	assert.True(t, in.InService)
}

// TestEnhancedRuleIndependentOfCheckInterval: the enhanced-health rule is
// 12 checks within 2 minutes whatever the load balancer's interval; an
// instance is healthy only once the load balancer has also passed it, so
// with an interval over 2 minutes it is healthy at its first check.
func TestEnhancedRuleIndependentOfCheckInterval(t *testing.T) {
	for _, iv := range []time.Duration{5 * time.Second, 10 * time.Second, 30 * time.Second, 90 * time.Second, 300 * time.Second} {
		e := newEnv(t, deploy.Config{Version: deploy.Version{Name: "v1"}, Timings: deploy.Timings{HealthCheckInterval: iv}})
		r, err := e.Deploy(ctx, good, deploy.Options{})
		require.NoError(t, err, "interval %v", iv)
		assert.Equal(t, max(120*time.Second, iv), healthyAfter(t, r), "interval %v", iv)
		var deployed, inService time.Time
		for _, ev := range r.Events {
			switch {
			case ev.Kind == deploy.InstanceDeployed:
				deployed = ev.Time
			case ev.Kind == deploy.InstanceInService && inService.IsZero():
				inService = ev.Time
			}
		}
		assert.Equal(t, iv, inService.Sub(deployed), "in service at the first load-balancer check: interval %v", iv)
	}
	// with basic health, the load balancer's check is the rule
	e := newEnv(t, deploy.Config{Health: deploy.Basic, Timings: deploy.Timings{HealthCheckInterval: 30 * time.Second}})
	r, err := e.Deploy(ctx, good, deploy.Options{})
	require.NoError(t, err)
	assert.Equal(t, 30*time.Second, healthyAfter(t, r))
}

// TestCheckAtDeadlineCounts: a check that comes exactly at the command
// timeout is taken before the timeout is.
func TestCheckAtDeadlineCounts(t *testing.T) {
	// deployed at 121 s; the 12th check at 241 s, the timeout 1 s + 240 s
	e := newEnv(t, deploy.Config{Version: deploy.Version{Name: "v1"}, Timings: deploy.Timings{Deploy: deploy.Range{Min: 121 * time.Second, Max: 121 * time.Second}, Drain: deploy.NoDrain}})
	r, err := e.Deploy(ctx, good, deploy.Options{Timeout: time.Second})
	require.NoError(t, err)
	assert.Equal(t, 241*time.Second, r.Duration)

	// one second later it is too late
	e = newEnv(t, deploy.Config{Version: deploy.Version{Name: "v1"}, Timings: deploy.Timings{Deploy: deploy.Range{Min: 122 * time.Second, Max: 122 * time.Second}, Drain: deploy.NoDrain}})
	_, err = e.Deploy(ctx, good, deploy.Options{Timeout: time.Second})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
}

// TestSplitEvaluationNeedsSustainedFailure: during a traffic-splitting
// evaluation, one check worse than the threshold (or a few, more than a
// minute apart) does not roll back; three within a minute do.
func TestSplitEvaluationNeedsSustainedFailure(t *testing.T) {
	at := func(bad ...time.Duration) deploy.Version {
		return deploy.Version{Name: "v2", Health: func(_ string, d time.Duration) deploy.Status {
			for _, b := range bad {
				if d == b {
					return deploy.Warning
				}
			}
			return deploy.Ok
		}}
	}
	// the split starts 2 minutes or more after an instance started; checks
	// every 10 s
	for _, c := range []struct {
		name string
		v    deploy.Version
		ok   bool
	}{
		{"one blip", at(5 * time.Minute), true},
		{"two in a minute", at(5*time.Minute, 5*time.Minute+30*time.Second), true},
		{"three, spread over more than a minute", at(4*time.Minute, 5*time.Minute, 6*time.Minute), true},
		{"three in a minute", at(5*time.Minute, 5*time.Minute+20*time.Second, 5*time.Minute+60*time.Second), false},
	} {
		e := newEnv(t, fourV1)
		r, err := e.Deploy(ctx, c.v, deploy.Options{Policy: deploy.TrafficSplitting})
		assert.Equal(t, c.ok, err == nil, "%s: %v", c.name, err)
		if !c.ok {
			assert.True(t, r.RolledBack, c.name)
			assert.Contains(t, r.FailureReason, "3 checks within 1m0s", c.name)
		}
	}
}

// TestLoadBalancerFollowsHealth: the load balancer keeps checking the
// instances in service whose health can change, also once their batch is
// done and before their batch starts: an instance that turns Severe
// leaves it, and Instances agrees with the version's health at the end.
// The outcome does not change: every batch was healthy in its turn.
func TestLoadBalancerFollowsHealth(t *testing.T) {
	severeAfter := func(name string, d time.Duration) deploy.Version {
		return deploy.Version{Name: name, Health: func(_ string, e time.Duration) deploy.Status {
			if e > d {
				return deploy.Severe
			}
			return deploy.Ok
		}}
	}
	e := newEnv(t, deploy.Config{Instances: 4, Version: severeAfter("v1", 6*time.Minute)})
	r, err := e.Deploy(ctx, severeAfter("v2", 3*time.Minute), deploy.Options{Policy: deploy.Rolling, BatchSize: 25})
	require.NoError(t, err, "each batch was healthy in its turn")
	left := map[string]bool{}
	for _, ev := range r.Events {
		if ev.Kind == deploy.InstanceOutOfService && ev.Message == "health Severe" {
			left[ev.Version] = true
		}
	}
	assert.True(t, left["v2"], "a done batch's instance left when it turned Severe")
	assert.True(t, left["v1"], "an old instance waiting for its batch left when it turned Severe")
	inService := 0
	for _, in := range e.Instances() {
		assert.Equal(t, in.Health != deploy.Severe, in.InService, "%+v", in)
		if in.InService {
			inService++
		}
	}
	assert.Equal(t, r.FinalCapacity, inService)
	assert.Less(t, r.FinalCapacity, 4)
}

// TestSlowLoadBalancerCheckKeepsPolicyCapacity: with a load-balancer
// interval longer than the enhanced rule's 2 minutes (allowed: 5-300 s),
// an instance is healthy only once the load balancer has passed it, so a
// good deployment keeps its policy's capacity.
func TestSlowLoadBalancerCheckKeepsPolicyCapacity(t *testing.T) {
	for _, c := range []struct {
		p    deploy.Policy
		want int
	}{
		{deploy.Rolling, 3},
		{deploy.RollingWithAdditionalBatch, 4},
		{deploy.Immutable, 4},
		{deploy.TrafficSplitting, 4},
	} {
		e := newEnv(t, deploy.Config{Instances: 4, Timings: deploy.Timings{HealthCheckInterval: 300 * time.Second}})
		r, err := e.Deploy(ctx, good, deploy.Options{Policy: c.p, BatchSize: 25})
		require.NoError(t, err, "%v", c.p)
		assert.Equal(t, c.want, r.MinCapacity, "%v", c.p)
	}
}

// TestLoadBalancerChecksInstanceOutOfStep: an instance whose membership
// does not match its status (here left out of service by a cancelled
// deployment) is checked by the load balancer in the next deployment and
// goes back in service at its first check, though its status cannot
// change.
func TestLoadBalancerChecksInstanceOutOfStep(t *testing.T) {
	e := newEnv(t, deploy.Config{Instances: 4, Version: deploy.Version{Name: "v1"}})
	c, cancel := contextWithCancel()
	defer cancel()
	left := ""
	_, err := e.Deploy(c, good, deploy.Options{Policy: deploy.Rolling, BatchSize: 25, OnEvent: func(ev deploy.Event) {
		if ev.Kind == deploy.InstanceDeployed {
			left = ev.Instance
			cancel()
		}
	}})
	require.ErrorIs(t, err, context.Canceled)
	for _, in := range e.Instances() {
		if in.ID == left {
			require.False(t, in.InService, "left out of service by the cancelled deployment")
		}
	}

	r, err := e.Deploy(ctx, good, deploy.Options{Policy: deploy.Immutable})
	require.NoError(t, err)
	back := time.Time{}
	for _, ev := range r.Events {
		if ev.Kind == deploy.InstanceInService && ev.Instance == left {
			back = ev.Time
			break
		}
	}
	assert.Equal(t, r.Start.Add(deploy.DefaultHealthCheckInterval), back, "in service at the first load-balancer check")
}
