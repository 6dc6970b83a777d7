package deploy

import (
	"fmt"
	"slices"
	"time"
)

// EnhancedCheckInterval is how often the enhanced health agent reports an
// instance's status: the 12 consecutive checks of the enhanced-health rule
// take the documented 2 minutes (18 checks, 3 minutes, in a worker
// environment), whatever Timings.HealthCheckInterval, which paces the load
// balancer's checks and, with basic health, the rule's single check. An
// instance a batch puts in service is healthy only once the load balancer
// has passed it too, as enhanced health combines the two.
const EnhancedCheckInterval = 10 * time.Second

// SustainedFailures failed checks within SustainedWindow fail an instance
// under a traffic-splitting evaluation: enhanced health changes an
// environment's status only after an instance fails at least three checks
// in a one-minute period, so one bad check alone does not roll back.
const (
	SustainedFailures = 3
	SustainedWindow   = time.Minute
)

// checkKind says what a chain of health checks decides.
type checkKind uint8

const (
	statusCheck checkKind = 1 << iota // the instance's status: its group's rule, an evaluation
	lbCheck                           // load-balancer membership: in service unless Severe
)

// group is a set of instances deployed to together (a batch, the instances
// of a temporary group), waiting to be healthy before the command timeout.
type group struct {
	label    string
	members  []*instance
	attach   bool // members go in service when they pass the load balancer's checks
	pending  int  // deploy commands still running
	failed   string
	healthy  int
	done     bool
	deadline time.Duration
	then     func(ok bool, why string)
}

// deployTo deploys the new version to members (launching them first when
// launch is set) and calls then once every member is healthy (ok), or
// when a hook failed or the timeout ran out (not ok, with the reason).
// With attach, each member is in service whenever its last load-balancer
// check passed (its status is better than Severe). The instances of keep,
// already running the new version, join the group as they are: their
// checks go on, and they too must be healthy when the group is.
func (s *sim) deployTo(label string, members []*instance, launch, attach bool, keep []*instance, then func(ok bool, why string)) {
	g := &group{label: label, members: append(slices.Clip(members), keep...), attach: attach, pending: len(members), deadline: s.now + s.o.timeout, then: then}
	msg := fmt.Sprintf("%s: %d instance(s)", label, len(g.members))
	if len(keep) > 0 {
		msg += fmt.Sprintf(" (%d already running)", len(keep))
	}
	s.emit(BatchStarted, nil, msg)
	if len(g.members) == 0 {
		s.finishGroup(g, true, "")
		return
	}
	for _, in := range keep {
		in.group = g
		if in.healthy {
			g.healthy++
		}
	}
	for _, in := range members {
		in.gen++
		in.group = g
		in.consec, in.healthy = 0, false
		d := s.draw(s.env.cfg.Timings.Deploy)
		if launch {
			d += s.draw(s.env.cfg.Timings.Provision)
		}
		gen := in.gen
		s.after(d, func() { s.deployed(g, in, gen) })
	}
	s.deadline(g.deadline, func() { s.timedOut(g) })
	s.maybeHealthy(g)
}

// deployed runs when the deploy command ends on an instance: the hooks run,
// and the version starts or, if one failed, the instance keeps its old one.
func (s *sim) deployed(g *group, in *instance, gen int) {
	if g.done || in.gen != gen {
		return
	}
	leader := !s.leader
	s.leader = true
	g.pending--
	if err := s.rel.runHooks(in.id, leader); err != nil {
		s.emit(HookFailed, in, err.Error())
		if g.failed == "" {
			g.failed = err.Error()
		}
		if g.attach && in.rel != nil {
			// the old version never stopped: back in service if its
			// health allows, and checked by the load balancer again
			st := s.status(in)
			s.setStatus(in, st)
			s.setInService(in, st != Severe, "deployment aborted, previous version")
			s.startLBChecks(in)
		}
	} else {
		s.setRelease(in, s.rel)
		s.emit(InstanceDeployed, in, g.label)
		s.startChecks(in)
	}
	if g.pending == 0 && g.failed != "" {
		s.finishGroup(g, false, g.failed)
		return
	}
	s.maybeHealthy(g)
}

// startChecks starts the health checks of an instance that has just
// started its version: its status every EnhancedCheckInterval with
// enhanced health (every HealthCheckInterval with basic health), and its
// load-balancer membership every HealthCheckInterval; one chain when the
// two intervals agree.
func (s *sim) startChecks(in *instance) {
	gen := in.gen
	lb := s.env.cfg.Timings.HealthCheckInterval
	st := lb
	if s.env.cfg.Health == Enhanced {
		st = EnhancedCheckInterval
	}
	if st == lb {
		s.checkAfter(st, in, gen, statusCheck|lbCheck)
		return
	}
	s.checkAfter(st, in, gen, statusCheck)
	s.checkAfter(lb, in, gen, lbCheck)
}

