package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/queue"
)

// addDeadLetters puts messages from the queue named source into dlq, as a
// redrive would, with the bodies given and IDs source-body.
func addDeadLetters(t *testing.T, dlq *queue.Queue, source string, bodies ...string) {
	t.Helper()
	msgs := make([]queue.DeadLetter, len(bodies))
	for i, b := range bodies {
		msgs[i] = queue.DeadLetter{ID: source + "-" + b, Body: b, Source: source}
	}
	require.NoError(t, dlq.AddDeadLetters(ctx, msgs))
}

// many returns n bodies "m0", "m1", ….
func many(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("m", i)
	}
	return out
}

// moveTask returns the task id as q lists it.
func moveTask(t *testing.T, q *queue.Queue, id string) queue.MoveTask {
	t.Helper()
	for _, task := range q.MoveTasks() {
		if task.ID == id {
			return task
		}
	}
	t.Fatalf("no move task %s", id)
	return queue.MoveTask{}
}

func startMoveTask(t *testing.T, q *queue.Queue, cfg queue.MoveTaskConfig) string {
	t.Helper()
	id, err := q.StartMoveTask(cfg)
	require.NoError(t, err)
	return id
}

// drain receives every visible message of q and returns the bodies by
// message ID.
func drain(t *testing.T, q *queue.Queue) map[string]queue.Message {
	t.Helper()
	out := map[string]queue.Message{}
	for {
		msgs := receive(t, q, queue.ReceiveOptions{MaxMessages: 10})
		if len(msgs) == 0 {
			return out
		}
		for _, m := range msgs {
			out[m.ID] = m
		}
	}
}

func bodies(msgs map[string]queue.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Body)
	}
	return out
}

// fakeSender is a destination that records what it is sent, fails while err
// is set, and with block waits in Send until its context is done.
type fakeSender struct {
	mu      sync.Mutex
	err     error
	block   bool
	sent    []queue.SendInput
	ctxErrs []error // the context's error when each blocked Send returned
}

func (f *fakeSender) Name() string { return "fake" }

func (f *fakeSender) Send(c context.Context, in queue.SendInput) (string, error) {
	f.mu.Lock()
	block, err := f.block, f.err
	f.mu.Unlock()
	if block {
		<-c.Done()
		f.mu.Lock()
		f.ctxErrs = append(f.ctxErrs, c.Err())
		f.mu.Unlock()
		return "", c.Err()
	}
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, in)
	return fmt.Sprint("fake-", len(f.sent)), nil
}

func (f *fakeSender) SendBatch(context.Context, []queue.SendBatchEntry) ([]queue.SendBatchResult, error) {
	return nil, errors.New("fakeSender: SendBatch not used by move tasks")
}

func (f *fakeSender) set(err error, block bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err, f.block = err, block
}

func (f *fakeSender) sentCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

// Moved messages are new messages in the destination: new IDs, sent at the
// move, received for the first time there, with the body and attributes
// they had; the dead-letter queue empties.
func TestMoveTaskToDestination(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		src := newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 1}})
		dest := newQueue(t, queue.Config{Name: "dest", Clock: clk})
		attrs := map[string]queue.Attribute{"n": queue.NumberAttribute("7"), "b": queue.BinaryAttribute([]byte{1, 2})}
		old := map[string]string{} // body -> original ID
		for _, b := range []string{"x", "y", "z"} {
			id, err := src.Send(ctx, queue.SendInput{Body: b, Attributes: attrs})
			require.NoError(t, err)
			old[b] = id
		}
		require.Len(t, receive(t, src, queue.ReceiveOptions{MaxMessages: 10}), 3)
		advance(clk, 30*time.Second)
		require.Empty(t, receive(t, src, queue.ReceiveOptions{MaxMessages: 10}))
		require.Equal(t, 3, stats(t, dlq).Visible)

		advance(clk, time.Hour)
		start := clk.Now()
		id := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: dest})
		synctest.Wait()

		require.Regexp(t, uuidV4, id)
		require.Equal(t, queue.MoveTask{
			ID: id, Status: queue.MoveTaskCompleted, Destination: "dest",
			Moved: 3, ToMove: 3, StartedAt: start,
		}, moveTask(t, dlq, id))
		require.Equal(t, queue.Stats{}, stats(t, dlq))
		require.Equal(t, queue.Stats{}, stats(t, src))
		got := drain(t, dest)
		require.ElementsMatch(t, []string{"x", "y", "z"}, bodies(got))
		for id, m := range got {
			require.NotEqual(t, old[m.Body], id, "a new message ID")
			require.True(t, m.SentAt.Equal(start), "sent at the move: retention starts again")
			require.Equal(t, 1, m.ReceiveCount, "received for the first time")
			require.Equal(t, attrs, m.Attributes)
			require.Empty(t, m.DeadLetterSource)
		}
	})
}

