package filter_test

import (
	"errors"
	"fmt"

	"github.com/stratus-go/stratus/pubsub/filter"
)

// A policy on message attributes: AND across keys, OR within a key's list,
// and Explain to say why a message was dropped.
func Example() {
	p, err := filter.Parse(`{
		"event": [{"prefix": "order-"}],
		"price": [{"numeric": [">=", 0, "<", 100]}],
		"region": [{"anything-but": ["us-east-1"]}]
	}`, filter.MessageAttributes)
	if err != nil {
		panic(err)
	}
	cheap := map[string]filter.Attribute{
		"event":  filter.StringAttribute("order-created"),
		"price":  filter.NumberAttribute("42.5"),
		"region": filter.StringAttribute("eu-west-1"),
	}
	dear := map[string]filter.Attribute{
		"event":  filter.StringAttribute("order-created"),
		"price":  filter.NumberAttribute("120"),
		"region": filter.StringAttribute("eu-west-1"),
	}
	fmt.Println(p.MatchAttributes(cheap))
	fmt.Println(p.MatchAttributes(dear))
	fmt.Println(p.Explain(dear, ""))
	// Output:
	// true
	// false
	// no match: key `price`: 120 is not within [0, 100)
}

// In MessageBody scope keys nest, and arrays match when any element does.
func ExamplePolicy_MatchBody() {
	p := filter.MustParse(`{
		"order": {"status": ["paid"], "total": [{"numeric": [">", 100]}]},
		"items": {"sku": [{"prefix": "A-"}]}
	}`, filter.MessageBody)

	fmt.Println(p.MatchBody(`{"order": {"status": "paid", "total": 187.45},
		"items": [{"sku": "B-100"}, {"sku": "A-310"}]}`))
	fmt.Println(p.MatchBody(`{"order": {"status": "paid", "total": 87.45},
		"items": [{"sku": "A-310"}]}`))
	fmt.Println(p.MatchBody(`not JSON`))
	// Output:
	// true
	// false
	// false
}

// Explain reports, for each branch of an "$or", the first key that failed.
func ExamplePolicy_Explain() {
	p := filter.MustParse(`{
		"source": ["aws.cloudwatch"],
		"$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]
	}`, filter.MessageAttributes)

	e := p.Explain(map[string]filter.Attribute{
		"source":     filter.StringAttribute("aws.cloudwatch"),
		"metricName": filter.StringAttribute("DiskReadOps"),
	}, "")
	fmt.Println(e.Matched)
	for _, f := range e.Failures {
		fmt.Printf("key %s: saw %q, wanted %s\n", f.Key, f.Saw, f.Want)
	}
	fmt.Println(e)
	// Output:
	// false
	// key metricName: saw "\"DiskReadOps\"", wanted "CPUUtilization"
	// key namespace: saw "", wanted "AWS/EC2"
	// no match: no branch matches: key `metricName`: "DiskReadOps" is not "CPUUtilization"; key `namespace`: absent, wants "AWS/EC2"
}

// Parse refuses what SNS refuses, with SNS's reason.
func ExampleParse_invalid() {
	_, err := filter.Parse(`{"event": [{"anything-but": {"suffix": "-test"}}]}`, filter.MessageAttributes)
	fmt.Println(errors.Is(err, filter.ErrInvalidPolicy))
	fmt.Println(err)

	_, err = filter.Parse(`{"a": {"b": ["x"]}}`, filter.MessageAttributes)
	fmt.Println(err)

	p := filter.MustParse(`{"a": {"b": {"c": ["1", "2", "3", "4"]}}, "d": {"e": ["1", "2", "3"]}}`, filter.MessageBody)
	fmt.Println(p.Combinations())
	// Output:
	// true
	// filter: invalid filter policy: Unsupported anything-but pattern: suffix
	// filter: invalid filter policy: Filter policy scope MessageAttributes does not support nested filter policy
	// 72
}

// String.Array attributes are JSON arrays; each element is compared.
func ExampleStringArrayAttribute() {
	p := filter.MustParse(`{"interests": [{"anything-but": ["rugby", "tennis"]}]}`, filter.MessageAttributes)
	fmt.Println(p.MatchAttributes(map[string]filter.Attribute{
		"interests": filter.StringArrayAttribute(`["rugby", "baseball"]`),
	}))
	fmt.Println(p.MatchAttributes(map[string]filter.Attribute{
		"interests": filter.StringArrayAttribute(`["rugby", "tennis"]`),
	}))
	// Output:
	// true
	// false
}
