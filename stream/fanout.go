package stream

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/benbjohnson/clock"
)

// MaxEventSize bounds the data and partition keys of one fan-out event.
const MaxEventSize = 1 << 20

// resubscribeAfter is how long after a subscription the same consumer may
// subscribe to the same shard again (and take over).
const resubscribeAfter = 5 * time.Second

// ConsumerDescription describes a registered enhanced fan-out consumer.
type ConsumerDescription struct {
	Name         string
	CreationTime time.Time
}

// consumer is a registered consumer; guarded by the stream's mutex.
type consumer struct {
	desc ConsumerDescription
	subs map[uint32]*Subscription // by shard index: the current subscription
	last map[uint32]time.Time     // by shard index: when the current or a recent one started
	// budgets are the consumer's 2 MiB/s of each shard, by shard index:
	// a subscription that takes over spends from its predecessor's, and
	// one is forgotten once it is full and no subscription uses it.
	budgets map[uint32]*byteBudget
}

// RegisterConsumer registers an enhanced fan-out consumer, which gets its
// own 2 MiB/s per shard through SubscribeToShard. name is 1–128 characters
// of [a-zA-Z0-9_.-]; a stream has at most 20 consumers. It does not block.
// Errors wrap ErrInvalidArgument, ErrConsumerExists, ErrLimitExceeded, or
// are ErrClosed.
func (s *Stream) RegisterConsumer(ctx context.Context, name string) (ConsumerDescription, error) {
	const op = "register consumer"
	if !validName(name) {
		return ConsumerDescription{}, s.errorf(op, fmt.Errorf("%w: consumer name %q, want 1–128 characters of [a-zA-Z0-9_.-]", ErrInvalidArgument, name))
	}
	now, err := s.lockOpen(ctx, op)
	if err != nil {
		return ConsumerDescription{}, err
	}
	defer s.mu.Unlock()
	if _, ok := s.consumers[name]; ok {
		return ConsumerDescription{}, s.errorf(op, fmt.Errorf("%w: %q", ErrConsumerExists, name))
	}
	if len(s.consumers) >= MaxConsumers {
		return ConsumerDescription{}, s.errorf(op, fmt.Errorf("%w: %d consumers, at most %d", ErrLimitExceeded, len(s.consumers), MaxConsumers))
	}
	c := &consumer{
		desc:    ConsumerDescription{Name: name, CreationTime: now},
		subs:    make(map[uint32]*Subscription),
		last:    make(map[uint32]time.Time),
		budgets: make(map[uint32]*byteBudget),
	}
	s.consumers[name] = c
	return c.desc, nil
}

// DeregisterConsumer removes a consumer and ends its subscriptions with
// ErrConsumerNotFound. It does not wait for their goroutines. Errors wrap
// ErrConsumerNotFound, or are ErrClosed.
func (s *Stream) DeregisterConsumer(ctx context.Context, name string) error {
	const op = "deregister consumer"
	if _, err := s.lockOpen(ctx, op); err != nil {
		return err
	}
	defer s.mu.Unlock()
	c, ok := s.consumers[name]
	if !ok {
		return s.errorf(op, fmt.Errorf("%w: %q", ErrConsumerNotFound, name))
	}
	for _, sub := range c.subs {
		sub.endLocked(s.errorf("subscribe to shard", fmt.Errorf("%w: %q was deregistered", ErrConsumerNotFound, name)))
	}
	delete(s.consumers, name)
	return nil
}

