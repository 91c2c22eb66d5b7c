package wire

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strconv"
	"testing"
)

func TestParseInt(t *testing.T) {
	good := map[string]int64{"0": 0, "123": 123, "-7": -7, "9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64, "007": 7}
	for in, want := range good {
		got, err := ParseInt([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-", "1.0", "1e3", " 1", "9223372036854775808", "-9223372036854775809", "abc", "+1", "99999999999999999999999"} {
		if _, err := ParseInt([]byte(in)); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseInt(%q) error = %v; want ErrSyntax", in, err)
		}
	}
}

func TestParseFloat(t *testing.T) {
	for _, in := range []string{"0", "1.5", "-0.25", "1.565647", "2.186721", "3e2", "1E-3", "123456789012345678901234", "0.1", "1e400x"} {
		want, werr := strconv.ParseFloat(in, 64)
		got, err := ParseFloat([]byte(in))
		if (werr != nil) != (err != nil) || (err == nil && got != want) {
			t.Errorf("ParseFloat(%q) = %v, %v; want %v, %v", in, got, err, want, werr)
		}
	}
	for _, in := range []string{"", ".", "1.", ".5", "NaN", "Inf", "0x10", "1_000", "1e", "--1", "1e400"} {
		if _, err := ParseFloat([]byte(in)); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseFloat(%q) error = %v; want ErrSyntax", in, err)
		}
	}
}

func TestDecimalMinor(t *testing.T) {
	cases := []struct {
		in     string
		digits int
		want   int64
	}{
		{"123.45", 2, 12345},
		{"5339.5", 2, 533950},
		{"845.10", 2, 84510},
		{"1200", 0, 1200},
		{"0.299636", 2, 30},
		{"0.294999", 2, 29},
		{"-0.005", 2, -1},
		{"12.3456", 3, 12346},
		{"0", 2, 0},
		{"0.00", 2, 0},
		{"9223372036854775.80", 2, 922337203685477580},
		{"1.23456789012345678901", 2, 123},
	}
	for _, c := range cases {
		d, err := ParseDecimal([]byte(c.in))
		if err != nil {
			t.Fatalf("ParseDecimal(%q): %v", c.in, err)
		}
		got, err := d.Minor(c.digits)
		if err != nil || got != c.want {
			t.Errorf("ParseDecimal(%q).Minor(%d) = %d, %v; want %d", c.in, c.digits, got, err, c.want)
		}
	}
	if d, err := ParseDecimal([]byte("92233720368547758.08")); err == nil {
		if _, err := d.Minor(3); err == nil {
			t.Errorf("Minor overflow not reported for %v", d)
		}
	}
	for _, in := range []string{"", "-", "1.", ".5", "1e3", "1,5", "1234567890123456789", "abc", "1.2.3"} {
		if _, err := ParseDecimal([]byte(in)); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseDecimal(%q) error = %v; want ErrSyntax", in, err)
		}
	}
	if _, err := (Decimal{Coef: 1}).Minor(19); err == nil {
		t.Error("Minor(19) accepted")
	}
	if got := (Decimal{Coef: -5, Scale: 3}).String(); got != "-0.005" {
		t.Errorf("String = %q; want -0.005", got)
	}
	if got := (Decimal{Coef: 12345, Scale: 2}).Float64(); got != 123.45 {
		t.Errorf("Float64 = %v; want 123.45", got)
	}
}

func TestDigitsForOffset(t *testing.T) {
	for off, want := range map[int64]int{1: 0, 100: 2, 1000: 3} {
		if d, ok := DigitsForOffset(off); !ok || d != want {
			t.Errorf("DigitsForOffset(%d) = %d, %v; want %d", off, d, ok, want)
		}
	}
	if _, ok := DigitsForOffset(50); ok {
		t.Error("DigitsForOffset(50) ok")
	}
}

