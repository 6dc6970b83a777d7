package filter

// maxBodyDepth bounds the nesting of a body's JSON. A deeper body matches
// nothing, so a hostile body costs one bounded scan and no deep recursion.
const maxBodyDepth = 512

// MatchBody reports whether a message with this body passes the policy, as
// SNS decides in MessageBody scope (whatever scope the policy was parsed
// for). The body must be one JSON object, else nothing matches. A policy
// key names a property of the body; nested keys follow nested objects.
// A property holding an array matches when any element matches, and
// arrays of objects are looked into, so {"a": {"b": ["x"]}} matches
// {"a": [{"b": "y"}, {"b": "x"}]}. Only leaves (strings, numbers, true,
// false, null) are values: a key whose property holds an object is absent
// for that key. {"exists": true} needs a value other than null and "";
// {"exists": false} needs none.
//
// It reads the body once, in place, and keeps nothing; it never blocks,
// and allocates only for a policy of more than 256 keys and values or to
// unescape strings (or names) with JSON escapes at the policy's keys. Its
// work is linear in the body's length; bodies nested deeper than 512
// levels match nothing.
func (p *Policy) MatchBody(body string) bool {
	var buf [8]uint64
	st, ok := p.scanBody(body, buf[:], false)
	if !ok {
		return false
	}
	for _, alt := range p.alts {
		if st.all(alt) {
			return true
		}
	}
	return false
}

// bodyState is the outcome of scanning a body: which conds a leaf
// satisfied, which paths hold a value, and, when explaining, the values.
type bodyState struct {
	p    *Policy
	sat  bitset
	pres bitset
	saw  [][]string // per path, the values seen (Explain only)
}

type bitset []uint64

func (b bitset) get(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitset) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }

func words(n int) int { return (n + 63) / 64 }

// scanBody checks that body is a JSON object and records what its leaves
// at the policy's keys satisfy. buf is scratch space for the bitsets.
func (p *Policy) scanBody(body string, buf []uint64, explain bool) (bodyState, bool) {
	nc, np := words(len(p.conds)), words(len(p.paths))
	if nc+np > len(buf) {
		buf = make([]uint64, nc+np)
	}
	buf = buf[:nc+np]
	clear(buf)
	st := bodyState{p: p, sat: buf[:nc], pres: buf[nc:]}
	if explain {
		st.saw = make([][]string, len(p.paths))
	}
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return st, false
	}
	end, ok := st.value(body, i, p.root, 0)
	if !ok || skipSpace(body, end) != len(body) {
		return st, false
	}
	return st, true
}

func (st *bodyState) all(alt []int32) bool {
	for _, ci := range alt {
		c := &st.p.conds[ci]
		if !st.sat.get(int(ci)) && !(c.existsF && !st.pres.get(c.path)) {
			return false
		}
	}
	return true
}

// value scans the JSON value at s[i] (no leading space), which sits at
// trie node n (nil when no policy key is there or below), and returns the
// index after it and whether it is well formed.
func (st *bodyState) value(s string, i int, n *trieNode, depth int) (int, bool) {
	if depth > maxBodyDepth {
		return 0, false
	}
	switch s[i] {
	case '{':
		i = skipSpace(s, i+1)
		if i < len(s) && s[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(s) || s[i] != '"' {
				return 0, false
			}
			end, esc, ok := scanString(s, i)
			if !ok {
				return 0, false
			}
			var child *trieNode
			if n != nil && len(n.names) > 0 {
				name := s[i+1 : end-1]
				if esc {
					name = unescape(name)
				}
				child = n.child(name)
			}
			i = skipSpace(s, end)
			if i >= len(s) || s[i] != ':' {
				return 0, false
			}
			i = skipSpace(s, i+1)
			if i >= len(s) {
				return 0, false
			}
			if i, ok = st.value(s, i, child, depth+1); !ok {
				return 0, false
			}
			i = skipSpace(s, i)
			if i < len(s) && s[i] == ',' {
				i = skipSpace(s, i+1)
				continue
			}
			if i < len(s) && s[i] == '}' {
				return i + 1, true
			}
			return 0, false
		}
	case '[':
		i = skipSpace(s, i+1)
		if i < len(s) && s[i] == ']' {
			return i + 1, true
		}
		for {
			if i >= len(s) {
				return 0, false
			}
			var ok bool
			if i, ok = st.value(s, i, n, depth+1); !ok {
				return 0, false
			}
			i = skipSpace(s, i)
			if i < len(s) && s[i] == ',' {
				i = skipSpace(s, i+1)
				continue
			}
			if i < len(s) && s[i] == ']' {
				return i + 1, true
			}
			return 0, false
		}
	}
	end, ok := skipScalar(s, i)
	if !ok || n == nil || n.path < 0 {
		return end, ok
	}
	var l leaf
	readScalar(s, i, &l)
	st.leaf(n, &l, s[i:end])
	return end, true
}

// leaf records one value found at a policy key.
func (st *bodyState) leaf(n *trieNode, l *leaf, raw string) {
	if st.saw != nil {
		st.saw[n.path] = append(st.saw[n.path], raw)
	}
	present := l.present()
	if present {
		st.pres.set(n.path)
	}
	for _, ci := range n.conds {
		if st.sat.get(int(ci)) {
			continue
		}
		c := &st.p.conds[ci]
		if c.existsT && present {
			st.sat.set(int(ci))
			continue
		}
		for j := range c.matchers {
			if c.matchers[j].match(l) {
				st.sat.set(int(ci))
				break
			}
		}
	}
}

// skipScalar checks the JSON string, number or literal at s[i] and returns
// the index after it.
func skipScalar(s string, i int) (int, bool) {
	switch c := s[i]; {
	case c == '"':
		end, _, ok := scanString(s, i)
		return end, ok
	case c == '-' || isDigit(c):
		return scanNumber(s, i)
	case c == 't' && len(s)-i >= 4 && s[i:i+4] == "true":
		return i + 4, true
	case c == 'f' && len(s)-i >= 5 && s[i:i+5] == "false":
		return i + 5, true
	case c == 'n' && len(s)-i >= 4 && s[i:i+4] == "null":
		return i + 4, true
	}
	return 0, false
}

// skipValue checks the JSON value at or after s[i] (leading space
// allowed) and returns the index after it.
func skipValue(s string, i, depth int) (int, bool) {
	i = skipSpace(s, i)
	if i >= len(s) || depth > maxBodyDepth {
		return 0, false
	}
	open, closer := s[i], byte('}')
	switch open {
	case '[':
		closer = ']'
	case '{':
	default:
		return skipScalar(s, i)
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == closer {
		return i + 1, true
	}
	for {
		if open == '{' {
			if i >= len(s) || s[i] != '"' {
				return 0, false
			}
			end, _, ok := scanString(s, i)
			if !ok {
				return 0, false
			}
			i = skipSpace(s, end)
			if i >= len(s) || s[i] != ':' {
				return 0, false
			}
			i++
		}
		var ok bool
		if i, ok = skipValue(s, i, depth+1); !ok {
			return 0, false
		}
		i = skipSpace(s, i)
		if i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
			continue
		}
		if i < len(s) && s[i] == closer {
			return i + 1, true
		}
		return 0, false
	}
}
