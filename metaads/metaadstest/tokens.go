package metaadstest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TokenSpec describes a token for IssueToken.
type TokenSpec struct {
	// UserID is the user the token belongs to. Empty means the first user
	// (one is created when there is none). An unknown id creates that user.
	UserID string
	// Scopes are the granted permissions; default ads_read, ads_management
	// and business_management.
	Scopes []string
	// AdAccounts limits the ad accounts the token can use ("123" or
	// "act_123"); default the user's accounts.
	AdAccounts []string
	// TTL is the lifetime; zero means the token never expires (like a
	// system-user token).
	TTL time.Duration
	// SystemUser makes the token a system-user token (debug_token type
	// SYSTEM_USER, data_access_expires_at 0).
	SystemUser bool
}

type tokenRec struct {
	kind       string // USER, SYSTEM_USER, APP
	userID     string
	scopes     []string
	accounts   []string
	issued     time.Time
	expires    time.Time // zero: never
	dataAccess time.Time // zero: never
	revoked    string    // "", "revoked", "deauthorized"
}

func (t *tokenRec) hasScope(s ...string) bool {
	for _, x := range s {
		if slices.Contains(t.scopes, x) {
			return true
		}
	}
	return false
}

func (t *tokenRec) canUseAccount(id string) bool {
	return t.kind != "APP" && slices.Contains(t.accounts, id)
}

