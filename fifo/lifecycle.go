package fifo

import (
	"context"
	"time"
)

// SetDelay changes the queue's Delay (0–15 min). As on SQS FIFO queues,
// and unlike standard ones, the change is retroactive: every message not yet
// received is visible from its sent time plus the new delay, so a message
// still delayed becomes visible earlier or later, and one visible but never
// received may be hidden again. Out of range it returns
// ErrInvalidConfig; after Close, ErrClosed. It does not block.
func (q *Queue) SetDelay(d time.Duration) error {
	if err := checkDelay(d); err != nil {
		return q.errorf("set delay", err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return q.errorf("set delay", ErrClosed)
	}
	if err := q.eng.SetDelay(d); err != nil {
		return q.errorf("set delay", err)
	}
	q.delay = d
	return nil
}

// Purge deletes every message in the queue, in flight or not, at once; the
// deduplication IDs of messages sent before it are still remembered for the
// rest of their window. A second Purge within 60 seconds (on the queue's
// clock) returns ErrPurgeInProgress, as SQS does. It does not block.
func (q *Queue) Purge(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return q.errorf("purge", ErrClosed)
	}
	now := q.cfg.Clock.Now()
	if !q.lastPurge.IsZero() && now.Sub(q.lastPurge) < time.Minute {
		return q.errorf("purge", ErrPurgeInProgress)
	}
	if err := q.eng.Purge(); err != nil {
		return q.errorf("purge", err)
	}
	q.lastPurge = now
	return nil
}

// Stats are the queue's CloudWatch-style figures.
type Stats struct {
	Visible            int           // ApproximateNumberOfMessagesVisible (receivable or held back by their group)
	InFlight           int           // ApproximateNumberOfMessagesNotVisible
	Delayed            int           // ApproximateNumberOfMessagesDelayed
	AgeOfOldestMessage time.Duration // ApproximateAgeOfOldestMessage; 0 when empty

	// DeduplicationIDs is how many deduplication IDs the queue remembers
	// (those of the last 5 minutes). No CloudWatch metric has it.
	DeduplicationIDs int

	// WaitingReceives is how many Receive calls are blocked in a long poll.
	// A test on a mock clock can wait for it to be non-zero before moving
	// the clock.
	WaitingReceives int
}

// Stats reports the queue's counts, exact at the moment of the call, and
// forgets the deduplication IDs whose window has ended. After Close it
// returns ErrClosed.
func (q *Queue) Stats() (Stats, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return Stats{}, q.errorf("stats", ErrClosed)
	}
	now := q.cfg.Clock.Now()
	q.dedup.expire(now)
	q.attempts.expire(now)
	s, err := q.eng.Stats()
	if err != nil {
		return Stats{}, q.errorf("stats", err)
	}
	return Stats{
		Visible: s.Visible, InFlight: s.InFlight, Delayed: s.Delayed,
		AgeOfOldestMessage: s.OldestAge, WaitingReceives: s.Waiting,
		DeduplicationIDs: q.dedup.len(),
	}, nil
}

// Close drops every message and every remembered ID, wakes every blocked
// Receive with ErrClosed and stops the queue's timer; later calls return
// ErrClosed. It is idempotent and always returns nil.
func (q *Queue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.closed = true
	q.eng.Close()
	q.dedup = newWindow[sent](DeduplicationWindow, q.cfg.Clock.Now())
	q.attempts = newWindow[*attempt](AttemptWindow, q.cfg.Clock.Now())
	return nil
}
