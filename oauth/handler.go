package oauth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
)

// DefaultSessionCookie is the cookie the handlers use to bind a login to
// the browser when HandlerHooks.SessionID is nil.
const DefaultSessionCookie = "adpilot_oauth_session"

// HandlerHooks connect the login handlers to an application.
type HandlerHooks struct {
	// CurrentUser returns the application's user for the request (from the
	// application's own session). Required. An error rejects the request
	// through OnFailure (with status 401).
	CurrentUser func(r *http.Request) (string, error)
	// SessionID returns an identifier of the browser session that the state
	// is bound to. Nil means the handlers manage their own: ConnectHandler
	// sets a random HttpOnly, SameSite=Lax cookie (Secure when the request
	// came over TLS, or always with SecureCookie) and CallbackHandler reads
	// it back. The cookie is shared by the logins a browser starts in
	// several tabs, and CallbackHandler removes it once the last of them
	// has completed (a callback whose state does not verify leaves it).
	SessionID func(r *http.Request) (string, error)
	// SecureCookie marks the default session cookie Secure even when the
	// request reached the handler over plain HTTP. Set it when a proxy or
	// load balancer terminates TLS in front of the application (r.TLS is
	// then nil although the browser used HTTPS). Leave it false only for
	// plain-HTTP development servers: browsers do not send Secure cookies
	// over HTTP.
	SecureCookie bool
	// CrossOrigin decides whether a connect request comes from the
	// application's own pages. Nil means http.NewCrossOriginProtection(),
	// which refuses a browser request whose Sec-Fetch-Site header says
	// cross-site, or whose Origin header names another host. Set one with
	// AddTrustedOrigin when the connect form is served from another origin
	// of yours.
	CrossOrigin *http.CrossOriginProtection
	// OnSuccess writes the response after a completed connection. Nil
	// redirects to "/" with 303.
	OnSuccess func(w http.ResponseWriter, r *http.Request, c *Connected)
	// OnFailure writes the response for a failed connect or callback. status
	// is the suggested HTTP status: 400 bad or forged request, 401 no user,
	// 403 consent denied, permissions missing, token rejected (see
	// ErrTokenRejected) or a cross-origin connect, 405 a connect that is not
	// a POST, 502 Meta failed. err never contains a token. Nil writes a
	// plain-text error page.
	OnFailure func(w http.ResponseWriter, r *http.Request, status int, err error)
	// AuthOptions are extra dialog parameters, such as
	// oauth2.SetAuthURLParam("auth_type", "rerequest").
	AuthOptions []oauth2.AuthCodeOption
}

func (h *HandlerHooks) validate() error {
	if h.CurrentUser == nil {
		return errors.New("oauth: HandlerHooks.CurrentUser is nil: want a function returning the signed-in user")
	}
	return nil
}

func (h *HandlerHooks) secure(r *http.Request) bool { return h.SecureCookie || r.TLS != nil }

func (h *HandlerHooks) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	if h.OnFailure != nil {
		h.OnFailure(w, r, status, err)
		return
	}
	http.Error(w, fmt.Sprintf("Connecting the Meta account failed: %v", err), status)
}

// maxPendingLogins caps the count of logins kept in the session cookie.
const maxPendingLogins = 16

// sessionCookie is the default session cookie's value: the browser-session
// id and how many logins started with it have not reached the callback.
type sessionCookie struct {
	sid     string
	pending int
}

