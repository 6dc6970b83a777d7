package queue_test

import (
	"context"
	"errors"
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

// receipt is what a consumer saw of one receive.
type receipt struct {
	id      string
	count   int
	deleted bool // the delete took effect: the consumer still held the message
}

// Eight producers and eight consumers move 100,000 messages while the clock
// runs; consumers "crash" now and then (they do not delete), so messages come
// back after their visibility timeout and, after three receives, move to the
// dead-letter queue.
//
// A consumer that means to delete first renews its hold with ChangeVisibility
// while the clock is paused (hold, read-locked against the loop that moves
// it): if that succeeds the delete surely takes effect; if not, the message
// came back while the consumer was slow, and the receive counts as a crash.
// So the end state is exact: for each message, its last receive (highest
// receive count) was deleted and it is not in the dead-letter queue, or it
// was not and it is there, after exactly three receives. No receive count
// is seen twice (no two consumers held the message at once), none lost.
func TestConcurrentProducersAndConsumersLoseNothing(t *testing.T) {
	const (
		producers = 8
		consumers = 8
		total     = 100_000
		perProd   = total / producers
		maxCount  = 3
	)
	clk := clock.NewMock()
	dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk, MaxInFlight: queue.NoLimit})
	q := newQueue(t, queue.Config{
		Name: "work", Clock: clk, VisibilityTimeout: 10 * time.Second, MaxInFlight: queue.NoLimit,
		Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: maxCount},
	})

	sent := make([][]string, producers)
	var producersWG sync.WaitGroup
	for p := range producers {
		producersWG.Go(func() {
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

	var hold sync.RWMutex // read: a consumer settles what it received; write: the clock moves
	stop, cancel := context.WithCancel(ctx)
	seen := make([][]receipt, consumers)
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
				hold.RLock()
				for _, m := range msgs {
					rc := receipt{id: m.ID, count: m.ReceiveCount}
					if r.IntN(5) == 0 {
						crashes.Add(1) // crashed: no delete
					} else if err := q.ChangeVisibility(ctx, m.ReceiptHandle, 10*time.Second); err == nil {
						if err := q.Delete(ctx, m.ReceiptHandle); err != nil {
							t.Error(err)
						}
						rc.deleted = true
					} else if !errors.Is(err, queue.ErrReceiptHandleExpired) && !errors.Is(err, queue.ErrMessageNotInFlight) {
						t.Error(err)
					}
					seen[c] = append(seen[c], rc)
				}
				hold.RUnlock()
			}
		})
	}

	// the clock runs until the producers are done and the queue is empty
	producersDone := make(chan struct{})
	go func() { producersWG.Wait(); close(producersDone) }()
	for !t.Failed() { // a failed consumer would leave the queue full forever
		hold.Lock()
		clk.Add(2 * time.Second)
		hold.Unlock()
		select {
		case <-producersDone:
		default:
			continue
		}
		s := stats(t, q)
		if s.Visible+s.InFlight+s.Delayed == 0 {
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

	last := map[string]receipt{}
	counts := map[receipt]bool{}
	for _, rs := range seen {
		for _, rc := range rs {
			key := receipt{id: rc.id, count: rc.count}
			require.False(t, counts[key], "message %s received twice with count %d", rc.id, rc.count)
			counts[key] = true
			if rc.count > last[rc.id].count {
				last[rc.id] = rc
			}
		}
	}
	ids := map[string]bool{}
	for _, s := range sent {
		for _, id := range s {
			ids[id] = true
		}
	}
	require.Len(t, ids, total)
	require.Len(t, last, total, "every message received at least once, and only those sent")
	for id, rc := range last {
		require.True(t, ids[id], "received a message never sent")
		if rc.deleted {
			require.False(t, inDLQ[id], "message %s deleted and dead-lettered", id)
		} else {
			require.True(t, inDLQ[id], "message %s lost after %d receives", id, rc.count)
			require.Equal(t, maxCount, rc.count, "message %s dead-lettered early", id)
		}
		for n := 1; n < rc.count; n++ {
			require.True(t, counts[receipt{id: id, count: n}], "message %s: receive %d missing", id, n)
		}
	}
	for id := range inDLQ {
		require.Contains(t, last, id, "dead-lettered a message never received")
	}
	t.Logf("%d crashes, %d messages dead-lettered", crashes.Load(), len(inDLQ))
	require.NotZero(t, crashes.Load())
	require.NotEmpty(t, inDLQ)
}
