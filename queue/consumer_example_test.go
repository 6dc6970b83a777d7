package queue_test

import (
	"context"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/queue"
)

// A consumer runs a handler over batches, as an SQS event source mapping
// runs a function: what succeeds is deleted, what fails comes back after
// the visibility timeout and, after its tries, lands in the dead-letter
// queue.
func ExampleNewConsumer() {
	ctx := context.Background()
	clk := clock.NewMock()
	dlq, _ := queue.New(queue.Config{Name: "orders-dlq", Clock: clk})
	defer dlq.Close()
	q, _ := queue.New(queue.Config{Name: "orders", Clock: clk, Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 1}})
	defer q.Close()
	q.SendBatch(ctx, []queue.SendBatchEntry{
		{ID: "a", SendInput: queue.SendInput{Body: "order 1"}},
		{ID: "b", SendInput: queue.SendInput{Body: "not an order"}},
		{ID: "c", SendInput: queue.SendInput{Body: "order 2"}},
	})

	handled := make(chan struct{})
	handler := func(_ context.Context, msgs []queue.Message) error {
		defer func() { handled <- struct{}{} }()
		var failed queue.BatchItemFailures
		for _, m := range msgs {
			if m.Body == "not an order" {
				failed.MessageIDs = append(failed.MessageIDs, m.ID)
				continue
			}
			fmt.Println("stored", m.Body)
		}
		return &failed
	}
	c, err := queue.NewConsumer(q, handler, queue.ConsumerConfig{ReportBatchItemFailures: true})
	if err != nil {
		panic(err)
	}
	<-handled
	c.Close()
	fmt.Printf("%+v\n", c.Stats())

	clk.Add(30 * time.Second) // the failed message's visibility timeout ends
	msgs, _ := q.Receive(ctx, queue.ReceiveOptions{})
	fmt.Println("received after 30 s:", len(msgs), "(its one try was used: it moved)")
	dead, _ := dlq.Receive(ctx, queue.ReceiveOptions{})
	fmt.Println("dead letter:", dead[0].Body)
	// Output:
	// stored order 1
	// stored order 2
	// {Running:0 Succeeded:2 Failed:1}
	// received after 30 s: 0 (its one try was used: it moved)
	// dead letter: not an order
}
