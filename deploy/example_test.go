package deploy_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/deploy"
)

// A rolling deployment of a version that never becomes healthy fails at
// the first batch, after the 600 s command timeout plus 240 s, and leaves
// mixed versions: Elastic Beanstalk does not roll it back.
func ExampleEnvironment_Deploy() {
	clk := clock.NewMock()
	env, err := deploy.New(deploy.Config{Instances: 4, Version: deploy.Version{Name: "v1"}, Clock: clk})
	if err != nil {
		panic(err)
	}
	start := clk.Now()
	broken := deploy.Version{Name: "v2", FailureRate: 1}
	r, err := env.Deploy(context.Background(), broken, deploy.Options{Policy: deploy.Rolling, BatchSize: 25})
	fmt.Println(errors.Is(err, deploy.ErrDeploymentFailed))
	fmt.Println(r.FailureReason)
	fmt.Println("in service at least:", r.MinCapacity, "of", r.Target)
	fmt.Println("versions:", env.Versions())
	fmt.Println("rolled back:", r.RolledBack, "-", r.Rollback)
	fmt.Println("the mock moved by", clk.Now().Sub(start))
	// Output:
	// true
	// batch 1 of 4: 1 of 1 instance(s) not healthy within 14m0s
	// in service at least: 3 of 4
	// versions: map[v1:3 v2:1]
	// rolled back: false - none: completed batches run the new version, the rest the old; redeploy to repair
	// the mock moved by 14m20s
}

// Immutable and TrafficSplitting roll back on their own: the new instances
// are terminated and the old ones, never touched, keep serving.
func ExampleEnvironment_Deploy_immutable() {
	env, _ := deploy.New(deploy.Config{Instances: 4, Version: deploy.Version{Name: "v1"}, Clock: clock.NewMock()})
	r, _ := env.Deploy(context.Background(), deploy.Version{Name: "v2", FailureRate: 1}, deploy.Options{Policy: deploy.Immutable})
	fmt.Println(r.Outcome(), "in", r.Duration)
	fmt.Println(r.Rollback)
	fmt.Println("in service at least:", r.MinCapacity, "- versions:", env.Versions())
	// Output:
	// rolled back in 14m20s
	// terminated the temporary Auto Scaling group (1 instance(s)); the 4 original instances were not touched
	// in service at least: 4 - versions: map[v1:4]
}

// Requests sent through the load balancer at each event of a rolling
// deployment meet both versions, and none fails.
func ExampleEnvironment_Handler() {
	env, _ := deploy.New(deploy.Config{Instances: 4, Version: deploy.Version{Name: "v1"}, Clock: clock.NewMock()})
	answers := map[string]int{}
	opts := deploy.Options{Policy: deploy.Rolling, BatchSize: 50, OnEvent: func(deploy.Event) {
		for range 10 {
			rec := httptest.NewRecorder()
			env.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			answers[fmt.Sprint(rec.Code, " ", rec.Header().Get("X-App-Version"))]++
		}
	}}
	if _, err := env.Deploy(context.Background(), deploy.Version{Name: "v2"}, opts); err != nil {
		panic(err)
	}
	fmt.Println(answers)
	// Output:
	// map[200 v1:90 200 v2:130]
}

// Compare runs each policy on the same scenario.
func ExampleCompare() {
	cfg := deploy.Config{Instances: 4, Version: deploy.Version{Name: "v1"}, Seed: 1}
	c, err := deploy.Compare(context.Background(), cfg, deploy.Version{Name: "v2"}, deploy.Options{BatchSize: 25})
	if err != nil {
		panic(err)
	}
	c.WriteTable(os.Stdout)
	// Output:
	// policy                      outcome    duration  min in service  downtime  peak instances  instance-hours  rolled back  versions at end
	// AllAtOnce                   succeeded  2m40s     0/4             32s       4               0.18            no           v2×4
	// Rolling                     succeeded  11m38s    3/4             0s        4               0.78            no           v2×4
	// RollingWithAdditionalBatch  succeeded  15m46s    4/4             0s        5               1.31            no           v2×4
	// Immutable                   succeeded  8m38s     4/4             0s        8               0.96            no           v2×4
	// TrafficSplitting            succeeded  9m52s     4/4             0s        8               1.32            no           v2×4
}

// A Procfile names long-running processes, one "name: command" a line.
func ExampleParseProcfile() {
	ps, err := deploy.ParseProcfile("web: bin/server\nworker: bin/worker --queue jobs\n")
	fmt.Println(ps, err)
	_, err = deploy.ParseProcfile("web: bin/server\nworker bin/worker\n")
	fmt.Println(err)
	// Output:
	// [{web bin/server} {worker bin/worker --queue jobs}] <nil>
	// deploy: invalid Procfile: line 2: "worker bin/worker" is not "name: command"
}

// Plan lists what a deployment does on each instance, in the platform's
// order.
func ExamplePlan() {
	b := deploy.Bundle{
		Procfile: "web: bin/server",
		Hooks: []deploy.Hook{
			{Phase: deploy.Postdeploy, Name: "notify.sh", Run: func(deploy.HookContext) error { return nil }},
			{Phase: deploy.Prebuild, Name: "02_deps.sh", Run: func(deploy.HookContext) error { return nil }},
			{Phase: deploy.Prebuild, Name: "01_env.sh", Run: func(deploy.HookContext) error { return nil }},
		},
		Extensions: []deploy.ConfigFile{
			{Name: "02-db.config", Data: `{"container_commands": {"migrate": {"command": "bin/migrate", "leader_only": true}}}`},
			{Name: "01-tools.config", Data: `{"commands": {"install": {"command": "yum install -y jq"}}}`},
		},
	}
	plan, _ := deploy.Plan(b)
	for _, s := range plan {
		fmt.Println(s)
	}
	// Output:
	// commands 01-tools.config/install
	// prebuild .platform/hooks/prebuild/01_env.sh
	// prebuild .platform/hooks/prebuild/02_deps.sh
	// container_commands 02-db.config/migrate
	// Procfile Procfile/web
	// postdeploy .platform/hooks/postdeploy/notify.sh
}

// A database attached inside the environment goes with it; one outside
// survives.
func ExampleEnvironment_Terminate() {
	inside, outside := deploy.NewDatabase("sessions"), deploy.NewDatabase("orders")
	env, _ := deploy.New(deploy.Config{Database: inside, External: []*deploy.Database{outside}, Clock: clock.NewMock()})
	env.Terminate()
	fmt.Println(inside.Name(), "terminated:", inside.Terminated())
	fmt.Println(outside.Name(), "terminated:", outside.Terminated())
	// Output:
	// sessions terminated: true
	// orders terminated: false
}
