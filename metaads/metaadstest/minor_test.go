package metaadstest

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExpiredTokenIssuedBeforeExpiry checks debug_token of a token expired
// right after issue (ExpireToken and FaultExpireToken) keeps issued_at <=
// expires_at.
func TestExpiredTokenIssuedBeforeExpiry(t *testing.T) {
	srv, _, _ := newDemo(t)
	check := func(name, tok string) {
		t.Helper()
		d := get(t, srv, "/debug_token?input_token="+url.QueryEscape(tok), srv.AppToken()).Body["data"].(map[string]any)
		assert.Equal(t, false, d["is_valid"], name)
		require.IsType(t, float64(0), d["issued_at"], name)
		assert.LessOrEqual(t, d["issued_at"].(float64), d["expires_at"].(float64), name)
		assert.Positive(t, d["expires_at"], name)
	}
	tok, err := srv.IssueToken(TokenSpec{UserID: DemoUserID})
	require.NoError(t, err)
	require.NoError(t, srv.ExpireToken(tok))
	check("ExpireToken", tok)

	tok, err = srv.IssueToken(TokenSpec{UserID: DemoUserID})
	require.NoError(t, err)
	require.NoError(t, srv.InjectFault(Fault{Path: "/me", Kind: FaultExpireToken}))
	code, sub := errCode(get(t, srv, "/me", tok))
	require.Equal(t, [2]int{190, 463}, [2]int{code, sub})
	check("FaultExpireToken", tok)
}

func TestHourCurves(t *testing.T) {
	var sum, sumAud float64
	for h := range 24 {
		sum += hourCurve[h]
		sumAud += hourCurveAudience[h]
		assert.InDelta(t, 0.7*hourCurve[h]+0.3*hourCurve[(h+23)%24], hourCurveAudience[h], 1e-12, "hour %d", h)
	}
	assert.InDelta(t, sum, sumAud, 1e-9, "the audience curve moves traffic, it does not add any")
}
