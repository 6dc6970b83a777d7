package deploy_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/deploy"
)

// bundle is a source bundle using every lifecycle file, with hooks that
// record their runs in *log.
func bundle(log *[]string) deploy.Bundle {
	hook := func(p deploy.Phase, name string) deploy.Hook {
		return deploy.Hook{Phase: p, Name: name, Run: func(h deploy.HookContext) error {
			*log = append(*log, fmt.Sprintf("%s %s/%s %s", h.Instance, h.Phase, h.Name, h.Dir))
			return nil
		}}
	}
	return deploy.Bundle{
		Procfile:  "web: bin/server\nworker: bin/worker",
		Buildfile: "make: make all",
		Hooks: []deploy.Hook{
			hook(deploy.Postdeploy, "01_notify.sh"),
			hook(deploy.Prebuild, "10_b.sh"),
			hook(deploy.Predeploy, "01_migrate.sh"),
			hook(deploy.Prebuild, "02_a.sh"),
		},
		Extensions: []deploy.ConfigFile{
			{Name: "20-app.config", Data: `{"commands":{"zz":{"command":"echo zz"},"aa":{"command":"echo aa"}},"container_commands":{"02_seed":{"command":"seed","leader_only":"true"},"01_migrate":{"command":"migrate"}}}`},
			{Name: "10-packages.config", Data: `{"packages":{"yum":{"git":[]}},"commands":{"setup":{"command":["mkdir","-p","/x"]}}}`},
			{Name: "15-broken.config", Data: `commands: {`},
			{Name: "README.md", Data: `not a config file`},
		},
	}
}

// TestPlanOrder: the documented order of the Amazon Linux 2 platforms;
// files and commands alphabetically, hooks lexicographically within their
// phase; a config file that does not validate is skipped whole.
func TestPlanOrder(t *testing.T) {
	plan, err := deploy.Plan(bundle(new([]string)))
	require.NoError(t, err)
	var got []string
	for _, s := range plan {
		got = append(got, s.String())
	}
	require.Len(t, got, 13)
	assert.Contains(t, got[0], "skipped 15-broken.config")
	assert.Equal(t, []string{
		"commands 10-packages.config/setup",
		"commands 20-app.config/aa",
		"commands 20-app.config/zz",
		"prebuild .platform/hooks/prebuild/02_a.sh",
		"prebuild .platform/hooks/prebuild/10_b.sh",
		"Buildfile Buildfile/make",
		"container_commands 20-app.config/02_seed", // leader-only: first
		"container_commands 20-app.config/01_migrate",
		"predeploy .platform/hooks/predeploy/01_migrate.sh",
		"Procfile Procfile/web",
		"Procfile Procfile/worker",
		"postdeploy .platform/hooks/postdeploy/01_notify.sh",
	}, got[1:])
	assert.Equal(t, "mkdir -p /x", plan[1].Command)
	assert.True(t, plan[7].LeaderOnly)
}

// TestLeaderOnlyContainerCommandsFirst: "Leader-only container commands
// are run before other container commands" (customize-containers-ec2), in
// any file; a command with both leader_only and test is leader-only.
func TestLeaderOnlyContainerCommandsFirst(t *testing.T) {
	ext, err := deploy.ParseConfigFile("a.config", []byte(`{"container_commands":{
		"01_collect":{"command":"collect"},
		"03_migrate":{"command":"migrate","leader_only":true,"test":"[ -f x ]"},
		"02_seed":{"command":"seed","leader_only":true},
		"99_custom":{"command":"custom"}}}`))
	require.NoError(t, err)
	var names []string
	for _, c := range ext.ContainerCommands {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"02_seed", "03_migrate", "01_collect", "99_custom"}, names)
	assert.True(t, ext.ContainerCommands[1].LeaderOnly, "leader_only takes precedence over test")

	plan, err := deploy.Plan(deploy.Bundle{Extensions: []deploy.ConfigFile{
		{Name: "01-a.config", Data: `{"container_commands":{"a1":{"command":"x"}}}`},
		{Name: "02-b.config", Data: `{"container_commands":{"b1":{"command":"y","leader_only":true},"b2":{"command":"z"}}}`},
	}})
	require.NoError(t, err)
	var got []string
	for _, st := range plan {
		got = append(got, st.File+"/"+st.Name)
	}
	assert.Equal(t, []string{"02-b.config/b1", "01-a.config/a1", "02-b.config/b2"}, got)
}

