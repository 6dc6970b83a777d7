package fifo_test

// The operations of the model-based test (model_test.go): each applies one
// operation to the queue and to the model and checks that they agree.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/fifo"
)

// op applies one random operation.
func (w *fmWorld) op() {
	r := w.r
	other := w.src
	if w.dlq != nil && r.IntN(4) == 0 {
		other = w.dlq // deletes and changes go to the dead-letter queue a quarter of the time
	}
	switch op := r.IntN(100); {
	case op < 22:
		w.src.sendOp()
	case op < 26:
		w.src.sendBatchOp()
	case op < 46:
		w.src.receiveOp("")
	case op < 52:
		if w.dlq != nil {
			w.dlq.receiveOp("")
		} else {
			w.src.receiveOp("")
		}
	case op < 66:
		other.deleteOp()
	case op < 68:
		other.deleteBatchOp()
	case op < 77:
		other.changeOp()
	case op < 78:
		d := time.Duration(0)
		if r.IntN(2) == 0 {
			d = w.dur(2 * time.Minute)
		} else if r.IntN(5) == 0 {
			d = w.dur(fifo.MaxDelay)
		}
		w.note("set delay %v", d)
		if err := w.src.q.SetDelay(d); err != nil {
			w.fail("set delay: %v", err)
		}
		w.src.delay = d
	case op < 79:
		if r.IntN(8) == 0 {
			w.src.purgeOp()
		}
	case op < 82:
		w.dedupProbe()
	case op < 84:
		w.attemptProbe()
	default:
		w.advanceOp()
	}
}

// advanceTo moves the clock to t, and the model through every instant in
// between at which a group may become receivable or not.
func (w *fmWorld) advanceTo(t time.Time) {
	if !t.After(w.now) {
		return
	}
	type event struct {
		at time.Time
		mq *fmQueue
		g  string
	}
	var evs []event
	for _, mq := range w.queues() {
		for _, g := range mq.groupNames {
			for _, x := range mq.groups[g] {
				if !mq.alive(x) {
					continue
				}
				for _, at := range [2]time.Time{x.sentAt.Add(fmRetention), mq.visAt(x)} {
					if at.After(w.now) && !at.After(t) {
						evs = append(evs, event{at, mq, g})
					}
				}
			}
		}
	}
	slices.SortStableFunc(evs, func(a, b event) int { return a.at.Compare(b.at) })
	d := t.Sub(w.now)
	for i := 0; i < len(evs); {
		at := evs[i].at
		w.now = at
		w.tick++
		for ; i < len(evs) && evs[i].at.Equal(at); i++ {
			evs[i].mq.recompute(evs[i].g, w.tick)
		}
	}
	w.now = t
	advance(w.clk, d)
}

func (w *fmWorld) advanceOp() {
	var d time.Duration
	switch w.r.IntN(10) {
	case 0:
		d = w.dur(6 * time.Minute) // across the 5-minute windows
	case 1, 2: // to an instant something happens, or just before
		var at []time.Time
		for _, mq := range w.queues() {
			for _, g := range mq.groupNames {
				for _, x := range mq.groups[g] {
					if mq.alive(x) && mq.visAt(x).After(w.now) {
						at = append(at, mq.visAt(x))
					}
				}
			}
		}
		if len(at) == 0 {
			d = w.dur(time.Second)
			break
		}
		d = at[w.r.IntN(len(at))].Sub(w.now) - time.Duration(w.r.IntN(2))
	default:
		d = w.dur(40 * time.Second)
	}
	w.note("advance %v", d)
	w.advanceTo(w.now.Add(d))
}

// dedupProbe moves the clock to the end of a deduplication window, or 1 ns
// before, and sends the same deduplication ID again.
func (w *fmWorld) dedupProbe() {
	mq := w.src
	var open []*fmDedup
	for _, k := range mq.dedupKeys {
		if d := mq.dedup[k]; d.at.Add(fmWindow).After(w.now) {
			open = append(open, d)
		}
	}
	if len(open) == 0 {
		mq.sendOp()
		return
	}
	d := open[w.r.IntN(len(open))]
	end := d.at.Add(fmWindow).Add(-time.Duration(w.r.IntN(2)))
	w.note("advance to %v after a deduplication ID's first send", end.Sub(d.at))
	w.advanceTo(end)
	body := d.body
	if d.given != "" && w.r.IntN(2) == 0 {
		body = fmt.Sprint("again", w.step)
	}
	mq.send(in(body, d.group, d.given))
}

