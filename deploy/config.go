package deploy

import (
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
)

// Defaults and limits of an environment.
const (
	DefaultName                = "environment"
	DefaultMinSize             = 1     // aws:autoscaling:asg MinSize
	DefaultMaxSize             = 4     // aws:autoscaling:asg MaxSize
	MaxInstances               = 10000 // the highest MinSize and MaxSize
	DefaultHealthCheckInterval = 10 * time.Second
	MinHealthCheckInterval     = 5 * time.Second
	MaxHealthCheckInterval     = 300 * time.Second
	DefaultDrain               = 20 * time.Second // the process's DeregistrationDelay
	MaxDrain                   = time.Hour
	MaxTiming                  = time.Hour // the highest Range.Max
	DefaultVersionName         = "sample-application"
)

// Default timing ranges. Each instance draws its own time uniformly from a
// range, from the environment's seeded source.
var (
	DefaultProvision = Range{Min: 60 * time.Second, Max: 120 * time.Second}
	DefaultDeploy    = Range{Min: 20 * time.Second, Max: 40 * time.Second}
)

// NoDrain, as Timings.Drain, takes instances out of service and terminates
// them without waiting. (A zero Drain means the 20 s default.)
const NoDrain time.Duration = -1

// HealthReporting is the environment's health reporting system.
type HealthReporting int

const (
	// Enhanced health (the default on Amazon Linux 2 platforms): an instance
	// is healthy after 12 consecutive checks, 10 s apart, at or better than
	// the health threshold (18 in a worker environment).
	Enhanced HealthReporting = iota
	// Basic health: an instance is healthy once it passes one load-balancer
	// health check. Immutable and TrafficSplitting are not allowed.
	Basic
)

func (h HealthReporting) String() string {
	switch h {
	case Enhanced:
		return "enhanced"
	case Basic:
		return "basic"
	}
	return fmt.Sprintf("HealthReporting(%d)", int(h))
}

// Tier is the environment tier.
type Tier int

const (
	// WebServer is a load-balanced web server environment (the default).
	WebServer Tier = iota
	// Worker is a worker environment: enhanced health needs 18 consecutive
	// checks, and TrafficSplitting is not allowed (it needs an Application
	// Load Balancer).
	Worker
)

