package metrics

import (
	"errors"
	"math"
	"testing"
)

func TestLookupCurrency(t *testing.T) {
	// Offsets from Meta's Marketing API "Currency codes" table.
	for code, off := range map[string]int64{
		"USD": 100, "EUR": 100, "GBP": 100, "BRL": 100, "JPY": 1, "KRW": 1, "CLP": 1,
		"COP": 1, "CRC": 1, "HUF": 1, "ISK": 1, "IDR": 1, "PYG": 1, "TWD": 1, "VND": 1,
	} {
		c, err := LookupCurrency(code)
		if err != nil || c.Offset() != off || c.Code() != code {
			t.Errorf("LookupCurrency(%s) = %v (offset %d), %v; want offset %d", code, c, c.Offset(), err, off)
		}
	}
	if c, err := LookupCurrency(" jpy "); err != nil || c.Code() != "JPY" || c.String() != "JPY" {
		t.Errorf("case-insensitive lookup: %v, %v", c, err)
	}
	if _, err := LookupCurrency("XXX"); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("unknown code: %v", err)
	}
	for i := 1; i < len(currencyTable); i++ {
		if currencyTable[i-1].code >= currencyTable[i].code {
			t.Errorf("table not sorted at %s", currencyTable[i].code)
		}
	}
}

func TestNewCurrency(t *testing.T) {
	c, err := NewCurrency("KWD", 1000)
	if err != nil || c.Offset() != 1000 || c.Decimals() != 3 {
		t.Fatalf("NewCurrency(KWD, 1000) = %v %d, %v", c, c.Offset(), err)
	}
	if got := c.Format(12345); got != "12.345" {
		t.Errorf("Format = %q", got)
	}
	for _, bad := range []struct {
		code string
		off  int64
	}{{"kwd", 1000}, {"KW", 1000}, {"K1D", 100}, {"KWD", 0}, {"KWD", 50}, {"KWD", 10_000_000}, {"KWD", -100}} {
		if _, err := NewCurrency(bad.code, bad.off); err == nil {
			t.Errorf("NewCurrency(%q, %d): no error", bad.code, bad.off)
		}
	}
}

func TestFormatAndParse(t *testing.T) {
	usd, _ := LookupCurrency("USD")
	jpy, _ := LookupCurrency("JPY")
	tests := []struct {
		cur   Currency
		minor int64
		text  string
	}{
		{usd, 0, "0.00"},
		{usd, 5, "0.05"},
		{usd, -5, "-0.05"},
		{usd, 123456, "1234.56"},
		{usd, math.MaxInt64, "92233720368547758.07"},
		{usd, math.MinInt64, "-92233720368547758.08"},
		{jpy, 1000, "1000"},
		{jpy, -7, "-7"},
		{Currency{}, 42, "42"},
	}
	for _, tt := range tests {
		if got := tt.cur.Format(tt.minor); got != tt.text {
			t.Errorf("%v.Format(%d) = %q, want %q", tt.cur, tt.minor, got, tt.text)
		}
		back, err := tt.cur.ParseAmount(tt.text)
		if err != nil || back != tt.minor {
			t.Errorf("%v.ParseAmount(%q) = %d, %v; want %d", tt.cur, tt.text, back, err, tt.minor)
		}
	}
	parses := []struct {
		cur  Currency
		in   string
		want int64
	}{
		{usd, "12.5", 1250}, {usd, "12", 1200}, {usd, "+12.50", 1250}, {usd, ".5", 50},
		{usd, "12.500", 1250}, {jpy, "12.0", 12}, {usd, "0.1", 10},
	}
	for _, tt := range parses {
		if got, err := tt.cur.ParseAmount(tt.in); err != nil || got != tt.want {
			t.Errorf("%v.ParseAmount(%q) = %d, %v; want %d", tt.cur, tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "-", ".", "12.", "1,000.00", "1e3", " 12", "12.345", "abc", "1.2.3", "--1"} {
		if _, err := usd.ParseAmount(in); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("ParseAmount(%q) err = %v, want ErrInvalidAmount", in, err)
		}
	}
	if _, err := jpy.ParseAmount("1.5"); !errors.Is(err, ErrInvalidAmount) {
		t.Errorf("JPY with decimals: %v", err)
	}
	for _, in := range []string{"92233720368547758.08", "-92233720368547758.09", "99999999999999999999"} {
		if _, err := usd.ParseAmount(in); !errors.Is(err, ErrOverflow) {
			t.Errorf("ParseAmount(%q) err = %v, want ErrOverflow", in, err)
		}
	}
}

// Summing parsed amounts is exact: 0.10 ten times is exactly 1.00, which
// float64 arithmetic does not give.
func TestMoneySumExact(t *testing.T) {
	usd, _ := LookupCurrency("USD")
	var total int64
	var f float64
	for range 10 {
		v, err := usd.ParseAmount("0.10")
		if err != nil {
			t.Fatal(err)
		}
		total += v
		f += 0.10
	}
	if usd.Format(total) != "1.00" {
		t.Fatalf("sum = %s", usd.Format(total))
	}
	if f == 1.0 {
		t.Log("float sum happened to be exact")
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "12.34", "-0.05", "1,0", "92233720368547758.07", "9999999999999999999", ".5", "+1."} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, dec uint8) {
		c := Currency{code: "TST", decimals: dec % 7}
		v, err := c.ParseAmount(s)
		if err != nil {
			return
		}
		// Whatever parses formats back to a string that parses to the same value.
		back, err := c.ParseAmount(c.Format(v))
		if err != nil || back != v {
			t.Fatalf("round trip %q -> %d -> %q -> %d, %v", s, v, c.Format(v), back, err)
		}
	})
}
