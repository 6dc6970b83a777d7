package queue_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/blob"
	"github.com/stratus-go/stratus/queue"
)

func newMemoryBucket(t *testing.T, name string) *blob.Memory {
	t.Helper()
	b, err := blob.NewMemory(blob.Config{Name: name})
	require.NoError(t, err)
	return b
}

// objects lists the keys in a bucket.
func objects(t *testing.T, b blob.Bucket) []string {
	t.Helper()
	page, err := b.List(ctx, blob.ListOptions{})
	require.NoError(t, err)
	var keys []string
	for _, o := range page.Objects {
		keys = append(keys, o.Key)
	}
	return keys
}

const pointerPrefix = `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"payloads","s3Key":"`

// A body over the threshold goes to the bucket; the queued message is the
// extended client's pointer; Receive gives the body back and Delete removes
// the object.
func TestLargeBodyGoesThroughTheBucket(t *testing.T) {
	b := newMemoryBucket(t, "payloads")
	q := newQueue(t, queue.Config{LargePayload: &queue.LargePayload{Bucket: b}})
	big := strings.Repeat("x", 256<<10+1)
	attrs := map[string]queue.Attribute{"k": queue.StringAttribute("v")}
	_, err := q.Send(ctx, queue.SendInput{Body: big, Attributes: attrs})
	require.NoError(t, err)
	send(t, q, "small")
	require.Len(t, objects(t, b), 1, "only the large body is stored")

	msgs := receive(t, q, queue.ReceiveOptions{MaxMessages: 10})
	require.Len(t, msgs, 2)
	m := msgs[0]
	require.NoError(t, m.Err)
	require.Equal(t, big, m.Body)
	require.Equal(t, attrs, m.Attributes, "the marker attribute is not shown")
	require.True(t, strings.HasPrefix(m.ReceiptHandle, "-..s3BucketName..-payloads-..s3BucketName..--..s3Key..-"+objects(t, b)[0]+"-..s3Key..-"))
	require.Equal(t, "small", msgs[1].Body)

	require.NoError(t, q.ChangeVisibility(ctx, m.ReceiptHandle, time.Minute), "the longer handle works everywhere")
	require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
	require.Empty(t, objects(t, b))
	require.Equal(t, 1, stats(t, q).InFlight)
}

// The threshold counts attributes too, as the extended client does.
func TestLargePayloadThresholdCountsAttributes(t *testing.T) {
	b := newMemoryBucket(t, "payloads")
	q := newQueue(t, queue.Config{LargePayload: &queue.LargePayload{Bucket: b, Threshold: 1024}})
	_, err := q.Send(ctx, queue.SendInput{Body: strings.Repeat("x", 1000), Attributes: map[string]queue.Attribute{"name": queue.StringAttribute(strings.Repeat("v", 14))}})
	require.NoError(t, err)
	require.Empty(t, objects(t, b), "1000 + 4 + 6 + 14 = 1024: not above")
	_, err = q.Send(ctx, queue.SendInput{Body: strings.Repeat("x", 1000), Attributes: map[string]queue.Attribute{"name": queue.StringAttribute(strings.Repeat("v", 15))}})
	require.NoError(t, err)
	require.Len(t, objects(t, b), 1)
}

// What the queue holds is the extended client's format, so a plain reader
// (here a dead-letter queue without LargePayload) sees the pointer and the
// size attribute.
func TestLargePayloadPointerFormat(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		b := newMemoryBucket(t, "payloads")
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		q := newQueue(t, queue.Config{Clock: clk, LargePayload: &queue.LargePayload{Bucket: b, Always: true},
			Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 1}})
		send(t, q, "hello")
		receiveOne(t, q)
		advance(clk, 30*time.Second)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))

		m := receiveOne(t, dlq)
		key := objects(t, b)[0]
		require.Equal(t, pointerPrefix+key+`"}]`, m.Body)
		require.Equal(t, map[string]queue.Attribute{"ExtendedPayloadSize": queue.NumberAttribute("5")}, m.Attributes)
	})
}

