package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// Handler processes one batch of messages, as a function behind an SQS event
// source mapping does. Returning nil reports that every message succeeded:
// the consumer deletes them all. Any other error fails the batch: nothing is
// deleted, and the messages come back when their visibility timeout ends,
// until Redrive moves them to the dead-letter queue. With
// ConsumerConfig.ReportBatchItemFailures, a *BatchItemFailures error fails
// only the messages it lists. A panic fails the batch like an error.
type Handler func(ctx context.Context, msgs []Message) error

// BatchItemFailures is the partial-batch response (ReportBatchItemFailures):
// a Handler returns it to say that only the messages with these IDs failed.
// The others are deleted. An empty list means the whole batch succeeded;
// an ID that is not in the batch fails the whole batch, as with Lambda.
type BatchItemFailures struct {
	MessageIDs []string
}

func (f *BatchItemFailures) Error() string {
	return fmt.Sprintf("%d messages of the batch failed", len(f.MessageIDs))
}

// Limits and defaults of a consumer, as an SQS event source mapping has them.
const (
	DefaultConsumerBatchSize = 10
	MaxConsumerBatchSize     = 10_000
	MaxBatchWindow           = 5 * time.Minute
	DefaultMaxConcurrency    = 5
	MaxMaxConcurrency        = 1000
	MaxBatchBytes            = 6 << 20 // Lambda's 6 MB payload limit
)

// Errors of the consumer.
var (
	// ErrHandlerPanic is reported (see ConsumerConfig.OnError) when a
	// Handler panics; the batch counts as failed.
	ErrHandlerPanic = errors.New("queue: handler panicked")

	// ErrInvalidBatchItemFailures is reported when a Handler's
	// BatchItemFailures names a message that is not in its batch; the whole
	// batch counts as failed.
	ErrInvalidBatchItemFailures = errors.New("queue: batch item failures name a message not in the batch")
)

// ConsumerConfig describes a consumer. Its zero value is an event source
// mapping with no options: batches of up to 10, no batching window, five
// batches at once.
type ConsumerConfig struct {
	// BatchSize is the most messages a batch holds: 1–10,000, 0 means 10.
	// Above 10 it needs a BatchWindow of at least 1 s.
	BatchSize int

	// BatchWindow is how long the consumer keeps receiving to fill a batch,
	// counted from its first message: 0–5 min, default 0 (a batch is what
	// one receive returns). A batch also closes at MaxBatchBytes of bodies.
	// Without a Heartbeat it must be shorter than the visibility timeout,
	// or the first messages would come back before the batch is handled.
	BatchWindow time.Duration

	// MaxConcurrency is how many batches run at once: 1–1,000, 0 means 5.
	// SetMaxConcurrency changes it while the consumer runs.
	MaxConcurrency int

	// VisibilityTimeout is the visibility timeout of the consumer's
	// receives: 1 s–12 h; 0 means the queue's.
	VisibilityTimeout time.Duration

	// Heartbeat, when set, is how often the consumer extends the visibility
	// of the messages it holds (gathering or running) to the visibility
	// timeout again, so a long handler's messages are not received by
	// another consumer meanwhile; at most 12 h from each receive, as SQS
	// allows. It must be shorter than the visibility timeout. 0 means off.
	Heartbeat time.Duration

	// ReportBatchItemFailures lets a Handler fail part of a batch by
	// returning a *BatchItemFailures. Without it any error fails the batch.
	ReportBatchItemFailures bool

	// OnError, if set, receives what the consumer cannot return: handler
	// errors and panics (ErrHandlerPanic), messages whose large payload
	// could not be fetched (Message.Err: they fail without reaching the
	// handler), failed deletes and heartbeats. It is called from the
	// consumer's goroutines, must not block long, and must not call Close.
	// Without it those go to Logger, if set, else nowhere.
	OnError func(error)

	// Logger receives the errors when OnError is nil.
	Logger *slog.Logger
}

