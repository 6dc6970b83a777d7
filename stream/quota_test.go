package stream_test

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/stream"
)

func requireThroughput(t *testing.T, err error, shard string, q stream.Quota) {
	t.Helper()
	require.ErrorIs(t, err, stream.ErrThroughputExceeded)
	var te *stream.ThroughputError
	require.True(t, errors.As(err, &te), "%v", err)
	require.Equal(t, shard, te.Shard)
	require.Equal(t, q, te.Limit)
}

func batch(n int, size int) []stream.PutRecordsEntry {
	entries := make([]stream.PutRecordsEntry, n)
	for i := range entries {
		entries[i] = stream.PutRecordsEntry{PartitionKey: "k", Data: make([]byte, size)}
	}
	return entries
}

// 1,000 records a second per shard: the 1,001st fails, alone, and a second
// later the shard takes 1,000 more.
func TestWriteRecordsQuota(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Shards: 2, Clock: clk})
	for range 2 {
		out, err := s.PutRecords(ctx, batch(500, 1))
		require.NoError(t, err)
		require.Zero(t, out.FailedRecordCount)
	}
	// the other shard still takes records ("a" is in shard 0, "k" in 1)
	require.Equal(t, id(0), put(t, s, "a", "x").ShardID)
	out, err := s.PutRecords(ctx, []stream.PutRecordsEntry{{PartitionKey: "a"}, {PartitionKey: "k"}, {PartitionKey: "a"}})
	require.NoError(t, err)
	require.Equal(t, 1, out.FailedRecordCount)
	require.Empty(t, out.Records[0].ErrorCode)
	require.Equal(t, stream.ErrorCodeThroughputExceeded, out.Records[1].ErrorCode)
	require.NotEmpty(t, out.Records[1].ErrorMessage)
	requireThroughput(t, out.Records[1].Err, id(1), stream.WriteRecords)
	require.Empty(t, out.Records[2].ErrorCode)
	require.True(t, out.Records[1].SequenceNumber.IsZero())

	_, err = s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k"})
	requireThroughput(t, err, id(1), stream.WriteRecords)

	clk.Add(999 * time.Millisecond)
	out, err = s.PutRecords(ctx, batch(500, 1))
	require.NoError(t, err)
	require.Zero(t, out.FailedRecordCount)
	out, err = s.PutRecords(ctx, batch(500, 1))
	require.NoError(t, err)
	require.Equal(t, 1, out.FailedRecordCount, "999 records' worth back after 999 ms")
	requireThroughput(t, out.Records[499].Err, id(1), stream.WriteRecords)
	clk.Add(time.Second)
	out, err = s.PutRecords(ctx, batch(500, 1))
	require.NoError(t, err)
	require.Zero(t, out.FailedRecordCount)

	st, err := s.Stats()
	require.NoError(t, err)
	require.EqualValues(t, 3, st.WriteProvisionedThroughputExceeded)
	recs, _ := readAll(t, s, id(1))
	require.Len(t, recs, 1000+999+500, "accepted records all stored")
}

// 1 MiB a second per shard, keys included.
func TestWriteBytesQuota(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk})
	out, err := s.PutRecords(ctx, batch(4, 1<<18-1)) // 4 × 256 KiB with the key
	require.NoError(t, err)
	require.Zero(t, out.FailedRecordCount)
	_, err = s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k"})
	requireThroughput(t, err, id(0), stream.WriteBytes)
	clk.Add(time.Second)
	_, err = s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: make([]byte, 1<<20-1)})
	require.NoError(t, err)
}

// 5 GetRecords calls a second per shard, shared by its readers; a
// throttled call returns no records.
func TestReadCallsQuota(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk})
	put(t, s, "k", "x")
	it := trimHorizon(t, s, id(0))
	for range 5 {
		getRecords(t, s, it)
	}
	out, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
	requireThroughput(t, err, id(0), stream.ReadCalls)
	require.Empty(t, out.Records)
	clk.Add(200 * time.Millisecond)
	getRecords(t, s, it)
	_, err = s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
	requireThroughput(t, err, id(0), stream.ReadCalls)
	clk.Add(time.Second)
	for range 5 {
		getRecords(t, s, it)
	}
	st, _ := s.Stats()
	require.EqualValues(t, 2, st.ReadProvisionedThroughputExceeded)
}

