package stream_test

import (
	"context"
	"crypto/md5"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stratus-go/stratus/stream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var ctx = context.Background()

// mocked runs f in a synctest bubble with a mock clock: the mock's own
// real-time pauses cost nothing there, and synctest.Wait tells when the
// stream's timers and subscriptions have settled.
func mocked(t *testing.T, f func(t *testing.T, clk *clock.Mock)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) { f(t, clock.NewMock()) })
}

// advance moves the clock and lets everything it woke run to a stop.
func advance(clk *clock.Mock, d time.Duration) {
	clk.Add(d)
	synctest.Wait()
}

// newStream makes a stream closed at the end of the test. A Config without
// a Clock gets a mock one.
func newStream(t testing.TB, cfg stream.Config) *stream.Stream {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = clock.NewMock()
	}
	s, err := stream.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func put(t testing.TB, s *stream.Stream, key, data string) stream.PutRecordOutput {
	t.Helper()
	out, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: key, Data: []byte(data)})
	require.NoError(t, err)
	return out
}

func putHash(t testing.TB, s *stream.Stream, hash, data string) stream.PutRecordOutput {
	t.Helper()
	out, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: []byte(data), ExplicitHashKey: hash})
	require.NoError(t, err)
	return out
}

func iterator(t testing.TB, s *stream.Stream, in stream.GetShardIteratorInput) string {
	t.Helper()
	it, err := s.GetShardIterator(ctx, in)
	require.NoError(t, err)
	return it
}

func trimHorizon(t testing.TB, s *stream.Stream, shard string) string {
	t.Helper()
	return iterator(t, s, stream.GetShardIteratorInput{ShardID: shard, Type: stream.TrimHorizon})
}

func getRecords(t testing.TB, s *stream.Stream, it string) stream.GetRecordsOutput {
	t.Helper()
	out, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
	require.NoError(t, err)
	return out
}

// datas returns the data of records as strings.
func datas(recs []stream.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Data)
	}
	return out
}

// readAll reads a shard from the trim horizon to its end (closed) or its
// newest record (open).
func readAll(t testing.TB, s *stream.Stream, shard string) ([]stream.Record, stream.GetRecordsOutput) {
	t.Helper()
	it := trimHorizon(t, s, shard)
	var all []stream.Record
	for {
		out := getRecords(t, s, it)
		all = append(all, out.Records...)
		if out.NextShardIterator == "" || len(out.Records) == 0 {
			return all, out
		}
		it = out.NextShardIterator
	}
}

func shardIDs(shards []stream.Shard) []string {
	out := make([]string, len(shards))
	for i, s := range shards {
		out[i] = s.ShardID
	}
	return out
}

func listShards(t testing.TB, s *stream.Stream) []stream.Shard {
	t.Helper()
	shards, err := s.ListShards(ctx)
	require.NoError(t, err)
	return shards
}

func id(i int) string { return fmt.Sprintf("shardId-%012d", i) }

func md5Sum(key string) []byte {
	sum := md5.Sum([]byte(key))
	return sum[:]
}
