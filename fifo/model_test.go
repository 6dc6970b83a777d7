package fifo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/fifo"
)

// The model-based test applies random operations to a FIFO queue (and, on
// most seeds, its FIFO dead-letter queue) and to a reference model written
// from the SQS FIFO rules, and compares them after every step: the exact
// messages each receive returns and moves, in order; every send's result
// (deduplication returns the first message's ID and sequence number within 5
// minutes of the first send, a new message from 5 minutes on); every delete
// and visibility change's error; the queue's Stats.
//
// The model decides a receive's first group only up to ties: it knows in
// which order groups became receivable (an operation, or a clock instant at
// which visibility timeouts, delays or retention ended), and takes any group
// among those receivable longest, then checks the batch is filled from that
// group, in order, before the next; each message is delivered at most once
// in flight, never after its delete, with receive counts, sent and first
// receive times and sequence numbers as sent (increasing within a group).
// A receive with visibility timeout 0 may fill its batch as usual or repeat
// its group's first message, and may stop early: SQS allows both.
//
// One divergence does not stop a run: a delete with an expired or replaced
// handle of a message gone by another way since returns nil where the rules
// want ErrReceiptHandleExpired; the run counts those and fails at the end
// (see deleteOutcome, TestFIFOStaleHandleOfGoneMessageExpired and
// TestFIFOHandleGivenUpExpired).
//
// STRATUS_LONG=1 runs ten times the seeds and four times the operations.
// FuzzFIFOModel drives the same operations, and the queue's configuration,
// from fuzz input.

const (
	fmRetention  = 30 * time.Minute
	fmVisibility = 30 * time.Second
	fmWindow     = 5 * time.Minute // deduplication and attempt windows (AWS-NOTES section 2)
	fmMaxVisible = 12 * time.Hour  // per receipt, from the receive that issued it
)

// fmChoices is where the operations come from: a seeded *rand.Rand, or fuzz
// input.
type fmChoices interface {
	IntN(n int) int
	Int64N(n int64) int64
}

// fmFuzz reads choices from bytes, then zeros.
type fmFuzz struct{ data []byte }

func (f *fmFuzz) next() uint64 {
	var v uint64
	for range 4 {
		v <<= 8
		if len(f.data) > 0 {
			v |= uint64(f.data[0])
			f.data = f.data[1:]
		}
	}
	return v
}
func (f *fmFuzz) IntN(n int) int       { return int(f.next() % uint64(n)) }
func (f *fmFuzz) Int64N(n int64) int64 { return int64(f.next() % uint64(n)) }

// fmConfig is what varies between runs.
type fmConfig struct {
	contentBased bool // ContentBasedDeduplication
	groupScope   bool // DeduplicationScope = ScopeMessageGroup
	groups       int  // how many group names sends pick from
	mrc          int  // 0: no dead-letter queue; else Redrive.MaxReceiveCount
}

func (c fmConfig) String() string {
	return fmt.Sprintf("content=%v groupScope=%v groups=%d maxReceiveCount=%d", c.contentBased, c.groupScope, c.groups, c.mrc)
}

func fmSeedConfig(seed int) fmConfig {
	c := fmConfig{contentBased: seed%3 == 0, groupScope: seed%2 == 1, groups: 3}
	if seed%4 >= 2 {
		c.groups = 40
	}
	if seed%5 < 3 {
		c.mrc = 1 + seed%3
	}
	return c
}

func TestFIFOMatchesModel(t *testing.T) {
	seeds, ops := 20, 3000
	if os.Getenv("STRATUS_LONG") != "" {
		seeds, ops = 200, 12000
	}
	for seed := range seeds {
		cfg := fmSeedConfig(seed)
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			mocked(t, func(t *testing.T, clk *clock.Mock) {
				runFIFOModel(t, clk, rand.New(rand.NewPCG(uint64(seed), 7)), cfg, ops)
			})
		})
	}
}

