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

// DeleteFound is Delete that also reports whether it deleted the message
// (false for a handle of a message gone or received again since).
func (e *Engine[M, D]) DeleteFound(h string) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false, ErrClosed
	}
	return e.deleteLocked(h)
}

// DeleteBatch deletes under one lock; errs[i] is the result for hs[i].
func (e *Engine[M, D]) DeleteBatch(hs []string, errs []error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	for i, h := range hs {
		_, errs[i] = e.deleteLocked(h)
	}
	return nil
}

// DeleteBatchFound is DeleteBatch that also reports in found[i] whether
// hs[i] deleted its message.
func (e *Engine[M, D]) DeleteBatchFound(hs []string, errs []error, found []bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	for i, h := range hs {
		found[i], errs[i] = e.deleteLocked(h)
	}
	return nil
}

func (e *Engine[M, D]) deleteLocked(h string) (bool, error) {
	r, res := e.findLocked(h)
	switch {
	case res == invalid:
		return false, ErrReceiptHandleInvalid
	case res != found || r.state == stateMoveDeleted:
		return false, nil
	case r.state == stateMoving:
		r.state = stateMoveDeleted // moveOut drops it if the move fails
		return false, nil
	}
	e.dropLocked(r)
	return true, nil
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

func (e *Engine[M, D]) changeLocked(now int64, h string, vis time.Duration) error {
	r, res := e.findLocked(h)
	switch {
	case res == invalid:
		return ErrReceiptHandleInvalid
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
	e.timers.fix(r)
	return nil
}
