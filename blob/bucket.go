package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"time"
)

// Bucket is what code that stores payloads needs from a bucket: a *Memory
// and a *Dir are both one, and a test can fake it. Every method is safe for
// concurrent use, returns ctx.Err() unwrapped when ctx is done as it
// starts (or, for Put, before the body ends), and wraps every other error
// with the bucket's name, the operation and the key.
type Bucket interface {
	// Name returns the bucket's name.
	Name() string

	// Put stores the object read from body under key, replacing any object
	// there, once body returns io.EOF. An error from body, a cancelled ctx
	// or bad input (ErrInvalidKey, ErrInvalidArgument) leaves the bucket
	// as it was.
	Put(ctx context.Context, key string, body io.Reader, opts PutOptions) (ObjectInfo, error)

	// Get returns the object's body and its info, or ErrNotFound. The
	// caller reads the body and must close it. The body is the object as
	// it was when Get returned: a later Put or Delete of the key does not
	// change it.
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)

	// Head returns the object's info, or ErrNotFound.
	Head(ctx context.Context, key string) (ObjectInfo, error)

	// Delete removes the object. Deleting a key the bucket does not hold
	// is not an error, as in S3.
	Delete(ctx context.Context, key string) error

	// List returns a page of the objects whose keys begin with
	// opts.Prefix, in UTF-8 binary (byte) order, as ListObjectsV2 does.
	List(ctx context.Context, opts ListOptions) (ListPage, error)
}

var (
	_ Bucket = (*Memory)(nil)
	_ Bucket = (*Dir)(nil)
)

// Limits of keys, metadata and listing, as S3 has them.
const (
	MaxKeyLength       = 1024                  // bytes of UTF-8
	MaxMetadataSize    = 2048                  // bytes of user metadata names and values
	MaxContentType     = 1024                  // bytes; a stratus limit (S3 bounds all headers at 8 KB)
	MaxListKeys        = 1000                  // objects in a ListPage
	DefaultContentType = "binary/octet-stream" // as S3 stores an object put without one
)

// PutOptions are the optional parts of a Put. Put copies them: changing
// the map afterwards changes nothing stored.
type PutOptions struct {
	// ContentType is stored and returned as is. Empty means
	// "binary/octet-stream", as in S3. At most 1,024 bytes of UTF-8, no
	// control characters but tab.
	ContentType string

	// Metadata is the object's user metadata (x-amz-meta-*). Names are
	// HTTP header tokens and are stored in lower case, as S3 returns them;
	// two names that differ only in case are refused. Values are UTF-8
	// with no control characters but tab. Names and values together are at
	// most 2 KB (2,048 bytes).
	Metadata map[string]string
}

// ObjectInfo describes a stored object. Each ObjectInfo a bucket returns
// has its own Metadata map: the caller may change it.
type ObjectInfo struct {
	Key          string
	Size         int64             // bytes of body
	ETag         string            // hex MD5 of the body, without the quotes S3 puts around it
	ContentType  string            // as put, or DefaultContentType
	Metadata     map[string]string // user metadata, names in lower case; nil if none
	LastModified time.Time         // the clock's time when Put read the body to its end, in UTC
}

func (o ObjectInfo) clone() ObjectInfo {
	o.Metadata = maps.Clone(o.Metadata)
	return o
}

// ListOptions select a page of a List.
type ListOptions struct {
	// Prefix limits the listing to keys that begin with it.
	Prefix string

	// StartAfter lists only keys after it in byte order. With a
	// ContinuationToken, the listing starts after whichever is later.
	StartAfter string

	// MaxKeys bounds the objects in the page: 1–1,000. Zero means 1,000.
	MaxKeys int

	// ContinuationToken is the NextContinuationToken of the page before.
	ContinuationToken string
}

// ListPage is one page of a List. The caller owns it.
type ListPage struct {
	Objects []ObjectInfo // in UTF-8 binary order of key

	// IsTruncated says more keys match after this page; pass
	// NextContinuationToken in ListOptions to get them.
	IsTruncated           bool
	NextContinuationToken string
}

// PutBytes puts a copy of data under key: b.Put with a reader over data.
func PutBytes(ctx context.Context, b Bucket, key string, data []byte, opts PutOptions) (ObjectInfo, error) {
	return b.Put(ctx, key, bytes.NewReader(data), opts)
}

// GetBytes returns the whole body of the object under key, read into one
// slice the caller owns, and its info. It returns ErrNotFound for a
// missing key.
func GetBytes(ctx context.Context, b Bucket, key string) ([]byte, ObjectInfo, error) {
	rc, info, err := b.Get(ctx, key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	defer rc.Close()
	data := make([]byte, info.Size)
	if _, err := io.ReadFull(rc, data); err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("blob %q: get %q: read body: %w", b.Name(), shortKey(key), err)
	}
	var one [1]byte
	if n, _ := rc.Read(one[:]); n != 0 {
		return nil, ObjectInfo{}, fmt.Errorf("blob %q: get %q: body longer than its size %d", b.Name(), shortKey(key), info.Size)
	}
	return data, info, nil
}

// ctxReader fails its reads once ctx is done, so a Put of a long body stops
// between reads.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
