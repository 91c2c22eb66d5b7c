package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"weak"

	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/internal/redact"
	"github.com/adpilot/adpilot/metaads"
)

// Manager runs Meta account connections for an application: it builds login
// URLs, completes callbacks, inspects, renews, verifies and disconnects
// tokens, and keeps them sealed in an EncryptedStore. It holds no per-login
// state in memory (apart from the default in-memory ReplayStore), so several
// replicas sharing the state keys, the store and a ReplayStore can serve one
// login between them.
//
// A Manager is safe for concurrent use.
//
// Every field of a Manager is a pointer, so no way of printing a Manager
// (or a copy of one) reaches the app secret or the state keys; its
// printing methods describe the app (see Config.String).
type Manager struct {
	cfg    redact.Hidden[Config] // the app secret: see redact.Hidden
	store  *EncryptedStore
	states *States
	graph  *metaads.Client
	set    *settings
	*managerState
}

// managerState is the mutable part of a Manager.
type managerState struct {
	provMu    sync.Mutex
	providers []weak.Pointer[Provider] // created from this Manager; see dropCached

	renewals      userLocks         // one renewal per user at a time
	renewWaitHook func(user string) // tests: called when a renewal waits
}

// register remembers p so that Callback, Disconnect and reauth marks drop
// its cached sources. Weak pointers let unused providers be collected.
func (m *Manager) register(p *Provider) {
	m.provMu.Lock()
	defer m.provMu.Unlock()
	m.providers = slices.DeleteFunc(m.providers, func(w weak.Pointer[Provider]) bool { return w.Value() == nil })
	m.providers = append(m.providers, weak.Make(p))
}

// dropCached makes every Provider created from m read user's connections
// from the store again.
func (m *Manager) dropCached(user string) {
	m.provMu.Lock()
	ps := make([]*Provider, 0, len(m.providers))
	for _, w := range m.providers {
		if p := w.Value(); p != nil {
			ps = append(ps, p)
		}
	}
	m.provMu.Unlock()
	for _, p := range ps {
		p.dropUser(user)
	}
}

// NewManager validates cfg and returns a Manager storing tokens in store.
// WithStateKeys is required. Other options: WithClock, WithLogger,
// WithHTTPClient, WithReplayStore, WithStateTTL, WithRenewWindow,
// WithRenewLocker.
func NewManager(cfg Config, store *EncryptedStore, opts ...Option) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("oauth: NewManager: nil EncryptedStore")
	}
	s, err := newSettings(opts)
	if err != nil {
		return nil, err
	}
	if len(s.stateKeys) == 0 {
		return nil, errors.New("oauth: NewManager: no state keys: pass WithStateKeys with a secret of 32+ random bytes shared by all replicas")
	}
	states, err := newStates(s.stateKeys, s)
	if err != nil {
		return nil, err
	}
	cfg.Scopes = slices.Clone(cfg.Scopes)
	cfg.RequiredScopes = slices.Clone(cfg.RequiredScopes)
	graph, err := metaads.NewClient(
		metaads.WithBaseURL(cfg.graphBase()),
		metaads.WithAPIVersion(cfg.Version()),
		metaads.WithAppSecret(cfg.AppSecret),
		metaads.WithHTTPClient(s.httpClient),
		metaads.WithLogger(s.logger),
	)
	if err != nil {
		return nil, fmt.Errorf("oauth: building the Graph client: %w", err)
	}
	s.stateKeys = nil // States holds its own copy, hidden
	return &Manager{cfg: redact.Hide(cfg), store: store, states: states, graph: graph, set: s, managerState: &managerState{}}, nil
}

// String describes the manager's app without secrets.
func (m Manager) String() string { return "oauth.Manager{" + m.cfg.Get().String() + "}" }

// Format prints String for every verb.
func (m Manager) Format(f fmt.State, verb rune) { redact.Format(f, verb, m.String(), m.String()) }

// LogValue logs the manager's app (see Config.LogValue).
func (m Manager) LogValue() slog.Value { return m.cfg.Get().LogValue() }

// MarshalJSON writes the manager's configuration (see Config.MarshalJSON).
func (m Manager) MarshalJSON() ([]byte, error) { return m.cfg.Get().MarshalJSON() }

