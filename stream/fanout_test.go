package stream_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/stream"
)

// drain returns the events that are ready, once the subscription's
// goroutine has settled, and whether the channel is closed.
func drain(sub *stream.Subscription) ([]stream.SubscribeToShardEvent, bool) {
	var evs []stream.SubscribeToShardEvent
	for {
		synctest.Wait()
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				return evs, true
			}
			evs = append(evs, ev)
		default:
			return evs, false
		}
	}
}

func eventData(evs []stream.SubscribeToShardEvent) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, datas(ev.Records)...)
	}
	return out
}

func subscribe(t *testing.T, s *stream.Stream, consumer, shard string, pos stream.StartingPosition) *stream.Subscription {
	t.Helper()
	sub, err := s.SubscribeToShard(ctx, stream.SubscribeToShardInput{ConsumerName: consumer, ShardID: shard, StartingPosition: pos})
	require.NoError(t, err)
	return sub
}

var fromStart = stream.StartingPosition{Type: stream.TrimHorizon}

func TestRegisterConsumer(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk})
	for _, bad := range []string{"", "a b", strings.Repeat("c", 129)} {
		_, err := s.RegisterConsumer(ctx, bad)
		require.ErrorIs(t, err, stream.ErrInvalidArgument)
	}
	for i := range stream.MaxConsumers {
		c, err := s.RegisterConsumer(ctx, fmt.Sprintf("app-%02d", i))
		require.NoError(t, err)
		require.True(t, c.CreationTime.Equal(clk.Now()))
	}
	_, err := s.RegisterConsumer(ctx, "app-00")
	require.ErrorIs(t, err, stream.ErrConsumerExists)
	_, err = s.RegisterConsumer(ctx, "one-more")
	require.ErrorIs(t, err, stream.ErrLimitExceeded)
	list, err := s.ListConsumers(ctx)
	require.NoError(t, err)
	require.Len(t, list, 20)
	require.Equal(t, "app-00", list[0].Name)
	require.NoError(t, s.DeregisterConsumer(ctx, "app-00"))
	require.ErrorIs(t, s.DeregisterConsumer(ctx, "app-00"), stream.ErrConsumerNotFound)
	_, err = s.RegisterConsumer(ctx, "one-more")
	require.NoError(t, err)
}

func TestSubscribeToShardPushes(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		s := newStream(t, stream.Config{Clock: clk})
		_, err := s.RegisterConsumer(ctx, "app")
		require.NoError(t, err)
		put(t, s, "k", "a")
		put(t, s, "k", "b")
		sub := subscribe(t, s, "app", id(0), fromStart)
		evs, closed := drain(sub)
		require.False(t, closed)
		require.Equal(t, []string{"a", "b"}, eventData(evs))
		last := evs[len(evs)-1]
		require.Equal(t, "b", string(last.Records[len(last.Records)-1].Data))
		require.Zero(t, last.MillisBehindLatest)

		// a put wakes the subscription: no polling, no clock move
		c := put(t, s, "k", "c")
		evs, _ = drain(sub)
		require.Equal(t, []string{"c"}, eventData(evs))
		require.Equal(t, c.SequenceNumber, evs[0].ContinuationSequenceNumber)

		// it does not take from the shard's GetRecords quota
		it := trimHorizon(t, s, id(0))
		for range 5 {
			getRecords(t, s, it)
		}

		// after 5 minutes it ends, and must be renewed
		advance(clk, stream.SubscriptionLifetime-time.Millisecond)
		_, closed = drain(sub)
		require.False(t, closed)
		advance(clk, time.Millisecond)
		_, closed = drain(sub)
		require.True(t, closed)
		require.NoError(t, sub.Err())

		// renewing after the continuation number picks up where it left off
		put(t, s, "k", "d")
		sub = subscribe(t, s, "app", id(0), stream.StartingPosition{
			Type: stream.AfterSequenceNumber, SequenceNumber: evs[0].ContinuationSequenceNumber.String()})
		evs, _ = drain(sub)
		require.Equal(t, []string{"d"}, eventData(evs))
	})
}

