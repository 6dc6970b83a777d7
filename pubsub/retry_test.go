package pubsub_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/queue"
)

var errBusy = errors.New("endpoint busy")

// ms is a duration in milliseconds.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// expectCalls walks the clock through the expected delays between calls,
// from call first on: no call comes a millisecond early, and each comes
// exactly on time. A zero delay is an immediate retry, made already.
func expectCalls(t *testing.T, clk *clock.Mock, calls func() []time.Time, first int, delays []time.Duration) {
	t.Helper()
	synctest.Wait()
	start := calls()
	require.Greater(t, len(start), first)
	at := start[first]
	n := first + 1
	for i, d := range delays {
		if d > 0 {
			advance(clk, d-time.Millisecond)
			require.Len(t, calls(), n, "retry %d came early", i)
			advance(clk, time.Millisecond)
		}
		got := calls()
		require.Greater(t, len(got), n, "retry %d did not come after %v", i, d)
		at = at.Add(d)
		assert.Equal(t, at, got[n], "retry %d", i)
		n++
	}
	require.Len(t, calls(), n)
}

func TestManagedRetryScheduleForQueues(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		s := &sink{clk: clk, fail: func(int, queue.SendInput) error { return errBusy }}
		sub := subscribe(t, tp, pubsub.Queue(s), pubsub.SubscriptionConfig{})
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		flush(t, tp)
		calls := func() []time.Time { c, _ := s.snapshot(); return c }
		// 3 immediate retries, 2 × 1 s, then 10 exponential from 1 s to
		// 20 s, then 20 s apart
		expectCalls(t, clk, calls, 0, []time.Duration{
			0, 0, 0,
			ms(1000), ms(1000),
			ms(1000), ms(1037), ms(1112), ms(1260), ms(1558), ms(2153), ms(3342), ms(5722), ms(10481), ms(20000),
			ms(20000), ms(20000), ms(20000),
		})
		st := sub.Stats()
		assert.Equal(t, int64(len(calls())), st.Retries, "the retries made and the one scheduled")
		assert.Equal(t, 1, st.WaitingRetry)
		assert.Zero(t, st.Delivered)
	})
	assert.Equal(t, 100_015, pubsub.ManagedRetries)
}

func TestCustomerRetryScheduleForSMSThenDropped(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		p := &failingPhone{clk: clk}
		sub := subscribe(t, tp, pubsub.SMS(p, "+15555550100"), pubsub.SubscriptionConfig{})
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		flush(t, tp)
		delays := []time.Duration{
			ms(10_000), ms(10_000),
			ms(10_000), ms(11_155), ms(13_464), ms(18_082), ms(27_319), ms(45_793), ms(82_740), ms(156_634), ms(304_423), ms(600_000),
		}
		for range 38 {
			delays = append(delays, 600*time.Second)
		}
		require.Len(t, delays, pubsub.CustomerRetries)
		expectCalls(t, clk, p.times, 0, delays)
		flush(t, tp)
		advance(clk, time.Hour)
		assert.Len(t, p.times(), 51, "the first attempt and 50 retries, then no more")
		st := sub.Stats()
		assert.Equal(t, int64(1), st.Failed)
		assert.Equal(t, int64(1), st.Dropped)
		assert.Equal(t, int64(50), st.Retries)
		assert.Zero(t, st.WaitingRetry)
	})
}

// confirmedHandler subscribes h and confirms the subscription.
func confirmedHandler(t *testing.T, tp *pubsub.Topic, h *recorder, cfg pubsub.SubscriptionConfig) *pubsub.Subscription {
	t.Helper()
	s := subscribe(t, tp, pubsub.Handler(h), cfg)
	flush(t, tp)
	confirm(t, tp, h.requests()[0])
	return s
}

func TestHTTPDefaultPolicyThreeRetries20sApart(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		h := &recorder{clk: clk, status: func(call int) int {
			if call == 0 {
				return http.StatusOK // the confirmation
			}
			return http.StatusServiceUnavailable
		}}
		dlq := newQueue(t, "dlq")
		sub := confirmedHandler(t, tp, h, pubsub.SubscriptionConfig{DeadLetter: pubsub.Queue(dlq)})
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		flush(t, tp)
		expectCalls(t, clk, h.times, 1, []time.Duration{20 * time.Second, 20 * time.Second, 20 * time.Second})
		flush(t, tp)
		advance(clk, time.Hour)
		assert.Len(t, h.times(), 5, "the confirmation, the first attempt and 3 retries")
		msgs := drain(t, dlq)
		require.Len(t, msgs, 1)
		assert.Equal(t, "503", msgs[0].Attributes["ErrorCode"].StringValue)
		assert.Equal(t, "m", decode(t, msgs[0].Body).Message)
		assert.Equal(t, int64(1), sub.Stats().DeadLettered)
	})
}