// Config returns a copy of the manager's configuration.
func (m *Manager) Config() Config {
	c := *m.cfg.Get()
	c.Scopes, c.RequiredScopes = slices.Clone(c.Scopes), slices.Clone(c.RequiredScopes)
	return c
}

// Store returns the encrypted token store.
func (m *Manager) Store() *EncryptedStore { return m.store }

func (m *Manager) now() time.Time    { return m.set.now() }
func (m *Manager) log() *slog.Logger { return m.set.logger }
func (m *Manager) ctxHTTP(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, m.set.httpClient)
}

// appToken is the app access token "{app-id}|{app-secret}", used for
// debug_token; it travels in the Authorization header.
func (m *Manager) appToken() oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: m.cfg.Get().AppID + "|" + m.cfg.Get().AppSecret, TokenType: "Bearer"})
}

// AuthCodeURL starts a login for the application user user in the browser
// session sessionID: it issues a state signed over both and returns the
// login dialog URL (with the PKCE challenge unless disabled). Redirect the
// browser there. Callback accepts the state only for the same session and
// user, so a login started by one user cannot be completed in another
// user's session.
func (m *Manager) AuthCodeURL(sessionID, user string, opts ...oauth2.AuthCodeOption) (string, error) {
	if user == "" {
		return "", errors.New("oauth: AuthCodeURL: empty user id: want the application's user who is connecting")
	}
	state, verifier, err := m.states.Issue(stateBinding(sessionID, user))
	if err != nil {
		return "", err
	}
	return m.cfg.Get().AuthCodeURL(state, verifier, opts...), nil
}

// Connected describes a completed connection. It holds no token.
type Connected struct {
	// User is the application's user who connected.
	User string
	// MetaUserID is the Meta (app-scoped) user id of the token.
	MetaUserID string
	// TokenType is TokenTypeUser or TokenTypeSystemUser.
	TokenType string
	// Scopes are the granted permissions, sorted.
	Scopes []string
	// Expiry is when the stored token expires; zero means never.
	Expiry time.Time
	// DataAccessExpiry is when Meta stops serving data for the token unless
	// the user logs in again; zero when not applicable.
	DataAccessExpiry time.Time
	// Status is the stored connection's status (StatusConnected, or
	// StatusExpiring when the token or data access ends within the renew
	// window).
	Status ConnectionStatus
	// AdAccounts are the granted ad accounts from /me/adaccounts (limited
	// to those named in granular scopes when the dialog reported any), with
	// their id, name, currency, account_status and timezone_name.
	AdAccounts []metaads.AdAccount
}

// Callback completes a login: it checks the state against the browser
// session and the user it was issued for (see AuthCodeURL), turns the
// dialog's error parameters into a *DialogError, exchanges the code (with
// the PKCE verifier), trades the token for a long-lived one, inspects it
// with debug_token, lists /me/adaccounts, and stores the token sealed for
// the user and each ad account. query is the callback URL's query.
//
// The token must be valid, not yet expired (nor its data access), belong
// to Config.AppID and be of type USER or SYSTEM_USER; otherwise nothing is
// stored and the error is a *TokenRejectedError (ErrTokenRejected). A
// missing required permission gives a *MissingScopesError.
//
// Errors: ErrStateInvalid/Expired/Reused, *DialogError (ErrConsentDenied),
// ErrBadRequest, *TokenRejectedError (ErrTokenRejected),
// *MissingScopesError (ErrMissingScopes), or a wrapped *metaads.Error from
// Meta. None contains a token or code.
func (m *Manager) Callback(ctx context.Context, sessionID, user string, query url.Values) (*Connected, error) {
	return m.callback(ctx, sessionID, user, query, nil)
}