func TestResubscribeWithinFiveSeconds(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		s := newStream(t, stream.Config{Clock: clk})
		_, err := s.RegisterConsumer(ctx, "app")
		require.NoError(t, err)
		_, err = s.RegisterConsumer(ctx, "other")
		require.NoError(t, err)
		first := subscribe(t, s, "app", id(0), stream.StartingPosition{Type: stream.Latest})
		advance(clk, 5*time.Second-time.Millisecond)
		_, err = s.SubscribeToShard(ctx, stream.SubscribeToShardInput{ConsumerName: "app", ShardID: id(0), StartingPosition: fromStart})
		require.ErrorIs(t, err, stream.ErrResourceInUse)
		// another consumer has its own subscription
		other := subscribe(t, s, "other", id(0), fromStart)

		advance(clk, time.Millisecond)
		second := subscribe(t, s, "app", id(0), stream.StartingPosition{Type: stream.Latest})
		_, closed := drain(first)
		require.True(t, closed)
		require.ErrorIs(t, first.Err(), stream.ErrSubscriptionReplaced)

		put(t, s, "k", "x")
		evs, _ := drain(second)
		require.Equal(t, []string{"x"}, eventData(evs))
		evs, _ = drain(other)
		require.Equal(t, []string{"x"}, eventData(evs))
	})
}

// Each consumer gets 2 MiB a second of each shard.
func TestSubscriptionRate(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		s := newStream(t, stream.Config{Clock: clk})
		_, err := s.RegisterConsumer(ctx, "app")
		require.NoError(t, err)
		mib := string(make([]byte, 1<<20-1)) // 1 MiB with the key
		for range 6 {
			put(t, s, "k", mib)
			advance(clk, time.Second)
		}
		sub := subscribe(t, s, "app", id(0), fromStart)
		count := func() int {
			evs, _ := drain(sub)
			n := 0
			for _, ev := range evs {
				n += len(ev.Records)
			}
			return n
		}
		// the full bucket's 2 MiB, then one more that runs into debt
		require.Equal(t, 3, count())
		advance(clk, 500*time.Millisecond-time.Millisecond)
		require.Zero(t, count())
		advance(clk, time.Millisecond)
		require.Equal(t, 1, count())
		advance(clk, 500*time.Millisecond)
		require.Equal(t, 1, count())
		advance(clk, 500*time.Millisecond)
		require.Equal(t, 1, count())
	})
}

// The 2 MiB a second belong to the consumer on the shard, not to one
// subscription: one that takes over waits out its predecessor's debt.
func TestSubscriptionTakeOverKeepsRate(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		s := newStream(t, stream.Config{Clock: clk, MaxRecordSize: 10 << 20})
		_, err := s.RegisterConsumer(ctx, "app")
		require.NoError(t, err)
		big := string(make([]byte, 10<<20-1)) // 10 MiB with the key: 5 s at 2 MiB/s
		put(t, s, "k", big)
		advance(clk, 10*time.Second) // the shard's write bucket refills
		second := put(t, s, "k", big)
		first := subscribe(t, s, "app", id(0), fromStart)
		evs, _ := drain(first)
		require.Len(t, evs, 1, "the first big record, then 5 s of debt")
		advance(clk, 5*time.Second)
		evs, _ = drain(first)
		require.Len(t, evs, 1, "the second, and 5 s more")

		next := subscribe(t, s, "app", id(0), stream.StartingPosition{Type: stream.AfterSequenceNumber, SequenceNumber: second.SequenceNumber.String()})
		_, closed := drain(first)
		require.True(t, closed)
		require.ErrorIs(t, first.Err(), stream.ErrSubscriptionReplaced)
		put(t, s, "k", "x")
		evs, _ = drain(next)
		require.Empty(t, evs, "the debt is the consumer's")
		advance(clk, 5*time.Second-time.Millisecond)
		evs, _ = drain(next)
		require.Empty(t, evs)
		advance(clk, time.Millisecond)
		evs, _ = drain(next)
		require.Equal(t, []string{"x"}, eventData(evs))
	})
}

