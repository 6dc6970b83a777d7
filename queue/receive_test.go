package queue_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/queue"
)

func TestReceiveReturnsUpToMaxMessages(t *testing.T) {
	q := newQueue(t, queue.Config{})
	for i := range 25 {
		send(t, q, fmt.Sprint(i))
	}
	require.Len(t, receive(t, q, queue.ReceiveOptions{}), 1)
	require.Len(t, receive(t, q, queue.ReceiveOptions{MaxMessages: 10}), 10)
	require.Len(t, receive(t, q, queue.ReceiveOptions{MaxMessages: 7}), 7)
	require.Len(t, receive(t, q, queue.ReceiveOptions{MaxMessages: 10}), 7)
	require.Empty(t, receive(t, q, queue.ReceiveOptions{MaxMessages: 10}))
}

func TestReceiveRejectsBadParameters(t *testing.T) {
	q := newQueue(t, queue.Config{})
	send(t, q, "x")
	for _, o := range []queue.ReceiveOptions{
		{MaxMessages: 11},
		{MaxMessages: -1},
		{WaitTime: new(21 * time.Second)},
		{WaitTime: new(-time.Second)},
		{VisibilityTimeout: new(12*time.Hour + 1)},
		{VisibilityTimeout: new(-time.Second)},
	} {
		msgs, err := q.Receive(ctx, o)
		require.ErrorIs(t, err, queue.ErrInvalidParameter)
		require.Empty(t, msgs)
	}
	require.Equal(t, 1, stats(t, q).Visible)
}

func TestReceivedMessageCarriesItsFacts(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, VisibilityTimeout: time.Minute})
		sentAt := clk.Now()
		id := send(t, q, "body")
		advance(clk, 10*time.Second)
		first := receiveOne(t, q)
		require.Equal(t, id, first.ID)
		require.Equal(t, "body", first.Body)
		require.Nil(t, first.Attributes)
		require.Equal(t, 1, first.ReceiveCount)
		require.True(t, first.SentAt.Equal(sentAt))
		require.True(t, first.FirstReceivedAt.Equal(sentAt.Add(10*time.Second)))
		require.NotEmpty(t, first.ReceiptHandle)

		advance(clk, time.Minute)
		second := receiveOne(t, q)
		require.Equal(t, 2, second.ReceiveCount)
		require.True(t, second.FirstReceivedAt.Equal(first.FirstReceivedAt))
		require.NotEqual(t, first.ReceiptHandle, second.ReceiptHandle)
	})
}

// The mock clock starts at the Unix epoch, whose UnixNano is 0: a receive
// there must still report its time.
func TestFirstReceivedAtAtTheEpoch(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, VisibilityTimeout: queue.NoVisibilityTimeout})
		send(t, q, "x")
		m := receiveOne(t, q)
		require.False(t, m.FirstReceivedAt.IsZero())
		require.True(t, m.FirstReceivedAt.Equal(clk.Now()))
		advance(clk, time.Second)
		require.True(t, receiveOne(t, q).FirstReceivedAt.Equal(m.FirstReceivedAt))
	})
}

func TestLongPollReturnsAsSoonAsAMessageIsSent(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, ReceiveWaitTime: 20 * time.Second})
		got := receiveAsync(q, ctx, queue.ReceiveOptions{MaxMessages: 10})
		synctest.Wait()
		require.Zero(t, len(got), "returned before any message")
		send(t, q, "hello")
		r := <-got
		require.NoError(t, r.err)
		require.Len(t, r.msgs, 1)
		require.Equal(t, "hello", r.msgs[0].Body)
	})
}

func TestLongPollWakesWhenDelayEnds(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, Delay: 5 * time.Second})
		send(t, q, "later")
		got := receiveAsync(q, ctx, queue.ReceiveOptions{WaitTime: new(20 * time.Second)})
		synctest.Wait()
		advance(clk, 4*time.Second)
		require.Zero(t, len(got))
		advance(clk, time.Second)
		r := <-got
		require.NoError(t, r.err)
		require.Equal(t, "later", r.msgs[0].Body)
	})
}

func TestLongPollWakesWhenVisibilityExpires(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, VisibilityTimeout: 10 * time.Second})
		send(t, q, "again")
		receiveOne(t, q)
		got := receiveAsync(q, ctx, queue.ReceiveOptions{WaitTime: new(20 * time.Second)})
		synctest.Wait()
		advance(clk, 9*time.Second)
		require.Zero(t, len(got))
		advance(clk, time.Second)
		r := <-got
		require.NoError(t, r.err)
		require.Equal(t, 2, r.msgs[0].ReceiveCount)
	})
}

