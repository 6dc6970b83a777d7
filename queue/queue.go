package queue

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/stratus-go/stratus/internal/engine"
	"github.com/stratus-go/stratus/internal/sqsmsg"
)

// Sender is what a producer needs: pubsub delivers into queues through it.
type Sender interface {
	Send(ctx context.Context, in SendInput) (string, error)
	SendBatch(ctx context.Context, entries []SendBatchEntry) ([]SendBatchResult, error)
}

// Receiver is what a consumer needs.
type Receiver interface {
	Receive(ctx context.Context, opts ReceiveOptions) ([]Message, error)
	Delete(ctx context.Context, receiptHandle string) error
	ChangeVisibility(ctx context.Context, receiptHandle string, timeout time.Duration) error
}

var (
	_ Sender           = (*Queue)(nil)
	_ Receiver         = (*Queue)(nil)
	_ DeadLetterTarget = (*Queue)(nil)
)

// meta is what the engine stores with a message besides its body: 24
// bytes per message.
type meta struct {
	attrs  map[string]Attribute // nil when the message has none
	source string               // for a dead letter, its source queue's name; else ""
}

// Queue is a standard queue. Make one with New. All methods are safe for
// concurrent use.
type Queue struct {
	cfg resolved // immutable after New
	eng *engine.Engine[meta, Message]

	// mu guards the fields below. It may be held while taking the engine's
	// lock (never the other way round), and is never held while calling
	// another queue or a move task's destination.
	mu         sync.Mutex
	lastPurge  time.Time           // zero before the first purge
	closed     bool                // Close has been called
	deadLetter bool                // some queue was made with this one as its Redrive.Target
	sources    map[string][]*Queue // open queues whose Redrive.Target is this one, by name, oldest first
	tasks      []*moveTask         // the latest MaxMoveTasksListed move tasks, oldest first
}

// New makes a queue from cfg; see Config for the defaults. It returns an
// error wrapping ErrInvalidConfig that names the field, the value and the
// allowed range, or ErrRedriveNotAllowed when the dead-letter target refuses
// this queue.
func New(cfg Config) (*Queue, error) {
	r, err := resolve(cfg)
	if err != nil {
		return nil, fmt.Errorf("queue %q: new: %w", cfg.Name, err)
	}
	if r.Redrive != nil && !r.Redrive.Target.AllowsRedriveFrom(r.Name) {
		return nil, fmt.Errorf("queue %q: new: %w", r.Name, ErrRedriveNotAllowed)
	}
	q := &Queue{cfg: r}
	ec := engine.Config[meta, Message]{
		Clock:       r.Clock,
		Retention:   r.Retention,
		MaxInFlight: r.MaxInFlight,
		Deliver:     deliver,
	}
	if r.Redrive != nil {
		ec.MaxReceiveCount = r.maxReceiveCount
		ec.DeadLetter = q.moveToDeadLetter
	}
	q.eng = engine.New(ec)
	if dlq := q.deadLetterQueue(); dlq != nil {
		dlq.addSource(q)
	}
	return q, nil
}

// deliver makes the caller's copy of a record taken by a receive.
func deliver(r *engine.Record[meta], handle string) Message {
	m := r.Meta()
	return Message{
		ID:               r.ID(),
		Body:             r.Body(),
		Attributes:       sqsmsg.CopyAttributes(m.attrs),
		ReceiptHandle:    handle,
		ReceiveCount:     r.ReceiveCount(),
		SentAt:           r.SentAt(),
		FirstReceivedAt:  r.FirstReceivedAt(),
		DeadLetterSource: m.source,
	}
}

// Name returns the queue's name.
func (q *Queue) Name() string { return q.cfg.Name }

func (q *Queue) errorf(op string, err error) error {
	return fmt.Errorf("queue %q: %s: %w", q.cfg.Name, op, err)
}

