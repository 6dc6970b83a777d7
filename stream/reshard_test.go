package stream_test

import (
	"math/big"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/stream"
)

// requireTiling checks that the open shards cover 0…2^128−1 exactly,
// without gaps or overlaps, and returns them in hash key order.
func requireTiling(t testing.TB, shards []stream.Shard) []stream.Shard {
	t.Helper()
	var open []stream.Shard
	for _, s := range shards {
		if !s.Closed() {
			open = append(open, s)
		}
	}
	byStart := map[string]stream.Shard{}
	for _, s := range open {
		byStart[s.HashKeyRange.StartingHashKey] = s
	}
	require.Len(t, byStart, len(open), "two open shards start at the same key")
	next := big.NewInt(0)
	var ordered []stream.Shard
	for range open {
		s, ok := byStart[next.String()]
		require.True(t, ok, "no open shard starts at %s", next)
		ordered = append(ordered, s)
		end := mustBig(s.HashKeyRange.EndingHashKey)
		next = new(big.Int).Add(end, big.NewInt(1))
	}
	require.Equal(t, new(big.Int).Lsh(big.NewInt(1), 128).String(), next.String(), "the last open shard ends at 2^128−1")
	return ordered
}

func shardByID(t testing.TB, shards []stream.Shard, id string) stream.Shard {
	t.Helper()
	for _, s := range shards {
		if s.ShardID == id {
			return s
		}
	}
	t.Fatalf("no shard %s", id)
	return stream.Shard{}
}

func TestSplitShard(t *testing.T) {
	s := newStream(t, stream.Config{Limits: stream.Unlimited})
	before := put(t, s, "a", "before")
	require.NoError(t, s.SplitShard(ctx, id(0), "1000"))
	shards := listShards(t, s)
	require.Equal(t, []string{id(0), id(1), id(2)}, shardIDs(shards))
	parent := shards[0]
	require.True(t, parent.Closed())
	require.Equal(t, 1, parent.SequenceNumberRange.EndingSequenceNumber.Compare(before.SequenceNumber))
	require.Equal(t, stream.HashKeyRange{StartingHashKey: "0", EndingHashKey: "999"}, shards[1].HashKeyRange)
	require.Equal(t, "1000", shards[2].HashKeyRange.StartingHashKey)
	require.Equal(t, awsRanges[1][0].EndingHashKey, shards[2].HashKeyRange.EndingHashKey)
	for _, c := range shards[1:] {
		require.Equal(t, id(0), c.ParentShardID)
		require.Empty(t, c.AdjacentParentShardID)
		require.False(t, c.Closed())
	}
	requireTiling(t, shards)

	// writes go to the children; the parent is read to its end, then names them
	require.Equal(t, id(1), putHash(t, s, "999", "low").ShardID)
	require.Equal(t, id(2), putHash(t, s, "1000", "high").ShardID)
	recs, last := readAll(t, s, id(0))
	require.Equal(t, []string{"before"}, datas(recs))
	require.Empty(t, last.NextShardIterator)
	require.Equal(t, []stream.ChildShard{
		{ShardID: id(1), ParentShards: []string{id(0)}, HashKeyRange: shards[1].HashKeyRange},
		{ShardID: id(2), ParentShards: []string{id(0)}, HashKeyRange: shards[2].HashKeyRange},
	}, last.ChildShards)

	// LATEST on the closed parent reads nothing and names the children
	out := getRecords(t, s, iterator(t, s, stream.GetShardIteratorInput{ShardID: id(0), Type: stream.Latest}))
	require.Empty(t, out.Records)
	require.Empty(t, out.NextShardIterator)
	require.Len(t, out.ChildShards, 2)
}

