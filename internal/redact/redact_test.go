package redact

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScrub(t *testing.T) {
	// The app token "id|secret" contains the secret: it is replaced whole,
	// and so are its URL-escaped forms.
	got := Scrub("tok 123|s3cr3t esc 123%7Cs3cr3t alone s3cr3t user EAAuser", "s3cr3t", "123|s3cr3t", "EAAuser", "")
	assert.Equal(t, "tok [redacted] esc [redacted] alone [redacted] user [redacted]", got)
	assert.Equal(t, "", Scrub("", "x"))
	assert.Equal(t, "nothing", Scrub("nothing"))
}

type v struct{ s string }

func (x v) Format(f fmt.State, verb rune) { Format(f, verb, "str", "gostr") }

func TestFormat(t *testing.T) {
	x := v{"secret"}
	assert.Equal(t, "str str str gostr \"str\" str str", fmt.Sprintf("%v %+v %s %#v %q %d %x", x, x, x, x, x, x, x))
}

func TestHiddenOutOfFmtReach(t *testing.T) {
	type holder struct {
		h Hidden[[]byte]
		p *Hidden[string]
	}
	s := Hide("s3cr3t-value")
	v := holder{h: Hide([]byte("s3cr3t-bytes")), p: &s}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out := fmt.Sprintf(verb, v) + fmt.Sprintf(verb, &v)
		assert.NotContains(t, out, "s3cr3t", verb)
		assert.NotContains(t, out, fmt.Sprintf("%x", "s3cr3t"), verb)
	}
	assert.Equal(t, "s3cr3t-bytes", string(*v.h.Get()))
	assert.Same(t, v.h.Get(), v.h.Get())
	assert.Nil(t, Hidden[int]{}.Get())
}
