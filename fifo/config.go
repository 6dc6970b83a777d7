package fifo

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/internal/sqsmsg"
	"github.com/stratus-go/stratus/queue"
)

// Defaults and limits of a FIFO queue, as SQS has them. Those it shares
// with a standard queue have the same values as queue's.
const (
	DefaultVisibilityTimeout = queue.DefaultVisibilityTimeout
	MaxVisibilityTimeout     = queue.MaxVisibilityTimeout
	MaxDelay                 = queue.MaxDelay
	DefaultRetention         = queue.DefaultRetention
	MinRetention             = queue.MinRetention
	MaxRetention             = queue.MaxRetention
	DefaultMaxMessageSize    = queue.DefaultMaxMessageSize
	MinMaxMessageSize        = queue.MinMaxMessageSize
	MaxMaxMessageSize        = queue.MaxMaxMessageSize
	MaxReceiveWaitTime       = queue.MaxReceiveWaitTime
	DefaultMaxReceiveCount   = queue.DefaultMaxReceiveCount
	MaxMaxReceiveCount       = queue.MaxMaxReceiveCount
	DefaultMaxInFlight       = 120_000
	MaxMessagesPerReceive    = queue.MaxMessagesPerReceive
	MaxBatchEntries          = queue.MaxBatchEntries
	MaxNameLength            = queue.MaxNameLength // ".fifo" included
	MaxIDLength              = 128                 // GroupID, DeduplicationID, ReceiveRequestAttemptID

	// DeduplicationWindow is how long a deduplication ID is remembered after
	// the first send that used it.
	DeduplicationWindow = 5 * time.Minute

	// AttemptWindow is how long a receive can be retried with the same
	// ReceiveRequestAttemptID.
	AttemptWindow = 5 * time.Minute

	// CallsPerSecond is the quota of each action (send, receive, delete,
	// change visibility; a batch is one call): 300 calls, so 3,000
	// messages with batches of 10.
	CallsPerSecond = 300

	// HighThroughputCallsPerSecond is the quota of each action in
	// high-throughput mode, as in us-east-1, us-west-2 and eu-west-1: 70,000
	// calls, 700,000 messages with batches. Other regions have lower tiers;
	// set Limits.CallsPerSecond to model one.
	HighThroughputCallsPerSecond = 70_000
)

// NoVisibilityTimeout, as Config.VisibilityTimeout, makes received messages
// visible again at once. (A zero VisibilityTimeout means the 30 s default.)
const NoVisibilityTimeout = queue.NoVisibilityTimeout

// NoLimit, as Config.MaxInFlight or Limits.CallsPerSecond, lifts the limit.
const NoLimit = queue.NoLimit

// Unlimited, as Config.Limits, lifts the throughput quotas: for a queue
// used in process, where they only slow things down.
var Unlimited = Limits{CallsPerSecond: NoLimit}

// DeduplicationScope is where a deduplication ID must be unique.
type DeduplicationScope int

const (
	ScopeQueue        DeduplicationScope = iota // the whole queue (the default)
	ScopeMessageGroup                           // each message group on its own
)

func (s DeduplicationScope) String() string {
	switch s {
	case ScopeQueue:
		return "queue"
	case ScopeMessageGroup:
		return "messageGroup"
	}
	return fmt.Sprintf("DeduplicationScope(%d)", int(s))
}

// ThroughputLimit is what the throughput quota applies to (SQS
// FifoThroughputLimit).
type ThroughputLimit int

const (
	PerQueue          ThroughputLimit = iota // the whole queue (the default)
	PerMessageGroupID                        // with ScopeMessageGroup: high-throughput mode
)

func (l ThroughputLimit) String() string {
	switch l {
	case PerQueue:
		return "perQueue"
	case PerMessageGroupID:
		return "perMessageGroupId"
	}
	return fmt.Sprintf("ThroughputLimit(%d)", int(l))
}

