package pubsub_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/queue"
)

// TestUnsubscribeDuringDeliveryIsFlushedAndCounted: a delivery in progress
// when its subscription goes keeps Flush waiting until it returns, and its
// outcome is counted; a failure of it is not retried.
func TestUnsubscribeDuringDeliveryIsFlushedAndCounted(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		release := make(chan struct{})
		var done atomic.Bool
		ok := subscribe(t, tp, pubsub.Func(func(context.Context, pubsub.Event) error {
			<-release
			done.Store(true)
			return nil
		}), pubsub.SubscriptionConfig{})
		var calls atomic.Int64
		failing := subscribe(t, tp, pubsub.Func(func(context.Context, pubsub.Event) error {
			calls.Add(1)
			<-release
			return errBusy
		}), pubsub.SubscriptionConfig{})
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		synctest.Wait()
		require.NoError(t, tp.Unsubscribe(ctx, ok.ARN()))
		require.NoError(t, tp.Unsubscribe(ctx, failing.ARN()))
		flushed := make(chan error, 1)
		go func() { flushed <- tp.Flush(ctx) }()
		synctest.Wait()
		select {
		case <-flushed:
			t.Fatal("Flush returned while the endpoint calls still ran")
		default:
		}
		close(release)
		require.NoError(t, <-flushed)
		assert.True(t, done.Load())
		st := tp.Stats()
		assert.Equal(t, int64(1), st.Delivered)
		assert.Equal(t, int64(1), ok.Stats().Delivered)
		assert.Zero(t, st.Retries, "a removed subscription schedules no retry")
		assert.Zero(t, st.WaitingRetry)
		advance(clk, time.Minute)
		assert.Equal(t, int64(1), calls.Load())
	})
}

// sendFunc is a queue endpoint made of a function.
type sendFunc func(ctx context.Context, in queue.SendInput) (string, error)

func (f sendFunc) Send(ctx context.Context, in queue.SendInput) (string, error) { return f(ctx, in) }

// TestCloseStopsARunningBatch: Close stops a worker between the
// deliveries of a queue subscription's batch; the rest are abandoned, not
// sent with a cancelled context.
func TestCloseStopsARunningBatch(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp, err := pubsub.NewTopic(pubsub.TopicConfig{Clock: clk, SigningKey: testKey(), Workers: 1})
		require.NoError(t, err)
		gate := make(chan struct{})
		var calls atomic.Int64
		q := sendFunc(func(ctx context.Context, _ queue.SendInput) (string, error) {
			switch calls.Add(1) {
			case 1:
				<-gate
			case 2:
				<-ctx.Done()
				return "", ctx.Err()
			}
			return "id", nil
		})
		subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{})
		publish(t, tp, pubsub.PublishInput{Message: "first"})
		synctest.Wait() // the only worker is in the first Send
		for range 5 {
			publish(t, tp, pubsub.PublishInput{Message: "m"})
		}
		close(gate)
		synctest.Wait() // the worker took the five as one batch, and waits in the first of them
		require.NoError(t, tp.Close())
		assert.Equal(t, int64(2), calls.Load())
	})
}

// lateClock is a mock clock whose timers lag: Now moves with skip, and
// the timers fire only on the mock's own Add, as when a *clock.Mock's
// Add has run its timer callbacks on goroutines that have not run yet.
type lateClock struct {
	*clock.Mock
	skip atomic.Int64 // nanoseconds Now runs ahead of the timers
}

func (c *lateClock) Now() time.Time { return c.Mock.Now().Add(time.Duration(c.skip.Load())) }

// TestFlushRunsRetriesAlreadyDue: Flush first re-queues the waits due at
// the clock's Now, without waiting for the timer callback to run, so a
// Flush right after moving a mock clock sees the retries of that instant.
func TestFlushRunsRetriesAlreadyDue(t *testing.T) {
	clk := &lateClock{Mock: clock.NewMock()}
	tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
	s := &sink{clk: clk, fail: func(call int, _ queue.SendInput) error {
		if call < 4 { // the first attempt and the 3 immediate retries
			return errBusy
		}
		return nil
	}}
	subscribe(t, tp, pubsub.Queue(s), pubsub.SubscriptionConfig{})
	publish(t, tp, pubsub.PublishInput{Message: "m"})
	flush(t, tp)
	calls, got := s.snapshot()
	require.Len(t, calls, 4)
	require.Empty(t, got)
	assert.Equal(t, 1, tp.Stats().WaitingRetry)
	clk.skip.Store(int64(999 * time.Millisecond))
	flush(t, tp)
	_, got = s.snapshot()
	assert.Empty(t, got, "not due yet")
	clk.skip.Store(int64(time.Second))
	flush(t, tp)
	_, got = s.snapshot()
	assert.Len(t, got, 1, "due at Now: Flush ran it")
	assert.Zero(t, tp.Stats().WaitingRetry)
}
