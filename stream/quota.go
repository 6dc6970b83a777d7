package stream

import (
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
