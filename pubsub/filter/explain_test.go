package filter_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/pubsub/filter"
)

func TestExplainAttributes(t *testing.T) {
	p := filter.MustParse(`{"price": [{"numeric": [">=", 0, "<", 100]}], "store": [{"exists": true}]}`, filter.MessageAttributes)

	e := p.Explain(attrs{"price": N("120"), "store": S("fans")}, "")
	require.Equal(t, filter.Explanation{Failures: []filter.Failure{{Key: "price", Saw: "120", Want: "within [0, 100)"}}}, e)
	require.Equal(t, "no match: key `price`: 120 is not within [0, 100)", e.String())

	e = p.Explain(attrs{"price": N("50")}, "")
	require.Equal(t, "no match: key `store`: absent, wants present", e.String())

	e = p.Explain(attrs{"price": N("50"), "store": S("fans")}, "")
	require.Equal(t, filter.Explanation{Matched: true}, e)
	require.Equal(t, "match", e.String())

	q := filter.MustParse(`{"sport": ["rugby", "tennis", {"prefix": "bas"}], "tags": [{"anything-but": ["x"]}]}`, filter.MessageAttributes)
	e = q.Explain(attrs{"sport": S("golf"), "tags": SA(`["x"]`)}, "")
	require.Equal(t, `no match: key `+"`sport`"+`: "golf" is not "rugby", "tennis" or a string starting with "bas"`, e.String())
	e = q.Explain(attrs{"sport": S("rugby"), "tags": SA(`["x"]`)}, "")
	require.Equal(t, []filter.Failure{{Key: "tags", Saw: `["x"]`, Want: `anything but "x"`}}, e.Failures)
	e = q.Explain(attrs{"sport": B()}, "")
	require.Equal(t, "Binary attribute of 3 bytes", e.Failures[0].Saw)

	r := filter.MustParse(`{"store": [{"exists": false}]}`, filter.MessageAttributes)
	e = r.Explain(nil, "")
	require.False(t, e.Matched)
	require.Contains(t, e.Failures[0].Want, "exists false needs at least one attribute")
	e = r.Explain(attrs{"store": S("fans")}, "")
	require.Equal(t, "no match: key `store`: \"fans\" is not absent", e.String())
}

func TestExplainOr(t *testing.T) {
	p := filter.MustParse(orPolicy, filter.MessageAttributes)
	e := p.Explain(attrs{"source": S("aws.cloudwatch"), "metricName": S("Disk")}, "")
	require.Equal(t, []filter.Failure{
		{Key: "metricName", Saw: `"Disk"`, Want: `"CPUUtilization"`},
		{Key: "namespace", Want: `"AWS/EC2"`},
	}, e.Failures)
	require.Equal(t, "no match: no branch matches: key `metricName`: \"Disk\" is not \"CPUUtilization\"; key `namespace`: absent, wants \"AWS/EC2\"", e.String())
	// Branches failing on the same key the same way are reported once.
	e = p.Explain(attrs{"source": S("other"), "metricName": S("CPUUtilization")}, "")
	require.Equal(t, "no match: key `source`: \"other\" is not \"aws.cloudwatch\"", e.String())
}

func TestExplainBody(t *testing.T) {
	p := filter.MustParse(orderPolicy, filter.MessageBody)
	e := p.Explain(attrs{"order": S("ignored")}, `{"order": [{"total": 50, "currency": "USD"}, {"total": 80.5}]}`)
	require.Equal(t, []filter.Failure{{Key: "order.total", Saw: "[50, 80.5]", Want: "> 100"}}, e.Failures)
	require.Equal(t, "no match: key `order.total`: [50, 80.5] is not > 100", e.String())

	e = p.Explain(nil, `{"order": {"total": 120}}`)
	require.Equal(t, "no match: key `order.currency`: absent, wants \"USD\"", e.String())

	e = p.Explain(nil, `[1, 2]`)
	require.Equal(t, filter.Explanation{Reason: "the message body is not a JSON object"}, e)
	require.Equal(t, "no match: the message body is not a JSON object", e.String())

	e = p.Explain(nil, `{"order": {"total": 120, "currency": "USD"}}`)
	require.True(t, e.Matched)

	q := filter.MustParse(`{"a": [{"exists": true}]}`, filter.MessageBody)
	require.Equal(t, "no match: key `a`: null is not present", q.Explain(nil, `{"a": null}`).String())
}
