package wire

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// maxQuoted bounds how much of a bad input an error message repeats.
const maxQuoted = 40

// quote renders b for an error message, shortened when long.
func quote(b []byte) string {
	if len(b) > maxQuoted {
		return strconv.Quote(string(b[:maxQuoted])) + "..."
	}
	return strconv.Quote(string(b))
}

// ErrSyntax is matched (errors.Is) by every error this package returns for
// malformed input.
var ErrSyntax = errors.New("wire: malformed value")

// syntaxError builds an error naming the input and what was expected.
func syntaxError(b []byte, want string) error {
	return fmt.Errorf("%w: got %s, want %s", ErrSyntax, quote(b), want)
}

// ParseInt parses a base-10 integer ("123", "-7") without allocating.
// It rejects empty input, signs without digits, fractions, exponents and
// values outside the int64 range.
func ParseInt(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, syntaxError(b, "an integer")
	}
	neg := false
	i := 0
	if b[0] == '-' {
		neg = true
		i = 1
	}
	if i == len(b) {
		return 0, syntaxError(b, "an integer")
	}
	var n uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, syntaxError(b, "an integer")
		}
		if n > (math.MaxUint64-9)/10 {
			return 0, syntaxError(b, "an integer in the int64 range")
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, syntaxError(b, "an integer in the int64 range")
		}
		return -int64(n), nil
	}
	if n > math.MaxInt64 {
		return 0, syntaxError(b, "an integer in the int64 range")
	}
	return int64(n), nil
}

// pow10f holds the powers of ten that float64 represents exactly.
var pow10f = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// ParseFloat parses a decimal number ("1.5", "-0.25", "3e2") into the
// nearest float64. Short inputs take an exact, allocation-free fast path
// (a mantissa below 2^53 scaled by an exactly representable power of ten is
// correctly rounded by one multiplication or division); everything else is
// handed to strconv.ParseFloat. NaN, infinities, hex floats and values out
// of range are rejected.
func ParseFloat(b []byte) (float64, error) {
	if f, ok := fastFloat(b); ok {
		return f, nil
	}
	if !isDecimalNumber(b) {
		return 0, syntaxError(b, "a decimal number")
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, syntaxError(b, "a decimal number in the float64 range")
	}
	return f, nil
}

// fastFloat is Clinger's fast path. ok is false when it cannot answer
// exactly, including for malformed input (the slow path then decides).
func fastFloat(b []byte) (float64, bool) {
	i := 0
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	var mant uint64
	digits := 0
	exp := 0
	sawDigit := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		sawDigit = true
		if mant == 0 && b[i] == '0' {
			continue
		}
		if digits >= 19 {
			return 0, false
		}
		mant = mant*10 + uint64(b[i]-'0')
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		fracDigit := false
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			fracDigit = true
			if mant == 0 && b[i] == '0' {
				exp--
				continue
			}
			if digits >= 19 {
				return 0, false
			}
			mant = mant*10 + uint64(b[i]-'0')
			digits++
			exp--
		}
		if !fracDigit {
			return 0, false
		}
	}
	if !sawDigit {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		e := 0
		start := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if e > 1000 {
				return 0, false
			}
			e = e*10 + int(b[i]-'0')
		}
		if i == start {
			return 0, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(b) || mant > 1<<53 {
		return 0, false
	}
	f := float64(mant)
	switch {
	case mant == 0:
		f = 0
	case exp == 0:
	case exp > 0 && exp < len(pow10f):
		f *= pow10f[exp]
	case exp < 0 && -exp < len(pow10f):
		f /= pow10f[-exp]
	default:
		return 0, false
	}
	if neg {
		f = -f
	}
	return f, true
}

// isDecimalNumber reports whether b is a JSON number (what strconv may
// parse beyond it, such as "Inf", "0x1p3" or "1_0", is refused).
func isDecimalNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == start {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			return false
		}
	}
	return i == len(b)
}

// Decimal is an exact decimal number: Coef / 10^Scale. Meta sends money in
// major units as decimal strings ("123.45"); a Decimal keeps such a value
// exactly until the currency (and so the number of minor-unit digits) is
// known. The zero Decimal is 0.
type Decimal struct {
	Coef  int64 // the digits as an integer
	Scale int32 // how many of them are after the decimal point (0..18)
}

// maxDecimalDigits is how many significant digits a Decimal keeps.
const maxDecimalDigits = 18

