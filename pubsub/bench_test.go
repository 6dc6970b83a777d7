package pubsub_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/pubsub/filter"
	"github.com/stratus-go/stratus/queue"
)

// The benchmarks hold the topic's fan-out against a buffered channel:
//
//	BenchmarkChanBaseline       one 256-byte message through a buffered channel: ns/op per message
//	BenchmarkFanout100          publish to 100 queue subscriptions, 2 shared policies, 50 copies a
//	                            message, in the JSON envelope, into endpoints that only count: the
//	                            topic's own cost; ns/copy is the figure held against the baseline
//	                            (target ≤ 4× ChanBaseline's ns/op)
//	BenchmarkFanout100Raw       the same with raw delivery: no envelope, the attributes passed on
//	BenchmarkFanout100Distinct  the same with 100 distinct policies, each evaluated per message
//	BenchmarkFanout100Queues    the same into 100 real *queue.Queue values: the queue's Send is
//	                            most of the cost
//
// ns/op of a Fanout benchmark is per published message; ns/copy is per
// delivered copy. The closing note of issue 6 gives the rows of
// Fanout100, Fanout100Distinct and Fanout100Queues from one run.

var body256 = strings.Repeat("x", 256)

// BenchmarkChanBaseline is the naive baseline: one producer and one
// consumer pass 256-byte messages through a buffered channel of 1,024.
// One op is one message passed.
func BenchmarkChanBaseline(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan string, 1024)
	done := make(chan struct{})
	go func() {
		for range ch {
		}
		close(done)
	}()
	for b.Loop() {
		ch <- body256
	}
	close(ch)
	<-done
}

// counter is the cheapest queue endpoint: it counts what it is sent.
type counter struct{ n atomic.Int64 }

func (c *counter) Send(context.Context, queue.SendInput) (string, error) {
	c.n.Add(1)
	return "", nil
}

// fanout100 publishes 256-byte messages to 100 queue subscriptions whose
// policies ({"color":["red"]} or {"color":["blue"]}) each accept half the
// messages, so a message makes 50 copies, and flushes every 1,024 messages.
// It reports ns per delivered copy (ns/copy), the figure to hold against
// BenchmarkChanBaseline's ns/op; ns/op is per published message.
func fanout100(b *testing.B, raw bool, endpoint func(j int) pubsub.Endpoint) {
	fanout(b, raw, endpoint, func(j int) string { return fmt.Sprintf(`{"color":[%q]}`, colors[j%2]) })
}

func fanout(b *testing.B, raw bool, endpoint func(j int) pubsub.Endpoint, policyOf func(j int) string) {
	b.ReportAllocs()
	tp, err := pubsub.NewTopic(pubsub.TopicConfig{SigningKey: testKey()})
	if err != nil {
		b.Fatal(err)
	}
	defer tp.Close()
	for j := range 100 {
		if _, err := tp.Subscribe(ctx, endpoint(j), pubsub.SubscriptionConfig{FilterPolicy: policyOf(j), RawMessageDelivery: raw}); err != nil {
			b.Fatal(err)
		}
	}
	msgs := [2]pubsub.PublishInput{}
	for i := range msgs {
		msgs[i] = pubsub.PublishInput{Message: body256, Attributes: map[string]pubsub.Attribute{
			"color": filter.StringAttribute(colors[i]),
			"kind":  filter.StringAttribute("order"),
		}}
	}
	i := 0
	for b.Loop() {
		if _, err := tp.Publish(ctx, msgs[i&1]); err != nil {
			b.Fatal(err)
		}
		i++
		// Publish never blocks: without a pause now and then, the backlog
		// (and the heap the collector scans) would grow with b.N.
		if i%1024 == 0 {
			if err := tp.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tp.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	st := tp.Stats()
	if st.Delivered != int64(i)*50 {
		b.Fatalf("delivered %d copies of %d messages, want %d", st.Delivered, i, i*50)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(st.Delivered), "ns/copy")
}

// BenchmarkFanout100 is fan-out to 100 queue endpoints in the envelope
// (one JSON envelope per message, completed per subscription), measuring
// the topic's own cost: the endpoints only count.
func BenchmarkFanout100(b *testing.B) {
	fanout100(b, false, func(int) pubsub.Endpoint { return pubsub.Queue(&counter{}) })
}

// BenchmarkFanout100Raw is the same with raw delivery: no envelope.
func BenchmarkFanout100Raw(b *testing.B) {
	fanout100(b, true, func(int) pubsub.Endpoint { return pubsub.Queue(&counter{}) })
}

// BenchmarkFanout100Queues delivers into 100 real *queue.Queue values, in
// the envelope: the queue's Send is most of the cost.
func BenchmarkFanout100Queues(b *testing.B) {
	fanout100(b, false, func(j int) pubsub.Endpoint {
		q, err := queue.New(queue.Config{Name: fmt.Sprint("q", j), MaxInFlight: queue.NoLimit})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { q.Close() })
		return pubsub.Queue(q)
	})
}

// BenchmarkFanout100Distinct is BenchmarkFanout100 with 100 distinct
// policies ({"color":["red"],"kind":[{"anything-but":"x7"}]}), each
// evaluated for every message: the topic cannot share an evaluation
// between subscriptions.
func BenchmarkFanout100Distinct(b *testing.B) {
	fanout(b, false, func(int) pubsub.Endpoint { return pubsub.Queue(&counter{}) }, func(j int) string {
		return fmt.Sprintf(`{"color":[%q],"kind":[{"anything-but":"x%d"}]}`, colors[j%2], j)
	})
}
