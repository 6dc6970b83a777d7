package deploy_test

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/deploy"
)

// scenario is a random deployment: an environment and options.
type scenario struct {
	cfg  deploy.Config
	v    deploy.Version
	opts deploy.Options
}

func (s scenario) String() string {
	return fmt.Sprintf("%d instances, %v %v %d, rate %.1f, threshold %v, %v health, check every %v, model %t, seed %d",
		s.cfg.Instances, s.opts.Policy, s.opts.BatchSizeType, s.opts.BatchSize, s.v.FailureRate,
		s.opts.HealthThreshold, s.cfg.Health, s.cfg.Timings.HealthCheckInterval, s.v.Health != nil, s.cfg.Seed)
}

// flaky returns a health model that reports a status worse than Ok on
// about one check in every k, decided by a hash of the instance and the
// time, so the same instance flaps the same way in every run.
func flaky(k uint32, worst deploy.Status) func(string, time.Duration) deploy.Status {
	return func(id string, d time.Duration) deploy.Status {
		h := fnv.New32a()
		fmt.Fprint(h, id, d/time.Second)
		x := h.Sum32()
		if x%k != 0 {
			return deploy.Ok
		}
		return deploy.Status(1 + x/k%uint32(worst))
	}
}

func randomScenario(rng *rand.Rand) scenario {
	n := 1 + rng.IntN(12)
	s := scenario{
		cfg: deploy.Config{
			Instances: n,
			MaxSize:   12,
			Version:   deploy.Version{Name: "v1"},
			Seed:      rng.Uint64(),
			Timings: deploy.Timings{
				Drain:               []time.Duration{0, deploy.NoDrain, 5 * time.Second}[rng.IntN(3)],
				HealthCheckInterval: deploy.MinHealthCheckInterval + time.Duration(rng.IntN(296))*time.Second,
			},
		},
		v: deploy.Version{Name: "v2", FailureRate: []float64{0, 0, 0.1, 0.3, 1}[rng.IntN(5)]},
		opts: deploy.Options{
			Policy:            deploy.Policies[rng.IntN(len(deploy.Policies))],
			HealthThreshold:   deploy.Status(rng.IntN(3)),
			NewVersionPercent: 1 + rng.IntN(100),
		},
	}
	if rng.IntN(2) == 0 {
		s.opts.BatchSizeType, s.opts.BatchSize = deploy.Fixed, 1+rng.IntN(12)
	} else {
		s.opts.BatchSize = 1 + rng.IntN(100)
	}
	if rng.IntN(3) == 0 {
		s.v.Health = flaky(uint32(2+rng.IntN(40)), deploy.Status(1+rng.IntN(3)))
	}
	if s.opts.Policy <= deploy.RollingWithAdditionalBatch && rng.IntN(4) == 0 {
		s.cfg.Health = deploy.Basic
	}
	return s
}

// promise is the capacity a policy keeps in service throughout. A
// RollingWithAdditionalBatch deployment that fails in a batch of the
// original instances ends like a Rolling one (AWS: "otherwise similar to
// Rolling"): its additional batch is terminated while a failed batch is
// out of service. One whose additional batch fails keeps all n.
func promise(p deploy.Policy, n, batch int, failed bool) int {
	switch {
	case p == deploy.AllAtOnce:
		return 0
	case p == deploy.Rolling, p == deploy.RollingWithAdditionalBatch && failed:
		return n - batch
	}
	return n
}

func batchOf(s scenario) int {
	n := s.cfg.Instances
	if s.opts.BatchSizeType == deploy.Fixed {
		return min(s.opts.BatchSize, n)
	}
	return max(1, (n*s.opts.BatchSize+99)/100)
}

// TestPropertyCapacityAndOutcome deploys random scenarios and checks what
// must hold whatever the draws: capacity never below the policy's promise,
// the traffic split within its percent, the documented end states, and a
// report that agrees with its own timeline and with the environment.
func TestPropertyCapacityAndOutcome(t *testing.T) {
	runs := 300
	if os.Getenv("STRATUS_LONG") != "" {
		runs = 5000
	}
	rng := rand.New(rand.NewPCG(8, 8))
	for range runs {
		s := randomScenario(rng)
		synctest.Test(t, func(t *testing.T) { checkScenario(t, s) })
	}
}

