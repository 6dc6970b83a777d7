package fifo_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/fifo"
)

// Eight consumers work through messages in 1,000 groups, sent by one
// producer while they run, on a mock clock a driver goroutine moves in 2 s
// steps. A consumer "crashes" now and then: it stops partway through a batch
// without deleting the rest, so those messages come back after the 10 s
// visibility timeout and, after three receives, move to the FIFO
// dead-letter queue. Now and then a consumer is slow: it lets the clock run
// 6–14 s before it deletes, so its handles may have expired.
//
// A consumer receives and settles what it received under hold, read-locked
// against the driver, so the clock stands still meanwhile and the test
// knows, at every receive and delete, which messages are in flight. Each
// group's bookkeeping is updated under the group's mutex, with the delete
// itself inside, so deletes in one group are seen in the order they took
// effect. Checked, at every receive: messages of a group come in order, none
// while an earlier one of its group is in flight or not yet processed
// (deleted, or received three times with the last hold over: bound for the
// dead-letter queue), none after its delete, none in flight twice, receive
// counts without gaps and at most 3; at every delete: it succeeds exactly
// when the handle is the message's latest and still in flight, and then no
// earlier message of the group is unprocessed. At the end every message was
// deleted exactly once or is in the dead-letter queue exactly once (after
// exactly three receives), in group order there too.
//
// 100,000 messages, 100 per group: about 13 s with -race on a 2-core
// machine.
func TestConcurrentConsumersProcessGroupsInOrder(t *testing.T) {
	const (
		consumers = 8
		groups    = 1_000
		maxCount  = 3
		vis       = 10 * time.Second
		step      = 2 * time.Second
	)
	const total = 100_000
	clk := clock.NewMock()
	dlq := newQueue(t, fifo.Config{Name: "conc-dlq.fifo", Clock: clk, Retention: fifo.MaxRetention,
		MaxInFlight: fifo.NoLimit, Limits: fifo.Unlimited})
	q := newQueue(t, fifo.Config{Name: "conc.fifo", Clock: clk, Retention: fifo.MaxRetention,
		VisibilityTimeout: vis, MaxInFlight: fifo.NoLimit, Limits: fifo.Unlimited,
		Redrive: &fifo.Redrive{Target: dlq, MaxReceiveCount: maxCount}})

	book := make([]concGroup, groups)
	for g := range book {
		book[g] = concGroup{vis: vis, maxCount: maxCount}
	}
	var counts concCounts

	stop, cancel := context.WithCancel(ctx)
	defer cancel()
	producerDone := make(chan struct{})
	go func() {
		defer close(producerDone)
		for i := 0; i < total && stop.Err() == nil; i += fifo.MaxBatchEntries {
			entries := make([]fifo.SendBatchEntry, 0, fifo.MaxBatchEntries)
			for j := i; j < min(i+fifo.MaxBatchEntries, total); j++ {
				body := fmt.Sprintf("%d:%d", j%groups, j/groups)
				entries = append(entries, fifo.SendBatchEntry{ID: fmt.Sprint("e", j-i), SendInput: in(body, fmt.Sprint("grp-", j%groups), body)})
			}
			res, err := q.SendBatch(ctx, entries)
			if err == nil {
				for _, r := range res {
					err = errors.Join(err, r.Err)
				}
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()

	var hold sync.RWMutex // read: a consumer receives and settles; write: the clock moves
	var wg sync.WaitGroup
	for c := range consumers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c), 3))
			for stop.Err() == nil {
				if !consume(t, stop, r, q, clk, &hold, book, &counts) {
					return
				}
			}
		})
	}

	// The clock runs until the producer is done and the queue empty.
	for !t.Failed() {
		hold.Lock()
		clk.Add(step)
		hold.Unlock()
		select {
		case <-producerDone:
		default:
			continue
		}
		if s := stats(t, q); s.Visible+s.InFlight+s.Delayed == 0 {
			break
		}
	}
	cancel()
	wg.Wait()
	<-producerDone
	if t.Failed() {
		return
	}

	// The dead-letter queue holds exactly the messages received three times
	// and never deleted, each once, in group order. (Drained with deletes: a
	// message in flight would hide the rest of its group.)
	inDLQ := make([]map[int]bool, groups)
	lastInDLQ := make([]int, groups)
	for {
		msgs := receive(t, dlq, fifo.ReceiveOptions{MaxMessages: 10, VisibilityTimeout: dur(time.Hour)})
		if len(msgs) == 0 {
			break
		}
		for _, m := range msgs {
			g, k, err := concParse(m.Body)
			require.NoError(t, err)
			require.Equal(t, q.Name(), m.DeadLetterSource)
			require.Equal(t, 1, m.ReceiveCount, "dead letter %s received in the dead-letter queue before", m.Body)
			require.False(t, inDLQ[g][k], "%s twice in the dead-letter queue", m.Body)
			if inDLQ[g] == nil {
				inDLQ[g] = map[int]bool{}
			} else {
				require.Greater(t, k, lastInDLQ[g], "dead letters of group %d out of order", g)
			}
			inDLQ[g][k], lastInDLQ[g] = true, k
			require.NoError(t, dlq.Delete(ctx, m.ReceiptHandle)) // sets the group free
		}
	}
	dead := 0
	for g := range book {
		require.Len(t, book[g].msgs, total/groups, "group %d", g)
		for k, m := range book[g].msgs {
			if m.deleted {
				require.False(t, inDLQ[g][k], "%d:%d deleted and dead-lettered", g, k)
				continue
			}
			require.True(t, inDLQ[g][k], "%d:%d lost after %d receives", g, k, m.count)
			require.Equal(t, maxCount, m.count, "%d:%d dead-lettered after %d receives", g, k, m.count)
			dead++
		}
	}
	t.Logf("%d messages: %d receives, %d crashes, %d slow batches, %d deletes refused as expired, %d dead-lettered",
		total, counts.receives.Load(), counts.crashes.Load(), counts.slow.Load(), counts.expired.Load(), dead)
	require.NotZero(t, counts.crashes.Load())
	require.NotZero(t, counts.expired.Load())
	require.NotZero(t, dead)
	if n := counts.staleOK.Load(); n > 0 {
		t.Errorf("%d deletes with an expired or replaced receipt handle returned nil (the message was gone by another way), e.g. %v; see TestFIFOStaleHandleOfGoneMessageExpired",
			n, counts.staleExample.Load())
	}
}

