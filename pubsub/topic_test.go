package pubsub_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/pubsub"
	"github.com/stratus-go/stratus/pubsub/filter"
	"github.com/stratus-go/stratus/queue"
)

func TestTopicConfigDefaultsAndARN(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	assert.Equal(t, "topic", tp.Name())
	assert.Equal(t, "arn:aws:sns:us-east-1:123456789012:topic", tp.ARN())

	f := newTopic(t, pubsub.TopicConfig{Name: "orders.fifo", FIFO: true, Region: "eu-west-1", Account: "000011112222"})
	assert.Equal(t, "arn:aws:sns:eu-west-1:000011112222:orders.fifo", f.ARN())

	s := subscribe(t, tp, pubsub.Queue(newQueue(t, "q")), pubsub.SubscriptionConfig{})
	assert.True(t, strings.HasPrefix(s.ARN(), tp.ARN()+":"))
	assert.Equal(t, pubsub.ProtocolSQS, s.Protocol())
	assert.Equal(t, "q", s.Endpoint())
}

func TestTopicConfigInvalid(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	for name, cfg := range map[string]pubsub.TopicConfig{
		"bad character":       {Name: "a.b"},
		"too long":            {Name: strings.Repeat("a", 257)},
		"fifo without suffix": {Name: "orders", FIFO: true},
		"suffix without fifo": {Name: "orders.fifo"},
		"only suffix":         {Name: ".fifo", FIFO: true},
		"content dedup std":   {ContentBasedDeduplication: true},
		"size too small":      {MaxMessageSize: 1023},
		"size too large":      {MaxMessageSize: 1<<20 + 1},
		"region":              {Region: "US East"},
		"account":             {Account: "12345"},
		"workers":             {Workers: -1},
		"too many workers":    {Workers: pubsub.MaxWorkers + 1},
		"policy retries":      {DeliveryPolicy: pubsub.DeliveryPolicy{NumRetries: 101}},
		"small key":           {SigningKey: small},
	} {
		t.Run(name, func(t *testing.T) {
			if cfg.SigningKey == nil {
				cfg.SigningKey = testKey()
			}
			_, err := pubsub.NewTopic(cfg)
			assert.ErrorIs(t, err, pubsub.ErrInvalidConfig)
		})
	}
	// The longest names are fine, .fifo counted in the 256.
	newTopic(t, pubsub.TopicConfig{Name: strings.Repeat("a", 256)})
	newTopic(t, pubsub.TopicConfig{Name: strings.Repeat("a", 251) + ".fifo", FIFO: true})
}

func TestPublishBadInputChangesNothing(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{MaxMessageSize: 1024})
	q := newQueue(t, "q")
	subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{})
	cases := map[string]struct {
		in   pubsub.PublishInput
		want error
	}{
		"empty":             {pubsub.PublishInput{}, pubsub.ErrEmptyMessage},
		"too large":         {pubsub.PublishInput{Message: strings.Repeat("x", 1025)}, pubsub.ErrMessageTooLarge},
		"attrs too large":   {pubsub.PublishInput{Message: strings.Repeat("x", 1000), Attributes: map[string]pubsub.Attribute{"a": filter.StringAttribute(strings.Repeat("v", 30))}}, pubsub.ErrMessageTooLarge},
		"bad char":          {pubsub.PublishInput{Message: "a\x00b"}, pubsub.ErrInvalidMessage},
		"subject newline":   {pubsub.PublishInput{Message: "m", Subject: "a\nb"}, pubsub.ErrInvalidMessage},
		"subject long":      {pubsub.PublishInput{Message: "m", Subject: strings.Repeat("s", 101)}, pubsub.ErrInvalidMessage},
		"structure":         {pubsub.PublishInput{Message: "m", MessageStructure: "xml"}, pubsub.ErrInvalidMessage},
		"json no default":   {pubsub.PublishInput{Message: `{"sqs":"x"}`, MessageStructure: "json"}, pubsub.ErrInvalidMessage},
		"json not object":   {pubsub.PublishInput{Message: `"x"`, MessageStructure: "json"}, pubsub.ErrInvalidMessage},
		"attr name":         {pubsub.PublishInput{Message: "m", Attributes: map[string]pubsub.Attribute{"AWS.x": filter.StringAttribute("v")}}, pubsub.ErrInvalidAttribute},
		"attr type":         {pubsub.PublishInput{Message: "m", Attributes: map[string]pubsub.Attribute{"a": {DataType: "Date", StringValue: "v"}}}, pubsub.ErrInvalidAttribute},
		"attr number":       {pubsub.PublishInput{Message: "m", Attributes: map[string]pubsub.Attribute{"a": filter.NumberAttribute("ten")}}, pubsub.ErrInvalidAttribute},
		"attr array":        {pubsub.PublishInput{Message: "m", Attributes: map[string]pubsub.Attribute{"a": filter.StringArrayAttribute(`{"a":1}`)}}, pubsub.ErrInvalidAttribute},
		"attr empty":        {pubsub.PublishInput{Message: "m", Attributes: map[string]pubsub.Attribute{"a": filter.StringAttribute("")}}, pubsub.ErrInvalidAttribute},
		"group on standard": {pubsub.PublishInput{Message: "m", GroupID: "g"}, pubsub.ErrInvalidID},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := tp.Publish(ctx, c.in)
			assert.ErrorIs(t, err, c.want)
			assert.Contains(t, err.Error(), `topic "topic": publish: pubsub:`)
		})
	}
	flush(t, tp)
	assert.Zero(t, tp.Stats().Published)
	assert.Empty(t, drain(t, q))
}

