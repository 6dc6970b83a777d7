package blob_test

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/blob"
)

// data returns a reader of n bytes that are the same on every run.
func data(n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{'b', 'l', 'o', 'b'}), n)
}

func TestLargeBodies(t *testing.T) {
	for _, size := range []int64{5 << 20, 64 << 20} {
		t.Run(fmt.Sprintf("%dMiB", size>>20), func(t *testing.T) {
			if size > 5<<20 && testing.Short() {
				t.Skip("64 MiB body in -short mode")
			}
			eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
				b := open(blob.Config{})
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)

				sent := md5.New()
				info, err := b.Put(ctx, "big", io.TeeReader(data(size), sent), blob.PutOptions{})
				require.NoError(t, err)
				want := hex.EncodeToString(sent.Sum(nil))
				require.Equal(t, size, info.Size)
				require.Equal(t, want, info.ETag)

				rc, got, err := b.Get(ctx, "big")
				require.NoError(t, err)
				read := md5.New()
				n, err := io.Copy(read, rc)
				require.NoError(t, err)
				require.NoError(t, rc.Close())
				require.Equal(t, size, n)
				require.Equal(t, want, hex.EncodeToString(read.Sum(nil)))
				require.Equal(t, info, got)

				runtime.ReadMemStats(&after)
				if _, ok := b.(*blob.Dir); ok {
					require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4<<20),
						"a Dir streams the body through one buffer")
				}
			})
		})
	}
}

func TestPutBytesGetBytesLarge(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		in, err := io.ReadAll(data(5 << 20))
		require.NoError(t, err)
		info, err := blob.PutBytes(ctx, b, "five", in, blob.PutOptions{ContentType: "application/x-test"})
		require.NoError(t, err)
		sum := md5.Sum(in)
		require.Equal(t, hex.EncodeToString(sum[:]), info.ETag)

		out, got, err := blob.GetBytes(ctx, b, "five")
		require.NoError(t, err)
		require.Equal(t, info, got)
		require.True(t, string(in) == string(out), "bodies differ")
		out[0]++
		again, _, err := blob.GetBytes(ctx, b, "five")
		require.NoError(t, err)
		require.Equal(t, in[0], again[0], "GetBytes returns a copy the caller owns")
	})
}
