package stream

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"time"
)

// IteratorType says where a shard iterator starts.
type IteratorType string

const (
	// TrimHorizon starts at the oldest record still kept.
	TrimHorizon IteratorType = "TRIM_HORIZON"
	// Latest starts just after the newest record: only records put later
	// are read. On a closed shard it starts after its last record.
	Latest IteratorType = "LATEST"
	// AtSequenceNumber starts at the record with StartingSequenceNumber.
	AtSequenceNumber IteratorType = "AT_SEQUENCE_NUMBER"
	// AfterSequenceNumber starts just after it.
	AfterSequenceNumber IteratorType = "AFTER_SEQUENCE_NUMBER"
	// AtTimestamp starts at the first record that arrived at Timestamp or
	// later; a Timestamp before the trim horizon starts at the trim
	// horizon.
	AtTimestamp IteratorType = "AT_TIMESTAMP"
)

// GetShardIteratorInput says which shard to read and where to start.
type GetShardIteratorInput struct {
	ShardID string
	Type    IteratorType
	// StartingSequenceNumber, for AtSequenceNumber and
	// AfterSequenceNumber, is a sequence number of a record of this shard
	// or one of its SequenceNumberRange as ListShards reports it (the
	// String form). The StartingSequenceNumber starts at the shard's first
	// record; a closed shard's EndingSequenceNumber starts at its end.
	StartingSequenceNumber string
	// Timestamp, for AtTimestamp, is the arrival time to start at: any
	// time (arrival times are in whole milliseconds, so one inside a
	// millisecond starts at the next whole one).
	Timestamp time.Time
}

// position is where an iterator reads next: after a sequence position, or
// at the first record arriving at or after a time.
type position struct {
	shard  uint32
	atTime bool
	after  uint64    // with !atTime: read records whose position is greater
	time   time.Time // with atTime
}

// iterator layout: version, kind, shard (4), position (8), expiry (8),
// signature (8).
const (
	iteratorVersion = 1
	iteratorLen     = 1 + 1 + 4 + 8 + 8 + 8
)