// ListConsumers describes the registered consumers, by name. It does not
// block, and returns ErrClosed after Close.
func (s *Stream) ListConsumers(ctx context.Context) ([]ConsumerDescription, error) {
	if _, err := s.lockOpen(ctx, "list consumers"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := make([]ConsumerDescription, 0, len(s.consumers))
	for _, c := range s.consumers {
		out = append(out, c.desc)
	}
	slices.SortFunc(out, func(a, b ConsumerDescription) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}

// StartingPosition says where a subscription starts, as for
// GetShardIterator.
type StartingPosition struct {
	Type           IteratorType
	SequenceNumber string    // for AtSequenceNumber and AfterSequenceNumber
	Timestamp      time.Time // for AtTimestamp
}

// SubscribeToShardInput names the consumer, the shard and where to start.
type SubscribeToShardInput struct {
	ConsumerName     string
	ShardID          string
	StartingPosition StartingPosition
}

// SubscribeToShardEvent is one push of a subscription.
type SubscribeToShardEvent struct {
	// Records are the caller's slice; each record's Data is shared and must
	// not be modified.
	Records []Record
	// ContinuationSequenceNumber is the last record delivered so far: to
	// go on after the subscription ends, subscribe again with
	// AfterSequenceNumber and it. It is zero at the end of a closed shard
	// from which nothing was delivered.
	ContinuationSequenceNumber SequenceNumber
	// MillisBehindLatest is as in GetRecordsOutput.
	MillisBehindLatest int64
	// ChildShards is set in the last event of a closed shard read to its
	// end; the subscription then ends.
	ChildShards []ChildShard
}

// Subscription pushes a shard's records to a consumer. Read its events from
// Events until the channel is closed, then Err says why it ended.
type Subscription struct {
	events chan SubscribeToShardEvent
	done   chan struct{} // closed by endLocked
	timer  *clock.Timer  // the 5-minute lifetime; guarded by the stream's mutex

	// guarded by the stream's mutex
	ended   bool
	err     error
	pos     position
	cont    SequenceNumber
	budget  *byteBudget // the consumer's 2 MiB/s on the shard, shared with its predecessors
	limited bool
}

// Events returns the channel of the subscription's events. The stream owns
// it, sends on it from the subscription's goroutine and closes it when the
// subscription ends. A subscription waits for its reader: reading slowly
// slows it, and records are not lost.
func (sub *Subscription) Events() <-chan SubscribeToShardEvent { return sub.events }

// Err returns why the subscription ended, once Events is closed: nil when
// its 5 minutes ran out or the shard was read to its end; ErrClosed when the
// stream closed; ctx.Err() when the context given to SubscribeToShard was
// done; or errors wrapping ErrSubscriptionReplaced, ErrConsumerNotFound or
// ErrShardNotFound (the shard expired). Before then it returns nil.
func (sub *Subscription) Err() error {
	select {
	case <-sub.done:
		return sub.err // set before done was closed
	default:
		return nil
	}
}

// endLocked ends the subscription, once; the first reason wins.
func (sub *Subscription) endLocked(err error) {
	if sub.ended {
		return
	}
	sub.ended, sub.err = true, err
	sub.timer.Stop()
	close(sub.done)
}

// SubscribeToShard starts pushing the records of a shard, from a starting
// position, to a registered consumer, at up to 2 MiB/s (the consumer's
// own, not the shard's read quota), until the subscription has run 5
// minutes on the stream's clock, the shard is read to its end, the
// consumer subscribes to the shard again, ctx is done or the stream closes.
// Each subscription runs one goroutine, which Close waits for.
//
// It does not block. A second subscription of the same consumer to the
// same shard less than 5 seconds after the first fails with
// ErrResourceInUse; later, it takes over (the first ends with
// ErrSubscriptionReplaced). Other errors wrap ErrConsumerNotFound,
// ErrShardNotFound, ErrInvalidArgument, ErrInvalidSequenceNumber, or are
// ErrClosed.
func (s *Stream) SubscribeToShard(ctx context.Context, in SubscribeToShardInput) (*Subscription, error) {
	const op = "subscribe to shard"
	sp := in.StartingPosition
	seq, err := checkStart(sp.Type, sp.SequenceNumber, sp.Timestamp)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	now, err := s.lockOpen(ctx, op)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	c, ok := s.consumers[in.ConsumerName]
	if !ok {
		return nil, s.errorf(op, fmt.Errorf("%w: %q", ErrConsumerNotFound, in.ConsumerName))
	}
	sh, err := s.shardLocked(in.ShardID, now)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	p, err := s.startLocked(sh, sp.Type, seq, sp.Timestamp)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	for idx, t := range c.last { // forget what no longer matters
		if !now.Before(t.Add(resubscribeAfter)) && c.subs[idx] == nil {
			delete(c.last, idx)
		}
	}
	for idx, b := range c.budgets {
		if c.subs[idx] == nil && b.full(now) {
			delete(c.budgets, idx)
		}
	}
	if last, ok := c.last[sh.idx]; ok && now.Before(last.Add(resubscribeAfter)) {
		return nil, s.errorf(op, fmt.Errorf("%w: %q subscribed to %s less than 5 s ago", ErrResourceInUse, in.ConsumerName, sh.id))
	}
	if old := c.subs[sh.idx]; old != nil {
		old.endLocked(s.errorf(op, ErrSubscriptionReplaced))
	}
	sub := &Subscription{
		events:  make(chan SubscribeToShardEvent),
		done:    make(chan struct{}),
		pos:     p,
		limited: s.cfg.Limits == Enforced,
		budget:  c.budgets[sh.idx],
	}
	if sub.budget == nil {
		sub.budget = &byteBudget{perSecond: FanOutBytesPerSecond}
		c.budgets[sh.idx] = sub.budget
	}
	sub.timer = s.clk.AfterFunc(SubscriptionLifetime, func() {
		s.mu.Lock()
		sub.endLocked(nil)
		s.mu.Unlock()
	})
	c.subs[sh.idx] = sub
	c.last[sh.idx] = now
	s.subs.Add(1)
	go s.push(ctx, sub, c, sh.idx)
	return sub, nil
}

// step is what a subscription's goroutine does next.
type step struct {
	ev    SubscribeToShardEvent
	send  bool            // send ev
	last  bool            // ev is the shard's last: end after sending it
	wait  <-chan struct{} // wait for the shard to change
	pause time.Duration   // wait for the rate
}

// push is a subscription's goroutine: it sends events while there are
// records and the rate allows, and otherwise waits for the shard to change,
// for the rate, or for the end.
func (s *Stream) push(ctx context.Context, sub *Subscription, c *consumer, idx uint32) {
	defer s.subs.Done()
	defer close(sub.events)
	defer func() {
		s.mu.Lock()
		if c.subs[idx] == sub {
			delete(c.subs, idx)
		}
		s.mu.Unlock()
	}()
	for {
		st, ok := s.next(sub, idx)
		if !ok {
			return
		}
		var wake <-chan time.Time
		var events chan<- SubscribeToShardEvent
		var t *clock.Timer
		switch {
		case st.send:
			events = sub.events
		case st.wait != nil:
		default:
			t = s.clk.Timer(st.pause)
			wake = t.C
		}
		ok = s.await(ctx, sub, st, events, wake)
		if t != nil {
			t.Stop()
		}
		if !ok {
			return
		}
	}
}

// await sends the step's event or waits as it says; false means the
// subscription has ended.
func (s *Stream) await(ctx context.Context, sub *Subscription, st step, events chan<- SubscribeToShardEvent, wake <-chan time.Time) bool {
	select {
	case events <- st.ev:
		if st.last {
			s.end(sub, nil)
			return false
		}
	case <-st.wait:
	case <-wake:
	case <-sub.done:
		return false
	case <-ctx.Done():
		s.end(sub, ctx.Err())
		return false
	}
	return true
}

func (s *Stream) end(sub *Subscription, err error) {
	s.mu.Lock()
	sub.endLocked(err)
	s.mu.Unlock()
}

// next decides the subscription's next step; false means it has ended.
func (s *Stream) next(sub *Subscription, idx uint32) (step, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub.ended {
		return step{}, false
	}
	now := s.clk.Now()
	sh := s.liveShardLocked(idx, now)
	if sh == nil {
		sub.endLocked(s.errorf("subscribe to shard", fmt.Errorf("%w: %s expired", ErrShardNotFound, shardID(idx))))
		return step{}, false
	}
	if sub.limited {
		if d := sub.budget.wait(now); d > 0 {
			return step{pause: d}, true
		}
	}
	i, j, next, size := sh.read1(sub.pos, MaxGetRecords, MaxEventSize)
	last := sh.atEnd(next)
	if i == j && !last {
		return step{wait: sh.waitLocked()}, true
	}
	if j > i {
		sub.cont = sh.recs.at(j - 1).SequenceNumber
	}
	st := step{send: true, last: last}
	st.ev.Records = sh.recs.appendTo(make([]Record, 0, j-i), i, j)
	st.ev.ContinuationSequenceNumber = sub.cont
	st.ev.MillisBehindLatest = sh.behind(next, now)
	if last {
		st.ev.ChildShards = sh.childShards()
	}
	sub.pos = next
	if sub.limited {
		sub.budget.charge(now, size)
	}
	return st, true
}