func TestHTTPPolicyPhasesAndBackoffShapes(t *testing.T) {
	for _, c := range []struct {
		fn      pubsub.Backoff
		backoff []time.Duration
	}{
		{pubsub.Linear, []time.Duration{ms(1000), ms(3000), ms(5000), ms(7000), ms(9000)}},
		{pubsub.Arithmetic, []time.Duration{ms(1000), ms(1500), ms(3000), ms(5500), ms(9000)}},
		{pubsub.Geometric, []time.Duration{ms(1000), ms(1732), ms(3000), ms(5196), ms(9000)}},
		{pubsub.Exponential, []time.Duration{ms(1000), ms(1533), ms(2600), ms(4733), ms(9000)}},
	} {
		t.Run(c.fn.String(), func(t *testing.T) {
			mocked(t, func(t *testing.T, clk *clock.Mock) {
				tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
				h := &recorder{clk: clk, status: func(call int) int {
					if call == 0 {
						return http.StatusOK
					}
					return http.StatusInternalServerError
				}}
				policy := &pubsub.DeliveryPolicy{MinDelay: time.Second, MaxDelay: 9 * time.Second, NumRetries: 8,
					NumNoDelayRetries: 1, NumMinDelayRetries: 1, NumMaxDelayRetries: 1, Backoff: c.fn}
				sub := confirmedHandler(t, tp, h, pubsub.SubscriptionConfig{DeliveryPolicy: policy})
				publish(t, tp, pubsub.PublishInput{Message: "m"})
				flush(t, tp)
				delays := append([]time.Duration{0, time.Second}, c.backoff...)
				delays = append(delays, 9*time.Second)
				expectCalls(t, clk, h.times, 1, delays)
				flush(t, tp)
				advance(clk, time.Hour)
				assert.Len(t, h.times(), 1+1+8)
				assert.Equal(t, int64(1), sub.Stats().Dropped)
			})
		})
	}
}

func TestDeliveryPolicyLimits(t *testing.T) {
	for name, p := range map[string]pubsub.DeliveryPolicy{
		"retries over 100":    {NumRetries: 101},
		"negative retries":    {NumRetries: -2},
		"min below 1s":        {MinDelay: 500 * time.Millisecond},
		"min over max":        {MinDelay: 30 * time.Second, MaxDelay: 20 * time.Second},
		"max over 3600s":      {MaxDelay: 3601 * time.Second},
		"phases over retries": {NumRetries: 3, NumNoDelayRetries: 2, NumMaxDelayRetries: 2},
		"negative phase":      {NumMinDelayRetries: -1},
		"total over 3600s":    {MinDelay: 60 * time.Second, MaxDelay: 60 * time.Second, NumRetries: 61},
		"backoff":             {Backoff: 9},
		"throttle":            {MaxReceivesPerSecond: -1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := pubsub.NewTopic(pubsub.TopicConfig{DeliveryPolicy: p, SigningKey: testKey()})
			assert.ErrorIs(t, err, pubsub.ErrInvalidConfig)
		})
	}
	// 60 retries a minute apart is exactly the hour SNS allows.
	newTopic(t, pubsub.TopicConfig{DeliveryPolicy: pubsub.DeliveryPolicy{MinDelay: time.Minute, MaxDelay: time.Minute, NumRetries: 60}})
	newTopic(t, pubsub.TopicConfig{DeliveryPolicy: pubsub.DeliveryPolicy{NumRetries: pubsub.NoRetries}})
}