func TestSplitShardBadInput(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 2})
	r := awsRanges[2]
	for _, tc := range []struct {
		shard, key string
		err        error
	}{
		{id(0), "0", stream.ErrInvalidHashKey},
		{id(0), "1", stream.ErrInvalidHashKey}, // must be more than start+1
		{id(0), r[0].EndingHashKey, stream.ErrInvalidHashKey},
		{id(0), r[1].StartingHashKey, stream.ErrInvalidHashKey},
		{id(1), r[1].StartingHashKey, stream.ErrInvalidHashKey},
		{id(1), "340282366920938463463374607431768211456", stream.ErrInvalidHashKey},
		{id(0), "12x", stream.ErrInvalidHashKey},
		{id(0), "", stream.ErrInvalidHashKey},
		{id(0), "0100", stream.ErrInvalidHashKey}, // AWS: 0|([1-9]\d{0,38})
		{id(7), "100", stream.ErrShardNotFound},
	} {
		require.ErrorIs(t, s.SplitShard(ctx, tc.shard, tc.key), tc.err, "%+v", tc)
	}
	require.NoError(t, s.SplitShard(ctx, id(0), "2"))
	require.ErrorIs(t, s.SplitShard(ctx, id(0), "100"), stream.ErrShardClosed)
	require.Len(t, listShards(t, s), 4, "only the good split changed anything")
}

func TestMergeShards(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 3, Limits: stream.Unlimited})
	r := awsRanges[3]
	putHash(t, s, r[1].StartingHashKey, "in 1")
	putHash(t, s, r[2].StartingHashKey, "in 2")
	require.ErrorIs(t, s.MergeShards(ctx, id(0), id(2)), stream.ErrNotAdjacent)
	require.ErrorIs(t, s.MergeShards(ctx, id(1), id(1)), stream.ErrInvalidArgument)
	require.ErrorIs(t, s.MergeShards(ctx, id(1), id(9)), stream.ErrShardNotFound)
	require.Len(t, listShards(t, s), 3)

	require.NoError(t, s.MergeShards(ctx, id(2), id(1))) // order does not matter
	shards := listShards(t, s)
	child := shardByID(t, shards, id(3))
	require.Equal(t, id(2), child.ParentShardID)
	require.Equal(t, id(1), child.AdjacentParentShardID)
	require.Equal(t, stream.HashKeyRange{StartingHashKey: r[1].StartingHashKey, EndingHashKey: r[2].EndingHashKey}, child.HashKeyRange)
	require.True(t, shardByID(t, shards, id(1)).Closed())
	require.True(t, shardByID(t, shards, id(2)).Closed())
	requireTiling(t, shards)
	require.ErrorIs(t, s.MergeShards(ctx, id(0), id(1)), stream.ErrShardClosed)

	for _, parent := range []string{id(1), id(2)} {
		_, last := readAll(t, s, parent)
		require.Equal(t, []stream.ChildShard{{ShardID: id(3), ParentShards: []string{id(2), id(1)}, HashKeyRange: child.HashKeyRange}}, last.ChildShards)
	}
	require.Equal(t, id(3), putHash(t, s, r[1].StartingHashKey, "x").ShardID)
}

func TestUpdateShardCount(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Shards: 3, Clock: clk})
	before := listShards(t, s)
	for _, bad := range []int{0, 1, 7, 10_001} {
		_, err := s.UpdateShardCount(ctx, bad)
		require.ErrorIs(t, err, stream.ErrInvalidArgument, bad)
	}
	require.Equal(t, before, listShards(t, s), "nothing changed")
	for _, target := range []int{5, 10, 20, 11, 6, 3, 2, 4} {
		n := len(requireTiling(t, listShards(t, s)))
		out, err := s.UpdateShardCount(ctx, target)
		require.NoError(t, err)
		require.Equal(t, stream.UpdateShardCountOutput{CurrentShardCount: n, TargetShardCount: target}, out)
		shards := listShards(t, s)
		require.Equal(t, bigRanges(target), ranges(requireTiling(t, shards)), "uniform")
		for _, sh := range shards {
			if sh.ParentShardID == "" {
				continue
			}
			// every parent is closed and no shard has more than two
			require.True(t, shardByID(t, shards, sh.ParentShardID).Closed())
			if sh.AdjacentParentShardID != "" {
				require.True(t, shardByID(t, shards, sh.AdjacentParentShardID).Closed())
			}
		}
		clk.Add(time.Hour)
	}
	// ten scalings in a rolling 24 hours
	clk.Add(15 * time.Hour)
	for range 2 {
		_, err := s.UpdateShardCount(ctx, 4)
		require.NoError(t, err)
	}
	_, err := s.UpdateShardCount(ctx, 4)
	require.ErrorIs(t, err, stream.ErrLimitExceeded)
	clk.Add(time.Hour) // the first scaling is 24 h old
	_, err = s.UpdateShardCount(ctx, 4)
	require.NoError(t, err)
}

