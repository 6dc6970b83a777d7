package queue

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/internal/engine"
)

// MoveTaskStatus is the state of a message move task.
type MoveTaskStatus int

const (
	MoveTaskRunning    MoveTaskStatus = iota + 1 // moving messages
	MoveTaskCompleted                            // the queue had no visible message left
	MoveTaskCancelling                           // CancelMoveTask was called; the task stops after the message it is moving
	MoveTaskCancelled                            // stopped by CancelMoveTask
	MoveTaskFailed                               // stopped by a message it could not move, or by Close; see FailureReason
)

// String returns the status as SQS spells it ("RUNNING", …).
func (s MoveTaskStatus) String() string {
	switch s {
	case MoveTaskRunning:
		return "RUNNING"
	case MoveTaskCompleted:
		return "COMPLETED"
	case MoveTaskCancelling:
		return "CANCELLING"
	case MoveTaskCancelled:
		return "CANCELLED"
	case MoveTaskFailed:
		return "FAILED"
	}
	return fmt.Sprintf("MoveTaskStatus(%d)", int(s))
}

// MoveTaskConfig describes a message move task (SQS StartMessageMoveTask).
type MoveTaskConfig struct {
	// Destination receives the messages. Nil means each message's original
	// source queue: the open queue made with this one as its
	// Redrive.Target whose name is the message's DeadLetterSource.
	Destination Sender

	// MaxMessagesPerSecond caps the rate of the move: 1–500. Zero means as
	// fast as the queues take them.
	MaxMessagesPerSecond int
}

// MoveTask reports a message move task (an entry of SQS
// ListMessageMoveTasks).
type MoveTask struct {
	ID     string // returned by StartMoveTask (SQS TaskHandle)
	Status MoveTaskStatus

	// Destination is the destination's name (its Name method, else its Go
	// type); "" when the task sends each message back to its source.
	Destination string

	MaxMessagesPerSecond int       // 0 = no limit
	Moved                int       // messages moved so far (ApproximateNumberOfMessagesMoved)
	ToMove               int       // visible messages when the task started (ApproximateNumberOfMessagesToMove)
	StartedAt            time.Time // on the queue's clock
	FailureReason        string    // why a Failed task stopped
}

// moveTask is a task and the handles of its goroutine.
type moveTask struct {
	info   MoveTask           // guarded by Queue.mu
	dest   Sender             // nil: each message's source; immutable
	cancel context.CancelFunc // stops the goroutine; immutable
	done   chan struct{}      // closed when the goroutine has returned
}

func (t *moveTask) active() bool {
	return t.info.Status == MoveTaskRunning || t.info.Status == MoveTaskCancelling
}

// moveVisibility hides the messages a task has received while it sends
// them. The task always deletes or releases them before it waits, so the
// value matters only if a destination blocks for this long.
const moveVisibility = MaxVisibilityTimeout

