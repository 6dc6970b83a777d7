package pubsub

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratus-go/stratus/internal/engine"
)

// Publisher is what a producer needs of a topic; a *Topic is one. Other
// packages (mail's event publishing) depend on it rather than on *Topic.
type Publisher interface {
	Publish(ctx context.Context, in PublishInput) (PublishResult, error)
	PublishBatch(ctx context.Context, entries []PublishBatchEntry) ([]PublishBatchResult, error)
}

var _ Publisher = (*Topic)(nil)

// Topic is an SNS topic: it takes published messages and pushes a copy of
// each to every subscription whose filter policy accepts it. Make one with
// NewTopic and Close it when done. All methods are safe for concurrent use.
type Topic struct {
	cfg            topicConfig            // immutable after NewTopic
	signer         func() *signer         // made on first use without a SigningKey
	made           atomic.Pointer[signer] // the signer once made, for the tests
	unsubscribeURL string                 // of queue envelopes, which name the topic

	// ctx is the context of every endpoint call; Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the workers

	// subs is the list of subscriptions that Publish filters for, copied
	// on write (under mu) and read without a lock.
	subs atomic.Pointer[[]*Subscription]

	// mu guards everything below, and the mutable fields of every
	// Subscription. It is the topic's only lock; it is never held while
	// calling an endpoint or a dead-letter queue (it is while a FIFO
	// topic's Publish evaluates the filters).
	mu        sync.Mutex
	closed    bool
	byARN     map[string]*Subscription
	tokens    map[string]*Subscription // confirmation tokens
	pools     [pools]pool              // by queuePool, functionPool, customerPool
	timers    timerHeap                // retries and throttle waits
	timer     timer                    // armed to the earliest of timers
	active    int                      // subscriptions with work to do now
	flushers  []chan struct{}          // Flush calls waiting for active == 0
	seq       uint64                   // the last FIFO sequence number issued
	dedup     dedupWindow
	policies  policyTable
	total     Counters
	published int64
}

// NewTopic makes a topic from cfg, and starts its workers; see TopicConfig
// for the defaults. It returns an error wrapping ErrInvalidConfig that
// names the field, the value and the allowed range. Without a SigningKey,
// the topic makes its key (100 ms or more) when it first needs it: at the
// first Subscribe of an endpoint that gets signed messages, or the first
// call of Certificate; a topic that only feeds queues never does.
func NewTopic(cfg TopicConfig) (*Topic, error) {
	c, err := resolveTopic(cfg)
	if err != nil {
		return nil, err
	}
	// With a key, the certificate is made now (it takes a millisecond or
	// so); without, the key and certificate are made when first needed
	// (100 ms or more), so a topic that delivers only to queues never
	// makes one.
	var signerFn func() *signer
	var t *Topic
	if c.SigningKey != nil || c.SignQueueMessages {
		s, err := newSigner(c.SigningKey, c.SigningCertificate, c.Clock.Now(), c.Region)
		if err != nil {
			return nil, err
		}
		signerFn = func() *signer { return s }
		defer func() { t.made.Store(s) }()
	} else {
		signerFn = sync.OnceValue(func() *signer {
			s, err := newSigner(nil, nil, c.Clock.Now(), c.Region)
			if err != nil {
				// crypto/rand does not fail (it crashes the program
				// instead, since Go 1.24), nor does signing a valid
				// template.
				panic(err)
			}
			t.made.Store(s)
			return s
		})
	}
	t = &Topic{cfg: c, signer: signerFn, byARN: map[string]*Subscription{}, tokens: map[string]*Subscription{},
		unsubscribeURL: "https://sns." + c.Region + ".amazonaws.com/?Action=Unsubscribe&TopicArn=" + url.QueryEscape(c.arn)}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.subs.Store(new([]*Subscription))
	t.timer.init(t)
	for i := range t.pools {
		t.pools[i].cond.L = &t.mu
		for range c.Workers {
			t.wg.Add(1)
			go t.work(&t.pools[i])
		}
	}
	return t, nil
}

// ARN returns the topic's ARN, arn:aws:sns:<region>:<account>:<name>.
func (t *Topic) ARN() string { return t.cfg.arn }

// Name returns the topic's name.
func (t *Topic) Name() string { return t.cfg.Name }

// Certificate returns the certificate whose key signs the topic's
// envelopes; the caller must not change it. Without a SigningKey, the
// first call (or the first Subscribe of an endpoint that gets signed
// messages) makes the key, which takes 100 ms or more.
func (t *Topic) Certificate() *x509.Certificate { return t.signer().cert }

// CertificatePEM returns the signing certificate in PEM, what SNS serves
// at an envelope's SigningCertURL. The caller owns the slice.
func (t *Topic) CertificatePEM() []byte { return append([]byte(nil), t.signer().pem...) }

