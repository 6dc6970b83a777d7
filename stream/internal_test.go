package stream

import (
	"fmt"
	"hash/maphash"
	"math/big"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

func (k hashKey) big() *big.Int {
	b := new(big.Int).SetUint64(k.hi)
	return b.Lsh(b, 64).Or(b, new(big.Int).SetUint64(k.lo))
}

// The 128-bit arithmetic agrees with math/big.
func TestHashKeyArithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 2000 {
		k := hashKey{r.Uint64() >> r.IntN(64), r.Uint64()}
		if r.IntN(4) == 0 {
			k.hi = 0
		}
		s := k.String()
		require.Equal(t, k.big().String(), s)
		back, ok := parseHashKey(s)
		require.True(t, ok)
		require.Equal(t, k, back)
		n := uint64(r.IntN(10_000) + 1)
		q, rem := k.divMod(n)
		bq, brem := new(big.Int).DivMod(k.big(), new(big.Int).SetUint64(n), new(big.Int))
		require.Equal(t, bq.String(), q.String())
		require.Equal(t, brem.Uint64(), rem)
		if k != maxHashKey {
			require.Equal(t, new(big.Int).Add(k.big(), big.NewInt(1)).String(), k.add(1).String())
		}
	}
	require.Equal(t, "340282366920938463463374607431768211455", maxHashKey.String())
	_, ok := parseHashKey("340282366920938463463374607431768211456")
	require.False(t, ok)
}

// The chunked store keeps order across chunks and trims from the front.
func TestStoreChunks(t *testing.T) {
	var s store
	var pool chunkPool
	for i := 1; i <= 3*chunkSize+5; i++ {
		s.append(Record{SequenceNumber: SequenceNumber{n: uint64(i)}, ApproximateArrivalTimestamp: time.Unix(0, int64(i))}, &pool)
	}
	require.Equal(t, 3*chunkSize+5, s.len())
	require.Equal(t, chunkSize, s.after(chunkSize))
	s.trim(chunkSize+10, &pool)
	require.Equal(t, 2*chunkSize-5, s.len())
	require.Len(t, s.chunks, 3)
	require.EqualValues(t, chunkSize+11, s.at(0).SequenceNumber.n)
	require.Equal(t, 0, s.after(3))
	out := s.appendTo(nil, 0, s.len())
	require.Len(t, out, s.len())
	for i, r := range out {
		require.EqualValues(t, chunkSize+11+i, r.SequenceNumber.n)
	}
	s.trim(s.len(), &pool)
	require.Equal(t, 0, s.len())
	require.Nil(t, s.chunks)
	require.Len(t, pool.free, 4, "the emptied chunks, cleared, for reuse")
	for _, c := range pool.free {
		require.Len(t, c, chunkSize)
		require.Equal(t, make([]Record, chunkSize), c)
	}
	s.append(Record{SequenceNumber: SequenceNumber{n: 99}}, &pool)
	require.EqualValues(t, 99, s.at(0).SequenceNumber.n)
}

// A store's first chunk starts small and doubles, keeping order through
// trims from the front; a few records cost a few slots, not a full chunk.
func TestStoreFirstChunkGrows(t *testing.T) {
	var s store
	var pool chunkPool
	s.append(Record{SequenceNumber: SequenceNumber{n: 1}}, &pool)
	require.Len(t, s.chunks[0], firstChunkSize)
	next, first := uint64(2), uint64(1)
	for range 3000 {
		s.append(Record{SequenceNumber: SequenceNumber{n: next}}, &pool)
		next++
		if next%3 == 0 { // trim one in three as it grows
			s.trim(1, &pool)
			first++
		}
		for _, c := range s.chunks[:len(s.chunks)-1] {
			require.Len(t, c, chunkSize, "only a store's only chunk is short")
		}
	}
	require.Equal(t, int(next-first), s.len())
	for i, r := range s.appendTo(nil, 0, s.len()) {
		require.Equal(t, first+uint64(i), r.SequenceNumber.n)
		require.Equal(t, first+uint64(i), s.at(i).SequenceNumber.n)
	}
	require.Equal(t, 5, s.after(first+4))
}

