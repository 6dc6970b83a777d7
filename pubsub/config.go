package pubsub

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/pubsub/filter"
)

// Limits and defaults of topics.
const (
	// MaxNameLength is the longest topic name, ".fifo" included.
	MaxNameLength = 256
	// DefaultMaxMessageSize is the default MaxMessageSize: 256 KiB.
	DefaultMaxMessageSize = 256 * 1024
	// MinMessageSize and MaxMessageSize bound TopicConfig.MaxMessageSize.
	MinMessageSize = 1024
	MaxMessageSize = 1024 * 1024
	// MaxLargeMessageSubscriptions is the most subscriptions a topic whose
	// MaxMessageSize is over 256 KiB may have.
	MaxLargeMessageSubscriptions = 100
	// DeduplicationWindow is how long a FIFO topic remembers a
	// deduplication ID: 5 minutes.
	DeduplicationWindow = 5 * time.Minute
	// ConfirmationTokenTTL is how long a subscription confirmation token
	// stays valid: 3 days.
	ConfirmationTokenTTL = 72 * time.Hour
	// MaxWorkers bounds TopicConfig.Workers.
	MaxWorkers = 10000
	// DefaultRegion and DefaultAccount make the default ARNs.
	DefaultRegion  = "us-east-1"
	DefaultAccount = "123456789012"
)

// TopicConfig configures NewTopic. The zero value is a standard topic as
// SNS CreateTopic makes it with no attributes, named "topic".
type TopicConfig struct {
	// Name is 1–256 characters of [A-Za-z0-9_-]; a FIFO topic's name ends
	// in ".fifo" (counted in the 256) and only a FIFO topic's does. Empty
	// means "topic" ("topic.fifo" with FIFO).
	Name string

	// FIFO makes a FIFO topic: ordered per message group, deduplicated for
	// 5 minutes, delivering only to queues.
	FIFO bool

	// ContentBasedDeduplication, on a FIFO topic, lets a publish without a
	// DeduplicationID use the SHA-256 of its body instead.
	ContentBasedDeduplication bool

	// MaxMessageSize is the largest message, body plus attribute names,
	// types and values, in bytes: 1,024–1,048,576. Zero means 262,144.
	// Over 262,144, the topic takes only queue and function subscriptions,
	// at most 100.
	MaxMessageSize int

	// DeliveryPolicy is the policy of the topic's HTTP and HTTPS
	// subscriptions that have none of their own. The zero value is the SNS
	// default.
	DeliveryPolicy DeliveryPolicy

	// Region and Account make the topic's ARN,
	// arn:aws:sns:<Region>:<Account>:<Name>. Region is lower-case letters,
	// digits and dashes; Account 12 digits. Empty means us-east-1 and
	// 123456789012.
	Region, Account string

	// SignQueueMessages signs the envelopes delivered to queues too. By
	// default only HTTP, email-json and function deliveries are signed, so
	// fan-out to queues costs no RSA signature.
	SignQueueMessages bool

	// SigningKey signs the topic's messages. Nil means a new 2,048-bit key
	// (which takes 100 ms or more to make; tests may share one). The
	// topic makes a self-signed certificate for it: see Certificate.
	SigningKey *rsa.PrivateKey

	// SigningCertificate, with a SigningKey, is the certificate the topic
	// exposes for it instead of a self-signed one; its public key must be
	// the SigningKey's. Nil means a self-signed certificate.
	SigningCertificate *x509.Certificate

	// Workers is the size of each of the topic's three worker pools, one
	// for queue subscriptions, one for functions and one for the others
	// (HTTP, email, SMS, push): 1–10,000 (MaxWorkers). Zero means
	// 4 × GOMAXPROCS.
	Workers int

	// Clock is the topic's time: timestamps, retries, deduplication,
	// throttling, token expiry. Nil means the real clock.
	Clock clock.Clock
}

type topicConfig struct {
	TopicConfig
	arn      string
	delivery schedule // the resolved DeliveryPolicy
}

func invalid(field string, value any, want string) error {
	return fmt.Errorf("%w: %s = %v, want %s", ErrInvalidConfig, field, value, want)
}

