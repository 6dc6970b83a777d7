package stream_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/stream"
)

func TestIteratorTypes(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk, Limits: stream.Unlimited})
	var seqs []string
	for _, d := range []string{"a", "b", "c", "d"} {
		seqs = append(seqs, put(t, s, "k", d).SequenceNumber.String())
		clk.Add(time.Second)
	}
	read := func(in stream.GetShardIteratorInput) []string {
		in.ShardID = id(0)
		return datas(getRecords(t, s, iterator(t, s, in)).Records)
	}
	require.Equal(t, []string{"a", "b", "c", "d"}, read(stream.GetShardIteratorInput{Type: stream.TrimHorizon}))
	require.Empty(t, read(stream.GetShardIteratorInput{Type: stream.Latest}))
	require.Equal(t, []string{"b", "c", "d"}, read(stream.GetShardIteratorInput{Type: stream.AtSequenceNumber, StartingSequenceNumber: seqs[1]}))
	require.Equal(t, []string{"c", "d"}, read(stream.GetShardIteratorInput{Type: stream.AfterSequenceNumber, StartingSequenceNumber: seqs[1]}))
	require.Empty(t, read(stream.GetShardIteratorInput{Type: stream.AfterSequenceNumber, StartingSequenceNumber: seqs[3]}))
	// at a timestamp: the first record at or after it
	start := time.Unix(0, 0)
	require.Equal(t, []string{"c", "d"}, read(stream.GetShardIteratorInput{Type: stream.AtTimestamp, Timestamp: start.Add(2 * time.Second)}))
	require.Equal(t, []string{"c", "d"}, read(stream.GetShardIteratorInput{Type: stream.AtTimestamp, Timestamp: start.Add(1500 * time.Millisecond)}))
	require.Empty(t, read(stream.GetShardIteratorInput{Type: stream.AtTimestamp, Timestamp: start.Add(time.Hour)}))

	// LATEST then sees what comes next
	it := iterator(t, s, stream.GetShardIteratorInput{ShardID: id(0), Type: stream.Latest})
	put(t, s, "k", "e")
	out := getRecords(t, s, it)
	require.Equal(t, []string{"e"}, datas(out.Records))
	require.Empty(t, getRecords(t, s, out.NextShardIterator).Records)
	put(t, s, "k", "f")
	require.Equal(t, []string{"f"}, datas(getRecords(t, s, out.NextShardIterator).Records))

	// an AT_TIMESTAMP iterator in the future waits for records arriving then
	it = iterator(t, s, stream.GetShardIteratorInput{ShardID: id(0), Type: stream.AtTimestamp, Timestamp: clk.Now().Add(time.Minute)})
	put(t, s, "k", "too early")
	out = getRecords(t, s, it)
	require.Empty(t, out.Records)
	clk.Add(time.Minute)
	put(t, s, "k", "g")
	require.Equal(t, []string{"g"}, datas(getRecords(t, s, out.NextShardIterator).Records))
}

func TestRecordFields(t *testing.T) {
	clk := clock.NewMock()
	clk.Add(1234567 * time.Microsecond)
	s := newStream(t, stream.Config{Clock: clk})
	in := put(t, s, "user-7", "click")
	r := getRecords(t, s, trimHorizon(t, s, id(0))).Records[0]
	require.Equal(t, in.SequenceNumber, r.SequenceNumber)
	require.Equal(t, "user-7", r.PartitionKey)
	require.Equal(t, "click", string(r.Data))
	// arrival in milliseconds
	require.True(t, r.ApproximateArrivalTimestamp.Equal(time.Unix(1, 234000000)), r.ApproximateArrivalTimestamp)
}

// AT_TIMESTAMP before the trim horizon starts at the oldest record kept.
func TestAtTimestampBeforeTrimHorizon(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk})
	put(t, s, "k", "old")
	clk.Add(12 * time.Hour)
	put(t, s, "k", "new")
	clk.Add(12 * time.Hour) // "old" is 24 h old: trimmed
	it := iterator(t, s, stream.GetShardIteratorInput{ShardID: id(0), Type: stream.AtTimestamp, Timestamp: time.Unix(0, 0)})
	require.Equal(t, []string{"new"}, datas(getRecords(t, s, it).Records))
}

