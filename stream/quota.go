package stream

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"time"

	"golang.org/x/time/rate"
)

// writeQuota is a shard's write budget: two token buckets on the stream's
// clock, for records and for bytes, each holding one second's worth (the
// byte bucket holds at least one record of the stream's MaxRecordSize, so
// a large record passes on a rested shard and the shard then waits).
type writeQuota struct {
	records, bytes *rate.Limiter
}

func newWriteQuota(recordsPerSecond, bytesPerSecond, maxRecord int) *writeQuota {
	return &writeQuota{
		records: rate.NewLimiter(rate.Limit(recordsPerSecond), recordsPerSecond),
		bytes:   rate.NewLimiter(rate.Limit(bytesPerSecond), max(bytesPerSecond, maxRecord)),
	}
}

// check reports whether the quota has room for one record of size bytes
// at now, and if not which bucket is short. It spends nothing.
func (q *writeQuota) check(now time.Time, size int) (Quota, bool) {
	if q.records.TokensAt(now) < 1 {
		return WriteRecords, false
	}
	if q.bytes.TokensAt(now) < float64(size) {
		return WriteBytes, false
	}
	return 0, true
}

// spend takes one record of size bytes, which check has allowed.
func (q *writeQuota) spend(now time.Time, size int) {
	q.records.AllowN(now, 1)
	q.bytes.AllowN(now, size)
}

// readQuota is a shard's read budget, shared by its GetRecords readers:
// 5 calls a second (a token bucket), and 2 MiB a second of responses (a
// byteBudget).
type readQuota struct {
	calls     *rate.Limiter
	iterators *rate.Limiter // GetShardIterator calls
	bytes     byteBudget
}

// admit checks a GetRecords call against the budget and spends a call.
func (q *readQuota) admit(now time.Time) (Quota, bool) {
	if q.bytes.wait(now) > 0 {
		return ReadBytes, false
	}
	if !q.calls.AllowN(now, 1) {
		return ReadCalls, false
	}
	return 0, true
}

// byteBudget is a token bucket of bytes that is paid after the fact, since
// a response's size is known only once it is read. It holds one second's
// worth and starts full. A response that fits in what the bucket holds is
// taken from it; one that does not is paid in full, as a debt the rate
// pays back, and no call passes until it is: after a 10 MiB response at
// 2 MiB/s, none for the next 5 seconds.
//
// The state is the time the bucket was (or will be) empty: it holds
// (now − emptyAt) × rate bytes, at most one second's worth, and a debt
// while emptyAt is after now. Time in nanoseconds keeps it exact.
type byteBudget struct {
	perSecond int
	emptyAt   time.Time
	started   bool
}

// wait returns how long until a call may pass; 0 means now.
func (b *byteBudget) wait(now time.Time) time.Duration {
	if !b.started || !b.emptyAt.After(now) {
		return 0
	}
	return b.emptyAt.Sub(now)
}

// full reports whether the bucket holds a whole second's worth at now, as
// a new one does.
func (b *byteBudget) full(now time.Time) bool {
	return !b.started || !b.emptyAt.After(now.Add(-time.Second))
}

// charge pays for n bytes read at now.
func (b *byteBudget) charge(now time.Time, n int) {
	if full := now.Add(-time.Second); !b.started || b.emptyAt.Before(full) {
		b.emptyAt, b.started = full, true
	}
	cost := bytesTime(n, b.perSecond)
	if paid := b.emptyAt.Add(cost); !paid.After(now) {
		b.emptyAt = paid
	} else {
		b.emptyAt = now.Add(cost)
	}
}

// bytesTime is how long n bytes take at perSecond bytes a second.
func bytesTime(n, perSecond int) time.Duration {
	return time.Duration(int64(n) * int64(time.Second) / int64(perSecond))
}

// On-demand write capacity, as Kinesis describes it: a new stream takes
// 4 MiB/s and 4,000 records/s (4 shards' worth), and its capacity grows to
// twice the highest one-second write throughput of the last 30 days, up to
// 10 GiB/s. Capacity is counted in shard units: 1 MiB/s and 1,000
// records/s each. Each shard keeps its own write quota in both modes, so
// one partition key gets one shard's rate; the stream adds shards as its
// capacity grows.
const (
	OnDemandMinUnits = 4
	OnDemandMaxUnits = 10 << 10 // 10 GiB/s
)

// onDemandDays is how far back the peak counts.
const onDemandDays = 30

// demand follows an on-demand stream's peak write throughput and sets the
// capacity of the stream's write quota, which every record takes from
// besides its shard's own.
type demand struct {
	write     *writeQuota
	second    int64 // the second being counted (Unix)
	cur       usage // stored in that second
	peaks     [onDemandDays]dayPeak
	units     int // capacity
	maxRecord int // the stream's MaxRecordSize: the byte bucket holds one
}

type usage struct{ records, bytes int64 }

type dayPeak struct {
	day  int64
	peak usage
}

func newDemand(now time.Time, maxRecord int) *demand {
	d := &demand{second: now.Unix(), units: OnDemandMinUnits, maxRecord: maxRecord}
	d.write = newWriteQuota(d.units*WriteRecordsPerSecond, d.units*WriteBytesPerSecond, maxRecord)
	return d
}

// add counts a record stored.
func (d *demand) add(size int) {
	d.cur.records++
	d.cur.bytes += int64(size)
}