func (c ConsumerConfig) resolve(q *Queue) (ConsumerConfig, error) {
	switch n := c.BatchSize; {
	case n == 0:
		c.BatchSize = DefaultConsumerBatchSize
	case n < 1 || n > MaxConsumerBatchSize:
		return c, invalid("BatchSize", n, "1–10000")
	}
	if c.BatchWindow < 0 || c.BatchWindow > MaxBatchWindow {
		return c, invalid("BatchWindow", c.BatchWindow, "0s–5m")
	}
	if c.BatchSize > MaxMessagesPerReceive && c.BatchWindow < time.Second {
		return c, invalid("BatchWindow", c.BatchWindow, "at least 1s with a BatchSize over 10")
	}
	switch n := c.MaxConcurrency; {
	case n == 0:
		c.MaxConcurrency = DefaultMaxConcurrency
	case n < 1 || n > MaxMaxConcurrency:
		return c, invalid("MaxConcurrency", n, "1–1000")
	}
	if v := c.VisibilityTimeout; v != 0 && (v < time.Second || v > MaxVisibilityTimeout) {
		return c, invalid("VisibilityTimeout", v, "1s–12h (or 0 for the queue's)")
	}
	vis := c.VisibilityTimeout
	if vis == 0 {
		vis = q.cfg.VisibilityTimeout
	}
	if c.Heartbeat < 0 || c.Heartbeat > 0 && c.Heartbeat >= vis {
		return c, invalid("Heartbeat", c.Heartbeat, fmt.Sprintf("0 (off) or under the visibility timeout, %v", vis))
	}
	if c.Heartbeat == 0 && c.BatchWindow > 0 && c.BatchWindow >= vis {
		return c, invalid("BatchWindow", c.BatchWindow, fmt.Sprintf("under the visibility timeout, %v, or a Heartbeat", vis))
	}
	c.VisibilityTimeout = vis
	return c, nil
}

// Consumer runs a Handler over batches received from a queue, the way an
// SQS event source mapping runs a function: see NewConsumer.
type Consumer struct {
	q    *Queue
	h    Handler
	cfg  ConsumerConfig // resolved; VisibilityTimeout is the effective one
	clk  clock.Clock
	hctx context.Context // handlers' context: never cancelled by stopping

	poll     context.Context // cancelled to stop receiving
	stopPoll context.CancelFunc
	slots    limiter
	batches  sync.WaitGroup // running batches
	polled   chan struct{}  // closed when the poller returns
	beat     chan struct{}  // closed to stop the heartbeat
	beaten   chan struct{}  // closed when the heartbeat returns
	stopOnce sync.Once
	beatMu   sync.Mutex // held by a heartbeat while it extends visibility

	mu        sync.Mutex
	held      map[string]struct{} // receipt handles of the messages held
	err       error               // why the poller stopped, if not Close
	running   int
	succeeded int
	failed    int
}

// NewConsumer starts a consumer of q: it long polls q, gathers batches (see
// ConsumerConfig), runs h on up to MaxConcurrency batches at once, and
// deletes the messages of each batch that succeeded. Handlers get a context
// that stopping does not cancel. Close stops it. It returns ErrInvalidConfig
// for a nil queue or handler or a field out of range, and ErrClosed for a
// closed queue; then nothing starts.
//
// A Consumer holds one goroutine to receive, one per running batch and, with
// a Heartbeat, one to extend visibility; none per message. Every wait is on
// the queue's clock.
func NewConsumer(q *Queue, h Handler, cfg ConsumerConfig) (*Consumer, error) {
	return newConsumer(context.Background(), q, h, cfg)
}

// Consume runs a consumer of q (see NewConsumer) until ctx is done or q is
// closed, then stops it as Close does. It returns nil after ctx is done,
// ErrClosed (wrapped) when the queue was closed, and the errors of
// NewConsumer. Handlers get ctx's values but not its cancellation.
func Consume(ctx context.Context, q *Queue, h Handler, cfg ConsumerConfig) error {
	c, err := newConsumer(ctx, q, h, cfg)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-c.polled:
	}
	c.Close()
	return c.Err()
}

