package pubsub

import (
	"fmt"
	"math"
	"time"
)

// Backoff is the shape of the delays of a delivery policy's backoff phase,
// from MinDelay at its first retry to MaxDelay at its last.
type Backoff uint8

const (
	// Linear delays grow by the same step each retry (the SNS default).
	Linear Backoff = iota
	// Arithmetic delays grow with the square of the retry's place.
	Arithmetic
	// Geometric delays grow by the same factor each retry.
	Geometric
	// Exponential delays grow as 2^k - 1, slowly then steeply.
	Exponential
)

// String returns the SNS name: "linear", "arithmetic", "geometric" or
// "exponential".
func (b Backoff) String() string {
	switch b {
	case Linear:
		return "linear"
	case Arithmetic:
		return "arithmetic"
	case Geometric:
		return "geometric"
	case Exponential:
		return "exponential"
	}
	return fmt.Sprintf("Backoff(%d)", uint8(b))
}

// Limits of an HTTP delivery policy (SNS healthyRetryPolicy).
const (
	// MaxRetries is the most retries a policy has, all phases together.
	MaxRetries = 100
	// MaxPolicyTime is the most time a policy's retries span: 3,600 s,
	// a hard SNS limit.
	MaxPolicyTime = time.Hour
	// DefaultDelay is the default MinDelay and MaxDelay: 20 s.
	DefaultDelay = 20 * time.Second
	// DefaultRetries is the default NumRetries: 3.
	DefaultRetries = 3
	// NoRetries, as DeliveryPolicy.NumRetries, means no retry at all
	// (SNS numRetries 0, which the zero value cannot say).
	NoRetries = -1
)

// DeliveryPolicy is how a subscription to an HTTP or HTTPS endpoint is
// retried and throttled: SNS's healthyRetryPolicy, throttlePolicy and
// requestPolicy. A delivery that fails is retried NumRetries times: first
// NumNoDelayRetries times at once, then NumMinDelayRetries times MinDelay
// apart, then the backoff phase (the retries left over) with delays from
// MinDelay to MaxDelay shaped by Backoff, then NumMaxDelayRetries times
// MaxDelay apart. The zero value is the SNS default: 3 retries, 20 s apart.
type DeliveryPolicy struct {
	// MinDelay is the delay of the pre-backoff phase and of the first
	// backoff retry: 1 s to MaxDelay. Zero means 20 s.
	MinDelay time.Duration
	// MaxDelay is the delay of the last backoff retry and of the
	// post-backoff phase: MinDelay to 3,600 s. Zero means 20 s, or MinDelay
	// when that is longer.
	MaxDelay time.Duration
	// NumRetries is the number of retries, all phases together: 1–100.
	// Zero means 3; NoRetries means none.
	NumRetries int
	// NumNoDelayRetries, NumMinDelayRetries and NumMaxDelayRetries are the
	// retries of the immediate, pre-backoff and post-backoff phases: 0 or
	// more, at most NumRetries together. Zero means none.
	NumNoDelayRetries, NumMinDelayRetries, NumMaxDelayRetries int
	// Backoff shapes the backoff phase. Zero is Linear.
	Backoff Backoff
	// MaxReceivesPerSecond throttles deliveries to the subscription: at
	// most this many a second (≥ 1), as a token bucket on the topic's
	// clock. Zero means no throttling.
	MaxReceivesPerSecond int
	// HeaderContentType is the Content-Type of each request. Empty means
	// "text/plain; charset=UTF-8".
	HeaderContentType string
}

// schedule is a retry policy resolved into its phases.
type schedule struct {
	noDelay, minDelay, backoff, maxDelay int
	min, max                             time.Duration
	fn                                   Backoff
}

// The fixed SNS schedules.
var (
	// managedSchedule is SNS's policy for AWS-managed endpoints (SQS,
	// Lambda): 3 immediate, 2 × 1 s, 10 exponential 1→20 s, 100,000 × 20 s.
	managedSchedule = schedule{noDelay: 3, minDelay: 2, backoff: 10, maxDelay: 100_000, min: time.Second, max: 20 * time.Second, fn: Exponential}
	// customerSchedule is SNS's policy for customer-managed endpoints
	// (email, SMS, mobile push): 2 × 10 s, 10 exponential 10→600 s,
	// 38 × 600 s.
	customerSchedule = schedule{minDelay: 2, backoff: 10, maxDelay: 38, min: 10 * time.Second, max: 600 * time.Second, fn: Exponential}
)

