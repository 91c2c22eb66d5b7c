package metrics

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrUnknownCurrency is returned (wrapped) by [LookupCurrency] for a code
// that is not an ad account currency of the Marketing API.
var ErrUnknownCurrency = errors.New("metrics: unknown currency")

// ErrInvalidAmount is returned (wrapped) by [Currency.ParseAmount] for a
// string that is not an exact decimal amount of the currency.
var ErrInvalidAmount = errors.New("metrics: invalid amount")

// Currency is an ad account currency: its ISO 4217 code and its offset, the
// number of minor units per major unit in which the Marketing API reports
// money (100 for USD, so "1000" is $10.00; 1 for JPY, so "1000" is ¥1000).
//
// The zero Currency has an empty code and offset 1 (whole units). Use
// [LookupCurrency] for the currencies Meta supports, or [NewCurrency] for
// another code.
type Currency struct {
	code     string
	decimals uint8 // offset = 10^decimals
}

// currencyTable lists the ad account currencies of the Marketing API with
// the number of decimals of their offset (Meta's "Currency codes" page:
// offset 1 for CLP, COP, CRC, HUF, ISK, IDR, JPY, KRW, PYG, TWD, VND; 100
// for the others). Sorted by code; never written.
var currencyTable = [...]Currency{
	{"AED", 2}, {"ARS", 2}, {"AUD", 2}, {"BDT", 2}, {"BGN", 2}, {"BHD", 2},
	{"BOB", 2}, {"BRL", 2}, {"CAD", 2}, {"CHF", 2}, {"CLP", 0}, {"CNY", 2},
	{"COP", 0}, {"CRC", 0}, {"CZK", 2}, {"DKK", 2}, {"DZD", 2}, {"EGP", 2},
	{"EUR", 2}, {"GBP", 2}, {"GTQ", 2}, {"HKD", 2}, {"HNL", 2}, {"HRK", 2},
	{"HUF", 0}, {"IDR", 0}, {"ILS", 2}, {"INR", 2}, {"ISK", 0}, {"JOD", 2},
	{"JPY", 0}, {"KES", 2}, {"KRW", 0}, {"LTL", 2}, {"LVL", 2}, {"MOP", 2},
	{"MXN", 2}, {"MYR", 2}, {"NGN", 2}, {"NIO", 2}, {"NOK", 2}, {"NZD", 2},
	{"PEN", 2}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2},
	{"RON", 2}, {"RSD", 2}, {"RUB", 2}, {"SAR", 2}, {"SEK", 2}, {"SGD", 2},
	{"SKK", 2}, {"THB", 2}, {"TRY", 2}, {"TWD", 0}, {"USD", 2}, {"UYU", 2},
	{"VEF", 2}, {"VND", 0}, {"ZAR", 2},
}

// LookupCurrency returns the Marketing API currency with the given ISO
// 4217 code ("USD", "jpy"; case and surrounding space are ignored). It
// returns an error wrapping [ErrUnknownCurrency] for other codes.
func LookupCurrency(code string) (Currency, error) {
	norm := strings.ToUpper(strings.TrimSpace(code))
	for _, c := range currencyTable {
		if c.code == norm {
			return c, nil
		}
	}
	return Currency{}, fmt.Errorf("%w: %q (want an ISO 4217 code of an ad account currency, such as \"USD\")", ErrUnknownCurrency, code)
}

// NewCurrency returns a currency that is not in Meta's table, with the
// given code (three letters A-Z) and offset (1, 10, 100, ..., 1000000).
func NewCurrency(code string, offset int64) (Currency, error) {
	if len(code) != 3 || strings.ToUpper(code) != code || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return Currency{}, fmt.Errorf("metrics: currency code %q: want three upper-case letters", code)
	}
	d := uint8(0)
	for o := offset; o > 1; o /= 10 {
		if o%10 != 0 {
			break
		}
		d++
	}
	if offset < 1 || offset > 1_000_000 || pow10(d) != offset {
		return Currency{}, fmt.Errorf("metrics: currency offset %d: want a power of ten from 1 to 1000000", offset)
	}
	return Currency{code: code, decimals: d}, nil
}

func pow10(d uint8) int64 {
	p := int64(1)
	for range d {
		p *= 10
	}
	return p
}

// Code returns the ISO 4217 code, such as "USD" ("" for the zero Currency).
func (c Currency) Code() string { return c.code }

