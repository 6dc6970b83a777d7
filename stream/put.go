package stream

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"
)

// PutRecordInput is one record to put.
type PutRecordInput struct {
	// PartitionKey routes the record: 1–256 Unicode characters. Its MD5
	// picks the shard, unless ExplicitHashKey is set.
	PartitionKey string
	// Data is the record's data; it is copied. Data plus PartitionKey are
	// at most the stream's MaxRecordSize bytes.
	Data []byte
	// ExplicitHashKey, if set, is the hash key that picks the shard
	// instead of the MD5 of PartitionKey: a decimal integer in 0…2^128−1
	// written without leading zeros, as Kinesis requires.
	ExplicitHashKey string
	// SequenceNumberForOrdering, if set, is a sequence number of this
	// stream that the record's sequence number will exceed: pass the
	// previous record's to keep a key's records strictly in order.
	SequenceNumberForOrdering string
}

// PutRecordOutput says where a record went.
type PutRecordOutput struct {
	ShardID        string
	SequenceNumber SequenceNumber
}

// PutRecordsEntry is one record of a PutRecords call.
type PutRecordsEntry struct {
	PartitionKey    string
	Data            []byte
	ExplicitHashKey string
}

// PutRecordsResult is the outcome of one record of a PutRecords call:
// where it went, or why it failed.
type PutRecordsResult struct {
	ShardID        string
	SequenceNumber SequenceNumber
	// ErrorCode is empty for a stored record, else
	// "ProvisionedThroughputExceededException".
	ErrorCode    string
	ErrorMessage string
	// Err is nil for a stored record, else a *ThroughputError.
	Err error
}

// PutRecordsOutput holds one result per entry, in the entries' order.
type PutRecordsOutput struct {
	FailedRecordCount int
	Records           []PutRecordsResult
}

// ErrorCode of a record refused over a throughput quota.
const ErrorCodeThroughputExceeded = "ProvisionedThroughputExceededException"

// PutRecord stores one record in the open shard whose hash key range holds
// its hash key, and returns the shard and the record's sequence number.
//
// It does not block, and is safe for concurrent use. Bad input returns an
// error wrapping ErrInvalidPartitionKey, ErrInvalidHashKey,
// ErrInvalidSequenceNumber or ErrRecordTooLarge; a shard over its write
// quota returns a *ThroughputError (wrapping ErrThroughputExceeded); after
// Close, ErrClosed. A record that is not stored changes nothing (but on
// demand, a put may first split shards: see the package doc).
func (s *Stream) PutRecord(ctx context.Context, in PutRecordInput) (PutRecordOutput, error) {
	const op = "put record"
	h, hashed, size, err := s.check(in.PartitionKey, in.Data, in.ExplicitHashKey)
	if err != nil {
		return PutRecordOutput{}, s.errorf(op, err)
	}
	if !hashed {
		h = s.keys.hashOf(in.PartitionKey)
	}
	var order uint64
	if in.SequenceNumberForOrdering != "" {
		seq, err := ParseSequenceNumber(in.SequenceNumberForOrdering)
		if err != nil {
			return PutRecordOutput{}, s.errorf(op, fmt.Errorf("SequenceNumberForOrdering: %w", err))
		}
		order = seq.n
	}
	data := append(make([]byte, 0, len(in.Data)), in.Data...)
	now, err := s.lockOpen(ctx, op)
	if err != nil {
		return PutRecordOutput{}, err
	}
	defer s.mu.Unlock()
	if order > s.counter {
		return PutRecordOutput{}, s.errorf(op, fmt.Errorf("%w: SequenceNumberForOrdering %s was never given",
			ErrInvalidSequenceNumber, in.SequenceNumberForOrdering))
	}
	now = s.arrivalLocked(now)
	s.demandLocked(now)
	sh := s.shardForLocked(h)
	if err := s.takeWriteLocked(sh, now, h, size); err != nil {
		return PutRecordOutput{}, s.errorf(op, err)
	}
	seq := s.appendLocked(sh, now, in.PartitionKey, data, size)
	return PutRecordOutput{ShardID: sh.id, SequenceNumber: seq}, nil
}

