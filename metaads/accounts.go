package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"strconv"

	"github.com/adpilot/adpilot/internal/wire"
)

// AccountID identifies a Meta ad account. The zero value is not a valid
// account. Its String form is always "act_<digits>", the form the Graph API
// uses in paths (and the form the rules package keeps in its Account
// strings: convert with String and [ParseAccountID]). It decodes from the
// bare number Meta sends in account_id fields as well as from "act_<digits>".
type AccountID struct {
	n uint64
}

// ParseAccountID parses "123" or "act_123" into an AccountID. It returns an
// error naming the input when it is empty, has another prefix, or its digits
// are not a positive decimal number.
func ParseAccountID(s string) (AccountID, error) {
	n, digits := parseAccountNumber(s)
	if !digits {
		return AccountID{}, fmt.Errorf("metaads: invalid ad account id %q: want digits, optionally prefixed with \"act_\"", s)
	}
	if n == 0 {
		return AccountID{}, fmt.Errorf("metaads: invalid ad account id %q: want a positive number that fits in 64 bits", s)
	}
	return AccountID{n: n}, nil
}

// parseAccountNumber reads "123" or "act_123". digits is false when s is
// not made of digits after the optional prefix; n is 0 when the number is
// 0 or does not fit in 64 bits.
func parseAccountNumber[S ~string | ~[]byte](s S) (n uint64, digits bool) {
	if len(s) >= 4 && string(s[:4]) == "act_" {
		s = s[4:]
	}
	if len(s) == 0 {
		return 0, false
	}
	overflow := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			overflow = true
		}
		n = n*10 + d
	}
	if overflow {
		return 0, true
	}
	return n, true
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

// UnmarshalText implements encoding.TextUnmarshaler; it accepts "123" and
// "act_123", and "" (what MarshalText writes for the zero AccountID) as the
// zero AccountID.
func (a *AccountID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*a = AccountID{}
		return nil
	}
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
	// ID is the account; Meta sends it as id ("act_<number>") and as
	// account_id (the number), and either fills ID.
	ID            AccountID     `json:"id"`
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
		Number        AccountID  `json:"account_id"`
	}{plain: (*plain)(a)}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("metaads: decoding ad account: %w", err)
	}
	if a.ID.IsZero() {
		a.ID = w.Number
	} else if !w.Number.IsZero() && w.Number != a.ID {
		return fmt.Errorf("metaads: decoding ad account: id %s and account_id %s disagree", a.ID, w.Number.Number())
	}
	a.AccountStatus, a.AmountSpent, a.SpendCap, a.Balance = AccountStatus(w.AccountStatus), int64(w.AmountSpent), int64(w.SpendCap), int64(w.Balance)
	a.Raw = append(json.RawMessage(nil), b...)
	return nil
}
