package fifo

import (
	"github.com/benbjohnson/clock"
	"golang.org/x/time/rate"
)

// action is an API action with its own throughput quota.
type action int

const (
	actionSend action = iota
	actionReceive
	actionDelete
	actionChangeVisibility
	numActions
)

var actionNames = [numActions]string{"send", "receive", "delete", "change visibility"}

// quotas are token buckets, one per action, filled at the quota's rate on
// the queue's clock (rate.Limiter is told the time on every call, so a mock
// clock drives it). The bucket holds one second of calls. A nil limiter
// means no quota.
type quotas struct {
	limit   int
	buckets [numActions]*rate.Limiter
}

func newQuotas(callsPerSecond int) quotas {
	q := quotas{limit: callsPerSecond}
	if callsPerSecond > 0 {
		for i := range q.buckets {
			q.buckets[i] = rate.NewLimiter(rate.Limit(callsPerSecond), callsPerSecond)
		}
	}
	return q
}

// allow takes one call of a from its bucket at the clock's time (read only
// when there is a quota), or returns a *ThrottleError and takes nothing.
func (q *quotas) allow(a action, clk clock.Clock) error {
	if b := q.buckets[a]; b != nil && !b.AllowN(clk.Now(), 1) {
		return &ThrottleError{Action: actionNames[a], Limit: q.limit}
	}
	return nil
}
