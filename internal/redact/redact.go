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