func TestIteratorExpiresAfterFiveMinutes(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk})
	put(t, s, "k", "a")
	it := trimHorizon(t, s, id(0))
	clk.Add(5*time.Minute - time.Millisecond)
	out := getRecords(t, s, it)
	require.Len(t, out.Records, 1)
	clk.Add(time.Millisecond)
	_, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
	require.ErrorIs(t, err, stream.ErrExpiredIterator)
	require.NotErrorIs(t, err, stream.ErrInvalidIterator)
	// the iterator GetRecords returned is good for 5 minutes from then
	clk.Add(5*time.Minute - 2*time.Millisecond)
	_, err = s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: out.NextShardIterator})
	require.NoError(t, err)
}

func TestInvalidIterators(t *testing.T) {
	s := newStream(t, stream.Config{})
	other := newStream(t, stream.Config{})
	it := trimHorizon(t, s, id(0))
	raw, err := base64.RawURLEncoding.DecodeString(it)
	require.NoError(t, err)
	edited := append([]byte(nil), raw...)
	edited[9] ^= 1 // move the position
	for _, bad := range []string{"", "x", it + "A", it[:len(it)-1], base64.RawURLEncoding.EncodeToString(edited),
		trimHorizon(t, other, id(0)), "shardId-000000000000"} {
		_, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: bad})
		require.ErrorIs(t, err, stream.ErrInvalidIterator, bad)
	}
}

func TestGetShardIteratorBadInput(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 2})
	a := put(t, s, "a", "x") // shard 0
	require.Equal(t, id(0), a.ShardID)
	for _, tc := range []struct {
		in  stream.GetShardIteratorInput
		err error
	}{
		{stream.GetShardIteratorInput{ShardID: id(0), Type: "FROM_START"}, stream.ErrInvalidArgument},
		{stream.GetShardIteratorInput{ShardID: id(0)}, stream.ErrInvalidArgument},
		{stream.GetShardIteratorInput{ShardID: id(0), Type: stream.AtTimestamp}, stream.ErrInvalidArgument},
		{stream.GetShardIteratorInput{ShardID: id(0), Type: stream.AtSequenceNumber}, stream.ErrInvalidSequenceNumber},
		{stream.GetShardIteratorInput{ShardID: id(0), Type: stream.AtSequenceNumber, StartingSequenceNumber: "123"}, stream.ErrInvalidSequenceNumber},
		// a sequence number of another shard, and one never given
		{stream.GetShardIteratorInput{ShardID: id(1), Type: stream.AtSequenceNumber, StartingSequenceNumber: a.SequenceNumber.String()}, stream.ErrInvalidSequenceNumber},
		{stream.GetShardIteratorInput{ShardID: id(0), Type: stream.AfterSequenceNumber, StartingSequenceNumber: "49000000000000000099990000000000"}, stream.ErrInvalidSequenceNumber},
		{stream.GetShardIteratorInput{ShardID: id(2), Type: stream.Latest}, stream.ErrShardNotFound},
		{stream.GetShardIteratorInput{ShardID: "shard-0", Type: stream.Latest}, stream.ErrShardNotFound},
	} {
		_, err := s.GetShardIterator(ctx, tc.in)
		require.ErrorIs(t, err, tc.err, "%+v", tc.in)
	}
}

func TestGetRecordsLimit(t *testing.T) {
	s := newStream(t, stream.Config{Limits: stream.Unlimited})
	entries := make([]stream.PutRecordsEntry, 500)
	for i := range entries {
		entries[i] = stream.PutRecordsEntry{PartitionKey: "k", Data: []byte{byte(i)}}
	}
	for range 21 {
		_, err := s.PutRecords(ctx, entries)
		require.NoError(t, err)
	}
	it := trimHorizon(t, s, id(0))
	for _, bad := range []int{-1, 10_001} {
		_, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it, Limit: bad})
		require.ErrorIs(t, err, stream.ErrInvalidArgument)
	}
	out, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it, Limit: 3})
	require.NoError(t, err)
	require.Len(t, out.Records, 3)
	out = getRecords(t, s, out.NextShardIterator) // Limit 0: 10,000
	require.Len(t, out.Records, 10_000)
	out = getRecords(t, s, out.NextShardIterator)
	require.Len(t, out.Records, 500-3)
}

