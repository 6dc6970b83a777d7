package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"sort"
	"sync"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/pubsub/filter"
	"github.com/stratus-go/stratus/queue"
)

// tourPubSub shows a topic: one publish, a copy to each subscription its
// filter policy lets through, a function retried after a failure, and an
// HTTP handler that must confirm its subscription before it gets messages.
func tourPubSub(ctx context.Context, clk *clock.Mock) {
	fmt.Println("10. A topic: fan-out, filter policies, retries, HTTP confirmation")
	topic, err := pubsub.NewTopic(pubsub.TopicConfig{Name: "payments", Clock: clk})
	if err != nil {
		log.Fatal(err)
	}
	defer topic.Close()
	ledger := newQueue(queue.Config{Name: "ledger", Clock: clk})
	defer ledger.Close()
	mustSubscribe := func(e pubsub.Endpoint, cfg pubsub.SubscriptionConfig) *pubsub.Subscription {
		s, err := topic.Subscribe(ctx, e, cfg)
		if err != nil {
			log.Fatal(err)
		}
		return s
	}
	mustSubscribe(pubsub.Queue(ledger), pubsub.SubscriptionConfig{RawMessageDelivery: true})

	var mu sync.Mutex // guards tries and seen: the subscriptions run on different workers
	tries := 0
	var seen []string
	fraud := mustSubscribe(pubsub.Func(func(_ context.Context, ev pubsub.Event) error {
		mu.Lock()
		defer mu.Unlock()
		if tries++; tries == 1 {
			return errors.New("model not loaded yet") // retried at once, by SNS's schedule for AWS-managed endpoints
		}
		seen = append(seen, fmt.Sprintf("the fraud check (a function) got %q on try %d", ev.Records[0].SNS.Message, tries))
		return nil
	}), pubsub.SubscriptionConfig{FilterPolicy: `{"amount": [{"numeric": [">", 500]}]}`})

	webhook := mustSubscribe(pubsub.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var n pubsub.Notification
		if err := json.Unmarshal(body, &n); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		switch n.Type {
		case "SubscriptionConfirmation":
			fmt.Println("   the webhook (an http.Handler) got a SubscriptionConfirmation and confirms with its token")
			if _, err := topic.ConfirmSubscription(r.Context(), n.Token); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		case "Notification":
			mu.Lock()
			seen = append(seen, fmt.Sprintf("the webhook got %q, signed (SignatureVersion %s)", n.Message, n.SignatureVersion))
			mu.Unlock()
		}
	})), pubsub.SubscriptionConfig{})
	if err := topic.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("   webhook pending confirmation: %v\n", webhook.Pending())

	for _, amount := range []string{"20", "900"} {
		if _, err := topic.Publish(ctx, pubsub.PublishInput{
			Message:    "payment of " + amount,
			Attributes: map[string]pubsub.Attribute{"amount": filter.NumberAttribute(amount)},
		}); err != nil {
			log.Fatal(err)
		}
	}
	if err := topic.Flush(ctx); err != nil { // wait for the deliveries
		log.Fatal(err)
	}
	sort.Strings(seen) // the subscriptions ran in parallel: print in a fixed order
	for _, line := range seen {
		fmt.Println("  ", line)
	}
	msgs, err := ledger.Receive(ctx, queue.ReceiveOptions{MaxMessages: 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("   the ledger queue holds %d messages; the fraud check filtered out %d\n", len(msgs), fraud.Stats().FilteredOut)
	st := topic.Stats()
	fmt.Printf("   topic: %d published, %d copies delivered, %d retried\n", st.Published, st.Delivered, st.Retries)
}
