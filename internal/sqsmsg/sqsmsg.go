// Package sqsmsg holds the rules of SQS messages that the standard and the
// FIFO queue share: what a body and its attributes may hold, how big a
// message is, the MD5 digests SQS reports, and the whole-request rules of
// batch calls. The queue packages re-export its types and sentinels, so
// users branch on queue.ErrEmptyBody and fifo.ErrEmptyBody alike.
package sqsmsg

import (
	"errors"
	"fmt"
	"maps"
	"strings"
)

// Limits shared by both kinds of queue.
const (
	MaxAttributes   = 10 // message attributes per message
	MaxBatchEntries = 10 // entries per batch request
	MaxBatchIDLen   = 80 // characters of a batch entry ID
)

// Attribute is a message attribute. DataType is String, Number or Binary,
// optionally with a custom label after a dot ("Number.float", "Binary.png")
// that the queue carries but never interprets. String and Number values go
// in StringValue, Binary values in BinaryValue.
type Attribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// IsBinary reports whether a's base type is Binary.
func IsBinary(a Attribute) bool { return strings.HasPrefix(a.DataType, "Binary") }

// CopyAttributes returns a deep copy of attrs, or nil when it is empty.
func CopyAttributes(attrs map[string]Attribute) map[string]Attribute {
	if len(attrs) == 0 {
		return nil
	}
	out := maps.Clone(attrs)
	for k, a := range out {
		if a.BinaryValue != nil {
			a.BinaryValue = append([]byte(nil), a.BinaryValue...)
			out[k] = a
		}
	}
	return out
}

// Errors of bad messages. Each is wrapped with the detail.
var (
	ErrEmptyBody              = errors.New("queue: message body is empty")
	ErrInvalidMessageContents = errors.New("queue: invalid message contents")
	ErrMessageTooLarge        = errors.New("queue: message too large")
	ErrInvalidAttribute       = errors.New("queue: invalid message attribute")
)

// Errors of batch requests as a whole.
var (
	ErrEmptyBatch               = errors.New("queue: empty batch request")
	ErrTooManyEntries           = errors.New("queue: too many entries in batch request")
	ErrBatchEntryIDsNotDistinct = errors.New("queue: batch entry ids not distinct")
	ErrInvalidBatchEntryID      = errors.New("queue: invalid batch entry id")
	ErrBatchTooLong             = errors.New("queue: batch request too long")
)

// ValidName reports whether s is 1–max characters of [A-Za-z0-9_-]: the
// rule for queue names and batch entry IDs.
func ValidName(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// CheckBatch applies the whole-request rules of every batch call to the
// entries' IDs.
func CheckBatch[E any](entries []E, id func(*E) string) error {
	n := len(entries)
	switch {
	case n == 0:
		return ErrEmptyBatch
	case n > MaxBatchEntries:
		return fmt.Errorf("%w: %d entries, at most %d", ErrTooManyEntries, n, MaxBatchEntries)
	}
	var ids [MaxBatchEntries]string
	for i := range entries {
		ids[i] = id(&entries[i])
		if !ValidName(ids[i], MaxBatchIDLen) {
			return fmt.Errorf("%w: %q", ErrInvalidBatchEntryID, ids[i])
		}
		for _, prev := range ids[:i] {
			if prev == ids[i] {
				return fmt.Errorf("%w: %q", ErrBatchEntryIDsNotDistinct, ids[i])
			}
		}
	}
	return nil
}
