package main

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/blob"
	"github.com/stratus-go/stratus/queue"
)

// tourLargeMessage sends a body larger than the queue allows: it goes to a
// bucket, and the queue carries a pointer, as with the SQS Extended Client.
func tourLargeMessage(ctx context.Context, clk clock.Clock) {
	fmt.Println("6. A message larger than the queue allows")
	bucket, err := blob.NewMemory(blob.Config{Name: "payloads", Clock: clk})
	if err != nil {
		log.Fatal(err)
	}
	uploads := newQueue(queue.Config{Name: "uploads", Clock: clk, LargePayload: &queue.LargePayload{Bucket: bucket}})
	defer uploads.Close()
	body := strings.Repeat("pixel", 1<<20/5) // about 1 MiB, over the 256 KiB limit
	send(ctx, uploads, body)
	fmt.Printf("   sent a %d-byte body; the bucket now holds %d object\n", len(body), bucket.Len())
	m := receiveOne(ctx, uploads)
	if m.Err != nil {
		log.Fatal(m.Err)
	}
	fmt.Printf("   received it whole (%d bytes): the queue held only a pointer to the object\n", len(m.Body))
	if err := uploads.Delete(ctx, m.ReceiptHandle); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("   deleted the message; the bucket now holds %d objects\n", bucket.Len())
}
