package filter_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/pubsub/filter"
)

type invalidCase struct {
	policy string
	scope  filter.Scope
	detail string // what the error says, in SNS's words where SNS has them
}

var invalidCases = []invalidCase{
	// Not a JSON object.
	{`{"a": ["x"]`, filter.MessageAttributes, "failed to parse JSON"},
	{``, filter.MessageAttributes, "failed to parse JSON"},
	{`{} x`, filter.MessageAttributes, "failed to parse JSON"},
	{`{"a": ['x']}`, filter.MessageAttributes, "failed to parse JSON"},
	{`{"a": [01]}`, filter.MessageAttributes, "failed to parse JSON"},
	{`{"a": ["\q"]}`, filter.MessageAttributes, "failed to parse JSON"},
	{`["a"]`, filter.MessageAttributes, "Filter policy must be a JSON object, not array"},
	{`null`, filter.MessageAttributes, "Filter policy must be a JSON object, not null"},
	{`"a"`, filter.MessageBody, "Filter policy must be a JSON object, not string"},
	{"{\"a\": [\"\xff\"]}", filter.MessageAttributes, "Filter policy must be valid UTF-8"},

	// Keys hold arrays (or, in MessageBody scope, objects), not empty ones.
	{`{"a": "x"}`, filter.MessageAttributes, `"a" must be an object or an array`},
	{`{"a": 5}`, filter.MessageBody, `"a" must be an object or an array`},
	{`{"a": null}`, filter.MessageBody, `"a" must be an object or an array`},
	{`{"a": []}`, filter.MessageAttributes, "Empty arrays are not allowed"},
	{`{"a": {"b": []}}`, filter.MessageBody, "Empty arrays are not allowed"},
	{`{"a": {}}`, filter.MessageBody, "Empty objects are not allowed"},
	{`{"a": {"b": ["x"]}}`, filter.MessageAttributes, "Filter policy scope MessageAttributes does not support nested filter policy"},
	{`{"$or": [{"a": {"b": ["x"]}}, {"c": ["y"]}]}`, filter.MessageAttributes, "does not support nested filter policy"},
	{`{"a": [["x"]]}`, filter.MessageAttributes, "Match value must be String, number, true, false, or null"},
	{`{"a": ["x"], "a": ["y"]}`, filter.MessageAttributes, `Duplicate key "a"`},

	// Limits: 5 keys, 150 combinations.
	{`{"a": [1], "b": [1], "c": [1], "d": [1], "e": [1], "f": [1]}`, filter.MessageAttributes, "Filter policy can not have more than 5 keys"},
	{`{"a": [1], "b": [1], "c": [1], "d": [1], "e": [1], "$or": [{"f": [1]}, {"g": [1]}]}`, filter.MessageAttributes, "Filter policy can not have more than 5 keys"},
	{`{"a": [1], "b": [1], "c": [1], "d": [1], "e": {"x": [1]}, "f": {"y": [1]}}`, filter.MessageBody, "Filter policy can not have more than 5 keys"},
	{`{"a": [` + values(11) + `], "b": [` + values(14) + `]}`, filter.MessageAttributes, "Filter policy is too complex"},
	{`{"a": {"b": [` + values(76) + `]}}`, filter.MessageBody, "Filter policy is too complex"}, // 76 × depth 2
	{`{"a": [1, 2], "$or": [{"b": [` + values(40) + `]}, {"c": [` + values(36) + `]}]}`, filter.MessageAttributes, "Filter policy is too complex"},

	// Operators.
	{`{"a": [{"prefix": 1}]}`, filter.MessageAttributes, "prefix match pattern must be a string"},
	{`{"a": [{"suffix": true}]}`, filter.MessageAttributes, "suffix match pattern must be a string"},
	{`{"a": [{"equals-ignore-case": ["x"]}]}`, filter.MessageAttributes, "equals-ignore-case match pattern must be a string"},
	{`{"a": [{"prefix": "x", "suffix": "y"}]}`, filter.MessageAttributes, "Only one key allowed in match expression"},
	{`{"a": [{}]}`, filter.MessageAttributes, "Only one key allowed in match expression"},
	{`{"a": [{"wildcard": "x*"}]}`, filter.MessageAttributes, "Unrecognized match type wildcard"},
	{`{"a": [{"anything-but": {"suffix": "x"}}]}`, filter.MessageAttributes, "Unsupported anything-but pattern: suffix"},
	{`{"a": [{"anything-but": {"equals-ignore-case": "x"}}]}`, filter.MessageAttributes, "Unsupported anything-but pattern: equals-ignore-case"},
	{`{"a": [{"anything-but": {"prefix": 5}}]}`, filter.MessageAttributes, "prefix match pattern must be a string"},
	{`{"a": [{"anything-but": []}]}`, filter.MessageAttributes, "Empty arrays are not allowed"},
	{`{"a": [{"anything-but": [true]}]}`, filter.MessageAttributes, "Inside anything but list, true is not supported."},
	{`{"a": [{"anything-but": ["x", {"prefix": "y"}]}]}`, filter.MessageAttributes, "Inside anything but list, object is not supported."},
	{`{"a": [{"anything-but": null}]}`, filter.MessageAttributes, "Value of anything-but must be an array or single string/number value."},
	{`{"a": [{"numeric": 5}]}`, filter.MessageAttributes, "Value of numeric must be an array."},
	{`{"a": [{"numeric": []}]}`, filter.MessageAttributes, "Invalid member in numeric match: ]"},
	{`{"a": [{"numeric": [5]}]}`, filter.MessageAttributes, "Invalid member in numeric match: 5"},
	{`{"a": [{"numeric": ["!=", 5]}]}`, filter.MessageAttributes, "Unrecognized numeric range operator: !="},
	{`{"a": [{"numeric": ["=", "5"]}]}`, filter.MessageAttributes, "Value of equals must be numeric"},
	{`{"a": [{"numeric": [">"]}]}`, filter.MessageAttributes, "Value of > must be numeric"},
	{`{"a": [{"numeric": ["=", 5, "<", 6]}]}`, filter.MessageAttributes, "Too many elements in numeric expression"},
	{`{"a": [{"numeric": ["<", 5, ">", 1]}]}`, filter.MessageAttributes, "Too many elements in numeric expression"},
	{`{"a": [{"numeric": [">", 1, 5, 6]}]}`, filter.MessageAttributes, "Bad value in numeric range: 5"},
	{`{"a": [{"numeric": [">", 1, ">", 5]}]}`, filter.MessageAttributes, "Bad numeric range operator: >"},
	{`{"a": [{"numeric": [">", 1, "<"]}]}`, filter.MessageAttributes, "Value of < must be numeric"},
	{`{"a": [{"numeric": [">", 5, "<", 1]}]}`, filter.MessageAttributes, "Bottom must be less than top"},
	{`{"a": [{"numeric": [">=", 5, "<=", 5]}]}`, filter.MessageAttributes, "Bottom must be less than top"},
	{`{"a": [{"numeric": [">", 5, "<", 5.000001]}]}`, filter.MessageAttributes, "Bottom must be less than top"}, // equal to five places
	{`{"a": [{"numeric": [">", 1, "<", 5, "<", 6]}]}`, filter.MessageAttributes, "Too many terms in numeric range expression"},
	{`{"a": [{"numeric": ["<", 1e10]}]}`, filter.MessageAttributes, "out of range"},
	{`{"a": [1000000000.00001]}`, filter.MessageAttributes, "out of range"},
	{`{"a": [{"anything-but": [-2e9]}]}`, filter.MessageAttributes, "out of range"},
	{`{"a": [{"exists": "true"}]}`, filter.MessageAttributes, "exists match pattern must be either true or false."},
	{`{"a": [{"exists": null}]}`, filter.MessageBody, "exists match pattern must be either true or false."},
	{`{"a": [{"cidr": "10.0.0.0"}]}`, filter.MessageAttributes, "Malformed CIDR, one '/' required"},
	{`{"a": [{"cidr": "10.0.0.0/8/8"}]}`, filter.MessageAttributes, "Malformed CIDR, one '/' required"},
	{`{"a": [{"cidr": "10.0.0.0/x"}]}`, filter.MessageAttributes, "Malformed CIDR, mask bits must be an integer"},
	{`{"a": [{"cidr": "10.0.0.300/24"}]}`, filter.MessageAttributes, "Nonstandard IP address: 10.0.0.300"},
	{`{"a": [{"cidr": "10.0.0.0/33"}]}`, filter.MessageAttributes, "mask bits out of range"},
	{`{"a": [{"cidr": 10}]}`, filter.MessageAttributes, "cidr match pattern must be a string"},

	// "$or" that is not an OR is a plain key, so its values must be valid.
	{`{"$or": [{"numeric": 123}, {"prefix": "abc"}]}`, filter.MessageAttributes, "Value of numeric must be an array."},
	{`{"$or": [{"a": ["x"]}]}`, filter.MessageAttributes, "Unrecognized match type a"},
	{`{"$or": [{"a": ["x"]}, "b"]}`, filter.MessageAttributes, "Unrecognized match type a"},
	{`{"$or": [{"a": ["x"]}, {}]}`, filter.MessageAttributes, "Empty objects are not allowed"},
	{`{"$or": {"a": ["x"]}}`, filter.MessageAttributes, "does not support nested filter policy"},
}

