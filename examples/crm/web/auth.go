package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/adpilot/adpilot/examples/crm/store"
)

type authForm struct {
	Email     string
	Problem   string
	DemoLogin string
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", "Sign in", nil, authForm{DemoLogin: s.opt.DemoLogin})
}

func (s *Server) showSignup(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signup", "Sign up", nil, authForm{})
}

// validateCredentials checks a sign-up form.
func validateCredentials(email, password string) string {
	switch {
	case len(email) > 254:
		return "The email address is too long (at most 254 characters)."
	case !strings.Contains(email, "@"):
		return "Enter an email address, like name@example.com."
	}
	if _, err := mail.ParseAddress(email); err != nil {
		return "Enter an email address, like name@example.com."
	}
	switch n := utf8.RuneCountInString(password); {
	case n < 10:
		return "Choose a password of at least 10 characters."
	case len(password) > 72:
		return "Choose a password of at most 72 bytes."
	}
	return ""
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	if p := validateCredentials(email, password); p != "" {
		s.render(w, r, http.StatusUnprocessableEntity, "signup", "Sign up", nil, authForm{Email: email, Problem: p})
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opt.BcryptCost)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not hash the password")
		return
	}
	u, err := s.Store.CreateUser(r.Context(), email, string(hash))
	if errors.Is(err, store.ErrConflict) {
		s.render(w, r, http.StatusConflict, "signup", "Sign up", nil, authForm{Email: email, Problem: "That address already has an account; sign in instead."})
		return
	}
	if err != nil {
		s.Logger.ErrorContext(r.Context(), "signup", "error", err)
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not create the account")
		return
	}
	if err := s.signIn(r, u); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not start a session")
		return
	}
	s.redirectFlash(w, r, "/settings", "Welcome! Connect a Meta ad account to begin.", "")
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	ip := clientIP(r)
	now := s.opt.Now()
	byEmail, byIP, err := s.Store.LoginFailures(ctx, email, ip, now.Add(-s.opt.LoginWindow))
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not check sign-in attempts")
		return
	}
	if byEmail >= s.opt.LoginLimit || byIP >= 4*s.opt.LoginLimit {
		w.Header().Set("Retry-After", "900")
		s.render(w, r, http.StatusTooManyRequests, "login", "Sign in", nil, authForm{Email: email, DemoLogin: s.opt.DemoLogin,
			Problem: "Too many failed sign-ins. Wait 15 minutes and try again."})
		return
	}
	u, err := s.Store.UserByEmail(ctx, email)
	ok := false
	switch {
	case err == nil:
		ok = bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil
	case errors.Is(err, store.ErrNotFound):
		// Spend the same time as a wrong password, so addresses cannot be
		// probed by timing.
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
	default:
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not read the account")
		return
	}
	if !ok {
		if err := s.Store.RecordLoginFailure(ctx, email, ip); err != nil {
			s.Logger.ErrorContext(ctx, "login failure record", "error", err)
		}
		s.render(w, r, http.StatusUnauthorized, "login", "Sign in", nil, authForm{Email: email, DemoLogin: s.opt.DemoLogin, Problem: "Wrong email or password."})
		return
	}
	_ = s.Store.ClearLoginFailures(ctx, email, now.Add(-24*s.opt.LoginWindow))
	if err := s.signIn(r, u); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not start a session")
		return
	}
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
}

// signIn renews the session token (against fixation) and stores the user
// id and a fresh OAuth binding.
func (s *Server) signIn(r *http.Request, u *store.User) error {
	if err := s.Sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.Sessions.Put(r.Context(), sessUser, u.ID)
	s.Sessions.Put(r.Context(), sessBind, randomID())
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not end the session")
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func randomID() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