func newConsumer(ctx context.Context, q *Queue, h Handler, cfg ConsumerConfig) (*Consumer, error) {
	if q == nil || h == nil {
		return nil, fmt.Errorf("queue: new consumer: %w: nil queue or handler", ErrInvalidConfig)
	}
	r, err := cfg.resolve(q)
	if err != nil {
		return nil, q.errorf("new consumer", err)
	}
	if q.eng.Closed() {
		return nil, q.errorf("new consumer", ErrClosed)
	}
	c := &Consumer{
		q: q, h: h, cfg: r, clk: q.cfg.Clock, hctx: context.WithoutCancel(ctx),
		polled: make(chan struct{}), beat: make(chan struct{}), beaten: make(chan struct{}),
		held: map[string]struct{}{},
	}
	c.slots.setMax(r.MaxConcurrency)
	c.poll, c.stopPoll = context.WithCancel(context.Background())
	go c.receiveLoop()
	if r.Heartbeat > 0 {
		go c.heartbeat()
	} else {
		close(c.beaten)
	}
	return c, nil
}

// Close stops the consumer: it stops receiving, returns the messages it was
// gathering into a batch (visible again at once), waits for the running
// handlers and deletes what they finished. Messages of failed batches come
// back after their visibility timeout. No goroutine is left. Close is
// idempotent and returns nil. It must not be called from a Handler or from
// OnError: it waits for them.
func (c *Consumer) Close() error {
	c.stopOnce.Do(func() {
		c.stopPoll()
		<-c.polled
		c.batches.Wait()
		close(c.beat)
		<-c.beaten
	})
	return nil
}

// Err reports why the consumer stopped receiving on its own: its queue was
// closed (ErrClosed, wrapped); it stays so after Close. It is nil while the
// consumer runs, and after a Close that found it running.
func (c *Consumer) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// SetMaxConcurrency changes how many batches may run at once (1–1,000).
// Lowering it lets running batches finish; no new one starts until fewer
// than n run.
func (c *Consumer) SetMaxConcurrency(n int) error {
	if n < 1 || n > MaxMaxConcurrency {
		return c.q.errorf("consumer", fmt.Errorf("%w: MaxConcurrency = %d, want 1–1000", ErrInvalidParameter, n))
	}
	c.slots.setMax(n)
	return nil
}

// ConsumerStats counts what a consumer did.
type ConsumerStats struct {
	Running   int // batches running now
	Succeeded int // messages whose handler succeeded (deleted)
	Failed    int // messages whose handler failed
}

// Stats returns the consumer's counts.
func (c *Consumer) Stats() ConsumerStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ConsumerStats{Running: c.running, Succeeded: c.succeeded, Failed: c.failed}
}

func (c *Consumer) report(err error) {
	switch {
	case c.cfg.OnError != nil:
		c.cfg.OnError(err)
	case c.cfg.Logger != nil:
		c.cfg.Logger.Warn("queue consumer", "queue", c.q.cfg.Name, "err", err)
	}
}

// hold records the receipt handles of msgs for the heartbeat (only with
// one: without, nothing needs them).
func (c *Consumer) hold(msgs []Message) {
	if c.cfg.Heartbeat == 0 || len(msgs) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range msgs {
		c.held[m.ReceiptHandle] = struct{}{}
	}
}

func (c *Consumer) unhold(msgs []Message) {
	if c.cfg.Heartbeat == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range msgs {
		delete(c.held, m.ReceiptHandle)
	}
}

// release stops holding the message of receipt handle h and reports
// whether it was held: a heartbeat that failed for a message the consumer
// has let go of meanwhile (deleted, given back) is not an error.
func (c *Consumer) release(h string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.held[h]
	delete(c.held, h)
	return ok
}

// handles returns the receipt handles held now.
func (c *Consumer) handles() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	hs := make([]string, 0, len(c.held))
	for h := range c.held {
		hs = append(hs, h)
	}
	slices.Sort(hs)
	return hs
}