// attemptProbe moves the clock to the end of a receive attempt's window, or
// 1 ns before, and retries it.
func (w *fmWorld) attemptProbe() {
	mq := w.src
	var open []string
	for _, id := range mq.attemptIDs {
		if a := mq.attempts[id]; a != nil && a.at.Add(fmWindow).After(w.now) && !slices.Contains(open, id) {
			open = append(open, id)
		}
	}
	if len(open) == 0 {
		mq.receiveOp("")
		return
	}
	id := open[w.r.IntN(len(open))]
	end := mq.attempts[id].at.Add(fmWindow).Add(-time.Duration(w.r.IntN(2)))
	w.note("advance to %v after attempt %s", end.Sub(mq.attempts[id].at), id)
	w.advanceTo(end)
	mq.receiveOp(id)
}

func (w *fmWorld) pickGroup() string {
	n := w.r.IntN(w.cfg.groups)
	if n == 1 {
		return `g1!"#$%&'()*+,-./:;<=>?@[\]^_{|}~` + "`" // any ASCII punctuation is allowed
	}
	return fmt.Sprint("g", n)
}

// sendInput makes a message to send: usually new, often with the
// deduplication ID of a recent send (in its window or not, in its group or
// not), with content-based deduplication sometimes the body of one, and
// now and then one the queue must refuse.
func (mq *fmQueue) sendInput() fifo.SendInput {
	w, r := mq.w, mq.w.r
	w.serial++
	g := w.pickGroup()
	body, dedup := fmt.Sprint("b", w.serial), fmt.Sprint("d", w.serial)
	switch r.IntN(10) {
	case 0, 1, 2:
		if n := len(mq.dedupKeys); n > 0 {
			d := mq.dedup[mq.dedupKeys[n-1-r.IntN(min(n, 20))]]
			dedup = d.given
			if d.given == "" {
				body = d.body
			}
			if r.IntN(3) > 0 {
				g = d.group
			}
		}
	case 3, 4:
		if mq.contentBased {
			dedup, body = "", fmt.Sprint("c", r.IntN(8))
		}
	}
	input := in(body, g, dedup)
	if r.IntN(50) == 0 {
		switch r.IntN(3) {
		case 0:
			input.GroupID = ""
		case 1:
			if !mq.contentBased {
				input.DeduplicationID = ""
				break
			}
			fallthrough
		default:
			input.Delay = new(time.Duration)
		}
	}
	return input
}

func (mq *fmQueue) sendOp() { mq.send(mq.sendInput()) }

func (mq *fmQueue) send(input fifo.SendInput) {
	res, err := mq.q.Send(ctx, input)
	mq.checkSend(input, res, err, "send")
}

func (mq *fmQueue) sendBatchOp() {
	w, r := mq.w, mq.w.r
	entries := make([]fifo.SendBatchEntry, 1+r.IntN(fifo.MaxBatchEntries))
	for i := range entries {
		entries[i] = fifo.SendBatchEntry{ID: fmt.Sprint("e", i), SendInput: mq.sendInput()}
		if i > 0 && r.IntN(6) == 0 { // a duplicate within the batch
			entries[i].SendInput = entries[r.IntN(i)].SendInput
		}
	}
	res, err := mq.q.SendBatch(ctx, entries)
	if err != nil || len(res) != len(entries) {
		w.fail("send batch of %d: %d results, %v", len(entries), len(res), err)
	}
	for i, e := range entries {
		if res[i].ID != e.ID {
			w.fail("send batch: result %d is entry %q, want %q", i, res[i].ID, e.ID)
		}
		mq.checkSend(e.SendInput, res[i].SendResult, res[i].Err, fmt.Sprint("send batch entry ", i))
	}
}

