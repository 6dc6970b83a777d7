package pubsub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/stratus-go/stratus/internal/engine"
	"github.com/stratus-go/stratus/pubsub/filter"
)

// Subscription is one subscription of a topic, made by Subscribe. Its
// methods are safe for concurrent use.
type Subscription struct {
	t              *Topic
	arn            string
	ep             endpoint
	pool           *pool
	cfg            subConfig
	unsubscribeURL string
	confirmID      string // MessageId of the SubscriptionConfirmation
	token          string
	tokenAt        time.Time
	policy         *sharedPolicy // nil without a filter policy

	// filteredOut is counted by Publish without the topic's lock, on a
	// cache line of its own so that publishers and workers do not share
	// one.
	_           [64]byte
	filteredOut atomic.Int64
	_           [56]byte

	// awaiting mirrors pending for Publish, which filters without the
	// lock: a subscription waiting for confirmation is skipped, neither
	// matched nor filtering out.
	awaiting atomic.Bool

	// gone mirrors removed for a batch running without the lock, which
	// stops at the next delivery once the subscription is gone.
	gone atomic.Bool

	// Guarded by the topic's mu.
	pending   bool // waiting for ConfirmSubscription
	removed   bool // unsubscribed, or the topic closed
	q         deque[work]
	inflight  int                     // batches of deliveries running, with lingering at most MaxConcurrency
	lingering int                     // HTTP calls timed out but not returned yet
	running   int                     // deliveries in those batches
	blocked   bool                    // held until a timer: throttled
	held      map[string]*deque[work] // FIFO: by group waiting for a retry, the deliveries behind it
	heldN     int                     // deliveries in held
	inReady   bool                    // in pool.ready
	busy      bool                    // counted in topic.active
	waiting   int                     // deliveries in the timer heap
	prepaid   int                     // throttle tokens reserved while blocked
	limiter   *rate.Limiter
	stats     SubscriptionStats
}

// work is one delivery waiting in a subscription's queue.
type work struct {
	m       *message // nil for the SubscriptionConfirmation
	attempt int      // retries made so far
}

// Counters are the delivery counts of a topic or a subscription. A
// SubscriptionConfirmation is not counted.
type Counters struct {
	Delivered    int64 // deliveries the endpoint accepted
	FilteredOut  int64 // messages a filter policy did not accept (of confirmed subscriptions only)
	Retries      int64 // retries made or scheduled
	Failed       int64 // deliveries given up: DeadLettered + Dropped
	DeadLettered int64 // failed deliveries sent to the dead-letter queue
	Dropped      int64 // failed deliveries lost: no dead-letter queue, or it refused them
}

// SubscriptionStats are a subscription's figures.
type SubscriptionStats struct {
	Matched int64 // messages queued for the subscription
	Counters
	Pending      int // deliveries queued or running
	WaitingRetry int // deliveries waiting on a retry or throttle timer
}

// Stats are a topic's figures, all subscriptions together (those since
// removed included).
type Stats struct {
	Published     int64 // messages accepted (FIFO duplicates not counted)
	Subscriptions int
	Counters
	Pending      int
	WaitingRetry int
}

// ARN returns the subscription's ARN: the topic's ARN and a UUID.
func (s *Subscription) ARN() string { return s.arn }

// Protocol returns the protocol of the subscription's endpoint.
func (s *Subscription) Protocol() Protocol { return s.ep.protocol() }

// Endpoint returns the endpoint's address as SNS lists it (a URL, an email
// address, a phone number, a queue's name); "" when it has none.
func (s *Subscription) Endpoint() string { return s.ep.address() }

// FilterPolicy returns the subscription's filter policy; "" for none.
func (s *Subscription) FilterPolicy() string { return s.cfg.FilterPolicy }

// Pending reports whether the subscription waits for ConfirmSubscription.
func (s *Subscription) Pending() bool {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	return s.pending
}

// Stats returns the subscription's figures.
func (s *Subscription) Stats() SubscriptionStats {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	st := s.stats
	st.FilteredOut = s.filteredOut.Load()
	st.Pending = s.q.len() + s.running
	st.WaitingRetry = s.waiting + s.heldN
	return st
}

// subscribeURL is the URL a SubscriptionConfirmation gives; its Token
// parameter is what ConfirmSubscription takes.
func (s *Subscription) subscribeURL() string {
	return "https://sns." + s.t.cfg.Region + ".amazonaws.com/?Action=ConfirmSubscription&TopicArn=" +
		url.QueryEscape(s.t.cfg.arn) + "&Token=" + s.token
}