// callback is Callback; verified, when not nil, runs once the state has
// verified (and so has been used up), whatever happens next.
func (m *Manager) callback(ctx context.Context, sessionID, user string, query url.Values, verified func()) (*Connected, error) {
	if user == "" {
		return nil, errors.New("oauth: Callback: empty user id: want the application's user who is connecting")
	}
	verifier, err := m.states.Verify(ctx, query.Get("state"), stateBinding(sessionID, user))
	if err != nil {
		return nil, err
	}
	if verified != nil {
		verified()
	}
	if e := query.Get("error"); e != "" || query.Get("error_reason") != "" {
		return nil, &DialogError{Code: truncate(e, 100), Reason: truncate(query.Get("error_reason"), 100),
			Description: truncate(query.Get("error_description"), 300), ErrorCode: truncate(query.Get("error_code"), 20)}
	}
	code := query.Get("code")
	if code == "" {
		return nil, fmt.Errorf("%w: no code and no error parameter", ErrBadRequest)
	}
	short, err := m.cfg.Get().Exchange(m.ctxHTTP(ctx), code, verifier)
	if err != nil {
		return nil, err
	}
	tok := short
	if short.ExpiresIn > 0 || !short.Expiry.IsZero() {
		// A non-expiring token (system user via Login for Business) needs no
		// long-lived exchange.
		tok, err = m.cfg.Get().ExchangeLongLived(m.ctxHTTP(ctx), short)
		if err != nil {
			return nil, err
		}
	}
	info, err := m.Inspect(ctx, tok.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := m.usable(info); err != nil {
		return nil, err
	}
	if missing := missingScopes(m.cfg.Get().Required(), info.Scopes); len(missing) > 0 {
		return nil, &MissingScopesError{Missing: missing, Granted: info.Scopes, Declined: splitScopes(query.Get("denied_scopes"))}
	}
	accounts, err := m.adAccounts(ctx, tok.AccessToken, info)
	if err != nil {
		return nil, err
	}
	tok = &oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer", Expiry: info.ExpiresAt}
	c := &Connected{User: user, MetaUserID: info.UserID, TokenType: info.Type, Scopes: info.Scopes,
		Expiry: info.ExpiresAt, DataAccessExpiry: info.DataAccessExpiresAt,
		Status: m.statusFor(info.ExpiresAt, info.DataAccessExpiresAt), AdAccounts: accounts}
	err = m.saveConnection(ctx, c, tok)
	m.dropCached(user)
	if err != nil {
		return nil, err
	}
	m.log().LogAttrs(ctx, slog.LevelInfo, "oauth: meta account connected",
		slog.String("user", user), slog.String("meta_user_id", info.UserID),
		slog.Int("ad_accounts", len(accounts)), slog.Time("expires", info.ExpiresAt),
		slog.String("status", string(c.Status)))
	return c, nil
}

// usable checks what debug_token says about a token a login produced: valid,
// a user or system-user token, neither it nor its data access expired.
// (Inspect has already refused a token of another app.)
func (m *Manager) usable(info *TokenInfo) error {
	if !info.Valid {
		detail := "debug_token reports the token invalid"
		if info.ErrorMessage != "" {
			detail += ": " + info.ErrorMessage
		}
		return &TokenRejectedError{Reason: RejectInvalid, Detail: detail + "; want a valid token"}
	}
	if info.Type != TokenTypeUser && info.Type != TokenTypeSystemUser {
		return &TokenRejectedError{Reason: RejectTokenType,
			Detail: fmt.Sprintf("debug_token reports a token of type %q: want USER or SYSTEM_USER", info.Type)}
	}
	now := m.now()
	if !info.ExpiresAt.IsZero() && !now.Before(info.ExpiresAt) {
		return &TokenRejectedError{Reason: RejectExpired,
			Detail: "debug_token reports the token expired at " + info.ExpiresAt.UTC().Format(time.RFC3339) + "; the person must log in again"}
	}
	if da := info.DataAccessExpiresAt; !da.IsZero() && !now.Before(da) {
		return &TokenRejectedError{Reason: RejectExpired,
			Detail: "debug_token reports data access expired at " + da.UTC().Format(time.RFC3339) + "; the person must log in again"}
	}
	return nil
}

// stateBinding is what a state is bound to: the browser session and the
// application user, length-prefixed so that no two pairs give the same
// string. An empty session stays empty so that States reports it.
func stateBinding(sessionID, user string) string {
	if sessionID == "" {
		return ""
	}
	return strconv.Itoa(len(sessionID)) + ":" + sessionID + user
}

// truncate returns s, made valid UTF-8, cut to at most n bytes at a rune
// boundary, with "…" appended when it was cut.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func splitScopes(s string) []string {
	var out []string
	for f := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}

func missingScopes(required, granted []string) []string {
	var missing []string
	for _, r := range required {
		if !slices.Contains(granted, r) {
			missing = append(missing, r)
		}
	}
	slices.Sort(missing)
	return slices.Compact(missing)
}

