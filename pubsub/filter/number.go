package filter

import "strconv"

// Numbers are compared the way SNS compares them: from -1,000,000,000 to
// 1,000,000,000 with five digits after the decimal point. A number is kept
// as an int64 count of hundred-thousandths, read exactly from its decimal
// text (no float rounding), with the digits beyond the fifth decimal place
// dropped towards negative infinity. So 100.000001 and 100 are equal, and
// 100.00001 is greater than both.

const (
	numScale  = 100000                 // 10^5: five decimal places
	maxNumber = 1000000000 * numScale  // 10^9, scaled
	minNumber = -1000000000 * numScale // -10^9, scaled
	maxExp    = 1000                   // exponents are clamped to ±maxExp
)

// parseNumber reads a decimal number: an optional sign, digits with an
// optional decimal point (at least one digit), and an optional exponent.
// It accepts the JSON grammar and the looser text of SNS Number attributes
// ("+5", ".5", "5."). ok is false when s is not a number or lies outside
// ±10^9; it never allocates.
func parseNumber(s string) (v int64, ok bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < len(s) && s[i] == '.' {
		i++
		fracStart = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracEnd = i
	}
	if intEnd == intStart && fracEnd == fracStart {
		return 0, false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			expNeg = s[i] == '-'
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return 0, false
		}
		for i < len(s) && isDigit(s[i]) {
			if exp <= maxExp {
				exp = exp*10 + int(s[i]-'0')
			}
			i++
		}
		if exp > maxExp {
			exp = maxExp
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(s) {
		return 0, false
	}

	// The value is D × 10^(exp − fracLen), D the digits without the point;
	// scaled, D × 10^k. Keep the first len(D)+k digits of D, note whether a
	// dropped one is not zero, then append k zeros when k > 0.
	nInt, nFrac := intEnd-intStart, fracEnd-fracStart
	k := exp - nFrac + 5
	keep := nInt + nFrac + k
	var acc int64
	dropped := false
	for j := 0; j < nInt+nFrac; j++ {
		var d byte
		if j < nInt {
			d = s[intStart+j] - '0'
		} else {
			d = s[fracStart+j-nInt] - '0'
		}
		if j >= keep {
			dropped = dropped || d != 0
			continue
		}
		acc = acc*10 + int64(d)
		if acc > maxNumber {
			return 0, false
		}
	}
	for ; k > 0 && acc != 0; k-- {
		acc *= 10
		if acc > maxNumber {
			return 0, false
		}
	}
	if neg {
		acc = -acc
		if dropped {
			acc-- // towards negative infinity
		}
		if acc < minNumber {
			return 0, false
		}
	}
	return acc, true
}

// formatNumber writes a scaled number back as decimal text, for
// explanations.
func formatNumber(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/numScale, 10)
	if f := v % numScale; f != 0 {
		frac := strconv.FormatInt(f+numScale, 10)[1:]
		for frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		s += "." + frac
	}
	if neg {
		s = "-" + s
	}
	return s
}
