package engine

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type testEngine = Engine[string, string]

func newTestEngine(clk clock.Clock) *testEngine {
	return New(Config[string, string]{
		Clock:     clk,
		Retention: time.Hour,
		Deliver:   func(r *Record[string], h string) string { return h },
	})
}

// invariants checks the engine's bookkeeping agrees with itself.
func (e *Engine[M, D]) invariants(t *testing.T) (stored int) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	var visible, delayed, inFlight, deleted int
	for _, r := range e.slots {
		if r == nil {
			continue
		}
		stored++
		switch r.state {
		case stateVisible:
			visible++
		case stateDelayed:
			delayed++
		case stateInFlight:
			inFlight++
		case stateDeleted:
			deleted++
		default:
			t.Fatalf("stored record in state %d", r.state)
		}
	}
	require.Equal(t, visible, e.ready.Len())
	require.Equal(t, delayed, e.delayed)
	require.Equal(t, inFlight, e.inFlight)
	require.Equal(t, delayed+inFlight+deleted, len(e.timers.items))
	require.Equal(t, len(e.slots)-stored, len(e.free))
	for i, r := range e.timers.items {
		require.Equal(t, int32(i), r.hidx[timerHeap])
		if i > 0 {
			require.LessOrEqual(t, e.timers.items[(i-1)/2].due, r.due)
		}
	}
	n := len(e.stored.late.items)
	for r := e.stored.head; r != nil; r = r.newer {
		n++
		if r.newer != nil {
			require.LessOrEqual(t, r.sentAt, r.newer.sentAt)
		}
	}
	require.Equal(t, stored-deleted, n, "stored records but the deleted ones kept for their handles")
	return stored - deleted
}

// Retention releases messages when nobody calls the queue: the engine's one
// timer does it.
func TestRetentionReleasesMemoryWithoutCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := clock.NewMock()
		e := newTestEngine(clk)
		defer e.Close()
		for i := range 1000 {
			_, err := e.Send(Item[string]{Body: "x", Delay: time.Duration(i%3) * time.Minute})
			require.NoError(t, err)
		}
		got, err := e.Receive(context.Background(), 10, time.Hour, 0, nil)
		require.NoError(t, err)
		require.Len(t, got, 10)
		require.Equal(t, 1000, e.invariants(t))

		clk.Add(time.Hour)
		synctest.Wait()
		require.Zero(t, e.invariants(t))
		e.mu.Lock()
		require.Nil(t, e.stored.min())
		require.False(t, e.armed, "nothing left to wait for")
		e.mu.Unlock()
	})
}

func TestHandlesRoundTripAndRejectForgeries(t *testing.T) {
	e := newTestEngine(clock.New())
	defer e.Close()
	h := handle{slot: 7, seq: 1 << 40, nonce: 99}
	s := e.core.encodeHandle(h)
	require.Len(t, s, handleLen)
	got, ok := e.core.decodeHandle(s)
	require.True(t, ok)
	require.Equal(t, h, got)

	other := newTestEngine(clock.New())
	defer other.Close()
	_, ok = other.core.decodeHandle(s)
	require.False(t, ok, "a handle from another engine")
	for i := range s {
		b := []byte(s)
		b[i] = "0123456789abcdef"[(unhexTab[b[i]]+1)%16]
		_, ok := e.core.decodeHandle(string(b))
		require.False(t, ok, "one digit changed at %d", i)
	}
}

// Long polls that time out leave nothing behind: no waiter in the heap, the
// list or armed on the timer.
func TestWaitersAreRetired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := clock.NewMock()
		e := newTestEngine(clk)
		defer e.Close()
		done := make(chan struct{})
		for range 5 {
			go func() {
				got, err := e.Receive(context.Background(), 1, time.Second, 20*time.Second, nil)
				require.NoError(t, err)
				require.Empty(t, got)
				done <- struct{}{}
			}()
		}
		synctest.Wait()
		e.mu.Lock()
		require.Len(t, e.deadlines.items, 5)
		e.mu.Unlock()
		clk.Add(20 * time.Second)
		for range 5 {
			<-done
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		require.Empty(t, e.deadlines.items)
		require.Nil(t, e.waiting.head)
		require.Len(t, e.spare, 5)
	})
}

// Dead letters moved in keep their ID and sent time; those older than the
// list's newest go on the late heap and still expire in order.
func TestLateRecordsExpireInSentOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := clock.NewMock()
		e := newTestEngine(clk)
		defer e.Close()
		clk.Add(30 * time.Minute)
		_, err := e.Send(Item[string]{Body: "new"})
		require.NoError(t, err)
		ids := make([]string, 1)
		require.NoError(t, e.SendBatch([]Item[string]{{Body: "old", ID: "old-id", SentAt: clk.Now().Add(-20 * time.Minute)}}, ids, nil))
		require.Equal(t, "old-id", ids[0])
		require.Equal(t, 2, e.invariants(t))
		clk.Add(40 * time.Minute)
		synctest.Wait()
		require.Equal(t, 1, e.invariants(t))
		s, err := e.Stats()
		require.NoError(t, err)
		require.Equal(t, 1, s.Visible)
		clk.Add(20 * time.Minute)
		synctest.Wait()
		require.Zero(t, e.invariants(t))
	})
}

// A selector's Release that unblocks a record wakes a waiting long poll.
func TestSelectorReleaseWakesLongPoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := clock.NewMock()
		e := New(Config[string, string]{
			Clock: clk, Retention: time.Hour,
			Deliver:  func(r *Record[string], h string) string { return h },
			Selector: NewGroupOrder(func(g string) string { return g }),
		})
		defer e.Close()
		_, err := e.Send(Item[string]{Body: "m1", Meta: "A"})
		require.NoError(t, err)
		_, err = e.Send(Item[string]{Body: "m2", Meta: "A"})
		require.NoError(t, err)
		got, err := e.Receive(context.Background(), 1, 30*time.Second, 0, nil)
		require.NoError(t, err)
		require.Len(t, got, 1)

		done := make(chan []string, 1)
		go func() {
			out, _ := e.Receive(context.Background(), 1, 30*time.Second, 20*time.Second, nil)
			done <- out
		}()
		synctest.Wait() // blocked: group A is held by m1
		require.Empty(t, done)
		require.NoError(t, e.Delete(got[0]))
		synctest.Wait()
		require.Len(t, <-done, 1, "woken by the release, before its 20 s")
	})
}