// resolveTopic applies the defaults in one place and checks every field.
func resolveTopic(c TopicConfig) (topicConfig, error) {
	r := topicConfig{TopicConfig: c}
	if r.Name == "" {
		r.Name = "topic"
		if c.FIFO {
			r.Name = "topic.fifo"
		}
	}
	base, fifoName := strings.CutSuffix(r.Name, ".fifo")
	if len(r.Name) > MaxNameLength || !validName(base) {
		return r, invalid("Name", fmt.Sprintf("%q", c.Name), "1–256 characters of [A-Za-z0-9_-] (and .fifo for a FIFO topic)")
	}
	if fifoName != c.FIFO {
		return r, invalid("Name", fmt.Sprintf("%q", c.Name), fmt.Sprintf("a name ending in .fifo exactly when FIFO is set (FIFO = %v)", c.FIFO))
	}
	if c.ContentBasedDeduplication && !c.FIFO {
		return r, invalid("ContentBasedDeduplication", true, "false on a standard topic")
	}
	switch {
	case c.MaxMessageSize == 0:
		r.MaxMessageSize = DefaultMaxMessageSize
	case c.MaxMessageSize < MinMessageSize || c.MaxMessageSize > MaxMessageSize:
		return r, invalid("MaxMessageSize", c.MaxMessageSize, "1024–1048576")
	}
	var err error
	if r.delivery, err = resolveDelivery(c.DeliveryPolicy, "DeliveryPolicy"); err != nil {
		return r, err
	}
	if r.Region == "" {
		r.Region = DefaultRegion
	}
	if !validRegion(r.Region) {
		return r, invalid("Region", fmt.Sprintf("%q", c.Region), "lower-case letters, digits and dashes")
	}
	if r.Account == "" {
		r.Account = DefaultAccount
	}
	if len(r.Account) != 12 || strings.Trim(r.Account, "0123456789") != "" {
		return r, invalid("Account", fmt.Sprintf("%q", c.Account), "12 digits")
	}
	if k := c.SigningKey; k != nil && k.N.BitLen() < keyBits {
		return r, invalid("SigningKey", fmt.Sprintf("%d bits", k.N.BitLen()), "an RSA key of 2048 bits or more")
	}
	if cert := c.SigningCertificate; cert != nil {
		if pub, ok := cert.PublicKey.(*rsa.PublicKey); c.SigningKey == nil || !ok || !pub.Equal(&c.SigningKey.PublicKey) {
			return r, invalid("SigningCertificate", cert.Subject, "a certificate of the SigningKey's public key")
		}
	}
	switch {
	case c.Workers == 0:
		r.Workers = 4 * runtime.GOMAXPROCS(0)
	case c.Workers < 0 || c.Workers > MaxWorkers:
		return r, invalid("Workers", c.Workers, fmt.Sprintf("1–%d", MaxWorkers))
	}
	if r.Clock == nil {
		r.Clock = clock.New()
	}
	r.arn = "arn:aws:sns:" + r.Region + ":" + r.Account + ":" + r.Name
	return r, nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func validRegion(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// SubscriptionConfig configures one Subscribe: the SNS subscription
// attributes. The zero value delivers every message in the SNS envelope,
// retried by the protocol's policy, dropped when retries run out.
type SubscriptionConfig struct {
	// FilterPolicy is the SNS filter policy JSON (see package filter);
	// empty means every message is delivered.
	FilterPolicy string

	// FilterPolicyScope is what the policy looks at: the message
	// attributes (the zero value) or the message body.
	FilterPolicyScope filter.Scope

	// RawMessageDelivery delivers the message body as it was published,
	// without the envelope: to a queue with the message attributes (at
	// most 10), to HTTP with the header x-amz-sns-rawdelivery: true and no
	// attributes. Only queue and HTTP endpoints take it.
	RawMessageDelivery bool

	// DeliveryPolicy is the retry and throttle policy of an HTTP or HTTPS
	// subscription; nil means the topic's. Other protocols have SNS's
	// fixed policies and refuse one.
	DeliveryPolicy *DeliveryPolicy

	// DeadLetter, when not the zero Endpoint, receives the messages whose
	// delivery failed for good (retries exhausted, or a permanent error),
	// with the reason in the attributes ErrorCode and ErrorMessage. It must
	// be a Queue endpoint, or a FIFOQueue endpoint on a FIFO topic.
	DeadLetter Endpoint

	// MaxConcurrency is how many deliveries to the subscription run at
	// once: 1 to the topic's Workers. Zero means half the Workers for a
	// queue or a function, and a quarter for the customer endpoints (HTTP,
	// email, SMS, push), so that a few slow ones cannot hold their whole
	// pool; at least 1. A FIFO topic's subscriptions always deliver one at
	// a time: there it is 0 or 1.
	MaxConcurrency int
}

type subConfig struct {
	SubscriptionConfig
	policy   *filter.Policy // nil without a FilterPolicy
	sched    schedule
	throttle int // MaxReceivesPerSecond, 0 for none
	ctype    string
}

// resolveSubscription checks cfg for an endpoint on topic t.
func (t *Topic) resolveSubscription(e Endpoint, c SubscriptionConfig) (subConfig, error) {
	r := subConfig{SubscriptionConfig: c}
	if e.e == nil {
		return r, fmt.Errorf("%w: the zero Endpoint", ErrInvalidEndpoint)
	}
	proto := e.e.protocol()
	if err := e.e.check(); err != nil {
		return r, err
	}
	if t.cfg.FIFO && proto != ProtocolSQS {
		return r, fmt.Errorf("%w: a FIFO topic delivers only to queues, not %s", ErrInvalidEndpoint, proto)
	}
	if t.cfg.MaxMessageSize > DefaultMaxMessageSize && proto != ProtocolSQS && proto != ProtocolLambda {
		return r, fmt.Errorf("%w: a topic with MaxMessageSize over 256 KiB takes only queue and function subscriptions, not %s", ErrInvalidEndpoint, proto)
	}
	if _, ok := e.e.(*fifoEndpoint); ok && !t.cfg.FIFO {
		return r, fmt.Errorf("%w: a FIFO queue subscribes only to a FIFO topic", ErrInvalidEndpoint)
	}
	if c.FilterPolicyScope != filter.MessageAttributes && c.FilterPolicyScope != filter.MessageBody {
		return r, invalid("FilterPolicyScope", c.FilterPolicyScope, "MessageAttributes or MessageBody")
	}
	if c.FilterPolicy != "" {
		p, err := filter.Parse(c.FilterPolicy, c.FilterPolicyScope)
		if err != nil {
			return r, fmt.Errorf("FilterPolicy: %w", err)
		}
		r.policy = p
	}
	if c.RawMessageDelivery && proto != ProtocolSQS && proto != ProtocolHTTP && proto != ProtocolHTTPS {
		return r, invalid("RawMessageDelivery", true, "false for a "+proto.String()+" endpoint (only queues and HTTP take raw delivery)")
	}
	switch proto {
	case ProtocolHTTP, ProtocolHTTPS:
		r.sched = t.cfg.delivery
		r.throttle = t.cfg.DeliveryPolicy.MaxReceivesPerSecond
		r.ctype = t.cfg.DeliveryPolicy.HeaderContentType
		if c.DeliveryPolicy != nil {
			s, err := resolveDelivery(*c.DeliveryPolicy, "DeliveryPolicy")
			if err != nil {
				return r, err
			}
			r.sched, r.throttle, r.ctype = s, c.DeliveryPolicy.MaxReceivesPerSecond, c.DeliveryPolicy.HeaderContentType
		}
		if r.ctype == "" {
			r.ctype = "text/plain; charset=UTF-8"
		}
	case ProtocolSQS, ProtocolLambda:
		r.sched = managedSchedule
	default:
		r.sched = customerSchedule
	}
	if c.DeliveryPolicy != nil && proto != ProtocolHTTP && proto != ProtocolHTTPS {
		return r, invalid("DeliveryPolicy", "set", "nil for a "+proto.String()+" endpoint (only HTTP takes a delivery policy)")
	}
	if c.DeadLetter.e != nil {
		switch d := c.DeadLetter.e.(type) {
		case *queueEndpoint:
			if t.cfg.FIFO {
				return r, invalid("DeadLetter", "a standard queue", "a FIFO queue on a FIFO topic")
			}
		case *fifoEndpoint:
			if !t.cfg.FIFO {
				return r, invalid("DeadLetter", "a FIFO queue", "a standard queue on a standard topic")
			}
		default:
			return r, invalid("DeadLetter", d.protocol(), "a Queue or FIFOQueue endpoint")
		}
		if err := c.DeadLetter.e.check(); err != nil {
			return r, fmt.Errorf("DeadLetter: %w", err)
		}
	}
	switch {
	case t.cfg.FIFO && (c.MaxConcurrency < 0 || c.MaxConcurrency > 1):
		return r, invalid("MaxConcurrency", c.MaxConcurrency, "0 or 1 on a FIFO topic")
	case t.cfg.FIFO:
		r.MaxConcurrency = 1
	case c.MaxConcurrency < 0 || c.MaxConcurrency > t.cfg.Workers:
		return r, invalid("MaxConcurrency", c.MaxConcurrency, fmt.Sprintf("1–%d (Workers)", t.cfg.Workers))
	case c.MaxConcurrency == 0 && poolFor(proto) == customerPool:
		r.MaxConcurrency = max(1, t.cfg.Workers/4)
	case c.MaxConcurrency == 0:
		r.MaxConcurrency = max(1, t.cfg.Workers/2)
	}
	return r, nil
}
