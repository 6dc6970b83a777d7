package engine

// arrivalList holds the visible records in the order they became visible:
// the standard queue's best-effort order. It is intrusive (the links live in
// the record), so push, pop and removal from the middle are O(1) and free of
// allocation.
type arrivalList[M any] struct {
	head, tail *Record[M]
	n          int
}

func (l *arrivalList[M]) len() int { return l.n }

func (l *arrivalList[M]) push(r *Record[M]) {
	r.prev, r.next = l.tail, nil
	if l.tail == nil {
		l.head = r
	} else {
		l.tail.next = r
	}
	l.tail = r
	l.n++
}

// pop removes and returns the oldest record, or nil.
func (l *arrivalList[M]) pop() *Record[M] {
	r := l.head
	if r != nil {
		l.remove(r)
	}
	return r
}

// remove unlinks r, which must be in the list.
func (l *arrivalList[M]) remove(r *Record[M]) {
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

// clear empties the list, unlinking every record so none pins another.
func (l *arrivalList[M]) clear() {
	for r := l.head; r != nil; {
		next := r.next
		r.prev, r.next = nil, nil
		r = next
	}
	*l = arrivalList[M]{}
}
