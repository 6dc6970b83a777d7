package blob_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/blob"
)

func TestListByteOrder(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		in := []string{"b", "a/c", "é", "Z", "a", "a/b", "ab", "a\x00", "a-", "z", "\u00ff", "\U0001F600", "\uFFFD"}
		for _, k := range in {
			put(t, b, k, k, blob.PutOptions{})
		}
		want := slices.Clone(in)
		slices.Sort(want) // Go orders strings by their bytes: UTF-8 binary order
		require.Equal(t, []string{"Z", "a", "a\x00", "a-", "a/b", "a/c", "ab", "b", "z", "é", "\u00ff", "\uFFFD", "\U0001F600"}, want)
		require.Equal(t, want, keys(t, b, "", 0))
		for _, n := range []int{1, 2, 5} {
			require.Equal(t, want, keys(t, b, "", n), "pages of %d", n)
		}

		require.Equal(t, []string{"a", "a\x00", "a-", "a/b", "a/c", "ab"}, keys(t, b, "a", 0))
		require.Equal(t, []string{"a/b", "a/c"}, keys(t, b, "a/", 1))
		require.Empty(t, keys(t, b, "nothing", 0))

		page, err := b.List(ctx, blob.ListOptions{Prefix: "a/"})
		require.NoError(t, err)
		require.Len(t, page.Objects, 2)
		require.Equal(t, "a/b", page.Objects[0].Key)
		require.Equal(t, int64(3), page.Objects[0].Size)
		require.Equal(t, md5hex("a/b"), page.Objects[0].ETag)
		require.False(t, page.IsTruncated)
	})
}

func TestListPaging(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		var all []string
		for i := range 25 {
			k := fmt.Sprintf("log/%02d", i)
			all = append(all, k)
			put(t, b, k, "x", blob.PutOptions{})
		}
		put(t, b, "other", "x", blob.PutOptions{})

		opts := blob.ListOptions{Prefix: "log/", MaxKeys: 10}
		var sizes []int
		var got []string
		for {
			page, err := b.List(ctx, opts)
			require.NoError(t, err)
			sizes = append(sizes, len(page.Objects))
			for _, o := range page.Objects {
				got = append(got, o.Key)
			}
			if !page.IsTruncated {
				break
			}
			opts.ContinuationToken = page.NextContinuationToken
		}
		require.Equal(t, []int{10, 10, 5}, sizes)
		require.Equal(t, all, got)

		// exactly a page's worth is not truncated
		page, err := b.List(ctx, blob.ListOptions{Prefix: "log/", MaxKeys: 25})
		require.NoError(t, err)
		require.Len(t, page.Objects, 25)
		require.False(t, page.IsTruncated)
		require.Empty(t, page.NextContinuationToken)
	})
}

func TestListStartAfter(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		for _, k := range []string{"a", "b", "b/1", "b/2", "c"} {
			put(t, b, k, k, blob.PutOptions{})
		}
		list := func(opts blob.ListOptions) []string {
			page, err := b.List(ctx, opts)
			require.NoError(t, err)
			var out []string
			for _, o := range page.Objects {
				out = append(out, o.Key)
			}
			return out
		}
		require.Equal(t, []string{"b/1", "b/2", "c"}, list(blob.ListOptions{StartAfter: "b"}))
		require.Equal(t, []string{"b", "b/1", "b/2", "c"}, list(blob.ListOptions{StartAfter: "a0"}), "a key the bucket does not hold")
		require.Equal(t, []string{"b/2"}, list(blob.ListOptions{Prefix: "b/", StartAfter: "b/1"}))
		require.Equal(t, []string{"b/1", "b/2"}, list(blob.ListOptions{Prefix: "b/", StartAfter: "a"}), "StartAfter before the prefix")
		require.Empty(t, list(blob.ListOptions{Prefix: "b", StartAfter: "c"}), "StartAfter past the prefix")
		require.Equal(t, []string{"b/1", "b/2"}, list(blob.ListOptions{Prefix: "b", StartAfter: "b"}), "StartAfter equal to the prefix")

		// StartAfter with paging: the token resumes after the later of the two
		page, err := b.List(ctx, blob.ListOptions{StartAfter: "a", MaxKeys: 2})
		require.NoError(t, err)
		require.True(t, page.IsTruncated)
		require.Equal(t, []string{"b/2", "c"}, list(blob.ListOptions{StartAfter: "a", MaxKeys: 2, ContinuationToken: page.NextContinuationToken}))
		require.Equal(t, []string{"c"}, list(blob.ListOptions{StartAfter: "b/2", ContinuationToken: page.NextContinuationToken}))
	})
}

func TestListTokenResumesAfterLastKey(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		for _, k := range []string{"b", "d", "f"} {
			put(t, b, k, k, blob.PutOptions{})
		}
		page, err := b.List(ctx, blob.ListOptions{MaxKeys: 2})
		require.NoError(t, err)
		require.True(t, page.IsTruncated)
		put(t, b, "a", "behind the token", blob.PutOptions{})
		put(t, b, "e", "ahead of the token", blob.PutOptions{})
		require.NoError(t, b.Delete(ctx, "d")) // the token's own key may go
		next, err := b.List(ctx, blob.ListOptions{MaxKeys: 2, ContinuationToken: page.NextContinuationToken})
		require.NoError(t, err)
		require.Len(t, next.Objects, 2)
		require.Equal(t, "e", next.Objects[0].Key)
		require.Equal(t, "f", next.Objects[1].Key)
		require.False(t, next.IsTruncated)
	})
}

func TestListDefaultMaxKeys(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		for i := range blob.MaxListKeys + 1 {
			put(t, b, fmt.Sprintf("%04d", i), "", blob.PutOptions{})
		}
		page, err := b.List(ctx, blob.ListOptions{})
		require.NoError(t, err)
		require.Len(t, page.Objects, 1000)
		require.True(t, page.IsTruncated)
		page, err = b.List(ctx, blob.ListOptions{ContinuationToken: page.NextContinuationToken})
		require.NoError(t, err)
		require.Len(t, page.Objects, 1)
		require.Equal(t, "1000", page.Objects[0].Key)
		require.False(t, page.IsTruncated)
	})
}
