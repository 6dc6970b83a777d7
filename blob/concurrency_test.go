package blob_test

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/blob"
)

// Many goroutines put, get, list and delete the same few keys. Whatever
// the interleaving, every body read matches the info it came with, and is
// a body some Put wrote whole.
func TestConcurrentPutGetSameKeys(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		names := []string{"a", "b", "c"}
		const workers, ops = 8, 60
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), 1))
				for i := range ops {
					key := names[rng.IntN(len(names))]
					switch rng.IntN(10) {
					case 0:
						assert.NoError(t, b.Delete(ctx, key))
					case 1:
						page, err := b.List(ctx, blob.ListOptions{MaxKeys: 2})
						if assert.NoError(t, err) {
							assert.LessOrEqual(t, len(page.Objects), 2)
						}
					case 2, 3, 4, 5:
						body := fmt.Sprintf("w%d-%d:", w, i) + strings.Repeat("x", rng.IntN(100_000))
						_, err := b.Put(ctx, key, strings.NewReader(body), blob.PutOptions{Metadata: map[string]string{"len": fmt.Sprint(len(body))}})
						assert.NoError(t, err)
					default:
						checkWhole(t, b, key)
					}
				}
			})
		}
		wg.Wait()
		for _, key := range names {
			checkWhole(t, b, key)
		}
	})
}

// checkWhole gets key, if there, and checks that its body is one a Put
// wrote, whole, and that its info describes it.
func checkWhole(t *testing.T, b blob.Bucket, key string) {
	rc, info, err := b.Get(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		return
	}
	if !assert.NoError(t, err) {
		return
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	assert.NoError(t, err)
	body := string(data)
	assert.Equal(t, key, info.Key)
	assert.Equal(t, int64(len(body)), info.Size)
	assert.Equal(t, md5hex(body), info.ETag)
	assert.Equal(t, fmt.Sprint(len(body)), info.Metadata["len"])
	head, _, _ := strings.Cut(body, ":")
	assert.Equal(t, strings.Repeat("x", len(body)-len(head)-1), body[len(head)+1:])
}

// A Dir's index and files agree after concurrent writers: reopening the
// folder finds the same objects.
func TestDirConcurrentWritersThenReopen(t *testing.T) {
	root := t.TempDir()
	d := newDir(t, root)
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 40 {
				key := fmt.Sprintf("k%d", (w+i)%5)
				if i%7 == 6 {
					assert.NoError(t, d.Delete(ctx, key))
					continue
				}
				_, err := d.Put(ctx, key, strings.NewReader(fmt.Sprintf("w%d-%d", w, i)), blob.PutOptions{})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, snapshot(t, d), snapshot(t, newDir(t, root)))
	require.Len(t, objectFiles(t, d), d.Len())
	require.Empty(t, tempFiles(t, d))
}
