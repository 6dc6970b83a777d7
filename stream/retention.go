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
	s.sweepLocked(now, true) // every deadline moved
	return nil
}

// trimGrain is how often, at most, a sweep of every shard runs: retention
// deadlines are rounded up to it. Readers never see a record past its
// retention all the same, because each call trims the shard it reads
// exactly (trimShardLocked).
const trimGrain = time.Second

// sweepLocked trims every shard (trimShardLocked) once the earliest
// retention deadline has come, or at once with force. Until then it costs
// one comparison. It then arms the timer for the next deadline, so that
// memory is released even when nobody calls.
func (s *Stream) sweepLocked(now time.Time, force bool) {
	if !force && (s.nextTrim.IsZero() || now.Before(s.nextTrim)) {
		return
	}
	var next time.Time
	soonest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	cutoff := now.Add(-s.retention).UnixNano()
	for _, sh := range s.shards {
		if !s.trimShardLocked(sh, cutoff) {
			continue
		}
		if sh.recs.len() > 0 {
			soonest(sh.recs.at(0).ApproximateArrivalTimestamp.Add(s.retention))
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

// trimShardLocked drops the records of sh that arrived at or before
// cutoff (Unix nanoseconds), or the whole shard if it is closed and closed
// by then. It reports whether the shard is still there.
func (s *Stream) trimShardLocked(sh *shard, cutoff int64) bool {
	if !sh.open() && sh.closedAt.UnixNano() <= cutoff {
		sh.recs.reset()
		sh.wakeLocked()
		delete(s.shards, sh.idx)
		return false
	}
	if sh.recs.len() > 0 && sh.recs.at(0).ApproximateArrivalTimestamp.UnixNano() <= cutoff {
		sh.recs.trim(sh.recs.search(func(r *Record) bool { return r.ApproximateArrivalTimestamp.UnixNano() > cutoff }), &s.chunks)
	}
	return true
}

// liveShardLocked returns the shard of index idx with its records past
// retention trimmed, or nil if it is gone.
func (s *Stream) liveShardLocked(idx uint32, now time.Time) *shard {
	sh := s.shards[idx]
	if sh == nil || !s.trimShardLocked(sh, now.Add(-s.retention).UnixNano()) {
		return nil
	}
	return sh
}

// noteDeadlineLocked records a retention deadline and makes sure the timer
// fires by then.
func (s *Stream) noteDeadlineLocked(t time.Time) {
	if r := t.Truncate(trimGrain); r.Before(t) {
		t = r.Add(trimGrain)
	}
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
	s.sweepLocked(now, true)
	if s.timer == nil && !s.nextTrim.IsZero() {
		s.armLocked()
	}
}