// checkSend checks a send's outcome against the rules and applies it.
func (mq *fmQueue) checkSend(input fifo.SendInput, res fifo.SendResult, err error, what string) {
	w := mq.w
	w.note("%s %q to %s dedup %q: %v %v", what, input.Body, input.GroupID, input.DeduplicationID, res, err)
	var want error
	switch {
	case input.Delay != nil:
		want = fifo.ErrDelayNotSupported
	case input.GroupID == "":
		want = fifo.ErrGroupIDRequired
	case input.DeduplicationID == "" && !mq.contentBased:
		want = fifo.ErrDeduplicationIDRequired
	}
	if want != nil || err != nil {
		if !errors.Is(err, want) {
			w.fail("%s: got error %v, want %v", what, err, want)
		}
		return
	}
	dedup := input.DeduplicationID
	if dedup == "" {
		sum := sha256.Sum256([]byte(input.Body))
		dedup = hex.EncodeToString(sum[:])
	}
	k := mq.key(input.GroupID, dedup)
	if d := mq.dedup[k]; d != nil && w.now.Before(d.at.Add(fmWindow)) {
		w.seen["duplicate"]++
		if res != d.res {
			w.fail("%s: duplicate %v after its first send: got %+v, want the first's %+v", what, w.now.Sub(d.at), res, d.res)
		}
		return
	}
	if res.MessageID == "" || mq.byID[res.MessageID] != nil {
		w.fail("%s: message ID %q is not new", what, res.MessageID)
	}
	w.checkSeqNum(res.SequenceNumber)
	if last := mq.lastSeq[input.GroupID]; last != "" && !seqLess(last, res.SequenceNumber) {
		w.fail("%s: sequence number %s after %s in group %s", what, res.SequenceNumber, last, input.GroupID)
	}
	mq.lastSeq[input.GroupID] = res.SequenceNumber
	w.seen["new"]++
	if d := mq.dedup[k]; d != nil && w.now.Equal(d.at.Add(fmWindow)) {
		w.seen["new at exactly 5m"]++
	}
	mq.add(&fmMsg{id: res.MessageID, body: input.Body, group: input.GroupID, dedup: dedup, seqNum: res.SequenceNumber, sentAt: w.now})
	if mq.dedup[k] == nil {
		mq.dedupKeys = append(mq.dedupKeys, k)
	}
	mq.dedup[k] = &fmDedup{at: w.now, res: res, group: input.GroupID, body: input.Body, given: input.DeduplicationID}
}

func (mq *fmQueue) receiveOp(attempt string) {
	w, r := mq.w, mq.w.r
	opts := fifo.ReceiveOptions{MaxMessages: 1 + r.IntN(fifo.MaxMessagesPerReceive)}
	vis := fmVisibility
	switch r.IntN(10) {
	case 0, 1, 2, 3: // the queue's
	case 4, 5, 6:
		vis = w.dur(time.Minute)
		opts.VisibilityTimeout = &vis
	case 7:
		vis = 0
		opts.VisibilityTimeout = &vis
	default:
		vis = w.dur(10 * time.Minute)
		opts.VisibilityTimeout = &vis
	}
	if attempt == "" && r.IntN(4) == 0 {
		attempt = fmt.Sprint("attempt-", r.IntN(4))
		if n := len(mq.attemptIDs); n > 0 && r.IntN(2) == 0 {
			attempt = mq.attemptIDs[n-1] // a retry, if its messages are still in flight
		}
	}
	opts.AttemptID = attempt
	mq.receive(opts, vis)
}

func fmDescribe(msgs []fifo.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&b, " %s/%s#%d", m.GroupID, m.Body, m.ReceiveCount)
	}
	return "[" + b.String() + " ]"
}

func fmDescribeMoved(moved []fifo.DeadLetter) string {
	var b strings.Builder
	for _, m := range moved {
		fmt.Fprintf(&b, " %s/%s#%d", m.GroupID, m.Body, m.ReceiveCount)
	}
	return "[" + b.String() + " ]"
}

