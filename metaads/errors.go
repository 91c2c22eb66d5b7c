package metaads

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error kinds for errors.Is. A *Error matches the kinds its code and subcode
// belong to (never its message text); see Error.Is.
var (
	// ErrRateLimited: a throttling error (codes 4, 17, 32, 613, 80000-80014)
	// or a wait refused by the client's own scheduler.
	ErrRateLimited = errors.New("metaads: rate limited")
	// ErrQuotaBlocked: the app or account is blocked for longer than a short
	// throttle, so waiting inside a call is pointless: code 368 and subcodes
	// 1404078 and 2859015 (temporarily blocked), 17/2446079 (the ad-account
	// score, blocked for minutes), 613/1487632 (an ad set's budget changed
	// 4 times this hour), 17/1885172 (the spend cap changed 10 times today),
	// and a *RateLimitError whose RetryAfter exceeds the longest wait the
	// client retries through (WithMaxThrottleRetryWait; for the scheduler's
	// own refusals, the longer of that and the call's quota-wait cap). The
	// client never
	// retries these; they also match ErrRateLimited when the code is a
	// throttling code.
	ErrQuotaBlocked = errors.New("metaads: quota blocked")
	// ErrTokenInvalid: code 190 and its subcodes, 102, 2500 with a token problem.
	ErrTokenInvalid = errors.New("metaads: access token invalid")
	// ErrTokenExpired: code 190 subcode 463 (expired). Also matches ErrTokenInvalid.
	ErrTokenExpired = errors.New("metaads: access token expired")
	// ErrPermission: codes 10, 200-299, 294 and permission subcodes.
	ErrPermission = errors.New("metaads: permission denied")
	// ErrNotFound: the object does not exist or cannot be seen (code 100
	// subcode 33, 803). Meta sends 100/33 alike for an unknown id, an object
	// the token may not see and an operation the object does not support, so
	// a not-found can also mean missing access. It does not match
	// ErrInvalidParameter.
	ErrNotFound = errors.New("metaads: not found")
	// ErrInvalidParameter: code 100 and other parameter errors, except the
	// 100 subcodes that have their own kind: 33 (ErrNotFound) and 1487534
	// (ErrDataLimit).
	ErrInvalidParameter = errors.New("metaads: invalid parameter")
	// ErrDataLimit: the request asked for too much data (code 1 "reduce the
	// amount of data", subcode 99, or 100 with subcode 1487534).
	ErrDataLimit = errors.New("metaads: too much data requested")
	// ErrTransient: a temporary server-side failure (5xx, codes 1, 2,
	// is_transient), and 2601/1815107, the results of a report run read
	// too soon after it completed.
	ErrTransient = errors.New("metaads: transient error")
	// ErrDeprecatedVersion: the API version is retired (code 2635).
	ErrDeprecatedVersion = errors.New("metaads: API version deprecated")
	// ErrNoToken: the TokenProvider has no token for the account.
	// Wrapping errors name the account first, so the text reads once:
	// "metaads: no access token for ad account act_1: ...".
	ErrNoToken = errors.New("metaads: no access token")
)

// Error is an error returned by the Graph API, or a response the client could
// not accept (an HTML or other non-JSON body, or an error body sent with HTTP
// 200). It never contains an access token or an appsecret_proof.
//
// Use errors.Is with the Err* kinds to branch on what went wrong; the kinds
// are derived from Code and Subcode (and HTTPStatus and IsTransient), never
// from the message text.
type Error struct {
	// HTTPStatus is the HTTP status code of the response (or of the batch item).
	HTTPStatus int
	// Code is the Graph error code (190, 100, 17, 80004, ...); 0 when the body
	// was not a Graph error envelope.
	Code int
	// Subcode is error_subcode, 0 when absent.
	Subcode int
	// Type is the Graph error type, such as "OAuthException". For bodies that
	// are not JSON it is "NonJSONResponse".
	Type string
	// Message is Meta's developer message.
	Message string
	// UserTitle and UserMessage are error_user_title and error_user_msg, the
	// localized texts meant for end users.
	UserTitle   string
	UserMessage string // error_user_msg
	// FBTraceID identifies the request for Meta support.
	FBTraceID string
	// IsTransient is Meta's is_transient flag.
	IsTransient bool
	// BlameFields lists error_data.blame_field_specs, the field paths a
	// validation error refers to, when present.
	BlameFields [][]string
	// Method and Path describe the request: the path is relative to the
	// version root and carries no query string.
	Method string
	Path   string // relative to the version root, no query string
	// Usage is the rate-limit usage reported with the error response.
	Usage Usage
}