// values returns n distinct JSON numbers separated by commas.
func values(n int) string {
	v := make([]string, n)
	for i := range v {
		v[i] = itoa(i)
	}
	return strings.Join(v, ", ")
}

func TestParseRejectsInvalidPolicies(t *testing.T) {
	for _, tc := range invalidCases {
		p, err := filter.Parse(tc.policy, tc.scope)
		require.ErrorIs(t, err, filter.ErrInvalidPolicy, tc.policy)
		require.Nil(t, p)
		require.Contains(t, err.Error(), tc.detail, tc.policy)
		require.True(t, strings.HasPrefix(err.Error(), "filter: invalid filter policy: "), err.Error())
	}
}

func TestParseLimits(t *testing.T) {
	// 256 KiB: a policy of exactly that size parses, one byte more does not.
	pad := func(n int) string {
		head, tail := `{"a": ["`, `"]}`
		return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	}
	_, err := filter.Parse(pad(filter.MaxPolicySize), filter.MessageAttributes)
	require.NoError(t, err)
	_, err = filter.Parse(pad(filter.MaxPolicySize+1), filter.MessageAttributes)
	require.ErrorIs(t, err, filter.ErrInvalidPolicy)
	require.Contains(t, err.Error(), "more than the maximum of 262144")

	// 5 keys, 150 combinations: at the limit is fine.
	p, err := filter.Parse(`{"a": [`+values(10)+`], "b": [`+values(15)+`], "c": [1], "d": [1], "e": [1]}`, filter.MessageAttributes)
	require.NoError(t, err)
	require.Equal(t, 150, p.Combinations())
	require.Equal(t, []string{"a", "b", "c", "d", "e"}, p.Keys())

	// Nested keys do not count towards the 5, only top-level ones.
	p, err = filter.Parse(`{"a": {"b": [1], "c": [1], "d": [1], "e": [1], "f": [1], "g": [1]}}`, filter.MessageBody)
	require.NoError(t, err)
	require.Equal(t, 64, p.Combinations()) // six keys at depth 2: 2^6
	// $or branches each have their own 5.
	_, err = filter.Parse(`{"a": [1], "b": [1], "c": [1], "d": [1], "$or": [{"e": [1]}, {"f": [1]}]}`, filter.MessageAttributes)
	require.NoError(t, err)

	// Nesting deeper than any valid policy is refused by the parser.
	deep := strings.Repeat(`{"a": `, 2000) + `["x"]` + strings.Repeat(`}`, 2000)
	_, err = filter.Parse(deep, filter.MessageBody)
	require.ErrorIs(t, err, filter.ErrInvalidPolicy)
}

