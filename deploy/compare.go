package deploy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/benbjohnson/clock"
)

// Comparison holds the reports of the same deployment under each policy
// the environment allows.
type Comparison struct {
	Reports []*Report // in the order of Policies, without the refused ones
	// Refused lists the policies the environment does not allow (Immutable
	// and TrafficSplitting with basic health, TrafficSplitting in a worker
	// environment), in the order of Policies.
	Refused []Refusal
}

// Refusal is a policy Compare did not run because the environment does
// not allow it.
type Refusal struct {
	Policy Policy
	// Err is the error Deploy returns for it, wrapping
	// ErrEnhancedHealthRequired or ErrInvalidOption.
	Err error
}

// Compare answers what each policy costs for one deployment: it makes a
// fresh environment from cfg for each of the five policies (with cfg's
// seed, so each run is reproducible), deploys v with opts and that policy,
// and collects the reports. A policy the environment does not allow is
// listed in Refused instead, with the error Deploy returns for it. It
// always runs on mock clocks of its own, starting at cfg.Clock's time (the
// mock's epoch without a clock), so it returns at once and never moves
// cfg.Clock. Databases in cfg are left out. A deployment that fails is a
// result, not an error; an invalid cfg, v or opts returns the error New or
// Deploy returns, and ctx's error is returned unwrapped. It blocks only
// for its computation and is safe for concurrent use.
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
		if err := allowed(p, &env.cfg); err != nil {
			c.Refused = append(c.Refused, Refusal{Policy: p, Err: fmt.Errorf("environment %q: %w", env.cfg.Name, err)})
			continue
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

// WriteTable writes the comparison as a text table, one policy a row, in
// the order of Policies: outcome, duration, the fewest instances in
// service (of those the environment ran), downtime, the most instances
// running, instance-hours, whether it rolled back and the versions running
// at the end; a refused policy's row says "not allowed" and why.
func (c *Comparison) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "policy\toutcome\tduration\tmin in service\tdowntime\tpeak instances\tinstance-hours\trolled back\tversions at end")
	reports, refused := c.Reports, c.Refused
	for len(reports) > 0 || len(refused) > 0 {
		if len(refused) > 0 && (len(reports) == 0 || refused[0].Policy < reports[0].Policy) {
			why := "needs enhanced health"
			if !errors.Is(refused[0].Err, ErrEnhancedHealthRequired) {
				why = "needs a web server environment"
			}
			fmt.Fprintf(tw, "%v\tnot allowed\t-\t-\t-\t-\t-\t-\t(%s)\n", refused[0].Policy, why)
			refused = refused[1:]
			continue
		}
		r := reports[0]
		reports = reports[1:]
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

// Chart geometry, in SVG user units.
const (
	chartWidth  = 760
	panelHeight = 110
	panelGap    = 34
	marginLeft  = 44
	marginRight = 16
	marginTop   = 28
)

var palette = []string{"#9e9e9e", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"}

// WriteSVG draws the report's in-service capacity over time as an SVG
// image: one band per version, stacked, and a dashed line at the capacity
// the environment had when the deployment began. In a comparison, a panel
// whose deployment ended before the longest one shows where it ended
// ("done") and, paler, the capacity it left behind; the longest ends at the
// time axis's end.
func (r *Report) WriteSVG(w io.Writer) error {
	return writeSVG(w, []*Report{r})
}

// WriteSVG draws the capacity of every report of the comparison, one
// panel per policy, on the same scales.
func (c *Comparison) WriteSVG(w io.Writer) error {
	return writeSVG(w, c.Reports)
}

func writeSVG(w io.Writer, reports []*Report) error {
	bw := bufio.NewWriter(w)
	var span time.Duration
	top := 1
	colors := map[string]string{}
	var names []string
	for _, r := range reports {
		span = max(span, r.Duration)
		top = max(top, r.Target)
		for _, p := range r.Capacity {
			top = max(top, p.Total())
		}
		for _, v := range r.Versions {
			if _, ok := colors[v]; !ok {
				colors[v] = palette[len(names)%len(palette)]
				names = append(names, v)
			}
		}
	}
	span = max(span, time.Second)
	height := marginTop + len(reports)*(panelHeight+panelGap) + 10
	plotW := float64(chartWidth - marginLeft - marginRight)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(bw, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	lx := float64(marginLeft)
	for _, n := range names {
		fmt.Fprintf(bw, `<rect x="%.1f" y="8" width="10" height="10" fill="%s"/><text x="%.1f" y="17">%s</text>`+"\n", lx, colors[n], lx+14, html.EscapeString(n))
		lx += 24 + 7*float64(len(n))
	}
	for i, r := range reports {
		y0 := float64(marginTop + i*(panelHeight+panelGap) + 16)
		yOf := func(n int) float64 { return y0 + panelHeight - float64(n)/float64(top)*panelHeight }
		xOf := func(t time.Time) float64 { return marginLeft + float64(t.Sub(r.Start))/float64(span)*plotW }
		fmt.Fprintf(bw, `<text x="%d" y="%.1f" font-weight="bold">%s: %s in %v, min %d/%d in service</text>`+"\n",
			marginLeft, y0-4, r.Policy, r.Outcome(), r.Duration.Round(time.Second), r.MinCapacity, r.Target)
		fmt.Fprintf(bw, `<rect x="%d" y="%.1f" width="%.1f" height="%d" fill="none" stroke="#ccc"/>`+"\n", marginLeft, y0, plotW, panelHeight)
		for k, v := range r.Versions {
			fmt.Fprintf(bw, `<path fill="%s" fill-opacity="0.8" d="`, colors[v])
			cum := func(p CapacityPoint, upto int) int {
				n := 0
				for j := 0; j <= upto && j < len(p.InService); j++ {
					n += p.InService[j]
				}
				return n
			}
			pts := r.Capacity
			end := func(j int) time.Time {
				if j+1 < len(pts) {
					return pts[j+1].Time
				}
				return r.End
			}
			for j, p := range pts {
				cmd := "L"
				if j == 0 {
					cmd = "M"
				}
				fmt.Fprintf(bw, "%s%.1f,%.1f L%.1f,%.1f ", cmd, xOf(p.Time), yOf(cum(p, k)), xOf(end(j)), yOf(cum(p, k)))
			}
			for j := len(pts) - 1; j >= 0; j-- {
				fmt.Fprintf(bw, "L%.1f,%.1f L%.1f,%.1f ", xOf(end(j)), yOf(cum(pts[j], k-1)), xOf(pts[j].Time), yOf(cum(pts[j], k-1)))
			}
			fmt.Fprint(bw, `Z"/>`+"\n")
			// the environment as the deployment left it, paler (a version
			// with nothing in service left has no band)
			if n := len(pts); n > 0 && r.Duration < span && cum(pts[n-1], k) > cum(pts[n-1], k-1) {
				last := pts[n-1]
				fmt.Fprintf(bw, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.3"/>`+"\n",
					xOf(r.End), yOf(cum(last, k)), marginLeft+plotW-xOf(r.End), yOf(cum(last, k-1))-yOf(cum(last, k)), colors[v])
			}
		}
		if r.Duration < span {
			fmt.Fprintf(bw, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#555"/><text x="%.1f" y="%.1f" fill="#555">done</text>`+"\n",
				xOf(r.End), xOf(r.End), y0, y0+panelHeight, xOf(r.End)+3, y0+11)
		}
		fmt.Fprintf(bw, `<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="black" stroke-dasharray="4 3"/>`+"\n", marginLeft, marginLeft+plotW, yOf(r.Target), yOf(r.Target))
		fmt.Fprintf(bw, `<text x="%d" y="%.1f" text-anchor="end">%d</text><text x="%d" y="%.1f" text-anchor="end">0</text>`+"\n",
			marginLeft-4, yOf(top)+4, top, marginLeft-4, yOf(0))
		for m := time.Duration(0); m <= span; m += tickStep(span) {
			x := marginLeft + float64(m)/float64(span)*plotW
			fmt.Fprintf(bw, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#999"/><text x="%.1f" y="%.1f" text-anchor="middle">%v</text>`+"\n",
				x, x, y0+panelHeight, y0+panelHeight+4, x, y0+panelHeight+15, m)
		}
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

// tickStep is a round interval giving about 6–12 ticks over span.
func tickStep(span time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute,
		2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour} {
		if span/s <= 12 {
			return s
		}
	}
	return span / 10
}
