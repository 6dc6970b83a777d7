package fifo_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/fifo"
)

func TestConfigDefaults(t *testing.T) {
	q, err := fifo.New(fifo.Config{Clock: clock.NewMock()})
	require.NoError(t, err)
	defer q.Close()
	assert.Equal(t, "queue.fifo", q.Name())
}

func TestConfigInvalid(t *testing.T) {
	dlq := newQueue(t, fifo.Config{Name: "dlq.fifo"})
	for _, tc := range []struct {
		name  string
		cfg   fifo.Config
		field string
	}{
		{"no .fifo suffix", fifo.Config{Name: "orders"}, "Name"},
		{"only the suffix", fifo.Config{Name: ".fifo"}, "Name"},
		{"bad character", fifo.Config{Name: "or ders.fifo"}, "Name"},
		{"81 characters", fifo.Config{Name: strings.Repeat("a", 76) + ".fifo"}, "Name"},
		{"visibility over 12 h", fifo.Config{VisibilityTimeout: 12*time.Hour + time.Second}, "VisibilityTimeout"},
		{"negative delay", fifo.Config{Delay: -time.Second}, "Delay"},
		{"delay over 15 min", fifo.Config{Delay: 15*time.Minute + 1}, "Delay"},
		{"retention under 1 min", fifo.Config{Retention: 59 * time.Second}, "Retention"},
		{"retention over 14 days", fifo.Config{Retention: 14*24*time.Hour + 1}, "Retention"},
		{"max size under 1 KiB", fifo.Config{MaxMessageSize: 1023}, "MaxMessageSize"},
		{"max size over 1 MiB", fifo.Config{MaxMessageSize: 1<<20 + 1}, "MaxMessageSize"},
		{"wait over 20 s", fifo.Config{ReceiveWaitTime: 21 * time.Second}, "ReceiveWaitTime"},
		{"negative in-flight limit", fifo.Config{MaxInFlight: -2}, "MaxInFlight"},
		{"unknown dedup scope", fifo.Config{DeduplicationScope: 2}, "DeduplicationScope"},
		{"unknown throughput limit", fifo.Config{ThroughputLimit: 2}, "ThroughputLimit"},
		{"negative quota", fifo.Config{Limits: fifo.Limits{CallsPerSecond: -2}}, "Limits.CallsPerSecond"},
		{"redrive without target", fifo.Config{Redrive: &fifo.Redrive{}}, "Redrive.Target"},
		{"max receive count over 1000", fifo.Config{Redrive: &fifo.Redrive{Target: dlq, MaxReceiveCount: 1001}}, "Redrive.MaxReceiveCount"},
		{"byQueue without queues", fifo.Config{RedriveAllow: fifo.RedriveAllowPolicy{Permission: fifo.ByQueue}}, "RedriveAllow.SourceQueues"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cfg.Name == "" {
				tc.cfg.Name = "q.fifo"
			}
			tc.cfg.Clock = clock.NewMock()
			_, err := fifo.New(tc.cfg)
			require.ErrorIs(t, err, fifo.ErrInvalidConfig)
			assert.Contains(t, err.Error(), tc.field)
		})
	}
}

// A message group ID is required and follows the SQS rules: 1–128 ASCII
// letters, digits and punctuation marks.
func TestSendGroupIDRules(t *testing.T) {
	q := newQueue(t, fifo.Config{})
	_, err := q.Send(ctx, in("a", "", "d1"))
	require.ErrorIs(t, err, fifo.ErrGroupIDRequired)
	for _, bad := range []string{"with space", "tab\t", "é", strings.Repeat("g", 129)} {
		_, err := q.Send(ctx, in("a", bad, "d1"))
		require.ErrorIs(t, err, fifo.ErrInvalidID, "%q", bad)
	}
	for _, good := range []string{strings.Repeat("g", 128), `!"#$%&'()*+,-./:;<=>?@[\]^_` + "`{|}~", "A-z_0.9"} {
		_, err := q.Send(ctx, in("a", good, good))
		require.NoError(t, err, "%q", good)
	}
	assert.Equal(t, 3, stats(t, q).Visible, "the bad sends stored nothing")
}

