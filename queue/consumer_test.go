package queue_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/blob"
	"github.com/stratus-go/stratus/queue"
)

// recorder is a handler that records its batches and answers with fn.
type recorder struct {
	mu      sync.Mutex
	batches [][]string // bodies
	fn      func(msgs []queue.Message) error
}

func (r *recorder) handle(_ context.Context, msgs []queue.Message) error {
	bodies := make([]string, len(msgs))
	for i, m := range msgs {
		bodies[i] = m.Body
	}
	r.mu.Lock()
	r.batches = append(r.batches, bodies)
	fn := r.fn
	r.mu.Unlock()
	if fn != nil {
		return fn(msgs)
	}
	return nil
}

func (r *recorder) got() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]string(nil), r.batches...)
}

// errs collects what a consumer reports.
type errs struct {
	mu  sync.Mutex
	all []error
}

func (e *errs) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, err)
}

func (e *errs) list() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.all...)
}

func newConsumer(t *testing.T, q *queue.Queue, h queue.Handler, cfg queue.ConsumerConfig) *queue.Consumer {
	t.Helper()
	c, err := queue.NewConsumer(q, h, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func sendBodies(t *testing.T, q *queue.Queue, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		send(t, q, b)
	}
}

func TestConsumerDeletesBatchesThatSucceed(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		for i := range 25 {
			send(t, q, fmt.Sprint(i))
		}
		rec := &recorder{}
		c := newConsumer(t, q, rec.handle, queue.ConsumerConfig{})
		synctest.Wait()
		var n int
		for _, b := range rec.got() {
			require.LessOrEqual(t, len(b), 10)
			n += len(b)
		}
		require.Equal(t, 25, n)
		require.Equal(t, queue.Stats{WaitingReceives: 1}, stats(t, q), "all deleted; the consumer long polls")
		require.Equal(t, queue.ConsumerStats{Succeeded: 25}, c.Stats())
	})
}

// A failed batch is not deleted: it comes back after the visibility
// timeout, and after MaxReceiveCount receives it is in the dead-letter queue.
func TestConsumerFailedBatchComesBackThenDeadLetters(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		q := newQueue(t, queue.Config{Clock: clk, Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 2}})
		send(t, q, "poison")
		boom := errors.New("boom")
		rec := &recorder{fn: func([]queue.Message) error { return boom }}
		var reported errs
		c := newConsumer(t, q, rec.handle, queue.ConsumerConfig{OnError: reported.add})
		synctest.Wait()
		require.Len(t, rec.got(), 1)
		require.Equal(t, 1, stats(t, q).InFlight)
		advance(clk, 30*time.Second-time.Millisecond)
		require.Len(t, rec.got(), 1, "not before the visibility timeout")
		advance(clk, time.Millisecond)
		require.Len(t, rec.got(), 2)
		advance(clk, 30*time.Second)
		require.Len(t, rec.got(), 2, "the third receive moved it")
		require.Equal(t, 1, stats(t, dlq).Visible)
		require.Equal(t, queue.ConsumerStats{Failed: 2}, c.Stats())
		require.Len(t, reported.list(), 2)
		for _, err := range reported.list() {
			require.ErrorIs(t, err, boom)
		}
	})
}

func TestConsumerPartialBatchFailures(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		sendBodies(t, q, "ok1", "bad", "ok2")
		failBad := func(msgs []queue.Message) error {
			var f queue.BatchItemFailures
			for _, m := range msgs {
				if m.Body == "bad" {
					f.MessageIDs = append(f.MessageIDs, m.ID)
				}
			}
			return &f
		}
		rec := &recorder{fn: failBad}
		c := newConsumer(t, q, rec.handle, queue.ConsumerConfig{ReportBatchItemFailures: true})
		synctest.Wait()
		require.Equal(t, [][]string{{"ok1", "bad", "ok2"}}, rec.got())
		require.Equal(t, 1, stats(t, q).InFlight, "only the failed message stays")
		require.Equal(t, queue.ConsumerStats{Succeeded: 2, Failed: 1}, c.Stats())
		advance(clk, 30*time.Second)
		require.Equal(t, []string{"bad"}, rec.got()[1])
	})
}

func TestConsumerBatchItemFailuresEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		report  bool
		ids     func(msgs []queue.Message) []string
		deleted int
		err     error
	}{
		{"empty list is success", true, func([]queue.Message) []string { return nil }, 2, nil},
		{"unknown ID fails the batch", true, func([]queue.Message) []string { return []string{"nope"} }, 0, queue.ErrInvalidBatchItemFailures},
		{"without ReportBatchItemFailures it fails the batch", false, func(m []queue.Message) []string { return []string{m[0].ID} }, 0, &queue.BatchItemFailures{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mocked(t, func(t *testing.T, clk *clock.Mock) {
				q := newQueue(t, queue.Config{Clock: clk})
				sendBodies(t, q, "a", "b")
				rec := &recorder{fn: func(msgs []queue.Message) error { return &queue.BatchItemFailures{MessageIDs: tt.ids(msgs)} }}
				var reported errs
				c := newConsumer(t, q, rec.handle, queue.ConsumerConfig{ReportBatchItemFailures: tt.report, OnError: reported.add})
				synctest.Wait()
				require.Equal(t, tt.deleted, c.Stats().Succeeded)
				require.Equal(t, 2-tt.deleted, stats(t, q).InFlight)
				if tt.err == nil {
					require.Empty(t, reported.list())
					return
				}
				require.Len(t, reported.list(), 1)
				if target, ok := tt.err.(*queue.BatchItemFailures); ok {
					require.ErrorAs(t, reported.list()[0], &target)
				} else {
					require.ErrorIs(t, reported.list()[0], tt.err)
				}
			})
		})
	}
}

func TestConsumerSurvivesPanickingHandler(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		send(t, q, "explode")
		rec := &recorder{fn: func(msgs []queue.Message) error {
			if msgs[0].Body == "explode" {
				panic("kaboom")
			}
			return nil
		}}
		var reported errs
		c := newConsumer(t, q, rec.handle, queue.ConsumerConfig{OnError: reported.add})
		synctest.Wait()
		require.Len(t, reported.list(), 1)
		require.ErrorIs(t, reported.list()[0], queue.ErrHandlerPanic)
		require.Contains(t, reported.list()[0].Error(), "kaboom")
		require.Equal(t, 1, stats(t, q).InFlight, "a panic fails the batch")

		send(t, q, "fine")
		synctest.Wait()
		require.Equal(t, queue.ConsumerStats{Succeeded: 1, Failed: 1}, c.Stats(), "the consumer keeps running")
	})
}

// With a window the consumer keeps receiving until the batch is full or the
// window, counted from its first message, has passed.
func TestConsumerBatchWindow(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		rec := &recorder{}
		newConsumer(t, q, rec.handle, queue.ConsumerConfig{BatchSize: 100, BatchWindow: 10 * time.Second})
		for i := range 35 {
			send(t, q, fmt.Sprint(i))
		}
		synctest.Wait()
		advance(clk, 5*time.Second)
		send(t, q, "late")
		advance(clk, 5*time.Second-time.Millisecond)
		require.Empty(t, rec.got(), "the window is still open")
		advance(clk, time.Millisecond)
		require.Len(t, rec.got(), 1)
		require.Len(t, rec.got()[0], 36)
	})
}

func TestConsumerBatchWindowEndsWhenBatchIsFull(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		rec := &recorder{}
		newConsumer(t, q, rec.handle, queue.ConsumerConfig{BatchSize: 25, BatchWindow: time.Minute, VisibilityTimeout: 2 * time.Minute})
		for i := range 30 {
			send(t, q, fmt.Sprint(i))
		}
		synctest.Wait()
		require.Len(t, rec.got(), 1, "a full batch does not wait for the window")
		require.Len(t, rec.got()[0], 25)
	})
}

