package queue_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/queue"
)

func TestRedriveMovesMessageWhenReceiveCountWouldExceedMax(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		q := newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 2}})
		sentAt := clk.Now()
		attrs := map[string]queue.Attribute{"k": queue.StringAttribute("v")}
		id, err := q.Send(ctx, queue.SendInput{Body: "poison", Attributes: attrs})
		require.NoError(t, err)

		require.Equal(t, 1, receiveOne(t, q).ReceiveCount)
		advance(clk, 30*time.Second)
		require.Equal(t, 2, receiveOne(t, q).ReceiveCount)
		advance(clk, 30*time.Second)
		// a third receive would exceed 2: the message moves instead
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		require.Equal(t, queue.Stats{}, stats(t, q))
		require.Equal(t, 1, stats(t, dlq).Visible)

		m := receiveOne(t, dlq)
		require.Equal(t, id, m.ID)
		require.Equal(t, "poison", m.Body)
		require.Equal(t, attrs, m.Attributes)
		require.True(t, m.SentAt.Equal(sentAt), "keeps its original sent time")
		require.Equal(t, 1, m.ReceiveCount)
		require.Equal(t, "work", m.DeadLetterSource)
	})
}

func TestRedriveReturnsTheOthersInTheSameReceive(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		q := newQueue(t, queue.Config{Clock: clk, Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 1}})
		send(t, q, "old")
		receiveOne(t, q)
		advance(clk, 30*time.Second)
		send(t, q, "new")
		msgs := receive(t, q, queue.ReceiveOptions{MaxMessages: 10})
		require.Len(t, msgs, 1)
		require.Equal(t, "new", msgs[0].Body)
		require.Equal(t, "old", receiveOne(t, dlq).Body)
	})
}

func TestDeadLetterRetentionCountsFromOriginalSend(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk, Retention: 2 * time.Hour})
		q := newQueue(t, queue.Config{Clock: clk, Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 1}})
		send(t, q, "x")
		receiveOne(t, q)
		advance(clk, time.Hour)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		require.Equal(t, queue.Stats{Visible: 1, AgeOfOldestMessage: time.Hour}, stats(t, dlq))
		advance(clk, time.Hour-1)
		require.Equal(t, 1, stats(t, dlq).Visible)
		advance(clk, 1)
		require.Equal(t, queue.Stats{}, stats(t, dlq))
	})
}

func TestRedriveAllowPolicy(t *testing.T) {
	deny := newQueue(t, queue.Config{Name: "deny", RedriveAllow: queue.RedriveAllowPolicy{Permission: queue.DenyAll}})
	_, err := queue.New(queue.Config{Name: "src", Redrive: &queue.Redrive{Target: deny}})
	require.ErrorIs(t, err, queue.ErrRedriveNotAllowed)

	listed := newQueue(t, queue.Config{Name: "listed", RedriveAllow: queue.RedriveAllowPolicy{Permission: queue.ByQueue, SourceQueues: []string{"a", "b"}}})
	_, err = queue.New(queue.Config{Name: "c", Redrive: &queue.Redrive{Target: listed}})
	require.ErrorIs(t, err, queue.ErrRedriveNotAllowed)
	newQueue(t, queue.Config{Name: "b", Redrive: &queue.Redrive{Target: listed}})

	require.True(t, newQueue(t, queue.Config{}).AllowsRedriveFrom("anyone"))
	err = listed.AddDeadLetters(ctx, []queue.DeadLetter{{ID: "x", Body: "x", Source: "c"}})
	require.ErrorIs(t, err, queue.ErrRedriveNotAllowed)
	require.Equal(t, queue.Stats{}, stats(t, listed))
}

// failingTarget refuses messages until told otherwise, and counts the calls.
type failingTarget struct {
	mu     sync.Mutex
	fail   bool
	calls  int
	stored []queue.DeadLetter
}

func (f *failingTarget) AllowsRedriveFrom(string) bool { return true }

func (f *failingTarget) AddDeadLetters(_ context.Context, msgs []queue.DeadLetter) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail {
		return errors.New("target down")
	}
	f.stored = append(f.stored, msgs...)
	return nil
}

