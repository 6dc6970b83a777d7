package fifo

import "time"

// window remembers keys for a fixed time after they were first added: the
// deduplication IDs (5 minutes from the first accepted send, never extended
// by duplicates) and the receive attempt IDs. Keys expire in the order they
// were added, so expired ones are dropped from the front of a queue: O(1)
// amortised per key, no scan, no timer. The queue's mutex guards it.
type window[V any] struct {
	span    time.Duration
	entries map[string]windowEntry[V]
	order   []windowKey // keys by expiry; order[head:] are live
	head    int
	serial  uint64 // of the latest put
	peak    int    // most entries since the map was last rebuilt
}

type windowEntry[V any] struct {
	val     V
	expires time.Time
	serial  uint64 // tells this entry from an older one of the same key
}

type windowKey struct {
	key    string
	serial uint64
}

func newWindow[V any](span time.Duration) *window[V] {
	return &window[V]{span: span, entries: make(map[string]windowEntry[V])}
}

// get returns the value of key if it was added less than span before now.
func (w *window[V]) get(key string, now time.Time) (V, bool) {
	e, ok := w.entries[key]
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.val, true
}

// put remembers key with val until now+span, replacing an entry it had.
func (w *window[V]) put(key string, val V, now time.Time) {
	w.serial++
	w.entries[key] = windowEntry[V]{val: val, expires: now.Add(w.span), serial: w.serial}
	w.order = append(w.order, windowKey{key, w.serial})
	w.peak = max(w.peak, len(w.entries))
}

// remove forgets key.
func (w *window[V]) remove(key string) { delete(w.entries, key) }

// expire drops the keys whose time is up, and gives the memory back once
// most of it is dead (a Go map does not shrink by itself, so it is rebuilt).
func (w *window[V]) expire(now time.Time) {
	for w.head < len(w.order) {
		k := w.order[w.head]
		e, ok := w.entries[k.key]
		if ok && e.serial == k.serial && now.Before(e.expires) {
			break
		}
		if ok && e.serial == k.serial {
			delete(w.entries, k.key)
		}
		w.order[w.head] = windowKey{}
		w.head++
	}
	if w.head > 1024 && w.head*2 > len(w.order) {
		w.order = append([]windowKey(nil), w.order[w.head:]...)
		w.head = 0
	}
	if w.peak > 1024 && len(w.entries) < w.peak/4 {
		m := make(map[string]windowEntry[V], len(w.entries))
		for k, e := range w.entries {
			m[k] = e
		}
		w.entries, w.peak = m, len(m)
	}
}

// len returns the number of keys remembered, expired ones not yet dropped
// included.
func (w *window[V]) len() int { return len(w.entries) }
