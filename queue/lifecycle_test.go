package queue_test

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/queue"
)

func TestRetentionExpiresMessagesInEveryState(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, Retention: time.Hour, VisibilityTimeout: 12 * time.Hour})
		send(t, q, "in flight")
		m := receiveOne(t, q)
		send(t, q, "visible")
		_, err := q.Send(ctx, queue.SendInput{Body: "delayed", Delay: new(15 * time.Minute)})
		require.NoError(t, err)
		advance(clk, 30*time.Minute)
		send(t, q, "younger")
		require.Equal(t, queue.Stats{Visible: 3, InFlight: 1, AgeOfOldestMessage: 30 * time.Minute}, stats(t, q))

		advance(clk, 30*time.Minute)
		require.Equal(t, queue.Stats{Visible: 1, AgeOfOldestMessage: 30 * time.Minute}, stats(t, q))
		require.ErrorIs(t, q.ChangeVisibility(ctx, m.ReceiptHandle, time.Minute), queue.ErrMessageNotInFlight)
		require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
		require.Equal(t, "younger", receiveOne(t, q).Body)
	})
}

func TestPurgeDeletesEverythingAndIsRateLimited(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		send(t, q, "a")
		m := receiveOne(t, q)
		send(t, q, "b")
		_, err := q.Send(ctx, queue.SendInput{Body: "c", Delay: new(time.Minute)})
		require.NoError(t, err)
		require.NoError(t, q.Purge(ctx))
		require.Equal(t, queue.Stats{}, stats(t, q))
		require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
		advance(clk, time.Hour)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))

		send(t, q, "after")
		advance(clk, 59*time.Second)
		require.NoError(t, q.Purge(ctx))
		send(t, q, "kept")
		advance(clk, 59*time.Second)
		require.ErrorIs(t, q.Purge(ctx), queue.ErrPurgeInProgress)
		require.Equal(t, "kept", receiveOne(t, q).Body)
		advance(clk, time.Second)
		require.NoError(t, q.Purge(ctx))
	})
}

func TestStatsCountEachState(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		require.Equal(t, queue.Stats{}, stats(t, q))
		for i := range 5 {
			send(t, q, fmt.Sprint(i))
		}
		advance(clk, 10*time.Second)
		_, err := q.Send(ctx, queue.SendInput{Body: "d", Delay: new(time.Minute)})
		require.NoError(t, err)
		receive(t, q, queue.ReceiveOptions{MaxMessages: 2})
		require.Equal(t, queue.Stats{Visible: 3, InFlight: 2, Delayed: 1, AgeOfOldestMessage: 10 * time.Second}, stats(t, q))

		empty := newQueue(t, queue.Config{Clock: clk, Name: "empty"})
		a := receiveAsync(empty, ctx, queue.ReceiveOptions{WaitTime: new(time.Second)})
		b := receiveAsync(empty, ctx, queue.ReceiveOptions{WaitTime: new(2 * time.Second)})
		synctest.Wait()
		require.Equal(t, queue.Stats{WaitingReceives: 2}, stats(t, empty))
		advance(clk, time.Second)
		<-a
		require.Equal(t, queue.Stats{WaitingReceives: 1}, stats(t, empty))
		advance(clk, time.Second)
		<-b
		require.Equal(t, queue.Stats{}, stats(t, empty))
	})
}

