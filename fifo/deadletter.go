package fifo

import (
	"context"
	"fmt"
	"strings"

	"github.com/stratus-go/stratus/internal/engine"
	"github.com/stratus-go/stratus/internal/sqsmsg"
)

// DeadLetter is a message moving from a source FIFO queue to its
// dead-letter queue.
type DeadLetter struct {
	ID           string
	Body         string
	Attributes   map[string]Attribute // shared, read-only
	GroupID      string
	ReceiveCount int    // receives it had in the source queue
	Source       string // the source queue's name
}

// DeadLetterTarget is where a FIFO queue's Redrive moves messages. *Queue
// is one; a test may supply a fake.
type DeadLetterTarget interface {
	// AllowsRedriveFrom reports whether the queue named source may use this
	// target (its redrive allow policy). It is asked once, by New.
	AllowsRedriveFrom(source string) bool

	// AddDeadLetters stores the messages, all or none. On error the source
	// keeps them and tries again on a later receive.
	AddDeadLetters(ctx context.Context, msgs []DeadLetter) error
}

// AllowsRedriveFrom reports whether this queue's RedriveAllow policy lets
// the queue named source use it as a dead-letter queue.
func (q *Queue) AllowsRedriveFrom(source string) bool { return q.cfg.RedriveAllow.Allows(source) }

// AddDeadLetters stores messages moved from a source queue, all or none, as
// SQS moves them into a FIFO dead-letter queue: each keeps its ID, body,
// attributes (copied) and group, goes to the end of its group here, and is
// sent anew: its sent time is now (retention counts from the move), its
// receive count starts from 0, the queue's Delay applies, and its
// deduplication ID is its message ID, so a message moved twice within the
// deduplication window is stored once. Its Source is kept with it
// (Message.DeadLetterSource). It does not block.
//
// Every message must have a non-empty ID, distinct within the call, a valid
// GroupID, and be a message some queue could hold (at most
// MaxMaxMessageSize bytes, whatever this queue's MaxMessageSize).
// Otherwise it returns the error Send would give, or ErrInvalidParameter,
// naming the message; it returns ErrRedriveNotAllowed when the policy
// refuses a source, and ErrClosed after Close. On any error nothing is
// stored.
func (q *Queue) AddDeadLetters(ctx context.Context, msgs []DeadLetter) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	items := make([]engine.Item[meta], 0, len(msgs))
	keys := make([]string, 0, len(msgs))
	seen := make(map[string]struct{}, len(msgs))
	for i, m := range msgs {
		if !q.AllowsRedriveFrom(m.Source) {
			return fmt.Errorf("fifo %q: add dead letters from %q: %w", q.cfg.Name, m.Source, ErrRedriveNotAllowed)
		}
		if err := checkDeadLetter(m, seen); err != nil {
			return fmt.Errorf("fifo %q: add dead letters: message %d: %w", q.cfg.Name, i, err)
		}
		items = append(items, engine.Item[meta]{
			Body: m.Body, ID: m.ID,
			Meta: meta{attrs: sqsmsg.CopyAttributes(m.Attributes), group: m.GroupID, dedup: m.ID, source: m.Source},
		})
		keys = append(keys, q.dedupKey(m.GroupID, m.ID))
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return fmt.Errorf("fifo %q: add dead letters: %w", q.cfg.Name, ErrClosed)
	}
	now := q.cfg.Clock.Now()
	q.dedup.expire(now)
	fresh, freshKeys := items[:0], keys[:0]
	for i := range items {
		if _, dup := q.dedup.get(keys[i], now); !dup {
			items[i].Delay = q.delay
			fresh, freshKeys = append(fresh, items[i]), append(freshKeys, keys[i])
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	ids := make([]string, len(fresh))
	seqs := make([]uint64, len(fresh))
	if err := q.eng.SendBatch(fresh, ids, seqs); err != nil {
		return fmt.Errorf("fifo %q: add dead letters: %w", q.cfg.Name, err)
	}
	for i, key := range freshKeys {
		q.dedup.put(key, sent{strings.Clone(ids[i]), seqs[i]}, now)
	}
	return nil
}

// checkDeadLetter validates one moved message; seen holds the IDs met so
// far in the call, and gains m's.
func checkDeadLetter(m DeadLetter, seen map[string]struct{}) error {
	if m.ID == "" {
		return fmt.Errorf("%w: empty ID", ErrInvalidParameter)
	}
	if _, dup := seen[m.ID]; dup {
		return fmt.Errorf("%w: ID %q given twice", ErrInvalidParameter, m.ID)
	}
	seen[m.ID] = struct{}{}
	if !validID(m.GroupID) {
		return fmt.Errorf("%w: GroupID %q", ErrInvalidID, m.GroupID)
	}
	_, err := sqsmsg.CheckMessage(m.Body, m.Attributes, MaxMaxMessageSize)
	return err
}

// moveToDeadLetter is the engine's DeadLetter hook: it runs without the
// engine's lock (and without q.mu) and returns the records it could not
// move.
func (q *Queue) moveToDeadLetter(rs []*engine.Record[meta]) []*engine.Record[meta] {
	msgs := make([]DeadLetter, len(rs))
	for i, r := range rs {
		m := r.Meta()
		msgs[i] = DeadLetter{
			ID: r.ID(), Body: r.Body(), Attributes: m.attrs, GroupID: m.group,
			ReceiveCount: r.ReceiveCount(), Source: q.cfg.Name,
		}
	}
	if err := q.cfg.Redrive.Target.AddDeadLetters(context.Background(), msgs); err != nil {
		if q.cfg.Logger != nil {
			q.cfg.Logger.Warn("dead-letter move failed; messages stay in the source queue",
				"queue", q.cfg.Name, "messages", len(rs), "err", err)
		}
		return rs
	}
	return nil
}
