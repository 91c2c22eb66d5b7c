package metaadstest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

type authCode struct {
	clientID    string
	redirectURI string
	userID      string
	scopes      []string
	expires     time.Time
	used        bool
	// challenge and method are the PKCE code_challenge and
	// code_challenge_method ("S256" or "plain") the dialog was given; with
	// a challenge the exchange must bring the matching code_verifier.
	challenge, method string
}

// pkceMethods are the code_challenge_method values of the dialog
// (reference §1.2; an absent method means "plain", as in RFC 7636).
var pkceMethods = []string{"S256", "plain"}

// verifyPKCE checks a code_verifier against the code's challenge.
func (ac *authCode) verifyPKCE(verifier string) bool {
	if ac.challenge == "" {
		return true
	}
	want := verifier
	if ac.method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return verifier != "" && subtle.ConstantTimeCompare([]byte(want), []byte(ac.challenge)) == 1
}

// knownPermissions are the permissions the fake grants; others requested in
// scope are ignored (Meta rejects unknown ones with an error page; the fake
// is lenient).
var knownPermissions = []string{"ads_read", "ads_management", "business_management", "read_insights",
	"pages_show_list", "pages_read_engagement", "pages_manage_ads", "leads_retrieval", "catalog_management", "email", "public_profile"}

func splitScope(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if slices.Contains(knownPermissions, f) && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if !slices.Contains(out, "public_profile") {
		out = append(out, "public_profile") // auto-granted (reference §1.1)
	}
	return out
}

// validRedirect reports whether the redirect URI is registered (exact match,
// Strict Mode), or, with no registered URIs, an http(s) URL on loopback.
func (s *Server) validRedirect(u string) bool {
	if len(s.cfg.app.RedirectURIs) > 0 {
		return slices.Contains(s.cfg.app.RedirectURIs, u)
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") {
		return false
	}
	h := p.Hostname()
	ip := net.ParseIP(h)
	return h == "localhost" || ip != nil && ip.IsLoopback()
}

var consentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Log in with Facebook (metaadstest)</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}button{font-size:1.1em;margin:.3em}</style></head>
<body><h1>{{.App}} is requesting access</h1>
<p>Logged in as <b>{{.UserName}}</b> ({{.UserID}}).</p>
<p>{{.App}} would like to:</p><ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<p>Ad accounts: {{range .Accounts}}<code>act_{{.}}</code> {{end}}</p>
<form method="post" action="">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<button type="submit" name="decision" value="approve" id="approve">Continue as {{.UserName}}</button>
<button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
</form><p><small>This is the consent page of a local fake of Meta's login dialog.</small></p></body></html>`))

