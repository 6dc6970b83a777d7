package filter

import "strings"

// compile turns the policy's JSON object into conds and alternatives,
// checking the rules and limits of SNS on the way:
//
//   - a key's value is an array of values (a leaf) or, in MessageBody
//     scope only, an object of nested keys;
//   - "$or" with an array of at least two objects, none of them using an
//     operator name as a key, is an OR of its objects; otherwise "$or" is
//     a plain key;
//   - arrays and objects are not empty;
//   - at most MaxKeys top-level keys in each branch, at most
//     MaxCombinations combinations.
//
// The alternatives are the policy in disjunctive normal form: every "$or"
// expanded, so that the message is accepted when all conds of one
// alternative hold. Each alternative adds at least one combination, so
// there are at most MaxCombinations of them.
func compile(p *Policy, root jvalue) error {
	c := compiler{p: p, index: map[string]int{}}
	alts, combos, err := c.object(root.members, nil, 1)
	if err != nil {
		return err
	}
	// object has counted each top-level object's own keys; an alternative
	// also holds the keys of the objects around its "$or" branches. It is
	// short by then: at most MaxKeys keys per object, and each "$or" at
	// least doubles the combinations.
	for _, alt := range alts {
		if n := c.topKeys(alt); n > MaxKeys {
			return detail("Filter policy can not have more than %d keys", MaxKeys)
		}
	}
	p.alts, p.combos, p.single = alts, combos, len(alts) == 1
	p.root = &trieNode{path: -1}
	for i, kp := range p.paths {
		n := p.root
		for _, s := range kp.segs {
			next := n.child(s)
			if next == nil {
				next = &trieNode{path: -1}
				n.names = append(n.names, s)
				n.children = append(n.children, next)
			}
			n = next
		}
		n.path = i
	}
	for i := range p.conds {
		n := p.root
		for _, s := range p.paths[p.conds[i].path].segs {
			n = n.child(s)
		}
		n.conds = append(n.conds, int32(i))
	}
	return nil
}

type compiler struct {
	p     *Policy
	index map[string]int // path (segments joined by NUL) → index in p.paths
}

// isOr reports whether a member is an "$or" that SNS reads as an OR.
func isOr(m jmember) bool {
	if m.key != "$or" || m.val.kind != jArray || len(m.val.elems) < 2 {
		return false
	}
	for _, e := range m.val.elems {
		if e.kind != jObject {
			return false
		}
		for _, mm := range e.members {
			if reserved[mm.key] {
				return false
			}
		}
	}
	return true
}

// object compiles the members of one policy object whose keys sit at
// depth (1 for the top level) under prefix. It returns the object's
// alternatives and combinations.
func (c *compiler) object(members []jmember, prefix []string, depth int) ([][]int32, int, error) {
	// A top-level object (the root or an "$or" branch in it) has at most
	// MaxKeys keys of its own, counted before anything is compiled: SNS
	// reports too many keys first, and a key with one value multiplies the
	// combinations by 1, so only this count bounds the work on a branch
	// of thousands of keys.
	if depth == 1 && len(members) > MaxKeys {
		plain := 0
		for _, m := range members {
			if !isOr(m) {
				plain++
			}
		}
		if plain > MaxKeys {
			return nil, 0, detail("Filter policy can not have more than %d keys", MaxKeys)
		}
	}
	alts := [][]int32{nil}
	combos := 1
	seen := make(map[string]bool, len(members))
	for _, m := range members {
		if seen[m.key] {
			return nil, 0, detail("Duplicate key %q", m.key)
		}
		seen[m.key] = true
		var sub [][]int32
		var factor int
		switch {
		case isOr(m):
			for _, branch := range m.val.elems {
				if len(branch.members) == 0 {
					return nil, 0, detail("Empty objects are not allowed")
				}
				ba, bc, err := c.object(branch.members, prefix, depth)
				if err != nil {
					return nil, 0, err
				}
				sub = append(sub, ba...)
				factor += bc
				if factor > MaxCombinations {
					return nil, 0, detail("Filter policy is too complex")
				}
			}
		case m.val.kind == jObject:
			if c.p.scope == MessageAttributes {
				return nil, 0, detail("Filter policy scope MessageAttributes does not support nested filter policy")
			}
			if len(m.val.members) == 0 {
				return nil, 0, detail("Empty objects are not allowed")
			}
			var err error
			sub, factor, err = c.object(m.val.members, appendPath(prefix, m.key), depth+1)
			if err != nil {
				return nil, 0, err
			}
		case m.val.kind == jArray:
			if len(m.val.elems) == 0 {
				return nil, 0, detail("Empty arrays are not allowed")
			}
			ci, err := c.leaf(appendPath(prefix, m.key), m.val.elems)
			if err != nil {
				return nil, 0, err
			}
			sub = [][]int32{{ci}}
			factor = len(m.val.elems) * depth
		default:
			return nil, 0, detail("%q must be an object or an array", m.key)
		}
		combos *= factor
		if combos > MaxCombinations {
			return nil, 0, detail("Filter policy is too complex")
		}
		alts = cross(alts, sub)
	}
	return alts, combos, nil
}

// cross returns every alternative of a combined with every one of b.
func cross(a, b [][]int32) [][]int32 {
	out := make([][]int32, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			z := make([]int32, 0, len(x)+len(y))
			out = append(out, append(append(z, x...), y...))
		}
	}
	return out
}

func appendPath(prefix []string, key string) []string {
	return append(prefix[:len(prefix):len(prefix)], key)
}

// leaf compiles one key's array of values into a cond.
func (c *compiler) leaf(segs []string, elems []jvalue) (int32, error) {
	k := cond{path: c.pathIndex(segs), name: segs[0], nested: len(segs) > 1}
	var wants []string
	for _, e := range elems {
		m, err := newMatcher(e)
		if err != nil {
			return 0, err
		}
		wants = append(wants, m.want)
		if m.op == opExists {
			if m.exists {
				k.existsT = true
			} else {
				k.existsF = true
			}
			continue
		}
		k.matchers = append(k.matchers, m)
	}
	k.want = join(wants)
	c.p.conds = append(c.p.conds, k)
	return int32(len(c.p.conds) - 1), nil
}

func (c *compiler) pathIndex(segs []string) int {
	id := strings.Join(segs, "\x00")
	if i, ok := c.index[id]; ok {
		return i
	}
	c.p.paths = append(c.p.paths, keyPath{segs: segs, name: strings.Join(segs, ".")})
	c.index[id] = len(c.p.paths) - 1
	return len(c.p.paths) - 1
}

// topKeys counts the distinct top-level keys of an alternative.
func (c *compiler) topKeys(alt []int32) int {
	n := 0
	for i, ci := range alt {
		top := c.p.paths[c.p.conds[ci].path].segs[0]
		dup := false
		for _, cj := range alt[:i] {
			if c.p.paths[c.p.conds[cj].path].segs[0] == top {
				dup = true
				break
			}
		}
		if !dup {
			n++
		}
	}
	return n
}
