package filter

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON of policies is read into a small tree of jvalues that keeps the
// order of object members and the exact text of numbers. Bodies are not:
// body.go scans them in place with the lexing helpers of this file.

// jkind is the kind of a JSON value.
type jkind uint8

const (
	jNull jkind = iota
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
)

func (k jkind) String() string {
	switch k {
	case jNull:
		return "null"
	case jFalse:
		return "false"
	case jTrue:
		return "true"
	case jNumber:
		return "number"
	case jString:
		return "string"
	case jArray:
		return "array"
	default:
		return "object"
	}
}

// jvalue is a parsed JSON value of a policy.
type jvalue struct {
	kind    jkind
	text    string // a string's decoded content, or a number's text
	elems   []jvalue
	members []jmember
}

type jmember struct {
	key string
	val jvalue
}

// maxPolicyDepth bounds the nesting of a policy's JSON. Any policy nested
// deeper has more than 150 combinations anyway (every level of keys or of
// $or adds at least one), so the bound only keeps the parser's recursion
// short.
const maxPolicyDepth = 1000

// parsePolicyJSON parses one JSON value filling the whole of s.
func parsePolicyJSON(s string) (jvalue, error) {
	p := jparser{s: s}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return jvalue{}, err
	}
	p.space()
	if p.i != len(p.s) {
		return jvalue{}, p.errorf("unexpected %s after the JSON value", p.what())
	}
	return v, nil
}

type jparser struct {
	s string
	i int
}

func (p *jparser) errorf(format string, args ...any) error {
	return fmt.Errorf("failed to parse JSON at offset %d: "+format, append([]any{p.i}, args...)...)
}

// what names the byte at the cursor for an error message.
func (p *jparser) what() string {
	if p.i >= len(p.s) {
		return "end of input"
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return fmt.Sprintf("character %q", r)
}

func (p *jparser) space() { p.i = skipSpace(p.s, p.i) }

func (p *jparser) value(depth int) (jvalue, error) {
	if depth > maxPolicyDepth {
		return jvalue{}, p.errorf("nesting deeper than %d levels", maxPolicyDepth)
	}
	if p.i >= len(p.s) {
		return jvalue{}, p.errorf("unexpected end of input")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		end, esc, ok := scanString(p.s, p.i)
		if !ok {
			return jvalue{}, p.errorf("malformed string")
		}
		raw := p.s[p.i+1 : end-1]
		p.i = end
		if esc {
			raw = unescape(raw)
		}
		return jvalue{kind: jString, text: raw}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		end, ok := scanNumber(p.s, p.i)
		if !ok {
			return jvalue{}, p.errorf("malformed number")
		}
		v := jvalue{kind: jNumber, text: p.s[p.i:end]}
		p.i = end
		return v, nil
	default:
		for _, lit := range [...]struct {
			word string
			kind jkind
		}{{"true", jTrue}, {"false", jFalse}, {"null", jNull}} {
			if strings.HasPrefix(p.s[p.i:], lit.word) {
				p.i += len(lit.word)
				return jvalue{kind: lit.kind}, nil
			}
		}
		return jvalue{}, p.errorf("unexpected %s", p.what())
	}
}

func (p *jparser) object(depth int) (jvalue, error) {
	p.i++ // {
	v := jvalue{kind: jObject}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return jvalue{}, p.errorf("expected a member name, found %s", p.what())
		}
		end, esc, ok := scanString(p.s, p.i)
		if !ok {
			return jvalue{}, p.errorf("malformed string")
		}
		key := p.s[p.i+1 : end-1]
		if esc {
			key = unescape(key)
		}
		p.i = end
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return jvalue{}, p.errorf("expected ':', found %s", p.what())
		}
		p.i++
		p.space()
		val, err := p.value(depth + 1)
		if err != nil {
			return jvalue{}, err
		}
		v.members = append(v.members, jmember{key: key, val: val})
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return v, nil
		}
		return jvalue{}, p.errorf("expected ',' or '}', found %s", p.what())
	}
}

func (p *jparser) array(depth int) (jvalue, error) {
	p.i++ // [
	v := jvalue{kind: jArray}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		p.space()
		val, err := p.value(depth + 1)
		if err != nil {
			return jvalue{}, err
		}
		v.elems = append(v.elems, val)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return v, nil
		}
		return jvalue{}, p.errorf("expected ',' or ']', found %s", p.what())
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString reads the JSON string starting at s[i] (a quote) and returns
// the index just after its closing quote, whether it holds escapes, and
// whether it is well formed (valid escapes, no raw control characters).
func scanString(s string, i int) (end int, escaped, ok bool) {
	i++
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			return i + 1, escaped, true
		case c == '\\':
			escaped = true
			if i+1 >= len(s) {
				return 0, false, false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || !isHex4(s[i+2:i+6]) {
					return 0, false, false
				}
				i += 6
			default:
				return 0, false, false
			}
		case c < 0x20:
			return 0, false, false
		default:
			i++
		}
	}
	return 0, false, false
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		if hexVal(s[i]) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// unescape decodes the content of a well-formed JSON string (scanString
// said so). Lone surrogates become U+FFFD, as in encoding/json.
func unescape(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r := rune(hex4(raw[i+2 : i+6]))
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if r2 := utf16.DecodeRune(r, rune(hex4(raw[i+2:i+6]))); r2 != utf8.RuneError {
						b.WriteRune(r2)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
			continue
		default: // " \ /
			b.WriteByte(raw[i+1])
		}
		i += 2
	}
	return b.String()
}

func hex4(s string) int {
	return hexVal(s[0])<<12 | hexVal(s[1])<<8 | hexVal(s[2])<<4 | hexVal(s[3])
}

// scanNumber reads the JSON number starting at s[i] and returns the index
// just after it, and whether it follows the JSON grammar.
func scanNumber(s string, i int) (int, bool) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return 0, false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return 0, false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
