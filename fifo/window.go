package fifo

import "time"

// window remembers keys for a fixed span after they were first added: the
// deduplication IDs (5 minutes from the first accepted send, never extended
// by duplicates) and the receive attempt IDs. Keys expire in the order they
// were added, so the entries live in a queue, oldest first, and expired
// ones are dropped from its front: O(1) amortised per key, no scan, no
// timer. The map holds only positions (no pointers for the collector to
// follow). The owning queue's mutex guards it.
type window[V any] struct {
	span  int64             // nanoseconds
	start time.Time         // times are nanoseconds since start: monotonic on the real clock
	index map[string]uint64 // key → position of its entry
	queue []windowEntry[V]  // entries by position - base, oldest first
	base  uint64            // position of queue[0]
	peak  int               // most keys since index was last rebuilt
}

type windowEntry[V any] struct {
	key     string
	val     V
	expires int64 // nanoseconds since the window's start
}

func newWindow[V any](span time.Duration, start time.Time) *window[V] {
	return &window[V]{span: int64(span), start: start, index: make(map[string]uint64)}
}

// at is now on the window's scale. Measured from a start time (with the
// real clock's monotonic reading), a step of the wall clock does not
// stretch or shorten a window.
func (w *window[V]) at(now time.Time) int64 { return int64(now.Sub(w.start)) }

// get returns the value of key if it was added less than span before now.
func (w *window[V]) get(key string, now time.Time) (V, bool) {
	if pos, ok := w.index[key]; ok {
		if e := &w.queue[pos-w.base]; w.at(now) < e.expires {
			return e.val, true
		}
	}
	var zero V
	return zero, false
}

// put remembers key with val until now+span, replacing an entry it had.
func (w *window[V]) put(key string, val V, now time.Time) {
	w.index[key] = w.base + uint64(len(w.queue))
	w.queue = append(w.queue, windowEntry[V]{key: key, val: val, expires: w.at(now) + w.span})
	w.peak = max(w.peak, len(w.index))
}

// remove forgets key.
func (w *window[V]) remove(key string) { delete(w.index, key) }

// expire drops the entries whose time is up, and gives the memory back once
// most of it is dead (a Go map does not shrink by itself, so it is rebuilt).
func (w *window[V]) expire(now time.Time) {
	t := w.at(now)
	i := 0
	for ; i < len(w.queue) && w.queue[i].expires <= t; i++ {
		e := &w.queue[i]
		if pos, ok := w.index[e.key]; ok && pos == w.base+uint64(i) {
			delete(w.index, e.key)
		}
		*e = windowEntry[V]{}
	}
	if i > 0 {
		w.queue = w.queue[i:]
		w.base += uint64(i)
		if cap(w.queue) > 1024 && len(w.queue) < cap(w.queue)/4 {
			w.queue = append([]windowEntry[V](nil), w.queue...)
		}
	}
	if w.peak > 1024 && len(w.index) < w.peak/4 {
		m := make(map[string]uint64, len(w.index))
		for k, pos := range w.index {
			m[k] = pos
		}
		w.index, w.peak = m, len(m)
	}
}

// len returns the number of keys remembered, expired ones not yet dropped
// included.
func (w *window[V]) len() int { return len(w.index) }
