package pubsub_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/pubsub/filter"
	"github.com/stratus-go/stratus/queue"
)

var (
	colors  = []string{"red", "green", "blue", "black"}
	regions = []string{"eu-west", "us-east", "ap-south", "us-west", "eu-north"}
)

// fanoutMessage is message i of the fan-out test: its attributes and body
// vary with i, some attributes absent.
func fanoutMessage(i int) pubsub.PublishInput {
	attrs := map[string]pubsub.Attribute{
		"color":  filter.StringAttribute(colors[i%len(colors)]),
		"region": filter.StringAttribute(regions[i%len(regions)]),
		"tags":   filter.StringArrayAttribute(fmt.Sprintf(`["t%d","t%d"]`, i%5, i%7)),
	}
	if i%3 != 0 {
		attrs["size"] = filter.NumberAttribute(strconv.Itoa(i % 100))
	}
	body := fmt.Sprintf(`{"id":%d,"order":{"total":%d,"kind":"k%d"}}`, i, i%500, i%4)
	return pubsub.PublishInput{Message: body, Attributes: attrs}
}

// fanoutPolicy is subscription j's filter policy.
func fanoutPolicy(j int) (string, filter.Scope) {
	switch j % 7 {
	case 0:
		return fmt.Sprintf(`{"color":[%q]}`, colors[j%len(colors)]), filter.MessageAttributes
	case 1:
		return fmt.Sprintf(`{"size":[{"numeric":[">=",%d]}]}`, j), filter.MessageAttributes
	case 2:
		return fmt.Sprintf(`{"region":[{"prefix":%q}]}`, regions[j%len(regions)][:2]), filter.MessageAttributes
	case 3:
		return fmt.Sprintf(`{"color":[{"anything-but":[%q]}],"size":[{"numeric":["<",50]}]}`, colors[j%len(colors)]), filter.MessageAttributes
	case 4:
		return fmt.Sprintf(`{"tags":["t%d"]}`, j%5), filter.MessageAttributes
	case 5:
		return fmt.Sprintf(`{"order":{"total":[{"numeric":[">",%d]}],"kind":["k%d"]}}`, j*5, j%4), filter.MessageBody
	}
	return `{"size":[{"exists":false}]}`, filter.MessageAttributes
}

// TestFanoutToQueuesByPolicy publishes to 100 queue subscriptions with
// different filter policies: each queue ends up with exactly the messages
// its policy accepts, once each. 1,000 messages; 10,000 with
// STRATUS_LONG=1.
func TestFanoutToQueuesByPolicy(t *testing.T) {
	const subs = 100
	n := 1000
	if os.Getenv("STRATUS_LONG") != "" {
		n = 10_000
	}
	tp := newTopic(t, pubsub.TopicConfig{})
	queues := make([]*queue.Queue, subs)
	policies := make([]*filter.Policy, subs)
	for j := range subs {
		q, err := queue.New(queue.Config{Name: fmt.Sprint("q", j), MaxInFlight: queue.NoLimit})
		require.NoError(t, err)
		t.Cleanup(func() { q.Close() })
		queues[j] = q
		text, scope := fanoutPolicy(j)
		policies[j] = filter.MustParse(text, scope)
		subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{FilterPolicy: text, FilterPolicyScope: scope, RawMessageDelivery: true})
	}
	want := make([][]int, subs)
	var copies int64
	for i := range n {
		in := fanoutMessage(i)
		publish(t, tp, in)
		for j, p := range policies {
			if p.Match(in.Attributes, in.Message) {
				want[j] = append(want[j], i)
				copies++
			}
		}
	}
	flush(t, tp)
	for j, q := range queues {
		var got []int
		for {
			msgs, err := q.Receive(ctx, queue.ReceiveOptions{MaxMessages: 10})
			require.NoError(t, err)
			if len(msgs) == 0 {
				break
			}
			for _, m := range msgs {
				var id int
				_, err := fmt.Sscanf(m.Body, `{"id":%d`, &id)
				require.NoError(t, err)
				got = append(got, id)
			}
		}
		sort.Ints(got)
		require.Equal(t, want[j], got, "queue %d (%s)", j, policies[j])
	}
	st := tp.Stats()
	assert.Equal(t, int64(n), st.Published)
	assert.Equal(t, copies, st.Delivered)
	assert.Equal(t, int64(n*subs)-copies, st.FilteredOut)
	assert.Greater(t, copies, int64(n*subs/10), "the policies should accept a fair share")
	assert.Less(t, copies, int64(n*subs*9/10), "and refuse a fair share")
}

