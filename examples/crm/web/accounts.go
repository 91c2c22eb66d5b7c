package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/oauth"
)

// Connection states shown to people and returned by the APIs.
const (
	StateConnected      = "connected"
	StateExpiringSoon   = "expiring_soon"
	StateNeedsReconnect = "needs_reconnect"
	StateDisconnected   = "disconnected"
)

// AccountJSON is an ad account in the APIs (no token).
type AccountJSON struct {
	ID                  string     `json:"id"`
	Name                string     `json:"name"`
	Currency            string     `json:"currency"`
	Timezone            string     `json:"timezone"`
	State               string     `json:"state"`
	NeedsReconnect      bool       `json:"needs_reconnect"`
	Scopes              []string   `json:"scopes"`
	ExpiresAt           *time.Time `json:"expires_at,omitempty"`
	DataAccessExpiresAt *time.Time `json:"data_access_expires_at,omitempty"`
	ConnectedAt         time.Time  `json:"connected_at"`
	LastVerifiedAt      *time.Time `json:"last_verified_at,omitempty"`
	// Goals are the advertiser's goals for the account (zero when none).
	Goals GoalsJSON `json:"goals"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// state is the connection state of an account at now.
func (s *Server) state(a *store.Account) string {
	now := s.opt.Now()
	switch a.Status {
	case oauth.StatusNeedsReauth:
		return StateNeedsReconnect
	case oauth.StatusDisconnected, "":
		return StateDisconnected
	}
	for _, t := range []time.Time{a.Expiry, a.DataAccessExpiry} {
		if !t.IsZero() && !t.After(now) {
			return StateNeedsReconnect
		}
	}
	if a.Status == oauth.StatusExpiring {
		return StateExpiringSoon
	}
	for _, t := range []time.Time{a.Expiry, a.DataAccessExpiry} {
		if !t.IsZero() && t.Sub(now) < s.opt.ExpiringWithin {
			return StateExpiringSoon
		}
	}
	return StateConnected
}

func (s *Server) accountJSON(a *store.Account) AccountJSON {
	st := s.state(a)
	scopes := a.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return AccountJSON{
		ID: a.ID.String(), Name: a.Name, Currency: a.Currency, Timezone: a.Timezone,
		State: st, NeedsReconnect: st == StateNeedsReconnect || st == StateDisconnected, Scopes: scopes,
		ExpiresAt: optTime(a.Expiry), DataAccessExpiresAt: optTime(a.DataAccessExpiry),
		ConnectedAt: a.ConnectedAt, LastVerifiedAt: optTime(a.LastVerifiedAt), Goals: goalsJSON(a.Goals, a.Currency),
	}
}

// account loads the {account} path value for user; another user's account
// and malformed ids are both "not found".
func (s *Server) account(r *http.Request, u *store.User) (*store.Account, int, string, string) {
	raw := r.PathValue("account")
	id, err := metaads.ParseAccountID(raw)
	if err != nil {
		return nil, http.StatusNotFound, "not_found", fmt.Sprintf("no connected ad account %q: want an id like act_123", raw)
	}
	a, err := s.Store.Account(r.Context(), u.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, http.StatusNotFound, "not_found", fmt.Sprintf("no connected ad account %s", id)
	}
	if err != nil {
		s.Logger.ErrorContext(r.Context(), "loading account", "error", err)
		return nil, http.StatusInternalServerError, "internal", "could not read the account"
	}
	return a, 0, "", ""
}

// oauthUser is HandlerHooks.CurrentUser: the oauth key of the signed-in user.
func (s *Server) oauthUser(r *http.Request) (string, error) {
	u := s.currentUser(r)
	if u == nil {
		return "", errors.New("not signed in")
	}
	return u.Key(), nil
}

// bindingID is HandlerHooks.SessionID: a random value kept in the scs
// session that the OAuth state is bound to (created on first use).
func (s *Server) bindingID(ctx context.Context) (string, error) {
	b := s.Sessions.GetString(ctx, sessBind)
	if b == "" {
		b = randomID()
		s.Sessions.Put(ctx, sessBind, b)
	}
	return b, nil
}

// connected is HandlerHooks.OnSuccess.
func (s *Server) connected(w http.ResponseWriter, r *http.Request, c *oauth.Connected) {
	u := s.currentUser(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	if err := s.Store.SaveAccounts(ctx, u.ID, c.AdAccounts); err != nil {
		s.Logger.ErrorContext(ctx, "saving connected accounts", "error", err)
		s.redirectFlash(w, r, "/settings", "", "Meta connected, but the CRM could not save the account list. Try Refresh.")
		return
	}
	names := make([]string, 0, len(c.AdAccounts))
	for _, a := range c.AdAccounts {
		names = append(names, a.Name)
		if err := s.Jobs.EnqueuePass(ctx, u.ID, a.ID); err != nil {
			s.Logger.WarnContext(ctx, "enqueueing the first pass", "account", a.ID.String(), "error", err)
		}
	}
	_ = s.Store.Audit(ctx, store.AuditEntry{UserID: u.ID, Action: "meta.connect", Outcome: "ok", Detail: fmt.Sprintf("%d ad accounts", len(c.AdAccounts)), Remote: clientIP(r)})
	msg := "Meta account connected."
	if len(names) > 0 {
		msg = fmt.Sprintf("Meta account connected: %d ad account(s) (%s). The first analysis is on its way.", len(names), strings.Join(names, ", "))
	} else {
		msg = "Meta account connected, but it granted no ad account. Connect again and pick the ad accounts to share."
	}
	s.redirectFlash(w, r, "/settings", msg, "")
}

// connectMessage says in words why a connection failed.
func connectMessage(err error) string {
	var ms *oauth.MissingScopesError
	var tr *oauth.TokenRejectedError
	switch {
	case errors.Is(err, oauth.ErrConsentDenied):
		return "You cancelled on Meta's dialog, so nothing was connected."
	case errors.As(err, &ms):
		return "Meta did not grant the permissions the CRM needs: " + strings.Join(ms.Missing, ", ") + ". Connect again and keep them selected."
	case errors.Is(err, oauth.ErrStateExpired):
		return "The connection attempt expired before you came back from Meta. Start again."
	case errors.Is(err, oauth.ErrStateReused):
		return "That connection link was already used once (replayed). Start again."
	case errors.Is(err, oauth.ErrStateInvalid):
		return "The connection attempt was not started from this browser session (invalid or tampered state). Start again."
	case errors.As(err, &tr):
		return "Meta's token cannot be used: " + tr.Detail
	case errors.Is(err, oauth.ErrBadRequest):
		return "Meta's answer was incomplete. Start again."
	default:
		return "Meta could not complete the connection. Try again in a minute."
	}
}

// connectFailed is HandlerHooks.OnFailure.
func (s *Server) connectFailed(w http.ResponseWriter, r *http.Request, status int, err error) {
	s.Logger.WarnContext(r.Context(), "meta connection failed", "status", status, "error", err)
	switch status {
	case http.StatusUnauthorized:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	case http.StatusMethodNotAllowed:
		s.fail(w, r, status, "method_not_allowed", "connect with the button on the settings page (a POST)")
		return
	}
	if r.Method == http.MethodPost && status == http.StatusForbidden && !errors.Is(err, oauth.ErrConsentDenied) && r.URL.Path == "/settings/connect" {
		s.fail(w, r, status, "cross_origin", "cross-origin request refused")
		return
	}
	if u := s.currentUser(r); u != nil {
		_ = s.Store.Audit(r.Context(), store.AuditEntry{UserID: u.ID, Action: "meta.connect", Outcome: "error", Detail: connectMessage(err), Remote: clientIP(r)})
	}
	s.redirectFlash(w, r, "/settings", "", connectMessage(err))
}

type settingsData struct {
	Accounts []accountView
	Tokens   []*store.ServiceToken
	NewToken string
	Audit    []store.AuditEntry
}

type accountView struct {
	*store.Account
	State string
}

// HasGoals says goals were saved for the account.
func (v accountView) HasGoals() bool { return v.Goals != (analysis.Goals{}) }

// GoalsText says the saved goals in a few words.
func (v accountView) GoalsText() string {
	if !v.HasGoals() {
		return "none"
	}
	return goalsText(v.Goals)
}

func (s *Server) settingsData(r *http.Request, u *store.User) (*settingsData, error) {
	accts, err := s.Store.Accounts(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	d := &settingsData{}
	for _, a := range accts {
		d.Accounts = append(d.Accounts, accountView{Account: a, State: s.state(a)})
	}
	if d.Tokens, err = s.Store.ServiceTokens(r.Context(), u.ID); err != nil {
		return nil, err
	}
	if d.Audit, err = s.Store.AuditLog(r.Context(), u.ID, 20); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Server) showSettings(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, err := s.settingsData(r, u)
	if err != nil {
		s.Logger.ErrorContext(r.Context(), "settings", "error", err)
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not load the settings")
		return
	}
	s.render(w, r, http.StatusOK, "settings", "Settings", u, d)
}

// disconnect revokes at Meta and removes the stored tokens.
func (s *Server) disconnect(ctx context.Context, r *http.Request, u *store.User) (revoked bool, err error) {
	err = s.OAuth.Disconnect(ctx, u.Key())
	var rev *oauth.RevocationError
	switch {
	case err == nil:
		revoked = true
	case errors.As(err, &rev):
		err = nil // tokens are gone locally; Meta did not confirm
	case errors.Is(err, oauth.ErrNoToken):
		return false, err
	default:
		return false, err
	}
	_ = s.Store.Audit(ctx, store.AuditEntry{UserID: u.ID, Action: "meta.disconnect", Outcome: "ok", Detail: fmt.Sprintf("revoked at Meta: %t", revoked), Remote: clientIP(r)})
	return revoked, nil
}

func (s *Server) disconnectPage(w http.ResponseWriter, r *http.Request, u *store.User) {
	revoked, err := s.disconnect(r.Context(), r, u)
	switch {
	case errors.Is(err, oauth.ErrNoToken):
		s.redirectFlash(w, r, "/settings", "", "There is no Meta connection to disconnect.")
	case err != nil:
		s.Logger.ErrorContext(r.Context(), "disconnect", "error", err)
		s.redirectFlash(w, r, "/settings", "", "Could not disconnect; try again.")
	case !revoked:
		s.redirectFlash(w, r, "/settings", "Disconnected. The tokens are deleted here, but Meta did not confirm the revocation: remove the app in your Facebook settings to be sure.", "")
	default:
		s.redirectFlash(w, r, "/settings", "Disconnected from Meta; the stored tokens are deleted.", "")
	}
}

// refreshResult is the answer of a verify-and-renew.
type refreshResult struct {
	State     string     `json:"state"`
	Extended  bool       `json:"extended"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Message   string     `json:"message"`
}

