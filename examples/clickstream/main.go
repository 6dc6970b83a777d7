// Clickstream puts the click events of a web site into a data stream of 4
// shards, keyed by user ID, while one reader per shard follows it. Halfway
// through, the busiest shard is split while the producers keep writing; its
// reader drains it to its end and hands over to readers of the two
// children. At the end every user's clicks have been read once each, in the
// order they happened. It runs on a fake clock, in well under a second.
//
//	go run ./examples/clickstream
package main

import (
	"context"
	"fmt"
	"log"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/stream"
)

const (
	producers = 4
	users     = 40 // user-00 … user-39; producer p serves the users with id % producers == p
	rounds    = 6  // one second of fake time each
	splitAt   = 3  // the round in which the busiest shard is split
)

// click is one event; its data is "user-07 #12 /cart".
func click(user, n int) []byte {
	pages := []string{"/home", "/search", "/product", "/cart", "/checkout"}
	return fmt.Appendf(nil, "user-%02d #%d %s", user, n, pages[(user+n)%len(pages)])
}

// produce puts one click for each of the producer's users, in one
// PutRecords call (a user appears once per call, so its clicks keep their
// order from one call to the next), and sends again what was throttled.
func produce(ctx context.Context, s *stream.Stream, p int, next []int) {
	var entries []stream.PutRecordsEntry
	for u := p; u < users; u += producers {
		entries = append(entries, stream.PutRecordsEntry{PartitionKey: fmt.Sprintf("user-%02d", u), Data: click(u, next[u])})
		next[u]++
	}
	out, err := s.PutRecords(ctx, entries)
	if err != nil {
		log.Fatal(err)
	}
	if out.FailedRecordCount > 0 {
		log.Fatalf("producer %d: %d records throttled", p, out.FailedRecordCount)
	}
}

// reader follows one shard with GetRecords.
type reader struct {
	shard    string
	iterator string
	read     []stream.Record
	children []stream.ChildShard // set once the shard is closed and read to its end
}

// catchUp reads until the reader has seen every record there is now.
func (r *reader) catchUp(ctx context.Context, s *stream.Stream) {
	for r.iterator != "" {
		out, err := s.GetRecords(ctx, stream.GetRecordsInput{ShardIterator: r.iterator})
		if err != nil {
			log.Fatalf("%s: %v", r.shard, err)
		}
		r.read = append(r.read, out.Records...)
		r.iterator = out.NextShardIterator
		r.children = out.ChildShards
		if len(out.Records) == 0 || out.MillisBehindLatest == 0 {
			return
		}
	}
}

func main() {
	ctx := context.Background()
	clk := clock.NewMock()
	s, err := stream.New(stream.Config{Name: "clicks", Shards: 4, Clock: clk})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	readers := map[string]*reader{}
	var order []string // the shards in the order their readers started
	start := func(shard string) {
		it, err := s.GetShardIterator(ctx, stream.GetShardIteratorInput{ShardID: shard, Type: stream.TrimHorizon})
		if err != nil {
			log.Fatal(err)
		}
		readers[shard] = &reader{shard: shard, iterator: it}
		order = append(order, shard)
	}
	shards, _ := s.ListShards(ctx)
	for _, sh := range shards {
		start(sh.ShardID)
	}
	fmt.Printf("1. A stream of %d shards; %d producers put the clicks of %d users, a reader follows each shard\n",
		len(shards), producers, users)

	next := make([]int, users) // each user's next click number
	for round := 1; round <= rounds; round++ {
		var wg sync.WaitGroup
		for p := range producers {
			wg.Go(func() {
				for range 5 {
					produce(ctx, s, p, next)
				}
			})
		}
		if round == splitAt {
			wg.Go(func() { split(ctx, s, readers) })
		}
		wg.Wait()
		for _, r := range readers {
			wg.Go(func() { r.catchUp(ctx, s) })
		}
		wg.Wait()
		// a closed shard read to its end hands over to its children, once
		// all their parents are done
		for _, shard := range append([]string(nil), order...) {
			for _, c := range readers[shard].children {
				if _, started := readers[c.ShardID]; !started && parentsDone(readers, c) {
					start(c.ShardID)
					fmt.Printf("   %s read to its end: its reader hands over to %s\n", shard, c.ShardID)
					readers[c.ShardID].catchUp(ctx, s)
				}
			}
		}
		clk.Add(time.Second) // the write quotas refill
	}

	fmt.Println("3. What the readers saw")
	// parents' readers started before their children's: reading in that
	// order, each user's clicks must come 0, 1, 2, …
	total := 0
	seen := map[string]int{} // the next click number expected of each user
	for _, shard := range order {
		for _, rec := range readers[shard].read {
			n, err := strconv.Atoi(strings.TrimPrefix(strings.Fields(string(rec.Data))[1], "#"))
			if err != nil || n != seen[rec.PartitionKey] {
				log.Fatalf("%s: read %q, want click #%d", rec.PartitionKey, rec.Data, seen[rec.PartitionKey])
			}
			seen[rec.PartitionKey]++
			total++
		}
	}
	for u := range users {
		if seen[fmt.Sprintf("user-%02d", u)] != next[u] {
			log.Fatalf("user-%02d: read %d clicks of %d", u, seen[fmt.Sprintf("user-%02d", u)], next[u])
		}
	}
	fmt.Printf("   %d clicks read, %d users, each user's clicks once and in order\n", total, len(seen))
	shards, _ = s.ListShards(ctx)
	var closed, open []string
	for _, sh := range shards {
		if sh.Closed() {
			closed = append(closed, sh.ShardID)
		} else {
			open = append(open, sh.ShardID)
		}
	}
	sort.Strings(open)
	fmt.Printf("   closed: %v (readable until the retention period ends)\n   open:   %v\n", closed, open)
	st, _ := s.Stats()
	fmt.Printf("   stats: %d records in, %d bytes, %d throttled\n", st.IncomingRecords, st.IncomingBytes, st.WriteProvisionedThroughputExceeded)
}

// split splits the shard that holds the most records at the middle of its
// hash key range, while the producers write.
func split(ctx context.Context, s *stream.Stream, readers map[string]*reader) {
	shards, err := s.ListShards(ctx)
	if err != nil {
		log.Fatal(err)
	}
	busiest, most := shards[0], -1
	for _, sh := range shards {
		if n := len(readers[sh.ShardID].read); n > most {
			busiest, most = sh, n
		}
	}
	lo, _ := new(big.Int).SetString(busiest.HashKeyRange.StartingHashKey, 10)
	hi, _ := new(big.Int).SetString(busiest.HashKeyRange.EndingHashKey, 10)
	mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
	if err := s.SplitShard(ctx, busiest.ShardID, mid.String()); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("2. While the producers write, %s (the busiest) is split at the middle of its key range\n", busiest.ShardID)
}

// parentsDone reports whether every parent of c has been read to its end.
func parentsDone(readers map[string]*reader, c stream.ChildShard) bool {
	for _, p := range c.ParentShards {
		if r, ok := readers[p]; !ok || r.iterator != "" {
			return false
		}
	}
	return true
}
