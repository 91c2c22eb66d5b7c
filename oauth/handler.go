package oauth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

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
	// it back.
	SessionID func(r *http.Request) (string, error)
	// SecureCookie marks the default session cookie Secure even when the
	// request reached the handler over plain HTTP. Set it when a proxy or
	// load balancer terminates TLS in front of the application (r.TLS is
	// then nil although the browser used HTTPS). Leave it false only for
	// plain-HTTP development servers: browsers do not send Secure cookies
	// over HTTP.
	SecureCookie bool
	// OnSuccess writes the response after a completed connection. Nil
	// redirects to "/" with 303.
	OnSuccess func(w http.ResponseWriter, r *http.Request, c *Connected)
	// OnFailure writes the response for a failed connect or callback. status
	// is the suggested HTTP status (400 bad or forged request, 401 no user,
	// 403 consent denied or scopes missing, 502 Meta failed). err never
	// contains a token. Nil writes a plain-text error page.
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

// ConnectHandler returns a handler that starts a login: it checks the
// current user, binds a fresh state to the browser session and that user
// and redirects (302) to Meta's login dialog. Mount it on a GET route, for example
// mux.Handle("GET /meta/connect", h).
func (m *Manager) ConnectHandler(hooks HandlerHooks) (http.Handler, error) {
	if err := hooks.validate(); err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
			var b [32]byte
			if _, err := rand.Read(b[:]); err != nil {
				hooks.fail(w, r, http.StatusInternalServerError, err)
				return
			}
			sid = base64.RawURLEncoding.EncodeToString(b[:])
			http.SetCookie(w, &http.Cookie{Name: DefaultSessionCookie, Value: sid, Path: "/",
				MaxAge: int(m.states.ttl.Seconds()), HttpOnly: true, Secure: hooks.secure(r),
				SameSite: http.SameSiteLaxMode})
		}
		u, err := m.AuthCodeURL(sid, user, hooks.AuthOptions...)
		if err != nil {
			hooks.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, u, http.StatusFound)
	}), nil
}

// CallbackHandler returns a handler for the redirect URI: it runs
// Manager.Callback for the current user and the browser session (a state
// issued to another user or session is refused with 400), then
// calls OnSuccess or OnFailure. Mount it on the path of Config.RedirectURL,
// for example mux.Handle("GET /meta/callback", h).
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
		if hooks.SessionID != nil {
			sid, err = hooks.SessionID(r)
			if err != nil {
				hooks.fail(w, r, http.StatusUnauthorized, fmt.Errorf("oauth: no browser session: %w", err))
				return
			}
		} else if ck, err := r.Cookie(DefaultSessionCookie); err == nil {
			sid = ck.Value
			// The cookie served its purpose; drop it.
			http.SetCookie(w, &http.Cookie{Name: DefaultSessionCookie, Value: "", Path: "/", MaxAge: -1,
				HttpOnly: true, Secure: hooks.secure(r), SameSite: http.SameSiteLaxMode})
		}
		c, err := m.Callback(r.Context(), sid, user, r.URL.Query())
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
	case errors.Is(err, ErrConsentDenied), errors.Is(err, ErrMissingScopes):
		return http.StatusForbidden
	}
	return http.StatusBadGateway
}