// encodeIterator makes the opaque iterator string for p, valid until
// expires. The signature is a keyed hash with the stream's seed, so the
// stream can tell an iterator it issued from one it did not.
func (s *Stream) encodeIterator(p position, expires time.Time) string {
	var b [iteratorLen]byte
	b[0] = iteratorVersion
	v := p.after
	if p.atTime {
		b[1] = 1
		v = uint64(p.time.UnixMilli())
	}
	binary.BigEndian.PutUint32(b[2:], p.shard)
	binary.BigEndian.PutUint64(b[6:], v)
	binary.BigEndian.PutUint64(b[14:], uint64(expires.UnixNano()))
	binary.BigEndian.PutUint64(b[22:], maphash.Bytes(s.seed, b[:22]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// decodeIterator checks an iterator's signature and expiry and returns its
// position.
func (s *Stream) decodeIterator(it string, now time.Time) (position, error) {
	var b [iteratorLen]byte
	if base64.RawURLEncoding.EncodedLen(iteratorLen) != len(it) {
		return position{}, ErrInvalidIterator
	}
	if n, err := base64.RawURLEncoding.Decode(b[:], []byte(it)); err != nil || n != iteratorLen {
		return position{}, ErrInvalidIterator
	}
	if b[0] != iteratorVersion || b[1] > 1 || binary.BigEndian.Uint64(b[22:]) != maphash.Bytes(s.seed, b[:22]) {
		return position{}, ErrInvalidIterator
	}
	expires := time.Unix(0, int64(binary.BigEndian.Uint64(b[14:])))
	if !now.Before(expires) {
		return position{}, fmt.Errorf("%w: it expired at %v", ErrExpiredIterator, expires.UTC())
	}
	p := position{shard: binary.BigEndian.Uint32(b[2:])}
	v := binary.BigEndian.Uint64(b[6:])
	if b[1] == 1 {
		p.atTime, p.time = true, time.UnixMilli(int64(v))
	} else {
		p.after = v
	}
	return p, nil
}

// GetShardIterator returns an iterator for GetRecords that starts in the
// shard where in says. It expires 5 minutes later (on the stream's clock).
// On a closed shard, Latest starts after its last record, and GetRecords
// then returns its children.
//
// It does not block, and is safe for concurrent use. It returns errors
// wrapping ErrShardNotFound, ErrInvalidArgument (an unknown Type, AtTimestamp
// without a Timestamp), ErrInvalidSequenceNumber (malformed, of another
// shard, or never given), a *ThroughputError over 5 calls a second per
// shard, or ErrClosed.
func (s *Stream) GetShardIterator(ctx context.Context, in GetShardIteratorInput) (string, error) {
	const op = "get shard iterator"
	seq, err := checkStart(in.Type, in.StartingSequenceNumber, in.Timestamp)
	if err != nil {
		return "", s.errorf(op, err)
	}
	now, err := s.lockOpen(ctx, op)
	if err != nil {
		return "", err
	}
	defer s.mu.Unlock()
	sh, err := s.shardLocked(in.ShardID, now)
	if err != nil {
		return "", s.errorf(op, err)
	}
	p, err := s.startLocked(sh, in.Type, seq, in.Timestamp)
	if err != nil {
		return "", s.errorf(op, err)
	}
	if sh.read != nil && !sh.read.iterators.AllowN(now, 1) {
		return "", s.errorf(op, &ThroughputError{Shard: sh.id, Limit: IteratorCalls})
	}
	return s.encodeIterator(p, now.Add(IteratorLifetime)), nil
}

// checkStart validates a starting position without the stream's state and
// returns its sequence number, if it has one.
func checkStart(typ IteratorType, seqStr string, ts time.Time) (SequenceNumber, error) {
	switch typ {
	case TrimHorizon, Latest:
	case AtSequenceNumber, AfterSequenceNumber:
		seq, err := ParseSequenceNumber(seqStr)
		if err != nil {
			return seq, fmt.Errorf("StartingSequenceNumber: %w", err)
		}
		return seq, nil
	case AtTimestamp:
		if ts.IsZero() {
			return SequenceNumber{}, fmt.Errorf("%w: AT_TIMESTAMP needs a Timestamp", ErrInvalidArgument)
		}
	default:
		return SequenceNumber{}, fmt.Errorf("%w: iterator type %q", ErrInvalidArgument, typ)
	}
	return SequenceNumber{}, nil
}

// startLocked is the position a reader of sh starts at.
func (s *Stream) startLocked(sh *shard, typ IteratorType, seq SequenceNumber, ts time.Time) (position, error) {
	if !seq.IsZero() && !sh.holds(seq, s.counter) {
		return position{}, fmt.Errorf("%w: %s is not a sequence number of %s", ErrInvalidSequenceNumber, seq, sh.id)
	}
	p := position{shard: sh.idx}
	switch typ {
	case Latest:
		p.after = s.counter
	case AtSequenceNumber:
		p.after = seq.n - 1
	case AfterSequenceNumber:
		p.after = seq.n
	case AtTimestamp:
		p.atTime, p.time = true, wholeMillis(ts)
	}
	return p, nil
}

// Arrival times are in whole milliseconds since 1970, which an int64
// holds for 292 million years either way; so does an AtTimestamp
// position, in the iterator.
var (
	earliestMillis = time.UnixMilli(math.MinInt64)
	latestMillis   = time.UnixMilli(math.MaxInt64)
)

// wholeMillis returns the first whole millisecond at or after t, within
// the int64 range. A record arrives at or after t exactly when it arrives
// at or after wholeMillis(t): no time is too early (it reads from the trim
// horizon) or too late (it reads only records arriving after it).
func wholeMillis(t time.Time) time.Time {
	switch {
	case t.Before(earliestMillis):
		return earliestMillis
	case !t.Before(latestMillis):
		return latestMillis
	}
	m := time.UnixMilli(t.UnixMilli())
	if m.Before(t) {
		m = m.Add(time.Millisecond)
	}
	return m
}

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
	out := GetRecordsOutput{Records: sh.recs.appendTo(make([]Record, 0, j-i), i, j)}
	sh.iteratorAge = 0
	if j > i {
		sh.iteratorAge = now.Sub(sh.recs.at(j - 1).ApproximateArrivalTimestamp)
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
		sz := len(r.Data) + len(r.PartitionKey)
		if j > i && size+sz > maxBytes {
			break
		}
		size += sz
	}
	next = p
	if j > i {
		next = position{shard: sh.idx, after: sh.recs.at(j - 1).SequenceNumber.n}
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
	return max(0, now.Sub(sh.recs.at(i).ApproximateArrivalTimestamp).Milliseconds())
}
