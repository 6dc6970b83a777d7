package sqsmsg

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"
)

// CheckMessage validates a message and returns its size as SQS counts it:
// body plus every attribute's name, data type and value, in bytes.
func CheckMessage(body string, attrs map[string]Attribute, maxSize int) (int, error) {
	if body == "" {
		return 0, ErrEmptyBody
	}
	if i := InvalidChar(body); i >= 0 {
		return 0, fmt.Errorf("%w: body has a character SQS does not allow at byte %d", ErrInvalidMessageContents, i)
	}
	size := len(body)
	if len(attrs) > MaxAttributes {
		return 0, fmt.Errorf("%w: %d attributes, at most %d", ErrInvalidAttribute, len(attrs), MaxAttributes)
	}
	for name, a := range attrs {
		n, err := checkAttribute(name, a)
		if err != nil {
			return 0, err
		}
		size += n
	}
	if size > maxSize {
		return 0, fmt.Errorf("%w: %d bytes, at most %d", ErrMessageTooLarge, size, maxSize)
	}
	return size, nil
}

// InvalidChar returns the byte offset of the first character outside the
// SQS set (#x9 #xA #xD #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF, as valid
// UTF-8), or -1. Runs of printable ASCII, the common case, are checked eight
// bytes at a time.
func InvalidChar(s string) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	i := 0
	for i < len(s) {
		if i+8 <= len(s) {
			x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
			// no byte >= 0x80, and no byte < 0x20
			if x&highs == 0 && (x-0x20*ones)&^x&highs == 0 {
				i += 8
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
			return i
		}
		i += n
	}
	return -1
}

// checkAttribute validates one attribute and returns the bytes it counts
// toward the message size.
func checkAttribute(name string, a Attribute) (int, error) {
	bad := func(format string, args ...any) (int, error) {
		return 0, fmt.Errorf("%w: %q: %s", ErrInvalidAttribute, name, fmt.Sprintf(format, args...))
	}
	if msg := attributeNameProblem(name); msg != "" {
		return bad("name %s", msg)
	}
	base, label, hasLabel := strings.Cut(a.DataType, ".")
	switch {
	case len(a.DataType) > 256:
		return bad("data type longer than 256 characters")
	case base != "String" && base != "Number" && base != "Binary":
		return bad("data type %q, want String, Number or Binary, optionally with .label", a.DataType)
	case hasLabel && (label == "" || InvalidChar(label) >= 0):
		return bad("data type %q has an empty or invalid custom label", a.DataType)
	}
	if base == "Binary" {
		if len(a.BinaryValue) == 0 {
			return bad("Binary attribute needs a non-empty BinaryValue")
		}
		if a.StringValue != "" {
			return bad("Binary attribute must not have a StringValue")
		}
		return len(name) + len(a.DataType) + len(a.BinaryValue), nil
	}
	if a.BinaryValue != nil {
		return bad("%s attribute must not have a BinaryValue", base)
	}
	if a.StringValue == "" {
		return bad("%s attribute needs a non-empty StringValue", base)
	}
	if InvalidChar(a.StringValue) >= 0 {
		return 0, fmt.Errorf("%w: attribute %q has a character SQS does not allow", ErrInvalidMessageContents, name)
	}
	if base == "Number" {
		if msg := numberProblem(a.StringValue); msg != "" {
			return bad("Number %q %s", a.StringValue, msg)
		}
	}
	return len(name) + len(a.DataType) + len(a.StringValue), nil
}

// attributeNameProblem returns why name is not a valid SQS attribute name,
// or "".
func attributeNameProblem(name string) string {
	if name == "" || len(name) > 256 {
		return "must be 1–256 characters"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return "may hold only A-Z a-z 0-9 _ - ."
		}
	}
	lower := strings.ToLower(name)
	switch {
	case strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon."):
		return "must not start with AWS. or Amazon."
	case name[0] == '.' || name[len(name)-1] == '.':
		return "must not start or end with a period"
	case strings.Contains(name, ".."):
		return "must not hold two periods in a row"
	}
	return ""
}

// numberProblem returns why s is not an SQS Number (a decimal with up to 38
// significant digits, magnitude from 10^-128 to 10^+126), or "".
func numberProblem(s string) string {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	var digits []byte // mantissa digits, point removed
	point := -1       // digits before the point
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			digits = append(digits, c)
		case c == '.' && point < 0:
			point = len(digits)
		default:
			goto exponent
		}
	}
exponent:
	if len(digits) == 0 {
		return "is not a number"
	}
	if point < 0 {
		point = len(digits)
	}
	exp := 0
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return "is not a number"
		}
		i++
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return "is not a number"
		}
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return "is not a number"
			}
			if exp < 10000 {
				exp = exp*10 + int(c-'0')
			}
		}
		if neg {
			exp = -exp
		}
	}
	first := 0
	for first < len(digits) && digits[first] == '0' {
		first++
	}
	if first == len(digits) {
		return "" // zero
	}
	last := len(digits)
	for digits[last-1] == '0' {
		last--
	}
	if last-first > 38 {
		return "has more than 38 significant digits"
	}
	// value = d.ddd × 10^mag
	mag := point - first - 1 + exp
	if mag < -128 || mag > 126 || mag == 126 && (last-first > 1 || digits[first] != '1') {
		return "is outside 10^-128 … 10^126 in magnitude"
	}
	return ""
}
