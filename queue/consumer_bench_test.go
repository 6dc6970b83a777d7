package queue_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stratus-go/stratus/queue"
)

// BenchmarkConsumer passes messages through Consume with a no-op handler
// and batches of 10: one producer SendBatches, the consumer receives,
// handles and deletes. One op is one message; compare BenchmarkChanBaseline.
func BenchmarkConsumer(b *testing.B) {
	b.ReportAllocs()
	q := newBenchQueue(b)
	n := int64((b.N + 9) / 10 * 10)
	entries := make([]queue.SendBatchEntry, 10)
	for i := range entries {
		entries[i] = queue.SendBatchEntry{ID: fmt.Sprint("e", i), SendInput: queue.SendInput{Body: body256}}
	}
	var handled atomic.Int64
	all := make(chan struct{})
	handler := func(_ context.Context, msgs []queue.Message) error {
		if handled.Add(int64(len(msgs))) == n {
			close(all)
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- queue.Consume(ctx, q, handler, queue.ConsumerConfig{BatchSize: 10}) }()
	b.ResetTimer()
	for i := int64(0); i < n; i += 10 {
		if _, err := q.SendBatch(context.Background(), entries); err != nil {
			b.Fatal(err)
		}
	}
	<-all
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
