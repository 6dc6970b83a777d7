package filter

import (
	"net/netip"
	"strconv"
	"strings"
)

// A matcher is one element of a key's array in a policy: a literal or one
// operator. It is compiled once, by newMatcher, into a flat struct that
// match reads with one switch: no map lookups and no allocation.

type op uint8

const (
	opString            op = iota // "x": exact string
	opNumber                      // 5: exact number
	opTrue                        // true
	opFalse                       // false
	opNull                        // null
	opPrefix                      // {"prefix": "x"}
	opSuffix                      // {"suffix": "x"}
	opEqualsIgnoreCase            // {"equals-ignore-case": "x"}
	opAnythingBut                 // {"anything-but": "x" | 5 | [...]}
	opAnythingButPrefix           // {"anything-but": {"prefix": "x"}}
	opNumeric                     // {"numeric": [...]}
	opExists                      // {"exists": true|false}
	opCIDR                        // {"cidr": "10.0.0.0/24"}
)

type matcher struct {
	op   op
	s    string // string operand
	n    int64  // number operand (scaled)
	strs []string
	nums []int64
	// numeric ranges: a bound is open when its flag is false
	lo, hi         int64
	hasLo, hasHi   bool
	loIncl, hiIncl bool
	exists         bool
	prefix         netip.Prefix
	want           string // what it wants, for explanations
}

// leaf is one value of a message seen at a policy key: a string, a number
// (in range or not) or a JSON literal.
type leaf struct {
	kind jkind  // jString, jNumber, jTrue, jFalse or jNull
	s    string // the string, or the number's text
	n    int64  // the number, scaled, when nOK
	nOK  bool
}

// present reports whether the leaf counts for exists: not null, not empty.
func (l *leaf) present() bool {
	return l.kind != jNull && !(l.kind == jString && l.s == "")
}

// match reports whether the leaf satisfies the matcher. exists is decided
// per key, not per leaf, so it never matches here.
func (m *matcher) match(l *leaf) bool {
	switch m.op {
	case opString:
		return l.kind == jString && l.s == m.s
	case opNumber:
		return l.kind == jNumber && l.nOK && l.n == m.n
	case opTrue:
		return l.kind == jTrue
	case opFalse:
		return l.kind == jFalse
	case opNull:
		return l.kind == jNull
	case opPrefix:
		return l.kind == jString && strings.HasPrefix(l.s, m.s)
	case opSuffix:
		return l.kind == jString && strings.HasSuffix(l.s, m.s)
	case opEqualsIgnoreCase:
		return l.kind == jString && strings.EqualFold(l.s, m.s)
	case opAnythingBut:
		switch l.kind {
		case jNull:
			return false
		case jString:
			for _, s := range m.strs {
				if l.s == s {
					return false
				}
			}
		case jNumber:
			if l.nOK {
				for _, n := range m.nums {
					if l.n == n {
						return false
					}
				}
			}
		}
		return true
	case opAnythingButPrefix:
		return l.kind == jString && !strings.HasPrefix(l.s, m.s)
	case opNumeric:
		if l.kind != jNumber || !l.nOK {
			return false
		}
		if m.hasLo && (l.n < m.lo || (l.n == m.lo && !m.loIncl)) {
			return false
		}
		if m.hasHi && (l.n > m.hi || (l.n == m.hi && !m.hiIncl)) {
			return false
		}
		return true
	case opCIDR:
		if l.kind != jString {
			return false
		}
		// An IPv4-mapped IPv6 address is the IPv4 address, as in Java.
		a, err := netip.ParseAddr(l.s)
		return err == nil && a.Zone() == "" && m.prefix.Contains(a.Unmap())
	}
	return false
}

// reserved are the operator names of match expressions. An object in a
// "$or" array with one of them as a member name makes "$or" a plain key.
var reserved = map[string]bool{
	"prefix": true, "suffix": true, "equals-ignore-case": true, "anything-but": true,
	"numeric": true, "exists": true, "cidr": true,
}

