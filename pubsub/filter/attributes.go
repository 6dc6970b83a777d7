package filter

import "strings"

// Attribute is a message attribute as SNS carries it, with the fields of
// queue.Attribute so that packages pass it along unchanged. DataType is
// one of
//
//	String        StringValue is the string
//	String.Array  StringValue is a JSON array of strings, numbers, true,
//	              false and null: "[\"rugby\", 5, true]"
//	Number        StringValue is a decimal number: "42", "-1.5", "3.015e2"
//	Binary        BinaryValue holds the bytes
//
// optionally followed by a custom label after a dot ("Number.float",
// "String.Array.tags"), which the filter ignores. Matching reads an
// Attribute and never changes or keeps it.
type Attribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// StringAttribute returns a String attribute.
func StringAttribute(v string) Attribute { return Attribute{DataType: "String", StringValue: v} }

// StringArrayAttribute returns a String.Array attribute; jsonArray is the
// array's JSON text, such as `["rugby", "tennis"]`.
func StringArrayAttribute(jsonArray string) Attribute {
	return Attribute{DataType: "String.Array", StringValue: jsonArray}
}

// NumberAttribute returns a Number attribute; v is a decimal number such
// as "42", "-1.5" or "3.015e2".
func NumberAttribute(v string) Attribute { return Attribute{DataType: "Number", StringValue: v} }

// BinaryAttribute returns a Binary attribute holding v (not a copy).
func BinaryAttribute(v []byte) Attribute { return Attribute{DataType: "Binary", BinaryValue: v} }

type attrClass uint8

const (
	classOther attrClass = iota // Binary, or a type SNS does not have
	classString
	classArray
	classNumber
)

// classify reads an attribute's base type, ignoring a custom label.
func classify(dataType string) attrClass {
	switch dataType { // the common cases, without a label
	case "String":
		return classString
	case "Number":
		return classNumber
	case "String.Array":
		return classArray
	case "Binary":
		return classOther
	}
	if dataType == "String.Array" || strings.HasPrefix(dataType, "String.Array.") {
		return classArray
	}
	base, _, _ := strings.Cut(dataType, ".")
	switch base {
	case "String":
		return classString
	case "Number":
		return classNumber
	}
	return classOther
}

// MatchAttributes reports whether a message with these attributes passes
// the policy, as SNS decides in MessageAttributes scope (whatever scope
// the policy was parsed for: a nested key of a MessageBody policy never
// finds an attribute). For each key of the policy, the attribute of that
// name must match one of the key's values: a String by its string, a
// Number by its number, a String.Array when any one of its elements
// matches (for anything-but too). Binary attributes match only exists.
// {"exists": false} needs the key absent and at least one attribute on
// the message. Keys of the message that the policy does not name are
// ignored.
//
// Each key of the policy is read at most once per match, however many
// "$or" branches it belongs to. It never blocks and keeps nothing. It
// allocates only to unescape String.Array elements that hold JSON
// escapes, and, for a policy with "$or" of more than 512 keys in all
// (counted per branch), once for its scratch space.
func (p *Policy) MatchAttributes(attrs map[string]Attribute) bool {
	if p.single {
		return p.allAttr(p.alts[0], attrs)
	}
	return p.anyAttr(attrs)
}

// anyAttr reports whether the attributes satisfy one of the policy's
// alternatives. A cond outside an "$or" is in many of them: each cond is
// decided once per match and remembered, in bitsets on the stack for up
// to 512 conds.
func (p *Policy) anyAttr(attrs map[string]Attribute) bool {
	var buf [16]uint64
	n := words(len(p.conds))
	memo := buf[:]
	if 2*n > len(memo) {
		memo = make([]uint64, 2*n)
	}
	m := condMemo{done: memo[:n], sat: memo[n : 2*n]}
	for _, alt := range p.alts {
		if p.allAttrMemo(alt, attrs, m) {
			return true
		}
	}
	return false
}

