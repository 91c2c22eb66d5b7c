package oauth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/oauth"
)

// Config builds Meta's versioned login dialog URL, here with a fixed state
// and verifier so the output is stable (use a Manager or States, and
// oauth2.GenerateVerifier, in real code).
func ExampleConfig_AuthCodeURL() {
	cfg := &oauth.Config{
		AppID:       "1234567890",
		AppSecret:   "app-secret",
		RedirectURL: "https://crm.example.com/meta/callback",
	}
	if err := cfg.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	u, _ := url.Parse(cfg.AuthCodeURL("STATE", "verifier-0123456789-0123456789-0123456789"))
	fmt.Println(u.Scheme + "://" + u.Host + u.Path)
	q := u.Query()
	for _, k := range []string{"client_id", "redirect_uri", "scope", "response_type", "state", "code_challenge_method"} {
		fmt.Printf("%s=%s\n", k, q.Get(k))
	}
	fmt.Println(cfg) // the secret is redacted
	// Output:
	// https://www.facebook.com/v26.0/dialog/oauth
	// client_id=1234567890
	// redirect_uri=https://crm.example.com/meta/callback
	// scope=ads_read,ads_management,business_management
	// response_type=code
	// state=STATE
	// code_challenge_method=S256
	// oauth.Config{AppID: "1234567890", RedirectURL: "https://crm.example.com/meta/callback", APIVersion: "v26.0", AppSecret: redacted}
}

// Validate names every problem with a configuration.
func ExampleConfig_Validate() {
	cfg := &oauth.Config{AppID: "my-app", RedirectURL: "/callback", APIVersion: "26"}
	fmt.Println(cfg.Validate())
	// Output:
	// oauth: Config.AppID "my-app" is not numeric: want the Meta app id (digits)
	// oauth: Config.AppSecret is empty: want the app secret from the app dashboard
	// oauth: Config.RedirectURL "/callback" is not an absolute http(s) URL
	// oauth: Config.APIVersion "26" is malformed: want a version like "v26.0"
}

// States signs a state for one browser session; it verifies once, for that
// session only.
func ExampleStates() {
	key := bytes.Repeat([]byte{42}, 32) // use 32 random bytes shared by all replicas
	states, err := oauth.NewStates([][]byte{key})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	state, verifier, _ := states.Issue("browser-session-1")

	_, err = states.Verify(ctx, state, "browser-session-2")
	fmt.Println("other session:", errors.Is(err, oauth.ErrStateInvalid))
	got, err := states.Verify(ctx, state, "browser-session-1")
	fmt.Println("own session:", err == nil, got == verifier)
	_, err = states.Verify(ctx, state, "browser-session-1")
	fmt.Println("again:", errors.Is(err, oauth.ErrStateReused))
	// Output:
	// other session: true
	// own session: true true
	// again: true
}

// EncryptedStore seals tokens before any Store sees them; rotating keys
// keeps old rows readable.
func ExampleEncryptedStore() {
	ctx := context.Background()
	inner := oauth.NewMemoryStore()
	old, _ := oauth.NewKeyring("2025-01", map[string][]byte{"2025-01": bytes.Repeat([]byte{1}, 32)})
	store, _ := oauth.NewEncryptedStore(inner, old)

	key := oauth.Key{User: "user-1", Account: metaads.MustParseAccountID("act_42")}
	_ = store.Save(ctx, &oauth.Connection{Key: key, Token: &oauth2.Token{AccessToken: "EAAG-example"}})
	rec, _ := inner.Get(ctx, key)
	fmt.Println("inner store has plaintext:", strings.Contains(string(rec.Ciphertext), "EAAG"), "key id:", rec.KeyID)

	rotated, _ := oauth.NewKeyring("2026-01", map[string][]byte{
		"2025-01": bytes.Repeat([]byte{1}, 32),
		"2026-01": bytes.Repeat([]byte{2}, 32),
	})
	store, _ = oauth.NewEncryptedStore(inner, rotated)
	c, _ := store.Load(ctx, key)
	fmt.Println("opened after rotation:", c.Token.AccessToken == "EAAG-example")
	n, _ := store.Rekey(ctx)
	rec, _ = inner.Get(ctx, key)
	fmt.Println("re-sealed:", n, "key id:", rec.KeyID)
	fmt.Println(c)
	// Output:
	// inner store has plaintext: false key id: 2025-01
	// opened after rotation: true
	// re-sealed: 1 key id: 2026-01
	// oauth.Connection{user "user-1" ad account act_42, status: connected, expires: never, scopes: [], token: redacted}
}

// A complete connection against the fake Graph API: the application mounts
// the two handlers, a browser opens /meta/connect, approves (the fake
// auto-approves here), and comes back to the callback.
func ExampleManager() {
	fake, err := metaadstest.NewServer(metaadstest.WithAutoApprove())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fake.Close()
	_, _ = fake.AddAccount(metaadstest.Account{ID: "101", Name: "Shop"})
	_, _ = fake.AddAccount(metaadstest.Account{ID: "102", Name: "Leads"})
	_, _ = fake.AddUser(metaadstest.User{Name: "Pat", AdAccounts: []string{"101", "102"}})

	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()

	keys, _ := oauth.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{1}, 32)})
	store, _ := oauth.NewEncryptedStore(oauth.NewMemoryStore(), keys)
	m, err := oauth.NewManager(oauth.Config{
		AppID:         metaadstest.DefaultApp().ID,
		AppSecret:     metaadstest.DefaultApp().Secret,
		RedirectURL:   app.URL + "/meta/callback",
		DialogBaseURL: fake.URL,
		GraphBaseURL:  fake.URL,
	}, store, oauth.WithStateKeys(bytes.Repeat([]byte{2}, 32)))
	if err != nil {
		fmt.Println(err)
		return
	}
	hooks := oauth.HandlerHooks{
		CurrentUser: func(*http.Request) (string, error) { return "crm-user-1", nil },
		OnSuccess: func(w http.ResponseWriter, _ *http.Request, c *oauth.Connected) {
			fmt.Fprintf(w, "connected %d ad accounts:", len(c.AdAccounts))
			for _, a := range c.AdAccounts {
				fmt.Fprintf(w, " %s (%s)", a.ID, a.Name)
			}
		},
	}
	connect, _ := m.ConnectHandler(hooks)
	callback, _ := m.CallbackHandler(hooks)
	mux.Handle("POST /meta/connect", connect)
	mux.Handle("GET /meta/callback", callback)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	// The person presses "Connect" on the application's page: a form POST.
	resp, err := browser.PostForm(app.URL+"/meta/connect", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))

	// The Provider serves the stored token to a metaads client.
	p, _ := oauth.NewProvider(m, "crm-user-1")
	client, _ := metaads.NewClient(metaads.WithBaseURL(fake.URL), metaads.WithTokenProvider(p))
	var acct struct {
		Name string `json:"name"`
	}
	id := metaads.MustParseAccountID("act_102")
	_, err = client.Do(context.Background(), &metaads.Request{Path: id.String(), Account: id,
		Query: url.Values{"fields": {"name"}}}, &acct)
	fmt.Println(acct.Name, err)
	// Output:
	// connected 2 ad accounts: act_101 (Shop) act_102 (Leads)
	// Leads <nil>
}
