package deploy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/deploy"
)

// TestConfigDefaults: the zero Config is one healthy instance of the
// sample application.
func TestConfigDefaults(t *testing.T) {
	e := newEnv(t, deploy.Config{})
	assert.Equal(t, "environment", e.Name())
	assert.Equal(t, deploy.DefaultVersionName, e.Version())
	ins := e.Instances()
	require.Len(t, ins, 1)
	assert.True(t, ins[0].InService)
	assert.Equal(t, deploy.Ok, ins[0].Health)
}

// TestConfigInvalid: each field out of range is refused, naming the field.
func TestConfigInvalid(t *testing.T) {
	db := deploy.NewDatabase("orders")
	newEnv(t, deploy.Config{Database: db})
	cases := []struct {
		field string
		cfg   deploy.Config
	}{
		{"Name", deploy.Config{Name: "abc"}},
		{"Name", deploy.Config{Name: "-abcd"}},
		{"Name", deploy.Config{Name: "my_env"}},
		{"MinSize", deploy.Config{MinSize: -1}},
		{"MinSize", deploy.Config{MinSize: 10001, MaxSize: 10001}},
		{"MaxSize", deploy.Config{MinSize: 5, MaxSize: 3}},
		{"Instances", deploy.Config{Instances: 5}}, // MaxSize 4
		{"Instances", deploy.Config{Instances: -1}},
		{"Version", deploy.Config{Version: deploy.Version{Name: "x", FailureRate: 2}}},
		{"Version", deploy.Config{Version: deploy.Version{FailureRate: 0.5}}},
		{"Version", deploy.Config{Version: deploy.Version{Name: "x", Bundle: deploy.Bundle{Procfile: "web"}}}},
		{"Health", deploy.Config{Health: 7}},
		{"Tier", deploy.Config{Tier: 7}},
		{"Timings.Provision", deploy.Config{Timings: deploy.Timings{Provision: deploy.Range{Min: 2 * time.Second, Max: time.Second}}}},
		{"Timings.Deploy", deploy.Config{Timings: deploy.Timings{Deploy: deploy.Range{Min: time.Second}}}},
		{"Timings.Deploy", deploy.Config{Timings: deploy.Timings{Deploy: deploy.Range{Max: 2 * time.Hour}}}},
		{"Timings.HealthCheckInterval", deploy.Config{Timings: deploy.Timings{HealthCheckInterval: time.Second}}},
		{"Timings.Drain", deploy.Config{Timings: deploy.Timings{Drain: -5}}},
		{"Database", deploy.Config{Database: db}}, // attached elsewhere
		{"External[0]", deploy.Config{External: []*deploy.Database{nil}}},
	}
	for _, c := range cases {
		c.cfg.Clock = clock.NewMock()
		_, err := deploy.New(c.cfg)
		require.ErrorIs(t, err, deploy.ErrInvalidConfig, c.field)
		assert.Contains(t, err.Error(), c.field+" = ")
	}
}

// TestOptionsInvalid: each option out of range is refused, naming the
// field, and changes nothing: not the instances, not the clock.
func TestOptionsInvalid(t *testing.T) {
	cases := []struct {
		field string
		o     deploy.Options
	}{
		{"Policy", deploy.Options{Policy: 9}},
		{"BatchSize", deploy.Options{BatchSize: 101}},
		{"BatchSize", deploy.Options{BatchSize: -1}},
		{"BatchSize", deploy.Options{BatchSizeType: deploy.Fixed}},
		{"BatchSize", deploy.Options{BatchSizeType: deploy.Fixed, BatchSize: 5}}, // MaxSize 4
		{"BatchSizeType", deploy.Options{BatchSizeType: 3}},
		{"Timeout", deploy.Options{Timeout: time.Millisecond}},
		{"Timeout", deploy.Options{Timeout: 3601 * time.Second}},
		{"HealthThreshold", deploy.Options{HealthThreshold: 4}},
		{"NewVersionPercent", deploy.Options{NewVersionPercent: 101}},
		{"EvaluationTime", deploy.Options{EvaluationTime: 2 * time.Minute}},
		{"EvaluationTime", deploy.Options{EvaluationTime: 601 * time.Minute}},
		{"EvaluationTime", deploy.Options{EvaluationTime: 90 * time.Second}},
	}
	clk := clock.NewMock()
	e := newEnv(t, deploy.Config{Instances: 2, Clock: clk})
	before := e.Instances()
	for _, c := range cases {
		r, err := e.Deploy(ctx, good, c.o)
		require.ErrorIs(t, err, deploy.ErrInvalidOption, c.field)
		assert.Contains(t, err.Error(), c.field+" = ")
		assert.Nil(t, r)
	}
	assert.Equal(t, before, e.Instances())
	assert.Equal(t, time.Unix(0, 0).UTC(), clk.Now().UTC())
}

