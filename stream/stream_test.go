package stream_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/stream"
)

func TestConfigDefaults(t *testing.T) {
	s := newStream(t, stream.Config{})
	require.Equal(t, "stream", s.Name())
	require.Equal(t, stream.Provisioned, s.Mode())
	shards := listShards(t, s)
	require.Equal(t, []string{"shardId-000000000000"}, shardIDs(shards))
	st, err := s.Stats()
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, st.Retention)
	require.Equal(t, 1, st.OpenShards)

	// the default record size is 1 MiB of data and key
	_, err = s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: make([]byte, 1<<20-1)})
	require.NoError(t, err)
	_, err = s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: make([]byte, 1<<20)})
	require.ErrorIs(t, err, stream.ErrRecordTooLarge)

	od := newStream(t, stream.Config{Mode: stream.OnDemand})
	require.Len(t, listShards(t, od), stream.OnDemandShards)
}

func TestConfigInvalid(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   stream.Config
		field string
	}{
		{"name too long", stream.Config{Name: strings.Repeat("a", 129)}, "Name"},
		{"name bad char", stream.Config{Name: "a b"}, "Name"},
		{"name slash", stream.Config{Name: "a/b"}, "Name"},
		{"negative shards", stream.Config{Shards: -1}, "Shards"},
		{"too many shards", stream.Config{Shards: 10_001}, "Shards"},
		{"on-demand shards", stream.Config{Mode: stream.OnDemand, Shards: 2}, "Shards"},
		{"bad mode", stream.Config{Mode: 7}, "Mode"},
		{"short retention", stream.Config{Retention: 23 * time.Hour}, "Retention"},
		{"long retention", stream.Config{Retention: 8761 * time.Hour}, "Retention"},
		{"bad limits", stream.Config{Limits: 3}, "Limits"},
		{"small records", stream.Config{MaxRecordSize: 1 << 19}, "MaxRecordSize"},
		{"huge records", stream.Config{MaxRecordSize: 10<<20 + 1}, "MaxRecordSize"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stream.New(tc.cfg)
			require.ErrorIs(t, err, stream.ErrInvalidConfig)
			require.ErrorContains(t, err, tc.field)
			// the stream's name and the operation first, as every error has
			require.True(t, strings.HasPrefix(err.Error(), fmt.Sprintf("stream %q: new: stream: invalid config: ", tc.cfg.Name)), err.Error())
		})
	}
}

func TestConfigBounds(t *testing.T) {
	for _, cfg := range []stream.Config{
		{Name: strings.Repeat("a", 128), Shards: 10_000},
		{Name: "a.b-c_D9", Retention: 24 * time.Hour},
		{Retention: 8760 * time.Hour, MaxRecordSize: 10 << 20},
		{Mode: stream.OnDemand, Shards: 4},
	} {
		cfg.Clock = clock.NewMock()
		s, err := stream.New(cfg)
		require.NoError(t, err)
		s.Close()
	}
}

// A stream opted in to 10 MiB records takes one, data plus key.
func TestLargeRecords(t *testing.T) {
	s := newStream(t, stream.Config{MaxRecordSize: 10 << 20})
	_, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: make([]byte, 10<<20-1)})
	require.NoError(t, err)
	_, err = s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "kk", Data: make([]byte, 10<<20-1)})
	require.ErrorIs(t, err, stream.ErrRecordTooLarge)
}

func TestCloseIsFinal(t *testing.T) {
	s := newStream(t, stream.Config{})
	put(t, s, "k", "x")
	it := trimHorizon(t, s, id(0))
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	_, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: []byte("y")})
	require.ErrorIs(t, err, stream.ErrClosed)
	_, err = s.PutRecords(ctx, []stream.PutRecordsEntry{{PartitionKey: "k"}})
	require.ErrorIs(t, err, stream.ErrClosed)
	_, err = s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
	require.ErrorIs(t, err, stream.ErrClosed)
	_, err = s.GetShardIterator(ctx, stream.GetShardIteratorInput{ShardID: id(0), Type: stream.Latest})
	require.ErrorIs(t, err, stream.ErrClosed)
	_, err = s.ListShards(ctx)
	require.ErrorIs(t, err, stream.ErrClosed)
	_, err = s.Stats()
	require.ErrorIs(t, err, stream.ErrClosed)
	require.ErrorIs(t, s.SplitShard(ctx, id(0), "100"), stream.ErrClosed)
	_, err = s.RegisterConsumer(ctx, "c")
	require.ErrorIs(t, err, stream.ErrClosed)
}