// statusFor classifies a token by its expiries and the renew window.
func (m *Manager) statusFor(expiry, dataAccess time.Time) ConnectionStatus {
	now := m.now()
	horizon := now.Add(m.set.renewWindow)
	switch {
	case !expiry.IsZero() && !now.Before(expiry), !dataAccess.IsZero() && !now.Before(dataAccess):
		return StatusNeedsReauth
	case !expiry.IsZero() && expiry.Before(horizon), !dataAccess.IsZero() && dataAccess.Before(horizon):
		return StatusExpiring
	}
	return StatusConnected
}

// saveConnection writes the user's row and one row per ad account, and
// removes account rows of the user that are no longer granted.
func (m *Manager) saveConnection(ctx context.Context, c *Connected, tok *oauth2.Token) error {
	keep := map[metaads.AccountID]bool{{}: true}
	rows := []Key{{User: c.User}}
	for _, a := range c.AdAccounts {
		if !keep[a.ID] {
			keep[a.ID] = true
			rows = append(rows, Key{User: c.User, Account: a.ID})
		}
	}
	for _, k := range rows {
		err := m.store.Save(ctx, &Connection{Key: k, MetaUserID: c.MetaUserID, Token: tok,
			DataAccessExpiry: c.DataAccessExpiry, Scopes: c.Scopes, Status: c.Status})
		if err != nil {
			return err
		}
	}
	var stale []Key
	for rec, err := range m.store.Inner().List(ctx, Query{User: c.User}) {
		if err != nil {
			return fmt.Errorf("oauth: listing rows of user %q: %w", c.User, err)
		}
		if !keep[rec.Account] {
			stale = append(stale, rec.Key)
		}
	}
	for _, k := range stale {
		if err := m.store.Delete(ctx, k); err != nil {
			return fmt.Errorf("oauth: removing %s: %w", k, err)
		}
	}
	return nil
}

// adAccounts lists /me/adaccounts with the user token, restricted to the
// accounts named in granular scopes when there are any.
func (m *Manager) adAccounts(ctx context.Context, token string, info *TokenInfo) ([]metaads.AdAccount, error) {
	req := &metaads.Request{Path: "me/adaccounts",
		Query:       url.Values{"fields": {"id,name,currency,account_status,timezone_name"}, "limit": {"100"}},
		TokenSource: staticSource(token)}
	granted := info.GrantedAdAccounts()
	var out []metaads.AdAccount
	for a, err := range metaads.List[metaads.AdAccount](ctx, m.graph, req) {
		if err != nil {
			return nil, fmt.Errorf("oauth: listing ad accounts: %w", err)
		}
		if a.ID.IsZero() {
			return nil, fmt.Errorf("oauth: /me/adaccounts returned an account without an id")
		}
		if len(granted) > 0 && !slices.Contains(granted, a.ID) {
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

func staticSource(token string) oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token, TokenType: "Bearer"})
}

// ExpiresAt etc. come from debug_token; see TokenInfo.

// reauth marks every row of the user as needing reauthorization and returns
// the *ReauthError to report.
func (m *Manager) reauth(ctx context.Context, user string, account metaads.AccountID, reason string, cause error) error {
	if err := m.setStatus(ctx, user, StatusNeedsReauth); err != nil {
		m.log().LogAttrs(ctx, slog.LevelWarn, "oauth: could not mark connection for reauth",
			slog.String("user", user), slog.String("error", err.Error()))
	}
	m.dropCached(user)
	m.log().LogAttrs(ctx, slog.LevelWarn, "oauth: reconnect required",
		slog.String("user", user), slog.String("reason", reason))
	return &ReauthError{User: user, Account: account, Reason: reason, Err: cause}
}

