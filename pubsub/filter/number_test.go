package filter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Numbers are read exactly to five decimal places, dropping further digits
// towards negative infinity, within ±10^9.
func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"-0", 0, true},
		{"100", 100 * numScale, true},
		{"100.0", 100 * numScale, true},
		{"100.000001", 100 * numScale, true},
		{"100.00001", 100*numScale + 1, true},
		{"-100.000001", -100*numScale - 1, true},
		{"-100.00001", -100*numScale - 1, true},
		{"3.015e2", 30150000, true},
		{"3015E-1", 30150000, true},
		{"1e-5", 1, true},
		{"1e-6", 0, true},
		{"-1e-6", -1, true},
		{"+5", 5 * numScale, true},
		{".5", numScale / 2, true},
		{"5.", 5 * numScale, true},
		{"00012", 12 * numScale, true},
		{"1e9", maxNumber, true},
		{"-1e9", minNumber, true},
		{"1000000000.000001", maxNumber, true},
		{"1000000000.00001", 0, false},
		{"-1000000000.000001", 0, false},
		{"1000000001", 0, false},
		{"1e10", 0, false},
		{"1e400", 0, false},
		{"1e99999999999999999999", 0, false},
		{"0e400", 0, true},
		{"1e-400", 0, true},
		{"-1e-99999999999999999999", -1, true},
		{"0.00000000000000000000000000000000000000001", 0, true},
		{"123456789012345678901234567890", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{".", 0, false},
		{"e5", 0, false},
		{"1e", 0, false},
		{"1e+", 0, false},
		{"1.2.3", 0, false},
		{"abc", 0, false},
		{" 5", 0, false},
		{"5 ", 0, false},
		{"NaN", 0, false},
		{"Infinity", 0, false},
		{"0x10", 0, false},
	} {
		got, ok := parseNumber(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		if ok {
			require.Equal(t, tc.want, got, tc.in)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	for v, want := range map[int64]string{
		0: "0", numScale: "1", -numScale: "-1", 30150000: "301.5", 1: "0.00001", -1: "-0.00001", maxNumber: "1000000000",
	} {
		require.Equal(t, want, formatNumber(v))
		back, ok := parseNumber(want)
		require.True(t, ok)
		require.Equal(t, v, back)
	}
}

func TestUnescape(t *testing.T) {
	for raw, want := range map[string]string{
		`plain`:        "plain",
		`a\"b\\c\/d`:   `a"b\c/d`,
		`\b\f\n\r\t`:   "\b\f\n\r\t",
		`\u00e9`:       "é",
		`\ud83d\ude00`: "😀",
		`\ud83d`:       "\ufffd",
		`\ud83dx`:      "\ufffdx",
		`\ude00\ud83d`: "\ufffd\ufffd",
		`\ud83d\u0041`: "\ufffdA",
	} {
		end, esc, ok := scanString(`"`+raw+`"`, 0)
		require.True(t, ok, raw)
		require.Equal(t, len(raw)+2, end, raw)
		require.Equal(t, raw != "plain", esc, raw)
		require.Equal(t, want, unescape(raw), raw)
	}
	for _, bad := range []string{`"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\x01\"", `"\`} {
		_, _, ok := scanString(bad, 0)
		require.False(t, ok, bad)
	}
}