func TestTypesUnmarshal(t *testing.T) {
	var v struct {
		A Int64   `json:"a"`
		B Int64   `json:"b"`
		C Float64 `json:"c"`
		D Decimal `json:"d"`
		E Int64   `json:"e"`
	}
	if err := json.Unmarshal([]byte(`{"a":"123","b":45,"c":"1.5","d":"123.45","e":null}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 123 || v.B != 45 || v.C != 1.5 || v.D != (Decimal{12345, 2}) || v.E != 0 {
		t.Errorf("decoded %+v", v)
	}
	if err := json.Unmarshal([]byte(`{"a":"12x"}`), &v); err == nil || !errors.Is(err, ErrSyntax) {
		t.Errorf("bad int: err = %v; want ErrSyntax", err)
	}
	if err := json.Unmarshal([]byte(`{"a":true}`), &v); err == nil {
		t.Error("bool accepted as an integer")
	}
	out, err := json.Marshal(Decimal{Coef: 5, Scale: 1})
	if err != nil || string(out) != `"0.5"` {
		t.Errorf("Marshal = %s, %v", out, err)
	}
}

func TestReaderWalk(t *testing.T) {
	in := []byte(` {"data":[{"id":"1","n":"12","f":1.5,"s":"a\"b\u00e9\ud83d\ude00","ok":true,"z":null,"o":{"x":[1,{"y":[]}]}} , {} ],"paging":{}} `)
	r := NewReader(in)
	var ids []string
	var rows int
	if !r.BeginObject() {
		t.Fatal(r.Err())
	}
	for {
		k, ok := r.Key()
		if !ok {
			break
		}
		switch string(k) {
		case "data":
			r.BeginArray()
			for r.Next() {
				rows++
				r.BeginObject()
				for {
					k, ok := r.Key()
					if !ok {
						break
					}
					switch string(k) {
					case "id":
						s, _ := r.String()
						ids = append(ids, string(s))
					case "n":
						if r.Int64() != 12 {
							t.Error("n != 12")
						}
					case "f":
						if r.Float64() != 1.5 {
							t.Error("f != 1.5")
						}
					case "s":
						s, _ := r.String()
						if string(s) != "a\"bé😀" {
							t.Errorf("s = %q", s)
						}
					case "ok":
						if !r.Bool() {
							t.Error("ok false")
						}
					case "o":
						if raw := r.Raw(); string(raw) != `{"x":[1,{"y":[]}]}` {
							t.Errorf("raw = %s", raw)
						}
					default:
						r.Skip()
					}
				}
			}
		default:
			r.Skip()
		}
	}
	if err := r.End(); err != nil {
		t.Fatal(err)
	}
	if rows != 2 || len(ids) != 1 || ids[0] != "1" {
		t.Errorf("rows=%d ids=%v", rows, ids)
	}
}

func TestReaderErrors(t *testing.T) {
	for _, in := range []string{`{"a" 1}`, `{"a":1 "b":2}`, `[1 2]`, `{,"a":1}`, `"abc`, `{"a":"\x"}`, "\"a\x01\"", `[`, `{"a":tru}`, `{"a":-}`, `{"a":1}}`} {
		r := NewReader([]byte(in))
		r.Raw()
		if err := r.End(); !errors.Is(err, ErrSyntax) {
			t.Errorf("Raw(%q) err = %v; want ErrSyntax", in, err)
		}
	}
	r := NewReader([]byte(`{"n":"1.5"}`))
	r.BeginObject()
	r.Key()
	r.Int64()
	if err := r.Err(); err == nil {
		t.Error(`Int64 of "1.5" gave no error`)
	}
}

func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "123", "-9223372036854775808", "9223372036854775808", "-", "1.5", "+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseInt([]byte(s))
		want, werr := strconv.ParseInt(s, 10, 64)
		if len(s) > 0 && s[0] == '+' {
			if err == nil {
				t.Fatalf("ParseInt(%q) accepted a plus sign", s)
			}
			return
		}
		if (err == nil) != (werr == nil) || got != want && err == nil {
			t.Fatalf("ParseInt(%q) = %d, %v; strconv: %d, %v", s, got, err, want, werr)
		}
	})
}

