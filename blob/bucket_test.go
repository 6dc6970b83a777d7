package blob_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/blob"
)

func TestPutGetHeadDelete(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{Name: "photos"})
		require.Equal(t, "photos", b.Name())

		info := put(t, b, "cats/tom.jpg", "meow", blob.PutOptions{
			ContentType: "image/jpeg",
			Metadata:    map[string]string{"owner": "ann"},
		})
		want := blob.ObjectInfo{
			Key:          "cats/tom.jpg",
			Size:         4,
			ETag:         md5hex("meow"),
			ContentType:  "image/jpeg",
			Metadata:     map[string]string{"owner": "ann"},
			LastModified: time.Unix(0, 0).UTC(),
		}
		require.Equal(t, want, info)

		body, got := get(t, b, "cats/tom.jpg")
		require.Equal(t, "meow", body)
		require.Equal(t, want, got)

		head, err := b.Head(ctx, "cats/tom.jpg")
		require.NoError(t, err)
		require.Equal(t, want, head)

		require.NoError(t, b.Delete(ctx, "cats/tom.jpg"))
		_, err = b.Head(ctx, "cats/tom.jpg")
		require.ErrorIs(t, err, blob.ErrNotFound)
		require.Empty(t, keys(t, b, "", 0))
	})
}

func TestDefaultName(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		require.Equal(t, "bucket", open(blob.Config{}).Name())
	})
}

func TestMissingKey(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{Name: "things"})
		_, _, err := b.Get(ctx, "nope")
		require.ErrorIs(t, err, blob.ErrNotFound)
		require.EqualError(t, err, `blob "things": get "nope": blob: no such key`)
		_, _, err = blob.GetBytes(ctx, b, "nope")
		require.ErrorIs(t, err, blob.ErrNotFound)
		_, err = b.Head(ctx, "nope")
		require.ErrorIs(t, err, blob.ErrNotFound)
		require.NoError(t, b.Delete(ctx, "nope"), "deleting a missing key is not an error")
		require.NoError(t, b.Delete(ctx, "nope"))
	})
}

func TestOverwriteReplaces(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		put(t, b, "k", "first", blob.PutOptions{ContentType: "text/plain", Metadata: map[string]string{"a": "1"}})
		put(t, b, "k", "second!", blob.PutOptions{})
		body, info := get(t, b, "k")
		require.Equal(t, "second!", body)
		require.Equal(t, int64(7), info.Size)
		require.Equal(t, md5hex("second!"), info.ETag)
		require.Equal(t, blob.DefaultContentType, info.ContentType)
		require.Nil(t, info.Metadata, "an overwrite replaces the metadata too")
		require.Equal(t, []string{"k"}, keys(t, b, "", 0))
	})
}

func TestReaderKeepsObjectAsItWas(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		put(t, b, "k", "old body", blob.PutOptions{})
		r1, _, err := b.Get(ctx, "k")
		require.NoError(t, err)
		defer r1.Close()
		r2, _, err := b.Get(ctx, "k")
		require.NoError(t, err)
		defer r2.Close()

		put(t, b, "k", "a new and longer body", blob.PutOptions{})
		got, err := io.ReadAll(r1)
		require.NoError(t, err)
		require.Equal(t, "old body", string(got), "a later Put does not change an open body")

		require.NoError(t, b.Delete(ctx, "k"))
		got, err = io.ReadAll(r2)
		require.NoError(t, err)
		require.Equal(t, "old body", string(got), "a later Delete does not change an open body")
	})
}

func TestOptionsAreCopied(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		meta := map[string]string{"color": "red"}
		data := []byte("body")
		info, err := blob.PutBytes(ctx, b, "k", data, blob.PutOptions{Metadata: meta})
		require.NoError(t, err)

		meta["color"] = "blue"
		meta["size"] = "xl"
		data[0] = 'X'
		info.Metadata["color"] = "green"

		body, got := get(t, b, "k")
		require.Equal(t, "body", body)
		require.Equal(t, map[string]string{"color": "red"}, got.Metadata)
		got.Metadata["color"] = "green"

		page, err := b.List(ctx, blob.ListOptions{})
		require.NoError(t, err)
		require.Equal(t, map[string]string{"color": "red"}, page.Objects[0].Metadata)
		page.Objects[0].Metadata["color"] = "green"
		head, err := b.Head(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, map[string]string{"color": "red"}, head.Metadata)
	})
}

func TestMetadataNamesLowerCase(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		info := put(t, b, "k", "", blob.PutOptions{Metadata: map[string]string{"Content-Owner": "Ann", "x": ""}})
		want := map[string]string{"content-owner": "Ann", "x": ""}
		require.Equal(t, want, info.Metadata)
		_, got := get(t, b, "k")
		require.Equal(t, want, got.Metadata)
	})
}