// prepare validates one message and turns it into an engine item; it
// returns the message's size.
func (q *Queue) prepare(in SendInput) (engine.Item[meta], int, error) {
	delay := q.cfg.Delay
	if in.Delay != nil {
		delay = *in.Delay
		if delay < 0 || delay > MaxDelay {
			return engine.Item[meta]{}, 0, fmt.Errorf("%w: Delay = %v, want 0s–15m", ErrInvalidParameter, delay)
		}
	}
	size, err := sqsmsg.CheckMessage(in.Body, in.Attributes, q.cfg.MaxMessageSize)
	if err != nil {
		return engine.Item[meta]{}, 0, err
	}
	return engine.Item[meta]{Body: in.Body, Meta: meta{attrs: sqsmsg.CopyAttributes(in.Attributes)}, Delay: delay}, size, nil
}

// Send adds a message and returns its ID, a random UUID. It does not block.
// Bad input returns ErrEmptyBody, ErrInvalidMessageContents,
// ErrMessageTooLarge, ErrInvalidAttribute or ErrInvalidParameter (a delay
// out of range), wrapped, and stores nothing; after Close it returns
// ErrClosed.
func (q *Queue) Send(ctx context.Context, in SendInput) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	in, obj, err := q.offload(in)
	if err != nil {
		return "", q.errorf("send", err)
	}
	it, _, err := q.prepare(in)
	if err != nil {
		return "", q.errorf("send", err)
	}
	if err := q.store(ctx, obj); err != nil {
		return "", q.errorf("send", err)
	}
	id, err := q.eng.Send(it)
	if err != nil {
		q.unstore(obj)
		return "", q.errorf("send", err)
	}
	return id, nil
}

// SendBatch sends up to 10 messages, in order, and reports on each in the
// result at the same index: a bad entry fails alone. The request as a whole
// fails, sending nothing, for no entries (ErrEmptyBatch), more than 10
// (ErrTooManyEntries), a bad or repeated entry ID (ErrInvalidBatchEntryID,
// ErrBatchEntryIDsNotDistinct), messages larger together than
// MaxMessageSize (ErrBatchTooLong), or after Close (ErrClosed). It does not
// block.
func (q *Queue) SendBatch(ctx context.Context, entries []SendBatchEntry) ([]SendBatchResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := sqsmsg.CheckBatch(entries, func(e *SendBatchEntry) string { return e.ID }); err != nil {
		return nil, q.errorf("send batch", err)
	}
	results := make([]SendBatchResult, len(entries))
	items := make([]engine.Item[meta], 0, len(entries))
	ok := make([]int, 0, len(entries)) // index in entries of each item
	var objs []*object                 // with LargePayload: the object of each item, or nil
	total := 0
	for i, e := range entries {
		results[i].ID = e.ID
		in, obj, err := q.offload(e.SendInput)
		var it engine.Item[meta]
		var size int
		if err == nil {
			it, size, err = q.prepare(in)
		}
		if err != nil {
			results[i].Err = q.errorf("send batch: entry "+e.ID, err)
			continue
		}
		total += size
		items = append(items, it)
		ok = append(ok, i)
		if q.cfg.LargePayload != nil {
			objs = append(objs, obj)
		}
	}
	if total > q.cfg.MaxMessageSize {
		return nil, q.errorf("send batch", fmt.Errorf("%w: %d bytes in all, at most %d", ErrBatchTooLong, total, q.cfg.MaxMessageSize))
	}
	items, ok, objs = q.storeAll(ctx, items, ok, objs, results)
	if len(items) > 0 {
		ids := make([]string, len(items))
		if err := q.eng.SendBatch(items, ids, nil); err != nil {
			for _, obj := range objs {
				q.unstore(obj)
			}
			return nil, q.errorf("send batch", err)
		}
		for j, i := range ok {
			results[i].MessageID = ids[j]
		}
	}
	return results, nil
}

// Receive returns up to opts.MaxMessages visible messages and hides them for
// the visibility timeout. With a wait time (the call's, else the queue's
// ReceiveWaitTime) it long polls: when no message is visible it blocks until
// one is sent, a delay or a visibility timeout ends, the wait runs out (an
// empty result, no error), ctx is done (ctx.Err(), unwrapped) or the queue
// is closed (ErrClosed). Without one it returns at once, possibly empty.
// Every visible message is considered (no sampling). A short poll while
// MaxInFlight messages are in flight returns ErrOverLimit; a long poll
// waits. Parameters out of range return ErrInvalidParameter. The returned
// slice and its attribute maps belong to the caller.
func (q *Queue) Receive(ctx context.Context, opts ReceiveOptions) ([]Message, error) {
	max, vis, wait, err := q.receiveParams(opts)
	if err != nil {
		return nil, q.errorf("receive", err)
	}
	msgs, err := q.eng.Receive(ctx, max, vis, wait, make([]Message, 0, max))
	if err != nil {
		if err == ctx.Err() {
			return nil, err
		}
		return msgs, q.errorf("receive", err)
	}
	if q.cfg.LargePayload != nil {
		q.resolve(ctx, msgs)
	}
	return msgs, nil
}