// String returns the code.
func (c Currency) String() string { return c.code }

// Offset returns the number of minor units per major unit: 100 for USD and
// EUR, 1 for JPY, KRW and the other zero-decimal currencies.
func (c Currency) Offset() int64 { return pow10(c.decimals) }

// Decimals returns the number of decimal places of a major-unit amount
// (2 for offset 100, 0 for offset 1).
func (c Currency) Decimals() int { return int(c.decimals) }

// Format returns minor as an exact decimal amount in major units, without
// grouping or symbol: USD 123456 is "1234.56", JPY 1000 is "1000", USD -5
// is "-0.05". The result parses back with [Currency.ParseAmount].
func (c Currency) Format(minor int64) string {
	var buf [32]byte
	return string(c.AppendFormat(buf[:0], minor))
}

// AppendFormat appends minor formatted as [Currency.Format] does to b and
// returns the extended slice; it does not allocate when b has room.
func (c Currency) AppendFormat(b []byte, minor int64) []byte {
	u := uint64(minor)
	if minor < 0 {
		b = append(b, '-')
		u = -u // two's complement: correct for math.MinInt64 too
	}
	off := uint64(c.Offset())
	b = strconv.AppendUint(b, u/off, 10)
	if c.decimals > 0 {
		b = append(b, '.')
		frac := u % off
		for d := off / 10; d > 0; d /= 10 { // zero-padded to the currency's decimals
			b = append(b, byte('0'+frac/d%10))
		}
	}
	return b
}

// ParseAmount parses an exact decimal amount in major units ("123.45",
// "-0.5", "1000") into minor units, with no floating point: USD "123.45"
// is 12345, JPY "1000" is 1000. Digits beyond the currency's decimals must
// be zero ("12.50" and "12.5" are fine for USD, "12.345" is not; "12.0" is
// fine for JPY). Grouping separators, exponents, and surrounding space are
// rejected. Errors wrap [ErrInvalidAmount] (or [ErrOverflow] for amounts
// beyond int64).
func (c Currency) ParseAmount(s string) (int64, error) {
	bad := func(why string) (int64, error) {
		return 0, fmt.Errorf("%w: %q for %s: %s (want a decimal like \"123.45\")", ErrInvalidAmount, s, c.describe(), why)
	}
	rest := s
	neg := false
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	intPart, fracPart, hasDot := strings.Cut(rest, ".")
	if intPart == "" && fracPart == "" {
		return bad("no digits")
	}
	if hasDot && fracPart == "" {
		return bad("no digits after the decimal point")
	}
	// Accumulate as a negative number so that math.MinInt64 is reachable.
	var v int64
	add := func(d byte) bool {
		if v < (math.MinInt64+int64(d))/10 {
			return false
		}
		v = v*10 - int64(d)
		return true
	}
	for i := 0; i < len(intPart); i++ {
		ch := intPart[i]
		if ch < '0' || ch > '9' {
			return bad(fmt.Sprintf("unexpected %q", ch))
		}
		if !add(ch - '0') {
			return 0, fmt.Errorf("%w: amount %q does not fit in int64 minor units", ErrOverflow, s)
		}
	}
	for i := 0; i < len(fracPart); i++ {
		ch := fracPart[i]
		if ch < '0' || ch > '9' {
			return bad(fmt.Sprintf("unexpected %q", ch))
		}
		if i >= int(c.decimals) {
			if ch != '0' {
				return bad(fmt.Sprintf("more than %d decimal places", c.decimals))
			}
			continue
		}
		if !add(ch - '0') {
			return 0, fmt.Errorf("%w: amount %q does not fit in int64 minor units", ErrOverflow, s)
		}
	}
	for i := len(fracPart); i < int(c.decimals); i++ {
		if !add(0) {
			return 0, fmt.Errorf("%w: amount %q does not fit in int64 minor units", ErrOverflow, s)
		}
	}
	if neg {
		return v, nil
	}
	if v == math.MinInt64 {
		return 0, fmt.Errorf("%w: amount %q does not fit in int64 minor units", ErrOverflow, s)
	}
	return -v, nil
}

func (c Currency) describe() string {
	if c.code == "" {
		return "currency with offset " + strconv.FormatInt(c.Offset(), 10)
	}
	return c.code
}
