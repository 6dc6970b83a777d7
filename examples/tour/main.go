// Tour walks through the queues on a fake clock: send and receive, the
// visibility timeout, a dead-letter queue, a long poll, a consumer that runs
// a handler over batches, a message too large for the queue that goes
// through a bucket, a FIFO queue's groups and deduplication, a data stream
// with shards, the deployment policies of Elastic Beanstalk compared, and a
// topic fanning out to subscribers. It runs in
// well under a second, because the clock moves only when the program moves
// it.
//
//	go run ./examples/tour
package main

import (
	"context"
	"fmt"
	"log"
	"runtime"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/queue"
)

func main() {
	ctx := context.Background()
	clk := clock.NewMock() // fake time: it moves only when we call clk.Add
	start := clk.Now()

	// 1. Send a message and receive it.
	fmt.Println("1. Send and receive")
	orders := newQueue(queue.Config{Name: "orders", VisibilityTimeout: 30 * time.Second, Clock: clk})
	defer orders.Close()
	send(ctx, orders, "order #1")
	m := receiveOne(ctx, orders)
	fmt.Printf("   received %q, receive count %d\n", m.Body, m.ReceiveCount)

	// 2. We did not delete it, so it stays in flight, hidden from other
	// receivers, until its visibility timeout ends.
	fmt.Println("2. Visibility timeout")
	receiveNone(ctx, orders)
	fmt.Println("   not deleted: the message is in flight, and a receive finds nothing")
	printStats("   orders:", orders)
	clk.Add(31 * time.Second)
	fmt.Println("   the clock moves on 31 s, past the 30 s visibility timeout")
	m = receiveOne(ctx, orders)
	fmt.Printf("   received %q again, receive count %d\n", m.Body, m.ReceiveCount)
	if err := orders.Delete(ctx, m.ReceiptHandle); err != nil {
		log.Fatal(err)
	}
	fmt.Println("   deleted it, with the receipt handle of this receive")
	printStats("   orders:", orders)

	// 3. A dead-letter queue takes the messages that keep failing.
	fmt.Println("3. Dead-letter queue")
	dlq := newQueue(queue.Config{Name: "payments-dlq", Clock: clk})
	defer dlq.Close()
	payments := newQueue(queue.Config{
		Name:              "payments",
		VisibilityTimeout: 10 * time.Second,
		Redrive:           &queue.Redrive{Target: dlq, MaxReceiveCount: 2},
		Clock:             clk,
	})
	defer payments.Close()
	send(ctx, payments, "charge card 4242")
	for range 2 {
		m := receiveOne(ctx, payments)
		fmt.Printf("   received %q, receive count %d: the handler fails and does not delete it\n", m.Body, m.ReceiveCount)
		clk.Add(11 * time.Second) // past the 10 s visibility timeout
	}
	receiveNone(ctx, payments)
	fmt.Println("   third receive: nothing; the message had its 2 receives and moved to the dead-letter queue")
	printStats("   payments:", payments)
	printStats("   payments-dlq:", dlq)
	m = receiveOne(ctx, dlq)
	fmt.Printf("   received %q from payments-dlq, receive count %d there\n", m.Body, m.ReceiveCount)

	// 4. Long polling: a receive with a wait time blocks until a message
	// becomes visible or the wait runs out, instead of returning empty at
	// once. Here the message is delayed 10 s, and the clock ends the delay.
	fmt.Println("4. Long polling")
	jobs := newQueue(queue.Config{Name: "jobs", Clock: clk})
	defer jobs.Close()
	if _, err := jobs.Send(ctx, queue.SendInput{Body: "resize image 7", Delay: new(10 * time.Second)}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(`   sent "resize image 7" with a 10 s delay`)
	type result struct {
		msgs []queue.Message
		err  error
	}
	done := make(chan result)
	go func() {
		msgs, err := jobs.Receive(ctx, queue.ReceiveOptions{WaitTime: new(20 * time.Second)})
		done <- result{msgs, err}
	}()
	waitForReceiver(jobs) // move the clock only once the receive waits
	fmt.Println("   another goroutine's receive waits up to 20 s for a message")
	clk.Add(10 * time.Second)
	fmt.Println("   the clock moves on 10 s: the delay ends")
	r := <-done
	if r.err != nil {
		log.Fatal(r.err)
	}
	if len(r.msgs) != 1 {
		log.Fatalf("jobs: the long poll returned %d messages, want 1", len(r.msgs))
	}
	fmt.Printf("   the waiting receive returned %q\n", r.msgs[0].Body)

	tourConsumer(ctx, clk)
	tourLargeMessage(ctx, clk)
	tourFIFO(ctx, clk)
	tourStream(ctx, clk)
	tourDeploy(ctx, clk)
	tourPubSub(ctx, clk)

	fmt.Printf("Done: %v of fake time passed.\n", clk.Now().Sub(start))
}

func newQueue(cfg queue.Config) *queue.Queue {
	q, err := queue.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	return q
}

func send(ctx context.Context, q *queue.Queue, body string) {
	if _, err := q.Send(ctx, queue.SendInput{Body: body}); err != nil {
		log.Fatal(err)
	}
}

// receive short polls: it returns at once with what is visible now.
func receive(ctx context.Context, q *queue.Queue) []queue.Message {
	msgs, err := q.Receive(ctx, queue.ReceiveOptions{})
	if err != nil {
		log.Fatal(err)
	}
	return msgs
}

func receiveOne(ctx context.Context, q *queue.Queue) queue.Message {
	msgs := receive(ctx, q)
	if len(msgs) != 1 {
		log.Fatalf("%s: received %d messages, want 1", q.Name(), len(msgs))
	}
	return msgs[0]
}

func receiveNone(ctx context.Context, q *queue.Queue) {
	if msgs := receive(ctx, q); len(msgs) != 0 {
		log.Fatalf("%s: received %d messages, want none", q.Name(), len(msgs))
	}
}

// waitForReceiver returns once a Receive is blocked on q. It yields rather
// than sleeps: nothing here waits on real time.
func waitForReceiver(q *queue.Queue) {
	for {
		s, err := q.Stats()
		if err != nil {
			log.Fatal(err)
		}
		if s.WaitingReceives > 0 {
			return
		}
		runtime.Gosched()
	}
}

func printStats(label string, q *queue.Queue) {
	s, err := q.Stats()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %d visible, %d in flight, %d delayed\n", label, s.Visible, s.InFlight, s.Delayed)
}
