package engine

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// Config is fixed when the engine is made. The package on top validates it;
// the engine trusts it.
type Config[M, D any] struct {
	Clock       clock.Clock   // required
	Retention   time.Duration // > 0
	MaxInFlight int           // receives stop at this many in-flight records; 0 = no limit

	// MaxReceiveCount > 0 turns on redrive: a record whose receive count
	// would exceed it is handed to DeadLetter instead of being returned.
	MaxReceiveCount int

	// Deliver turns a record that a receive has just taken into the value the
	// caller gets. It runs under the engine's lock and must not block or call
	// back into the engine.
	Deliver func(r *Record[M], handle string) D

	// DeadLetter moves records out; it runs without the lock, after the
	// receive that found them, and returns the records it could not move:
	// those go back into the engine, hidden for DeadLetterRetry, so nothing
	// is lost and a failing target is not called in a loop. Required when
	// MaxReceiveCount > 0.
	DeadLetter func(rs []*Record[M]) (failed []*Record[M])

	// Selector is the selection policy; nil means arrival order.
	Selector Selector[M]

	// StrictHandles makes a receipt handle good only while its message is in
	// flight under it, as on a FIFO queue: a delete or visibility change
	// with the handle of a receive whose visibility timeout has ended, or of
	// a message received again since, returns ErrReceiptHandleExpired.
	// Without it a delete with the latest handle works in flight or not,
	// and one with an older handle deletes nothing, as on a standard queue.
	StrictHandles bool
}

// DeadLetterRetry is how long a record whose dead-letter move failed stays
// hidden before a receive tries to move it again.
const DeadLetterRetry = time.Second

// core is the part of the engine that does not depend on the type parameters.
type core struct {
	seed maphash.Seed // keys receipt-handle checksums; immutable
}

// Engine stores messages and moves them between delayed, visible and in
// flight on one clock. Every method is safe for concurrent use; all state is
// guarded by mu. The only code called with mu held is the engine's own, the
// package's Deliver and Selector, and the clock (Now, AfterFunc, Reset);
// DeadLetter, which may call another engine, runs without it.
//
// Times are int64 nanoseconds on the Unix scale, measured as the clock's
// reading at New plus the (monotonic, for the real clock) time elapsed since,
// so a step of the wall clock does not end timeouts early. Under the lock
// they never go backwards (latest), whatever order readings taken before the
// lock arrive in.
type Engine[M, D any] struct {
	cfg       Config[M, D]
	retention int64
	fire      func() // e.onTimer, bound once
	base      time.Time
	baseNanos int64

	core core // immutable

	mu      sync.Mutex
	closed  bool
	timer   *clock.Timer // one per engine, made on first use
	armed   bool         // timer is set to fire at armedAt
	armedAt int64
	latest  int64  // the latest time any operation has acted at
	purges  uint64 // how many purges so far

	slots []*Record[M] // receipt handles name a slot; nil = free
	free  []uint32     // free slots
	seq   uint64       // last record serial
	nonce uint64       // last receive serial

	ready    Selector[M]  // visible records
	again    []*Record[M] // taken by the current receive with no visibility timeout
	timers   recHeap[M]   // delayed and in-flight records by due
	stored   storedSet[M] // every record by sentAt, for retention and age
	delayed  int
	inFlight int

	waiting   waitList   // waiters not yet woken, oldest first
	deadlines waiterHeap // every waiter by deadline
	spare     []*waiter  // waiters to reuse
}

// New returns an empty engine.
func New[M, D any](cfg Config[M, D]) *Engine[M, D] {
	e := &Engine[M, D]{
		cfg:       cfg,
		retention: int64(cfg.Retention),
		core:      core{seed: maphash.MakeSeed()},
		timers:    recHeap[M]{kind: timerHeap},
		stored:    storedSet[M]{late: recHeap[M]{kind: retentionHeap}},
		ready:     cfg.Selector,
	}
	if e.ready == nil {
		e.ready = &arrivalOrder[M]{}
	}
	e.base = cfg.Clock.Now()
	e.baseNanos = e.base.UnixNano()
	e.latest = e.baseNanos
	e.fire = e.onTimer
	return e
}

// now reads the clock. Operations read it before taking the lock, so that
// the lock is held as briefly as possible; a decision made with a reading a
// little older than another goroutine's is still one the clock allowed.
func (e *Engine[M, D]) now() int64 {
	return e.baseNanos + int64(e.cfg.Clock.Now().Sub(e.base))
}