// parseSessionCookie reads the default cookie; ok is false when it is
// absent or malformed.
func parseSessionCookie(r *http.Request) (sessionCookie, bool) {
	ck, err := r.Cookie(DefaultSessionCookie)
	if err != nil {
		return sessionCookie{}, false
	}
	sid, n, found := strings.Cut(ck.Value, ".")
	if !found || len(sid) != sessionIDLen {
		return sessionCookie{}, false
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(sid); err != nil {
		return sessionCookie{}, false
	}
	pending, err := strconv.Atoi(n)
	if err != nil || pending < 1 || pending > maxPendingLogins || strconv.Itoa(pending) != n {
		return sessionCookie{}, false
	}
	return sessionCookie{sid: sid, pending: pending}, true
}

// sessionIDLen is the length of a default session id: 32 random bytes in
// unpadded base64url.
const sessionIDLen = 43

func (h *HandlerHooks) setSessionCookie(w http.ResponseWriter, r *http.Request, c sessionCookie, maxAge int) {
	value := c.sid + "." + strconv.Itoa(c.pending)
	if c.pending <= 0 {
		value, maxAge = "", -1
	}
	http.SetCookie(w, &http.Cookie{Name: DefaultSessionCookie, Value: value, Path: "/",
		MaxAge: maxAge, HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
}

// ConnectHandler returns a handler that starts a login: it accepts only a
// same-origin POST (see HandlerHooks.CrossOrigin), checks the current user,
// binds a fresh state to the browser session and that user and redirects
// (303) to Meta's login dialog. Mount it on a POST route and start it from
// a form on your own page, for example
//
//	mux.Handle("POST /meta/connect", h)
//	<form method="post" action="/meta/connect"><button>Connect Meta account</button></form>
//
// A GET, or a POST from another site, is refused before anything happens:
// Meta may skip its dialog for a person who already authorised the app, so
// a link on another site must not be able to start a reconnect. The
// application's own CSRF protection for POST routes, if it has one, applies
// as well.
func (m *Manager) ConnectHandler(hooks HandlerHooks) (http.Handler, error) {
	if err := hooks.validate(); err != nil {
		return nil, err
	}
	cop := hooks.CrossOrigin
	if cop == nil {
		cop = http.NewCrossOriginProtection()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			hooks.fail(w, r, http.StatusMethodNotAllowed, fmt.Errorf(
				"%w: connect got %s: want a POST from a form on the application's own page", ErrBadRequest, r.Method))
			return
		}
		if err := cop.Check(r); err != nil {
			hooks.fail(w, r, http.StatusForbidden, fmt.Errorf("%w: %v", ErrCrossOrigin, err))
			return
		}
		user, err := hooks.CurrentUser(r)
		if err != nil || user == "" {
			hooks.fail(w, r, http.StatusUnauthorized, fmt.Errorf("oauth: no signed-in user: %v", err))
			return
		}
		var sid string
		if hooks.SessionID != nil {
			var err error
			if sid, err = hooks.SessionID(r); err != nil || sid == "" {
				hooks.fail(w, r, http.StatusUnauthorized, fmt.Errorf("oauth: no browser session: %v", err))
				return
			}
		} else {
			// A login already pending in another tab keeps its session id,
			// so starting a second one does not invalidate the first.
			c, ok := parseSessionCookie(r)
			if ok {
				c.pending = min(c.pending+1, maxPendingLogins)
			} else {
				var b [32]byte
				if _, err := rand.Read(b[:]); err != nil {
					hooks.fail(w, r, http.StatusInternalServerError, err)
					return
				}
				c = sessionCookie{sid: base64.RawURLEncoding.EncodeToString(b[:]), pending: 1}
			}
			sid = c.sid
			hooks.setSessionCookie(w, r, c, int(m.states.ttl.Seconds()))
		}
		u, err := m.AuthCodeURL(sid, user, hooks.AuthOptions...)
		if err != nil {
			hooks.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		http.Redirect(w, r, u, http.StatusSeeOther)
	}), nil
}

// CallbackHandler returns a handler for the redirect URI: it runs
// Manager.Callback for the current user and the browser session (a state
// issued to another user or session is refused with 400), then calls
// OnSuccess or OnFailure. Mount it on the path of Config.RedirectURL, for
// example mux.Handle("GET /meta/callback", h).
//
// With the default session cookie, a callback whose state does not verify
// (missing, forged, expired, reused or another browser's) changes nothing,
// so a cross-site request with a garbage state cannot break a login in
// progress; once the state verifies, the login is counted as finished and
// the cookie is removed when no other login of the browser is pending.
func (m *Manager) CallbackHandler(hooks HandlerHooks) (http.Handler, error) {
	if err := hooks.validate(); err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		user, err := hooks.CurrentUser(r)
		if err != nil || user == "" {
			hooks.fail(w, r, http.StatusUnauthorized, fmt.Errorf("oauth: no signed-in user: %v", err))
			return
		}
		var sid string
		var verified func()
		if hooks.SessionID != nil {
			sid, err = hooks.SessionID(r)
			if err != nil {
				hooks.fail(w, r, http.StatusUnauthorized, fmt.Errorf("oauth: no browser session: %w", err))
				return
			}
		} else if c, ok := parseSessionCookie(r); ok {
			sid = c.sid
			verified = func() {
				c.pending--
				hooks.setSessionCookie(w, r, c, int(m.states.ttl.Seconds()))
			}
		}
		c, err := m.callback(r.Context(), sid, user, r.URL.Query(), verified)
		if err != nil {
			status := httpStatusFor(err)
			m.log().LogAttrs(r.Context(), slog.LevelWarn, "oauth: callback failed",
				slog.String("user", user), slog.Int("status", status), slog.String("error", err.Error()))
			hooks.fail(w, r, status, err)
			return
		}
		if hooks.OnSuccess != nil {
			hooks.OnSuccess(w, r, c)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}), nil
}

// httpStatusFor maps a flow error to the status suggested to OnFailure.
func httpStatusFor(err error) int {
	switch {
	case errors.Is(err, ErrStateInvalid), errors.Is(err, ErrStateExpired), errors.Is(err, ErrStateReused),
		errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrConsentDenied), errors.Is(err, ErrMissingScopes), errors.Is(err, ErrTokenRejected),
		errors.Is(err, ErrCrossOrigin):
		return http.StatusForbidden
	}
	return http.StatusBadGateway
}