// tick closes the second being counted when now is in a later one,
// folding it into the daily peaks, and resizes the quota. It returns the
// second it closed (and true), or false when now is in the same second.
func (d *demand) tick(now time.Time) (int64, bool) {
	sec := now.Unix()
	if sec <= d.second {
		return 0, false
	}
	closed := d.second
	day := closed / 86400
	p := &d.peaks[day%onDemandDays]
	if p.day != day {
		*p = dayPeak{day: day}
	}
	p.peak.records = max(p.peak.records, d.cur.records)
	p.peak.bytes = max(p.peak.bytes, d.cur.bytes)
	d.second, d.cur = sec, usage{}

	today := sec / 86400
	var peak usage
	for _, p := range d.peaks {
		if p.day > today-onDemandDays {
			peak.records = max(peak.records, p.peak.records)
			peak.bytes = max(peak.bytes, p.peak.bytes)
		}
	}
	// twice the peak, in whole shard units
	need := max(ceilDiv(2*peak.records, WriteRecordsPerSecond), ceilDiv(2*peak.bytes, WriteBytesPerSecond))
	units := int(min(max(need, OnDemandMinUnits), OnDemandMaxUnits))
	if units != d.units {
		d.units = units
		d.write.records = resized(d.write.records, now, units*WriteRecordsPerSecond, 0)
		d.write.bytes = resized(d.write.bytes, now, units*WriteBytesPerSecond, d.maxRecord)
	}
	return closed, true
}

// resized returns a bucket of a new rate (a second's worth, at least
// minBurst) that has spent what l has spent: the capacity added comes
// full, as new shards would.
func resized(l *rate.Limiter, now time.Time, perSecond, minBurst int) *rate.Limiter {
	spent := float64(l.Burst()) - l.TokensAt(now)
	n := rate.NewLimiter(rate.Limit(perSecond), max(perSecond, minBurst))
	if spent > 0 {
		n.AllowN(now, min(int(math.Ceil(spent)), n.Burst()))
	}
	return n
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// demandLocked brings an on-demand stream's capacity up to now before a
// put places its records: when a second has ended, it folds it into the
// peak, and when the capacity has grown past the open shards it splits the
// busiest of them (those that stored the most records in that second; ties
// in hash key order) in two at the middle of their hash key range, until
// there is an open shard per unit of capacity (at most 10,000). Only a
// shard SplitShard could split is a candidate: one of at least 4 hash keys,
// so that the middle is more than its start plus one and less than its end.
// Nor is a shard whose records of that second all had one hash key: the
// halves would not share them. When no shard is left to split, the stream
// stays below its capacity.
func (s *Stream) demandLocked(now time.Time) {
	if s.demand == nil {
		return
	}
	closed, ok := s.demand.tick(now)
	if !ok {
		return
	}
	want := min(s.demand.units, MaxShards)
	var busiest []*shard
	for len(s.open) < want {
		busiest = busiest[:0]
		for _, sh := range s.open {
			if sh.rng.splittable() && !sh.oneKeyIn(closed) {
				busiest = append(busiest, sh)
			}
		}
		if len(busiest) == 0 {
			return
		}
		slices.SortStableFunc(busiest, func(a, b *shard) int {
			return cmp.Compare(b.loadIn(closed), a.loadIn(closed))
		})
		for _, sh := range busiest[:min(len(busiest), want-len(s.open))] {
			i := slices.Index(s.open, sh)
			a, b := s.splitLocked(sh, sh.rng.middle(), now)
			s.open = slices.Replace(s.open, i, i+1, a, b)
		}
	}
}

// countLocked counts a record of hash key h an on-demand stream stored in
// sh at now.
func (sh *shard) countLocked(now time.Time, h hashKey) {
	if sec := now.Unix(); sec != sh.loadSecond || sh.load == 0 {
		sh.loadSecond, sh.load, sh.loadKey, sh.loadMixed = sec, 0, h, false
	}
	sh.load++
	sh.loadMixed = sh.loadMixed || h != sh.loadKey
}

// oneKeyIn reports whether sh stored records in second sec, all of one
// hash key: splitting it would not spread them.
func (sh *shard) oneKeyIn(sec int64) bool {
	return sh.loadSecond == sec && sh.load > 0 && !sh.loadMixed
}

// loadIn is how many records sh stored in second sec.
func (sh *shard) loadIn(sec int64) int64 {
	if sh.loadSecond != sec {
		return 0
	}
	return sh.load
}

// splittable reports whether r holds at least 4 hash keys (end − start ≥
// 3, as a width, so nothing wraps at the top of the key space): then
// middle is more than start plus one and less than end, as SplitShard
// requires of a split key, and both halves hold at least 2 keys.
func (r hashRange) splittable() bool {
	return !r.width().less(hashKey{lo: 3})
}

// width is end − start, one less than the count of keys r holds.
func (r hashRange) width() hashKey {
	lo, b := bits.Sub64(r.end.lo, r.start.lo, 0)
	hi, _ := bits.Sub64(r.end.hi, r.start.hi, b)
	return hashKey{hi, lo}
}

// middle is the hash key that splits r in two halves (the lower one a key
// larger when r holds an odd count): for the whole key space, 2^127, where
// CreateStream puts the second of two shards. r must be splittable.
func (r hashRange) middle() hashKey {
	// start + ⌊(end − start)/2⌋ + 1
	w := r.width()
	half := hashKey{w.hi >> 1, w.lo>>1 | w.hi<<63}
	lo, c := bits.Add64(r.start.lo, half.lo, 0)
	hi, _ := bits.Add64(r.start.hi, half.hi, c)
	return hashKey{hi, lo}.add(1)
}
