package pubsub

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stratus-go/stratus/fifo"
	"github.com/stratus-go/stratus/queue"
)

// Protocol is the SNS protocol of an endpoint: it chooses the retry policy
// and, with MessageStructure "json", the body.
type Protocol string

// The protocols of the endpoints a topic delivers to.
const (
	ProtocolSQS         Protocol = "sqs"
	ProtocolLambda      Protocol = "lambda"
	ProtocolHTTP        Protocol = "http"
	ProtocolHTTPS       Protocol = "https"
	ProtocolEmail       Protocol = "email"
	ProtocolEmailJSON   Protocol = "email-json"
	ProtocolSMS         Protocol = "sms"
	ProtocolApplication Protocol = "application"
)

// String returns the SNS name of the protocol.
func (p Protocol) String() string { return string(p) }

// QueueSender is what a standard queue endpoint needs of a queue; a
// *queue.Queue is one.
type QueueSender interface {
	Send(ctx context.Context, in queue.SendInput) (string, error)
}

// FIFOSender is what a FIFO queue endpoint needs of a queue; a *fifo.Queue
// is one.
type FIFOSender interface {
	Send(ctx context.Context, in fifo.SendInput) (fifo.SendResult, error)
}

// EmailMessage is an email a topic sends to an email endpoint.
type EmailMessage struct {
	To      string
	Subject string
	Body    string
}

// Mailer sends the emails of email and email-json endpoints. A Mailer
// that returns an error built with Permanent fails the delivery for good.
type Mailer interface {
	SendEmail(ctx context.Context, m EmailMessage) error
}

// SMSSender sends the text messages of SMS endpoints.
type SMSSender interface {
	SendSMS(ctx context.Context, phoneNumber, text string) error
}

// PushSender sends the notifications of mobile push (application)
// endpoints; endpointARN names the device.
type PushSender interface {
	SendPush(ctx context.Context, endpointARN, message string) error
}

var (
	_ QueueSender = (*queue.Queue)(nil)
	_ FIFOSender  = (*fifo.Queue)(nil)
)

// Endpoint is where a subscription delivers. Make one with Queue,
// FIFOQueue, Func, Handler, URL, Email, EmailJSON, SMS or Push. The zero
// Endpoint is none.
type Endpoint struct{ e endpoint }

// Protocol returns the endpoint's protocol; "" for the zero Endpoint.
func (e Endpoint) Protocol() Protocol {
	if e.e == nil {
		return ""
	}
	return e.e.protocol()
}

// endpoint is one kind of Endpoint.
type endpoint interface {
	protocol() Protocol
	// address is the endpoint as SNS lists it (a URL, an address, a
	// phone number), "" when it has none.
	address() string
	// check returns ErrInvalidEndpoint when the endpoint cannot work.
	check() error
	// deliver delivers one message; the error says whether to retry.
	deliver(ctx context.Context, d *delivery) error
}

// confirmer is an endpoint that must confirm its subscription: it
// receives the SubscriptionConfirmation.
type confirmer interface {
	confirm(ctx context.Context, d *delivery) error
}

// delivery is one message (or confirmation) for one subscription.
type delivery struct {
	t       *Topic
	s       *Subscription
	m       *message // nil for a confirmation
	attempt int      // retries so far
}

// raw reports whether the delivery goes without envelope.
func (d *delivery) raw() bool { return d.s.cfg.RawMessageDelivery }

// Queue is a standard queue endpoint (SNS protocol sqs): each message
// arrives as a Notification envelope in JSON, or with RawMessageDelivery
// as its body with its attributes. On a FIFO topic the group and
// deduplication IDs are not passed on. Errors of bad input from the queue
// (too large, too many attributes) and queue.ErrClosed are permanent;
// others are retried.
func Queue(q QueueSender) Endpoint { return Endpoint{&queueEndpoint{q}} }

type queueEndpoint struct{ q QueueSender }

func (e *queueEndpoint) protocol() Protocol { return ProtocolSQS }
func (e *queueEndpoint) address() string    { return queueName(e.q) }
func (e *queueEndpoint) check() error       { return nonNil(e.q == nil, "Queue") }
func (e *queueEndpoint) deliver(ctx context.Context, d *delivery) error {
	_, err := e.q.Send(ctx, queueInput(d))
	return queueError(err)
}

// FIFOQueue is a FIFO queue endpoint of a FIFO topic: like Queue, with the
// message's group ID and deduplication ID (the content hash when the
// topic made it) passed on.
func FIFOQueue(q FIFOSender) Endpoint { return Endpoint{&fifoEndpoint{q}} }

