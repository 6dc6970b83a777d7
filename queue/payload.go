package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stratus-go/stratus/blob"
	"github.com/stratus-go/stratus/internal/engine"
	"github.com/stratus-go/stratus/internal/sqsmsg"
)

// LargePayload makes a queue keep message bodies too large for it in a
// bucket, as the Amazon SQS Extended Client Library does with S3: the queued
// message carries a pointer to the object instead of the body, in the
// library's format, so messages are interchangeable with it.
type LargePayload struct {
	// Bucket stores the bodies. Required.
	Bucket blob.Bucket

	// Threshold is the message size (body plus attributes, as SQS counts
	// it) above which the body goes to the bucket: 1 to MaxMessageSize
	// bytes; 0 means MaxMessageSize.
	Threshold int

	// Always sends every body through the bucket, whatever its size.
	Always bool

	// KeepObjects leaves an object in the bucket when its message is
	// deleted; by default Delete removes it.
	KeepObjects bool

	// Buckets are other buckets a pointer may name (for messages that
	// arrived from a queue storing them elsewhere); Bucket is always known.
	Buckets []blob.Bucket
}

// Names and limits of the large-payload format.
const (
	// MaxPayloadSize is the largest message (body plus attributes) a queue
	// with LargePayload accepts: 2 GiB, the extended client's limit.
	MaxPayloadSize = 2 << 30

	// PayloadSizeAttribute is the reserved attribute that marks a pointer
	// message; its Number value is the size of the body in the bucket.
	PayloadSizeAttribute = "ExtendedPayloadSize"

	// LegacyPayloadSizeAttribute is the same marker as older versions of
	// the extended client write it; Receive recognises both.
	LegacyPayloadSizeAttribute = "SQSLargePayloadSize"

	pointerClass       = "software.amazon.payloadoffloading.PayloadS3Pointer"
	legacyPointerClass = "com.amazon.sqs.javamessaging.MessageS3Pointer"
	bucketMarker       = "-..s3BucketName..-"
	keyMarker          = "-..s3Key..-"
)

// Errors of large payloads. They are set in Message.Err for the message
// concerned; Receive itself still succeeds for the others.
var (
	// ErrPayloadNotFound: the object a pointer names is not in its bucket.
	ErrPayloadNotFound = errors.New("queue: large payload object not found")
	// ErrUnknownBucket: a pointer names a bucket the queue was not given.
	ErrUnknownBucket = errors.New("queue: large payload in an unknown bucket")
	// ErrInvalidPointer: a message marked as a pointer does not hold one.
	ErrInvalidPointer = errors.New("queue: invalid large payload pointer")
)

// pointer is the JSON object of the extended client's pointer body.
type pointer struct {
	Bucket string `json:"s3BucketName"`
	Key    string `json:"s3Key"`
}

// object is a body on its way to the bucket.
type object struct {
	key  string
	body string
}

// checkLargePayload validates the LargePayload of a Config.
func checkLargePayload(lp *LargePayload, maxSize int) error {
	if lp.Bucket == nil {
		return invalid("LargePayload.Bucket", nil, "a bucket")
	}
	if lp.Threshold < 0 || lp.Threshold > maxSize {
		return invalid("LargePayload.Threshold", lp.Threshold, fmt.Sprintf("0–%d bytes (the MaxMessageSize)", maxSize))
	}
	seen := map[string]bool{lp.Bucket.Name(): true}
	for _, b := range lp.Buckets {
		if b == nil || seen[b.Name()] {
			return invalid("LargePayload.Buckets", lp.Buckets, "distinct non-nil buckets")
		}
		seen[b.Name()] = true
	}
	return nil
}

// offload turns a message too large for the queue (or any, with Always) into
// a pointer message, and returns the object to store; nil when the message
// stays as it is. It checks the large message against MaxPayloadSize.
func (q *Queue) offload(in SendInput) (SendInput, *object, error) {
	lp := q.cfg.LargePayload
	if lp == nil {
		return in, nil, nil
	}
	for _, name := range []string{PayloadSizeAttribute, LegacyPayloadSizeAttribute} {
		if _, ok := in.Attributes[name]; !ok {
			continue
		}
		if _, err := parsePointer(in.Body); err == nil {
			return in, nil, nil // already a pointer (a message moved back from a dead-letter queue): queued as it is
		}
		return in, nil, fmt.Errorf("%w: %q is reserved for large payloads", ErrInvalidAttribute, name)
	}
	size, err := sqsmsg.CheckMessage(in.Body, in.Attributes, MaxPayloadSize)
	if err != nil {
		return in, nil, err
	}
	if !lp.Always && size <= q.threshold() {
		return in, nil, nil
	}
	obj := &object{key: engine.NewID(), body: in.Body}
	p, err := json.Marshal([]any{pointerClass, pointer{Bucket: lp.Bucket.Name(), Key: obj.key}})
	if err != nil {
		return in, nil, err
	}
	attrs := make(map[string]Attribute, len(in.Attributes)+1)
	for k, a := range in.Attributes {
		attrs[k] = a
	}
	attrs[PayloadSizeAttribute] = NumberAttribute(strconv.Itoa(len(in.Body)))
	in.Body, in.Attributes = string(p), attrs
	return in, obj, nil
}

func (q *Queue) threshold() int {
	if t := q.cfg.LargePayload.Threshold; t > 0 {
		return t
	}
	return q.cfg.MaxMessageSize
}

