package filter_test

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stratus-go/stratus/pubsub/filter"
)

// fuzzAttributes and fuzzBodies are the messages every policy that parses
// is matched against.
var fuzzAttributes = []map[string]filter.Attribute{
	nil,
	{"a": S("x")},
	{"a": N("5"), "b": SA(`["x", 1, true, null, ["y"], {"z": 1}]`), "c": B(), "$or": S("a")},
	{"a": SA(`["x"`), "b": N("not a number"), "c": {DataType: "Odd", StringValue: "x"}},
	{"customer_interests": S("rugby"), "price_usd": N("101"), "store": S(""), "source_ip": S("10.0.0.1")},
}

var fuzzBodies = []string{
	``, `[]`, `{}`, `{"a": "x"}`, `{"a": {"b": [1, "x", null, true, {"c": 5e3}]}, "b": []}`,
	`{"customer_interests": ["rugby", "baseball"], "price_usd": 3.015e2, "store": {"id": null}}`,
	`{"a": 1`, `{"a\u0041": "\ud83d\ude00"}`,
}

// FuzzParse checks that Parse never panics, that what it accepts respects
// the limits, can be matched against any message without panicking, and
// that Explain agrees with Match.
func FuzzParse(f *testing.F) {
	for _, tc := range attributeCases {
		f.Add(tc.policy, false)
	}
	for _, tc := range bodyCases {
		f.Add(tc.policy, true)
	}
	for _, tc := range invalidCases {
		f.Add(tc.policy, tc.scope == filter.MessageBody)
	}
	f.Fuzz(func(t *testing.T, policy string, body bool) {
		scope := filter.MessageAttributes
		if body {
			scope = filter.MessageBody
		}
		p, err := filter.Parse(policy, scope)
		if err != nil {
			if !errors.Is(err, filter.ErrInvalidPolicy) {
				t.Fatalf("error not ErrInvalidPolicy: %v", err)
			}
			if p != nil {
				t.Fatal("a policy with an error")
			}
			return
		}
		if len(policy) > filter.MaxPolicySize || p.Combinations() > filter.MaxCombinations || p.Combinations() < 1 {
			t.Fatalf("limits: %d bytes, %d combinations", len(policy), p.Combinations())
		}
		if !json.Valid([]byte(policy)) {
			t.Fatalf("accepted JSON that encoding/json refuses: %q", policy)
		}
		if q, err := filter.Parse(p.String(), scope); err != nil || q.Combinations() != p.Combinations() {
			t.Fatalf("reparse: %v", err)
		}
		for _, a := range fuzzAttributes {
			m := p.MatchAttributes(a)
			if e := p.Explain(a, ""); scope == filter.MessageAttributes && e.Matched != m {
				t.Fatalf("Explain %v, MatchAttributes %v for %v", e, m, a)
			}
		}
		for _, b := range fuzzBodies {
			m := p.MatchBody(b)
			if e := p.Explain(nil, b); scope == filter.MessageBody && e.Matched != m {
				t.Fatalf("Explain %v, MatchBody %v for %s", e, m, b)
			}
		}
	})
}

// fuzzPolicies are matched against every fuzzed body.
var fuzzPolicies = []*filter.Policy{
	filter.MustParse(`{}`, filter.MessageBody),
	filter.MustParse(`{"a": [{"exists": false}]}`, filter.MessageBody),
	filter.MustParse(benchBodyPolicy, filter.MessageBody),
	filter.MustParse(orderPolicy, filter.MessageBody),
	filter.MustParse(`{"a": {"b": ["x", {"prefix": "y"}, {"numeric": [">", 5]}, null, true, {"cidr": "10.0.0.0/8"}]}, "c": [{"anything-but": ["z", 1]}, {"exists": false}]}`, filter.MessageBody),
	filter.MustParse(`{"$or": [{"a": {"b": [{"suffix": "q"}]}}, {"a": [{"equals-ignore-case": "X"}], "d": [{"exists": true}]}]}`, filter.MessageBody),
}

// FuzzMatchBody checks that MatchBody never panics, that Explain agrees
// with it, and that a body is read as JSON the way encoding/json reads
// it: the empty policy matches exactly the bodies that are one JSON
// object.
func FuzzMatchBody(f *testing.F) {
	for _, tc := range bodyCases {
		f.Add(tc.body)
	}
	f.Add(benchBody())
	f.Fuzz(func(t *testing.T, body string) {
		for i, p := range fuzzPolicies {
			m := p.MatchBody(body)
			if e := p.Explain(nil, body); e.Matched != m {
				t.Fatalf("policy %d: Explain %v, MatchBody %v", i, e, m)
			}
		}
		// Shallow bodies only: encoding/json allows more nesting than 512.
		if len(body) < 512 {
			object := json.Valid([]byte(body)) && strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "{")
			if got := fuzzPolicies[0].MatchBody(body); got != object {
				t.Fatalf("MatchBody(%q) = %v, encoding/json says object = %v", body, got, object)
			}
			if got, want := modelPolicy.MatchBody(body), modelMatch(body); got != want {
				t.Fatalf("MatchBody(%q) = %v, the model says %v", body, got, want)
			}
		}
	})
}

// modelPolicy is matched by MatchBody and by modelMatch, a plain
// re-implementation of its rules over encoding/json's tokens.
var modelPolicy = filter.MustParse(`{
	"a": {"b": ["x", {"prefix": "y"}, null, true]},
	"c": [{"anything-but": ["z"]}, {"exists": false}]
}`, filter.MessageBody)

func modelMatch(body string) bool {
	type leaf struct {
		path string
		v    any
	}
	var leaves []leaf
	dec := json.NewDecoder(strings.NewReader(body))
	var path []string // the key of each open object (arrays add none)
	type frame struct {
		object bool
		key    bool // an object's next token is a key
	}
	var stack []frame
	first := true
	for {
		tok, err := dec.Token()
		if err == io.EOF && !first && len(stack) == 0 {
			break
		}
		if err != nil || (!first && len(stack) == 0) {
			return false // broken, unterminated, or a second value
		}
		if first {
			if d, ok := tok.(json.Delim); !ok || d != '{' {
				return false
			}
			first = false
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].object && stack[top].key {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:top]
				path = path[:len(path)-1]
				if top > 0 && stack[top-1].object {
					stack[top-1].key = true
				}
				continue
			}
			path[len(path)-1] = tok.(string)
			stack[top].key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, key: true})
			path = append(path, "")
			continue
		case json.Delim('['):
			stack = append(stack, frame{})
			continue
		case json.Delim(']'):
			stack = stack[:top]
		default:
			leaves = append(leaves, leaf{strings.Join(path, "."), tok})
		}
		if top := len(stack) - 1; top >= 0 && stack[top].object {
			stack[top].key = true
		}
	}
	ab, c, cPresent := false, false, false
	for _, l := range leaves {
		switch l.path {
		case "a.b":
			s, isString := l.v.(string)
			ab = ab || l.v == nil || l.v == true || (isString && (s == "x" || strings.HasPrefix(s, "y")))
		case "c":
			s, isString := l.v.(string)
			c = c || (l.v != nil && !(isString && s == "z"))
			cPresent = cPresent || (l.v != nil && !(isString && s == ""))
		}
	}
	return ab && (c || !cPresent)
}
