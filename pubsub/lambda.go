package pubsub

import (
	"context"
	"fmt"
)

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
// to retry. fn runs on the topic's workers, at most MaxConcurrency calls
// at once per subscription, with a context that Close cancels.
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