// After Close, resharding an on-demand stream is ErrClosed too, not
// ErrOnDemand: the closed state comes first.
func TestCloseIsFinalOnDemand(t *testing.T) {
	s := newStream(t, stream.Config{Mode: stream.OnDemand})
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.SplitShard(ctx, id(0), "100"), stream.ErrClosed)
	require.ErrorIs(t, s.MergeShards(ctx, id(0), id(1)), stream.ErrClosed)
	_, err := s.UpdateShardCount(ctx, 8)
	require.ErrorIs(t, err, stream.ErrClosed)
	for _, err := range []error{s.SplitShard(ctx, id(0), "100"), s.MergeShards(ctx, id(0), id(1))} {
		require.NotErrorIs(t, err, stream.ErrOnDemand)
	}
}

func TestCanceledContext(t *testing.T) {
	s := newStream(t, stream.Config{})
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.PutRecord(c, stream.PutRecordInput{PartitionKey: "k"})
	require.Equal(t, context.Canceled, err)
	_, err = s.GetShardIterator(c, stream.GetShardIteratorInput{ShardID: id(0), Type: stream.Latest})
	require.Equal(t, context.Canceled, err)
}

func TestStatsCounts(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 2})
	put(t, s, "user-1", "12345")
	_, err := s.PutRecords(ctx, []stream.PutRecordsEntry{{PartitionKey: "ab", Data: []byte("x")}, {PartitionKey: "c"}})
	require.NoError(t, err)
	st, err := s.Stats()
	require.NoError(t, err)
	require.EqualValues(t, 3, st.IncomingRecords)
	require.EqualValues(t, 6+5+2+1+1, st.IncomingBytes, "data and keys")
	require.Equal(t, 3, st.Records)
	require.Equal(t, 2, st.OpenShards)
}

// Producers, readers and a resharder at once: under -race, and no record
// lost.
func TestConcurrentUse(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 2, Limits: stream.Unlimited})
	_, err := s.RegisterConsumer(ctx, "app")
	require.NoError(t, err)
	sub := subscribe(t, s, "app", id(0), fromStart)
	var wg sync.WaitGroup
	const producers, perProducer = 4, 300
	for p := range producers {
		wg.Go(func() {
			for i := range perProducer {
				if i%10 == 0 {
					entries := []stream.PutRecordsEntry{{PartitionKey: fmt.Sprint("p", p, "-", i), Data: []byte{1}}}
					_, err := s.PutRecords(ctx, entries)
					assert.NoError(t, err)
					continue
				}
				_, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: fmt.Sprint("p", p, "-", i), Data: []byte{1}})
				assert.NoError(t, err)
			}
		})
	}
	wg.Go(func() { // off the test goroutine: assert, not require
		for range 50 {
			shards, err := s.ListShards(ctx)
			if !assert.NoError(t, err) {
				return
			}
			for _, sh := range shards {
				if !assert.NoError(t, readShard(s, sh.ShardID)) {
					return
				}
			}
		}
	})
	wg.Go(func() {
		_, err := s.UpdateShardCount(ctx, 4)
		assert.NoError(t, err)
		_, err = s.UpdateShardCount(ctx, 3)
		assert.NoError(t, err)
	})
	received := make(chan int)
	go func() {
		n := 0
		for ev := range sub.Events() {
			n += len(ev.Records)
		}
		received <- n
	}()
	wg.Wait()
	require.Len(t, readLineage(t, s), producers*perProducer)
	// the subscription pushed all of shard 0, which the scaling closed,
	// and ended at its end
	first, _ := readAll(t, s, id(0))
	require.Equal(t, len(first), <-received)
	require.NoError(t, sub.Err())
}

// readShard reads a shard from the trim horizon to its end or newest record;
// it does not fail the test, so any goroutine may call it.
func readShard(s *stream.Stream, shard string) error {
	it, err := s.GetShardIterator(ctx, stream.GetShardIteratorInput{ShardID: shard, Type: stream.TrimHorizon})
	for err == nil && it != "" {
		var out stream.GetRecordsOutput
		out, err = s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
		if len(out.Records) == 0 {
			break
		}
		it = out.NextShardIterator
	}
	return err
}

// A shard holding one record costs about a kilobyte of record slots, not
// a full chunk: one small record in each of 1,000 shards grows the heap by
// far less than 10 MB (80 MB with full chunks).
func TestMemoryPerShardSmall(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 1000})
	shards := listShards(t, s)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, sh := range shards {
		putHash(t, s, sh.HashKeyRange.StartingHashKey, "x")
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	require.Less(t, grew, int64(10<<20), "heap growth in bytes")
	require.Len(t, shards, 1000)
	st, err := s.Stats()
	require.NoError(t, err)
	require.Equal(t, 1000, st.Records)
}