// retries is the schedule's number of retries.
func (s *schedule) retries() int { return s.noDelay + s.minDelay + s.backoff + s.maxDelay }

// delay returns the wait before retry k (1 for the first retry), or false
// when the schedule has no retry k.
func (s *schedule) delay(k int) (time.Duration, bool) {
	switch {
	case k < 1:
		return 0, false
	case k <= s.noDelay:
		return 0, true
	case k <= s.noDelay+s.minDelay:
		return s.min, true
	case k <= s.noDelay+s.minDelay+s.backoff:
		return s.backoffDelay(k - s.noDelay - s.minDelay - 1), true
	case k <= s.retries():
		return s.max, true
	}
	return 0, false
}

// backoffDelay is the delay of backoff retry i (from 0) of the phase's n,
// rounded to the millisecond. The first is min, the last max.
func (s *schedule) backoffDelay(i int) time.Duration {
	n := s.backoff
	if n <= 1 || s.min == s.max {
		return s.min
	}
	lo, hi := s.min.Seconds(), s.max.Seconds()
	t := float64(i) / float64(n-1)
	var d float64
	switch s.fn {
	case Arithmetic:
		d = lo + (hi-lo)*t*t
	case Geometric:
		d = lo * math.Pow(hi/lo, t)
	case Exponential:
		d = lo + (hi-lo)*(math.Exp2(float64(i))-1)/(math.Exp2(float64(n-1))-1)
	default:
		d = lo + (hi-lo)*t
	}
	return time.Duration(math.Round(d*1000)) * time.Millisecond
}

// total is the time all the schedule's retries span.
func (s *schedule) total() time.Duration {
	sum := time.Duration(s.minDelay)*s.min + time.Duration(s.maxDelay)*s.max
	for i := range s.backoff {
		sum += s.backoffDelay(i)
	}
	return sum
}

// resolveDelivery applies the defaults of p and checks it; field names
// the policy in errors.
func resolveDelivery(p DeliveryPolicy, field string) (schedule, error) {
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("%w: %s.%s = %v, want %s", ErrInvalidConfig, field, name, v, want)
	}
	s := schedule{min: p.MinDelay, max: p.MaxDelay, fn: p.Backoff}
	if s.min == 0 {
		s.min = DefaultDelay
	}
	if s.max == 0 {
		s.max = max(DefaultDelay, s.min)
	}
	if s.min < time.Second || s.min > s.max {
		return s, bad("MinDelay", p.MinDelay, fmt.Sprintf("1s–%v (MaxDelay)", s.max))
	}
	if s.max > MaxPolicyTime {
		return s, bad("MaxDelay", p.MaxDelay, "MinDelay–1h0m0s")
	}
	n := p.NumRetries
	switch {
	case n == 0:
		n = DefaultRetries
	case n == NoRetries:
		n = 0
	case n < 0 || n > MaxRetries:
		return s, bad("NumRetries", p.NumRetries, "1–100 (or NoRetries)")
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"NumNoDelayRetries", p.NumNoDelayRetries}, {"NumMinDelayRetries", p.NumMinDelayRetries}, {"NumMaxDelayRetries", p.NumMaxDelayRetries}} {
		if f.v < 0 {
			return s, bad(f.name, f.v, "0 or more")
		}
	}
	s.noDelay, s.minDelay, s.maxDelay = p.NumNoDelayRetries, p.NumMinDelayRetries, p.NumMaxDelayRetries
	s.backoff = n - s.noDelay - s.minDelay - s.maxDelay
	if s.backoff < 0 {
		return s, bad("NumNoDelayRetries+NumMinDelayRetries+NumMaxDelayRetries", n-s.backoff, fmt.Sprintf("at most NumRetries (%d)", n))
	}
	if p.Backoff > Exponential {
		return s, bad("Backoff", p.Backoff, "Linear, Arithmetic, Geometric or Exponential")
	}
	if p.MaxReceivesPerSecond < 0 {
		return s, bad("MaxReceivesPerSecond", p.MaxReceivesPerSecond, "1 or more (0 for no throttling)")
	}
	if t := s.total(); t > MaxPolicyTime {
		return s, bad("retries", t, "at most 1h0m0s in all")
	}
	return s, nil
}
