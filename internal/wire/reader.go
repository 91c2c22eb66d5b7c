package wire

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the kind of the next JSON value in a [Reader].
type Kind uint8

// The kinds of JSON values.
const (
	KindInvalid Kind = iota // end of input or a byte that starts no value
	KindObject
	KindArray
	KindString
	KindNumber
	KindBool
	KindNull
)

// maxDepth bounds the nesting [Reader.Skip] accepts.
const maxDepth = 10000

// Reader is a small pull decoder for JSON, tuned for Graph API responses:
// it walks objects and arrays in place, hands out string contents as
// sub-slices of the input (unescaping into a reused scratch buffer only
// when a string has escapes) and parses numbers that Meta sends either as
// JSON numbers or as numeric strings, all without allocating.
//
// Errors are sticky: after the first one every method returns its zero
// value and [Reader.Err] reports the error (with the byte offset). A Reader
// never panics on malformed input.
//
// The zero Reader reads an empty input; use [Reader.Reset] to point it at
// data. A Reader is not safe for concurrent use.
type Reader struct {
	buf     []byte
	pos     int
	err     error
	fresh   bool // just after '{' or '[': no comma expected
	scratch []byte
}

// NewReader returns a Reader over b. The Reader keeps b; the caller must
// not modify it while reading.
func NewReader(b []byte) *Reader {
	r := &Reader{}
	r.Reset(b)
	return r
}

// Reset points r at b and clears any error, keeping the scratch buffer.
func (r *Reader) Reset(b []byte) {
	r.buf, r.pos, r.err, r.fresh = b, 0, nil, false
}

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Offset returns the position of the next unread byte.
func (r *Reader) Offset() int { return r.pos }

// fail records an error at the current offset, naming what was expected.
func (r *Reader) fail(want string) {
	if r.err != nil {
		return
	}
	got := "end of input"
	if r.pos < len(r.buf) {
		end := min(r.pos+16, len(r.buf))
		got = quote(r.buf[r.pos:end])
	}
	r.err = fmt.Errorf("%w at offset %d: got %s, want %s", ErrSyntax, r.pos, got, want)
}

// Fail records a caller's error for the value just read (for example a
// number out of range); the first error wins.
func (r *Reader) Fail(err error) {
	if r.err == nil && err != nil {
		r.err = fmt.Errorf("at offset %d: %w", r.pos, err)
	}
}