// checkScenario deploys one scenario and checks the properties. It runs
// in a synctest bubble, where the mock clock's real-time pause on each
// move costs nothing.
func checkScenario(t *testing.T, s scenario) {
	e := newEnv(t, s.cfg)
	h := e.Handler()
	splitting, total, toNew, failed := false, 0, 0, 0
	n := s.cfg.Instances
	// with no health model nothing in service turns Severe: the policy
	// keeps its promise in full, and no request fails unless it promises
	// nothing
	model := s.v.Health != nil || s.cfg.Version.Health != nil
	strictFailed := 0
	o := s.opts
	o.OnEvent = func(ev deploy.Event) {
		switch ev.Kind {
		case deploy.TrafficSplit:
			splitting = true
		case deploy.TrafficShifted, deploy.TrafficRestored, deploy.DeploymentFailed:
			splitting = false
		}
		up := false
		for _, in := range e.Instances() {
			up = up || in.InService
		}
		for range 4 {
			code, v, _ := get(h)
			if code != http.StatusOK {
				if up {
					failed++
				}
				strictFailed++
				continue
			}
			if splitting {
				total++
				if v == "v2" {
					toNew++
				}
			}
		}
	}
	r, err := e.Deploy(ctx, s.v, o)
	require.NotNil(t, r, "%v", s)

	assert.Zero(t, failed, "the load balancer answers while an instance is in service: %v", s)
	assert.LessOrEqual(t, toNew*100, s.opts.NewVersionPercent*total, "split share: %v", s)

	switch {
	case err == nil:
		assert.Equal(t, map[string]int{"v2": n}, r.Final, "%v", s)
	case s.opts.Policy >= deploy.Immutable:
		assert.True(t, r.RolledBack, "%v", s)
		assert.Equal(t, map[string]int{"v1": n}, r.Final, "the old instances untouched: %v", s)
		assert.Equal(t, n, r.FinalCapacity, "%v", s)
	default:
		require.ErrorIs(t, err, deploy.ErrDeploymentFailed, "%v", s)
		assert.False(t, r.RolledBack, "%v", s)
	}

	// the report agrees with the environment
	assert.Equal(t, r.Final, e.Versions(), "%v", s)
	inService := 0
	for _, in := range e.Instances() {
		if in.InService {
			inService++
		}
	}
	assert.Equal(t, r.FinalCapacity, inService, "%v", s)
	kept := checkTimeline(t, r, n, s)
	// failed in a batch of the original instances (not in the additional one)
	failedRolling := err != nil && slices.ContainsFunc(r.Events, func(ev deploy.Event) bool {
		return ev.Kind == deploy.BatchStarted && strings.HasPrefix(ev.Message, "batch ")
	})
	assert.GreaterOrEqual(t, kept, promise(s.opts.Policy, n, batchOf(s), failedRolling), "%v", s)
	if p := promise(s.opts.Policy, n, batchOf(s), failedRolling); !model {
		assert.GreaterOrEqual(t, r.MinCapacity, p, "with no health model: %v", s)
		if p > 0 {
			assert.Zero(t, strictFailed, "with no health model, no failed request: %v", s)
		}
	}
}

// checkTimeline replays the in-service events of the timeline and checks
// the capacity series, the minimum and the peak against them. It returns
// the lowest capacity the deployment itself kept: the instances in
// service plus those the load balancer took out for failing its checks
// (health Severe), which the policy does not promise to keep.
func checkTimeline(t *testing.T, r *deploy.Report, n int, s scenario) int {
	t.Helper()
	running, inService := n, n
	lowest, kept := -1, -1
	sick := map[string]bool{}
	for i, ev := range r.Events {
		switch ev.Kind {
		case deploy.InstanceLaunched:
			running++
		case deploy.InstanceTerminated:
			running--
			delete(sick, ev.Instance)
		case deploy.InstanceInService:
			inService++
			delete(sick, ev.Instance)
		case deploy.InstanceDeployed, deploy.HookFailed:
			delete(sick, ev.Instance) // taken out for its batch, not sick
		case deploy.InstanceOutOfService:
			inService--
			if ev.Message == "health Severe" {
				sick[ev.Instance] = true
			}
		}
		require.LessOrEqual(t, running, r.PeakInstances, "%v", s)
		if i+1 == len(r.Events) || !r.Events[i+1].Time.Equal(ev.Time) {
			if lowest < 0 || inService < lowest {
				lowest = inService
			}
			if kept < 0 || inService+len(sick) < kept {
				kept = inService + len(sick)
			}
		}
	}
	assert.Equal(t, r.MinCapacity, lowest, "minimum from the timeline: %v", s)
	assert.Equal(t, r.FinalCapacity, inService, "%v", s)
	for i, p := range r.Capacity {
		assert.False(t, p.Time.Before(r.Start) || p.Time.After(r.End), "%v", s)
		if i > 0 {
			assert.True(t, p.Time.After(r.Capacity[i-1].Time), "points in order: %v", s)
		}
	}
	return kept
}
