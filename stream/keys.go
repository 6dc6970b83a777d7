package stream

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// hashKey is a 128-bit unsigned integer: a point of the hash key space
// 0…2^128−1 that partition keys map to.
type hashKey struct{ hi, lo uint64 }

var maxHashKey = hashKey{^uint64(0), ^uint64(0)}

// hashOf is the hash key of a partition key: its MD5 read as a big-endian
// unsigned integer, as Kinesis does.
func hashOf(key string) hashKey {
	sum := md5.Sum([]byte(key))
	return hashKey{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])}
}

// keyCache remembers the hash keys of recently put partition keys, so that
// a key put again skips its MD5 (about half the cost of a put). It is a
// direct-mapped table: a key's slot is picked by a seeded maphash of the
// key, holds one key and its hash key, and a hit compares the whole key.
// Its own mutex guards it, taken once per call (twice in PutRecords, to
// look up and then to fill), never with the stream's, and the MD5s of the
// misses are computed without either. A slot holds its own copy of the
// key, made on a miss, so the cache keeps no caller's string (or the
// larger one it may be cut from) alive.
type keyCache struct {
	seed  maphash.Seed
	mu    sync.Mutex
	slots *[keyCacheSize]keySlot // allocated at first use; guarded by mu
}

// keyCacheSize is the number of slots: 4,096 of 32 bytes.
const keyCacheSize = 1 << 12

type keySlot struct {
	key string
	h   hashKey
}

func (c *keyCache) slot(key string) int {
	return int(maphash.String(c.seed, key) & (keyCacheSize - 1))
}

// hashOf is hashOf(key), from the cache when it holds key.
func (c *keyCache) hashOf(key string) hashKey {
	i := c.slot(key)
	c.mu.Lock()
	if c.slots != nil && c.slots[i].key == key {
		h := c.slots[i].h
		c.mu.Unlock()
		return h
	}
	c.mu.Unlock()
	h := hashOf(key)
	c.mu.Lock()
	if c.slots == nil {
		c.slots = new([keyCacheSize]keySlot)
	}
	c.slots[i] = keySlot{strings.Clone(key), h}
	c.mu.Unlock()
	return h
}

// hashEntries sets out[i] to the hash key of entries[i].PartitionKey for
// each i that is not done, from the cache where it can.
func (c *keyCache) hashEntries(entries []PutRecordsEntry, done *[MaxPutRecords]bool, out *[MaxPutRecords]hashKey) {
	var slot, misses [MaxPutRecords]uint16
	for i, e := range entries {
		if !done[i] {
			slot[i] = uint16(c.slot(e.PartitionKey))
		}
	}
	m := 0
	c.mu.Lock()
	for i, e := range entries {
		if done[i] {
			continue
		}
		if c.slots != nil && c.slots[slot[i]].key == e.PartitionKey {
			out[i] = c.slots[slot[i]].h
			continue
		}
		misses[m] = uint16(i)
		m++
	}
	c.mu.Unlock()
	if m == 0 {
		return
	}
	for _, i := range misses[:m] {
		out[i] = hashOf(entries[i].PartitionKey)
	}
	c.mu.Lock()
	if c.slots == nil {
		c.slots = new([keyCacheSize]keySlot)
	}
	for _, i := range misses[:m] {
		c.slots[slot[i]] = keySlot{strings.Clone(entries[i].PartitionKey), out[i]}
	}
	c.mu.Unlock()
}

func (k hashKey) less(o hashKey) bool {
	return k.hi < o.hi || k.hi == o.hi && k.lo < o.lo
}

func (k hashKey) add(n uint64) hashKey {
	lo, c := bits.Add64(k.lo, n, 0)
	return hashKey{k.hi + c, lo}
}

func (k hashKey) sub(n uint64) hashKey {
	lo, b := bits.Sub64(k.lo, n, 0)
	return hashKey{k.hi - b, lo}
}

// mul returns k·n, which the caller knows does not overflow.
func (k hashKey) mul(n uint64) hashKey {
	hi, lo := bits.Mul64(k.lo, n)
	return hashKey{k.hi*n + hi, lo}
}

// divMod returns ⌊k/n⌋ and k mod n.
func (k hashKey) divMod(n uint64) (hashKey, uint64) {
	qhi, r := k.hi/n, k.hi%n
	qlo, r := bits.Div64(r, k.lo, n)
	return hashKey{qhi, qlo}, r
}

// parseHashKey reads a decimal integer in 0…2^128−1 as Kinesis writes
// hash keys (pattern 0|([1-9]\d{0,38})): digits only, no sign, no leading
// zero, at most 39 of them.
func parseHashKey(s string) (hashKey, bool) {
	if len(s) == 0 || len(s) > 39 || len(s) > 1 && s[0] == '0' {
		return hashKey{}, false
	}
	var k hashKey
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return hashKey{}, false
		}
		// k = k*10 + d, checking for overflow
		hhi, hlo := bits.Mul64(k.hi, 10)
		lhi, llo := bits.Mul64(k.lo, 10)
		hi, c := bits.Add64(hlo, lhi, 0)
		if hhi != 0 || c != 0 {
			return hashKey{}, false
		}
		lo, c := bits.Add64(llo, uint64(d), 0)
		hi, c = bits.Add64(hi, 0, c)
		if c != 0 {
			return hashKey{}, false
		}
		k = hashKey{hi, lo}
	}
	return k, true
}

