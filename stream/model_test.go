package stream_test

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/stream"
)

// modelRecord is a record as the model remembers it.
type modelRecord struct {
	key, data string
	arrival   time.Time
}

// TestModel applies random puts, reads, reshards and clock moves to a
// stream and to a plain list of records, and checks after every step that
// the open shards tile the key space, that every record still within its
// retention is read (and none past it), each in the shard its key hashes
// to, and that each key's records read in put order when parents are read
// before their children. STRATUS_LONG=1 runs more and longer sequences.
func TestModel(t *testing.T) {
	seeds, steps := 6, 150
	if os.Getenv("STRATUS_LONG") != "" {
		seeds, steps = 60, 600
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runModel(t, uint64(seed), steps) })
	}
}

func runModel(t *testing.T, seed uint64, steps int) {
	r := rand.New(rand.NewPCG(seed, 7))
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Shards: 1 + r.IntN(4), Clock: clk, Limits: stream.Unlimited})
	keys := make([]string, 24)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%d", i)
	}
	var model []modelRecord
	n := 0
	data := func() string { n++; return fmt.Sprint("d", n) }
	openShards := func() []stream.Shard { return requireTiling(t, listShards(t, s)) }

	for step := range steps {
		switch op := r.IntN(10); {
		case op < 3: // put one
			k := keys[r.IntN(len(keys))]
			d := data()
			put(t, s, k, d)
			model = append(model, modelRecord{k, d, clk.Now()})
		case op < 5: // put a batch
			entries := make([]stream.PutRecordsEntry, 1+r.IntN(20))
			for i := range entries {
				k, d := keys[r.IntN(len(keys))], data()
				entries[i] = stream.PutRecordsEntry{PartitionKey: k, Data: []byte(d)}
				model = append(model, modelRecord{k, d, clk.Now()})
			}
			out, err := s.PutRecords(ctx, entries)
			require.NoError(t, err)
			require.Zero(t, out.FailedRecordCount)
		case op == 5: // split a random open shard at a random key inside it
			open := openShards()
			if len(open) >= 12 {
				continue
			}
			sh := open[r.IntN(len(open))]
			start, end := mustBig(sh.HashKeyRange.StartingHashKey), mustBig(sh.HashKeyRange.EndingHashKey)
			width := new(big.Int).Sub(end, start)
			if width.Cmp(big.NewInt(3)) < 0 {
				continue
			}
			off := randBelow(r, new(big.Int).Sub(width, big.NewInt(2)))
			k := off.Add(off, start).Add(off, big.NewInt(2))
			require.NoError(t, s.SplitShard(ctx, sh.ShardID, k.String()))
		case op == 6: // merge two adjacent open shards
			open := openShards()
			if len(open) < 2 {
				continue
			}
			i := r.IntN(len(open) - 1)
			a, b := open[i], open[i+1]
			if r.IntN(2) == 0 {
				a, b = b, a
			}
			require.NoError(t, s.MergeShards(ctx, a.ShardID, b.ShardID))
		case op == 7: // uniform scaling
			cur := len(openShards())
			target := (cur+1)/2 + r.IntN(min(2*cur, 12)-(cur+1)/2+1)
			_, err := s.UpdateShardCount(ctx, target)
			require.NoError(t, err)
		default: // move the clock: minutes, or hours
			if r.IntN(3) == 0 {
				clk.Add(time.Duration(r.IntN(8)) * time.Hour)
			} else {
				clk.Add(time.Duration(r.IntN(30)) * time.Minute)
			}
		}
		checkModel(t, s, clk.Now(), model, fmt.Sprint("step ", step))
	}
}

func checkModel(t *testing.T, s *stream.Stream, now time.Time, model []modelRecord, at string) {
	t.Helper()
	requireTiling(t, listShards(t, s))
	byKey := map[string][]string{}
	for _, m := range model {
		if m.arrival.Add(24 * time.Hour).After(now) {
			byKey[m.key] = append(byKey[m.key], m.data)
		}
	}
	got := map[string][]string{}
	hashes := map[string]*big.Int{}
	recs := readLineageRecords(t, s, func(sh stream.Shard, recs []stream.Record) {
		start, end := mustBig(sh.HashKeyRange.StartingHashKey), mustBig(sh.HashKeyRange.EndingHashKey)
		for i, r := range recs {
			h := hashes[r.PartitionKey]
			if h == nil {
				h = md5Int(r.PartitionKey)
				hashes[r.PartitionKey] = h
			}
			if h.Cmp(start) < 0 || h.Cmp(end) > 0 {
				t.Fatalf("%s: %s in %s", at, r.PartitionKey, sh.ShardID)
			}
			if i > 0 && r.SequenceNumber.Compare(recs[i-1].SequenceNumber) != 1 {
				t.Fatalf("%s: sequence numbers out of order in %s", at, sh.ShardID)
			}
			if !r.ApproximateArrivalTimestamp.Add(24 * time.Hour).After(now) {
				t.Fatalf("%s: a record past its retention", at)
			}
		}
	})
	for _, r := range recs {
		got[r.PartitionKey] = append(got[r.PartitionKey], string(r.Data))
	}
	require.Equal(t, byKey, got, at)
}

// randBelow returns a random integer in [0, n), for n up to 2^128.
func randBelow(r *rand.Rand, n *big.Int) *big.Int {
	x := new(big.Int).SetUint64(r.Uint64())
	x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(r.Uint64()))
	return x.Mod(x, n)
}
