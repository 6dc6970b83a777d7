package blob

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/benbjohnson/clock"
)

// Dir is a bucket kept in a folder of the file system, one file per
// object, that a later NewDir of the same folder opens again. Make one
// with NewDir; it is safe for concurrent use and needs no Close. Only one
// Dir at a time may use a folder, in one process.
type Dir struct {
	name  string
	clock clock.Clock
	root  string // absolute; holds objects/ and tmp/

	mu      sync.RWMutex
	objects *index[dirObject] // guarded by mu; changes with the files under objects/

	// beforeRename, if set, runs after a Put has written and synced its
	// temp file and before it renames it into place. If it returns an
	// error, Put returns that error and leaves the temp file, as a process
	// that died there would. For tests.
	beforeRename func() error
}

// dirObject is what a Dir keeps in memory of an object: its info, and
// where its body begins in its file.
type dirObject struct {
	info   ObjectInfo
	offset int64
}

// NewDir opens the bucket kept in the folder at path, creating the folder
// if needed. It removes temp files left by Puts that never finished and
// reads the header of every object file into memory; it does not read
// bodies. It returns an error wrapping ErrInvalidConfig for a bad Config or
// an empty path, ErrCorrupt for an object file it cannot read, or the file
// system's error.
func NewDir(path string, cfg Config) (*Dir, error) {
	cfg, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return nil, invalid("path", `""`, "a folder")
	}
	root, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("blob %q: open %s: %w", cfg.Name, path, err)
	}
	d := &Dir{name: cfg.Name, clock: cfg.Clock, root: root, objects: newIndex[dirObject]()}
	if err := d.open(); err != nil {
		return nil, fmt.Errorf("blob %q: open %s: %w", cfg.Name, root, err)
	}
	return d, nil
}

func (d *Dir) objectsDir() string { return filepath.Join(d.root, "objects") }
func (d *Dir) tmpDir() string     { return filepath.Join(d.root, "tmp") }

func (d *Dir) open() error {
	for _, p := range []string{d.objectsDir(), d.tmpDir()} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
	}
	tmps, err := os.ReadDir(d.tmpDir())
	if err != nil {
		return err
	}
	for _, e := range tmps {
		if err := os.RemoveAll(filepath.Join(d.tmpDir(), e.Name())); err != nil {
			return err
		}
	}
	shards, err := os.ReadDir(d.objectsDir())
	if err != nil {
		return err
	}
	for _, s := range shards {
		if !s.IsDir() || len(s.Name()) != 2 || !isHex(s.Name()) {
			continue
		}
		files, err := os.ReadDir(filepath.Join(d.objectsDir(), s.Name()))
		if err != nil {
			return err
		}
		for _, f := range files {
			if !f.Type().IsRegular() || len(f.Name()) != 64 || !isHex(f.Name()) || f.Name()[:2] != s.Name() {
				continue // not an object file: nothing of ours
			}
			info, offset, err := readObjectFile(filepath.Join(d.objectsDir(), s.Name(), f.Name()))
			if err != nil {
				return err
			}
			d.objects.set(info.Key, dirObject{info: info, offset: offset})
		}
	}
	return nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Name returns the bucket's name.
func (d *Dir) Name() string { return d.name }

// Root returns the absolute path of the bucket's folder.
func (d *Dir) Root() string { return d.root }

// path returns the folder and the file of key's object.
func (d *Dir) path(key string) (dir, file string) {
	shard, name := objectName(key)
	dir = filepath.Join(d.objectsDir(), shard)
	return dir, filepath.Join(dir, name)
}

// Put streams body into a temp file, computing its MD5 on the way, syncs
// it and renames it over the key's object file, then syncs the folder. It
// holds no lock while it reads body, and memory for one buffer (128 KiB)
// whatever the size of the object. It blocks on body and on the disk. It
// returns ErrInvalidKey or ErrInvalidArgument for bad input, the error of
// body or of the file system wrapped, or ctx.Err() if ctx is done before
// body ends; then the bucket is unchanged, and the temp file removed. An
// error syncing the folder, after the rename, is returned with the new
// object already in place.
func (d *Dir) Put(ctx context.Context, key string, body io.Reader, opts PutOptions) (ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	if err := checkKey(key); err != nil {
		return ObjectInfo{}, d.errorf("put", key, err)
	}
	ct, meta, err := checkPut(opts)
	if err != nil {
		return ObjectInfo{}, d.errorf("put", key, err)
	}
	header, err := json.Marshal(fileHeader{Key: key, ContentType: ct, Metadata: meta})
	if err != nil {
		return ObjectInfo{}, d.errorf("put", key, err)
	}
	info := ObjectInfo{Key: key, ContentType: ct, Metadata: meta}
	tmp, err := d.writeTemp(ctx, header, body, &info)
	if err != nil {
		if ctx.Err() != nil {
			return ObjectInfo{}, ctx.Err()
		}
		return ObjectInfo{}, d.errorf("put", key, err)
	}
	if d.beforeRename != nil {
		if err := d.beforeRename(); err != nil {
			return ObjectInfo{}, err // as if the process died: the temp file stays
		}
	}
	dir, file := d.path(key)
	if err := d.makeShard(dir); err != nil {
		os.Remove(tmp)
		return ObjectInfo{}, d.errorf("put", key, err)
	}
	d.mu.Lock()
	err = os.Rename(tmp, file)
	if err == nil {
		d.objects.set(key, dirObject{info: info, offset: prefixLen + int64(len(header))})
	}
	d.mu.Unlock()
	if err != nil {
		os.Remove(tmp)
		return ObjectInfo{}, d.errorf("put", key, err)
	}
	if err := syncDir(dir); err != nil {
		return ObjectInfo{}, d.errorf("put", key, err)
	}
	return info.clone(), nil
}

