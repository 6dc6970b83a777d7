package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/stream"
)

// tourStream puts click events into a data stream of two shards, reads a
// shard through an iterator, splits it, hits a shard's write quota and
// lets a day of retention pass.
func tourStream(ctx context.Context, clk *clock.Mock) {
	fmt.Println("8. A data stream with shards")
	s, err := stream.New(stream.Config{Name: "clicks", Shards: 2, Clock: clk})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	var shard string
	for _, c := range []struct{ user, page string }{
		{"user-1", "/home"}, {"user-2", "/home"}, {"user-1", "/cart"}, {"user-1", "/checkout"},
	} {
		out, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: c.user, Data: []byte(c.page)})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("   put %s %s: the MD5 of the key picks %s\n", c.user, c.page, out.ShardID)
		if c.user == "user-1" {
			shard = out.ShardID
		}
	}

	it, err := s.GetShardIterator(ctx, stream.GetShardIteratorInput{ShardID: shard, Type: stream.TrimHorizon})
	if err != nil {
		log.Fatal(err)
	}
	out, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: it})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("   read %s from the trim horizon:", shard)
	for _, r := range out.Records {
		fmt.Printf(" %s %s;", r.PartitionKey, r.Data)
	}
	fmt.Println(" in put order")

	// split the shard in the middle of its range: it closes, two children
	// take its keys
	shards, _ := s.ListShards(ctx)
	for _, sh := range shards {
		if sh.ShardID == shard {
			mid := "255211775190703847597530955573826158592" // the middle of the upper half
			if sh.HashKeyRange.StartingHashKey == "0" {
				mid = "85070591730234615865843651857942052864" // of the lower half
			}
			if err := s.SplitShard(ctx, shard, mid); err != nil {
				log.Fatal(err)
			}
		}
	}
	put, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "user-1", Data: []byte("/thanks")})
	if err != nil {
		log.Fatal(err)
	}
	end, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: out.NextShardIterator})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("   split %s: reading on finds its end (next iterator %q) and its children %s and %s;\n",
		shard, end.NextShardIterator, end.ChildShards[0].ShardID, end.ChildShards[1].ShardID)
	fmt.Printf("   user-1's next click went to %s\n", put.ShardID)

	// a shard takes 1,000 records a second
	clk.Add(time.Second)
	entries := make([]stream.PutRecordsEntry, 500)
	for i := range entries {
		entries[i] = stream.PutRecordsEntry{PartitionKey: "user-3", Data: []byte("/home")}
	}
	failed := 0
	for range 3 {
		res, err := s.PutRecords(ctx, entries)
		if err != nil {
			log.Fatal(err)
		}
		failed += res.FailedRecordCount
	}
	fmt.Printf("   1,500 records for one key in one second: %d throttled (ProvisionedThroughputExceeded), the rest stored\n", failed)

	clk.Add(24 * time.Hour)
	st, err := s.Stats()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("   a day later: %d records left (24 h retention), %d shards open, %d closed: the parent expired too\n",
		st.Records, st.OpenShards, st.ClosedShards)
}
