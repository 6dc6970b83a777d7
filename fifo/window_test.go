package fifo

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// weakHash makes keys collide on purpose: only 3 hash values.
func weakHash(key string) uint64 { return uint64(len(key) % 3) }

// The window agrees with a map of keys to values and expiry times after
// every step of random puts (shadowing), gets, removes, expiries and clock
// moves, with keys that collide all the time; its index only points at
// entries it keeps, its count is right, and once everything has expired it
// holds nothing.
func TestWindowMatchesMapWithCollisions(t *testing.T) {
	type want struct {
		val     int
		expires int64
	}
	keys := []string{"a", "b", "c", "dd", "ee", "fff", "g", "hh", "iii", "jjjj", "k", "l"}
	for seed := range uint64(100) {
		rng := rand.New(rand.NewPCG(seed, 1))
		start := time.Unix(1000, 0)
		span := 10 * time.Second
		w := newWindow[int](span, start)
		w.hash = weakHash
		ref := map[string]want{}
		now := start
		for step := range 2000 {
			k := keys[rng.IntN(len(keys))]
			switch op := rng.IntN(10); {
			case op < 4:
				w.put(k, step, now)
				ref[k] = want{step, int64(now.Sub(start)) + int64(span)}
			case op < 6:
				w.remove(k)
				delete(ref, k)
			case op < 7:
				w.expire(now)
			default:
				now = now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
			}
			for _, k := range keys {
				v, ok := w.get(k, now)
				e, rok := ref[k]
				rok = rok && int64(now.Sub(start)) < e.expires
				if ok != rok || ok && v != e.val {
					t.Fatalf("seed %d step %d: get %q = %v, %v; want %v, %v", seed, step, k, v, ok, e.val, rok)
				}
			}
			for h, pos := range w.index {
				if !w.kept(pos) || weakHash(w.queue[pos-w.base].key) != h {
					t.Fatalf("seed %d step %d: index[%d] = %d is not a kept entry of that hash", seed, step, h, pos)
				}
			}
			n := 0
			for _, e := range w.queue[w.head:] {
				if !e.removed {
					n++
				}
			}
			if n != w.len() {
				t.Fatalf("seed %d step %d: len %d, %d entries kept and not removed", seed, step, w.len(), n)
			}
		}
		w.expire(now.Add(span))
		if len(w.queue) != 0 || len(w.index) != 0 || w.len() != 0 {
			t.Fatalf("seed %d: after every entry expired: queue %d, index %d, len %d", seed, len(w.queue), len(w.index), w.len())
		}
	}
}

// Once a burst of IDs has expired, the window lets go of the array that
// held them, and of most of it when most has expired.
func TestWindowGivesBackItsArray(t *testing.T) {
	start := time.Unix(0, 0)
	w := newWindow[sent](DeduplicationWindow, start)
	for i := 0; len(w.queue) < 1<<16 || len(w.queue) < cap(w.queue); i++ {
		w.put(strconv.Itoa(i), sent{}, start)
	}
	w.expire(start.Add(DeduplicationWindow))
	if w.queue != nil {
		t.Fatalf("after every entry expired the window keeps an array of %d entries", cap(w.queue))
	}

	for i := range 10000 {
		w.put(strconv.Itoa(i), sent{}, start.Add(time.Duration(i)*time.Millisecond))
	}
	w.expire(start.Add(DeduplicationWindow + 8*time.Second)) // 8,001 of 10,000 expire
	if cap(w.queue) > 4000 {
		t.Fatalf("with 1,999 entries left the window keeps an array of %d", cap(w.queue))
	}
	if w.len() != 1999 {
		t.Fatalf("len = %d, want 1999", w.len())
	}
}