func FuzzFIFOModel(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 30, 0, 0, 0, 60, 0, 0, 0, 90})
	f.Add([]byte("send send receive delete change advance receive"))
	f.Add([]byte{
		0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, // content-based, group scope, few groups, DLQ
		0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, // sends
		0, 0, 0, 30, 0, 0, 0, 9, 0, 0, 0, 8, 0, 0, 0, 0, // receives
		0, 0, 0, 90, 0, 0, 0, 40, 0, 0, 0, 35, 0, 0, 0, 80, // clock moves, receives
		0, 0, 0, 79, 0, 0, 0, 82, 0, 0, 0, 55, 0, 0, 0, 70, // probes, delete, change
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fmFuzz{data: data}
		cfg := fmConfig{contentBased: r.IntN(2) == 1, groupScope: r.IntN(2) == 1, groups: 2 + r.IntN(30)}
		if r.IntN(2) == 1 {
			cfg.mrc = 1 + r.IntN(3)
		}
		mocked(t, func(t *testing.T, clk *clock.Mock) {
			runFIFOModel(t, clk, r, cfg, min(len(data)/4+1, 3000))
		})
	})
}

// fmMsg is everything the model knows of one message.
type fmMsg struct {
	id, body, group string
	dedup           string // the deduplication ID (the body's SHA-256 with content-based deduplication)
	seqNum          string // "" in a dead-letter queue until first received
	source          string // in a dead-letter queue, the source queue's name
	order           int    // acceptance order in its queue
	sentAt          time.Time
	received        bool
	visibleAt       time.Time // when received: the end of its visibility timeout
	count           int
	firstRecv       time.Time
	lastRecv        time.Time // the receive that issued the latest handle
	handles         []string  // every handle issued, latest last
	changed         bool      // visibility changed since the latest receive
	gone            bool      // deleted, purged or moved to the dead-letter queue
	goneLive        bool      // when gone: its latest handle was in flight then
}

type fmDedup struct {
	at          time.Time
	res         fifo.SendResult
	group, body string
	given       string // the DeduplicationID the send gave ("" for content-based)
}

type fmAttempt struct {
	at   time.Time
	msgs []fifo.Message
}

// fmRecorder is the source queue's dead-letter target: a FIFO queue whose
// moves it records, so the model knows what each receive moved.
type fmRecorder struct {
	dlq   *fifo.Queue
	moved []fifo.DeadLetter
	err   error
}

func (r *fmRecorder) AllowsRedriveFrom(source string) bool { return r.dlq.AllowsRedriveFrom(source) }

func (r *fmRecorder) AddDeadLetters(c context.Context, msgs []fifo.DeadLetter) error {
	err := r.dlq.AddDeadLetters(c, msgs)
	if err != nil {
		r.err = err
		return err
	}
	r.moved = append(r.moved, msgs...)
	return nil
}

// fmWorld holds the queues' models, the clock and the run's state.
type fmWorld struct {
	t      *testing.T
	clk    *clock.Mock
	r      fmChoices
	cfg    fmConfig
	now    time.Time
	start  time.Time
	serial int // makes bodies and IDs unique
	tick   int // orders the moments groups become receivable
	step   int
	src    *fmQueue
	dlq    *fmQueue       // nil without redrive
	log    []string       // the latest operations, for a failure report
	seen   map[string]int // how often each interesting case came up

	staleNil     int // deletes with a stale handle of a message gone another way that returned nil
	staleEarly   int // those before the end of the visibility timeout the handle's receive set
	staleExample string
}

func (w *fmWorld) fail(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("step %d (%v): %s\nlatest operations:\n  %s", w.step, w.cfg, fmt.Sprintf(format, args...), strings.Join(w.log, "\n  "))
}

func (w *fmWorld) note(format string, args ...any) {
	if len(w.log) == 30 {
		w.log = w.log[1:]
	}
	w.log = append(w.log, fmt.Sprintf("%d @%v: ", w.step, w.now.Sub(w.start))+fmt.Sprintf(format, args...))
}

func (w *fmWorld) dur(max time.Duration) time.Duration {
	return time.Duration(w.r.Int64N(int64(max) + 1))
}

func (w *fmWorld) queues() []*fmQueue {
	if w.dlq == nil {
		return []*fmQueue{w.src}
	}
	return []*fmQueue{w.src, w.dlq}
}