// tickLocked returns now, or the latest time the engine has acted at if that
// is later: a reading taken before the lock may be older than one taken
// after it by another goroutine that got the lock first.
func (e *Engine[M, D]) tickLocked(now int64) int64 {
	if now < e.latest {
		return e.latest
	}
	e.latest = now
	return now
}

// Item is one message to store.
type Item[M any] struct {
	Body  string
	Meta  M
	Delay time.Duration // 0 = visible at once

	// ID and SentAt are for messages moved in from another queue: a
	// non-empty ID is kept instead of a new one, and a non-zero SentAt is
	// kept as the time retention counts from.
	ID     string
	SentAt time.Time
}

// Send stores one message and returns its ID.
func (e *Engine[M, D]) Send(it Item[M]) (string, error) {
	id, _, err := e.SendSeq(it)
	return id, err
}

// SendSeq stores one message and returns its ID and its serial number (see
// Record.Seq).
func (e *Engine[M, D]) SendSeq(it Item[M]) (string, uint64, error) {
	now := e.now()
	r := newItemRecord(it)
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return "", 0, ErrClosed
	}
	now = e.tickLocked(now)
	e.addLocked(now, r, it.Delay, it.SentAt.IsZero())
	e.armLocked(now)
	seq := r.seq
	e.mu.Unlock()
	return r.id, seq, nil
}

// SendBatch stores every item, in order, under one lock, and writes each
// message ID to ids (len(ids) must be len(items)) and, when seqs is not
// nil, each serial number to seqs.
func (e *Engine[M, D]) SendBatch(items []Item[M], ids []string, seqs []uint64) error {
	now := e.now()
	rs := make([]*Record[M], len(items))
	for i := range items {
		rs[i] = newItemRecord(items[i])
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	now = e.tickLocked(now)
	for i, r := range rs {
		e.addLocked(now, r, items[i].Delay, items[i].SentAt.IsZero())
		ids[i] = r.id
		if seqs != nil {
			seqs[i] = r.seq
		}
	}
	e.armLocked(now)
	return nil
}

// newItemRecord makes the record for it; no lock is needed.
func newItemRecord[M any](it Item[M]) *Record[M] {
	var r *Record[M]
	if it.ID == "" {
		r = newRecord[M]()
	} else {
		r = &Record[M]{id: it.ID}
	}
	r.body, r.meta, r.hidx = it.Body, it.Meta, [2]int32{-1, -1}
	if !it.SentAt.IsZero() {
		r.sentAt = it.SentAt.UnixNano()
	}
	return r
}

// addLocked stores r. A fresh message (not one moved in with its own sent
// time) is stamped with the engine's time, so fresh messages stay in sent
// order, on the stored list.
func (e *Engine[M, D]) addLocked(now int64, r *Record[M], delay time.Duration, fresh bool) {
	if fresh {
		r.sentAt = now
	}
	e.seq++
	r.seq = e.seq
	e.attachLocked(r)
	if delay > 0 {
		r.state = stateDelayed
		r.due = now + int64(delay)
		e.timers.push(r)
		e.delayed++
	} else {
		e.makeVisibleLocked(r)
	}
}

// attachLocked gives r a slot and puts it in the retention heap.
func (e *Engine[M, D]) attachLocked(r *Record[M]) {
	if n := len(e.free); n > 0 {
		r.slot = e.free[n-1]
		e.free = e.free[:n-1]
		e.slots[r.slot] = r
	} else {
		r.slot = uint32(len(e.slots))
		e.slots = append(e.slots, r)
	}
	e.stored.push(r)
}

func (e *Engine[M, D]) makeVisibleLocked(r *Record[M]) {
	r.state = stateVisible
	e.ready.Add(r)
	e.waiting.wake(1)
}

// detachLocked takes r out of every structure and frees its slot; r keeps
// its contents (for a dead-letter move).
func (e *Engine[M, D]) detachLocked(r *Record[M]) {
	switch r.state {
	case stateVisible:
		e.ready.Remove(r)
	case stateDelayed:
		e.timers.remove(r)
		e.delayed--
	case stateInFlight:
		e.timers.remove(r)
		e.leaveFlightLocked(r)
	}
	e.stored.remove(r)
	e.slots[r.slot] = nil
	e.free = append(e.free, r.slot)
	r.state = stateGone
}

// dropLocked removes r for good.
func (e *Engine[M, D]) dropLocked(r *Record[M]) {
	e.detachLocked(r)
	r.release()
}

// leaveFlightLocked counts r out of flight; when that brings the engine back
// under its in-flight limit, a waiter may now take a message.
func (e *Engine[M, D]) leaveFlightLocked(r *Record[M]) {
	e.inFlight--
	e.releaseLocked(r)
	if e.cfg.MaxInFlight > 0 && e.inFlight == e.cfg.MaxInFlight-1 && e.ready.Len() > 0 {
		e.waiting.wake(1)
	}
}

// releaseLocked tells the selector r is out of flight; if that made a
// visible record receivable (a FIFO group unblocked), a waiter may take it.
func (e *Engine[M, D]) releaseLocked(r *Record[M]) {
	if e.ready.Release(r) {
		e.waiting.wake(1)
	}
}

// advanceLocked applies everything due by now: retention first (an expired
// message never becomes visible), then delays and visibility timeouts ending.
func (e *Engine[M, D]) advanceLocked(now int64) {
	for r := e.stored.min(); r != nil && r.sentAt+e.retention <= now; r = e.stored.min() {
		e.dropLocked(r)
	}
	for r := e.timers.min(); r != nil && r.due <= now; r = e.timers.min() {
		e.timers.remove(r)
		switch r.state {
		case stateDeleted: // its handle's timeout is over: free the slot
			e.slots[r.slot] = nil
			e.free = append(e.free, r.slot)
			r.release()
			continue
		case stateDelayed:
			e.delayed--
		default:
			e.leaveFlightLocked(r)
		}
		e.makeVisibleLocked(r)
	}
}

// armLocked makes sure the timer fires no later than the earliest deadline
// the engine holds. Firing early or for a deadline that went away is
// harmless: onTimer re-arms for what is left.
func (e *Engine[M, D]) armLocked(now int64) {
	next, ok := int64(0), false
	if r := e.timers.min(); r != nil {
		next, ok = r.due, true
	}
	if r := e.stored.min(); r != nil {
		if t := r.sentAt + e.retention; !ok || t < next {
			next, ok = t, true
		}
	}
	if w := e.deadlines.min(); w != nil {
		if !ok || w.deadline < next {
			next, ok = w.deadline, true
		}
	}
	if !ok || e.closed || (e.armed && e.armedAt <= next) {
		return
	}
	d := time.Duration(max(next-now, 0))
	if e.timer == nil {
		e.timer = e.cfg.Clock.AfterFunc(d, e.fire)
	} else {
		e.timer.Reset(d)
	}
	e.armed, e.armedAt = true, next
}

// onTimer runs on the clock's timer: it applies what is due, which wakes
// waiters for messages that became visible, wakes waiters whose long poll
// has run out, and re-arms.
func (e *Engine[M, D]) onTimer() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.armed = false
	if e.closed {
		return
	}
	now := e.tickLocked(e.now())
	e.advanceLocked(now)
	for w := e.deadlines.min(); w != nil && w.deadline <= now; w = e.deadlines.min() {
		e.deadlines.remove(w)
		if w.queued {
			e.waiting.remove(w)
		}
		signal(w)
	}
	e.armLocked(now)
}

