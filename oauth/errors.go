package oauth

import (
	"errors"
	"fmt"
	"strings"

	"github.com/adpilot/adpilot/metaads"
)

// Error kinds for errors.Is.
var (
	// ErrReauthRequired: the stored token cannot be used or renewed (it
	// expired, was revoked, lost data access, or Meta answered code 190);
	// the user must go through the login dialog again. It is wrapped in a
	// *ReauthError naming the user and account.
	ErrReauthRequired = errors.New("oauth: user must reconnect the Meta account")
	// ErrNoToken: nothing is stored for the user or account. It also matches
	// metaads.ErrNoToken.
	ErrNoToken error = noTokenError{}
	// ErrStateInvalid: the state parameter is malformed, was not signed by
	// any current key, or was issued to another browser session or (through
	// Manager) another application user.
	ErrStateInvalid = errors.New("oauth: invalid state parameter")
	// ErrStateExpired: the state parameter is older than the state TTL.
	ErrStateExpired = errors.New("oauth: state parameter expired")
	// ErrStateReused: the state parameter was already used once.
	ErrStateReused = errors.New("oauth: state parameter already used")
	// ErrConsentDenied: the person cancelled the login dialog or declined
	// (see *DialogError).
	ErrConsentDenied = errors.New("oauth: login dialog was cancelled or denied")
	// ErrMissingScopes: required permissions were not granted (see
	// *MissingScopesError).
	ErrMissingScopes = errors.New("oauth: required permissions not granted")
	// ErrRevocationFailed: Disconnect removed the local tokens but Meta did
	// not confirm the revocation.
	ErrRevocationFailed = errors.New("oauth: revocation at Meta failed")
	// ErrDecrypt: a stored ciphertext could not be opened (unknown key id,
	// tampered bytes, or a ciphertext copied from another row).
	ErrDecrypt = errors.New("oauth: cannot decrypt stored token")
	// ErrBadRequest: a connect or callback request is malformed: the
	// callback lacks parameters the flow needs, or a connect is not a POST.
	ErrBadRequest = errors.New("oauth: malformed request")
	// ErrCrossOrigin: a connect request came from another site (see
	// HandlerHooks.CrossOrigin).
	ErrCrossOrigin = errors.New("oauth: cross-origin connect request refused")
	// ErrTokenRejected: debug_token says the token a login produced cannot
	// be used: it is invalid, already expired, issued for another app, or
	// not a user token (see *TokenRejectedError).
	ErrTokenRejected = errors.New("oauth: Meta's token was rejected")
)

// RejectReason says why a token was rejected.
type RejectReason string

// Reasons for a *TokenRejectedError.
const (
	// RejectInvalid: debug_token reports is_valid false.
	RejectInvalid RejectReason = "invalid"
	// RejectExpired: the token, or its data access, has already expired.
	RejectExpired RejectReason = "expired"
	// RejectOtherApp: the token was issued for another app (or for none).
	RejectOtherApp RejectReason = "other_app"
	// RejectTokenType: the token is not a USER or SYSTEM_USER token.
	RejectTokenType RejectReason = "token_type"
)

// TokenRejectedError is returned when debug_token shows that a token cannot
// serve this app: Callback stores nothing, and CallbackHandler answers 403.
// It matches ErrTokenRejected.
type TokenRejectedError struct {
	// Reason says which check failed.
	Reason RejectReason
	// Detail says it in words, with what was expected. It never contains a
	// token.
	Detail string
}

// Error describes the rejection.
func (e *TokenRejectedError) Error() string {
	return fmt.Sprintf("oauth: token rejected (%s): %s", e.Reason, e.Detail)
}

// Is matches ErrTokenRejected.
func (e *TokenRejectedError) Is(target error) bool { return target == ErrTokenRejected }

// noTokenError is ErrNoToken: its text says it once ("oauth: no stored
// token for ad account act_1 of user ...") and it unwraps to
// metaads.ErrNoToken, so errors.Is matches both.
type noTokenError struct{}

