package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/adpilot/adpilot/internal/wire"
)

// AccountID identifies a Meta ad account. The zero value is not a valid
// account. Its String form is always "act_<digits>", the form the Graph API
// uses in paths.
type AccountID struct {
	n uint64
}

// ParseAccountID parses "123" or "act_123" into an AccountID. It returns an
// error naming the input when it is empty, has another prefix, or its digits
// are not a positive decimal number.
func ParseAccountID(s string) (AccountID, error) {
	digits := strings.TrimPrefix(s, "act_")
	if digits == "" {
		return AccountID{}, fmt.Errorf("metaads: invalid ad account id %q: want digits, optionally prefixed with \"act_\"", s)
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return AccountID{}, fmt.Errorf("metaads: invalid ad account id %q: want digits, optionally prefixed with \"act_\"", s)
		}
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n == 0 {
		return AccountID{}, fmt.Errorf("metaads: invalid ad account id %q: want a positive number that fits in 64 bits", s)
	}
	return AccountID{n: n}, nil
}

// MustParseAccountID is like [ParseAccountID] but panics on error. It is meant
// for constants in tests and examples, never for user input.
func MustParseAccountID(s string) AccountID {
	id, err := ParseAccountID(s)
	if err != nil {
		panic(err)
	}
	return id
}

// String returns "act_<digits>", or "" for the zero AccountID.
func (a AccountID) String() string {
	if a.n == 0 {
		return ""
	}
	return "act_" + strconv.FormatUint(a.n, 10)
}

// Number returns the account number without the "act_" prefix, or "" for
// the zero AccountID.
func (a AccountID) Number() string {
	if a.n == 0 {
		return ""
	}
	return strconv.FormatUint(a.n, 10)
}

// IsZero reports whether a is the zero AccountID.
func (a AccountID) IsZero() bool { return a.n == 0 }

// MarshalText implements encoding.TextMarshaler ("act_123").
func (a AccountID) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts "123" and "act_123".
func (a *AccountID) UnmarshalText(b []byte) error {
	id, err := ParseAccountID(string(b))
	if err != nil {
		return err
	}
	*a = id
	return nil
}

// AccountsService reads ad accounts.
type AccountsService struct{ c *Client }

// accountFields are the fields requested for ad accounts when none are given.
var accountFields = []string{"id", "account_id", "name", "account_status", "currency", "timezone_name", "amount_spent", "spend_cap", "balance", "business", "created_time"}

// List returns the ad accounts the fallback token (the TokenProvider's
// token for the zero AccountID) can use, from /me/adaccounts.
func (s *AccountsService) List(ctx context.Context, o ListOptions) iter.Seq2[AdAccount, error] {
	req, err := s.meRequest(o)
	if err != nil {
		return func(yield func(AdAccount, error) bool) { yield(AdAccount{}, err) }
	}
	return List[AdAccount](ctx, s.c, req)
}

// ListPage returns one page of /me/adaccounts after the cursor after.
func (s *AccountsService) ListPage(ctx context.Context, o ListOptions, after string) (*Page[AdAccount], error) {
	req, err := s.meRequest(o)
	if err != nil {
		return nil, err
	}
	return ListPage[AdAccount](ctx, s.c, req, after)
}

func (s *AccountsService) meRequest(o ListOptions) (*Request, error) {
	if o.Parent != "" {
		return nil, fmt.Errorf("metaads: listing ad accounts: ListOptions.Parent is not supported")
	}
	q, err := o.encode(accountFields)
	if err != nil {
		return nil, err
	}
	return &Request{Path: "me/adaccounts", Query: q}, nil
}

// Get reads an ad account with the account's own token.
func (s *AccountsService) Get(ctx context.Context, acct AccountID, o GetOptions) (*AdAccount, error) {
	if err := requireAccount("getting an ad account", acct); err != nil {
		return nil, err
	}
	return getNode[AdAccount](ctx, s.c, acct, acct.String(), o, accountFields)
}

// AccountStatus is an ad account's account_status.
type AccountStatus int

// Ad account statuses.
const (
	AccountActive            AccountStatus = 1
	AccountDisabled          AccountStatus = 2
	AccountUnsettled         AccountStatus = 3
	AccountPendingRiskReview AccountStatus = 7
	AccountPendingSettlement AccountStatus = 8
	AccountInGracePeriod     AccountStatus = 9
	AccountPendingClosure    AccountStatus = 100
	AccountClosed            AccountStatus = 101
)

// String returns the status name, or "AccountStatus(n)" when unknown.
func (s AccountStatus) String() string {
	switch s {
	case AccountActive:
		return "ACTIVE"
	case AccountDisabled:
		return "DISABLED"
	case AccountUnsettled:
		return "UNSETTLED"
	case AccountPendingRiskReview:
		return "PENDING_RISK_REVIEW"
	case AccountPendingSettlement:
		return "PENDING_SETTLEMENT"
	case AccountInGracePeriod:
		return "IN_GRACE_PERIOD"
	case AccountPendingClosure:
		return "PENDING_CLOSURE"
	case AccountClosed:
		return "CLOSED"
	}
	return fmt.Sprintf("AccountStatus(%d)", int(s))
}

// AdAccount is an ad account. Money is in minor units of Currency.
type AdAccount struct {
	ID            AccountID     `json:"id"`                       // "act_<number>"
	AccountID     string        `json:"account_id,omitempty"`     // the number without "act_"
	Name          string        `json:"name,omitempty"`           // display name
	AccountStatus AccountStatus `json:"account_status,omitempty"` // 1 active, 2 disabled, 3 unsettled, ... (see AccountStatus)
	Currency      string        `json:"currency,omitempty"`       // ISO 4217 code of every money field
	TimezoneName  string        `json:"timezone_name,omitempty"`  // IANA zone of the account: insights days are in it
	AmountSpent   int64         `json:"amount_spent,omitempty"`   // lifetime spend, minor units
	SpendCap      int64         `json:"spend_cap,omitempty"`      // account spending limit, minor units; 0 when none
	Balance       int64         `json:"balance,omitempty"`        // amount owed, minor units
	Business      *IDName       `json:"business,omitempty"`       // the owning Business Manager, if any
	CreatedTime   Time          `json:"created_time,omitzero"`    // when the account was created
	// Raw is the object as Meta sent it, with fields this type does not model.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes Meta's numeric strings and keeps the raw object.
func (a *AdAccount) UnmarshalJSON(b []byte) error {
	type plain AdAccount
	w := struct {
		*plain
		AccountStatus wire.Int64 `json:"account_status"`
		AmountSpent   wire.Int64 `json:"amount_spent"`
		SpendCap      wire.Int64 `json:"spend_cap"`
		Balance       wire.Int64 `json:"balance"`
	}{plain: (*plain)(a)}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("metaads: decoding ad account: %w", err)
	}
	a.AccountStatus, a.AmountSpent, a.SpendCap, a.Balance = AccountStatus(w.AccountStatus), int64(w.AmountSpent), int64(w.SpendCap), int64(w.Balance)
	a.Raw = append(json.RawMessage(nil), b...)
	return nil
}
