package stream_test

import (
	"cmp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/stream"
)

func TestPartitionKeyRules(t *testing.T) {
	s := newStream(t, stream.Config{})
	for _, good := range []string{"a", strings.Repeat("k", 256), strings.Repeat("é", 256), strings.Repeat("🙂", 256)} {
		_, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: good})
		require.NoError(t, err)
	}
	for _, bad := range []string{"", strings.Repeat("k", 257), strings.Repeat("é", 257), "a\xffb"} {
		_, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: bad})
		require.ErrorIs(t, err, stream.ErrInvalidPartitionKey)
		_, err = s.PutRecords(ctx, []stream.PutRecordsEntry{{PartitionKey: "ok"}, {PartitionKey: bad}})
		require.ErrorIs(t, err, stream.ErrInvalidPartitionKey)
	}
	recs, _ := readAll(t, s, id(0))
	require.Len(t, recs, 4, "nothing stored by the bad calls")
}

// The key counts toward the record size.
func TestRecordSizeCountsKey(t *testing.T) {
	s := newStream(t, stream.Config{})
	key := strings.Repeat("k", 256)
	_, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: key, Data: make([]byte, 1<<20-256)})
	require.NoError(t, err)
	_, err = s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: key, Data: make([]byte, 1<<20-255)})
	require.ErrorIs(t, err, stream.ErrRecordTooLarge)
	require.ErrorContains(t, err, `stream "stream": put record:`)
}

func TestDataIsCopied(t *testing.T) {
	s := newStream(t, stream.Config{})
	data := []byte("hello")
	put(t, s, "k", string(data))
	_, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: data})
	require.NoError(t, err)
	_, err = s.PutRecords(ctx, []stream.PutRecordsEntry{{PartitionKey: "k", Data: data}, {PartitionKey: "k", Data: data}})
	require.NoError(t, err)
	copy(data, "XXXXX")
	recs, _ := readAll(t, s, id(0))
	require.Equal(t, []string{"hello", "hello", "hello", "hello"}, datas(recs))
	// a reader that appends to one record's data does not touch the next,
	// and the records it got are its own
	recs[2].Data = append(recs[2].Data, '!')
	recs[0].PartitionKey, recs[1].Data = "changed", nil
	again, _ := readAll(t, s, id(0))
	require.Equal(t, []string{"hello", "hello", "hello", "hello"}, datas(again))
	require.Equal(t, "k", again[0].PartitionKey)
}

func TestSequenceNumbers(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 4})
	seen := map[string]bool{}
	last := map[string]stream.SequenceNumber{}
	for i := range 200 {
		out := put(t, s, strings.Repeat("k", i%7+1)+string(rune('a'+i%26)), "x")
		str := out.SequenceNumber.String()
		require.False(t, seen[str], "unique in the stream")
		seen[str] = true
		if prev, ok := last[out.ShardID]; ok {
			require.Equal(t, 1, out.SequenceNumber.Compare(prev), "increasing in the shard")
			require.Greater(t, str, prev.String(), "the decimal form sorts the same way")
		}
		last[out.ShardID] = out.SequenceNumber
		back, err := stream.ParseSequenceNumber(str)
		require.NoError(t, err)
		require.Equal(t, out.SequenceNumber, back)
		require.Regexp(t, `^[1-9][0-9]+$`, str)
	}
	for _, bad := range []string{"", "1", "x9000000000000000000010000000001", "49000000000000000000000000000000",
		"4900000000000000000001000000000a", "490000000000000000000100000000001", "4900000000000000000001999999999999"[:32] + "9"} {
		_, err := stream.ParseSequenceNumber(bad)
		require.ErrorIs(t, err, stream.ErrInvalidSequenceNumber, bad)
	}
}

func TestSequenceNumberForOrdering(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 2})
	first := put(t, s, "user-1", "a")
	out, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "user-1", Data: []byte("b"),
		SequenceNumberForOrdering: first.SequenceNumber.String()})
	require.NoError(t, err)
	require.Equal(t, 1, out.SequenceNumber.Compare(first.SequenceNumber))

	for _, bad := range []string{"12", "49000000000000001000000000000000"} { // malformed, never given
		_, err = s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "user-1", SequenceNumberForOrdering: bad})
		require.ErrorIs(t, err, stream.ErrInvalidSequenceNumber)
	}
	recs, _ := readAll(t, s, first.ShardID)
	require.Len(t, recs, 2)
}

