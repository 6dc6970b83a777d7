package queue_test

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/queue"
)

func TestChangeVisibilityExtendsFromNow(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		send(t, q, "x")
		m := receiveOne(t, q)
		advance(clk, 20*time.Second)
		require.NoError(t, q.ChangeVisibility(ctx, m.ReceiptHandle, time.Minute))
		advance(clk, time.Minute-1)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		advance(clk, 1)
		// the change applied to that receipt only: the next one gets 30 s
		m2 := receiveOne(t, q)
		advance(clk, 30*time.Second)
		require.Equal(t, m2.ID, receiveOne(t, q).ID)
	})
}

func TestChangeVisibilityToZeroMakesVisibleAtOnce(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, ReceiveWaitTime: 20 * time.Second})
		send(t, q, "x")
		m := receiveOne(t, q)
		got := receiveAsync(q, ctx, queue.ReceiveOptions{})
		synctest.Wait() // the long poll is waiting
		require.Equal(t, 1, stats(t, q).WaitingReceives)
		require.NoError(t, q.ChangeVisibility(ctx, m.ReceiptHandle, 0))
		r := <-got // a long poll wakes for it
		require.NoError(t, r.err)
		require.Equal(t, 2, r.msgs[0].ReceiveCount)
	})
}

func TestChangeVisibilityIsCappedAt12HoursFromReceive(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		send(t, q, "x")
		m := receiveOne(t, q)
		require.ErrorIs(t, q.ChangeVisibility(ctx, m.ReceiptHandle, 12*time.Hour+time.Second), queue.ErrInvalidParameter)
		require.NoError(t, q.ChangeVisibility(ctx, m.ReceiptHandle, 6*time.Hour))
		advance(clk, 5*time.Hour)
		// extending never resets the 12 h, counted from the receive
		require.ErrorIs(t, q.ChangeVisibility(ctx, m.ReceiptHandle, 7*time.Hour+time.Second), queue.ErrVisibilityTooLong)
		// and a refused change changes nothing: the 6 h still ends at 6 h
		advance(clk, time.Hour)
		m = receiveOne(t, q)
		require.Equal(t, 2, m.ReceiveCount)
		advance(clk, time.Second)
		require.NoError(t, q.ChangeVisibility(ctx, m.ReceiptHandle, 12*time.Hour-time.Second)) // exactly to the cap
		advance(clk, 12*time.Hour-time.Second-1)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		require.ErrorIs(t, q.ChangeVisibility(ctx, m.ReceiptHandle, 2), queue.ErrVisibilityTooLong)
		advance(clk, 1)
		require.Len(t, receive(t, q, queue.ReceiveOptions{}), 1)
	})
}

func TestChangeVisibilityErrors(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		send(t, q, "x")
		first := receiveOne(t, q)
		advance(clk, 30*time.Second)
		// visibility ran out: not in flight
		require.ErrorIs(t, q.ChangeVisibility(ctx, first.ReceiptHandle, time.Minute), queue.ErrMessageNotInFlight)
		second := receiveOne(t, q)
		// received again: the first handle has expired
		require.ErrorIs(t, q.ChangeVisibility(ctx, first.ReceiptHandle, time.Minute), queue.ErrReceiptHandleExpired)
		require.ErrorIs(t, q.ChangeVisibility(ctx, "not-a-handle", time.Minute), queue.ErrReceiptHandleInvalid)
		require.ErrorIs(t, q.ChangeVisibility(ctx, second.ReceiptHandle, -1), queue.ErrInvalidParameter)
		require.NoError(t, q.Delete(ctx, second.ReceiptHandle))
		// gone: not in flight
		require.ErrorIs(t, q.ChangeVisibility(ctx, second.ReceiptHandle, time.Minute), queue.ErrMessageNotInFlight)
	})
}

func TestChangeVisibilityBatchReportsEachEntry(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		send(t, q, "a")
		send(t, q, "b")
		msgs := receive(t, q, queue.ReceiveOptions{MaxMessages: 2})
		res, err := q.ChangeVisibilityBatch(ctx, []queue.ChangeVisibilityBatchEntry{
			{ID: "a", ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: time.Hour},
			{ID: "bad", ReceiptHandle: "garbage", VisibilityTimeout: time.Hour},
			{ID: "range", ReceiptHandle: msgs[1].ReceiptHandle, VisibilityTimeout: 13 * time.Hour},
			{ID: "b", ReceiptHandle: msgs[1].ReceiptHandle, VisibilityTimeout: 0},
		})
		require.NoError(t, err)
		require.Equal(t, []string{"a", "bad", "range", "b"}, []string{res[0].ID, res[1].ID, res[2].ID, res[3].ID})
		require.NoError(t, res[0].Err)
		require.ErrorIs(t, res[1].Err, queue.ErrReceiptHandleInvalid)
		require.ErrorIs(t, res[2].Err, queue.ErrInvalidParameter)
		require.NoError(t, res[3].Err)
		require.Equal(t, "b", receiveOne(t, q).Body)

		_, err = q.ChangeVisibilityBatch(ctx, nil)
		require.ErrorIs(t, err, queue.ErrEmptyBatch)
		_, err = q.ChangeVisibilityBatch(ctx, []queue.ChangeVisibilityBatchEntry{{ID: "x"}, {ID: "x"}})
		require.ErrorIs(t, err, queue.ErrBatchEntryIDsNotDistinct)
	})
}

