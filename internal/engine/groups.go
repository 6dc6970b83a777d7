package engine

// groupOrder is the FIFO queue's selector. Records belong to message groups
// (named by key(meta)). Within a group they are handed out in seq order, and
// while any record a Take returned from a group is in flight, the group is
// blocked: nothing more of it is taken, except by the same receive, which
// fills its batch from one group before it moves on to the next.
//
// A group is ready when it has visible records and none in flight. Ready
// groups wait in a list, in the order they became ready, so Take is O(1)
// however many groups are blocked or idle, and Add is O(1) plus one map
// lookup (a record that comes back from flight is placed among its group's
// visible records by seq, walking from the front: it precedes every record
// of the group that was never taken, so the walk passes only records that
// came back before it). A group with no visible and no in-flight records is
// dropped from the map, so memory follows the live groups.
type groupOrder[M any] struct {
	key    func(M) string
	groups map[string]*group[M]
	ready  groupList[M] // groups with visible records and none in flight
	n      int          // visible records
}

// group is one message group's state.
type group[M any] struct {
	key        string
	head, tail *Record[M] // visible records, by seq
	visible    int
	inFlight   int       // records taken and not yet released
	prev, next *group[M] // links in the ready list
	listed     bool      // in the ready list
}

// NewGroupOrder returns the FIFO selector: key gives a record's group.
func NewGroupOrder[M any](key func(M) string) Selector[M] {
	return &groupOrder[M]{key: key, groups: make(map[string]*group[M])}
}

func (s *groupOrder[M]) Len() int { return s.n }

func (s *groupOrder[M]) Add(r *Record[M]) {
	k := s.key(r.meta)
	g := s.groups[k]
	if g == nil {
		g = &group[M]{key: k}
		s.groups[k] = g
	}
	r.grp = g
	s.n++
	g.visible++
	switch {
	case g.tail == nil:
		r.prev, r.next = nil, nil
		g.head, g.tail = r, r
	case g.tail.seq < r.seq: // the common case: a new message
		r.prev, r.next = g.tail, nil
		g.tail.next = r
		g.tail = r
	default: // back from flight: before the first later record
		at := g.head
		for at.seq < r.seq {
			at = at.next
		}
		r.prev, r.next = at.prev, at
		if at.prev == nil {
			g.head = r
		} else {
			at.prev.next = r
		}
		at.prev = r
	}
	if g.inFlight == 0 && !g.listed {
		s.ready.push(g)
	}
}

// unlink takes visible r out of its group's list.
func (s *groupOrder[M]) unlink(r *Record[M]) *group[M] {
	g := r.grp
	if r.prev == nil {
		g.head = r.next
	} else {
		r.prev.next = r.next
	}
	if r.next == nil {
		g.tail = r.prev
	} else {
		r.next.prev = r.prev
	}
	r.prev, r.next = nil, nil
	g.visible--
	s.n--
	return g
}

func (s *groupOrder[M]) Remove(r *Record[M]) {
	g := s.unlink(r)
	if g.visible == 0 {
		if g.listed {
			s.ready.remove(g)
		}
		s.dropIfIdle(g)
	}
}

// Take continues the group of prev, the record the same receive took last,
// while it has visible records; otherwise it takes the first record of the
// group that has been ready longest. The group is blocked until every record
// taken from it is released.
func (s *groupOrder[M]) Take(prev *Record[M]) *Record[M] {
	var g *group[M]
	if prev != nil && prev.grp != nil && prev.grp.visible > 0 { // a group with visible records is live
		g = prev.grp
	} else if g = s.ready.head; g == nil {
		return nil
	}
	r := g.head
	s.unlink(r)
	g.inFlight++
	if g.listed {
		s.ready.remove(g)
	}
	return r
}

func (s *groupOrder[M]) Release(r *Record[M]) bool {
	g := r.grp
	g.inFlight--
	if g.inFlight > 0 {
		return false
	}
	if g.visible > 0 {
		if !g.listed {
			s.ready.push(g)
		}
		return true
	}
	s.dropIfIdle(g)
	return false
}

// dropIfIdle forgets g once it holds nothing. Only a live group gets here
// (one with a visible record or one in flight a moment ago), and a dropped
// group never gains records again: Add makes a new one for the key.
func (s *groupOrder[M]) dropIfIdle(g *group[M]) {
	if g.visible == 0 && g.inFlight == 0 {
		delete(s.groups, g.key)
	}
}

// Clear forgets every group and unlinks every record.
func (s *groupOrder[M]) Clear() {
	for _, g := range s.groups {
		for r := g.head; r != nil; {
			next := r.next
			r.prev, r.next = nil, nil
			r = next
		}
	}
	clear(s.groups)
	s.ready = groupList[M]{}
	s.n = 0
}

// Groups returns how many groups have visible or in-flight records.
func (s *groupOrder[M]) Groups() int { return len(s.groups) }

// groupList is an intrusive list of groups.
type groupList[M any] struct {
	head, tail *group[M]
}

func (l *groupList[M]) push(g *group[M]) {
	g.prev, g.next = l.tail, nil
	if l.tail == nil {
		l.head = g
	} else {
		l.tail.next = g
	}
	l.tail = g
	g.listed = true
}

func (l *groupList[M]) remove(g *group[M]) {
	if g.prev == nil {
		l.head = g.next
	} else {
		g.prev.next = g.next
	}
	if g.next == nil {
		l.tail = g.prev
	} else {
		g.next.prev = g.prev
	}
	g.prev, g.next = nil, nil
	g.listed = false
}