func (f *failingTarget) setFail(fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

func (f *failingTarget) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// A message whose move fails stays in the source, hidden for a second (it
// counts as delayed), and moves on a receive after that.
func TestFailedDeadLetterMoveKeepsMessage(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		target := &failingTarget{fail: true}
		q := newQueue(t, queue.Config{Clock: clk, Redrive: &queue.Redrive{Target: target, MaxReceiveCount: 1}})
		id := send(t, q, "x")
		receiveOne(t, q)
		advance(clk, 30*time.Second)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		require.Equal(t, queue.Stats{Delayed: 1, AgeOfOldestMessage: 30 * time.Second}, stats(t, q), "the message stays in the source")
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		require.Equal(t, 1, target.callCount(), "no retry before a second has passed")

		target.setFail(false)
		advance(clk, time.Second)
		require.Equal(t, 1, stats(t, q).Visible)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		require.Equal(t, queue.Stats{}, stats(t, q))
		require.Len(t, target.stored, 1)
		require.Equal(t, id, target.stored[0].ID)
		require.Equal(t, "queue", target.stored[0].Source)
		require.Equal(t, 1, target.stored[0].ReceiveCount)
	})
}

// A long poll on a queue whose dead-letter target keeps failing tries the
// move once a second, not in a loop.
func TestFailingDeadLetterTargetDoesNotSpinLongPoll(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		target := &failingTarget{fail: true}
		q := newQueue(t, queue.Config{Clock: clk, VisibilityTimeout: time.Second, Redrive: &queue.Redrive{Target: target, MaxReceiveCount: 1}})
		send(t, q, "x")
		receiveOne(t, q)
		advance(clk, time.Second)
		out := receiveAsync(q, ctx, queue.ReceiveOptions{WaitTime: new(5 * time.Second)})
		synctest.Wait()
		require.Equal(t, 1, target.callCount())
		for i := 2; i <= 5; i++ {
			advance(clk, time.Second)
			require.Equal(t, i, target.callCount())
		}
		advance(clk, time.Second)
		res := <-out
		require.NoError(t, res.err)
		require.Empty(t, res.msgs)
		require.Equal(t, 1, stats(t, q).Delayed)
	})
}

func TestClosedDeadLetterQueueKeepsMessageInSource(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		q := newQueue(t, queue.Config{Clock: clk, Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 1}})
		send(t, q, "x")
		receiveOne(t, q)
		require.NoError(t, dlq.Close())
		advance(clk, 30*time.Second)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		require.Equal(t, 1, stats(t, q).Delayed, "kept, to try again in a second")
	})
}

// Without MaxReceiveCount a message gets ten receives, as in SQS; the
// eleventh moves it.
func TestRedriveDefaultMaxReceiveCountIsTen(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		q := newQueue(t, queue.Config{Clock: clk, VisibilityTimeout: time.Second, Redrive: &queue.Redrive{Target: dlq}})
		send(t, q, "x")
		for i := 1; i <= 10; i++ {
			require.Equal(t, i, receiveOne(t, q).ReceiveCount)
			advance(clk, time.Second)
		}
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		require.Equal(t, 1, stats(t, dlq).Visible)
	})
}

// AddDeadLetters takes all or none: one bad message refuses the call, and
// the good ones before it are not stored.
func TestAddDeadLettersRejectsBadInputAndStoresNothing(t *testing.T) {
	good := queue.DeadLetter{ID: "ok", Body: "fine", Source: "src"}
	tests := []struct {
		name string
		bad  queue.DeadLetter
		err  error
	}{
		{"empty ID", queue.DeadLetter{Body: "x", Source: "src"}, queue.ErrInvalidParameter},
		{"repeated ID", queue.DeadLetter{ID: "ok", Body: "x", Source: "src"}, queue.ErrInvalidParameter},
		{"empty body", queue.DeadLetter{ID: "b", Source: "src"}, queue.ErrEmptyBody},
		{"bad character", queue.DeadLetter{ID: "b", Body: "\x00", Source: "src"}, queue.ErrInvalidMessageContents},
		{"over 1 MiB", queue.DeadLetter{ID: "b", Body: strings.Repeat("x", queue.MaxMaxMessageSize+1), Source: "src"}, queue.ErrMessageTooLarge},
		{"bad attribute", queue.DeadLetter{ID: "b", Body: "x", Source: "src", Attributes: map[string]queue.Attribute{"AWS.x": queue.StringAttribute("v")}}, queue.ErrInvalidAttribute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dlq := newQueue(t, queue.Config{Name: "dlq"})
			err := dlq.AddDeadLetters(ctx, []queue.DeadLetter{good, tt.bad})
			require.ErrorIs(t, err, tt.err)
			require.Contains(t, err.Error(), "message 1")
			require.Equal(t, queue.Stats{}, stats(t, dlq))
		})
	}

	// a dead-letter queue takes messages up to 1 MiB whatever its own limit
	dlq := newQueue(t, queue.Config{Name: "dlq", MaxMessageSize: queue.MinMaxMessageSize})
	require.NoError(t, dlq.AddDeadLetters(ctx, []queue.DeadLetter{{ID: "big", Body: strings.Repeat("x", queue.MaxMaxMessageSize), Source: "src"}}))
	require.Equal(t, 1, stats(t, dlq).Visible)
}

