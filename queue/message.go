package queue

import (
	"time"

	"github.com/stratus-go/stratus/internal/sqsmsg"
)

// Attribute is a message attribute. DataType is String, Number or Binary,
// optionally with a custom label after a dot ("Number.float", "Binary.png")
// that the queue carries but never interprets. String and Number values go
// in StringValue, Binary values in BinaryValue.
type Attribute = sqsmsg.Attribute

// StringAttribute returns a String attribute.
func StringAttribute(v string) Attribute { return Attribute{DataType: "String", StringValue: v} }

// NumberAttribute returns a Number attribute; v is a decimal number such as
// "42", "-1.5" or "6.02e23".
func NumberAttribute(v string) Attribute { return Attribute{DataType: "Number", StringValue: v} }

// BinaryAttribute returns a Binary attribute holding a copy of v.
func BinaryAttribute(v []byte) Attribute {
	return Attribute{DataType: "Binary", BinaryValue: append([]byte(nil), v...)}
}

// SendInput is a message to send.
type SendInput struct {
	// Body is the message text: 1 character or more, only the characters
	// SQS allows (see ErrInvalidMessageContents).
	Body string

	// Attributes are up to 10 message attributes. The queue keeps a copy.
	Attributes map[string]Attribute

	// Delay, when not nil, hides this message for *Delay (0–15 min) instead
	// of the queue's Delay; new(time.Duration(0)) sends without delay on a
	// delay queue.
	Delay *time.Duration
}

// SendBatchEntry is one message of a SendBatch.
type SendBatchEntry struct {
	// ID names the entry in the results: 1–80 characters of [A-Za-z0-9_-],
	// distinct within the batch.
	ID string
	SendInput
}

// SendBatchResult is the outcome of one SendBatchEntry: MessageID on
// success, Err otherwise.
type SendBatchResult struct {
	ID        string
	MessageID string
	Err       error
}

// ReceiveOptions tune one Receive.
type ReceiveOptions struct {
	// MaxMessages is the most messages to return: 1–10. Zero means 1.
	MaxMessages int

	// WaitTime, when not nil, is how long to wait for a message (0–20 s)
	// instead of the queue's ReceiveWaitTime; new(time.Duration(0)) short
	// polls a long-polling queue.
	WaitTime *time.Duration

	// VisibilityTimeout, when not nil, hides the returned messages for
	// *VisibilityTimeout (0–12 h) instead of the queue's.
	VisibilityTimeout *time.Duration
}

// Message is a received message.
type Message struct {
	ID   string
	Body string

	// Attributes is a copy the caller owns; nil when the message has none.
	Attributes map[string]Attribute

	// ReceiptHandle names this receive of the message: pass it to Delete or
	// ChangeVisibility. Every receive issues a new one.
	ReceiptHandle string

	// ReceiveCount is how many times the message has been received, this
	// time included (SQS ApproximateReceiveCount).
	ReceiveCount int

	// SentAt is when the message was sent (SQS SentTimestamp); a message
	// moved here from a source queue keeps the time it was sent there.
	SentAt time.Time

	// FirstReceivedAt is when the message was first received in this queue
	// (SQS ApproximateFirstReceiveTimestamp).
	FirstReceivedAt time.Time

	// DeadLetterSource is, in a dead-letter queue, the name of the queue
	// the message was moved from (SQS DeadLetterQueueSourceArn); "" for a
	// message sent here directly. A move task with no Destination sends the
	// message back there.
	DeadLetterSource string

	// Err is set, with LargePayload, when the message's body could not be
	// had from its bucket: ErrPayloadNotFound, ErrUnknownBucket,
	// ErrInvalidPointer, or the bucket's or the context's error. Body then
	// holds the pointer. It is nil otherwise.
	Err error
}

// MD5OfBody returns the hex MD5 of the body, as SQS MD5OfMessageBody.
func (m Message) MD5OfBody() string { return MD5OfBody(m.Body) }

// MD5OfAttributes returns the digest SQS reports as MD5OfMessageAttributes,
// or "" when the message has no attributes.
func (m Message) MD5OfAttributes() string { return MD5OfAttributes(m.Attributes) }

// DeleteBatchEntry is one receipt handle of a DeleteBatch.
type DeleteBatchEntry struct {
	ID            string // 1–80 of [A-Za-z0-9_-], distinct within the batch
	ReceiptHandle string
}

// ChangeVisibilityBatchEntry is one change of a ChangeVisibilityBatch.
type ChangeVisibilityBatchEntry struct {
	ID                string // 1–80 of [A-Za-z0-9_-], distinct within the batch
	ReceiptHandle     string
	VisibilityTimeout time.Duration // 0–12 h
}

// BatchResult is the outcome of one entry of a DeleteBatch or
// ChangeVisibilityBatch: Err is nil on success.
type BatchResult struct {
	ID  string
	Err error
}

// MD5OfBody returns the hex MD5 of body's UTF-8 bytes, as SQS reports it in
// MD5OfMessageBody.
func MD5OfBody(body string) string { return sqsmsg.MD5OfBody(body) }

// MD5OfAttributes returns the hex MD5 SQS reports as MD5OfMessageAttributes,
// or "" for no attributes. The digest covers the attributes sorted by name;
// for each: the name, the data type (custom label included) and the value,
// each preceded by its length as 4 big-endian bytes, with a transport byte
// (1 for String and Number, 2 for Binary) before the value.
func MD5OfAttributes(attrs map[string]Attribute) string { return sqsmsg.MD5OfAttributes(attrs) }
