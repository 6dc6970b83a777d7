package deploy_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/deploy"
)

// healthyAfter returns how long after its deployment the instance became
// healthy, for the first instance that did.
func healthyAfter(t *testing.T, r *deploy.Report) time.Duration {
	t.Helper()
	deployed := map[string]time.Time{}
	for _, ev := range r.Events {
		switch ev.Kind {
		case deploy.InstanceDeployed:
			deployed[ev.Instance] = ev.Time
		case deploy.InstanceHealthy:
			return ev.Time.Sub(deployed[ev.Instance])
		}
	}
	t.Fatal("no instance became healthy")
	return 0
}

// TestTwelveConsecutiveChecks: with enhanced health an instance is healthy
// after 12 consecutive passing checks, 10 s apart; one failing check starts
// the count again.
func TestTwelveConsecutiveChecks(t *testing.T) {
	e := newEnv(t, deploy.Config{})
	r, err := e.Deploy(ctx, good, deploy.Options{})
	require.NoError(t, err)
	assert.Equal(t, 120*time.Second, healthyAfter(t, r), "12 checks at 10 s: 2 minutes")

	flap := deploy.Version{Name: "flap", Health: func(_ string, d time.Duration) deploy.Status {
		if d == 60*time.Second { // the sixth check
			return deploy.Warning
		}
		return deploy.Ok
	}}
	e = newEnv(t, deploy.Config{})
	r, err = e.Deploy(ctx, flap, deploy.Options{})
	require.NoError(t, err)
	assert.Equal(t, 180*time.Second, healthyAfter(t, r), "6 checks, a failure, then 12 more")

	e = newEnv(t, deploy.Config{Tier: deploy.Worker})
	r, err = e.Deploy(ctx, good, deploy.Options{})
	require.NoError(t, err)
	assert.Equal(t, 180*time.Second, healthyAfter(t, r), "a worker needs 18 checks")
}

// TestBasicHealth: one passing load-balancer check is enough, and the
// status threshold does not apply.
func TestBasicHealth(t *testing.T) {
	warn := deploy.Version{Name: "warn", Health: func(string, time.Duration) deploy.Status { return deploy.Degraded }}
	e := newEnv(t, deploy.Config{Health: deploy.Basic})
	r, err := e.Deploy(ctx, warn, deploy.Options{})
	require.NoError(t, err)
	assert.Equal(t, 10*time.Second, healthyAfter(t, r))
}

// TestHealthThreshold: a version stable at Warning fails with the Ok
// threshold and passes with Warning.
func TestHealthThreshold(t *testing.T) {
	warn := deploy.Version{Name: "warn", Health: func(string, time.Duration) deploy.Status { return deploy.Warning }}
	for _, c := range []struct {
		threshold deploy.Status
		ok        bool
	}{{deploy.Ok, false}, {deploy.Warning, true}, {deploy.Degraded, true}, {deploy.Severe, true}} {
		e := newEnv(t, fourV1)
		r, err := e.Deploy(ctx, warn, deploy.Options{Policy: deploy.Rolling, BatchSize: 50, HealthThreshold: c.threshold})
		assert.Equal(t, c.ok, err == nil, "threshold %v: %v", c.threshold, err)
		assert.Equal(t, c.ok, r.Succeeded)
		// Warning instances still pass the load balancer's checks
		assert.Equal(t, 2, r.MinCapacity)
	}
}

// TestTrafficSplittingEvaluation: a version that degrades during the
// evaluation is rolled back: traffic back, new instances terminated.
func TestTrafficSplittingEvaluation(t *testing.T) {
	degrades := deploy.Version{Name: "v2", Health: func(_ string, d time.Duration) deploy.Status {
		if d > 4*time.Minute {
			return deploy.Degraded
		}
		return deploy.Ok
	}}
	e := newEnv(t, fourV1)
	r, err := e.Deploy(ctx, degrades, deploy.Options{Policy: deploy.TrafficSplitting})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.True(t, r.RolledBack)
	assert.Contains(t, r.FailureReason, "evaluation")
	assert.Equal(t, 1, count(r, deploy.TrafficSplit))
	assert.Equal(t, 1, count(r, deploy.TrafficRestored))
	assert.Equal(t, 0, count(r, deploy.TrafficShifted))
	assert.Equal(t, map[string]int{"v1": 4}, e.Versions())
	assert.Equal(t, 4, r.MinCapacity)

	// with a longer evaluation window than the version lasts, it would
	// pass; with the same version healthy throughout, all traffic moves
	e = newEnv(t, fourV1)
	r, err = e.Deploy(ctx, good, deploy.Options{Policy: deploy.TrafficSplitting, NewVersionPercent: 25, EvaluationTime: 10 * time.Minute})
	require.NoError(t, err)
	var split, shifted time.Time
	for _, ev := range r.Events {
		switch ev.Kind {
		case deploy.TrafficSplit:
			split = ev.Time
			assert.Contains(t, ev.Message, "25%")
		case deploy.TrafficShifted:
			shifted = ev.Time
		}
	}
	assert.Equal(t, 10*time.Minute, shifted.Sub(split))
}
