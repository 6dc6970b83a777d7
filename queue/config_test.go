package queue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/queue"
)

func TestNewRejectsOutOfRangeConfig(t *testing.T) {
	dlq := newQueue(t, queue.Config{Name: "dlq"})
	tests := []struct {
		name   string
		cfg    queue.Config
		naming string // what the error must name
	}{
		{"empty-ish name", queue.Config{Name: "bad name"}, "Name"},
		{"name too long", queue.Config{Name: strings.Repeat("a", 81)}, "Name"},
		{"name with dot", queue.Config{Name: "a.fifo"}, "Name"},
		{"visibility negative", queue.Config{VisibilityTimeout: -2 * time.Second}, "VisibilityTimeout = -2s"},
		{"visibility over 12h", queue.Config{VisibilityTimeout: 12*time.Hour + time.Second}, "VisibilityTimeout = 12h0m1s, want 0s–12h"},
		{"delay negative", queue.Config{Delay: -time.Second}, "Delay = -1s"},
		{"delay over 15m", queue.Config{Delay: 16 * time.Minute}, "Delay = 16m0s"},
		{"retention under 1m", queue.Config{Retention: 59 * time.Second}, "Retention = 59s, want 1m–336h"},
		{"retention over 14d", queue.Config{Retention: 15 * 24 * time.Hour}, "Retention = 360h0m0s"},
		{"max size under 1KiB", queue.Config{MaxMessageSize: 1023}, "MaxMessageSize = 1023"},
		{"max size over 1MiB", queue.Config{MaxMessageSize: 1<<20 + 1}, "MaxMessageSize = 1048577"},
		{"wait over 20s", queue.Config{ReceiveWaitTime: 21 * time.Second}, "ReceiveWaitTime = 21s"},
		{"wait negative", queue.Config{ReceiveWaitTime: -time.Second}, "ReceiveWaitTime = -1s"},
		{"max in flight negative", queue.Config{MaxInFlight: -5}, "MaxInFlight = -5"},
		{"redrive without target", queue.Config{Redrive: &queue.Redrive{}}, "Redrive.Target"},
		{"max receive count over 1000", queue.Config{Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 1001}}, "Redrive.MaxReceiveCount = 1001, want 1–1000"},
		{"max receive count negative", queue.Config{Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: -1}}, "Redrive.MaxReceiveCount = -1"},
		{"byQueue without names", queue.Config{RedriveAllow: queue.RedriveAllowPolicy{Permission: queue.ByQueue}}, "RedriveAllow.SourceQueues"},
		{"byQueue with 11 names", queue.Config{RedriveAllow: queue.RedriveAllowPolicy{Permission: queue.ByQueue, SourceQueues: strings.Split("a b c d e f g h i j k", " ")}}, "RedriveAllow.SourceQueues"},
		{"allowAll with names", queue.Config{RedriveAllow: queue.RedriveAllowPolicy{SourceQueues: []string{"a"}}}, "RedriveAllow.SourceQueues"},
		{"unknown permission", queue.Config{RedriveAllow: queue.RedriveAllowPolicy{Permission: 7}}, "RedriveAllow.Permission = RedrivePermission(7)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := queue.New(tt.cfg)
			require.ErrorIs(t, err, queue.ErrInvalidConfig)
			require.Nil(t, q)
			require.Contains(t, err.Error(), tt.naming)
		})
	}
}

func TestNewAcceptsRangeEnds(t *testing.T) {
	dlq := newQueue(t, queue.Config{Name: "dlq"})
	for _, cfg := range []queue.Config{
		{Name: strings.Repeat("a", 80)},
		{Name: "Az09_-"},
		{VisibilityTimeout: queue.NoVisibilityTimeout},
		{VisibilityTimeout: 12 * time.Hour},
		{Delay: 15 * time.Minute},
		{Retention: time.Minute},
		{Retention: 14 * 24 * time.Hour},
		{MaxMessageSize: 1024},
		{MaxMessageSize: 1 << 20},
		{ReceiveWaitTime: 20 * time.Second},
		{MaxInFlight: queue.NoLimit},
		{MaxInFlight: 1},
		{Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 1}},
		{Redrive: &queue.Redrive{Target: dlq, MaxReceiveCount: 1000}},
		{RedriveAllow: queue.RedriveAllowPolicy{Permission: queue.DenyAll}},
	} {
		newQueue(t, cfg)
	}
}

// The zero Config behaves as CreateQueue with no attributes: a received
// message comes back after 30 s, not before; messages live 4 days.
func TestZeroConfigHasAWSDefaults(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk})
		require.Equal(t, "queue", q.Name())
		send(t, q, "a")
		receiveOne(t, q)
		advance(clk, 30*time.Second-time.Millisecond)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		advance(clk, time.Millisecond)
		m := receiveOne(t, q)
		require.Equal(t, 2, m.ReceiveCount)

		send(t, q, "b")
		advance(clk, 4*24*time.Hour-31*time.Second)
		require.Equal(t, 2, stats(t, q).Visible+stats(t, q).InFlight)
		advance(clk, 31*time.Second)
		require.Equal(t, queue.Stats{}, stats(t, q))

		// 256 KiB body fits; one more byte does not
		_, err := q.Send(context.Background(), queue.SendInput{Body: strings.Repeat("x", 256<<10)})
		require.NoError(t, err)
		_, err = q.Send(context.Background(), queue.SendInput{Body: strings.Repeat("x", 256<<10+1)})
		require.ErrorIs(t, err, queue.ErrMessageTooLarge)
	})
}

func TestNoVisibilityTimeoutMakesMessagesVisibleAtOnce(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, VisibilityTimeout: queue.NoVisibilityTimeout})
		send(t, q, "a")
		require.Equal(t, 1, receiveOne(t, q).ReceiveCount)
		require.Equal(t, 2, receiveOne(t, q).ReceiveCount)
	})
}

func TestRedrivePermissionString(t *testing.T) {
	require.Equal(t, "allowAll", queue.AllowAll.String())
	require.Equal(t, "denyAll", queue.DenyAll.String())
	require.Equal(t, "byQueue", queue.ByQueue.String())
}
