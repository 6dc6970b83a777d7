package engine

import (
	"context"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

// groupInvariants checks the group selector's bookkeeping against the
// records: each group's list holds its visible records in seq order, its
// in-flight count is the number of its records in flight, it is in the
// ready list exactly when it has visible records and none in flight, and
// no idle group is kept.
func groupInvariants[M, D any](t *testing.T, e *Engine[M, D]) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.ready.(*groupOrder[M])
	inFlight := map[*group[M]]int{}
	for _, r := range e.slots {
		if r != nil && r.state == stateInFlight {
			inFlight[r.grp]++
		}
	}
	listed := map[*group[M]]bool{}
	for g := s.ready.head; g != nil; g = g.next {
		require.False(t, listed[g], "group %q listed twice", g.key)
		listed[g] = true
	}
	visible := 0
	for k, g := range s.groups {
		require.Equal(t, k, g.key)
		n := 0
		var last uint64
		for r := g.head; r != nil; r = r.next {
			require.Equal(t, stateVisible, r.state)
			require.Same(t, g, r.grp)
			require.Greater(t, r.seq, last, "group %q out of order", k)
			last = r.seq
			n++
		}
		require.Equal(t, n, g.visible, "group %q visible count", k)
		require.Equal(t, inFlight[g], g.inFlight, "group %q in-flight count", k)
		require.Equal(t, g.visible > 0 && g.inFlight == 0, listed[g], "group %q ready", k)
		require.Equal(t, listed[g], g.listed)
		require.True(t, g.visible > 0 || g.inFlight > 0, "idle group %q kept", k)
		visible += n
	}
	require.Equal(t, visible, s.n)
	for g := range listed {
		require.Same(t, g, s.groups[g.key], "listed group %q not in the map", g.key)
	}
}

// Random operations on an engine with the group selector keep its
// bookkeeping straight, never hand out a message of a group while an
// earlier one is in flight, and hand each group's messages out in order.
func TestGroupOrderRandomOps(t *testing.T) {
	for seed := range uint64(12) {
		synctest.Test(t, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			clk := clock.NewMock()
			type out struct {
				r *Record[string]
				h string
			}
			e := New(Config[string, out]{
				Clock: clk, Retention: time.Hour, MaxInFlight: 8, StrictHandles: seed%2 == 0,
				Deliver:  func(r *Record[string], h string) out { return out{r, h} },
				Selector: NewGroupOrder(func(g string) string { return g }),
			})
			defer e.Close()
			var held []out
			for range 400 {
				switch rng.IntN(6) {
				case 0, 1:
					_, err := e.Send(Item[string]{Body: "m", Meta: string(rune('a' + rng.IntN(5)))})
					require.NoError(t, err)
				case 2:
					vis := time.Duration(rng.IntN(3)) * 10 * time.Second
					got, err := e.Receive(context.Background(), 1+rng.IntN(4), vis, 0, nil)
					if err != ErrOverLimit {
						require.NoError(t, err)
					}
					now := map[*Record[string]]bool{}
					for i, o := range got {
						now[o.r] = true
						if i > 0 && got[i-1].r.meta == o.r.meta && vis > 0 {
							require.Less(t, got[i-1].r.seq, o.r.seq, "a batch from one group is in order")
						}
					}
					for _, o := range got {
						for _, h := range held {
							if h.r.meta == o.r.meta && !now[h.r] && h.r.state == stateInFlight {
								t.Fatalf("group %q handed out while %d is in flight from an earlier receive", o.r.meta, h.r.seq)
							}
						}
					}
					held = append(held, got...)
				case 3:
					if len(held) > 0 {
						i := rng.IntN(len(held))
						e.Delete(held[i].h)
						held = append(held[:i], held[i+1:]...)
					}
				case 4:
					if len(held) > 0 {
						e.ChangeVisibility(held[rng.IntN(len(held))].h, 0)
					}
				case 5:
					clk.Add(time.Duration(rng.IntN(15)) * time.Second)
					synctest.Wait()
				}
				e.invariants(t)
				groupInvariants(t, e)
			}
		})
	}
}