func (mq *fmQueue) receive(opts fifo.ReceiveOptions, vis time.Duration) {
	w := mq.w
	var retry *fmAttempt
	if id := opts.AttemptID; id != "" {
		if a := mq.attempts[id]; a != nil {
			if w.now.Before(a.at.Add(fmWindow)) && mq.retryable(a, vis) {
				retry = a
			} else {
				delete(mq.attempts, id)
			}
		}
	}
	got, err := mq.q.Receive(ctx, opts)
	var moved []fifo.DeadLetter
	if mq.moves != nil {
		moved, mq.moves.moved = mq.moves.moved, nil
	}
	w.note("%s: receive max %d visibility %v attempt %q: %s moved %s", mq.name, opts.MaxMessages, vis, opts.AttemptID, fmDescribe(got), fmDescribeMoved(moved))
	if err != nil {
		w.fail("receive: %v", err)
	}
	if retry != nil {
		if len(moved) > 0 || !reflect.DeepEqual(got, retry.msgs) {
			w.fail("receive retried with attempt %q %v after the first: got %s, moved %s; want the first receive's %s",
				opts.AttemptID, w.now.Sub(retry.at), fmDescribe(got), fmDescribeMoved(moved), fmDescribe(retry.msgs))
		}
		w.seen["retried"]++
		for _, m := range got {
			x := mq.byID[m.ID]
			x.visibleAt = w.now.Add(vis)
			if limit := x.lastRecv.Add(fmMaxVisible); x.visibleAt.After(limit) {
				x.visibleAt = limit // hidden at most 12 h from the receive
			}
			delete(mq.ready, x.group)
		}
		return
	}
	mq.walk(got, moved, opts.MaxMessages, vis)
	if id := opts.AttemptID; id != "" && len(got) > 0 {
		mq.attempts[id] = &fmAttempt{at: w.now, msgs: slices.Clone(got)}
		mq.attemptIDs = append(mq.attemptIDs, id)
	}
	if len(moved) > 0 {
		mq.dlq.addDeadLetters(moved)
	}
}

// retryable reports whether a receive with a's attempt ID returns a's
// messages again, hidden for vis (at most 12 hours from the receive that
// issued the handle): each is still in flight under the handle a returned,
// its visibility unchanged.
func (mq *fmQueue) retryable(a *fmAttempt, vis time.Duration) bool {
	for _, m := range a.msgs {
		x := mq.byID[m.ID]
		if x == nil || !mq.inFlight(x) || x.changed || x.handles[len(x.handles)-1] != m.ReceiptHandle {
			return false
		}
	}
	return true
}

