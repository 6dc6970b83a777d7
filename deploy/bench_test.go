package deploy_test

// There is no BenchmarkChanBaseline here: a deployment is not a stream of
// messages through a queue, so a buffered channel measures nothing the
// simulator does. The naive baseline that matters, driving each event
// through the mock clock's own timers, is BenchmarkMockClockBaseline in
// heap_bench_test.go, beside the event heap it is compared with.

import (
	"testing"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/deploy"
)

// benchDeploy makes a fresh environment of n instances on a mock clock and
// deploys a good version with opts; the target is BenchmarkSimulate1000
// under 50 ms.
func benchDeploy(b *testing.B, n int, opts deploy.Options) {
	b.ReportAllocs()
	var events int
	for b.Loop() {
		env, err := deploy.New(deploy.Config{Instances: n, MaxSize: n, Version: deploy.Version{Name: "v1"}, Clock: clock.NewMock()})
		if err != nil {
			b.Fatal(err)
		}
		r, err := env.Deploy(ctx, good, opts)
		if err != nil {
			b.Fatal(err)
		}
		events = len(r.Events)
	}
	b.ReportMetric(float64(events), "events/op")
}

// BenchmarkSimulate1000 is a rolling deployment of 1,000 instances in
// batches of 10 percent, simulated on the mock clock: about 100 health
// checks per instance and 10 batches.
func BenchmarkSimulate1000(b *testing.B) {
	benchDeploy(b, 1000, deploy.Options{Policy: deploy.Rolling, BatchSize: 10})
}

// BenchmarkSimulate1000Immutable doubles the fleet for a while.
func BenchmarkSimulate1000Immutable(b *testing.B) {
	benchDeploy(b, 1000, deploy.Options{Policy: deploy.Immutable})
}

// BenchmarkSimulate1000Bad is a bad version on 1,000 instances all at
// once: 84 failing checks per instance before the timeout.
func BenchmarkSimulate1000Bad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		env, err := deploy.New(deploy.Config{Instances: 1000, MaxSize: 1000, Clock: clock.NewMock()})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := env.Deploy(ctx, bad, deploy.Options{}); err == nil {
			b.Fatal("a bad version succeeded")
		}
	}
}

// BenchmarkCompare runs the five policies on 100 instances.
func BenchmarkCompare(b *testing.B) {
	b.ReportAllocs()
	cfg := deploy.Config{Instances: 100, MaxSize: 100}
	for b.Loop() {
		if _, err := deploy.Compare(ctx, cfg, good, deploy.Options{BatchSize: 25}); err != nil {
			b.Fatal(err)
		}
	}
}
