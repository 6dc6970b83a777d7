package fifo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stratus-go/stratus/internal/engine"
	"github.com/stratus-go/stratus/internal/sqsmsg"
)

// attempt is what a receive with an attempt ID returned, kept so that a
// retry returns the same: the handles only, so that the window does not
// keep the messages' bodies alive.
type attempt struct {
	handles []string
}

// Receive returns up to opts.MaxMessages messages and hides them, and with
// them the rest of their groups, for the visibility timeout. It takes the
// first message of the group that has waited longest, then as many more of
// that group as fit, in order, before it moves on to the next group; a group
// with a message in flight gives nothing until that message is deleted or
// visible again, so each group is processed in order, one receive at a
// time.
//
// With a wait time (the call's, else the queue's ReceiveWaitTime) it long
// polls: when no message can be received it blocks until one can (a send, a
// delay or visibility timeout ending, a group set free by a delete), the
// wait runs out (an empty result, no error), ctx is done (ctx.Err(),
// unwrapped) or the queue is closed (ErrClosed). Without one it returns at
// once, possibly empty. A queue holding MaxInFlight messages in flight
// returns nothing, without an error, as SQS FIFO queues do.
//
// With opts.AttemptID it may return the result of an earlier receive; see
// ReceiveOptions. Parameters out of range return ErrInvalidParameter or
// ErrInvalidID; over the quota, a *ThrottleError. The returned slice and its
// attribute maps belong to the caller.
func (q *Queue) Receive(ctx context.Context, opts ReceiveOptions) ([]Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := q.quotas.allow(actionReceive, q.cfg.Clock); err != nil {
		return nil, q.errorf("receive", err)
	}
	max, vis, wait, err := q.receiveParams(opts)
	if err != nil {
		return nil, q.errorf("receive", err)
	}
	if opts.AttemptID != "" {
		msgs, ok, err := q.retry(opts.AttemptID, vis)
		if err != nil || ok {
			return msgs, err
		}
	}
	msgs, err := q.eng.Receive(ctx, max, vis, wait, make([]Message, 0, max))
	switch {
	case errors.Is(err, engine.ErrOverLimit):
		return msgs, nil
	case err != nil && err == ctx.Err():
		return nil, err
	case err != nil:
		return msgs, q.errorf("receive", err)
	}
	if opts.AttemptID != "" && len(msgs) > 0 {
		q.remember(opts.AttemptID, msgs)
	}
	return msgs, nil
}

func (q *Queue) receiveParams(o ReceiveOptions) (max int, vis, wait time.Duration, err error) {
	if o.AttemptID != "" && !validID(o.AttemptID) {
		return 0, 0, 0, fmt.Errorf("%w: AttemptID %q", ErrInvalidID, o.AttemptID)
	}
	return sqsmsg.ReceiveParams(o.MaxMessages, o.VisibilityTimeout, o.WaitTime, q.cfg.VisibilityTimeout, q.cfg.ReceiveWaitTime)
}

// retry returns the messages of the receive named id, hidden again for vis
// (at most 12 hours from that receive), when that receive was less than
// AttemptWindow ago and all its messages are still in flight under it,
// unchanged. ok is false otherwise, and the
// caller receives afresh.
func (q *Queue) retry(id string, vis time.Duration) (msgs []Message, ok bool, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, false, q.errorf("receive", ErrClosed)
	}
	now := q.cfg.Clock.Now()
	q.attempts.expire(now)
	a, found := q.attempts.get(id, now)
	if !found {
		return nil, false, nil
	}
	msgs, extended, err := q.eng.Extend(a.handles, vis, make([]Message, 0, len(a.handles)))
	if err != nil {
		return nil, false, q.errorf("receive", err)
	}
	if !extended {
		q.attempts.remove(id)
		return nil, false, nil
	}
	return msgs, true, nil
}

// remember keeps what a receive with attempt ID id returned.
func (q *Queue) remember(id string, msgs []Message) {
	a := &attempt{handles: make([]string, len(msgs))}
	for i, m := range msgs {
		a.handles[i] = m.ReceiptHandle
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.cfg.Clock.Now()
	q.attempts.expire(now)
	q.attempts.put(id, a, now)
}
