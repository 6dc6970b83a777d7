package stream

import (
	"sort"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// shard is one shard: its place in the key space and lineage, its records
// and its quotas. Every field is guarded by the stream's mutex.
type shard struct {
	idx              uint32
	id               string
	parent, adjacent string
	rng              hashRange
	start            SequenceNumber // at or before the first record
	end              SequenceNumber // after the last record once closed; zero while open
	closedAt         time.Time
	children         []*shard

	// recs holds the records in sequence order; retention trims it from
	// the front.
	recs store

	write *writeQuota // shared by all shards on demand; nil when Unlimited
	read  *readQuota  // nil when Unlimited

	iteratorAge time.Duration // of the latest GetRecords

	// wake, when not nil, is closed when records arrive, the shard closes
	// or the stream closes: subscriptions wait on it.
	wake chan struct{}
}

// newShardLocked makes an open shard over r and registers it.
func (s *Stream) newShardLocked(r hashRange, parent, adjacent string) *shard {
	idx := s.nextIndex
	s.nextIndex++
	sh := &shard{
		idx:      idx,
		id:       shardID(idx),
		parent:   parent,
		adjacent: adjacent,
		rng:      r,
		start:    SequenceNumber{n: s.counter + 1, shard: idx},
	}
	if s.cfg.Limits == Enforced {
		if s.demand != nil {
			sh.write = s.demand.write
		} else {
			sh.write = newWriteQuota(WriteRecordsPerSecond, WriteBytesPerSecond, s.cfg.MaxRecordSize)
		}
		sh.read = &readQuota{
			calls:     rate.NewLimiter(ReadCallsPerSecond, ReadCallsPerSecond),
			iterators: rate.NewLimiter(ReadCallsPerSecond, ReadCallsPerSecond),
			bytes:     byteBudget{perSecond: ReadBytesPerSecond},
		}
	}
	s.shards[idx] = sh
	return sh
}

// closeLocked closes an open shard: it takes no more records. Its end
// sequence number is one the stream gives to no record.
func (s *Stream) closeLocked(sh *shard, now time.Time) {
	s.counter++
	sh.end = SequenceNumber{n: s.counter, shard: sh.idx}
	sh.closedAt = now
	if sh.closedAt.Before(s.lastArrival) { // the clock went back
		sh.closedAt = s.lastArrival
	}
	s.noteDeadlineLocked(sh.closedAt.Add(s.retention))
	sh.wakeLocked()
}

func (sh *shard) open() bool { return sh.end.IsZero() }

// wakeLocked wakes whatever waits for the shard to change.
func (sh *shard) wakeLocked() {
	if sh.wake != nil {
		close(sh.wake)
		sh.wake = nil
	}
}

// waitLocked returns a channel closed at the shard's next change.
func (sh *shard) waitLocked() <-chan struct{} {
	if sh.wake == nil {
		sh.wake = make(chan struct{})
	}
	return sh.wake
}

func (sh *shard) describe() Shard {
	return Shard{
		ShardID:               sh.id,
		ParentShardID:         sh.parent,
		AdjacentParentShardID: sh.adjacent,
		HashKeyRange:          sh.rng.public(),
		SequenceNumberRange:   SequenceNumberRange{sh.start, sh.end},
	}
}

func (r hashRange) public() HashKeyRange {
	return HashKeyRange{StartingHashKey: r.start.String(), EndingHashKey: r.end.String()}
}

// childShards describes the children of a closed shard.
func (sh *shard) childShards() []ChildShard {
	out := make([]ChildShard, len(sh.children))
	for i, c := range sh.children {
		parents := []string{c.parent}
		if c.adjacent != "" {
			parents = append(parents, c.adjacent)
		}
		out[i] = ChildShard{ShardID: c.id, ParentShards: parents, HashKeyRange: c.rng.public()}
	}
	return out
}

const shardIDPrefix = "shardId-"

// shardID formats a shard's ID as Kinesis does: shardId- and 12 digits.
func shardID(idx uint32) string {
	var buf [len(shardIDPrefix) + 12]byte
	copy(buf[:], shardIDPrefix)
	putDigits(buf[len(shardIDPrefix):], uint64(idx))
	return string(buf[:])
}

func parseShardID(id string) (uint32, bool) {
	if len(id) != len(shardIDPrefix)+12 || id[:len(shardIDPrefix)] != shardIDPrefix {
		return 0, false
	}
	digits := id[len(shardIDPrefix):]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(digits, 10, 32)
	return uint32(n), err == nil
}

// shardForLocked returns the open shard whose range holds k.
func (s *Stream) shardForLocked(k hashKey) *shard {
	open := s.open
	if len(open) <= 8 {
		for _, sh := range open[:len(open)-1] {
			if !sh.rng.end.less(k) {
				return sh
			}
		}
		return open[len(open)-1]
	}
	i := sort.Search(len(open), func(i int) bool { return !open[i].rng.end.less(k) })
	return open[i]
}

// chunkSize is how many records a chunk holds: 1,024 of 80 bytes.
const chunkSize = 1 << 10

// chunk holds records as GetRecords returns them, so that a read is one
// copy. Arrival times are in UTC, whose time.Time holds no pointer.
type chunk [chunkSize]Record

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
func (s *store) at(i int) *Record {
	g := s.head + i
	return &s.chunks[g/chunkSize][g%chunkSize]
}

func (s *store) append(r Record, pool *chunkPool) {
	if len(s.chunks) == 0 || s.tail == chunkSize {
		s.chunks = append(s.chunks, pool.get())
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

// chunkPool keeps a few emptied chunks for the stores of a stream to
// reuse, sparing the allocator and the collector a chunk per 1,024 records
// under steady traffic.
type chunkPool struct{ free []*chunk }

const maxFreeChunks = 8

// get returns a cleared chunk.
func (p *chunkPool) get() *chunk {
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		return c
	}
	return new(chunk)
}

// put takes a chunk whose records have all been cleared.
func (p *chunkPool) put(c *chunk) {
	if len(p.free) < maxFreeChunks {
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
		slot := g % chunkSize
		end := min(chunkSize, slot+stop-g)
		dst = append(dst, s.chunks[g/chunkSize][slot:end]...)
		g += end - slot
	}
	return dst
}
