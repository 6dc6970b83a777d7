package queue

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stratus-go/stratus/internal/engine"
	"github.com/stratus-go/stratus/internal/sqsmsg"
)

// DeadLetter is a message moving from a source queue to its dead-letter
// queue.
type DeadLetter struct {
	ID           string
	Body         string
	Attributes   map[string]Attribute // shared, read-only
	SentAt       time.Time            // when it was sent to the source queue
	ReceiveCount int                  // receives it had in the source queue
	Source       string               // the source queue's name
}

// DeadLetterTarget is where a queue's Redrive moves messages. *Queue is
// one; a test may supply a fake.
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

// AddDeadLetters stores messages moved from a source queue, visible at once,
// all or none. Each keeps its ID, body, attributes (copied) and sent time, so
// its retention here counts from when it was first sent, as with SQS
// standard queues (a zero SentAt means now); its ReceiveCount here starts
// again from 0. Its Source is kept with it (Message.DeadLetterSource): a
// move task without a destination sends it back there. It does not block.
//
// Every message must have a non-empty ID, distinct within the call, and be a
// message some queue could hold: a body and attributes Send would accept, at
// most MaxMaxMessageSize bytes in all (a dead-letter queue takes what its
// sources held, whatever its own MaxMessageSize). Otherwise it returns
// ErrInvalidParameter, or the error Send would give, naming the message; it
// returns ErrRedriveNotAllowed when the policy refuses a source, and
// ErrClosed after Close. On any error nothing is stored.
func (q *Queue) AddDeadLetters(ctx context.Context, msgs []DeadLetter) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	items := make([]engine.Item[meta], len(msgs))
	ids := make(map[string]struct{}, len(msgs))
	for i, m := range msgs {
		if !q.AllowsRedriveFrom(m.Source) {
			return fmt.Errorf("queue %q: add dead letters from %q: %w", q.cfg.Name, m.Source, ErrRedriveNotAllowed)
		}
		if err := checkDeadLetter(m, ids); err != nil {
			return fmt.Errorf("queue %q: add dead letters: message %d: %w", q.cfg.Name, i, err)
		}
		items[i] = engine.Item[meta]{Body: m.Body, Meta: meta{attrs: sqsmsg.CopyAttributes(m.Attributes), source: m.Source}, ID: m.ID, SentAt: m.SentAt}
	}
	if err := q.eng.SendBatch(items, make([]string, len(items)), nil); err != nil {
		return fmt.Errorf("queue %q: add dead letters: %w", q.cfg.Name, err)
	}
	return nil
}

// checkDeadLetter validates one moved message; ids holds the IDs seen so far
// in the call, and gains m's.
func checkDeadLetter(m DeadLetter, ids map[string]struct{}) error {
	if m.ID == "" {
		return fmt.Errorf("%w: empty ID", ErrInvalidParameter)
	}
	if _, dup := ids[m.ID]; dup {
		return fmt.Errorf("%w: ID %q given twice", ErrInvalidParameter, m.ID)
	}
	ids[m.ID] = struct{}{}
	_, err := sqsmsg.CheckMessage(m.Body, m.Attributes, MaxMaxMessageSize)
	return err
}

// moveToDeadLetter is the engine's DeadLetter hook: it runs without the
// engine's lock and returns the records it could not move.
func (q *Queue) moveToDeadLetter(rs []*engine.Record[meta]) []*engine.Record[meta] {
	msgs := make([]DeadLetter, len(rs))
	for i, r := range rs {
		msgs[i] = DeadLetter{
			ID: r.ID(), Body: r.Body(), Attributes: r.Meta().attrs, SentAt: r.SentAt(),
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

// deadLetterQueue returns q's Redrive.Target when it is a *Queue, else nil.
func (q *Queue) deadLetterQueue() *Queue {
	if q.cfg.Redrive == nil {
		return nil
	}
	dlq, _ := q.cfg.Redrive.Target.(*Queue)
	return dlq
}

// addSource records src, a queue just made with q as its Redrive.Target:
// from now on q is a dead-letter queue, and a move task can send messages
// back to src until src closes.
func (q *Queue) addSource(src *Queue) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.sources == nil {
		q.sources = make(map[string][]*Queue)
	}
	q.sources[src.cfg.Name] = append(q.sources[src.cfg.Name], src)
	q.deadLetter = true
}

// removeSource forgets src, which is closing.
func (q *Queue) removeSource(src *Queue) {
	q.mu.Lock()
	defer q.mu.Unlock()
	name := src.cfg.Name
	qs := slices.DeleteFunc(q.sources[name], func(x *Queue) bool { return x == src })
	if len(qs) == 0 {
		delete(q.sources, name)
	} else {
		q.sources[name] = qs
	}
}

// source returns the open source queue named name, the one made last when
// several share the name, or nil.
func (q *Queue) source(name string) *Queue {
	q.mu.Lock()
	defer q.mu.Unlock()
	if qs := q.sources[name]; len(qs) > 0 {
		return qs[len(qs)-1]
	}
	return nil
}
