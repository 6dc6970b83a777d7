package deploy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// Environment is a simulated Elastic Beanstalk environment: a fleet of
// instances behind a load balancer, each running an application version.
// Deploy rolls a new version out with a deployment policy; Handler routes
// requests to the instances in service.
type Environment struct {
	cfg  resolved
	mock *clock.Mock // cfg.Clock, when it is a mock

	mu          sync.Mutex
	fleet       []*instance // guarded by mu: running instances in launch order
	current     *release    // guarded by mu: the version last deployed successfully
	lb          balancer    // guarded by mu
	deploying   bool        // guarded by mu
	terminated  bool        // guarded by mu
	nextID      int         // guarded by mu
	deployments int         // guarded by mu
}

// Deployer is what code that rolls versions out needs of an environment;
// an *Environment is one, and a fake or a client of the real service could
// be.
type Deployer interface {
	Deploy(ctx context.Context, v Version, opts Options) (*Report, error)
}

var _ Deployer = (*Environment)(nil)

// instance is one EC2 instance of the environment.
type instance struct {
	id       string
	launched time.Time
	ended    time.Time // when it was terminated; zero while running

	// guarded by Environment.mu
	rel       *release // the version it runs; nil before the first deploy to it
	inService bool     // registered with the load balancer and passing its checks
	canary    bool     // in TrafficSplitting's temporary group: routed by the split only
	status    Status   // its last health check

	// owned by the goroutine running a deployment
	bad       bool            // drawn bad for rel
	startedAt time.Time       // when rel started on it
	temp      bool            // launched by the running deployment, which terminates it if it stops: a temporary group or the additional batch
	draining  bool            // taken out of service to be terminated
	gen       int             // the current chain of health checks
	group     *group          // the group whose rule its checks count for
	consec    int             // consecutive passing checks
	healthy   bool            // passed the rule for its group
	watched   bool            // monitored by a traffic-splitting evaluation
	fails     []time.Duration // failed checks during the evaluation, within the last minute
}

// New makes an environment from cfg, with cfg.Instances instances running
// cfg.Version, started now: each has the status the version gives it
// (Version.FailureRate, Version.Health at elapsed 0) and is in service
// unless that is Severe. It returns an error wrapping
// ErrInvalidConfig for a field out of range, or for a Database already
// attached to another environment or terminated.
func New(cfg Config) (*Environment, error) {
	r, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	rel, err := newRelease(r.Version)
	if err != nil {
		return nil, invalidConfig("Version", err, "a version whose bundle parses")
	}
	e := &Environment{cfg: r, current: rel}
	e.mock, _ = r.Clock.(*clock.Mock)
	if db := r.Database; db != nil {
		if err := db.attach(r.Name); err != nil {
			return nil, err
		}
	}
	now := r.Clock.Now()
	rng := rand.New(rand.NewPCG(r.Seed, 0))
	for range r.Instances {
		in := e.newInstanceLocked(now)
		in.rel = rel
		in.bad = rel.FailureRate > 0 && rng.Float64() < rel.FailureRate
		in.startedAt = now
		in.status = rel.status(in.id, in.bad, 0)
		in.inService = in.status != Severe
		e.fleet = append(e.fleet, in)
	}
	e.lb.dirty = true
	return e, nil
}

// newInstanceLocked makes an instance with the next ID.
func (e *Environment) newInstanceLocked(now time.Time) *instance {
	e.nextID++
	return &instance{id: fmt.Sprintf("i-%05d", e.nextID), launched: now}
}

// Name returns the environment's name. It is safe for concurrent use.
func (e *Environment) Name() string { return e.cfg.Name }

// Version returns the name of the version the environment last deployed
// successfully (at first, Config.Version's). After a failed rolling
// deployment the instances may run other versions too: see Instances. It
// does not block on a deployment and is safe for concurrent use; after
// Terminate it still answers.
func (e *Environment) Version() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.current.Name
}

// Instance describes one instance of the environment.
type Instance struct {
	ID        string
	Version   string // empty while nothing runs on it yet
	InService bool   // the load balancer routes requests to it
	Health    Status // its last health check
	Launched  time.Time
}