// StartMoveTask starts moving this dead-letter queue's messages to
// cfg.Destination, or each back to its source queue when that is nil, and
// returns the task's ID. It does not block: a goroutine moves the messages
// until the queue has no visible message left, then exits; MoveTasks
// reports its progress.
//
// For each message the task receives it sends a new message with the same
// body and attributes (a new ID, sent now, its receive count at 0, with the
// destination's own Delay), then deletes the original: only after the
// destination accepted it, and never holding a lock while calling it. A
// message the task cannot move (the destination returns an error, or its
// source queue is closed or unknown) stops the task as Failed, with the
// reason; that message and the ones the task had received with it are
// visible again at once, their receive counts one higher. Messages in
// flight or delayed when the task looks are not waited for; messages that
// arrive while it runs are moved if it finds them visible.
//
// The queue must be a dead-letter queue (ErrNotDeadLetterQueue) with no
// task running or cancelling (ErrMoveTaskRunning). MaxMessagesPerSecond
// out of 0–500, or a Destination that is this queue or a nil pointer, return
// ErrInvalidParameter. After Close it returns ErrClosed. On any error no
// task starts.
func (q *Queue) StartMoveTask(cfg MoveTaskConfig) (string, error) {
	rate := cfg.MaxMessagesPerSecond
	if rate < 0 || rate > MaxMoveMessagesPerSecond {
		return "", q.errorf("start move task", fmt.Errorf("%w: MaxMessagesPerSecond = %d, want 0–500", ErrInvalidParameter, rate))
	}
	if v := reflect.ValueOf(cfg.Destination); cfg.Destination != nil && v.Kind() == reflect.Pointer && v.IsNil() {
		return "", q.errorf("start move task", fmt.Errorf("%w: Destination is a nil %T", ErrInvalidParameter, cfg.Destination))
	}
	if d, ok := cfg.Destination.(*Queue); ok && d == q {
		return "", q.errorf("start move task", fmt.Errorf("%w: Destination is the dead-letter queue itself", ErrInvalidParameter))
	}
	dest := destinationName(cfg.Destination) // before the lock: it may call the destination
	now := q.cfg.Clock.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return "", q.errorf("start move task", ErrClosed)
	}
	if !q.deadLetter {
		return "", q.errorf("start move task", ErrNotDeadLetterQueue)
	}
	if t := q.activeTaskLocked(); t != nil {
		return "", q.errorf("start move task", fmt.Errorf("%w: %s", ErrMoveTaskRunning, t.info.ID))
	}
	s, err := q.eng.Stats()
	if err != nil {
		return "", q.errorf("start move task", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &moveTask{
		info: MoveTask{
			ID:                   engine.NewID(),
			Status:               MoveTaskRunning,
			Destination:          dest,
			MaxMessagesPerSecond: rate,
			ToMove:               s.Visible,
			StartedAt:            now,
		},
		dest:   cfg.Destination,
		cancel: cancel,
		done:   make(chan struct{}),
	}
	if len(q.tasks) == MaxMoveTasksListed {
		copy(q.tasks, q.tasks[1:])
		q.tasks[len(q.tasks)-1] = nil
		q.tasks = q.tasks[:len(q.tasks)-1]
	}
	q.tasks = append(q.tasks, t)
	go q.runMoveTask(ctx, t)
	return t.info.ID, nil
}

func destinationName(s Sender) string {
	switch d := s.(type) {
	case nil:
		return ""
	case interface{ Name() string }:
		return d.Name()
	}
	return fmt.Sprintf("%T", s)
}

// activeTaskLocked returns the task running or cancelling, or nil. Only the
// newest task can be: no task starts while another is active.
func (q *Queue) activeTaskLocked() *moveTask {
	if n := len(q.tasks); n > 0 && q.tasks[n-1].active() {
		return q.tasks[n-1]
	}
	return nil
}

// CancelMoveTask asks the running task id to stop and returns at once: the
// task is Cancelling until it has finished the message it is moving (the
// destination's Send gets a cancelled context), then Cancelled. Messages
// already moved stay moved. A task that is not running returns
// ErrMoveTaskNotRunning; an ID not among MoveTasks, ErrMoveTaskNotFound;
// after Close, ErrClosed.
func (q *Queue) CancelMoveTask(id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return q.errorf("cancel move task", ErrClosed)
	}
	for _, t := range q.tasks {
		if t.info.ID != id {
			continue
		}
		if t.info.Status != MoveTaskRunning {
			return q.errorf("cancel move task", fmt.Errorf("%w: %s is %v", ErrMoveTaskNotRunning, id, t.info.Status))
		}
		t.info.Status = MoveTaskCancelling
		t.cancel()
		return nil
	}
	return q.errorf("cancel move task", fmt.Errorf("%w: %q", ErrMoveTaskNotFound, id))
}

// MoveTasks returns the queue's latest move tasks, at most 10, newest
// first, as they are at the moment of the call. It does not block, and
// still reports the tasks after Close. The slice belongs to the caller.
func (q *Queue) MoveTasks() []MoveTask {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]MoveTask, len(q.tasks))
	for i, t := range q.tasks {
		out[len(out)-1-i] = t.info
	}
	return out
}

// outcome is how a task's loop ended.
type outcome int

const (
	drained outcome = iota // no visible message left
	stopped                // cancelled, or the queue closed
	failed                 // a message could not be moved
)

// runMoveTask is a task's goroutine.
func (q *Queue) runMoveTask(ctx context.Context, t *moveTask) {
	defer close(t.done)
	defer t.cancel()
	out, reason := q.moveMessages(ctx, t)
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case out == failed:
		t.info.Status, t.info.FailureReason = MoveTaskFailed, reason
	case t.info.Status == MoveTaskCancelling: // even if it drained the queue meanwhile
		t.info.Status = MoveTaskCancelled
	case out == drained:
		t.info.Status = MoveTaskCompleted
	default: // stopped by Close
		t.info.Status, t.info.FailureReason = MoveTaskFailed, "the dead-letter queue was closed"
	}
}

