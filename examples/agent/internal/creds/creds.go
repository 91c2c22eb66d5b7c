package creds

import (
	"context"
	"errors"
	"fmt"

	"github.com/adpilot/adpilot/metaads"
)

// Account is an ad account a Source has credentials for.
type Account struct {
	// ID is the ad account id.
	ID metaads.AccountID `json:"id"`
	// Name, Currency and TimeZone are what the source knows of the account
	// (the CRM knows them; a file may name the account).
	Name     string `json:"name,omitempty"`
	Currency string `json:"currency,omitempty"`
	TimeZone string `json:"timezone,omitempty"`
	// State is the source's word for the connection: the CRM's
	// "connected", "expiring_soon", "needs_reconnect" or "disconnected";
	// "configured" for a file.
	State string `json:"state,omitempty"`
	// NeedsReconnect is true when the source already knows the token no
	// longer works: the owner must connect the account again.
	NeedsReconnect bool `json:"needs_reconnect,omitempty"`
}

// Endpoint is where an account's Graph API calls go.
type Endpoint struct {
	// BaseURL is the Graph API base URL, like https://graph.facebook.com.
	BaseURL string `json:"graph_base_url"`
	// APIVersion is the Graph API version, like v26.0.
	APIVersion string `json:"api_version"`
}

// Invalidation is what a Source did with a reported 190.
type Invalidation struct {
	// Reported is true when the owner of the credentials was told (the
	// CRM); false for a file, whose token a person must replace.
	Reported bool `json:"reported"`
	// Confirmed is true when the source confirmed the token is invalid
	// (the CRM asked Meta, or could not and trusted the report).
	Confirmed bool `json:"confirmed"`
	// State is the account's state after the report ("needs_reconnect").
	State string `json:"state,omitempty"`
	// Message says what the owner must do.
	Message string `json:"message,omitempty"`
}

// Source lists the ad accounts its credentials allow and gives their
// tokens. Implementations are safe for concurrent use.
type Source interface {
	// TokenSource gives the token for an account (metaads.TokenProvider).
	// Errors match ErrNeedsReconnect, ErrForbidden, ErrUnknownAccount,
	// ErrUnauthorized or ErrUnavailable.
	metaads.TokenProvider
	// Accounts lists the accounts the credentials allow, in a stable order.
	Accounts(ctx context.Context) ([]Account, error)
	// Endpoint returns the Graph API base URL and version for an account.
	Endpoint(ctx context.Context, account metaads.AccountID) (Endpoint, error)
	// Invalid reports that Meta refused the account's token with error
	// 190 (cause, when known, is Meta's error): the cached token is
	// dropped, the account's next TokenSource fails with
	// ErrNeedsReconnect unless the source learns otherwise, and the owner
	// is told where the source can tell them.
	Invalid(ctx context.Context, account metaads.AccountID, cause *metaads.Error) (Invalidation, error)
	// String names the source for logs, without secrets.
	String() string
}

// Kinds of credential errors, for errors.Is.
var (
	// ErrNeedsReconnect: the account's token no longer works and cannot be
	// renewed here; its owner must connect it again (in the CRM), or a
	// person must replace the token in the file.
	ErrNeedsReconnect = errors.New("creds: the account needs reconnecting")
	// ErrForbidden: the credentials do not cover the account.
	ErrForbidden = errors.New("creds: account outside the credentials")
	// ErrUnknownAccount: the account is not (or no longer) connected.
	ErrUnknownAccount = errors.New("creds: account not connected")
	// ErrUnauthorized: the service token is missing, invalid or revoked.
	ErrUnauthorized = errors.New("creds: service token refused")
	// ErrUnavailable: the credentials service could not be reached or
	// could not produce a token now; trying later may work.
	ErrUnavailable = errors.New("creds: credentials unavailable")
)

// APIError is an error answer of the CRM's credentials API. It matches
// the kind of its code with errors.Is.
type APIError struct {
	// Status is the HTTP status.
	Status int
	// Code is the CRM's stable error code ("needs_reconnect", ...).
	Code string
	// Message is the CRM's message for people.
	Message string
	// Account is the account the request was for, if any.
	Account string
}

func (e *APIError) Error() string {
	what := "credentials API"
	if e.Account != "" {
		what += " for " + e.Account
	}
	if e.Code == "" {
		return fmt.Sprintf("creds: %s: HTTP %d: %s", what, e.Status, e.Message)
	}
	return fmt.Sprintf("creds: %s: %s (HTTP %d): %s", what, e.Code, e.Status, e.Message)
}

// Is matches the error kinds.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNeedsReconnect:
		return e.Code == "needs_reconnect" || e.Code == "not_connected"
	case ErrForbidden:
		return e.Code == "forbidden_account"
	case ErrUnknownAccount:
		return e.Code == "not_found"
	case ErrUnauthorized:
		return e.Status == 401
	case ErrUnavailable:
		return e.Code == "token_unavailable" || e.Status >= 500
	}
	return false
}

// IsInvalidToken reports whether err is Meta refusing an access token
// (Graph error 190 and its kin, metaads.ErrTokenInvalid) or the client
// finding the token expired before sending it, and returns Meta's error
// when there was one (nil for the client's own check).
func IsInvalidToken(err error) (*metaads.Error, bool) {
	if !errors.Is(err, metaads.ErrTokenInvalid) && !errors.Is(err, metaads.ErrTokenExpired) {
		return nil, false
	}
	var me *metaads.Error
	if errors.As(err, &me) {
		return me, true
	}
	return nil, true
}
