package pubsub

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/stratus-go/stratus/queue"
)

// queueBatch is how many deliveries a worker takes from a queue
// subscription at a time (one at a time from the others, so that a slow
// endpoint holds one worker per delivery).
const queueBatch = 64

// The topic's worker pools, by the endpoints they serve.
const (
	queuePool    = iota // sqs
	functionPool        // lambda: AWS-managed, like queues, but as slow as the user's code
	customerPool        // http, https, email, email-json, sms, application
	pools
)

// poolFor is the pool of a protocol's subscriptions.
func poolFor(p Protocol) int {
	switch p {
	case ProtocolSQS:
		return queuePool
	case ProtocolLambda:
		return functionPool
	}
	return customerPool
}

// pool is a set of workers and the subscriptions ready for them, in turn.
// Its fields are guarded by the topic's mu.
type pool struct {
	ready  deque[*Subscription]
	cond   sync.Cond
	idle   int // workers waiting on cond
	waking int // of those, how many a Signal is waking already
}

// kickLocked brings a subscription's bookkeeping up to date after any
// change: whether it counts as active for Flush, and whether a worker
// should take it up.
func (t *Topic) kickLocked(s *Subscription) {
	// A removed subscription stays busy while a delivery of it runs:
	// Flush waits for it, and its outcome is counted.
	busy := s.inflight > 0 || (!s.removed && s.q.len() > 0 && !s.blocked)
	if busy != s.busy {
		s.busy = busy
		if busy {
			t.active++
		} else if t.active--; t.active == 0 {
			t.wakeFlushersLocked()
		}
	}
	if !s.inReady && !s.removed && !s.blocked && s.q.len() > 0 && s.inflight+s.lingering < s.cfg.MaxConcurrency {
		s.inReady = true
		s.pool.ready.pushBack(s)
		if p := s.pool; p.idle > p.waking {
			p.waking++
			p.cond.Signal()
		}
	}
}

// outcome is the result of one delivery of a batch.
type outcome struct {
	w   work
	err error
	// final: given up on (dead-lettered or dropped already); dl: sent to
	// the dead-letter queue.
	final, dl bool
}

// work is a worker's loop: take a ready subscription, deliver a batch of
// its queue without the lock, record the outcomes.
func (t *Topic) work(p *pool) {
	defer t.wg.Done()
	var batch []work
	var outs []outcome
	d := new(delivery) // reused: one allocation per worker, not per delivery
	t.mu.Lock()
	for {
		for !t.closed && p.ready.len() == 0 {
			p.idle++
			p.cond.Wait()
			p.idle--
			if p.waking > 0 {
				p.waking--
			}
		}
		if t.closed {
			t.mu.Unlock()
			return
		}
		s := p.ready.popFront()
		s.inReady = false
		if s.removed {
			continue // unsubscribed while it waited for a worker
		}
		n := 1
		if s.pool == &t.pools[queuePool] {
			n = min(queueBatch, s.q.len())
		}
		if s.limiter != nil && !t.throttleLocked(s) {
			continue
		}
		batch = t.takeLocked(s, n, batch[:0])
		if len(batch) == 0 {
			t.kickLocked(s)
			continue // all set aside behind their groups' retries
		}
		s.inflight++
		s.running += len(batch)
		t.kickLocked(s)
		t.mu.Unlock()

		outs = t.deliverBatch(d, s, batch, outs[:0])

		t.mu.Lock()
		s.inflight--
		s.running -= len(batch)
		t.recordLocked(s, batch, outs)
		t.kickLocked(s)
		clear(batch)
		clear(outs)
	}
}

// takeLocked takes up to n deliveries from the front of s's queue. On a
// FIFO topic a delivery of a group waiting for a retry is set aside behind
// it instead, in order.
func (t *Topic) takeLocked(s *Subscription, n int, batch []work) []work {
	for len(batch) < n && s.q.len() > 0 {
		w := s.q.popFront()
		if len(s.held) > 0 && w.m != nil {
			if h := s.held[w.m.group]; h != nil {
				h.pushBack(w)
				s.heldN++
				continue
			}
		}
		batch = append(batch, w)
	}
	return batch
}

// throttleLocked takes a token of the subscription's MaxReceivesPerSecond
// bucket, or blocks the subscription until there is one and reports
// false.
func (t *Topic) throttleLocked(s *Subscription) bool {
	if s.prepaid > 0 {
		s.prepaid--
		return true
	}
	now := t.cfg.Clock.Now()
	r := s.limiter.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d <= 0 {
		return true
	}
	s.prepaid++
	s.blocked = true
	t.waitLocked(timed{at: now.Add(d), s: s, unblock: true}, now)
	t.kickLocked(s)
	return false
}

// deliverBatch delivers the batch in order, without the lock. On a FIFO
// topic it stops at the first delivery to retry: the rest wait behind it.
// It stops too when Close cancels the topic's context, or the subscription
// is unsubscribed: the rest are abandoned, as the queued ones are. A delivery that fails for good goes to the dead-letter queue
// here.
func (t *Topic) deliverBatch(d *delivery, s *Subscription, batch []work, outs []outcome) []outcome {
	for _, w := range batch {
		if t.ctx.Err() != nil || s.gone.Load() {
			break
		}
		*d = delivery{t: t, s: s, m: w.m, attempt: w.attempt}
		var err error
		if w.m == nil {
			err = s.ep.(confirmer).confirm(t.ctx, d)
		} else {
			err = s.ep.deliver(t.ctx, d)
		}
		o := outcome{w: w, err: err}
		switch {
		case err == nil:
		case t.ctx.Err() != nil:
			o.final = true // the topic is closing: abandoned, not dead-lettered
		case IsPermanent(err) || w.attempt >= s.cfg.sched.retries():
			o.final = true
			if w.m != nil {
				o.dl = t.deadLetter(d, err)
			}
		}
		outs = append(outs, o)
		if err != nil && !o.final && t.cfg.FIFO {
			break
		}
	}
	return outs
}

