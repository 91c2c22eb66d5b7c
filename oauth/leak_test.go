package oauth_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/internal/leaktest"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/oauth"
)

// TestNoSecretInAnyPrintedForm: every exported type of this package that
// holds a secret (found by leaktest.SecretTypes from the source, not
// listed by hand) is printed through fmt's verbs, slog's text and JSON
// handlers and json.Marshal, as a value and through a pointer, and held in
// exported and unexported struct fields, nested structs, slices, arrays and
// maps (leaktest.Held), with a known secret planted, and the output is
// searched for the secret. Config and Connection, whose secret is an
// exported field, are exempt only in unexported fields (see their docs).
func TestNoSecretInAnyPrintedForm(t *testing.T) {
	const (
		appSecret = "APPSECRETleak0123456789"
		token     = "EAAGtokenLEAK0123456789"
		sealKey   = "KEYRINGmaterial-0123456789abcdef" // 32 bytes
		stateKey  = "STATEKEYmaterial-0123456789abcdefgh"
	)
	ctx := context.Background()
	cfg := oauth.Config{AppID: "1234", AppSecret: appSecret, RedirectURL: "https://crm.example/meta/callback"}
	kr, err := oauth.NewKeyring("k1", map[string][]byte{"k1": []byte(sealKey)})
	require.NoError(t, err)
	store, err := oauth.NewEncryptedStore(oauth.NewMemoryStore(), kr)
	require.NoError(t, err)
	m, err := oauth.NewManager(cfg, store, oauth.WithStateKeys([]byte(stateKey)),
		oauth.WithHTTPClient(&http.Client{}))
	require.NoError(t, err)
	acct := metaads.MustParseAccountID("act_42")
	conn := oauth.Connection{Key: oauth.Key{User: "u1", Account: acct}, MetaUserID: "9",
		Token: &oauth2.Token{AccessToken: token, TokenType: "Bearer"}, Status: oauth.StatusConnected}
	require.NoError(t, store.Save(ctx, &conn))
	p, err := oauth.NewProvider(m, "u1")
	require.NoError(t, err)
	ts, err := p.TokenSource(ctx, acct) // the provider now caches the token
	require.NoError(t, err)
	tok, err := ts.Token()
	require.NoError(t, err)
	require.Equal(t, token, tok.AccessToken)
	r, err := oauth.NewRefresher(m)
	require.NoError(t, err)
	states, err := oauth.NewStates([][]byte{[]byte(stateKey)})
	require.NoError(t, err)

	values := map[string]any{
		"Config":         cfg,
		"Connection":     conn,
		"EncryptedStore": store,
		"Keyring":        kr,
		"Manager":        m,
		"Provider":       p,
		"Refresher":      r,
		"States":         states,
	}
	leaktest.CheckPackage(t, ".", values, []string{"Config", "Connection"}, appSecret, token, sealKey, stateKey)
	// What the redacted forms still say.
	assert.Contains(t, leaktest.Print(cfg), `"AppID":"1234"`)
	assert.Contains(t, leaktest.Print(conn), `"user":"u1"`)
	assert.Contains(t, leaktest.Print(m.Config()), "redacted")
	// A struct embedding them as fields prints them redacted too.
	type appConfig struct {
		OAuth oauth.Config
		Conn  *oauth.Connection
	}
	leaktest.Check(t, "appConfig", appConfig{OAuth: cfg, Conn: &conn}, appSecret, token)
}
