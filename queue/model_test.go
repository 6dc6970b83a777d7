package queue_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/stratus-go/stratus/queue"
)

// The model-based test applies random operations to a queue and to a
// trivially correct model of SQS standard-queue semantics, and compares them
// after every step. STRATUS_LONG=1 runs ten times the seeds and four times the
// operations. FuzzQueueModel drives the same operations from fuzz input.

const modelRetention = time.Hour

// modelMsg is everything the model knows of one message.
type modelMsg struct {
	id, body  string
	sentAt    time.Time
	visibleAt time.Time // hidden until then (delay, or visibility timeout)
	received  bool      // hidden by a receive (in flight), not by a delay
	deleted   bool
	count     int
	lastRecv  time.Time
	handles   []string // every handle issued, latest last
}

type model struct {
	now      time.Time
	msgs     []*modelMsg
	byID     map[string]*modelMsg
	byHandle map[string]*modelMsg
}

func (m *model) alive(x *modelMsg) bool {
	return !x.deleted && m.now.Before(x.sentAt.Add(modelRetention))
}
func (m *model) visible(x *modelMsg) bool { return m.alive(x) && !m.now.Before(x.visibleAt) }
func (m *model) inFlight(x *modelMsg) bool {
	return m.alive(x) && x.received && m.now.Before(x.visibleAt)
}

func (m *model) stats() queue.Stats {
	var s queue.Stats
	var oldest *modelMsg
	for _, x := range m.msgs {
		if !m.alive(x) {
			continue
		}
		switch {
		case m.visible(x):
			s.Visible++
		case x.received:
			s.InFlight++
		default:
			s.Delayed++
		}
		if oldest == nil || x.sentAt.Before(oldest.sentAt) {
			oldest = x
		}
	}
	if oldest != nil {
		s.AgeOfOldestMessage = m.now.Sub(oldest.sentAt)
	}
	return s
}

// pickHandle returns a handle for a delete or change: usually the latest of
// some message, sometimes an earlier one, sometimes one never issued.
func (m *model) pickHandle(r choices) string {
	var issued []*modelMsg
	for _, x := range m.msgs {
		if len(x.handles) > 0 {
			issued = append(issued, x)
		}
	}
	if len(issued) == 0 || r.IntN(20) == 0 {
		return fmt.Sprintf("never-issued-%d", r.IntN(100))
	}
	x := issued[r.IntN(len(issued))]
	if r.IntN(4) == 0 {
		return x.handles[r.IntN(len(x.handles))]
	}
	return x.handles[len(x.handles)-1]
}

func TestQueueMatchesModel(t *testing.T) {
	seeds, ops := 20, 5000
	if os.Getenv("STRATUS_LONG") != "" {
		seeds, ops = 200, 20000
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			mocked(t, func(t *testing.T, clk *clock.Mock) {
				runModel(t, clk, rand.New(rand.NewPCG(uint64(seed), 42)), ops)
			})
		})
	}
}

// choices is where the operations come from: a seeded *rand.Rand, or fuzz
// input.
type choices interface {
	IntN(n int) int
	Int64N(n int64) int64
}

// fuzzChoices reads choices from bytes, then zeros.
type fuzzChoices struct{ data []byte }

func (f *fuzzChoices) next() uint64 {
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
func (f *fuzzChoices) IntN(n int) int       { return int(f.next() % uint64(n)) }
func (f *fuzzChoices) Int64N(n int64) int64 { return int64(f.next() % uint64(n)) }

func FuzzQueueModel(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 30, 0, 0, 0, 60, 0, 0, 0, 90})
	f.Add([]byte("send receive delete change advance"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mocked(t, func(t *testing.T, clk *clock.Mock) {
			runModel(t, clk, &fuzzChoices{data: data}, len(data)/4+1)
		})
	})
}

