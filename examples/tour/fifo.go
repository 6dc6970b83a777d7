package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/fifo"
)

// tourFIFO shows a FIFO queue: order within a message group, a group held
// while one of its messages is in flight, and a repeated send dropped by
// deduplication.
func tourFIFO(ctx context.Context, clk *clock.Mock) {
	fmt.Println("7. A FIFO queue: message groups and deduplication")
	q, err := fifo.New(fifo.Config{Name: "accounts.fifo", VisibilityTimeout: 30 * time.Second, Clock: clk})
	if err != nil {
		log.Fatal(err)
	}
	defer q.Close()
	sendFIFO := func(group, body, dedup string) fifo.SendResult {
		res, err := q.Send(ctx, fifo.SendInput{Body: body, GroupID: group, DeduplicationID: dedup})
		if err != nil {
			log.Fatal(err)
		}
		return res
	}
	first := sendFIFO("account-1", "deposit 100", "tx-1")
	sendFIFO("account-1", "withdraw 30", "tx-2")
	sendFIFO("account-2", "deposit 5", "tx-3")
	again := sendFIFO("account-1", "deposit 100", "tx-1") // the producer retries
	if again.MessageID != first.MessageID {
		log.Fatal("fifo: a duplicate send made a new message")
	}
	fmt.Println("   sent 3 transactions to 2 accounts (groups), then tx-1 again: the retry returned the first send's message ID and stored nothing")

	receiveFIFO := func() []fifo.Message {
		msgs, err := q.Receive(ctx, fifo.ReceiveOptions{MaxMessages: 10})
		if err != nil {
			log.Fatal(err)
		}
		return msgs
	}
	msgs := receiveFIFO()
	fmt.Printf("   a receive of 10 gets %d: %s\n", len(msgs), describe(msgs))
	fmt.Printf("   while they are in flight, another receive gets %d: each group waits for its messages\n", len(receiveFIFO()))
	if err := q.Delete(ctx, msgs[0].ReceiptHandle); err != nil {
		log.Fatal(err)
	}
	fmt.Println("   deleted the first; the rest of the batch is never deleted (a crash)")
	clk.Add(31 * time.Second)
	msgs = receiveFIFO()
	fmt.Printf("   31 s later, past the visibility timeout, the groups start again where they stopped: %s\n", describe(msgs))
}

func describe(msgs []fifo.Message) string {
	s := ""
	for i, m := range msgs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %q", m.GroupID, m.Body)
	}
	return s
}
