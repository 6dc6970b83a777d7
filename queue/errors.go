package queue

import (
	"errors"

	"github.com/stratus-go/stratus/internal/engine"
	"github.com/stratus-go/stratus/internal/sqsmsg"
)

// Errors of the queue's lifecycle and of receipt handles. The FIFO queue
// shares these values.
var (
	// ErrClosed is returned by every call made after Close, and by a receive
	// that was blocked when Close was called.
	ErrClosed = engine.ErrClosed

	// ErrReceiptHandleInvalid is returned for a receipt handle that this queue
	// never issued, or that is malformed (SQS ReceiptHandleIsInvalid).
	ErrReceiptHandleInvalid = engine.ErrReceiptHandleInvalid

	// ErrReceiptHandleExpired is returned by ChangeVisibility for the handle
	// of an earlier receive of a message that has been received again since.
	ErrReceiptHandleExpired = engine.ErrReceiptHandleExpired

	// ErrMessageNotInFlight is returned by ChangeVisibility when the message
	// is not in flight: its visibility timeout ran out, or it is gone
	// (SQS MessageNotInflight).
	ErrMessageNotInFlight = engine.ErrMessageNotInFlight

	// ErrVisibilityTooLong is returned by ChangeVisibility when the new
	// timeout would hide the message for more than 12 hours counted from the
	// receive that issued the handle. SQS rejects it too; it does not clamp.
	ErrVisibilityTooLong = engine.ErrVisibilityTooLong

	// ErrOverLimit is returned by a short-poll Receive that finds messages
	// visible while the queue holds its maximum of in-flight messages (SQS
	// OverLimit); with none visible it returns empty. A long poll waits
	// instead.
	ErrOverLimit = engine.ErrOverLimit
)

// Errors of bad input. Each is wrapped with the detail (which field, which
// value, which limit); none changes the queue.
var (
	// ErrInvalidConfig is returned by New for a Config field out of range.
	ErrInvalidConfig = errors.New("queue: invalid config")

	// ErrInvalidParameter is returned for a call parameter out of range:
	// a delay, wait time, visibility timeout or message count.
	ErrInvalidParameter = sqsmsg.ErrInvalidParameter

	// ErrEmptyBody is returned for a message whose body is empty.
	ErrEmptyBody = sqsmsg.ErrEmptyBody

	// ErrInvalidMessageContents is returned for a body or attribute value
	// with characters SQS does not allow (SQS InvalidMessageContents): only
	// #x9, #xA, #xD, #x20–#xD7FF, #xE000–#xFFFD and #x10000–#x10FFFF, as
	// valid UTF-8.
	ErrInvalidMessageContents = sqsmsg.ErrInvalidMessageContents

	// ErrMessageTooLarge is returned when body plus attribute names, types
	// and values exceed the queue's MaxMessageSize.
	ErrMessageTooLarge = sqsmsg.ErrMessageTooLarge

	// ErrInvalidAttribute is returned for a message attribute whose name,
	// data type or value breaks the SQS rules, or for more than 10 of them.
	ErrInvalidAttribute = sqsmsg.ErrInvalidAttribute
)

// Errors of batch requests. They fail the whole request; a problem with one
// entry is reported in that entry's result instead.
var (
	// ErrEmptyBatch is returned for a batch with no entries.
	ErrEmptyBatch = sqsmsg.ErrEmptyBatch
	// ErrTooManyEntries is returned for a batch of more than 10 entries.
	ErrTooManyEntries = sqsmsg.ErrTooManyEntries
	// ErrBatchEntryIDsNotDistinct is returned when two entries share an ID.
	ErrBatchEntryIDsNotDistinct = sqsmsg.ErrBatchEntryIDsNotDistinct
	// ErrInvalidBatchEntryID is returned for an entry ID that is empty, longer
	// than 80 characters or not of [A-Za-z0-9_-].
	ErrInvalidBatchEntryID = sqsmsg.ErrInvalidBatchEntryID
	// ErrBatchTooLong is returned when the messages of a SendBatch together
	// exceed the queue's MaxMessageSize.
	ErrBatchTooLong = sqsmsg.ErrBatchTooLong
)

// Errors of dead-letter queues and purging.
var (
	// ErrRedriveNotAllowed is returned by New when the dead-letter target's
	// redrive allow policy refuses this queue, and by AddDeadLetters for a
	// source the policy refuses.
	ErrRedriveNotAllowed = errors.New("queue: redrive not allowed by the dead-letter queue")

	// ErrPurgeInProgress is returned by a Purge less than 60 seconds after the
	// previous one (SQS PurgeQueueInProgress).
	ErrPurgeInProgress = errors.New("queue: purge already in progress")
)

// Errors of message move tasks (SQS StartMessageMoveTask,
// CancelMessageMoveTask).
var (
	// ErrNotDeadLetterQueue is returned by StartMoveTask on a queue that no
	// queue has been made with as its Redrive.Target.
	ErrNotDeadLetterQueue = errors.New("queue: not a dead-letter queue")

	// ErrMoveTaskRunning is returned by StartMoveTask while another move
	// task of the queue is running or being cancelled: a queue runs one at a
	// time.
	ErrMoveTaskRunning = errors.New("queue: a message move task is already running")

	// ErrMoveTaskNotRunning is returned by CancelMoveTask for a task that
	// has completed, failed, or been cancelled already.
	ErrMoveTaskNotRunning = errors.New("queue: message move task not running")

	// ErrMoveTaskNotFound is returned by CancelMoveTask for an ID that is not
	// among the queue's listed tasks (see MoveTasks).
	ErrMoveTaskNotFound = errors.New("queue: message move task not found")
)
