package fifo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stratus-go/stratus/internal/engine"
	"github.com/stratus-go/stratus/internal/sqsmsg"
)

// Sender is what a producer needs: pubsub delivers into FIFO queues
// through it.
type Sender interface {
	Send(ctx context.Context, in SendInput) (SendResult, error)
	SendBatch(ctx context.Context, entries []SendBatchEntry) ([]SendBatchResult, error)
}

// Receiver is what a consumer needs.
type Receiver interface {
	Receive(ctx context.Context, opts ReceiveOptions) ([]Message, error)
	Delete(ctx context.Context, receiptHandle string) error
	ChangeVisibility(ctx context.Context, receiptHandle string, timeout time.Duration) error
}

var (
	_ Sender           = (*Queue)(nil)
	_ Receiver         = (*Queue)(nil)
	_ DeadLetterTarget = (*Queue)(nil)
)

// meta is what the engine stores with a message besides its body.
type meta struct {
	attrs  map[string]Attribute // nil when the message has none
	group  string
	dedup  string
	source string // for a dead letter, its source queue's name; else ""
}

func groupOf(m meta) string { return m.group }

// Queue is a FIFO queue. Make one with New. All methods are safe for
// concurrent use.
type Queue struct {
	cfg    resolved // immutable after New
	eng    *engine.Engine[meta, Message]
	quotas quotas

	// mu guards the fields below. It is held while taking the engine's lock
	// (never the other way round), and never while calling another queue.
	mu        sync.Mutex
	closed    bool
	delay     time.Duration
	dedup     *window[sent]     // by deduplication key (see dedupKey)
	attempts  *window[*attempt] // by ReceiveRequestAttemptID
	lastPurge time.Time         // zero before the first purge
}

// New makes a FIFO queue from cfg; see Config for the defaults. It returns
// an error wrapping ErrInvalidConfig that names the field, the value and the
// allowed range, or ErrRedriveNotAllowed when the dead-letter target refuses
// this queue.
func New(cfg Config) (*Queue, error) {
	r, err := resolve(cfg)
	if err != nil {
		return nil, fmt.Errorf("fifo %q: new: %w", cfg.Name, err)
	}
	if r.Redrive != nil && !r.Redrive.Target.AllowsRedriveFrom(r.Name) {
		return nil, fmt.Errorf("fifo %q: new: %w", r.Name, ErrRedriveNotAllowed)
	}
	q := &Queue{
		cfg:      r,
		quotas:   newQuotas(r.callsPerSecond),
		delay:    r.Delay,
		dedup:    newWindow[sent](DeduplicationWindow, r.Clock.Now()),
		attempts: newWindow[*attempt](AttemptWindow, r.Clock.Now()),
	}
	ec := engine.Config[meta, Message]{
		Clock:         r.Clock,
		Retention:     r.Retention,
		MaxInFlight:   r.MaxInFlight,
		Deliver:       deliver,
		Selector:      engine.NewGroupOrder(groupOf),
		StrictHandles: true,
	}
	if r.Redrive != nil {
		ec.MaxReceiveCount = r.maxReceiveCount
		ec.DeadLetter = q.moveToDeadLetter
	}
	q.eng = engine.New(ec)
	return q, nil
}

// sent is what the deduplication window keeps of a message: its ID (a
// copy, so that the window does not keep the stored message alive) and its
// serial, formatted only when a duplicate asks for it.
type sent struct {
	id  string
	seq uint64
}

func (s sent) result() SendResult {
	return SendResult{MessageID: s.id, SequenceNumber: sequenceNumber(s.seq)}
}

// sequenceNumber formats a record's serial as a 20-digit decimal that sorts
// as text the way it sorts as a number.
func sequenceNumber(seq uint64) string { return strconv.FormatUint(1e19+seq, 10) }

