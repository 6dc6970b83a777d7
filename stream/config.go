package stream

import (
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
)

// Defaults and limits of a data stream, as Kinesis has them.
const (
	DefaultRetention     = 24 * time.Hour
	MinRetention         = 24 * time.Hour
	MaxRetention         = 365 * 24 * time.Hour // 8,760 hours
	MaxShards            = 10_000               // shards per stream (the default quota)
	OnDemandShards       = 4                    // shards of a new on-demand stream
	DefaultMaxRecordSize = 1 << 20              // data + partition key, bytes
	MaxMaxRecordSize     = 10 << 20
	MaxPartitionKeyLen   = 256 // Unicode characters
	MaxPutRecords        = 500 // records per PutRecords call
	MaxPutRecordsSize    = 5 << 20
	MaxGetRecords        = 10_000   // records per GetRecords call
	MaxGetRecordsSize    = 10 << 20 // bytes per GetRecords response
	MaxNameLength        = 128
	IteratorLifetime     = 5 * time.Minute
	MaxConsumers         = 20 // registered enhanced fan-out consumers per stream
	SubscriptionLifetime = 5 * time.Minute
	MaxScalingsPerDay    = 10 // UpdateShardCount calls per rolling 24 hours
)

// Per-shard throughput quotas of a provisioned stream.
const (
	WriteRecordsPerSecond = 1000
	WriteBytesPerSecond   = 1 << 20
	ReadCallsPerSecond    = 5
	ReadBytesPerSecond    = 2 << 20
	FanOutBytesPerSecond  = 2 << 20
)

// Mode is a stream's capacity mode.
type Mode int

const (
	// Provisioned streams have the shards they are given, each with its own
	// quotas; they are resharded by hand.
	Provisioned Mode = iota
	// OnDemand streams start with 4 shards, each with its own quotas, and
	// a write capacity that scales with the traffic, splitting shards as
	// it grows (see the package doc); they cannot be resharded by hand.
	OnDemand
)

func (m Mode) String() string {
	switch m {
	case Provisioned:
		return "PROVISIONED"
	case OnDemand:
		return "ON_DEMAND"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Limits says whether the throughput quotas are enforced.
type Limits int

const (
	// Enforced applies the Kinesis quotas: the zero value.
	Enforced Limits = iota
	// Unlimited lifts the throughput quotas (writes, reads, GetShardIterator
	// calls, fan-out pushes) and the daily UpdateShardCount limit. Sizes,
	// shard counts and the number of consumers are still checked.
	Unlimited
)

func (l Limits) String() string {
	switch l {
	case Enforced:
		return "Enforced"
	case Unlimited:
		return "Unlimited"
	}
	return fmt.Sprintf("Limits(%d)", int(l))
}

// Config describes a stream. Its zero value is a provisioned stream of one
// shard with the Kinesis defaults.
type Config struct {
	// Name is 1–128 characters of [a-zA-Z0-9_.-]. Empty means "stream".
	Name string

	// Shards is the number of shards a stream starts with: 1–10,000. Zero
	// means 1 (provisioned) or 4 (on demand, which allows no other value
	// and adds shards as its capacity grows).
	Shards int

	// Retention is how long a record stays readable after it arrived:
	// 24 h–8,760 h (365 days). Zero means 24 h.
	Retention time.Duration

	// Mode is Provisioned (the zero value) or OnDemand.
	Mode Mode

	// Limits is Enforced (the zero value) or Unlimited.
	Limits Limits

	// MaxRecordSize bounds data plus partition key of a record, in bytes:
	// 1 MiB–10 MiB. Zero means 1 MiB (1,048,576), the Kinesis default.
	MaxRecordSize int

	// Clock drives arrival times, retention, iterator and subscription
	// expiry and the quotas. Nil means the real clock.
	Clock clock.Clock
}

func invalid(field string, value any, want string) error {
	return fmt.Errorf("%w: %s = %v, want %s", ErrInvalidConfig, field, value, want)
}

// resolve applies the defaults in one place and checks every field.
func resolve(c Config) (Config, error) {
	r := c
	if r.Name == "" {
		r.Name = "stream"
	}
	if !validName(r.Name) {
		return r, invalid("Name", fmt.Sprintf("%q", c.Name), "1–128 characters of [a-zA-Z0-9_.-]")
	}
	switch c.Mode {
	case Provisioned:
		switch {
		case c.Shards == 0:
			r.Shards = 1
		case c.Shards < 1 || c.Shards > MaxShards:
			return r, invalid("Shards", c.Shards, "1–10000")
		}
	case OnDemand:
		if c.Shards != 0 && c.Shards != OnDemandShards {
			return r, invalid("Shards", c.Shards, "0 or 4 in on-demand mode")
		}
		r.Shards = OnDemandShards
	default:
		return r, invalid("Mode", c.Mode, "Provisioned or OnDemand")
	}
	switch {
	case c.Retention == 0:
		r.Retention = DefaultRetention
	case c.Retention < MinRetention || c.Retention > MaxRetention:
		return r, invalid("Retention", c.Retention, "24h–8760h")
	}
	if c.Limits != Enforced && c.Limits != Unlimited {
		return r, invalid("Limits", c.Limits, "Enforced or Unlimited")
	}
	switch {
	case c.MaxRecordSize == 0:
		r.MaxRecordSize = DefaultMaxRecordSize
	case c.MaxRecordSize < DefaultMaxRecordSize || c.MaxRecordSize > MaxMaxRecordSize:
		return r, invalid("MaxRecordSize", c.MaxRecordSize, "1048576–10485760 bytes")
	}
	if r.Clock == nil {
		r.Clock = clock.New()
	}
	return r, nil
}

// validName reports whether s is 1–128 characters of [a-zA-Z0-9_.-]: the
// rule for stream and consumer names.
func validName(s string) bool {
	if len(s) == 0 || len(s) > MaxNameLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
