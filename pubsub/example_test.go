package pubsub_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/pubsub/filter"
	"github.com/stratus-go/stratus/queue"
)

// A topic fans an order out to two queues: one takes every order, the
// other, by its filter policy, only the large ones.
func ExampleTopic() {
	ctx := context.Background()
	clk := clock.NewMock()
	orders, err := pubsub.NewTopic(pubsub.TopicConfig{Name: "orders", Clock: clk})
	if err != nil {
		panic(err)
	}
	defer orders.Close()
	shipping, _ := queue.New(queue.Config{Name: "shipping", Clock: clk})
	defer shipping.Close()
	large, _ := queue.New(queue.Config{Name: "large-orders", Clock: clk})
	defer large.Close()

	orders.Subscribe(ctx, pubsub.Queue(shipping), pubsub.SubscriptionConfig{RawMessageDelivery: true})
	orders.Subscribe(ctx, pubsub.Queue(large), pubsub.SubscriptionConfig{
		FilterPolicy: `{"total": [{"numeric": [">=", 1000]}]}`,
	})
	for _, total := range []string{"40", "2500"} {
		orders.Publish(ctx, pubsub.PublishInput{
			Message:    "order of " + total,
			Attributes: map[string]pubsub.Attribute{"total": filter.NumberAttribute(total)},
		})
	}
	orders.Flush(ctx) // the deliveries are done

	for _, q := range []*queue.Queue{shipping, large} {
		msgs, _ := q.Receive(ctx, queue.ReceiveOptions{MaxMessages: 10})
		var lines []string
		for _, m := range msgs {
			body := m.Body
			if q == large { // the JSON envelope: the message is inside
				var n pubsub.Notification
				json.Unmarshal([]byte(m.Body), &n)
				body = n.Type + ": " + n.Message
			}
			lines = append(lines, q.Name()+": "+body)
		}
		slices.Sort(lines) // a standard topic keeps no order
		fmt.Println(strings.Join(lines, "\n"))
	}
	st := orders.Stats()
	fmt.Println("published", st.Published, "delivered", st.Delivered, "filtered out", st.FilteredOut)
	// Output:
	// shipping: order of 2500
	// shipping: order of 40
	// large-orders: Notification: order of 2500
	// published 2 delivered 3 filtered out 1
}

// A function subscriber gets the Lambda event of each message its filter
// policy accepts. A function that fails is retried on the clock, by the
// schedule SNS uses for AWS-managed endpoints (Lambda's own two retries of
// an asynchronous invocation are not modelled).
func ExampleFunc() {
	ctx := context.Background()
	clk := clock.NewMock()
	alerts, _ := pubsub.NewTopic(pubsub.TopicConfig{Name: "alerts", Clock: clk})
	defer alerts.Close()

	calls := 0
	page := pubsub.Func(func(_ context.Context, ev pubsub.Event) error {
		calls++
		if calls == 1 {
			return errors.New("pager busy") // retried at once
		}
		r := ev.Records[0]
		fmt.Printf("paged: %s (%s, attribute severity=%s)\n",
			r.SNS.Message, r.EventSource, r.SNS.MessageAttributes["severity"].Value)
		return nil
	})
	alerts.Subscribe(ctx, page, pubsub.SubscriptionConfig{FilterPolicy: `{"severity": ["critical"]}`})
	for _, sev := range []string{"info", "critical"} {
		alerts.Publish(ctx, pubsub.PublishInput{
			Message:    "disk " + sev,
			Attributes: map[string]pubsub.Attribute{"severity": filter.StringAttribute(sev)},
		})
	}
	alerts.Flush(ctx)
	st := alerts.Stats()
	fmt.Println("delivered", st.Delivered, "retries", st.Retries, "filtered out", st.FilteredOut)
	// Output:
	// paged: disk critical (aws:sns, attribute severity=critical)
	// delivered 1 retries 1 filtered out 1
}