func TestAddDeadLettersCopiesAttributes(t *testing.T) {
	dlq := newQueue(t, queue.Config{Name: "dlq"})
	attrs := map[string]queue.Attribute{"k": queue.StringAttribute("v"), "b": queue.BinaryAttribute([]byte{1})}
	require.NoError(t, dlq.AddDeadLetters(ctx, []queue.DeadLetter{{ID: "id", Body: "x", Source: "src", Attributes: attrs}}))
	attrs["k"] = queue.StringAttribute("changed")
	attrs["b"].BinaryValue[0] = 9
	m := receiveOne(t, dlq)
	require.Equal(t, "v", m.Attributes["k"].StringValue)
	require.Equal(t, []byte{1}, m.Attributes["b"].BinaryValue)
}

// New copies what the Config points to: changing the caller's Redrive or
// SourceQueues afterwards changes nothing.
func TestConfigIsCopiedAtNew(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		sources := []string{"work"}
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk, RedriveAllow: queue.RedriveAllowPolicy{Permission: queue.ByQueue, SourceQueues: sources}})
		other := newQueue(t, queue.Config{Name: "other", Clock: clk})
		rd := &queue.Redrive{Target: dlq, MaxReceiveCount: 1}
		q := newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: rd})
		sources[0] = "someone-else"
		rd.Target, rd.MaxReceiveCount = other, 5

		require.True(t, dlq.AllowsRedriveFrom("work"))
		require.False(t, dlq.AllowsRedriveFrom("someone-else"))
		send(t, q, "x")
		receiveOne(t, q)
		advance(clk, 30*time.Second)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		require.Equal(t, 1, stats(t, dlq).Visible)
		require.Equal(t, queue.Stats{}, stats(t, other))
	})
}

// After a failed move, the latest receipt handles of the messages still
// delete them: they were not received again.
func TestDeleteWorksAfterFailedDeadLetterMove(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		target := &failingTarget{fail: true}
		q := newQueue(t, queue.Config{Clock: clk, Redrive: &queue.Redrive{Target: target, MaxReceiveCount: 1}})
		send(t, q, "a")
		send(t, q, "b")
		msgs := receive(t, q, queue.ReceiveOptions{MaxMessages: 10})
		require.Len(t, msgs, 2)
		advance(clk, 30*time.Second)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{MaxMessages: 10}))
		require.Equal(t, 2, stats(t, q).Delayed)
		for _, m := range msgs {
			require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
		}
		require.Equal(t, queue.Stats{}, stats(t, q))
	})
}

// gateTarget holds each AddDeadLetters call until told how to answer.
type gateTarget struct {
	entered chan struct{}
	answer  chan error
}

func (g *gateTarget) AllowsRedriveFrom(string) bool { return true }

func (g *gateTarget) AddDeadLetters(context.Context, []queue.DeadLetter) error {
	g.entered <- struct{}{}
	return <-g.answer
}

// A Delete that comes while the message is being moved wins if the move
// fails (the message is gone), and loses if it succeeds (the message is in
// the dead-letter queue, as with any delete that races a receive).
func TestDeleteDuringDeadLetterMove(t *testing.T) {
	for _, moveFails := range []bool{true, false} {
		t.Run(fmt.Sprint("move fails ", moveFails), func(t *testing.T) {
			mocked(t, func(t *testing.T, clk *clock.Mock) {
				target := &gateTarget{entered: make(chan struct{}), answer: make(chan error)}
				q := newQueue(t, queue.Config{Clock: clk, Redrive: &queue.Redrive{Target: target, MaxReceiveCount: 1}})
				send(t, q, "x")
				m := receiveOne(t, q)
				advance(clk, 30*time.Second)
				out := receiveAsync(q, ctx, queue.ReceiveOptions{})
				<-target.entered
				require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
				require.ErrorIs(t, q.ChangeVisibility(ctx, m.ReceiptHandle, time.Minute), queue.ErrMessageNotInFlight)
				if moveFails {
					target.answer <- errors.New("down")
				} else {
					target.answer <- nil
				}
				r := <-out
				require.NoError(t, r.err)
				require.Empty(t, r.msgs)
				require.Equal(t, queue.Stats{}, stats(t, q))
				advance(clk, time.Minute)
				require.Empty(t, receive(t, q, queue.ReceiveOptions{}), "never comes back")
			})
		})
	}
}