// TestSlowHTTPDoesNotDelayQueues: a handler that blocks, and one that
// always fails, hold up nothing of a queue subscription's.
func TestSlowHTTPDoesNotDelayQueues(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk, Workers: 2})
		release := make(chan struct{})
		slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("x-amz-sns-message-type") == "Notification" {
				<-release
			}
		})
		failing := &recorder{clk: clk, status: func(call int) int {
			if call == 0 {
				return http.StatusOK
			}
			return http.StatusInternalServerError
		}}
		s1 := subscribe(t, tp, pubsub.Handler(slow), pubsub.SubscriptionConfig{})
		confirmedHandler(t, tp, failing, pubsub.SubscriptionConfig{})
		flush(t, tp)
		confirmSub(t, tp, s1)
		q := newQueue(t, "q")
		subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{RawMessageDelivery: true})
		for i := range 20 {
			publish(t, tp, pubsub.PublishInput{Message: fmt.Sprint(i)})
		}
		synctest.Wait() // everything that can run has run: the slow handler is blocked
		assert.Len(t, drain(t, q), 20)
		close(release)
		flush(t, tp)
	})
}

// confirmSub confirms a subscription whose endpoint does not keep its
// SubscriptionConfirmation, with the token read from the subscription.
func confirmSub(t *testing.T, tp *pubsub.Topic, s *pubsub.Subscription) {
	t.Helper()
	tok, ok := pubsub.TokenOf(s)
	require.True(t, ok)
	_, err := tp.ConfirmSubscription(ctx, tok)
	require.NoError(t, err)
}

// TestManySubscriptionsBoundedParallelWorkers: 1,000 function
// subscriptions are served by the pool's workers in parallel, never more
// at once than the pool holds.
func TestManySubscriptionsBoundedParallelWorkers(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		const workers = 8
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk, Workers: workers})
		release := make(chan struct{})
		var running, peak, calls atomic.Int64
		var mu sync.Mutex
		fn := pubsub.Func(func(context.Context, pubsub.Event) error {
			r := running.Add(1)
			mu.Lock()
			peak.Store(max(peak.Load(), r))
			mu.Unlock()
			<-release
			running.Add(-1)
			calls.Add(1)
			return nil
		})
		for range 1000 {
			subscribe(t, tp, fn, pubsub.SubscriptionConfig{})
		}
		before := runtime.NumGoroutine()
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		synctest.Wait()
		assert.Equal(t, int64(workers), running.Load(), "every worker of the pool busy, in parallel")
		assert.Equal(t, before, runtime.NumGoroutine(), "no goroutine per delivery")
		close(release)
		flush(t, tp)
		assert.Equal(t, int64(1000), calls.Load())
		assert.Equal(t, int64(workers), peak.Load())
	})
}

