package stream_test

import (
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/stream"
)

func TestRetentionTrims(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk, Limits: stream.Unlimited})
	put(t, s, "k", "a")
	clk.Add(time.Hour)
	put(t, s, "k", "b")
	clk.Add(23*time.Hour - time.Millisecond)
	recs, _ := readAll(t, s, id(0))
	require.Equal(t, []string{"a", "b"}, datas(recs), "a is kept until its 24 h are over")
	it := trimHorizon(t, s, id(0)) // at a
	clk.Add(time.Millisecond)
	recs, _ = readAll(t, s, id(0))
	require.Equal(t, []string{"b"}, datas(recs))
	require.Equal(t, []string{"b"}, datas(getRecords(t, s, it).Records), "an iterator at a trimmed record reads from the trim horizon")
	clk.Add(time.Hour)
	recs, _ = readAll(t, s, id(0))
	require.Empty(t, recs)
	st, _ := s.Stats()
	require.Zero(t, st.Records)
}

// The stream's one timer releases records past retention without any call.
func TestRetentionTimerReleasesMemory(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		s := newStream(t, stream.Config{Clock: clk})
		for range 3 {
			put(t, s, "k", "x")
			advance(clk, time.Hour)
		}
		require.Equal(t, 3, stream.HeldRecords(s))
		advance(clk, 21*time.Hour)
		require.Equal(t, 2, stream.HeldRecords(s), "the timer trimmed the first")
		advance(clk, 2*time.Hour)
		require.Equal(t, 0, stream.HeldRecords(s))
		put(t, s, "k", "y")
		advance(clk, 24*time.Hour)
		require.Equal(t, 0, stream.HeldRecords(s), "the timer was armed again")
	})
}

func TestChangeRetention(t *testing.T) {
	clk := clock.NewMock()
	s := newStream(t, stream.Config{Clock: clk, Limits: stream.Unlimited})
	put(t, s, "k", "old")
	clk.Add(30 * time.Hour)
	// the record is gone already: increasing retention does not bring it back
	require.NoError(t, s.IncreaseRetention(ctx, 48*time.Hour))
	put(t, s, "k", "a")
	clk.Add(30 * time.Hour)
	put(t, s, "k", "b")
	recs, _ := readAll(t, s, id(0))
	require.Equal(t, []string{"a", "b"}, datas(recs), "a is 30 h old, under 48 h")
	require.NoError(t, s.DecreaseRetention(ctx, 24*time.Hour))
	recs, _ = readAll(t, s, id(0))
	require.Equal(t, []string{"b"}, datas(recs), "decreasing trims at once")
	st, _ := s.Stats()
	require.Equal(t, 24*time.Hour, st.Retention)

	for _, tc := range []struct {
		inc bool
		d   time.Duration
	}{
		{true, 24 * time.Hour}, {true, 8761 * time.Hour}, {false, 24 * time.Hour}, {false, 48 * time.Hour}, {false, 23 * time.Hour},
	} {
		var err error
		if tc.inc {
			err = s.IncreaseRetention(ctx, tc.d)
		} else {
			err = s.DecreaseRetention(ctx, tc.d)
		}
		require.ErrorIs(t, err, stream.ErrInvalidArgument, "%+v", tc)
	}
	require.NoError(t, s.IncreaseRetention(ctx, 8760*time.Hour))
	st, _ = s.Stats()
	require.Equal(t, 8760*time.Hour, st.Retention)
}
