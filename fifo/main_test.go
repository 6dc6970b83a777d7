package fifo_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stratus-go/stratus/fifo"
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
// Clock gets a mock one and one without a Name is "test.fifo".
func newQueue(t *testing.T, cfg fifo.Config) *fifo.Queue {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = clock.NewMock()
	}
	if cfg.Name == "" {
		cfg.Name = "test.fifo"
	}
	q, err := fifo.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	return q
}

// in is a message of group g with deduplication ID dedup.
func in(body, g, dedup string) fifo.SendInput {
	return fifo.SendInput{Body: body, GroupID: g, DeduplicationID: dedup}
}

// send sends body to group g, with the body as deduplication ID.
func send(t *testing.T, q *fifo.Queue, g, body string) fifo.SendResult {
	t.Helper()
	res, err := q.Send(ctx, in(body, g, body))
	require.NoError(t, err)
	return res
}

func receive(t *testing.T, q *fifo.Queue, opts fifo.ReceiveOptions) []fifo.Message {
	t.Helper()
	msgs, err := q.Receive(ctx, opts)
	require.NoError(t, err)
	return msgs
}

func receiveN(t *testing.T, q *fifo.Queue, n int) []fifo.Message {
	t.Helper()
	return receive(t, q, fifo.ReceiveOptions{MaxMessages: n})
}

func bodies(msgs []fifo.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Body
	}
	return out
}

func stats(t *testing.T, q *fifo.Queue) fifo.Stats {
	t.Helper()
	s, err := q.Stats()
	require.NoError(t, err)
	return s
}

func dur(d time.Duration) *time.Duration { return &d }