func TestStatsCounters(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		dlq := newQueue(t, "dlq")
		ok := newQueue(t, "ok")
		okSub := subscribe(t, tp, pubsub.Queue(ok), pubsub.SubscriptionConfig{FilterPolicy: `{"k":["yes"]}`})
		bad := &sink{fail: func(int, queue.SendInput) error { return pubsub.Permanent(errBusy) }}
		badSub := subscribe(t, tp, pubsub.Queue(bad), pubsub.SubscriptionConfig{DeadLetter: pubsub.Queue(dlq)})
		flaky := &sink{fail: func(call int, _ queue.SendInput) error {
			if call%2 == 0 {
				return errBusy
			}
			return nil
		}}
		flakySub := subscribe(t, tp, pubsub.Queue(flaky), pubsub.SubscriptionConfig{MaxConcurrency: 1})
		for _, k := range []string{"yes", "no", "yes"} {
			publish(t, tp, pubsub.PublishInput{Message: "m", Attributes: map[string]pubsub.Attribute{"k": filter.StringAttribute(k)}})
		}
		flush(t, tp)
		st := tp.Stats()
		assert.Equal(t, pubsub.Stats{Published: 3, Subscriptions: 3, Counters: pubsub.Counters{
			Delivered: 2 + 3, FilteredOut: 1, Retries: 3, Failed: 3, DeadLettered: 3,
		}}, st)
		assert.Equal(t, pubsub.SubscriptionStats{Matched: 2, Counters: pubsub.Counters{Delivered: 2, FilteredOut: 1}}, okSub.Stats())
		assert.Equal(t, pubsub.SubscriptionStats{Matched: 3, Counters: pubsub.Counters{Failed: 3, DeadLettered: 3}}, badSub.Stats())
		assert.Equal(t, pubsub.SubscriptionStats{Matched: 3, Counters: pubsub.Counters{Delivered: 3, Retries: 3}}, flakySub.Stats())
	})
}

func TestEmailSMSAndPushEndpoints(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		mb := &mailbox{}
		es := subscribe(t, tp, pubsub.Email(mb, "ops@example.com"), pubsub.SubscriptionConfig{})
		js := subscribe(t, tp, pubsub.EmailJSON(mb, "bots@example.com"), pubsub.SubscriptionConfig{})
		ph := &phone{}
		subscribe(t, tp, pubsub.SMS(ph, "+15555550100"), pubsub.SubscriptionConfig{})
		subscribe(t, tp, pubsub.Push(ph, "arn:aws:sns:us-east-1:123456789012:endpoint/GCM/app/1"), pubsub.SubscriptionConfig{})
		flush(t, tp)
		mails := mb.got()
		require.Len(t, mails, 2)
		for _, m := range mails {
			assert.Equal(t, "AWS Notification - Subscription Confirmation", m.Subject)
		}
		// the plain email gives the SubscribeURL, whose Token confirms
		var link string
		for _, line := range strings.Split(mails[0].Body+mails[1].Body, "\n") {
			if strings.HasPrefix(line, "https://") {
				link = line
			}
		}
		u, err := url.Parse(link)
		require.NoError(t, err)
		_, err = tp.ConfirmSubscription(ctx, u.Query().Get("Token"))
		require.NoError(t, err)
		assert.False(t, es.Pending())
		assert.True(t, js.Pending())
		for _, m := range mails {
			if m.To == "bots@example.com" {
				confirm(t, tp, request{body: m.Body})
			}
		}

		publish(t, tp, pubsub.PublishInput{Message: "disk full", Subject: "Alarm"})
		flush(t, tp)
		mails = mb.got()[2:]
		require.Len(t, mails, 2)
		sort.Slice(mails, func(i, j int) bool { return mails[i].To > mails[j].To })
		assert.Equal(t, pubsub.EmailMessage{To: "ops@example.com", Subject: "Alarm", Body: "disk full"}, mails[0])
		n := decode(t, mails[1].Body)
		assert.Equal(t, "disk full", n.Message)
		require.NoError(t, verify(t, tp.CertificatePEM(), n))
		texts := ph.texts()
		sort.Strings(texts)
		assert.Equal(t, []string{"+15555550100: disk full", "arn:aws:sns:us-east-1:123456789012:endpoint/GCM/app/1: disk full"}, texts)
	})
}
