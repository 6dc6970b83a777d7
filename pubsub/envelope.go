package pubsub

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Notification is the JSON envelope SNS delivers to queues and HTTP
// endpoints (and, as SubscriptionConfirmation, to endpoints being
// subscribed). Decode a delivered body into it with encoding/json.
type Notification struct {
	// Type is "Notification" or "SubscriptionConfirmation".
	Type      string
	MessageID string `json:"MessageId"`
	// Token and SubscribeURL are in a SubscriptionConfirmation only.
	Token    string `json:",omitempty"`
	TopicArn string
	// Subject is omitted when the message has none.
	Subject string `json:",omitempty"`
	Message string
	// SubscribeURL is in a SubscriptionConfirmation only; its Token
	// parameter is the Token.
	SubscribeURL string `json:",omitempty"`
	// Timestamp is when the message was published: ISO 8601 in UTC with
	// milliseconds, "2006-01-02T15:04:05.000Z".
	Timestamp string
	// SignatureVersion, Signature and SigningCertURL are omitted from an
	// unsigned envelope (see TopicConfig.SignQueueMessages).
	SignatureVersion string `json:",omitempty"`
	Signature        string `json:",omitempty"`
	SigningCertURL   string `json:",omitempty"`
	UnsubscribeURL   string `json:",omitempty"`
	// MessageAttributes are the message's attributes, omitted when it has
	// none or was published with MessageStructure "json".
	MessageAttributes map[string]MessageAttribute `json:",omitempty"`
	// SequenceNumber is set by FIFO topics.
	SequenceNumber string `json:",omitempty"`
}

// MessageAttribute is an attribute in an envelope: Type is its DataType,
// Value its string value, or for Binary the base64 of its bytes.
type MessageAttribute struct {
	Type  string
	Value string
}

// timestampLayout is the SNS Timestamp format.
const timestampLayout = "2006-01-02T15:04:05.000Z"

// envelope is the JSON of a Notification for one body, built once per
// message and shared by its deliveries: head + UnsubscribeURL + tail for
// a subscription, or shared, whose UnsubscribeURL names the topic, for
// every queue subscription at once.
type envelope struct {
	body   string
	signed bool
	sig    string
	head   string
	tail   string
	shared string
}

// json returns the envelope for a subscription.
func (e *envelope) json(unsubscribeURL string) string {
	return e.head + unsubscribeURL + e.tail
}

// envelope returns the envelope of the message's body for protocol p,
// signed or not, building it on first use. Safe for concurrent use.
func (m *message) envelope(t *Topic, p Protocol, signed bool) *envelope {
	if m.bodies == nil {
		// one body: an envelope unsigned, one signed, without a lock once
		// built
		slot := &m.plain[0]
		if signed {
			slot = &m.plain[1]
		}
		if e := slot.Load(); e != nil {
			return e
		}
		e := m.buildEnvelope(t, m.body, signed)
		if slot.CompareAndSwap(nil, e) {
			return e
		}
		return slot.Load()
	}
	body := m.bodyFor(p)
	m.mu.Lock()
	for _, e := range m.envs {
		if e.signed == signed && e.body == body {
			m.mu.Unlock()
			return e
		}
	}
	m.mu.Unlock()
	// Built without the lock: two workers may both build one, and the
	// first kept wins.
	e := m.buildEnvelope(t, body, signed)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, old := range m.envs {
		if old.signed == signed && old.body == body {
			return old
		}
	}
	m.envs = append(m.envs, e)
	return e
}

