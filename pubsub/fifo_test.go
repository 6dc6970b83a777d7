package pubsub_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/fifo"
	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/queue"
)

func TestFIFOTopicDeliversEachGroupInOrder(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{Name: "orders.fifo", FIFO: true})
	fq := newFIFOQueue(t, "orders.fifo")
	std := newQueue(t, "audit")
	subscribe(t, tp, pubsub.FIFOQueue(fq), pubsub.SubscriptionConfig{RawMessageDelivery: true})
	subscribe(t, tp, pubsub.Queue(std), pubsub.SubscriptionConfig{RawMessageDelivery: true})
	var seqs []string
	for i := range 60 {
		g := fmt.Sprint("g", i%3)
		r := publish(t, tp, pubsub.PublishInput{Message: fmt.Sprint(g, "-", i), GroupID: g, DeduplicationID: fmt.Sprint("d", i)})
		require.Len(t, r.SequenceNumber, 20)
		seqs = append(seqs, r.SequenceNumber)
	}
	for i := 1; i < len(seqs); i++ {
		assert.Less(t, seqs[i-1], seqs[i])
	}
	flush(t, tp)
	last := map[string]int{}
	n := 0
	for {
		msgs, err := fq.Receive(ctx, fifo.ReceiveOptions{MaxMessages: 10})
		require.NoError(t, err)
		if len(msgs) == 0 {
			break
		}
		for _, m := range msgs {
			var g string
			var i int
			_, err := fmt.Sscanf(m.Body, "g%1s-%d", &g, &i)
			require.NoError(t, err)
			assert.Equal(t, "g"+g, m.GroupID)
			if prev, ok := last[m.GroupID]; ok {
				assert.Greater(t, i, prev, "group %s out of order", m.GroupID)
			}
			last[m.GroupID] = i
			require.NoError(t, fq.Delete(ctx, m.ReceiptHandle))
			n++
		}
	}
	assert.Equal(t, 60, n)
	// a standard queue gets them too, without the group
	assert.Len(t, drain(t, std), 60)
}

func TestFIFORetryHoldsTheMessagesBehindIt(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Name: "t.fifo", FIFO: true, Clock: clk})
		// The third message fails its first attempt and 3 immediate
		// retries; the first 1 s retry gets it through.
		s := &fifoSink{fail: func(call int, in fifo.SendInput) error {
			if call >= 2 && call <= 5 {
				return errBusy
			}
			return nil
		}}
		sub := subscribe(t, tp, pubsub.FIFOQueue(s), pubsub.SubscriptionConfig{RawMessageDelivery: true})
		for i := range 6 {
			publish(t, tp, pubsub.PublishInput{Message: fmt.Sprint(i), GroupID: "g", DeduplicationID: fmt.Sprint(i)})
		}
		flush(t, tp)
		bodies := func() []string {
			var out []string
			for _, in := range s.snapshot() {
				out = append(out, in.Body)
			}
			return out
		}
		assert.Equal(t, []string{"0", "1"}, bodies(), "the rest wait behind the retry")
		st := sub.Stats()
		assert.Equal(t, 4, st.WaitingRetry, "2 on its timer, 3, 4 and 5 behind it")
		assert.Zero(t, st.Pending)
		advance(clk, time.Second)
		flush(t, tp)
		assert.Equal(t, []string{"0", "1", "2", "3", "4", "5"}, bodies())
		for _, in := range s.snapshot() {
			assert.Equal(t, "g", in.GroupID)
			assert.Equal(t, in.Body, in.DeduplicationID)
		}
	})
}

func TestFIFODeduplication(t *testing.T) {
	clk := clock.NewMock()
	tp := newTopic(t, pubsub.TopicConfig{Name: "t.fifo", FIFO: true, ContentBasedDeduplication: true, Clock: clk})
	s := &fifoSink{}
	subscribe(t, tp, pubsub.FIFOQueue(s), pubsub.SubscriptionConfig{})
	first := publish(t, tp, pubsub.PublishInput{Message: "same", GroupID: "g"})
	clk.Add(4 * time.Minute)
	again := publish(t, tp, pubsub.PublishInput{Message: "same", GroupID: "g"})
	assert.Equal(t, first, again, "a duplicate returns the first message's ID and sequence number")
	explicit := publish(t, tp, pubsub.PublishInput{Message: "other", GroupID: "g", DeduplicationID: "x"})
	dup := publish(t, tp, pubsub.PublishInput{Message: "different body", GroupID: "h", DeduplicationID: "x"})
	assert.Equal(t, explicit, dup)
	clk.Add(time.Minute) // 5 minutes after the first
	later := publish(t, tp, pubsub.PublishInput{Message: "same", GroupID: "g"})
	assert.NotEqual(t, first.MessageID, later.MessageID)
	flush(t, tp)
	got := s.snapshot()
	require.Len(t, got, 3)
	assert.Equal(t, contentHash("same"), got[0].DeduplicationID)
	assert.Equal(t, "x", got[1].DeduplicationID)
	n := decode(t, got[0].Body)
	assert.Equal(t, first.SequenceNumber, n.SequenceNumber, "FIFO envelopes carry the sequence number")
	assert.Equal(t, first.MessageID, n.MessageID)
	assert.Equal(t, int64(3), tp.Stats().Published)
}