// Close drops every message and wakes every blocked receive, which returns
// ErrClosed. It is idempotent.
func (e *Engine[M, D]) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	if e.timer != nil {
		e.timer.Stop()
	}
	e.purgeLocked()
	for _, w := range e.deadlines.items {
		signal(w)
	}
}

// Closed reports whether Close has been called.
func (e *Engine[M, D]) Closed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// Purge deletes every message, in flight or not.
func (e *Engine[M, D]) Purge() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	e.purgeLocked()
	return nil
}

// purgeLocked drops every record. Records being moved are left to moveOut,
// which sees the purge and drops them if their move fails.
func (e *Engine[M, D]) purgeLocked() {
	for _, r := range e.slots {
		if r != nil && r.state != stateMoving && r.state != stateMoveDeleted {
			r.release()
		}
	}
	clear(e.slots)
	e.slots = e.slots[:0]
	e.free = e.free[:0]
	e.ready.Clear()
	e.timers.clear()
	e.stored.clear()
	e.delayed, e.inFlight = 0, 0
	e.purges++
}

// Stats is a snapshot of the engine's counts.
type Stats struct {
	Visible, InFlight, Delayed int
	Waiting                    int           // receives blocked in a long poll
	OldestAge                  time.Duration // age of the oldest stored record; 0 when empty
}

// Stats applies what is due and reports the counts.
func (e *Engine[M, D]) Stats() (Stats, error) {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return Stats{}, ErrClosed
	}
	now = e.tickLocked(now)
	e.advanceLocked(now)
	s := Stats{Visible: e.ready.Len(), InFlight: e.inFlight, Delayed: e.delayed, Waiting: len(e.deadlines.items)}
	if r := e.stored.min(); r != nil && r.sentAt < now {
		s.OldestAge = time.Duration(now - r.sentAt)
	}
	return s, nil
}