// String formats k in decimal.
func (k hashKey) String() string {
	if k.hi == 0 {
		return uitoa(k.lo)
	}
	var buf [39]byte
	i := len(buf)
	for k.hi != 0 || k.lo != 0 {
		var r uint64
		k, r = k.divMod(10)
		i--
		buf[i] = byte('0' + r)
	}
	return string(buf[i:])
}

func uitoa(n uint64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}

// hashRange is an inclusive range of hash keys.
type hashRange struct{ start, end hashKey }

// evenRanges splits the key space into n ranges as CreateStream does:
// step ⌊2^128/n⌋, range i starting at i·step, the last ending at 2^128−1.
func evenRanges(n int) []hashRange {
	out := make([]hashRange, n)
	if n == 1 {
		out[0] = hashRange{hashKey{}, maxHashKey}
		return out
	}
	// 2^128 is the words 1, 0, 0: divide it word by word (the top word
	// gives quotient 0, remainder 1).
	qhi, r := bits.Div64(1, 0, uint64(n))
	qlo, _ := bits.Div64(r, 0, uint64(n))
	step := hashKey{qhi, qlo}
	for i := range out {
		out[i].start = step.mul(uint64(i))
		if i > 0 {
			out[i-1].end = out[i].start.sub(1)
		}
	}
	out[n-1].end = maxHashKey
	return out
}

// SequenceNumber identifies a record in its stream. It is assigned at put
// and grows with every record written to the stream, so the numbers of one
// shard increase in the order the shard stored its records, and no two
// records of a stream share one. The zero SequenceNumber is no record.
//
// Its String form is the decimal string Kinesis APIs carry (32 digits
// here); ParseSequenceNumber reads it back. A SequenceNumber is a small
// value: comparing two is cheap, and its string is made only when asked
// for.
type SequenceNumber struct {
	n     uint64 // position in the stream's write order, from 1
	shard uint32 // index of the shard the record went to
}

// seqPrefix and the fixed width make the decimal form sort as the numbers
// do and keep it from starting with a zero.
const (
	seqPrefix = "49"
	seqLen    = len(seqPrefix) + 20 + 10
)

// IsZero reports whether s is the zero SequenceNumber.
func (s SequenceNumber) IsZero() bool { return s.n == 0 }

// Compare returns -1, 0 or +1 as s is before, equal to or after o in the
// stream's write order, which is also the order of their String forms. It
// returns 0 only for equal numbers. The numbers a stream gives (records'
// and shards' starting and ending ones) all have distinct write positions;
// for strings that share one, the shard's index breaks the tie.
func (s SequenceNumber) Compare(o SequenceNumber) int {
	switch {
	case s.n < o.n:
		return -1
	case s.n > o.n:
		return 1
	case s.shard < o.shard:
		return -1
	case s.shard > o.shard:
		return 1
	}
	return 0
}

// String returns the decimal form: "49", the write position in 20 digits,
// the shard's index in 10. The zero SequenceNumber gives "".
func (s SequenceNumber) String() string {
	if s.n == 0 {
		return ""
	}
	var buf [seqLen]byte
	copy(buf[:], seqPrefix)
	putDigits(buf[len(seqPrefix):len(seqPrefix)+20], s.n)
	putDigits(buf[len(seqPrefix)+20:], uint64(s.shard))
	return string(buf[:])
}

func putDigits(b []byte, n uint64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}

// ParseSequenceNumber reads the String form of a sequence number. It
// returns an error wrapping ErrInvalidSequenceNumber for any other string.
func ParseSequenceNumber(str string) (SequenceNumber, error) {
	bad := func() (SequenceNumber, error) {
		return SequenceNumber{}, fmt.Errorf("%w: %q is not %d digits starting %s", ErrInvalidSequenceNumber, str, seqLen, seqPrefix)
	}
	if len(str) != seqLen || str[:len(seqPrefix)] != seqPrefix {
		return bad()
	}
	for i := 0; i < len(str); i++ {
		if str[i] < '0' || str[i] > '9' {
			return bad()
		}
	}
	n, err := strconv.ParseUint(str[len(seqPrefix):len(seqPrefix)+20], 10, 64)
	if err != nil || n == 0 {
		return bad()
	}
	shard, err := strconv.ParseUint(str[len(seqPrefix)+20:], 10, 32)
	if err != nil {
		return bad()
	}
	return SequenceNumber{n: n, shard: uint32(shard)}, nil
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (s SequenceNumber) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; the empty string is the
// zero SequenceNumber.
func (s *SequenceNumber) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = SequenceNumber{}
		return nil
	}
	v, err := ParseSequenceNumber(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