// recordLocked counts the outcomes and schedules the retries. Deliveries
// of the batch after a FIFO retry go back to the front of the queue. A
// subscription removed while the batch ran has its deliveries and
// failures counted, and its retries dropped, as Unsubscribe drops those
// queued.
func (t *Topic) recordLocked(s *Subscription, batch []work, outs []outcome) {
	if t.closed {
		return
	}
	st := &s.stats.Counters
	var now time.Time
	for _, o := range outs {
		confirmation := o.w.m == nil // not counted: it is not a message
		switch {
		case o.err == nil:
			if !confirmation {
				st.Delivered++
				t.total.Delivered++
			}
		case o.final:
			if confirmation {
				continue
			}
			st.Failed++
			t.total.Failed++
			if o.dl {
				st.DeadLettered++
				t.total.DeadLettered++
			} else {
				st.Dropped++
				t.total.Dropped++
			}
		case s.removed:
			continue
		default:
			if !confirmation {
				st.Retries++
				t.total.Retries++
			}
			w := o.w
			w.attempt++
			delay, _ := s.cfg.sched.delay(w.attempt)
			for i := len(batch) - 1; i >= len(outs); i-- {
				s.q.pushFront(batch[i])
			}
			if delay == 0 {
				s.q.pushFront(w)
				continue
			}
			if now.IsZero() {
				now = t.cfg.Clock.Now()
			}
			e := timed{at: now.Add(delay), s: s, w: w, hasWork: true}
			if t.cfg.FIFO {
				// The message's group waits for it: the worker sets the
				// group's later messages aside as it meets them.
				if s.held == nil {
					s.held = map[string]*deque[work]{}
				}
				s.held[w.m.group] = &deque[work]{}
				e.release = true
			}
			t.waitLocked(e, now)
		}
	}
}

// deadLetter sends a delivery that failed for good to the subscription's
// dead-letter queue, and reports whether it got there. The message keeps
// the body the endpoint would have received, and gains the attributes
// ErrorCode and ErrorMessage.
func (t *Topic) deadLetter(d *delivery, cause error) bool {
	dl := d.s.cfg.DeadLetter.e
	if dl == nil {
		return false
	}
	proto := d.s.ep.protocol()
	var body string
	switch {
	case d.raw():
		body = d.m.bodyFor(proto)
	case proto == ProtocolSQS:
		body = queueInput(d).Body
	default:
		body = d.m.envelope(t, proto, true).json(d.s.unsubscribeURL)
	}
	attrs := map[string]queue.Attribute{
		"ErrorCode":    queue.StringAttribute(errorCode(cause)),
		"ErrorMessage": queue.StringAttribute(cause.Error()),
		"RequestID":    queue.StringAttribute(d.m.id + "-" + strconv.Itoa(d.attempt)),
	}
	if d.raw() {
		if qa := d.m.queueAttributes(); len(qa)+len(attrs) <= MaxRawQueueAttributes {
			for k, a := range qa {
				attrs[k] = a
			}
		}
	}
	in := queue.SendInput{Body: body, Attributes: attrs}
	// The dead-letter send gets its own context: a failing endpoint must
	// not lose the message.
	ctx := context.WithoutCancel(t.ctx)
	var err error
	switch q := dl.(type) {
	case *queueEndpoint:
		_, err = q.q.Send(ctx, in)
	case *fifoEndpoint:
		_, err = q.q.Send(ctx, fifoInput(in, d.m))
	}
	return err == nil
}

// errorCode names the reason of a failure for the ErrorCode attribute.
func errorCode(err error) string {
	var se *StatusError
	switch {
	case errors.As(err, &se):
		return strconv.Itoa(se.StatusCode)
	case IsPermanent(err):
		return "ClientError"
	}
	return "RetriesExhausted"
}

// deque is a ring buffer of values: push and pop at either end in O(1)
// amortised. Its capacity is a power of two, so positions wrap with a
// mask. Popped slots are zeroed, so nothing stays pinned. The zero value
// is empty.
type deque[T any] struct {
	buf  []T
	head int // index of the front
	n    int
}

func (d *deque[T]) len() int { return d.n }

func (d *deque[T]) grow() {
	if d.n < len(d.buf) {
		return
	}
	buf := make([]T, max(8, 2*len(d.buf)))
	for i := range d.n {
		buf[i] = d.buf[(d.head+i)&(len(d.buf)-1)]
	}
	d.buf, d.head = buf, 0
}

func (d *deque[T]) pushBack(v T) {
	d.grow()
	d.buf[(d.head+d.n)&(len(d.buf)-1)] = v
	d.n++
}

func (d *deque[T]) pushFront(v T) {
	d.grow()
	d.head = (d.head - 1) & (len(d.buf) - 1)
	d.buf[d.head] = v
	d.n++
}

func (d *deque[T]) front() T { return d.buf[d.head] }

func (d *deque[T]) popBack() T {
	var zero T
	i := (d.head + d.n - 1) & (len(d.buf) - 1)
	v := d.buf[i]
	d.buf[i] = zero
	d.n--
	return v
}

func (d *deque[T]) popFront() T {
	var zero T
	v := d.buf[d.head]
	d.buf[d.head] = zero
	d.head = (d.head + 1) & (len(d.buf) - 1)
	d.n--
	return v
}
