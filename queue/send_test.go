package queue_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/queue"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestSendReturnsDistinctUUIDs(t *testing.T) {
	q := newQueue(t, queue.Config{})
	seen := map[string]bool{}
	for range 1000 {
		id := send(t, q, "x")
		require.Regexp(t, uuidV4, id)
		require.False(t, seen[id])
		seen[id] = true
	}
}

// badSends are messages SQS rejects, each with the sentinel it must return.
var badSends = []struct {
	name string
	in   queue.SendInput
	err  error
}{
	{"empty body", queue.SendInput{Body: ""}, queue.ErrEmptyBody},
	{"NUL", queue.SendInput{Body: "a\x00b"}, queue.ErrInvalidMessageContents},
	{"control char", queue.SendInput{Body: "a\x1fb"}, queue.ErrInvalidMessageContents},
	{"control char after 8 ASCII", queue.SendInput{Body: "abcdefgh\x0b"}, queue.ErrInvalidMessageContents},
	{"U+FFFE", queue.SendInput{Body: "a\uFFFE"}, queue.ErrInvalidMessageContents},
	{"U+FFFF", queue.SendInput{Body: "a\uFFFF"}, queue.ErrInvalidMessageContents},
	{"invalid UTF-8", queue.SendInput{Body: "a\xff\xfe"}, queue.ErrInvalidMessageContents},
	{"surrogate bytes", queue.SendInput{Body: "\xed\xa0\x80"}, queue.ErrInvalidMessageContents},
	{"too large", queue.SendInput{Body: strings.Repeat("x", 1025)}, queue.ErrMessageTooLarge},
	{"too large with attributes", queue.SendInput{Body: strings.Repeat("x", 1000), Attributes: map[string]queue.Attribute{
		"abcdefghij": queue.StringAttribute(strings.Repeat("v", 9)), // 10 + 6 + 9 = 25 > 24
	}}, queue.ErrMessageTooLarge},
	{"delay negative", queue.SendInput{Body: "x", Delay: new(-time.Second)}, queue.ErrInvalidParameter},
	{"delay over 15m", queue.SendInput{Body: "x", Delay: new(15*time.Minute + 1)}, queue.ErrInvalidParameter},
	{"11 attributes", queue.SendInput{Body: "x", Attributes: attrsN(11)}, queue.ErrInvalidAttribute},
	{"name AWS.", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"AWS.x": queue.StringAttribute("v")}}, queue.ErrInvalidAttribute},
	{"name amazon. any case", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"aMaZoN.x": queue.StringAttribute("v")}}, queue.ErrInvalidAttribute},
	{"name leading period", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{".x": queue.StringAttribute("v")}}, queue.ErrInvalidAttribute},
	{"name trailing period", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"x.": queue.StringAttribute("v")}}, queue.ErrInvalidAttribute},
	{"name double period", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a..b": queue.StringAttribute("v")}}, queue.ErrInvalidAttribute},
	{"name bad char", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a b": queue.StringAttribute("v")}}, queue.ErrInvalidAttribute},
	{"name empty", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"": queue.StringAttribute("v")}}, queue.ErrInvalidAttribute},
	{"name 257 chars", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{strings.Repeat("n", 257): queue.StringAttribute("v")}}, queue.ErrInvalidAttribute},
	{"type unknown", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": {DataType: "Text", StringValue: "v"}}}, queue.ErrInvalidAttribute},
	{"type lowercase", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": {DataType: "string", StringValue: "v"}}}, queue.ErrInvalidAttribute},
	{"type empty label", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": {DataType: "String.", StringValue: "v"}}}, queue.ErrInvalidAttribute},
	{"type too long", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": {DataType: "String." + strings.Repeat("l", 250), StringValue: "v"}}}, queue.ErrInvalidAttribute},
	{"string empty value", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": queue.StringAttribute("")}}, queue.ErrInvalidAttribute},
	{"string with binary", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": {DataType: "String", StringValue: "v", BinaryValue: []byte{1}}}}, queue.ErrInvalidAttribute},
	{"string bad chars", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": queue.StringAttribute("\x00")}}, queue.ErrInvalidMessageContents},
	{"binary empty", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": {DataType: "Binary"}}}, queue.ErrInvalidAttribute},
	{"binary with string", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": {DataType: "Binary", StringValue: "v", BinaryValue: []byte{1}}}}, queue.ErrInvalidAttribute},
	{"number not a number", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": queue.NumberAttribute("12abc")}}, queue.ErrInvalidAttribute},
	{"number bare sign", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": queue.NumberAttribute("-")}}, queue.ErrInvalidAttribute},
	{"number bare exponent", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": queue.NumberAttribute("1e")}}, queue.ErrInvalidAttribute},
	{"number 39 digits", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": queue.NumberAttribute(strings.Repeat("9", 39))}}, queue.ErrInvalidAttribute},
	{"number too big", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": queue.NumberAttribute("1.1e126")}}, queue.ErrInvalidAttribute},
	{"number 2e126", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": queue.NumberAttribute("2e126")}}, queue.ErrInvalidAttribute},
	{"number too small", queue.SendInput{Body: "x", Attributes: map[string]queue.Attribute{"a": queue.NumberAttribute("9e-129")}}, queue.ErrInvalidAttribute},
}

func attrsN(n int) map[string]queue.Attribute {
	m := map[string]queue.Attribute{}
	for i := range n {
		m[string(rune('a'+i))] = queue.StringAttribute("v")
	}
	return m
}

func TestSendRejectsBadInputAndChangesNothing(t *testing.T) {
	q := newQueue(t, queue.Config{MaxMessageSize: 1024})
	send(t, q, "before")
	for _, tt := range badSends {
		t.Run(tt.name, func(t *testing.T) {
			id, err := q.Send(ctx, tt.in)
			require.ErrorIs(t, err, tt.err)
			require.Empty(t, id)
			require.Contains(t, err.Error(), `queue "queue": send:`)
			require.Equal(t, 1, stats(t, q).Visible)
		})
	}
	require.Equal(t, "before", receiveOne(t, q).Body)
}

func TestSendAcceptsValidEdgeCases(t *testing.T) {
	q := newQueue(t, queue.Config{MaxMessageSize: 1024})
	for _, in := range []queue.SendInput{
		{Body: "tab\tnewline\ncr\r"},
		{Body: "\u00e9\u4e16\U0001F600\uFFFD\uE000\uD7FF"},
		{Body: strings.Repeat("x", 1024)},
		{Body: strings.Repeat("x", 1000), Attributes: map[string]queue.Attribute{"abcdefghij": queue.StringAttribute("12345678")}}, // exactly 1024
		{Body: "x", Attributes: attrsN(10)},
		{Body: "x", Attributes: map[string]queue.Attribute{
			"a.b-c_D9":  queue.StringAttribute("v"),
			"n1":        queue.NumberAttribute("-0.000123e+5"),
			"n2":        queue.NumberAttribute(strings.Repeat("9", 38)),
			"n3":        queue.NumberAttribute("1e126"),
			"n4":        queue.NumberAttribute("1e-128"),
			"n5":        queue.NumberAttribute("0"),
			"n6":        {DataType: "Number.float", StringValue: "3.14"},
			"b":         {DataType: "Binary.png", BinaryValue: []byte{0, 1, 2}},
			"AWSx":      queue.StringAttribute("not the AWS. prefix"),
			"Amazonian": queue.StringAttribute("nor Amazon."),
		}},
	} {
		_, err := q.Send(ctx, in)
		require.NoError(t, err, "%+v", in)
	}
	require.Equal(t, 6, stats(t, q).Visible)
}

func TestAttributesRoundTripAsCopies(t *testing.T) {
	q := newQueue(t, queue.Config{})
	bin := []byte{1, 2, 3}
	in := map[string]queue.Attribute{
		"s": queue.StringAttribute("v"),
		"n": {DataType: "Number.float", StringValue: "1.5"},
		"b": {DataType: "Binary", BinaryValue: bin},
	}
	_, err := q.Send(ctx, queue.SendInput{Body: "x", Attributes: in})
	require.NoError(t, err)
	// the caller's map and bytes are theirs to change
	bin[0] = 9
	in["s"] = queue.StringAttribute("changed")

	m := receiveOne(t, q)
	require.Equal(t, map[string]queue.Attribute{
		"s": queue.StringAttribute("v"),
		"n": {DataType: "Number.float", StringValue: "1.5"},
		"b": {DataType: "Binary", BinaryValue: []byte{1, 2, 3}},
	}, m.Attributes)
	// and the received copy is the receiver's
	m.Attributes["b"].BinaryValue[0] = 7
	require.NoError(t, q.ChangeVisibility(ctx, m.ReceiptHandle, 0))
	require.Equal(t, []byte{1, 2, 3}, receiveOne(t, q).Attributes["b"].BinaryValue)
}

func TestMessageDelayOverridesQueueDelay(t *testing.T) {
	mocked(t, func(t *testing.T, clk *clock.Mock) {
		q := newQueue(t, queue.Config{Clock: clk, Delay: time.Minute, VisibilityTimeout: time.Hour})
		_, err := q.Send(ctx, queue.SendInput{Body: "queue delay"})
		require.NoError(t, err)
		_, err = q.Send(ctx, queue.SendInput{Body: "explicit zero", Delay: new(time.Duration(0))})
		require.NoError(t, err)
		_, err = q.Send(ctx, queue.SendInput{Body: "longer", Delay: new(2 * time.Minute)})
		require.NoError(t, err)

		require.Equal(t, queue.Stats{Visible: 1, Delayed: 2}, stats(t, q))
		m := receiveOne(t, q)
		require.Equal(t, "explicit zero", m.Body)
		require.NoError(t, q.Delete(ctx, m.ReceiptHandle))
		advance(clk, time.Minute-time.Millisecond)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		advance(clk, time.Millisecond)
		require.Equal(t, "queue delay", receiveOne(t, q).Body)
		require.Empty(t, receive(t, q, queue.ReceiveOptions{}))
		advance(clk, time.Minute)
		require.Equal(t, "longer", receiveOne(t, q).Body)
	})
}

func TestSendBatchReportsEachEntry(t *testing.T) {
	q := newQueue(t, queue.Config{})
	res, err := q.SendBatch(ctx, []queue.SendBatchEntry{
		{ID: "a", SendInput: queue.SendInput{Body: "first"}},
		{ID: "bad", SendInput: queue.SendInput{Body: ""}},
		{ID: "c", SendInput: queue.SendInput{Body: "third", Delay: new(time.Duration(0))}},
		{ID: "d", SendInput: queue.SendInput{Body: "x", Delay: new(time.Hour)}},
	})
	require.NoError(t, err)
	require.Len(t, res, 4)
	require.Equal(t, "a", res[0].ID)
	require.Regexp(t, uuidV4, res[0].MessageID)
	require.NoError(t, res[0].Err)
	require.Equal(t, "bad", res[1].ID)
	require.ErrorIs(t, res[1].Err, queue.ErrEmptyBody)
	require.Empty(t, res[1].MessageID)
	require.NoError(t, res[2].Err)
	require.ErrorIs(t, res[3].Err, queue.ErrInvalidParameter)

	msgs := receive(t, q, queue.ReceiveOptions{MaxMessages: 10})
	require.Len(t, msgs, 2)
	require.Equal(t, []string{"first", "third"}, []string{msgs[0].Body, msgs[1].Body})
	require.Equal(t, res[0].MessageID, msgs[0].ID)
	require.Equal(t, res[2].MessageID, msgs[1].ID)
}

func TestSendBatchRequestErrorsSendNothing(t *testing.T) {
	q := newQueue(t, queue.Config{MaxMessageSize: 1024})
	entry := func(id, body string) queue.SendBatchEntry {
		return queue.SendBatchEntry{ID: id, SendInput: queue.SendInput{Body: body}}
	}
	var eleven []queue.SendBatchEntry
	for i := range 11 {
		eleven = append(eleven, entry(string(rune('a'+i)), "x"))
	}
	tests := []struct {
		name    string
		entries []queue.SendBatchEntry
		err     error
	}{
		{"empty", nil, queue.ErrEmptyBatch},
		{"eleven", eleven, queue.ErrTooManyEntries},
		{"duplicate ids", []queue.SendBatchEntry{entry("a", "x"), entry("b", "x"), entry("a", "y")}, queue.ErrBatchEntryIDsNotDistinct},
		{"empty id", []queue.SendBatchEntry{entry("", "x")}, queue.ErrInvalidBatchEntryID},
		{"id with dot", []queue.SendBatchEntry{entry("a.b", "x")}, queue.ErrInvalidBatchEntryID},
		{"id 81 chars", []queue.SendBatchEntry{entry(strings.Repeat("i", 81), "x")}, queue.ErrInvalidBatchEntryID},
		{"too long in all", []queue.SendBatchEntry{entry("a", strings.Repeat("x", 600)), entry("b", strings.Repeat("x", 600))}, queue.ErrBatchTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := q.SendBatch(ctx, tt.entries)
			require.ErrorIs(t, err, tt.err)
			require.Nil(t, res)
			require.Equal(t, queue.Stats{}, stats(t, q))
		})
	}
	// ten entries of 80-character IDs, exactly MaxMessageSize in all, are fine
	var ten []queue.SendBatchEntry
	for i := range 10 {
		ten = append(ten, entry(strings.Repeat(string(rune('a'+i)), 80), strings.Repeat("x", 102+i/8)))
	}
	res, err := q.SendBatch(ctx, ten)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
	require.Equal(t, 10, stats(t, q).Visible)
}

func TestMD5MatchesSQS(t *testing.T) {
	// the vector in AWS-NOTES.md, verified against SQS
	require.Equal(t, "19e27d4e946b072f3f58da80d94fd778",
		queue.MD5OfAttributes(map[string]queue.Attribute{"attribName1": queue.StringAttribute("attribValue 1")}))
	require.Equal(t, "5d41402abc4b2a76b9719d911017c592", queue.MD5OfBody("hello"))
	require.Empty(t, queue.MD5OfAttributes(nil))

	// the digest is over attributes sorted by name, so map order never matters,
	// and the transport byte tells Binary from String
	a := map[string]queue.Attribute{"b": queue.StringAttribute("x"), "a": queue.NumberAttribute("1")}
	for range 20 {
		require.Equal(t, queue.MD5OfAttributes(a), queue.MD5OfAttributes(map[string]queue.Attribute{"a": queue.NumberAttribute("1"), "b": queue.StringAttribute("x")}))
	}
	require.NotEqual(t,
		queue.MD5OfAttributes(map[string]queue.Attribute{"a": {DataType: "Binary", BinaryValue: []byte("x")}}),
		queue.MD5OfAttributes(map[string]queue.Attribute{"a": {DataType: "Binary", StringValue: "x"}}))

	q := newQueue(t, queue.Config{})
	_, err := q.Send(ctx, queue.SendInput{Body: "hello", Attributes: map[string]queue.Attribute{"attribName1": queue.StringAttribute("attribValue 1")}})
	require.NoError(t, err)
	m := receiveOne(t, q)
	require.Equal(t, "5d41402abc4b2a76b9719d911017c592", m.MD5OfBody())
	require.Equal(t, "19e27d4e946b072f3f58da80d94fd778", m.MD5OfAttributes())
}
