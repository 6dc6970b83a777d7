package deploy

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"
)

// event is a scheduled step of the simulation. Events at the same time run
// in the order they were scheduled, except that deadlines (late events: a
// command timeout, the end of an evaluation) run after every other event of
// their instant, so a check that comes exactly at a deadline still counts.
// A health check, by far the most common event, is its instance,
// generation and kind rather than a closure, so it allocates nothing.
type event struct {
	at   time.Duration // from the deployment's start
	late bool
	kind checkKind // with in, when fn is nil
	seq  uint64
	fn   func()
	in   *instance
	gen  int
}

// eventHeap is a binary min-heap of events by (at, late, seq).
type eventHeap []event

func (h eventHeap) less(i, j int) bool {
	a, b := &h[i], &h[j]
	if a.at != b.at {
		return a.at < b.at
	}
	if a.late != b.late {
		return b.late
	}
	return a.seq < b.seq
}

func (h *eventHeap) push(ev event) {
	*h = append(*h, ev)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if !a.less(i, p) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

func (h *eventHeap) pop() event {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a[n] = event{} // nothing pinned by the vacated slot
	a = a[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && a.less(l, m) {
			m = l
		}
		if r < n && a.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return top
}

// idle is the group of the instances no group of the running deployment
// has taken: done, so only the load balancer checks them.
var idle = &group{label: "idle", done: true}

// sim is one deployment: a discrete-event simulation on the deployment's
// own time line. Only the goroutine running Deploy touches it; it takes the
// environment's lock only to change what the load balancer and Instances
// see.
type sim struct {
	env   *Environment
	o     options
	rel   *release
	rng   *rand.Rand
	start time.Time
	now   time.Duration
	heap  eventHeap
	seq   uint64
	done  bool

	leader     bool // the leader instance has been chosen
	split      bool // a traffic-splitting evaluation is running
	onEvalFail func(in *instance, st Status)
	counts     []int // in service per version, indexed like rep.Versions
	versions   map[string]int
	touched    []*instance // every instance that ran during the deployment
	running    int
	rep        *Report
	keepMock   bool // leave the mock where it is at the end (only benchmarks do)
}

func newSim(e *Environment, rel *release, o options, seq int, fleet []*instance) *sim {
	s := &sim{
		env:      e,
		o:        o,
		rel:      rel,
		rng:      rand.New(rand.NewPCG(e.cfg.Seed, uint64(seq))),
		start:    e.cfg.Clock.Now(),
		versions: map[string]int{},
		touched:  fleet,
		running:  len(fleet),
		rep: &Report{
			Environment: e.cfg.Name,
			Policy:      o.Policy,
			Version:     rel.Name,
			Target:      len(fleet),
			Plan:        rel.plan,
			Events:      make([]Event, 0, 4*len(fleet)+16), // about what a deployment records
		},
	}
	s.rep.PeakInstances = s.running
	for _, in := range fleet {
		if in.rel != nil {
			s.versionIndex(in.rel.Name)
		}
	}
	s.versionIndex(rel.Name)
	for _, in := range fleet {
		if in.inService {
			s.counts[s.versions[in.rel.Name]]++
		}
	}
	return s
}

func (s *sim) versionIndex(name string) int {
	i, ok := s.versions[name]
	if !ok {
		i = len(s.rep.Versions)
		s.versions[name] = i
		s.rep.Versions = append(s.rep.Versions, name)
		s.counts = append(s.counts, 0)
	}
	return i
}

// at schedules fn at t.
func (s *sim) at(t time.Duration, fn func()) {
	s.seq++
	s.heap.push(event{at: t, seq: s.seq, fn: fn})
}

// deadline schedules fn at t, after every other event of that instant.
func (s *sim) deadline(t time.Duration, fn func()) {
	s.seq++
	s.heap.push(event{at: t, late: true, seq: s.seq, fn: fn})
}

// after schedules fn d from now.
func (s *sim) after(d time.Duration, fn func()) { s.at(s.now+d, fn) }

// checkAfter schedules a health check of in, of generation gen, d from now.
func (s *sim) checkAfter(d time.Duration, in *instance, gen int, kind checkKind) {
	s.seq++
	s.heap.push(event{at: s.now + d, seq: s.seq, in: in, gen: gen, kind: kind})
}

func (s *sim) time() time.Time { return s.start.Add(s.now) }

// draw returns a duration from r, to the millisecond.
func (s *sim) draw(r Range) time.Duration {
	span := int64((r.Max - r.Min) / time.Millisecond)
	return r.Min + time.Duration(s.rng.Int64N(span+1))*time.Millisecond
}

// run runs the deployment to its end and returns its report.
func (s *sim) run(ctx context.Context) (*Report, error) {
	s.recordCapacity()
	s.emit(DeploymentStarted, nil, s.o.Policy.String())
	for _, in := range s.touched {
		in.group = idle
		s.startLBChecks(in)
	}
	s.begin()
	for n := 0; !s.done && len(s.heap) > 0; n++ {
		ev := s.heap.pop()
		if ev.at > s.now {
			if s.env.mock == nil {
				if err := s.wait(ctx, ev.at); err != nil {
					s.abandon()
					return nil, err
				}
			}
			s.now = ev.at
		}
		// every 256 events, or after each OnEvent, which may cancel
		if (n%256 == 0 || s.o.OnEvent != nil) && ctx.Err() != nil {
			s.abandon()
			return nil, ctx.Err()
		}
		if ev.fn != nil {
			ev.fn()
		} else {
			s.check(ev.in, ev.gen, ev.kind)
		}
	}
	if s.env.mock != nil && !s.keepMock {
		s.moveMock()
	}
	return s.report(), nil
}

// abandon stops a deployment whose context ended where it is, as
// AbortEnvironmentUpdate would: a traffic split ends, and the instances
// the deployment launched (a temporary group, the additional batch) and
// those it was terminating are terminated at once, so the environment
// keeps its size.
func (s *sim) abandon() {
	e := s.env
	t := s.time()
	e.mu.Lock()
	e.lb.split = 0
	for _, in := range e.fleet {
		in.canary = false
		if in.temp || in.draining {
			in.inService = false
			in.ended = t
		}
	}
	e.fleet = slices.DeleteFunc(e.fleet, func(in *instance) bool { return !in.ended.IsZero() })
	e.lb.dirty = true
	e.mu.Unlock()
	if e.mock != nil {
		s.moveMock()
	}
}

// wait waits on the real (or a custom) clock until the deployment's time t.
func (s *sim) wait(ctx context.Context, t time.Duration) error {
	clk := s.env.cfg.Clock
	d := s.start.Add(t).Sub(clk.Now())
	if d <= 0 {
		return ctx.Err()
	}
	tm := clk.Timer(d)
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		tm.Stop()
		return ctx.Err()
	}
}

// moveMock moves the mock clock to the simulation's time.
func (s *sim) moveMock() {
	if d := s.time().Sub(s.env.mock.Now()); d > 0 {
		s.env.mock.Add(d)
	}
}

// emit adds an event to the timeline and tells OnEvent.
func (s *sim) emit(kind EventKind, in *instance, msg string) {
	ev := Event{Time: s.time(), Kind: kind, Message: msg}
	if in != nil {
		ev.Instance = in.id
		if in.rel != nil {
			ev.Version = in.rel.Name
		}
	}
	s.rep.Events = append(s.rep.Events, ev)
	if s.o.OnEvent != nil {
		if s.env.mock != nil {
			s.moveMock()
		}
		s.o.OnEvent(ev)
	}
}

// recordCapacity adds a point to the capacity series, or replaces the last
// one if it is at the same time.
func (s *sim) recordCapacity() {
	t := s.time()
	c := s.rep.Capacity
	if n := len(c); n > 0 && c[n-1].Time.Equal(t) {
		if len(c[n-1].InService) == len(s.counts) {
			copy(c[n-1].InService, s.counts)
			if n > 1 && equalInts(c[n-2].InService, s.counts) {
				s.rep.Capacity = c[:n-1]
			}
			return
		}
		s.rep.Capacity = c[:n-1]
	} else if n > 0 && equalInts(c[n-1].InService, s.counts) {
		return
	}
	s.rep.Capacity = append(s.rep.Capacity, CapacityPoint{Time: t, InService: append([]int(nil), s.counts...)})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// setInService registers an instance with the load balancer or takes it
// out, and records the change.
func (s *sim) setInService(in *instance, on bool, msg string) {
	if in.inService == on || on && in.rel == nil {
		return
	}
	e := s.env
	e.mu.Lock()
	in.inService = on
	e.lb.dirty = true
	e.mu.Unlock()
	i := s.versions[in.rel.Name]
	if on {
		s.counts[i]++
		s.emit(InstanceInService, in, msg)
	} else {
		s.counts[i]--
		s.emit(InstanceOutOfService, in, msg)
	}
	s.recordCapacity()
}

// setRelease makes rel run on an instance that is out of service.
func (s *sim) setRelease(in *instance, rel *release) {
	s.env.mu.Lock()
	in.rel = rel
	in.status = Ok
	s.env.mu.Unlock()
	in.bad = rel.FailureRate > 0 && s.rng.Float64() < rel.FailureRate
	in.startedAt = s.time()
}

// setStatus records an instance's last health check.
func (s *sim) setStatus(in *instance, st Status) {
	if in.status != st {
		s.env.mu.Lock()
		in.status = st
		s.env.mu.Unlock()
	}
}

// launch starts a new instance, with nothing running on it yet.
func (s *sim) launch(temp, canary bool) *instance {
	e := s.env
	e.mu.Lock()
	in := e.newInstanceLocked(s.time())
	in.temp, in.canary = temp, canary
	e.fleet = append(e.fleet, in)
	e.mu.Unlock()
	s.touched = append(s.touched, in)
	s.running++
	s.rep.PeakInstances = max(s.rep.PeakInstances, s.running)
	s.emit(InstanceLaunched, in, "")
	return in
}

// terminate takes an instance out of service and terminates it once it
// has drained; then runs then, if not nil, once all of ins are gone.
func (s *sim) terminate(ins []*instance, why string, then func()) {
	for _, in := range ins {
		in.draining = true
		in.gen++ // no more health checks
		s.setInService(in, false, why)
	}
	s.after(s.env.cfg.Timings.Drain, func() {
		e := s.env
		t := s.time()
		for _, in := range ins {
			in.ended = t
		}
		e.mu.Lock()
		e.fleet = slices.DeleteFunc(e.fleet, func(in *instance) bool { return !in.ended.IsZero() })
		e.lb.dirty = true
		e.mu.Unlock()
		for _, in := range ins {
			s.running--
			s.emit(InstanceTerminated, in, why)
		}
		if then != nil {
			then()
		}
	})
}

// status is the health of an instance now.
func (s *sim) status(in *instance) Status {
	if in.rel == nil {
		return Severe
	}
	return in.rel.status(in.id, in.bad, s.time().Sub(in.startedAt))
}