func runModel(t *testing.T, clk *clock.Mock, r choices, ops int) {
	q, err := queue.New(queue.Config{Clock: clk, Retention: modelRetention, MaxInFlight: queue.NoLimit})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	m := &model{now: clk.Now(), byID: map[string]*modelMsg{}, byHandle: map[string]*modelMsg{}}
	dur := func(max time.Duration) time.Duration { return time.Duration(r.Int64N(int64(max) + 1)) }

	for step := range ops {
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("step %d: %s", step, fmt.Sprintf(format, args...))
		}
		switch op := r.IntN(100); {
		case op < 25: // send
			in := queue.SendInput{Body: fmt.Sprint("m", step)}
			delay := time.Duration(0)
			if r.IntN(3) == 0 {
				delay = dur(time.Minute)
				in.Delay = &delay
			}
			id, err := q.Send(ctx, in)
			if err != nil {
				fail("send: %v", err)
			}
			x := &modelMsg{id: id, body: in.Body, sentAt: m.now, visibleAt: m.now.Add(delay)}
			m.msgs = append(m.msgs, x)
			m.byID[id] = x

		case op < 50: // receive (short poll)
			max := 1 + r.IntN(10)
			opts := queue.ReceiveOptions{MaxMessages: max}
			vis := 30 * time.Second
			if r.IntN(2) == 0 {
				vis = dur(time.Minute)
				opts.VisibilityTimeout = &vis
			}
			want := 0
			for _, x := range m.msgs {
				if m.visible(x) {
					want++
				}
			}
			got, err := q.Receive(ctx, opts)
			if err != nil {
				fail("receive: %v", err)
			}
			if len(got) != min(max, want) {
				fail("receive: got %d messages, want %d", len(got), min(max, want))
			}
			seen := map[string]bool{}
			for _, g := range got {
				x := m.byID[g.ID]
				switch {
				case x == nil:
					fail("receive: unknown message %s", g.ID)
				case seen[g.ID]:
					fail("receive: %s twice in one receive", g.ID)
				case !m.visible(x):
					fail("receive: %s was not visible", g.ID)
				case g.Body != x.body || g.ReceiveCount != x.count+1 || !g.SentAt.Equal(x.sentAt):
					fail("receive: %+v, model %+v", g, x)
				}
				seen[g.ID] = true
				x.count++
				x.received = true
				x.lastRecv = m.now
				x.visibleAt = m.now.Add(vis)
				x.handles = append(x.handles, g.ReceiptHandle)
				m.byHandle[g.ReceiptHandle] = x
			}

		case op < 70: // delete
			h := m.pickHandle(r)
			err := q.Delete(ctx, h)
			x := m.byHandle[h]
			switch {
			case x == nil:
				if !errors.Is(err, queue.ErrReceiptHandleInvalid) {
					fail("delete never-issued: %v", err)
				}
			case err != nil:
				fail("delete: %v", err)
			case m.alive(x) && h == x.handles[len(x.handles)-1]:
				x.deleted = true
			}

		case op < 85: // change visibility
			h := m.pickHandle(r)
			vis := dur(90 * time.Second)
			if r.IntN(10) == 0 {
				vis = 11*time.Hour + dur(time.Hour)
			}
			err := q.ChangeVisibility(ctx, h, vis)
			x := m.byHandle[h]
			var want error
			switch {
			case x == nil:
				want = queue.ErrReceiptHandleInvalid
			case !m.alive(x):
				want = queue.ErrMessageNotInFlight
			case h != x.handles[len(x.handles)-1]:
				want = queue.ErrReceiptHandleExpired
			case !m.inFlight(x):
				want = queue.ErrMessageNotInFlight
			case m.now.Add(vis).After(x.lastRecv.Add(12 * time.Hour)):
				want = queue.ErrVisibilityTooLong
			default:
				x.visibleAt = m.now.Add(vis)
			}
			if !errors.Is(err, want) || (want == nil) != (err == nil) {
				fail("change visibility: got %v, want %v", err, want)
			}

		default: // time passes
			d := dur(40 * time.Second)
			if r.IntN(20) == 0 {
				d = dur(30 * time.Minute)
			}
			advance(clk, d)
			m.now = m.now.Add(d)
		}

		got, err := q.Stats()
		if err != nil {
			fail("stats: %v", err)
		}
		if want := m.stats(); got != want {
			fail("stats: got %+v, want %+v", got, want)
		}
	}
}