func TestFIFOBadInput(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{Name: "t.fifo", FIFO: true})
	s := &fifoSink{}
	subscribe(t, tp, pubsub.FIFOQueue(s), pubsub.SubscriptionConfig{})
	for name, c := range map[string]struct {
		in   pubsub.PublishInput
		want error
	}{
		"no group":   {pubsub.PublishInput{Message: "m", DeduplicationID: "d"}, pubsub.ErrGroupIDRequired},
		"no dedup":   {pubsub.PublishInput{Message: "m", GroupID: "g"}, pubsub.ErrDeduplicationIDRequired},
		"bad group":  {pubsub.PublishInput{Message: "m", GroupID: "a b", DeduplicationID: "d"}, pubsub.ErrInvalidID},
		"long dedup": {pubsub.PublishInput{Message: "m", GroupID: "g", DeduplicationID: string(make([]byte, 129))}, pubsub.ErrInvalidID},
		"empty body": {pubsub.PublishInput{GroupID: "g", DeduplicationID: "d"}, pubsub.ErrEmptyMessage},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tp.Publish(ctx, c.in)
			assert.ErrorIs(t, err, c.want)
		})
	}
	flush(t, tp)
	assert.Empty(t, s.snapshot())
	assert.Zero(t, tp.Stats().Published)
	// a FIFO topic takes only queues, and its dead-letter queue must be FIFO
	_, err := tp.Subscribe(ctx, pubsub.Handler(&recorder{}), pubsub.SubscriptionConfig{})
	assert.ErrorIs(t, err, pubsub.ErrInvalidEndpoint)
	_, err = tp.Subscribe(ctx, pubsub.FIFOQueue(s), pubsub.SubscriptionConfig{DeadLetter: pubsub.Queue(&sink{})})
	assert.ErrorIs(t, err, pubsub.ErrInvalidConfig)
}

func TestFIFODeadLetterKeepsGroup(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{Name: "t.fifo", FIFO: true})
	s := &fifoSink{fail: func(int, fifo.SendInput) error { return pubsub.Permanent(errBusy) }}
	dlq := &fifoSink{}
	subscribe(t, tp, pubsub.FIFOQueue(s), pubsub.SubscriptionConfig{DeadLetter: pubsub.FIFOQueue(dlq)})
	publish(t, tp, pubsub.PublishInput{Message: "m", GroupID: "g", DeduplicationID: "d"})
	flush(t, tp)
	got := dlq.snapshot()
	require.Len(t, got, 1)
	assert.Equal(t, "g", got[0].GroupID)
	assert.Equal(t, "d", got[0].DeduplicationID)
	assert.Equal(t, "ClientError", got[0].Attributes["ErrorCode"].StringValue)
	assert.Equal(t, queue.Attribute{DataType: "String", StringValue: errBusy.Error()}, got[0].Attributes["ErrorMessage"])
}

func contentHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestFIFORetryHoldsOnlyItsGroup(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Name: "t.fifo", FIFO: true, Clock: clk})
		// a1 fails its first attempt and 3 immediate retries; its first
		// 1 s retry succeeds.
		fails := 0
		s := &fifoSink{fail: func(_ int, in fifo.SendInput) error {
			if in.Body == "a1" && fails < 4 {
				fails++
				return errBusy
			}
			return nil
		}}
		subscribe(t, tp, pubsub.FIFOQueue(s), pubsub.SubscriptionConfig{RawMessageDelivery: true})
		for i, body := range []string{"a0", "b0", "a1", "b1", "a2", "b2", "a3"} {
			publish(t, tp, pubsub.PublishInput{Message: body, GroupID: body[:1], DeduplicationID: fmt.Sprint(i)})
		}
		flush(t, tp)
		bodies := func() []string {
			var out []string
			for _, in := range s.snapshot() {
				out = append(out, in.Body)
			}
			return out
		}
		assert.Equal(t, []string{"a0", "b0", "b1", "b2"}, bodies(), "group b goes on while a waits")
		publish(t, tp, pubsub.PublishInput{Message: "a9", GroupID: "a", DeduplicationID: "late"})
		publish(t, tp, pubsub.PublishInput{Message: "b9", GroupID: "b", DeduplicationID: "late-b"})
		flush(t, tp)
		assert.Equal(t, []string{"a0", "b0", "b1", "b2", "b9"}, bodies(), "a message published during the wait waits too")
		advance(clk, time.Second)
		flush(t, tp)
		assert.Equal(t, []string{"a0", "b0", "b1", "b2", "b9", "a1", "a2", "a3", "a9"}, bodies())
		publish(t, tp, pubsub.PublishInput{Message: "a4", GroupID: "a", DeduplicationID: "x"})
		flush(t, tp)
		assert.Equal(t, "a4", bodies()[9])
	})
}
