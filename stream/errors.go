package stream

import (
	"errors"
	"fmt"
)

// Errors of the stream's lifecycle and of lookups.
var (
	// ErrClosed is returned by every call made after Close, and ends every
	// subscription that was running when Close was called.
	ErrClosed = errors.New("stream: closed")

	// ErrShardNotFound is returned for a shard ID the stream does not have:
	// never made, or closed and expired after the retention period
	// (Kinesis ResourceNotFoundException).
	ErrShardNotFound = errors.New("stream: shard not found")

	// ErrShardClosed is returned by SplitShard and MergeShards for a shard
	// that is closed: only open shards can be resharded.
	ErrShardClosed = errors.New("stream: shard is closed")

	// ErrConsumerNotFound is returned for a consumer name that is not
	// registered.
	ErrConsumerNotFound = errors.New("stream: consumer not found")

	// ErrConsumerExists is returned by RegisterConsumer for a name already
	// registered (Kinesis ResourceInUseException).
	ErrConsumerExists = errors.New("stream: consumer already registered")

	// ErrResourceInUse is returned by SubscribeToShard when the consumer
	// subscribed to the same shard less than 5 seconds ago (Kinesis
	// ResourceInUseException).
	ErrResourceInUse = errors.New("stream: resource in use")

	// ErrSubscriptionReplaced ends a subscription when the same consumer
	// subscribes to the same shard again, 5 seconds or more after it.
	ErrSubscriptionReplaced = errors.New("stream: subscription taken over by a newer one")
)

// Errors of quotas. Over a shard's quota, calls fail with a
// *ThroughputError, which wraps ErrThroughputExceeded; other limits give
// ErrLimitExceeded.
var (
	// ErrThroughputExceeded is wrapped by every *ThroughputError (Kinesis
	// ProvisionedThroughputExceededException).
	ErrThroughputExceeded = errors.New("stream: provisioned throughput exceeded")

	// ErrLimitExceeded is returned when a count limit is reached: a split
	// beyond 10,000 open shards, more than 10 UpdateShardCount calls in a
	// rolling 24 hours, or more than 20 registered consumers (Kinesis
	// LimitExceededException).
	ErrLimitExceeded = errors.New("stream: limit exceeded")
)

// Errors of iterators.
var (
	// ErrInvalidIterator is returned for a shard iterator this stream never
	// issued: malformed, edited, or from another stream.
	ErrInvalidIterator = errors.New("stream: invalid shard iterator")

	// ErrExpiredIterator is returned for a shard iterator issued more than
	// 5 minutes ago (Kinesis ExpiredIteratorException).
	ErrExpiredIterator = errors.New("stream: shard iterator expired")
)

// Errors of bad input. Each is wrapped with the detail (which field, which
// value, which limit); none changes the stream.
var (
	// ErrInvalidConfig is returned by New for a Config field out of range.
	ErrInvalidConfig = errors.New("stream: invalid config")

	// ErrInvalidArgument is returned for a call parameter out of range: a
	// GetRecords limit, a retention period, an iterator type, a timestamp, a
	// target shard count, a consumer name (Kinesis InvalidArgumentException).
	ErrInvalidArgument = errors.New("stream: invalid argument")

	// ErrInvalidPartitionKey is returned for a partition key that is empty,
	// longer than 256 characters or not valid UTF-8.
	ErrInvalidPartitionKey = errors.New("stream: invalid partition key")

	// ErrInvalidHashKey is returned for an ExplicitHashKey or
	// NewStartingHashKey that is not a decimal integer in 0…2^128−1 written
	// without leading zeros (Kinesis: 0|([1-9]\d{0,38})), or a
	// split key not strictly inside the parent's range.
	ErrInvalidHashKey = errors.New("stream: invalid hash key")

	// ErrInvalidSequenceNumber is returned for a sequence number that is
	// malformed, not of the shard it is used with, or not given yet.
	ErrInvalidSequenceNumber = errors.New("stream: invalid sequence number")

	// ErrRecordTooLarge is returned for a record whose data plus partition
	// key exceed the stream's MaxRecordSize.
	ErrRecordTooLarge = errors.New("stream: record too large")

	// ErrTooManyRecords is returned for a PutRecords call of no record or
	// more than 500.
	ErrTooManyRecords = errors.New("stream: invalid number of records in request")

	// ErrRequestTooLarge is returned for a PutRecords call whose records
	// carry more than 5 MiB of data and partition keys in all.
	ErrRequestTooLarge = errors.New("stream: request too large")

	// ErrNotAdjacent is returned by MergeShards for two shards whose hash
	// key ranges do not touch.
	ErrNotAdjacent = errors.New("stream: shards are not adjacent")

	// ErrOnDemand is returned by SplitShard, MergeShards and
	// UpdateShardCount on an on-demand stream, which scales by itself.
	ErrOnDemand = errors.New("stream: not supported in on-demand mode")
)

// Quota names one per-shard or, on demand, per-stream throughput limit.
type Quota int

const (
	WriteRecords  Quota = iota // 1,000 records per second per shard
	WriteBytes                 // 1 MiB per second per shard
	ReadCalls                  // 5 GetRecords calls per second per shard
	ReadBytes                  // 2 MiB per second per shard, shared by GetRecords readers
	IteratorCalls              // 5 GetShardIterator calls per second per shard
	FanOutBytes                // 2 MiB per second per shard for each enhanced fan-out consumer

	OnDemandWriteRecords // an on-demand stream's write capacity in records per second
	OnDemandWriteBytes   // an on-demand stream's write capacity in bytes per second
)

func (q Quota) String() string {
	switch q {
	case WriteRecords:
		return "1000 records/s written"
	case WriteBytes:
		return "1 MiB/s written"
	case ReadCalls:
		return "5 GetRecords calls/s"
	case ReadBytes:
		return "2 MiB/s read"
	case IteratorCalls:
		return "5 GetShardIterator calls/s"
	case FanOutBytes:
		return "2 MiB/s pushed per consumer"
	case OnDemandWriteRecords:
		return "the on-demand stream's records/s written"
	case OnDemandWriteBytes:
		return "the on-demand stream's bytes/s written"
	}
	return fmt.Sprintf("Quota(%d)", int(q))
}

// ThroughputError is the error of a call, or of one record of PutRecords,
// over a throughput quota. It wraps ErrThroughputExceeded.
type ThroughputError struct {
	// Shard is the ID of the shard whose quota was reached; for the
	// on-demand stream's capacity, the shard the record was for.
	Shard string
	// Limit is the quota that was reached.
	Limit Quota
}

func (e *ThroughputError) Error() string {
	return fmt.Sprintf("stream: provisioned throughput exceeded: shard %s: %v", e.Shard, e.Limit)
}

// Unwrap returns ErrThroughputExceeded.
func (e *ThroughputError) Unwrap() error { return ErrThroughputExceeded }