// Limits are the throughput quotas.
type Limits struct {
	// CallsPerSecond is how many calls of each action the queue accepts
	// per second, batches counting as one; beyond it calls return a
	// *ThrottleError. Zero means the SQS quota: CallsPerSecond, or
	// HighThroughputCallsPerSecond in high-throughput mode. NoLimit lifts
	// it (see Unlimited).
	CallsPerSecond int
}

// Config describes a FIFO queue. Its zero value, but for the Name, which
// must end in ".fifo", is a FIFO queue as SQS CreateQueue makes it with no
// other attributes. Durations need not be whole seconds.
type Config struct {
	// Name is 1–80 characters of [A-Za-z0-9_-] ending in ".fifo". Empty
	// means "queue.fifo".
	Name string

	// ContentBasedDeduplication makes a send without a DeduplicationID use
	// the SHA-256 of its body (attributes not included).
	ContentBasedDeduplication bool

	// DeduplicationScope is where deduplication IDs must be unique.
	DeduplicationScope DeduplicationScope

	// ThroughputLimit is what the throughput quota applies to. With
	// ScopeMessageGroup, PerMessageGroupID turns on high-throughput mode.
	ThroughputLimit ThroughputLimit

	// VisibilityTimeout is how long a received message, and with it the
	// rest of its group, stays hidden: 0–12 h. Zero means the default,
	// 30 s; NoVisibilityTimeout means 0.
	VisibilityTimeout time.Duration

	// Delay hides every message for this long after it is sent: 0–15 min,
	// default 0. SetDelay changes it, for the messages already queued too.
	Delay time.Duration

	// Retention is how long a message is kept after it was sent: 1 min–14
	// days. Zero means the default, 4 days.
	Retention time.Duration

	// MaxMessageSize bounds body plus attribute names, types and values, in
	// bytes: 1,024–1,048,576. Zero means 262,144 (256 KiB).
	MaxMessageSize int

	// ReceiveWaitTime is the long-poll wait of a Receive that does not set
	// its own: 0–20 s, default 0 (short polling).
	ReceiveWaitTime time.Duration

	// Redrive, when set, moves a message to a FIFO dead-letter queue
	// instead of returning it when a receive would make its receive count
	// exceed MaxReceiveCount.
	Redrive *Redrive

	// RedriveAllow says which queues may use this queue as their dead-letter
	// queue. The zero value allows all.
	RedriveAllow queue.RedriveAllowPolicy

	// MaxInFlight is how many messages may be in flight at once: 1 or more.
	// Zero means 120,000, the SQS quota; NoLimit lifts it.
	MaxInFlight int

	// Limits are the throughput quotas; the zero value enforces the SQS
	// ones, Unlimited lifts them.
	Limits Limits

	// Clock drives every timeout and window. Nil means the real clock.
	Clock clock.Clock

	// Logger, if set, receives the rare line the queue cannot return as an
	// error (a dead-letter move that failed and was retried later).
	Logger *slog.Logger
}

// Redrive configures a FIFO dead-letter queue.
type Redrive struct {
	// Target receives the messages; a *Queue is one. Required.
	Target DeadLetterTarget
	// MaxReceiveCount is how many receives a message gets before it moves:
	// 1–1,000. Zero means 10.
	MaxReceiveCount int
}

// resolved is a Config with the defaults applied and every value checked.
type resolved struct {
	Config
	maxReceiveCount int
	callsPerSecond  int // 0 = no quota
}

// highThroughput reports whether c is in high-throughput mode.
func (c *Config) highThroughput() bool {
	return c.DeduplicationScope == ScopeMessageGroup && c.ThroughputLimit == PerMessageGroupID
}

func invalid(field string, value any, want string) error {
	return fmt.Errorf("%w: %s = %v, want %s", ErrInvalidConfig, field, value, want)
}

