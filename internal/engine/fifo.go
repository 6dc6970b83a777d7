package engine

import (
	"cmp"
	"slices"
	"time"
)

// What the FIFO queue needs beyond the standard queue's operations.

// Extend hides again, for vis from now, the messages received with hs, all
// or none, and appends what Deliver makes of them to dst: it succeeds only
// when each handle is its message's latest, the message is still in flight
// under it, and its visibility has not been changed since. A message stays
// hidden at most 12 hours from the receive that issued its handle, so vis
// is cut to what is left of that. It is how a receive retried with the
// same request attempt ID returns the same messages and handles.
func (e *Engine[M, D]) Extend(hs []string, vis time.Duration, dst []D) ([]D, bool, error) {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return dst, false, ErrClosed
	}
	now = e.tickLocked(now)
	e.advanceLocked(now)
	defer e.armLocked(now)
	for _, h := range hs {
		r, res := e.findLocked(h)
		if res != found || r.state != stateInFlight || r.changed {
			return dst, false, nil
		}
	}
	for _, h := range hs {
		r, _ := e.findLocked(h)
		r.due = min(now+int64(vis), r.lastRecv+int64(MaxVisibility))
		e.timers.fix(r)
		dst = append(dst, e.cfg.Deliver(r, h))
	}
	return dst, true, nil
}

// SetDelay applies a new queue delay to every message not yet received, as
// SQS does for FIFO queues: each is visible from its sent time plus d. A
// message still delayed moves its visible time, earlier or later; one
// already visible and never received is hidden again if d says it is not
// due yet. It costs O(n log n) in the messages held; a delay change is rare.
func (e *Engine[M, D]) SetDelay(d time.Duration) error {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	now = e.tickLocked(now)
	e.advanceLocked(now)
	var due []*Record[M] // now visible, to be added in seq order
	for _, r := range e.slots {
		if r == nil || r.recvCount > 0 {
			continue
		}
		at := r.sentAt + int64(d)
		switch r.state {
		case stateDelayed:
			if at > now {
				r.due = at
				e.timers.fix(r)
				continue
			}
			e.timers.remove(r)
			e.delayed--
			due = append(due, r)
		case stateVisible:
			if at > now {
				e.ready.Remove(r)
				r.state = stateDelayed
				r.due = at
				e.timers.push(r)
				e.delayed++
			}
		}
	}
	slices.SortFunc(due, func(a, b *Record[M]) int { return cmp.Compare(a.seq, b.seq) })
	for _, r := range due {
		e.makeVisibleLocked(r)
	}
	e.armLocked(now)
	return nil
}
