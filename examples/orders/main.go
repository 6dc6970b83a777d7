// Orders is the classic exercise of a function triggered by a queue: each
// message is an order, and the function inserts it as a row in a table.
// Valid orders land in the table; a poison message fails every try, ends in
// the dead-letter queue, and once the function is fixed a move task sends it
// back, where it lands too. It runs on a fake clock, in well under a second.
//
//	go run ./examples/orders
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/queue"
)

// order is a message body.
type order struct {
	ID   string          `json:"id"`
	Item string          `json:"item"`
	Qty  json.RawMessage `json:"qty"`
}

// table is the database table the function writes to.
type table struct {
	mu   sync.Mutex
	rows map[string]string
}

func (t *table) insert(id, row string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rows[id] = row
}

func (t *table) print() {
	t.mu.Lock()
	defer t.mu.Unlock()
	ids := make([]string, 0, len(t.rows))
	for id := range t.rows {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Printf("     %s | %s\n", id, t.rows[id])
	}
}

// function is the queue-triggered function. Version 1 reads the quantity
// as a number only; version 2, the fix, also takes a number in a string.
type function struct {
	table   *table
	mu      sync.Mutex
	version int
	calls   chan struct{} // one value per batch handled
}

func (f *function) handle(_ context.Context, msgs []queue.Message) error {
	defer func() { f.calls <- struct{}{} }()
	f.mu.Lock()
	version := f.version
	f.mu.Unlock()
	var failed queue.BatchItemFailures
	for _, m := range msgs {
		var o order
		qty, err := 0, json.Unmarshal([]byte(m.Body), &o)
		if err == nil {
			qty, err = quantity(o.Qty, version)
		}
		if err != nil {
			fmt.Printf("   function v%d: %s fails (try %d): %v\n", version, o.ID, m.ReceiveCount, err)
			failed.MessageIDs = append(failed.MessageIDs, m.ID)
			continue
		}
		f.table.insert(o.ID, fmt.Sprintf("%d x %s", qty, o.Item))
		fmt.Printf("   function v%d: inserted %s\n", version, o.ID)
	}
	return &failed
}

func quantity(raw json.RawMessage, version int) (int, error) {
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, nil
	}
	var s string
	if version >= 2 && json.Unmarshal(raw, &s) == nil {
		return strconv.Atoi(s)
	}
	return 0, errors.New("quantity is not a number")
}

func main() {
	ctx := context.Background()
	clk := clock.NewMock()
	dlq := mustQueue(queue.Config{Name: "orders-dlq", Clock: clk})
	defer dlq.Close()
	orders := mustQueue(queue.Config{
		Name: "orders", Clock: clk, VisibilityTimeout: 30 * time.Second,
		Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 3},
	})
	defer orders.Close()

	fmt.Println("1. Three orders and one poison message arrive")
	bodies := []string{
		`{"id":"o-1","item":"lamp","qty":1}`,
		`{"id":"o-2","item":"desk","qty":2}`,
		`{"id":"o-3","item":"chair","qty":"4"}`, // the quantity is a string
		`{"id":"o-4","item":"rug","qty":1}`,
	}
	for _, b := range bodies {
		if _, err := orders.Send(ctx, queue.SendInput{Body: b}); err != nil {
			log.Fatal(err)
		}
	}

	f := &function{table: &table{rows: map[string]string{}}, version: 1, calls: make(chan struct{}, 16)}
	c, err := queue.NewConsumer(orders, f.handle, queue.ConsumerConfig{ReportBatchItemFailures: true})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	<-f.calls

	fmt.Println("2. The poison message comes back after each visibility timeout")
	for range 2 {
		waitForReceiver(orders)
		clk.Add(30 * time.Second)
		<-f.calls
	}
	waitForReceiver(orders)
	clk.Add(30 * time.Second)
	for dlqVisible(dlq) == 0 {
		runtime.Gosched()
	}
	fmt.Println("   after its 3 tries it moved to orders-dlq")
	fmt.Println("   the table:")
	f.table.print()

	fmt.Println("3. The function is fixed, and a move task sends the message back")
	f.mu.Lock()
	f.version = 2
	f.mu.Unlock()
	if _, err := dlq.StartMoveTask(queue.MoveTaskConfig{}); err != nil {
		log.Fatal(err)
	}
	<-f.calls
	for dlq.MoveTasks()[0].Status == queue.MoveTaskRunning {
		runtime.Gosched()
	}
	t := dlq.MoveTasks()[0]
	fmt.Printf("   move task %s: %d moved\n", t.Status, t.Moved)
	fmt.Println("   the table:")
	f.table.print()
}

func mustQueue(cfg queue.Config) *queue.Queue {
	q, err := queue.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	return q
}

// waitForReceiver returns once the consumer's receive waits on q, so that
// moving the clock ends that wait rather than one that has not begun.
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

func dlqVisible(q *queue.Queue) int {
	s, err := q.Stats()
	if err != nil {
		log.Fatal(err)
	}
	return s.Visible
}
