package main

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/queue"
)

// tourConsumer runs a handler over a batch the way an SQS event source
// mapping runs a Lambda function, and reports one message as failed.
func tourConsumer(ctx context.Context, clk clock.Clock) {
	fmt.Println("5. A consumer (an event source mapping)")
	emails := newQueue(queue.Config{Name: "emails", Clock: clk})
	defer emails.Close()
	for _, to := range []string{"ann@example.com", "bob@example.com", "not-an-address", "cy@example.com"} {
		send(ctx, emails, to)
	}
	fmt.Println("   sent 4 messages, one of them not an address")

	handled := make(chan struct{})
	handler := func(_ context.Context, msgs []queue.Message) error {
		defer close(handled)
		var failed queue.BatchItemFailures
		for _, m := range msgs {
			if !strings.Contains(m.Body, "@") {
				failed.MessageIDs = append(failed.MessageIDs, m.ID)
			}
		}
		fmt.Printf("   the handler got a batch of %d and reports %d failed\n", len(msgs), len(failed.MessageIDs))
		return &failed
	}
	c, err := queue.NewConsumer(emails, handler, queue.ConsumerConfig{BatchSize: 10, ReportBatchItemFailures: true})
	if err != nil {
		log.Fatal(err)
	}
	<-handled
	if err := c.Close(); err != nil {
		log.Fatal(err)
	}
	s := c.Stats()
	fmt.Printf("   the consumer deleted %d; the failed one stays in flight and comes back after its visibility timeout\n", s.Succeeded)
	printStats("   emails:", emails)
}