// writeTemp writes an object file with header and the body read from r to
// a new temp file, sets info's Size, ETag and LastModified, and returns
// the file's path. On error it removes the file.
func (d *Dir) writeTemp(ctx context.Context, header []byte, r io.Reader, info *ObjectInfo) (path string, err error) {
	f, err := os.CreateTemp(d.tmpDir(), "put-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	// The prefix is written last, once size, time and MD5 are known.
	if _, err := f.Write(make([]byte, prefixLen)); err != nil {
		return "", err
	}
	if _, err := f.Write(header); err != nil {
		return "", err
	}
	sum := md5.New()
	buf := make([]byte, 128<<10)
	r = ctxReader{ctx, r}
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return "", err
			}
			sum.Write(buf[:n])
			info.Size += int64(n)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return "", fmt.Errorf("read body: %w", rerr)
		}
	}
	info.ETag = hex.EncodeToString(sum.Sum(nil))
	info.LastModified = now(d.clock)
	prefix, err := encodePrefix(len(header), *info)
	if err != nil {
		return "", err
	}
	if _, err := f.WriteAt(prefix, 0); err != nil {
		return "", err
	}
	return f.Name(), f.Sync()
}

// makeShard makes the folder of an object file if it is not there yet,
// and syncs its parent so that the new folder survives a crash.
func (d *Dir) makeShard(dir string) error {
	err := os.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(d.objectsDir())
}

// Get opens the object's file and returns a reader over its body, which
// is also an io.Seeker and io.ReaderAt, and its info, or ErrNotFound. The
// caller must close the reader. It blocks only on the disk. The reader
// keeps reading the object as it was when Get returned, even if a later
// Put or Delete replaces or removes its file (on systems where an open file
// outlives its name, as Linux and macOS).
func (d *Dir) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, ObjectInfo{}, err
	}
	if err := checkKey(key); err != nil {
		return nil, ObjectInfo{}, d.errorf("get", key, err)
	}
	_, file := d.path(key)
	d.mu.RLock()
	o, ok := d.objects.get(key)
	var f *os.File
	var err error
	if ok {
		f, err = os.Open(file) // under the lock: the file is the one o describes
	}
	d.mu.RUnlock()
	if !ok {
		return nil, ObjectInfo{}, d.errorf("get", key, ErrNotFound)
	}
	if err != nil {
		return nil, ObjectInfo{}, d.errorf("get", key, err)
	}
	body := fileBody{io.NewSectionReader(f, o.offset, o.info.Size), f}
	return body, o.info.clone(), nil
}

// Head returns the object's info, or ErrNotFound. It does not block or
// touch the disk.
func (d *Dir) Head(ctx context.Context, key string) (ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	if err := checkKey(key); err != nil {
		return ObjectInfo{}, d.errorf("head", key, err)
	}
	d.mu.RLock()
	o, ok := d.objects.get(key)
	d.mu.RUnlock()
	if !ok {
		return ObjectInfo{}, d.errorf("head", key, ErrNotFound)
	}
	return o.info.clone(), nil
}

// Delete removes the object's file, if there is one, and syncs its folder.
// It blocks only on the disk. It returns ErrInvalidKey for a bad key, or
// the file system's error wrapped, leaving the object in place.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return d.errorf("delete", key, err)
	}
	dir, file := d.path(key)
	d.mu.Lock()
	_, ok := d.objects.get(key)
	var err error
	if ok {
		if err = os.Remove(file); err == nil || errors.Is(err, fs.ErrNotExist) {
			err = nil
			d.objects.remove(key)
		}
	}
	d.mu.Unlock()
	if err == nil && ok {
		err = syncDir(dir)
	}
	if err != nil {
		return d.errorf("delete", key, err)
	}
	return nil
}

// List returns a page of objects by key order, from memory: it does not
// block or touch the disk. It returns ErrInvalidArgument for bad options.
func (d *Dir) List(ctx context.Context, opts ListOptions) (ListPage, error) {
	if err := ctx.Err(); err != nil {
		return ListPage{}, err
	}
	r, err := checkList(opts)
	if err != nil {
		return ListPage{}, fmt.Errorf("blob %q: list: %w", d.name, err)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	vals, more := d.objects.page(r)
	return listPage(vals, more, func(o dirObject) ObjectInfo { return o.info }), nil
}

// Len returns how many objects the bucket holds.
func (d *Dir) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.objects.len()
}

func (d *Dir) errorf(op, key string, err error) error {
	return fmt.Errorf("blob %q: %s %q: %w", d.name, op, shortKey(key), err)
}