// newMatcher compiles one element of a key's array, or says why AWS would
// refuse it (the detail of ErrInvalidPolicy).
func newMatcher(v jvalue) (matcher, error) {
	switch v.kind {
	case jString:
		return matcher{op: opString, s: v.text, want: strconv.Quote(v.text)}, nil
	case jNumber:
		n, err := policyNumber(v.text)
		return matcher{op: opNumber, n: n, want: v.text}, err
	case jTrue:
		return matcher{op: opTrue, want: "true"}, nil
	case jFalse:
		return matcher{op: opFalse, want: "false"}, nil
	case jNull:
		return matcher{op: opNull, want: "null"}, nil
	case jArray:
		return matcher{}, detail("Match value must be String, number, true, false, or null")
	}
	if len(v.members) != 1 {
		return matcher{}, detail("Only one key allowed in match expression")
	}
	name, arg := v.members[0].key, v.members[0].val
	switch name {
	case "prefix", "suffix", "equals-ignore-case":
		if arg.kind != jString {
			return matcher{}, detail("%s match pattern must be a string", name)
		}
		m := matcher{op: opPrefix, s: arg.text, want: "a string starting with " + strconv.Quote(arg.text)}
		switch name {
		case "suffix":
			m.op, m.want = opSuffix, "a string ending with "+strconv.Quote(arg.text)
		case "equals-ignore-case":
			m.op, m.want = opEqualsIgnoreCase, strconv.Quote(arg.text)+" ignoring case"
		}
		return m, nil
	case "anything-but":
		return anythingBut(arg)
	case "numeric":
		return numeric(arg)
	case "exists":
		if arg.kind != jTrue && arg.kind != jFalse {
			return matcher{}, detail("exists match pattern must be either true or false.")
		}
		if arg.kind == jTrue {
			return matcher{op: opExists, exists: true, want: "present"}, nil
		}
		return matcher{op: opExists, want: "absent"}, nil
	case "cidr":
		return cidr(arg)
	}
	return matcher{}, detail("Unrecognized match type %s", name)
}

func anythingBut(arg jvalue) (matcher, error) {
	m := matcher{op: opAnythingBut}
	switch arg.kind {
	case jObject:
		if len(arg.members) != 1 {
			return matcher{}, detail("Only one key allowed in match expression")
		}
		name, v := arg.members[0].key, arg.members[0].val
		if name != "prefix" {
			return matcher{}, detail("Unsupported anything-but pattern: %s", name)
		}
		if v.kind != jString {
			return matcher{}, detail("prefix match pattern must be a string")
		}
		return matcher{op: opAnythingButPrefix, s: v.text,
			want: "anything but a string starting with " + strconv.Quote(v.text)}, nil
	case jString, jNumber:
		arg = jvalue{kind: jArray, elems: []jvalue{arg}}
	case jArray:
		if len(arg.elems) == 0 {
			return matcher{}, detail("Empty arrays are not allowed")
		}
	default:
		return matcher{}, detail("Value of anything-but must be an array or single string/number value.")
	}
	var want []string
	for _, e := range arg.elems {
		switch e.kind {
		case jString:
			m.strs = append(m.strs, e.text)
			want = append(want, strconv.Quote(e.text))
		case jNumber:
			n, err := policyNumber(e.text)
			if err != nil {
				return matcher{}, err
			}
			m.nums = append(m.nums, n)
			want = append(want, e.text)
		default:
			return matcher{}, detail("Inside anything but list, %s is not supported.", e.kind)
		}
	}
	m.want = "anything but " + strings.Join(want, ", ")
	return m, nil
}

