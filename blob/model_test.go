package blob_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/blob"
)

// Random operations on a bucket and on a map, compared after each step:
// the bucket holds what the map says, and lists it in sorted pages.
func TestModel(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		clk := clock.NewMock()
		b := open(blob.Config{Clock: clk})
		model := map[string]string{}
		rng := rand.New(rand.NewPCG(7, 7))
		alphabet := []string{"a", "b", "/", "é", "\x00", "ab"}
		randKey := func() string {
			var sb strings.Builder
			for range 1 + rng.IntN(4) {
				sb.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			return sb.String()
		}
		for step := range 400 {
			key := randKey()
			switch op := rng.IntN(10); {
			case op < 5:
				body := fmt.Sprint("body ", step)
				put(t, b, key, body, blob.PutOptions{})
				model[key] = body
			case op < 7:
				require.NoError(t, b.Delete(ctx, key))
				delete(model, key)
			case op < 9:
				data, _, err := blob.GetBytes(ctx, b, key)
				want, ok := model[key]
				if !ok {
					require.ErrorIs(t, err, blob.ErrNotFound)
					continue
				}
				require.NoError(t, err)
				require.Equal(t, want, string(data))
			default:
				prefix := ""
				if rng.IntN(2) == 0 {
					prefix = alphabet[rng.IntN(len(alphabet))]
				}
				var want []string
				for _, k := range slices.Sorted(maps.Keys(model)) {
					if strings.HasPrefix(k, prefix) {
						want = append(want, k)
					}
				}
				require.Equal(t, want, keys(t, b, prefix, 1+rng.IntN(4)), "step %d prefix %q", step, prefix)
			}
			clk.Add(1)
		}
		got := snapshot(t, b)
		require.Len(t, got, len(model))
		for k, o := range got {
			require.Equal(t, model[k], o.body)
		}
		if d, ok := b.(*blob.Dir); ok {
			again, err := blob.NewDir(d.Root(), blob.Config{})
			require.NoError(t, err)
			require.Equal(t, got, snapshot(t, again))
		}
	})
}
