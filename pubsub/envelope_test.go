package pubsub_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/pubsub/filter"
)

// stringToSign builds the SNS string to sign of a notification or a
// subscription confirmation, as a handler would, from the documented
// field list.
func stringToSign(n pubsub.Notification) string {
	field := func(k, v string) string { return k + "\n" + v + "\n" }
	if n.Type == "Notification" {
		s := field("Message", n.Message) + field("MessageId", n.MessageID)
		if n.Subject != "" {
			s += field("Subject", n.Subject)
		}
		return s + field("Timestamp", n.Timestamp) + field("TopicArn", n.TopicArn) + field("Type", n.Type)
	}
	return field("Message", n.Message) + field("MessageId", n.MessageID) + field("SubscribeURL", n.SubscribeURL) +
		field("Timestamp", n.Timestamp) + field("Token", n.Token) + field("TopicArn", n.TopicArn) + field("Type", n.Type)
}

// verify checks a signature with the standard library only, from the
// certificate PEM the topic exposes.
func verify(t *testing.T, certPEM []byte, n pubsub.Notification) error {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	require.NotNil(t, block)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	require.Equal(t, "2", n.SignatureVersion)
	sig, err := base64.StdEncoding.DecodeString(n.Signature)
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(stringToSign(n)))
	return rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig)
}

// recorder is an http.Handler that keeps the requests it gets and answers
// with the status status says (200 by default).
type recorder struct {
	clk    clock.Clock
	status func(call int) int

	mu    sync.Mutex
	reqs  []request
	calls []time.Time
}

type request struct {
	header http.Header
	body   string
}

func (h *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	n := len(h.calls)
	if h.clk != nil {
		h.calls = append(h.calls, h.clk.Now())
	} else {
		h.calls = append(h.calls, time.Time{})
	}
	h.reqs = append(h.reqs, request{r.Header.Clone(), string(body)})
	h.mu.Unlock()
	if h.status != nil {
		w.WriteHeader(h.status(n))
	}
}

func (h *recorder) requests() []request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]request(nil), h.reqs...)
}

func (h *recorder) times() []time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Time(nil), h.calls...)
}

// confirm reads the SubscriptionConfirmation a handler got and confirms.
func confirm(t *testing.T, tp *pubsub.Topic, r request) *pubsub.Subscription {
	t.Helper()
	n := decode(t, r.body)
	require.Equal(t, "SubscriptionConfirmation", n.Type)
	s, err := tp.ConfirmSubscription(ctx, n.Token)
	require.NoError(t, err)
	return s
}

func TestQueueEnvelope(t *testing.T) {
	clk := clock.NewMock()
	clk.Set(time.Date(2026, 3, 1, 12, 30, 45, 123_000_000, time.UTC))
	tp := newTopic(t, pubsub.TopicConfig{Name: "orders", Clock: clk})
	q := newQueue(t, "q")
	subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{})
	res := publish(t, tp, pubsub.PublishInput{Message: "line 1\n\"quoted\" ü", Subject: "New order", Attributes: map[string]pubsub.Attribute{
		"kind": filter.StringAttribute("order"),
		"bin":  filter.BinaryAttribute([]byte("hi")),
	}})
	flush(t, tp)
	msgs := drain(t, q)
	require.Len(t, msgs, 1)
	n := decode(t, msgs[0].Body)
	assert.Equal(t, pubsub.Notification{
		Type:      "Notification",
		MessageID: res.MessageID,
		TopicArn:  "arn:aws:sns:us-east-1:123456789012:orders",
		Subject:   "New order",
		Message:   "line 1\n\"quoted\" ü",
		Timestamp: "2026-03-01T12:30:45.123Z",
		// Queue envelopes are unsigned unless the topic opts in, and are
		// shared by the topic's queue subscriptions: the UnsubscribeURL
		// names the topic.
		UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&TopicArn=" + url.QueryEscape(tp.ARN()),
		MessageAttributes: map[string]pubsub.MessageAttribute{
			"kind": {Type: "String", Value: "order"},
			"bin":  {Type: "Binary", Value: base64.StdEncoding.EncodeToString([]byte("hi"))},
		},
	}, n)
	assert.Empty(t, msgs[0].Attributes)
}