// SigningCertURL returns the URL the topic's envelopes give as
// SigningCertURL. Nothing is served there: a handler resolves it to
// CertificatePEM.
func (t *Topic) SigningCertURL() string { return t.signer().certURL }

func (t *Topic) errorf(op string, err error) error {
	return fmt.Errorf("topic %q: %s: %w", t.cfg.Name, op, err)
}

// Publish accepts a message and returns its ID (and on a FIFO topic its
// sequence number) once every subscription it is for has it queued; the
// deliveries happen afterwards, on the topic's workers. It does not block.
// On a FIFO topic a publish whose deduplication ID was published in the
// last 5 minutes is accepted and dropped: it returns the first message's
// ID and sequence number.
//
// Bad input returns ErrEmptyMessage, ErrInvalidMessage,
// ErrMessageTooLarge, ErrInvalidAttribute, ErrGroupIDRequired,
// ErrDeduplicationIDRequired or ErrInvalidID, wrapped, and publishes
// nothing; after Close it returns ErrClosed; a done ctx returns ctx.Err().
func (t *Topic) Publish(ctx context.Context, in PublishInput) (PublishResult, error) {
	if err := ctx.Err(); err != nil {
		return PublishResult{}, err
	}
	c, err := t.check(in)
	if err != nil {
		return PublishResult{}, t.errorf("publish", err)
	}
	res, err := t.publish(&c)
	if err != nil {
		return PublishResult{}, t.errorf("publish", err)
	}
	return res, nil
}

// PublishBatch publishes up to 10 messages, in order, and reports on each
// in the result at the same index: a bad entry fails alone. The request as
// a whole fails, publishing nothing, for no entries (ErrEmptyBatch), more
// than 10 (ErrTooManyEntries), a bad or repeated entry ID
// (ErrInvalidBatchEntryID, ErrBatchEntryIDsNotDistinct), messages larger
// together than MaxMessageSize (ErrBatchTooLong), or after Close
// (ErrClosed). It does not block.
func (t *Topic) PublishBatch(ctx context.Context, entries []PublishBatchEntry) ([]PublishBatchResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkBatch(entries); err != nil {
		return nil, t.errorf("publish batch", err)
	}
	results := make([]PublishBatchResult, len(entries))
	ok := make([]checked, len(entries))
	total := 0
	for i, e := range entries {
		results[i].ID = e.ID
		c, err := t.check(e.PublishInput)
		if err != nil {
			results[i].Err = t.errorf("publish batch: entry "+e.ID, err)
			continue
		}
		ok[i] = c
		total += c.size
	}
	if total > t.cfg.MaxMessageSize {
		return nil, t.errorf("publish batch", fmt.Errorf("%w: %d bytes in all, at most %d", ErrBatchTooLong, total, t.cfg.MaxMessageSize))
	}
	if t.isClosed() {
		return nil, t.errorf("publish batch", ErrClosed)
	}
	for i := range entries {
		if results[i].Err != nil {
			continue
		}
		res, err := t.publish(&ok[i])
		if err != nil {
			results[i].Err = t.errorf("publish batch: entry "+entries[i].ID, err)
			continue
		}
		results[i].PublishResult = res
	}
	return results, nil
}

func (t *Topic) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

func checkBatch(entries []PublishBatchEntry) error {
	switch n := len(entries); {
	case n == 0:
		return ErrEmptyBatch
	case n > MaxBatchEntries:
		return fmt.Errorf("%w: %d entries, at most %d", ErrTooManyEntries, n, MaxBatchEntries)
	}
	for i := range entries {
		id := entries[i].ID
		if len(id) > 80 || !validName(id) {
			return fmt.Errorf("%w: %q", ErrInvalidBatchEntryID, id)
		}
		for _, prev := range entries[:i] {
			if prev.ID == id {
				return fmt.Errorf("%w: %q", ErrBatchEntryIDsNotDistinct, id)
			}
		}
	}
	return nil
}

// scratch holds a publish's filtering state, reused across publishes.
var scratch = sync.Pool{New: func() any { return &matchScratch{subs: make([]*Subscription, 0, 64)} }}

// publish makes the message and queues it for every subscription that
// accepts it.
func (t *Topic) publish(c *checked) (PublishResult, error) {
	now := t.cfg.Clock.Now()
	m := &message{
		id: engine.NewID(), subject: c.in.Subject, body: c.in.Message,
		attrs: c.attrs, bodies: c.bodies,
		group: c.in.GroupID, dedup: c.in.DeduplicationID,
		timestamp: now.UTC().Format(timestampLayout),
	}
	if t.cfg.FIFO {
		return t.publishFIFO(m, now)
	}
	// Standard topics filter without the lock; a subscription made
	// meanwhile does not get the message, one removed meanwhile is
	// skipped.
	sc := scratch.Get().(*matchScratch)
	defer func() {
		clear(sc.subs)
		sc.subs = sc.subs[:0]
		scratch.Put(sc)
	}()
	filtered := t.match(m, sc)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return PublishResult{}, ErrClosed
	}
	t.published++
	t.total.FilteredOut += filtered
	t.fanOutLocked(m, sc.subs)
	return PublishResult{MessageID: m.id}, nil
}

