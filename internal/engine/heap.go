package engine

// recHeap is a min-heap of records with the index of each record kept in the
// record itself (hidx[kind]), so that removal from the middle is O(log n).
// kind selects both the index slot and the key: timerHeap orders by due,
// retentionHeap by sentAt (retention is the same for every message, so the
// oldest sent is the first to expire).
type recHeap[M any] struct {
	kind  int
	items []*Record[M]
}

func (h *recHeap[M]) key(r *Record[M]) int64 {
	if h.kind == timerHeap {
		return r.due
	}
	return r.sentAt
}

func (h *recHeap[M]) less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	ka, kb := h.key(a), h.key(b)
	if ka != kb {
		return ka < kb
	}
	return a.seq < b.seq
}

func (h *recHeap[M]) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].hidx[h.kind] = int32(i)
	h.items[j].hidx[h.kind] = int32(j)
}

// min returns the first record, or nil.
func (h *recHeap[M]) min() *Record[M] {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

func (h *recHeap[M]) push(r *Record[M]) {
	r.hidx[h.kind] = int32(len(h.items))
	h.items = append(h.items, r)
	h.up(len(h.items) - 1)
}

// remove takes r out of the heap; r must be in it.
func (h *recHeap[M]) remove(r *Record[M]) {
	i := int(r.hidx[h.kind])
	n := len(h.items) - 1
	if i != n {
		h.swap(i, n)
	}
	h.items[n] = nil // nothing pins a removed record
	h.items = h.items[:n]
	r.hidx[h.kind] = -1
	if i != n {
		if !h.down(i) {
			h.up(i)
		}
	}
}

// fix restores the order after r's key changed.
func (h *recHeap[M]) fix(r *Record[M]) {
	i := int(r.hidx[h.kind])
	if !h.down(i) {
		h.up(i)
	}
}

// clear drops every record.
func (h *recHeap[M]) clear() {
	clear(h.items)
	h.items = h.items[:0]
}

func (h *recHeap[M]) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h *recHeap[M]) down(i0 int) bool {
	i, n := i0, len(h.items)
	for {
		j := 2*i + 1
		if j >= n {
			break
		}
		if r := j + 1; r < n && h.less(r, j) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}
