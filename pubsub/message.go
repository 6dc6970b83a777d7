package pubsub

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/stratus-go/stratus/internal/sqsmsg"
	"github.com/stratus-go/stratus/pubsub/filter"
	"github.com/stratus-go/stratus/queue"
)

// Attribute is a message attribute: DataType String, String.Array, Number
// or Binary (see filter.Attribute), so filter policies read published
// attributes as they are.
type Attribute = filter.Attribute

// Limits of published messages.
const (
	// MaxSubjectLength is the longest Subject, in characters.
	MaxSubjectLength = 100
	// MaxIDLength is the longest GroupID or DeduplicationID.
	MaxIDLength = 128
	// MaxBatchEntries is the most entries of a PublishBatch.
	MaxBatchEntries = 10
	// MaxRawQueueAttributes is the most attributes raw delivery carries
	// to a queue: a message with more fails that delivery for good.
	MaxRawQueueAttributes = 10
)

// PublishInput is a message to publish.
type PublishInput struct {
	// Message is the body: 1 character or more, of the characters SNS
	// allows. With MessageStructure "json" it is a JSON object whose
	// "default" key holds the body and whose protocol keys ("sqs",
	// "lambda", "http", "https", "email", "email-json", "sms",
	// "application", "firehose") the body for subscriptions of that
	// protocol: each a JSON string, possibly empty. Other keys may hold
	// any JSON value and are ignored; no key may appear twice.
	Message string

	// Subject is the optional subject: at most 100 ASCII characters, no
	// line breaks or control characters, starting with a letter, digit or
	// punctuation mark. Email deliveries use it as their subject.
	Subject string

	// Attributes are the message attributes. The topic keeps a copy. They
	// count toward MaxMessageSize.
	Attributes map[string]Attribute

	// MessageStructure is "" or "json" (see Message).
	MessageStructure string

	// GroupID is required on a FIFO topic and refused on a standard one:
	// 1–128 ASCII letters, digits and punctuation marks.
	GroupID string

	// DeduplicationID, on a FIFO topic, names the message for 5 minutes:
	// a publish with the same ID is accepted and dropped. Same rules as
	// GroupID. Required unless the topic has ContentBasedDeduplication.
	DeduplicationID string
}

// PublishResult is what a publish returns.
type PublishResult struct {
	MessageID string
	// SequenceNumber, on a FIFO topic, is a 20-digit decimal string that
	// grows with every message the topic accepts.
	SequenceNumber string
}

// PublishBatchEntry is one message of a PublishBatch.
type PublishBatchEntry struct {
	// ID names the entry in the results: 1–80 characters of [A-Za-z0-9_-],
	// distinct within the batch.
	ID string
	PublishInput
}

// PublishBatchResult is the outcome of one PublishBatchEntry: the result
// on success, Err otherwise.
type PublishBatchResult struct {
	ID string
	PublishResult
	Err error
}

// message is an accepted message, shared by every delivery of it. Its
// fields are immutable after publish, but for the envelope cache.
type message struct {
	id, seq      string
	group, dedup string
	subject      string
	body         string
	attrs        map[string]Attribute                       // the topic's copy; nil when none
	qattrs       atomic.Pointer[map[string]queue.Attribute] // attrs for raw queue delivery, made on first use
	bodies       map[string]string                          // per protocol, with MessageStructure json
	timestamp    string

	plain [2]atomic.Pointer[envelope] // without MessageStructure json: unsigned, signed
	mu    sync.Mutex                  // guards envs
	envs  []*envelope                 // with MessageStructure json
	sigMu sync.Mutex                  // guards sigs, and is held while signing
	sigs  map[string]string           // signatures by body
}

// bodyFor returns the body for a protocol.
func (m *message) bodyFor(p Protocol) string {
	if m.bodies == nil {
		return m.body
	}
	if b, ok := m.bodies[string(p)]; ok {
		return b
	}
	return m.bodies["default"]
}

