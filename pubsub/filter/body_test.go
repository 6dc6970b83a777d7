package filter_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/pubsub/filter"
)

type bodyCase struct {
	policy string
	body   string
	want   bool
}

// bodyCases are the same rules in MessageBody scope, with the nesting,
// arrays and JSON values only a body has.
var bodyCases = []bodyCase{
	// Exact values; arrays match when any element does.
	{`{"customer_interests": ["rugby", "tennis"]}`, `{"customer_interests": "rugby"}`, true},
	{`{"customer_interests": ["rugby", "tennis"]}`, `{"customer_interests": "tennis"}`, true},
	{`{"customer_interests": ["rugby", "tennis"]}`, `{"customer_interests": "baseball"}`, false},
	{`{"customer_interests": ["rugby", "tennis"]}`, `{"customer_interests": ["baseball", "rugby"]}`, true},
	{`{"customer_interests": ["rugby", "tennis"]}`, `{"customer_interests": []}`, false},
	{`{"customer_interests": ["rugby", "tennis"]}`, `{"other": "rugby"}`, false},
	{`{"customer_interests": ["rugby"]}`, `{"customer_interests": "Rugby"}`, false},
	{`{"customer_interests": ["rugby"]}`, ` { "customer_interests" : "rugby" } `, true},
	{`{"customer_interests": ["rugby"]}`, `{"customer_interests": "rug\u0062y"}`, true},
	{`{"customer_interests": ["rugby"]}`, `{"customer_\u0069nterests": "rugby"}`, true},
	{`{"customer_interests": ["rugby"]}`, `{"customer_interests": "x", "customer_interests": "rugby"}`, true},
	{`{"n": [5]}`, `{"n": 5}`, true},
	{`{"n": [5]}`, `{"n": 5.0}`, true},
	{`{"n": [5]}`, `{"n": 5e0}`, true},
	{`{"n": [5]}`, `{"n": "5"}`, false},
	{`{"s": ["5"]}`, `{"s": 5}`, false},
	{`{"b": [true]}`, `{"b": true}`, true},
	{`{"b": [true]}`, `{"b": "true"}`, false},
	{`{"b": [false]}`, `{"b": [true, false]}`, true},
	{`{"z": [null]}`, `{"z": null}`, true},
	{`{"z": [null]}`, `{}`, false},

	// prefix, suffix, equals-ignore-case, cidr on body strings.
	{`{"customer_interests": [{"prefix": "bas"}]}`, `{"customer_interests": "basketball"}`, true},
	{`{"customer_interests": [{"prefix": "bas"}]}`, `{"customer_interests": "rugby"}`, false},
	{`{"customer_interests": [{"suffix": "ball"}]}`, `{"customer_interests": ["rugby", "football"]}`, true},
	{`{"customer_interests": [{"equals-ignore-case": "Rugby"}]}`, `{"customer_interests": "RUGBY"}`, true},
	{`{"customer_interests": [{"equals-ignore-case": "Rugby"}]}`, `{"customer_interests": 5}`, false},
	{`{"ip": [{"cidr": "10.0.0.0/8"}]}`, `{"ip": "10.1.2.3"}`, true},
	{`{"ip": [{"cidr": "10.0.0.0/8"}]}`, `{"ip": "11.1.2.3"}`, false},
	{`{"ip": [{"cidr": "fd00::/8"}]}`, `{"ip": ["10.0.0.1", "fd12::1"]}`, true},

	// anything-but.
	{`{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}`, `{"customer_interests": "baseball"}`, true},
	{`{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}`, `{"customer_interests": "rugby"}`, false},
	{`{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}`, `{"customer_interests": ["rugby", "baseball"]}`, true},
	{`{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}`, `{"customer_interests": ["rugby", "tennis"]}`, false},
	{`{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}`, `{"customer_interests": null}`, false},
	{`{"price": [{"anything-but": [100, 500]}]}`, `{"price": 101}`, true},
	{`{"price": [{"anything-but": [100, 500]}]}`, `{"price": 100.1}`, true},
	{`{"price": [{"anything-but": [100, 500]}]}`, `{"price": [100, 50]}`, true},
	{`{"price": [{"anything-but": [100, 500]}]}`, `{"price": 100}`, false},
	{`{"price": [{"anything-but": [100, 500]}]}`, `{"price": 1e10}`, true}, // out of range: not 100 nor 500
	{`{"event": [{"anything-but": {"prefix": "order-"}}]}`, `{"event": "order-cancelled"}`, false},
	{`{"event": [{"anything-but": {"prefix": "order-"}}]}`, `{"event": "data-entry"}`, true},

	// numeric.
	{`{"price_usd": [{"numeric": ["=", 301.5]}]}`, `{"price_usd": 301.5}`, true},
	{`{"price_usd": [{"numeric": ["=", 301.5]}]}`, `{"price_usd": 3.015e2}`, true},
	{`{"price_usd": [{"numeric": ["=", 301.5]}]}`, `{"price_usd": "301.5"}`, false},
	{`{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}`, `{"price_usd": 150}`, true},
	{`{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}`, `{"price_usd": 150.01}`, false},
	{`{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}`, `{"price_usd": [-5, 20]}`, true},
	{`{"a": [{"numeric": ["=", 100]}]}`, `{"a": 100.000001}`, true},
	{`{"a": [{"numeric": ["=", 100]}]}`, `{"a": 100.00001}`, false},
	{`{"a": [{"numeric": [">", 0]}]}`, `{"a": 1e10}`, false},
	{`{"a": [{"numeric": ["<", 0]}]}`, `{"a": -1e9}`, true},
	{`{"a": [{"numeric": ["<", 0]}]}`, `{"a": -1.000001e9}`, false},

	// exists: leaves only; null and "" do not count as present.
	{`{"store": [{"exists": true}]}`, `{"store": "fans", "customer_interests": ["baseball", "basketball"]}`, true},
	{`{"store": [{"exists": true}]}`, `{"customer_interests": ["baseball", "basketball"]}`, false},
	{`{"store": [{"exists": true}]}`, `{"store": null}`, false},
	{`{"store": [{"exists": true}]}`, `{"store": ""}`, false},
	{`{"store": [{"exists": true}]}`, `{"store": []}`, false},
	{`{"store": [{"exists": true}]}`, `{"store": [null, 0]}`, true},
	{`{"store": [{"exists": true}]}`, `{"store": {"id": 1}}`, false}, // an intermediate node
	{`{"store": [{"exists": false}]}`, `{"store": "fans"}`, false},
	{`{"store": [{"exists": false}]}`, `{"customer_interests": ["baseball", "basketball"]}`, true},
	{`{"store": [{"exists": false}]}`, `{}`, true},
	{`{"store": [{"exists": false}]}`, `{"store": {"id": 1}}`, true},
	{`{"store": {"id": [{"exists": true}]}}`, `{"store": {"id": 1}}`, true},
	{`{"store": {"id": [{"exists": false}]}}`, `{"store": {"name": "x"}}`, true},
	{`{"store": {"id": [{"exists": false}]}}`, `{"store": [{"id": 1}, {"name": "x"}]}`, false},

	// Nested keys follow objects, and objects inside arrays.
	{orderPolicy, `{"order": {"total": 120, "currency": "USD"}}`, true},
	{orderPolicy, `{"order": {"total": 80, "currency": "USD"}}`, false},
	{orderPolicy, `{"order": {"total": 120, "currency": "EUR"}}`, false},
	{orderPolicy, `{"order": {"total": {"amount": 120}, "currency": "USD"}}`, false},
	{orderPolicy, `{"total": 120, "currency": "USD"}`, false},
	{orderPolicy, `{"order": [{"total": 120, "currency": "USD"}]}`, true},
	{orderPolicy, `{"order": {"currency": "USD", "lines": [1, 2], "total": 120.5}, "x": {"y": [{}]}}`, true},
	{`{"items": {"sku": ["A1"]}}`, `{"items": [{"sku": "B2"}, {"sku": "A1"}]}`, true},
	{`{"items": {"sku": ["A1"]}}`, `{"items": [{"sku": "B2"}, {"id": "A1"}]}`, false},
	{`{"a": {"b": {"c": ["x"]}}}`, `{"a": {"b": {"c": "x"}}}`, true},
	{`{"a": {"b": {"c": ["x"]}}}`, `{"a": {"b": "x"}}`, false},
	{`{"a": {"b": {"c": ["x"]}}}`, `{"a": {"b": {"c": [["x"]]}}}`, true},
	{`{"a": {"b": ["x"]}, "a2": ["y"]}`, `{"a2": "y", "a": {"b": "x"}}`, true},

	// $or, at the top and inside objects.
	{orPolicy, `{"source": "aws.cloudwatch", "metricName": "CPUUtilization"}`, true},
	{orPolicy, `{"source": "aws.cloudwatch", "namespace": "AWS/EC2"}`, true},
	{orPolicy, `{"source": "aws.cloudwatch"}`, false},
	{`{"a": {"$or": [{"b": ["x"]}, {"c": ["y"]}]}}`, `{"a": {"c": "y"}}`, true},
	{`{"a": {"$or": [{"b": ["x"]}, {"c": ["y"]}]}}`, `{"c": "y"}`, false},
	{`{"$or": [{"a": {"b": ["x"]}}, {"c": ["y"]}]}`, `{"a": {"b": "x"}}`, true},
	{`{"$or": [{"a": {"b": ["x"]}}, {"c": ["y"]}]}`, `{"a": {"b": "y"}, "c": "x"}`, false},
	{nestedOrPolicy, `{"source": "aws.cloudwatch", "metricType": "MetricType", "spaceId": 3000}`, true},

	// The guide's example, as a body.
	{docAccepts, docBody, true},
	{docRejects, docBody, false},
	{docRejects, `{"store": "example_corp", "event": "order_cancelled", "encrypted": false, "customer_interests": ["baseball"]}`, true},

	// A body that is not one JSON object matches nothing.
	{`{}`, `{"a": 1}`, true},
	{`{}`, `[{"a": 1}]`, false},
	{`{}`, `hello`, false}, // {} in MessageBody scope: every body that is a JSON object
	{`{"a": [{"exists": false}]}`, `"a"`, false},
	{`{"a": [{"exists": false}]}`, ``, false},
	{`{"a": [{"exists": false}]}`, `hello`, false},
	{`{"a": [1]}`, `{"a": 1} {"a": 1}`, false},
	{`{"a": [1]}`, `{"a": 1`, false},
	{`{"a": [1]}`, `{"a": 01}`, false},
	{`{"a": [1]}`, `{"a": 1,}`, false},
	{`{"a": [1]}`, `{"a": 1, "b": tru}`, false},
	{`{"a": [1]}`, `{"a": 1, "b": "\x"}`, false},
	{`{"a": [1]}`, "{\"a\": 1, \"b\": \"\x01\"}", false},
	{`{"a": [1]}`, `{'a': 1}`, false},
}

