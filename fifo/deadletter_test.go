package fifo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/fifo"
)

// A message whose receive count would exceed MaxReceiveCount moves to the
// FIFO dead-letter queue on that receive: same ID, body and group, a new
// sent time, its message ID as deduplication ID, and the next message of
// its group becomes receivable in the source.
func TestRedriveToFIFODeadLetterQueue(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, fifo.Config{Name: "dlq.fifo", Clock: clk})
		src := newQueue(t, fifo.Config{
			Clock: clk, VisibilityTimeout: 10 * time.Second,
			Redrive: &fifo.Redrive{Target: dlq, MaxReceiveCount: 2},
		})
		poison := send(t, src, "g", "poison")
		send(t, src, "g", "next")
		advance(clk, time.Hour)
		for range 2 {
			require.Equal(t, []string{"poison"}, bodies(receiveN(t, src, 1)))
			advance(clk, 10*time.Second)
		}
		assert.Equal(t, []string{"next"}, bodies(receiveN(t, src, 1)), "the third receive moved poison; its group moves on")

		m := receiveN(t, dlq, 1)[0]
		assert.Equal(t, poison.MessageID, m.ID)
		assert.Equal(t, "poison", m.Body)
		assert.Equal(t, "g", m.GroupID)
		assert.Equal(t, poison.MessageID, m.DeduplicationID)
		assert.Equal(t, "test.fifo", m.DeadLetterSource)
		assert.Equal(t, clk.Now(), m.SentAt, "a FIFO dead-letter queue resets the sent time")
		assert.Equal(t, 1, m.ReceiveCount)
	})
}

// A move that fails leaves the message in the source queue, hidden for a
// second, and it moves on a later receive.
func TestRedriveFailureKeepsMessage(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		target := &flakyTarget{fail: true}
		src := newQueue(t, fifo.Config{
			Clock: clk, VisibilityTimeout: 10 * time.Second,
			Redrive: &fifo.Redrive{Target: target, MaxReceiveCount: 1},
		})
		send(t, src, "g", "m")
		receiveN(t, src, 1)
		advance(clk, 10*time.Second)
		assert.Empty(t, receiveN(t, src, 1), "the move failed")
		assert.Equal(t, 1, stats(t, src).Delayed)
		target.fail = false
		advance(clk, time.Second)
		assert.Empty(t, receiveN(t, src, 1), "this receive moved it")
		require.Len(t, target.got, 1)
		assert.Equal(t, "m", target.got[0].Body)
		s := stats(t, src)
		assert.Zero(t, s.Visible+s.Delayed+s.InFlight)
	})
}

type flakyTarget struct {
	fail bool
	got  []fifo.DeadLetter
}

func (f *flakyTarget) AllowsRedriveFrom(string) bool { return true }
func (f *flakyTarget) AddDeadLetters(_ context.Context, msgs []fifo.DeadLetter) error {
	if f.fail {
		return errors.New("target down")
	}
	f.got = append(f.got, msgs...)
	return nil
}

// A message moved twice within the deduplication window (its ID is its
// deduplication ID) is stored once.
func TestAddDeadLettersDeduplicates(t *testing.T) {
	dlq := newQueue(t, fifo.Config{Name: "dlq.fifo"})
	m := fifo.DeadLetter{ID: "id-1", Body: "b", GroupID: "g", Source: "src.fifo"}
	require.NoError(t, dlq.AddDeadLetters(ctx, []fifo.DeadLetter{m}))
	require.NoError(t, dlq.AddDeadLetters(ctx, []fifo.DeadLetter{m}))
	assert.Equal(t, 1, stats(t, dlq).Visible)
}

// Bad moved messages are refused all or none.
func TestAddDeadLettersAllOrNone(t *testing.T) {
	dlq := newQueue(t, fifo.Config{Name: "dlq.fifo", RedriveAllow: fifo.RedriveAllowPolicy{Permission: fifo.ByQueue, SourceQueues: []string{"src.fifo"}}})
	good := fifo.DeadLetter{ID: "1", Body: "b", GroupID: "g", Source: "src.fifo"}
	for _, tc := range []struct {
		bad  fifo.DeadLetter
		want error
	}{
		{fifo.DeadLetter{ID: "", Body: "b", GroupID: "g", Source: "src.fifo"}, fifo.ErrInvalidParameter},
		{good, fifo.ErrInvalidParameter}, // ID given twice
		{fifo.DeadLetter{ID: "2", Body: "b", GroupID: "", Source: "src.fifo"}, fifo.ErrInvalidID},
		{fifo.DeadLetter{ID: "2", Body: "", GroupID: "g", Source: "src.fifo"}, fifo.ErrEmptyBody},
		{fifo.DeadLetter{ID: "2", Body: "b", GroupID: "g", Source: "other.fifo"}, fifo.ErrRedriveNotAllowed},
	} {
		err := dlq.AddDeadLetters(ctx, []fifo.DeadLetter{good, tc.bad})
		require.ErrorIs(t, err, tc.want)
	}
	assert.Zero(t, stats(t, dlq).Visible)
	_, err := fifo.New(fifo.Config{Name: "other.fifo", Clock: clock.NewMock(), Redrive: &fifo.Redrive{Target: dlq}})
	require.ErrorIs(t, err, fifo.ErrRedriveNotAllowed)
}
