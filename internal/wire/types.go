package wire

import "fmt"

// Int64 is an int64 that decodes from a JSON number, a numeric string
// ("123") or null (0).
type Int64 int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int64) UnmarshalJSON(b []byte) error {
	var r Reader
	r.Reset(b)
	v := r.Int64()
	if err := r.end(); err != nil {
		return fmt.Errorf("wire: decoding an integer: %w", err)
	}
	*n = Int64(v)
	return nil
}

// Float64 is a float64 that decodes from a JSON number, a numeric string
// ("1.5") or null (0).
type Float64 float64

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float64) UnmarshalJSON(b []byte) error {
	var r Reader
	r.Reset(b)
	v := r.Float64()
	if err := r.end(); err != nil {
		return fmt.Errorf("wire: decoding a number: %w", err)
	}
	*f = Float64(v)
	return nil
}

// UnmarshalJSON implements json.Unmarshaler: a Decimal decodes from a JSON
// number, a decimal string ("123.45") or null (0), exactly.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	var r Reader
	r.Reset(b)
	v := r.Decimal()
	if err := r.end(); err != nil {
		return fmt.Errorf("wire: decoding a decimal: %w", err)
	}
	*d = v
	return nil
}

// MarshalJSON implements json.Marshaler; it writes the decimal as a JSON
// string, the way Meta sends it.
func (d Decimal) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.String() + `"`), nil
}

// End checks that nothing but whitespace follows the value just read and
// returns the Reader's error, if any.
func (r *Reader) End() error { return r.end() }

func (r *Reader) end() error {
	if r.err != nil {
		return r.err
	}
	r.skipSpace()
	if r.pos != len(r.buf) {
		r.fail("end of input")
	}
	return r.err
}
