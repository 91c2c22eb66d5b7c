package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/oauth"
)

// agent wraps a credentials-API handler: it authenticates the service token
// in "Authorization: Bearer adp_...", refuses everything else with 401, and
// hands the handler the token and its user. Cookies are ignored.
func (s *Server) agent(h func(w http.ResponseWriter, r *http.Request, t *store.ServiceToken, u *store.User)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="adpilot-crm"`)
			writeError(w, http.StatusUnauthorized, "unauthenticated", "send the service token as Authorization: Bearer adp_...")
			return
		}
		t, err := s.Store.AuthenticateServiceToken(r.Context(), strings.TrimSpace(raw))
		if errors.Is(err, store.ErrBadCredential) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="adpilot-crm", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid_token", "the service token is invalid or revoked")
			return
		}
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal", "could not check the service token")
			return
		}
		u, err := s.Store.UserByID(r.Context(), t.UserID)
		if err != nil {
			writeError(w, http.StatusUnauthorized, "invalid_token", "the service token is invalid or revoked")
			return
		}
		h(w, r, t, u)
	})
}

func (s *Server) audit(ctx context.Context, r *http.Request, t *store.ServiceToken, action, account, outcome, detail string) {
	if err := s.Store.Audit(ctx, store.AuditEntry{UserID: t.UserID, TokenID: t.ID, Action: action, Account: account, Outcome: outcome, Detail: detail, Remote: clientIP(r)}); err != nil {
		s.Logger.ErrorContext(ctx, "audit log", "error", err)
	}
}

// agentAccount resolves {account} for a service token: it must be in the
// token's scope and still the user's.
func (s *Server) agentAccount(w http.ResponseWriter, r *http.Request, t *store.ServiceToken, u *store.User, action string) *store.Account {
	raw := r.PathValue("account")
	id, err := metaads.ParseAccountID(raw)
	if err != nil {
		s.audit(r.Context(), r, t, action, "", "denied", "malformed account id")
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no ad account %q: want an id like act_123", raw))
		return nil
	}
	if !t.Allows(id) {
		s.audit(r.Context(), r, t, action, id.String(), "denied", "account outside the token's scope")
		writeError(w, http.StatusForbidden, "forbidden_account", fmt.Sprintf("this service token may not use ad account %s", id))
		return nil
	}
	a, err := s.Store.Account(r.Context(), u.ID, id)
	if err != nil {
		s.audit(r.Context(), r, t, action, id.String(), "denied", "account no longer connected")
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("ad account %s is not connected", id))
		return nil
	}
	return a
}

func (s *Server) agentAccounts(w http.ResponseWriter, r *http.Request, t *store.ServiceToken, u *store.User) {
	accts, err := s.Store.Accounts(r.Context(), u.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not list the accounts")
		return
	}
	out := make([]AccountJSON, 0, len(t.Accounts))
	for _, a := range accts {
		if t.Allows(a.ID) {
			out = append(out, s.accountJSON(a))
		}
	}
	s.audit(r.Context(), r, t, "accounts.list", "", "ok", fmt.Sprintf("%d accounts", len(out)))
	writeJSON(w, http.StatusOK, map[string]any{"accounts": out})
}

// TokenJSON is the credentials API's answer with an access token. It is the
// only place the CRM hands out a Meta token.
type TokenJSON struct {
	Account     string     `json:"account"`
	AccessToken string     `json:"access_token"`
	TokenType   string     `json:"token_type"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	// AppSecretProof is HMAC-SHA256(app secret, access token) in hex, for
	// Meta's appsecret_proof parameter, so the agent needs no app secret.
	AppSecretProof string `json:"appsecret_proof,omitempty"`
	GraphBaseURL   string `json:"graph_base_url"`
	APIVersion     string `json:"api_version"`
}