// walk checks what a fresh receive returned (got) and moved to the
// dead-letter queue (moved) against the rules and applies it: take the
// first message of a group among those receivable longest, fill the batch
// from that group in order (moving each message already received
// MaxReceiveCount times), then go on to the next group.
func (mq *fmQueue) walk(got []fifo.Message, moved []fifo.DeadLetter, max int, vis time.Duration) {
	w := mq.w
	// With visibility timeout 0 a message returned is visible again at once:
	// a receive may then fill its batch as usual (the messages it took count
	// as in flight until it returns) or return its group's first message
	// again, and may stop early.
	lenient := vis == 0
	var again []*fmMsg // taken with visibility 0: visible again once the receive is done
	defer func() {
		for _, x := range again {
			x.visibleAt = w.now
		}
	}()
	ready := maps.Clone(mq.ready)
	di, mi, visits := 0, 0, 0
	for remaining := max; remaining > 0 && len(ready) > 0; {
		first := -1
		for _, t := range ready {
			if first < 0 || t < first {
				first = t
			}
		}
		longest := func(g string) bool { t, ok := ready[g]; return ok && t == first }
		var nd, nm string
		if di < len(got) {
			nd = got[di].GroupID
		}
		if mi < len(moved) {
			nm = moved[mi].GroupID
		}
		var g string
		switch {
		case longest(nm) && longest(nd) && nm != nd:
			g = nm // a group whose visit only moves messages, or the other one first
			if mq.visitDelivers(nm) {
				g = nd
			}
		case longest(nm):
			g = nm
		case longest(nd):
			g = nd
		case lenient && visits > 0 && di == len(got) && mi == len(moved):
			return
		default:
			var want []string
			for g := range ready {
				if longest(g) {
					want = append(want, g)
				}
			}
			slices.Sort(want)
			w.fail("%s: receive (max %d, visibility %v): returned %s and moved %s; at %d and %d, want the first message of one of the groups receivable longest, %q",
				mq.name, max, vis, fmDescribe(got), fmDescribeMoved(moved), di, mi, want)
		}
		delete(ready, g)
		delete(mq.ready, g)
		visits++
		var head *fmMsg // the visit's first message returned
		if visits > 1 {
			w.seen["second group in a batch"]++
		}
		for h := range ready {
			if longest(h) {
				w.seen["tie"]++
				break
			}
		}
		for remaining > 0 {
			x := mq.next(g)
			if x == nil {
				break
			}
			if mq.mrc > 0 && x.count >= mq.mrc {
				if mi == len(moved) || moved[mi].ID != x.id {
					if lenient {
						break
					}
					w.fail("%s: receive: %s/%s has had %d receives: want it moved to the dead-letter queue; moved %s", mq.name, g, x.body, x.count, fmDescribeMoved(moved))
				}
				mq.checkMoved(moved[mi], x)
				w.seen["moved"]++
				mi++
				x.gone = true
				continue
			}
			if lenient && head != nil && di < len(got) && got[di].ID == head.id && mq.alive(head) {
				x = head // returned again
			}
			if di == len(got) || got[di].ID != x.id {
				if lenient {
					break
				}
				w.fail("%s: receive (max %d, visibility %v): returned %s; want at %d %s/%s, the next message of its group", mq.name, max, vis, fmDescribe(got), di, g, x.body)
			}
			mq.deliver(got[di], x, vis)
			if head == nil {
				head = x
			}
			if vis == 0 {
				x.visibleAt = w.now.Add(1) // in flight until the receive is done
				again = append(again, x)
			}
			w.seen["delivered"]++
			if vis == 0 {
				w.seen["delivered visibility 0"]++
			}
			di++
			remaining--
		}
	}
	if di < len(got) || mi < len(moved) {
		w.fail("%s: receive (max %d, visibility %v): returned %s and moved %s; want only the first %d and %d", mq.name, max, vis, fmDescribe(got), fmDescribeMoved(moved), di, mi)
	}
}

// deliver checks message m, returned for x, and applies the receive.
func (mq *fmQueue) deliver(m fifo.Message, x *fmMsg, vis time.Duration) {
	w := mq.w
	wantFirst := x.firstRecv
	if x.count == 0 {
		wantFirst = w.now
	}
	switch {
	case m.Body != x.body || m.GroupID != x.group || m.DeduplicationID != x.dedup || m.DeadLetterSource != x.source:
		w.fail("%s: received %+v, want %+v", mq.name, m, *x)
	case m.ReceiveCount != x.count+1:
		w.fail("%s: %s received with count %d, want %d", mq.name, x.body, m.ReceiveCount, x.count+1)
	case !m.SentAt.Equal(x.sentAt) || !m.FirstReceivedAt.Equal(wantFirst):
		w.fail("%s: %s sent %v, first received %v; want %v, %v", mq.name, x.body, m.SentAt, m.FirstReceivedAt, x.sentAt, wantFirst)
	case m.ReceiptHandle == "" || mq.byHandle[m.ReceiptHandle] != nil:
		w.fail("%s: %s received with handle %q, issued before", mq.name, x.body, m.ReceiptHandle)
	}
	if x.seqNum == "" { // a dead letter, received for the first time
		w.checkSeqNum(m.SequenceNumber)
		for _, y := range mq.groups[x.group] {
			if y != x && y.seqNum != "" && (y.order < x.order) != seqLess(y.seqNum, m.SequenceNumber) {
				w.fail("%s: %s has sequence number %s, %s (sent %s it) %s", mq.name, x.body, m.SequenceNumber, y.body, map[bool]string{true: "before", false: "after"}[y.order < x.order], y.seqNum)
			}
		}
		x.seqNum = m.SequenceNumber
	} else if m.SequenceNumber != x.seqNum {
		w.fail("%s: %s received with sequence number %s, sent with %s", mq.name, x.body, m.SequenceNumber, x.seqNum)
	}
	x.count++
	if x.count == 1 {
		x.firstRecv = w.now
	}
	x.received, x.visibleAt, x.lastRecv, x.changed = true, w.now.Add(vis), w.now, false
	mq.issuedDue[m.ReceiptHandle] = x.visibleAt
	x.handles = append(x.handles, m.ReceiptHandle)
	mq.byHandle[m.ReceiptHandle] = x
	mq.handles = append(mq.handles, m.ReceiptHandle)
}

