package oauth

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/adpilot/adpilot/metaads"
)

func TestTokenEndpointError(t *testing.T) {
	e := tokenEndpointError(400, []byte(`{"error":{"message":"Error validating access token: Session has expired on EAAsecret","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC"}}`), "EAAsecret")
	assert.ErrorIs(t, e, metaads.ErrTokenExpired)
	assert.ErrorIs(t, e, metaads.ErrTokenInvalid)
	assert.Equal(t, 463, e.Subcode)
	assert.NotContains(t, e.Error(), "EAAsecret")
	assert.Contains(t, e.Error(), "[redacted]")

	e = tokenEndpointError(400, []byte(`{"error":"invalid_grant","error_description":"bad code"}`))
	assert.Equal(t, "invalid_grant", e.Type)
	assert.Equal(t, "bad code", e.Message)

	e = tokenEndpointError(502, []byte(`<html>secret-in-html</html>`), "secret-in-html")
	assert.ErrorIs(t, e, metaads.ErrTransient)
	assert.NotContains(t, e.Error(), "secret")
}

// FuzzTokenEndpointError feeds arbitrary bodies to the token-endpoint error
// parser: it never panics and never lets the secret through.
func FuzzTokenEndpointError(f *testing.F) {
	f.Add(400, `{"error":{"message":"bad S3CR3T","code":"190","error_subcode":"460"}}`)
	f.Add(200, `{"error":{"message":null,"code":1.5e3}}`)
	f.Add(400, `{"error":"S3CR3T","error_description":"S3CR3T"}`)
	f.Add(500, `S3CR3T`)
	f.Add(400, `{"error":{"code":{}}}`)
	f.Add(400, `{"error":{"message":"m","type":"S3CR3T","code":1,"fbtrace_id":"S3CR3T"}}`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		e := tokenEndpointError(status, []byte(body), "S3CR3T")
		if e == nil {
			t.Fatal("nil error")
		}
		msg := e.Error()
		if strings.Contains(msg, "S3CR3T") {
			t.Fatalf("secret in error: %q", msg)
		}
		_ = errors.Is(e, metaads.ErrTokenInvalid)
	})
}

// TestTokenEndpointErrorScrubsEveryField: a token endpoint (or a proxy in
// front of it) that echoes a secret of the exchange (the app secret, the
// code, the user token) in any string field of its error, not only the
// message, does not get it into the *metaads.Error or its text.
func TestTokenEndpointErrorScrubsEveryField(t *testing.T) {
	for _, body := range []string{
		`{"error":{"message":"m","type":"S3CR3T","code":1,"fbtrace_id":"x"}}`,
		`{"error":{"message":"m","type":"OAuthException","code":1,"fbtrace_id":"S3CR3T"}}`,
		`{"error":{"message":"m","type":"OAuthException","code":1,"fbtrace_id":"a S3CR3T b"}}`,
		`{"error":"S3CR3T","error_description":"S3CR3T"}`,
	} {
		e := tokenEndpointError(400, []byte(body), "S3CR3T")
		for _, s := range []string{e.Error(), e.Type, e.Message, e.FBTraceID, e.UserTitle, e.UserMessage} {
			assert.NotContains(t, s, "S3CR3T", body)
		}
	}
}