func (t Tier) String() string {
	switch t {
	case WebServer:
		return "WebServer"
	case Worker:
		return "Worker"
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// Range is a uniform distribution of durations from Min to Max inclusive.
// The zero Range means the field's default.
type Range struct {
	Min, Max time.Duration
}

// Timings are how long the steps of a deployment take.
type Timings struct {
	// Provision is the time from launching an instance to the instance
	// being ready for the application: 0 < Max ≤ 1 h, 0 ≤ Min ≤ Max.
	// Default 60–120 s.
	Provision Range
	// Deploy is the time to download, extract, build and start a version on
	// an instance, hooks included: 0 < Max ≤ 1 h, 0 ≤ Min ≤ Max. Default
	// 20–40 s.
	Deploy Range
	// HealthCheckInterval is the time between two load-balancer health
	// checks of an instance, which decide whether it is in service, and,
	// with basic health, whether it is healthy: 5–300 s, default 10 s.
	// Enhanced health reports every EnhancedCheckInterval (10 s) whatever
	// this is, so its 12 consecutive checks take the documented 2 minutes;
	// an instance in service is healthy only once this check passed it too.
	HealthCheckInterval time.Duration
	// Drain is how long an instance taken out of the load balancer keeps
	// finishing its requests before it is deployed to or terminated:
	// 0–1 h. Zero means the default, 20 s; NoDrain means none.
	Drain time.Duration
}

// Config describes an environment. Its zero value is a load-balanced web
// server environment of one instance (the Auto Scaling group's default
// MinSize; MaxSize 4) running the sample application, with enhanced health
// and the real clock.
type Config struct {
	// Name is 4–40 letters, digits and hyphens, not starting or ending
	// with a hyphen. Empty means "environment".
	Name string

	// Instances is how many instances run: MinSize–MaxSize. Zero means
	// MinSize.
	Instances int
	// MinSize and MaxSize bound the Auto Scaling group: 1–10,000, MinSize ≤
	// MaxSize. Zero means 1 and 4 (at least MinSize). A Fixed batch size
	// may not exceed MaxSize.
	MinSize, MaxSize int

	// Version is the version the instances run from the start. The zero
	// Version is a healthy one named "sample-application".
	Version Version

	// Health is the health reporting system; the zero value is Enhanced.
	Health HealthReporting
	// Tier is WebServer (the zero value) or Worker.
	Tier Tier

	// Timings of the steps of a deployment; the zero value means the
	// defaults of each field.
	Timings Timings

	// Seed seeds the source the timings and bad instances are drawn from:
	// two environments made with the same Config deploy the same version in
	// the same way.
	Seed uint64

	// Database, if set, is attached inside the environment (an RDS instance
	// added with the environment, aws:rds:dbinstance): it is terminated
	// when the environment is. It may be attached to one environment only.
	Database *Database
	// External databases are ones the application merely connects to (their
	// endpoint in environment properties): they survive the environment.
	External []*Database

	// Clock is the clock deployments run on. Nil means the real clock, on
	// which a deployment takes as long as it says. With a *clock.Mock,
	// Deploy computes the deployment at once and moves the mock itself.
	Clock clock.Clock
}

// resolved is a Config with the defaults applied and every value checked.
type resolved struct {
	Config
	required int // consecutive checks for a healthy instance
}

func invalidConfig(field string, value any, want string) error {
	return fmt.Errorf("%w: %s = %v, want %s", ErrInvalidConfig, field, value, want)
}

// resolve applies the defaults in one place and checks every field.
func resolve(c Config) (resolved, error) {
	c.External = append([]*Database(nil), c.External...)
	r := resolved{Config: c}
	if r.Name == "" {
		r.Name = DefaultName
	}
	if !validEnvName(r.Name) {
		return r, invalidConfig("Name", fmt.Sprintf("%q", c.Name), "4–40 letters, digits and hyphens, no hyphen first or last")
	}
	if c.MinSize == 0 {
		r.MinSize = DefaultMinSize
	}
	if r.MinSize < 1 || r.MinSize > MaxInstances {
		return r, invalidConfig("MinSize", c.MinSize, "1–10000")
	}
	if c.MaxSize == 0 {
		r.MaxSize = max(DefaultMaxSize, r.MinSize)
	}
	if r.MaxSize < r.MinSize || r.MaxSize > MaxInstances {
		return r, invalidConfig("MaxSize", c.MaxSize, fmt.Sprintf("%d–10000 (at least MinSize)", r.MinSize))
	}
	if c.Instances == 0 {
		r.Instances = r.MinSize
	}
	if r.Instances < r.MinSize || r.Instances > r.MaxSize {
		return r, invalidConfig("Instances", c.Instances, fmt.Sprintf("%d–%d (MinSize–MaxSize)", r.MinSize, r.MaxSize))
	}
	if c.Version.Name == "" && c.Version.Health == nil && c.Version.FailureRate == 0 && c.Version.Handler == nil {
		r.Version.Name = DefaultVersionName
	}
	if err := checkVersion(r.Version); err != nil {
		return r, invalidConfig("Version", err, "a valid version")
	}
	switch c.Health {
	case Enhanced:
		r.required = 12
		if c.Tier == Worker {
			r.required = 18
		}
	case Basic:
		r.required = 1
	default:
		return r, invalidConfig("Health", c.Health, "Enhanced or Basic")
	}
	if c.Tier != WebServer && c.Tier != Worker {
		return r, invalidConfig("Tier", c.Tier, "WebServer or Worker")
	}
	var err error
	if r.Timings.Provision, err = resolveRange("Timings.Provision", c.Timings.Provision, DefaultProvision); err != nil {
		return r, err
	}
	if r.Timings.Deploy, err = resolveRange("Timings.Deploy", c.Timings.Deploy, DefaultDeploy); err != nil {
		return r, err
	}
	switch i := c.Timings.HealthCheckInterval; {
	case i == 0:
		r.Timings.HealthCheckInterval = DefaultHealthCheckInterval
	case i < MinHealthCheckInterval || i > MaxHealthCheckInterval:
		return r, invalidConfig("Timings.HealthCheckInterval", i, "5s–5m0s")
	}
	switch d := c.Timings.Drain; {
	case d == 0:
		r.Timings.Drain = DefaultDrain
	case d == NoDrain:
		r.Timings.Drain = 0
	case d < 0 || d > MaxDrain:
		return r, invalidConfig("Timings.Drain", d, "0s–1h0m0s (or NoDrain)")
	}
	for i, db := range r.External {
		if db == nil {
			return r, invalidConfig(fmt.Sprintf("External[%d]", i), nil, "a database")
		}
		if db == c.Database {
			return r, invalidConfig(fmt.Sprintf("External[%d]", i), db.Name(), "a database other than Database")
		}
	}
	if r.Clock == nil {
		r.Clock = clock.New()
	}
	return r, nil
}

func resolveRange(field string, v, def Range) (Range, error) {
	if v == (Range{}) {
		return def, nil
	}
	if v.Max <= 0 || v.Max > MaxTiming || v.Min < 0 || v.Min > v.Max {
		return v, invalidConfig(field, fmt.Sprintf("%v–%v", v.Min, v.Max), "0 ≤ Min ≤ Max, 0 < Max ≤ 1h0m0s")
	}
	return v, nil
}

// validEnvName reports whether s follows the Elastic Beanstalk rule for
// environment names.
func validEnvName(s string) bool {
	if len(s) < 4 || len(s) > 40 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
