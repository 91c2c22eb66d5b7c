// Package redact removes secrets from text and prints values that hold
// secrets without them. metaads and oauth use it for errors, logs and the
// fmt, slog and JSON forms of their credential-holding types.
package redact

import (
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Mark replaces a secret in text.
const Mark = "[redacted]"

// Scrub returns s with every non-empty secret, and its URL-query-escaped
// and path-escaped forms, replaced by Mark. Secrets are replaced longest
// first, so a secret that contains another (an app token "id|secret"
// containing the app secret) is replaced whole.
func Scrub(s string, secrets ...string) string {
	if s == "" {
		return s
	}
	var forms []string
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		forms = append(forms, sec)
		if q := url.QueryEscape(sec); q != sec {
			forms = append(forms, q)
		}
		if p := url.PathEscape(sec); p != sec {
			forms = append(forms, p)
		}
	}
	// Longest first (insertion sort: the lists are short).
	for i := 1; i < len(forms); i++ {
		for j := i; j > 0 && len(forms[j]) > len(forms[j-1]); j-- {
			forms[j], forms[j-1] = forms[j-1], forms[j]
		}
	}
	for _, f := range forms {
		if strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, Mark)
		}
	}
	return s
}

// Format writes the GoString form for %#v and the String form for every
// other verb, so no verb (not %d, not %x) reaches the fields of a value
// whose Format method calls it.
func Format(f fmt.State, verb rune, str, goStr string) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, goStr)
		return
	}
	if verb == 'q' {
		fmt.Fprintf(f, "%q", str)
		return
	}
	io.WriteString(f, str)
}

// Hidden holds a value that no fmt verb prints, wherever the Hidden is. A
// type's String, Format and LogValue methods cover every way to print a
// value but one: held in an unexported field of another struct, the value
// cannot be reached as an interface, so fmt walks its fields by reflection
// and calls none of its methods (and a bad verb such as %s shows the value
// behind a pointer too). fmt prints a func as an address, so a value
// reached only through a func stays out of that walk.
type Hidden[T any] struct{ get func() *T }

// Hide returns a Hidden holding v.
func Hide[T any](v T) Hidden[T] {
	p := &v
	return Hidden[T]{func() *T { return p }}
}

// Get returns a pointer to the held value (the same one each call), or nil
// for the zero Hidden.
func (h Hidden[T]) Get() *T {
	if h.get == nil {
		return nil
	}
	return h.get()
}
