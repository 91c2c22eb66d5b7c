package metaads

import (
	"fmt"
	"strconv"
	"strings"
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
