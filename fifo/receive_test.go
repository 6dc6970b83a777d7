package fifo_test

import (
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/fifo"
)

// Within a group, messages come in the order they were sent.
func TestOrderWithinGroup(t *testing.T) {
	q := newQueue(t, fifo.Config{})
	for _, b := range []string{"1", "2", "3", "4", "5"} {
		send(t, q, "g", b)
	}
	var got []string
	for range 5 {
		m := receiveN(t, q, 1)
		require.Len(t, m, 1)
		got = append(got, m[0].Body)
		require.NoError(t, q.Delete(ctx, m[0].ReceiptHandle))
	}
	assert.Equal(t, []string{"1", "2", "3", "4", "5"}, got)
}

// While any message of a group is in flight, no other message of that group
// is returned; other groups go on.
func TestGroupBlockedWhileInFlight(t *testing.T) {
	q := newQueue(t, fifo.Config{})
	send(t, q, "A", "a1")
	send(t, q, "A", "a2")
	send(t, q, "B", "b1")
	a1 := receiveN(t, q, 1)[0]
	assert.Equal(t, "a1", a1.Body)
	assert.Equal(t, []string{"b1"}, bodies(receiveN(t, q, 10)), "A is blocked by a1, B is not")
	assert.Empty(t, receiveN(t, q, 10), "both groups blocked")
	assert.Equal(t, 1, stats(t, q).Visible, "a2 is visible, held back by its group")
	require.NoError(t, q.Delete(ctx, a1.ReceiptHandle))
	assert.Equal(t, []string{"a2"}, bodies(receiveN(t, q, 10)))
}

// A receive fills its batch with as many messages of one group as it can,
// then goes on to other groups, each in order.
func TestBatchFillsFromOneGroupFirst(t *testing.T) {
	q := newQueue(t, fifo.Config{})
	for _, m := range [][2]string{{"A", "a1"}, {"B", "b1"}, {"A", "a2"}, {"C", "c1"}, {"B", "b2"}, {"A", "a3"}} {
		send(t, q, m[0], m[1])
	}
	assert.Equal(t, []string{"a1", "a2", "a3", "b1"}, bodies(receiveN(t, q, 4)))
	assert.Equal(t, []string{"c1"}, bodies(receiveN(t, q, 10)), "A and B are in flight; b2 waits for b1")
}

// When the visibility timeout ends, the group's messages are visible again,
// in their order, ahead of what was sent since.
func TestVisibilityTimeoutReturnsGroupInOrder(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk, VisibilityTimeout: 30 * time.Second})
		send(t, q, "g", "1")
		send(t, q, "g", "2")
		first := receiveN(t, q, 2)
		assert.Equal(t, []string{"1", "2"}, bodies(first))
		send(t, q, "g", "3")
		// Make "2" visible now: the group stays blocked by "1".
		require.NoError(t, q.ChangeVisibility(ctx, first[1].ReceiptHandle, 0))
		assert.Empty(t, receiveN(t, q, 10))
		advance(clk, 30*time.Second)
		again := receiveN(t, q, 10)
		assert.Equal(t, []string{"1", "2", "3"}, bodies(again))
		assert.Equal(t, []int{2, 2, 1}, []int{again[0].ReceiveCount, again[1].ReceiveCount, again[2].ReceiveCount})
	})
}

// A deleted message is never delivered again, whatever the clock does.
func TestDeletedNeverRedelivered(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk})
		send(t, q, "g", "1")
		send(t, q, "g", "2")
		m := receiveN(t, q, 1)[0]
		require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
		advance(clk, time.Hour)
		assert.Equal(t, []string{"2"}, bodies(receiveN(t, q, 10)))
		advance(clk, time.Hour)
		assert.Equal(t, []string{"2"}, bodies(receiveN(t, q, 10)))
	})
}