// startLBChecks starts the load balancer's checks of an instance outside
// any running group, if its status can change (its version has a health
// model) or its membership does not match its status (a cancelled
// deployment left it out): it is in service whenever its last check was
// better than Severe.
func (s *sim) startLBChecks(in *instance) {
	if !mayChange(in) && in.inService == (s.status(in) != Severe) {
		return
	}
	gen := in.gen
	s.checkAfter(s.env.cfg.Timings.HealthCheckInterval, in, gen, lbCheck)
}

// mayChange reports whether an instance's status can change: it runs a
// version with a health model and was not drawn bad.
func mayChange(in *instance) bool {
	return in.rel != nil && !in.bad && in.rel.Health != nil
}

// check is one health check of an instance: of its status, its
// load-balancer membership, or both. Once its group is done, only the
// load balancer goes on checking it: after applying a check, it stops
// when the status cannot change (membership then matches it for good),
// unless an evaluation watches the instance.
func (s *sim) check(in *instance, gen int, kind checkKind) {
	g := in.group
	if s.done || in.gen != gen || in.draining || g.done && !in.watched && kind&lbCheck == 0 {
		return
	}
	st := s.status(in)
	if kind&lbCheck != 0 && (g.attach || g.done || in.watched) && in.inService != (st != Severe) {
		s.setInService(in, st != Severe, "health "+st.String())
	}
	if g.done && !in.watched {
		s.setStatus(in, st)
		if !mayChange(in) {
			return // membership now matches a status that cannot change
		}
	}
	every := s.env.cfg.Timings.HealthCheckInterval
	if kind&statusCheck != 0 {
		if s.env.cfg.Health == Enhanced {
			every = EnhancedCheckInterval
		}
		s.setStatus(in, st)
		pass := st <= s.o.HealthThreshold
		if s.env.cfg.Health == Basic {
			pass = st != Severe
		}
		if in.watched && !pass && s.sustained(in) {
			s.onEvalFail(in, st)
			return
		}
		if !g.done {
			s.countCheck(g, in, pass)
		}
	}
	s.checkAfter(every, in, gen, kind)
}

// sustained records a failed check of a watched instance and reports
// whether it has now failed SustainedFailures checks within
// SustainedWindow.
func (s *sim) sustained(in *instance) bool {
	from := s.now - SustainedWindow
	in.fails = slices.DeleteFunc(in.fails, func(t time.Duration) bool { return t < from })
	in.fails = append(in.fails, s.now)
	return len(in.fails) >= SustainedFailures
}

// countCheck applies the group's rule to one status check: healthy after
// the required consecutive passing checks and, in a group whose members
// go in service, once the load balancer has put it in service; a failing
// check resets the count and makes a healthy instance unhealthy again.
func (s *sim) countCheck(g *group, in *instance, pass bool) {
	if pass {
		in.consec++
	} else {
		in.consec = 0
	}
	switch {
	case !in.healthy && in.consec >= s.env.cfg.required && (!g.attach || in.inService):
		in.healthy = true
		g.healthy++
		s.emit(InstanceHealthy, in, fmt.Sprintf("%d consecutive checks", in.consec))
		s.maybeHealthy(g)
	case in.healthy && !pass:
		in.healthy = false
		g.healthy--
	}
}

func (s *sim) maybeHealthy(g *group) {
	if !g.done && g.pending == 0 && g.failed == "" && g.healthy == len(g.members) {
		s.finishGroup(g, true, "")
	}
}

// timedOut ends a group that is still waiting at its deadline.
func (s *sim) timedOut(g *group) {
	if g.done || s.done {
		return
	}
	if g.pending > 0 {
		s.finishGroup(g, false, fmt.Sprintf("%s: the command did not finish on %d instance(s) within %v", g.label, g.pending, s.o.timeout))
		return
	}
	why := fmt.Sprintf("%s: %d of %d instance(s) not healthy within %v", g.label, len(g.members)-g.healthy, len(g.members), s.o.timeout)
	if s.o.IgnoreHealthCheck && s.o.Policy <= RollingWithAdditionalBatch {
		s.emit(HealthCheckIgnored, nil, why)
		s.finishGroup(g, true, "")
		return
	}
	s.finishGroup(g, false, why)
}

func (s *sim) finishGroup(g *group, ok bool, why string) {
	g.done = true
	if ok {
		if len(g.members) > 0 {
			s.emit(BatchHealthy, nil, g.label)
		}
	} else {
		s.emit(BatchFailed, nil, why)
	}
	g.then(ok, why)
}
