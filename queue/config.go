package queue

import (
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/internal/sqsmsg"
)

// Defaults and limits of a standard queue, as SQS has them.
const (
	DefaultVisibilityTimeout = 30 * time.Second
	MaxVisibilityTimeout     = 12 * time.Hour
	MaxDelay                 = 15 * time.Minute
	DefaultRetention         = 4 * 24 * time.Hour
	MinRetention             = time.Minute
	MaxRetention             = 14 * 24 * time.Hour
	DefaultMaxMessageSize    = 256 << 10
	MinMaxMessageSize        = 1 << 10
	MaxMaxMessageSize        = 1 << 20
	MaxReceiveWaitTime       = 20 * time.Second
	DefaultMaxReceiveCount   = 10
	MaxMaxReceiveCount       = 1000
	DefaultMaxInFlight       = 120_000
	MaxMessagesPerReceive    = 10
	MaxBatchEntries          = 10
	MaxAttributes            = 10
	MaxNameLength            = 80
	MaxRedriveSourceQueues   = 10
	MaxMoveMessagesPerSecond = 500 // the highest MoveTaskConfig.MaxMessagesPerSecond
	MaxMoveTasksListed       = 10  // MoveTasks reports at most this many
)

// NoVisibilityTimeout, as Config.VisibilityTimeout, makes received messages
// visible again at once. (A zero VisibilityTimeout means the 30 s default.)
const NoVisibilityTimeout time.Duration = -1

// NoLimit, as Config.MaxInFlight, lifts the in-flight limit.
const NoLimit = -1

// Config describes a queue. Its zero value is a queue as SQS CreateQueue
// makes it with no attributes. Durations need not be whole seconds.
type Config struct {
	// Name is 1–80 characters of [A-Za-z0-9_-]. Empty means "queue".
	Name string

	// VisibilityTimeout is how long a received message stays hidden:
	// 0–12 h. Zero means the default, 30 s; NoVisibilityTimeout means 0.
	VisibilityTimeout time.Duration

	// Delay hides every new message for this long after it is sent:
	// 0–15 min, default 0. A message's own Delay overrides it.
	Delay time.Duration

	// Retention is how long a message is kept after it was sent, received
	// or not: 1 min–14 days. Zero means the default, 4 days.
	Retention time.Duration

	// MaxMessageSize bounds body plus attribute names, types and values, in
	// bytes: 1,024–1,048,576. Zero means 262,144 (256 KiB), the classic SQS
	// limit; SQS today defaults to 1 MiB.
	MaxMessageSize int

	// ReceiveWaitTime is the long-poll wait of a Receive that does not set
	// its own: 0–20 s, default 0 (short polling).
	ReceiveWaitTime time.Duration

	// Redrive, when set, moves a message to a dead-letter queue instead of
	// returning it when a receive would make its receive count exceed
	// MaxReceiveCount. A *Queue target knows this queue, by name, from New
	// until Close, so that its move tasks can send messages back here.
	Redrive *Redrive

	// RedriveAllow says which queues may use this queue as their dead-letter
	// queue. The zero value allows all.
	RedriveAllow RedriveAllowPolicy

	// MaxInFlight is how many messages may be in flight at once: 1 or more.
	// Zero means 120,000, the SQS quota; NoLimit lifts it.
	MaxInFlight int

	// LargePayload, when set, keeps bodies too large for the queue (up to
	// MaxPayloadSize) in a bucket, as the SQS Extended Client Library does.
	LargePayload *LargePayload

	// Clock drives every timeout. Nil means the real clock.
	Clock clock.Clock

	// Logger, if set, receives the rare line the queue cannot return as an
	// error (a dead-letter move that failed and was retried later).
	Logger *slog.Logger
}

// Redrive configures a dead-letter queue.
type Redrive struct {
	// Target receives the messages; a *Queue is one. Required.
	Target DeadLetterTarget
	// MaxReceiveCount is how many receives a message gets before it moves:
	// 1–1,000. Zero means 10.
	MaxReceiveCount int
}

// RedrivePermission is the kind of a RedriveAllowPolicy.
type RedrivePermission int