// A response holds at most 10 MiB, but always one record.
func TestGetRecordsTenMiB(t *testing.T) {
	s := newStream(t, stream.Config{Limits: stream.Unlimited, MaxRecordSize: 10 << 20})
	for range 4 {
		put(t, s, "k", string(make([]byte, 3<<20)))
	}
	_, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: make([]byte, 10<<20-1)})
	require.NoError(t, err)
	out := getRecords(t, s, trimHorizon(t, s, id(0)))
	require.Len(t, out.Records, 3)
	out = getRecords(t, s, out.NextShardIterator)
	require.Len(t, out.Records, 1)
	out = getRecords(t, s, out.NextShardIterator)
	require.Len(t, out.Records, 1)
	require.Len(t, out.Records[0].Data, 10<<20-1)
}

func TestMillisBehindLatest(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk})
	put(t, s, "k", "a")
	clk.Add(time.Second)
	put(t, s, "k", "b")
	clk.Add(2 * time.Second)
	out, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: trimHorizon(t, s, id(0)), Limit: 1})
	require.NoError(t, err)
	require.EqualValues(t, 2000, out.MillisBehindLatest, "b, unread, is 2 s old")
	st, _ := s.Stats()
	require.Equal(t, 3*time.Second, st.IteratorAge, "a, the last returned, is 3 s old")
	out = getRecords(t, s, out.NextShardIterator)
	require.Zero(t, out.MillisBehindLatest)
	st, _ = s.Stats()
	require.Equal(t, 2*time.Second, st.IteratorAge)
	getRecords(t, s, out.NextShardIterator)
	st, _ = s.Stats()
	require.Zero(t, st.IteratorAge)
}

// Arrival times never go back, even when the clock does, so seeking by
// timestamp stays a binary search.
func TestArrivalTimesMonotonic(t *testing.T) {
	clk := clock.NewMock()
	clk.Add(time.Hour)
	s := newStream(t, stream.Config{Clock: clk})
	put(t, s, "k", "a")
	clk.Set(time.Unix(0, 0)) // back an hour
	put(t, s, "k", "b")
	recs, _ := readAll(t, s, id(0))
	require.Len(t, recs, 2)
	require.False(t, recs[1].ApproximateArrivalTimestamp.Before(recs[0].ApproximateArrivalTimestamp))
	it := iterator(t, s, stream.GetShardIteratorInput{ShardID: id(0), Type: stream.AtTimestamp, Timestamp: time.Unix(1800, 0)})
	require.Equal(t, []string{"a", "b"}, datas(getRecords(t, s, it).Records))
}

// The sequence numbers ListShards reports are positions an iterator can
// start at: AT or AFTER a shard's StartingSequenceNumber reads it from its
// first record, even before it has one; AT or AFTER a closed shard's
// EndingSequenceNumber reads nothing more and returns its children.
func TestShardRangeSequenceNumbersAreStartingPoints(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 2})
	start := func(sh stream.Shard, typ stream.IteratorType, seq stream.SequenceNumber) stream.GetRecordsOutput {
		t.Helper()
		return getRecords(t, s, iterator(t, s, stream.GetShardIteratorInput{ShardID: sh.ShardID, Type: typ, StartingSequenceNumber: seq.String()}))
	}
	empty := listShards(t, s)[0]
	for _, typ := range []stream.IteratorType{stream.AtSequenceNumber, stream.AfterSequenceNumber} {
		out := start(empty, typ, empty.SequenceNumberRange.StartingSequenceNumber)
		require.Empty(t, out.Records, typ)
		require.NotEmpty(t, out.NextShardIterator, typ)
	}
	putHash(t, s, "0", "a")
	putHash(t, s, "1", "b")
	require.NoError(t, s.SplitShard(ctx, id(0), "1000"))
	parent := listShards(t, s)[0]
	r := parent.SequenceNumberRange
	require.False(t, r.EndingSequenceNumber.IsZero())
	require.Equal(t, []string{"a", "b"}, datas(start(parent, stream.AtSequenceNumber, r.StartingSequenceNumber).Records))
	for _, typ := range []stream.IteratorType{stream.AtSequenceNumber, stream.AfterSequenceNumber} {
		out := start(parent, typ, r.EndingSequenceNumber)
		require.Empty(t, out.Records, typ)
		require.Empty(t, out.NextShardIterator, typ)
		require.Equal(t, []string{id(2), id(3)}, []string{out.ChildShards[0].ShardID, out.ChildShards[1].ShardID}, typ)
	}
	// a child's starting number, before and after it has records
	child := listShards(t, s)[3]
	require.Empty(t, start(child, stream.AtSequenceNumber, child.SequenceNumberRange.StartingSequenceNumber).Records)
	putHash(t, s, "2000", "c")
	require.Equal(t, []string{"c"}, datas(start(child, stream.AtSequenceNumber, child.SequenceNumberRange.StartingSequenceNumber).Records))
	// the other shard's numbers are still refused
	other := listShards(t, s)[1]
	_, err := s.GetShardIterator(ctx, stream.GetShardIteratorInput{ShardID: id(0), Type: stream.AtSequenceNumber,
		StartingSequenceNumber: other.SequenceNumberRange.StartingSequenceNumber.String()})
	require.ErrorIs(t, err, stream.ErrInvalidSequenceNumber)
}

