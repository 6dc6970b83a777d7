// Package stream is an in-process data stream with the semantics of Amazon
// Kinesis Data Streams: records routed to shards by the MD5 of their
// partition key, ordered per shard by sequence number, kept for the
// retention period, read through shard iterators or pushed to registered
// consumers, with the per-shard quotas and resharding, all on an
// injectable clock.
//
// # Semantics
//
// New makes a stream of Config.Shards shards that split the 128-bit hash
// key space evenly, as CreateStream does: with N shards the step is
// ⌊2^128/N⌋, shard i starts at i·step and the last ends at 2^128−1. Shard
// IDs are "shardId-" and 12 digits, numbered in the order shards are made.
//
// PutRecord and PutRecords store records. A record's hash key is the MD5 of
// its partition key read as a big-endian unsigned 128-bit integer, or its
// ExplicitHashKey; it goes to the open shard whose range holds that key.
// Each stored record gets a sequence number, larger than that of every
// record stored before it in the stream, so sequence numbers increase per
// shard and are unique in the stream. Data is copied on the way in.
// PutRecords reports one result per entry: an entry over its shard's write
// quota fails alone and the others are stored.
//
// GetShardIterator returns an opaque iterator into a shard (TrimHorizon,
// Latest, AtSequenceNumber, AfterSequenceNumber, AtTimestamp); GetRecords
// reads at it and returns the next one. Iterators expire 5 minutes after
// they are issued, and are signed: one that was edited, or issued by
// another stream, is refused. An iterator at records that have since been
// trimmed reads from the oldest record kept; AtTimestamp before the trim
// horizon starts there too (any date: the position is held in whole
// milliseconds, as arrival times are). Finding a sequence number or timestamp is a
// binary search, O(log n).
//
// Records are kept for the retention period (IncreaseRetention and
// DecreaseRetention change it) and then trimmed: never returned again and
// their memory released. A call trims the shard it reads exactly; a sweep
// of all shards runs once a retention deadline has passed (deadlines
// rounded up to the second, so at most once a second of clock time under
// steady traffic), from the next call or from the stream's one clock
// timer, whichever comes first.
//
// SplitShard, MergeShards and UpdateShardCount reshard a provisioned
// stream. The shards they replace are closed: they take no more records,
// stay readable to their end, and GetRecords at that end returns no next
// iterator and the ChildShards that continue their keys. A closed shard is
// gone (ErrShardNotFound, and missing from ListShards) once the retention
// period has passed since it closed. The open shards always tile the whole
// hash key space. A key's records stay in put order for a reader that
// reads a shard's parents to their ends before the shard: ListShards gives
// each shard's ParentShardID and AdjacentParentShardID for that.
//
// RegisterConsumer and SubscribeToShard are enhanced fan-out: a registered
// consumer subscribes to a shard from a starting position and the stream
// pushes its records on the Subscription's channel, with a throughput of
// its own, until the subscription has run 5 minutes on the clock (or the
// shard ends, or it is replaced); the consumer then subscribes again after
// the last ContinuationSequenceNumber.
//
// # Limits and defaults
//
// The zero Config is a provisioned stream of one shard, as Kinesis has
// it:
//
//	Shards         1          (1–10,000; on demand, 4)
//	Retention      24 h       (24 h–8,760 h)
//	MaxRecordSize  1 MiB      (1–10 MiB; data + partition key)
//	Limits         Enforced   (Unlimited lifts the throughput quotas)
//
// Partition keys are 1–256 Unicode characters. PutRecords takes 1–500
// records and at most 5 MiB of data and keys. GetRecords returns at most
// Limit (1–10,000) records and 10 MiB (but always one record, however
// large). A split key must be more than the parent's starting hash key
// plus one and less than its ending hash key. UpdateShardCount goes to at
// least half and at most twice the open shards, at most 10 times in a
// rolling 24 hours. A stream has at most 20 registered consumers; consumer
// names, like stream names, are 1–128 characters of [a-zA-Z0-9_.-].
//
// Quotas per shard, as token buckets on the stream's clock (golang.org/x/time/rate)
// that hold one second's worth: writes 1,000 records and 1 MiB a second
// (the byte bucket holds at least one MaxRecordSize record, so a large
// record passes on a rested shard, which then waits); GetShardIterator 5
// calls a second; GetRecords 5 calls a second and 2 MiB a second shared by
// its readers. A response's size is known only after it is read, so it is
// paid after the fact: one that fits in the bytes the bucket holds is taken
// from them; one that does not is owed in full, and the shard's calls fail
// until the debt is paid at 2 MiB/s: after a 10 MiB response, for the next
// 5 seconds. Each fan-out consumer gets 2 MiB a second of each shard the
// same way, and its subscription waits (on a clock timer) rather than
// fails. Over a quota a call fails with a *ThroughputError; in PutRecords,
// only the record.
//
// An on-demand stream keeps every per-shard quota (so one partition key
// is throttled at one shard's 1,000 records and 1 MiB a second, as in
// Kinesis), and each record also takes from the stream's write capacity:
// 4 MiB and 4,000 records a second at first, then twice the highest
// one-second throughput of the last 30 days, in whole shard units (1 MiB/s
// and 1,000 records/s each), up to 10 GiB/s. It starts with 4 shards; when
// its capacity grows past its open shards, the next put splits the
// busiest of them (most records in the second just ended) at the middle of
// their hash key range until there is an open shard per unit (at most
// 10,000); ListShards shows the splits. Only a shard of at least 4 hash
// keys is split, as SplitShard requires, and not one whose records of that
// second all had one hash key (its halves would not share them): a hot
// key's shard is left as it is, and the next busiest is split. It cannot
// be resharded by hand.
//
// Stats reports CloudWatch-style figures: incoming records and bytes,
// throttled writes (records) and reads (calls), and the iterator age.
//
// # Errors
//
// Every error but ctx.Err() wraps a sentinel of this package, with the
// stream's name and the operation: branch with errors.Is. Bad input
// (ErrInvalidArgument, ErrInvalidPartitionKey, ErrInvalidHashKey,
// ErrInvalidSequenceNumber, ErrRecordTooLarge, ErrTooManyRecords,
// ErrRequestTooLarge, ErrNotAdjacent, ErrShardClosed) changes nothing; a
// bad entry fails the whole PutRecords call, as Kinesis validates requests
// before it stores anything. Over a quota: a *ThroughputError, which names
// the shard and the Quota and wraps ErrThroughputExceeded (Kinesis
// ProvisionedThroughputExceededException); in PutRecords, in the record's
// result, with ErrorCode "ProvisionedThroughputExceededException".
// Iterators: ErrInvalidIterator, ErrExpiredIterator. Lookups:
// ErrShardNotFound, ErrConsumerNotFound, ErrConsumerExists. Fan-out:
// ErrResourceInUse, ErrSubscriptionReplaced. ErrLimitExceeded for the
// shard, scaling and consumer limits, ErrOnDemand for resharding an
// on-demand stream, ErrClosed after Close.
//
// # Concurrency
//
// A Stream is safe for concurrent use. No call blocks but Close (which
// waits for the subscriptions' goroutines to return, and they return
// promptly): each takes the stream's mutex once for its work (a
// PutRecords of 500 records takes it once), and none calls user code.
// Puts also take, before it and never while holding it, the mutex of a
// small cache of the hash keys of recent partition keys (4,096 of them,
// 128 KiB per stream from its first put, plus its own copies of the
// keys), which spares a repeated key its MD5; the MD5s of new keys are
// computed under neither. Bookkeeping is
// O(log n) per record located: each shard keeps its records in chunks of
// 1,024 (the first starts at 16 and doubles, so an idle shard costs about
// a kilobyte), appended at the end and trimmed from the front; there is no
// goroutine or timer per record.
//
// The stream runs no goroutine of its own. It arms one clock timer, for
// retention. Each active subscription runs one goroutine, which sends its
// events on an unbuffered channel and otherwise waits for a signal that
// the shard changed (a put, a close), for a clock timer (its rate), for its
// end (5 minutes on a clock timer armed when it starts), for its context,
// or for Close. Close ends every subscription with ErrClosed, waits for
// their goroutines to return, stops the timer, drops the records, and
// makes every later call return ErrClosed.
//
// Time comes only from Config.Clock. With a *clock.Mock, the mock's Add
// moves arrival times, retention, iterator and subscription lifetimes and
// the quotas; a subscription waiting on its rate wakes from Add, in a
// goroutine, so a test waits for its events (testing/synctest's Wait tells
// when it has settled).
//
// # Differences from AWS
//
//   - Sequence numbers are 32 digits ("49", the stream's write counter in
//     20 digits, the shard's index in 10), not about 56, and do not jump with
//     the time between puts. Making a shard uses one number, its
//     StartingSequenceNumber, and closing it another, its
//     EndingSequenceNumber; no record takes either. Both are valid
//     iterator starts, and AT and AFTER a StartingSequenceNumber are the
//     same position: before the shard's first record.
//     SequenceNumberForOrdering must be a sequence number this stream has
//     given (ErrInvalidSequenceNumber otherwise); since every record gets a
//     number above all earlier ones, order per key is always kept.
//   - Arrival times are monotonic: a record never arrives before the
//     stream's previous one, even if the clock goes back.
//   - Records stored by one PutRecords keep the entries' order (Kinesis
//     promises no order across the entries of a request).
//   - Resharding is immediate: there is no UPDATING status, and reads and
//     writes see the new shards at once. UpdateShardCount makes its
//     intermediate shards (splits at the new boundaries, then merges) in the
//     same call; they are closed and empty from the start, and readers pass
//     through them to the final shards. A closed shard expires a retention
//     period after it closed.
//   - The throughput quotas are exact token buckets and debts as described
//     above; Kinesis allows some short bursts beyond them. GetShardIterator
//     also counts calls on closed shards. On demand, capacity follows the
//     peak at once, in the second after it, rather than within 15
//     minutes; the stream adds shards only by splitting its busiest ones in
//     halves (Kinesis chooses its own splits) and never merges them when
//     the capacity shrinks back. Neither can split a shard below one hash
//     key: here a shard of one key's records is not split at all, and no
//     shard is split below 2 keys.
//   - Fan-out events carry only records (or the shard's end): there are no
//     empty heartbeat events. An event holds at most 1 MiB of data and
//     keys. SubscribeToShard returns a Subscription whose channel the caller
//     reads, not an HTTP/2 event stream; a slow reader slows its own
//     subscription and loses nothing. Consumers are named, not ARNs, and are
//     ACTIVE at once.
//   - Record Data is shared by every reader of the record (GetRecords and
//     fan-out copy the Record values, not the bytes): do not modify it.
//     The records of one PutRecords share one allocation, so one retained
//     Data keeps the batch's data (up to 5 MiB) alive.
//   - Streams have no ARNs, tags, encryption, stream-level monitoring
//     settings, capacity-mode switching or UpdateMaxRecordSize after New;
//     ListShards has no filters or pagination; stats are exact.
package stream