var errorPage = template.Must(template.New("err").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Error</title></head><body><h1>Sorry, something went wrong.</h1><p>{{.}}</p></body></html>`))

func (s *Server) dialogError(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_ = errorPage.Execute(w, msg)
}

// dialogRequest validates the dialog parameters; an invalid client_id or
// redirect_uri gets an error page, never a redirect (reference §1.1).
func (s *Server) dialogRequest(w http.ResponseWriter, p url.Values) bool {
	if p.Get("client_id") != s.cfg.app.ID {
		s.dialogError(w, "Invalid App ID: the client_id parameter does not name this app.")
		return false
	}
	if !s.validRedirect(p.Get("redirect_uri")) {
		s.dialogError(w, "URL Blocked: This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings.")
		return false
	}
	if rt := p.Get("response_type"); rt != "" && rt != "code" {
		s.dialogError(w, "The fake supports response_type=code only (the server-side flow).")
		return false
	}
	if m := p.Get("code_challenge_method"); m != "" && !slices.Contains(pkceMethods, m) || m != "" && p.Get("code_challenge") == "" {
		s.dialogError(w, "Invalid code_challenge_method: expected S256 or plain, together with a code_challenge.")
		return false
	}
	return true
}

func (s *Server) loginUser() *User {
	if s.cfg.loginUser != "" {
		if u := s.st.users[s.cfg.loginUser]; u != nil {
			return u
		}
	}
	if len(s.st.userOrder) == 0 {
		_, _ = s.st.addUser(User{Name: "Test User", AdAccounts: s.st.acctOrder})
	}
	return s.st.users[s.st.userOrder[0]]
}

// handleDialog serves the consent page (or, with WithAutoApprove, approves
// at once).
func (s *Server) handleDialog(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Query()
	s.recordHTML(w, r, p)
	if !s.dialogRequest(w, p) {
		return
	}
	if s.cfg.autoApprove {
		s.approve(w, r, p)
		return
	}
	s.mu.Lock()
	u := *s.loginUser()
	s.mu.Unlock()
	hidden := map[string]string{}
	for _, k := range []string{"client_id", "redirect_uri", "state", "scope", "response_type", "auth_type", "code_challenge", "code_challenge_method"} {
		if v := p.Get(k); v != "" {
			hidden[k] = v
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = consentPage.Execute(w, map[string]any{
		"App": s.cfg.app.Name, "UserName": u.Name, "UserID": u.ID,
		"Scopes": splitScope(p.Get("scope")), "Accounts": u.AdAccounts, "Hidden": hidden,
	})
}

// handleDialogSubmit handles the consent form: approve redirects with code
// and state; cancel with error=access_denied and the documented parameters.
func (s *Server) handleDialogSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.dialogError(w, "The form could not be read.")
		return
	}
	p := r.PostForm
	s.recordHTML(w, r, p)
	if !s.dialogRequest(w, p) {
		return
	}
	switch p.Get("decision") {
	case "approve":
		s.approve(w, r, p)
	case "cancel":
		q := url.Values{}
		q.Set("error", "access_denied")
		q.Set("error_code", "200")
		q.Set("error_description", "Permissions error")
		q.Set("error_reason", "user_denied")
		if st := p.Get("state"); st != "" {
			q.Set("state", st)
		}
		http.Redirect(w, r, withQuery(p.Get("redirect_uri"), q), http.StatusFound)
	default:
		s.dialogError(w, `The decision must be "approve" or "cancel".`)
	}
}

func withQuery(base string, q url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + q.Encode()
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request, p url.Values) {
	code := randomToken("AQ", 64)
	s.mu.Lock()
	u := s.loginUser()
	s.codes[tokenKey(code)] = &authCode{clientID: p.Get("client_id"), redirectURI: p.Get("redirect_uri"),
		userID: u.ID, scopes: splitScope(p.Get("scope")), expires: s.now().Add(10 * time.Minute),
		challenge: p.Get("code_challenge"), method: p.Get("code_challenge_method")}
	s.mu.Unlock()
	q := url.Values{}
	q.Set("code", code)
	if st := p.Get("state"); st != "" {
		q.Set("state", st)
	}
	// Meta appends "#_=_" to some redirects (reference §1.1, [OBS]).
	http.Redirect(w, r, withQuery(p.Get("redirect_uri"), q)+"#_=_", http.StatusFound)
}

func (s *Server) recordHTML(w http.ResponseWriter, r *http.Request, p url.Values) {
	c := &call{r: r, w: w, version: r.PathValue("version"), path: "/dialog/oauth", params: p}
	s.record(c)
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in,omitempty"`
}