// fmQueue is the model of one FIFO queue.
type fmQueue struct {
	w            *fmWorld
	name         string
	q            *fifo.Queue
	moves        *fmRecorder // the source's dead-letter target; nil otherwise
	dlq          *fmQueue
	mrc          int
	contentBased bool
	groupScope   bool
	delay        time.Duration
	order        int
	groupNames   []string            // in the order first seen
	groups       map[string][]*fmMsg // live messages of each group, by order
	byID         map[string]*fmMsg
	byHandle     map[string]*fmMsg
	handles      []string             // every handle issued, in order
	issuedDue    map[string]time.Time // by handle: the end of the visibility timeout its receive set
	ready        map[string]int       // receivable groups, with the tick they became so
	dedup        map[string]*fmDedup
	dedupKeys    []string
	attempts     map[string]*fmAttempt
	attemptIDs   []string
	lastSeq      map[string]string // by group: the latest sequence number
	lastPurge    time.Time
	purged       bool
}

func newFMQueue(w *fmWorld, name string, q *fifo.Queue, contentBased, groupScope bool) *fmQueue {
	return &fmQueue{
		w: w, name: name, q: q, contentBased: contentBased, groupScope: groupScope,
		groups: map[string][]*fmMsg{}, byID: map[string]*fmMsg{}, byHandle: map[string]*fmMsg{},
		ready: map[string]int{}, issuedDue: map[string]time.Time{}, dedup: map[string]*fmDedup{}, attempts: map[string]*fmAttempt{},
		lastSeq: map[string]string{},
	}
}

func (mq *fmQueue) alive(x *fmMsg) bool {
	return !x.gone && mq.w.now.Before(x.sentAt.Add(fmRetention))
}

// visAt is when x is (or was) visible: the end of its visibility timeout
// once received, else its sent time plus the queue's delay (a delay change
// is retroactive on a FIFO queue).
func (mq *fmQueue) visAt(x *fmMsg) time.Time {
	if x.received {
		return x.visibleAt
	}
	return x.sentAt.Add(mq.delay)
}

func (mq *fmQueue) visible(x *fmMsg) bool { return mq.alive(x) && !mq.w.now.Before(mq.visAt(x)) }
func (mq *fmQueue) inFlight(x *fmMsg) bool {
	return mq.alive(x) && x.received && mq.w.now.Before(x.visibleAt)
}

func (mq *fmQueue) key(group, dedup string) string {
	if mq.groupScope {
		return group + "\x00" + dedup
	}
	return dedup
}

func (mq *fmQueue) add(x *fmMsg) {
	mq.order++
	x.order = mq.order
	if _, ok := mq.groups[x.group]; !ok && !slices.Contains(mq.groupNames, x.group) {
		mq.groupNames = append(mq.groupNames, x.group)
	}
	mq.groups[x.group] = append(mq.groups[x.group], x)
	mq.byID[x.id] = x
}

// receivable reports whether group g can give a message now: its first live
// message is visible and none of its messages is in flight.
func (mq *fmQueue) receivable(g string) bool {
	first := true
	ok := false
	for _, x := range mq.groups[g] {
		if !mq.alive(x) {
			continue
		}
		if mq.inFlight(x) {
			return false
		}
		if first {
			ok = mq.visible(x)
			first = false
		}
	}
	return ok
}

func (mq *fmQueue) recompute(g string, tick int) {
	if !mq.receivable(g) {
		delete(mq.ready, g)
	} else if _, ok := mq.ready[g]; !ok {
		mq.ready[g] = tick
	}
}

func (mq *fmQueue) recomputeAll(tick int) {
	for _, g := range mq.groupNames {
		mq.recompute(g, tick)
	}
}

// next returns the message a receive visiting group g takes next: the first
// live message not in flight, if it is visible.
func (mq *fmQueue) next(g string) *fmMsg {
	for _, x := range mq.groups[g] {
		if !mq.alive(x) || mq.inFlight(x) {
			continue
		}
		if mq.visible(x) {
			return x
		}
		return nil
	}
	return nil
}

// visitDelivers reports whether a receive visiting group g would return a
// message, not only move messages to the dead-letter queue.
func (mq *fmQueue) visitDelivers(g string) bool {
	for _, x := range mq.groups[g] {
		if !mq.alive(x) || mq.inFlight(x) {
			continue
		}
		if !mq.visible(x) {
			return false
		}
		if mq.mrc == 0 || x.count < mq.mrc {
			return true
		}
	}
	return false
}

