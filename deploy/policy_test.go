package deploy_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/deploy"
)

// fourV1 is the scenario of most policy tests: four instances of v1.
var fourV1 = deploy.Config{Instances: 4, Version: deploy.Version{Name: "v1"}}

// deploy4 deploys v with policy to a fresh fourV1 environment, in batches
// of one instance.
func deploy4(t *testing.T, p deploy.Policy, v deploy.Version) (*deploy.Environment, *deploy.Report, error) {
	t.Helper()
	e := newEnv(t, fourV1)
	r, err := e.Deploy(ctx, v, deploy.Options{Policy: p, BatchSize: 25})
	require.NotNil(t, r)
	return e, r, err
}

// TestPolicyOutcomes checks each policy against a good and a bad version:
// the outcome, the capacity it keeps, the versions left and the rollback,
// as Elastic Beanstalk documents them.
func TestPolicyOutcomes(t *testing.T) {
	drain := deploy.DefaultDrain
	timeout := deploy.DefaultTimeout + deploy.TimeoutAddition // 840 s
	cases := []struct {
		policy     deploy.Policy
		v          deploy.Version
		ok         bool
		minCap     int
		peak       int
		final      map[string]int
		rolledBack bool
		duration   time.Duration // 0: not checked
	}{
		{deploy.AllAtOnce, good, true, 0, 4, map[string]int{"v2": 4}, false, 0},
		{deploy.AllAtOnce, bad, false, 0, 4, map[string]int{"v2-bad": 4}, false, timeout},
		{deploy.Rolling, good, true, 3, 4, map[string]int{"v2": 4}, false, 0},
		{deploy.Rolling, bad, false, 3, 4, map[string]int{"v1": 3, "v2-bad": 1}, false, drain + timeout},
		{deploy.RollingWithAdditionalBatch, good, true, 4, 5, map[string]int{"v2": 4}, false, 0},
		// the failed additional batch is terminated: the environment keeps its size
		{deploy.RollingWithAdditionalBatch, bad, false, 4, 5, map[string]int{"v1": 4}, false, timeout + drain},
		{deploy.Immutable, good, true, 4, 8, map[string]int{"v2": 4}, false, 0},
		{deploy.Immutable, bad, false, 4, 5, map[string]int{"v1": 4}, true, timeout + drain},
		{deploy.TrafficSplitting, good, true, 4, 8, map[string]int{"v2": 4}, false, 0},
		{deploy.TrafficSplitting, bad, false, 4, 8, map[string]int{"v1": 4}, true, timeout + drain},
	}
	for _, c := range cases {
		t.Run(c.policy.String()+"/"+c.v.Name, func(t *testing.T) {
			e, r, err := deploy4(t, c.policy, c.v)
			if c.ok {
				require.NoError(t, err)
				assert.Equal(t, "succeeded", r.Outcome())
				assert.Equal(t, c.v.Name, e.Version())
				assert.Equal(t, deploy.DeploymentSucceeded, r.Events[len(r.Events)-1].Kind)
			} else {
				require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
				assert.False(t, r.Succeeded)
				assert.NotEmpty(t, r.FailureReason)
				assert.Equal(t, "v1", e.Version(), "the environment's version is the last that succeeded")
				assert.Equal(t, deploy.DeploymentFailed, r.Events[len(r.Events)-1].Kind)
			}
			assert.Equal(t, c.minCap, r.MinCapacity, "minimum capacity")
			assert.Equal(t, c.peak, r.PeakInstances, "peak instances")
			assert.Equal(t, c.final, r.Final, "versions at the end")
			assert.Equal(t, c.final, e.Versions(), "the environment agrees with the report")
			assert.Equal(t, c.rolledBack, r.RolledBack, "rolled back")
			assert.Equal(t, c.ok, r.Rollback == "", "a failure, and only a failure, says what was or is left to do")
			if c.duration != 0 {
				assert.Equal(t, c.duration, r.Duration)
			}
			if c.policy != deploy.AllAtOnce {
				assert.Zero(t, r.Downtime, "only AllAtOnce has downtime")
			} else {
				assert.Positive(t, r.Downtime)
			}
		})
	}
}

// TestAllAtOnceBadVersionIsAnOutage: every instance runs the bad version
// and none is in service, during the deployment and after it.
func TestAllAtOnceBadVersionIsAnOutage(t *testing.T) {
	e, r, err := deploy4(t, deploy.AllAtOnce, bad)
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.Equal(t, r.Duration, r.Downtime)
	assert.Equal(t, 0, r.FinalCapacity)
	for _, in := range e.Instances() {
		assert.False(t, in.InService)
		assert.Equal(t, deploy.Severe, in.Health)
	}
}

