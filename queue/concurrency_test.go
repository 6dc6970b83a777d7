package queue_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/queue"
)

// Eight producers and eight consumers move 100,000 messages while the clock
// runs; consumers "crash" now and then (they do not delete), so messages come
// back after their visibility timeout and, after three receives, move to the
// dead-letter queue. At the end every message was deleted or sits in the
// dead-letter queue, once: none lost, none invented.
func TestConcurrentProducersAndConsumersLoseNothing(t *testing.T) {
	const (
		producers = 8
		consumers = 8
		total     = 100_000
		perProd   = total / producers
	)
	clk := clock.NewMock()
	dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk, MaxInFlight: queue.NoLimit})
	q := newQueue(t, queue.Config{
		Name: "work", Clock: clk, VisibilityTimeout: 10 * time.Second, MaxInFlight: queue.NoLimit,
		Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 3},
	})

	sent := make([][]string, producers)
	deleted := make([][]string, consumers)
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(p), 1))
			for i := 0; i < perProd; {
				if n := min(1+r.IntN(10), perProd-i); r.IntN(2) == 0 {
					entries := make([]queue.SendBatchEntry, n)
					for j := range entries {
						entries[j] = queue.SendBatchEntry{ID: fmt.Sprint("e", j), SendInput: queue.SendInput{Body: fmt.Sprint(p, "-", i+j)}}
					}
					res, err := q.SendBatch(ctx, entries)
					if err != nil {
						t.Error(err)
						return
					}
					for _, x := range res {
						sent[p] = append(sent[p], x.MessageID)
					}
					i += n
					continue
				}
				id, err := q.Send(ctx, queue.SendInput{Body: fmt.Sprint(p, "-", i)})
				if err != nil {
					t.Error(err)
					return
				}
				sent[p] = append(sent[p], id)
				i++
			}
		})
	}

	stop, cancel := context.WithCancel(ctx)
	var consumersWG sync.WaitGroup
	var crashes atomic.Int64
	for c := range consumers {
		consumersWG.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c), 2))
			for stop.Err() == nil {
				msgs, err := q.Receive(stop, queue.ReceiveOptions{MaxMessages: 1 + r.IntN(10), WaitTime: new(time.Second)})
				if err != nil {
					if stop.Err() == nil {
						t.Error(err)
					}
					return
				}
				for _, m := range msgs {
					if r.IntN(5) == 0 {
						crashes.Add(1)
						continue // crashed: no delete
					}
					if err := q.Delete(ctx, m.ReceiptHandle); err != nil {
						t.Error(err)
						return
					}
					deleted[c] = append(deleted[c], m.ID)
				}
			}
		})
	}

	// the clock runs until the producers are done and the queue is empty
	producersDone := make(chan struct{})
	go func() { wg.Wait(); close(producersDone) }()
	for {
		clk.Add(2 * time.Second)
		select {
		case <-producersDone:
		default:
			continue
		}
		if s, err := q.Stats(); err != nil || s == (queue.Stats{}) {
			require.NoError(t, err)
			break
		}
	}
	cancel()
	consumersWG.Wait()

	inDLQ := map[string]bool{}
	for {
		msgs := receive(t, dlq, queue.ReceiveOptions{MaxMessages: 10})
		if len(msgs) == 0 {
			break
		}
		for _, m := range msgs {
			require.False(t, inDLQ[m.ID], "twice in the dead-letter queue")
			inDLQ[m.ID] = true
		}
	}

	all := map[string]bool{}
	for _, ids := range sent {
		for _, id := range ids {
			all[id] = true
		}
	}
	require.Len(t, all, total)
	accounted := map[string]bool{}
	for id := range inDLQ {
		accounted[id] = true
	}
	for _, ids := range deleted {
		for _, id := range ids {
			require.True(t, all[id], "deleted a message never sent")
			accounted[id] = true
		}
	}
	for id := range all {
		if !accounted[id] {
			t.Fatalf("message %s lost", id)
		}
	}
	require.Len(t, accounted, total)
	t.Logf("%d crashes, %d messages dead-lettered", crashes.Load(), len(inDLQ))
	require.NotZero(t, crashes.Load())
	require.NotEmpty(t, inDLQ)
}