// checked is a publish input validated and copied, with its size.
type checked struct {
	in     PublishInput
	attrs  map[string]Attribute
	bodies map[string]string
	size   int
}

// check validates one publish input against the topic's rules.
func (t *Topic) check(in PublishInput) (checked, error) {
	c := checked{in: in}
	if in.Message == "" {
		return c, ErrEmptyMessage
	}
	if err := checkSubject(in.Subject); err != nil {
		return c, err
	}
	switch in.MessageStructure {
	case "":
	case "json":
		bodies, err := parseStructure(in.Message)
		if err != nil {
			return c, fmt.Errorf("%w: MessageStructure json: %s", ErrInvalidMessage, err)
		}
		c.bodies = bodies
	default:
		return c, fmt.Errorf("%w: MessageStructure %q, want \"\" or \"json\"", ErrInvalidMessage, in.MessageStructure)
	}
	var vm map[string]queue.Attribute // the attributes as the SQS rules read them
	if len(in.Attributes) > 0 {
		c.attrs = make(map[string]Attribute, len(in.Attributes))
		vp := validation.Get().(*map[string]queue.Attribute)
		defer func() {
			clear(*vp)
			validation.Put(vp)
		}()
		vm = *vp
		for name, a := range in.Attributes {
			if strings.HasPrefix(a.DataType, "String.Array") && !jsonArray(a.StringValue) {
				return c, fmt.Errorf("%w: %q: String.Array value is not a JSON array", ErrInvalidAttribute, name)
			}
			if a.BinaryValue != nil {
				a.BinaryValue = append([]byte(nil), a.BinaryValue...)
			}
			c.attrs[name] = a
			vm[name] = queue.Attribute(a)
		}
	}
	size, err := checkSQS(in.Message, vm)
	if err != nil {
		return c, err
	}
	c.size = size
	if c.size > t.cfg.MaxMessageSize {
		return c, fmt.Errorf("%w: %d bytes, at most %d", ErrMessageTooLarge, c.size, t.cfg.MaxMessageSize)
	}
	if err := t.checkFIFO(&c.in); err != nil {
		return c, err
	}
	return c, nil
}

// structureKeys are the keys of a MessageStructure json body whose
// values must be strings: "default" and the protocols SNS knows.
var structureKeys = map[string]bool{
	"default": true, "sqs": true, "lambda": true, "http": true, "https": true, "email": true,
	"email-json": true, "sms": true, "application": true, "firehose": true,
}

// parseStructure reads a MessageStructure json body: a JSON object with a
// "default" key, each key at most once, "default" and the protocol keys
// holding strings (empty ones allowed), any other key anything (it is
// ignored). It returns the bodies by key.
func parseStructure(msg string) (map[string]string, error) {
	if !json.Valid([]byte(msg)) {
		return nil, errors.New("not valid JSON")
	}
	dec := json.NewDecoder(strings.NewReader(msg))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	bodies := map[string]string{}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string) // json.Valid: an object's tokens alternate key, value
		if seen[key] {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if !structureKeys[key] {
			continue
		}
		var body string
		if raw[0] != '"' || json.Unmarshal(raw, &body) != nil {
			return nil, fmt.Errorf("the value of %q is not a string", key)
		}
		bodies[key] = body
	}
	if _, ok := bodies["default"]; !ok {
		return nil, errors.New(`no "default" key`)
	}
	return bodies, nil
}

func checkSubject(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > MaxSubjectLength {
		return fmt.Errorf("%w: Subject of %d characters, at most %d", ErrInvalidMessage, len(s), MaxSubjectLength)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return fmt.Errorf("%w: Subject has a character other than printable ASCII at byte %d", ErrInvalidMessage, i)
		}
	}
	if s[0] == ' ' {
		return fmt.Errorf("%w: Subject must start with a letter, digit or punctuation mark", ErrInvalidMessage)
	}
	return nil
}