func TestPublishBatch(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	q := newQueue(t, "q")
	subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{RawMessageDelivery: true})
	res, err := tp.PublishBatch(ctx, []pubsub.PublishBatchEntry{
		{ID: "a", PublishInput: pubsub.PublishInput{Message: "one"}},
		{ID: "b", PublishInput: pubsub.PublishInput{}},
		{ID: "c", PublishInput: pubsub.PublishInput{Message: "three"}},
	})
	require.NoError(t, err)
	require.Len(t, res, 3)
	assert.NoError(t, res[0].Err)
	assert.NotEmpty(t, res[0].MessageID)
	assert.ErrorIs(t, res[1].Err, pubsub.ErrEmptyMessage)
	assert.Equal(t, "b", res[1].ID)
	assert.NoError(t, res[2].Err)
	flush(t, tp)
	msgs := drain(t, q)
	require.Len(t, msgs, 2)
	assert.Equal(t, "one", msgs[0].Body)
	assert.Equal(t, "three", msgs[1].Body)

	entry := func(id string) pubsub.PublishBatchEntry {
		return pubsub.PublishBatchEntry{ID: id, PublishInput: pubsub.PublishInput{Message: "m"}}
	}
	eleven := make([]pubsub.PublishBatchEntry, 11)
	for i := range eleven {
		eleven[i] = entry(string(rune('a' + i)))
	}
	big := pubsub.PublishInput{Message: strings.Repeat("x", 200*1024)}
	for name, c := range map[string]struct {
		entries []pubsub.PublishBatchEntry
		want    error
	}{
		"empty":    {nil, pubsub.ErrEmptyBatch},
		"too many": {eleven, pubsub.ErrTooManyEntries},
		"bad id":   {[]pubsub.PublishBatchEntry{entry("a b")}, pubsub.ErrInvalidBatchEntryID},
		"dup id":   {[]pubsub.PublishBatchEntry{entry("a"), entry("a")}, pubsub.ErrBatchEntryIDsNotDistinct},
		"too long": {[]pubsub.PublishBatchEntry{{ID: "a", PublishInput: big}, {ID: "b", PublishInput: big}}, pubsub.ErrBatchTooLong},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tp.PublishBatch(ctx, c.entries)
			assert.ErrorIs(t, err, c.want)
		})
	}
	flush(t, tp)
	assert.Empty(t, drain(t, q))
	assert.Equal(t, int64(2), tp.Stats().Published)
}