func (t *Topic) fanOutLocked(m *message, matched []*Subscription) {
	for _, s := range matched {
		if s.removed || s.pending {
			continue
		}
		s.stats.Matched++
		s.q.pushBack(work{m: m})
		t.kickLocked(s)
	}
}

// publishFIFO deduplicates, numbers and queues a FIFO message, all under
// the lock so that every subscription gets the messages in sequence order.
func (t *Topic) publishFIFO(m *message, now time.Time) (PublishResult, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return PublishResult{}, ErrClosed
	}
	t.dedup.expire(now)
	if first, dup := t.dedup.get(m.dedup); dup {
		return first, nil
	}
	t.seq++
	m.seq = sequenceNumber(t.seq)
	res := PublishResult{MessageID: m.id, SequenceNumber: m.seq}
	t.dedup.put(m.dedup, res, now)
	t.published++
	var sc matchScratch
	t.total.FilteredOut += t.match(m, &sc)
	t.fanOutLocked(m, sc.subs)
	return res, nil
}

// contentID is the deduplication ID of a body: its SHA-256 in hex.
func contentID(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// dedupWindow remembers the deduplication IDs of the last 5 minutes, in
// publish order so that expiry pops from the front.
type dedupWindow struct {
	byID  map[string]PublishResult
	order deque[dedupEntry]
}

type dedupEntry struct {
	id string
	at time.Time
}

func (w *dedupWindow) expire(now time.Time) {
	for w.order.len() > 0 && now.Sub(w.order.front().at) >= DeduplicationWindow {
		delete(w.byID, w.order.popFront().id)
	}
}

func (w *dedupWindow) get(id string) (PublishResult, bool) {
	r, ok := w.byID[id]
	return r, ok
}

func (w *dedupWindow) put(id string, r PublishResult, now time.Time) {
	if w.byID == nil {
		w.byID = map[string]PublishResult{}
	}
	w.byID[id] = r
	w.order.pushBack(dedupEntry{id, now})
}

// Flush blocks until the whole topic is idle: every delivery queued or
// running, of messages published before it or during it, has been
// delivered, dead-lettered or dropped, or is waiting on a clock timer (a
// retry, a throttle, or a FIFO group held behind a retry). A wait already
// due at the clock's Now is not left to the timer: Flush re-queues it
// first, so a Flush right after moving a mock clock sees the deliveries
// of that instant even before the mock has run the timer's callback. Once
// it returns, a test can look at the endpoints. It returns ctx.Err() when
// ctx is done first, and ErrClosed when the topic is (or gets) closed.
func (t *Topic) Flush(ctx context.Context) error {
	for {
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			return t.errorf("flush", ErrClosed)
		}
		t.releaseDueLocked(t.cfg.Clock.Now())
		if t.active == 0 {
			t.mu.Unlock()
			return nil
		}
		ch := make(chan struct{})
		t.flushers = append(t.flushers, ch)
		t.mu.Unlock()
		if err := t.awaitIdle(ctx, ch); err != nil {
			return err
		}
	}
}

// awaitIdle waits for ch, which the topic closes when it is next idle or
// closed.
func (t *Topic) awaitIdle(ctx context.Context, ch chan struct{}) error {
	select {
	case <-ch:
		if t.isClosed() {
			return t.errorf("flush", ErrClosed)
		}
		return nil
	case <-ctx.Done():
		t.mu.Lock()
		for i, c := range t.flushers {
			if c == ch {
				t.flushers = append(t.flushers[:i], t.flushers[i+1:]...)
				break
			}
		}
		t.mu.Unlock()
		return ctx.Err()
	}
}

func (t *Topic) wakeFlushersLocked() {
	for _, ch := range t.flushers {
		close(ch)
	}
	t.flushers = nil
}

// Close stops the topic: deliveries not yet made are abandoned, endpoint
// calls in progress see their context cancelled, waiting Flush calls
// return ErrClosed, and Close blocks until every worker has returned and
// every endpoint call in progress has returned, HTTP calls abandoned at
// their timeout included: a handler that never returns blocks Close.
// Later calls return ErrClosed; Close itself is idempotent and always
// returns nil.
func (t *Topic) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.timer.stopLocked()
	for i := range t.pools {
		t.pools[i].cond.Broadcast()
	}
	t.wakeFlushersLocked()
	t.mu.Unlock()
	t.cancel()
	t.wg.Wait()
	return nil
}
