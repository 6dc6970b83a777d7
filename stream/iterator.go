package stream

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/maphash"
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
	// (the String form).
	StartingSequenceNumber string
	// Timestamp, for AtTimestamp, is the arrival time to start at.
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
		v = uint64(p.time.UnixNano())
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
		p.atTime, p.time = true, time.Unix(0, int64(v))
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
	if !seq.IsZero() && (seq.shard != sh.idx || seq.n > s.counter || !sh.open() && seq.n >= sh.end.n) {
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
		p.atTime, p.time = true, ts
	}
	return p, nil
}