func (mq *fmQueue) checkMoved(dl fifo.DeadLetter, x *fmMsg) {
	if dl.Body != x.body || dl.GroupID != x.group || dl.ReceiveCount != x.count || dl.Source != mq.name {
		mq.w.fail("%s: moved %+v, want %+v", mq.name, dl, *x)
	}
}

// addDeadLetters applies a move into this dead-letter queue: each message
// is sent anew (sent now, never received) with its message ID as
// deduplication ID.
func (dq *fmQueue) addDeadLetters(moved []fifo.DeadLetter) {
	w := dq.w
	for _, dl := range moved {
		k := dq.key(dl.GroupID, dl.ID)
		if d := dq.dedup[k]; d != nil && w.now.Before(d.at.Add(fmWindow)) {
			continue
		}
		dq.add(&fmMsg{id: dl.ID, body: dl.Body, group: dl.GroupID, dedup: dl.ID, source: dl.Source, sentAt: w.now})
		if dq.dedup[k] == nil {
			dq.dedupKeys = append(dq.dedupKeys, k)
		}
		dq.dedup[k] = &fmDedup{at: w.now, res: fifo.SendResult{MessageID: dl.ID}, group: dl.GroupID, body: dl.Body, given: dl.ID}
	}
}

// pickHandle returns a handle for a delete or change: usually the latest of
// a recent message, sometimes an earlier one, sometimes one of the other
// queue's or one never issued.
func (mq *fmQueue) pickHandle() string {
	w, r := mq.w, mq.w.r
	switch {
	case len(mq.handles) == 0 || r.IntN(30) == 0:
		return fmt.Sprintf("%056x", r.IntN(1000))
	case r.IntN(30) == 0:
		other := w.dlq
		if mq == w.dlq {
			other = w.src
		}
		if other != nil && len(other.handles) > 0 {
			return other.handles[r.IntN(len(other.handles))]
		}
	}
	n := len(mq.handles)
	i := r.IntN(n)
	if r.IntN(3) > 0 {
		i = n - 1 - r.IntN(min(n, 12))
	}
	h := mq.handles[i]
	if x := mq.byHandle[h]; r.IntN(4) > 0 {
		h = x.handles[len(x.handles)-1]
	}
	return h
}

// describeHandle names a handle in the log: its message and which receive.
func (mq *fmQueue) describeHandle(h string) string {
	x := mq.byHandle[h]
	if x == nil {
		return fmt.Sprintf("%.16s… (not issued)", h)
	}
	return fmt.Sprintf("of %s/%s receive %d of %d", x.group, x.body, slices.Index(x.handles, h)+1, len(x.handles))
}