func TestQueueEnvelopeSignedWhenTopicOptsIn(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{SignQueueMessages: true})
	q := newQueue(t, "q")
	subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{})
	publish(t, tp, pubsub.PublishInput{Message: "signed"})
	flush(t, tp)
	msgs := drain(t, q)
	require.Len(t, msgs, 1)
	n := decode(t, msgs[0].Body)
	assert.Equal(t, tp.SigningCertURL(), n.SigningCertURL)
	require.NoError(t, verify(t, tp.CertificatePEM(), n))
	n.Message = "tampered"
	assert.Error(t, verify(t, tp.CertificatePEM(), n))
}

func TestHTTPHandlerConfirmationHeadersAndSignature(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	h := &recorder{}
	s := subscribe(t, tp, pubsub.Handler(h), pubsub.SubscriptionConfig{})
	assert.True(t, s.Pending())
	assert.Equal(t, pubsub.ProtocolHTTPS, s.Protocol())

	// Nothing is delivered before confirmation: only the confirmation.
	publish(t, tp, pubsub.PublishInput{Message: "too early"})
	flush(t, tp)
	reqs := h.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "SubscriptionConfirmation", reqs[0].header.Get("x-amz-sns-message-type"))
	c := decode(t, reqs[0].body)
	assert.Contains(t, c.SubscribeURL, "Action=ConfirmSubscription")
	assert.Contains(t, c.SubscribeURL, "Token="+c.Token)
	require.NoError(t, verify(t, tp.CertificatePEM(), c))
	confirm(t, tp, reqs[0])
	assert.False(t, s.Pending())

	res := publish(t, tp, pubsub.PublishInput{Message: "hello", Subject: "greeting", Attributes: map[string]pubsub.Attribute{"a": filter.StringAttribute("b")}})
	flush(t, tp)
	reqs = h.requests()
	require.Len(t, reqs, 2)
	r := reqs[1]
	assert.Equal(t, "Notification", r.header.Get("x-amz-sns-message-type"))
	assert.Equal(t, res.MessageID, r.header.Get("x-amz-sns-message-id"))
	assert.Equal(t, tp.ARN(), r.header.Get("x-amz-sns-topic-arn"))
	assert.Equal(t, s.ARN(), r.header.Get("x-amz-sns-subscription-arn"))
	assert.Equal(t, "text/plain; charset=UTF-8", r.header.Get("Content-Type"))
	assert.Empty(t, r.header.Get("x-amz-sns-rawdelivery"))
	n := decode(t, r.body)
	assert.Equal(t, "hello", n.Message)
	assert.Equal(t, "greeting", n.Subject)
	require.NoError(t, verify(t, tp.CertificatePEM(), n))
	assert.Equal(t, int64(1), s.Stats().Delivered, "the confirmation is not counted")
}

func TestHTTPRawDeliveryAndContentType(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	h := &recorder{}
	subscribe(t, tp, pubsub.Handler(h), pubsub.SubscriptionConfig{RawMessageDelivery: true,
		DeliveryPolicy: &pubsub.DeliveryPolicy{HeaderContentType: "application/json"}})
	flush(t, tp)
	confirm(t, tp, h.requests()[0])
	publish(t, tp, pubsub.PublishInput{Message: `{"raw":true}`})
	flush(t, tp)
	r := h.requests()[1]
	assert.Equal(t, `{"raw":true}`, r.body)
	assert.Equal(t, "true", r.header.Get("x-amz-sns-rawdelivery"))
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
}

func TestConfirmationTokenExpiresAfterThreeDays(t *testing.T) {
	clk := clock.NewMock()
	tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
	h := &recorder{}
	s := subscribe(t, tp, pubsub.Handler(h), pubsub.SubscriptionConfig{})
	flush(t, tp)
	tok := decode(t, h.requests()[0].body).Token
	_, err := tp.ConfirmSubscription(ctx, "not-a-token")
	assert.ErrorIs(t, err, pubsub.ErrInvalidToken)
	clk.Add(72 * time.Hour)
	_, err = tp.ConfirmSubscription(ctx, tok)
	assert.ErrorIs(t, err, pubsub.ErrTokenExpired)
	assert.True(t, s.Pending())
}