func TestPermanentErrorsAreNotRetried(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		dlq := newQueue(t, "dlq")
		// an HTTP 4xx
		h := &recorder{clk: clk, status: func(call int) int {
			if call == 0 {
				return http.StatusOK
			}
			return http.StatusNotFound
		}}
		hs := confirmedHandler(t, tp, h, pubsub.SubscriptionConfig{DeadLetter: pubsub.Queue(dlq)})
		// a queue endpoint's Permanent error, and a closed queue
		s := &sink{fail: func(int, queue.SendInput) error { return pubsub.Permanent(errors.New("gone")) }}
		qs := subscribe(t, tp, pubsub.Queue(s), pubsub.SubscriptionConfig{DeadLetter: pubsub.Queue(dlq), RawMessageDelivery: true})
		closed := newQueue(t, "closed")
		closed.Close()
		cs := subscribe(t, tp, pubsub.Queue(closed), pubsub.SubscriptionConfig{})

		publish(t, tp, pubsub.PublishInput{Message: "m", Attributes: map[string]pubsub.Attribute{"k": {DataType: "String", StringValue: "v"}}})
		flush(t, tp)
		advance(clk, time.Hour)
		assert.Len(t, h.times(), 2)
		calls, _ := s.snapshot()
		assert.Len(t, calls, 1)
		for _, sub := range []*pubsub.Subscription{hs, qs, cs} {
			st := sub.Stats()
			assert.Zero(t, st.Retries)
			assert.Equal(t, int64(1), st.Failed)
		}
		assert.Equal(t, int64(1), cs.Stats().Dropped)
		msgs := drain(t, dlq)
		require.Len(t, msgs, 2)
		codes := map[string]queue.Message{}
		for _, m := range msgs {
			codes[m.Attributes["ErrorCode"].StringValue] = m
		}
		require.Contains(t, codes, "404")
		require.Contains(t, codes, "ClientError")
		raw := codes["ClientError"]
		assert.Equal(t, "m", raw.Body, "a raw subscription's dead letter is the raw body")
		assert.Equal(t, "v", raw.Attributes["k"].StringValue)
		assert.Equal(t, "gone", raw.Attributes["ErrorMessage"].StringValue)
		assert.Equal(t, int64(2), tp.Stats().DeadLettered)
	})
}

func TestRetryThenDeliveredKeepsMessageID(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		s := &sink{clk: clk, fail: func(call int, _ queue.SendInput) error {
			if call < 5 {
				return errBusy
			}
			return nil
		}}
		sub := subscribe(t, tp, pubsub.Queue(s), pubsub.SubscriptionConfig{})
		res := publish(t, tp, pubsub.PublishInput{Message: "m"})
		flush(t, tp)
		advance(clk, time.Second)
		advance(clk, time.Second)
		flush(t, tp)
		_, got := s.snapshot()
		require.Len(t, got, 1)
		assert.Equal(t, res.MessageID, decode(t, got[0].Body).MessageID)
		st := sub.Stats()
		assert.Equal(t, int64(5), st.Retries)
		assert.Equal(t, int64(1), st.Delivered)
		assert.Zero(t, st.WaitingRetry)
	})
}

func TestThrottleMaxReceivesPerSecond(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		h := &recorder{clk: clk}
		confirmedHandler(t, tp, h, pubsub.SubscriptionConfig{DeliveryPolicy: &pubsub.DeliveryPolicy{MaxReceivesPerSecond: 2}})
		start := clk.Now()
		for range 4 {
			publish(t, tp, pubsub.PublishInput{Message: "m"})
		}
		flush(t, tp)
		for range 8 {
			advance(clk, 250*time.Millisecond)
		}
		times := h.times()[1:]
		// the confirmation took the first token at 0
		require.Len(t, times, 4)
		for i, at := range times {
			assert.Equal(t, start.Add(time.Duration(i+1)*500*time.Millisecond), at, "delivery %d", i)
		}
	})
}

func TestUnsubscribeDropsWaitingRetries(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		s := &sink{clk: clk, fail: func(int, queue.SendInput) error { return errBusy }}
		sub := subscribe(t, tp, pubsub.Queue(s), pubsub.SubscriptionConfig{})
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		flush(t, tp)
		assert.Equal(t, 1, tp.Stats().WaitingRetry)
		require.NoError(t, tp.Unsubscribe(ctx, sub.ARN()))
		assert.Zero(t, tp.Stats().WaitingRetry)
		advance(clk, time.Minute)
		calls, _ := s.snapshot()
		assert.Len(t, calls, 4)
	})
}

// failingPhone is an SMSSender that always fails, recording when.
type failingPhone struct {
	clk clock.Clock
	mu  sync.Mutex
	at  []time.Time
}

func (p *failingPhone) SendSMS(context.Context, string, string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.at = append(p.at, p.clk.Now())
	return errBusy
}

func (p *failingPhone) times() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.at...)
}