// Pointers written by older extended clients (the legacy class and
// attribute) and pointers to other known buckets resolve too.
func TestLargePayloadReadsLegacyPointersAndOtherBuckets(t *testing.T) {
	b := newMemoryBucket(t, "payloads")
	other := newMemoryBucket(t, "other-bucket")
	_, err := blob.PutBytes(ctx, other, "k1", []byte("from elsewhere"), blob.PutOptions{})
	require.NoError(t, err)
	q := newQueue(t, queue.Config{LargePayload: &queue.LargePayload{Bucket: b, Buckets: []blob.Bucket{other}}})
	require.NoError(t, q.AddDeadLetters(ctx, []queue.DeadLetter{{
		ID: "m1", Source: "src",
		Body:       `["com.amazon.sqs.javamessaging.MessageS3Pointer",{"s3BucketName":"other-bucket","s3Key":"k1"}]`,
		Attributes: map[string]queue.Attribute{"SQSLargePayloadSize": queue.NumberAttribute("14")},
	}}))
	m := receiveOne(t, q)
	require.NoError(t, m.Err)
	require.Equal(t, "from elsewhere", m.Body)
	require.Nil(t, m.Attributes)
	require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
	require.Empty(t, objects(t, other), "deleted from the bucket the pointer names")
}

// A pointer whose object is missing, whose bucket is unknown or which is not
// a pointer gives that message an error; the others arrive as usual.
func TestLargePayloadUnavailableIsAnErrorForThatMessage(t *testing.T) {
	tests := []struct {
		name string
		body string
		err  error
	}{
		{"missing object", pointerPrefix + `gone"}]`, queue.ErrPayloadNotFound},
		{"unknown bucket", `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"nope","s3Key":"k"}]`, queue.ErrUnknownBucket},
		{"not a pointer", `{"hello":1}`, queue.ErrInvalidPointer},
		{"unknown class", `["x.y.Z",{"s3BucketName":"payloads","s3Key":"k"}]`, queue.ErrInvalidPointer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newMemoryBucket(t, "payloads")
			q := newQueue(t, queue.Config{LargePayload: &queue.LargePayload{Bucket: b}})
			require.NoError(t, q.AddDeadLetters(ctx, []queue.DeadLetter{{
				ID: "bad", Source: "src", Body: tt.body,
				Attributes: map[string]queue.Attribute{"ExtendedPayloadSize": queue.NumberAttribute("3")},
			}}))
			send(t, q, "fine")
			msgs := receive(t, q, queue.ReceiveOptions{MaxMessages: 10})
			require.Len(t, msgs, 2)
			require.ErrorIs(t, msgs[0].Err, tt.err)
			require.Equal(t, tt.body, msgs[0].Body, "the pointer, not an empty body")
			require.NoError(t, msgs[1].Err)
			require.Equal(t, "fine", msgs[1].Body)
			require.NoError(t, q.Delete(ctx, msgs[0].ReceiptHandle), "the message can still be deleted")
		})
	}
}

func TestLargePayloadKeepObjects(t *testing.T) {
	b := newMemoryBucket(t, "payloads")
	q := newQueue(t, queue.Config{LargePayload: &queue.LargePayload{Bucket: b, Always: true, KeepObjects: true}})
	send(t, q, "x")
	m := receiveOne(t, q)
	require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
	require.Len(t, objects(t, b), 1)
}

// A handle of an earlier receive deletes neither the message nor its object.
func TestLargePayloadStaleHandleKeepsObject(t *testing.T) {
	b := newMemoryBucket(t, "payloads")
	q := newQueue(t, queue.Config{VisibilityTimeout: queue.NoVisibilityTimeout, LargePayload: &queue.LargePayload{Bucket: b, Always: true}})
	send(t, q, "x")
	first := receiveOne(t, q)
	second := receiveOne(t, q)
	require.NoError(t, q.Delete(ctx, first.ReceiptHandle))
	require.Len(t, objects(t, b), 1)
	res, err := q.DeleteBatch(ctx, []queue.DeleteBatchEntry{{ID: "a", ReceiptHandle: second.ReceiptHandle}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.Empty(t, objects(t, b))
	require.Equal(t, queue.Stats{}, stats(t, q))
}

func TestLargePayloadBadInputStoresNothing(t *testing.T) {
	b := newMemoryBucket(t, "payloads")
	q := newQueue(t, queue.Config{LargePayload: &queue.LargePayload{Bucket: b, Always: true}})
	for _, in := range []queue.SendInput{
		{Body: "x", Attributes: map[string]queue.Attribute{"ExtendedPayloadSize": queue.NumberAttribute("1")}},
		{Body: "x", Attributes: map[string]queue.Attribute{"SQSLargePayloadSize": queue.NumberAttribute("1")}},
		{Body: ""},
		{Body: "\x00"},
		{Body: "x", Delay: new(time.Hour)},
		{Body: "x", Attributes: tenAttributes()}, // ten plus the marker is eleven
	} {
		_, err := q.Send(ctx, in)
		require.Error(t, err)
	}
	require.Empty(t, objects(t, b))
	require.Equal(t, queue.Stats{}, stats(t, q))

	_, err := q.Send(ctx, queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"ExtendedPayloadSize": queue.NumberAttribute("1")}})
	require.ErrorIs(t, err, queue.ErrInvalidAttribute)
}

