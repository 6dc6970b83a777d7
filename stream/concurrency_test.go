package stream_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/stream"
)

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
	wg.Go(func() {
		for range 50 {
			for _, sh := range listShards(t, s) {
				readAll(t, s, sh.ShardID)
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
