package deploy

import (
	"fmt"
	"time"
)

// Policy is a deployment policy (aws:elasticbeanstalk:command
// DeploymentPolicy).
type Policy int

const (
	// AllAtOnce deploys to every instance at the same time. All of them are
	// out of service until they pass their health checks again; a failure
	// leaves the environment as it is, with no rollback. It is the API's
	// default.
	AllAtOnce Policy = iota
	// Rolling deploys batch by batch: each batch leaves the load balancer,
	// is deployed to, comes back and must become healthy before the next.
	// Capacity drops by one batch. A batch that does not become healthy
	// within the command timeout fails the deployment, leaving the batches
	// already done on the new version and the rest on the old: mixed
	// versions, no rollback.
	Rolling
	// RollingWithAdditionalBatch first launches one extra batch of new
	// instances with the new version, then rolls through every batch of
	// the original instances like Rolling, and terminates the additional
	// batch at the end: full capacity throughout, one batch of new
	// instances paid for meanwhile. A failure terminates the additional
	// batch and leaves the original instances as Rolling does: mixed
	// versions, no rollback.
	RollingWithAdditionalBatch
	// Immutable launches one instance with the new version in a temporary
	// Auto Scaling group, then, once it is healthy, as many as the
	// environment runs; once all of them are healthy (the first one
	// included, still checked) it moves them to the original group and
	// terminates the old ones. A failure terminates the temporary group:
	// the old instances were never touched.
	Immutable
	// TrafficSplitting launches a full set of new instances in a temporary
	// group and, once they are healthy, sends them NewVersionPercent of the
	// requests for EvaluationTime; if no new instance fails 3 checks within
	// a minute meanwhile, all traffic moves to them and the old instances
	// are terminated, otherwise traffic goes back and the new instances
	// are terminated.
	TrafficSplitting
)

// Policies lists the five policies in the order Compare runs them.
var Policies = []Policy{AllAtOnce, Rolling, RollingWithAdditionalBatch, Immutable, TrafficSplitting}