// allAttr reports whether the attributes satisfy every cond of alt.
func (p *Policy) allAttr(alt []int32, attrs map[string]Attribute) bool {
	for _, ci := range alt {
		if !p.condAttr(&p.conds[ci], attrs) {
			return false
		}
	}
	return true
}

// condMemo holds, for one match, which conds were decided and which of
// those hold.
type condMemo struct {
	done, sat bitset
}

// allAttrMemo is allAttr deciding each cond at most once per memo.
func (p *Policy) allAttrMemo(alt []int32, attrs map[string]Attribute, m condMemo) bool {
	for _, ci := range alt {
		i := int(ci)
		if !m.done.get(i) {
			m.done.set(i)
			if p.condAttr(&p.conds[ci], attrs) {
				m.sat.set(i)
			}
		}
		if !m.sat.get(i) {
			return false
		}
	}
	return true
}

// condAttr reports whether the attributes satisfy one cond.
func (p *Policy) condAttr(c *cond, attrs map[string]Attribute) bool {
	var a Attribute
	ok := false
	if !c.nested {
		a, ok = attrs[c.name]
	}
	if !ok {
		return c.existsF && len(attrs) > 0
	}
	var st leafState
	st.scanAttr(c, &a)
	return st.matched || (c.existsT && st.present) || (c.existsF && !st.present)
}

// leafState gathers what the leaves of one key say about one cond.
type leafState struct {
	matched bool // a leaf matched one of the cond's matchers
	present bool // a leaf counts for exists
}

func (st *leafState) visit(c *cond, l *leaf) {
	if l.present() {
		st.present = true
	}
	if st.matched {
		return
	}
	for i := range c.matchers {
		if c.matchers[i].match(l) {
			st.matched = true
			return
		}
	}
}

// scanAttr visits the values of an attribute.
func (st *leafState) scanAttr(c *cond, a *Attribute) {
	switch classify(a.DataType) {
	case classString:
		st.visit(c, &leaf{kind: jString, s: a.StringValue})
	case classNumber:
		n, ok := parseNumber(a.StringValue)
		st.visit(c, &leaf{kind: jNumber, s: a.StringValue, n: n, nOK: ok})
	case classArray:
		s := a.StringValue
		i := skipSpace(s, 0)
		end, ok := skipValue(s, i, 0)
		if !ok || s[i] != '[' || skipSpace(s, end) != len(s) {
			return // not a JSON array: no values
		}
		st.array(c, s, i)
	default:
		st.present = true // Binary: there, but no value to compare
	}
}

// array visits the elements of the well-formed JSON array at s[i],
// elements of nested arrays included, objects skipped. It returns the
// index after the array.
func (st *leafState) array(c *cond, s string, i int) int {
	i = skipSpace(s, i+1)
	if s[i] == ']' {
		return i + 1
	}
	for {
		i = skipSpace(s, i)
		switch s[i] {
		case '[':
			i = st.array(c, s, i)
		case '{':
			i, _ = skipValue(s, i, 0)
		default:
			var l leaf
			i = readScalar(s, i, &l)
			st.visit(c, &l)
		}
		i = skipSpace(s, i)
		if s[i] == ',' {
			i++
			continue
		}
		return i + 1 // ']'
	}
}

// readScalar reads the well-formed JSON string, number or literal at s[i]
// into l and returns the index after it.
func readScalar(s string, i int, l *leaf) int {
	switch s[i] {
	case '"':
		end, esc, _ := scanString(s, i)
		l.kind, l.s = jString, s[i+1:end-1]
		if esc {
			l.s = unescape(l.s)
		}
		return end
	case 't':
		l.kind = jTrue
		return i + 4
	case 'f':
		l.kind = jFalse
		return i + 5
	case 'n':
		l.kind = jNull
		return i + 4
	}
	end, _ := scanNumber(s, i)
	l.kind, l.s = jNumber, s[i:end]
	l.n, l.nOK = parseNumber(l.s)
	return end
}