// Without a destination each message goes back to the queue it came from.
func TestMoveTaskToOriginalSources(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		a := newQueue(t, queue.Config{Name: "a", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		b := newQueue(t, queue.Config{Name: "b", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		addDeadLetters(t, dlq, "a", "a0", "a1")
		addDeadLetters(t, dlq, "b", "b0")
		addDeadLetters(t, dlq, "a", "a2")

		id := startMoveTask(t, dlq, queue.MoveTaskConfig{})
		synctest.Wait()

		task := moveTask(t, dlq, id)
		require.Equal(t, queue.MoveTaskCompleted, task.Status)
		require.Equal(t, "", task.Destination)
		require.Equal(t, 4, task.Moved)
		require.ElementsMatch(t, []string{"a0", "a1", "a2"}, bodies(drain(t, a)))
		require.ElementsMatch(t, []string{"b0"}, bodies(drain(t, b)))
		require.Equal(t, queue.Stats{}, stats(t, dlq))
	})
}

// The rate is a token bucket on the queue's clock holding one receive's
// worth (min(rate, 10)): a full bucket moves at the start, then the task
// sleeps until the bucket is full again.
func TestMoveTaskRate(t *testing.T) {
	tests := []struct {
		rate              int
		atStart, after1s  int
		refill            time.Duration // how long a full bucket takes
		perRefill, toMove int
	}{
		{rate: 1, atStart: 1, after1s: 2, refill: time.Second, perRefill: 1, toMove: 5},
		{rate: 10, atStart: 10, after1s: 20, refill: time.Second, perRefill: 10, toMove: 35},
		{rate: 500, atStart: 10, after1s: 510, refill: 20 * time.Millisecond, perRefill: 10, toMove: 600},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.rate, "/s"), func(t *testing.T) {
			mocked(t, func(t *testing.T, clk *clock.Mock) {
				dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
				newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
				dest := newQueue(t, queue.Config{Name: "dest", Clock: clk})
				addDeadLetters(t, dlq, "work", many(tt.toMove)...)

				id := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: dest, MaxMessagesPerSecond: tt.rate})
				synctest.Wait()
				require.Equal(t, tt.atStart, moveTask(t, dlq, id).Moved)
				advance(clk, tt.refill-time.Nanosecond)
				require.Equal(t, tt.atStart, moveTask(t, dlq, id).Moved, "not before the bucket is full")
				advance(clk, time.Nanosecond)
				require.Equal(t, tt.atStart+tt.perRefill, moveTask(t, dlq, id).Moved)
				advance(clk, time.Second-tt.refill)
				require.Equal(t, tt.after1s, moveTask(t, dlq, id).Moved)
				require.Equal(t, tt.after1s, stats(t, dest).Visible)
				require.Equal(t, tt.toMove-tt.after1s, stats(t, dlq).Visible)

				for moveTask(t, dlq, id).Status == queue.MoveTaskRunning {
					advance(clk, tt.refill)
				}
				task := moveTask(t, dlq, id)
				require.Equal(t, queue.MoveTaskCompleted, task.Status)
				require.Equal(t, tt.toMove, task.Moved)
				require.Equal(t, tt.rate, task.MaxMessagesPerSecond)
			})
		})
	}
}

