package engine

import "time"

// lookup is what a receipt handle names.
type lookup int

const (
	found   lookup = iota // the handle is the message's latest
	gone                  // the message was deleted, expired, purged or moved
	stale                 // the message was received again since
	invalid               // never issued by this engine, or malformed
)

func (e *Engine[M, D]) findLocked(s string) (*Record[M], lookup) {
	h, ok := e.core.decodeHandle(s)
	if !ok {
		return nil, invalid
	}
	if int(h.slot) >= len(e.slots) {
		return nil, gone
	}
	r := e.slots[h.slot]
	if r == nil || r.seq != h.seq {
		return nil, gone
	}
	if r.nonce != h.nonce {
		return r, stale
	}
	return r, found
}

// Delete deletes the message whose latest receipt handle is h, in flight or
// not. A handle of a message that is gone, or that has been received again
// since h was issued, deletes nothing and is not an error.
func (e *Engine[M, D]) Delete(h string) error {
	_, err := e.DeleteFound(h)
	return err
}

// Deleted is what a delete removed: the message's body and meta. Body is
// "" when it removed nothing (a handle of a message gone or received again
// since); a stored body is never empty.
type Deleted[M any] struct {
	Body string
	Meta M
}

// DeleteFound is Delete that also returns what it deleted.
func (e *Engine[M, D]) DeleteFound(h string) (Deleted[M], error) {
	now := e.strictNow()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return Deleted[M]{}, ErrClosed
	}
	e.strictAdvanceLocked(now)
	return e.deleteLocked(h)
}

// strictNow reads the clock for a delete when handles are strict: only
// then does a delete depend on whether a visibility timeout has ended.
func (e *Engine[M, D]) strictNow() int64 {
	if !e.cfg.StrictHandles {
		return 0
	}
	return e.now()
}

func (e *Engine[M, D]) strictAdvanceLocked(now int64) {
	if e.cfg.StrictHandles {
		now = e.tickLocked(now)
		e.advanceLocked(now)
		e.armLocked(now)
	}
}

// DeleteBatch deletes under one lock; errs[i] is the result for hs[i].
func (e *Engine[M, D]) DeleteBatch(hs []string, errs []error) error {
	now := e.strictNow()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	e.strictAdvanceLocked(now)
	for i, h := range hs {
		_, errs[i] = e.deleteLocked(h)
	}
	return nil
}

// DeleteBatchFound is DeleteBatch that also sets gone[i] to what hs[i]
// deleted, as DeleteFound returns it.
func (e *Engine[M, D]) DeleteBatchFound(hs []string, errs []error, gone []Deleted[M]) error {
	now := e.strictNow()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	e.strictAdvanceLocked(now)
	for i, h := range hs {
		gone[i], errs[i] = e.deleteLocked(h)
	}
	return nil
}

// deleteLocked deletes the record of handle s. With StrictHandles the
// record stays in its slot, bodiless, until the end of its visibility
// timeout (see bury), so a repeated delete with the same handle is told
// apart from one with an expired handle.
func (e *Engine[M, D]) deleteLocked(s string) (Deleted[M], error) {
	r, res := e.findLocked(s)
	switch {
	case res == invalid:
		return Deleted[M]{}, ErrReceiptHandleInvalid
	case e.expiredLocked(r, res):
		return Deleted[M]{}, ErrReceiptHandleExpired
	case e.cfg.StrictHandles && r.state == stateDeleted:
		return Deleted[M]{}, nil
	case res != found || r.state == stateMoveDeleted:
		return Deleted[M]{}, nil
	case r.state == stateMoving:
		r.state = stateMoveDeleted // moveOut drops it if the move fails
		return Deleted[M]{}, nil
	}
	d := Deleted[M]{Body: r.body, Meta: r.meta}
	if e.cfg.StrictHandles {
		e.buryLocked(r)
	} else {
		e.dropLocked(r)
	}
	return d, nil
}

// buryLocked deletes r, in flight under its latest handle, but keeps it in
// its slot, bodiless, as stateDeleted in the timer heap until its visibility
// timeout would have ended; then advance frees the slot.
func (e *Engine[M, D]) buryLocked(r *Record[M]) {
	e.leaveFlightLocked(r)
	e.stored.remove(r)
	var zero M
	r.body, r.meta, r.grp = "", zero, nil
	r.state = stateDeleted // stays in the timer heap at its place: same due
}

// ChangeVisibility hides the in-flight message of handle h for vis from
// now; 0 makes it visible at once.
func (e *Engine[M, D]) ChangeVisibility(h string, vis time.Duration) error {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	now = e.tickLocked(now)
	e.advanceLocked(now)
	err := e.changeLocked(now, h, vis)
	e.armLocked(now)
	return err
}

// ChangeVisibilityBatch changes under one lock; errs[i] is the result for
// hs[i] with vis[i].
func (e *Engine[M, D]) ChangeVisibilityBatch(hs []string, vis []time.Duration, errs []error) error {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	now = e.tickLocked(now)
	e.advanceLocked(now)
	for i, h := range hs {
		errs[i] = e.changeLocked(now, h, vis[i])
	}
	e.armLocked(now)
	return nil
}

func (e *Engine[M, D]) changeLocked(now int64, s string, vis time.Duration) error {
	r, res := e.findLocked(s)
	switch {
	case res == invalid:
		return ErrReceiptHandleInvalid
	case e.expiredLocked(r, res):
		return ErrReceiptHandleExpired
	case res == gone:
		return ErrMessageNotInFlight
	case res == stale:
		return ErrReceiptHandleExpired
	case r.state != stateInFlight:
		return ErrMessageNotInFlight
	case now+int64(vis) > r.lastRecv+int64(MaxVisibility):
		return ErrVisibilityTooLong
	}
	if vis <= 0 {
		e.timers.remove(r)
		e.leaveFlightLocked(r)
		e.makeVisibleLocked(r)
		return nil
	}
	r.due = now + int64(vis)
	r.changed = true
	e.timers.fix(r)
	return nil
}

// expiredLocked reports, with StrictHandles, whether a handle no longer
// holds its message in flight: the message was received again since, its
// visibility timeout ended, or it is gone by any way but a delete under this
// handle (which keeps it, bodiless, until the timeout ends).
func (e *Engine[M, D]) expiredLocked(r *Record[M], res lookup) bool {
	if !e.cfg.StrictHandles {
		return false
	}
	switch res {
	case stale, gone:
		return true
	}
	return r.state != stateInFlight && r.state != stateDeleted
}