// A FIFO receipt handle is good only while its message is in flight under
// it: after the visibility timeout, delete and change visibility fail.
func TestExpiredHandleFails(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk, VisibilityTimeout: 30 * time.Second})
		send(t, q, "g", "1")
		m := receiveN(t, q, 1)[0]
		advance(clk, 30*time.Second)
		require.ErrorIs(t, q.Delete(ctx, m.ReceiptHandle), fifo.ErrReceiptHandleExpired)
		require.ErrorIs(t, q.ChangeVisibility(ctx, m.ReceiptHandle, time.Minute), fifo.ErrReceiptHandleExpired)
		assert.Equal(t, 1, stats(t, q).Visible, "nothing deleted")

		again := receiveN(t, q, 1)[0]
		require.ErrorIs(t, q.Delete(ctx, m.ReceiptHandle), fifo.ErrReceiptHandleExpired, "received again since")
		require.NoError(t, q.Delete(ctx, again.ReceiptHandle))
		require.NoError(t, q.Delete(ctx, again.ReceiptHandle), "deleted under this handle, within its timeout: no error")
		require.ErrorIs(t, q.Delete(ctx, m.ReceiptHandle), fifo.ErrReceiptHandleExpired, "gone, and this handle expired before")
		require.ErrorIs(t, q.ChangeVisibility(ctx, again.ReceiptHandle, time.Second), fifo.ErrMessageNotInFlight)

		// A handle given up with ChangeVisibility(0) is expired once the
		// message went on under another receive, before or after the
		// timeout it was issued with.
		send(t, q, "g", "2")
		first := receiveN(t, q, 1)[0]
		require.NoError(t, q.ChangeVisibility(ctx, first.ReceiptHandle, 0))
		second := receiveN(t, q, 1)[0]
		require.NoError(t, q.Delete(ctx, second.ReceiptHandle))
		require.ErrorIs(t, q.Delete(ctx, first.ReceiptHandle), fifo.ErrReceiptHandleExpired)
		advance(clk, 30*time.Second)
		require.ErrorIs(t, q.Delete(ctx, again.ReceiptHandle), fifo.ErrReceiptHandleExpired, "its timeout has ended")
		require.ErrorIs(t, q.Delete(ctx, "forged"), fifo.ErrReceiptHandleInvalid)
	})
}

// Just before the timeout ends, the handle still works.
func TestHandleGoodUntilTimeout(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk, VisibilityTimeout: 30 * time.Second})
		send(t, q, "g", "1")
		m := receiveN(t, q, 1)[0]
		advance(clk, 30*time.Second-time.Millisecond)
		require.NoError(t, q.ChangeVisibility(ctx, m.ReceiptHandle, time.Minute))
		advance(clk, 59*time.Second)
		require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
	})
}

// Retrying a receive with the same attempt ID within 5 minutes returns the
// same messages and handles and hides them again.
func TestAttemptIDRetry(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk, VisibilityTimeout: time.Minute})
		send(t, q, "A", "a1")
		send(t, q, "A", "a2")
		send(t, q, "B", "b1")
		opts := fifo.ReceiveOptions{MaxMessages: 2, AttemptID: "try-1"}
		first := receive(t, q, opts)
		require.Equal(t, []string{"a1", "a2"}, bodies(first))

		advance(clk, 50*time.Second)
		retry := receive(t, q, opts)
		assert.Equal(t, first, retry, "same messages, same handles")
		advance(clk, 50*time.Second) // 100 s after the first receive, 50 s after the retry
		require.NoError(t, q.Delete(ctx, retry[0].ReceiptHandle), "the retry reset the visibility timeout")

		// a2 is still in flight under the same handle, but a1 was deleted:
		// the retry is a new receive.
		fresh := receive(t, q, opts)
		assert.Equal(t, []string{"b1"}, bodies(fresh))
	})
}

// A retry after a visibility change, or after 5 minutes, is a new receive.
func TestAttemptIDInvalidated(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk, VisibilityTimeout: 10 * time.Minute})
		send(t, q, "A", "a1")
		send(t, q, "B", "b1")
		send(t, q, "C", "c1")
		opts := fifo.ReceiveOptions{AttemptID: "x"}
		first := receive(t, q, opts)
		require.NoError(t, q.ChangeVisibility(ctx, first[0].ReceiptHandle, 10*time.Minute))
		second := receive(t, q, opts)
		assert.Equal(t, []string{"b1"}, bodies(second), "changed: a new receive")

		advance(clk, 5*time.Minute-time.Millisecond)
		assert.Equal(t, second, receive(t, q, opts), "4 m 59.999 s: the same")
		advance(clk, time.Millisecond)
		assert.Equal(t, []string{"c1"}, bodies(receive(t, q, opts)), "5 m: a new receive")
		_, err := q.Receive(ctx, fifo.ReceiveOptions{AttemptID: "bad id"})
		require.ErrorIs(t, err, fifo.ErrInvalidID)
	})
}

// A long poll blocked on a group held by another receive wakes when that
// message is deleted.
func TestLongPollWokenByGroupRelease(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk})
		send(t, q, "g", "1")
		send(t, q, "g", "2")
		m := receiveN(t, q, 1)[0]
		done := make(chan []fifo.Message, 1)
		go func() {
			msgs, _ := q.Receive(ctx, fifo.ReceiveOptions{WaitTime: dur(20 * time.Second)})
			done <- msgs
		}()
		advance(clk, 5*time.Second)
		require.Empty(t, done)
		require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
		advance(clk, 0)
		got := <-done
		assert.Equal(t, []string{"2"}, bodies(got))
	})
}