func (s *Server) agentToken(w http.ResponseWriter, r *http.Request, t *store.ServiceToken, u *store.User) {
	const action = "token.issue"
	a := s.agentAccount(w, r, t, u, action)
	if a == nil {
		return
	}
	if st := s.state(a); st == StateNeedsReconnect || st == StateDisconnected {
		s.audit(r.Context(), r, t, action, a.ID.String(), "denied", st)
		writeError(w, http.StatusConflict, "needs_reconnect", fmt.Sprintf("ad account %s needs its owner to reconnect Meta in the CRM (%s)", a.ID, st))
		return
	}
	p, err := s.Meta.Provider(u.Key())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not load the token")
		return
	}
	token, err := func() (*oauth2.Token, error) {
		src, err := p.TokenSource(r.Context(), a.ID)
		if err != nil {
			return nil, err
		}
		return src.Token()
	}()
	if err == nil {
		cfg := s.OAuth.Config()
		out := TokenJSON{Account: a.ID.String(), AccessToken: token.AccessToken, TokenType: "bearer", ExpiresAt: optTime(token.Expiry),
			GraphBaseURL: graphBase(cfg), APIVersion: cfg.Version()}
		if cfg.AppSecret != "" {
			mac := hmac.New(sha256.New, []byte(cfg.AppSecret))
			mac.Write([]byte(token.AccessToken))
			out.AppSecretProof = hex.EncodeToString(mac.Sum(nil))
		}
		s.audit(r.Context(), r, t, action, a.ID.String(), "ok", "")
		writeJSON(w, http.StatusOK, out)
		return
	}
	if isReauth(err) || errors.Is(err, oauth.ErrNoToken) {
		s.audit(r.Context(), r, t, action, a.ID.String(), "denied", "needs reconnect")
		writeError(w, http.StatusConflict, "needs_reconnect", fmt.Sprintf("ad account %s needs its owner to reconnect Meta in the CRM", a.ID))
		return
	}
	s.audit(r.Context(), r, t, action, a.ID.String(), "error", "token unavailable")
	s.Logger.WarnContext(r.Context(), "agent token", "account", a.ID.String(), "error", err)
	writeError(w, http.StatusBadGateway, "token_unavailable", "the token could not be loaded or renewed; try again")
}

func graphBase(cfg oauth.Config) string {
	if cfg.GraphBaseURL != "" {
		return cfg.GraphBaseURL
	}
	return oauth.DefaultGraphBaseURL
}

func isReauth(err error) bool { return errors.Is(err, oauth.ErrReauthRequired) }

// Report190 is the optional body of a report-190: what Meta answered the agent.
type Report190 struct {
	Code      int    `json:"code,omitempty"`
	Subcode   int    `json:"subcode,omitempty"`
	FBTraceID string `json:"fbtrace_id,omitempty"`
}

func (s *Server) agentReport190(w http.ResponseWriter, r *http.Request, t *store.ServiceToken, u *store.User) {
	const action = "account.report_190"
	a := s.agentAccount(w, r, t, u, action)
	if a == nil {
		return
	}
	var rep Report190
	if r.ContentLength != 0 && !decodeJSON(w, r, &rep) {
		return
	}
	if rep.Code != 0 && rep.Code != 190 {
		writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("report-190 is for Graph error code 190 (got %d)", rep.Code))
		return
	}
	detail := fmt.Sprintf("subcode %d fbtrace %s", rep.Subcode, rep.FBTraceID)
	// Ask Meta: debug_token either confirms (and Verify marks the rows
	// needs_reauth) or says the token is fine.
	_, err := s.OAuth.Verify(r.Context(), u.Key())
	switch {
	case err == nil:
		s.audit(r.Context(), r, t, action, a.ID.String(), "ok", detail+"; Meta says the token is valid")
		writeJSON(w, http.StatusOK, map[string]any{"account": a.ID.String(), "state": StateConnected, "confirmed": false,
			"message": "Meta reports the token as valid; the account was not marked. Fetch the token again."})
		return
	case isReauth(err):
	default:
		// Meta could not be asked: trust the agent, which saw the 190.
		if merr := s.markReauth(r.Context(), u); merr != nil {
			writeError(w, http.StatusInternalServerError, "internal", "could not mark the account")
			return
		}
	}
	s.audit(r.Context(), r, t, action, a.ID.String(), "ok", detail+"; marked needs_reconnect")
	writeJSON(w, http.StatusOK, map[string]any{"account": a.ID.String(), "state": StateNeedsReconnect, "confirmed": true,
		"message": "The account is marked: its owner must reconnect Meta in the CRM."})
}

// markReauth marks every stored row of the user needs_reauth.
func (s *Server) markReauth(ctx context.Context, u *store.User) error {
	st := s.OAuth.Store()
	var conns []*oauth.Connection
	for c, err := range st.List(ctx, oauth.Query{User: u.Key()}) {
		if err != nil {
			return err
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		if c.Status == oauth.StatusDisconnected {
			continue
		}
		c.Status = oauth.StatusNeedsReauth
		if err := st.Save(ctx, c); err != nil {
			return err
		}
	}
	if p, err := s.Meta.Provider(u.Key()); err == nil {
		p.Forget()
	}
	return nil
}