// compact forgets dead messages in the group lists (byID and byHandle keep
// them, for stale handles), and deduplication IDs long expired.
func (mq *fmQueue) compact() {
	for _, g := range mq.groupNames {
		mq.groups[g] = slices.DeleteFunc(mq.groups[g], func(x *fmMsg) bool { return !mq.alive(x) })
	}
	mq.dedupKeys = slices.DeleteFunc(mq.dedupKeys, func(k string) bool {
		if mq.w.now.After(mq.dedup[k].at.Add(2 * fmWindow)) {
			delete(mq.dedup, k)
			return true
		}
		return false
	})
}

func (mq *fmQueue) stats() fifo.Stats {
	var s fifo.Stats
	var oldest *fmMsg
	for _, g := range mq.groupNames {
		for _, x := range mq.groups[g] {
			if !mq.alive(x) {
				continue
			}
			switch {
			case mq.inFlight(x):
				s.InFlight++
			case mq.visible(x):
				s.Visible++
			default:
				s.Delayed++
			}
			if oldest == nil || x.sentAt.Before(oldest.sentAt) {
				oldest = x
			}
		}
	}
	if oldest != nil {
		s.AgeOfOldestMessage = mq.w.now.Sub(oldest.sentAt)
	}
	for _, d := range mq.dedup {
		if mq.w.now.Before(d.at.Add(fmWindow)) {
			s.DeduplicationIDs++
		}
	}
	return s
}

// seqLess compares decimal sequence numbers.
func seqLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (w *fmWorld) checkSeqNum(s string) {
	w.t.Helper()
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		w.fail("sequence number %q is not decimal", s)
	}
}

func runFIFOModel(t *testing.T, clk *clock.Mock, r fmChoices, cfg fmConfig, ops int) {
	w := &fmWorld{t: t, clk: clk, r: r, cfg: cfg, now: clk.Now(), start: clk.Now(), seen: map[string]int{}}
	base := fifo.Config{
		Clock: clk, Retention: fmRetention, VisibilityTimeout: fmVisibility,
		MaxInFlight: fifo.NoLimit, Limits: fifo.Unlimited,
		ContentBasedDeduplication: cfg.contentBased,
	}
	if cfg.groupScope {
		base.DeduplicationScope = fifo.ScopeMessageGroup
	}
	var rec *fmRecorder
	if cfg.mrc > 0 {
		dcfg := base
		dcfg.Name, dcfg.ContentBasedDeduplication = "model-dlq.fifo", false
		dq, err := fifo.New(dcfg)
		if err != nil {
			t.Fatal(err)
		}
		defer dq.Close()
		w.dlq = newFMQueue(w, dcfg.Name, dq, false, cfg.groupScope)
		rec = &fmRecorder{dlq: dq}
		base.Redrive = &fifo.Redrive{Target: rec, MaxReceiveCount: cfg.mrc}
	}
	base.Name = "model.fifo"
	q, err := fifo.New(base)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	w.src = newFMQueue(w, base.Name, q, cfg.contentBased, cfg.groupScope)
	w.src.moves, w.src.dlq, w.src.mrc = rec, w.dlq, cfg.mrc

	for w.step = 0; w.step < ops; w.step++ {
		w.op()
		if rec != nil && rec.err != nil {
			w.fail("dead-letter move failed: %v", rec.err)
		}
		w.tick++
		for _, mq := range w.queues() {
			mq.recomputeAll(w.tick)
			got, err := mq.q.Stats()
			if err != nil {
				w.fail("%s: stats: %v", mq.name, err)
			}
			if want := mq.stats(); got != want {
				w.fail("%s: stats: got %+v, want %+v", mq.name, got, want)
			}
			if w.step%16 == 0 {
				mq.compact()
			}
		}
	}
	t.Logf("%v: %v", cfg, w.seen)
	if w.staleNil > 0 {
		t.Errorf("%d deletes with an expired or replaced handle of a message since gone by another way returned nil, want ErrReceiptHandleExpired; %d of them before the end of the visibility timeout their receive set (a ChangeVisibility ended it early) (first: %s); see TestFIFOStaleHandleOfGoneMessageExpired, TestFIFOHandleGivenUpExpired",
			w.staleNil, w.staleEarly, w.staleExample)
	}
}
