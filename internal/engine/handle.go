package engine

import (
	"encoding/binary"
	"hash/maphash"
)

// A receipt handle names one receive of one message: the record's slot, the
// record's serial (so a reused slot is told apart), the receive serial (so an
// earlier receive of the same message is told apart) and a keyed checksum
// that proves this engine issued it. It travels as 56 hex digits.
type handle struct {
	slot  uint32
	seq   uint64
	nonce uint64
}

const (
	handleRaw = 4 + 8 + 8 + 8
	handleLen = 2 * handleRaw
)

func (e *core) sum(b []byte) uint64 { return maphash.Bytes(e.seed, b) }

// encodeHandle returns the text form of h.
func (e *core) encodeHandle(h handle) string {
	var raw [handleRaw]byte
	binary.BigEndian.PutUint32(raw[0:], h.slot)
	binary.BigEndian.PutUint64(raw[4:], h.seq)
	binary.BigEndian.PutUint64(raw[12:], h.nonce)
	binary.BigEndian.PutUint64(raw[20:], e.sum(raw[:20]))
	var out [handleLen]byte
	for i, b := range raw {
		out[2*i], out[2*i+1] = hexPairs[2*int(b)], hexPairs[2*int(b)+1]
	}
	return string(out[:])
}

// decodeHandle parses s; ok is false when s is malformed or was not issued
// by this engine.
func (e *core) decodeHandle(s string) (h handle, ok bool) {
	if len(s) != handleLen {
		return h, false
	}
	s = s[:handleLen]
	var raw [handleRaw]byte
	bad := byte(0)
	for i := range raw {
		hi, lo := unhexTab[s[2*i]], unhexTab[s[2*i+1]]
		bad |= hi | lo
		raw[i] = hi<<4 | lo
	}
	if bad&0xf0 != 0 {
		return h, false
	}
	if binary.BigEndian.Uint64(raw[20:]) != e.sum(raw[:20]) {
		return h, false
	}
	h.slot = binary.BigEndian.Uint32(raw[0:])
	h.seq = binary.BigEndian.Uint64(raw[4:])
	h.nonce = binary.BigEndian.Uint64(raw[12:])
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