// Instances returns the instances running now, in launch order, including
// those of a temporary group during a deployment. It does not block on a
// deployment and is safe for concurrent use; the slice is the caller's.
// After Terminate it returns nil.
func (e *Environment) Instances() []Instance {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Instance, 0, len(e.fleet))
	for _, in := range e.fleet {
		v := ""
		if in.rel != nil {
			v = in.rel.Name
		}
		out = append(out, Instance{ID: in.id, Version: v, InService: in.inService, Health: in.status, Launched: in.launched})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Versions returns how many running instances run each version, in a map
// of the caller's. It does not block on a deployment and is safe for
// concurrent use; after Terminate the map is empty.
func (e *Environment) Versions() map[string]int {
	m := map[string]int{}
	for _, in := range e.Instances() {
		if in.Version != "" {
			m[in.Version]++
		}
	}
	return m
}

// Terminate terminates the environment (TerminateEnvironment): its
// instances, and the database attached inside it (Config.Database);
// External databases survive. It returns ErrDeploymentInProgress during a
// deployment and ErrTerminated the second time. Afterwards Deploy returns
// ErrTerminated, Handler answers 503, Instances returns nil, Versions an
// empty map, and Name and Version still answer (the version last deployed
// successfully). It is safe for concurrent use.
func (e *Environment) Terminate() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.terminated:
		return fmt.Errorf("environment %q: terminate: %w", e.cfg.Name, ErrTerminated)
	case e.deploying:
		return fmt.Errorf("environment %q: terminate: %w", e.cfg.Name, ErrDeploymentInProgress)
	}
	e.terminated = true
	now := e.cfg.Clock.Now()
	for _, in := range e.fleet {
		in.inService = false
		in.ended = now
	}
	e.fleet = nil
	e.lb.dirty = true
	if db := e.cfg.Database; db != nil {
		db.terminate()
	}
	return nil
}

// Deploy deploys v to the environment with the policy and settings of opts,
// and returns the Report of the deployment.
//
// It blocks until the deployment ends. With a *clock.Mock as Config.Clock
// it does not wait: it computes the deployment event by event and moves the
// mock to the deployment's end before it returns (and to each event's time
// before calling opts.OnEvent), so nothing else should move that mock
// meanwhile. With any other clock it waits on the clock's timers for each
// event, so a deployment takes as long as it says.
//
// A deployment that fails returns its Report and an error wrapping
// ErrDeploymentFailed; the environment is left as the policy leaves it
// (see Policy). Bad input returns an error wrapping ErrInvalidVersion,
// ErrInvalidProcfile, ErrInvalidBuildfile, ErrInvalidOption or
// ErrEnhancedHealthRequired and changes nothing; so do
// ErrDeploymentInProgress and ErrTerminated. If ctx is done first, Deploy
// stops where the deployment is and returns ctx.Err(), as
// AbortEnvironmentUpdate would but at once: a traffic split ends, the
// instances the deployment launched (a temporary group, the additional
// batch) or was terminating are terminated, and the others stay as they
// are (instances out of service stay out until a later deployment). It is
// safe for concurrent use; one deployment runs at a time.
func (e *Environment) Deploy(ctx context.Context, v Version, opts Options) (*Report, error) {
	return e.deploy(ctx, v, opts, false)
}

// deploy is Deploy; with keepMock, a mock clock is not moved to the
// deployment's end (the mock's move pauses 1 ms of real time, which the
// benchmarks of the simulation leave out).
func (e *Environment) deploy(ctx context.Context, v Version, opts Options, keepMock bool) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rel, err := newRelease(v)
	if err != nil {
		return nil, fmt.Errorf("environment %q: %w", e.cfg.Name, err)
	}
	e.mu.Lock()
	if e.terminated {
		e.mu.Unlock()
		return nil, fmt.Errorf("environment %q: %w", e.cfg.Name, ErrTerminated)
	}
	if e.deploying {
		e.mu.Unlock()
		return nil, fmt.Errorf("environment %q: %w", e.cfg.Name, ErrDeploymentInProgress)
	}
	o, err := resolveOptions(opts, &e.cfg, len(e.fleet))
	if err != nil {
		e.mu.Unlock()
		return nil, fmt.Errorf("environment %q: %w", e.cfg.Name, err)
	}
	e.deploying = true
	e.deployments++
	s := newSim(e, rel, o, e.deployments, slices.Clone(e.fleet))
	s.keepMock = keepMock
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.deploying = false
		e.mu.Unlock()
	}()
	rep, err := s.run(ctx)
	if err != nil {
		return nil, err
	}
	if !rep.Succeeded {
		return rep, fmt.Errorf("environment %q: deploy %q with %v: %w: %s", e.cfg.Name, rel.Name, o.Policy, ErrDeploymentFailed, rep.FailureReason)
	}
	return rep, nil
}

