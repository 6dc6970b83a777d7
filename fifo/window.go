package fifo

import (
	"hash/maphash"
	"time"
)

// window remembers keys for a fixed span after they were first added: the
// deduplication IDs (5 minutes from the first accepted send, never extended
// by duplicates) and the receive attempt IDs. Keys expire in the order they
// were added, so the entries live in a queue, oldest first, and expired
// ones are dropped from its front: O(1) amortised per key, no scan, no
// timer. The index maps a 64-bit hash of the key to the position of the
// newest entry with that hash; entries whose keys share a hash are chained
// from newest to oldest. It holds no pointers, so the collector never walks
// it, and its keys hash and compare as integers. The owning queue's mutex
// guards it.
type window[V any] struct {
	span  int64               // nanoseconds
	start time.Time           // times are nanoseconds since start: monotonic on the real clock
	hash  func(string) uint64 // of a key; a test may make keys collide
	index map[uint64]uint64   // key hash → position of the newest entry with that hash
	queue []windowEntry[V]    // entry at position p is queue[p-base]; queue[:head] are dropped
	base  uint64              // position of queue[0]
	head  int                 // index in queue of the oldest entry kept
	live  int                 // entries kept and not removed
	peak  int                 // most index entries since it was last rebuilt
}

type windowEntry[V any] struct {
	key     string
	val     V
	expires int64  // nanoseconds since the window's start
	older   uint64 // position + 1 of the next older entry with the same hash; 0 = none
	removed bool
}

func newWindow[V any](span time.Duration, start time.Time) *window[V] {
	seed := maphash.MakeSeed()
	return &window[V]{
		span: int64(span), start: start, index: make(map[uint64]uint64),
		hash: func(key string) uint64 { return maphash.String(seed, key) },
	}
}

// at is now on the window's scale. Measured from a start time (with the
// real clock's monotonic reading), a step of the wall clock does not
// stretch or shorten a window.
func (w *window[V]) at(now time.Time) int64 { return int64(now.Sub(w.start)) }

// kept reports whether position pos holds an entry not yet dropped.
func (w *window[V]) kept(pos uint64) bool {
	return pos >= w.base+uint64(w.head) && pos < w.base+uint64(len(w.queue))
}

// find returns the newest live entry of key, or nil.
func (w *window[V]) find(key string) *windowEntry[V] {
	pos, ok := w.index[w.hash(key)]
	for ok && w.kept(pos) {
		e := &w.queue[pos-w.base]
		if e.key == key {
			if e.removed {
				return nil
			}
			return e
		}
		pos, ok = e.older-1, e.older != 0
	}
	return nil
}

// get returns the value of key if it was added less than span before now.
func (w *window[V]) get(key string, now time.Time) (V, bool) {
	if e := w.find(key); e != nil && w.at(now) < e.expires {
		return e.val, true
	}
	var zero V
	return zero, false
}

// put remembers key with val until now+span. An entry the key had is
// shadowed: get finds the newest.
func (w *window[V]) put(key string, val V, now time.Time) {
	h := w.hash(key)
	pos := w.base + uint64(len(w.queue))
	e := windowEntry[V]{key: key, val: val, expires: w.at(now) + w.span}
	if prev, ok := w.index[h]; ok && w.kept(prev) {
		e.older = prev + 1
	}
	w.index[h] = pos
	w.queue = append(w.queue, e)
	w.live++
	w.peak = max(w.peak, len(w.index))
}

// remove forgets key.
func (w *window[V]) remove(key string) {
	if e := w.find(key); e != nil {
		e.removed = true
		w.live--
	}
}

// expire drops the entries whose time is up, and gives the memory back once
// most of it is dead: the queue's array when it is empty or mostly dropped,
// the index when it has shrunk to a quarter (a Go map does not shrink by
// itself, so it is rebuilt).
func (w *window[V]) expire(now time.Time) {
	t := w.at(now)
	for w.head < len(w.queue) && w.queue[w.head].expires <= t {
		e := &w.queue[w.head]
		h := w.hash(e.key)
		if pos, ok := w.index[h]; ok && pos == w.base+uint64(w.head) {
			delete(w.index, h)
		}
		if !e.removed {
			w.live--
		}
		*e = windowEntry[V]{}
		w.head++
	}
	switch {
	case w.head == len(w.queue) && w.head > 0: // empty
		w.base += uint64(w.head)
		w.head = 0
		if cap(w.queue) > 1024 {
			w.queue = nil
		} else {
			w.queue = w.queue[:0]
		}
	case w.head > 1024 && w.head*2 > len(w.queue): // mostly dropped: keep the rest only
		w.base += uint64(w.head)
		w.queue = append([]windowEntry[V](nil), w.queue[w.head:]...)
		w.head = 0
	}
	if w.peak > 1024 && len(w.index) < w.peak/4 {
		m := make(map[uint64]uint64, len(w.index))
		for h, pos := range w.index {
			m[h] = pos
		}
		w.index, w.peak = m, len(m)
	}
}

// len returns the number of entries remembered and not removed, expired
// ones not yet dropped included.
func (w *window[V]) len() int { return w.live }