// TestEnhancedHealthRequired: Immutable and TrafficSplitting need enhanced
// health; TrafficSplitting needs a web server environment.
func TestEnhancedHealthRequired(t *testing.T) {
	e := newEnv(t, deploy.Config{Health: deploy.Basic})
	for _, p := range []deploy.Policy{deploy.Immutable, deploy.TrafficSplitting} {
		_, err := e.Deploy(ctx, good, deploy.Options{Policy: p})
		require.ErrorIs(t, err, deploy.ErrEnhancedHealthRequired)
	}
	e = newEnv(t, deploy.Config{Tier: deploy.Worker})
	_, err := e.Deploy(ctx, good, deploy.Options{Policy: deploy.TrafficSplitting})
	require.ErrorIs(t, err, deploy.ErrInvalidOption)
}

// TestVersionInvalid: versions without a name, with a bad rate or hook,
// or with a bundle that does not parse are refused before anything runs.
func TestVersionInvalid(t *testing.T) {
	run := func(deploy.HookContext) error { return nil }
	cases := []struct {
		v    deploy.Version
		want error
	}{
		{deploy.Version{}, deploy.ErrInvalidVersion},
		{deploy.Version{Name: "v", FailureRate: -0.1}, deploy.ErrInvalidVersion},
		{deploy.Version{Name: "v", Bundle: deploy.Bundle{Hooks: []deploy.Hook{{Run: run}}}}, deploy.ErrInvalidVersion},
		{deploy.Version{Name: "v", Bundle: deploy.Bundle{Hooks: []deploy.Hook{{Name: "a.sh"}}}}, deploy.ErrInvalidVersion},
		{deploy.Version{Name: "v", Bundle: deploy.Bundle{Hooks: []deploy.Hook{{Name: "a.sh", Run: run, Phase: 5}}}}, deploy.ErrInvalidVersion},
		{deploy.Version{Name: "v", Bundle: deploy.Bundle{Procfile: "web: ./app\nworker ./w"}}, deploy.ErrInvalidProcfile},
		{deploy.Version{Name: "v", Bundle: deploy.Bundle{Buildfile: ": make"}}, deploy.ErrInvalidBuildfile},
	}
	e := newEnv(t, fourV1)
	for _, c := range cases {
		_, err := e.Deploy(ctx, c.v, deploy.Options{})
		require.ErrorIs(t, err, c.want)
	}
	assert.Equal(t, map[string]int{"v1": 4}, e.Versions())
}

// TestDeployWhileDeploying: one deployment at a time; Terminate waits its
// turn too.
func TestDeployWhileDeploying(t *testing.T) {
	e := newEnv(t, fourV1)
	var inner, term error
	o := deploy.Options{OnEvent: func(ev deploy.Event) {
		if ev.Kind == deploy.DeploymentStarted {
			_, inner = e.Deploy(ctx, good, deploy.Options{})
			term = e.Terminate()
		}
	}}
	_, err := e.Deploy(ctx, good, o)
	require.NoError(t, err)
	require.ErrorIs(t, inner, deploy.ErrDeploymentInProgress)
	require.ErrorIs(t, term, deploy.ErrDeploymentInProgress)
	_, err = e.Deploy(ctx, deploy.Version{Name: "v3"}, deploy.Options{})
	require.NoError(t, err, "the next deployment may start")
}

// TestTerminateDatabases: the database attached inside the environment is
// terminated with it; an external one survives.
func TestTerminateDatabases(t *testing.T) {
	inside, outside := deploy.NewDatabase("inside"), deploy.NewDatabase("outside")
	e := newEnv(t, deploy.Config{Database: inside, External: []*deploy.Database{outside}})
	require.NoError(t, e.Terminate())
	assert.True(t, inside.Terminated())
	assert.False(t, outside.Terminated())
	assert.Nil(t, e.Instances())

	require.ErrorIs(t, e.Terminate(), deploy.ErrTerminated)
	_, err := e.Deploy(ctx, good, deploy.Options{})
	require.ErrorIs(t, err, deploy.ErrTerminated)

	// a terminated database cannot be attached again; the external one can
	_, err = deploy.New(deploy.Config{Database: inside})
	require.ErrorIs(t, err, deploy.ErrInvalidConfig)
	newEnv(t, deploy.Config{Database: outside})
}