// confirmationJSON is the signed SubscriptionConfirmation envelope.
func (s *Subscription) confirmationJSON(t *Topic) string {
	const typ = "SubscriptionConfirmation"
	msg := "You have chosen to subscribe to the topic " + t.cfg.arn +
		".\nTo confirm the subscription, visit the SubscribeURL included in this message."
	ts := s.tokenAt.UTC().Format(timestampLayout)
	sub := s.subscribeURL()
	sig := t.signer().sign(confirmationToSign(typ, msg, s.confirmID, sub, ts, s.token, t.cfg.arn))
	b := make([]byte, 0, 1024)
	b = append(b, `{"Type":"`+typ+`","MessageId":`...)
	b = appendString(b, s.confirmID)
	b = append(b, `,"Token":`...)
	b = appendString(b, s.token)
	b = append(b, `,"TopicArn":`...)
	b = appendString(b, t.cfg.arn)
	b = append(b, `,"Message":`...)
	b = appendString(b, msg)
	b = append(b, `,"SubscribeURL":`...)
	b = appendString(b, sub)
	b = append(b, `,"Timestamp":`...)
	b = appendString(b, ts)
	b = append(b, `,"SignatureVersion":"`+SignatureVersion+`","Signature":`...)
	b = appendString(b, sig)
	b = append(b, `,"SigningCertURL":`...)
	b = appendString(b, t.signer().certURL)
	b = append(b, '}')
	return string(b)
}

// Subscribe adds a subscription delivering to e, and returns it. Queue,
// FIFO queue and function subscriptions are confirmed at once; HTTP and
// email ones wait for confirmation: the endpoint first receives a
// SubscriptionConfirmation (retried like a message), and no message until
// ConfirmSubscription is called with its Token. Each call makes a new
// subscription, even for an endpoint already subscribed. It does not
// block.
//
// It returns ErrInvalidEndpoint for an endpoint the topic cannot use,
// ErrInvalidFilterPolicy (wrapped, with the reason) for a policy SNS would
// refuse, ErrInvalidConfig for another bad field, and ErrClosed after
// Close; the topic is unchanged.
func (t *Topic) Subscribe(ctx context.Context, e Endpoint, cfg SubscriptionConfig) (*Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := t.resolveSubscription(e, cfg)
	if err != nil {
		return nil, t.errorf("subscribe", err)
	}
	_, confirm := e.e.(confirmer)
	arn := t.cfg.arn + ":" + engine.NewID()
	s := &Subscription{
		t: t, arn: arn, ep: e.e, cfg: c,
		unsubscribeURL: "https://sns." + t.cfg.Region + ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(arn),
		pool:           &t.pools[poolFor(e.e.protocol())],
	}
	if c.throttle > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(c.throttle), 1)
	}
	switch e.e.protocol() {
	case ProtocolHTTP, ProtocolHTTPS, ProtocolEmailJSON, ProtocolLambda:
		t.signer() // make the key now rather than on a worker
	}
	if confirm {
		var b [32]byte
		_, _ = rand.Read(b[:])
		s.token = hex.EncodeToString(b[:])
		s.confirmID = engine.NewID()
		s.pending = true
		s.awaiting.Store(true)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, t.errorf("subscribe", ErrClosed)
	}
	if t.cfg.MaxMessageSize > DefaultMaxMessageSize && len(t.byARN) >= MaxLargeMessageSubscriptions {
		return nil, t.errorf("subscribe", fmt.Errorf("%w: a topic with MaxMessageSize over 256 KiB has at most %d subscriptions", ErrInvalidEndpoint, MaxLargeMessageSubscriptions))
	}
	if c.policy != nil {
		s.policy = t.policies.acquire(c.policy)
	}
	t.byARN[arn] = s
	subs := append(slices.Clone(*t.subs.Load()), s)
	t.subs.Store(&subs)
	if confirm {
		s.tokenAt = t.cfg.Clock.Now()
		t.tokens[s.token] = s
		s.q.pushBack(work{})
		t.kickLocked(s)
	}
	return s, nil
}

// ConfirmSubscription confirms the subscription that was sent token in its
// SubscriptionConfirmation: from now on it receives messages. Confirming
// again is not an error. It returns ErrInvalidToken for a token of no
// subscription of the topic, ErrTokenExpired for one older than 3 days,
// and ErrClosed after Close. It does not block.
func (t *Topic) ConfirmSubscription(ctx context.Context, token string) (*Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, t.errorf("confirm subscription", ErrClosed)
	}
	s := t.tokens[token]
	if s == nil {
		return nil, t.errorf("confirm subscription", ErrInvalidToken)
	}
	if s.pending && t.cfg.Clock.Now().Sub(s.tokenAt) >= ConfirmationTokenTTL {
		return nil, t.errorf("confirm subscription", ErrTokenExpired)
	}
	s.pending = false
	s.awaiting.Store(false)
	return s, nil
}