// setStatus sets the status of the user's token rows (tombstones keep
// theirs). Each row is written only while it still holds the token read
// here (Store.CompareAndSwap): a row disconnected, reconnected or renewed
// meanwhile keeps what that wrote, so a late mark never brings a deleted
// token back.
func (m *Manager) setStatus(ctx context.Context, user string, st ConnectionStatus) error {
	var errs []error
	for rec, err := range m.store.Inner().List(ctx, Query{User: user}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(rec.Ciphertext) == 0 || rec.Status == st || rec.Status == StatusDisconnected {
			continue
		}
		if _, err := m.store.mark(ctx, rec, st); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// userConnection loads the user's own row (Account zero).
func (m *Manager) userConnection(ctx context.Context, user string) (*Connection, error) {
	if user == "" {
		return nil, errors.New("oauth: empty user id")
	}
	c, err := m.store.Load(ctx, Key{User: user})
	if err != nil {
		return nil, err
	}
	if c.Token == nil {
		return nil, fmt.Errorf("%w for user %q: disconnected", ErrNoToken, user)
	}
	return c, nil
}

// Verify re-inspects the user's stored token with debug_token and updates
// the stored status. An invalid, expired or data-access-expired token gives
// a *ReauthError (ErrReauthRequired).
func (m *Manager) Verify(ctx context.Context, user string) (*TokenInfo, error) {
	c, err := m.userConnection(ctx, user)
	if err != nil {
		return nil, err
	}
	info, err := m.Inspect(ctx, c.Token.AccessToken)
	if err != nil {
		return nil, err
	}
	if !info.Valid {
		return info, m.reauth(ctx, user, metaads.AccountID{}, "debug_token reports the token invalid: "+info.ErrorMessage, nil)
	}
	st := m.statusFor(info.ExpiresAt, info.DataAccessExpiresAt)
	if st == StatusNeedsReauth {
		return info, m.reauth(ctx, user, metaads.AccountID{}, "the token or its data access has expired", nil)
	}
	if err := m.setStatus(ctx, user, st); err != nil {
		return info, err
	}
	return info, nil
}

// Renew trades the user's stored long-lived token for a fresh one with
// fb_exchange_token and stores it. extended reports whether the expiry
// moved later; when Meta returns the same expiry the rows are marked
// StatusExpiring (only a new login extends it). An expired or revoked token
// (code 190) gives a *ReauthError and marks the rows StatusNeedsReauth.
// Renewals of one user's token are serialized within the process (Renew,
// Refresher and Provider share them); a call that waited for another one
// returns the token that one stored.
func (m *Manager) Renew(ctx context.Context, user string) (conn *Connection, extended bool, err error) {
	c, err := m.userConnection(ctx, user)
	if err != nil {
		return nil, false, err
	}
	tok, extended, saveErr, err := m.renewShared(ctx, c)
	if err != nil {
		return nil, false, err
	}
	if saveErr != nil {
		return nil, false, saveErr
	}
	c.Token = tok
	c.Status = m.statusFor(tok.Expiry, c.DataAccessExpiry)
	if !extended && c.Status == StatusConnected {
		c.Status = StatusExpiring
	}
	if c.Status != StatusConnected {
		if err := m.setStatus(ctx, user, c.Status); err != nil {
			return nil, false, err
		}
	}
	return c, extended, nil
}

// renewToken exchanges c's token without saving. It never returns the old
// token as new when the exchange failed.
func (m *Manager) renewToken(ctx context.Context, c *Connection) (*oauth2.Token, bool, error) {
	old := c.Token
	if !old.Expiry.IsZero() && !m.now().Before(old.Expiry) {
		return nil, false, m.reauth(ctx, c.User, c.Account, "the token expired at "+old.Expiry.UTC().Format(time.RFC3339)+" and Meta cannot renew an expired token", nil)
	}
	if !c.DataAccessExpiry.IsZero() && !m.now().Before(c.DataAccessExpiry) {
		return nil, false, m.reauth(ctx, c.User, c.Account, "data access expired; the user must log in again", nil)
	}
	nt, err := m.cfg.Get().ExchangeLongLived(m.ctxHTTP(ctx), old)
	if err != nil {
		if errors.Is(err, metaads.ErrTokenInvalid) {
			return nil, false, m.reauth(ctx, c.User, c.Account, "Meta refused to renew the token", err)
		}
		return nil, false, err
	}
	exp := time.Time{}
	if nt.ExpiresIn > 0 { // at most MaxExpiresIn: no overflow
		exp = m.now().Add(time.Duration(nt.ExpiresIn) * time.Second)
	}
	tok := &oauth2.Token{AccessToken: nt.AccessToken, TokenType: "Bearer", Expiry: exp}
	extended := old.Expiry.IsZero() || (!exp.IsZero() && exp.After(old.Expiry.Add(time.Minute)))
	if exp.IsZero() && !old.Expiry.IsZero() {
		extended = true // now non-expiring
	}
	m.log().LogAttrs(ctx, slog.LevelInfo, "oauth: token renewed",
		slog.String("user", c.User), slog.Bool("extended", extended), slog.Time("expires", exp))
	return tok, extended, nil
}

// saveUserToken stores tok on every row of the user that still holds the
// token read here (Store.CompareAndSwap: a row disconnected or reconnected
// meanwhile keeps what that wrote) and reports how many it wrote.
func (m *Manager) saveUserToken(ctx context.Context, user string, tok *oauth2.Token) (int, error) {
	var errs []error
	saved := 0
	for rec, err := range m.store.Inner().List(ctx, Query{User: user}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if rec.Status == StatusDisconnected || len(rec.Ciphertext) == 0 {
			continue
		}
		ok, err := m.store.swap(ctx, rec, &Connection{Key: rec.Key, MetaUserID: rec.MetaUserID, Token: tok,
			DataAccessExpiry: rec.DataAccessExpiry, Scopes: rec.Scopes, Status: m.statusFor(tok.Expiry, rec.DataAccessExpiry)})
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			saved++
		}
	}
	return saved, errors.Join(errs...)
}

// Disconnect revokes the app's permissions at Meta (DELETE /me/permissions
// with the user's token) and replaces every stored row of the user with a
// StatusDisconnected tombstone that holds no token. The local tokens are
// removed even when revocation fails; the error then is a *RevocationError
// (ErrRevocationFailed) saying so. With nothing stored it returns an error
// matching ErrNoToken.
func (m *Manager) Disconnect(ctx context.Context, user string) error {
	if user == "" {
		return errors.New("oauth: Disconnect: empty user id")
	}
	var rows []*Connection
	var token string
	var listErr error
	for c, err := range m.store.List(ctx, Query{User: user}) {
		if err != nil {
			listErr = errors.Join(listErr, err)
			continue
		}
		rows = append(rows, c)
		if token == "" && c.Token != nil {
			token = c.Token.AccessToken
		}
	}
	if len(rows) == 0 {
		if listErr != nil {
			return listErr
		}
		return fmt.Errorf("%w for user %q", ErrNoToken, user)
	}
	sealed := false
	for _, c := range rows {
		sealed = sealed || c.Token != nil
	}
	if !sealed && listErr == nil {
		return fmt.Errorf("%w for user %q: already disconnected", ErrNoToken, user)
	}
	var revokeErr error
	if token == "" {
		revokeErr = errors.New("no readable token to revoke with")
	} else {
		var out struct {
			Success bool `json:"success"`
		}
		_, err := m.graph.Do(ctx, &metaads.Request{Method: http.MethodDelete, Path: "me/permissions", TokenSource: staticSource(token)}, &out)
		switch {
		case err != nil && errors.Is(err, metaads.ErrTokenInvalid):
			// Already invalid at Meta: nothing left to revoke.
		case err != nil:
			revokeErr = err
		case !out.Success:
			revokeErr = errors.New("the revocation response did not say success")
		}
	}
	// Also tombstone rows we could not open, so no ciphertext survives.
	defer m.dropCached(user)
	var errs []error
	deleted := 0
	for rec, err := range m.store.Inner().List(ctx, Query{User: user}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if rec.Account.IsZero() {
			if err := m.store.Save(ctx, &Connection{Key: rec.Key, MetaUserID: rec.MetaUserID, Status: StatusDisconnected}); err != nil {
				errs = append(errs, err)
				continue
			}
		} else if err := m.store.Delete(ctx, rec.Key); err != nil {
			errs = append(errs, err)
			continue
		}
		if len(rec.Ciphertext) > 0 {
			deleted++
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("oauth: removing stored tokens of user %q: %w", user, err)
	}
	if revokeErr != nil {
		m.log().LogAttrs(ctx, slog.LevelWarn, "oauth: disconnected locally, revocation at Meta failed",
			slog.String("user", user), slog.Int("deleted", deleted), slog.String("error", revokeErr.Error()))
		return &RevocationError{User: user, Deleted: deleted, Err: revokeErr}
	}
	m.log().LogAttrs(ctx, slog.LevelInfo, "oauth: meta account disconnected",
		slog.String("user", user), slog.Int("deleted", deleted))
	return nil
}