// The combinations are counted as the SNS guide's examples count them.
func TestCombinationsCountedAsSNSDoes(t *testing.T) {
	for _, tc := range []struct {
		policy string
		scope  filter.Scope
		want   int
	}{
		// 3 × 1 × 2
		{`{"key_a": ["value_one", "value_two", "value_three"], "key_b": ["value_one"], "key_c": ["value_one", "value_two"]}`, filter.MessageAttributes, 6},
		// four values three levels down, three values two levels down: 3×4 × 2×3
		{`{"key_a": {"key_b": {"key_c": ["value_one", "value_two", "value_three", "value_four"]}}, "key_d": {"key_e": ["value_one", "value_two", "value_three"]}}`, filter.MessageBody, 72},
		// (source × metricName) + (source × metricType × metricId) + (source × metricType × spaceId) = 2 + 2 + 3
		{nestedOrPolicy, filter.MessageAttributes, 7},
		{orPolicy, filter.MessageAttributes, 2},
		{`{"a": [{"numeric": [">", 0, "<", 5]}, {"exists": false}]}`, filter.MessageAttributes, 2},
		{`{}`, filter.MessageAttributes, 1},
	} {
		p, err := filter.Parse(tc.policy, tc.scope)
		require.NoError(t, err, tc.policy)
		require.Equal(t, tc.want, p.Combinations(), tc.policy)
	}
}

