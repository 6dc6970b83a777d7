package engine

import (
	"encoding/binary"
	"hash/maphash"
)

// A receipt handle names one receive of one message: the record's slot, the
// record's serial (so a reused slot is told apart), the receive serial (so an
// earlier receive of the same message is told apart) and a keyed checksum
// that proves this engine issued it. It travels as 56 hex digits. With
// StrictHandles it also carries the end of the visibility timeout the
// receive set (72 hex digits), so a handle can be found expired even after
// its message is gone.
type handle struct {
	slot  uint32
	seq   uint64
	nonce uint64
	due   int64 // with StrictHandles only
}

const (
	handleRaw       = 4 + 8 + 8 + 8
	handleLen       = 2 * handleRaw
	strictHandleRaw = handleRaw + 8
	strictHandleLen = 2 * strictHandleRaw
)

func (e *core) sum(b []byte) uint64 { return maphash.Bytes(e.seed, b) }

func (e *core) rawLen() int {
	if e.strict {
		return strictHandleRaw
	}
	return handleRaw
}

// encodeHandle returns the text form of h.
func (e *core) encodeHandle(h handle) string {
	var buf [strictHandleRaw]byte
	raw := buf[:e.rawLen()]
	binary.BigEndian.PutUint32(raw[0:], h.slot)
	binary.BigEndian.PutUint64(raw[4:], h.seq)
	binary.BigEndian.PutUint64(raw[12:], h.nonce)
	body := raw[:20]
	if e.strict {
		binary.BigEndian.PutUint64(raw[20:], uint64(h.due))
		body = raw[:28]
	}
	binary.BigEndian.PutUint64(raw[len(body):], e.sum(body))
	var out [strictHandleLen]byte
	for i, b := range raw {
		out[2*i], out[2*i+1] = hexPairs[2*int(b)], hexPairs[2*int(b)+1]
	}
	return string(out[:2*len(raw)])
}

// decodeHandle parses s; ok is false when s is malformed or was not issued
// by this engine.
func (e *core) decodeHandle(s string) (h handle, ok bool) {
	n := e.rawLen()
	if len(s) != 2*n {
		return h, false
	}
	var buf [strictHandleRaw]byte
	raw := buf[:n]
	bad := byte(0)
	for i := range raw {
		hi, lo := unhexTab[s[2*i]], unhexTab[s[2*i+1]]
		bad |= hi | lo
		raw[i] = hi<<4 | lo
	}
	if bad&0xf0 != 0 {
		return h, false
	}
	if binary.BigEndian.Uint64(raw[n-8:]) != e.sum(raw[:n-8]) {
		return h, false
	}
	h.slot = binary.BigEndian.Uint32(raw[0:])
	h.seq = binary.BigEndian.Uint64(raw[4:])
	h.nonce = binary.BigEndian.Uint64(raw[12:])
	if e.strict {
		h.due = int64(binary.BigEndian.Uint64(raw[20:]))
	}
	return h, true
}

// hexPairs holds the two lowercase hex digits of every byte value.
var hexPairs = func() (t [512]byte) {
	for b := range 256 {
		t[2*b], t[2*b+1] = hexDigits[b>>4], hexDigits[b&0xf]
	}
	return t
}()

// unhexTab maps a lowercase hex digit to its value and anything else to 0xff.
var unhexTab = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := range 16 {
		t[hexDigits[i]] = byte(i)
	}
	return t
}()
