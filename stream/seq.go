package stream

import (
	"fmt"
	"strconv"
)

// SequenceNumber identifies a record in its stream. It is assigned at put
// and grows with every record written to the stream, so the numbers of one
// shard increase in the order the shard stored its records, and no two
// records of a stream share one. The zero SequenceNumber is no record.
//
// Its String form is the decimal string Kinesis APIs carry (32 digits
// here); ParseSequenceNumber reads it back. A SequenceNumber is a small
// value: comparing two is cheap, and its string is made only when asked
// for.
type SequenceNumber struct {
	n     uint64 // position in the stream's write order, from 1
	shard uint32 // index of the shard the record went to
}

// seqPrefix and the fixed width make the decimal form sort as the numbers
// do and keep it from starting with a zero.
const (
	seqPrefix = "49"
	seqLen    = len(seqPrefix) + 20 + 10
)

// IsZero reports whether s is the zero SequenceNumber.
func (s SequenceNumber) IsZero() bool { return s.n == 0 }

// Compare returns -1, 0 or +1 as s is before, equal to or after o in the
// stream's write order.
func (s SequenceNumber) Compare(o SequenceNumber) int {
	switch {
	case s.n < o.n:
		return -1
	case s.n > o.n:
		return 1
	}
	return 0
}

// String returns the decimal form: "49", the write position in 20 digits,
// the shard's index in 10. The zero SequenceNumber gives "".
func (s SequenceNumber) String() string {
	if s.n == 0 {
		return ""
	}
	var buf [seqLen]byte
	copy(buf[:], seqPrefix)
	putDigits(buf[len(seqPrefix):len(seqPrefix)+20], s.n)
	putDigits(buf[len(seqPrefix)+20:], uint64(s.shard))
	return string(buf[:])
}

func putDigits(b []byte, n uint64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}

// ParseSequenceNumber reads the String form of a sequence number. It
// returns an error wrapping ErrInvalidSequenceNumber for any other string.
func ParseSequenceNumber(str string) (SequenceNumber, error) {
	bad := func() (SequenceNumber, error) {
		return SequenceNumber{}, fmt.Errorf("%w: %q is not %d digits starting %s", ErrInvalidSequenceNumber, str, seqLen, seqPrefix)
	}
	if len(str) != seqLen || str[:len(seqPrefix)] != seqPrefix {
		return bad()
	}
	for i := 0; i < len(str); i++ {
		if str[i] < '0' || str[i] > '9' {
			return bad()
		}
	}
	n, err := strconv.ParseUint(str[len(seqPrefix):len(seqPrefix)+20], 10, 64)
	if err != nil || n == 0 {
		return bad()
	}
	shard, err := strconv.ParseUint(str[len(seqPrefix)+20:], 10, 32)
	if err != nil {
		return bad()
	}
	return SequenceNumber{n: n, shard: uint32(shard)}, nil
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (s SequenceNumber) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; the empty string is the
// zero SequenceNumber.
func (s *SequenceNumber) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = SequenceNumber{}
		return nil
	}
	v, err := ParseSequenceNumber(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