// The key cache gives every key its own MD5, whatever shares its slot:
// more keys than slots, looked up again in random order, one at a time and
// in batches with explicit hash keys mixed in, from several goroutines.
func TestKeyCacheExact(t *testing.T) {
	c := keyCache{seed: maphash.MakeSeed()}
	keys := make([]string, 3*keyCacheSize)
	for i := range keys {
		keys[i] = fmt.Sprint("user-", i)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for range 20 {
				var entries []PutRecordsEntry
				var done [MaxPutRecords]bool
				var out [MaxPutRecords]hashKey
				for i := range MaxPutRecords {
					key := keys[r.IntN(len(keys))]
					entries = append(entries, PutRecordsEntry{PartitionKey: key})
					if i%7 == 0 { // an explicit hash key: left alone
						done[i], out[i] = true, hashKey{7, 7}
					}
				}
				c.hashEntries(entries, &done, &out)
				for i, e := range entries {
					want := hashOf(e.PartitionKey)
					if done[i] {
						want = hashKey{7, 7}
					}
					if out[i] != want {
						t.Errorf("batch: %q got %v, want %v", e.PartitionKey, out[i], want)
						return
					}
					key := keys[r.IntN(len(keys))]
					if got := c.hashOf(key); got != hashOf(key) {
						t.Errorf("one: %q got %v", key, got)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	// a repeated key is served from its slot
	c.hashOf("again")
	slot := c.slots[c.slot("again")]
	require.Equal(t, "again", slot.key)
	require.Equal(t, hashOf("again"), slot.h)
}

// The cache keeps its own copy of a key, not the caller's string, which
// may be cut from a larger one: for PutRecord's path and PutRecords'.
func TestKeyCacheCopiesKeys(t *testing.T) {
	c := keyCache{seed: maphash.MakeSeed()}
	long := strings.Repeat("x", 1<<10) + "one" + "two"
	one, two := long[1<<10:1<<10+3], long[1<<10+3:]
	copied := func(key string) {
		t.Helper()
		slot := c.slots[c.slot(key)]
		require.Equal(t, key, slot.key)
		require.NotSame(t, unsafe.StringData(key), unsafe.StringData(slot.key), key)
	}
	c.hashOf(one)
	copied(one)
	var done [MaxPutRecords]bool
	var out [MaxPutRecords]hashKey
	c.hashEntries([]PutRecordsEntry{{PartitionKey: two}}, &done, &out)
	copied(two)
}

// On demand, each growth of the capacity by one unit splits the busiest
// shard SplitShard could split. Two hot hash keys at the top of the key
// space, 2^128−2 and 2^128−1 (two, or the stream would leave the shard
// alone as one key's), keep their shard the busiest, so it is
// halved at every growth until it holds those 2 keys (125 growths), and
// then the stream splits others. At every step the open shards tile the
// key space with non-empty ranges, one per unit. (Before, the hot shard
// was split down to one key, then into an inverted range, and at 2^128−1
// its middle wrapped to 0.) A busy second is counted, not stored: 500
// records a unit would take minutes under -race.
func TestOnDemandSplitsNoShardBelowTwoKeys(t *testing.T) {
	clk := clock.NewMock()
	s, err := New(Config{Mode: OnDemand, Clock: clk})
	require.NoError(t, err)
	defer s.Close()
	hotKeys := []string{maxHashKey.sub(1).String(), maxHashKey.String()}
	hot := make([]PutRecordsEntry, 10)
	for i := range hot {
		hot[i] = PutRecordsEntry{PartitionKey: "h", Data: []byte{1}, ExplicitHashKey: hotKeys[i%2]}
	}
	for step := range 128 {
		// the first put of a second splits for the second before
		out, err := s.PutRecords(t.Context(), hot)
		require.NoError(t, err)
		require.Zero(t, out.FailedRecordCount)
		s.mu.Lock()
		require.NoError(t, checkTiling(s.open), "step %d", step)
		open := len(s.open)
		require.Equal(t, 4+step, open, "an open shard per unit")
		// half a unit more than the open shards take: the capacity
		// grows by one unit, to twice that, rounded up
		s.demand.cur.records += int64(500 * open)
		s.mu.Unlock()
		clk.Add(time.Second)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	last := s.open[len(s.open)-1]
	require.Equal(t, HashKeyRange{StartingHashKey: hotKeys[0], EndingHashKey: hotKeys[1]}, last.rng.public())
}

// checkTiling returns an error unless open, in order, tiles 0…2^128−1
// with non-empty ranges.
func checkTiling(open []*shard) error {
	next, done := hashKey{}, false
	for _, sh := range open {
		if done || sh.rng.start != next || sh.rng.end.less(sh.rng.start) {
			return fmt.Errorf("open shards do not tile the key space: %s is %s…%s, after %s", sh.id, sh.rng.start, sh.rng.end, next.sub(1))
		}
		next, done = sh.rng.end.add(1), sh.rng.end == maxHashKey
	}
	if !done {
		return fmt.Errorf("open shards end at %s, not 2^128−1", next.sub(1))
	}
	return nil
}

// heldRecords counts the records a stream holds without trimming first, to
// see what the retention timer did.
func heldRecords(s *Stream) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sh := range s.shards {
		n += sh.recs.len()
	}
	return n
}

// HeldRecords exports heldRecords to the external tests.
var HeldRecords = heldRecords

// FuzzParseHashKey: a string parses as a hash key exactly when it is the
// decimal form of an integer in 0…2^128−1 with no leading zero (AWS's
// pattern 0|([1-9]\d{0,38})), and then to that integer.
func FuzzParseHashKey(f *testing.F) {
	for _, s := range []string{"0", "007", "00", "10", "340282366920938463463374607431768211455", "340282366920938463463374607431768211456", "-1", "+1", "", "1e9"} {
		f.Add(s)
	}
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := parseHashKey(s)
		b, isInt := new(big.Int).SetString(s, 10)
		// the AWS pattern for hash keys: 0|([1-9]\d{0,38})
		digits := s == "0" || len(s) > 0 && len(s) <= 39 && s[0] != '0'
		for i := 0; i < len(s); i++ {
			digits = digits && s[i] >= '0' && s[i] <= '9'
		}
		want := isInt && digits && b.Cmp(limit) < 0
		if ok != want {
			t.Fatalf("parseHashKey(%q) ok = %v, want %v", s, ok, want)
		}
		if ok && k.big().Cmp(b) != 0 {
			t.Fatalf("parseHashKey(%q) = %s", s, k)
		}
	})
}

// FuzzIterator: no string but the ones the stream issued decodes.
func FuzzIterator(f *testing.F) {
	s, err := New(Config{Clock: clock.NewMock()})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	good := s.encodeIterator(position{shard: 0, after: 42}, time.Unix(300, 0))
	f.Add(good)
	f.Add(good[:len(good)-1] + "A")
	f.Add(s.encodeIterator(position{atTime: true, time: wholeMillis(time.Date(-3000, 1, 1, 0, 0, 0, 1, time.UTC))}, time.Unix(300, 0)))
	f.Add("")
	f.Fuzz(func(t *testing.T, it string) {
		p, err := s.decodeIterator(it, time.Unix(0, 0))
		if it == good {
			if err != nil || p.after != 42 {
				t.Fatalf("the issued iterator: %+v, %v", p, err)
			}
			return
		}
		if err == nil && s.encodeIterator(p, time.Unix(300, 0)) != it {
			t.Fatalf("decoded an iterator the stream did not issue: %q", it)
		}
	})
}