func TestSendDeduplicationIDRequired(t *testing.T) {
	q := newQueue(t, fifo.Config{})
	_, err := q.Send(ctx, in("a", "g", ""))
	require.ErrorIs(t, err, fifo.ErrDeduplicationIDRequired)
	_, err = q.Send(ctx, in("a", "g", strings.Repeat("d", 129)))
	require.ErrorIs(t, err, fifo.ErrInvalidID)
	_, err = q.Send(ctx, in("a", "g", "no spaces"))
	require.ErrorIs(t, err, fifo.ErrInvalidID)
	assert.Zero(t, stats(t, q).Visible)
}

// A FIFO queue has only a queue-level delay: a message's own is an error.
func TestSendPerMessageDelayRejected(t *testing.T) {
	q := newQueue(t, fifo.Config{})
	m := in("a", "g", "d")
	m.Delay = dur(0)
	_, err := q.Send(ctx, m)
	require.ErrorIs(t, err, fifo.ErrDelayNotSupported)
	assert.Zero(t, stats(t, q).Visible)
}

// The standard queue's message rules apply, with its errors.
func TestSendMessageRules(t *testing.T) {
	q := newQueue(t, fifo.Config{MaxMessageSize: 1024})
	_, err := q.Send(ctx, in("", "g", "d"))
	require.ErrorIs(t, err, fifo.ErrEmptyBody)
	_, err = q.Send(ctx, in("bad \x00", "g", "d"))
	require.ErrorIs(t, err, fifo.ErrInvalidMessageContents)
	_, err = q.Send(ctx, in(strings.Repeat("x", 1025), "g", "d"))
	require.ErrorIs(t, err, fifo.ErrMessageTooLarge)
	m := in("a", "g", "d")
	m.Attributes = map[string]fifo.Attribute{"AWS.x": fifo.StringAttribute("v")}
	_, err = q.Send(ctx, m)
	require.ErrorIs(t, err, fifo.ErrInvalidAttribute)
	assert.Zero(t, stats(t, q).Visible)
}

// With content-based deduplication the ID is the SHA-256 of the body alone:
// attributes do not count, and an explicit ID wins.
func TestContentBasedDeduplication(t *testing.T) {
	q := newQueue(t, fifo.Config{ContentBasedDeduplication: true})
	first, err := q.Send(ctx, in("hello", "g", ""))
	require.NoError(t, err)
	m := in("hello", "g", "")
	m.Attributes = map[string]fifo.Attribute{"k": fifo.StringAttribute("v")}
	again, err := q.Send(ctx, m)
	require.NoError(t, err)
	assert.Equal(t, first, again, "same body, other attributes: a duplicate")
	explicit, err := q.Send(ctx, in("hello", "g", "explicit"))
	require.NoError(t, err)
	assert.NotEqual(t, first.MessageID, explicit.MessageID, "an explicit ID overrides the hash")

	msgs := receiveN(t, q, 10)
	require.Len(t, msgs, 2)
	sum := sha256.Sum256([]byte("hello"))
	assert.Equal(t, hex.EncodeToString(sum[:]), msgs[0].DeduplicationID)
	assert.Equal(t, "explicit", msgs[1].DeduplicationID)
}

// A duplicate within 5 minutes of the first send succeeds, stores nothing
// and returns the first message's ID and sequence number, even after that
// message was deleted; duplicates do not extend the window; at 5 minutes the
// ID is new again.
func TestDeduplicationWindow(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk})
		first := send(t, q, "g", "order-1")
		m := receiveN(t, q, 1)[0]
		require.NoError(t, q.Delete(ctx, m.ReceiptHandle))

		advance(clk, 4*time.Minute)
		dup := send(t, q, "g", "order-1") // does not extend the window
		assert.Equal(t, first, dup)
		advance(clk, time.Minute-time.Millisecond) // 4 m 59.999 s after the first
		dup = send(t, q, "g", "order-1")
		assert.Equal(t, first, dup)
		assert.Zero(t, stats(t, q).Visible, "duplicates store nothing")

		advance(clk, time.Millisecond) // 5 m after the first
		again := send(t, q, "g", "order-1")
		assert.NotEqual(t, first.MessageID, again.MessageID)
		assert.Greater(t, again.SequenceNumber, first.SequenceNumber)
		assert.Equal(t, 1, stats(t, q).Visible)
	})
}