func fmSame(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

// deleteOutcome is what a delete with handle h returns, and the message it
// deletes.
//
// A handle that had expired, or been replaced by a later receive, returns
// ErrReceiptHandleExpired whether or not the message is still there: a
// FIFO delete after the visibility timeout fails (AWS-NOTES 10.2), and a
// consumer must not take a nil as "processed" for a message another
// consumer processed or that went to the dead-letter queue. If the queue
// returns nil there, stale is set: the run goes on and reports those cases
// at the end (see TestFIFOStaleHandleOfGoneMessageExpired). A repeated
// delete with the handle the message was deleted with (or purged or past
// its retention while in flight under it) may return nil or
// ErrReceiptHandleExpired (either is set): the rules say nothing of it.
func (mq *fmQueue) deleteOutcome(h string) (x *fmMsg, stale, either bool, want error) {
	x = mq.byHandle[h]
	switch {
	case x == nil:
		return nil, false, false, fifo.ErrReceiptHandleInvalid
	case !mq.alive(x):
		live := x.goneLive
		if !x.gone { // past its retention
			live = x.received && x.visibleAt.After(x.sentAt.Add(fmRetention))
		}
		if live && h == x.handles[len(x.handles)-1] {
			return nil, false, true, nil
		}
		return nil, true, false, fifo.ErrReceiptHandleExpired
	case h != x.handles[len(x.handles)-1] || !mq.inFlight(x):
		return nil, false, false, fifo.ErrReceiptHandleExpired // received again since, or visible again
	}
	return x, false, false, nil
}

func (mq *fmQueue) checkDelete(h string, err error, what string) {
	w := mq.w
	x, stale, either, want := mq.deleteOutcome(h)
	w.note("%s: %s %s: %v", mq.name, what, mq.describeHandle(h), err)
	if either && errors.Is(err, fifo.ErrReceiptHandleExpired) {
		return
	}
	if stale && err == nil {
		if w.now.Before(mq.issuedDue[h]) {
			w.staleEarly++
		}
		if w.staleNil++; w.staleNil == 1 {
			w.staleExample = fmt.Sprintf("step %d: %s %s; latest operations:\n  %s", w.step, mq.name, what, strings.Join(w.log[max(0, len(w.log)-12):], "\n  "))
		}
		return
	}
	if !fmSame(err, want) {
		w.fail("%s: %s: got %v, want %v", mq.name, what, err, want)
	}
	w.seen[fmt.Sprint("delete: ", want)]++
	if x != nil {
		x.gone, x.goneLive = true, true
	}
}

func (mq *fmQueue) deleteOp() {
	h := mq.pickHandle()
	mq.checkDelete(h, mq.q.Delete(ctx, h), "delete")
}

func (mq *fmQueue) deleteBatchOp() {
	w := mq.w
	entries := make([]fifo.DeleteBatchEntry, 1+w.r.IntN(4))
	for i := range entries {
		entries[i] = fifo.DeleteBatchEntry{ID: fmt.Sprint("e", i), ReceiptHandle: mq.pickHandle()}
	}
	res, err := mq.q.DeleteBatch(ctx, entries)
	if err != nil || len(res) != len(entries) {
		w.fail("%s: delete batch of %d: %d results, %v", mq.name, len(entries), len(res), err)
	}
	for i, e := range entries {
		mq.checkDelete(e.ReceiptHandle, res[i].Err, fmt.Sprint("delete batch entry ", i))
	}
}

func (mq *fmQueue) changeOp() {
	w := mq.w
	h := mq.pickHandle()
	vis := w.dur(90 * time.Second)
	switch w.r.IntN(10) {
	case 0:
		vis = 0
	case 1:
		vis = 11*time.Hour + w.dur(time.Hour)
	}
	err := mq.q.ChangeVisibility(ctx, h, vis)
	w.note("%s: change visibility %s to %v: %v", mq.name, mq.describeHandle(h), vis, err)
	x := mq.byHandle[h]
	var want error
	switch {
	case x == nil:
		want = fifo.ErrReceiptHandleInvalid
	case !mq.alive(x):
		want = fifo.ErrMessageNotInFlight // or, the rules allowing it, expired
		if errors.Is(err, fifo.ErrReceiptHandleExpired) {
			want = err
		}
	case h != x.handles[len(x.handles)-1] || !mq.inFlight(x):
		want = fifo.ErrReceiptHandleExpired
	case w.now.Add(vis).After(x.lastRecv.Add(fmMaxVisible)):
		want = fifo.ErrVisibilityTooLong
	case vis == 0:
		x.visibleAt = w.now
	default:
		x.visibleAt, x.changed = w.now.Add(vis), true
	}
	if !fmSame(err, want) {
		w.fail("%s: change visibility to %v: got %v, want %v", mq.name, vis, err, want)
	}
	w.seen[fmt.Sprint("change: ", want)]++
}

func (mq *fmQueue) purgeOp() {
	w := mq.w
	err := mq.q.Purge(ctx)
	w.note("%s: purge: %v", mq.name, err)
	if mq.purged && w.now.Sub(mq.lastPurge) < time.Minute {
		if !errors.Is(err, fifo.ErrPurgeInProgress) {
			w.fail("purge %v after the last: got %v, want ErrPurgeInProgress", w.now.Sub(mq.lastPurge), err)
		}
		return
	}
	if err != nil {
		w.fail("purge: %v", err)
	}
	mq.purged, mq.lastPurge = true, w.now
	for _, x := range mq.byID {
		if mq.alive(x) {
			x.gone, x.goneLive = true, mq.inFlight(x)
		}
	}
}

// A receipt handle that expired, or was replaced by a later receive, must
// not delete, and must not report a delete, once the message is gone by
// another way: deleted under its newer handle, moved to the dead-letter
// queue, or purged. Otherwise the consumer holding the stale handle takes
// its success as "processed", and a message another consumer processed (or
// that went to the dead-letter queue) counts as processed twice: the
// exactly-once processing FIFO queues exist for (AWS-NOTES 10.2: a FIFO
// delete after the visibility timeout fails).
func TestFIFOStaleHandleOfGoneMessageExpired(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		dlq := newQueue(t, fifo.Config{Clock: clk, Name: "stale-dlq.fifo"})
		q := newQueue(t, fifo.Config{Clock: clk, VisibilityTimeout: 30 * time.Second,
			Redrive: &fifo.Redrive{Target: dlq, MaxReceiveCount: 2}})

		send(t, q, "g", "deleted-by-another-consumer")
		stale := receiveN(t, q, 1)[0]
		advance(clk, 30*time.Second)
		again := receiveN(t, q, 1)[0]
		require.NoError(t, q.Delete(ctx, again.ReceiptHandle))
		assert.ErrorIs(t, q.Delete(ctx, stale.ReceiptHandle), fifo.ErrReceiptHandleExpired,
			"handle replaced by a later receive, message since deleted under the later one")

		send(t, q, "g", "dead-lettered")
		receiveN(t, q, 1)
		advance(clk, 30*time.Second)
		expired := receiveN(t, q, 1)[0] // the second receive
		advance(clk, 30*time.Second)
		require.Empty(t, receiveN(t, q, 1), "moved to the dead-letter queue")
		require.Equal(t, 1, stats(t, dlq).Visible)
		assert.ErrorIs(t, q.Delete(ctx, expired.ReceiptHandle), fifo.ErrReceiptHandleExpired,
			"handle expired before its message moved to the dead-letter queue")

		send(t, q, "g", "purged")
		purged := receiveN(t, q, 1)[0]
		advance(clk, 30*time.Second)
		require.NoError(t, q.Purge(ctx))
		assert.ErrorIs(t, q.Delete(ctx, purged.ReceiptHandle), fifo.ErrReceiptHandleExpired,
			"handle expired before its message was purged")
	})
}

// A handle given up with ChangeVisibility(0) has expired too: once another
// consumer has received the message and deleted it, a delete with the
// given-up handle must fail, even before the visibility timeout it was
// issued with would have ended.
func TestFIFOHandleGivenUpExpired(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk, VisibilityTimeout: time.Minute})
		send(t, q, "g", "1")
		first := receiveN(t, q, 1)[0]
		require.NoError(t, q.ChangeVisibility(ctx, first.ReceiptHandle, 0))
		second := receiveN(t, q, 1)[0]
		require.Equal(t, 2, second.ReceiveCount)
		require.NoError(t, q.Delete(ctx, second.ReceiptHandle))
		assert.ErrorIs(t, q.Delete(ctx, first.ReceiptHandle), fifo.ErrReceiptHandleExpired,
			"a handle given up and replaced by a later receive, its message deleted under the later one")
	})
}
