package queue_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stratus-go/stratus/queue"
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

func newBenchQueue(b *testing.B) *queue.Queue {
	q, err := queue.New(queue.Config{Name: "bench", ReceiveWaitTime: 20 * time.Second, MaxInFlight: queue.NoLimit})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { q.Close() })
	return q
}

// BenchmarkPipeline passes messages through the queue: one producer Sends,
// one consumer Receives (one at a time, long polling) and Deletes.
func BenchmarkPipeline(b *testing.B) {
	b.ReportAllocs()
	q := newBenchQueue(b)
	ctx := context.Background()
	n := b.N
	done := make(chan error, 1)
	go func() {
		for got := 0; got < n; {
			msgs, err := q.Receive(ctx, queue.ReceiveOptions{})
			if err != nil {
				done <- err
				return
			}
			for _, m := range msgs {
				if err := q.Delete(ctx, m.ReceiptHandle); err != nil {
					done <- err
					return
				}
			}
			got += len(msgs)
		}
		done <- nil
	}()
	b.ResetTimer()
	for range n {
		if _, err := q.Send(ctx, queue.SendInput{Body: body256}); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPipelineBatch is the same shape in batches of 10: SendBatch,
// Receive of 10, DeleteBatch. One op is one message.
func BenchmarkPipelineBatch(b *testing.B) {
	b.ReportAllocs()
	q := newBenchQueue(b)
	ctx := context.Background()
	n := (b.N + 9) / 10 * 10
	entries := make([]queue.SendBatchEntry, 10)
	for i := range entries {
		entries[i] = queue.SendBatchEntry{ID: fmt.Sprint("e", i), SendInput: queue.SendInput{Body: body256}}
	}
	done := make(chan error, 1)
	go func() {
		del := make([]queue.DeleteBatchEntry, 0, 10)
		for got := 0; got < n; {
			msgs, err := q.Receive(ctx, queue.ReceiveOptions{MaxMessages: 10})
			if err != nil {
				done <- err
				return
			}
			del = del[:0]
			for i, m := range msgs {
				del = append(del, queue.DeleteBatchEntry{ID: entries[i].ID, ReceiptHandle: m.ReceiptHandle})
			}
			if len(del) > 0 {
				if _, err := q.DeleteBatch(ctx, del); err != nil {
					done <- err
					return
				}
			}
			got += len(msgs)
		}
		done <- nil
	}()
	b.ResetTimer()
	for i := 0; i < n; i += 10 {
		if _, err := q.SendBatch(ctx, entries); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkQueuedMemory holds 1,000,000 queued 256-byte messages and reports
// the heap bytes per message beyond the body.
func BenchmarkQueuedMemory(b *testing.B) {
	const n = 1_000_000
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		q, err := queue.New(queue.Config{Name: "mem"})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < n; i++ {
			// a distinct body per message, so the bodies are counted honestly
			body := []byte(body256)
			body[0], body[1], body[2] = byte(i), byte(i>>8), byte(i>>16)
			for j := 0; j < 3; j++ {
				body[j] = 'a' + body[j]%26
			}
			if _, err := q.Send(ctx, queue.SendInput{Body: string(body)}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		perMsg := float64(after.HeapAlloc-before.HeapAlloc)/n - 256
		b.ReportMetric(perMsg, "overhead-B/msg")
		runtime.KeepAlive(q)
		q.Close()
		b.StartTimer()
	}
}