func TestDeleteWithLatestHandleDeletes(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		send(t, q, "x")
		m := receiveOne(t, q)
		require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
		require.Equal(t, queue.Stats{}, stats(t, q))
		advance(clk, time.Hour)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		// deleting twice is not an error
		require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
	})
}

func TestDeleteAfterVisibilityExpiredStillDeletes(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		send(t, q, "x")
		m := receiveOne(t, q)
		advance(clk, time.Minute)
		require.Equal(t, 1, stats(t, q).Visible)
		require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
		require.Equal(t, queue.Stats{}, stats(t, q))
	})
}

func TestDeleteWithEarlierHandleKeepsMessage(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		send(t, q, "x")
		first := receiveOne(t, q)
		advance(clk, 30*time.Second)
		second := receiveOne(t, q)
		require.NoError(t, q.Delete(ctx, first.ReceiptHandle)) // succeeds, as SQS does...
		require.Equal(t, 1, stats(t, q).InFlight)              // ...and deletes nothing
		require.NoError(t, q.Delete(ctx, second.ReceiptHandle))
		require.Equal(t, queue.Stats{}, stats(t, q))
	})
}

func TestDeleteRejectsHandlesNeverIssued(t *testing.T) {
	q := newQueue(t, queue.Config{})
	other := newQueue(t, queue.Config{Name: "other"})
	send(t, q, "x")
	send(t, other, "y")
	m := receiveOne(t, q)
	fromOther := receiveOne(t, other)
	tampered := []byte(m.ReceiptHandle)
	tampered[3] ^= 1
	if tampered[3] > 'f' || tampered[3] < '0' || (tampered[3] > '9' && tampered[3] < 'a') {
		tampered[3] = '0'
	}
	for _, h := range []string{
		"",
		"garbage",
		strings.Repeat("0", len(m.ReceiptHandle)),
		strings.ToUpper(m.ReceiptHandle),
		m.ReceiptHandle + "0",
		m.ReceiptHandle[:len(m.ReceiptHandle)-1],
		string(tampered),
		fromOther.ReceiptHandle,
	} {
		require.ErrorIs(t, q.Delete(ctx, h), queue.ErrReceiptHandleInvalid, "%q", h)
	}
	require.Equal(t, 1, stats(t, q).InFlight)
	require.Equal(t, 1, stats(t, other).InFlight)
}

func TestDeleteBatchReportsEachEntry(t *testing.T) {
	q := newQueue(t, queue.Config{})
	for _, b := range []string{"a", "b", "c"} {
		send(t, q, b)
	}
	msgs := receive(t, q, queue.ReceiveOptions{MaxMessages: 3})
	res, err := q.DeleteBatch(ctx, []queue.DeleteBatchEntry{
		{ID: "0", ReceiptHandle: msgs[0].ReceiptHandle},
		{ID: "bad", ReceiptHandle: "nope"},
		{ID: "2", ReceiptHandle: msgs[2].ReceiptHandle},
		{ID: "again", ReceiptHandle: msgs[0].ReceiptHandle},
	})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.ErrorIs(t, res[1].Err, queue.ErrReceiptHandleInvalid)
	require.NoError(t, res[2].Err)
	require.NoError(t, res[3].Err)
	require.Equal(t, "bad", res[1].ID)
	require.Equal(t, 1, stats(t, q).InFlight)

	var eleven []queue.DeleteBatchEntry
	for i := range 11 {
		eleven = append(eleven, queue.DeleteBatchEntry{ID: string(rune('a' + i)), ReceiptHandle: msgs[1].ReceiptHandle})
	}
	_, err = q.DeleteBatch(ctx, eleven)
	require.ErrorIs(t, err, queue.ErrTooManyEntries)
	_, err = q.DeleteBatch(ctx, []queue.DeleteBatchEntry{{ID: "bad id", ReceiptHandle: msgs[1].ReceiptHandle}})
	require.ErrorIs(t, err, queue.ErrInvalidBatchEntryID)
	require.Equal(t, 1, stats(t, q).InFlight)
}