const docBody = `{"customer_interests": ["soccer", "rugby", "hockey"], "store": "example_corp", "event": "order_placed", "price_usd": 210.75}`

const orderPolicy = `{"order": {"total": [{"numeric": [">", 100]}], "currency": ["USD"]}}`

func TestMatchBodyTable(t *testing.T) {
	for _, tc := range bodyCases {
		p, err := filter.Parse(tc.policy, filter.MessageBody)
		require.NoError(t, err, tc.policy)
		require.Equal(t, tc.want, p.MatchBody(tc.body), "%s with %s", tc.policy, tc.body)
		require.Equal(t, tc.want, p.Match(attrs{"ignored": S("x")}, tc.body), tc.policy)
		e := p.Explain(nil, tc.body)
		require.Equal(t, tc.want, e.Matched, "%s with %s: %v", tc.policy, tc.body, e)
	}
}

func TestMatchBodyDeepAndLargeBodies(t *testing.T) {
	p := filter.MustParse(`{"a": [{"exists": false}]}`, filter.MessageBody)
	// Nesting beyond 512 levels matches nothing, without deep recursion.
	deep := `{"b": ` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`
	require.False(t, p.MatchBody(deep))
	ok := `{"b": ` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `}`
	require.True(t, p.MatchBody(ok))
	// A large flat body is read once.
	big := `{"items": [` + strings.Repeat(`{"sku": "B2", "qty": 1},`, 10000) + `{"sku": "A1"}]}`
	q := filter.MustParse(`{"items": {"sku": ["A1"]}}`, filter.MessageBody)
	require.True(t, q.MatchBody(big))
}

func TestMatchBodyDoesNotAllocate(t *testing.T) {
	p := filter.MustParse(benchBodyPolicy, filter.MessageBody)
	body := benchBody()
	require.True(t, p.MatchBody(body))
	require.Zero(t, testing.AllocsPerRun(100, func() { p.MatchBody(body) }))
}

func TestMatchBodyManyConditions(t *testing.T) {
	// More conds than the stack scratch space holds: 150 $or branches of
	// one key each, then 150 keys in 30 branches of five.
	var b strings.Builder
	b.WriteString(`{"$or": [`)
	for i := range 150 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"k` + itoa(i) + `": [` + itoa(i) + `]}`)
	}
	b.WriteString(`]}`)
	p := filter.MustParse(b.String(), filter.MessageBody)
	require.Equal(t, 150, p.Combinations())
	require.True(t, p.MatchBody(`{"k149": 149}`))
	require.False(t, p.MatchBody(`{"k149": 148}`))
	require.True(t, p.MatchAttributes(attrs{"k77": N("77")}))
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