type fifoEndpoint struct{ q FIFOSender }

func (e *fifoEndpoint) protocol() Protocol { return ProtocolSQS }
func (e *fifoEndpoint) address() string    { return queueName(e.q) }
func (e *fifoEndpoint) check() error       { return nonNil(e.q == nil, "FIFOQueue") }
func (e *fifoEndpoint) deliver(ctx context.Context, d *delivery) error {
	_, err := e.q.Send(ctx, fifoInput(queueInput(d), d.m))
	return queueError(err)
}

// fifoInput is a queue message with the message's group and
// deduplication IDs.
func fifoInput(in queue.SendInput, m *message) fifo.SendInput {
	return fifo.SendInput{Body: in.Body, Attributes: in.Attributes, GroupID: m.group, DeduplicationID: m.dedup}
}

func queueInput(d *delivery) queue.SendInput {
	if d.raw() {
		return queue.SendInput{Body: d.m.bodyFor(ProtocolSQS), Attributes: d.m.queueAttributes()}
	}
	return queue.SendInput{Body: d.m.envelope(d.t, ProtocolSQS, d.t.cfg.SignQueueMessages).shared}
}

// queueError marks the errors no retry can fix as permanent.
func queueError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, queue.ErrClosed), errors.Is(err, queue.ErrMessageTooLarge),
		errors.Is(err, queue.ErrInvalidAttribute), errors.Is(err, queue.ErrInvalidMessageContents),
		errors.Is(err, queue.ErrEmptyBody), errors.Is(err, fifo.ErrInvalidID):
		return Permanent(err)
	}
	return err
}

func queueName(q any) string {
	if n, ok := q.(interface{ Name() string }); ok {
		return n.Name()
	}
	return ""
}

func nonNil(isNil bool, what string) error {
	if isNil {
		return fmt.Errorf("%w: %s with a nil target", ErrInvalidEndpoint, what)
	}
	return nil
}

// Email is an email endpoint (SNS protocol email): each message is an
// email to address with the message's Subject (or "AWS Notification
// Message") and its body as text. The subscription waits for confirmation:
// the first email holds the SubscribeURL and its token.
func Email(m Mailer, address string) Endpoint { return Endpoint{&emailEndpoint{m, address, false}} }

// EmailJSON is an email endpoint (SNS protocol email-json) whose emails
// hold the signed Notification envelope in JSON.
func EmailJSON(m Mailer, address string) Endpoint { return Endpoint{&emailEndpoint{m, address, true}} }

type emailEndpoint struct {
	m      Mailer
	to     string
	asJSON bool
}

func (e *emailEndpoint) protocol() Protocol {
	if e.asJSON {
		return ProtocolEmailJSON
	}
	return ProtocolEmail
}
func (e *emailEndpoint) address() string { return e.to }
func (e *emailEndpoint) check() error {
	if err := nonNil(e.m == nil, "Email"); err != nil {
		return err
	}
	if at := strings.IndexByte(e.to, '@'); at <= 0 || at == len(e.to)-1 {
		return fmt.Errorf("%w: email address %q", ErrInvalidEndpoint, e.to)
	}
	return nil
}
func (e *emailEndpoint) deliver(ctx context.Context, d *delivery) error {
	subject := d.m.subject
	if subject == "" {
		subject = "AWS Notification Message"
	}
	body := d.m.bodyFor(e.protocol())
	if e.asJSON {
		body = d.m.envelope(d.t, ProtocolEmailJSON, true).json(d.s.unsubscribeURL)
	}
	return e.m.SendEmail(ctx, EmailMessage{To: e.to, Subject: subject, Body: body})
}
func (e *emailEndpoint) confirm(ctx context.Context, d *delivery) error {
	body := "You have chosen to subscribe to the topic:\n" + d.t.cfg.arn +
		"\n\nTo confirm this subscription, visit:\n" + d.s.subscribeURL() + "\n"
	if e.asJSON {
		body = d.s.confirmationJSON(d.t)
	}
	return e.m.SendEmail(ctx, EmailMessage{To: e.to, Subject: "AWS Notification - Subscription Confirmation", Body: body})
}

// SMS is an SMS endpoint (SNS protocol sms): each message's body is sent
// as a text to phoneNumber, in E.164 form ("+" and 1–15 digits).
func SMS(s SMSSender, phoneNumber string) Endpoint { return Endpoint{&smsEndpoint{s, phoneNumber}} }

type smsEndpoint struct {
	s     SMSSender
	phone string
}