// 2 MiB a second of responses per shard: a 10 MiB response costs the next
// 5 seconds.
func TestReadBytesQuota(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk, MaxRecordSize: 10 << 20})
	for range 10 {
		_, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: make([]byte, 1<<20-1)})
		require.NoError(t, err)
		clk.Add(time.Second) // within the write quota
	}
	it := trimHorizon(t, s, id(0))
	out := getRecords(t, s, it)
	require.Len(t, out.Records, 10)
	clk.Add(5*time.Second - time.Millisecond)
	_, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: out.NextShardIterator})
	requireThroughput(t, err, id(0), stream.ReadBytes)
	clk.Add(time.Millisecond)
	getRecords(t, s, out.NextShardIterator)

	// small responses within the second's 2 MiB pass at once
	clk.Add(time.Second)
	it = trimHorizon(t, s, id(0))
	out, err = s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it, Limit: 1})
	require.NoError(t, err)
	out, err = s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: out.NextShardIterator, Limit: 1})
	require.NoError(t, err)
	// the budget is spent: the next call waits for it
	_, err = s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: out.NextShardIterator, Limit: 1})
	require.NoError(t, err, "the bucket held 2 MiB; two 1 MiB reads leave it at 0")
	_, err = s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: out.NextShardIterator, Limit: 1})
	requireThroughput(t, err, id(0), stream.ReadBytes)
}

func TestGetShardIteratorQuota(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk})
	for range 5 {
		trimHorizon(t, s, id(0))
	}
	_, err := s.GetShardIterator(ctx, stream.GetShardIteratorInput{ShardID: id(0), Type: stream.Latest})
	requireThroughput(t, err, id(0), stream.IteratorCalls)
	clk.Add(time.Second)
	trimHorizon(t, s, id(0))
}

func TestUnlimitedLiftsQuotas(t *testing.T) {
	s := newStream(t, stream.Config{Limits: stream.Unlimited})
	for range 10 {
		out, err := s.PutRecords(ctx, batch(500, 1000))
		require.NoError(t, err)
		require.Zero(t, out.FailedRecordCount)
	}
	it := trimHorizon(t, s, id(0))
	for range 20 {
		out := getRecords(t, s, it)
		require.Len(t, out.Records, 5000)
		trimHorizon(t, s, id(0))
	}
	st, _ := s.Stats()
	require.Zero(t, st.WriteProvisionedThroughputExceeded+st.ReadProvisionedThroughputExceeded)
}

// On demand, a shard still takes 1,000 records a second, as AWS says of
// both capacity modes: one partition key, so one shard, is throttled at a
// shard's rate however much capacity the stream has.
func TestOnDemandShardQuota(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Mode: stream.OnDemand, Clock: clk})
	for range 2 {
		out, err := s.PutRecords(ctx, batch(500, 1))
		require.NoError(t, err)
		require.Zero(t, out.FailedRecordCount)
	}
	out, err := s.PutRecords(ctx, batch(500, 1))
	require.NoError(t, err)
	require.Equal(t, 500, out.FailedRecordCount)
	var te *stream.ThroughputError
	require.ErrorAs(t, out.Records[0].Err, &te)
	require.Equal(t, stream.WriteRecords, te.Limit)
	// other keys go to other shards, which have their own 1,000
	out, err = s.PutRecords(ctx, spread(0, 500))
	require.NoError(t, err)
	require.Less(t, out.FailedRecordCount, 500)
	for _, r := range out.Records {
		if r.Err == nil {
			require.NotEqual(t, putHashShard(t, s), r.ShardID)
		}
	}
}

// putHashShard is the shard of the partition key "k".
func putHashShard(t *testing.T, s *stream.Stream) string {
	t.Helper()
	shards := listShards(t, s)
	k := md5Int("k")
	for _, sh := range shards {
		if sh.SequenceNumberRange.EndingSequenceNumber.IsZero() &&
			k.Cmp(mustBig(sh.HashKeyRange.StartingHashKey)) >= 0 && k.Cmp(mustBig(sh.HashKeyRange.EndingHashKey)) <= 0 {
			return sh.ShardID
		}
	}
	t.Fatal("no open shard holds k")
	return ""
}

// spread is n records of 1 byte, each with its own partition key, from
// user-<from> on.
func spread(from, n int) []stream.PutRecordsEntry {
	entries := make([]stream.PutRecordsEntry, n)
	for i := range entries {
		entries[i] = stream.PutRecordsEntry{PartitionKey: fmt.Sprint("user-", from+i), Data: []byte{1}}
	}
	return entries
}

