package stream

import (
	"sort"
	"time"
)

// record is a stored record: 56 bytes, no time.Location.
type record struct {
	n       uint64 // sequence position
	arrival int64  // Unix nanoseconds, whole milliseconds
	key     string
	data    []byte
}

// chunkSize is how many records a chunk holds: 1,024 of 56 bytes.
const chunkSize = 1 << 10

type chunk [chunkSize]record

// store is a shard's records in sequence order, in fixed chunks: appending
// never moves a record, and trimming from the front clears the trimmed
// slots (freeing their data) and drops each chunk it empties. Positions
// are counted from the oldest record kept.
type store struct {
	chunks []*chunk
	head   int // first live slot of chunks[0]
	tail   int // used slots of the last chunk
	n      int // live records
}

func (s *store) len() int { return s.n }

// at returns the i-th record kept.
func (s *store) at(i int) *record {
	g := s.head + i
	return &s.chunks[g/chunkSize][g%chunkSize]
}

func (s *store) append(r record) {
	if len(s.chunks) == 0 || s.tail == chunkSize {
		s.chunks = append(s.chunks, new(chunk))
		s.tail = 0
	}
	s.chunks[len(s.chunks)-1][s.tail] = r
	s.tail++
	s.n++
}

// trim drops the k oldest records.
func (s *store) trim(k int) {
	for k > 0 {
		c := s.chunks[0]
		end := chunkSize
		if len(s.chunks) == 1 {
			end = s.tail
		}
		m := min(k, end-s.head)
		clear(c[s.head : s.head+m])
		s.head += m
		s.n -= m
		k -= m
		if s.head == end {
			s.chunks[0] = nil
			s.chunks = s.chunks[1:]
			s.head = 0
			if len(s.chunks) == 0 {
				s.chunks, s.tail = nil, 0
			}
		}
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
func (s *store) search(f func(*record) bool) int {
	return sort.Search(s.n, func(i int) bool { return f(s.at(i)) })
}

// after returns the index of the first record after sequence position n.
func (s *store) after(n uint64) int {
	return s.search(func(r *record) bool { return r.n > n })
}

// atOrAfter returns the index of the first record that arrived at t or
// later.
func (s *store) atOrAfter(t time.Time) int {
	ns := t.UnixNano()
	return s.search(func(r *record) bool { return r.arrival >= ns })
}

// appendTo appends records [i, j) to dst as Records of shard idx.
func (s *store) appendTo(dst []Record, i, j int, idx uint32) []Record {
	for g, stop := s.head+i, s.head+j; g < stop; {
		slot := g % chunkSize
		end := min(chunkSize, slot+stop-g)
		c := s.chunks[g/chunkSize]
		for k := slot; k < end; k++ {
			r := &c[k]
			dst = append(dst, Record{
				SequenceNumber:              SequenceNumber{n: r.n, shard: idx},
				PartitionKey:                r.key,
				Data:                        r.data,
				ApproximateArrivalTimestamp: time.Unix(0, r.arrival),
			})
		}
		g += end - slot
	}
	return dst
}
