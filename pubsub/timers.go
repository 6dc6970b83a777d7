package pubsub

import (
	"container/heap"
	"time"

	"github.com/benbjohnson/clock"
)

// timed is a wait in the topic's timer heap: a delivery to retry, or a
// subscription to unblock, at a time.
type timed struct {
	at      time.Time
	seq     uint64 // ties broken in the order they were added
	s       *Subscription
	w       work
	hasWork bool
	unblock bool // a throttled subscription may go on
	release bool // w's group (FIFO) may go on: w, then what was set aside
}

// timerHeap orders the waits by time.
type timerHeap struct {
	items []timed
	seq   uint64
}

func (h *timerHeap) Len() int { return len(h.items) }
func (h *timerHeap) Less(i, j int) bool {
	a, b := &h.items[i], &h.items[j]
	if a.at.Equal(b.at) {
		return a.seq < b.seq
	}
	return a.at.Before(b.at)
}
func (h *timerHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *timerHeap) Push(x any)    { h.items = append(h.items, x.(timed)) }
func (h *timerHeap) Pop() any {
	n := len(h.items) - 1
	x := h.items[n]
	h.items[n] = timed{}
	h.items = h.items[:n]
	return x
}

func (h *timerHeap) add(e timed) {
	h.seq++
	e.seq = h.seq
	heap.Push(h, e)
}

// removeSub drops the waits of a subscription.
func (h *timerHeap) removeSub(s *Subscription) {
	kept := h.items[:0]
	for _, e := range h.items {
		if e.s != s {
			kept = append(kept, e)
		}
	}
	clear(h.items[len(kept):])
	h.items = kept
	heap.Init(h)
}

// timer is the topic's one clock timer, armed to the earliest wait.
type timer struct {
	t     *Topic
	ct    *clock.Timer
	armed time.Time // when ct fires; zero when it is not armed
}

func (tm *timer) init(t *Topic) { tm.t = t }

// armLocked makes sure the timer fires by the earliest wait.
func (tm *timer) armLocked(now time.Time) {
	h := &tm.t.timers
	if h.Len() == 0 {
		return
	}
	at := h.items[0].at
	if !tm.armed.IsZero() && !at.Before(tm.armed) {
		return
	}
	d := max(at.Sub(now), 0)
	if tm.ct == nil {
		tm.ct = tm.t.cfg.Clock.AfterFunc(d, tm.fire)
	} else {
		tm.ct.Reset(d)
	}
	tm.armed = at
}

func (tm *timer) stopLocked() {
	if tm.ct != nil {
		tm.ct.Stop()
	}
	tm.armed = time.Time{}
}

// fire runs on the clock's goroutine: it moves every wait that is due back
// to its subscription and re-arms the timer for the next.
func (tm *timer) fire() {
	t := tm.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	tm.armed = time.Time{}
	now := t.cfg.Clock.Now()
	t.releaseDueLocked(now)
	tm.armLocked(now)
}

// releaseDueLocked moves every wait due at now back to its subscription.
// The timer does it when it fires, and Flush before it waits, so that it
// does not depend on when the clock runs the timer's callback.
func (t *Topic) releaseDueLocked(now time.Time) {
	h := &t.timers
	for h.Len() > 0 && !h.items[0].at.After(now) {
		e := heap.Pop(h).(timed)
		s := e.s
		if s.removed {
			continue
		}
		if e.release {
			g := e.w.m.group
			h := s.held[g]
			for h.len() > 0 {
				s.q.pushFront(h.popBack())
				s.heldN--
			}
			delete(s.held, g)
		}
		if e.hasWork {
			s.waiting--
			s.q.pushFront(e.w)
		}
		if e.unblock {
			s.blocked = false
		}
		t.kickLocked(s)
	}
}

// waitLocked puts a wait in the heap and arms the timer.
func (t *Topic) waitLocked(e timed, now time.Time) {
	if e.hasWork {
		e.s.waiting++
	}
	t.timers.add(e)
	t.timer.armLocked(now)
}
