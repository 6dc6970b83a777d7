package fifo

import (
	"errors"
	"fmt"

	"github.com/stratus-go/stratus/queue"
)

// Errors shared with the standard queue: the same values as queue's, so
// code can branch on them whichever kind of queue it holds.
var (
	ErrClosed                   = queue.ErrClosed
	ErrReceiptHandleInvalid     = queue.ErrReceiptHandleInvalid
	ErrMessageNotInFlight       = queue.ErrMessageNotInFlight
	ErrVisibilityTooLong        = queue.ErrVisibilityTooLong
	ErrInvalidConfig            = queue.ErrInvalidConfig
	ErrInvalidParameter         = queue.ErrInvalidParameter
	ErrEmptyBody                = queue.ErrEmptyBody
	ErrInvalidMessageContents   = queue.ErrInvalidMessageContents
	ErrMessageTooLarge          = queue.ErrMessageTooLarge
	ErrInvalidAttribute         = queue.ErrInvalidAttribute
	ErrEmptyBatch               = queue.ErrEmptyBatch
	ErrTooManyEntries           = queue.ErrTooManyEntries
	ErrBatchEntryIDsNotDistinct = queue.ErrBatchEntryIDsNotDistinct
	ErrInvalidBatchEntryID      = queue.ErrInvalidBatchEntryID
	ErrBatchTooLong             = queue.ErrBatchTooLong
	ErrRedriveNotAllowed        = queue.ErrRedriveNotAllowed
	ErrPurgeInProgress          = queue.ErrPurgeInProgress
)

// ErrReceiptHandleExpired is returned by Delete and ChangeVisibility for a
// receipt handle whose message is no longer in flight under it: its
// visibility timeout has ended, or it has been received again since. Here a
// FIFO queue differs from a standard one, where a delete with such a handle
// is not an error.
var ErrReceiptHandleExpired = queue.ErrReceiptHandleExpired

// Errors of the FIFO rules. Each is wrapped with the detail; none changes
// the queue.
var (
	// ErrGroupIDRequired is returned by a send without a GroupID.
	ErrGroupIDRequired = errors.New("fifo: message group id required")

	// ErrDeduplicationIDRequired is returned by a send without a
	// DeduplicationID to a queue without ContentBasedDeduplication.
	ErrDeduplicationIDRequired = errors.New("fifo: message deduplication id required")

	// ErrInvalidID is returned for a GroupID, DeduplicationID or
	// ReceiveRequestAttemptID longer than 128 characters or holding a
	// character other than an ASCII letter, digit or punctuation mark.
	ErrInvalidID = errors.New("fifo: invalid id")

	// ErrDelayNotSupported is returned by a send that sets its own Delay:
	// a FIFO queue has only the queue's Delay.
	ErrDelayNotSupported = errors.New("fifo: per-message delay not supported")

	// ErrThrottled is returned, wrapped in a *ThrottleError, by a call over
	// the queue's throughput quota (SQS ThrottlingException).
	ErrThrottled = errors.New("fifo: throttled")
)

// ThrottleError reports a call refused by the throughput quota of its
// action. errors.Is(err, ErrThrottled) holds for it.
type ThrottleError struct {
	Action string // "send", "receive", "delete" or "change visibility"; batches count as their action
	Limit  int    // the quota, in calls per second
}

func (e *ThrottleError) Error() string {
	return fmt.Sprintf("%v: %s over %d calls per second", ErrThrottled, e.Action, e.Limit)
}

// Unwrap returns ErrThrottled.
func (e *ThrottleError) Unwrap() error { return ErrThrottled }
