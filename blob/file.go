package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// An object file holds one object of a Dir: a fixed prefix, a JSON header,
// then the body.
//
//	offset  size  field
//	0       4     magic "SBO1"
//	4       4     length of the JSON header, big-endian
//	8       8     size of the body, big-endian
//	16      8     LastModified, Unix seconds, big-endian
//	24      4     LastModified, nanoseconds, big-endian
//	28      16    MD5 of the body
//	44      n     JSON header: key, content type, metadata
//	44+n    size  body
//
// Put writes the prefix last (the size, time and MD5 are known only once
// the body is written), in a temp file that becomes the object file by a
// rename. The name of an object file is the hex SHA-256 of its key, under
// a folder named by the first two hex digits, so that any key maps to a
// path inside the bucket's root.
const (
	fileMagic     = "SBO1"
	prefixLen     = 44
	maxHeaderJSON = 64 << 10 // far more than a key, content type and metadata need
)

// fileHeader is the JSON header of an object file.
type fileHeader struct {
	Key         string            `json:"key"`
	ContentType string            `json:"contentType"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// objectName returns the file name of key's object and the folder under
// objects/ that holds it.
func objectName(key string) (shard, name string) {
	sum := sha256.Sum256([]byte(key))
	name = hex.EncodeToString(sum[:])
	return name[:2], name
}

// encodePrefix returns the fixed prefix of an object file.
func encodePrefix(headerLen int, info ObjectInfo) ([]byte, error) {
	sum, err := hex.DecodeString(info.ETag)
	if err != nil || len(sum) != 16 {
		return nil, fmt.Errorf("bad etag %q", info.ETag)
	}
	p := make([]byte, 0, prefixLen)
	p = append(p, fileMagic...)
	p = binary.BigEndian.AppendUint32(p, uint32(headerLen))
	p = binary.BigEndian.AppendUint64(p, uint64(info.Size))
	p = binary.BigEndian.AppendUint64(p, uint64(info.LastModified.Unix()))
	p = binary.BigEndian.AppendUint32(p, uint32(info.LastModified.Nanosecond()))
	return append(p, sum...), nil
}

// readObjectFile reads the info of the object file at path, checking that
// it is whole and belongs to the key its name says, and returns where its
// body begins. Its errors wrap ErrCorrupt, or are the file system's.
func readObjectFile(path string) (ObjectInfo, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return ObjectInfo{}, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ObjectInfo{}, 0, err
	}
	corrupt := func(format string, args ...any) (ObjectInfo, int64, error) {
		return ObjectInfo{}, 0, fmt.Errorf("%w: %s: %s", ErrCorrupt, path, fmt.Sprintf(format, args...))
	}
	var p [prefixLen]byte
	if _, err := io.ReadFull(f, p[:]); err != nil {
		return corrupt("short prefix: %v", err)
	}
	if !bytes.Equal(p[:4], []byte(fileMagic)) {
		return corrupt("no magic number")
	}
	headerLen := int64(binary.BigEndian.Uint32(p[4:]))
	size := int64(binary.BigEndian.Uint64(p[8:]))
	sec := int64(binary.BigEndian.Uint64(p[16:]))
	nsec := int64(binary.BigEndian.Uint32(p[24:]))
	if headerLen > maxHeaderJSON || size < 0 || nsec >= 1e9 {
		return corrupt("bad prefix")
	}
	if want := prefixLen + headerLen + size; st.Size() != want {
		return corrupt("%d bytes, want %d", st.Size(), want)
	}
	raw := make([]byte, headerLen)
	if _, err := io.ReadFull(f, raw); err != nil {
		return corrupt("short header: %v", err)
	}
	var h fileHeader
	if err := json.Unmarshal(raw, &h); err != nil {
		return corrupt("header: %v", err)
	}
	if checkKey(h.Key) != nil {
		return corrupt("bad key %q", shortKey(h.Key))
	}
	if _, name := objectName(h.Key); name != filepath.Base(path) {
		return corrupt("holds key %q, which is not its name", shortKey(h.Key))
	}
	if len(h.Metadata) == 0 {
		h.Metadata = nil
	}
	info := ObjectInfo{
		Key:          h.Key,
		Size:         size,
		ETag:         hex.EncodeToString(p[28:44]),
		ContentType:  h.ContentType,
		Metadata:     h.Metadata,
		LastModified: time.Unix(sec, nsec).UTC(),
	}
	return info, prefixLen + headerLen, nil
}

// fileBody is the body of an object file, as Get returns it.
type fileBody struct {
	*io.SectionReader
	f *os.File
}

func (b fileBody) Close() error { return b.f.Close() }

// syncDir flushes a folder's entries (a rename or remove in it) to disk.
func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
