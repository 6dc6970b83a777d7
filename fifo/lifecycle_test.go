package fifo_test

import (
	"errors"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/fifo"
)

// Changing a FIFO queue's delay is retroactive: messages not yet received
// are visible at their sent time plus the new delay.
func TestSetDelayRetroactive(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk, Delay: 10 * time.Minute})
		send(t, q, "g", "1")
		advance(clk, time.Minute)
		send(t, q, "g", "2")
		require.NoError(t, q.SetDelay(90*time.Second)) // "1" due now + 30 s, "2" at now + 90 s
		assert.Equal(t, 2, stats(t, q).Delayed)
		advance(clk, 30*time.Second)
		got := receiveN(t, q, 10)
		assert.Equal(t, []string{"1"}, bodies(got))
		require.NoError(t, q.Delete(ctx, got[0].ReceiptHandle))

		send(t, q, "h", "3")
		require.NoError(t, q.SetDelay(0)) // everything not received is due
		got = receiveN(t, q, 10)
		assert.Equal(t, []string{"2", "3"}, bodies(got))
		for _, m := range got {
			require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
		}

		send(t, q, "k", "4")
		require.NoError(t, q.SetDelay(5*time.Minute)) // "4", visible, is hidden again
		s := stats(t, q)
		assert.Equal(t, [2]int{1, 0}, [2]int{s.Delayed, s.Visible}, "4 delayed again")
		advance(clk, 5*time.Minute)
		assert.Equal(t, []string{"4"}, bodies(receiveN(t, q, 10)))

		require.ErrorIs(t, q.SetDelay(16*time.Minute), fifo.ErrInvalidConfig)
	})
}

func TestPurge(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk})
		first := send(t, q, "g", "1")
		send(t, q, "g", "2")
		m := receiveN(t, q, 1)[0]
		require.NoError(t, q.Purge(ctx))
		s := stats(t, q)
		assert.Zero(t, s.Visible+s.InFlight)
		require.ErrorIs(t, q.Delete(ctx, m.ReceiptHandle), fifo.ErrReceiptHandleExpired, "purged: the handle holds nothing")
		require.ErrorIs(t, q.Purge(ctx), fifo.ErrPurgeInProgress)
		assert.Equal(t, first, send(t, q, "g", "1"), "dedup IDs outlive a purge")
		send(t, q, "g", "3")
		assert.Equal(t, []string{"3"}, bodies(receiveN(t, q, 10)), "the group is free after a purge")
		advance(clk, time.Minute)
		require.NoError(t, q.Purge(ctx))
	})
}

func TestCloseWakesAndRefuses(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk})
		done := make(chan error, 1)
		go func() {
			_, err := q.Receive(ctx, fifo.ReceiveOptions{WaitTime: dur(20 * time.Second)})
			done <- err
		}()
		advance(clk, time.Second)
		require.NoError(t, q.Close())
		require.NoError(t, q.Close())
		require.ErrorIs(t, <-done, fifo.ErrClosed)
		_, err := q.Send(ctx, in("a", "g", "d"))
		require.ErrorIs(t, err, fifo.ErrClosed)
		_, err = q.SendBatch(ctx, []fifo.SendBatchEntry{{ID: "a", SendInput: in("a", "g", "d")}})
		require.ErrorIs(t, err, fifo.ErrClosed)
		_, err = q.Receive(ctx, fifo.ReceiveOptions{})
		require.ErrorIs(t, err, fifo.ErrClosed)
		_, err = q.Receive(ctx, fifo.ReceiveOptions{AttemptID: "a"})
		require.ErrorIs(t, err, fifo.ErrClosed)
		require.ErrorIs(t, q.Purge(ctx), fifo.ErrClosed)
		require.ErrorIs(t, q.SetDelay(0), fifo.ErrClosed)
		_, err = q.Stats()
		require.ErrorIs(t, err, fifo.ErrClosed)
	})
}

func TestRetention(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk, Retention: time.Hour})
		send(t, q, "g", "1")
		advance(clk, 30*time.Minute)
		send(t, q, "g", "2")
		assert.Equal(t, 30*time.Minute, stats(t, q).AgeOfOldestMessage)
		advance(clk, 30*time.Minute)
		assert.Equal(t, []string{"2"}, bodies(receiveN(t, q, 10)))
	})
}

// Each action has a quota of 300 calls a second, a batch counting as one
// call; the bucket refills on the queue's clock.
func TestThroughputQuota(t *testing.T) {
	clk := clock.NewMock()
	q := newQueue(t, fifo.Config{Clock: clk})
	for i := range fifo.CallsPerSecond {
		_, err := q.Send(ctx, in("m", "g", "d"+string(rune('a'+i%26))+string(rune('a'+i/26))))
		require.NoError(t, err, "call %d", i)
	}
	_, err := q.Send(ctx, in("m", "g", "over"))
	require.ErrorIs(t, err, fifo.ErrThrottled)
	var te *fifo.ThrottleError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, fifo.ThrottleError{Action: "send", Limit: 300}, *te)
	_, err = q.SendBatch(ctx, []fifo.SendBatchEntry{{ID: "a", SendInput: in("m", "g", "over")}})
	require.ErrorIs(t, err, fifo.ErrThrottled)

	_, err = q.Receive(ctx, fifo.ReceiveOptions{MaxMessages: 10})
	require.NoError(t, err, "each action has its own quota")

	clk.Add(time.Second / 300)
	_, err = q.Send(ctx, in("m", "g", "after"))
	require.NoError(t, err, "one call's worth refilled")
	_, err = q.Send(ctx, in("m", "g", "after-2"))
	require.ErrorIs(t, err, fifo.ErrThrottled)
	clk.Add(time.Second)
	for i := range fifo.CallsPerSecond {
		_, err := q.Send(ctx, in("m", "g", "later"+string(rune('a'+i%26))+string(rune('a'+i/26))))
		require.NoError(t, err, "call %d", i)
	}
}

// High-throughput mode (group dedup scope and per-group throughput limit)
// raises the quota; Unlimited lifts it.
func TestThroughputModes(t *testing.T) {
	calls := func(cfg fifo.Config, n int) (ok int) {
		cfg.Clock = clock.NewMock()
		q := newQueue(t, cfg)
		for range n {
			if _, err := q.Receive(ctx, fifo.ReceiveOptions{}); err == nil {
				ok++
			}
		}
		return ok
	}
	assert.Equal(t, 300, calls(fifo.Config{}, 1000))
	assert.Equal(t, 300, calls(fifo.Config{ThroughputLimit: fifo.PerMessageGroupID}, 1000), "one setting alone is normal mode")
	assert.Equal(t, 1000, calls(fifo.Config{DeduplicationScope: fifo.ScopeMessageGroup, ThroughputLimit: fifo.PerMessageGroupID}, 1000))
	assert.Equal(t, fifo.HighThroughputCallsPerSecond, calls(fifo.Config{DeduplicationScope: fifo.ScopeMessageGroup, ThroughputLimit: fifo.PerMessageGroupID}, 80_000))
	assert.Equal(t, 2000, calls(fifo.Config{Limits: fifo.Unlimited}, 2000))
	assert.Equal(t, 5, calls(fifo.Config{Limits: fifo.Limits{CallsPerSecond: 5}}, 10))
}
