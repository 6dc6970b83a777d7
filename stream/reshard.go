package stream

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// SplitShard closes an open shard and makes two children that share its
// hash key range: one from the parent's start to newStartingHashKey−1, one
// from newStartingHashKey to the parent's end. newStartingHashKey is a
// decimal integer (no leading zeros) more than the parent's starting hash key plus one and
// less than its ending hash key. The parent stays readable to its end until
// its retention runs out; new records go to the children.
//
// It does not block. Errors wrap ErrShardNotFound, ErrShardClosed,
// ErrInvalidHashKey, ErrLimitExceeded (10,000 open shards), ErrOnDemand, or
// are ErrClosed; they change nothing.
func (s *Stream) SplitShard(ctx context.Context, shardID, newStartingHashKey string) error {
	const op = "split shard"
	now, err := s.lockReshard(ctx, op)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	sh, err := s.openShardLocked(shardID, now)
	if err != nil {
		return s.errorf(op, err)
	}
	k, ok := parseHashKey(newStartingHashKey)
	if !ok || !sh.rng.start.add(1).less(k) || !k.less(sh.rng.end) {
		return s.errorf(op, fmt.Errorf("%w: NewStartingHashKey %q must be a decimal integer (no leading zeros) in %s+2…%s−1, the inside of %s",
			ErrInvalidHashKey, newStartingHashKey, sh.rng.start, sh.rng.end, sh.id))
	}
	if len(s.open) >= MaxShards {
		return s.errorf(op, fmt.Errorf("%w: %d open shards, at most %d", ErrLimitExceeded, len(s.open), MaxShards))
	}
	i := slices.Index(s.open, sh)
	a, b := s.splitLocked(sh, k, now)
	s.open = slices.Replace(s.open, i, i+1, a, b)
	return nil
}

// MergeShards closes two adjacent open shards and makes one child over the
// union of their hash key ranges; its parent is shardToMerge and its
// adjacent parent adjacentShardToMerge. The parents stay readable to their
// ends until their retention runs out.
//
// It does not block. Errors wrap ErrShardNotFound, ErrShardClosed,
// ErrNotAdjacent, ErrInvalidArgument (the same shard twice), ErrOnDemand,
// or are ErrClosed; they change nothing.
func (s *Stream) MergeShards(ctx context.Context, shardToMerge, adjacentShardToMerge string) error {
	const op = "merge shards"
	now, err := s.lockReshard(ctx, op)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	a, err := s.openShardLocked(shardToMerge, now)
	if err != nil {
		return s.errorf(op, err)
	}
	b, err := s.openShardLocked(adjacentShardToMerge, now)
	if err != nil {
		return s.errorf(op, err)
	}
	if a == b {
		return s.errorf(op, fmt.Errorf("%w: cannot merge %s with itself", ErrInvalidArgument, a.id))
	}
	i, j := slices.Index(s.open, a), slices.Index(s.open, b)
	if i+1 != j && j+1 != i {
		return s.errorf(op, fmt.Errorf("%w: %s and %s", ErrNotAdjacent, a.id, b.id))
	}
	c := s.mergeLocked(a, b, now)
	i = min(i, j)
	s.open = slices.Replace(s.open, i, i+2, c)
	return nil
}

// UpdateShardCountOutput reports a scaling.
type UpdateShardCountOutput struct {
	CurrentShardCount, TargetShardCount int
}

