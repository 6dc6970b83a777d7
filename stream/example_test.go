package stream_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/stream"
)

func ExampleStream() {
	ctx := context.Background()
	s, err := stream.New(stream.Config{Name: "clicks", Shards: 2, Clock: clock.NewMock()})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	// records with the same partition key go to the same shard, in order
	var shard string
	for _, page := range []string{"/home", "/cart", "/checkout"} {
		out, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "user-42", Data: []byte(page)})
		if err != nil {
			panic(err)
		}
		fmt.Println("put", page, "in", out.ShardID)
		shard = out.ShardID
	}

	it, err := s.GetShardIterator(ctx, stream.GetShardIteratorInput{ShardID: shard, Type: stream.TrimHorizon})
	if err != nil {
		panic(err)
	}
	out, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
	if err != nil {
		panic(err)
	}
	for _, r := range out.Records {
		fmt.Println("read", r.PartitionKey, string(r.Data))
	}
	fmt.Println("caught up:", out.MillisBehindLatest == 0)
	// Output:
	// put /home in shardId-000000000000
	// put /cart in shardId-000000000000
	// put /checkout in shardId-000000000000
	// read user-42 /home
	// read user-42 /cart
	// read user-42 /checkout
	// caught up: true
}

// PutRecords reports each record on its own: over a shard's quota of 1,000
// records a second, the rest fail and can be sent again later.
func ExampleStream_PutRecords() {
	ctx := context.Background()
	clk := clock.NewMock()
	s, _ := stream.New(stream.Config{Clock: clk})
	defer s.Close()

	entries := make([]stream.PutRecordsEntry, 500)
	for i := range entries {
		entries[i] = stream.PutRecordsEntry{PartitionKey: fmt.Sprint("sensor-", i%10), Data: []byte("21.5")}
	}
	for range 3 {
		out, err := s.PutRecords(ctx, entries)
		if err != nil {
			panic(err)
		}
		fmt.Println("failed:", out.FailedRecordCount)
		if out.FailedRecordCount > 0 {
			var te *stream.ThroughputError
			if errors.As(out.Records[499].Err, &te) {
				fmt.Println(out.Records[499].ErrorCode, te.Shard, "-", te.Limit)
			}
		}
	}
	clk.Add(time.Second)
	out, _ := s.PutRecords(ctx, entries)
	fmt.Println("a second later, failed:", out.FailedRecordCount)
	// Output:
	// failed: 0
	// failed: 0
	// failed: 500
	// ProvisionedThroughputExceededException shardId-000000000000 - 1000 records/s written
	// a second later, failed: 0
}

// Splitting a shard closes it; its reader gets to its end and then learns
// which shards continue its keys.
func ExampleStream_SplitShard() {
	ctx := context.Background()
	s, _ := stream.New(stream.Config{Clock: clock.NewMock(), Limits: stream.Unlimited})
	defer s.Close()
	s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: []byte("before the split")})

	// split the key space in half
	if err := s.SplitShard(ctx, "shardId-000000000000", "170141183460469231731687303715884105728"); err != nil {
		panic(err)
	}
	shards, _ := s.ListShards(ctx)
	for _, sh := range shards {
		fmt.Printf("%s parent=%q closed=%v starts at %.12s…\n", sh.ShardID, sh.ParentShardID, sh.Closed(), sh.HashKeyRange.StartingHashKey)
	}

	it, _ := s.GetShardIterator(ctx, stream.GetShardIteratorInput{ShardID: "shardId-000000000000", Type: stream.TrimHorizon})
	out, _ := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
	fmt.Println("parent:", string(out.Records[0].Data))
	fmt.Println("end of the parent:", out.NextShardIterator == "")
	for _, c := range out.ChildShards {
		fmt.Println("continue with", c.ShardID, c.ParentShards)
	}
	// Output:
	// shardId-000000000000 parent="" closed=true starts at 0…
	// shardId-000000000001 parent="shardId-000000000000" closed=false starts at 0…
	// shardId-000000000002 parent="shardId-000000000000" closed=false starts at 170141183460…
	// parent: before the split
	// end of the parent: true
	// continue with shardId-000000000001 [shardId-000000000000]
	// continue with shardId-000000000002 [shardId-000000000000]
}

// An iterator is good for 5 minutes; records are kept for the retention
// period, 24 hours by default.
func ExampleStream_GetShardIterator() {
	ctx := context.Background()
	clk := clock.NewMock()
	s, _ := stream.New(stream.Config{Clock: clk})
	defer s.Close()
	first, _ := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: []byte("one")})
	s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "k", Data: []byte("two")})

	it, _ := s.GetShardIterator(ctx, stream.GetShardIteratorInput{
		ShardID: first.ShardID, Type: stream.AfterSequenceNumber, StartingSequenceNumber: first.SequenceNumber.String(),
	})
	clk.Add(5 * time.Minute)
	_, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
	fmt.Println(errors.Is(err, stream.ErrExpiredIterator))

	it, _ = s.GetShardIterator(ctx, stream.GetShardIteratorInput{
		ShardID: first.ShardID, Type: stream.AfterSequenceNumber, StartingSequenceNumber: first.SequenceNumber.String(),
	})
	out, _ := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
	fmt.Println(string(out.Records[0].Data))

	clk.Add(24 * time.Hour)
	st, _ := s.Stats()
	fmt.Println("records after a day:", st.Records)
	// Output:
	// true
	// two
	// records after a day: 0
}

// A registered consumer gets a shard's records pushed to it, with 2 MiB/s
// of its own.
func ExampleStream_SubscribeToShard() {
	ctx := context.Background()
	s, _ := stream.New(stream.Config{Clock: clock.NewMock()})
	defer s.Close()
	if _, err := s.RegisterConsumer(ctx, "billing"); err != nil {
		panic(err)
	}
	sub, err := s.SubscribeToShard(ctx, stream.SubscribeToShardInput{
		ConsumerName:     "billing",
		ShardID:          "shardId-000000000000",
		StartingPosition: stream.StartingPosition{Type: stream.Latest},
	})
	if err != nil {
		panic(err)
	}
	s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "order-1", Data: []byte("paid 12.50")})
	ev := <-sub.Events()
	fmt.Println(ev.Records[0].PartitionKey, string(ev.Records[0].Data))
	// Output:
	// order-1 paid 12.50
}
