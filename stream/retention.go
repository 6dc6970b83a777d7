package stream

import (
	"context"
	"fmt"
	"time"
)

// IncreaseRetention makes the retention period longer: d must be more than
// the current period and at most 8,760 h. Records already trimmed stay
// gone. It does not block; errors wrap ErrInvalidArgument, or are
// ErrClosed.
func (s *Stream) IncreaseRetention(ctx context.Context, d time.Duration) error {
	return s.setRetention(ctx, "increase retention", d, true)
}

// DecreaseRetention makes the retention period shorter: d must be less
// than the current period and at least 24 h. Records older than d are gone
// at once. It does not block; errors wrap ErrInvalidArgument, or are
// ErrClosed.
func (s *Stream) DecreaseRetention(ctx context.Context, d time.Duration) error {
	return s.setRetention(ctx, "decrease retention", d, false)
}

func (s *Stream) setRetention(ctx context.Context, op string, d time.Duration, increase bool) error {
	now, err := s.lockOpen(ctx, op)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	switch {
	case d < MinRetention || d > MaxRetention:
		return s.errorf(op, fmt.Errorf("%w: retention %v, want 24h–8760h", ErrInvalidArgument, d))
	case increase && d <= s.retention:
		return s.errorf(op, fmt.Errorf("%w: retention %v is not more than the current %v", ErrInvalidArgument, d, s.retention))
	case !increase && d >= s.retention:
		return s.errorf(op, fmt.Errorf("%w: retention %v is not less than the current %v", ErrInvalidArgument, d, s.retention))
	}
	s.retention = d
	// every deadline moved: recompute them
	s.nextTrim = now
	s.trimLocked(now)
	return nil
}

// trimLocked drops the records past their retention and the closed shards
// whose retention has ended, once the earliest such deadline has come. It
// costs one comparison until then. It then arms the timer for the next
// deadline, so that memory is released even when nobody calls.
func (s *Stream) trimLocked(now time.Time) {
	if s.nextTrim.IsZero() || now.Before(s.nextTrim) {
		return
	}
	cutoff := now.Add(-s.retention).UnixNano()
	var next time.Time
	soonest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for idx, sh := range s.shards {
		if !sh.open() && sh.closedAt.UnixNano() <= cutoff {
			sh.recs.reset()
			sh.wakeLocked()
			delete(s.shards, idx)
			continue
		}
		sh.recs.trim(sh.recs.search(func(r *record) bool { return r.arrival > cutoff }))
		if sh.recs.len() > 0 {
			soonest(time.Unix(0, sh.recs.at(0).arrival).Add(s.retention))
		}
		if !sh.open() {
			soonest(sh.closedAt.Add(s.retention))
		}
	}
	s.nextTrim = time.Time{}
	if !next.IsZero() {
		s.noteDeadlineLocked(next)
	}
}

// noteDeadlineLocked records a retention deadline and makes sure the timer
// fires by then.
func (s *Stream) noteDeadlineLocked(t time.Time) {
	if !s.nextTrim.IsZero() && !t.Before(s.nextTrim) {
		return
	}
	s.nextTrim = t
	if s.timer != nil && !s.timerAt.After(t) {
		return
	}
	s.armLocked()
}

// armLocked sets the timer for nextTrim.
func (s *Stream) armLocked() {
	if s.closed {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.timerAt = s.nextTrim
	s.timer = s.clk.AfterFunc(s.nextTrim.Sub(s.clk.Now()), s.onTimer)
}

// onTimer runs on the clock's goroutine at a retention deadline.
func (s *Stream) onTimer() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	if s.closed || now.Before(s.timerAt) {
		return // stopped, or replaced by a later timer
	}
	s.timer = nil
	s.trimLocked(now)
	if s.timer == nil && !s.nextTrim.IsZero() {
		s.armLocked()
	}
}