// TestRollingFailureNeedsRedeploy: a failed rolling deployment leaves mixed
// versions; deploying the old version again repairs the environment.
func TestRollingFailureNeedsRedeploy(t *testing.T) {
	e := newEnv(t, deploy.Config{Instances: 4, Version: deploy.Version{Name: "v1"}})
	// the third instance to get v2 is bad: two batches succeed, the third fails
	n := 0
	partly := deploy.Version{Name: "v2", Health: func(string, time.Duration) deploy.Status { return deploy.Ok }}
	partly.Bundle.Hooks = []deploy.Hook{{Phase: deploy.Predeploy, Name: "check.sh", Run: func(h deploy.HookContext) error {
		n++
		if n == 3 {
			return errors.New("exit status 1")
		}
		return nil
	}}}
	r, err := e.Deploy(ctx, partly, deploy.Options{Policy: deploy.Rolling, BatchSizeType: deploy.Fixed, BatchSize: 1})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.True(t, r.Mixed())
	assert.Equal(t, map[string]int{"v1": 2, "v2": 2}, r.Final)
	assert.False(t, r.RolledBack)
	assert.Contains(t, r.FailureReason, "check.sh")

	r, err = e.Deploy(ctx, deploy.Version{Name: "v1"}, deploy.Options{Policy: deploy.Rolling, BatchSize: 50})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"v1": 4}, r.Final)
	assert.Equal(t, 2, r.MinCapacity)
}

// TestBatchSizes: batches by percentage (rounded up) and fixed size.
func TestBatchSizes(t *testing.T) {
	cases := []struct {
		typ     deploy.BatchSizeType
		size    int
		batches int
		minCap  int
	}{
		{deploy.Percentage, 0, 1, 0}, // 100 percent: one batch of all
		{deploy.Percentage, 30, 4, 7},
		{deploy.Percentage, 34, 3, 6},
		{deploy.Percentage, 1, 10, 9},
		{deploy.Fixed, 3, 4, 7},
		{deploy.Fixed, 20, 1, 0}, // more than the instances: all of them
	}
	for _, c := range cases {
		e := newEnv(t, deploy.Config{Instances: 10, MaxSize: 20})
		r, err := e.Deploy(ctx, good, deploy.Options{Policy: deploy.Rolling, BatchSizeType: c.typ, BatchSize: c.size})
		require.NoError(t, err)
		n := 0
		for _, ev := range r.Events {
			if ev.Kind == deploy.BatchStarted {
				n++
			}
		}
		assert.Equal(t, c.batches, n, "%v %d", c.typ, c.size)
		assert.Equal(t, c.minCap, r.MinCapacity, "%v %d", c.typ, c.size)
	}
}

// TestCommandTimeout: a batch gets Timeout + 240 s to become healthy.
func TestCommandTimeout(t *testing.T) {
	e := newEnv(t, deploy.Config{Instances: 2, Timings: deploy.Timings{Drain: deploy.NoDrain}})
	r, err := e.Deploy(ctx, bad, deploy.Options{Policy: deploy.Rolling, BatchSize: 50, Timeout: time.Minute})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.Equal(t, 5*time.Minute, r.Duration)
	assert.Contains(t, r.FailureReason, "not healthy within 5m0s")
}

// TestIgnoreHealthCheck: the deployment goes on past unhealthy batches.
func TestIgnoreHealthCheck(t *testing.T) {
	e := newEnv(t, fourV1)
	r, err := e.Deploy(ctx, bad, deploy.Options{Policy: deploy.Rolling, BatchSize: 50, IgnoreHealthCheck: true})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"v2-bad": 4}, r.Final)
	assert.Equal(t, 0, r.FinalCapacity)
	assert.Equal(t, 2, count(r, deploy.HealthCheckIgnored))

	// it does not decide for Immutable, which still rolls back
	e = newEnv(t, fourV1)
	r, err = e.Deploy(ctx, bad, deploy.Options{Policy: deploy.Immutable, IgnoreHealthCheck: true})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.True(t, r.RolledBack)
}