// openRanges are the hash key ranges of the open shards, in hash order.
func openRanges(shards []stream.Shard) []stream.HashKeyRange {
	var out []stream.HashKeyRange
	for _, sh := range shards {
		if sh.SequenceNumberRange.EndingSequenceNumber.IsZero() {
			out = append(out, sh.HashKeyRange)
		}
	}
	slices.SortFunc(out, func(a, b stream.HashKeyRange) int {
		return mustBig(a.StartingHashKey).Cmp(mustBig(b.StartingHashKey))
	})
	return out
}

// On demand, a new stream takes 4,000 records a second (4 shards, and the
// stream's capacity of 4 shard units), then up to twice its peak second:
// the capacity grows, and the stream splits its busiest shards so that it
// has an open shard per unit. After a quiet month the capacity is back at
// the minimum; the shards stay.
func TestOnDemandScales(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Mode: stream.OnDemand, Clock: clk})
	accepted := func(n int) int {
		t.Helper()
		ok := 0
		for i := 0; i < n; i += 500 {
			out, err := s.PutRecords(ctx, spread(i, 500))
			require.NoError(t, err)
			ok += 500 - out.FailedRecordCount
		}
		return ok
	}
	openShards := func() int {
		t.Helper()
		n := 0
		for _, sh := range listShards(t, s) {
			if sh.SequenceNumberRange.EndingSequenceNumber.IsZero() {
				n++
			}
		}
		return n
	}
	// distinct keys over equal shards: each gets more than 1,000 a second
	require.Equal(t, 4000, accepted(5000))
	require.Equal(t, 4, openShards())
	clk.Add(time.Second)
	require.Equal(t, 8000, accepted(10_000))
	require.Equal(t, 8, openShards(), "split in two at the middle")
	require.Equal(t, bigRanges(8), openRanges(listShards(t, s)))
	clk.Add(time.Second)
	require.Equal(t, 16_000, accepted(20_000))
	require.Equal(t, 16, openShards())
	// a quiet month brings the capacity back to the minimum
	clk.Add(31 * 24 * time.Hour)
	accepted(1)
	clk.Add(time.Second)
	require.Equal(t, 4000, accepted(20_000))
	require.Equal(t, 16, openShards())
	out, err := s.PutRecords(ctx, spread(0, 1))
	require.NoError(t, err)
	var te *stream.ThroughputError
	require.ErrorAs(t, out.Records[0].Err, &te)
	require.Equal(t, stream.OnDemandWriteRecords, te.Limit, "the stream's capacity, not the shard's")

	require.ErrorIs(t, s.SplitShard(ctx, id(0), "100"), stream.ErrOnDemand)
	require.ErrorIs(t, s.MergeShards(ctx, id(0), id(1)), stream.ErrOnDemand)
	_, err = s.UpdateShardCount(ctx, 8)
	require.ErrorIs(t, err, stream.ErrOnDemand)
}

// On demand, a shard whose records of the second all had one hash key is
// not split when the capacity grows, however busy: its halves would not
// share that key's load. The next busiest is split instead.
func TestOnDemandLeavesOneKeyShard(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Mode: stream.OnDemand, Clock: clk})
	ranges := openRanges(listShards(t, s))
	plus := func(r stream.HashKeyRange, n int64) string {
		return new(big.Int).Add(mustBig(r.StartingHashKey), big.NewInt(n)).String()
	}
	putN := func(n int, keys ...string) {
		t.Helper()
		e := make([]stream.PutRecordsEntry, n)
		for i := range e {
			e[i] = stream.PutRecordsEntry{PartitionKey: "k", Data: []byte{1}, ExplicitHashKey: keys[i%len(keys)]}
		}
		out, err := s.PutRecords(ctx, e)
		require.NoError(t, err)
		require.Zero(t, out.FailedRecordCount)
	}
	// 2,100 records in a second: the capacity grows to 5 units
	putN(500, plus(ranges[0], 5))
	putN(500, plus(ranges[0], 5)) // shard 0: 1,000, one key
	putN(450, plus(ranges[1], 0), plus(ranges[1], 1))
	putN(450, plus(ranges[1], 0), plus(ranges[1], 1)) // shard 1: 900, two keys
	putN(200, plus(ranges[2], 0))
	clk.Add(time.Second)
	putN(1, plus(ranges[3], 0))
	shards := listShards(t, s)
	require.Len(t, openRanges(shards), 5)
	require.False(t, shards[0].Closed(), "one key: not split")
	require.True(t, shards[1].Closed(), "the next busiest is split")
}
