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

// take spends one record of size bytes, or reports which bucket is short
// and spends nothing.
func (q *writeQuota) take(now time.Time, size int) (Quota, bool) {
	if q.records.TokensAt(now) < 1 {
		return WriteRecords, false
	}
	if q.bytes.TokensAt(now) < float64(size) {
		return WriteBytes, false
	}
	q.records.AllowN(now, 1)
	q.bytes.AllowN(now, size)
	return 0, true
}

// readQuota is a shard's read budget, shared by its GetRecords readers:
// 5 calls a second (a token bucket), and 2 MiB a second of responses.
// A response is paid after it is read, so the byte budget is a debt:
// busyUntil moves on by the response's size at 2 MiB/s, and calls fail
// until it has passed: after a 10 MiB response, for the next 5 seconds.
type readQuota struct {
	calls     *rate.Limiter
	iterators *rate.Limiter // GetShardIterator calls
	busyUntil time.Time
}

// admit checks a GetRecords call against the budget and spends a call.
func (q *readQuota) admit(now time.Time) (Quota, bool) {
	if q.busyUntil.After(now) {
		return ReadBytes, false
	}
	if !q.calls.AllowN(now, 1) {
		return ReadCalls, false
	}
	return 0, true
}

// charge pays for a response of n bytes.
func (q *readQuota) charge(now time.Time, n int) {
	q.busyUntil = laterOf(q.busyUntil, now).Add(bytesTime(n, ReadBytesPerSecond))
}

// bytesTime is how long n bytes take at perSecond bytes a second.
func bytesTime(n, perSecond int) time.Duration {
	return time.Duration(int64(n) * int64(time.Second) / int64(perSecond))
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// On-demand write capacity, as Kinesis describes it: a new stream takes
// 4 MiB/s (4,000 records/s), and capacity grows to twice the highest
// one-second write throughput of the last 30 days, up to 10 GiB/s.
const (
	OnDemandMinWriteBytes = 4 << 20
	OnDemandMaxWriteBytes = 10 << 30
	onDemandDays          = 30
)

// demand follows an on-demand stream's peak write throughput and sets the
// capacity of its write quota, which all its shards share.
type demand struct {
	write    *writeQuota
	second   int64 // the second being counted (Unix)
	bytes    int64 // stored in that second
	peaks    [onDemandDays]dayPeak
	capacity int64 // bytes per second
	maxRecord int  // the stream's MaxRecordSize: the byte bucket holds one
}

type dayPeak struct{ day, bytes int64 }

func newDemand(now time.Time, maxRecord int) *demand {
	d := &demand{second: now.Unix(), capacity: OnDemandMinWriteBytes, maxRecord: maxRecord}
	d.write = newWriteQuota(capacityRecords(d.capacity), OnDemandMinWriteBytes, maxRecord)
	return d
}

func capacityRecords(bytes int64) int {
	return int(bytes / WriteBytesPerSecond * WriteRecordsPerSecond)
}

// tick closes the second being counted when now is in a later one,
// folding it into the daily peaks, and resizes the quota.
func (d *demand) tick(now time.Time) {
	sec := now.Unix()
	if sec <= d.second {
		return
	}
	day := d.second / 86400
	p := &d.peaks[day%onDemandDays]
	if p.day != day {
		*p = dayPeak{day: day}
	}
	p.bytes = max(p.bytes, d.bytes)
	d.second, d.bytes = sec, 0

	today := sec / 86400
	var peak int64
	for _, p := range d.peaks {
		if p.day > today-onDemandDays {
			peak = max(peak, p.bytes)
		}
	}
	c := min(max(2*peak, OnDemandMinWriteBytes), OnDemandMaxWriteBytes)
	if c != d.capacity {
		d.capacity = c
		recs := capacityRecords(c)
		d.write.records.SetLimitAt(now, rate.Limit(recs))
		d.write.records.SetBurstAt(now, recs)
		d.write.bytes.SetLimitAt(now, rate.Limit(c))
		d.write.bytes.SetBurstAt(now, max(int(c), d.maxRecord))
	}
}
