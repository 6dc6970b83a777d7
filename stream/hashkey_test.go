package stream_test

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/stream"
)

// awsRanges are the hash key ranges Kinesis gives a new stream of N shards
// (N = 2, 3, 4 as DescribeStream reports them; 1 and 5 by the same rule).
var awsRanges = map[int][]stream.HashKeyRange{
	1: {{"0", "340282366920938463463374607431768211455"}},
	2: {
		{"0", "170141183460469231731687303715884105727"},
		{"170141183460469231731687303715884105728", "340282366920938463463374607431768211455"},
	},
	3: {
		{"0", "113427455640312821154458202477256070484"},
		{"113427455640312821154458202477256070485", "226854911280625642308916404954512140969"},
		{"226854911280625642308916404954512140970", "340282366920938463463374607431768211455"},
	},
	4: {
		{"0", "85070591730234615865843651857942052863"},
		{"85070591730234615865843651857942052864", "170141183460469231731687303715884105727"},
		{"170141183460469231731687303715884105728", "255211775190703847597530955573826158591"},
		{"255211775190703847597530955573826158592", "340282366920938463463374607431768211455"},
	},
	// N = 5, pinned by value (⌊2^128/5⌋ = 68056473384187692692674921486353642291)
	// so that the test does not rest on bigRanges alone
	5: {
		{"0", "68056473384187692692674921486353642290"},
		{"68056473384187692692674921486353642291", "136112946768375385385349842972707284581"},
		{"136112946768375385385349842972707284582", "204169420152563078078024764459060926872"},
		{"204169420152563078078024764459060926873", "272225893536750770770699685945414569163"},
		{"272225893536750770770699685945414569164", "340282366920938463463374607431768211455"},
	},
}

// bigRanges computes the ranges of N shards with math/big: step ⌊2^128/N⌋,
// the last ending at 2^128−1.
func bigRanges(n int) []stream.HashKeyRange {
	space := new(big.Int).Lsh(big.NewInt(1), 128)
	step := new(big.Int).Div(space, big.NewInt(int64(n)))
	out := make([]stream.HashKeyRange, n)
	for i := range out {
		start := new(big.Int).Mul(step, big.NewInt(int64(i)))
		end := new(big.Int).Sub(new(big.Int).Add(start, step), big.NewInt(1))
		if i == n-1 {
			end.Sub(space, big.NewInt(1))
		}
		out[i] = stream.HashKeyRange{StartingHashKey: start.String(), EndingHashKey: end.String()}
	}
	return out
}

func ranges(shards []stream.Shard) []stream.HashKeyRange {
	out := make([]stream.HashKeyRange, len(shards))
	for i, s := range shards {
		out[i] = s.HashKeyRange
	}
	return out
}

func TestShardBoundariesMatchAWS(t *testing.T) {
	for n := 1; n <= 5; n++ {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := newStream(t, stream.Config{Shards: n})
			got := ranges(listShards(t, s))
			require.Equal(t, awsRanges[n], got)
			require.Equal(t, bigRanges(n), got)
		})
	}
	s := newStream(t, stream.Config{Shards: 10_000})
	require.Equal(t, bigRanges(10_000), ranges(listShards(t, s)))
}

func TestShardIDs(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 3})
	require.Equal(t, []string{"shardId-000000000000", "shardId-000000000001", "shardId-000000000002"}, shardIDs(listShards(t, s)))
}

func TestMD5Routing(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 2})
	// MD5("a") = 16955237001963240173058271559858726497: shard 0 of 2
	require.Equal(t, id(0), put(t, s, "a", "x").ShardID)
	// the shard of each key is the one whose range holds its MD5
	for _, key := range []string{"b", "user-1", "user-2", "héllo", "🙂"} {
		want := id(0)
		if md5Int(key).Cmp(mustBig(awsRanges[2][1].StartingHashKey)) >= 0 {
			want = id(1)
		}
		require.Equal(t, want, put(t, s, key, "x").ShardID, key)
	}
}

func TestExplicitHashKeyEdges(t *testing.T) {
	s := newStream(t, stream.Config{Shards: 3})
	r := awsRanges[3]
	for _, tc := range []struct {
		hash  string
		shard int
	}{
		{"0", 0},
		{r[0].EndingHashKey, 0},
		{r[1].StartingHashKey, 1},
		{r[1].EndingHashKey, 1},
		{r[2].StartingHashKey, 2},
		{"340282366920938463463374607431768211455", 2},
	} {
		require.Equal(t, id(tc.shard), putHash(t, s, tc.hash, "x").ShardID, tc.hash)
	}
	// the explicit key wins over the MD5 of the partition key ("a" is in shard 0)
	out, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "a", ExplicitHashKey: r[2].StartingHashKey})
	require.NoError(t, err)
	require.Equal(t, id(2), out.ShardID)

	for _, bad := range []string{"340282366920938463463374607431768211456", "-1", "+1", "1e3", "12a", " 1",
		"99999999999999999999999999999999999999999", "1000000000000000000000000000000000000000",
		"007", "00", "01", "0340282366920938463463374607431768211455"} { // AWS: 0|([1-9]\d{0,38})
		_, err := s.PutRecord(ctx, stream.PutRecordInput{PartitionKey: "a", ExplicitHashKey: bad})
		require.ErrorIs(t, err, stream.ErrInvalidHashKey, bad)
	}
	st, err := s.Stats()
	require.NoError(t, err)
	require.EqualValues(t, 7, st.IncomingRecords)
}

func md5Int(key string) *big.Int {
	return new(big.Int).SetBytes(md5Sum(key))
}

func mustBig(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return b
}
