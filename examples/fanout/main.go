// Fanout is the classic SNS fan-out: an order topic publishes each order
// once, and three subscribers get it their own way. A shipping queue takes
// every order as it was published (raw delivery); an analytics function
// gets each in the Lambda event shape and keeps running totals; a
// high-value queue, by its filter policy, takes only orders of 1,000 or
// more, in the SNS envelope. The analytics function fails once, and the
// topic retries it at once, by SNS's schedule for AWS-managed endpoints
// (real Lambda would retry the asynchronous invocation itself). It runs
// on a fake clock, in well under a second.
//
//	go run ./examples/fanout
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"slices"
	"sync"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/pubsub/filter"
	"github.com/stratus-go/stratus/queue"
)

// order is a message body.
type order struct {
	ID       string `json:"id"`
	Customer string `json:"customer"`
	Total    int    `json:"total"`
}

// analytics is what the analytics function computes.
type analytics struct {
	mu      sync.Mutex
	orders  int
	revenue int
	failed  bool // the first call fails, to show a retry
}

func (a *analytics) handle(_ context.Context, ev pubsub.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.failed {
		a.failed = true
		return errors.New("warehouse connection lost")
	}
	for _, r := range ev.Records {
		var o order
		if err := json.Unmarshal([]byte(r.SNS.Message), &o); err != nil {
			return pubsub.Permanent(err) // a bad message: no retry
		}
		a.orders++
		a.revenue += o.Total
	}
	return nil
}

func main() {
	ctx := context.Background()
	clk := clock.NewMock()
	orders, err := pubsub.NewTopic(pubsub.TopicConfig{Name: "orders", Clock: clk})
	if err != nil {
		log.Fatal(err)
	}
	defer orders.Close()
	shipping := newQueue("shipping", clk)
	defer shipping.Close()
	highValue := newQueue("high-value", clk)
	defer highValue.Close()
	stats := &analytics{}

	subscribe(ctx, orders, pubsub.Queue(shipping), pubsub.SubscriptionConfig{RawMessageDelivery: true})
	subscribe(ctx, orders, pubsub.Func(stats.handle), pubsub.SubscriptionConfig{})
	subscribe(ctx, orders, pubsub.Queue(highValue), pubsub.SubscriptionConfig{
		FilterPolicy:      `{"total": [{"numeric": [">=", 1000]}]}`,
		FilterPolicyScope: filter.MessageBody,
	})
	fmt.Printf("topic %s with %d subscriptions\n", orders.ARN(), len(orders.Subscriptions()))

	for _, o := range []order{{"o-1", "ada", 120}, {"o-2", "grace", 4500}, {"o-3", "alan", 30}, {"o-4", "ada", 1000}} {
		body, _ := json.Marshal(o)
		_, err := orders.Publish(ctx, pubsub.PublishInput{
			Message:    string(body),
			Subject:    "order " + o.ID,
			Attributes: map[string]pubsub.Attribute{"customer": filter.StringAttribute(o.Customer)},
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("published %s (total %d)\n", o.ID, o.Total)
	}
	if err := orders.Flush(ctx); err != nil { // every delivery done
		log.Fatal(err)
	}

	// A standard topic keeps no order: print each queue's messages sorted.
	fmt.Println("shipping queue (raw bodies):")
	var lines []string
	for _, m := range receiveAll(ctx, shipping) {
		lines = append(lines, m.Body)
	}
	printSorted(lines)
	fmt.Println("high-value queue (SNS envelopes, filtered by total ≥ 1000):")
	lines = nil
	for _, m := range receiveAll(ctx, highValue) {
		var n pubsub.Notification
		if err := json.Unmarshal([]byte(m.Body), &n); err != nil {
			log.Fatal(err)
		}
		lines = append(lines, fmt.Sprintf("%s %q: %s (customer=%s)", n.Type, n.Subject, n.Message, n.MessageAttributes["customer"].Value))
	}
	printSorted(lines)
	stats.mu.Lock()
	fmt.Printf("analytics function: %d orders, revenue %d\n", stats.orders, stats.revenue)
	stats.mu.Unlock()
	for _, s := range orders.Subscriptions() {
		st := s.Stats()
		fmt.Printf("  %-6s %-10s delivered %d, filtered out %d, retries %d\n", s.Protocol(), s.Endpoint(), st.Delivered, st.FilteredOut, st.Retries)
	}
}

func printSorted(lines []string) {
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println("  ", l)
	}
}

func newQueue(name string, clk clock.Clock) *queue.Queue {
	q, err := queue.New(queue.Config{Name: name, Clock: clk})
	if err != nil {
		log.Fatal(err)
	}
	return q
}

func subscribe(ctx context.Context, t *pubsub.Topic, e pubsub.Endpoint, cfg pubsub.SubscriptionConfig) {
	if _, err := t.Subscribe(ctx, e, cfg); err != nil {
		log.Fatal(err)
	}
}

// receiveAll receives and deletes every message of q.
func receiveAll(ctx context.Context, q *queue.Queue) []queue.Message {
	var all []queue.Message
	for {
		msgs, err := q.Receive(ctx, queue.ReceiveOptions{MaxMessages: 10})
		if err != nil {
			log.Fatal(err)
		}
		if len(msgs) == 0 {
			return all
		}
		for _, m := range msgs {
			if err := q.Delete(ctx, m.ReceiptHandle); err != nil {
				log.Fatal(err)
			}
		}
		all = append(all, msgs...)
	}
}