// With a visibility timeout of 0 a received message is visible again at
// once, after the receive: one receive never returns a message twice, nor
// counts two receives of it, and fills its batch as any other.
func TestZeroVisibilityReceive(t *testing.T) {
	dlq := newQueue(t, fifo.Config{Name: "dlq.fifo"})
	q := newQueue(t, fifo.Config{Redrive: &fifo.Redrive{Target: dlq, MaxReceiveCount: 3}})
	for _, m := range [][2]string{{"A", "a1"}, {"A", "a2"}, {"A", "a3"}, {"B", "b1"}} {
		send(t, q, m[0], m[1])
	}
	for round := 1; round <= 3; round++ {
		msgs := receive(t, q, fifo.ReceiveOptions{MaxMessages: 10, VisibilityTimeout: dur(0)})
		require.Equal(t, []string{"a1", "a2", "a3", "b1"}, bodies(msgs))
		for _, m := range msgs {
			assert.Equal(t, round, m.ReceiveCount)
		}
		assert.Equal(t, 4, stats(t, q).Visible)
	}
	assert.Zero(t, stats(t, dlq).Visible)
}

// At the in-flight limit a FIFO receive returns nothing, without an error.
func TestInFlightLimit(t *testing.T) {
	q := newQueue(t, fifo.Config{MaxInFlight: 2})
	for _, g := range []string{"A", "B", "C"} {
		send(t, q, g, g)
	}
	assert.Len(t, receiveN(t, q, 10), 2)
	assert.Empty(t, receiveN(t, q, 10))
}

func TestReceiveParameters(t *testing.T) {
	q := newQueue(t, fifo.Config{})
	for _, o := range []fifo.ReceiveOptions{
		{MaxMessages: 11}, {MaxMessages: -1},
		{WaitTime: dur(21 * time.Second)}, {VisibilityTimeout: dur(-time.Second)},
	} {
		_, err := q.Receive(ctx, o)
		require.ErrorIs(t, err, fifo.ErrInvalidParameter, "%+v", o)
	}
}

// DeleteBatch and ChangeVisibilityBatch report each entry as Delete and
// ChangeVisibility would.
func TestDeleteAndChangeVisibilityBatches(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk, VisibilityTimeout: 10 * time.Second})
		for _, g := range []string{"A", "B", "C"} {
			send(t, q, g, g+"1")
			send(t, q, g, g+"2")
		}
		first := receiveN(t, q, 1)[0] // A1, then let its timeout end
		advance(clk, 10*time.Second)
		msgs := receiveN(t, q, 10)
		require.Equal(t, []string{"B1", "B2", "C1", "C2", "A1", "A2"}, bodies(msgs), "A is ready again after B and C")
		h := map[string]string{}
		for _, m := range msgs {
			h[m.Body] = m.ReceiptHandle
		}

		res, err := q.ChangeVisibilityBatch(ctx, []fifo.ChangeVisibilityBatchEntry{
			{ID: "a", ReceiptHandle: h["A1"], VisibilityTimeout: time.Minute},
			{ID: "b", ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: time.Minute},
			{ID: "c", ReceiptHandle: h["B1"], VisibilityTimeout: 13 * time.Hour},
		})
		require.NoError(t, err)
		assert.NoError(t, res[0].Err)
		assert.ErrorIs(t, res[1].Err, fifo.ErrReceiptHandleExpired)
		assert.ErrorIs(t, res[2].Err, fifo.ErrInvalidParameter)

		dres, err := q.DeleteBatch(ctx, []fifo.DeleteBatchEntry{
			{ID: "a", ReceiptHandle: h["B1"]},
			{ID: "b", ReceiptHandle: first.ReceiptHandle},
			{ID: "c", ReceiptHandle: "forged"},
			{ID: "d", ReceiptHandle: h["B2"]},
		})
		require.NoError(t, err)
		assert.NoError(t, dres[0].Err)
		assert.ErrorIs(t, dres[1].Err, fifo.ErrReceiptHandleExpired)
		assert.ErrorIs(t, dres[2].Err, fifo.ErrReceiptHandleInvalid)
		assert.NoError(t, dres[3].Err)
		_, err = q.DeleteBatch(ctx, nil)
		require.ErrorIs(t, err, fifo.ErrEmptyBatch)

		advance(clk, 10*time.Second) // C1, C2 and A2 return; A1 is hidden for a minute
		assert.Equal(t, []string{"C1", "C2"}, bodies(receiveN(t, q, 10)), "A is held by A1; B is done")
	})
}

// A retry with the attempt ID returns the same messages even when the
// visibility timeout asked for would take them past 12 hours from the
// first receive: they stay hidden until then, and no longer.
func TestAttemptRetryNearTheTwelveHourCap(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk, VisibilityTimeout: 12 * time.Hour})
		send(t, q, "g", "1")
		first := receive(t, q, fifo.ReceiveOptions{AttemptID: "a"})
		require.Len(t, first, 1)
		advance(clk, time.Minute)
		again := receive(t, q, fifo.ReceiveOptions{AttemptID: "a"})
		assert.Equal(t, first, again)
		advance(clk, 12*time.Hour-time.Minute)
		assert.Equal(t, []string{"1"}, bodies(receiveN(t, q, 1)), "visible 12 h after the first receive")
	})
}