// TestHooksRunInOrder: each instance runs the hooks in plan order, in the
// staging folder before the flip and the current one after.
func TestHooksRunInOrder(t *testing.T) {
	var log []string
	v := deploy.Version{Name: "v2", Bundle: bundle(&log)}
	e := newEnv(t, deploy.Config{Instances: 2})
	r, err := e.Deploy(ctx, v, deploy.Options{Policy: deploy.Rolling, BatchSize: 50})
	require.NoError(t, err)
	assert.Len(t, r.Plan, 13)
	var want []string
	for _, id := range []string{"i-00001", "i-00002"} {
		want = append(want,
			id+" prebuild/02_a.sh /var/app/staging",
			id+" prebuild/10_b.sh /var/app/staging",
			id+" predeploy/01_migrate.sh /var/app/staging",
			id+" postdeploy/01_notify.sh /var/app/current")
	}
	assert.Equal(t, want, log)
}

// TestHookLeader: one instance of the deployment is the leader.
func TestHookLeader(t *testing.T) {
	leaders := 0
	v := deploy.Version{Name: "v2", Bundle: deploy.Bundle{Hooks: []deploy.Hook{{Phase: deploy.Predeploy, Name: "m.sh", Run: func(h deploy.HookContext) error {
		if h.Leader {
			leaders++
		}
		return nil
	}}}}}
	e := newEnv(t, deploy.Config{Instances: 4})
	_, err := e.Deploy(ctx, v, deploy.Options{})
	require.NoError(t, err)
	assert.Equal(t, 1, leaders)
}

// TestFailingHook aborts the deployment without waiting for the timeout:
// the rolling batch fails with the old version kept; Immutable rolls back.
func TestFailingHook(t *testing.T) {
	failing := deploy.Version{Name: "v2", Bundle: deploy.Bundle{Hooks: []deploy.Hook{
		{Phase: deploy.Prebuild, Name: "01_ok.sh", Run: func(deploy.HookContext) error { return nil }},
		{Phase: deploy.Prebuild, Name: "02_fail.sh", Run: func(deploy.HookContext) error { return errors.New("exit status 2") }},
		{Phase: deploy.Postdeploy, Name: "never.sh", Run: func(deploy.HookContext) error { panic("must not run") }},
	}}}
	e := newEnv(t, fourV1)
	r, err := e.Deploy(ctx, failing, deploy.Options{Policy: deploy.Rolling, BatchSize: 25})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.Contains(t, r.FailureReason, "02_fail.sh")
	assert.Contains(t, r.FailureReason, "exit status 2")
	assert.Equal(t, 1, count(r, deploy.HookFailed))
	assert.Less(t, r.Duration, deploy.DefaultTimeout, "no wait for the timeout")
	assert.Equal(t, map[string]int{"v1": 4}, r.Final, "the instance keeps its version")
	assert.Equal(t, 4, r.FinalCapacity)

	e = newEnv(t, fourV1)
	r, err = e.Deploy(ctx, failing, deploy.Options{Policy: deploy.Immutable})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.True(t, r.RolledBack)
	assert.Equal(t, map[string]int{"v1": 4}, r.Final)

	e = newEnv(t, fourV1)
	r, err = e.Deploy(ctx, failing, deploy.Options{Policy: deploy.AllAtOnce})
	require.ErrorIs(t, err, deploy.ErrDeploymentFailed)
	assert.Equal(t, 4, count(r, deploy.HookFailed), "every instance ran it")
	assert.Equal(t, 4, r.FinalCapacity, "the old version never stopped")
}

func TestParseConfigFileErrors(t *testing.T) {
	for _, data := range []string{
		``, `[]`, `null`, `{"comands":{}}`,
		`{"commands":{"a":{}}}`,
		`{"commands":{"a":{"command":""}}}`,
		`{"commands":{"a":{"command":"x","leader_only":true}}}`,
		`{"container_commands":{"a":{"command":"x","leader_only":"maybe"}}}`,
		`{"commands":{"a":{"command":"x","bogus":1}}}`,
	} {
		_, err := deploy.ParseConfigFile("x.config", []byte(data))
		require.ErrorIs(t, err, deploy.ErrInvalidConfigFile, data)
		assert.Contains(t, err.Error(), "x.config")
	}
}
