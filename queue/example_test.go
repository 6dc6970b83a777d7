package queue_test

import (
	"context"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/queue"
)

func ExampleQueue() {
	ctx := context.Background()
	q, err := queue.New(queue.Config{Name: "orders"})
	if err != nil {
		panic(err)
	}
	defer q.Close()

	_, err = q.Send(ctx, queue.SendInput{
		Body:       "order #1",
		Attributes: map[string]queue.Attribute{"priority": queue.NumberAttribute("2")},
	})
	if err != nil {
		panic(err)
	}

	msgs, err := q.Receive(ctx, queue.ReceiveOptions{MaxMessages: 10})
	if err != nil {
		panic(err)
	}
	for _, m := range msgs {
		fmt.Println(m.Body, m.Attributes["priority"].StringValue, m.ReceiveCount)
		// processed: delete it, or it comes back after the visibility timeout
		if err := q.Delete(ctx, m.ReceiptHandle); err != nil {
			panic(err)
		}
	}
	s, _ := q.Stats()
	fmt.Println("left:", s.Visible+s.InFlight)
	// Output:
	// order #1 2 1
	// left: 0
}

// A message that is received and not deleted comes back when its visibility
// timeout ends; a mock clock moves the 30 seconds at once.
func ExampleQueue_visibilityTimeout() {
	ctx := context.Background()
	clk := clock.NewMock()
	q, err := queue.New(queue.Config{Clock: clk}) // 30 s visibility timeout
	if err != nil {
		panic(err)
	}
	defer q.Close()
	q.Send(ctx, queue.SendInput{Body: "resize image 7"})

	first, _ := q.Receive(ctx, queue.ReceiveOptions{})
	fmt.Println("received:", first[0].Body)

	none, _ := q.Receive(ctx, queue.ReceiveOptions{})
	fmt.Println("while in flight:", len(none))

	// a slow worker can ask for more time, counted from now
	clk.Add(20 * time.Second)
	q.ChangeVisibility(ctx, first[0].ReceiptHandle, time.Minute)
	clk.Add(59 * time.Second)
	none, _ = q.Receive(ctx, queue.ReceiveOptions{})
	fmt.Println("after 79 s:", len(none))

	clk.Add(time.Second)
	again, _ := q.Receive(ctx, queue.ReceiveOptions{})
	fmt.Println("after 80 s:", again[0].Body, "receive count", again[0].ReceiveCount)
	// Output:
	// received: resize image 7
	// while in flight: 0
	// after 79 s: 0
	// after 80 s: resize image 7 receive count 2
}

// After MaxReceiveCount receives without a delete, the next receive moves
// the message to the dead-letter queue instead of returning it.
func ExampleRedrive() {
	ctx := context.Background()
	clk := clock.NewMock()
	dlq, _ := queue.New(queue.Config{Name: "payments-dlq", Clock: clk})
	defer dlq.Close()
	q, err := queue.New(queue.Config{
		Name:    "payments",
		Clock:   clk,
		Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 2},
	})
	if err != nil {
		panic(err)
	}
	defer q.Close()
	q.Send(ctx, queue.SendInput{Body: "charge card 4242"})

	for range 3 {
		msgs, _ := q.Receive(ctx, queue.ReceiveOptions{})
		if len(msgs) == 0 {
			fmt.Println("nothing: moved to the dead-letter queue")
			break
		}
		fmt.Println("received, count", msgs[0].ReceiveCount, "- handler fails")
		clk.Add(30 * time.Second) // visibility timeout ends
	}
	dead, _ := dlq.Receive(ctx, queue.ReceiveOptions{})
	fmt.Println("dead letter:", dead[0].Body)
	// Output:
	// received, count 1 - handler fails
	// received, count 2 - handler fails
	// nothing: moved to the dead-letter queue
	// dead letter: charge card 4242
}

// Long polling: a receive with a wait time returns as soon as a message
// arrives. (On the mock clock the 20 s never run out unless it is moved.)
func ExampleReceiveOptions_longPolling() {
	ctx := context.Background()
	q, _ := queue.New(queue.Config{Clock: clock.NewMock()})
	defer q.Close()

	got := make(chan string)
	go func() {
		msgs, _ := q.Receive(ctx, queue.ReceiveOptions{WaitTime: new(20 * time.Second)})
		got <- msgs[0].Body
	}()
	q.Send(ctx, queue.SendInput{Body: "wake up"})
	fmt.Println(<-got)
	// Output:
	// wake up
}