// PutRecords stores up to 500 records, each in the open shard its hash key
// picks, and reports for each where it went or why it failed. A record over
// its shard's write quota fails alone (ErrorCode
// "ProvisionedThroughputExceededException", Err a *ThroughputError); the
// others are stored. As in Kinesis, the order of the stored records among
// themselves is not promised (here it is the entries' order).
//
// The data of the stored records is copied into one allocation, which a
// reader that keeps one record's Data keeps whole (see Record.Data).
//
// It does not block, and is safe for concurrent use. The whole call fails,
// storing nothing, for no entry or more than 500 (ErrTooManyRecords), more
// than 5 MiB of data and partition keys (ErrRequestTooLarge), or one bad
// entry (the errors of PutRecord); after Close it returns ErrClosed.
func (s *Stream) PutRecords(ctx context.Context, entries []PutRecordsEntry) (PutRecordsOutput, error) {
	const op = "put records"
	if len(entries) == 0 || len(entries) > MaxPutRecords {
		return PutRecordsOutput{}, s.errorf(op, fmt.Errorf("%w: %d records, want 1–500", ErrTooManyRecords, len(entries)))
	}
	var hashes [MaxPutRecords]hashKey
	var hashed [MaxPutRecords]bool
	var sizes [MaxPutRecords]int32
	total, dataLen := 0, 0
	for i, e := range entries {
		h, ok, size, err := s.check(e.PartitionKey, e.Data, e.ExplicitHashKey)
		if err != nil {
			return PutRecordsOutput{}, s.errorf(op, fmt.Errorf("record %d: %w", i, err))
		}
		hashes[i], hashed[i], sizes[i] = h, ok, int32(size)
		total += size
		dataLen += len(e.Data)
	}
	if total > MaxPutRecordsSize {
		return PutRecordsOutput{}, s.errorf(op, fmt.Errorf("%w: %d bytes of data and partition keys, at most %d",
			ErrRequestTooLarge, total, MaxPutRecordsSize))
	}
	s.keys.hashEntries(entries, &hashed, &hashes)
	// One allocation holds the copies of every record's data, made before
	// the lock and so before the quotas decide which are stored: the
	// entries that fail leave their space unused. Copying each record on
	// its own costs 10-20% more per record (BenchmarkPutRecords).
	slab := make([]byte, dataLen)
	out := PutRecordsOutput{Records: make([]PutRecordsResult, len(entries))}

	now, err := s.lockOpen(ctx, op)
	if err != nil {
		return PutRecordsOutput{}, err
	}
	defer s.mu.Unlock()
	now = s.arrivalLocked(now)
	s.demandLocked(now)
	off := 0
	for i, e := range entries {
		sh := s.shardForLocked(hashes[i])
		if err := s.takeWriteLocked(sh, now, hashes[i], int(sizes[i])); err != nil {
			out.FailedRecordCount++
			out.Records[i] = PutRecordsResult{
				ErrorCode:    ErrorCodeThroughputExceeded,
				ErrorMessage: err.Error(),
				Err:          s.errorf(op, err),
			}
			continue
		}
		n := copy(slab[off:], e.Data)
		data := slab[off : off+n : off+n]
		off += n
		seq := s.appendLocked(sh, now, e.PartitionKey, data, int(sizes[i]))
		out.Records[i] = PutRecordsResult{ShardID: sh.id, SequenceNumber: seq}
	}
	return out, nil
}

// check validates a record and returns its size and, when it has an
// explicit one, its hash key (and true).
func (s *Stream) check(key string, data []byte, explicit string) (hashKey, bool, int, error) {
	if len(key) == 0 || len(key) > 4*MaxPartitionKeyLen || !utf8.ValidString(key) ||
		len(key) > MaxPartitionKeyLen && utf8.RuneCountInString(key) > MaxPartitionKeyLen {
		return hashKey{}, false, 0, fmt.Errorf("%w: %d bytes; want 1–256 Unicode characters as UTF-8", ErrInvalidPartitionKey, len(key))
	}
	size := len(key) + len(data)
	if size > s.cfg.MaxRecordSize {
		return hashKey{}, false, 0, fmt.Errorf("%w: %d bytes of data and partition key, at most %d", ErrRecordTooLarge, size, s.cfg.MaxRecordSize)
	}
	if explicit != "" {
		h, ok := parseHashKey(explicit)
		if !ok {
			return hashKey{}, false, 0, fmt.Errorf("%w: ExplicitHashKey %q is not a decimal integer in 0…2^128−1 without leading zeros", ErrInvalidHashKey, explicit)
		}
		return h, true, size, nil
	}
	return hashKey{}, false, size, nil
}

// arrivalLocked is the arrival time of records put at now: in whole
// milliseconds, in UTC, and never before the stream's previous record.
func (s *Stream) arrivalLocked(now time.Time) time.Time {
	t := now.Truncate(time.Millisecond).UTC()
	if t.Before(s.lastArrival) {
		t = s.lastArrival
	}
	s.lastArrival = t
	return t
}

// takeWriteLocked spends a record's worth (hash key h, size bytes) of the
// shard's write quota and, on demand, of the stream's capacity: both, or
// neither.
func (s *Stream) takeWriteLocked(sh *shard, now time.Time, h hashKey, size int) error {
	if sh.write == nil {
		return nil
	}
	q, ok := sh.write.check(now, size)
	if ok && s.demand != nil {
		if q, ok = s.demand.write.check(now, size); !ok {
			q += OnDemandWriteRecords - WriteRecords
		}
	}
	if !ok {
		s.stats.WriteProvisionedThroughputExceeded++
		return &ThroughputError{Shard: sh.id, Limit: q}
	}
	sh.write.spend(now, size)
	if s.demand != nil {
		s.demand.write.spend(now, size)
		s.demand.add(size)
		sh.countLocked(now, h)
	}
	return nil
}

// appendLocked stores a record in an open shard and returns its sequence
// number.
func (s *Stream) appendLocked(sh *shard, now time.Time, key string, data []byte, size int) SequenceNumber {
	s.counter++
	seq := SequenceNumber{n: s.counter, shard: sh.idx}
	sh.recs.append(Record{SequenceNumber: seq, PartitionKey: key, Data: data, ApproximateArrivalTimestamp: now}, &s.chunks)
	s.stats.IncomingRecords++
	s.stats.IncomingBytes += int64(size)
	if s.nextTrim.IsZero() {
		s.noteDeadlineLocked(now.Add(s.retention))
	}
	sh.wakeLocked()
	return seq
}
