package filter_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/pubsub/filter"
)

// Short names for the tables.
type attrs = map[string]filter.Attribute

func S(v string) filter.Attribute  { return filter.StringAttribute(v) }
func N(v string) filter.Attribute  { return filter.NumberAttribute(v) }
func SA(v string) filter.Attribute { return filter.StringArrayAttribute(v) }
func B() filter.Attribute          { return filter.BinaryAttribute([]byte{1, 2, 3}) }

type attrCase struct {
	policy string
	in     attrs
	want   bool
}

// attributeCases are written from the rules and worked examples of the SNS
// developer guide (string-value-matching, numeric-value-matching,
// attribute-key-matching, and-or-logic, subscription-filter-policy-
// constraints), in MessageAttributes scope.
var attributeCases = []attrCase{
	// Exact strings: OR within a key's list, case-sensitive, String.Array
	// elements each compared.
	{`{"customer_interests": ["rugby", "tennis"]}`, attrs{"customer_interests": S("rugby")}, true},
	{`{"customer_interests": ["rugby", "tennis"]}`, attrs{"customer_interests": S("tennis")}, true},
	{`{"customer_interests": ["rugby", "tennis"]}`, attrs{"customer_interests": S("baseball")}, false},
	{`{"customer_interests": ["rugby", "tennis"]}`, attrs{"customer_interests": SA(`["rugby", "tennis"]`)}, true},
	{`{"customer_interests": ["rugby", "tennis"]}`, attrs{"customer_interests": SA(`["baseball"]`)}, false},
	{`{"customer_interests": ["rugby", "tennis"]}`, attrs{"customer_interests": SA(`["baseball", "tennis"]`)}, true},
	{`{"customer_interests": ["rugby", "tennis"]}`, attrs{"customer_interests": S("Rugby")}, false},
	{`{"customer_interests": ["rugby", "tennis"]}`, attrs{"store": S("rugby")}, false},
	{`{"customer_interests": ["rugby", "tennis"]}`, attrs{}, false},
	{`{"customer_interests": ["rugby", "tennis"]}`, nil, false},
	{`{"customer_interests": ["rugby"]}`, attrs{"customer_interests": S("rugby"), "other": S("x")}, true},
	{`{"customer_interests": [""]}`, attrs{"customer_interests": S("")}, true},
	{`{"code": ["5"]}`, attrs{"code": N("5")}, false},             // a string value is not a number
	{`{"code": ["5"]}`, attrs{"code": SA(`[5]`)}, false},          // nor an array's number
	{`{"code": ["5"]}`, attrs{"code": SA(`["5"]`)}, true},         // but an array's string is
	{`{"code": ["a\"b"]}`, attrs{"code": S(`a"b`)}, true},         // JSON escapes in the policy
	{`{"code": ["a\"b"]}`, attrs{"code": SA(`["a\"b"]`)}, true},   // and in a String.Array
	{`{"code": ["é"]}`, attrs{"code": SA(`["\u00e9"]`)}, true},    // \u escapes
	{`{"code": ["x"]}`, attrs{"code": SA(`[["x"], "y"]`)}, true},  // nested arrays are looked into
	{`{"code": ["x"]}`, attrs{"code": SA(`[{"v": "x"}]`)}, false}, // objects are not values
	{`{"code": ["x"]}`, attrs{"code": SA(`["x"`)}, false},         // not a JSON array
	{`{"code": ["x"]}`, attrs{"code": SA(`"x"`)}, false},          // not an array
	{`{"code": ["x"]}`, attrs{"code": {DataType: "String.label", StringValue: "x"}}, true},
	{`{"code": ["x"]}`, attrs{"code": {DataType: "String.Array.label", StringValue: `["x"]`}}, true},
	{`{"code": ["x"]}`, attrs{"code": {DataType: "Strings", StringValue: "x"}}, false},
	{`{"code": ["x"]}`, attrs{"code": B()}, false}, // Binary matches nothing but exists

	// Literals true, false, null: only JSON values in a String.Array carry them.
	{`{"flag": [true]}`, attrs{"flag": SA(`[true]`)}, true},
	{`{"flag": [true]}`, attrs{"flag": S("true")}, false},
	{`{"flag": [false]}`, attrs{"flag": SA(`[true, false]`)}, true},
	{`{"flag": [null]}`, attrs{"flag": SA(`[null]`)}, true},
	{`{"flag": [null]}`, attrs{"flag": SA(`["null"]`)}, false},

	// prefix, suffix, equals-ignore-case: strings only.
	{`{"customer_interests": [{"prefix": "bas"}]}`, attrs{"customer_interests": S("baseball")}, true},
	{`{"customer_interests": [{"prefix": "bas"}]}`, attrs{"customer_interests": S("basketball")}, true},
	{`{"customer_interests": [{"prefix": "bas"}]}`, attrs{"customer_interests": S("rugby")}, false},
	{`{"customer_interests": [{"prefix": "bas"}]}`, attrs{"customer_interests": S("Baseball")}, false},
	{`{"customer_interests": [{"prefix": "bas"}]}`, attrs{"customer_interests": S("ba")}, false},
	{`{"customer_interests": [{"prefix": "bas"}]}`, attrs{"customer_interests": SA(`["rugby", "basketball"]`)}, true},
	{`{"code": [{"prefix": "1"}]}`, attrs{"code": N("12")}, false},
	{`{"customer_interests": [{"suffix": "ball"}]}`, attrs{"customer_interests": S("baseball")}, true},
	{`{"customer_interests": [{"suffix": "ball"}]}`, attrs{"customer_interests": S("rugby")}, false},
	{`{"customer_interests": [{"suffix": "ball"}]}`, attrs{"customer_interests": S("ballet")}, false},
	{`{"customer_interests": [{"equals-ignore-case": "RUGBY"}]}`, attrs{"customer_interests": S("rugby")}, true},
	{`{"customer_interests": [{"equals-ignore-case": "RUGBY"}]}`, attrs{"customer_interests": S("RuGbY")}, true},
	{`{"customer_interests": [{"equals-ignore-case": "RUGBY"}]}`, attrs{"customer_interests": S("rugby league")}, false},
	{`{"customer_interests": [{"prefix": "bas"}, "rugby"]}`, attrs{"customer_interests": S("rugby")}, true},

	// anything-but: a list, a scalar, a prefix; an array matches when any
	// element is not excluded.
	{`{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}`, attrs{"customer_interests": S("baseball")}, true},
	{`{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}`, attrs{"customer_interests": S("football")}, true},
	{`{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}`, attrs{"customer_interests": S("rugby")}, false},
	{`{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}`, attrs{"customer_interests": SA(`["rugby", "baseball"]`)}, true},
	{`{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}`, attrs{"customer_interests": SA(`["rugby", "tennis"]`)}, false},
	{`{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}`, attrs{"other": S("x")}, false},
	{`{"customer_interests": [{"anything-but": "rugby"}]}`, attrs{"customer_interests": S("tennis")}, true},
	{`{"customer_interests": [{"anything-but": "rugby"}]}`, attrs{"customer_interests": S("rugby")}, false},
	{`{"event": [{"anything-but": {"prefix": "order-"}}]}`, attrs{"event": S("data-entry")}, true},
	{`{"event": [{"anything-but": {"prefix": "order-"}}]}`, attrs{"event": S("order_number")}, true},
	{`{"event": [{"anything-but": {"prefix": "order-"}}]}`, attrs{"event": S("order-cancelled")}, false},
	{`{"event": [{"anything-but": {"prefix": "order-"}}]}`, attrs{"event": SA(`["order-1", "refund"]`)}, true},
	{`{"price": [{"anything-but": [100, 500]}]}`, attrs{"price": N("101")}, true},
	{`{"price": [{"anything-but": [100, 500]}]}`, attrs{"price": N("100.1")}, true},
	{`{"price": [{"anything-but": [100, 500]}]}`, attrs{"price": N("100")}, false},
	{`{"price": [{"anything-but": [100, 500]}]}`, attrs{"price": N("1e2")}, false},
	{`{"price": [{"anything-but": [100, 500]}]}`, attrs{"price": N("500.000001")}, false},
	{`{"price": [{"anything-but": [100, 500]}]}`, attrs{"price": SA(`[100, 50]`)}, true},
	{`{"price": [{"anything-but": [100, 500]}]}`, attrs{"price": SA(`[100, 500]`)}, false},
	{`{"price": [{"anything-but": 100}]}`, attrs{"price": N("99")}, true},
	{`{"price": [{"anything-but": 100}]}`, attrs{"price": S("100")}, true}, // a string is not the number 100
	{`{"customer_interests": [{"anything-but": ["rugby"]}, {"exists": false}]}`, attrs{"other": S("x")}, true},

	// numeric: =, <, <=, >, >= and ranges, to five decimal places.
	{`{"price_usd": [{"numeric": ["=", 301.5]}]}`, attrs{"price_usd": N("301.5")}, true},
	{`{"price_usd": [{"numeric": ["=", 301.5]}]}`, attrs{"price_usd": N("3.015e2")}, true},
	{`{"price_usd": [{"numeric": ["=", 301.5]}]}`, attrs{"price_usd": N("301.50001")}, false},
	{`{"price_usd": [{"numeric": ["=", 301.5]}]}`, attrs{"price_usd": N("301.500001")}, true},
	{`{"price_usd": [{"numeric": ["=", 301.5]}]}`, attrs{"price_usd": S("301.5")}, false},
	{`{"price_usd": [{"numeric": ["=", 301.5]}]}`, attrs{"price_usd": N("abc")}, false},
	{`{"price_usd": [{"numeric": ["<", 0]}]}`, attrs{"price_usd": N("-1")}, true},
	{`{"price_usd": [{"numeric": ["<", 0]}]}`, attrs{"price_usd": N("0")}, false},
	{`{"price_usd": [{"numeric": ["<", 0]}]}`, attrs{"price_usd": N("-0.00001")}, true},
	{`{"price_usd": [{"numeric": ["<=", 0]}]}`, attrs{"price_usd": N("0")}, true},
	{`{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}`, attrs{"price_usd": N("150")}, true},
	{`{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}`, attrs{"price_usd": N("150.000001")}, true},
	{`{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}`, attrs{"price_usd": N("150.00001")}, false},
	{`{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}`, attrs{"price_usd": N("0")}, false},
	{`{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}`, attrs{"price_usd": N("0.00001")}, true},
	{`{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}`, attrs{"price_usd": N("75")}, true},
	{`{"price": [{"numeric": [">=", 0, "<", 100]}]}`, attrs{"price": N("0")}, true},
	{`{"price": [{"numeric": [">=", 0, "<", 100]}]}`, attrs{"price": N("100")}, false},
	{`{"price": [{"numeric": [">=", 0, "<", 100]}]}`, attrs{"price": N("99.99999")}, true},
	{`{"price": [{"numeric": [">=", 0, "<", 100]}]}`, attrs{"price": N("-0.00001")}, false},
	{`{"price": [{"numeric": [">=", 0, "<", 100]}]}`, attrs{"price": SA(`[150, 50]`)}, true},
	{`{"price": [{"numeric": [">=", 0, "<", 100]}]}`, attrs{"price": SA(`["50"]`)}, false},
	{`{"price": [{"numeric": [">", 999999999]}]}`, attrs{"price": N("1000000000")}, true},
	{`{"price": [{"numeric": [">", 0]}]}`, attrs{"price": N("1000000001")}, false}, // beyond 10^9
	{`{"price": [{"numeric": ["=", -1000000000]}]}`, attrs{"price": N("-1e9")}, true},
	{`{"price": [100]}`, attrs{"price": N("100")}, true},
	{`{"price": [100]}`, attrs{"price": N("1e2")}, true},
	{`{"price": [100]}`, attrs{"price": N("100.000001")}, true}, // equal to five places
	{`{"price": [100]}`, attrs{"price": N("100.00001")}, false},
	{`{"price": [100]}`, attrs{"price": S("100")}, false},
	{`{"price": [100]}`, attrs{"price": {DataType: "Number.float", StringValue: "100.0"}}, true},

	// exists: true needs the key (with a value that is not empty), false
	// needs it absent and at least one attribute.
	{`{"store": [{"exists": true}]}`, attrs{"store": S("fans"), "customer_interests": SA(`["baseball", "basketball"]`)}, true},
	{`{"store": [{"exists": true}]}`, attrs{"customer_interests": SA(`["baseball", "basketball"]`)}, false},
	{`{"store": [{"exists": true}]}`, attrs{"store": B()}, true},
	{`{"store": [{"exists": true}]}`, attrs{"store": N("0")}, true},
	{`{"store": [{"exists": true}]}`, attrs{"store": SA(`[]`)}, false},
	{`{"store": [{"exists": true}]}`, attrs{"store": S("")}, false},
	{`{"store": [{"exists": false}]}`, attrs{"store": S("fans"), "customer_interests": SA(`["baseball"]`)}, false},
	{`{"store": [{"exists": false}]}`, attrs{"customer_interests": SA(`["baseball", "basketball"]`)}, true},
	{`{"store": [{"exists": false}]}`, attrs{}, false}, // an empty set of attributes never matches
	{`{"store": [{"exists": false}]}`, attrs{"store": B()}, false},
	{`{"store": [{"exists": false}, "fans"]}`, attrs{"store": S("fans")}, true},
	{`{"store": [{"exists": false}, "fans"]}`, attrs{"store": S("shop")}, false},
	{`{"store": [{"exists": false}, "fans"]}`, attrs{"x": S("shop")}, true},

	// cidr, IPv4 and IPv6.
	{`{"source_ip": [{"cidr": "10.0.0.0/24"}]}`, attrs{"source_ip": S("10.0.0.0")}, true},
	{`{"source_ip": [{"cidr": "10.0.0.0/24"}]}`, attrs{"source_ip": S("10.0.0.255")}, true},
	{`{"source_ip": [{"cidr": "10.0.0.0/24"}]}`, attrs{"source_ip": S("10.1.1.0")}, false},
	{`{"source_ip": [{"cidr": "10.0.0.0/24"}]}`, attrs{"source_ip": S("not an address")}, false},
	{`{"source_ip": [{"cidr": "10.0.0.0/24"}]}`, attrs{"source_ip": S("::ffff:10.0.0.1")}, true}, // IPv4-mapped: an IPv4 address
	{`{"source_ip": [{"cidr": "10.0.0.7/24"}]}`, attrs{"source_ip": S("10.0.0.1")}, true},
	{`{"source_ip": [{"cidr": "2001:db8::/32"}]}`, attrs{"source_ip": S("2001:db8::1")}, true},
	{`{"source_ip": [{"cidr": "2001:db8::/32"}]}`, attrs{"source_ip": S("2001:db9::1")}, false},
	{`{"source_ip": [{"cidr": "2001:db8::/32"}]}`, attrs{"source_ip": S("10.0.0.1")}, false},

	// AND across keys; $or at any level.
	{`{"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}`, attrs{"customer_interests": S("rugby"), "price_usd": N("101")}, true},
	{`{"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}`, attrs{"customer_interests": S("rugby"), "price_usd": N("100")}, false},
	{`{"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}`, attrs{"customer_interests": S("football"), "price_usd": N("101")}, false},
	{`{"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}`, attrs{"customer_interests": S("rugby")}, false},
	{orPolicy, attrs{"source": S("aws.cloudwatch"), "metricName": S("CPUUtilization")}, true},
	{orPolicy, attrs{"source": S("aws.cloudwatch"), "namespace": S("AWS/EC2")}, true},
	{orPolicy, attrs{"source": S("aws.cloudwatch"), "metricName": S("Other"), "namespace": S("AWS/EC2")}, true},
	{orPolicy, attrs{"source": S("aws.cloudwatch")}, false},
	{orPolicy, attrs{"metricName": S("CPUUtilization"), "namespace": S("AWS/EC2")}, false},
	{nestedOrPolicy, attrs{"source": S("aws.cloudwatch"), "metricName": S("ReadLatency")}, true},
	{nestedOrPolicy, attrs{"source": S("aws.cloudwatch"), "metricType": S("MetricType"), "spaceId": N("2000")}, true},
	{nestedOrPolicy, attrs{"source": S("aws.cloudwatch"), "metricType": S("MetricType"), "metricId": N("4321")}, true},
	{nestedOrPolicy, attrs{"source": S("aws.cloudwatch"), "metricType": S("MetricType"), "metricId": N("9")}, false},
	{nestedOrPolicy, attrs{"source": S("aws.cloudwatch"), "spaceId": N("1000")}, false},
	{`{"$or": ["a", "b"]}`, attrs{"$or": S("a")}, true}, // not an array of objects: a plain key
	{`{"$or": ["a", "b"]}`, attrs{"a": S("a")}, false},

	// The guide's example message, with a policy that accepts it and one
	// that rejects it.
	{docAccepts, docMessage, true},
	{docRejects, docMessage, false},

	// The empty policy accepts everything.
	{`{}`, attrs{"a": S("x")}, true},
	{`{}`, nil, true},
}

