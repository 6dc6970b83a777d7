package blob_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stratus-go/stratus/blob"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var ctx = context.Background()

// kinds are the bucket constructors the shared suite runs over. A Config
// without a Clock gets a mock one, so no test depends on real time.
var kinds = []struct {
	name string
	open func(t *testing.T, cfg blob.Config) blob.Bucket
}{
	{"memory", func(t *testing.T, cfg blob.Config) blob.Bucket {
		b, err := blob.NewMemory(withMock(cfg))
		require.NoError(t, err)
		return b
	}},
	{"dir", func(t *testing.T, cfg blob.Config) blob.Bucket {
		b, err := blob.NewDir(t.TempDir(), withMock(cfg))
		require.NoError(t, err)
		return b
	}},
}

func withMock(cfg blob.Config) blob.Config {
	if cfg.Clock == nil {
		cfg.Clock = clock.NewMock()
	}
	return cfg
}

// eachKind runs f as a subtest for every kind of bucket, with a function
// that opens a new, empty one.
func eachKind(t *testing.T, f func(t *testing.T, open func(blob.Config) blob.Bucket)) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			f(t, func(cfg blob.Config) blob.Bucket { return k.open(t, cfg) })
		})
	}
}

func put(t *testing.T, b blob.Bucket, key, body string, opts blob.PutOptions) blob.ObjectInfo {
	t.Helper()
	info, err := b.Put(ctx, key, strings.NewReader(body), opts)
	require.NoError(t, err)
	return info
}

func get(t *testing.T, b blob.Bucket, key string) (string, blob.ObjectInfo) {
	t.Helper()
	data, info, err := blob.GetBytes(ctx, b, key)
	require.NoError(t, err)
	return string(data), info
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// keys lists every key with prefix, a page of MaxKeys at a time.
func keys(t *testing.T, b blob.Bucket, prefix string, maxKeys int) []string {
	t.Helper()
	var out []string
	opts := blob.ListOptions{Prefix: prefix, MaxKeys: maxKeys}
	for {
		page, err := b.List(ctx, opts)
		require.NoError(t, err)
		for _, o := range page.Objects {
			out = append(out, o.Key)
		}
		if !page.IsTruncated {
			require.Empty(t, page.NextContinuationToken)
			return out
		}
		require.NotEmpty(t, page.NextContinuationToken)
		opts.ContinuationToken = page.NextContinuationToken
	}
}

type object struct {
	body string
	info blob.ObjectInfo
}

// snapshot returns every object of b, body and info, read through List
// and Get, to compare before and after a call that must change nothing.
func snapshot(t *testing.T, b blob.Bucket) map[string]object {
	t.Helper()
	out := map[string]object{}
	for _, k := range keys(t, b, "", 0) {
		body, info := get(t, b, k)
		out[k] = object{body, info}
	}
	return out
}
