package llm

import (
	"net/http"
	"strconv"
	"time"
)

// KindOfStatus classifies an HTTP status of a provider's error response:
// 429 is ErrRateLimited, 401 and 403 ErrAuth, 408 and 504 ErrTimeout,
// other 5xx ErrUnavailable, anything else ErrBadRequest. Both providers'
// APIs use these statuses so.
func KindOfStatus(status int) error {
	switch {
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrAuth
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return ErrTimeout
	case status >= 500:
		return ErrUnavailable
	}
	return ErrBadRequest
}

// RetryAfter reads when to retry from a response's headers:
// Retry-After-Ms (milliseconds, as OpenAI sends it), else Retry-After in
// seconds or as an HTTP date relative to now. Zero when absent.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms > 0 && ms < 1e12 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	v := h.Get("Retry-After")
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 && s < 1e9 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