func TestLongPollReturnsEmptyWhenWaitEnds(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, ReceiveWaitTime: 20 * time.Second})
		got := receiveAsync(q, ctx, queue.ReceiveOptions{WaitTime: new(3 * time.Second)})
		queueWait := receiveAsync(q, ctx, queue.ReceiveOptions{})
		synctest.Wait()
		advance(clk, 3*time.Second-1)
		require.Zero(t, len(got))
		advance(clk, 1)
		r := <-got
		require.NoError(t, r.err)
		require.Empty(t, r.msgs)

		advance(clk, 17*time.Second-1)
		require.Zero(t, len(queueWait))
		advance(clk, 1)
		r = <-queueWait
		require.NoError(t, r.err)
		require.Empty(t, r.msgs)
	})
}

func TestPerCallZeroWaitShortPollsALongPollingQueue(t *testing.T) {
	q := newQueue(t, queue.Config{ReceiveWaitTime: 20 * time.Second})
	msgs, err := q.Receive(ctx, queue.ReceiveOptions{WaitTime: new(time.Duration(0))})
	require.NoError(t, err)
	require.Empty(t, msgs)
}

func TestLongPollStopsWhenContextIsDone(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, ReceiveWaitTime: 20 * time.Second})
		c, cancel := context.WithCancel(ctx)
		got := receiveAsync(q, c, queue.ReceiveOptions{})
		synctest.Wait()
		cancel()
		r := <-got
		require.Equal(t, context.Canceled, r.err) // unwrapped
		require.Empty(t, r.msgs)

		// a message sent now goes to the next receive, not to the one that left
		send(t, q, "kept")
		require.Equal(t, "kept", receiveOne(t, q).Body)

		done, cancel2 := context.WithCancel(ctx)
		cancel2()
		_, err := q.Receive(done, queue.ReceiveOptions{})
		require.Equal(t, context.Canceled, err)
	})
}

// Several blocked receivers: each message wakes one, and none is lost when a
// woken receiver leaves.
func TestLongPollWakesEveryWaiterThatCanBeServed(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, ReceiveWaitTime: 20 * time.Second})
		var chans []<-chan result
		for range 5 {
			chans = append(chans, receiveAsync(q, ctx, queue.ReceiveOptions{}))
		}
		synctest.Wait()
		_, err := q.SendBatch(ctx, []queue.SendBatchEntry{
			{ID: "a", SendInput: queue.SendInput{Body: "a"}},
			{ID: "b", SendInput: queue.SendInput{Body: "b"}},
			{ID: "c", SendInput: queue.SendInput{Body: "c"}},
		})
		require.NoError(t, err)
		synctest.Wait()
		served := 0
		for _, ch := range chans {
			if len(ch) == 1 {
				r := <-ch
				require.NoError(t, r.err)
				require.Len(t, r.msgs, 1)
				served++
			}
		}
		require.Equal(t, 3, served)
		advance(clk, 20*time.Second)
		for _, ch := range chans {
			if len(ch) == 1 {
				r := <-ch
				require.NoError(t, r.err)
				require.Empty(t, r.msgs)
				served++
			}
		}
		require.Equal(t, 5, served)
	})
}

func TestVisibilityTimeoutHidesReceivedMessage(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, VisibilityTimeout: time.Minute})
		send(t, q, "x")
		receiveOne(t, q)
		require.Equal(t, queue.Stats{InFlight: 1}, stats(t, q))
		advance(clk, time.Minute-1)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		advance(clk, 1)
		require.Equal(t, queue.Stats{Visible: 1, AgeOfOldestMessage: time.Minute}, stats(t, q))
	})
}

func TestPerCallVisibilityTimeout(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		send(t, q, "x")
		receive(t, q, queue.ReceiveOptions{VisibilityTimeout: new(5 * time.Second)})
		advance(clk, 5*time.Second)
		// the next receive uses the queue's 30 s again
		receive(t, q, queue.ReceiveOptions{})
		advance(clk, 29*time.Second)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		advance(clk, time.Second)
		require.Len(t, receive(t, q, queue.ReceiveOptions{VisibilityTimeout: new(time.Duration(0))}), 1)
		// visibility 0: visible again at once
		require.Equal(t, 4, receiveOne(t, q).ReceiveCount)
	})
}

// A receive with visibility 0 leaves the message visible, so another long
// poll waiting on the queue gets it at once, without the clock moving.
func TestZeroVisibilityReceiveWakesLongPoll(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, ReceiveWaitTime: 20 * time.Second})
		first := receiveAsync(q, ctx, queue.ReceiveOptions{VisibilityTimeout: new(time.Duration(0))})
		synctest.Wait()
		second := receiveAsync(q, ctx, queue.ReceiveOptions{})
		synctest.Wait()
		send(t, q, "x") // wakes the first waiter only
		synctest.Wait()
		require.Equal(t, 1, len(first))
		require.Equal(t, 1, len(second), "the second waiter was not woken")
		r1, r2 := <-first, <-second
		require.NoError(t, r1.err)
		require.NoError(t, r2.err)
		require.Equal(t, 1, r1.msgs[0].ReceiveCount)
		require.Equal(t, 2, r2.msgs[0].ReceiveCount)
	})
}