// Database is an RDS database instance an environment uses: attached inside
// it (Config.Database), it is terminated with the environment; connected
// from outside (Config.External), it survives. It is safe for concurrent
// use.
type Database struct {
	name string

	mu         sync.Mutex
	attachedTo string // guarded by mu: the environment it is coupled to
	terminated bool   // guarded by mu
}

// NewDatabase returns a running database named name.
func NewDatabase(name string) *Database { return &Database{name: name} }

// Name returns the database's name.
func (d *Database) Name() string { return d.name }

// Terminated reports whether the database was terminated with the
// environment it was attached to.
func (d *Database) Terminated() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.terminated
}

func (d *Database) attach(env string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.terminated:
		return invalidConfig("Database", d.name, "a database that is not terminated")
	case d.attachedTo != "":
		return invalidConfig("Database", d.name, fmt.Sprintf("a database not attached to another environment (it is in %q)", d.attachedTo))
	}
	d.attachedTo = env
	return nil
}

func (d *Database) terminate() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.terminated = true
}

// balancer is the environment's load balancer: round robin over the
// instances in service, and during a traffic-splitting evaluation a split
// between the old instances and the canaries that never gives the canaries
// more than their percent. Guarded by Environment.mu.
type balancer struct {
	dirty  bool        // pool and canary must be rebuilt from the fleet
	pool   []*instance // in service, not canaries
	canary []*instance // in service, canaries
	next   uint64      // round-robin position in pool
	nextC  uint64      // round-robin position in canary

	split        int    // percent of requests for the canaries; 0 routes them none
	served       uint64 // requests routed since the split began
	servedCanary uint64 // of which to canaries
}

// pickLocked chooses the instance for one request, or nil when none is in
// service.
func (b *balancer) pickLocked(fleet []*instance) *instance {
	if b.dirty {
		b.pool, b.canary = b.pool[:0], b.canary[:0]
		for _, in := range fleet {
			switch {
			case !in.inService:
			case in.canary:
				b.canary = append(b.canary, in)
			default:
				b.pool = append(b.pool, in)
			}
		}
		b.dirty = false
	}
	toCanary := false
	if b.split > 0 && len(b.canary) > 0 {
		// The canaries get this request only if they stay within their
		// share: servedCanary+1 ≤ split% of served+1.
		toCanary = len(b.pool) == 0 || (b.servedCanary+1)*100 <= uint64(b.split)*(b.served+1)
		b.served++
		if toCanary {
			b.servedCanary++
		}
	}
	if toCanary {
		in := b.canary[b.nextC%uint64(len(b.canary))]
		b.nextC++
		return in
	}
	if len(b.pool) == 0 {
		return nil
	}
	in := b.pool[b.next%uint64(len(b.pool))]
	b.next++
	return in
}

// startSplitLocked begins a traffic split giving percent of the requests
// to the canaries.
func (b *balancer) startSplitLocked(percent int) {
	b.split, b.served, b.servedCanary = percent, 0, 0
	b.dirty = true
}

// Handler returns the environment's load balancer as an http.Handler. Each
// request goes to one instance in service, in turn (during a
// traffic-splitting evaluation, the new instances get at most
// NewVersionPercent of the requests and the old ones the rest), and is
// answered by the Handler of the version that instance runs, with the
// headers X-Instance-Id and X-App-Version set. With no instance in service
// (an AllAtOnce deployment, a terminated environment) it answers 503. It
// is safe for concurrent use, also during a deployment; the version's
// handler runs with no lock held.
func (e *Environment) Handler() http.Handler { return lbHandler{e} }

type lbHandler struct{ e *Environment }

func (h lbHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e := h.e
	e.mu.Lock()
	in := e.lb.pickLocked(e.fleet)
	var rel *release
	var id string
	if in != nil {
		rel, id = in.rel, in.id
	}
	e.mu.Unlock()
	if rel == nil {
		http.Error(w, "503 Service Unavailable: no instance in service", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("X-Instance-Id", id)
	w.Header().Set("X-App-Version", rel.Name)
	rel.handler.ServeHTTP(w, r)
}
