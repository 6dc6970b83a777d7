package stream

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// Putter writes records: what producers need.
type Putter interface {
	PutRecord(ctx context.Context, in PutRecordInput) (PutRecordOutput, error)
	PutRecords(ctx context.Context, entries []PutRecordsEntry) (PutRecordsOutput, error)
}

// ShardReader reads shards through iterators: what a polling consumer (the
// consumer library, delivery, analytics) needs.
type ShardReader interface {
	ListShards(ctx context.Context) ([]Shard, error)
	GetShardIterator(ctx context.Context, in GetShardIteratorInput) (string, error)
	GetRecords(ctx context.Context, in GetRecordsInput) (GetRecordsOutput, error)
}

var (
	_ Putter      = (*Stream)(nil)
	_ ShardReader = (*Stream)(nil)
)

// Record is a data record as read from a shard.
type Record struct {
	// SequenceNumber is the record's place in its shard and its identity in
	// the stream.
	SequenceNumber SequenceNumber
	// PartitionKey is the key the record was put with.
	PartitionKey string
	// Data is the record's data blob. It is shared by every reader of the
	// record: do not modify it. The records of one PutRecords call share
	// one allocation (Data's capacity is its length, so appending to it
	// copies): holding one record's Data keeps the whole batch's data,
	// up to 5 MiB, in memory; copy it to keep it longer than the batch.
	Data []byte
	// ApproximateArrivalTimestamp is when the stream stored the record, in
	// whole milliseconds, in UTC. It does not decrease from one record to
	// the next.
	ApproximateArrivalTimestamp time.Time
}

// HashKeyRange is an inclusive range of hash keys, in decimal.
type HashKeyRange struct {
	StartingHashKey string
	EndingHashKey   string
}

// SequenceNumberRange bounds the sequence numbers of a shard's records.
type SequenceNumberRange struct {
	// StartingSequenceNumber is at or before the shard's first record.
	StartingSequenceNumber SequenceNumber
	// EndingSequenceNumber is after the shard's last record once the shard
	// is closed; it is zero while the shard is open.
	EndingSequenceNumber SequenceNumber
}

// Shard describes a shard, as ListShards reports it.
type Shard struct {
	ShardID string
	// ParentShardID is the shard this one was split from, or the first of
	// the two it was merged from; empty for a shard made with the stream.
	ParentShardID string
	// AdjacentParentShardID is the second shard of a merge, else empty.
	AdjacentParentShardID string
	HashKeyRange          HashKeyRange
	SequenceNumberRange   SequenceNumberRange
}

// Closed reports whether the shard is closed: it takes no more records, and
// its children continue its keys.
func (s Shard) Closed() bool { return !s.SequenceNumberRange.EndingSequenceNumber.IsZero() }

// ChildShard names a shard that continues part of a closed shard's keys.
type ChildShard struct {
	ShardID      string
	ParentShards []string
	HashKeyRange HashKeyRange
}

// Stats are the stream's CloudWatch-style figures.
type Stats struct {
	OpenShards, ClosedShards int
	// Records is how many records the stream holds now.
	Records int
	// IncomingRecords and IncomingBytes count what was stored since New
	// (bytes are data plus partition keys).
	IncomingRecords, IncomingBytes int64
	// WriteProvisionedThroughputExceeded counts records refused over a
	// write quota; ReadProvisionedThroughputExceeded counts GetRecords calls
	// refused over a read quota.
	WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded int64
	// IteratorAge is the largest, over the shards, of the age of the last
	// record that the latest GetRecords of the shard returned (0 when that
	// call was caught up): how far behind the readers are.
	IteratorAge time.Duration
	// Retention is the current retention period.
	Retention time.Duration
}

// Stream is a data stream. Make one with New; its methods are safe for
// concurrent use.
type Stream struct {
	cfg  Config // resolved; Retention is the initial one
	clk  clock.Clock
	seed maphash.Seed // signs iterators; fixed at New
	keys keyCache     // hash keys of recent partition keys; has its own mutex

	mu          sync.Mutex
	closed      bool                 // guarded by mu
	retention   time.Duration        // guarded by mu
	counter     uint64               // last sequence position given; guarded by mu
	lastArrival time.Time            // guarded by mu
	nextIndex   uint32               // index of the next shard made; guarded by mu
	shards      map[uint32]*shard    // every shard not yet expired; guarded by mu
	open        []*shard             // the open shards, by hash range; guarded by mu
	nextTrim    time.Time            // earliest retention deadline, zero if none; guarded by mu
	timer       *clock.Timer         // fires at timerAt; guarded by mu
	timerAt     time.Time            // guarded by mu
	scalings    []time.Time          // UpdateShardCount calls of the last 24 h; guarded by mu
	demand      *demand              // on-demand capacity, nil when provisioned; guarded by mu
	consumers   map[string]*consumer // registered fan-out consumers; guarded by mu
	chunks      chunkPool            // emptied record chunks; guarded by mu
	stats       Stats                // running totals; guarded by mu

	subs sync.WaitGroup // running subscription goroutines
}