func (noTokenError) Error() string { return "oauth: no stored token" }
func (noTokenError) Unwrap() error { return metaads.ErrNoToken }

// DialogError is returned when Meta redirects back with error parameters
// instead of a code (for example the person pressed Cancel). It matches
// ErrConsentDenied for access_denied, and ErrBadRequest otherwise.
type DialogError struct {
	// Code is the "error" parameter, like "access_denied".
	Code string
	// Reason is the "error_reason" parameter, like "user_denied".
	Reason string
	// Description is the "error_description" parameter (truncated).
	Description string
	// ErrorCode is the "error_code" parameter, like "200".
	ErrorCode string
}

// Error describes the dialog's error parameters.
func (e *DialogError) Error() string {
	var b strings.Builder
	b.WriteString("oauth: login dialog returned error ")
	fmt.Fprintf(&b, "%q", e.Code)
	if e.Reason != "" {
		fmt.Fprintf(&b, " (reason %q)", e.Reason)
	}
	if e.ErrorCode != "" {
		fmt.Fprintf(&b, " code %s", e.ErrorCode)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	return b.String()
}

// Is matches ErrConsentDenied for denials and cancellations.
func (e *DialogError) Is(target error) bool {
	switch target {
	case ErrConsentDenied:
		return e.Code == "access_denied" || e.Reason == "user_denied"
	case ErrBadRequest:
		return e.Code != "access_denied" && e.Reason != "user_denied"
	}
	return false
}

// MissingScopesError names the required permissions that were not granted.
// It matches ErrMissingScopes.
type MissingScopesError struct {
	Missing  []string // required but not granted, sorted
	Granted  []string // what the token has
	Declined []string // declined in the dialog, when Meta reported them
}

// Error describes the missing and granted permissions.
func (e *MissingScopesError) Error() string {
	return fmt.Sprintf("oauth: required permissions not granted: %s (granted: %s)",
		strings.Join(e.Missing, ", "), strings.Join(e.Granted, ", "))
}

// Is matches ErrMissingScopes.
func (e *MissingScopesError) Is(target error) bool { return target == ErrMissingScopes }

// ReauthError says which connection needs the user to log in again, and
// why. It matches ErrReauthRequired and unwraps to the cause (often a
// *metaads.Error matching metaads.ErrTokenInvalid).
type ReauthError struct {
	// User is the application user who must log in again.
	User string
	// Account is the ad account the failing request was for; zero when the
	// whole user connection is affected.
	Account metaads.AccountID
	// Reason says why, in words (it never contains a token).
	Reason string
	// Err is the cause, often a *metaads.Error; may be nil.
	Err error
}

// Error describes the user, account and reason.
func (e *ReauthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "oauth: reconnect required for user %q", e.User)
	if !e.Account.IsZero() {
		fmt.Fprintf(&b, " (ad account %s)", e.Account)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Is matches ErrReauthRequired.
func (e *ReauthError) Is(target error) bool { return target == ErrReauthRequired }

// Unwrap returns the cause.
func (e *ReauthError) Unwrap() error { return e.Err }

// RevocationError is returned by Disconnect when local tokens were deleted
// but Meta did not confirm the revocation. It matches ErrRevocationFailed.
type RevocationError struct {
	// User is the application user who was disconnected.
	User string
	// Deleted counts the stored tokens removed locally.
	Deleted int
	// Err is why revocation at Meta failed.
	Err error
}

// Error describes what was deleted and why revocation failed.
func (e *RevocationError) Error() string {
	return fmt.Sprintf("oauth: deleted %d stored token(s) for user %q, but revocation at Meta failed: %v", e.Deleted, e.User, e.Err)
}

// Is matches ErrRevocationFailed.
func (e *RevocationError) Is(target error) bool { return target == ErrRevocationFailed }

// Unwrap returns the revocation failure.
func (e *RevocationError) Unwrap() error { return e.Err }
