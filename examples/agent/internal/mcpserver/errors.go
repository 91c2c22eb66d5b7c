package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/adpilot/adpilot/examples/agent/internal/creds"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/rules/metaactuator"
)

// Error codes of the tools: the first word of every tool error, so a model
// (or a program) can branch on it; the rest of the message says what to do.
const (
	CodeInvalidArgument   = "invalid_argument"        // an argument is wrong; the message names it and what is expected
	CodeAccountNotAllowed = "account_not_allowed"     // the account is not among those the server's credentials allow
	CodeNeedsReconnect    = "needs_reconnect"         // Meta refused the account's token; its owner must connect it again
	CodeRateLimited       = "rate_limited"            // Meta's rate limit is reached; the message gives the wait
	CodeCredentials       = "credentials_unavailable" // the credentials service could not give a token now
	CodeNotFound          = "not_found"               // no such entity, decision or proposal
	CodeNotActionable     = "not_actionable"          // the change cannot be made on this entity (status, level, no budget)
	CodeBlocked           = "blocked_by_safeguard"    // a safeguard refuses the change; the message names each
	CodeReadOnly          = "read_only"               // the server was started without --apply
	CodeProposalExpired   = "proposal_expired"        // the proposal is older than the server allows; propose again
	CodeStale             = "stale"                   // the entity changed since the proposal; propose again
	CodeOutcomeUnknown    = "outcome_unknown"         // Meta did not say whether the change happened; it is not repeated
	CodeUpstream          = "upstream_error"          // Meta or the database failed otherwise
)

// ToolError is a tool's refusal or failure: a stable code and a message
// for the model that says what happened and what to do next. It never
// holds a token.
type ToolError struct {
	Code    string
	Message string
	// RetryAfter is the wait of a rate limit (zero otherwise).
	RetryAfter time.Duration
	// Safeguards are the names of the safeguards that refused a change.
	Safeguards []string
	err        error
}

func (e *ToolError) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the cause.
func (e *ToolError) Unwrap() error { return e.err }

func toolErrorf(code, format string, args ...any) *ToolError {
	return &ToolError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// codeOf returns the code of a tool error ("ok" for nil).
func codeOf(err error) string {
	if err == nil {
		return "ok"
	}
	var te *ToolError
	if errors.As(err, &te) {
		return te.Code
	}
	return CodeUpstream
}

// classify turns an error of the credentials, the Graph client or the
// actuator about account into a ToolError the model can act on.
func classify(acct metaads.AccountID, err error) *ToolError {
	var te *ToolError
	if errors.As(err, &te) {
		return te
	}
	var rl *metaads.RateLimitError
	switch {
	case errors.As(err, &rl):
		wait := rl.RetryAfter
		msg := fmt.Sprintf("Meta's rate limit for %s (budget %q) is reached", acct, orWord(rl.Scope, "app"))
		if wait > 0 {
			msg += fmt.Sprintf("; retry in %s, not before", wait.Round(time.Second))
		} else {
			msg += "; retry in a few minutes"
		}
		return &ToolError{Code: CodeRateLimited, Message: msg + ". Other accounts may still be read.", RetryAfter: wait, err: err}
	case errors.Is(err, creds.ErrNeedsReconnect):
		return &ToolError{Code: CodeNeedsReconnect, Message: fmt.Sprintf("%s needs reconnecting: its token no longer works. Its owner must connect the account again (in the CRM, Settings, connected Meta accounts); until then it cannot be read or changed. Other accounts are not affected.", acct), err: err}
	case errors.Is(err, creds.ErrForbidden), errors.Is(err, creds.ErrUnknownAccount):
		return &ToolError{Code: CodeAccountNotAllowed, Message: fmt.Sprintf("%s is not among the accounts this server's credentials allow; list_accounts gives them", acct), err: err}
	case errors.Is(err, creds.ErrUnauthorized):
		return &ToolError{Code: CodeCredentials, Message: "the server's credentials were refused by the credentials service; the operator must renew the service token. Nothing can be read until then.", err: err}
	case errors.Is(err, creds.ErrUnavailable):
		return &ToolError{Code: CodeCredentials, Message: fmt.Sprintf("the credentials service could not give a token for %s now; retry in a minute", acct), err: err}
	case errors.Is(err, metaactuator.ErrStale):
		return &ToolError{Code: CodeStale, Message: fmt.Sprintf("the entity changed since the proposal (someone edited it in Ads Manager?): nothing was written. Propose the change again on the current data. (%v)", err), err: err}
	case errors.Is(err, metaads.ErrPermission):
		return &ToolError{Code: CodeAccountNotAllowed, Message: fmt.Sprintf("Meta refused the request for %s: the connected user lacks the permission (%v)", acct, err), err: err}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &ToolError{Code: CodeUpstream, Message: fmt.Sprintf("the request for %s was cancelled or timed out; retry", acct), err: err}
	}
	return &ToolError{Code: CodeUpstream, Message: fmt.Sprintf("reading or changing %s failed: %v", acct, err), err: err}
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// clean bounds free text from a tool call (a reason) for storage and for
// rule labels: control characters become spaces, at most n runes.
func clean(s string, n int) string {
	var b strings.Builder
	count := 0
	for _, r := range strings.TrimSpace(s) {
		if count == n {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f {
			r = ' '
		}
		b.WriteRune(r)
		count++
	}
	return b.String()
}