// A heartbeat keeps a long handler's messages hidden past the visibility
// timeout; without it they come back while the handler still runs.
func TestConsumerHeartbeatExtendsVisibility(t *testing.T) {
	for _, beat := range []time.Duration{0, 10 * time.Second} {
		t.Run(fmt.Sprint("heartbeat ", beat), func(t *testing.T) {
			mocked(t, func(t *testing.T, clk *clock.Mock) {
				q := newQueue(t, queue.Config{Clock: clk})
				send(t, q, "slow")
				release := make(chan struct{})
				rec := &recorder{fn: func([]queue.Message) error { <-release; return nil }}
				c := newConsumer(t, q, rec.handle, queue.ConsumerConfig{Heartbeat: beat, MaxConcurrency: 1})
				synctest.Wait()
				for range 9 {
					advance(clk, 10*time.Second)
				}
				if beat == 0 {
					require.Equal(t, 1, stats(t, q).Visible, "back after 30 s")
					close(release)
					synctest.Wait()
					return
				}
				require.Equal(t, 1, stats(t, q).InFlight, "still hidden after 90 s")
				close(release)
				synctest.Wait()
				require.Equal(t, queue.Stats{WaitingReceives: 1}, stats(t, q))
				require.Equal(t, 1, c.Stats().Succeeded)
			})
		})
	}
}

// Close stops receiving, waits for running handlers, deletes what they
// finished and gives back what it was gathering.
func TestConsumerCloseWaitsAndLosesNothing(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		sendBodies(t, q, "a", "b", "c")
		release := make(chan struct{})
		rec := &recorder{fn: func([]queue.Message) error { <-release; return nil }}
		c, err := queue.NewConsumer(q, rec.handle, queue.ConsumerConfig{BatchSize: 1, MaxConcurrency: 2})
		require.NoError(t, err)
		synctest.Wait()
		require.Equal(t, 2, c.Stats().Running)

		closed := make(chan struct{})
		go func() { c.Close(); close(closed) }()
		synctest.Wait()
		select {
		case <-closed:
			t.Fatal("Close returned while handlers ran")
		default:
		}
		close(release)
		<-closed
		require.Equal(t, queue.ConsumerStats{Succeeded: 2}, c.Stats())
		require.Equal(t, 1, stats(t, q).Visible, "the third was never received")
		require.NoError(t, c.Close(), "idempotent")
	})
}

func TestConsumerCloseGivesBackAGatheringBatch(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		rec := &recorder{}
		c, err := queue.NewConsumer(q, rec.handle, queue.ConsumerConfig{BatchSize: 100, BatchWindow: time.Minute, VisibilityTimeout: 2 * time.Minute})
		require.NoError(t, err)
		sendBodies(t, q, "a", "b")
		synctest.Wait()
		require.Equal(t, 2, stats(t, q).InFlight)
		require.NoError(t, c.Close())
		require.Empty(t, rec.got())
		require.Equal(t, 2, stats(t, q).Visible, "visible again at once")
	})
}

func TestConsumerConcurrencyLimit(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		for i := range 20 {
			send(t, q, fmt.Sprint(i))
		}
		release := make(chan struct{})
		rec := &recorder{fn: func([]queue.Message) error { <-release; return nil }}
		c := newConsumer(t, q, rec.handle, queue.ConsumerConfig{BatchSize: 1, MaxConcurrency: 3})
		synctest.Wait()
		require.Equal(t, 3, c.Stats().Running)
		require.NoError(t, c.SetMaxConcurrency(5))
		synctest.Wait()
		require.Equal(t, 5, c.Stats().Running)
		require.ErrorIs(t, c.SetMaxConcurrency(0), queue.ErrInvalidParameter)
		require.ErrorIs(t, c.SetMaxConcurrency(1001), queue.ErrInvalidParameter)
		require.NoError(t, c.SetMaxConcurrency(2))
		for range 3 { // five running: none starts until fewer than two run
			release <- struct{}{}
			synctest.Wait()
		}
		require.Equal(t, queue.ConsumerStats{Running: 2, Succeeded: 3}, c.Stats())
		release <- struct{}{}
		synctest.Wait()
		require.Equal(t, queue.ConsumerStats{Running: 2, Succeeded: 4}, c.Stats(), "one ended, one began")
		close(release)
		synctest.Wait()
		require.Equal(t, 20, c.Stats().Succeeded)
	})
}