func TestMessageStructureJSON(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	q := newQueue(t, "q")
	subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{})
	var got []pubsub.Event
	var mu sync.Mutex
	subscribe(t, tp, pubsub.Func(func(_ context.Context, ev pubsub.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
		return nil
	}), pubsub.SubscriptionConfig{})
	phoneFake := &phone{}
	subscribe(t, tp, pubsub.SMS(phoneFake, "+15555550100"), pubsub.SubscriptionConfig{})
	body, _ := json.Marshal(map[string]string{"default": "for everyone", "sqs": "for queues"})
	publish(t, tp, pubsub.PublishInput{Message: string(body), MessageStructure: "json",
		Attributes: map[string]pubsub.Attribute{"a": filter.StringAttribute("b")}})
	flush(t, tp)
	msgs := drain(t, q)
	require.Len(t, msgs, 1)
	n := decode(t, msgs[0].Body)
	assert.Equal(t, "for queues", n.Message)
	assert.Nil(t, n.MessageAttributes, "attributes are not sent with MessageStructure json")
	require.Len(t, got, 1)
	assert.Equal(t, "for everyone", got[0].Records[0].SNS.Message)
	assert.Equal(t, []string{"+15555550100: for everyone"}, phoneFake.texts())
}

func TestFuncEventShape(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	var got pubsub.Event
	s := subscribe(t, tp, pubsub.Func(func(_ context.Context, ev pubsub.Event) error {
		got = ev
		return nil
	}), pubsub.SubscriptionConfig{})
	res := publish(t, tp, pubsub.PublishInput{Message: "m", Subject: "s", Attributes: map[string]pubsub.Attribute{"a": filter.StringAttribute("b")}})
	flush(t, tp)
	require.Len(t, got.Records, 1)
	r := got.Records[0]
	assert.Equal(t, "1.0", r.EventVersion)
	assert.Equal(t, "aws:sns", r.EventSource)
	assert.Equal(t, s.ARN(), r.EventSubscriptionArn)
	assert.Equal(t, res.MessageID, r.SNS.MessageID)
	assert.Equal(t, "Notification", r.SNS.Type)
	assert.Equal(t, tp.ARN(), r.SNS.TopicArn)
	assert.Equal(t, map[string]pubsub.MessageAttribute{"a": {Type: "String", Value: "b"}}, r.SNS.MessageAttributes)
	// The Lambda record's signature verifies like an envelope's.
	n := pubsub.Notification{Type: r.SNS.Type, MessageID: r.SNS.MessageID, TopicArn: r.SNS.TopicArn, Subject: r.SNS.Subject,
		Message: r.SNS.Message, Timestamp: r.SNS.Timestamp, SignatureVersion: r.SNS.SignatureVersion, Signature: r.SNS.Signature}
	require.NoError(t, verify(t, tp.CertificatePEM(), n))
	// The JSON has Lambda's spelling.
	b, err := json.Marshal(got)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"Sns":{`)
	assert.Contains(t, string(b), `"SigningCertUrl":`)
}

func TestSuppliedSigningCertificate(t *testing.T) {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<32, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &testKey().PublicKey, testKey())
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	tp := newTopic(t, pubsub.TopicConfig{SigningCertificate: cert, SignQueueMessages: true})
	assert.Same(t, cert, tp.Certificate())
	q := newQueue(t, "q")
	subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{})
	publish(t, tp, pubsub.PublishInput{Message: "m"})
	flush(t, tp)
	require.NoError(t, verify(t, tp.CertificatePEM(), decode(t, drain(t, q)[0].Body)))

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	_, err = pubsub.NewTopic(pubsub.TopicConfig{SigningKey: other, SigningCertificate: cert})
	assert.ErrorIs(t, err, pubsub.ErrInvalidConfig)
	_, err = pubsub.NewTopic(pubsub.TopicConfig{SigningCertificate: cert})
	assert.ErrorIs(t, err, pubsub.ErrInvalidConfig)
}

// TestMessageStructureJSONRules: "default" and every protocol key must be
// JSON strings (empty allowed), other keys may hold anything and are
// ignored, and a repeated key is refused.
func TestMessageStructureJSONRules(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	q := newQueue(t, "q")
	subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{RawMessageDelivery: true})
	for _, ok := range []string{
		`{"default":"d","info":{"data":1}}`,
		`{"default":"d","other":[1,2],"n":3,"b":true,"z":null}`,
		`{"default":"","sqs":"s"}`,
		` {"sqs":"s", "default":"d"} `,
	} {
		_, err := tp.Publish(ctx, pubsub.PublishInput{Message: ok, MessageStructure: "json"})
		assert.NoError(t, err, ok)
	}
	for _, bad := range []string{
		`{"sqs":"s"}`,
		`{"default":1}`,
		`{"default":"d","sqs":{"x":"y"}}`,
		`{"default":"d","lambda":null}`,
		`{"default":"d","default":"e"}`,
		`{"default":"d","x":1,"x":2}`,
		`["default"]`,
		`{"default":"d"} {}`,
		`{"default":"d"`,
	} {
		_, err := tp.Publish(ctx, pubsub.PublishInput{Message: bad, MessageStructure: "json"})
		assert.ErrorIs(t, err, pubsub.ErrInvalidMessage, bad)
	}
	flush(t, tp)
	var bodies []string
	for _, m := range drain(t, q) {
		bodies = append(bodies, m.Body)
	}
	assert.ElementsMatch(t, []string{"d", "d", "s", "s"}, bodies)
	assert.Equal(t, int64(4), tp.Stats().Published)
}

// TestQueueOnlyTopicMakesNoKey: a topic without a SigningKey that only
// feeds queues never makes one: fan-out to queues pays no RSA cost.
func TestQueueOnlyTopicMakesNoKey(t *testing.T) {
	tp, err := pubsub.NewTopic(pubsub.TopicConfig{Clock: clock.NewMock(), Workers: 2})
	require.NoError(t, err)
	defer tp.Close()
	q := newQueue(t, "q")
	subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{})
	subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{RawMessageDelivery: true})
	for i := range 10 {
		publish(t, tp, pubsub.PublishInput{Message: fmt.Sprint("m", i)})
	}
	flush(t, tp)
	assert.Len(t, drain(t, q), 20)
	made, n := pubsub.Signing(tp)
	assert.False(t, made, "no key made")
	assert.Zero(t, n)
}

// TestEachMessageSignedOnce: however many signed copies a message has
// (HTTP, function, email-json), it is signed once; with MessageStructure
// json, once per distinct body.
func TestEachMessageSignedOnce(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{Workers: 8})
	var subs []*pubsub.Subscription
	for range 3 {
		subs = append(subs, subscribe(t, tp, pubsub.Handler(&recorder{}), pubsub.SubscriptionConfig{MaxConcurrency: 2}))
	}
	for range 3 {
		subscribe(t, tp, pubsub.Func(func(context.Context, pubsub.Event) error { return nil }), pubsub.SubscriptionConfig{})
	}
	mail := &mailbox{}
	subs = append(subs, subscribe(t, tp, pubsub.EmailJSON(mail, "a@example.com"), pubsub.SubscriptionConfig{}))
	subscribe(t, tp, pubsub.Queue(newQueue(t, "q")), pubsub.SubscriptionConfig{})
	flush(t, tp)
	for _, s := range subs {
		confirmSub(t, tp, s)
	}
	_, confirmations := pubsub.Signing(tp)
	assert.Equal(t, int64(4), confirmations, "one per confirmation")
	for i := range 20 {
		publish(t, tp, pubsub.PublishInput{Message: fmt.Sprint("m", i)})
	}
	publish(t, tp, pubsub.PublishInput{MessageStructure: "json", Message: `{"default":"d","lambda":"for functions"}`})
	flush(t, tp)
	assert.Equal(t, int64(8*21), tp.Stats().Delivered)
	_, n := pubsub.Signing(tp)
	assert.Equal(t, int64(20+2), n-confirmations, "once per message, per distinct body")
}

// TestFilteredOutCountsOnlyConfirmedSubscriptions: a subscription waiting
// for confirmation gets no message, and filters none out either.
func TestFilteredOutCountsOnlyConfirmedSubscriptions(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	h := &recorder{}
	s := subscribe(t, tp, pubsub.Handler(h), pubsub.SubscriptionConfig{FilterPolicy: `{"k":["yes"]}`})
	flush(t, tp)
	publish(t, tp, pubsub.PublishInput{Message: "m"})
	flush(t, tp)
	assert.Zero(t, s.Stats().FilteredOut)
	assert.Zero(t, tp.Stats().FilteredOut)
	confirm(t, tp, h.requests()[0])
	publish(t, tp, pubsub.PublishInput{Message: "m"})
	flush(t, tp)
	assert.Equal(t, int64(1), s.Stats().FilteredOut)
	assert.Equal(t, int64(1), tp.Stats().FilteredOut)
}