// Unsubscribe removes the subscription with this ARN: its queued
// deliveries and retries are dropped (not counted as failed), and a
// delivery in progress finishes: Flush waits for it, and it is counted as
// delivered or failed, but not retried. It returns ErrSubscriptionNotFound for an
// ARN of no subscription of the topic, and ErrClosed after Close. It does
// not block.
func (t *Topic) Unsubscribe(ctx context.Context, arn string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return t.errorf("unsubscribe", ErrClosed)
	}
	s := t.byARN[arn]
	if s == nil {
		return t.errorf("unsubscribe", fmt.Errorf("%w: %q", ErrSubscriptionNotFound, arn))
	}
	delete(t.byARN, arn)
	if s.token != "" {
		delete(t.tokens, s.token)
	}
	subs := slices.DeleteFunc(slices.Clone(*t.subs.Load()), func(x *Subscription) bool { return x == s })
	t.subs.Store(&subs)
	s.removed = true
	s.gone.Store(true)
	if s.policy != nil {
		t.policies.release(s.policy)
	}
	s.q = deque[work]{}
	s.held, s.heldN = nil, 0
	t.timers.removeSub(s)
	s.waiting = 0
	t.kickLocked(s)
	return nil
}

// Subscriptions returns the topic's subscriptions, oldest first, pending
// ones included. The caller owns the slice.
func (t *Topic) Subscriptions() []*Subscription {
	return slices.Clone(*t.subs.Load())
}

// Subscription returns the subscription with this ARN, or
// ErrSubscriptionNotFound.
func (t *Topic) Subscription(arn string) (*Subscription, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.byARN[arn]; s != nil {
		return s, nil
	}
	return nil, t.errorf("subscription", fmt.Errorf("%w: %q", ErrSubscriptionNotFound, arn))
}

// Stats returns the topic's figures. It does not block (beyond the
// topic's lock) and works after Close.
func (t *Topic) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := Stats{Published: t.published, Subscriptions: len(t.byARN), Counters: t.total}
	for _, s := range t.byARN {
		st.Pending += s.q.len() + s.running
		st.WaitingRetry += s.waiting + s.heldN
	}
	return st
}

// policyTable interns the topic's filter policies: subscriptions with the
// same policy (text and scope) share one, and Publish evaluates it once
// per message however many subscriptions have it. Each interned policy
// has a small id, reused after its last subscription goes, that indexes
// the per-publish memo of results. Guarded by the topic's mu.
type policyTable struct {
	byKey map[policyKey]*sharedPolicy
	free  []int
	next  int
}

type policyKey struct {
	text  string
	scope filter.Scope
}

type sharedPolicy struct {
	p    *filter.Policy
	id   int
	refs int
	key  policyKey
}

// acquire returns the interned policy equal to p, interning p if there is
// none.
func (pt *policyTable) acquire(p *filter.Policy) *sharedPolicy {
	key := policyKey{p.String(), p.Scope()}
	if sp := pt.byKey[key]; sp != nil {
		sp.refs++
		return sp
	}
	if pt.byKey == nil {
		pt.byKey = map[policyKey]*sharedPolicy{}
	}
	sp := &sharedPolicy{p: p, refs: 1, key: key}
	if n := len(pt.free); n > 0 {
		sp.id, pt.free = pt.free[n-1], pt.free[:n-1]
	} else {
		sp.id = pt.next
		pt.next++
	}
	pt.byKey[key] = sp
	return sp
}

// release drops a subscription's hold on an interned policy.
func (pt *policyTable) release(sp *sharedPolicy) {
	if sp.refs--; sp.refs == 0 {
		delete(pt.byKey, sp.key)
		pt.free = append(pt.free, sp.id)
	}
}

// matchScratch is what a publish needs to filter, reused across publishes.
type matchScratch struct {
	subs []*Subscription
	memo []uint8 // by policy id: 0 not evaluated yet, 1 accepted, 2 refused
}

const (
	accepted uint8 = 1
	refused  uint8 = 2
)

// match appends the subscriptions whose policy accepts m to sc.subs, and
// counts those that filter it out. A subscription whose id a concurrent
// Unsubscribe freed and a Subscribe reused is evaluated with its own
// policy, never with another's memo entry: ids index the memo only within
// one snapshot of the list, in which no two policies share an id.
func (t *Topic) match(m *message, sc *matchScratch) int64 {
	var filtered int64
	for _, s := range *t.subs.Load() {
		if s.awaiting.Load() {
			continue // not confirmed: delivered nothing, filters nothing out
		}
		sp := s.policy
		if sp == nil {
			sc.subs = append(sc.subs, s)
			continue
		}
		if sp.id >= len(sc.memo) {
			sc.memo = append(sc.memo, make([]uint8, sp.id+1-len(sc.memo))...)
		}
		r := sc.memo[sp.id]
		if r == 0 {
			r = refused
			if sp.p.Match(m.attrs, m.body) {
				r = accepted
			}
			sc.memo[sp.id] = r
		}
		if r == refused {
			filtered++
			s.filteredOut.Add(1)
			continue
		}
		sc.subs = append(sc.subs, s)
	}
	clear(sc.memo)
	return filtered
}