type concCounts struct {
	receives, crashes, slow, expired, staleOK atomic.Int64
	staleExample                              atomic.Value // a string
}

// concMsg is what the test knows of one message.
type concMsg struct {
	count   int       // receive count of its latest receive (0: never received)
	at      time.Time // clock time of its latest receive
	deleted bool      // a delete of it succeeded
}

// concGroup is the bookkeeping of one group; mu guards it.
type concGroup struct {
	vis      time.Duration
	maxCount int

	mu      sync.Mutex
	msgs    []concMsg // by index in the group, as far as seen
	settled int       // msgs[:settled] are processed: deleted, or bound for the dead-letter queue
}

func (g *concGroup) msg(k int) *concMsg {
	for len(g.msgs) <= k {
		g.msgs = append(g.msgs, concMsg{})
	}
	return &g.msgs[k]
}

// settle moves settled past the messages processed by now: deleted, or
// received maxCount times with the last hold over (the next receive moves
// it to the dead-letter queue, before anything after it in its group).
func (g *concGroup) settle(now time.Time) {
	for g.settled < len(g.msgs) {
		m := &g.msgs[g.settled]
		if !m.deleted && (m.count < g.maxCount || now.Before(m.at.Add(g.vis))) {
			return
		}
		g.settled++
	}
}

// received checks the messages of the group, ks in the order received with
// counts, that one receive returned at now, and records them.
func (g *concGroup) received(now time.Time, name int, ks, counts []int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.settle(now)
	batch := map[int]bool{}
	for i, k := range ks {
		m := g.msg(k)
		switch {
		case i > 0 && k <= ks[i-1]:
			return fmt.Errorf("group %d: %d returned after %d in one receive", name, k, ks[i-1])
		case m.deleted:
			return fmt.Errorf("%d:%d returned after its delete", name, k)
		case counts[i] != m.count+1 || counts[i] > g.maxCount:
			return fmt.Errorf("%d:%d returned with receive count %d after %d (MaxReceiveCount %d)", name, k, counts[i], m.count, g.maxCount)
		case m.count > 0 && now.Before(m.at.Add(g.vis)):
			return fmt.Errorf("%d:%d returned while in flight since %v", name, k, m.at)
		}
		for j := g.settled; j < k; j++ {
			if !batch[j] {
				return fmt.Errorf("%d:%d returned while %d:%d is not processed (receive count %d, last received %v, now %v)",
					name, k, name, j, g.msgs[j].count, g.msgs[j].at, now)
			}
		}
		batch[k] = true
	}
	for j := g.settled; j < len(g.msgs); j++ {
		if m := g.msgs[j]; !batch[j] && !m.deleted && m.count > 0 && now.Before(m.at.Add(g.vis)) {
			return fmt.Errorf("group %d: %v returned while %d is in flight since %v", name, ks, j, m.at)
		}
	}
	for i, k := range ks {
		m := g.msg(k)
		m.count, m.at = counts[i], now
	}
	return nil
}

