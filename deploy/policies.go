package deploy

import (
	"fmt"
	"strings"
	"time"
)

// begin starts the deployment with its policy.
func (s *sim) begin() {
	switch s.o.Policy {
	case AllAtOnce:
		s.allAtOnce()
	case Rolling:
		s.rolling(s.original(), s.succeed, func(why string) { s.fail(why, false, mixedLeft) })
	case RollingWithAdditionalBatch:
		s.additionalBatch()
	case Immutable:
		s.immutable()
	case TrafficSplitting:
		s.trafficSplitting()
	}
}

// original returns the instances of the original Auto Scaling group that
// ran when the deployment began.
func (s *sim) original() []*instance {
	return s.touched[:s.rep.Target]
}

// allAtOnce deploys to every instance at once; they are out of service
// until they pass their checks again. No rollback.
func (s *sim) allAtOnce() {
	all := s.original()
	for _, in := range all {
		s.setInService(in, false, "deploying")
	}
	s.deployTo("all instances", all, false, true, nil, func(ok bool, why string) {
		if !ok {
			s.fail(why, false, "none: the instances stay as they are; deploy a working version")
			return
		}
		s.succeed()
	})
}

// batches cuts ins into batches of the option's size.
func (s *sim) batches(ins []*instance) [][]*instance {
	var out [][]*instance
	for i := 0; i < len(ins); i += s.o.batch {
		out = append(out, ins[i:min(i+s.o.batch, len(ins))])
	}
	return out
}

// mixedLeft is what is left to do after a rolling deployment failed.
const mixedLeft = "none: completed batches run the new version, the rest the old; redeploy to repair"

// rolling deploys to ins batch by batch: each batch is deregistered,
// drained, deployed to and must become healthy before the next. Then it
// runs done, or failed with the reason if a batch failed.
func (s *sim) rolling(ins []*instance, done func(), failed func(why string)) {
	bs := s.batches(ins)
	drain := s.env.cfg.Timings.Drain
	var step func(i int)
	step = func(i int) {
		if i == len(bs) {
			done()
			return
		}
		b := bs[i]
		label := fmt.Sprintf("batch %d of %d", i+1, len(bs))
		for _, in := range b {
			in.gen++ // the load balancer stops checking it
			s.setInService(in, false, label+": deregistered")
		}
		s.after(drain, func() {
			s.deployTo(label, b, false, true, nil, func(ok bool, why string) {
				if !ok {
					failed(why)
					return
				}
				step(i + 1)
			})
		})
	}
	step(0)
}

// additionalBatch launches one batch of new instances first, then rolls
// through every batch of the original instances, and terminates the
// additional batch when they are done, as the user guide describes. A
// failure terminates the additional batch too, so the environment keeps
// its size; the original instances stay as Rolling leaves them.
func (s *sim) additionalBatch() {
	orig := s.original()
	extra := make([]*instance, s.o.batch)
	for i := range extra {
		extra[i] = s.launch(true, false)
	}
	failed := func(why string) {
		s.terminate(extra, "additional batch terminated: the deployment failed", func() {
			s.fail(why, false, "none: the additional batch was terminated; "+strings.TrimPrefix(mixedLeft, "none: "))
		})
	}
	s.deployTo("additional batch", extra, true, true, nil, func(ok bool, why string) {
		if !ok {
			failed(why)
			return
		}
		s.rolling(orig, func() {
			s.terminate(extra, "additional batch terminated: the deployment is complete", s.succeed)
		}, failed)
	})
}

// immutable deploys to one new instance in a temporary group, then to as
// many more as the environment runs; the first instance's checks go on
// meanwhile, and every new instance must be healthy at the end. Success
// moves them to the original group and terminates the old instances,
// failure terminates the temporary group.
func (s *sim) immutable() {
	orig := s.original()
	n := len(orig)
	var temp []*instance
	rollback := func(why string) {
		s.terminate(temp, "temporary group terminated", func() {
			s.fail(why, true, fmt.Sprintf("terminated the temporary Auto Scaling group (%d instance(s)); the %d original instances were not touched", len(temp), n))
		})
	}
	first := s.launch(true, false)
	temp = append(temp, first)
	s.deployTo("temporary group: first instance", temp, true, true, nil, func(ok bool, why string) {
		if !ok {
			rollback(why)
			return
		}
		var rest []*instance
		for range max(n-1, 0) {
			rest = append(rest, s.launch(true, false))
		}
		temp = append(temp, rest...)
		s.deployTo("temporary group: all instances", rest, true, true, []*instance{first}, func(ok bool, why string) {
			if !ok {
				rollback(why)
				return
			}
			for _, in := range temp {
				in.temp = false
			}
			s.terminate(orig, "old instance terminated", s.succeed)
		})
	})
}