const (
	AllowAll RedrivePermission = iota // any queue may use this one as its dead-letter queue
	DenyAll                           // no queue may
	ByQueue                           // only the queues named in SourceQueues may
)

func (p RedrivePermission) String() string {
	switch p {
	case AllowAll:
		return "allowAll"
	case DenyAll:
		return "denyAll"
	case ByQueue:
		return "byQueue"
	}
	return fmt.Sprintf("RedrivePermission(%d)", int(p))
}

// RedriveAllowPolicy is the SQS RedriveAllowPolicy of a dead-letter queue.
type RedriveAllowPolicy struct {
	Permission RedrivePermission
	// SourceQueues names the queues allowed with ByQueue: 1–10 names. It
	// must be empty otherwise.
	SourceQueues []string
}

// Allows reports whether the policy lets the queue named source use its
// queue as a dead-letter queue.
func (p RedriveAllowPolicy) Allows(source string) bool {
	switch p.Permission {
	case AllowAll:
		return true
	case ByQueue:
		for _, s := range p.SourceQueues {
			if s == source {
				return true
			}
		}
	}
	return false
}

// resolved is a Config with the defaults applied and every value checked.
type resolved struct {
	Config
	maxReceiveCount int
}

func invalid(field string, value any, want string) error {
	return fmt.Errorf("%w: %s = %v, want %s", ErrInvalidConfig, field, value, want)
}

// resolve applies the defaults in one place and checks every field. The
// result shares nothing the caller can change: Redrive, LargePayload and
// their slices are copied.
func resolve(c Config) (resolved, error) {
	if c.Redrive != nil {
		rd := *c.Redrive
		c.Redrive = &rd
	}
	c.RedriveAllow.SourceQueues = slices.Clone(c.RedriveAllow.SourceQueues)
	if c.LargePayload != nil {
		lp := *c.LargePayload
		lp.Buckets = slices.Clone(lp.Buckets)
		c.LargePayload = &lp
	}
	r := resolved{Config: c}
	if r.Name == "" {
		r.Name = "queue"
	}
	if !sqsmsg.ValidName(r.Name, MaxNameLength) {
		return r, invalid("Name", fmt.Sprintf("%q", c.Name), "1–80 characters of [A-Za-z0-9_-]")
	}
	switch {
	case c.VisibilityTimeout == 0:
		r.VisibilityTimeout = DefaultVisibilityTimeout
	case c.VisibilityTimeout == NoVisibilityTimeout:
		r.VisibilityTimeout = 0
	case c.VisibilityTimeout < 0 || c.VisibilityTimeout > MaxVisibilityTimeout:
		return r, invalid("VisibilityTimeout", c.VisibilityTimeout, "0s–12h (or NoVisibilityTimeout)")
	}
	if c.Delay < 0 || c.Delay > MaxDelay {
		return r, invalid("Delay", c.Delay, "0s–15m")
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
	if err := c.RedriveAllow.Validate(); err != nil {
		return r, err
	}
	if c.Redrive != nil {
		if c.Redrive.Target == nil {
			return r, invalid("Redrive.Target", nil, "a dead-letter target")
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
	if c.LargePayload != nil {
		if err := checkLargePayload(c.LargePayload, r.MaxMessageSize); err != nil {
			return r, err
		}
	}
	if r.Clock == nil {
		r.Clock = clock.New()
	}
	return r, nil
}

// Validate returns an error wrapping ErrInvalidConfig, naming the field,
// when the policy is not one SQS accepts: SourceQueues must hold 1–10 names
// with ByQueue and none otherwise.
func (p RedriveAllowPolicy) Validate() error {
	switch p.Permission {
	case AllowAll, DenyAll:
		if len(p.SourceQueues) != 0 {
			return invalid("RedriveAllow.SourceQueues", p.SourceQueues, "none with "+p.Permission.String())
		}
	case ByQueue:
		if n := len(p.SourceQueues); n < 1 || n > MaxRedriveSourceQueues {
			return invalid("RedriveAllow.SourceQueues", p.SourceQueues, "1–10 queue names with byQueue")
		}
	default:
		return invalid("RedriveAllow.Permission", p.Permission, "AllowAll, DenyAll or ByQueue")
	}
	return nil
}
