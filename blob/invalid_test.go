package blob_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/blob"
)

// badKeys are keys S3 refuses.
var badKeys = map[string]string{
	"empty":          "",
	"1,025 bytes":    strings.Repeat("k", 1025),
	"invalid UTF8":   "a\xffb",
	"lone surrogate": "a\xed\xa0\x80b",
	"cut rune":       "é"[:1],
}

func TestBadKeyChangesNothing(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		put(t, b, "k", "kept", blob.PutOptions{})
		before := snapshot(t, b)
		for name, key := range badKeys {
			t.Run(name, func(t *testing.T) {
				_, err := b.Put(ctx, key, strings.NewReader("x"), blob.PutOptions{})
				require.ErrorIs(t, err, blob.ErrInvalidKey)
				require.ErrorContains(t, err, `blob "bucket": put`)
				_, err = blob.PutBytes(ctx, b, key, []byte("x"), blob.PutOptions{})
				require.ErrorIs(t, err, blob.ErrInvalidKey)
				_, _, err = b.Get(ctx, key)
				require.ErrorIs(t, err, blob.ErrInvalidKey)
				_, _, err = blob.GetBytes(ctx, b, key)
				require.ErrorIs(t, err, blob.ErrInvalidKey)
				_, err = b.Head(ctx, key)
				require.ErrorIs(t, err, blob.ErrInvalidKey)
				require.ErrorIs(t, b.Delete(ctx, key), blob.ErrInvalidKey)
			})
		}
		require.Equal(t, before, snapshot(t, b))
		requireNoTempFiles(t, b)
	})
}

func TestBadPutOptionsChangeNothing(t *testing.T) {
	cases := map[string]blob.PutOptions{
		"metadata over 2 KB": {Metadata: map[string]string{"big": strings.Repeat("v", 2046)}},
		"metadata over 2 KB in all": {Metadata: map[string]string{
			"a": strings.Repeat("v", 1000), "b": strings.Repeat("v", 1000), "c": strings.Repeat("v", 46),
		}},
		"empty name":            {Metadata: map[string]string{"": "v"}},
		"name with space":       {Metadata: map[string]string{"my name": "v"}},
		"name with colon":       {Metadata: map[string]string{"a:b": "v"}},
		"non-ASCII name":        {Metadata: map[string]string{"nämé": "v"}},
		"names differ in case":  {Metadata: map[string]string{"Owner": "a", "owner": "b"}},
		"value with newline":    {Metadata: map[string]string{"a": "x\r\nInjected: y"}},
		"value invalid UTF8":    {Metadata: map[string]string{"a": "\xff"}},
		"content type newline":  {ContentType: "text/plain\n"},
		"content type too long": {ContentType: "text/" + strings.Repeat("x", 1020)},
	}
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		put(t, b, "k", "kept", blob.PutOptions{Metadata: map[string]string{"a": "1"}})
		before := snapshot(t, b)
		for name, opts := range cases {
			t.Run(name, func(t *testing.T) {
				for _, key := range []string{"k", "new"} {
					_, err := b.Put(ctx, key, strings.NewReader("x"), opts)
					require.ErrorIs(t, err, blob.ErrInvalidArgument)
				}
			})
		}
		require.Equal(t, before, snapshot(t, b))
		requireNoTempFiles(t, b)
	})
}

func TestMetadataAtTheLimit(t *testing.T) {
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		// names and values: 3 + 2,039 + 3 + 3 = 2,048 bytes
		meta := map[string]string{"big": strings.Repeat("v", 2039), "tab": "a\tb"}
		over := map[string]string{"x": ""}
		for k, v := range meta {
			over[k] = v
		}
		_, err := b.Put(ctx, "k", strings.NewReader(""), blob.PutOptions{Metadata: over})
		require.ErrorIs(t, err, blob.ErrInvalidArgument, "one byte over")
		info := put(t, b, "k", "", blob.PutOptions{Metadata: meta, ContentType: strings.Repeat("t", blob.MaxContentType)})
		require.Equal(t, meta, info.Metadata)
		_, got := get(t, b, "k")
		require.Equal(t, meta, got.Metadata)
	})
}

func TestBadListOptions(t *testing.T) {
	tampered := []byte("key\x00\x00\x00\x00")
	cases := map[string]blob.ListOptions{
		"negative MaxKeys":     {MaxKeys: -1},
		"MaxKeys over 1,000":   {MaxKeys: 1001},
		"token not base64":     {ContinuationToken: "!!!"},
		"token too short":      {ContinuationToken: "YQ"},
		"token with bad check": {ContinuationToken: base64.RawURLEncoding.EncodeToString(tampered)},
		"prefix invalid UTF8":  {Prefix: "\xff"},
		"StartAfter too long":  {StartAfter: strings.Repeat("k", 1025)},
	}
	eachKind(t, func(t *testing.T, open func(blob.Config) blob.Bucket) {
		b := open(blob.Config{})
		put(t, b, "a", "", blob.PutOptions{})
		put(t, b, "b", "", blob.PutOptions{})
		for name, opts := range cases {
			t.Run(name, func(t *testing.T) {
				page, err := b.List(ctx, opts)
				require.ErrorIs(t, err, blob.ErrInvalidArgument)
				require.ErrorContains(t, err, `blob "bucket": list: `)
				require.Empty(t, page.Objects)
			})
		}
		// a real token, changed by one character
		page, err := b.List(ctx, blob.ListOptions{MaxKeys: 1})
		require.NoError(t, err)
		tok := []byte(page.NextContinuationToken)
		tok[0] ^= 1
		_, err = b.List(context.Background(), blob.ListOptions{ContinuationToken: string(tok)})
		require.ErrorIs(t, err, blob.ErrInvalidArgument)
	})
}