// UpdateShardCount rescales the stream to target open shards of equal hash
// key ranges (Kinesis UNIFORM_SCALING), by splitting and merging: every
// open shard whose range changes is closed, through short-lived
// intermediate shards, so that every new shard has at most two parents and
// the keys of a closed shard continue in its children. target must be at
// least half and at most twice the current count of open shards, and at
// most 10,000; at most 10 scalings are allowed in a rolling 24 hours
// (lifted by Unlimited).
//
// It does not block. Errors wrap ErrInvalidArgument, ErrLimitExceeded,
// ErrOnDemand, or are ErrClosed; they change nothing.
func (s *Stream) UpdateShardCount(ctx context.Context, target int) (UpdateShardCountOutput, error) {
	const op = "update shard count"
	now, err := s.lockReshard(ctx, op)
	if err != nil {
		return UpdateShardCountOutput{}, err
	}
	defer s.mu.Unlock()
	cur := len(s.open)
	if target < 1 || target > MaxShards || target > 2*cur || 2*target < cur {
		return UpdateShardCountOutput{}, s.errorf(op, fmt.Errorf("%w: target %d shards, want %d–%d (half to twice %d, at most %d)",
			ErrInvalidArgument, target, (cur+1)/2, min(2*cur, MaxShards), cur, MaxShards))
	}
	s.scalings = slices.DeleteFunc(s.scalings, func(t time.Time) bool { return !t.Add(24 * time.Hour).After(now) })
	if s.cfg.Limits == Enforced && len(s.scalings) >= MaxScalingsPerDay {
		return UpdateShardCountOutput{}, s.errorf(op, fmt.Errorf("%w: %d scalings in the last 24 hours, at most %d",
			ErrLimitExceeded, len(s.scalings), MaxScalingsPerDay))
	}
	s.scalings = append(s.scalings, now)
	s.open = s.rescaleLocked(evenRanges(target), now)
	return UpdateShardCountOutput{CurrentShardCount: cur, TargetShardCount: target}, nil
}

// rescaleLocked turns the open shards into ones over targets, in one sweep
// from the lowest hash key: it cuts each open shard at every target start
// inside it (each cut a split), and merges the pieces of each target range
// from left to right. A shard that already equals a target stays as it is.
func (s *Stream) rescaleLocked(targets []hashRange, now time.Time) []*shard {
	out := make([]*shard, 0, len(targets))
	t := 0
	var acc *shard // the shard growing over targets[t]
	take := func(p *shard) {
		if acc == nil {
			acc = p
		} else {
			acc = s.mergeLocked(acc, p, now)
		}
		if acc.rng.end == targets[t].end {
			out = append(out, acc)
			acc = nil
			t++
		}
	}
	for _, sh := range s.open {
		for t < len(targets) && !targets[t].end.less(sh.rng.start) && targets[t].end.less(sh.rng.end) {
			// the current target ends inside sh: cut sh there
			a, b := s.splitLocked(sh, targets[t].end.add(1), now)
			take(a)
			sh = b
		}
		take(sh)
	}
	return out
}

// lockReshard is lockOpen for the provisioned-mode operations: after
// Close they return ErrClosed, on demand ErrOnDemand.
func (s *Stream) lockReshard(ctx context.Context, op string) (time.Time, error) {
	now, err := s.lockOpen(ctx, op)
	if err != nil {
		return now, err
	}
	if s.cfg.Mode == OnDemand {
		s.mu.Unlock()
		return time.Time{}, s.errorf(op, ErrOnDemand)
	}
	return now, nil
}

func (s *Stream) openShardLocked(id string, now time.Time) (*shard, error) {
	sh, err := s.shardLocked(id, now)
	if err != nil {
		return nil, err
	}
	if !sh.open() {
		return nil, fmt.Errorf("%w: %s", ErrShardClosed, id)
	}
	return sh, nil
}

// splitLocked closes sh and returns its children below and from k.
func (s *Stream) splitLocked(sh *shard, k hashKey, now time.Time) (*shard, *shard) {
	s.closeLocked(sh, now)
	a := s.newShardLocked(hashRange{sh.rng.start, k.sub(1)}, sh.id, "")
	b := s.newShardLocked(hashRange{k, sh.rng.end}, sh.id, "")
	sh.children = []*shard{a, b}
	return a, b
}

// mergeLocked closes two adjacent shards and returns their child, whose
// parent is a and adjacent parent b.
func (s *Stream) mergeLocked(a, b *shard, now time.Time) *shard {
	s.closeLocked(a, now)
	s.closeLocked(b, now)
	r := hashRange{a.rng.start, b.rng.end}
	if b.rng.start.less(a.rng.start) {
		r = hashRange{b.rng.start, a.rng.end}
	}
	c := s.newShardLocked(r, a.id, b.id)
	a.children = []*shard{c}
	b.children = []*shard{c}
	return c
}