// AFTER a shard's StartingSequenceNumber reads the shard's first record,
// as AT it does, when that record is the next one the stream stores: a new
// stream's first, and a new child's first right after a split. (Before, a
// shard's start was the next write position without taking it, so that
// record got the very number, and AFTER skipped it.)
func TestAfterStartingSequenceNumberKeepsFirstRecord(t *testing.T) {
	s := newStream(t, stream.Config{})
	from := func(sh stream.Shard, typ stream.IteratorType) []string {
		t.Helper()
		it := iterator(t, s, stream.GetShardIteratorInput{ShardID: sh.ShardID, Type: typ,
			StartingSequenceNumber: sh.SequenceNumberRange.StartingSequenceNumber.String()})
		return datas(getRecords(t, s, it).Records)
	}
	put(t, s, "k", "a")
	for _, typ := range []stream.IteratorType{stream.AtSequenceNumber, stream.AfterSequenceNumber} {
		require.Equal(t, []string{"a"}, from(listShards(t, s)[0], typ), typ)
	}
	require.NoError(t, s.SplitShard(ctx, id(0), "1000"))
	child := listShards(t, s)[2]
	putHash(t, s, child.HashKeyRange.StartingHashKey, "b")
	for _, typ := range []stream.IteratorType{stream.AtSequenceNumber, stream.AfterSequenceNumber} {
		require.Equal(t, []string{"b"}, from(child, typ), typ)
	}
}

// AT_TIMESTAMP takes any time: one before the trim horizon (however far)
// starts there; one after every record (however far) reads only later
// records; one inside a millisecond starts at the next whole one, since
// arrival times are in whole milliseconds.
func TestAtTimestampAnyDate(t *testing.T) {
	clk := clock.NewMock()
	clk.Add(time.Hour)
	s := newStream(t, stream.Config{Clock: clk, Limits: stream.Unlimited})
	put(t, s, "k", "a")
	clk.Add(time.Millisecond)
	put(t, s, "k", "b")
	at := func(ts time.Time) []string {
		t.Helper()
		it := iterator(t, s, stream.GetShardIteratorInput{ShardID: id(0), Type: stream.AtTimestamp, Timestamp: ts})
		return datas(getRecords(t, s, it).Records)
	}
	hour := time.Unix(3600, 0)
	for _, tc := range []struct {
		ts   time.Time
		want []string
	}{
		{time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), []string{"a", "b"}},
		{time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC), []string{"a", "b"}},
		{time.Unix(-1, 999_999), []string{"a", "b"}},
		{hour, []string{"a", "b"}},
		{hour.Add(time.Nanosecond), []string{"b"}},
		{hour.Add(time.Millisecond), []string{"b"}},
		{hour.Add(time.Millisecond + 1), []string{}},
		{time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), []string{}},
		{time.Date(300_000_000, 1, 1, 0, 0, 0, 0, time.UTC), []string{}},
	} {
		require.Equal(t, tc.want, at(tc.ts), tc.ts.String())
	}
}