// docMessage, docAccepts and docRejects are the guide's "example filter
// policies".
var docMessage = attrs{
	"customer_interests": SA(`["soccer", "rugby", "hockey"]`),
	"store":              S("example_corp"),
	"event":              S("order_placed"),
	"price_usd":          N("210.75"),
}

const docAccepts = `{
	"store": ["example_corp"],
	"event": [{"anything-but": "order_cancelled"}],
	"customer_interests": ["rugby", "football", "baseball"],
	"price_usd": [{"numeric": [">=", 100]}]
}`

const docRejects = `{
	"store": ["example_corp"],
	"event": ["order_cancelled"],
	"encrypted": [false],
	"customer_interests": ["basketball", "baseball"]
}`

const orPolicy = `{"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}`

const nestedOrPolicy = `{
	"source": ["aws.cloudwatch"],
	"$or": [
		{"metricName": ["CPUUtilization", "ReadLatency"]},
		{"metricType": ["MetricType"], "$or": [{"metricId": [1234, 4321]}, {"spaceId": [1000, 2000, 3000]}]}
	]
}`

func TestMatchAttributesTable(t *testing.T) {
	for _, tc := range attributeCases {
		p, err := filter.Parse(tc.policy, filter.MessageAttributes)
		require.NoError(t, err, tc.policy)
		require.Equal(t, tc.want, p.MatchAttributes(tc.in), "%s with %v", tc.policy, tc.in)
		// Match dispatches on the scope; Explain agrees with it.
		require.Equal(t, tc.want, p.Match(tc.in, `{"not":"looked at"}`), tc.policy)
		e := p.Explain(tc.in, "")
		require.Equal(t, tc.want, e.Matched, "%s with %v: %v", tc.policy, tc.in, e)
		if !tc.want {
			require.NotEmpty(t, e.Failures, tc.policy)
		}
	}
}

