package deploy

import (
	"testing"
	"time"

	"github.com/benbjohnson/clock"
)

// The simulator keeps its events on a heap and moves the clock once. The
// naive design schedules each event as a timer on the mock clock and
// advances the mock through them; the mock sleeps a millisecond of real
// time on each move, which is why Deploy never does that per event.

const benchEvents = 1000

// BenchmarkEventHeap runs 1,000 events, 10 s apart, through the heap.
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
}

// BenchmarkMockClockBaseline runs the same 1,000 events as AfterFunc
// timers on a mock clock, moving it to each in turn.
func BenchmarkMockClockBaseline(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		clk := clock.NewMock()
		done := make(chan struct{}, benchEvents)
		for i := range benchEvents {
			clk.AfterFunc(time.Duration(i+1)*10*time.Second, func() { done <- struct{}{} })
		}
		for range benchEvents {
			clk.Add(10 * time.Second)
			<-done
		}
	}
}