// handleAccessToken serves /oauth/access_token: the code exchange, the
// fb_exchange_token grant and client_credentials (reference §1.2-1.4).
func (s *Server) handleAccessToken(c *call) (any, *apiError) {
	if c.param("client_id") != s.cfg.app.ID {
		return nil, &apiError{Code: 101, Message: "Error validating application. Invalid application ID."}
	}
	// [OBS] Meta answers a wrong secret with code 1 "Error validating client
	// secret." (type OAuthException, not transient).
	if subtle.ConstantTimeCompare([]byte(c.param("client_secret")), []byte(s.cfg.app.Secret)) != 1 {
		return nil, &apiError{Code: 1, noPrefix: true, Message: "Error validating client secret."}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch gt := c.param("grant_type"); {
	case gt == "fb_exchange_token":
		old, e := s.resolveToken(c.param("fb_exchange_token"), now)
		if e != nil {
			return nil, e
		}
		if old.kind == "APP" {
			return nil, errParam("fb_exchange_token must be a user access token")
		}
		tok := randomToken("EAAT", 120)
		nt := *old
		nt.issued, nt.revoked = now, ""
		nt.scopes, nt.accounts = slices.Clone(old.scopes), slices.Clone(old.accounts)
		nt.expires = now.Add(s.cfg.longTTL)
		if old.kind == "SYSTEM_USER" && c.param("set_token_expires_in_60_days") != "true" {
			nt.expires = time.Time{}
		}
		s.tokens[tokenKey(tok)] = &nt
		resp := tokenResponse{AccessToken: tok, TokenType: "bearer"}
		if !nt.expires.IsZero() {
			resp.ExpiresIn = int64(s.cfg.longTTL / time.Second)
		}
		return resp, nil
	case gt == "client_credentials":
		tok := s.cfg.app.ID + "|" + randomToken("", 27)
		s.tokens[tokenKey(tok)] = &tokenRec{kind: "APP", issued: now}
		return tokenResponse{AccessToken: tok, TokenType: "bearer"}, nil
	case gt == "" || gt == "authorization_code":
		code := c.param("code")
		if code == "" {
			return nil, errParam("Missing authorization code")
		}
		ac := s.codes[tokenKey(code)]
		switch {
		case ac == nil:
			return nil, &apiError{Code: 100, Subcode: 36007, Message: "Invalid verification code format."}
		case ac.used:
			return nil, &apiError{Code: 100, Subcode: 36009, Message: "This authorization code has been used."}
		case !now.Before(ac.expires):
			return nil, &apiError{Code: 100, Subcode: 36007, Message: "This authorization code has expired."}
		case ac.redirectURI != c.param("redirect_uri"):
			return nil, &apiError{Code: 100, Subcode: 36008, Message: "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"}
		case !ac.verifyPKCE(c.param("code_verifier")):
			// [UNVERIFIED shape] Meta's PKCE variant is "still in testing"
			// and its refusal is not documented; the fake answers a Graph
			// error 100 without subcode and leaves the code unused.
			return nil, &apiError{Code: 100, Message: "Invalid code verifier"}
		}
		ac.used = true
		u := s.st.users[ac.userID]
		for _, rec := range s.tokens { // a new consent re-authorizes the app
			if rec.userID == u.ID && rec.revoked == "deauthorized" {
				rec.revoked = "revoked"
			}
		}
		tok := randomToken("EAAT", 96)
		s.tokens[tokenKey(tok)] = &tokenRec{kind: "USER", userID: u.ID, scopes: slices.Clone(ac.scopes),
			accounts: slices.Clone(u.AdAccounts), issued: now, expires: now.Add(s.cfg.shortTTL), dataAccess: now.Add(90 * 24 * time.Hour)}
		return tokenResponse{AccessToken: tok, TokenType: "bearer", ExpiresIn: int64(s.cfg.shortTTL / time.Second)}, nil
	default:
		return nil, errParam("Unsupported grant_type %q: expected authorization_code (with code), fb_exchange_token or client_credentials", gt)
	}
}

// handleDebugToken serves /debug_token (reference §1.6). An invalid input
// token still gives 200 with is_valid false and an error object in data.
func (s *Server) handleDebugToken(c *call) (any, *apiError) {
	in := c.param("input_token")
	if in == "" {
		return nil, errParam("The parameter input_token is required")
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.tok.kind != "APP" && !strings.HasPrefix(in, s.cfg.app.ID+"|") && s.tokens[tokenKey(in)] == nil {
		return nil, errTokenMalformed()
	}
	data := map[string]any{"app_id": s.cfg.app.ID, "application": s.cfg.app.Name}
	rec, e := s.resolveToken(in, now)
	if e != nil {
		data["is_valid"] = false
		data["error"] = map[string]any{"code": e.Code, "message": e.message(), "subcode": e.Subcode}
		if raw := s.tokens[tokenKey(in)]; raw != nil {
			rec = raw
		} else {
			data["type"] = "USER"
			return map[string]any{"data": data}, nil
		}
	} else {
		data["is_valid"] = true
	}
	data["type"] = rec.kind
	if rec.kind == "APP" {
		return map[string]any{"data": data}, nil
	}
	data["user_id"] = rec.userID
	data["issued_at"] = rec.issued.Unix()
	data["expires_at"] = unixOrZero(rec.expires)
	data["data_access_expires_at"] = unixOrZero(rec.dataAccess)
	data["scopes"] = rec.scopes
	var gs []map[string]any
	for _, sc := range rec.scopes {
		g := map[string]any{"scope": sc}
		if (sc == "ads_read" || sc == "ads_management") && len(rec.accounts) > 0 {
			g["target_ids"] = rec.accounts
		}
		gs = append(gs, g)
	}
	data["granular_scopes"] = gs
	return map[string]any{"data": data}, nil
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// handleMePermissions lists the token's permissions ([UNVERIFIED] shape
// {"data":[{"permission","status"}]}, reference §1.7).
func (s *Server) handleMePermissions(c *call) (any, *apiError) {
	var data []map[string]string
	for _, sc := range c.tok.scopes {
		data = append(data, map[string]string{"permission": sc, "status": "granted"})
	}
	return map[string]any{"data": data}, nil
}

// handleDeletePermissions de-authorizes the app for the user: every token of
// the user fails afterwards with 190/458. Deleting one permission removes it
// from the user's tokens. Response {"success": true} ([UNVERIFIED] body).
func (s *Server) handleDeletePermissions(c *call) (any, *apiError) {
	perm := c.r.PathValue("perm")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range s.tokens {
		if rec.userID != c.tok.userID || rec.kind == "APP" {
			continue
		}
		if perm == "" {
			if rec.revoked == "" {
				rec.revoked = "deauthorized"
			}
		} else {
			rec.scopes = slices.DeleteFunc(rec.scopes, func(s string) bool { return s == perm })
		}
	}
	return success(), nil
}
