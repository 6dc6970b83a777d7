package filter

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Scope says what a policy looks at: the message attributes (the SNS
// default) or the message body (SNS FilterPolicyScope).
type Scope uint8

const (
	// MessageAttributes matches the policy against the message attributes.
	// It is the zero Scope, as it is the SNS default. Keys cannot nest.
	MessageAttributes Scope = iota
	// MessageBody matches the policy against the message body, which must
	// be a JSON object. Keys can nest, following the body's objects.
	MessageBody
)

// String returns the SNS name of the scope: "MessageAttributes" or
// "MessageBody".
func (s Scope) String() string {
	switch s {
	case MessageAttributes:
		return "MessageAttributes"
	case MessageBody:
		return "MessageBody"
	}
	return fmt.Sprintf("Scope(%d)", uint8(s))
}

// ParseScope returns the Scope that SNS names s ("MessageAttributes" or
// "MessageBody"); the empty string is MessageAttributes, the SNS default.
// Any other name returns ErrInvalidScope.
func ParseScope(s string) (Scope, error) {
	switch s {
	case "", "MessageAttributes":
		return MessageAttributes, nil
	case "MessageBody":
		return MessageBody, nil
	}
	return 0, fmt.Errorf("%w: %q (want MessageAttributes or MessageBody)", ErrInvalidScope, s)
}

// Limits SNS sets on a policy.
const (
	// MaxPolicySize is the largest policy, in bytes: 256 KiB.
	MaxPolicySize = 256 * 1024
	// MaxKeys is the most keys a policy has: top-level keys, counted in
	// each branch of its "$or"s.
	MaxKeys = 5
	// MaxCombinations is the most value combinations a policy has,
	// counted as SNS counts them (see Policy.Combinations).
	MaxCombinations = 150
)

// Policy is a parsed, compiled filter policy. It is immutable: its methods
// are safe for concurrent use and never block.
type Policy struct {
	scope  Scope
	text   string
	combos int
	conds  []cond
	alts   [][]int32 // the policy as an OR of ANDs of conds, $or expanded
	paths  []keyPath // the distinct keys, nested ones as paths
	root   *trieNode // the paths as a tree, for scanning bodies
	single bool      // one alternative: no $or to expand
}

// cond is one key's array of a policy: satisfied when any of its values
// matches the message's value (or any element of it) at the key.
type cond struct {
	path     int
	name     string    // the key (its first segment when nested)
	nested   bool      // a nested key: never an attribute
	matchers []matcher // exists excluded
	existsT  bool      // {"exists": true} is among the values
	existsF  bool      // {"exists": false} is among the values
	want     string
}

type keyPath struct {
	segs []string
	name string // segs joined with "."
}

// trieNode is one object level of the keys of a body-scoped policy.
type trieNode struct {
	names    []string
	children []*trieNode
	path     int     // the keyPath ending here, or -1
	conds    []int32 // the conds on that path
}

func (n *trieNode) child(name string) *trieNode {
	for i, s := range n.names {
		if s == name {
			return n.children[i]
		}
	}
	return nil
}

// Parse reads and compiles a filter policy (the JSON of the SNS
// FilterPolicy attribute) for the given scope. A policy SNS would refuse
// returns an error wrapping ErrInvalidPolicy that says why; an unknown
// scope returns ErrInvalidScope. The empty object "{}" is a policy that
// accepts every message in MessageAttributes scope and, in MessageBody
// scope, every body that is a JSON object. Parse never panics, whatever the input, does not
// block, is safe for concurrent use, and keeps no reference to anything but
// policy.
func Parse(policy string, scope Scope) (*Policy, error) {
	if scope != MessageAttributes && scope != MessageBody {
		return nil, fmt.Errorf("%w: %v", ErrInvalidScope, scope)
	}
	if len(policy) > MaxPolicySize {
		return nil, detail("Filter policy is %d bytes, more than the maximum of %d", len(policy), MaxPolicySize)
	}
	if !utf8.ValidString(policy) {
		return nil, detail("Filter policy must be valid UTF-8")
	}
	v, err := parsePolicyJSON(policy)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
	}
	if v.kind != jObject {
		return nil, detail("Filter policy must be a JSON object, not %s", v.kind)
	}
	p := &Policy{scope: scope, text: policy}
	if err := compile(p, v); err != nil {
		return nil, err
	}
	return p, nil
}

// MustParse is Parse for policies written in code (examples, tests): it
// panics if Parse returns an error.
func MustParse(policy string, scope Scope) *Policy {
	p, err := Parse(policy, scope)
	if err != nil {
		panic(err)
	}
	return p
}

// Scope returns the scope the policy was parsed for.
func (p *Policy) Scope() Scope { return p.scope }

// String returns the policy's JSON as it was given to Parse.
func (p *Policy) String() string { return p.text }

// Combinations returns the policy's value combinations counted the way SNS
// counts them against its limit of 150: the product, over a policy's
// keys, of the number of values in each key's array times the key's depth
// (1 at the top level, 2 one object down, ...); the branches of an "$or"
// add up. {"a": ["x", "y"], "b": {"c": [1, 2, 3]}} has 2×1 × 3×2 = 12.
func (p *Policy) Combinations() int { return p.combos }

// Keys returns the policy's keys, nested ones joined with "." ("a.b"), in
// the order they first appear in the policy. The caller owns the slice.
func (p *Policy) Keys() []string {
	keys := make([]string, len(p.paths))
	for i, k := range p.paths {
		keys[i] = k.name
	}
	return keys
}

// Match reports whether a message with these attributes and this body is
// accepted: by MatchAttributes in MessageAttributes scope, by MatchBody in
// MessageBody scope. It is what an SNS subscription with this policy
// decides for a published message.
func (p *Policy) Match(attrs map[string]Attribute, body string) bool {
	if p.scope == MessageBody {
		return p.MatchBody(body)
	}
	return p.MatchAttributes(attrs)
}

// join renders alternatives of a want: "a", "a or b", "a, b or c".
func join(wants []string) string {
	switch len(wants) {
	case 0:
		return ""
	case 1:
		return wants[0]
	}
	return strings.Join(wants[:len(wants)-1], ", ") + " or " + wants[len(wants)-1]
}