// moveMessages moves messages, at most a receive's worth at a time and no
// faster than the task's rate, until none is visible, the task is stopped
// or a message cannot be moved (the reason says which and why).
func (q *Queue) moveMessages(ctx context.Context, t *moveTask) (outcome, string) {
	clk := q.cfg.Clock
	var lim *moveLimiter
	if r := t.info.MaxMessagesPerSecond; r > 0 {
		lim = newMoveLimiter(r, clk.Now())
	}
	var timer *clock.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	msgs := make([]Message, 0, MaxMessagesPerReceive)
	for {
		if ctx.Err() != nil {
			return stopped, ""
		}
		n, now := MaxMessagesPerReceive, time.Time{}
		if lim != nil {
			now = clk.Now()
			if n = lim.tokens(now); n <= 0 {
				if timer == nil {
					timer = clk.Timer(lim.wait(now))
				} else {
					timer.Reset(lim.wait(now))
				}
				select {
				case <-timer.C:
				case <-ctx.Done():
					return stopped, ""
				}
				continue
			}
		}
		var err error
		msgs, err = q.eng.Receive(ctx, n, moveVisibility, 0, msgs[:0])
		switch {
		case ctx.Err() != nil || errors.Is(err, ErrClosed):
			q.release(msgs)
			return stopped, ""
		case err != nil: // ErrOverLimit: consumers hold MaxInFlight messages
			return failed, "receive: " + err.Error()
		case len(msgs) == 0:
			return drained, ""
		}
		moved, out, reason := q.moveBatch(ctx, t, msgs)
		if lim != nil {
			lim.take(now, moved)
		}
		if moved < len(msgs) {
			return out, reason
		}
	}
}

// moveBatch sends each message to its destination and deletes it, in
// order, until one fails or the task is stopped; the messages not moved are
// made visible again. It returns how many it moved and, if not all, why.
func (q *Queue) moveBatch(ctx context.Context, t *moveTask, msgs []Message) (int, outcome, string) {
	for i, m := range msgs {
		if ctx.Err() != nil {
			q.release(msgs[i:])
			return i, stopped, ""
		}
		dest := t.dest
		if dest == nil {
			src := q.source(m.DeadLetterSource)
			if src == nil {
				q.release(msgs[i:])
				return i, failed, fmt.Sprintf("message %s: source queue %q is not open (closed, or never made with this queue as its dead-letter queue)", m.ID, m.DeadLetterSource)
			}
			dest = src
		}
		if _, err := dest.Send(ctx, SendInput{Body: m.Body, Attributes: m.Attributes}); err != nil {
			q.release(msgs[i:])
			if ctx.Err() != nil {
				return i, stopped, ""
			}
			return i, failed, fmt.Sprintf("message %s: %v", m.ID, err)
		}
		// A delete that deletes nothing means the message came back and
		// was received meanwhile (a Send that outlasted the 12 h hide) or
		// the queue closed: the destination has a copy, but it was not
		// moved. An error is only ever ErrClosed.
		if gone, _ := q.eng.DeleteFound(m.ReceiptHandle); gone.Body != "" {
			q.mu.Lock()
			t.info.Moved++
			q.mu.Unlock()
		}
	}
	return len(msgs), drained, ""
}

// release makes messages a task received but did not move visible again.
// It fails only once the queue is closed, when they are gone anyway.
func (q *Queue) release(msgs []Message) {
	for _, m := range msgs {
		_ = q.eng.ChangeVisibility(m.ReceiptHandle, 0)
	}
}

// moveLimiter is a token bucket on the queue's clock: a task may move up to
// burst messages at once and earns one more every interval, so that in any
// span d it moves at most burst + d/interval.
type moveLimiter struct {
	interval time.Duration // 1 s / rate, rounded up
	burst    int           // min(rate, 10): at most one receive's worth
	empty    time.Time     // when the bucket was empty, given what was taken
}

func newMoveLimiter(rate int, now time.Time) *moveLimiter {
	l := &moveLimiter{
		interval: (time.Second + time.Duration(rate) - 1) / time.Duration(rate),
		burst:    min(rate, MaxMessagesPerReceive),
	}
	l.empty = now.Add(-time.Duration(l.burst) * l.interval) // full
	return l
}

// tokens returns how many messages may move at now (0 or fewer: none).
func (l *moveLimiter) tokens(now time.Time) int {
	return int(min(now.Sub(l.empty)/l.interval, time.Duration(l.burst)))
}

// take spends n of the tokens available at now.
func (l *moveLimiter) take(now time.Time, n int) {
	if full := now.Add(-time.Duration(l.burst) * l.interval); l.empty.Before(full) {
		l.empty = full
	}
	l.empty = l.empty.Add(time.Duration(n) * l.interval)
}

// wait returns how long after now the bucket is full again: the task
// sleeps until it can move a whole burst.
func (l *moveLimiter) wait(now time.Time) time.Duration {
	return l.empty.Add(time.Duration(l.burst) * l.interval).Sub(now)
}
