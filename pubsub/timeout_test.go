package pubsub_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/queue"
)

// hungHandler blocks every Notification until release is closed (never
// looking at its request's context); it answers confirmations at once.
// It counts the notifications it got and those whose context was
// cancelled by the time it returned.
type hungHandler struct {
	release   chan struct{}
	calls     atomic.Int64
	cancelled atomic.Int64
}

func (h *hungHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("x-amz-sns-message-type") != "Notification" {
		return
	}
	h.calls.Add(1)
	<-h.release
	if r.Context().Err() != nil {
		h.cancelled.Add(1)
	}
}

// TestHungHTTPHandlersDoNotStarveOtherEndpoints: HTTP handlers that never
// answer hold none of the function pool's workers, and by default too few
// of the customer pool's to stop an SMS subscription.
func TestHungHTTPHandlersDoNotStarveOtherEndpoints(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk, Workers: 4})
		hung := &hungHandler{release: make(chan struct{})}
		h1 := subscribe(t, tp, pubsub.Handler(hung), pubsub.SubscriptionConfig{})
		h2 := subscribe(t, tp, pubsub.Handler(hung), pubsub.SubscriptionConfig{})
		flush(t, tp)
		confirmSub(t, tp, h1)
		confirmSub(t, tp, h2)
		for range 2 {
			publish(t, tp, pubsub.PublishInput{Message: "m"})
		}
		synctest.Wait()
		require.Equal(t, int64(2), hung.calls.Load(), "one call at a time per HTTP subscription by default")
		var calls atomic.Int64
		subscribe(t, tp, pubsub.Func(func(context.Context, pubsub.Event) error { calls.Add(1); return nil }), pubsub.SubscriptionConfig{})
		texts := &phone{}
		subscribe(t, tp, pubsub.SMS(texts, "+15555550100"), pubsub.SubscriptionConfig{})
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		synctest.Wait()
		assert.Equal(t, int64(1), calls.Load(), "the function got its message")
		assert.Equal(t, []string{"+15555550100: m"}, texts.texts())
		close(hung.release)
		flush(t, tp)
	})
}

// TestHTTPTimeoutIsARetryableFailure: a handler that does not answer
// within 15 s on the topic's clock fails the delivery, which is retried by
// the policy; its request's context is cancelled, and until it returns it
// holds its subscription's slot, so the retry waits for it.
func TestHTTPTimeoutIsARetryableFailure(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		hung := &hungHandler{release: make(chan struct{})}
		s := subscribe(t, tp, pubsub.Handler(hung), pubsub.SubscriptionConfig{})
		flush(t, tp)
		confirmSub(t, tp, s)
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		synctest.Wait()
		advance(clk, pubsub.HTTPTimeout-time.Millisecond)
		assert.Zero(t, tp.Stats().Retries, "not timed out yet")
		advance(clk, time.Millisecond)
		st := tp.Stats()
		assert.Equal(t, int64(1), st.Retries, "timed out: a retry 20 s later")
		assert.Equal(t, 1, st.WaitingRetry)
		flush(t, tp) // the call still runs, but the topic is idle: the message waits on its retry
		advance(clk, 20*time.Second)
		assert.Equal(t, int64(1), hung.calls.Load(), "the retry waits for the slot the hung call holds")
		close(hung.release)
		flush(t, tp)
		assert.Equal(t, int64(2), hung.calls.Load())
		assert.Equal(t, int64(1), hung.cancelled.Load(), "the timed-out call's context was cancelled")
		assert.Equal(t, int64(1), tp.Stats().Delivered)
	})
}

// TestHTTPTimeoutOfURLAndConfirmation: a URL endpoint whose transport
// never answers times out after 15 s too, the confirmation included,
// which is sent again by the policy.
func TestHTTPTimeoutOfURLAndConfirmation(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		var calls atomic.Int64
		client := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
			calls.Add(1)
			<-r.Context().Done() // a transport honours its request's context
			return nil, r.Context().Err()
		})}
		subscribe(t, tp, pubsub.URL(client, "https://example.com/sns"), pubsub.SubscriptionConfig{})
		synctest.Wait()
		assert.Equal(t, int64(1), calls.Load())
		advance(clk, pubsub.HTTPTimeout)
		advance(clk, 20*time.Second)
		assert.Equal(t, int64(2), calls.Load(), "the confirmation is retried after the timeout")
	})
}

// TestCloseWaitsForATimedOutHandler: a handler still running after its
// timeout is not leaked: Close waits for it to return.
func TestCloseWaitsForATimedOutHandler(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp, err := pubsub.NewTopic(pubsub.TopicConfig{Clock: clk, SigningKey: testKey(), Workers: 1})
		require.NoError(t, err)
		hung := &hungHandler{release: make(chan struct{})}
		s := subscribe(t, tp, pubsub.Handler(hung), pubsub.SubscriptionConfig{})
		flush(t, tp)
		confirmSub(t, tp, s)
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		synctest.Wait()
		advance(clk, pubsub.HTTPTimeout)
		closed := make(chan struct{})
		go func() {
			tp.Close()
			close(closed)
		}()
		synctest.Wait()
		select {
		case <-closed:
			t.Fatal("Close returned while the handler still ran")
		default:
		}
		close(hung.release)
		<-closed
	})
}

// A handler's request context carries no deadline: the 15 s timeout runs on
// the topic's clock, and a mock clock's time must not reach real code in the
// handler (a dialer would take a 1970 deadline for a real one and give up).
// Polling the context's Err while the timeout fires is race-free.
func TestHTTPHandlerContextHasNoClockDeadline(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		var hasDeadline, sawCancel atomic.Bool
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("x-amz-sns-message-type") != "Notification" {
				return
			}
			_, ok := r.Context().Deadline()
			hasDeadline.Store(ok)
			for r.Context().Err() == nil {
				time.Sleep(time.Millisecond) // fake time in the bubble
			}
			sawCancel.Store(true)
		})
		s := subscribe(t, tp, pubsub.Handler(h), pubsub.SubscriptionConfig{})
		flush(t, tp)
		confirmSub(t, tp, s)
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		synctest.Wait()
		go clk.Add(pubsub.HTTPTimeout)
		time.Sleep(time.Second)
		synctest.Wait()
		assert.False(t, hasDeadline.Load(), "the handler's context has a deadline")
		assert.True(t, sawCancel.Load(), "the timeout cancelled the handler's context")
	})
}

// Unsubscribe stops a batch of queue deliveries that is running: the
// deliveries it has not started are dropped, as the queued ones are.
func TestUnsubscribeStopsARunningBatch(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk, Workers: 1})
		gate1, gate2 := make(chan struct{}), make(chan struct{})
		var calls atomic.Int64
		q := sendFunc(func(ctx context.Context, _ queue.SendInput) (string, error) {
			switch calls.Add(1) {
			case 1:
				<-gate1
			case 2:
				<-gate2
			}
			return "id", nil
		})
		s := subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{})
		publish(t, tp, pubsub.PublishInput{Message: "first"})
		synctest.Wait()
		for range 5 {
			publish(t, tp, pubsub.PublishInput{Message: "m"})
		}
		close(gate1)
		synctest.Wait() // in the first delivery of the batch of five
		require.NoError(t, tp.Unsubscribe(ctx, s.ARN()))
		close(gate2)
		flush(t, tp)
		assert.Equal(t, int64(2), calls.Load(), "deliveries not started when Unsubscribe came were made")
	})
}
