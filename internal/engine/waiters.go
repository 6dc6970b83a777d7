package engine

// A waiter is one blocked long-poll receive. It is woken by a send on ch
// (buffered, so a wake that comes before the receiver reaches its select is
// not lost). Waiters are kept in a FIFO wake list (the order they are woken
// in) and in a heap by deadline (so one clock timer serves them all), and are
// reused through the engine's free list: a long poll that blocks allocates
// nothing once the engine is warm.
type waiter struct {
	ch         chan struct{}
	deadline   int64
	hidx       int  // index in waiterHeap, -1 when out
	queued     bool // in the wake list
	prev, next *waiter
}

// waitList is the FIFO of waiters not yet woken.
type waitList struct {
	head, tail *waiter
}

func (l *waitList) push(w *waiter) {
	w.prev, w.next = l.tail, nil
	if l.tail == nil {
		l.head = w
	} else {
		l.tail.next = w
	}
	l.tail = w
	w.queued = true
}

func (l *waitList) remove(w *waiter) {
	if w.prev == nil {
		l.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		l.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next = nil, nil
	w.queued = false
}

// wake signals up to n waiters, oldest first, and takes them off the list.
func (l *waitList) wake(n int) {
	for ; n > 0 && l.head != nil; n-- {
		w := l.head
		l.remove(w)
		signal(w)
	}
}

func signal(w *waiter) {
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// waiterHeap orders waiters by deadline.
type waiterHeap struct {
	items []*waiter
}

func (h *waiterHeap) min() *waiter {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

func (h *waiterHeap) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].hidx = i
	h.items[j].hidx = j
}

func (h *waiterHeap) push(w *waiter) {
	w.hidx = len(h.items)
	h.items = append(h.items, w)
	for j := w.hidx; j > 0; {
		i := (j - 1) / 2
		if h.items[i].deadline <= h.items[j].deadline {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h *waiterHeap) remove(w *waiter) {
	i, n := w.hidx, len(h.items)-1
	if i != n {
		h.swap(i, n)
	}
	h.items[n] = nil
	h.items = h.items[:n]
	w.hidx = -1
	if i == n {
		return
	}
	// sift the moved item down, then up
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.items[r].deadline < h.items[l].deadline {
			m = r
		}
		if h.items[m].deadline >= h.items[i].deadline {
			break
		}
		h.swap(i, m)
		i = m
	}
	for i > 0 {
		p := (i - 1) / 2
		if h.items[p].deadline <= h.items[i].deadline {
			break
		}
		h.swap(p, i)
		i = p
	}
}
