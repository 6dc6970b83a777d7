package filter

import (
	"strconv"
	"strings"
)

// Explanation says why a message did or did not pass a policy. Its String
// method prints it in one line.
type Explanation struct {
	// Matched is what Match returns for the same message.
	Matched bool
	// Reason is set when the message fails as a whole rather than on a key:
	// a body that is not a JSON object.
	Reason string
	// Failures, when the message did not match and Reason is empty, holds
	// the first key that failed in each alternative of the policy: one for
	// a policy without "$or", else one per branch (every "$or" expanded),
	// in the policy's order, a failure shared by several branches once.
	Failures []Failure
}

// Failure is a key of the policy that a message failed.
type Failure struct {
	// Key is the policy key, nested keys joined with "." ("order.total").
	Key string
	// Saw is the message's value at the key: a String attribute quoted, a
	// Number as sent, a String.Array's JSON, a body's value(s) as JSON
	// (several in brackets). Empty when the key is absent.
	Saw string
	// Want says what the policy wanted there: "\"rugby\" or \"tennis\"",
	// "a string starting with \"bas\"", "within [0, 100)", "present", ...
	Want string
}

// String prints the failure: "key `price`: 120 is not within [0, 100)", or
// "key `store`: absent, wants present".
func (f Failure) String() string {
	if f.Saw == "" {
		return "key `" + f.Key + "`: absent, wants " + f.Want
	}
	return "key `" + f.Key + "`: " + f.Saw + " is not " + f.Want
}

// String prints the explanation: "match", "no match: key `price`: 120 is
// not within [0, 100)", or for several branches "no match: no branch
// matches: key …; key …".
func (e Explanation) String() string {
	switch {
	case e.Matched:
		return "match"
	case e.Reason != "":
		return "no match: " + e.Reason
	case len(e.Failures) == 1:
		return "no match: " + e.Failures[0].String()
	}
	parts := make([]string, len(e.Failures))
	for i, f := range e.Failures {
		parts[i] = f.String()
	}
	return "no match: no branch matches: " + strings.Join(parts, "; ")
}

// Explain decides the message as Match does and says why: with the
// attributes in MessageAttributes scope, with the body in MessageBody
// scope. It is meant for tests and debugging: unlike Match it allocates.
// It never blocks and keeps nothing.
func (p *Policy) Explain(attrs map[string]Attribute, body string) Explanation {
	if p.scope == MessageBody {
		return p.explainBody(body)
	}
	return p.explainAttributes(attrs)
}

func (p *Policy) explainAttributes(attrs map[string]Attribute) Explanation {
	var e Explanation
	for _, alt := range p.alts {
		failed := false
		for _, ci := range alt {
			c := &p.conds[ci]
			if p.condAttr(c, attrs) {
				continue
			}
			f := Failure{Key: p.paths[c.path].name, Want: c.want}
			segs := p.paths[c.path].segs
			if a, ok := attrs[segs[0]]; ok && len(segs) == 1 {
				f.Saw = sawAttribute(a)
			} else if len(attrs) == 0 && c.existsF {
				f.Want += " (exists false needs at least one attribute on the message)"
			}
			e.add(f)
			failed = true
			break
		}
		if !failed {
			return Explanation{Matched: true}
		}
	}
	return e
}

// add appends a failure unless an earlier branch failed the same way.
func (e *Explanation) add(f Failure) {
	for _, g := range e.Failures {
		if g == f {
			return
		}
	}
	e.Failures = append(e.Failures, f)
}

func sawAttribute(a Attribute) string {
	switch classify(a.DataType) {
	case classString:
		return strconv.Quote(a.StringValue)
	case classNumber, classArray:
		return a.StringValue
	}
	return a.DataType + " attribute of " + strconv.Itoa(len(a.BinaryValue)) + " bytes"
}

func (p *Policy) explainBody(body string) Explanation {
	st, ok := p.scanBody(body, nil, true)
	if !ok {
		return Explanation{Reason: "the message body is not a JSON object"}
	}
	var e Explanation
	for _, alt := range p.alts {
		if st.all(alt) {
			return Explanation{Matched: true}
		}
		for _, ci := range alt {
			if st.all([]int32{ci}) {
				continue
			}
			c := &p.conds[ci]
			f := Failure{Key: p.paths[c.path].name, Want: c.want}
			switch saw := st.saw[c.path]; len(saw) {
			case 0:
			case 1:
				f.Saw = saw[0]
			default:
				f.Saw = "[" + strings.Join(saw, ", ") + "]"
			}
			e.add(f)
			break
		}
	}
	return e
}
