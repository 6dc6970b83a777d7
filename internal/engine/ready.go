package engine

// Selector holds the visible records and decides which one a receive gets
// next: the selection policy, the one thing a standard and a FIFO queue do
// differently. The engine tells it of every change, with its lock held:
//
//   - Add: r has become visible (sent, its delay ended, or back from flight).
//   - Remove: r, visible, leaves the engine (deleted, expired, purged).
//   - Take: a receive wants the next record; the selector removes and
//     returns it, or returns nil when none may be received now. prev is the
//     record the same receive took last (nil for its first), so a FIFO
//     selector can fill a batch from one group.
//   - Release: r, returned by Take, is no longer in flight, for whatever
//     reason (deleted, expired, taken for a dead-letter move, or visible
//     again, in which case Add follows). A FIFO selector keeps r's group
//     blocked until then. It reports whether that made a visible record
//     receivable, so the engine wakes a waiting receive.
//   - Clear: every record is gone (purge, close); no Remove or Release
//     comes for them, so a FIFO selector drops its group blocks here.
//
// Len is the number of visible records, receivable or not. A selector may use
// the record's prev and next links.
type Selector[M any] interface {
	Add(r *Record[M])
	Remove(r *Record[M])
	Take(prev *Record[M]) *Record[M]
	Release(r *Record[M]) bool
	Len() int
	Clear()
}

// arrivalOrder is the standard queue's selector: visible records in the
// order they became visible, best effort, none ever blocked. It is intrusive
// (the links live in the record), so every operation is O(1) and free of
// allocation.
type arrivalOrder[M any] struct {
	head, tail *Record[M]
	n          int
}

func (l *arrivalOrder[M]) Len() int { return l.n }

func (l *arrivalOrder[M]) Add(r *Record[M]) {
	r.prev, r.next = l.tail, nil
	if l.tail == nil {
		l.head = r
	} else {
		l.tail.next = r
	}
	l.tail = r
	l.n++
}

func (l *arrivalOrder[M]) Take(*Record[M]) *Record[M] {
	r := l.head
	if r != nil {
		l.Remove(r)
	}
	return r
}

func (l *arrivalOrder[M]) Release(*Record[M]) bool { return false }

func (l *arrivalOrder[M]) Remove(r *Record[M]) {
	if r.prev == nil {
		l.head = r.next
	} else {
		r.prev.next = r.next
	}
	if r.next == nil {
		l.tail = r.prev
	} else {
		r.next.prev = r.prev
	}
	r.prev, r.next = nil, nil
	l.n--
}

// Clear empties the list, unlinking every record so none pins another.
func (l *arrivalOrder[M]) Clear() {
	for r := l.head; r != nil; {
		next := r.next
		r.prev, r.next = nil, nil
		r = next
	}
	*l = arrivalOrder[M]{}
}
