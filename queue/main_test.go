package queue_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stratus-go/stratus/queue"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var ctx = context.Background()

// mocked runs f in a synctest bubble with a mock clock. In the bubble the
// mock's own real-time pauses cost nothing, and synctest.Wait tells when the
// queue's timer and any blocked receive have settled.
func mocked(t *testing.T, f func(t *testing.T, clk *clock.Mock)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) { f(t, clock.NewMock()) })
}

// advance moves the clock and lets everything it woke run to a stop.
func advance(clk *clock.Mock, d time.Duration) {
	clk.Add(d)
	synctest.Wait()
}

// newQueue makes a queue closed at the end of the test. A Config without a
// Clock gets a mock one, so no test depends on real time.
func newQueue(t *testing.T, cfg queue.Config) *queue.Queue {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = clock.NewMock()
	}
	q, err := queue.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	return q
}

func send(t *testing.T, q *queue.Queue, body string) string {
	t.Helper()
	id, err := q.Send(ctx, queue.SendInput{Body: body})
	require.NoError(t, err)
	return id
}

func receive(t *testing.T, q *queue.Queue, opts queue.ReceiveOptions) []queue.Message {
	t.Helper()
	msgs, err := q.Receive(ctx, opts)
	require.NoError(t, err)
	return msgs
}

func receiveOne(t *testing.T, q *queue.Queue) queue.Message {
	t.Helper()
	msgs := receive(t, q, queue.ReceiveOptions{})
	require.Len(t, msgs, 1)
	return msgs[0]
}

func stats(t *testing.T, q *queue.Queue) queue.Stats {
	t.Helper()
	s, err := q.Stats()
	require.NoError(t, err)
	return s
}

// receiveAsync starts a Receive in a goroutine and returns where its result
// arrives.
type result struct {
	msgs []queue.Message
	err  error
}

func receiveAsync(q *queue.Queue, c context.Context, opts queue.ReceiveOptions) <-chan result {
	out := make(chan result, 1)
	go func() {
		msgs, err := q.Receive(c, opts)
		out <- result{msgs, err}
	}()
	return out
}