// validation holds the maps check fills to apply the SQS rules, reused.
var validation = sync.Pool{New: func() any { m := map[string]queue.Attribute{}; return &m }}

// queueAttributes returns the message's attributes as a queue takes them,
// made on first use and shared by the raw queue deliveries; nil when the
// message has none, and with MessageStructure json, whose attributes SNS
// does not send.
func (m *message) queueAttributes() map[string]queue.Attribute {
	if len(m.attrs) == 0 || m.bodies != nil {
		return nil
	}
	if p := m.qattrs.Load(); p != nil {
		return *p
	}
	qa := make(map[string]queue.Attribute, len(m.attrs))
	for k, a := range m.attrs {
		qa[k] = queue.Attribute(a)
	}
	if m.qattrs.CompareAndSwap(nil, &qa) {
		return qa
	}
	return *m.qattrs.Load()
}

// checkSQS checks the body and the attributes by the SQS rules SNS shares
// (characters, attribute names, types and values; String.Array passes as
// a String with a label), and returns the message's size: body plus
// attribute names, types and values. SNS does not limit the number of
// attributes, so more than 10 are checked 10 at a time.
func checkSQS(body string, attrs map[string]queue.Attribute) (int, error) {
	if len(attrs) <= MaxRawQueueAttributes {
		size, err := sqsmsg.CheckMessage(body, attrs, math.MaxInt)
		return size, translate(err)
	}
	size := len(body)
	chunk := make(map[string]queue.Attribute, MaxRawQueueAttributes)
	check := func() error {
		n, err := sqsmsg.CheckMessage("x", chunk, math.MaxInt)
		size += n - 1
		clear(chunk)
		return translate(err)
	}
	if _, err := sqsmsg.CheckMessage(body, nil, math.MaxInt); err != nil {
		return 0, translate(err)
	}
	for name, a := range attrs {
		chunk[name] = a
		if len(chunk) == MaxRawQueueAttributes {
			if err := check(); err != nil {
				return 0, err
			}
		}
	}
	if len(chunk) > 0 {
		if err := check(); err != nil {
			return 0, err
		}
	}
	return size, nil
}

func jsonArray(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "[") && json.Valid([]byte(s))
}

// translate re-words an error of the shared SQS message rules with this
// package's sentinels.
func translate(err error) error {
	if err == nil {
		return nil
	}
	for _, p := range []struct{ from, to error }{
		{sqsmsg.ErrInvalidAttribute, ErrInvalidAttribute},
		{sqsmsg.ErrInvalidMessageContents, ErrInvalidMessage},
		{sqsmsg.ErrEmptyBody, ErrEmptyMessage},
	} {
		if errors.Is(err, p.from) {
			return fmt.Errorf("%w%s", p.to, strings.TrimPrefix(err.Error(), p.from.Error()))
		}
	}
	return err
}

// checkFIFO applies the FIFO rules to the IDs, and fills in a content
// deduplication ID.
func (t *Topic) checkFIFO(in *PublishInput) error {
	if !t.cfg.FIFO {
		if in.GroupID != "" || in.DeduplicationID != "" {
			return fmt.Errorf("%w: GroupID and DeduplicationID are for FIFO topics only", ErrInvalidID)
		}
		return nil
	}
	switch {
	case in.GroupID == "":
		return ErrGroupIDRequired
	case !validID(in.GroupID):
		return fmt.Errorf("%w: GroupID %q", ErrInvalidID, in.GroupID)
	case in.DeduplicationID == "" && !t.cfg.ContentBasedDeduplication:
		return ErrDeduplicationIDRequired
	case in.DeduplicationID != "" && !validID(in.DeduplicationID):
		return fmt.Errorf("%w: DeduplicationID %q", ErrInvalidID, in.DeduplicationID)
	}
	if in.DeduplicationID == "" {
		in.DeduplicationID = contentID(in.Message)
	}
	return nil
}

// validID reports whether s is 1–128 ASCII letters, digits and
// punctuation marks.
func validID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