func TestScope(t *testing.T) {
	require.Equal(t, "MessageAttributes", filter.MessageAttributes.String())
	require.Equal(t, "MessageBody", filter.MessageBody.String())
	require.Equal(t, "Scope(7)", filter.Scope(7).String())
	for name, want := range map[string]filter.Scope{"": filter.MessageAttributes, "MessageAttributes": filter.MessageAttributes, "MessageBody": filter.MessageBody} {
		got, err := filter.ParseScope(name)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := filter.ParseScope("messagebody")
	require.ErrorIs(t, err, filter.ErrInvalidScope)
	_, err = filter.Parse(`{}`, filter.Scope(7))
	require.ErrorIs(t, err, filter.ErrInvalidScope)
	require.False(t, errors.Is(err, filter.ErrInvalidPolicy))

	p := filter.MustParse(`{"a": ["x"]}`, filter.MessageBody)
	require.Equal(t, filter.MessageBody, p.Scope())
	require.Equal(t, `{"a": ["x"]}`, p.String())
	require.Panics(t, func() { filter.MustParse(`{`, filter.MessageBody) })
}

// The 5-key limit stops a policy before its work grows: an "$or" branch
// with thousands of keys is refused without compiling them (it once took
// seconds and hundreds of MB, quadratic in the branch's keys).
func TestParseBoundedWorkOnManyKeysInOrBranch(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"$or": [{`)
	for i := range 16000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + itoa(i) + `": [1]`)
	}
	b.WriteString(`}, {"x": [1]}]}`)
	policy := b.String()
	require.Less(t, len(policy), filter.MaxPolicySize)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := filter.Parse(policy, filter.MessageAttributes)
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, filter.ErrInvalidPolicy)
	require.Contains(t, err.Error(), "Filter policy can not have more than 5 keys")
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "bytes allocated by Parse")
}

// A cidr's mask is decimal digits without sign or leading zero, as SNS
// reads it: "/-0" once parsed as /0 and matched every IPv4 address.
func TestCIDRMaskSyntax(t *testing.T) {
	for _, policy := range []string{
		`{"ip": [{"cidr": "10.0.0.0/-0"}]}`,
		`{"ip": [{"cidr": "10.0.0.0/+8"}]}`,
		`{"ip": [{"cidr": "10.0.0.0/08"}]}`,
		`{"ip": [{"cidr": "10.0.0.0/00"}]}`,
		`{"ip": [{"cidr": "10.0.0.0/"}]}`,
		`{"ip": [{"cidr": "10.0.0.0/ 8"}]}`,
		`{"ip": [{"cidr": "2001:db8::/064"}]}`,
	} {
		p, err := filter.Parse(policy, filter.MessageAttributes)
		require.ErrorIs(t, err, filter.ErrInvalidPolicy, policy)
		require.Nil(t, p, policy)
		require.Contains(t, err.Error(), "Malformed CIDR, mask bits must be an integer", policy)
	}
	for _, tc := range []struct {
		policy string
		in     string
		want   bool
	}{
		{`{"ip": [{"cidr": "10.0.0.0/0"}]}`, "200.1.1.1", true},
		{`{"ip": [{"cidr": "10.0.0.0/8"}]}`, "10.200.1.1", true},
		{`{"ip": [{"cidr": "10.0.0.0/8"}]}`, "11.0.0.1", false},
		{`{"ip": [{"cidr": "10.0.0.1/32"}]}`, "10.0.0.1", true},
		{`{"ip": [{"cidr": "2001:db8::/64"}]}`, "2001:db8::ff", true},
		{`{"ip": [{"cidr": "2001:db8::1/128"}]}`, "2001:db8::2", false},
	} {
		p, err := filter.Parse(tc.policy, filter.MessageAttributes)
		require.NoError(t, err, tc.policy)
		require.Equal(t, tc.want, p.MatchAttributes(attrs{"ip": S(tc.in)}), "%s with %s", tc.policy, tc.in)
	}
	_, err := filter.Parse(`{"ip": [{"cidr": 10}]}`, filter.MessageAttributes)
	require.ErrorIs(t, err, filter.ErrInvalidPolicy)
	require.Contains(t, err.Error(), "cidr match pattern must be a string")
}