// The window's memory is released: IDs older than 5 minutes are forgotten.
func TestDeduplicationMemoryReleased(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, fifo.Config{Clock: clk, Limits: fifo.Unlimited})
		for i := range 3000 {
			send(t, q, "g", "m"+strconv.Itoa(i))
		}
		assert.Equal(t, 3000, stats(t, q).DeduplicationIDs)
		advance(clk, 5*time.Minute)
		assert.Zero(t, stats(t, q).DeduplicationIDs)
	})
}

// With queue scope an ID is unique across groups; with message-group scope
// each group has its own IDs.
func TestDeduplicationScope(t *testing.T) {
	q := newQueue(t, fifo.Config{})
	a, err := q.Send(ctx, in("x", "A", "same"))
	require.NoError(t, err)
	b, err := q.Send(ctx, in("y", "B", "same"))
	require.NoError(t, err)
	assert.Equal(t, a, b, "queue scope: the second group's send is a duplicate")

	pg := newQueue(t, fifo.Config{Name: "pg.fifo", DeduplicationScope: fifo.ScopeMessageGroup})
	a, err = pg.Send(ctx, in("x", "A", "same"))
	require.NoError(t, err)
	b, err = pg.Send(ctx, in("y", "B", "same"))
	require.NoError(t, err)
	assert.NotEqual(t, a.MessageID, b.MessageID, "group scope: different groups, different messages")
	c, err := pg.Send(ctx, in("z", "A", "same"))
	require.NoError(t, err)
	assert.Equal(t, a, c)
}

// Sequence numbers are 20-digit decimals that increase with every accepted
// message, so within each group.
func TestSequenceNumbersIncrease(t *testing.T) {
	q := newQueue(t, fifo.Config{})
	var last string
	for i := range 30 {
		res := send(t, q, []string{"A", "B", "C"}[i%3], "m"+strconv.Itoa(i))
		require.Len(t, res.SequenceNumber, 20)
		assert.Greater(t, res.SequenceNumber, last)
		last = res.SequenceNumber
	}
	msgs := receiveN(t, q, 10)
	for i := 1; i < len(msgs); i++ {
		assert.Greater(t, msgs[i].SequenceNumber, msgs[i-1].SequenceNumber)
	}
}

// A batch is stored in order; a bad entry fails alone; an entry repeating
// an earlier one's deduplication ID gets that entry's result.
func TestSendBatch(t *testing.T) {
	q := newQueue(t, fifo.Config{})
	send(t, q, "g", "already")
	res, err := q.SendBatch(ctx, []fifo.SendBatchEntry{
		{ID: "a", SendInput: in("1", "g", "d1")},
		{ID: "b", SendInput: in("2", "", "d2")},
		{ID: "c", SendInput: in("3", "g", "d1")},
		{ID: "d", SendInput: in("4", "g", "already")},
		{ID: "e", SendInput: in("5", "g", "d5")},
	})
	require.NoError(t, err)
	require.Len(t, res, 5)
	assert.NoError(t, res[0].Err)
	assert.ErrorIs(t, res[1].Err, fifo.ErrGroupIDRequired)
	assert.Equal(t, res[0].SendResult, res[2].SendResult, "a repeat within the batch")
	assert.NoError(t, res[3].Err)
	assert.NoError(t, res[4].Err)
	assert.Greater(t, res[4].SequenceNumber, res[0].SequenceNumber)
	assert.Equal(t, []string{"already", "1", "5"}, bodies(receiveN(t, q, 10)))

	_, err = q.SendBatch(ctx, nil)
	require.ErrorIs(t, err, fifo.ErrEmptyBatch)
	_, err = q.SendBatch(ctx, []fifo.SendBatchEntry{{ID: "x", SendInput: in("1", "g", "n1")}, {ID: "x", SendInput: in("2", "g", "n2")}})
	require.ErrorIs(t, err, fifo.ErrBatchEntryIDsNotDistinct)
	big := strings.Repeat("x", 200<<10)
	_, err = q.SendBatch(ctx, []fifo.SendBatchEntry{{ID: "x", SendInput: in(big, "g", "n1")}, {ID: "y", SendInput: in(big, "g", "n2")}})
	require.ErrorIs(t, err, fifo.ErrBatchTooLong)
	s := stats(t, q)
	assert.Equal(t, [2]int{0, 3}, [2]int{s.Visible, s.InFlight}, "failed batches stored nothing")
}
