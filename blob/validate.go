package blob

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"unicode/utf8"
)

// checkKey validates an object key: 1–1,024 bytes of valid UTF-8.
func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case len(key) > MaxKeyLength:
		return fmt.Errorf("%w: %d bytes, want at most %d", ErrInvalidKey, len(key), MaxKeyLength)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidKey)
	}
	return nil
}

// shortKey is key cut to a length an error message can carry.
func shortKey(key string) string {
	const max = 64
	if len(key) <= max {
		return key
	}
	return key[:max] + "…"
}

// checkPut validates PutOptions and returns the content type to store
// (the default for none) and a copy of the metadata with names in lower
// case (nil for none).
func checkPut(opts PutOptions) (string, map[string]string, error) {
	ct := opts.ContentType
	if ct == "" {
		ct = DefaultContentType
	}
	if len(ct) > MaxContentType {
		return "", nil, fmt.Errorf("%w: content type of %d bytes, at most %d", ErrInvalidArgument, len(ct), MaxContentType)
	}
	if !headerValue(ct) {
		return "", nil, fmt.Errorf("%w: content type %q: want UTF-8 without control characters", ErrInvalidArgument, ct)
	}
	if len(opts.Metadata) == 0 {
		return ct, nil, nil
	}
	meta := make(map[string]string, len(opts.Metadata))
	size := 0
	for name, value := range opts.Metadata {
		if !token(name) {
			return "", nil, fmt.Errorf("%w: metadata name %q: want an HTTP header token", ErrInvalidArgument, name)
		}
		if !headerValue(value) {
			return "", nil, fmt.Errorf("%w: metadata %q: value %q: want UTF-8 without control characters", ErrInvalidArgument, name, value)
		}
		lower := strings.ToLower(name)
		if _, dup := meta[lower]; dup {
			return "", nil, fmt.Errorf("%w: metadata names differ only in case: %q", ErrInvalidArgument, lower)
		}
		meta[lower] = value
		size += len(name) + len(value)
	}
	if size > MaxMetadataSize {
		return "", nil, fmt.Errorf("%w: user metadata of %d bytes, at most %d", ErrInvalidArgument, size, MaxMetadataSize)
	}
	return ct, meta, nil
}

// token reports whether s is an HTTP token (RFC 9110): what may follow
// x-amz-meta- in a header name.
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// headerValue reports whether s is valid UTF-8 with no control character
// but tab.
func headerValue(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// listRange is a checked ListOptions: the keys to list are those with
// prefix, after after (in byte order), at most max of them.
type listRange struct {
	prefix, after string
	max           int
}

func checkList(opts ListOptions) (listRange, error) {
	r := listRange{prefix: opts.Prefix, after: opts.StartAfter, max: opts.MaxKeys}
	switch {
	case r.max == 0:
		r.max = MaxListKeys
	case r.max < 0 || r.max > MaxListKeys:
		return r, fmt.Errorf("%w: MaxKeys = %d, want 0–%d", ErrInvalidArgument, opts.MaxKeys, MaxListKeys)
	}
	if len(r.prefix) > MaxKeyLength || !utf8.ValidString(r.prefix) {
		return r, fmt.Errorf("%w: Prefix %q: want at most %d bytes of UTF-8", ErrInvalidArgument, shortKey(r.prefix), MaxKeyLength)
	}
	if len(r.after) > MaxKeyLength || !utf8.ValidString(r.after) {
		return r, fmt.Errorf("%w: StartAfter %q: want at most %d bytes of UTF-8", ErrInvalidArgument, shortKey(r.after), MaxKeyLength)
	}
	if opts.ContinuationToken != "" {
		last, ok := decodeToken(opts.ContinuationToken)
		if !ok {
			return r, fmt.Errorf("%w: ContinuationToken %q: not one this package issued", ErrInvalidArgument, shortKey(opts.ContinuationToken))
		}
		r.after = max(r.after, last)
	}
	return r, nil
}

// A continuation token is the last key of its page and a CRC-32 of it, in
// unpadded URL-safe base64: opaque to callers, checked when it comes back.
func encodeToken(last string) string {
	b := make([]byte, 0, len(last)+4)
	b = append(b, last...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE([]byte(last)))
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 5 {
		return "", false
	}
	key, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(key) != sum || checkKey(string(key)) != nil {
		return "", false
	}
	return string(key), true
}