func (q *Queue) receiveParams(o ReceiveOptions) (max int, vis, wait time.Duration, err error) {
	return sqsmsg.ReceiveParams(o.MaxMessages, o.VisibilityTimeout, o.WaitTime, q.cfg.VisibilityTimeout, q.cfg.ReceiveWaitTime)
}

// Delete deletes the message received with receiptHandle, whether its
// visibility timeout has run out or not, as long as it has not been received
// again since: the handle of an earlier receive deletes nothing and returns
// nil, as SQS does. Deleting a message that is already gone returns nil. A
// handle this queue never issued returns ErrReceiptHandleInvalid. It does
// not block.
func (q *Queue) Delete(ctx context.Context, receiptHandle string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if q.cfg.LargePayload == nil {
		if err := q.eng.Delete(receiptHandle); err != nil {
			return q.errorf("delete", err)
		}
		return nil
	}
	h := stripHandle(receiptHandle)
	gone, err := q.eng.DeleteFound(h)
	if err == nil {
		err = q.dropObject(ctx, gone)
	}
	if err != nil {
		return q.errorf("delete", err)
	}
	return nil
}

// DeleteBatch deletes up to 10 messages; each entry's outcome is the one
// Delete would give, in the result at its index. Whole-request errors are
// those of SendBatch (ErrEmptyBatch, ErrTooManyEntries,
// ErrInvalidBatchEntryID, ErrBatchEntryIDsNotDistinct, ErrClosed).
func (q *Queue) DeleteBatch(ctx context.Context, entries []DeleteBatchEntry) ([]BatchResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := sqsmsg.CheckBatch(entries, func(e *DeleteBatchEntry) string { return e.ID }); err != nil {
		return nil, q.errorf("delete batch", err)
	}
	var buf [MaxBatchEntries]string
	var errs [MaxBatchEntries]error
	hs := buf[:len(entries)]
	var gone [MaxBatchEntries]engine.Deleted[meta]
	for i, e := range entries {
		hs[i] = e.ReceiptHandle
		if q.cfg.LargePayload != nil {
			hs[i] = stripHandle(hs[i])
		}
	}
	if err := q.eng.DeleteBatchFound(hs, errs[:len(entries)], gone[:len(entries)]); err != nil {
		return nil, q.errorf("delete batch", err)
	}
	results := make([]BatchResult, len(entries))
	for i, e := range entries {
		results[i].ID = e.ID
		if errs[i] == nil && q.cfg.LargePayload != nil {
			errs[i] = q.dropObject(ctx, gone[i])
		}
		if errs[i] != nil {
			results[i].Err = q.errorf("delete batch: entry "+e.ID, errs[i])
		}
	}
	return results, nil
}

// ChangeVisibility hides the in-flight message of receiptHandle for timeout
// (0–12 h) from now, replacing its current timeout; 0 makes it visible at
// once. The change applies to this receipt only: the next receive uses the
// queue's or the call's timeout again. The message may stay hidden at most
// 12 hours from the receive that issued the handle; beyond that the call
// returns ErrVisibilityTooLong and changes nothing. Other errors:
// ErrMessageNotInFlight, ErrReceiptHandleExpired, ErrReceiptHandleInvalid,
// ErrInvalidParameter, ErrClosed. It does not block.
func (q *Queue) ChangeVisibility(ctx context.Context, receiptHandle string, timeout time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sqsmsg.CheckVisibility(timeout); err != nil {
		return q.errorf("change visibility", err)
	}
	if q.cfg.LargePayload != nil {
		receiptHandle = stripHandle(receiptHandle)
	}
	if err := q.eng.ChangeVisibility(receiptHandle, timeout); err != nil {
		return q.errorf("change visibility", err)
	}
	return nil
}

