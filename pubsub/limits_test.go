package pubsub_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/pubsub/filter"
)

func TestLargeMessageTopicLimits(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{MaxMessageSize: 1 << 20})
	_, err := tp.Subscribe(ctx, pubsub.Handler(&recorder{}), pubsub.SubscriptionConfig{})
	assert.ErrorIs(t, err, pubsub.ErrInvalidEndpoint, "over 256 KiB, no HTTP")
	_, err = tp.Subscribe(ctx, pubsub.SMS(&phone{}, "+15555550100"), pubsub.SubscriptionConfig{})
	assert.ErrorIs(t, err, pubsub.ErrInvalidEndpoint)
	s := &sink{}
	for range 100 {
		subscribe(t, tp, pubsub.Queue(s), pubsub.SubscriptionConfig{RawMessageDelivery: true})
	}
	_, err = tp.Subscribe(ctx, pubsub.Queue(s), pubsub.SubscriptionConfig{})
	assert.ErrorIs(t, err, pubsub.ErrInvalidEndpoint, "at most 100 subscriptions")
	publish(t, tp, pubsub.PublishInput{Message: strings.Repeat("x", 1<<20)})
	_, err = tp.Publish(ctx, pubsub.PublishInput{Message: strings.Repeat("x", 1<<20+1)})
	assert.ErrorIs(t, err, pubsub.ErrMessageTooLarge)
	flush(t, tp)
	_, got := s.snapshot()
	assert.Len(t, got, 100)
}

func TestMoreThanTenAttributes(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	raw, env := newQueue(t, "raw"), newQueue(t, "env")
	dlq := newQueue(t, "dlq")
	rs := subscribe(t, tp, pubsub.Queue(raw), pubsub.SubscriptionConfig{RawMessageDelivery: true, DeadLetter: pubsub.Queue(dlq)})
	subscribe(t, tp, pubsub.Queue(env), pubsub.SubscriptionConfig{})
	attrs := map[string]pubsub.Attribute{}
	for i := range 12 {
		attrs[fmt.Sprint("a", i)] = filter.StringAttribute("v")
	}
	publish(t, tp, pubsub.PublishInput{Message: "m", Attributes: attrs})
	flush(t, tp)
	assert.Empty(t, drain(t, raw), "raw delivery carries at most 10 attributes")
	assert.Equal(t, int64(1), rs.Stats().DeadLettered)
	assert.Zero(t, rs.Stats().Retries, "a message the queue refuses is not retried")
	msgs := drain(t, env)
	require.Len(t, msgs, 1)
	assert.Len(t, decode(t, msgs[0].Body).MessageAttributes, 12)
	dl := drain(t, dlq)
	require.Len(t, dl, 1)
	assert.Equal(t, "m", dl[0].Body)
	assert.Len(t, dl[0].Attributes, 3, "only the error attributes: 12 more would not fit")
}

// roundTripper answers requests in process, so URL endpoints need no
// socket.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestURLEndpointWithCallersClient(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		var mu sync.Mutex
		var bodies []string
		var calls int
		client := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls == 2 {
				return nil, errors.New("connection refused") // retried
			}
			bodies = append(bodies, r.Header.Get("x-amz-sns-message-type")+" "+r.URL.String()+" "+string(b))
			return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(""))}, nil
		})}
		s := subscribe(t, tp, pubsub.URL(client, "http://example.com/hook"), pubsub.SubscriptionConfig{})
		assert.Equal(t, pubsub.ProtocolHTTP, s.Protocol())
		assert.Equal(t, "http://example.com/hook", s.Endpoint())
		flush(t, tp)
		mu.Lock()
		require.Len(t, bodies, 1)
		assert.True(t, strings.HasPrefix(bodies[0], "SubscriptionConfirmation http://example.com/hook {"))
		n := decode(t, strings.SplitN(bodies[0], " ", 3)[2])
		mu.Unlock()
		_, err := tp.ConfirmSubscription(ctx, n.Token)
		require.NoError(t, err)
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		flush(t, tp)
		advance(clk, 20*time.Second)
		flush(t, tp)
		mu.Lock()
		defer mu.Unlock()
		require.Len(t, bodies, 2)
		assert.Equal(t, "m", decode(t, strings.SplitN(bodies[1], " ", 3)[2]).Message)
		assert.Equal(t, int64(1), s.Stats().Retries)
	})
}