// TestTerminatedEnvironment: after Terminate, each call does what its
// documentation says.
func TestTerminatedEnvironment(t *testing.T) {
	e := newEnv(t, deploy.Config{Name: "shop-prod", Instances: 2, Version: deploy.Version{Name: "v1"}})
	require.NoError(t, e.Terminate())
	assert.Nil(t, e.Instances())
	assert.Equal(t, map[string]int{}, e.Versions())
	assert.Equal(t, "shop-prod", e.Name())
	assert.Equal(t, "v1", e.Version())
	code, _, _ := get(e.Handler())
	assert.Equal(t, 503, code)
	_, err := e.Deploy(ctx, good, deploy.Options{})
	require.ErrorIs(t, err, deploy.ErrTerminated)
	require.ErrorIs(t, e.Terminate(), deploy.ErrTerminated)
}

// TestDeployCancelled: a done context stops the deployment where it is.
func TestDeployCancelled(t *testing.T) {
	e := newEnv(t, fourV1)
	c, cancel := contextWithCancel()
	cancel()
	_, err := e.Deploy(c, good, deploy.Options{})
	require.ErrorIs(t, err, errCanceled)
	assert.Equal(t, map[string]int{"v1": 4}, e.Versions(), "nothing started")

	c, cancel = contextWithCancel()
	o := deploy.Options{Policy: deploy.Rolling, BatchSize: 25, OnEvent: func(ev deploy.Event) {
		if ev.Kind == deploy.BatchHealthy {
			cancel()
		}
	}}
	_, err = e.Deploy(c, good, o)
	require.True(t, errors.Is(err, errCanceled), "%v", err)
	assert.Equal(t, 2, len(e.Versions()), "stopped between batches: mixed versions")
	_, err = e.Deploy(ctx, good, deploy.Options{})
	require.NoError(t, err, "the environment can deploy again")
}

// TestRealClock: without a mock, Deploy waits on the clock's timers, so
// the deployment takes the time it reports (here inside a synctest
// bubble, where that time is fake), and requests sent meanwhile meet the
// fleet as it is.
func TestRealClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := deploy.New(deploy.Config{Instances: 2})
		require.NoError(t, err)
		start := time.Now()
		done := make(chan *deploy.Report)
		go func() {
			r, err := e.Deploy(ctx, good, deploy.Options{})
			assert.NoError(t, err)
			done <- r
		}()
		time.Sleep(time.Second) // the instances are deploying: an outage
		synctest.Wait()
		code, _, _ := get(e.Handler())
		assert.Equal(t, 503, code)
		r := <-done
		assert.Equal(t, r.Duration, time.Since(start))
		assert.Equal(t, map[string]int{"v2": 2}, e.Versions())

		c, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		_, err = e.Deploy(c, deploy.Version{Name: "v3"}, deploy.Options{})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, time.Minute, time.Since(start)-r.Duration)
	})
}

// TestCancelDuringSplit: a deployment cancelled during a traffic split
// stops as AbortEnvironmentUpdate does: the split ends and the new
// instances are terminated, so the environment keeps its size.
func TestCancelDuringSplit(t *testing.T) {
	e := newEnv(t, fourV1)
	c, cancel := contextWithCancel()
	o := deploy.Options{Policy: deploy.TrafficSplitting, OnEvent: func(ev deploy.Event) {
		if ev.Kind == deploy.TrafficSplit {
			cancel()
		}
	}}
	_, err := e.Deploy(c, good, o)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, map[string]int{"v1": 4}, e.Versions())
	assert.Len(t, e.Instances(), 4)
	seen := map[string]int{}
	for range 16 {
		_, v, _ := get(e.Handler())
		seen[v]++
	}
	assert.Equal(t, map[string]int{"v1": 16}, seen, "no split: the old instances only")
}

// TestErrorsNamePackageOnce: an error of Deploy, and a Refusal's, names
// the package once.
func TestErrorsNamePackageOnce(t *testing.T) {
	e := newEnv(t, deploy.Config{Health: deploy.Basic})
	_, err := e.Deploy(ctx, good, deploy.Options{BatchSize: 101})
	require.ErrorIs(t, err, deploy.ErrInvalidOption)
	assert.Equal(t, 1, strings.Count(err.Error(), "deploy:"), "%v", err)
	_, err = e.Deploy(ctx, good, deploy.Options{Policy: deploy.Immutable})
	require.ErrorIs(t, err, deploy.ErrEnhancedHealthRequired)
	assert.Equal(t, 1, strings.Count(err.Error(), "deploy:"), "%v", err)
	_, err = e.Deploy(ctx, deploy.Version{}, deploy.Options{})
	require.ErrorIs(t, err, deploy.ErrInvalidVersion)
	assert.Equal(t, 1, strings.Count(err.Error(), "deploy:"), "%v", err)

	c, err := deploy.Compare(ctx, deploy.Config{Health: deploy.Basic}, good, deploy.Options{})
	require.NoError(t, err)
	require.NotEmpty(t, c.Refused)
	for _, f := range c.Refused {
		assert.Equal(t, 1, strings.Count(f.Err.Error(), "deploy:"), "%v", f.Err)
	}
}