// refresh verifies the user's token with debug_token and renews it.
func (s *Server) refresh(ctx context.Context, u *store.User) (*refreshResult, error) {
	if _, err := s.OAuth.Verify(ctx, u.Key()); err != nil {
		if errors.Is(err, oauth.ErrReauthRequired) {
			return &refreshResult{State: StateNeedsReconnect, Message: "Meta no longer accepts the token: connect again."}, nil
		}
		return nil, err
	}
	_ = s.Store.MarkVerified(ctx, u.ID)
	conn, extended, err := s.OAuth.Renew(ctx, u.Key())
	if errors.Is(err, oauth.ErrReauthRequired) {
		return &refreshResult{State: StateNeedsReconnect, Message: "Meta no longer accepts the token: connect again."}, nil
	}
	if err != nil {
		return nil, err
	}
	res := &refreshResult{State: StateConnected, Extended: extended, ExpiresAt: optTime(conn.Expiry())}
	if extended {
		res.Message = "Verified with Meta and renewed until " + conn.Expiry().UTC().Format("2006-01-02") + "."
	} else {
		res.State = StateExpiringSoon
		res.Message = "Verified with Meta, but Meta would not extend the token: connect again before it expires."
	}
	return res, nil
}

func (s *Server) refreshPage(w http.ResponseWriter, r *http.Request, u *store.User) {
	res, err := s.refresh(r.Context(), u)
	switch {
	case errors.Is(err, oauth.ErrNoToken):
		s.redirectFlash(w, r, "/settings", "", "There is no Meta connection to refresh: connect first.")
	case err != nil:
		s.Logger.WarnContext(r.Context(), "refresh", "error", err)
		s.redirectFlash(w, r, "/settings", "", "Meta could not be reached to verify the token; try again.")
	case res.State == StateNeedsReconnect:
		s.redirectFlash(w, r, "/settings", "", res.Message)
	default:
		s.redirectFlash(w, r, "/settings", res.Message, "")
	}
}

