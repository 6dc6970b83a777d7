package engine

// storedSet holds every stored record ordered by sentAt, for retention and
// for the age of the oldest message. Messages sent to the engine arrive in
// sentAt order, so they go on an intrusive list in O(1); the few that do not
// (dead letters keeping an older sent time) go on a heap. The oldest record is the older of the list's head and the heap's
// minimum.
type storedSet[M any] struct {
	head, tail *Record[M] // oldest, newest
	late       recHeap[M] // kind retentionHeap
}

func (s *storedSet[M]) push(r *Record[M]) {
	if s.tail != nil && r.sentAt < s.tail.sentAt {
		r.inList = false
		s.late.push(r)
		return
	}
	r.inList = true
	r.older, r.newer = s.tail, nil
	if s.tail == nil {
		s.head = r
	} else {
		s.tail.newer = r
	}
	s.tail = r
}

func (s *storedSet[M]) remove(r *Record[M]) {
	if !r.inList {
		s.late.remove(r)
		return
	}
	if r.older == nil {
		s.head = r.newer
	} else {
		r.older.newer = r.newer
	}
	if r.newer == nil {
		s.tail = r.older
	} else {
		r.newer.older = r.older
	}
	r.older, r.newer = nil, nil
	r.inList = false
}

// min returns the record sent first, or nil.
func (s *storedSet[M]) min() *Record[M] {
	m := s.late.min()
	if s.head != nil && (m == nil || s.head.sentAt <= m.sentAt) {
		return s.head
	}
	return m
}

// clear forgets every record, unlinking the list so none pins another.
func (s *storedSet[M]) clear() {
	for r := s.head; r != nil; {
		next := r.newer
		r.older, r.newer = nil, nil
		r = next
	}
	s.head, s.tail = nil, nil
	s.late.clear()
}