// A key's records read in put order across a scaling, parents first.
func TestUpdateShardCountKeepsKeyOrder(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 2, Limits: stream.Unlimited})
	keys := []string{"a", "b", "c", "d", "e", "f", "g"}
	var want []string
	for round, target := range []int{3, 5, 4, 2} {
		for _, k := range keys {
			put(t, s, k, k+string(rune('0'+round)))
		}
		_, err := s.UpdateShardCount(ctx, target)
		require.NoError(t, err)
	}
	for _, k := range keys {
		want = append(want, k+"0", k+"1", k+"2", k+"3")
	}
	got := readLineage(t, s)
	require.ElementsMatch(t, want, got)
	for _, k := range keys {
		var order []string
		for _, d := range got {
			if d[:1] == k {
				order = append(order, d)
			}
		}
		require.Equal(t, []string{k + "0", k + "1", k + "2", k + "3"}, order)
	}
}

// readLineage reads every shard, each only once all its parents have been
// read to their ends, and returns the data in that order.
func readLineage(t testing.TB, s *stream.Stream) []string {
	t.Helper()
	var out []string
	for _, r := range readLineageRecords(t, s, nil) {
		out = append(out, string(r.Data))
	}
	return out
}

// readLineageRecords reads as readLineage does, calling check (if set) with
// each shard and its records.
func readLineageRecords(t testing.TB, s *stream.Stream, check func(stream.Shard, []stream.Record)) []stream.Record {
	t.Helper()
	shards := listShards(t, s)
	exists := map[string]bool{}
	for _, sh := range shards {
		exists[sh.ShardID] = true
	}
	done := map[string]bool{}
	ready := func(parent string) bool { return parent == "" || done[parent] || !exists[parent] }
	var out []stream.Record
	for len(done) < len(shards) {
		progress := false
		for _, sh := range shards {
			if done[sh.ShardID] || !ready(sh.ParentShardID) || !ready(sh.AdjacentParentShardID) {
				continue
			}
			recs, _ := readAll(t, s, sh.ShardID)
			if check != nil {
				check(sh, recs)
			}
			out = append(out, recs...)
			done[sh.ShardID] = true
			progress = true
		}
		require.True(t, progress, "a shard's parents never finish")
	}
	return out
}

// Closed shards are gone once their retention has run out.
func TestClosedShardsExpire(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk})
	put(t, s, "a", "x")
	require.NoError(t, s.SplitShard(ctx, id(0), "1000"))
	clk.Add(24*time.Hour - time.Millisecond)
	require.Len(t, listShards(t, s), 3)
	clk.Add(time.Millisecond)
	shards := listShards(t, s)
	require.Equal(t, []string{id(1), id(2)}, shardIDs(shards))
	require.Equal(t, id(0), shards[0].ParentShardID, "children still name their parent")
	_, err := s.GetShardIterator(ctx, stream.GetShardIteratorInput{ShardID: id(0), Type: stream.TrimHorizon})
	require.ErrorIs(t, err, stream.ErrShardNotFound)
	st, _ := s.Stats()
	require.Equal(t, 2, st.OpenShards)
	require.Zero(t, st.ClosedShards)
}