func TestSubscribeBadInputChangesNothing(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	ftp := newTopic(t, pubsub.TopicConfig{Name: "t.fifo", FIFO: true})
	q := newQueue(t, "q")
	fn := pubsub.Func(func(ctx context.Context, ev pubsub.Event) error { return nil })
	cases := map[string]struct {
		tp   *pubsub.Topic
		e    pubsub.Endpoint
		cfg  pubsub.SubscriptionConfig
		want error
	}{
		"zero endpoint":     {tp, pubsub.Endpoint{}, pubsub.SubscriptionConfig{}, pubsub.ErrInvalidEndpoint},
		"nil queue":         {tp, pubsub.Queue(nil), pubsub.SubscriptionConfig{}, pubsub.ErrInvalidEndpoint},
		"nil func":          {tp, pubsub.Func(nil), pubsub.SubscriptionConfig{}, pubsub.ErrInvalidEndpoint},
		"bad url":           {tp, pubsub.URL(http.DefaultClient, "ftp://x"), pubsub.SubscriptionConfig{}, pubsub.ErrInvalidEndpoint},
		"bad email":         {tp, pubsub.Email(&mailbox{}, "nobody"), pubsub.SubscriptionConfig{}, pubsub.ErrInvalidEndpoint},
		"bad phone":         {tp, pubsub.SMS(&phone{}, "555-1234"), pubsub.SubscriptionConfig{}, pubsub.ErrInvalidEndpoint},
		"func on fifo":      {ftp, fn, pubsub.SubscriptionConfig{}, pubsub.ErrInvalidEndpoint},
		"fifo q on std":     {tp, pubsub.FIFOQueue(&fifoSink{}), pubsub.SubscriptionConfig{}, pubsub.ErrInvalidEndpoint},
		"bad policy":        {tp, pubsub.Queue(q), pubsub.SubscriptionConfig{FilterPolicy: `{"a":`}, pubsub.ErrInvalidFilterPolicy},
		"six keys":          {tp, pubsub.Queue(q), pubsub.SubscriptionConfig{FilterPolicy: `{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}`}, filter.ErrInvalidPolicy},
		"bad scope":         {tp, pubsub.Queue(q), pubsub.SubscriptionConfig{FilterPolicyScope: 7}, pubsub.ErrInvalidConfig},
		"raw on func":       {tp, fn, pubsub.SubscriptionConfig{RawMessageDelivery: true}, pubsub.ErrInvalidConfig},
		"policy on queue":   {tp, pubsub.Queue(q), pubsub.SubscriptionConfig{DeliveryPolicy: &pubsub.DeliveryPolicy{}}, pubsub.ErrInvalidConfig},
		"dlq not queue":     {tp, pubsub.Queue(q), pubsub.SubscriptionConfig{DeadLetter: fn}, pubsub.ErrInvalidConfig},
		"std dlq on fifo":   {ftp, pubsub.Queue(q), pubsub.SubscriptionConfig{DeadLetter: pubsub.Queue(q)}, pubsub.ErrInvalidConfig},
		"concurrency":       {tp, pubsub.Queue(q), pubsub.SubscriptionConfig{MaxConcurrency: 5}, pubsub.ErrInvalidConfig},
		"negative conc":     {tp, pubsub.Queue(q), pubsub.SubscriptionConfig{MaxConcurrency: -1}, pubsub.ErrInvalidConfig},
		"fifo negative":     {ftp, pubsub.FIFOQueue(&fifoSink{}), pubsub.SubscriptionConfig{MaxConcurrency: -1}, pubsub.ErrInvalidConfig},
		"fifo concurrency":  {ftp, pubsub.FIFOQueue(&fifoSink{}), pubsub.SubscriptionConfig{MaxConcurrency: 2}, pubsub.ErrInvalidConfig},
		"http policy range": {tp, pubsub.Handler(http.NotFoundHandler()), pubsub.SubscriptionConfig{DeliveryPolicy: &pubsub.DeliveryPolicy{MinDelay: 30 * time.Second, MaxDelay: 10 * time.Second}}, pubsub.ErrInvalidConfig},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := c.tp.Subscribe(ctx, c.e, c.cfg)
			assert.ErrorIs(t, err, c.want)
		})
	}
	assert.Empty(t, tp.Subscriptions())
	assert.Empty(t, ftp.Subscriptions())
}

func TestUnsubscribeAndListing(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	a := subscribe(t, tp, pubsub.Queue(newQueue(t, "a")), pubsub.SubscriptionConfig{})
	b := subscribe(t, tp, pubsub.Queue(newQueue(t, "b")), pubsub.SubscriptionConfig{FilterPolicy: `{"k":["v"]}`})
	assert.Equal(t, []*pubsub.Subscription{a, b}, tp.Subscriptions())
	assert.Equal(t, `{"k":["v"]}`, b.FilterPolicy())
	got, err := tp.Subscription(b.ARN())
	require.NoError(t, err)
	assert.Same(t, b, got)

	require.NoError(t, tp.Unsubscribe(ctx, a.ARN()))
	assert.Equal(t, []*pubsub.Subscription{b}, tp.Subscriptions())
	err = tp.Unsubscribe(ctx, a.ARN())
	assert.ErrorIs(t, err, pubsub.ErrSubscriptionNotFound)
	_, err = tp.Subscription("arn:aws:sns:us-east-1:123456789012:topic:nope")
	assert.ErrorIs(t, err, pubsub.ErrSubscriptionNotFound)
	assert.Equal(t, 1, tp.Stats().Subscriptions)
}