// At the end of a closed shard the last event names its children, and the
// subscription ends.
func TestSubscriptionShardEnd(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		s := newStream(t, stream.Config{Clock: clk})
		_, err := s.RegisterConsumer(ctx, "app")
		require.NoError(t, err)
		put(t, s, "k", "a")
		sub := subscribe(t, s, "app", id(0), fromStart)
		evs, _ := drain(sub)
		require.Equal(t, []string{"a"}, eventData(evs))
		require.NoError(t, s.SplitShard(ctx, id(0), "1000"))
		evs, closed := drain(sub)
		require.True(t, closed)
		require.NoError(t, sub.Err())
		require.Len(t, evs, 1)
		require.Empty(t, evs[0].Records)
		require.Equal(t, []string{id(1), id(2)}, []string{evs[0].ChildShards[0].ShardID, evs[0].ChildShards[1].ShardID})
	})
}

func TestSubscriptionEnds(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		s := newStream(t, stream.Config{Shards: 3, Clock: clk})
		_, err := s.RegisterConsumer(ctx, "app")
		require.NoError(t, err)
		c, cancel := context.WithCancel(ctx)
		byCtx, err := s.SubscribeToShard(c, stream.SubscribeToShardInput{ConsumerName: "app", ShardID: id(0), StartingPosition: fromStart})
		require.NoError(t, err)
		byDeregister := subscribe(t, s, "app", id(1), fromStart)
		cancel()
		_, closed := drain(byCtx)
		require.True(t, closed)
		require.Equal(t, context.Canceled, byCtx.Err())

		require.NoError(t, s.DeregisterConsumer(ctx, "app"))
		_, closed = drain(byDeregister)
		require.True(t, closed)
		require.ErrorIs(t, byDeregister.Err(), stream.ErrConsumerNotFound)

		_, err = s.RegisterConsumer(ctx, "app")
		require.NoError(t, err)
		byClose := subscribe(t, s, "app", id(2), fromStart)
		require.NoError(t, s.Close())
		_, closed = drain(byClose)
		require.True(t, closed)
		require.ErrorIs(t, byClose.Err(), stream.ErrClosed)
	})
}

func TestSubscribeBadInput(t *testing.T) {
	s := newStream(t, stream.Config{})
	_, err := s.RegisterConsumer(ctx, "app")
	require.NoError(t, err)
	for _, tc := range []struct {
		in  stream.SubscribeToShardInput
		err error
	}{
		{stream.SubscribeToShardInput{ConsumerName: "nobody", ShardID: id(0), StartingPosition: fromStart}, stream.ErrConsumerNotFound},
		{stream.SubscribeToShardInput{ConsumerName: "app", ShardID: id(5), StartingPosition: fromStart}, stream.ErrShardNotFound},
		{stream.SubscribeToShardInput{ConsumerName: "app", ShardID: id(0)}, stream.ErrInvalidArgument},
		{stream.SubscribeToShardInput{ConsumerName: "app", ShardID: id(0), StartingPosition: stream.StartingPosition{Type: stream.AtSequenceNumber, SequenceNumber: "1"}}, stream.ErrInvalidSequenceNumber},
	} {
		_, err := s.SubscribeToShard(ctx, tc.in)
		require.ErrorIs(t, err, tc.err)
	}
	// none of them counted as a subscription
	sub, err := s.SubscribeToShard(ctx, stream.SubscribeToShardInput{ConsumerName: "app", ShardID: id(0), StartingPosition: fromStart})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	for range sub.Events() {
	}
}
