package stream

import (
	"sort"
	"time"
)

// chunkSize is how many records a full chunk holds: 1,024 of 80 bytes.
const chunkSize = 1 << 10

// firstChunkSize is the capacity of the chunk a store starts with when
// the stream has no emptied chunk to reuse: a shard that holds a few
// records costs about a kilobyte, not a full chunk's 80 KiB.
const firstChunkSize = 16

// store is a shard's records in sequence order, in chunks that hold
// records as GetRecords returns them, so that a read is a copy per chunk.
// Arrival times are in UTC, whose time.Time holds no pointer.
//
// Every chunk holds chunkSize records except a store's only chunk, which
// starts small and doubles (moving its records) until it is full size;
// after that appending never moves a record. Trimming from the front
// clears the trimmed slots (freeing their data) and drops each chunk it
// empties. Positions are counted from the oldest record kept.
type store struct {
	chunks [][]Record // each of len == cap
	head   int        // first live slot of chunks[0]
	tail   int        // used slots of the last chunk
	n      int        // live records
}

func (s *store) len() int { return s.n }

// at returns the i-th record kept. Only the first chunk can be short, and
// then it is the only one, so the arithmetic of full chunks holds.
func (s *store) at(i int) *Record {
	g := s.head + i
	return &s.chunks[g/chunkSize][g%chunkSize]
}

func (s *store) append(r Record, pool *chunkPool) {
	switch last := len(s.chunks) - 1; {
	case last < 0:
		s.chunks = append(s.chunks, pool.get(firstChunkSize))
		s.tail = 0
	case s.tail < len(s.chunks[last]):
	case len(s.chunks[last]) < chunkSize:
		// the only chunk, short and used to its end: move its live records
		// to its front if they fill at most half of it, else to a chunk
		// twice its size
		old := s.chunks[0]
		c := old
		if 2*s.n > len(old) {
			c = pool.get(2 * len(old))
		}
		copy(c, old[s.head:s.tail])
		clear(c[s.n:s.tail])
		s.chunks[0] = c
		s.head, s.tail = 0, s.n
	default:
		s.chunks = append(s.chunks, pool.get(chunkSize))
		s.tail = 0
	}
	s.chunks[len(s.chunks)-1][s.tail] = r
	s.tail++
	s.n++
}

// trim drops the k oldest records, giving the chunks it empties to pool.
func (s *store) trim(k int, pool *chunkPool) {
	for k > 0 {
		c := s.chunks[0]
		end := len(c)
		if len(s.chunks) == 1 {
			end = s.tail
		}
		m := min(k, end-s.head)
		clear(c[s.head : s.head+m])
		s.head += m
		s.n -= m
		k -= m
		if s.head == end {
			pool.put(c)
			s.chunks[0] = nil
			s.chunks = s.chunks[1:]
			s.head = 0
			if len(s.chunks) == 0 {
				s.chunks, s.tail = nil, 0
			}
		}
	}
}

// chunkPool keeps a few emptied full-size chunks for the stores of a
// stream to reuse, sparing the allocator and the collector a chunk per
// 1,024 records under steady traffic.
type chunkPool struct{ free [][]Record }

const maxFreeChunks = 8

// get returns a cleared chunk of at least size records: a free full-size
// one if there is one, else a new one of size.
func (p *chunkPool) get(size int) []Record {
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		return c
	}
	return make([]Record, size)
}

// put takes a chunk whose records have all been cleared; it keeps only
// full-size ones.
func (p *chunkPool) put(c []Record) {
	if len(c) == chunkSize && len(p.free) < maxFreeChunks {
		p.free = append(p.free, c)
	}
}

// reset drops every record.
func (s *store) reset() {
	for i := range s.chunks {
		s.chunks[i] = nil
	}
	*s = store{}
}

// search returns the smallest i in [0, len) for which f is true, or len;
// f must be false then true along the records.
func (s *store) search(f func(*Record) bool) int {
	return sort.Search(s.n, func(i int) bool { return f(s.at(i)) })
}

// after returns the index of the first record after sequence position n.
func (s *store) after(n uint64) int {
	return s.search(func(r *Record) bool { return r.SequenceNumber.n > n })
}

// atOrAfter returns the index of the first record that arrived at t or
// later.
func (s *store) atOrAfter(t time.Time) int {
	return s.search(func(r *Record) bool { return !r.ApproximateArrivalTimestamp.Before(t) })
}

// appendTo appends records [i, j) to dst: a copy per chunk.
func (s *store) appendTo(dst []Record, i, j int) []Record {
	for g, stop := s.head+i, s.head+j; g < stop; {
		c := s.chunks[g/chunkSize]
		slot := g % chunkSize
		end := min(len(c), slot+stop-g)
		dst = append(dst, c[slot:end]...)
		g += end - slot
	}
	return dst
}