// resolve applies the defaults in one place and checks every field. The
// result shares nothing the caller can change.
func resolve(c Config) (resolved, error) {
	if c.Redrive != nil {
		rd := *c.Redrive
		c.Redrive = &rd
	}
	c.RedriveAllow.SourceQueues = slices.Clone(c.RedriveAllow.SourceQueues)
	r := resolved{Config: c}
	if r.Name == "" {
		r.Name = "queue.fifo"
	}
	base, isFIFO := strings.CutSuffix(r.Name, ".fifo")
	if !isFIFO || !sqsmsg.ValidName(base, MaxNameLength-len(".fifo")) {
		return r, invalid("Name", fmt.Sprintf("%q", c.Name), `1–80 characters of [A-Za-z0-9_-] ending in ".fifo"`)
	}
	switch {
	case c.VisibilityTimeout == 0:
		r.VisibilityTimeout = DefaultVisibilityTimeout
	case c.VisibilityTimeout == NoVisibilityTimeout:
		r.VisibilityTimeout = 0
	case c.VisibilityTimeout < 0 || c.VisibilityTimeout > MaxVisibilityTimeout:
		return r, invalid("VisibilityTimeout", c.VisibilityTimeout, "0s–12h (or NoVisibilityTimeout)")
	}
	if err := checkDelay(c.Delay); err != nil {
		return r, err
	}
	switch {
	case c.Retention == 0:
		r.Retention = DefaultRetention
	case c.Retention < MinRetention || c.Retention > MaxRetention:
		return r, invalid("Retention", c.Retention, "1m–336h (14 days)")
	}
	switch {
	case c.MaxMessageSize == 0:
		r.MaxMessageSize = DefaultMaxMessageSize
	case c.MaxMessageSize < MinMaxMessageSize || c.MaxMessageSize > MaxMaxMessageSize:
		return r, invalid("MaxMessageSize", c.MaxMessageSize, "1024–1048576 bytes")
	}
	if c.ReceiveWaitTime < 0 || c.ReceiveWaitTime > MaxReceiveWaitTime {
		return r, invalid("ReceiveWaitTime", c.ReceiveWaitTime, "0s–20s")
	}
	switch {
	case c.MaxInFlight == 0:
		r.MaxInFlight = DefaultMaxInFlight
	case c.MaxInFlight == NoLimit:
		r.MaxInFlight = 0 // the engine's "no limit"
	case c.MaxInFlight < 0:
		return r, invalid("MaxInFlight", c.MaxInFlight, "1 or more (or NoLimit)")
	}
	if c.DeduplicationScope != ScopeQueue && c.DeduplicationScope != ScopeMessageGroup {
		return r, invalid("DeduplicationScope", c.DeduplicationScope, "ScopeQueue or ScopeMessageGroup")
	}
	if c.ThroughputLimit != PerQueue && c.ThroughputLimit != PerMessageGroupID {
		return r, invalid("ThroughputLimit", c.ThroughputLimit, "PerQueue or PerMessageGroupID")
	}
	switch n := c.Limits.CallsPerSecond; {
	case n == 0 && r.highThroughput():
		r.callsPerSecond = HighThroughputCallsPerSecond
	case n == 0:
		r.callsPerSecond = CallsPerSecond
	case n == NoLimit:
		r.callsPerSecond = 0
	case n < 0:
		return r, invalid("Limits.CallsPerSecond", n, "1 or more (or NoLimit)")
	default:
		r.callsPerSecond = n
	}
	if err := c.RedriveAllow.Validate(); err != nil {
		return r, err
	}
	if c.Redrive != nil {
		if c.Redrive.Target == nil {
			return r, invalid("Redrive.Target", nil, "a FIFO dead-letter target")
		}
		switch n := c.Redrive.MaxReceiveCount; {
		case n == 0:
			r.maxReceiveCount = DefaultMaxReceiveCount
		case n < 1 || n > MaxMaxReceiveCount:
			return r, invalid("Redrive.MaxReceiveCount", n, "1–1000")
		default:
			r.maxReceiveCount = n
		}
	}
	if r.Clock == nil {
		r.Clock = clock.New()
	}
	return r, nil
}

func checkDelay(d time.Duration) error {
	if d < 0 || d > MaxDelay {
		return invalid("Delay", d, "0s–15m")
	}
	return nil
}

// validID reports whether s is 1–128 characters of ASCII letters, digits
// and punctuation: the rule for group, deduplication and attempt IDs.
func validID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}
