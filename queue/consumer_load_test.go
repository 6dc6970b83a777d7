package queue_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/queue"
)

// 100,000 messages through a consumer whose handler succeeds, fails, fails
// part of its batch or panics at random. The clock moves only while the
// consumer is idle, so a successful batch is always deleted in time. At the
// end each message was handled successfully exactly once or sits in the
// dead-letter queue (after three failed receives), and no more batches than
// MaxConcurrency ever ran at once.
func TestConsumerLosesNothingUnderFailuresAndPanics(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		const total, limit = 100_000, 5
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		q := newQueue(t, queue.Config{Clock: clk, MaxInFlight: queue.NoLimit, Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 3}})
		for i := 0; i < total; i += 10 {
			entries := make([]queue.SendBatchEntry, 10)
			for j := range entries {
				entries[j] = queue.SendBatchEntry{ID: fmt.Sprint("e", j), SendInput: queue.SendInput{Body: fmt.Sprint(i + j)}}
			}
			_, err := q.SendBatch(ctx, entries)
			require.NoError(t, err)
		}

		var (
			mu        sync.Mutex
			rng       = rand.New(rand.NewPCG(1, 2))
			succeeded = map[string]int{}
			running   atomic.Int64
			most      atomic.Int64
			panics    atomic.Int64
		)
		handler := func(_ context.Context, msgs []queue.Message) error {
			n := running.Add(1)
			defer running.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			mu.Lock()
			defer mu.Unlock()
			switch roll := rng.IntN(20); {
			case roll == 0:
				panics.Add(1)
				panic("handler bug")
			case roll <= 2:
				return fmt.Errorf("transient failure")
			case roll <= 5:
				var f queue.BatchItemFailures
				for _, m := range msgs {
					if rng.IntN(3) == 0 {
						f.MessageIDs = append(f.MessageIDs, m.ID)
					} else {
						succeeded[m.ID]++
					}
				}
				return &f
			}
			for _, m := range msgs {
				succeeded[m.ID]++
			}
			return nil
		}
		var reported atomic.Int64
		c := newConsumer(t, q, handler, queue.ConsumerConfig{
			MaxConcurrency: limit, ReportBatchItemFailures: true,
			OnError: func(error) { reported.Add(1) },
		})
		for {
			synctest.Wait()
			if s := stats(t, q); s.Visible+s.InFlight+s.Delayed == 0 {
				break
			}
			advance(clk, 30*time.Second)
		}
		require.NoError(t, c.Close())

		inDLQ := map[string]bool{}
		for {
			msgs := receive(t, dlq, queue.ReceiveOptions{MaxMessages: 10})
			if len(msgs) == 0 {
				break
			}
			for _, m := range msgs {
				require.False(t, inDLQ[m.ID])
				inDLQ[m.ID] = true
			}
		}
		for id, n := range succeeded {
			require.Equal(t, 1, n, "message %s handled successfully %d times", id, n)
			require.False(t, inDLQ[id], "message %s handled and dead-lettered", id)
		}
		require.Equal(t, total, len(succeeded)+len(inDLQ), "every message handled or dead-lettered")
		require.LessOrEqual(t, most.Load(), int64(limit))
		require.Equal(t, queue.ConsumerStats{Succeeded: len(succeeded), Failed: c.Stats().Failed}, c.Stats())
		require.NotZero(t, panics.Load())
		require.NotEmpty(t, inDLQ)
		require.NotZero(t, reported.Load())
		t.Logf("%d handled, %d dead-lettered, %d panics, most batches at once %d", len(succeeded), len(inDLQ), panics.Load(), most.Load())
	})
}