func TestNewConsumerRejectsBadConfig(t *testing.T) {
	q := newQueue(t, queue.Config{})
	h := func(context.Context, []queue.Message) error { return nil }
	tests := []struct {
		name   string
		cfg    queue.ConsumerConfig
		naming string
	}{
		{"batch size negative", queue.ConsumerConfig{BatchSize: -1}, "BatchSize = -1, want 1–10000"},
		{"batch size over 10000", queue.ConsumerConfig{BatchSize: 10_001, BatchWindow: time.Second}, "BatchSize = 10001"},
		{"batch over 10 without window", queue.ConsumerConfig{BatchSize: 11}, "BatchWindow = 0s, want at least 1s"},
		{"window over 5m", queue.ConsumerConfig{BatchWindow: 5*time.Minute + 1}, "BatchWindow = 5m0.000000001s"},
		{"window negative", queue.ConsumerConfig{BatchWindow: -1}, "BatchWindow"},
		{"concurrency over 1000", queue.ConsumerConfig{MaxConcurrency: 1001}, "MaxConcurrency = 1001"},
		{"concurrency negative", queue.ConsumerConfig{MaxConcurrency: -1}, "MaxConcurrency = -1"},
		{"visibility under 1s", queue.ConsumerConfig{VisibilityTimeout: time.Millisecond}, "VisibilityTimeout = 1ms"},
		{"visibility over 12h", queue.ConsumerConfig{VisibilityTimeout: 13 * time.Hour}, "VisibilityTimeout = 13h0m0s"},
		{"heartbeat not under the visibility", queue.ConsumerConfig{Heartbeat: 30 * time.Second}, "Heartbeat = 30s"},
		{"heartbeat negative", queue.ConsumerConfig{Heartbeat: -1}, "Heartbeat"},
		{"window not under the visibility", queue.ConsumerConfig{BatchWindow: 30 * time.Second}, "BatchWindow = 30s, want under the visibility timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := queue.NewConsumer(q, h, tt.cfg)
			require.ErrorIs(t, err, queue.ErrInvalidConfig)
			require.Contains(t, err.Error(), tt.naming)
			require.Nil(t, c)
		})
	}
	_, err := queue.NewConsumer(q, nil, queue.ConsumerConfig{})
	require.ErrorIs(t, err, queue.ErrInvalidConfig)
	_, err = queue.NewConsumer(nil, h, queue.ConsumerConfig{})
	require.ErrorIs(t, err, queue.ErrInvalidConfig)

	send(t, q, "kept")
	closed := newQueue(t, queue.Config{})
	require.NoError(t, closed.Close())
	_, err = queue.NewConsumer(closed, h, queue.ConsumerConfig{})
	require.ErrorIs(t, err, queue.ErrClosed)
	require.Equal(t, 1, stats(t, q).Visible, "nothing received by a consumer that did not start")
}

func TestConsumeRunsUntilContextDoneOrQueueClosed(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		send(t, q, "a")
		rec := &recorder{}
		c, cancel := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- queue.Consume(c, q, rec.handle, queue.ConsumerConfig{}) }()
		synctest.Wait()
		require.Len(t, rec.got(), 1)
		cancel()
		require.NoError(t, <-done)

		go func() { done <- queue.Consume(ctx, q, rec.handle, queue.ConsumerConfig{}) }()
		synctest.Wait()
		require.NoError(t, q.Close())
		require.ErrorIs(t, <-done, queue.ErrClosed)
	})
}

// The window is counted from the batch's first message, not from when the
// consumer began to wait for one.
func TestConsumerBatchWindowStartsAtFirstMessage(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		rec := &recorder{}
		newConsumer(t, q, rec.handle, queue.ConsumerConfig{BatchSize: 100, BatchWindow: 10 * time.Second})
		synctest.Wait()
		advance(clk, 25*time.Second) // an idle consumer, past a window's length
		send(t, q, "first")
		synctest.Wait()
		advance(clk, 10*time.Second-time.Millisecond)
		require.Empty(t, rec.got())
		advance(clk, time.Millisecond)
		require.Equal(t, [][]string{{"first"}}, rec.got())
	})
}