func TestSharedPoliciesAfterUnsubscribe(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	a1, a2, b, c := &sink{}, &sink{}, &sink{}, &sink{}
	sa1 := subscribe(t, tp, pubsub.Queue(a1), pubsub.SubscriptionConfig{FilterPolicy: `{"k":["a"]}`, RawMessageDelivery: true})
	subscribe(t, tp, pubsub.Queue(a2), pubsub.SubscriptionConfig{FilterPolicy: `{"k":["a"]}`, RawMessageDelivery: true})
	sb := subscribe(t, tp, pubsub.Queue(b), pubsub.SubscriptionConfig{FilterPolicy: `{"k":["b"]}`, RawMessageDelivery: true})
	// the same text in body scope is another policy
	subscribe(t, tp, pubsub.Queue(c), pubsub.SubscriptionConfig{FilterPolicy: `{"k":["a"]}`, FilterPolicyScope: filter.MessageBody, RawMessageDelivery: true})
	require.NoError(t, tp.Unsubscribe(ctx, sa1.ARN()))
	require.NoError(t, tp.Unsubscribe(ctx, sb.ARN()))
	d := &sink{} // reuses the id b's policy had
	subscribe(t, tp, pubsub.Queue(d), pubsub.SubscriptionConfig{FilterPolicy: `{"k":["d"]}`, RawMessageDelivery: true})
	for _, k := range []string{"a", "b", "d"} {
		publish(t, tp, pubsub.PublishInput{Message: fmt.Sprintf(`{"k":%q}`, k), Attributes: map[string]pubsub.Attribute{"k": filter.StringAttribute(k)}})
	}
	flush(t, tp)
	bodies := func(s *sink) []string {
		_, got := s.snapshot()
		var out []string
		for _, in := range got {
			out = append(out, in.Body)
		}
		return out
	}
	assert.Empty(t, bodies(a1))
	assert.Equal(t, []string{`{"k":"a"}`}, bodies(a2))
	assert.Empty(t, bodies(b))
	assert.Equal(t, []string{`{"k":"a"}`}, bodies(c))
	assert.Equal(t, []string{`{"k":"d"}`}, bodies(d))
}

func TestMaxConcurrencyPerSubscription(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk, Workers: 8})
		release := make(chan struct{})
		var running, peak atomic.Int64
		slow := func(context.Context, pubsub.Event) error {
			r := running.Add(1)
			for {
				p := peak.Load()
				if r <= p || peak.CompareAndSwap(p, r) {
					break
				}
			}
			<-release
			running.Add(-1)
			return nil
		}
		subscribe(t, tp, pubsub.Func(slow), pubsub.SubscriptionConfig{MaxConcurrency: 3})
		for range 10 {
			publish(t, tp, pubsub.PublishInput{Message: "m"})
		}
		synctest.Wait()
		assert.Equal(t, int64(3), running.Load())
		close(release)
		flush(t, tp)
		assert.Equal(t, int64(3), peak.Load())
		assert.Equal(t, int64(10), tp.Stats().Delivered)
	})
}

// TestConcurrentUse publishes, subscribes and unsubscribes from several
// goroutines at once (run with -race): every copy queued is accounted for.
func TestConcurrentUse(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	keep := &sink{}
	subscribe(t, tp, pubsub.Queue(keep), pubsub.SubscriptionConfig{RawMessageDelivery: true})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				publish(t, tp, pubsub.PublishInput{Message: fmt.Sprint(g, "-", i)})
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			s, err := tp.Subscribe(ctx, pubsub.Queue(&sink{}), pubsub.SubscriptionConfig{FilterPolicy: fmt.Sprintf(`{"n":["%d"]}`, i%3)})
			if assert.NoError(t, err) {
				assert.NoError(t, tp.Unsubscribe(ctx, s.ARN()))
			}
		}
	})
	wg.Wait()
	flush(t, tp)
	_, got := keep.snapshot()
	assert.Len(t, got, 800)
	st := tp.Stats()
	assert.Equal(t, int64(800), st.Published)
	assert.Zero(t, st.Pending)
}

// TestUnsubscribeWhileWaitingForAWorker: a subscription removed while it
// waits for a busy worker is skipped when the worker gets to it.
func TestUnsubscribeWhileWaitingForAWorker(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk, Workers: 1})
		release := make(chan struct{})
		var calls atomic.Int64
		subscribe(t, tp, pubsub.Func(func(context.Context, pubsub.Event) error {
			<-release
			return nil
		}), pubsub.SubscriptionConfig{})
		second := subscribe(t, tp, pubsub.Func(func(context.Context, pubsub.Event) error {
			calls.Add(1)
			return nil
		}), pubsub.SubscriptionConfig{})
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		synctest.Wait() // the one worker is in the first function
		require.NoError(t, tp.Unsubscribe(ctx, second.ARN()))
		close(release)
		flush(t, tp)
		assert.Zero(t, calls.Load())
		assert.Equal(t, int64(1), tp.Stats().Delivered)
	})
}