// An HTTP handler confirms its subscription, then checks each message's
// signature with the topic's certificate, using only the standard library,
// as it would for Amazon SNS.
func ExampleHandler() {
	ctx := context.Background()
	topic, _ := pubsub.NewTopic(pubsub.TopicConfig{Name: "events", Clock: clock.NewMock()})
	defer topic.Close()

	block, _ := pem.Decode(topic.CertificatePEM())
	cert, _ := x509.ParseCertificate(block.Bytes)
	verify := func(n pubsub.Notification) error {
		field := func(k, v string) string { return k + "\n" + v + "\n" }
		var s string
		switch n.Type {
		case "Notification":
			s = field("Message", n.Message) + field("MessageId", n.MessageID)
			if n.Subject != "" {
				s += field("Subject", n.Subject)
			}
			s += field("Timestamp", n.Timestamp) + field("TopicArn", n.TopicArn) + field("Type", n.Type)
		default: // SubscriptionConfirmation
			s = field("Message", n.Message) + field("MessageId", n.MessageID) + field("SubscribeURL", n.SubscribeURL) +
				field("Timestamp", n.Timestamp) + field("Token", n.Token) + field("TopicArn", n.TopicArn) + field("Type", n.Type)
		}
		sig, err := base64.StdEncoding.DecodeString(n.Signature)
		if err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(s))
		return rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig)
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var n pubsub.Notification
		if json.Unmarshal(body, &n) != nil || verify(n) != nil {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		fmt.Printf("%s (%s), signature ok\n", n.Type, r.Header.Get("x-amz-sns-message-type"))
		switch n.Type {
		case "SubscriptionConfirmation":
			topic.ConfirmSubscription(r.Context(), n.Token) // instead of visiting n.SubscribeURL
		case "Notification":
			fmt.Println("message:", n.Message)
		}
	})
	sub, _ := topic.Subscribe(ctx, pubsub.Handler(handler), pubsub.SubscriptionConfig{})
	topic.Flush(ctx)
	fmt.Println("pending:", sub.Pending())
	topic.Publish(ctx, pubsub.PublishInput{Message: "user signed up", Subject: "signup"})
	topic.Flush(ctx)
	// Output:
	// SubscriptionConfirmation (SubscriptionConfirmation), signature ok
	// pending: false
	// Notification (Notification), signature ok
	// message: user signed up
}

// An endpoint error made with Permanent is not retried: the message goes
// straight to the subscription's dead-letter queue, with the reason in its
// attributes. (Other errors are retried first, on the clock, by the
// protocol's schedule.)
func ExampleSubscriptionConfig_deadLetter() {
	ctx := context.Background()
	clk := clock.NewMock()
	topic, _ := pubsub.NewTopic(pubsub.TopicConfig{Clock: clk})
	defer topic.Close()
	dlq, _ := queue.New(queue.Config{Name: "failed", Clock: clk})
	defer dlq.Close()

	gone := pubsub.Func(func(context.Context, pubsub.Event) error {
		return pubsub.Permanent(errors.New("no such customer"))
	})
	sub, _ := topic.Subscribe(ctx, gone, pubsub.SubscriptionConfig{DeadLetter: pubsub.Queue(dlq)})
	topic.Publish(ctx, pubsub.PublishInput{Message: "invoice 7"})
	topic.Flush(ctx)

	msgs, _ := dlq.Receive(ctx, queue.ReceiveOptions{})
	var n pubsub.Notification
	json.Unmarshal([]byte(msgs[0].Body), &n)
	fmt.Println(n.Message, "→", msgs[0].Attributes["ErrorCode"].StringValue, msgs[0].Attributes["ErrorMessage"].StringValue)
	st := sub.Stats()
	fmt.Println("retries", st.Retries, "dead-lettered", st.DeadLettered)
	// Output:
	// invoice 7 → ClientError no such customer
	// retries 0 dead-lettered 1
}