func TestClose(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	q := newQueue(t, "q")
	s := subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{})
	require.NoError(t, tp.Close())
	require.NoError(t, tp.Close())
	_, err := tp.Publish(ctx, pubsub.PublishInput{Message: "m"})
	assert.ErrorIs(t, err, pubsub.ErrClosed)
	_, err = tp.PublishBatch(ctx, []pubsub.PublishBatchEntry{{ID: "a", PublishInput: pubsub.PublishInput{Message: "m"}}})
	assert.ErrorIs(t, err, pubsub.ErrClosed)
	_, err = tp.Subscribe(ctx, pubsub.Queue(q), pubsub.SubscriptionConfig{})
	assert.ErrorIs(t, err, pubsub.ErrClosed)
	assert.ErrorIs(t, tp.Unsubscribe(ctx, s.ARN()), pubsub.ErrClosed)
	assert.ErrorIs(t, tp.Flush(ctx), pubsub.ErrClosed)
	_, err = tp.ConfirmSubscription(ctx, "x")
	assert.ErrorIs(t, err, pubsub.ErrClosed)
}

func TestFlushWaitsAndHonoursContext(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		tp := newTopic(t, pubsub.TopicConfig{Clock: clk})
		release := make(chan struct{})
		subscribe(t, tp, pubsub.Func(func(ctx context.Context, ev pubsub.Event) error {
			<-release
			return nil
		}), pubsub.SubscriptionConfig{})
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		c, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- tp.Flush(c) }()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Flush returned while a delivery was running")
		default:
		}
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)

		go func() { done <- tp.Flush(ctx) }()
		synctest.Wait()
		close(release)
		require.NoError(t, <-done)
		assert.Equal(t, int64(1), tp.Stats().Delivered)

		// Close wakes a waiting Flush with ErrClosed.
		block := make(chan struct{})
		subscribe(t, tp, pubsub.Func(func(ctx context.Context, ev pubsub.Event) error {
			select {
			case <-block:
			case <-ctx.Done():
			}
			return ctx.Err()
		}), pubsub.SubscriptionConfig{})
		publish(t, tp, pubsub.PublishInput{Message: "m"})
		go func() { done <- tp.Flush(ctx) }()
		synctest.Wait()
		require.NoError(t, tp.Close())
		assert.ErrorIs(t, <-done, pubsub.ErrClosed)
	})
}

func TestRawQueueDeliveryCarriesAttributes(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	q := newQueue(t, "q")
	subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{RawMessageDelivery: true})
	publish(t, tp, pubsub.PublishInput{Message: "hello", Subject: "s", Attributes: map[string]pubsub.Attribute{
		"kind":  filter.StringAttribute("order"),
		"n":     filter.NumberAttribute("42"),
		"tags":  filter.StringArrayAttribute(`["a","b"]`),
		"bytes": filter.BinaryAttribute([]byte{1, 2}),
	}})
	flush(t, tp)
	msgs := drain(t, q)
	require.Len(t, msgs, 1)
	assert.Equal(t, "hello", msgs[0].Body)
	assert.Equal(t, map[string]queue.Attribute{
		"kind":  queue.StringAttribute("order"),
		"n":     queue.NumberAttribute("42"),
		"tags":  {DataType: "String.Array", StringValue: `["a","b"]`},
		"bytes": queue.BinaryAttribute([]byte{1, 2}),
	}, msgs[0].Attributes)
}

// TestRawQueueJSONStructureSendsNoAttributes: with MessageStructure json
// SNS sends no attributes, raw delivery to a queue included.
func TestRawQueueJSONStructureSendsNoAttributes(t *testing.T) {
	tp := newTopic(t, pubsub.TopicConfig{})
	q := newQueue(t, "q")
	dlq := newQueue(t, "dlq")
	subscribe(t, tp, pubsub.Queue(q), pubsub.SubscriptionConfig{RawMessageDelivery: true})
	bad := &sink{fail: func(int, queue.SendInput) error { return pubsub.Permanent(errBusy) }}
	subscribe(t, tp, pubsub.Queue(bad), pubsub.SubscriptionConfig{RawMessageDelivery: true, DeadLetter: pubsub.Queue(dlq)})
	publish(t, tp, pubsub.PublishInput{Message: `{"default":"d","sqs":"for queues"}`, MessageStructure: "json",
		Attributes: map[string]pubsub.Attribute{"a": filter.StringAttribute("b")}})
	flush(t, tp)
	msgs := drain(t, q)
	require.Len(t, msgs, 1)
	assert.Equal(t, "for queues", msgs[0].Body)
	assert.Empty(t, msgs[0].Attributes)
	dead := drain(t, dlq)
	require.Len(t, dead, 1)
	assert.Equal(t, "for queues", dead[0].Body)
	assert.NotContains(t, dead[0].Attributes, "a", "the dead letter carries only the error attributes")
	assert.Contains(t, dead[0].Attributes, "ErrorCode")
}