func (s *Server) createTokenPage(w http.ResponseWriter, r *http.Request, u *store.User) {
	if err := r.ParseForm(); err != nil {
		s.redirectFlash(w, r, "/settings", "", "The form could not be read.")
		return
	}
	tok, _, err := s.createServiceToken(r, u, r.PostForm.Get("name"), r.PostForm["account"])
	if err != nil {
		s.redirectFlash(w, r, "/settings", "", err.Error())
		return
	}
	d, err := s.settingsData(r, u)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not load the settings")
		return
	}
	// Shown once, in this response only: never put in the session or a flash.
	d.NewToken = tok
	s.render(w, r, http.StatusCreated, "settings", "Settings", u, d)
}

func (s *Server) revokeTokenPage(w http.ResponseWriter, r *http.Request, u *store.User) {
	if err := s.revokeServiceToken(r, u, r.PathValue("id")); err != nil {
		s.redirectFlash(w, r, "/settings", "", "No such service token.")
		return
	}
	s.redirectFlash(w, r, "/settings", "Service token revoked: the agent can no longer use it.", "")
}

// userError is an error whose text is meant for the user.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

func (s *Server) createServiceToken(r *http.Request, u *store.User, name string, accounts []string) (string, *store.ServiceToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", nil, &userError{"Give the service token a name of 1 to 100 characters."}
	}
	if len(accounts) == 0 {
		return "", nil, &userError{"Pick at least one ad account the token may use."}
	}
	ids := make([]metaads.AccountID, 0, len(accounts))
	for _, a := range accounts {
		id, err := metaads.ParseAccountID(a)
		if err != nil {
			return "", nil, &userError{fmt.Sprintf("%q is not an ad account id; want act_123.", a)}
		}
		ids = append(ids, id)
	}
	tok, st, err := s.Store.CreateServiceToken(r.Context(), u.ID, name, ids)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, &userError{"A service token can only use your own connected ad accounts."}
	}
	if err != nil {
		s.Logger.ErrorContext(r.Context(), "creating service token", "error", err)
		return "", nil, &userError{"Could not create the service token."}
	}
	_ = s.Store.Audit(r.Context(), store.AuditEntry{UserID: u.ID, TokenID: st.ID, Action: "service_token.create", Outcome: "ok", Detail: name, Remote: clientIP(r)})
	return tok, st, nil
}

func (s *Server) revokeServiceToken(r *http.Request, u *store.User, id string) error {
	if err := s.Store.RevokeServiceToken(r.Context(), u.ID, id); err != nil {
		return err
	}
	_ = s.Store.Audit(r.Context(), store.AuditEntry{UserID: u.ID, TokenID: id, Action: "service_token.revoke", Outcome: "ok", Remote: clientIP(r)})
	return nil
}
