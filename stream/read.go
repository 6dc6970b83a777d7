package stream

import (
	"context"
	"fmt"
	"time"
)

// GetRecordsInput is a GetRecords call.
type GetRecordsInput struct {
	// ShardIterator is from GetShardIterator or a previous GetRecords.
	ShardIterator string
	// Limit is the most records to return: 1–10,000. Zero means 10,000.
	Limit int
}

// GetRecordsOutput is what GetRecords read.
type GetRecordsOutput struct {
	// Records are in sequence order. The slice is the caller's; the Data
	// of each record is shared and must not be modified.
	Records []Record
	// NextShardIterator continues after Records. It is empty once a closed
	// shard has been read to its end: ChildShards then says where its keys
	// went.
	NextShardIterator string
	// MillisBehindLatest is how far behind the newest record of the shard
	// the reader is after this call: the age of the oldest record not yet
	// read, in milliseconds; 0 when caught up.
	MillisBehindLatest int64
	// ChildShards is set only with an empty NextShardIterator.
	ChildShards []ChildShard
}

// GetRecords reads from a shard at an iterator: at most Limit records and
// at most 10 MiB (always at least one record, whatever its size), in
// sequence order, with the iterator to read on from. Records past the
// retention period are gone, and an iterator that points at them reads
// from the oldest record kept. Reading an open shard at its end returns no
// records and an iterator for the records still to come.
//
// It does not block, and is safe for concurrent use. Quotas per shard,
// shared by its readers: 5 calls a second and 2 MiB a second; a response
// of n bytes makes the calls of the next n/2 MiB seconds fail. Over them it
// returns a *ThroughputError (wrapping ErrThroughputExceeded) and no
// records. Other errors wrap ErrInvalidIterator, ErrExpiredIterator (issued
// more than 5 minutes ago), ErrInvalidArgument (Limit), ErrShardNotFound
// (the shard expired), or are ErrClosed.
func (s *Stream) GetRecords(ctx context.Context, in GetRecordsInput) (GetRecordsOutput, error) {
	const op = "get records"
	limit := in.Limit
	switch {
	case limit == 0:
		limit = MaxGetRecords
	case limit < 1 || limit > MaxGetRecords:
		return GetRecordsOutput{}, s.errorf(op, fmt.Errorf("%w: Limit = %d, want 1–10000", ErrInvalidArgument, in.Limit))
	}
	now, err := s.lockOpen(ctx, op)
	if err != nil {
		return GetRecordsOutput{}, err
	}
	defer s.mu.Unlock()
	p, err := s.decodeIterator(in.ShardIterator, now)
	if err != nil {
		return GetRecordsOutput{}, s.errorf(op, err)
	}
	sh := s.liveShardLocked(p.shard, now)
	if sh == nil {
		return GetRecordsOutput{}, s.errorf(op, fmt.Errorf("%w: %s", ErrShardNotFound, shardID(p.shard)))
	}
	if sh.read != nil {
		if q, ok := sh.read.admit(now); !ok {
			s.stats.ReadProvisionedThroughputExceeded++
			return GetRecordsOutput{}, s.errorf(op, &ThroughputError{Shard: sh.id, Limit: q})
		}
	}
	i, j, next, size := sh.read1(p, limit, MaxGetRecordsSize)
	if sh.read != nil {
		sh.read.bytes.charge(now, size)
	}
	out := GetRecordsOutput{Records: sh.recs.appendTo(make([]Record, 0, j-i), i, j, sh.idx)}
	sh.iteratorAge = 0
	if j > i {
		sh.iteratorAge = now.Sub(time.Unix(0, sh.recs.at(j-1).arrival))
	}
	out.MillisBehindLatest = sh.behind(next, now)
	if sh.atEnd(next) {
		out.ChildShards = sh.childShards()
	} else {
		out.NextShardIterator = s.encodeIterator(next, now.Add(IteratorLifetime))
	}
	return out, nil
}

// read1 finds the records [i, j) at p, at most limit of them and at most
// maxBytes (but at least one), and returns the position after them and
// their size.
func (sh *shard) read1(p position, limit, maxBytes int) (i, j int, next position, size int) {
	i = sh.index(p)
	j = i
	for n := sh.recs.len(); j < n && j-i < limit; j++ {
		r := sh.recs.at(j)
		sz := len(r.data) + len(r.key)
		if j > i && size+sz > maxBytes {
			break
		}
		size += sz
	}
	next = p
	if j > i {
		next = position{shard: sh.idx, after: sh.recs.at(j - 1).n}
	}
	return i, j, next, size
}

// index returns the index of the first record at or after p.
func (sh *shard) index(p position) int {
	if p.atTime {
		return sh.recs.atOrAfter(p.time)
	}
	return sh.recs.after(p.after)
}

// atEnd reports whether a reader at p has read all of a closed shard.
func (sh *shard) atEnd(p position) bool {
	return !sh.open() && sh.index(p) == sh.recs.len()
}

// behind returns the age of the first record at or after p in
// milliseconds, or 0.
func (sh *shard) behind(p position, now time.Time) int64 {
	i := sh.index(p)
	if i == sh.recs.len() {
		return 0
	}
	return max(0, now.Sub(time.Unix(0, sh.recs.at(i).arrival)).Milliseconds())
}