// Cancel stops the task: what it moved stays moved, the rest stays in the
// dead-letter queue, and a new task can start.
func TestCancelMoveTask(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		dest := newQueue(t, queue.Config{Name: "dest", Clock: clk})
		addDeadLetters(t, dlq, "work", many(30)...)

		id := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: dest, MaxMessagesPerSecond: 10})
		synctest.Wait()
		advance(clk, time.Second)
		require.Equal(t, 20, moveTask(t, dlq, id).Moved)

		require.NoError(t, dlq.CancelMoveTask(id))
		require.Contains(t, []queue.MoveTaskStatus{queue.MoveTaskCancelling, queue.MoveTaskCancelled}, moveTask(t, dlq, id).Status)
		synctest.Wait()
		require.Equal(t, queue.MoveTaskCancelled, moveTask(t, dlq, id).Status)
		advance(clk, 5*time.Second)
		require.Equal(t, 20, moveTask(t, dlq, id).Moved)
		require.Equal(t, 20, stats(t, dest).Visible, "moved messages stay moved")
		s := stats(t, dlq)
		require.Equal(t, 10, s.Visible, "the rest stays")
		require.Zero(t, s.InFlight)

		require.ErrorIs(t, dlq.CancelMoveTask(id), queue.ErrMoveTaskNotRunning)
		require.ErrorIs(t, dlq.CancelMoveTask("no-such-task"), queue.ErrMoveTaskNotFound)

		again := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: dest})
		synctest.Wait()
		require.Equal(t, queue.MoveTaskCompleted, moveTask(t, dlq, again).Status)
		require.Equal(t, 30, stats(t, dest).Visible)
		require.ErrorIs(t, dlq.CancelMoveTask(again), queue.ErrMoveTaskNotRunning)
	})
}

// Cancel while the destination is in Send: Send's context is cancelled,
// the message stays in the dead-letter queue.
func TestCancelMoveTaskDuringSend(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		addDeadLetters(t, dlq, "work", "x", "y")
		dest := &fakeSender{block: true}

		id := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: dest})
		synctest.Wait()
		require.Equal(t, queue.MoveTaskRunning, moveTask(t, dlq, id).Status)
		require.NoError(t, dlq.CancelMoveTask(id))
		synctest.Wait()
		task := moveTask(t, dlq, id)
		require.Equal(t, queue.MoveTaskCancelled, task.Status)
		require.Equal(t, "fake", task.Destination)
		require.Zero(t, task.Moved)
		require.Equal(t, []error{context.Canceled}, dest.ctxErrs)
		require.ElementsMatch(t, []string{"x", "y"}, bodies(drain(t, dlq)))
	})
}

func TestOneMoveTaskAtATime(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		addDeadLetters(t, dlq, "work", many(5)...)

		id := startMoveTask(t, dlq, queue.MoveTaskConfig{MaxMessagesPerSecond: 1})
		synctest.Wait()
		_, err := dlq.StartMoveTask(queue.MoveTaskConfig{})
		require.ErrorIs(t, err, queue.ErrMoveTaskRunning)
		require.ErrorContains(t, err, id)
		require.Len(t, dlq.MoveTasks(), 1)

		require.NoError(t, dlq.CancelMoveTask(id))
		synctest.Wait()
		startMoveTask(t, dlq, queue.MoveTaskConfig{})
		synctest.Wait()
		tasks := dlq.MoveTasks()
		require.Len(t, tasks, 2)
		require.Equal(t, queue.MoveTaskCompleted, tasks[0].Status)
		require.Equal(t, 4, tasks[0].Moved)
		require.Equal(t, 4, tasks[0].ToMove)
	})
}

func TestStartMoveTaskRejectsBadInput(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		addDeadLetters(t, dlq, "work", "x")
		for _, cfg := range []queue.MoveTaskConfig{
			{MaxMessagesPerSecond: -1},
			{MaxMessagesPerSecond: queue.MaxMoveMessagesPerSecond + 1},
			{Destination: dlq},
		} {
			_, err := dlq.StartMoveTask(cfg)
			require.ErrorIs(t, err, queue.ErrInvalidParameter)
		}
		synctest.Wait()
		require.Empty(t, dlq.MoveTasks())
		require.Equal(t, queue.Stats{Visible: 1}, stats(t, dlq))

		_, err := newQueue(t, queue.Config{Name: "plain", Clock: clk}).StartMoveTask(queue.MoveTaskConfig{})
		require.ErrorIs(t, err, queue.ErrNotDeadLetterQueue)

		// once a dead-letter queue, always one, even when its sources close
		dlq2 := newQueue(t, queue.Config{Name: "dlq2", Clock: clk})
		src := newQueue(t, queue.Config{Name: "src", Clock: clk, Redrive: &queue.Redrive{Target: dlq2}})
		require.NoError(t, src.Close())
		id := startMoveTask(t, dlq2, queue.MoveTaskConfig{})
		synctest.Wait()
		require.Equal(t, queue.MoveTaskCompleted, moveTask(t, dlq2, id).Status)
	})
}

