package blob

import (
	"slices"
	"strings"
)

// index maps keys to values and keeps the keys sorted in byte order, for
// List. Lookups are O(1); adding or removing a key is a binary search and
// a copy of the keys after it (O(1) for a key that sorts last, the usual
// case of time-ordered names). It is not safe for concurrent use: each
// bucket guards its index with its own lock.
type index[T any] struct {
	m    map[string]T
	keys []string // the keys of m, sorted
}

func newIndex[T any]() *index[T] { return &index[T]{m: make(map[string]T)} }

func (x *index[T]) get(key string) (T, bool) {
	v, ok := x.m[key]
	return v, ok
}

func (x *index[T]) set(key string, v T) {
	if _, ok := x.m[key]; !ok {
		if n := len(x.keys); n == 0 || x.keys[n-1] < key {
			x.keys = append(x.keys, key)
		} else {
			i, _ := slices.BinarySearch(x.keys, key)
			x.keys = slices.Insert(x.keys, i, key)
		}
	}
	x.m[key] = v
}

func (x *index[T]) remove(key string) {
	if _, ok := x.m[key]; !ok {
		return
	}
	delete(x.m, key)
	i, _ := slices.BinarySearch(x.keys, key)
	x.keys = slices.Delete(x.keys, i, i+1) // zeroes the vacated slot
}

func (x *index[T]) len() int { return len(x.m) }

// page returns the values of the first r.max keys with r.prefix after
// r.after, and whether more such keys follow.
func (x *index[T]) page(r listRange) (vals []T, more bool) {
	start := max(r.prefix, r.after)
	i, found := slices.BinarySearch(x.keys, start)
	if found && start == r.after {
		i++
	}
	for ; i < len(x.keys) && strings.HasPrefix(x.keys[i], r.prefix); i++ {
		if len(vals) == r.max {
			return vals, true
		}
		vals = append(vals, x.m[x.keys[i]])
	}
	return vals, false
}

// listPage makes the page a List returns from page's result; info gives
// each value's ObjectInfo, which the page owns.
func listPage[T any](vals []T, more bool, info func(T) ObjectInfo) ListPage {
	p := ListPage{Objects: make([]ObjectInfo, len(vals)), IsTruncated: more}
	for i, v := range vals {
		p.Objects[i] = info(v).clone()
	}
	if more {
		p.NextContinuationToken = encodeToken(p.Objects[len(p.Objects)-1].Key)
	}
	return p
}