func FuzzParseFloat(f *testing.F) {
	for _, s := range []string{"0", "1.5", "-0.25", "1e22", "9007199254740993", "0.1", "1e-400", "1e", "Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFloat([]byte(s))
		if !isDecimalNumber([]byte(s)) {
			if err == nil {
				t.Fatalf("ParseFloat(%q) accepted a non-number", s)
			}
			return
		}
		want, werr := strconv.ParseFloat(s, 64)
		if werr != nil && !errors.Is(werr, strconv.ErrRange) {
			t.Fatalf("strconv refused JSON number %q: %v", s, werr)
		}
		if err == nil && got != want {
			t.Fatalf("ParseFloat(%q) = %v; strconv %v", s, got, want)
		}
		if err != nil && !math.IsInf(want, 0) {
			t.Fatalf("ParseFloat(%q) error %v; strconv %v", s, err, want)
		}
	})
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"123.45", "0.299636", "-0.005", "5339.5", "99999999999999999.9", "1.", "abc"} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, digits uint8) {
		d, err := ParseDecimal([]byte(s))
		if err != nil {
			return
		}
		dg := int(digits % 19)
		got, err := d.Minor(dg)
		// Reference: the decimal's exact value scaled, rounded half away from zero.
		rat, ok := new(big.Rat).SetString(d.String())
		if !ok {
			t.Fatalf("String %q of %q is not a decimal", d.String(), s)
		}
		rat.Mul(rat, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dg)), nil)))
		num, den := rat.Num(), rat.Denom()
		q, m := new(big.Int).QuoRem(new(big.Int).Abs(num), den, new(big.Int))
		if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
			q.Add(q, big.NewInt(1))
		}
		if num.Sign() < 0 {
			q.Neg(q)
		}
		if !q.IsInt64() {
			if err == nil {
				t.Fatalf("Minor(%d) of %q = %d; want overflow", dg, s, got)
			}
			return
		}
		if err != nil || got != q.Int64() {
			t.Fatalf("Minor(%d) of %q = %d, %v; want %d", dg, s, got, err, q.Int64())
		}
		// Short inputs are represented exactly.
		if len(s) <= 18 {
			exact, _ := new(big.Rat).SetString(s)
			back, _ := new(big.Rat).SetString(d.String())
			if exact.Cmp(back) != 0 {
				t.Fatalf("ParseDecimal(%q) = %s, not exact", s, d)
			}
		}
	})
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{`{"a":[1,"2",{"b":null}]}`, `[]`, `"\ud83d\ude00"`, `{"a":1 "b":2}`, `[[[[`, `-0.5e3`, `{"data":[{"impressions":"1"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b)
		raw := r.Raw()
		err := r.End()
		if json.Valid(b) && err != nil {
			t.Fatalf("Raw rejected valid JSON %q: %v", b, err)
		}
		if err == nil && !json.Valid(raw) && isStrictJSONNumbers(raw) {
			t.Fatalf("Raw accepted invalid JSON %q", raw)
		}
		// Walking with the typed readers must never panic.
		r.Reset(b)
		walk(r, 0)
	})
}

// isStrictJSONNumbers filters out the leading-zero numbers ("01") that the
// Reader tolerates and encoding/json does not.
func isStrictJSONNumbers(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '0' && b[i+1] >= '0' && b[i+1] <= '9' && (i == 0 || b[i-1] < '0' || b[i-1] > '9') && (i == 0 || b[i-1] != '.') {
			return false
		}
	}
	return true
}

func walk(r *Reader, depth int) {
	if depth > 50 {
		r.Skip()
		return
	}
	switch r.Peek() {
	case KindObject:
		r.BeginObject()
		for {
			if _, ok := r.Key(); !ok {
				return
			}
			walk(r, depth+1)
		}
	case KindArray:
		r.BeginArray()
		for r.Next() {
			walk(r, depth+1)
		}
	case KindString:
		r.Decimal()
	case KindNumber:
		r.Float64()
	default:
		r.Skip()
	}
}

func TestDecimalScaled(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want float64
	}{{"2.186721", -2, 0.02186721}, {"0.299636", 2, 29.9636}, {"6.552198", 2, 655.2198}, {"12", 3, 12000}, {"5", 0, 5}}
	for _, c := range cases {
		d, _ := ParseDecimal([]byte(c.in))
		if got := d.Scaled(c.n); got != c.want {
			t.Errorf("%s.Scaled(%d) = %v; want %v", c.in, c.n, got, c.want)
		}
	}
}