func TestPutRecordsRequestLimits(t *testing.T) {
	s := newStream(t, stream.Config{Limits: stream.Unlimited})
	_, err := s.PutRecords(ctx, nil)
	require.ErrorIs(t, err, stream.ErrTooManyRecords)
	entries := make([]stream.PutRecordsEntry, 501)
	for i := range entries {
		entries[i] = stream.PutRecordsEntry{PartitionKey: "k"}
	}
	_, err = s.PutRecords(ctx, entries)
	require.ErrorIs(t, err, stream.ErrTooManyRecords)
	out, err := s.PutRecords(ctx, entries[:500])
	require.NoError(t, err)
	require.Len(t, out.Records, 500)

	// 5 MiB in all, keys included
	big := make([]stream.PutRecordsEntry, 5)
	for i := range big {
		big[i] = stream.PutRecordsEntry{PartitionKey: "k", Data: make([]byte, 1<<20-1)}
	}
	_, err = s.PutRecords(ctx, big)
	require.NoError(t, err)
	big = append(big, stream.PutRecordsEntry{PartitionKey: "k"})
	_, err = s.PutRecords(ctx, big)
	require.ErrorIs(t, err, stream.ErrRequestTooLarge)

	// one bad entry fails the request and stores nothing
	bad := []stream.PutRecordsEntry{{PartitionKey: "k"}, {PartitionKey: "k", ExplicitHashKey: "x"}}
	_, err = s.PutRecords(ctx, bad)
	require.ErrorIs(t, err, stream.ErrInvalidHashKey)
	require.ErrorContains(t, err, "record 1")
	st, err := s.Stats()
	require.NoError(t, err)
	require.EqualValues(t, 505, st.IncomingRecords)
}

func TestPutRecordsResultsAligned(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 3})
	r := awsRanges[3]
	out, err := s.PutRecords(ctx, []stream.PutRecordsEntry{
		{PartitionKey: "a", Data: []byte("0"), ExplicitHashKey: r[2].StartingHashKey},
		{PartitionKey: "b", Data: []byte("1"), ExplicitHashKey: "0"},
		{PartitionKey: "c", Data: []byte("2"), ExplicitHashKey: r[1].StartingHashKey},
	})
	require.NoError(t, err)
	require.Zero(t, out.FailedRecordCount)
	require.Equal(t, []string{id(2), id(0), id(1)},
		[]string{out.Records[0].ShardID, out.Records[1].ShardID, out.Records[2].ShardID})
	for i, res := range out.Records {
		recs, _ := readAll(t, s, res.ShardID)
		require.Len(t, recs, 1)
		require.Equal(t, res.SequenceNumber, recs[0].SequenceNumber)
		require.Equal(t, string(rune('0'+i)), string(recs[0].Data))
		require.Empty(t, res.ErrorCode)
		require.NoError(t, res.Err)
	}
}

// Compare is 0 only for equal sequence numbers, and orders them as their
// String forms sort, the write position first and the shard second.
func TestSequenceNumberCompareDistinct(t *testing.T) {
	parse := func(pos, shard string) stream.SequenceNumber {
		t.Helper()
		seq, err := stream.ParseSequenceNumber("49" + pos + shard)
		require.NoError(t, err)
		return seq
	}
	nums := []stream.SequenceNumber{
		parse("00000000000000000001", "0000000000"),
		parse("00000000000000000001", "0000000001"),
		parse("00000000000000000002", "0000000000"),
		parse("00000000000000000002", "0000000007"),
	}
	for i, a := range nums {
		for j, b := range nums {
			want := cmp.Compare(a.String(), b.String())
			require.Equal(t, want, a.Compare(b), "%s vs %s", a, b)
			require.Equal(t, i == j, a.Compare(b) == 0)
			require.Equal(t, i == j, a == b)
		}
	}
	// the numbers a stream gives have distinct write positions: a new
	// shard's starting number is not the next record's
	s := newStream(t, stream.Config{Shards: 2})
	require.NoError(t, s.SplitShard(ctx, id(0), "1000"))
	child := listShards(t, s)[2].SequenceNumberRange.StartingSequenceNumber
	rec := putHash(t, s, awsRanges[2][1].StartingHashKey, "x").SequenceNumber
	require.NotEqual(t, child.String()[:22], rec.String()[:22], "write positions")
	require.Equal(t, -1, child.Compare(rec))
	require.Equal(t, 1, rec.Compare(child))
}

// The records of one PutRecords share an allocation but not bytes: each
// Data has capacity equal to its length, so appending to one copies it and
// leaves its neighbour alone; the caller's slices were copied.
func TestPutRecordsDataIsolated(t *testing.T) {
	s := newStream(t, stream.Config{})
	in := []stream.PutRecordsEntry{{PartitionKey: "k", Data: []byte("ab")}, {PartitionKey: "k", Data: []byte("cd")}}
	_, err := s.PutRecords(ctx, in)
	require.NoError(t, err)
	in[0].Data[0], in[1].Data[0] = 'X', 'Y'
	recs := getRecords(t, s, trimHorizon(t, s, id(0))).Records
	require.Equal(t, []string{"ab", "cd"}, datas(recs))
	require.Equal(t, len(recs[0].Data), cap(recs[0].Data))
	_ = append(recs[0].Data, 'Z')
	require.Equal(t, []string{"ab", "cd"}, datas(getRecords(t, s, trimHorizon(t, s, id(0))).Records))
}
