package queue_test

import (
	"testing"

	"github.com/stratus-go/stratus/internal/sqsmsg"
	"github.com/stratus-go/stratus/queue"
)

// The receive limits the queue documents are the ones its shared
// parameter checks apply (kept as literals here so go doc shows them).
func TestReceiveLimitsMatchTheChecks(t *testing.T) {
	if queue.MaxVisibilityTimeout != sqsmsg.MaxVisibilityTimeout ||
		queue.MaxReceiveWaitTime != sqsmsg.MaxReceiveWaitTime ||
		queue.MaxMessagesPerReceive != sqsmsg.MaxMessagesPerReceive ||
		queue.MaxAttributes != sqsmsg.MaxAttributes || queue.MaxBatchEntries != sqsmsg.MaxBatchEntries {
		t.Fatal("queue's documented limits differ from internal/sqsmsg's")
	}
}