// New makes a stream as Kinesis CreateStream does: Config.Shards shards
// (4 on demand) splitting the hash key space evenly. It returns an error
// wrapping ErrInvalidConfig for a Config out of range. The stream starts no
// goroutine; it arms one clock timer, for retention, once it holds records.
func New(cfg Config) (*Stream, error) {
	c, err := resolve(cfg)
	if err != nil {
		return nil, fmt.Errorf("stream %q: new: %w", cfg.Name, err)
	}
	s := &Stream{
		cfg:       c,
		clk:       c.Clock,
		seed:      maphash.MakeSeed(),
		keys:      keyCache{seed: maphash.MakeSeed()},
		retention: c.Retention,
		shards:    make(map[uint32]*shard),
		consumers: make(map[string]*consumer),
	}
	if c.Mode == OnDemand && c.Limits == Enforced {
		s.demand = newDemand(s.clk.Now(), c.MaxRecordSize)
	}
	for _, r := range evenRanges(c.Shards) {
		s.open = append(s.open, s.newShardLocked(r, "", ""))
	}
	return s, nil
}

// Name returns the stream's name.
func (s *Stream) Name() string { return s.cfg.Name }

// Mode returns the stream's capacity mode.
func (s *Stream) Mode() Mode { return s.cfg.Mode }

func (s *Stream) errorf(op string, err error) error {
	return fmt.Errorf("stream %q: %s: %w", s.cfg.Name, op, err)
}

// lockOpen takes the lock, unless the stream is closed or ctx done, and
// returns the time of the call. It sweeps the shards if a retention
// deadline has passed; calls that read a shard trim it exactly
// (liveShardLocked).
func (s *Stream) lockOpen(ctx context.Context, op string) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return time.Time{}, s.errorf(op, ErrClosed)
	}
	now := s.clk.Now()
	s.sweepLocked(now, false)
	return now, nil
}

// shardLocked finds a shard by ID, trimmed for now.
func (s *Stream) shardLocked(id string, now time.Time) (*shard, error) {
	idx, ok := parseShardID(id)
	if ok {
		if sh := s.liveShardLocked(idx, now); sh != nil {
			return sh, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrShardNotFound, id)
}

// ListShards describes the stream's shards, open and closed (until they
// expire), in the order they were made. The slice is the caller's. It does
// not block, is safe for concurrent use, and returns ErrClosed after Close.
func (s *Stream) ListShards(ctx context.Context) ([]Shard, error) {
	now, err := s.lockOpen(ctx, "list shards")
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	s.sweepLocked(now, true)
	shards := slices.Collect(maps.Values(s.shards))
	slices.SortFunc(shards, func(a, b *shard) int { return cmp.Compare(a.idx, b.idx) })
	out := make([]Shard, len(shards))
	for i, sh := range shards {
		out[i] = sh.describe()
	}
	return out, nil
}

// Stats returns the stream's figures. It does not block, is safe for
// concurrent use, and returns ErrClosed after Close.
func (s *Stream) Stats() (Stats, error) {
	now, err := s.lockOpen(context.Background(), "stats")
	if err != nil {
		return Stats{}, err
	}
	defer s.mu.Unlock()
	s.sweepLocked(now, true)
	st := s.stats
	st.Retention = s.retention
	for _, sh := range s.shards {
		if sh.open() {
			st.OpenShards++
		} else {
			st.ClosedShards++
		}
		st.Records += sh.recs.len()
		st.IteratorAge = max(st.IteratorAge, sh.iteratorAge)
	}
	return st, nil
}

// Close drops every record, ends every subscription with ErrClosed and
// stops the stream's timer; it returns once the subscriptions' goroutines
// have returned. Later calls return ErrClosed. Close is idempotent and
// returns nil.
func (s *Stream) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		if s.timer != nil {
			s.timer.Stop()
			s.timer = nil
		}
		for _, c := range s.consumers {
			for _, sub := range c.subs {
				sub.endLocked(ErrClosed)
			}
		}
		for _, sh := range s.shards {
			sh.recs.reset()
			sh.wakeLocked()
		}
	}
	s.mu.Unlock()
	s.subs.Wait()
	return nil
}