// A window longer than the visibility timeout is allowed with a Heartbeat,
// which keeps the first messages hidden: each message is in the batch once,
// and a failure reported for it is not deleted.
func TestConsumerLongWindowWithHeartbeat(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		rec := &recorder{fn: func(msgs []queue.Message) error {
			return &queue.BatchItemFailures{MessageIDs: []string{msgs[0].ID}}
		}}
		c := newConsumer(t, q, rec.handle, queue.ConsumerConfig{
			BatchSize: 100, BatchWindow: time.Minute, Heartbeat: 10 * time.Second, ReportBatchItemFailures: true,
		})
		send(t, q, "a")
		synctest.Wait()
		for range 6 {
			advance(clk, 10*time.Second)
		}
		require.Equal(t, [][]string{{"a"}}, rec.got())
		require.Equal(t, queue.ConsumerStats{Failed: 1}, c.Stats())
		require.Equal(t, 1, stats(t, q).InFlight)
	})
}

// A nil *BatchItemFailures is a nil response: the whole batch succeeded.
func TestConsumerNilBatchItemFailuresIsSuccess(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		sendBodies(t, q, "a", "b")
		rec := &recorder{fn: func([]queue.Message) error {
			var f *queue.BatchItemFailures
			return f
		}}
		c := newConsumer(t, q, rec.handle, queue.ConsumerConfig{ReportBatchItemFailures: true})
		synctest.Wait()
		require.Equal(t, queue.ConsumerStats{Succeeded: 2}, c.Stats())
	})
}

// blockingBucket's Get waits for its context; it counts the Gets.
type blockingBucket struct {
	*blob.Memory
	gets chan struct{}
}

func (b blockingBucket) Get(ctx context.Context, key string) (io.ReadCloser, blob.ObjectInfo, error) {
	b.gets <- struct{}{}
	<-ctx.Done()
	return nil, blob.ObjectInfo{}, ctx.Err()
}

// Closing the consumer while a receive fetches payloads gives the messages
// back; the handler never sees a pointer instead of a body.
func TestConsumerCloseDuringPayloadFetch(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		b := blockingBucket{newMemoryBucket(t, "payloads"), make(chan struct{}, 1)}
		q := newQueue(t, queue.Config{Clock: clk, LargePayload: &queue.LargePayload{Bucket: b, Always: true}})
		send(t, q, "x")
		rec := &recorder{}
		c, err := queue.NewConsumer(q, rec.handle, queue.ConsumerConfig{})
		require.NoError(t, err)
		<-b.gets
		require.NoError(t, c.Close())
		require.Empty(t, rec.got())
		require.Equal(t, 1, stats(t, q).Visible)
		require.Len(t, objects(t, b), 1)
	})
}

// A message whose payload cannot be fetched fails without reaching the
// handler; the others in its batch are handled.
func TestConsumerFailsMessagesWithoutPayload(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		b := newMemoryBucket(t, "payloads")
		q := newQueue(t, queue.Config{Clock: clk, LargePayload: &queue.LargePayload{Bucket: b}})
		require.NoError(t, q.AddDeadLetters(ctx, []queue.DeadLetter{{
			ID: "lost", Source: "src", Body: pointerPrefix + `gone"}]`,
			Attributes: map[string]queue.Attribute{"ExtendedPayloadSize": queue.NumberAttribute("3")},
		}}))
		send(t, q, "fine")
		rec := &recorder{}
		var reported errs
		c := newConsumer(t, q, rec.handle, queue.ConsumerConfig{OnError: reported.add})
		synctest.Wait()
		require.Equal(t, [][]string{{"fine"}}, rec.got())
		require.Equal(t, queue.ConsumerStats{Succeeded: 1, Failed: 1}, c.Stats())
		require.Len(t, reported.list(), 1)
		require.ErrorIs(t, reported.list()[0], queue.ErrPayloadNotFound)
		require.Equal(t, 1, stats(t, q).InFlight)
	})
}
