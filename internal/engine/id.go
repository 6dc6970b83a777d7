package engine

import (
	"encoding/binary"
	"math/rand/v2"
)

// NewID returns a random (version 4) UUID in its text form, made as message
// IDs are: for the other IDs the queue packages hand out.
func NewID() string {
	var b [36]byte
	newID(&b)
	return string(b[:])
}

// newID writes a random (version 4) UUID in its 36-character text form into
// dst. The bits come from math/rand/v2's global generator: ChaCha8 with
// per-thread state seeded by the operating system, as unpredictable as
// crypto/rand for this purpose, lock-free, and free of system calls.
func newID(dst *[36]byte) {
	var u [16]byte
	binary.BigEndian.PutUint64(u[:8], rand.Uint64())
	binary.BigEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	for i, at := range uuidDigits {
		dst[at], dst[at+1] = hexPairs[2*int(u[i])], hexPairs[2*int(u[i])+1]
	}
	dst[8], dst[13], dst[18], dst[23] = '-', '-', '-', '-'
}

// uuidDigits is where the two hex digits of each UUID byte go.
var uuidDigits = [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

const hexDigits = "0123456789abcdef"
