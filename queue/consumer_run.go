package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// receiveLoop takes a slot, gathers a batch and starts it, until stopped or
// the queue closes.
func (c *Consumer) receiveLoop() {
	defer close(c.polled)
	for {
		if c.slots.acquire(c.poll) != nil {
			return
		}
		batch, err := c.gather()
		if err == nil && c.poll.Err() != nil {
			err = c.poll.Err() // stopped while the last receive fetched its payloads
		}
		if err != nil {
			c.slots.release()
			c.giveBack(batch)
			if c.poll.Err() == nil {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
				c.report(err)
			}
			return
		}
		if len(batch) == 0 {
			c.slots.release()
			continue
		}
		c.mu.Lock()
		c.running++
		c.mu.Unlock()
		c.batches.Add(1)
		go c.run(batch)
	}
}

// gather receives until the batch is full, its window has passed, it holds
// MaxBatchBytes, or (without a window) one receive returned messages. An
// error means the consumer stopped or the queue closed; the messages
// gathered so far come with it.
func (c *Consumer) gather() ([]Message, error) {
	var (
		batch    []Message
		bytes    int
		deadline time.Time
	)
	var vis *time.Duration
	if c.cfg.VisibilityTimeout != c.q.cfg.VisibilityTimeout {
		vis = &c.cfg.VisibilityTimeout
	}
	for len(batch) < c.cfg.BatchSize {
		wait := MaxReceiveWaitTime
		if !deadline.IsZero() {
			left := deadline.Sub(c.clk.Now())
			if left <= 0 {
				break
			}
			wait = min(wait, left)
		}
		msgs, err := c.q.Receive(c.poll, ReceiveOptions{
			MaxMessages:       min(MaxMessagesPerReceive, c.cfg.BatchSize-len(batch)),
			WaitTime:          &wait,
			VisibilityTimeout: vis,
		})
		c.hold(msgs)
		batch = append(batch, msgs...)
		if err != nil {
			return batch, err
		}
		for _, m := range msgs {
			bytes += len(m.Body)
		}
		if len(batch) == 0 {
			continue
		}
		if c.cfg.BatchWindow == 0 || bytes >= MaxBatchBytes {
			break
		}
		if deadline.IsZero() {
			deadline = c.clk.Now().Add(c.cfg.BatchWindow)
		}
	}
	return batch, nil
}

// entryIDs are the batch entry IDs the consumer uses.
var entryIDs = [MaxBatchEntries]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// giveBack makes messages the consumer will not handle visible at once.
func (c *Consumer) giveBack(msgs []Message) {
	c.beatMu.Lock() // not during a heartbeat, which may hold the old list
	c.unhold(msgs)
	c.beatMu.Unlock()
	for part := range slices.Chunk(msgs, MaxBatchEntries) {
		entries := make([]ChangeVisibilityBatchEntry, len(part))
		for i, m := range part {
			entries[i] = ChangeVisibilityBatchEntry{ID: entryIDs[i], ReceiptHandle: m.ReceiptHandle}
		}
		c.q.ChangeVisibilityBatch(context.Background(), entries) // a closed queue has dropped them anyway
	}
}

// run handles one batch and deletes what succeeded.
func (c *Consumer) run(batch []Message) {
	defer c.batches.Done()
	defer c.slots.release()
	ok := batch
	if slices.ContainsFunc(batch, func(m Message) bool { return m.Err != nil }) {
		ok = nil
		for _, m := range batch {
			if m.Err != nil {
				c.report(c.q.errorf("consumer", m.Err)) // failed: it comes back after its visibility timeout
				continue
			}
			ok = append(ok, m)
		}
	}
	var done []Message
	if len(ok) > 0 {
		var err error
		done, err = c.outcome(ok, c.call(ok))
		if err != nil {
			c.report(c.q.errorf("consumer", err))
		}
	}
	c.unhold(batch)
	c.mu.Lock()
	c.running--
	c.succeeded += len(done)
	c.failed += len(batch) - len(done)
	c.mu.Unlock()
	c.delete(done)
}

// call runs the handler, turning a panic into ErrHandlerPanic.
func (c *Consumer) call(batch []Message) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrHandlerPanic, p)
		}
	}()
	return c.h(c.hctx, batch)
}

// outcome returns the messages of batch to delete given the handler's
// result, and the error to report, if any.
func (c *Consumer) outcome(batch []Message, err error) ([]Message, error) {
	if err == nil {
		return batch, nil
	}
	var f *BatchItemFailures
	if !c.cfg.ReportBatchItemFailures || !errors.As(err, &f) {
		return nil, fmt.Errorf("handler: %w", err)
	}
	if f == nil {
		return batch, nil // a nil response, as with Lambda: all succeeded
	}
	failed := make(map[string]bool, len(f.MessageIDs))
	for _, id := range f.MessageIDs {
		failed[id] = true
	}
	var done []Message
	for _, m := range batch {
		if failed[m.ID] {
			delete(failed, m.ID)
			continue
		}
		done = append(done, m)
	}
	if len(failed) > 0 {
		return nil, ErrInvalidBatchItemFailures
	}
	return done, nil
}

// delete deletes msgs, ten at a time.
func (c *Consumer) delete(msgs []Message) {
	for part := range slices.Chunk(msgs, MaxBatchEntries) {
		entries := make([]DeleteBatchEntry, len(part))
		for i, m := range part {
			entries[i] = DeleteBatchEntry{ID: entryIDs[i], ReceiptHandle: m.ReceiptHandle}
		}
		res, err := c.q.DeleteBatch(context.Background(), entries)
		if err != nil {
			c.report(err)
			return
		}
		for _, r := range res {
			if r.Err != nil {
				c.report(r.Err)
			}
		}
	}
}

// heartbeat extends the visibility of every held message each Heartbeat.
func (c *Consumer) heartbeat() {
	defer close(c.beaten)
	t := c.clk.Ticker(c.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-c.beat:
			return
		case <-t.C:
		}
		c.beatMu.Lock()
		c.beatOnce()
		c.beatMu.Unlock()
	}
}

// beatOnce extends the visibility of every held message.
func (c *Consumer) beatOnce() {
	for part := range slices.Chunk(c.handles(), MaxBatchEntries) {
		entries := make([]ChangeVisibilityBatchEntry, len(part))
		for j, h := range part {
			entries[j] = ChangeVisibilityBatchEntry{ID: entryIDs[j], ReceiptHandle: h, VisibilityTimeout: c.cfg.VisibilityTimeout}
		}
		res, err := c.q.ChangeVisibilityBatch(context.Background(), entries)
		if err != nil {
			c.report(fmt.Errorf("heartbeat: %w", err))
			return
		}
		for j, r := range res {
			if r.Err != nil && c.release(part[j]) {
				c.report(fmt.Errorf("heartbeat: %w", r.Err))
			}
		}
	}
}

// limiter is a semaphore whose size can change.
type limiter struct {
	mu      sync.Mutex
	max     int
	used    int
	changed chan struct{} // closed and replaced on every change
}

func (l *limiter) acquire(ctx context.Context) error {
	for {
		l.mu.Lock()
		if l.used < l.max {
			l.used++
			l.mu.Unlock()
			return nil
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (l *limiter) release() {
	l.mu.Lock()
	l.used--
	l.signalLocked()
	l.mu.Unlock()
}

func (l *limiter) setMax(n int) {
	l.mu.Lock()
	l.max = n
	l.signalLocked()
	l.mu.Unlock()
}

func (l *limiter) signalLocked() {
	if l.changed != nil {
		close(l.changed)
	}
	l.changed = make(chan struct{})
}
