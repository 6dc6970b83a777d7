package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/benbjohnson/clock"
)

// Comparison holds the reports of the same deployment under each policy.
type Comparison struct {
	Reports []*Report // in the order of Policies
}

// Compare answers what each policy costs for one deployment: it makes a
// fresh environment from cfg for each of the five policies (with cfg's
// seed, so each run is reproducible), deploys v
// with opts and that policy, and collects the reports. It always runs on
// mock clocks of its own, starting at cfg.Clock's time (the mock's epoch
// without a clock), so it returns at once and never moves cfg.Clock.
// Databases in cfg are left out. A deployment that fails is a result, not
// an error; an invalid cfg, v or opts returns the error New or Deploy
// returns, and ctx's error is returned unwrapped. It blocks only for its
// computation and is safe for concurrent use.
func Compare(ctx context.Context, cfg Config, v Version, opts Options) (*Comparison, error) {
	start := time.Unix(0, 0).UTC()
	if cfg.Clock != nil {
		start = cfg.Clock.Now()
	}
	cfg.Database, cfg.External = nil, nil
	c := &Comparison{}
	for _, p := range Policies {
		mock := clock.NewMock()
		mock.Set(start)
		run := cfg
		run.Clock = mock
		env, err := New(run)
		if err != nil {
			return nil, err
		}
		o := opts
		o.Policy = p
		r, err := env.Deploy(ctx, v, o)
		if err != nil && !errors.Is(err, ErrDeploymentFailed) {
			return nil, err
		}
		c.Reports = append(c.Reports, r)
	}
	return c, nil
}

// WriteTable writes the comparison as a text table, one policy a row:
// outcome, duration, the fewest instances in service (of those the
// environment ran), downtime, the most instances running, instance-hours,
// whether it rolled back and the versions running at the end.
func (c *Comparison) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "policy\toutcome\tduration\tmin in service\tdowntime\tpeak instances\tinstance-hours\trolled back\tversions at end")
	for _, r := range c.Reports {
		rb := "no"
		if r.RolledBack {
			rb = "yes"
		}
		fmt.Fprintf(tw, "%v\t%s\t%v\t%d/%d\t%v\t%d\t%.2f\t%s\t%s\n",
			r.Policy, r.Outcome(), r.Duration.Round(time.Second), r.MinCapacity, r.Target,
			r.Downtime.Round(time.Second), r.PeakInstances, r.InstanceHours, rb, versionsString(r.Final))
	}
	return tw.Flush()
}

// String returns the table WriteTable writes.
func (c *Comparison) String() string {
	var b strings.Builder
	c.WriteTable(&b)
	return b.String()
}

// versionsString writes a count per version, by name.
func versionsString(m map[string]int) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s×%d", n, m[n])
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}