func (m *message) buildEnvelope(t *Topic, body string, signed bool) *envelope {
	e := &envelope{body: body, signed: signed}
	if signed {
		e.sig = m.signature(t, body)
	}
	bp := builders.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledBuilder {
			builders.Put(bp)
		}
	}()
	b := (*bp)[:0]
	defer func() { *bp = b[:0] }()
	b = append(b, `{"Type":"Notification","MessageId":`...)
	b = appendString(b, m.id)
	if m.seq != "" {
		b = append(b, `,"SequenceNumber":`...)
		b = appendString(b, m.seq)
	}
	b = append(b, `,"TopicArn":`...)
	b = appendString(b, t.cfg.arn)
	if m.subject != "" {
		b = append(b, `,"Subject":`...)
		b = appendString(b, m.subject)
	}
	b = append(b, `,"Message":`...)
	b = appendString(b, body)
	b = append(b, `,"Timestamp":`...)
	b = appendString(b, m.timestamp)
	if signed {
		b = append(b, `,"SignatureVersion":"`+SignatureVersion+`","Signature":`...)
		b = appendString(b, e.sig)
		b = append(b, `,"SigningCertURL":`...)
		b = appendString(b, t.signer().certURL)
	}
	b = append(b, `,"UnsubscribeURL":"`...)
	// The shared envelope holds the topic's unsubscribe URL; head and tail,
	// around it, are substrings of it.
	i := len(b)
	b = append(b, t.unsubscribeURL...)
	j := len(b)
	b = append(b, '"')
	if len(m.attrs) > 0 && m.bodies == nil {
		b = append(b, `,"MessageAttributes":{`...)
		var arr [8]string
		names := arr[:0]
		for k := range m.attrs {
			names = append(names, k)
		}
		slices.Sort(names)
		for i, k := range names {
			if i > 0 {
				b = append(b, ',')
			}
			a := m.attrs[k]
			b = appendString(b, k)
			b = append(b, `:{"Type":`...)
			b = appendString(b, a.DataType)
			b = append(b, `,"Value":`...)
			b = appendString(b, attributeValue(a))
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	b = append(b, '}')
	e.shared = string(b)
	e.head, e.tail = e.shared[:i], e.shared[j:]
	return e
}

// builders are the buffers envelopes are built in, reused: only the
// finished string is allocated per envelope.
var builders = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxPooledBuilder is the largest buffer put back in builders: one grown
// for a large message is left to the collector.
const maxPooledBuilder = 64 << 10

// signature returns the signature of the message with this body, made
// once: deliveries that need it meanwhile wait for it rather than sign
// again.
func (m *message) signature(t *Topic, body string) string {
	m.sigMu.Lock()
	defer m.sigMu.Unlock()
	if sig, ok := m.sigs[body]; ok {
		return sig
	}
	sig := t.signer().sign(notificationToSign(body, m.id, m.subject, m.timestamp, t.cfg.arn))
	if m.sigs == nil {
		m.sigs = make(map[string]string, 1)
	}
	m.sigs[body] = sig
	return sig
}

// attributeValue is an attribute's value as envelopes carry it.
func attributeValue(a Attribute) string {
	if a.BinaryValue != nil {
		return base64.StdEncoding.EncodeToString(a.BinaryValue)
	}
	return a.StringValue
}

// envelopeAttributes are the message's attributes as a Notification holds
// them, or nil.
func (m *message) envelopeAttributes() map[string]MessageAttribute {
	if len(m.attrs) == 0 || m.bodies != nil {
		return nil
	}
	out := make(map[string]MessageAttribute, len(m.attrs))
	for k, a := range m.attrs {
		out[k] = MessageAttribute{Type: a.DataType, Value: attributeValue(a)}
	}
	return out
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. s is valid UTF-8 (publish
// checks bodies, subjects and attributes), so only quotes, backslashes and
// control characters need escaping; other bytes are copied as they are.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// sequenceNumber renders a FIFO sequence number as 20 digits.
func sequenceNumber(seq uint64) string { return strconv.FormatUint(1e19+seq, 10) }

// SignatureVersion is the SNS signature version of every signed envelope:
// "2", SHA256withRSA (PKCS #1 v1.5).
const SignatureVersion = "2"

// keyBits is the size of the key a topic makes when its config has none.
const keyBits = 2048

// signer signs envelopes with the topic's key; its certificate is
// self-signed at topic creation. Immutable but for the count of
// signatures, safe for concurrent use.
type signer struct {
	key        *rsa.PrivateKey
	cert       *x509.Certificate
	pem        []byte
	certURL    string
	signatures atomic.Int64 // made so far: the tests check there is one per message
}

// newSigner makes the certificate for key (a new key when nil), valid
// from an hour before now for ten years.
func newSigner(key *rsa.PrivateKey, cert *x509.Certificate, now time.Time, region string) (*signer, error) {
	if cert != nil {
		return signerOf(key, cert.Raw, cert, region), nil
	}
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, keyBits); err != nil {
			return nil, fmt.Errorf("pubsub: making the signing key: %w", err)
		}
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("pubsub: making the certificate: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "sns." + region + ".amazonaws.com", Organization: []string{"stratus"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("pubsub: making the certificate: %w", err)
	}
	made, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pubsub: reading the certificate: %w", err)
	}
	return signerOf(key, der, made, region), nil
}

func signerOf(key *rsa.PrivateKey, der []byte, cert *x509.Certificate, region string) *signer {
	sum := sha256.Sum256(der)
	return &signer{
		key:     key,
		cert:    cert,
		pem:     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		certURL: "https://sns." + region + ".amazonaws.com/SimpleNotificationService-" + hex.EncodeToString(sum[:16]) + ".pem",
	}
}

// sign returns the base64 SHA256withRSA signature of the string to sign.
func (s *signer) sign(toSign string) string {
	s.signatures.Add(1)
	sum := sha256.Sum256([]byte(toSign))
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
	if err != nil {
		// Only a key too small for a SHA-256 digest fails, and NewTopic
		// refuses those.
		panic("pubsub: signing: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// notificationToSign is the string SNS signs for a Notification: each
// present field as "Name\nvalue\n", in this order.
func notificationToSign(message, id, subject, timestamp, topicARN string) string {
	s := "Message\n" + message + "\nMessageId\n" + id + "\n"
	if subject != "" {
		s += "Subject\n" + subject + "\n"
	}
	return s + "Timestamp\n" + timestamp + "\nTopicArn\n" + topicARN + "\nType\nNotification\n"
}

// confirmationToSign is the string SNS signs for a
// SubscriptionConfirmation (and UnsubscribeConfirmation).
func confirmationToSign(typ, message, id, subscribeURL, timestamp, token, topicARN string) string {
	return "Message\n" + message + "\nMessageId\n" + id + "\nSubscribeURL\n" + subscribeURL +
		"\nTimestamp\n" + timestamp + "\nToken\n" + token + "\nTopicArn\n" + topicARN + "\nType\n" + typ + "\n"
}