// A message whose source queue is closed or unknown fails the task with a
// reason naming it; that message and the ones after it stay. Once the
// source is back, a new task moves them.
func TestMoveTaskFailsWhenSourceIsNotOpen(t *testing.T) {
	tests := []struct {
		name   string
		source string
		setup  func(t *testing.T, clk *clock.Mock, dlq *queue.Queue)
	}{
		{"closed", "gone", func(t *testing.T, clk *clock.Mock, dlq *queue.Queue) {
			gone := newQueue(t, queue.Config{Name: "gone", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
			require.NoError(t, gone.Close())
		}},
		{"never a source", "ghost", func(*testing.T, *clock.Mock, *queue.Queue) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mocked(t, func(t *testing.T, clk *clock.Mock) {
				dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
				a := newQueue(t, queue.Config{Name: "a", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
				tt.setup(t, clk, dlq)
				addDeadLetters(t, dlq, "a", "a0")
				addDeadLetters(t, dlq, tt.source, "lost?")
				addDeadLetters(t, dlq, "a", "a1")

				id := startMoveTask(t, dlq, queue.MoveTaskConfig{})
				synctest.Wait()
				task := moveTask(t, dlq, id)
				require.Equal(t, queue.MoveTaskFailed, task.Status)
				require.Equal(t, 1, task.Moved)
				require.Contains(t, task.FailureReason, fmt.Sprintf("%q", tt.source))
				require.Contains(t, task.FailureReason, tt.source+"-lost?", "names the message")
				require.ElementsMatch(t, []string{"a0"}, bodies(drain(t, a)))
				left := drain(t, dlq)
				require.ElementsMatch(t, []string{"lost?", "a1"}, bodies(left), "nothing lost")
				require.Equal(t, tt.source, left[tt.source+"-lost?"].DeadLetterSource)

				advance(clk, 30*time.Second)
				newQueue(t, queue.Config{Name: tt.source, Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
				id = startMoveTask(t, dlq, queue.MoveTaskConfig{})
				synctest.Wait()
				require.Equal(t, queue.MoveTaskCompleted, moveTask(t, dlq, id).Status)
				require.Equal(t, queue.Stats{}, stats(t, dlq))
			})
		})
	}
}

// A destination that refuses a message fails the task; the message stays.
func TestMoveTaskFailsWhenDestinationFails(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		addDeadLetters(t, dlq, "work", "x")
		dest := &fakeSender{err: errors.New("destination down")}

		id := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: dest})
		synctest.Wait()
		task := moveTask(t, dlq, id)
		require.Equal(t, queue.MoveTaskFailed, task.Status)
		require.Contains(t, task.FailureReason, "destination down")
		require.Contains(t, task.FailureReason, "work-x")
		require.Zero(t, task.Moved)
		m := receiveOne(t, dlq)
		require.Equal(t, "x", m.Body)
		require.Equal(t, "work-x", m.ID)

		// a destination queue that is closed fails the task the same way
		closed := newQueue(t, queue.Config{Name: "closed", Clock: clk})
		require.NoError(t, closed.Close())
		advance(clk, 30*time.Second)
		id = startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: closed})
		synctest.Wait()
		require.ErrorContains(t, errors.New(moveTask(t, dlq, id).FailureReason), queue.ErrClosed.Error())
		require.Equal(t, 1, stats(t, dlq).Visible)

		dest.set(nil, false)
		id = startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: dest})
		synctest.Wait()
		require.Equal(t, queue.MoveTaskCompleted, moveTask(t, dlq, id).Status)
		require.Equal(t, 1, dest.sentCount())
	})
}

func TestMoveTasksListsTenNewestFirst(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		var ids []string
		for range 12 {
			ids = append(ids, startMoveTask(t, dlq, queue.MoveTaskConfig{}))
			synctest.Wait()
			advance(clk, time.Minute)
		}
		tasks := dlq.MoveTasks()
		require.Len(t, tasks, queue.MaxMoveTasksListed)
		for i, task := range tasks {
			require.Equal(t, ids[11-i], task.ID)
			require.Equal(t, queue.MoveTaskCompleted, task.Status)
			require.Zero(t, task.ToMove)
			if i > 0 {
				require.Equal(t, time.Minute, tasks[i-1].StartedAt.Sub(task.StartedAt))
			}
		}
		require.ErrorIs(t, dlq.CancelMoveTask(ids[0]), queue.ErrMoveTaskNotFound, "no longer listed")
	})
}

