package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// Memory is a bucket that keeps its objects in memory. Make one with
// NewMemory; it is safe for concurrent use and needs no Close.
type Memory struct {
	name  string
	clock clock.Clock

	mu      sync.RWMutex
	objects *index[memObject] // guarded by mu
}

// memObject is one stored object. Its data is never written after Put
// stores it: a later Put replaces the whole memObject.
type memObject struct {
	data []byte
	info ObjectInfo
}

// NewMemory returns an empty bucket held in memory. It returns an error
// wrapping ErrInvalidConfig for a bad Config.
func NewMemory(cfg Config) (*Memory, error) {
	cfg, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	return &Memory{name: cfg.Name, clock: cfg.Clock, objects: newIndex[memObject]()}, nil
}

// Name returns the bucket's name.
func (m *Memory) Name() string { return m.name }

// Put reads body to its end into one new slice and stores it under key,
// replacing any object there. It blocks only on body. It returns
// ErrInvalidKey or ErrInvalidArgument for bad input, the error of body
// wrapped, or ctx.Err() if ctx is done before body ends; then the bucket
// is unchanged.
func (m *Memory) Put(ctx context.Context, key string, body io.Reader, opts PutOptions) (ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	if err := checkKey(key); err != nil {
		return ObjectInfo{}, m.errorf("put", key, err)
	}
	ct, meta, err := checkPut(opts)
	if err != nil {
		return ObjectInfo{}, m.errorf("put", key, err)
	}
	data, err := readAll(ctxReader{ctx, body}, lenHint(body))
	if err != nil {
		if ctx.Err() != nil {
			return ObjectInfo{}, ctx.Err()
		}
		return ObjectInfo{}, m.errorf("put", key, fmt.Errorf("read body: %w", err))
	}
	sum := md5.Sum(data)
	info := ObjectInfo{
		Key:          key,
		Size:         int64(len(data)),
		ETag:         hex.EncodeToString(sum[:]),
		ContentType:  ct,
		Metadata:     meta,
		LastModified: now(m.clock),
	}
	m.mu.Lock()
	m.objects.set(key, memObject{data: data, info: info})
	m.mu.Unlock()
	return info.clone(), nil
}

// Get returns a reader over the object's bytes and its info, or
// ErrNotFound. It does not block. The reader needs no Close but takes one.
func (m *Memory) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	o, err := m.lookup(ctx, "get", key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	return io.NopCloser(bytes.NewReader(o.data)), o.info.clone(), nil
}

// Head returns the object's info, or ErrNotFound. It does not block.
func (m *Memory) Head(ctx context.Context, key string) (ObjectInfo, error) {
	o, err := m.lookup(ctx, "head", key)
	if err != nil {
		return ObjectInfo{}, err
	}
	return o.info.clone(), nil
}

func (m *Memory) lookup(ctx context.Context, op, key string) (memObject, error) {
	if err := ctx.Err(); err != nil {
		return memObject{}, err
	}
	if err := checkKey(key); err != nil {
		return memObject{}, m.errorf(op, key, err)
	}
	m.mu.RLock()
	o, ok := m.objects.get(key)
	m.mu.RUnlock()
	if !ok {
		return memObject{}, m.errorf(op, key, ErrNotFound)
	}
	return o, nil
}

// Delete removes the object under key, if there is one. It does not block.
// Readers from an earlier Get still read the whole object.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return m.errorf("delete", key, err)
	}
	m.mu.Lock()
	m.objects.remove(key)
	m.mu.Unlock()
	return nil
}

// List returns a page of objects by key order. It does not block. It
// returns ErrInvalidArgument for bad options.
func (m *Memory) List(ctx context.Context, opts ListOptions) (ListPage, error) {
	if err := ctx.Err(); err != nil {
		return ListPage{}, err
	}
	r, err := checkList(opts)
	if err != nil {
		return ListPage{}, fmt.Errorf("blob %q: list: %w", m.name, err)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	vals, more := m.objects.page(r)
	return listPage(vals, more, func(o memObject) ObjectInfo { return o.info }), nil
}

// Len returns how many objects the bucket holds.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.objects.len()
}

func (m *Memory) errorf(op, key string, err error) error {
	return fmt.Errorf("blob %q: %s %q: %w", m.name, op, shortKey(key), err)
}

// now reads the clock for a LastModified time: in UTC, without a
// monotonic reading, so that it compares equal to itself read back from a
// file.
func now(c clock.Clock) time.Time { return c.Now().UTC().Round(0) }

// lenHint returns the bytes left in r if r knows them (a *bytes.Reader,
// *strings.Reader or *bytes.Buffer does), or -1.
func lenHint(r io.Reader) int {
	if l, ok := r.(interface{ Len() int }); ok {
		return l.Len()
	}
	return -1
}

// readAll reads r to its end into one slice. With a hint of the length the
// slice is made that size at once (and one byte more, to see io.EOF
// without growing); otherwise it grows as io.ReadAll's does.
func readAll(r io.Reader, hint int) ([]byte, error) {
	b := make([]byte, 0, max(hint+1, 512))
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}
