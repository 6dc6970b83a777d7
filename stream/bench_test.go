package stream_test

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/stream"
)

// benchClock is a clock whose Now the benchmark moves without the mock's
// real-time pause; its timers never fire, so the stream trims lazily, on
// its calls.
type benchClock struct {
	*clock.Mock
	now atomic.Int64
}

func (c *benchClock) Now() time.Time      { return time.Unix(0, c.now.Load()) }
func (c *benchClock) add(d time.Duration) { c.now.Add(int64(d)) }
func newBenchClock() *benchClock          { return &benchClock{Mock: clock.NewMock()} }

var data100 = make([]byte, 100)

// BenchmarkChanBaseline is the naive baseline: one producer and one consumer
// pass 100-byte records through a buffered channel of 1,024. One op is one
// record.
func BenchmarkChanBaseline(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan []byte, 1024)
	done := make(chan struct{})
	go func() {
		for range ch {
		}
		close(done)
	}()
	for b.Loop() {
		ch <- data100
	}
	close(ch)
	<-done
}

// userKeys are 10,000 distinct partition keys, as user IDs.
var userKeys = func() []string {
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("user-%05d", i)
	}
	return keys
}()

// BenchmarkPutRecords puts batches of 500 records of 100 bytes, with keys
// drawn at random from 10,000 user IDs, into 4 shards with the quotas
// lifted. One op is one record. The stream's key cache has 4,096 slots, so
// about 37% of the records find their key's hash there (a slot holds the
// last of the keys that share it) and the rest pay an MD5. The clock
// moves 10 minutes a batch, so retention keeps the stream at about 72,000
// records: the figure includes trimming.
func BenchmarkPutRecords(b *testing.B) {
	b.ReportAllocs()
	clk := newBenchClock()
	s, err := stream.New(stream.Config{Shards: 4, Limits: stream.Unlimited, Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r := rand.New(rand.NewPCG(1, 2))
	batches := make([][]stream.PutRecordsEntry, 16)
	for i := range batches {
		batches[i] = make([]stream.PutRecordsEntry, stream.MaxPutRecords)
		for j := range batches[i] {
			batches[i][j] = stream.PutRecordsEntry{PartitionKey: userKeys[r.IntN(len(userKeys))], Data: data100}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += stream.MaxPutRecords {
		clk.add(10 * time.Minute)
		out, err := s.PutRecords(ctx, batches[i/stream.MaxPutRecords%len(batches)])
		if err != nil || out.FailedRecordCount != 0 {
			b.Fatal(err, out.FailedRecordCount)
		}
	}
}

// BenchmarkGetRecords reads 10,000 records per call from a shard of
// 100,000. One op is one record.
func BenchmarkGetRecords(b *testing.B) {
	b.ReportAllocs()
	s, err := stream.New(stream.Config{Limits: stream.Unlimited})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fill(b, s, 100_000)
	b.ResetTimer()
	var it string
	for i := 0; i < b.N; i += stream.MaxGetRecords {
		if it == "" {
			it, err = s.GetShardIterator(ctx, stream.GetShardIteratorInput{ShardID: "shardId-000000000000", Type: stream.TrimHorizon})
			if err != nil {
				b.Fatal(err)
			}
		}
		out, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
		if err != nil {
			b.Fatal(err)
		}
		it = out.NextShardIterator
		if len(out.Records) < stream.MaxGetRecords {
			it = ""
		}
	}
}

// BenchmarkIteratorSeek gets an AT_SEQUENCE_NUMBER iterator at a random
// one of 2,000 records spread evenly over a shard of 1,000,000 (the first
// of each PutRecords batch): the sequence number's parsing, a binary
// search, and the iterator's encoding.
func BenchmarkIteratorSeek(b *testing.B) {
	b.ReportAllocs()
	s, err := stream.New(stream.Config{Limits: stream.Unlimited})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	seqs := fill(b, s, 1_000_000)
	r := rand.New(rand.NewPCG(3, 4))
	b.ResetTimer()
	for b.Loop() {
		seq := seqs[r.IntN(len(seqs))]
		it, err := s.GetShardIterator(ctx, stream.GetShardIteratorInput{
			ShardID: "shardId-000000000000", Type: stream.AtSequenceNumber, StartingSequenceNumber: seq,
		})
		if err != nil {
			b.Fatal(err)
		}
		_ = it
	}
}

// fill puts n records of 100 bytes into a one-shard stream and returns
// the sequence number of the first record of each batch: every 500th.
func fill(b *testing.B, s *stream.Stream, n int) []string {
	batch := make([]stream.PutRecordsEntry, stream.MaxPutRecords)
	for j := range batch {
		batch[j] = stream.PutRecordsEntry{PartitionKey: userKeys[j], Data: data100}
	}
	var seqs []string
	for i := 0; i < n; i += len(batch) {
		out, err := s.PutRecords(ctx, batch)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range out.Records[:1] {
			seqs = append(seqs, r.SequenceNumber.String())
		}
	}
	return seqs
}