// Close of the dead-letter queue stops a running task, waiting for the
// destination's Send to return; the task ends Failed and its goroutine is
// gone (the bubble would not end otherwise).
func TestCloseStopsMoveTask(t *testing.T) {
	for _, block := range []bool{false, true} {
		t.Run(fmt.Sprint("blocked in send: ", block), func(t *testing.T) {
			mocked(t, func(t *testing.T, clk *clock.Mock) {
				dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
				newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
				addDeadLetters(t, dlq, "work", many(5)...)
				dest := &fakeSender{block: block}

				id := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: dest, MaxMessagesPerSecond: 1})
				synctest.Wait()
				require.NoError(t, dlq.Close())
				task := moveTask(t, dlq, id)
				require.Equal(t, queue.MoveTaskFailed, task.Status, "settled when Close returns")
				require.Contains(t, task.FailureReason, "closed")
				if block {
					require.Equal(t, []error{context.Canceled}, dest.ctxErrs)
				} else {
					require.Equal(t, 1, dest.sentCount())
				}
				_, err := dlq.StartMoveTask(queue.MoveTaskConfig{})
				require.ErrorIs(t, err, queue.ErrClosed)
				require.ErrorIs(t, dlq.CancelMoveTask(id), queue.ErrClosed)
				require.NoError(t, dlq.Close(), "idempotent")
			})
		})
	}
}

func TestMoveTaskStatusString(t *testing.T) {
	for s, want := range map[queue.MoveTaskStatus]string{
		queue.MoveTaskRunning: "RUNNING", queue.MoveTaskCompleted: "COMPLETED",
		queue.MoveTaskCancelling: "CANCELLING", queue.MoveTaskCancelled: "CANCELLED",
		queue.MoveTaskFailed: "FAILED", 0: "MoveTaskStatus(0)",
	} {
		require.Equal(t, want, s.String())
	}
}

// A task racing a consumer of the dead-letter queue neither loses nor
// duplicates a message: each ends up either deleted by the consumer or in
// the destination, once.
func TestMoveTaskRacingConsumerLosesAndDuplicatesNothing(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		const n = 500
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		dest := newQueue(t, queue.Config{Name: "dest", Clock: clk})
		for i := 0; i < n; i += 10 {
			addDeadLetters(t, dlq, "work", many(n)[i:i+10]...)
		}
		consumed := make(chan []string, 1)
		go func() {
			var got []string
			for {
				msgs, err := dlq.Receive(ctx, queue.ReceiveOptions{MaxMessages: 10})
				if err != nil || len(msgs) == 0 {
					consumed <- got
					return
				}
				for _, m := range msgs {
					if dlq.Delete(ctx, m.ReceiptHandle) == nil {
						got = append(got, m.Body)
					}
				}
			}
		}()
		id := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: dest})
		synctest.Wait()
		got, moved := <-consumed, bodies(drain(t, dest))
		t.Logf("consumer deleted %d, task moved %d", len(got), len(moved))
		require.ElementsMatch(t, many(n), append(got, moved...))
		task := moveTask(t, dlq, id)
		require.Equal(t, queue.MoveTaskCompleted, task.Status)
		require.Equal(t, len(moved), task.Moved)
	})
}

// A task that cannot receive because consumers hold the dead-letter queue's
// MaxInFlight messages fails rather than waiting.
func TestMoveTaskFailsAtInFlightLimit(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk, MaxInFlight: 1})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		addDeadLetters(t, dlq, "work", "x", "y")
		receiveOne(t, dlq)
		id := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: newQueue(t, queue.Config{Name: "dest", Clock: clk})})
		synctest.Wait()
		task := moveTask(t, dlq, id)
		require.Equal(t, queue.MoveTaskFailed, task.Status)
		require.Contains(t, task.FailureReason, queue.ErrOverLimit.Error())
		require.Equal(t, queue.Stats{Visible: 1, InFlight: 1}, stats(t, dlq))
	})
}