// Error formats the error without any credential.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("metaads: ")
	if e.Method != "" || e.Path != "" {
		b.WriteString(e.Method)
		b.WriteString(" ")
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, "graph error code %d", e.Code)
		if e.Subcode != 0 {
			fmt.Fprintf(&b, " subcode %d", e.Subcode)
		}
	} else {
		b.WriteString("unexpected response")
	}
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Type != "" {
		fmt.Fprintf(&b, " [type %s]", e.Type)
	}
	if e.FBTraceID != "" {
		fmt.Fprintf(&b, " [fbtrace_id %s]", e.FBTraceID)
	}
	return b.String()
}

// Is reports whether e belongs to the error kind target (one of the Err*
// variables). The classification uses only the code, subcode, HTTP status and
// is_transient flag.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return isThrottleCode(e.Code)
	case ErrQuotaBlocked:
		return e.Code == 368 || isBlockedSubcode(e.Code) || isBlockedSubcode(e.Subcode) ||
			(e.Code == 17 && (e.Subcode == 2446079 || e.Subcode == 1885172)) || (e.Code == 613 && e.Subcode == 1487632)
	case ErrTokenExpired:
		return (e.Code == 190 || e.Code == 102) && (e.Subcode == 463 || e.Subcode == 493)
	case ErrTokenInvalid:
		return e.Code == 190 || e.Code == 102
	case ErrPermission:
		return e.Code == 3 || e.Code == 10 || (e.Code >= 200 && e.Code <= 299)
	case ErrNotFound:
		return (e.Code == 100 && e.Subcode == 33) || e.Code == 803
	case ErrDataLimit:
		return e.isDataLimit()
	case ErrInvalidParameter:
		if e.isDataLimit() || (e.Code == 100 && e.Subcode == 33) {
			return false
		}
		return e.Code == 100 || e.Code == 104 || e.Code == 2500 || e.Code == 2642 || e.Code == 3018 ||
			(e.Code >= 1487000 && e.Code <= 1487999) || (e.Code >= 1885000 && e.Code <= 1885999)
	case ErrTransient:
		if e.isDataLimit() {
			return false
		}
		return e.IsTransient || e.Code == 1 || e.Code == 2 || e.HTTPStatus >= 500 || isResultsNotReady(e) ||
			(e.Code == 0 && e.HTTPStatus == 0)
	case ErrDeprecatedVersion:
		return e.Code == 2635
	}
	return false
}

// isResultsNotReady reports 2601/1815107: a report run's results read right
// after "Job Completed" are not ready yet; reading again (or, failing that,
// a new run) is the remedy.
func isResultsNotReady(e *Error) bool { return e.Code == 2601 && e.Subcode == 1815107 }

func (e *Error) isDataLimit() bool {
	return (e.Code == 1 && e.Subcode == 99) || (e.Code == 100 && e.Subcode == 1487534) ||
		e.Subcode == 1487534
}

// isThrottleCode reports whether code is one of Meta's throttling codes.
func isThrottleCode(code int) bool {
	switch code {
	case 4, 17, 32, 341, 613:
		return true
	}
	return code >= 80000 && code <= 80014
}

func isBlockedSubcode(c int) bool { return c == 1404078 || c == 2859015 }

// RateLimitError reports a throttle: either Meta refused the request with a
// throttling code (Err is that *Error), or the client's scheduler refused to
// send it because the budget is spent and waiting was not allowed or would
// exceed the caller's cap (Err is nil). It matches ErrRateLimited, and
// ErrQuotaBlocked when Err does or when RetryAfter is longer than the
// client would wait (see ErrQuotaBlocked).
type RateLimitError struct {
	// Account is the ad account whose budget is spent; zero for app-level limits.
	Account AccountID
	// Scope names the budget: "app", "ad_account", or a business use case
	// type such as "ads_management".
	Scope string
	// RetryAfter is the suggested wait before trying again; 0 when unknown.
	RetryAfter time.Duration
	// Usage is the usage known when the error was produced.
	Usage Usage
	// Err is Meta's error, nil when the client refused before sending.
	Err *Error

	maxWait time.Duration // RetryAfter beyond this is a block
}

// Error describes the throttle without credentials.
func (e *RateLimitError) Error() string {
	var b strings.Builder
	b.WriteString("metaads: rate limited")
	if e.Scope != "" {
		b.WriteString(" (")
		b.WriteString(e.Scope)
		if !e.Account.IsZero() {
			b.WriteString(" ")
			b.WriteString(e.Account.String())
		}
		b.WriteString(")")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, ", retry after %s", e.RetryAfter)
	}
	if e.Err == nil {
		b.WriteString(": refused by the client scheduler before sending")
	} else {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "metaads: "))
	}
	return b.String()
}

// Is reports true for ErrRateLimited, and for ErrQuotaBlocked when
// RetryAfter exceeds the wait the client was allowed (Meta's error, if
// any, is matched through Unwrap).
func (e *RateLimitError) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return true
	case ErrQuotaBlocked:
		return e.RetryAfter > e.maxWait
	}
	return false
}

// Unwrap returns Meta's error, if any.
func (e *RateLimitError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}
