package pubsub_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stratus-go/stratus/fifo"
	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/queue"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var ctx = context.Background()

// testKey is one signing key shared by every test topic: making a key
// takes 100 ms or more.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// mocked runs f in a synctest bubble with a mock clock: synctest.Wait
// tells when the topic's workers and timer have settled.
func mocked(t *testing.T, f func(t *testing.T, clk *clock.Mock)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) { f(t, clock.NewMock()) })
}

// advance moves the clock and lets everything it woke run to a stop.
func advance(clk *clock.Mock, d time.Duration) {
	clk.Add(d)
	synctest.Wait()
}

// newTopic makes a topic closed at the end of the test, with the shared
// key and, without a Clock, a mock one.
func newTopic(t *testing.T, cfg pubsub.TopicConfig) *pubsub.Topic {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = clock.NewMock()
	}
	if cfg.SigningKey == nil {
		cfg.SigningKey = testKey()
	}
	if cfg.Workers == 0 {
		cfg.Workers = 4
	}
	tp, err := pubsub.NewTopic(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { tp.Close() })
	return tp
}

func subscribe(t *testing.T, tp *pubsub.Topic, e pubsub.Endpoint, cfg pubsub.SubscriptionConfig) *pubsub.Subscription {
	t.Helper()
	s, err := tp.Subscribe(ctx, e, cfg)
	require.NoError(t, err)
	return s
}

func publish(t *testing.T, tp *pubsub.Topic, in pubsub.PublishInput) pubsub.PublishResult {
	t.Helper()
	r, err := tp.Publish(ctx, in)
	require.NoError(t, err)
	return r
}

func flush(t *testing.T, tp *pubsub.Topic) {
	t.Helper()
	require.NoError(t, tp.Flush(ctx))
}

func newQueue(t *testing.T, name string) *queue.Queue {
	t.Helper()
	q, err := queue.New(queue.Config{Name: name, Clock: clock.NewMock()})
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	return q
}

func newFIFOQueue(t *testing.T, name string) *fifo.Queue {
	t.Helper()
	q, err := fifo.New(fifo.Config{Name: name, Clock: clock.NewMock()})
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	return q
}

// drain receives and deletes every message of a queue, in order.
func drain(t *testing.T, q *queue.Queue) []queue.Message {
	t.Helper()
	var all []queue.Message
	for {
		msgs, err := q.Receive(ctx, queue.ReceiveOptions{MaxMessages: 10})
		require.NoError(t, err)
		if len(msgs) == 0 {
			return all
		}
		for _, m := range msgs {
			require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
		}
		all = append(all, msgs...)
	}
}

func decode(t *testing.T, body string) pubsub.Notification {
	t.Helper()
	var n pubsub.Notification
	require.NoError(t, json.Unmarshal([]byte(body), &n))
	return n
}

// sink is a fake queue endpoint: it records every Send call with the
// clock's time, and fails the calls fail says to.
type sink struct {
	clk  clock.Clock
	fail func(call int, in queue.SendInput) error

	mu       sync.Mutex
	calls    []time.Time
	got      []queue.SendInput
	gotTimes []time.Time
}

func (s *sink) Send(_ context.Context, in queue.SendInput) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var now time.Time
	if s.clk != nil {
		now = s.clk.Now()
	}
	n := len(s.calls)
	s.calls = append(s.calls, now)
	if s.fail != nil {
		if err := s.fail(n, in); err != nil {
			return "", err
		}
	}
	s.got = append(s.got, in)
	s.gotTimes = append(s.gotTimes, now)
	return "id", nil
}

func (s *sink) snapshot() (calls []time.Time, got []queue.SendInput) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.calls...), append([]queue.SendInput(nil), s.got...)
}

// fifoSink is a fake FIFO queue endpoint.
type fifoSink struct {
	fail func(call int, in fifo.SendInput) error

	mu    sync.Mutex
	calls int
	got   []fifo.SendInput
}

func (s *fifoSink) Send(_ context.Context, in fifo.SendInput) (fifo.SendResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.calls
	s.calls++
	if s.fail != nil {
		if err := s.fail(n, in); err != nil {
			return fifo.SendResult{}, err
		}
	}
	s.got = append(s.got, in)
	return fifo.SendResult{MessageID: "id"}, nil
}

func (s *fifoSink) snapshot() []fifo.SendInput {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]fifo.SendInput(nil), s.got...)
}

// mailbox is a fake Mailer.
type mailbox struct {
	fail func(call int) error

	mu    sync.Mutex
	calls int
	mails []pubsub.EmailMessage
}

func (m *mailbox) SendEmail(_ context.Context, e pubsub.EmailMessage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.calls
	m.calls++
	if m.fail != nil {
		if err := m.fail(n); err != nil {
			return err
		}
	}
	m.mails = append(m.mails, e)
	return nil
}

func (m *mailbox) got() []pubsub.EmailMessage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]pubsub.EmailMessage(nil), m.mails...)
}

// phone is a fake SMSSender and PushSender.
type phone struct {
	mu   sync.Mutex
	sent []string
}

func (p *phone) SendSMS(_ context.Context, number, text string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, number+": "+text)
	return nil
}

func (p *phone) SendPush(_ context.Context, arn, text string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, arn+": "+text)
	return nil
}

func (p *phone) texts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent...)
}
