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
	start            SequenceNumber // before the first record; no record takes it
	end              SequenceNumber // after the last record once closed; zero while open
	closedAt         time.Time
	children         []*shard

	// recs holds the records in sequence order; retention trims it from
	// the front.
	recs store

	write *writeQuota // nil when Unlimited
	read  *readQuota  // nil when Unlimited

	// on demand: records stored in the second loadSecond (Unix), and
	// whether they had more than one hash key (loadKey is the first's)
	load       int64
	loadSecond int64
	loadKey    hashKey
	loadMixed  bool

	iteratorAge time.Duration // of the latest GetRecords

	// wake, when not nil, is closed when records arrive, the shard closes
	// or the stream closes: subscriptions wait on it.
	wake chan struct{}
}

// newShardLocked makes an open shard over r and registers it.
func (s *Stream) newShardLocked(r hashRange, parent, adjacent string) *shard {
	idx := s.nextIndex
	s.nextIndex++
	s.counter++ // the start is a number no record takes
	sh := &shard{
		idx:      idx,
		id:       shardID(idx),
		parent:   parent,
		adjacent: adjacent,
		rng:      r,
		start:    SequenceNumber{n: s.counter, shard: idx},
	}
	if s.cfg.Limits == Enforced {
		sh.write = newWriteQuota(WriteRecordsPerSecond, WriteBytesPerSecond, s.cfg.MaxRecordSize)
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

// holds reports whether seq is a position in sh that an iterator may
// start at, when counter is the stream's last sequence position given: a
// record's sequence number, or one of the shard's range as ListShards
// reports it (its StartingSequenceNumber and, once closed, its
// EndingSequenceNumber, numbers no record takes).
func (sh *shard) holds(seq SequenceNumber, counter uint64) bool {
	switch {
	case seq.shard != sh.idx:
		return false
	case seq == sh.start || seq == sh.end:
		return true
	case seq.n < sh.start.n || seq.n > counter:
		return false
	}
	return sh.open() || seq.n < sh.end.n
}

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