// deliver makes the caller's copy of a record taken by a receive.
func deliver(r *engine.Record[meta], handle string) Message {
	m := r.Meta()
	return Message{
		ID:               r.ID(),
		Body:             r.Body(),
		Attributes:       sqsmsg.CopyAttributes(m.attrs),
		GroupID:          m.group,
		DeduplicationID:  m.dedup,
		SequenceNumber:   sequenceNumber(r.Seq()),
		ReceiptHandle:    handle,
		ReceiveCount:     r.ReceiveCount(),
		SentAt:           r.SentAt(),
		FirstReceivedAt:  r.FirstReceivedAt(),
		DeadLetterSource: m.source,
	}
}

// Name returns the queue's name.
func (q *Queue) Name() string { return q.cfg.Name }

func (q *Queue) errorf(op string, err error) error {
	return fmt.Errorf("fifo %q: %s: %w", q.cfg.Name, op, err)
}

// prepare validates one message and turns it into an engine item (without
// its delay, which is read under the lock); it returns the message's size
// and its deduplication key.
func (q *Queue) prepare(in SendInput) (it engine.Item[meta], size int, key string, err error) {
	if in.Delay != nil {
		return it, 0, "", ErrDelayNotSupported
	}
	switch {
	case in.GroupID == "":
		return it, 0, "", ErrGroupIDRequired
	case !validID(in.GroupID):
		return it, 0, "", fmt.Errorf("%w: GroupID %q", ErrInvalidID, in.GroupID)
	case in.DeduplicationID == "" && !q.cfg.ContentBasedDeduplication:
		return it, 0, "", ErrDeduplicationIDRequired
	case in.DeduplicationID != "" && !validID(in.DeduplicationID):
		return it, 0, "", fmt.Errorf("%w: DeduplicationID %q", ErrInvalidID, in.DeduplicationID)
	}
	size, err = sqsmsg.CheckMessage(in.Body, in.Attributes, q.cfg.MaxMessageSize)
	if err != nil {
		return it, 0, "", err
	}
	dedup := in.DeduplicationID
	if dedup == "" {
		sum := sha256.Sum256([]byte(in.Body))
		dedup = hex.EncodeToString(sum[:])
	}
	it = engine.Item[meta]{Body: in.Body, Meta: meta{attrs: sqsmsg.CopyAttributes(in.Attributes), group: in.GroupID, dedup: dedup}}
	return it, size, q.dedupKey(in.GroupID, dedup), nil
}

// dedupKey is where a deduplication ID is remembered: the ID itself with
// queue scope, the group and the ID with message-group scope.
func (q *Queue) dedupKey(group, dedup string) string {
	if q.cfg.DeduplicationScope == ScopeMessageGroup {
		return group + "\x00" + dedup
	}
	return dedup
}