// store puts obj's body in the bucket.
func (q *Queue) store(ctx context.Context, obj *object) error {
	if obj == nil {
		return nil
	}
	_, err := q.cfg.LargePayload.Bucket.Put(ctx, obj.key, strings.NewReader(obj.body), blob.PutOptions{})
	return err
}

// unstore removes an object whose message was not sent; best effort, as the
// object is unreachable anyway.
func (q *Queue) unstore(obj *object) {
	if obj != nil {
		q.cfg.LargePayload.Bucket.Delete(context.Background(), obj.key)
	}
}

// bucket returns the known bucket called name, or nil.
func (q *Queue) bucket(name string) blob.Bucket {
	lp := q.cfg.LargePayload
	if lp.Bucket.Name() == name {
		return lp.Bucket
	}
	for _, b := range lp.Buckets {
		if b.Name() == name {
			return b
		}
	}
	return nil
}

// resolve replaces the body of each pointer message with the object it
// names, drops the marker attribute and gives the message a receipt handle
// that names the object, in the extended client's format. A message whose
// object cannot be had keeps its pointer body and gets Err.
func (q *Queue) resolve(ctx context.Context, msgs []Message) {
	for i := range msgs {
		m := &msgs[i]
		if !isPointer(m.Attributes) {
			continue
		}
		p, err := parsePointer(m.Body)
		if err != nil {
			m.Err = q.errorf("receive: message "+m.ID, err)
			continue
		}
		m.ReceiptHandle = bucketMarker + p.Bucket + bucketMarker + keyMarker + p.Key + keyMarker + m.ReceiptHandle
		body, err := q.fetch(ctx, p)
		if err != nil {
			m.Err = q.errorf("receive: message "+m.ID, err)
			continue
		}
		m.Body = body
		delete(m.Attributes, PayloadSizeAttribute)
		delete(m.Attributes, LegacyPayloadSizeAttribute)
		if len(m.Attributes) == 0 {
			m.Attributes = nil
		}
	}
}

func parsePointer(body string) (pointer, error) {
	var parts []json.RawMessage
	var class string
	var p pointer
	if json.Unmarshal([]byte(body), &parts) != nil || len(parts) != 2 ||
		json.Unmarshal(parts[0], &class) != nil || (class != pointerClass && class != legacyPointerClass) ||
		json.Unmarshal(parts[1], &p) != nil || p.Bucket == "" || p.Key == "" {
		return pointer{}, fmt.Errorf("%w: %.100q", ErrInvalidPointer, body)
	}
	return p, nil
}

// fetch reads the object p names into one string.
func (q *Queue) fetch(ctx context.Context, p pointer) (string, error) {
	b := q.bucket(p.Bucket)
	if b == nil {
		return "", fmt.Errorf("%w: %q", ErrUnknownBucket, p.Bucket)
	}
	r, info, err := b.Get(ctx, p.Key)
	if errors.Is(err, blob.ErrNotFound) {
		return "", fmt.Errorf("%w: %w", ErrPayloadNotFound, err)
	}
	if err != nil {
		return "", err
	}
	defer r.Close()
	var sb strings.Builder
	sb.Grow(int(info.Size))
	if _, err := io.Copy(&sb, r); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// stripHandle returns the queue's own receipt handle inside one that also
// names an object (the extended client's format); others come back as
// they are. The object named is not trusted: Delete removes the one the
// stored message points to.
func stripHandle(h string) string {
	after, ok := strings.CutPrefix(h, bucketMarker)
	if !ok {
		return h
	}
	_, after, ok = strings.Cut(after, bucketMarker+keyMarker)
	if !ok {
		return h
	}
	_, rest, ok := strings.Cut(after, keyMarker)
	if !ok {
		return h
	}
	return rest
}

// dropObject deletes the object of a message a delete removed, unless
// KeepObjects. The object is the one the stored message points to, not the
// one the receipt handle names, so a forged handle deletes nothing else. An
// object in a bucket the queue does not know is out of its reach: left.
func (q *Queue) dropObject(ctx context.Context, gone engine.Deleted[meta]) error {
	if gone.Body == "" || q.cfg.LargePayload.KeepObjects || !isPointer(gone.Meta.attrs) {
		return nil
	}
	p, err := parsePointer(gone.Body)
	if err != nil {
		return nil
	}
	if b := q.bucket(p.Bucket); b != nil {
		return b.Delete(ctx, p.Key)
	}
	return nil
}

// isPointer reports whether attrs mark a large-payload pointer.
func isPointer(attrs map[string]Attribute) bool {
	_, ok := attrs[PayloadSizeAttribute]
	if !ok {
		_, ok = attrs[LegacyPayloadSizeAttribute]
	}
	return ok
}

// storeAll puts the objects of a batch's items in the bucket. An item whose
// object cannot be stored fails alone: its result gets the error and it is
// dropped from items, ok and objs, which are returned.
func (q *Queue) storeAll(ctx context.Context, items []engine.Item[meta], ok []int, objs []*object, results []SendBatchResult) ([]engine.Item[meta], []int, []*object) {
	if objs == nil {
		return items, ok, objs
	}
	n := 0
	for j, obj := range objs {
		if err := q.store(ctx, obj); err != nil {
			i := ok[j]
			results[i].Err = q.errorf("send batch: entry "+results[i].ID, err)
			continue
		}
		items[n], ok[n], objs[n] = items[j], ok[j], obj
		n++
	}
	return items[:n], ok[:n], objs[:n]
}
