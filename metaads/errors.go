package metaads

import "errors"

// Error kinds for errors.Is. A *Error matches the kinds its code and subcode
// belong to (never its message text); see Error.Is.
var (
	// ErrRateLimited: a throttling error (codes 4, 17, 32, 613, 80000-80014)
	// or a wait refused by the client's own scheduler.
	ErrRateLimited = errors.New("metaads: rate limited")
	// ErrQuotaBlocked: the app or account is blocked for longer than a short
	// throttle (for example code 368 or a throttle whose regain time exceeds the
	// caller's cap).
	ErrQuotaBlocked = errors.New("metaads: quota blocked")
	// ErrTokenInvalid: code 190 and its subcodes, 102, 2500 with a token problem.
	ErrTokenInvalid = errors.New("metaads: access token invalid")
	// ErrTokenExpired: code 190 subcode 463 (expired). Also matches ErrTokenInvalid.
	ErrTokenExpired = errors.New("metaads: access token expired")
	// ErrPermission: codes 10, 200-299, 294 and permission subcodes.
	ErrPermission = errors.New("metaads: permission denied")
	// ErrNotFound: the object does not exist or cannot be seen (code 100 subcode 33, 803).
	ErrNotFound = errors.New("metaads: not found")
	// ErrInvalidParameter: code 100 and other parameter errors.
	ErrInvalidParameter = errors.New("metaads: invalid parameter")
	// ErrDataLimit: the request asked for too much data (code 1 "reduce the
	// amount of data", subcode 99, or 100 with subcode 1487534).
	ErrDataLimit = errors.New("metaads: too much data requested")
	// ErrTransient: a temporary server-side failure (5xx, codes 1, 2, is_transient).
	ErrTransient = errors.New("metaads: transient error")
	// ErrDeprecatedVersion: the API version is retired (code 2635).
	ErrDeprecatedVersion = errors.New("metaads: API version deprecated")
	// ErrNoToken: the TokenProvider has no token for the account.
	ErrNoToken = errors.New("metaads: no access token for account")
)