// Send adds a message to the end of its group and returns its ID and
// sequence number. Within 5 minutes of the first send with the same
// deduplication ID (in the queue's DeduplicationScope), it stores nothing
// and returns the first message's ID and sequence number, even if that
// message has been received or deleted since. It does not block.
//
// Bad input returns ErrGroupIDRequired, ErrDeduplicationIDRequired,
// ErrInvalidID, ErrDelayNotSupported, ErrEmptyBody,
// ErrInvalidMessageContents, ErrMessageTooLarge or ErrInvalidAttribute,
// wrapped, and stores nothing. Over the quota it returns a *ThrottleError;
// after Close, ErrClosed.
func (q *Queue) Send(ctx context.Context, in SendInput) (SendResult, error) {
	if err := ctx.Err(); err != nil {
		return SendResult{}, err
	}
	if err := q.quotas.allow(actionSend, q.cfg.Clock); err != nil {
		return SendResult{}, q.errorf("send", err)
	}
	it, _, key, err := q.prepare(in)
	if err != nil {
		return SendResult{}, q.errorf("send", err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return SendResult{}, q.errorf("send", ErrClosed)
	}
	now := q.cfg.Clock.Now()
	q.dedup.expire(now)
	if first, dup := q.dedup.get(key, now); dup {
		return first.result(), nil
	}
	it.Delay = q.delay
	id, seq, err := q.eng.SendSeq(it)
	if err != nil {
		return SendResult{}, q.errorf("send", err)
	}
	q.dedup.put(key, sent{strings.Clone(id), seq}, now)
	return SendResult{MessageID: id, SequenceNumber: sequenceNumber(seq)}, nil
}

// SendBatch sends up to 10 messages, in order, and reports on each in the
// result at the same index: a bad entry fails alone, and an entry that
// duplicates an earlier one (in the window or in the same batch) succeeds
// with the earlier message's ID. The request as a whole fails, sending
// nothing, for no entries (ErrEmptyBatch), more than 10
// (ErrTooManyEntries), a bad or repeated entry ID (ErrInvalidBatchEntryID,
// ErrBatchEntryIDsNotDistinct), messages larger together than
// MaxMessageSize (ErrBatchTooLong), over the quota (*ThrottleError) or after
// Close (ErrClosed). It does not block.
func (q *Queue) SendBatch(ctx context.Context, entries []SendBatchEntry) ([]SendBatchResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := q.quotas.allow(actionSend, q.cfg.Clock); err != nil {
		return nil, q.errorf("send batch", err)
	}
	if err := sqsmsg.CheckBatch(entries, func(e *SendBatchEntry) string { return e.ID }); err != nil {
		return nil, q.errorf("send batch", err)
	}
	results := make([]SendBatchResult, len(entries))
	var items [MaxBatchEntries]engine.Item[meta]
	var keys [MaxBatchEntries]string
	ok := make([]int, 0, len(entries)) // index in entries of each valid entry
	total := 0
	for i, e := range entries {
		results[i].ID = e.ID
		it, size, key, err := q.prepare(e.SendInput)
		if err != nil {
			results[i].Err = q.errorf("send batch: entry "+e.ID, err)
			continue
		}
		total += size
		items[len(ok)], keys[len(ok)] = it, key
		ok = append(ok, i)
	}
	if total > q.cfg.MaxMessageSize {
		return nil, q.errorf("send batch", fmt.Errorf("%w: %d bytes in all, at most %d", ErrBatchTooLong, total, q.cfg.MaxMessageSize))
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, q.errorf("send batch", ErrClosed)
	}
	now := q.cfg.Clock.Now()
	q.dedup.expire(now)
	// Entries new to the window are stored, in order, in one engine call;
	// the others, duplicates of a message in the window or of an earlier
	// entry, get that message's result.
	var fresh [MaxBatchEntries]engine.Item[meta]
	var freshAt [MaxBatchEntries]int // index in results
	var isNew [MaxBatchEntries]bool  // for each ok entry: stored by this call
	var stored [MaxBatchEntries]sent // by index in results, for the entries stored
	var dupOf [MaxBatchEntries]int   // for each ok entry: -1, or the index in ok of the new entry it repeats
	n := 0
	for j, i := range ok {
		dupOf[j] = -1
		if first, dup := q.dedup.get(keys[j], now); dup {
			results[i].SendResult = first.result()
			continue
		}
		for k := range j {
			if isNew[k] && keys[k] == keys[j] {
				dupOf[j] = k
				break
			}
		}
		if dupOf[j] >= 0 {
			continue
		}
		isNew[j] = true
		items[j].Delay = q.delay
		fresh[n], freshAt[n] = items[j], i
		n++
	}
	if n > 0 {
		var ids [MaxBatchEntries]string
		var seqs [MaxBatchEntries]uint64
		if err := q.eng.SendBatch(fresh[:n], ids[:n], seqs[:n]); err != nil {
			return nil, q.errorf("send batch", err)
		}
		for k := range n {
			results[freshAt[k]].SendResult = SendResult{MessageID: ids[k], SequenceNumber: sequenceNumber(seqs[k])}
			stored[freshAt[k]] = sent{strings.Clone(ids[k]), seqs[k]}
		}
	}
	for j, i := range ok {
		if k := dupOf[j]; k >= 0 {
			results[i].SendResult = results[ok[k]].SendResult
		} else if isNew[j] {
			q.dedup.put(keys[j], stored[i], now)
		}
	}
	return results, nil
}