// del deletes message k, received with count, at now, and records it. It
// reports whether the delete succeeded.
func (g *concGroup) del(q *fifo.Queue, now time.Time, name, k, count int, handle string, c *concCounts) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := g.msg(k)
	live := m.count == count && now.Before(m.at.Add(g.vis)) && !m.deleted
	err := q.Delete(ctx, handle)
	switch {
	case live && err == nil:
		g.settle(now)
		if g.settled < k {
			return false, fmt.Errorf("%d:%d processed while %d:%d is not (receive count %d)", name, k, name, g.settled, g.msgs[g.settled].count)
		}
		m.deleted = true
		return true, nil
	case live:
		return false, fmt.Errorf("%d:%d: delete in flight: %w", name, k, err)
	case err == nil:
		// The handle had expired or been replaced; the message has gone by
		// another way since. Counted, and reported at the end.
		if c.staleOK.Add(1) == 1 {
			c.staleExample.Store(fmt.Sprintf("%d:%d received with count %d at %v, now %v, latest count %d, deleted %v", name, k, count, m.at, now, m.count, m.deleted))
		}
		return false, nil
	case errors.Is(err, fifo.ErrReceiptHandleExpired):
		c.expired.Add(1)
		return false, nil
	}
	return false, fmt.Errorf("%d:%d: delete with an expired handle: %w", name, k, err)
}

// concParse reads the group and index a message's body names.
func concParse(body string) (g, k int, err error) {
	a, b, ok := strings.Cut(body, ":")
	g, err1 := strconv.Atoi(a)
	k, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("body %q", body)
	}
	return g, k, nil
}

// consume is one round of a consumer: receive, then delete in order, unless
// it crashes partway; now and then slowly. It reports false when the
// consumer must stop.
func consume(t *testing.T, stop context.Context, r *rand.Rand, q *fifo.Queue, clk *clock.Mock, hold *sync.RWMutex, book []concGroup, c *concCounts) bool {
	hold.RLock()
	locked := true
	defer func() {
		if locked {
			hold.RUnlock()
		}
	}()
	now := clk.Now()
	msgs, err := q.Receive(stop, fifo.ReceiveOptions{MaxMessages: 1 + r.IntN(10), WaitTime: new(time.Duration)})
	if err != nil {
		if stop.Err() == nil {
			t.Error(err)
		}
		return false
	}
	if len(msgs) == 0 {
		hold.RUnlock()
		locked = false
		runtime.Gosched()
		return true
	}
	c.receives.Add(1)
	gs, ks, counts := make([]int, len(msgs)), make([]int, len(msgs)), make([]int, len(msgs))
	byGroup := map[int][]int{} // group → positions in msgs
	var order []int
	for i, m := range msgs {
		if gs[i], ks[i], err = concParse(m.Body); err != nil {
			t.Error(err)
			return false
		}
		counts[i] = m.ReceiveCount
		if byGroup[gs[i]] == nil {
			order = append(order, gs[i])
		}
		byGroup[gs[i]] = append(byGroup[gs[i]], i)
	}
	for _, g := range order {
		var gk, gc []int
		for _, i := range byGroup[g] {
			gk, gc = append(gk, ks[i]), append(gc, counts[i])
		}
		if err := book[g].received(now, g, gk, gc); err != nil {
			t.Error(err)
			return false
		}
	}
	n := len(msgs)
	if r.IntN(4) == 0 {
		n = r.IntN(len(msgs))
		c.crashes.Add(1)
	}
	if r.IntN(10) == 0 { // slow: the clock runs on before the deletes
		c.slow.Add(1)
		until := now.Add(6*time.Second + time.Duration(r.IntN(9))*time.Second)
		hold.RUnlock()
		locked = false
		for {
			if stop.Err() != nil {
				return false
			}
			hold.RLock()
			locked = true
			if now = clk.Now(); !now.Before(until) {
				break
			}
			hold.RUnlock()
			locked = false
			runtime.Gosched()
		}
	}
	for i := range n {
		ok, err := book[gs[i]].del(q, now, gs[i], ks[i], counts[i], msgs[i].ReceiptHandle, c)
		if err != nil {
			t.Error(err)
			return false
		}
		if !ok {
			break // the rest of the batch has expired too
		}
	}
	return true
}