func (e *smsEndpoint) protocol() Protocol { return ProtocolSMS }
func (e *smsEndpoint) address() string    { return e.phone }
func (e *smsEndpoint) check() error {
	if err := nonNil(e.s == nil, "SMS"); err != nil {
		return err
	}
	digits, ok := strings.CutPrefix(e.phone, "+")
	if !ok || len(digits) < 1 || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
		return fmt.Errorf("%w: phone number %q, want E.164 (+ and 1–15 digits)", ErrInvalidEndpoint, e.phone)
	}
	return nil
}
func (e *smsEndpoint) deliver(ctx context.Context, d *delivery) error {
	return e.s.SendSMS(ctx, e.phone, d.m.bodyFor(ProtocolSMS))
}

// Push is a mobile push endpoint (SNS protocol application): each
// message's body is sent to the device endpointARN names.
func Push(p PushSender, endpointARN string) Endpoint { return Endpoint{&pushEndpoint{p, endpointARN}} }

type pushEndpoint struct {
	p   PushSender
	arn string
}

func (e *pushEndpoint) protocol() Protocol { return ProtocolApplication }
func (e *pushEndpoint) address() string    { return e.arn }
func (e *pushEndpoint) check() error {
	if err := nonNil(e.p == nil, "Push"); err != nil {
		return err
	}
	if !strings.HasPrefix(e.arn, "arn:") {
		return fmt.Errorf("%w: endpoint ARN %q", ErrInvalidEndpoint, e.arn)
	}
	return nil
}
func (e *pushEndpoint) deliver(ctx context.Context, d *delivery) error {
	return e.p.SendPush(ctx, e.arn, d.m.bodyFor(ProtocolApplication))
}

// Event is what a function endpoint receives: the event SNS gives a Lambda
// function, with one record.
type Event struct {
	Records []EventRecord
}

// EventRecord is one message of an Event.
type EventRecord struct {
	EventVersion         string // "1.0"
	EventSubscriptionArn string
	EventSource          string   // "aws:sns"
	SNS                  EventSNS `json:"Sns"`
}

// EventSNS is the message of an EventRecord: the fields of a Notification,
// spelled as Lambda spells them.
type EventSNS struct {
	SignatureVersion  string
	Timestamp         string
	Signature         string
	SigningCertURL    string `json:"SigningCertUrl"`
	MessageID         string `json:"MessageId"`
	Message           string
	MessageAttributes map[string]MessageAttribute
	Type              string
	UnsubscribeURL    string `json:"UnsubscribeUrl"`
	TopicArn          string
	Subject           string
}

// Func is a function endpoint (SNS protocol lambda): the topic calls fn
// with an Event holding the message, signed, and retries it by the SNS
// policy for AWS-managed endpoints while it returns an error (at once when
// the error was made by Permanent: not at all). A panic in fn is an error
// to retry. fn runs on the workers of the topic's function pool, at most
// MaxConcurrency calls at once per subscription, with a context that
// Close cancels and no timeout. Lambda itself would retry a failing
// asynchronous invocation twice; see "Differences from AWS" in the
// package documentation.
func Func(fn func(ctx context.Context, ev Event) error) Endpoint {
	return Endpoint{&funcEndpoint{fn}}
}

type funcEndpoint struct {
	fn func(ctx context.Context, ev Event) error
}

func (e *funcEndpoint) protocol() Protocol { return ProtocolLambda }
func (e *funcEndpoint) address() string    { return "" }
func (e *funcEndpoint) check() error       { return nonNil(e.fn == nil, "Func") }

func (e *funcEndpoint) deliver(ctx context.Context, d *delivery) (err error) {
	env := d.m.envelope(d.t, ProtocolLambda, true)
	ev := Event{Records: []EventRecord{{
		EventVersion:         "1.0",
		EventSubscriptionArn: d.s.arn,
		EventSource:          "aws:sns",
		SNS: EventSNS{
			SignatureVersion:  SignatureVersion,
			Timestamp:         d.m.timestamp,
			Signature:         env.sig,
			SigningCertURL:    d.t.signer().certURL,
			MessageID:         d.m.id,
			Message:           env.body,
			MessageAttributes: d.m.envelopeAttributes(),
			Type:              "Notification",
			UnsubscribeURL:    d.s.unsubscribeURL,
			TopicArn:          d.t.cfg.arn,
			Subject:           d.m.subject,
		},
	}}}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pubsub: function panicked: %v", r)
		}
	}()
	return e.fn(ctx, ev)
}