// cancellingSender cancels its task during the first Send, then accepts.
type cancellingSender struct {
	dlq  *queue.Queue
	id   chan string
	sent atomic.Int64
}

func (c *cancellingSender) Send(context.Context, queue.SendInput) (string, error) {
	if c.sent.Add(1) == 1 {
		if err := c.dlq.CancelMoveTask(<-c.id); err != nil {
			return "", err
		}
	}
	return "id", nil
}

func (c *cancellingSender) SendBatch(context.Context, []queue.SendBatchEntry) ([]queue.SendBatchResult, error) {
	return nil, errors.New("not used")
}

// A cancel stops the task before the next message, even when the
// destination ignores the cancelled context.
func TestCancelMoveTaskStopsBeforeNextMessage(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		addDeadLetters(t, dlq, "work", many(5)...)
		cs := &cancellingSender{dlq: dlq, id: make(chan string, 1)}
		cs.id <- startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: cs})
		synctest.Wait()
		task := dlq.MoveTasks()[0]
		require.Equal(t, queue.MoveTaskCancelled, task.Status)
		require.Equal(t, 1, task.Moved)
		require.Equal(t, 4, stats(t, dlq).Visible)
	})
}

// MoveTasks may be read while a task runs.
func TestMoveTasksWhileRunning(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		dest := newQueue(t, queue.Config{Name: "dest", Clock: clk})
		addDeadLetters(t, dlq, "work", many(300)...)
		id := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: dest})
		last := 0
		for task := moveTask(t, dlq, id); task.Status == queue.MoveTaskRunning; task = moveTask(t, dlq, id) {
			require.GreaterOrEqual(t, task.Moved, last)
			last = task.Moved
		}
		require.Equal(t, 300, moveTask(t, dlq, id).Moved)
	})
}

// slowFirstSender holds its first Send until released.
type slowFirstSender struct {
	release chan struct{}
	sent    atomic.Int64
}

func (s *slowFirstSender) Send(context.Context, queue.SendInput) (string, error) {
	if s.sent.Add(1) == 1 {
		<-s.release
	}
	return "id", nil
}

func (s *slowFirstSender) SendBatch(context.Context, []queue.SendBatchEntry) ([]queue.SendBatchResult, error) {
	return nil, errors.New("not used")
}

// Time spent in a slow Send earns at most a bucket of tokens, not all the
// seconds it took.
func TestMoveTaskRateAfterSlowSend(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		addDeadLetters(t, dlq, "work", many(60)...)
		s := &slowFirstSender{release: make(chan struct{})}
		id := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: s, MaxMessagesPerSecond: 10})
		synctest.Wait()
		advance(clk, 10*time.Second)
		close(s.release)
		synctest.Wait()
		require.Equal(t, 20, moveTask(t, dlq, id).Moved, "the first 10, then one bucket of 10")
	})
}

// A message that came back while its Send was held past the 12 h hide, and
// was received by someone else, is not counted as moved (the destination
// has a copy; the dead-letter queue keeps it).
func TestMoveTaskDoesNotCountMessagesReceivedMeanwhile(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		newQueue(t, queue.Config{Name: "work", Clock: clk, Redrive: &queue.Redrive{Target: dlq}})
		addDeadLetters(t, dlq, "work", "x")
		s := &slowFirstSender{release: make(chan struct{})}
		id := startMoveTask(t, dlq, queue.MoveTaskConfig{Destination: s})
		synctest.Wait()
		advance(clk, 12*time.Hour)
		m := receiveOne(t, dlq)
		close(s.release)
		synctest.Wait()
		require.Equal(t, 0, moveTask(t, dlq, id).Moved)
		require.NoError(t, dlq.Delete(ctx, m.ReceiptHandle))
		require.Equal(t, queue.Stats{}, stats(t, dlq), "the consumer's delete still works")
	})
}

func TestStartMoveTaskRejectsNilPointerDestination(t *testing.T) {
	dlq := newQueue(t, queue.Config{Name: "dlq"})
	newQueue(t, queue.Config{Name: "work", Redrive: &queue.Redrive{Target: dlq}})
	var d *queue.Queue
	_, err := dlq.StartMoveTask(queue.MoveTaskConfig{Destination: d})
	require.ErrorIs(t, err, queue.ErrInvalidParameter)
	require.Empty(t, dlq.MoveTasks())
}