func count(r *deploy.Report, k deploy.EventKind) int {
	n := 0
	for _, ev := range r.Events {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

// TestImmutableFirstInstanceAlone: one new instance first, serving beside
// the old ones; the rest only once it is healthy.
func TestImmutableFirstInstanceAlone(t *testing.T) {
	_, r, err := deploy4(t, deploy.Immutable, good)
	require.NoError(t, err)
	var launches []time.Time
	var firstHealthy time.Time
	for _, ev := range r.Events {
		switch ev.Kind {
		case deploy.InstanceLaunched:
			launches = append(launches, ev.Time)
		case deploy.InstanceHealthy:
			if firstHealthy.IsZero() {
				firstHealthy = ev.Time
			}
		}
	}
	require.Len(t, launches, 4)
	assert.Equal(t, r.Start, launches[0])
	for _, l := range launches[1:] {
		assert.Equal(t, firstHealthy, l, "the others launch when the first is healthy")
	}
	// while the first is alone, it serves beside the four old ones
	var fiveInService bool
	for _, p := range r.Capacity {
		if p.Time.Before(launches[1]) && p.Total() == 5 {
			fiveInService = true
		}
	}
	assert.True(t, fiveInService)
}

// TestImmutableEveryNewInstanceHealthyAtTheEnd: the first new instance is
// checked until the whole temporary group is healthy; a version that turns
// Severe after 3 minutes leaves the load balancer and is rolled back, not
// declared a success.
func TestImmutableEveryNewInstanceHealthyAtTheEnd(t *testing.T) {
	late := deploy.Version{Name: "v2", Health: func(_ string, d time.Duration) deploy.Status {
		if d > 3*time.Minute {
			return deploy.Severe
		}
		return deploy.Ok
	}}
	e := newEnv(t, fourV1)
	r, err := e.Deploy(ctx, late, deploy.Options{Policy: deploy.Immutable})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.True(t, r.RolledBack)
	assert.Equal(t, map[string]int{"v1": 4}, e.Versions())
	assert.Contains(t, r.FailureReason, "temporary group: all instances: 4 of 4 instance(s) not healthy")
	left := false
	for _, ev := range r.Events {
		if ev.Kind == deploy.InstanceOutOfService && ev.Instance == "i-00005" && ev.Message == "health Severe" {
			left = true
		}
	}
	assert.True(t, left, "the first instance left the load balancer when it turned Severe")

	// a version that stays healthy still succeeds, and the first instance
	// is checked along with the others
	e = newEnv(t, fourV1)
	r, err = e.Deploy(ctx, good, deploy.Options{Policy: deploy.Immutable})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"v2": 4}, r.Final)
}

// TestAdditionalBatchKeepsEnvironmentSize: a failed
// RollingWithAdditionalBatch deployment terminates its additional batch,
// so the environment never stays above its size (nor MaxSize), and the
// next deployment targets the same instances.
func TestAdditionalBatchKeepsEnvironmentSize(t *testing.T) {
	e := newEnv(t, deploy.Config{Instances: 4, MaxSize: 4, Version: deploy.Version{Name: "v1"}})
	r, err := e.Deploy(ctx, bad, deploy.Options{Policy: deploy.RollingWithAdditionalBatch, BatchSize: 50})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.Equal(t, 6, r.PeakInstances)
	assert.Len(t, e.Instances(), 4)
	assert.Equal(t, map[string]int{"v1": 4}, e.Versions())
	assert.Contains(t, r.Rollback, "additional batch was terminated")
	r, err = e.Deploy(ctx, deploy.Version{Name: "v1"}, deploy.Options{Policy: deploy.Rolling, BatchSize: 50})
	require.NoError(t, err)
	assert.Equal(t, 4, r.Target)
	assert.Len(t, e.Instances(), 4)

	// a batch of the original instances fails after the additional batch
	// served: the additional batch goes, the rest stays as Rolling leaves
	// it (the instance whose hook failed, the second original, keeps v1)
	n := 0
	third := deploy.Version{Name: "v2", Bundle: deploy.Bundle{Hooks: []deploy.Hook{{Phase: deploy.Predeploy, Name: "check.sh", Run: func(deploy.HookContext) error {
		n++
		if n == 3 {
			return errors.New("exit status 1")
		}
		return nil
	}}}}}
	e = newEnv(t, deploy.Config{Instances: 4, MaxSize: 4, Version: deploy.Version{Name: "v1"}})
	r, err = e.Deploy(ctx, third, deploy.Options{Policy: deploy.RollingWithAdditionalBatch, BatchSizeType: deploy.Fixed, BatchSize: 1})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.Len(t, e.Instances(), 4)
	assert.Equal(t, map[string]int{"v1": 3, "v2": 1}, r.Final)
	assert.Equal(t, 4, r.MinCapacity)
	assert.Equal(t, 5, r.PeakInstances)
}

// TestAdditionalBatchTerminatedAtTheEnd: the user guide's order: the
// additional batch first, then every batch of the original instances,
// then the additional batch is terminated.
func TestAdditionalBatchTerminatedAtTheEnd(t *testing.T) {
	e, r, err := deploy4(t, deploy.RollingWithAdditionalBatch, good)
	require.NoError(t, err)
	var deployed, terminated []string
	for _, ev := range r.Events {
		switch ev.Kind {
		case deploy.InstanceDeployed:
			deployed = append(deployed, ev.Instance)
		case deploy.InstanceTerminated:
			terminated = append(terminated, ev.Instance)
		}
	}
	assert.Equal(t, []string{"i-00005", "i-00001", "i-00002", "i-00003", "i-00004"}, deployed)
	assert.Equal(t, []string{"i-00005"}, terminated)
	var ids []string
	for _, in := range e.Instances() {
		ids = append(ids, in.ID)
	}
	assert.Equal(t, []string{"i-00001", "i-00002", "i-00003", "i-00004"}, ids)
	assert.Equal(t, deploy.InstanceTerminated, r.Events[len(r.Events)-2].Kind)
}
