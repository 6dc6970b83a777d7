package pubsub

import (
	"errors"
	"fmt"

	"github.com/stratus-go/stratus/pubsub/filter"
)

// Errors of the topic's lifecycle and of lookups.
var (
	// ErrClosed is returned by every call made after Close, and by a Flush
	// that was waiting when Close was called.
	ErrClosed = errors.New("pubsub: topic closed")

	// ErrSubscriptionNotFound is returned by Unsubscribe and Subscription
	// for an ARN that names no subscription of the topic (SNS NotFound).
	ErrSubscriptionNotFound = errors.New("pubsub: subscription not found")

	// ErrInvalidToken is returned by ConfirmSubscription for a token the
	// topic never issued, or whose subscription is gone.
	ErrInvalidToken = errors.New("pubsub: invalid confirmation token")

	// ErrTokenExpired is returned by ConfirmSubscription for a token older
	// than ConfirmationTokenTTL (3 days).
	ErrTokenExpired = errors.New("pubsub: confirmation token expired")
)

// Errors of bad input. Each is wrapped with the detail (which field, which
// value, which limit); none changes the topic.
var (
	// ErrInvalidConfig is returned by NewTopic for a TopicConfig field out
	// of range, and by Subscribe for a SubscriptionConfig field out of
	// range (a bad DeliveryPolicy, a dead-letter target that is not a
	// queue, a FilterPolicyScope SNS does not know).
	ErrInvalidConfig = errors.New("pubsub: invalid config")

	// ErrInvalidFilterPolicy is returned by Subscribe for a filter policy
	// SNS would refuse. It is filter.ErrInvalidPolicy, so errors.Is matches
	// either name.
	ErrInvalidFilterPolicy = filter.ErrInvalidPolicy

	// ErrInvalidEndpoint is returned by Subscribe for an endpoint the topic
	// cannot deliver to: the zero Endpoint, one made with a nil target, a
	// URL that is not http or https, or a non-queue endpoint on a FIFO
	// topic (FIFO topics deliver only to queues).
	ErrInvalidEndpoint = errors.New("pubsub: invalid endpoint")

	// ErrEmptyMessage is returned by a publish whose Message is empty.
	ErrEmptyMessage = errors.New("pubsub: message is empty")

	// ErrMessageTooLarge is returned when a message's body plus its
	// attribute names, types and values exceed the topic's MaxMessageSize.
	ErrMessageTooLarge = errors.New("pubsub: message too large")

	// ErrInvalidMessage is returned for a message SNS would refuse other
	// than by its size: characters SNS does not allow, a bad Subject, or a
	// MessageStructure "json" body that is not a JSON object with a
	// "default" key, with string values for "default" and the protocol
	// keys, and with no key twice.
	ErrInvalidMessage = errors.New("pubsub: invalid message")

	// ErrInvalidAttribute is returned for a message attribute whose name,
	// data type or value breaks the SNS rules.
	ErrInvalidAttribute = errors.New("pubsub: invalid message attribute")

	// ErrGroupIDRequired is returned by a publish to a FIFO topic without a
	// GroupID.
	ErrGroupIDRequired = errors.New("pubsub: message group id required")

	// ErrDeduplicationIDRequired is returned by a publish to a FIFO topic
	// without ContentBasedDeduplication that has no DeduplicationID.
	ErrDeduplicationIDRequired = errors.New("pubsub: message deduplication id required")

	// ErrInvalidID is returned for a GroupID or DeduplicationID that is
	// longer than 128 characters or holds a character other than an ASCII
	// letter, digit or punctuation mark, and for either one on a standard
	// topic.
	ErrInvalidID = errors.New("pubsub: invalid group or deduplication id")
)

// Errors of batch requests. They fail the whole request; a problem with one
// entry is reported in that entry's result instead.
var (
	// ErrEmptyBatch is returned for a batch with no entries.
	ErrEmptyBatch = errors.New("pubsub: empty batch request")
	// ErrTooManyEntries is returned for a batch of more than 10 entries.
	ErrTooManyEntries = errors.New("pubsub: too many entries in batch request")
	// ErrBatchEntryIDsNotDistinct is returned when two entries share an ID.
	ErrBatchEntryIDsNotDistinct = errors.New("pubsub: batch entry ids not distinct")
	// ErrInvalidBatchEntryID is returned for an entry ID that is empty,
	// longer than 80 characters or not of [A-Za-z0-9_-].
	ErrInvalidBatchEntryID = errors.New("pubsub: invalid batch entry id")
	// ErrBatchTooLong is returned when the messages of a batch together
	// exceed the topic's MaxMessageSize.
	ErrBatchTooLong = errors.New("pubsub: batch request too long")
)

// permanentError marks an endpoint error that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying cannot fix (SNS's client-side
// errors: the endpoint is gone, or refuses the message). An endpoint
// returns it, and the topic sends the message straight to the
// subscription's dead-letter queue, or drops it, without retrying.
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, was made by
// Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// StatusError is the error of an HTTP delivery answered with a status
// outside 2xx. A 4xx status is permanent (SNS does not retry it); any
// other is retried.
type StatusError struct {
	StatusCode int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("pubsub: http endpoint answered status %d", e.StatusCode)
}
