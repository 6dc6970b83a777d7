package deploy

import (
	"fmt"
	"time"
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
// With attach, each member is in service whenever its last check passed
// the load balancer's (its status is better than Severe).
func (s *sim) deployTo(label string, members []*instance, launch, attach bool, then func(ok bool, why string)) {
	g := &group{label: label, members: members, attach: attach, pending: len(members), deadline: s.now + s.o.timeout, then: then}
	s.emit(BatchStarted, nil, fmt.Sprintf("%s: %d instance(s)", label, len(members)))
	if len(members) == 0 {
		s.finishGroup(g, true, "")
		return
	}
	for _, in := range members {
		in.gen++
		in.consec, in.healthy = 0, false
		d := s.draw(s.env.cfg.Timings.Deploy)
		if launch {
			d += s.draw(s.env.cfg.Timings.Provision)
		}
		gen := in.gen
		s.after(d, func() { s.deployed(g, in, gen) })
	}
	s.at(g.deadline, func() { s.timedOut(g) })
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
			// the old version never stopped: back in service
			s.setInService(in, s.status(in) != Severe, "deployment aborted, previous version")
		}
	} else {
		s.setRelease(in, s.rel)
		s.emit(InstanceDeployed, in, g.label)
		s.after(s.env.cfg.Timings.HealthCheckInterval, func() { s.check(g, in, gen) })
	}
	if g.pending == 0 && g.failed != "" {
		s.finishGroup(g, false, g.failed)
		return
	}
	s.maybeHealthy(g)
}

// check is one health check of an instance.
func (s *sim) check(g *group, in *instance, gen int) {
	if s.done || in.gen != gen || in.draining || g.done && !in.watched {
		return // checks stop once the group is done, unless an evaluation watches
	}
	st := s.status(in)
	s.setStatus(in, st)
	if (g.attach || in.watched) && in.inService != (st != Severe) {
		s.setInService(in, st != Severe, "health "+st.String())
	}
	pass := st <= s.o.HealthThreshold
	if s.env.cfg.Health == Basic {
		pass = st != Severe
	}
	if in.watched && !pass {
		s.onEvalFail(in, st)
		return
	}
	if !g.done {
		if pass {
			in.consec++
		} else {
			in.consec = 0
		}
		switch {
		case !in.healthy && in.consec >= s.env.cfg.required:
			in.healthy = true
			g.healthy++
			s.emit(InstanceHealthy, in, fmt.Sprintf("%d consecutive checks", in.consec))
			s.maybeHealthy(g)
		case in.healthy && !pass:
			in.healthy = false
			g.healthy--
		}
	}
	if !g.done || in.watched {
		s.after(s.env.cfg.Timings.HealthCheckInterval, func() { s.check(g, in, gen) })
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