// ChangeVisibilityBatch changes up to 10 visibility timeouts; each entry's
// outcome is the one ChangeVisibility would give, in the result at its
// index. Whole-request errors are those of DeleteBatch.
func (q *Queue) ChangeVisibilityBatch(ctx context.Context, entries []ChangeVisibilityBatchEntry) ([]BatchResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := sqsmsg.CheckBatch(entries, func(e *ChangeVisibilityBatchEntry) string { return e.ID }); err != nil {
		return nil, q.errorf("change visibility batch", err)
	}
	results := make([]BatchResult, len(entries))
	var hs []string
	var vis []time.Duration
	var idx []int
	for i, e := range entries {
		results[i].ID = e.ID
		if err := sqsmsg.CheckVisibility(e.VisibilityTimeout); err != nil {
			results[i].Err = q.errorf("change visibility batch: entry "+e.ID, err)
			continue
		}
		h := e.ReceiptHandle
		if q.cfg.LargePayload != nil {
			h = stripHandle(h)
		}
		hs = append(hs, h)
		vis = append(vis, e.VisibilityTimeout)
		idx = append(idx, i)
	}
	errs := make([]error, len(hs))
	if err := q.eng.ChangeVisibilityBatch(hs, vis, errs); err != nil {
		return nil, q.errorf("change visibility batch", err)
	}
	for j, i := range idx {
		if errs[j] != nil {
			results[i].Err = q.errorf("change visibility batch: entry "+entries[i].ID, errs[j])
		}
	}
	return results, nil
}

// Purge deletes every message in the queue, in flight or not, at once. A
// second Purge within 60 seconds (on the queue's clock) returns
// ErrPurgeInProgress, as SQS does. It does not block.
func (q *Queue) Purge(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if q.eng.Closed() {
		return q.errorf("purge", ErrClosed)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.cfg.Clock.Now()
	if !q.lastPurge.IsZero() && now.Sub(q.lastPurge) < time.Minute {
		return q.errorf("purge", ErrPurgeInProgress)
	}
	if err := q.eng.Purge(); err != nil {
		return q.errorf("purge", err)
	}
	q.lastPurge = now
	return nil
}

// Stats are the queue's CloudWatch-style figures.
type Stats struct {
	Visible            int           // ApproximateNumberOfMessagesVisible
	InFlight           int           // ApproximateNumberOfMessagesNotVisible
	Delayed            int           // ApproximateNumberOfMessagesDelayed
	AgeOfOldestMessage time.Duration // ApproximateAgeOfOldestMessage; 0 when empty

	// WaitingReceives is how many Receive calls are blocked in a long poll
	// (no CloudWatch metric has it). A test on a mock clock can wait for it
	// to be non-zero before moving the clock, so that the wait it means to
	// end has begun.
	WaitingReceives int
}

// Stats reports the queue's counts, exact at the moment of the call. After
// Close it returns ErrClosed.
func (q *Queue) Stats() (Stats, error) {
	s, err := q.eng.Stats()
	if err != nil {
		return Stats{}, q.errorf("stats", err)
	}
	return Stats{
		Visible: s.Visible, InFlight: s.InFlight, Delayed: s.Delayed,
		AgeOfOldestMessage: s.OldestAge, WaitingReceives: s.Waiting,
	}, nil
}

// Close drops every message, wakes every blocked Receive with ErrClosed and
// stops the queue's timer; later calls return ErrClosed. A running move
// task stops (it ends Failed, or Cancelled if it was cancelling) and Close waits for its goroutine, which
// returns as soon as the Send it may be in returns (that Send's context is
// cancelled). A source queue stops being one of its dead-letter queue's
// sources. It is idempotent and always returns nil.
func (q *Queue) Close() error {
	q.mu.Lock()
	first := !q.closed
	q.closed = true
	t := q.activeTaskLocked()
	if t != nil {
		t.cancel()
	}
	q.mu.Unlock()
	q.eng.Close()
	if t != nil {
		<-t.done
	}
	if dlq := q.deadLetterQueue(); first && dlq != nil {
		dlq.removeSource(q)
	}
	return nil
}
