package engine

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
)

// idGen makes random (version 4) UUIDs from a ChaCha8 stream seeded from
// crypto/rand: as unpredictable as uuid.New for our purposes, and fast enough
// to run under the engine's lock without a system call or an allocation.
type idGen struct {
	src *rand.ChaCha8
}

func newIDGen() idGen {
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // crypto/rand.Read never fails on supported platforms
	return idGen{src: rand.NewChaCha8(seed)}
}

const hexDigits = "0123456789abcdef"

// fill writes a new UUID in its 36-character text form into dst.
func (g idGen) fill(dst *[36]byte) {
	var u [16]byte
	binary.BigEndian.PutUint64(u[:8], g.src.Uint64())
	binary.BigEndian.PutUint64(u[8:], g.src.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	j := 0
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = hexPairs[2*int(b)], hexPairs[2*int(b)+1]
		j += 2
	}
}
