package engine

import (
	"time"
	"unsafe"
)

// newRecord allocates a record and its generated ID in one allocation: the
// ID string views bytes that live in the same object, which is never
// written after this. A send therefore costs one allocation, not two.
func newRecord[M any]() *Record[M] {
	w := new(struct {
		r   Record[M]
		buf [36]byte
	})
	newID(&w.buf)
	w.r.id = unsafe.String(&w.buf[0], len(w.buf))
	return &w.r
}

// state is where a record is in its life.
type state uint8

const (
	stateDelayed     state = iota + 1 // in the timer heap, due = when it becomes visible
	stateVisible                      // in the selector
	stateInFlight                     // in the timer heap, due = end of its visibility timeout
	stateGone                         // deleted, expired, purged or moved out
	stateMoving                       // taken for a dead-letter move: keeps its slot, not stored
	stateMoveDeleted                  // deleted while moving: dropped whatever the move's outcome
	stateDeleted                      // deleted with a strict handle: bodiless, keeps its slot until the handle's timeout ends
)

// Heap kinds: a record carries one index per heap it can be in.
const (
	timerHeap     = 0 // delayed and in-flight records, keyed by due
	retentionHeap = 1 // stored records that arrived out of sentAt order, keyed by sentAt
)

// Record is one stored message. The engine owns every field; the packages
// built on it read a record only under the engine's lock (inside the
// Deliver hook) or after the engine has let go of it (in the DeadLetter hook).
type Record[M any] struct {
	id   string // the message ID
	body string
	meta M

	sentAt     int64 // unix nanoseconds; retention counts from here
	firstRecv  int64 // unix nanoseconds of the first receive, set when recvCount becomes 1
	lastRecv   int64 // unix nanoseconds of the receive that issued the current handle
	due        int64 // unix nanoseconds: visible-at (delayed) or visibility deadline (in flight)
	seq        uint64
	nonce      uint64 // receive serial of the current receipt handle, 0 before any receive
	recvCount  int32
	slot       uint32
	hidx       [2]int32
	state      state
	changed    bool       // its visibility was changed since its latest receive
	prev, next *Record[M] // links in the selector's lists
	grp        *group[M]  // the record's message group, with the group selector
	older      *Record[M] // links in the sentAt-ordered list of stored records
	newer      *Record[M]
	inList     bool // in that list (else in the retention heap)
}

// ID returns the message ID.
func (r *Record[M]) ID() string { return r.id }

// Body returns the message body.
func (r *Record[M]) Body() string { return r.body }

// Meta returns the package-specific data stored with the message.
func (r *Record[M]) Meta() M { return r.meta }

// SentAt returns the time the message was first accepted (kept across a
// dead-letter move when the mover asks for it).
func (r *Record[M]) SentAt() time.Time { return time.Unix(0, r.sentAt) }

// FirstReceivedAt returns the time of the first receive, or the zero Time.
func (r *Record[M]) FirstReceivedAt() time.Time {
	if r.recvCount == 0 {
		return time.Time{}
	}
	return time.Unix(0, r.firstRecv)
}

// ReceiveCount returns how many times the message has been received.
func (r *Record[M]) ReceiveCount() int { return int(r.recvCount) }

// Seq returns the record's serial number within its engine: strictly
// increasing in the order messages were accepted.
func (r *Record[M]) Seq() uint64 { return r.seq }

// release drops what a gone record points to, so that a caller still holding
// its ID string pins a small struct and nothing more.
func (r *Record[M]) release() {
	var zero M
	r.body = ""
	r.meta = zero
	r.prev, r.next, r.grp = nil, nil, nil
	r.older, r.newer = nil, nil
	r.state = stateGone
}