func tenAttributes() map[string]queue.Attribute {
	attrs := map[string]queue.Attribute{}
	for i := range 10 {
		attrs[fmt.Sprint("a", i)] = queue.StringAttribute("v")
	}
	return attrs
}

func TestLargePayloadConfigErrors(t *testing.T) {
	b := newMemoryBucket(t, "payloads")
	for _, lp := range []*queue.LargePayload{
		{},
		{Bucket: b, Threshold: -1},
		{Bucket: b, Threshold: 256<<10 + 1},
		{Bucket: b, Buckets: []blob.Bucket{nil}},
		{Bucket: b, Buckets: []blob.Bucket{newMemoryBucket(t, "payloads")}},
	} {
		_, err := queue.New(queue.Config{LargePayload: lp})
		require.ErrorIs(t, err, queue.ErrInvalidConfig)
		require.Contains(t, err.Error(), "LargePayload.")
	}
}

// failingBucket refuses every Put.
type failingBucket struct{ *blob.Memory }

func (failingBucket) Put(context.Context, string, io.Reader, blob.PutOptions) (blob.ObjectInfo, error) {
	return blob.ObjectInfo{}, errors.New("bucket down")
}

// A body the bucket refuses fails its own send; in a batch, only its entry.
func TestLargePayloadBucketFailure(t *testing.T) {
	q := newQueue(t, queue.Config{LargePayload: &queue.LargePayload{Bucket: failingBucket{newMemoryBucket(t, "payloads")}, Threshold: 1024}})
	_, err := q.Send(ctx, queue.SendInput{Body: strings.Repeat("x", 2000)})
	require.ErrorContains(t, err, "bucket down")
	res, err := q.SendBatch(ctx, []queue.SendBatchEntry{
		{ID: "big", SendInput: queue.SendInput{Body: strings.Repeat("x", 2000)}},
		{ID: "small", SendInput: queue.SendInput{Body: "ok"}},
	})
	require.NoError(t, err)
	require.ErrorContains(t, res[0].Err, "bucket down")
	require.NoError(t, res[1].Err)
	require.Equal(t, "ok", receiveOne(t, q).Body)
	require.Equal(t, queue.Stats{InFlight: 1}, stats(t, q))
}

func TestLargePayloadSendAfterCloseLeavesNoObject(t *testing.T) {
	b := newMemoryBucket(t, "payloads")
	q := newQueue(t, queue.Config{LargePayload: &queue.LargePayload{Bucket: b, Always: true}})
	require.NoError(t, q.Close())
	_, err := q.Send(ctx, queue.SendInput{Body: "x"})
	require.ErrorIs(t, err, queue.ErrClosed)
	_, err = q.SendBatch(ctx, []queue.SendBatchEntry{{ID: "a", SendInput: queue.SendInput{Body: "x"}}})
	require.ErrorIs(t, err, queue.ErrClosed)
	require.Empty(t, objects(t, b))
}

