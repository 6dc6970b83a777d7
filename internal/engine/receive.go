package engine

import (
	"context"
	"time"
)

// Receive takes up to max visible messages, makes them invisible for vis,
// and appends what Deliver makes of them to dst. When none is visible and
// wait > 0 it blocks until one is, the wait runs out (nil, no error), ctx is
// done (ctx.Err()) or the engine closes (ErrClosed). With wait == 0, an
// engine at its in-flight limit returns ErrOverLimit; a long poll at the
// limit waits instead.
func (e *Engine[M, D]) Receive(ctx context.Context, max int, vis, wait time.Duration, dst []D) ([]D, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	var moved []*Record[M]
	now := e.now()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return dst, ErrClosed
	}
	now = e.tickLocked(now)
	e.advanceLocked(now)
	purges := e.purges
	n := len(dst)
	dst, moved, over := e.takeLocked(now, max, int64(vis), dst, moved)
	if len(dst) > n || wait <= 0 {
		e.armLocked(now)
		e.mu.Unlock()
		e.moveOut(moved, purges)
		if over && len(dst) == n {
			return dst, ErrOverLimit
		}
		return dst, nil
	}
	w := e.addWaiterLocked(now + int64(wait))
	e.armLocked(now)
	e.mu.Unlock()
	e.moveOut(moved, purges)

	for {
		select {
		case <-w.ch:
		case <-ctx.Done():
		}
		moved = moved[:0]
		now = e.now()
		e.mu.Lock()
		if e.closed {
			e.dropWaiterLocked(w)
			e.mu.Unlock()
			return dst, ErrClosed
		}
		if err := ctx.Err(); err != nil {
			e.dropWaiterLocked(w)
			e.mu.Unlock()
			return dst, err
		}
		now = e.tickLocked(now)
		e.advanceLocked(now)
		purges = e.purges
		dst, moved, _ = e.takeLocked(now, max, int64(vis), dst, moved)
		if len(dst) > n || now >= w.deadline {
			e.dropWaiterLocked(w)
			e.armLocked(now)
			e.mu.Unlock()
			e.moveOut(moved, purges)
			return dst, nil
		}
		if !w.queued {
			e.waiting.push(w)
		}
		if w.hidx < 0 { // defensive: engine time never goes back, so the timer only drops a waiter at its deadline
			e.deadlines.push(w)
		}
		e.armLocked(now)
		e.mu.Unlock()
		e.moveOut(moved, purges)
	}
}

// takeLocked moves up to max visible records into flight. Records past their
// receive limit are detached into moved instead. over reports that the
// in-flight limit stopped it while messages were visible. With vis == 0 a
// taken record is visible again at once, but only when the call is done:
// until then it counts as in flight to the selector (its FIFO group stays
// held), so the call never takes it twice, and goes on to the records after
// it.
func (e *Engine[M, D]) takeLocked(now int64, max int, vis int64, dst []D, moved []*Record[M]) (_ []D, _ []*Record[M], over bool) {
	defer e.reshowLocked()
	var prev *Record[M]
	for taken, looked, visible := 0, 0, e.ready.Len(); taken < max && looked < visible; looked++ {
		if e.cfg.MaxInFlight > 0 && e.inFlight >= e.cfg.MaxInFlight {
			return dst, moved, true
		}
		r := e.ready.Take(prev)
		if r == nil {
			break
		}
		prev = r
		if e.cfg.MaxReceiveCount > 0 && int(r.recvCount) >= e.cfg.MaxReceiveCount {
			e.releaseLocked(r)
			e.stored.remove(r)
			r.state = stateMoving // keeps its slot, so its handle still works if the move fails
			moved = append(moved, r)
			continue
		}
		r.recvCount++
		if r.recvCount == 1 {
			r.firstRecv = now
		}
		r.lastRecv = now
		r.changed = false
		e.nonce++
		r.nonce = e.nonce
		h := e.core.encodeHandle(handle{slot: r.slot, seq: r.seq, nonce: r.nonce})
		if vis <= 0 {
			e.again = append(e.again, r)
		} else {
			r.state = stateInFlight
			r.due = now + vis
			e.timers.push(r)
			e.inFlight++
		}
		dst = append(dst, e.cfg.Deliver(r, h))
		taken++
	}
	return dst, moved, false
}

// reshowLocked makes the records a receive took with a visibility timeout
// of 0 visible again.
func (e *Engine[M, D]) reshowLocked() {
	for i, r := range e.again {
		e.releaseLocked(r)
		e.makeVisibleLocked(r)
		e.again[i] = nil
	}
	e.again = e.again[:0]
}

// moveOut hands records taken for a move (stateMoving, still in their
// slots) to DeadLetter. The moved ones leave; the ones it could not move come
// back hidden for DeadLetterRetry (counted as delayed), with their latest
// receipt handle still good, so a failing target is retried later, not in a
// loop. A record deleted meanwhile (stateMoveDeleted) is dropped if its move
// failed. If the engine was purged or closed since the take (purges), the
// purge took the slots and the failed records are dropped with everything
// else. It must be called without the lock.
func (e *Engine[M, D]) moveOut(moved []*Record[M], purges uint64) {
	if len(moved) == 0 {
		return
	}
	failed := e.cfg.DeadLetter(moved)
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.purges != purges {
		for _, r := range failed {
			r.release()
		}
		return
	}
	now = e.tickLocked(now)
	for _, r := range moved {
		if r.state == stateMoving && contains(failed, r) {
			r.state = stateDelayed
			r.due = now + int64(DeadLetterRetry)
			e.timers.push(r)
			e.delayed++
			e.stored.push(r)
			continue
		}
		e.slots[r.slot] = nil
		e.free = append(e.free, r.slot)
		if r.state == stateMoveDeleted && contains(failed, r) {
			r.release()
		}
		r.state = stateGone
	}
	e.armLocked(now)
}

func contains[M any](rs []*Record[M], r *Record[M]) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func (e *Engine[M, D]) addWaiterLocked(deadline int64) *waiter {
	var w *waiter
	if n := len(e.spare); n > 0 {
		w = e.spare[n-1]
		e.spare[n-1] = nil
		e.spare = e.spare[:n-1]
	} else {
		w = &waiter{ch: make(chan struct{}, 1), hidx: -1}
	}
	w.deadline = deadline
	e.waiting.push(w)
	e.deadlines.push(w)
	return w
}

// dropWaiterLocked retires w. A wake it received but did not use passes to
// the next waiter, so a message is never left visible with receivers asleep.
func (e *Engine[M, D]) dropWaiterLocked(w *waiter) {
	if w.queued {
		e.waiting.remove(w)
	}
	if w.hidx >= 0 {
		e.deadlines.remove(w)
	}
	select {
	case <-w.ch:
	default:
	}
	if e.ready.Len() > 0 && !e.closed {
		e.waiting.wake(1)
	}
	if len(e.spare) < 64 {
		e.spare = append(e.spare, w)
	}
}
