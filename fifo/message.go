package fifo

import (
	"time"

	"github.com/stratus-go/stratus/queue"
)

// Types shared with the standard queue.
type (
	// Attribute is a message attribute: DataType is String, Number or
	// Binary, optionally with a custom label after a dot ("Number.float");
	// String and Number values go in StringValue, Binary values in
	// BinaryValue. See queue.Attribute.
	Attribute = queue.Attribute
	// DeleteBatchEntry is one receipt handle of a DeleteBatch.
	DeleteBatchEntry = queue.DeleteBatchEntry
	// ChangeVisibilityBatchEntry is one change of a ChangeVisibilityBatch.
	ChangeVisibilityBatchEntry = queue.ChangeVisibilityBatchEntry
	// BatchResult is the outcome of one entry of a DeleteBatch or
	// ChangeVisibilityBatch: Err is nil on success.
	BatchResult = queue.BatchResult
	// RedriveAllowPolicy is the SQS RedriveAllowPolicy of a dead-letter
	// queue.
	RedriveAllowPolicy = queue.RedriveAllowPolicy
)

// SendInput is a message to send.
type SendInput struct {
	// Body is the message text: 1 character or more, only the characters
	// SQS allows (see ErrInvalidMessageContents).
	Body string

	// Attributes are up to 10 message attributes. The queue keeps a copy.
	Attributes map[string]Attribute

	// Delay must be nil: a FIFO queue has only the queue's Delay, and a
	// send with its own returns ErrDelayNotSupported, as SQS does. It is
	// here so that code moving from a standard queue fails loudly.
	Delay *time.Duration

	// GroupID names the message group: messages of one group are received
	// in the order they were sent, one receive at a time. Required: 1–128
	// ASCII letters, digits and punctuation marks.
	GroupID string

	// DeduplicationID names the message for deduplication: within 5 minutes
	// of the first send with an ID (in its scope), another send with it is
	// accepted and dropped. Same rules as GroupID. Required unless the queue
	// has ContentBasedDeduplication, where "" means the body's SHA-256.
	DeduplicationID string
}

// SendResult is what a send returns: the message's ID and sequence number.
// A send that deduplication dropped returns those of the message it
// duplicates.
type SendResult struct {
	MessageID string
	// SequenceNumber is a 20-digit decimal string that increases with every
	// message the queue accepts, and so within each group.
	SequenceNumber string
}

// SendBatchEntry is one message of a SendBatch.
type SendBatchEntry struct {
	// ID names the entry in the results: 1–80 characters of [A-Za-z0-9_-],
	// distinct within the batch.
	ID string
	SendInput
}

// SendBatchResult is the outcome of one SendBatchEntry: MessageID and
// SequenceNumber on success, Err otherwise.
type SendBatchResult struct {
	ID string
	SendResult
	Err error
}

// ReceiveOptions tune one Receive.
type ReceiveOptions struct {
	// MaxMessages is the most messages to return: 1–10. Zero means 1.
	MaxMessages int

	// WaitTime, when not nil, is how long to wait for a message (0–20 s)
	// instead of the queue's ReceiveWaitTime.
	WaitTime *time.Duration

	// VisibilityTimeout, when not nil, hides the returned messages (and
	// their groups) for *VisibilityTimeout (0–12 h) instead of the queue's.
	VisibilityTimeout *time.Duration

	// AttemptID, when set, names this receive so that it can be retried:
	// within 5 minutes, a Receive with the same AttemptID returns the same
	// messages with the same receipt handles, hidden again for the
	// visibility timeout, as long as none of them has been deleted, had its
	// visibility changed, or become visible again. Same rules as GroupID
	// (SQS ReceiveRequestAttemptId).
	AttemptID string
}

// Message is a received message.
type Message struct {
	ID   string
	Body string

	// Attributes is a copy the caller owns; nil when the message has none.
	Attributes map[string]Attribute

	GroupID         string
	DeduplicationID string // the sender's, or the body's SHA-256 with content-based deduplication
	SequenceNumber  string

	// ReceiptHandle names this receive of the message, good for Delete and
	// ChangeVisibility while the message is in flight under it.
	ReceiptHandle string

	// ReceiveCount is how many times the message has been received, this
	// time included (SQS ApproximateReceiveCount).
	ReceiveCount int

	// SentAt is when the message was sent here (SQS SentTimestamp); a
	// message moved here from a source queue has the time of the move.
	SentAt time.Time

	// FirstReceivedAt is when the message was first received in this queue
	// (SQS ApproximateFirstReceiveTimestamp).
	FirstReceivedAt time.Time

	// DeadLetterSource is, in a dead-letter queue, the name of the queue
	// the message was moved from; "" otherwise.
	DeadLetterSource string
}

// MD5OfBody returns the hex MD5 of the body, as SQS MD5OfMessageBody.
func (m Message) MD5OfBody() string { return queue.MD5OfBody(m.Body) }

// MD5OfAttributes returns the digest SQS reports as MD5OfMessageAttributes,
// or "" when the message has no attributes.
func (m Message) MD5OfAttributes() string { return queue.MD5OfAttributes(m.Attributes) }

// The kinds of RedriveAllowPolicy, as in package queue.
const (
	AllowAll = queue.AllowAll // any queue may use this one as its dead-letter queue
	DenyAll  = queue.DenyAll  // no queue may
	ByQueue  = queue.ByQueue  // only the queues named in SourceQueues may
)

// StringAttribute returns a String attribute.
func StringAttribute(v string) Attribute { return queue.StringAttribute(v) }

// NumberAttribute returns a Number attribute; v is a decimal number such as
// "42", "-1.5" or "6.02e23".
func NumberAttribute(v string) Attribute { return queue.NumberAttribute(v) }

// BinaryAttribute returns a Binary attribute holding a copy of v.
func BinaryAttribute(v []byte) Attribute { return queue.BinaryAttribute(v) }