// 5 MiB and 64 MiB bodies round-trip through both kinds of bucket, and
// leave nothing behind once deleted (the batch path for one of them).
func TestLargePayloadRoundTrip(t *testing.T) {
	dir, err := blob.NewDir(t.TempDir(), blob.Config{Name: "payloads"})
	require.NoError(t, err)
	buckets := map[string]blob.Bucket{"memory": newMemoryBucket(t, "payloads"), "dir": dir}
	for kind, b := range buckets {
		for _, size := range []int{5 << 20, 64 << 20} {
			t.Run(fmt.Sprint(kind, " ", size>>20, " MiB"), func(t *testing.T) {
				q := newQueue(t, queue.Config{LargePayload: &queue.LargePayload{Bucket: b}})
				body := strings.Repeat("0123456789abcdef", size/16)
				res, err := q.SendBatch(ctx, []queue.SendBatchEntry{{ID: "a", SendInput: queue.SendInput{Body: body}}})
				require.NoError(t, err)
				require.NoError(t, res[0].Err)
				m := receiveOne(t, q)
				require.NoError(t, m.Err)
				require.True(t, m.Body == body, "body differs")
				del, err := q.DeleteBatch(ctx, []queue.DeleteBatchEntry{{ID: "a", ReceiptHandle: m.ReceiptHandle}})
				require.NoError(t, err)
				require.NoError(t, del[0].Err)
				require.Empty(t, objects(t, b))
				require.Equal(t, queue.Stats{}, stats(t, q))
			})
		}
	}
}

// A consumer gets resolved bodies and its deletes remove the objects.
func TestConsumerWithLargePayloads(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		b := newMemoryBucket(t, "payloads")
		q := newQueue(t, queue.Config{Clock: clk, LargePayload: &queue.LargePayload{Bucket: b, Always: true}})
		sendBodies(t, q, "a", "b")
		rec := &recorder{}
		newConsumer(t, q, rec.handle, queue.ConsumerConfig{})
		synctest.Wait()
		require.Equal(t, [][]string{{"a", "b"}}, rec.got())
		require.Empty(t, objects(t, b))
	})
}

// A large message that reached a plain dead-letter queue as a pointer goes
// back to its source by a move task and is whole again there: the pointer
// is queued as it is, not refused for its reserved attribute.
func TestLargePayloadRedrivenFromDeadLetterQueue(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		b := newMemoryBucket(t, "payloads")
		dlq := newQueue(t, queue.Config{Name: "dlq", Clock: clk})
		q := newQueue(t, queue.Config{Name: "work", Clock: clk, LargePayload: &queue.LargePayload{Bucket: b, Always: true},
			Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 1}})
		send(t, q, "big report")
		receiveOne(t, q)
		advance(clk, 30*time.Second)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		require.Equal(t, 1, stats(t, dlq).Visible)

		_, err := dlq.StartMoveTask(queue.MoveTaskConfig{})
		require.NoError(t, err)
		synctest.Wait()
		require.Equal(t, queue.MoveTaskCompleted, dlq.MoveTasks()[0].Status, dlq.MoveTasks()[0].FailureReason)
		m := receiveOne(t, q)
		require.NoError(t, m.Err)
		require.Equal(t, "big report", m.Body)
		require.Len(t, objects(t, b), 1, "the same object, not a copy")
	})
}

// DeleteBatch with a handle of an earlier receive keeps the object too.
func TestLargePayloadDeleteBatchStaleHandleKeepsObject(t *testing.T) {
	b := newMemoryBucket(t, "payloads")
	q := newQueue(t, queue.Config{VisibilityTimeout: queue.NoVisibilityTimeout, LargePayload: &queue.LargePayload{Bucket: b, Always: true}})
	send(t, q, "x")
	first := receiveOne(t, q)
	receiveOne(t, q)
	res, err := q.DeleteBatch(ctx, []queue.DeleteBatchEntry{{ID: "a", ReceiptHandle: first.ReceiptHandle}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.Len(t, objects(t, b), 1)
	require.Equal(t, 1, stats(t, q).Visible)
}

// The object named in a receipt handle is not trusted: a handle rewritten
// to name another object deletes the message's own object, not that one.
func TestLargePayloadForgedHandleDeletesOnlyItsOwnObject(t *testing.T) {
	b := newMemoryBucket(t, "payloads")
	_, err := blob.PutBytes(ctx, b, "precious", []byte("keep me"), blob.PutOptions{})
	require.NoError(t, err)
	q := newQueue(t, queue.Config{LargePayload: &queue.LargePayload{Bucket: b, Always: true}})
	send(t, q, "x")
	m := receiveOne(t, q)
	inner := m.ReceiptHandle[strings.LastIndex(m.ReceiptHandle, "-..s3Key..-")+len("-..s3Key..-"):]
	forged := "-..s3BucketName..-payloads-..s3BucketName..--..s3Key..-precious-..s3Key..-" + inner
	require.NoError(t, q.Delete(ctx, forged))
	require.Equal(t, []string{"precious"}, objects(t, b), "its own object went, the other stayed")
}