// numeric compiles ["op", n] or [">"|">=", a, "<"|"<=", b].
func numeric(arg jvalue) (matcher, error) {
	if arg.kind != jArray {
		return matcher{}, detail("Value of numeric must be an array.")
	}
	e := arg.elems
	if len(e) == 0 {
		return matcher{}, detail("Invalid member in numeric match: ]")
	}
	if e[0].kind != jString {
		return matcher{}, detail("Invalid member in numeric match: %s", e[0].describe())
	}
	m := matcher{op: opNumeric}
	first := e[0].text
	switch first {
	case "=", "<", "<=", ">", ">=":
	default:
		return matcher{}, detail("Unrecognized numeric range operator: %s", first)
	}
	if len(e) < 2 || e[1].kind != jNumber {
		return matcher{}, detail("Value of %s must be numeric", opName(first))
	}
	n, err := policyNumber(e[1].text)
	if err != nil {
		return matcher{}, err
	}
	switch first {
	case "=":
		m.lo, m.hi, m.hasLo, m.hasHi, m.loIncl, m.hiIncl = n, n, true, true, true, true
		m.want = "= " + e[1].text
	case ">", ">=":
		m.lo, m.hasLo, m.loIncl = n, true, first == ">="
		m.want = first + " " + e[1].text
	default:
		m.hi, m.hasHi, m.hiIncl = n, true, first == "<="
		m.want = first + " " + e[1].text
	}
	if len(e) == 2 {
		return m, nil
	}
	if !m.hasLo || m.hasHi {
		return matcher{}, detail("Too many elements in numeric expression")
	}
	if e[2].kind != jString {
		return matcher{}, detail("Bad value in numeric range: %s", e[2].describe())
	}
	second := e[2].text
	if second != "<" && second != "<=" {
		return matcher{}, detail("Bad numeric range operator: %s", second)
	}
	if len(e) < 4 || e[3].kind != jNumber {
		return matcher{}, detail("Value of %s must be numeric", second)
	}
	top, err := policyNumber(e[3].text)
	if err != nil {
		return matcher{}, err
	}
	if top <= m.lo {
		return matcher{}, detail("Bottom must be less than top")
	}
	if len(e) > 4 {
		return matcher{}, detail("Too many terms in numeric range expression")
	}
	m.hi, m.hasHi, m.hiIncl = top, true, second == "<="
	open, closeB := "(", ")"
	if m.loIncl {
		open = "["
	}
	if m.hiIncl {
		closeB = "]"
	}
	m.want = "within " + open + e[1].text + ", " + e[3].text + closeB
	return m, nil
}

func opName(o string) string {
	if o == "=" {
		return "equals"
	}
	return o
}

// cidr compiles {"cidr": "address/bits"}. The checks before
// netip.ParsePrefix only choose the error's wording; ParsePrefix is what
// accepts the block: bits in decimal, without sign or leading zero.
func cidr(arg jvalue) (matcher, error) {
	if arg.kind != jString {
		return matcher{}, detail("cidr match pattern must be a string")
	}
	addr, bits, found := strings.Cut(arg.text, "/")
	if !found || strings.Contains(bits, "/") {
		return matcher{}, detail("Malformed CIDR, one '/' required")
	}
	if !decimalBits(bits) {
		return matcher{}, detail("Malformed CIDR, mask bits must be an integer without sign or leading zero: %q", bits)
	}
	if a, err := netip.ParseAddr(addr); err != nil || a.Zone() != "" {
		return matcher{}, detail("Nonstandard IP address: %s", addr)
	}
	p, err := netip.ParsePrefix(arg.text)
	if err != nil {
		return matcher{}, detail("Malformed CIDR, mask bits out of range for %s", addr)
	}
	p = p.Masked()
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		// A block of IPv4-mapped addresses is the IPv4 block, since
		// match reads a mapped address as IPv4.
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return matcher{op: opCIDR, prefix: p, want: "an IP address in " + p.String()}, nil
}

// decimalBits reports whether s is a mask length as SNS writes it: "0", or
// a decimal number without sign or leading zero.
func decimalBits(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// policyNumber reads a number of a policy, which must lie within ±10^9.
func policyNumber(text string) (int64, error) {
	n, ok := parseNumber(text)
	if !ok {
		return 0, detail("Numeric value %s is out of range: numbers must be between -1000000000 and 1000000000", text)
	}
	return n, nil
}

// describe renders a policy value in an error message.
func (v jvalue) describe() string {
	switch v.kind {
	case jString:
		return v.text
	case jNumber:
		return v.text
	case jArray, jObject:
		return v.kind.String()
	}
	return v.kind.String()
}