func (p Policy) String() string {
	switch p {
	case AllAtOnce:
		return "AllAtOnce"
	case Rolling:
		return "Rolling"
	case RollingWithAdditionalBatch:
		return "RollingWithAdditionalBatch"
	case Immutable:
		return "Immutable"
	case TrafficSplitting:
		return "TrafficSplitting"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// BatchSizeType says how Options.BatchSize is read.
type BatchSizeType int

const (
	Percentage BatchSizeType = iota // BatchSize is a percentage of the instances (the default)
	Fixed                           // BatchSize is a number of instances
)

func (t BatchSizeType) String() string {
	switch t {
	case Percentage:
		return "Percentage"
	case Fixed:
		return "Fixed"
	}
	return fmt.Sprintf("BatchSizeType(%d)", int(t))
}

// Status is an enhanced-health status of an instance, from best to worst.
type Status int

const (
	Ok       Status = iota // passing its health checks
	Warning                // a moderate number of errors, or a warning condition
	Degraded               // a high number of errors, or a degraded condition
	Severe                 // failing: a very high number of errors, or failing the load balancer's checks
)

func (s Status) String() string {
	switch s {
	case Ok:
		return "Ok"
	case Warning:
		return "Warning"
	case Degraded:
		return "Degraded"
	case Severe:
		return "Severe"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Limits and defaults of the deployment options.
const (
	DefaultBatchPercent      = 100
	DefaultTimeout           = 600 * time.Second
	MaxTimeout               = 3600 * time.Second
	TimeoutAddition          = 240 * time.Second // Elastic Beanstalk adds it to Timeout
	DefaultNewVersionPercent = 10
	DefaultEvaluationTime    = 5 * time.Minute
	MinEvaluationTime        = 3 * time.Minute
	MaxEvaluationTime        = 600 * time.Minute
)

// Options are the settings of one deployment. The zero value is Elastic
// Beanstalk's default: AllAtOnce, batches of 100 percent, a 600 s command
// timeout, health checks that count, an Ok threshold, 10 percent of the
// traffic for 5 minutes when splitting.
type Options struct {
	// Policy is the deployment policy.
	Policy Policy

	// BatchSizeType and BatchSize size the batches of Rolling and
	// RollingWithAdditionalBatch: a Percentage of the instances, 1–100
	// (rounded up to whole instances, at least one: a simulator choice,
	// AWS does not document the rounding), or a Fixed number,
	// 1–MaxSize (at most all the instances). Zero means 100 percent, or
	// for Fixed, is out of range.
	BatchSizeType BatchSizeType
	BatchSize     int

	// Timeout is the command timeout: 1 s–3,600 s, default 600 s. Elastic
	// Beanstalk adds 240 s to it: a batch or instance group has
	// Timeout + 240 s from the start of its deployment to become healthy.
	Timeout time.Duration

	// IgnoreHealthCheck keeps an AllAtOnce or rolling deployment going when
	// a batch does not become healthy within the timeout, instead of
	// failing it. It does not apply to Immutable and TrafficSplitting,
	// whose health decides the rollback. A hook that fails still fails the
	// deployment.
	IgnoreHealthCheck bool

	// HealthThreshold is HealthCheckSuccessThreshold: the worst status a
	// check may report and still count as passing. The zero value is Ok.
	// It does not apply with basic health.
	HealthThreshold Status

	// NewVersionPercent is the share of the requests TrafficSplitting sends
	// to the new instances during the evaluation: 1–100, default 10.
	NewVersionPercent int
	// EvaluationTime is how long TrafficSplitting evaluates the new
	// instances: 3–600 minutes in whole minutes, default 5.
	EvaluationTime time.Duration

	// OnEvent, if set, is called with each event of the timeline as the
	// simulation reaches it, on the goroutine that called Deploy, with no
	// lock held: it may send requests through Environment.Handler and see
	// the environment as it is at that moment. With a *clock.Mock, the
	// clock reads the event's time during the call; each move of the mock
	// costs the millisecond of real time the mock pauses for, so with many
	// events run the test in a testing/synctest bubble, where it is free.
	OnEvent func(Event)
}

// options is Options resolved for one environment.
type options struct {
	Options
	batch   int           // instances per batch, for the rolling policies
	timeout time.Duration // Timeout + 240 s
}

func invalidOption(field string, value any, want string) error {
	return fmt.Errorf("%w: %s = %v, want %s", ErrInvalidOption, field, value, want)
}

// allowed checks that the environment allows policy p: Immutable and
// TrafficSplitting need enhanced health, TrafficSplitting a web server
// environment.
func allowed(p Policy, cfg *resolved) error {
	switch p {
	case AllAtOnce, Rolling, RollingWithAdditionalBatch:
	case Immutable, TrafficSplitting:
		if cfg.Health != Enhanced {
			return fmt.Errorf("%w: %v with %v health", ErrEnhancedHealthRequired, p, cfg.Health)
		}
		if p == TrafficSplitting && cfg.Tier == Worker {
			return invalidOption("Policy", p, "a policy a worker environment supports (not TrafficSplitting, which needs an Application Load Balancer)")
		}
	default:
		return invalidOption("Policy", p, "AllAtOnce, Rolling, RollingWithAdditionalBatch, Immutable or TrafficSplitting")
	}
	return nil
}

// resolveOptions applies the defaults and checks o against the environment
// (its health reporting, tier, size and MaxSize).
func resolveOptions(o Options, cfg *resolved, instances int) (options, error) {
	r := options{Options: o}
	if err := allowed(o.Policy, cfg); err != nil {
		return r, err
	}
	switch o.BatchSizeType {
	case Percentage:
		if o.BatchSize == 0 {
			r.BatchSize = DefaultBatchPercent
		}
		if r.BatchSize < 1 || r.BatchSize > 100 {
			return r, invalidOption("BatchSize", o.BatchSize, "1–100 (Percentage)")
		}
		r.batch = max(1, (instances*r.BatchSize+99)/100)
	case Fixed:
		if o.BatchSize < 1 || o.BatchSize > cfg.MaxSize {
			return r, invalidOption("BatchSize", o.BatchSize, fmt.Sprintf("1–%d (Fixed, up to MaxSize)", cfg.MaxSize))
		}
		r.batch = min(o.BatchSize, max(instances, 1))
	default:
		return r, invalidOption("BatchSizeType", o.BatchSizeType, "Percentage or Fixed")
	}
	switch t := o.Timeout; {
	case t == 0:
		r.Timeout = DefaultTimeout
	case t < time.Second || t > MaxTimeout:
		return r, invalidOption("Timeout", t, "1s–1h0m0s")
	}
	r.timeout = r.Timeout + TimeoutAddition
	if o.HealthThreshold < Ok || o.HealthThreshold > Severe {
		return r, invalidOption("HealthThreshold", o.HealthThreshold, "Ok, Warning, Degraded or Severe")
	}
	switch p := o.NewVersionPercent; {
	case p == 0:
		r.NewVersionPercent = DefaultNewVersionPercent
	case p < 1 || p > 100:
		return r, invalidOption("NewVersionPercent", p, "1–100")
	}
	switch e := o.EvaluationTime; {
	case e == 0:
		r.EvaluationTime = DefaultEvaluationTime
	case e < MinEvaluationTime || e > MaxEvaluationTime || e%time.Minute != 0:
		return r, invalidOption("EvaluationTime", e, "3m0s–10h0m0s in whole minutes")
	}
	return r, nil
}