func TestCloseWakesReceiversAndFailsLaterCalls(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q, err := queue.New(queue.Config{Clock: clk, ReceiveWaitTime: 20 * time.Second})
		require.NoError(t, err)
		send(t, q, "x")
		m := receiveOne(t, q)
		a := receiveAsync(q, ctx, queue.ReceiveOptions{})
		b := receiveAsync(q, ctx, queue.ReceiveOptions{MaxMessages: 10})
		synctest.Wait()
		require.NoError(t, q.Close())
		for _, ch := range []<-chan result{a, b} {
			r := <-ch
			require.ErrorIs(t, r.err, queue.ErrClosed)
			require.Empty(t, r.msgs)
		}
		require.NoError(t, q.Close(), "idempotent")

		_, err = q.Send(ctx, queue.SendInput{Body: "x"})
		require.ErrorIs(t, err, queue.ErrClosed)
		_, err = q.SendBatch(ctx, []queue.SendBatchEntry{{ID: "a", SendInput: queue.SendInput{Body: "x"}}})
		require.ErrorIs(t, err, queue.ErrClosed)
		_, err = q.Receive(ctx, queue.ReceiveOptions{})
		require.ErrorIs(t, err, queue.ErrClosed)
		require.ErrorIs(t, q.Delete(ctx, m.ReceiptHandle), queue.ErrClosed)
		_, err = q.DeleteBatch(ctx, []queue.DeleteBatchEntry{{ID: "a", ReceiptHandle: m.ReceiptHandle}})
		require.ErrorIs(t, err, queue.ErrClosed)
		require.ErrorIs(t, q.ChangeVisibility(ctx, m.ReceiptHandle, 0), queue.ErrClosed)
		_, err = q.ChangeVisibilityBatch(ctx, []queue.ChangeVisibilityBatchEntry{{ID: "a", ReceiptHandle: m.ReceiptHandle}})
		require.ErrorIs(t, err, queue.ErrClosed)
		require.ErrorIs(t, q.Purge(ctx), queue.ErrClosed)
		_, err = q.Stats()
		require.ErrorIs(t, err, queue.ErrClosed)
		require.ErrorIs(t, q.AddDeadLetters(ctx, []queue.DeadLetter{{ID: "x", Body: "x"}}), queue.ErrClosed)
		// the timer is stopped: moving the clock fires nothing
		advance(clk, time.Hour)
	})
}

// The SQS in-flight quota, 120,000 by default: a short poll beyond it gets
// ErrOverLimit, a long poll waits and returns nothing.
func TestInFlightLimit(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, VisibilityTimeout: time.Hour})
		entries := make([]queue.SendBatchEntry, 10)
		for i := range entries {
			entries[i] = queue.SendBatchEntry{ID: fmt.Sprint(i), SendInput: queue.SendInput{Body: "m"}}
		}
		for range 120_000/10 + 1 {
			_, err := q.SendBatch(ctx, entries)
			require.NoError(t, err)
		}
		var last []queue.Message
		for range 120_000 / 10 {
			last = receive(t, q, queue.ReceiveOptions{MaxMessages: 10})
			require.Len(t, last, 10)
		}
		require.Equal(t, queue.Stats{Visible: 10, InFlight: 120_000}, stats(t, q))

		msgs, err := q.Receive(ctx, queue.ReceiveOptions{})
		require.ErrorIs(t, err, queue.ErrOverLimit)
		require.Empty(t, msgs)

		long := receiveAsync(q, ctx, queue.ReceiveOptions{WaitTime: new(20 * time.Second)})
		synctest.Wait()
		advance(clk, 20*time.Second)
		r := <-long
		require.NoError(t, r.err)
		require.Empty(t, r.msgs)

		// a delete makes room, and a waiting long poll takes it
		long = receiveAsync(q, ctx, queue.ReceiveOptions{WaitTime: new(20 * time.Second)})
		synctest.Wait()
		require.NoError(t, q.Delete(ctx, last[0].ReceiptHandle))
		r = <-long
		require.NoError(t, r.err)
		require.Len(t, r.msgs, 1)
	})
}

func TestMaxInFlightIsConfigurable(t *testing.T) {
	q := newQueue(t, queue.Config{MaxInFlight: 2})
	for range 3 {
		send(t, q, "x")
	}
	require.Len(t, receive(t, q, queue.ReceiveOptions{MaxMessages: 10}), 2)
	_, err := q.Receive(ctx, queue.ReceiveOptions{})
	require.ErrorIs(t, err, queue.ErrOverLimit)

	unlimited := newQueue(t, queue.Config{MaxInFlight: queue.NoLimit, Name: "u"})
	for range 3 {
		send(t, unlimited, "x")
	}
	require.Len(t, receive(t, unlimited, queue.ReceiveOptions{MaxMessages: 10}), 3)
}