// trafficSplitting launches a full set of new instances in a temporary
// group, sends them NewVersionPercent of the requests for EvaluationTime,
// then all of them, or back to the old instances.
func (s *sim) trafficSplitting() {
	orig := s.original()
	canaries := make([]*instance, len(orig))
	for i := range canaries {
		canaries[i] = s.launch(true, true)
	}
	rollback := func(why string) {
		if s.split {
			s.split = false
			s.env.mu.Lock()
			s.env.lb.split = 0
			s.env.mu.Unlock()
			s.emit(TrafficRestored, nil, "all requests to the previous version")
		}
		s.terminate(canaries, "new instance terminated", func() {
			s.fail(why, true, fmt.Sprintf("routed all traffic back and terminated the %d new instances", len(canaries)))
		})
	}
	s.onEvalFail = func(in *instance, st Status) {
		for _, c := range canaries {
			c.watched = false
		}
		rollback(fmt.Sprintf("evaluation: %s failed %d checks within %v (last %v, worse than the threshold %v)", in.id, len(in.fails), SustainedWindow, st, s.o.HealthThreshold))
	}
	s.deployTo("temporary group", canaries, true, false, nil, func(ok bool, why string) {
		if !ok {
			rollback(why)
			return
		}
		// in service first (the balancer routes canaries only once the
		// split starts), so the split counts its requests from its event
		for _, c := range canaries {
			c.watched, c.fails = true, nil
			s.setInService(c, c.status != Severe, "registered for the traffic split")
		}
		s.split = true
		s.env.mu.Lock()
		s.env.lb.startSplitLocked(s.o.NewVersionPercent)
		s.env.mu.Unlock()
		s.emit(TrafficSplit, nil, fmt.Sprintf("%d%% of requests to %s for %v", s.o.NewVersionPercent, s.rel.Name, s.o.EvaluationTime))
		s.deadline(s.now+s.o.EvaluationTime, func() {
			if !s.split {
				return
			}
			s.split = false
			s.env.mu.Lock()
			s.env.lb.split = 0
			for _, c := range canaries {
				c.canary, c.temp, c.watched = false, false, false
			}
			s.env.lb.dirty = true
			s.env.mu.Unlock()
			s.emit(TrafficShifted, nil, "all requests to "+s.rel.Name)
			s.terminate(orig, "old instance terminated", s.succeed)
		})
	})
}

func (s *sim) succeed() {
	s.env.mu.Lock()
	s.env.current = s.rel
	s.env.mu.Unlock()
	s.rep.Succeeded = true
	s.end(DeploymentSucceeded, "")
}

func (s *sim) fail(why string, rolledBack bool, how string) {
	s.rep.FailureReason = why
	s.rep.RolledBack = rolledBack
	s.rep.Rollback = how
	s.end(DeploymentFailed, why)
}

// end settles the instances left mid-way and stops the simulation. An
// instance running a version that no check has seen yet goes in service
// if its health allows.
func (s *sim) end(kind EventKind, msg string) {
	for _, in := range s.touched {
		if in.ended.IsZero() && !in.draining && !in.inService && !in.canary && in.rel != nil {
			st := s.status(in)
			s.setStatus(in, st)
			s.setInService(in, st != Severe, "settled at the end of the deployment")
		}
	}
	s.emit(kind, nil, msg)
	s.done = true
}

// report completes the report at the simulation's end.
func (s *sim) report() *Report {
	r := s.rep
	r.Start, r.End = s.start, s.time()
	r.Final = map[string]int{}
	var paid time.Duration
	for _, in := range s.touched {
		from, to := in.launched, in.ended
		if from.Before(r.Start) {
			from = r.Start
		}
		if to.IsZero() || to.After(r.End) {
			to = r.End
			if in.rel != nil {
				r.Final[in.rel.Name]++
			}
		}
		paid += to.Sub(from)
	}
	r.InstanceHours = paid.Hours()
	r.finish()
	return r
}