func (r *Reader) skipSpace() {
	for r.pos < len(r.buf) {
		switch r.buf[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// Peek reports the kind of the next value without consuming it.
func (r *Reader) Peek() Kind {
	if r.err != nil {
		return KindInvalid
	}
	r.skipSpace()
	if r.pos >= len(r.buf) {
		return KindInvalid
	}
	switch c := r.buf[r.pos]; {
	case c == '{':
		return KindObject
	case c == '[':
		return KindArray
	case c == '"':
		return KindString
	case c == '-' || (c >= '0' && c <= '9'):
		return KindNumber
	case c == 't' || c == 'f':
		return KindBool
	case c == 'n':
		return KindNull
	}
	return KindInvalid
}

// BeginObject consumes '{'. It returns false (and records an error) when
// the next value is not an object.
func (r *Reader) BeginObject() bool { return r.begin('{', "an object") }

// BeginArray consumes '['. It returns false (and records an error) when
// the next value is not an array.
func (r *Reader) BeginArray() bool { return r.begin('[', "an array") }

func (r *Reader) begin(c byte, want string) bool {
	if r.err != nil {
		return false
	}
	r.skipSpace()
	if r.pos >= len(r.buf) || r.buf[r.pos] != c {
		r.fail(want)
		return false
	}
	r.pos++
	r.fresh = true
	return true
}

// more moves past the separator before the next member or element. It
// returns false after consuming the closing byte, or on error.
func (r *Reader) more(closing byte) bool {
	if r.err != nil {
		return false
	}
	r.skipSpace()
	if r.pos >= len(r.buf) {
		r.fail(fmt.Sprintf("',' or '%c'", closing))
		return false
	}
	if r.buf[r.pos] == closing {
		r.pos++
		r.fresh = false
		return false
	}
	if r.fresh {
		r.fresh = false
		return true
	}
	if r.buf[r.pos] != ',' {
		r.fail(fmt.Sprintf("',' or '%c'", closing))
		return false
	}
	r.pos++
	return true
}

// Key reads the next member name of the current object and the ':' after
// it. It returns false at the closing '}' (which it consumes) or on error.
// The returned bytes are valid until the next call that reads a string.
func (r *Reader) Key() ([]byte, bool) {
	if !r.more('}') {
		return nil, false
	}
	k, ok := r.String()
	if !ok {
		return nil, false
	}
	r.skipSpace()
	if r.pos >= len(r.buf) || r.buf[r.pos] != ':' {
		r.fail("':' after an object key")
		return nil, false
	}
	r.pos++
	return k, true
}

// Next reports whether the current array has another element, consuming
// the ',' before it or the closing ']' after the last.
func (r *Reader) Next() bool { return r.more(']') }

// String reads a JSON string and returns its contents, unescaped. The
// bytes alias the input (or the scratch buffer when the string has
// escapes) and are valid until the next call that reads a string.
func (r *Reader) String() ([]byte, bool) {
	if r.err != nil {
		return nil, false
	}
	r.skipSpace()
	r.fresh = false
	if r.pos >= len(r.buf) || r.buf[r.pos] != '"' {
		r.fail("a string")
		return nil, false
	}
	start := r.pos + 1
	i := start
	// Eight bytes at a time while none of them ends the string, starts an
	// escape or is a control character; then byte by byte.
	for ; i+8 <= len(r.buf) && !special8(binary.LittleEndian.Uint64(r.buf[i:])); i += 8 {
	}
	for ; i < len(r.buf); i++ {
		switch c := r.buf[i]; {
		case c == '"':
			r.pos = i + 1
			return r.buf[start:i], true
		case c == '\\':
			return r.unescape(start, i)
		case c < 0x20:
			r.pos = i
			r.fail("no control characters inside a string")
			return nil, false
		}
	}
	r.pos = len(r.buf)
	r.fail("a closing '\"'")
	return nil, false
}

// SWAR constants: every byte 0x01, every byte 0x80.
const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special8 reports whether any of the eight bytes in x is '"', '\\' or a
// control character (below 0x20): the bytes a string scan must stop at.
// The tests are exact (no false positives) for any byte values.
func special8(x uint64) bool {
	quote := x ^ (lows * '"')
	slash := x ^ (lows * '\\')
	zeroQ := (quote - lows) &^ quote
	zeroS := (slash - lows) &^ slash
	ctl := (x - lows*0x20) &^ x
	return (zeroQ|zeroS|ctl)&highs != 0
}

// unescape decodes a string with escapes into the scratch buffer; plain
// holds the unescaped prefix buf[start:i].
func (r *Reader) unescape(start, i int) ([]byte, bool) {
	out := append(r.scratch[:0], r.buf[start:i]...)
	for i < len(r.buf) {
		c := r.buf[i]
		switch {
		case c == '"':
			r.pos = i + 1
			r.scratch = out
			return out, true
		case c < 0x20:
			r.pos = i
			r.fail("no control characters inside a string")
			return nil, false
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(r.buf) {
			break
		}
		e := r.buf[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			ru, ok := hex4(r.buf, i)
			if !ok {
				r.pos = i
				r.fail("four hex digits after \\u")
				return nil, false
			}
			i += 4
			if utf16.IsSurrogate(ru) {
				lo, ok := rune(-1), false
				if i+6 <= len(r.buf) && r.buf[i] == '\\' && r.buf[i+1] == 'u' {
					lo, ok = hex4(r.buf, i+2)
				}
				if dec := utf16.DecodeRune(ru, lo); ok && dec != utf8.RuneError {
					ru = dec
					i += 6
				} else {
					ru = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, ru)
		default:
			r.pos = i - 1
			r.fail("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
			return nil, false
		}
	}
	r.pos = len(r.buf)
	r.fail("a closing '\"'")
	return nil, false
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var v rune
	for _, c := range b[i : i+4] {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			v |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return v, true
}

// scalar returns the text of the next number, or of the contents of the
// next string, for the numeric readers. null gives (nil, true).
func (r *Reader) scalar(want string) ([]byte, bool) {
	switch r.Peek() {
	case KindString:
		return r.String()
	case KindNumber:
		r.fresh = false
		start := r.pos
		for r.pos < len(r.buf) {
			c := r.buf[r.pos]
			if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
				r.pos++
				continue
			}
			break
		}
		return r.buf[start:r.pos], true
	case KindNull:
		r.literal("null")
		return nil, r.err == nil
	}
	r.fail(want)
	return nil, false
}

// Int64 reads an integer sent as a JSON number or a numeric string
// ("123"). null and "" read as 0.
func (r *Reader) Int64() int64 {
	b, ok := r.scalar("an integer or a numeric string")
	if !ok || len(b) == 0 {
		return 0
	}
	n, err := ParseInt(b)
	if err != nil {
		r.Fail(err)
	}
	return n
}

// Float64 reads a number sent as a JSON number or a numeric string
// ("1.5"). null and "" read as 0.
func (r *Reader) Float64() float64 {
	b, ok := r.scalar("a number or a numeric string")
	if !ok || len(b) == 0 {
		return 0
	}
	f, err := ParseFloat(b)
	if err != nil {
		r.Fail(err)
	}
	return f
}

// Decimal reads an exact decimal sent as a JSON number or a numeric string
// ("123.45"). null and "" read as the zero Decimal.
func (r *Reader) Decimal() Decimal {
	b, ok := r.scalar("a decimal or a decimal string")
	if !ok || len(b) == 0 {
		return Decimal{}
	}
	d, err := ParseDecimal(b)
	if err != nil {
		r.Fail(err)
	}
	return d
}

// Bool reads true or false (null reads as false).
func (r *Reader) Bool() bool {
	switch r.Peek() {
	case KindBool:
		if r.buf[r.pos] == 't' {
			r.literal("true")
			return r.err == nil
		}
		r.literal("false")
		return false
	case KindNull:
		r.literal("null")
		return false
	}
	r.fail("true or false")
	return false
}

// Null consumes null and reports true when the next value is null.
func (r *Reader) Null() bool {
	if r.Peek() != KindNull {
		return false
	}
	r.literal("null")
	return r.err == nil
}

func (r *Reader) literal(lit string) {
	r.fresh = false
	if len(r.buf)-r.pos < len(lit) || string(r.buf[r.pos:r.pos+len(lit)]) != lit {
		r.fail(lit)
		return
	}
	r.pos += len(lit)
}

// Skip consumes the next value, whatever it is.
func (r *Reader) Skip() { r.Raw() }

// Raw consumes the next value and returns its bytes (aliasing the input).
// Nested values are walked iteratively, up to a depth of 10000.
func (r *Reader) Raw() []byte {
	if r.err != nil {
		return nil
	}
	r.skipSpace()
	start := r.pos
	var arrays [maxDepth/64 + 1]uint64 // bit d set: container d is an array
	depth := 0
outer:
	for {
		switch k := r.Peek(); k {
		case KindObject, KindArray:
			if depth == maxDepth {
				r.fail("nesting of at most 10000 levels")
				return nil
			}
			if k == KindArray {
				arrays[depth/64] |= 1 << (depth % 64)
				r.BeginArray()
			} else {
				arrays[depth/64] &^= 1 << (depth % 64)
				r.BeginObject()
			}
			depth++
		case KindString:
			r.String()
		case KindNumber:
			b, _ := r.scalar("a number")
			if !isDecimalNumber(b) {
				r.pos -= len(b)
				r.fail("a JSON number")
			}
		case KindBool:
			r.Bool()
		case KindNull:
			r.literal("null")
		default:
			r.fail("a JSON value")
		}
		for r.err == nil && depth > 0 {
			top := depth - 1
			if arrays[top/64]>>(top%64)&1 == 1 {
				if r.Next() {
					continue outer
				}
			} else if _, ok := r.Key(); ok {
				continue outer
			}
			depth--
		}
		if r.err != nil {
			return nil
		}
		return r.buf[start:r.pos]
	}
}