func TestMatchAttributesDoesNotAllocate(t *testing.T) {
	p := filter.MustParse(benchPolicy, filter.MessageAttributes)
	in := benchAttributes()
	require.True(t, p.MatchAttributes(in))
	allocs := testing.AllocsPerRun(100, func() { p.MatchAttributes(in) })
	require.Zero(t, allocs)
	arr := filter.MustParse(`{"tags": [{"prefix": "x"}, {"numeric": [">", 5]}]}`, filter.MessageAttributes)
	tags := attrs{"tags": SA(`["a", 1, true, null, ["b", 9]]`)}
	require.True(t, arr.MatchAttributes(tags))
	require.Zero(t, testing.AllocsPerRun(100, func() { arr.MatchAttributes(tags) }))
	// The documented exception: an element with JSON escapes is unescaped.
	escaped := attrs{"tags": SA(`["\u0078"]`)}
	require.True(t, arr.MatchAttributes(escaped))
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { arr.MatchAttributes(escaped) }))
}

func TestMatchAttributesIgnoresBodyAndNestedKeys(t *testing.T) {
	// A MessageBody policy still answers MatchAttributes; its nested keys
	// find no attribute.
	p := filter.MustParse(`{"a": {"b": ["x"]}}`, filter.MessageBody)
	require.False(t, p.MatchAttributes(attrs{"a": S("x"), "b": S("x"), "a.b": S("x")}))
	q := filter.MustParse(`{"a": {"b": [{"exists": false}]}}`, filter.MessageBody)
	require.True(t, q.MatchAttributes(attrs{"a": S("x")}))
	// Match goes by the scope: this one reads the body, not the attributes.
	require.True(t, p.Match(attrs{}, `{"a": {"b": "x"}}`))
	require.False(t, p.Match(attrs{"a.b": S("x")}, `{}`))
}

