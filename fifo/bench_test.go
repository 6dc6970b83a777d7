package fifo_test

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratus-go/stratus/fifo"
)

var body256 = strings.Repeat("x", 256)

// BenchmarkChanBaseline is the naive baseline: one producer and one consumer
// pass 256-byte messages through a buffered channel of 1,024.
func BenchmarkChanBaseline(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan string, 1024)
	done := make(chan struct{})
	go func() {
		for range ch {
		}
		close(done)
	}()
	for b.Loop() {
		ch <- body256
	}
	close(ch)
	<-done
}

// BenchmarkPipelineGroups passes messages through a FIFO queue: one producer
// sends to 1,000 groups in turn, with a deduplication ID each; two consumers
// receive (up to 10, long polling) and delete each message. One op is one
// message. Quotas are lifted.
func BenchmarkPipelineGroups(b *testing.B) {
	benchPipeline(b, 1000, false)
}

// BenchmarkManyGroupsOneBlocked is the same pipeline over 100,000 groups,
// each holding a message from the start (so 100,000 groups are live all
// along), while one more group holds a message in flight (and more behind
// it) for the whole run: choosing the next message must not look at the
// blocked group, nor at the others.
func BenchmarkManyGroupsOneBlocked(b *testing.B) {
	benchPipeline(b, 100_000, true)
}

func benchPipeline(b *testing.B, groups int, blocked bool) {
	b.ReportAllocs()
	q, err := fifo.New(fifo.Config{
		Name: "bench.fifo", ReceiveWaitTime: 20 * time.Second,
		MaxInFlight: fifo.NoLimit, Limits: fifo.Unlimited, VisibilityTimeout: 12 * time.Hour,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	ctx := context.Background()
	rctx, cancel := context.WithCancel(ctx) // the consumers'
	defer cancel()
	if blocked {
		for i := range 100 {
			if _, err := q.Send(ctx, benchInput("blocked", "blocked-"+strconv.Itoa(i))); err != nil {
				b.Fatal(err)
			}
		}
		if msgs, err := q.Receive(ctx, fifo.ReceiveOptions{}); err != nil || len(msgs) != 1 {
			b.Fatal(len(msgs), err)
		}
	}
	names := make([]string, groups)
	for i := range names {
		names[i] = "group-" + strconv.Itoa(i)
	}
	if blocked { // every group live before the clock starts
		for i, name := range names {
			if _, err := q.Send(ctx, benchInput(name, "preload-"+strconv.Itoa(i))); err != nil {
				b.Fatal(err)
			}
		}
	}
	n := int64(b.N)
	var got atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			for got.Load() < n {
				msgs, err := q.Receive(rctx, fifo.ReceiveOptions{MaxMessages: 10})
				if err != nil {
					if rctx.Err() == nil {
						errs <- err
					}
					return
				}
				for _, m := range msgs {
					if err := q.Delete(ctx, m.ReceiptHandle); err != nil {
						errs <- err
						return
					}
				}
				if got.Add(int64(len(msgs))) >= n {
					cancel() // wake the other consumer
				}
			}
		})
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := q.Send(ctx, benchInput(names[i%groups], strconv.Itoa(i))); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	b.StopTimer()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}

func benchInput(group, dedup string) fifo.SendInput {
	return fifo.SendInput{Body: body256, GroupID: group, DeduplicationID: dedup}
}

// BenchmarkQueuedMemory holds 200,000 queued 256-byte messages in 1,000
// groups, each with its own deduplication ID (so the window holds 200,000
// IDs), and reports the heap bytes per message beyond the body.
func BenchmarkQueuedMemory(b *testing.B) {
	const n = 200_000
	ctx := context.Background()
	names := make([]string, 1000)
	for i := range names {
		names[i] = "group-" + strconv.Itoa(i)
	}
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		q, err := fifo.New(fifo.Config{Name: "mem.fifo", Limits: fifo.Unlimited, MaxInFlight: fifo.NoLimit})
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			body := []byte(body256) // a distinct body per message, counted honestly
			copy(body, strconv.Itoa(i))
			in := benchInput(names[i%len(names)], strconv.Itoa(i))
			in.Body = string(body)
			if _, err := q.Send(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n-256, "overhead-B/msg")
		runtime.KeepAlive(q)
		q.Close()
		b.StartTimer()
	}
}
