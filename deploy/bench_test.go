package deploy

// Benchmarks of the simulator, and the baselines to read them against.
//
// The Simulate benchmarks time the simulation alone: the environment is
// made outside the timed part, and the mock clock is not moved to the
// deployment's end (Deploy does that once, and benbjohnson/clock's Mock
// pauses 1 ms of real time on every move: BenchmarkDeploy1000 shows the
// whole call). The target is BenchmarkSimulate1000 under 50 ms.
//
// The baselines run the same number of events: through the simulator's
// heap (BenchmarkEventHeap), through a buffered channel, the naive
// baseline of every stratus package (BenchmarkChanBaseline: no ordering by
// time at all, the floor), and as AfterFunc timers on the mock clock,
// moving it to each in turn (BenchmarkMockClockBaseline, the design the
// heap replaces; fewer events, since each costs the mock's 1 ms pause).
// Each reports ns/event, so the ratios read from one run.

import (
	"context"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
)

// benchSimulate deploys v with opts to a fresh environment of n instances
// of v1 on a mock clock, timing only the simulation.
func benchSimulate(b *testing.B, n int, v Version, opts Options, wantOK bool) {
	b.ReportAllocs()
	ctx := context.Background()
	var events int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		env, err := New(Config{Instances: n, MaxSize: n, Version: Version{Name: "v1"}, Clock: clock.NewMock()})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r, err := env.deploy(ctx, v, opts, true)
		if (err == nil) != wantOK {
			b.Fatal(err)
		}
		events = len(r.Events)
	}
	b.ReportMetric(float64(events), "events/op")
}

// BenchmarkSimulate1000 is a rolling deployment of 1,000 instances in
// batches of 10 percent: 10 batches, 12 health checks per instance (the
// enhanced-health rule) and the timeline's events.
func BenchmarkSimulate1000(b *testing.B) {
	benchSimulate(b, 1000, Version{Name: "v2"}, Options{Policy: Rolling, BatchSize: 10}, true)
}

// BenchmarkSimulate1000HealthModel is BenchmarkSimulate1000 with a
// version whose health model may change its status: the load balancer
// goes on checking every instance once its batch is done, so it runs
// several times the health checks (none of them in the timeline). A check
// is scheduled without a closure, so they allocate nothing.
func BenchmarkSimulate1000HealthModel(b *testing.B) {
	ok := func(string, time.Duration) Status { return Ok }
	benchSimulate(b, 1000, Version{Name: "v2", Health: ok}, Options{Policy: Rolling, BatchSize: 10}, true)
}

// BenchmarkSimulate1000Immutable doubles the fleet for a while.
func BenchmarkSimulate1000Immutable(b *testing.B) {
	benchSimulate(b, 1000, Version{Name: "v2"}, Options{Policy: Immutable}, true)
}

// BenchmarkSimulate1000Bad is a bad version on 1,000 instances all at
// once: 84 failing checks per instance before the 840 s timeout.
func BenchmarkSimulate1000Bad(b *testing.B) {
	benchSimulate(b, 1000, Version{Name: "v2-bad", FailureRate: 1}, Options{}, false)
}

// BenchmarkDeploy1000 is BenchmarkSimulate1000 through the public Deploy,
// which also moves the mock to the end: the mock's 1 ms pause included.
func BenchmarkDeploy1000(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		env, err := New(Config{Instances: 1000, MaxSize: 1000, Version: Version{Name: "v1"}, Clock: clock.NewMock()})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := env.Deploy(ctx, Version{Name: "v2"}, Options{Policy: Rolling, BatchSize: 10}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompare runs the five policies on 100 instances through the
// public API (five mock moves included).
func BenchmarkCompare(b *testing.B) {
	b.ReportAllocs()
	cfg := Config{Instances: 100, MaxSize: 100}
	for b.Loop() {
		if _, err := Compare(context.Background(), cfg, Version{Name: "v2"}, Options{BatchSize: 25}); err != nil {
			b.Fatal(err)
		}
	}
}

const benchEvents = 1000

// BenchmarkEventHeap runs 1,000 events, 10 s apart and pushed in reverse
// order, through the simulator's heap.
func BenchmarkEventHeap(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var h eventHeap
		n := 0
		for i := range benchEvents {
			h.push(event{at: time.Duration(benchEvents-i) * 10 * time.Second, seq: uint64(i), fn: func() { n++ }})
		}
		for len(h) > 0 {
			h.pop().fn()
		}
		if n != benchEvents {
			b.Fatal(n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchEvents), "ns/event")
}

// BenchmarkChanBaseline runs the same 1,000 events through a buffered
// channel, in the order they were sent.
func BenchmarkChanBaseline(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ch := make(chan event, benchEvents)
		n := 0
		for i := range benchEvents {
			ch <- event{at: time.Duration(benchEvents-i) * 10 * time.Second, seq: uint64(i), fn: func() { n++ }}
		}
		close(ch)
		for ev := range ch {
			ev.fn()
		}
		if n != benchEvents {
			b.Fatal(n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchEvents), "ns/event")
}

// mockEvents is how many events BenchmarkMockClockBaseline runs: each
// costs the mock's 1 ms pause.
const mockEvents = 20

// BenchmarkMockClockBaseline runs events as AfterFunc timers on a mock
// clock, moving it to each in turn.
func BenchmarkMockClockBaseline(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		clk := clock.NewMock()
		done := make(chan struct{}, mockEvents)
		for i := range mockEvents {
			clk.AfterFunc(time.Duration(i+1)*10*time.Second, func() { done <- struct{}{} })
		}
		for range mockEvents {
			clk.Add(10 * time.Second)
			<-done
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*mockEvents), "ns/event")
}