func TestLastModifiedFromClock(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		clk := clock.NewMock()
		clk.Set(time.Date(2030, 5, 6, 7, 8, 9, 123456789, time.FixedZone("X", 3600)))
		b := open(blob.Config{Clock: clk})
		first := put(t, b, "a", "1", blob.PutOptions{})
		require.Equal(t, time.Date(2030, 5, 6, 6, 8, 9, 123456789, time.UTC), first.LastModified)

		clk.Add(36 * time.Hour)
		second := put(t, b, "b", "2", blob.PutOptions{})
		require.Equal(t, first.LastModified.Add(36*time.Hour), second.LastModified)
		_, got := get(t, b, "a")
		require.Equal(t, first.LastModified, got.LastModified, "a Put of another key leaves it")
		_, got = get(t, b, "b")
		require.Equal(t, second.LastModified, got.LastModified)
	})
}

func TestETagIsHexMD5(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		require.Equal(t, "d41d8cd98f00b204e9800998ecf8427e", put(t, b, "empty", "", blob.PutOptions{}).ETag)
		require.Equal(t, "9e107d9d372bb6826bd81d3542a419d6",
			put(t, b, "fox", "The quick brown fox jumps over the lazy dog", blob.PutOptions{}).ETag)
		body, info := get(t, b, "empty")
		require.Equal(t, "", body)
		require.Equal(t, int64(0), info.Size)
	})
}

func TestCancelledContextChangesNothing(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		put(t, b, "k", "kept", blob.PutOptions{})
		before := snapshot(t, b)

		done, cancel := context.WithCancel(ctx)
		cancel()
		_, err := b.Put(done, "k", strings.NewReader("lost"), blob.PutOptions{})
		require.Same(t, context.Canceled, err)
		_, _, err = b.Get(done, "k")
		require.Same(t, context.Canceled, err)
		_, err = b.Head(done, "k")
		require.Same(t, context.Canceled, err)
		require.Same(t, context.Canceled, b.Delete(done, "k"))
		_, err = b.List(done, blob.ListOptions{})
		require.Same(t, context.Canceled, err)

		// cancelled while the body streams
		mid, cancel := context.WithCancel(ctx)
		body := io.MultiReader(strings.NewReader("part one, "), cancelReader{cancel}, strings.NewReader("part two"))
		_, err = b.Put(mid, "k", body, blob.PutOptions{})
		require.Same(t, context.Canceled, err)

		require.Equal(t, before, snapshot(t, b))
		requireNoTempFiles(t, b)
	})
}

// cancelReader cancels a context when read, and ends.
type cancelReader struct{ cancel context.CancelFunc }

func (c cancelReader) Read([]byte) (int, error) {
	c.cancel()
	return 0, io.EOF
}

func TestBodyErrorChangesNothing(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		put(t, b, "k", "kept", blob.PutOptions{})
		before := snapshot(t, b)
		boom := errors.New("disk on fire")
		body := io.MultiReader(strings.NewReader("some bytes"), errReader{boom})
		for _, key := range []string{"k", "new"} {
			_, err := b.Put(ctx, key, body, blob.PutOptions{})
			require.ErrorIs(t, err, boom)
			require.ErrorContains(t, err, `put "`+key+`": read body`)
		}
		require.Equal(t, before, snapshot(t, b))
		requireNoTempFiles(t, b)
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// requireNoTempFiles checks that a Dir's tmp folder is empty.
func requireNoTempFiles(t *testing.T, b blob.Bucket) {
	t.Helper()
	if d, ok := b.(*blob.Dir); ok {
		require.Empty(t, tempFiles(t, d))
	}
}

func TestAnyUTF8Key(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		for _, key := range oddKeys {
			put(t, b, key, "body of "+key, blob.PutOptions{})
		}
		for _, key := range oddKeys {
			body, info := get(t, b, key)
			require.Equal(t, "body of "+key, body, "key %q", key)
			require.Equal(t, key, info.Key)
		}
		require.Len(t, keys(t, b, "", 0), len(oddKeys))
	})
}

// oddKeys are keys that would escape a folder, or mean something, if they
// were taken as paths.
var oddKeys = []string{
	"../x", "../../etc/passwd", "/abs/path", "a/../../b", "a\x00b", ".", "..",
	strings.Repeat("k", 1024), "seg/" + strings.Repeat("s", 300) + "/end",
	`C:\x`, `..\..\windows`, "a//b", "a/", "/", " ", "\n", "émoji 🎉", "\u202e",
	"~/.ssh/id_rsa", "tmp/../objects/x",
}