// pow10i holds 10^0 .. 10^18.
var pow10i = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// ParseDecimal parses a plain decimal ("123", "-0.5", "5339.5") exactly,
// without floating point and without allocating. Fractional digits beyond
// 18 significant digits are rounded half away from zero; an integer part
// longer than 18 digits, exponents and anything that is not a plain decimal
// are rejected.
func ParseDecimal(b []byte) (Decimal, error) {
	i := 0
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		i = 1
	}
	var coef int64
	var scale int32
	digits := 0
	start := i
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if coef == 0 && b[i] == '0' {
			continue
		}
		if digits >= maxDecimalDigits {
			return Decimal{}, syntaxError(b, "a decimal with at most 18 integer digits")
		}
		coef = coef*10 + int64(b[i]-'0')
		digits++
	}
	if i == start {
		return Decimal{}, syntaxError(b, "a decimal number such as \"123.45\"")
	}
	roundUp := false
	if i < len(b) && b[i] == '.' {
		i++
		fs := i
		dropped := false
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if dropped {
				continue
			}
			if digits >= maxDecimalDigits || scale >= maxDecimalDigits {
				roundUp = b[i] >= '5'
				dropped = true
				continue
			}
			coef = coef*10 + int64(b[i]-'0')
			scale++
			if coef != 0 {
				digits++
			}
		}
		if i == fs {
			return Decimal{}, syntaxError(b, "a decimal number such as \"123.45\"")
		}
	}
	if i != len(b) {
		return Decimal{}, syntaxError(b, "a decimal number such as \"123.45\"")
	}
	if roundUp {
		coef++ // cannot overflow: coef has at most 18 digits
	}
	if neg {
		coef = -coef
	}
	return Decimal{Coef: coef, Scale: scale}, nil
}

// Minor converts d to an integer count of units of 10^-digits: with digits
// 2, Decimal 123.45 becomes 12345. digits is the number of minor-unit
// digits of a currency (2 for USD, 0 for JPY, 3 for KWD). Extra fractional
// digits are rounded half away from zero. The conversion is exact integer
// arithmetic; it fails only when the result overflows int64 or digits is
// outside 0..18.
func (d Decimal) Minor(digits int) (int64, error) {
	if digits < 0 || digits > maxDecimalDigits {
		return 0, fmt.Errorf("wire: minor-unit digits %d out of range, want 0..18", digits)
	}
	if d.Scale < 0 || d.Scale > maxDecimalDigits {
		return 0, fmt.Errorf("wire: decimal scale %d out of range, want 0..18", d.Scale)
	}
	shift := digits - int(d.Scale)
	switch {
	case shift == 0:
		return d.Coef, nil
	case shift > 0:
		m := pow10i[shift]
		if d.Coef > math.MaxInt64/m || d.Coef < math.MinInt64/m {
			return 0, fmt.Errorf("wire: amount %s does not fit in int64 minor units", d)
		}
		return d.Coef * m, nil
	default:
		p := pow10i[-shift]
		q, r := d.Coef/p, d.Coef%p
		if r < 0 {
			r = -r
		}
		if r*2 >= p {
			if d.Coef < 0 {
				q--
			} else {
				q++
			}
		}
		return q, nil
	}
}

// Float64 returns d as the nearest float64 (for ratios; never for money
// that is summed).
func (d Decimal) Float64() float64 {
	if d.Scale <= 0 || int(d.Scale) >= len(pow10f) {
		return float64(d.Coef)
	}
	return float64(d.Coef) / pow10f[d.Scale]
}

// IsZero reports whether d is zero.
func (d Decimal) IsZero() bool { return d.Coef == 0 }

// String formats d in plain decimal notation ("123.45").
func (d Decimal) String() string {
	if d.Scale <= 0 || d.Scale > maxDecimalDigits {
		return strconv.FormatInt(d.Coef, 10)
	}
	neg := d.Coef < 0
	u := uint64(d.Coef)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u, 10)
	for len(s) <= int(d.Scale) {
		s = "0" + s
	}
	cut := len(s) - int(d.Scale)
	s = s[:cut] + "." + s[cut:]
	if neg {
		s = "-" + s
	}
	return s
}

// DigitsForOffset converts a currency offset (the number of minor units in
// one major unit: 1, 10, 100, 1000) to its number of decimal digits. ok is
// false for an offset that is not a power of ten.
func DigitsForOffset(offset int64) (int, bool) {
	for d, p := range pow10i {
		if p == offset {
			return d, true
		}
	}
	return 0, false
}

// Scaled returns d × 10^n as the nearest float64 (exactly rounded while
// the digits fit in 53 bits): Scaled(2) turns major units into minor
// units for a two-digit currency, Scaled(-2) a percentage into a fraction.
func (d Decimal) Scaled(n int) float64 {
	s := int(d.Scale) - n
	switch {
	case s == 0:
		return float64(d.Coef)
	case s > 0 && s < len(pow10f):
		return float64(d.Coef) / pow10f[s]
	case s < 0 && -s < len(pow10f):
		return float64(d.Coef) * pow10f[-s]
	}
	return d.Float64() * math.Pow(10, float64(n))
}