// A Policy is immutable: many goroutines match with one at once (run with
// -race).
func TestPolicyConcurrentUse(t *testing.T) {
	p := filter.MustParse(benchPolicy, filter.MessageAttributes)
	q := filter.MustParse(benchBodyPolicy, filter.MessageBody)
	in, body := benchAttributes(), benchBody()
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := true
			for range 200 {
				ok = ok && p.MatchAttributes(in) && q.MatchBody(body) && q.Explain(nil, body).Matched
			}
			done <- ok
		}()
	}
	for range 4 {
		require.True(t, <-done)
	}
}

// A key outside an "$or" belongs to every one of its alternatives, but
// MatchAttributes reads it once per match, not once per alternative (a
// large String.Array was parsed up to 150 times). Allocations count the
// reads: each scan of the escaped element unescapes it once.
func TestMatchAttributesReadsEachKeyOnce(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"a": [{"prefix": "zz"}], "$or": [`)
	for i := range 150 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"b` + itoa(i) + `": [1]}`)
	}
	b.WriteString(`]}`)
	p := filter.MustParse(b.String(), filter.MessageAttributes)
	in := attrs{"a": SA(`["\u007a\u007a"]`), "b149": N("1")}
	require.True(t, p.MatchAttributes(in))
	require.LessOrEqual(t, testing.AllocsPerRun(20, func() { p.MatchAttributes(in) }), 1.0)
	// The memo is per match: the same key decides differently next time.
	require.False(t, p.MatchAttributes(attrs{"a": SA(`["\u007a\u0079"]`), "b149": N("1")}))
	require.False(t, p.MatchAttributes(attrs{"a": SA(`["\u007a\u007a"]`), "b150": N("1")}))
	require.True(t, p.MatchAttributes(attrs{"a": S("zz"), "b0": N("1")}))

	// More conds than the memo's stack space: 150 branches of four keys.
	b.Reset()
	b.WriteString(`{"a": [{"prefix": "zz"}], "$or": [`)
	for i := range 150 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"b` + itoa(i) + `": [1], "c": [1], "d": [1], "e` + itoa(i) + `": [1]}`)
	}
	b.WriteString(`]}`)
	q := filter.MustParse(b.String(), filter.MessageAttributes)
	full := attrs{"a": S("zz"), "b149": N("1"), "c": N("1"), "d": N("1"), "e149": N("1")}
	require.True(t, q.MatchAttributes(full))
	full["e149"] = N("2")
	require.False(t, q.MatchAttributes(full))
}

// An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is the IPv4 address it
// maps, as SNS's Java reads it: it matches IPv4 blocks, and a block
// written in the mapped form is the IPv4 block.
func TestCIDRMatchesIPv4MappedAddresses(t *testing.T) {
	for _, tc := range []struct {
		cidr, ip string
		want     bool
	}{
		{"10.0.0.0/24", "::ffff:10.0.0.1", true},
		{"10.0.0.0/24", "::FFFF:10.0.0.255", true},
		{"10.0.0.0/24", "::ffff:a00:1", true},
		{"10.0.0.0/24", "::ffff:10.0.1.1", false},
		{"10.0.0.0/24", "::ffff:10.0.0.1%eth0", false}, // zones never match
		{"::ffff:10.0.0.0/120", "10.0.0.9", true},
		{"::ffff:10.0.0.0/120", "::ffff:10.0.0.9", true},
		{"::ffff:10.0.0.0/120", "10.0.1.9", false},
		{"::ffff:0:0/96", "192.0.2.1", true},
		{"2001:db8::/32", "::ffff:10.0.0.1", false},
		{"::/0", "::ffff:10.0.0.1", false}, // an IPv4 address is in no IPv6 block
		{"::/0", "2001:db8::1", true},
	} {
		policy := `{"ip": [{"cidr": "` + tc.cidr + `"}]}`
		p := filter.MustParse(policy, filter.MessageAttributes)
		require.Equal(t, tc.want, p.MatchAttributes(attrs{"ip": S(tc.ip)}), "%s with %s", tc.cidr, tc.ip)
		b := filter.MustParse(policy, filter.MessageBody)
		require.Equal(t, tc.want, b.MatchBody(`{"ip": "`+tc.ip+`"}`), "%s with body %s", tc.cidr, tc.ip)
	}
}
