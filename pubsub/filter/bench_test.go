package filter_test

import (
	"testing"

	"github.com/stratus-go/stratus/pubsub/filter"
)

// BenchmarkChanBaseline is the naive baseline: one producer and one
// consumer pass messages through a buffered channel of 1,024, the cost of
// handing a message on without looking at it.
func BenchmarkChanBaseline(b *testing.B) {
	b.ReportAllocs()
	ch := make(chan string, 1024)
	done := make(chan struct{})
	go func() {
		for range ch {
		}
		close(done)
	}()
	for b.Loop() {
		ch <- "message"
	}
	close(ch)
	<-done
}

// benchPolicy has five keys: a prefix, a numeric range, an anything-but,
// an exists and an exact list.
const benchPolicy = `{
	"event": [{"prefix": "order-"}],
	"price": [{"numeric": [">=", 0, "<", 100]}],
	"region": [{"anything-but": ["us-east-1", "us-west-2"]}],
	"customer": [{"exists": true}],
	"channel": ["web", "mobile"]
}`

// benchAttributes are ten attributes, all five of the policy's among them,
// each matching (so every key is checked).
func benchAttributes() map[string]filter.Attribute {
	return map[string]filter.Attribute{
		"event":    S("order-created"),
		"price":    N("42.5"),
		"region":   S("eu-west-1"),
		"customer": S("c-1234"),
		"channel":  S("mobile"),
		"trace":    S("1-5759e988-bd862e3fe1be46a994272793"),
		"tags":     SA(`["new", "priority"]`),
		"weight":   N("1.25"),
		"sig":      B(),
		"version":  S("2"),
	}
}

// BenchmarkMatchAttributes matches benchPolicy against benchAttributes.
// Target: at most 200 ns and no allocation per match.
func BenchmarkMatchAttributes(b *testing.B) {
	b.ReportAllocs()
	p := filter.MustParse(benchPolicy, filter.MessageAttributes)
	in := benchAttributes()
	if !p.MatchAttributes(in) {
		b.Fatal("no match")
	}
	for b.Loop() {
		p.MatchAttributes(in)
	}
}

// BenchmarkMatchAttributesOr matches a policy whose "$or" expands to four
// alternatives, with two keys outside it, against benchAttributes; only
// the last alternative matches, so the keys outside are needed four times
// and read once.
func BenchmarkMatchAttributesOr(b *testing.B) {
	b.ReportAllocs()
	p := filter.MustParse(`{
		"event": [{"prefix": "order-"}],
		"price": [{"numeric": [">=", 0, "<", 100]}],
		"$or": [
			{"region": ["us-east-1"]},
			{"channel": ["web"]},
			{"customer": [{"exists": false}]},
			{"tags": ["priority"]}
		]
	}`, filter.MessageAttributes)
	in := benchAttributes()
	if !p.MatchAttributes(in) {
		b.Fatal("no match")
	}
	for b.Loop() {
		p.MatchAttributes(in)
	}
}

// benchBodyPolicy has five keys, four of them nested.
const benchBodyPolicy = `{
	"order": {"status": ["paid"], "total": [{"numeric": [">", 100]}]},
	"customer": {"tier": [{"anything-but": ["free"]}]},
	"items": {"sku": [{"prefix": "A"}]},
	"source": [{"exists": true}]
}`

// benchBody returns a 1 KiB JSON body, nested three levels, with an array
// of objects; the policy's keys are spread through it.
func benchBody() string {
	return `{"id": "7f8a6e2c-3b1d-4e0f-9a52-c1d2e3f4a5b6", "source": "checkout", "version": 3,
 "customer": {"id": "c-1234", "tier": "gold", "name": "Ada Lovelace", "email": "ada@example.com",
  "address": {"street": "12 Analytical Row", "city": "London", "postcode": "EC1A 1BB", "country": "GB"}},
 "order": {"number": "ORD-2026-000123", "status": "paid", "currency": "EUR", "total": 187.45,
  "placed": "2026-11-26T01:02:03Z", "notes": "leave at the door, ring twice",
  "discounts": [{"code": "WINTER", "amount": 10}, {"code": "LOYAL", "amount": 5.5}]},
 "items": [
  {"sku": "B-100", "name": "Difference engine gear", "qty": 2, "price": 19.99, "tags": ["metal", "spare"]},
  {"sku": "C-220", "name": "Punched card pack", "qty": 10, "price": 4.5, "tags": ["paper"]},
  {"sku": "A-310", "name": "Analytical engine manual", "qty": 1, "price": 99.0, "tags": ["book", "rare"]},
  {"sku": "D-404", "name": "Brass crank", "qty": 1, "price": 23.46, "tags": []}],
 "shipping": {"method": "express", "carrier": "Royal Mail", "tracking": null, "insured": true},
 "meta": {"ip": "203.0.113.7", "agent": "stratus-bench/1.0", "flags": [true, false, null]}}`
}

// BenchmarkMatchBody matches benchBodyPolicy against benchBody. Target: at
// most 3 µs per match.
func BenchmarkMatchBody(b *testing.B) {
	b.ReportAllocs()
	p := filter.MustParse(benchBodyPolicy, filter.MessageBody)
	body := benchBody()
	if !p.MatchBody(body) {
		b.Fatal("no match")
	}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		p.MatchBody(body)
	}
}

// BenchmarkParse compiles benchPolicy: done once per subscription.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := filter.Parse(benchPolicy, filter.MessageAttributes); err != nil {
			b.Fatal(err)
		}
	}
}
