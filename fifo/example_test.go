package fifo_test

import (
	"context"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/fifo"
)

// Messages of a group come in order, one receive at a time; other groups
// go on meanwhile. (With content-based deduplication two sends of the same
// body within 5 minutes are one message, whatever their groups, unless
// DeduplicationScope is ScopeMessageGroup; the bodies here differ.)
func ExampleQueue() {
	ctx := context.Background()
	q, err := fifo.New(fifo.Config{Name: "orders.fifo", ContentBasedDeduplication: true, Clock: clock.NewMock()})
	if err != nil {
		panic(err)
	}
	defer q.Close()
	for _, m := range []struct{ group, body string }{
		{"customer-1", "order 1 created"}, {"customer-2", "order 2 created"},
		{"customer-1", "order 1 paid"}, {"customer-1", "order 1 shipped"},
	} {
		if _, err := q.Send(ctx, fifo.SendInput{Body: m.body, GroupID: m.group}); err != nil {
			panic(err)
		}
	}
	for {
		msgs, err := q.Receive(ctx, fifo.ReceiveOptions{MaxMessages: 2})
		if err != nil {
			panic(err)
		}
		if len(msgs) == 0 {
			break
		}
		for _, m := range msgs {
			fmt.Println(m.GroupID, m.Body)
			if err := q.Delete(ctx, m.ReceiptHandle); err != nil {
				panic(err)
			}
		}
	}
	// Output:
	// customer-1 order 1 created
	// customer-1 order 1 paid
	// customer-2 order 2 created
	// customer-1 order 1 shipped
}

// A send repeated within 5 minutes is accepted and dropped: it returns the
// first message's ID. After 5 minutes the ID is new again.
func ExampleQueue_Send_deduplication() {
	ctx := context.Background()
	clk := clock.NewMock()
	q, err := fifo.New(fifo.Config{Name: "payments.fifo", Clock: clk})
	if err != nil {
		panic(err)
	}
	defer q.Close()
	charge := fifo.SendInput{Body: "charge 42 EUR", GroupID: "card-7", DeduplicationID: "charge-1001"}
	first, _ := q.Send(ctx, charge)
	clk.Add(4 * time.Minute)
	retry, _ := q.Send(ctx, charge) // a producer's retry after a timeout
	fmt.Println("retry is the same message:", retry.MessageID == first.MessageID)
	clk.Add(time.Minute)
	later, _ := q.Send(ctx, charge)
	fmt.Println("after 5 minutes, a new message:", later.MessageID != first.MessageID)
	s, _ := q.Stats()
	fmt.Println("messages stored:", s.Visible)
	// Output:
	// retry is the same message: true
	// after 5 minutes, a new message: true
	// messages stored: 2
}

// While a message is in flight its whole group waits; when the visibility
// timeout ends, the group starts again from that message.
func ExampleQueue_Receive_groupBlocking() {
	ctx := context.Background()
	clk := clock.NewMock()
	q, err := fifo.New(fifo.Config{Name: "jobs.fifo", ContentBasedDeduplication: true, VisibilityTimeout: 30 * time.Second, Clock: clk})
	if err != nil {
		panic(err)
	}
	defer q.Close()
	for _, body := range []string{"step 1", "step 2"} {
		if _, err := q.Send(ctx, fifo.SendInput{Body: body, GroupID: "job-9"}); err != nil {
			panic(err)
		}
	}
	msgs, _ := q.Receive(ctx, fifo.ReceiveOptions{})
	fmt.Println("received:", msgs[0].Body, "(the consumer crashes and never deletes it)")
	msgs, _ = q.Receive(ctx, fifo.ReceiveOptions{})
	fmt.Println("while it is in flight:", len(msgs), "messages")
	clk.Add(30 * time.Second)
	msgs, _ = q.Receive(ctx, fifo.ReceiveOptions{MaxMessages: 10})
	for _, m := range msgs {
		fmt.Printf("after the timeout: %s (receive %d)\n", m.Body, m.ReceiveCount)
	}
	// Output:
	// received: step 1 (the consumer crashes and never deletes it)
	// while it is in flight: 0 messages
	// after the timeout: step 1 (receive 2)
	// after the timeout: step 2 (receive 1)
}