// tokenKey is how tokens are stored: a SHA-256 of the token, so the fake
// never keeps a usable plaintext token in memory after handing it out.
func tokenKey(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

func randomToken(prefix string, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

var defaultScopes = []string{"ads_read", "ads_management", "business_management"}

// IssueToken mints an access token for a user with the given scopes and ad
// accounts, as if the user had logged in. The token is returned once; the
// server keeps only its hash.
func (s *Server) IssueToken(spec TokenSpec) (string, error) {
	if spec.TTL < 0 {
		return "", fmt.Errorf("metaadstest: IssueToken: TTL %v is negative", spec.TTL)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLocked(spec, s.now())
}

func (s *Server) issueLocked(spec TokenSpec, now time.Time) (string, error) {
	st := s.st
	if spec.UserID == "" {
		if len(st.userOrder) == 0 {
			if _, err := st.addUser(User{}); err != nil {
				return "", err
			}
		}
		spec.UserID = st.userOrder[0]
	}
	u := st.users[spec.UserID]
	if u == nil {
		nu, err := st.addUser(User{ID: spec.UserID, AdAccounts: spec.AdAccounts})
		if err != nil {
			return "", err
		}
		u = st.users[nu.ID]
	}
	scopes := spec.Scopes
	if scopes == nil {
		scopes = defaultScopes
	}
	for _, sc := range scopes {
		if sc == "" || strings.ContainsAny(sc, " ,") {
			return "", fmt.Errorf("metaadstest: IssueToken: scope %q is not a permission name", sc)
		}
	}
	accts := u.AdAccounts
	if spec.AdAccounts != nil {
		accts = nil
		for _, a := range spec.AdAccounts {
			a = strings.TrimPrefix(a, "act_")
			if !isDigits(a) {
				return "", fmt.Errorf("metaadstest: IssueToken: ad account %q must be digits or act_digits", a)
			}
			accts = append(accts, a)
		}
	}
	rec := &tokenRec{kind: "USER", userID: u.ID, scopes: slices.Clone(scopes), accounts: slices.Clone(accts), issued: now}
	if spec.SystemUser {
		rec.kind = "SYSTEM_USER"
	} else {
		rec.dataAccess = now.Add(90 * 24 * time.Hour)
	}
	if spec.TTL > 0 {
		rec.expires = now.Add(spec.TTL)
	}
	tok := randomToken("EAAT", 96)
	s.tokens[tokenKey(tok)] = rec
	return tok, nil
}

// ExpireToken makes a token expired from now on (code 190, subcode 463).
func (s *Server) ExpireToken(token string) error {
	return s.changeToken("ExpireToken", token, func(rec *tokenRec, now time.Time) { rec.expireAt(now) })
}

// expireAt makes the token expired as of a second before now; a token
// issued later than that is moved back to its expiry, so issued_at never
// follows expires_at.
func (rec *tokenRec) expireAt(now time.Time) {
	rec.expires = now.Add(-time.Second)
	if rec.issued.After(rec.expires) {
		rec.issued = rec.expires
	}
}

// RevokeToken invalidates a token (code 190, subcode 467 afterwards).
func (s *Server) RevokeToken(token string) error {
	return s.changeToken("RevokeToken", token, func(rec *tokenRec, _ time.Time) { rec.revoked = "revoked" })
}

// ExpireDataAccess makes the token's data access lapse (code 190, subcode
// 493), as after 90 days without the user engaging the app.
func (s *Server) ExpireDataAccess(token string) error {
	return s.changeToken("ExpireDataAccess", token, func(rec *tokenRec, now time.Time) { rec.dataAccess = now.Add(-time.Second) })
}

func (s *Server) changeToken(op, token string, change func(*tokenRec, time.Time)) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.tokens[tokenKey(token)]
	if rec == nil {
		return fmt.Errorf("metaadstest: %s: unknown token", op)
	}
	change(rec, now)
	return nil
}

// AppToken returns the app access token "{app-id}|{app-secret}".
func (s *Server) AppToken() string { return s.cfg.app.ID + "|" + s.cfg.app.Secret }

// AppSecretProof computes the classic appsecret_proof for a token: hex
// HMAC-SHA256 of the token keyed by the app secret.
func AppSecretProof(appSecret, token string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// requestToken extracts the token from "Authorization: Bearer|OAuth ..." or
// the access_token parameter (header wins).
func requestToken(r *http.Request, params map[string][]string) string {
	if h := r.Header.Get("Authorization"); h != "" {
		for _, p := range []string{"Bearer ", "bearer ", "OAuth ", "oauth "} {
			if t, ok := strings.CutPrefix(h, p); ok {
				return strings.TrimSpace(t)
			}
		}
	}
	if v := params["access_token"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// resolveToken finds and validates a token. Caller holds s.mu.
func (s *Server) resolveToken(tok string, now time.Time) (*tokenRec, *apiError) {
	if tok == "" {
		return nil, errNoToken()
	}
	if id, secret, ok := strings.Cut(tok, "|"); ok {
		if id == s.cfg.app.ID && subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.app.Secret)) == 1 {
			return &tokenRec{kind: "APP", issued: now}, nil
		}
		if rec := s.tokens[tokenKey(tok)]; rec != nil && rec.kind == "APP" {
			return rec, nil
		}
		return nil, errTokenMalformed()
	}
	rec := s.tokens[tokenKey(tok)]
	if rec == nil {
		return nil, errTokenMalformed()
	}
	switch rec.revoked {
	case "revoked":
		return nil, errTokenRevoked()
	case "deauthorized":
		return nil, errTokenDeauthorized()
	}
	if !rec.expires.IsZero() && !now.Before(rec.expires) {
		return nil, errTokenExpired(rec.expires.UTC().Format("Monday, 02-Jan-06 15:04:05 MST"))
	}
	if !rec.dataAccess.IsZero() && !now.Before(rec.dataAccess) {
		return nil, errDataAccessExpired()
	}
	return rec, nil
}

// checkProof verifies appsecret_proof in both documented forms (reference
// §1.8): classic HMAC(secret, token), and HMAC(secret, token|time) with
// appsecret_time no older than five minutes. A proof that is present is
// always checked; a missing one is an error only when the app requires it.
//
// [UNVERIFIED] The message texts are the commonly reported ones; the code
// (100, type GraphMethodException) is what clients see in practice.
func (s *Server) checkProof(tok string, rec *tokenRec, params map[string][]string, now time.Time) *apiError {
	if rec.kind == "APP" {
		return nil
	}
	proof := first(params, "appsecret_proof")
	if proof == "" {
		if s.cfg.app.RequireAppSecretProof {
			return &apiError{Code: 100, Type: "GraphMethodException", noPrefix: true, Message: "API calls from the server require an appsecret_proof argument"}
		}
		return nil
	}
	msg := tok
	if ts := first(params, "appsecret_time"); ts != "" {
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return errParam("appsecret_time must be unix seconds, got %q", ts)
		}
		if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
			return &apiError{Code: 100, Type: "GraphMethodException", noPrefix: true, Message: "appsecret_time is too far from the current time (proofs expire after 5 minutes)"}
		}
		msg = tok + "|" + ts
	}
	want := AppSecretProof(s.cfg.app.Secret, msg)
	if !hmac.Equal([]byte(strings.ToLower(proof)), []byte(want)) {
		return &apiError{Code: 100, Type: "GraphMethodException", noPrefix: true, Message: "Invalid appsecret_proof provided in the API argument"}
	}
	return nil
}

func first(p map[string][]string, k string) string {
	if v := p[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}
