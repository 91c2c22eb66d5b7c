package rules

import "fmt"

// Class is the precedence class of a rule's action. When several rules want
// to change the same entity in one run, the highest class wins:
// safety > protect > scale > notify.
type Class uint8

// Classes, in increasing precedence. The zero Class is invalid.
const (
	ClassNotify  Class = iota + 1 // tell a person; never a mutation
	ClassScale                    // grow: raise a budget or bid, unpause
	ClassProtect                  // cut: lower a budget or bid
	ClassSafety                   // stop a loss: pause
)

var classNames = [...]string{ClassNotify: "notify", ClassScale: "scale", ClassProtect: "protect", ClassSafety: "safety"}

// String returns the spec name of c ("safety").
func (c Class) String() string {
	if c >= ClassNotify && c <= ClassSafety {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// MarshalText encodes c by its spec name.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText decodes a class name, so a stored Evaluation decodes.
func (c *Class) UnmarshalText(b []byte) error {
	v, err := parseClass(string(b))
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	*c = v
	return nil
}

func parseClass(s string) (Class, error) {
	for c := ClassNotify; c <= ClassSafety; c++ {
		if classNames[c] == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("unknown class %q; expected one of %s", s, quotedList(classNames[1:]))
}

// ActionType is what a rule does when it fires.
type ActionType uint8

// Action types. The zero ActionType is invalid.
const (
	ActionPause       ActionType = iota + 1 // set status PAUSED
	ActionUnpause                           // set status ACTIVE
	ActionScaleBudget                       // change the budget by a percentage
	ActionSetBudget                         // set the budget to an amount
	ActionChangeBid                         // change the bid by a percentage or to an amount
	ActionNotify                            // send a message; changes nothing
	ActionFreeze                            // block the entity's non-safety rules for this run; changes nothing
)

var actionNames = [...]string{
	ActionPause:       "pause",
	ActionUnpause:     "unpause",
	ActionScaleBudget: "scale_budget",
	ActionSetBudget:   "set_budget",
	ActionChangeBid:   "change_bid",
	ActionNotify:      "notify",
	ActionFreeze:      "freeze",
}

func parseActionType(s string) (ActionType, error) {
	for a := ActionPause; a <= ActionFreeze; a++ {
		if actionNames[a] == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown action type %q; expected one of %s", s, quotedList(actionNames[1:]))
}

// String returns the spec name of a ("scale_budget").
func (a ActionType) String() string {
	if a >= ActionPause && a <= ActionFreeze {
		return actionNames[a]
	}
	return fmt.Sprintf("ActionType(%d)", uint8(a))
}

// MarshalText encodes a by its spec name.
func (a ActionType) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText decodes an action spec name.
func (a *ActionType) UnmarshalText(b []byte) error {
	v, err := parseActionType(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Mutates reports whether the action changes the entity (pause, unpause,
// budget, bid). Notify and freeze do not.
func (a ActionType) Mutates() bool {
	return a == ActionPause || a == ActionUnpause || a == ActionScaleBudget || a == ActionSetBudget || a == ActionChangeBid
}

func (a ActionType) budget() bool { return a == ActionScaleBudget || a == ActionSetBudget }

// BudgetKind says which budget a budget change writes.
type BudgetKind uint8

// Budget kinds.
const (
	BudgetDaily    BudgetKind = iota + 1 // daily_budget
	BudgetLifetime                       // lifetime_budget
)

// String returns "daily" or "lifetime".
func (k BudgetKind) String() string {
	switch k {
	case BudgetDaily:
		return "daily"
	case BudgetLifetime:
		return "lifetime"
	}
	return ""
}

// MarshalText encodes k as "daily" or "lifetime".
func (k BudgetKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes "daily", "lifetime" or "" (no budget), so a stored
// Decision or Entry decodes.
func (k *BudgetKind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "daily":
		*k = BudgetDaily
	case "lifetime":
		*k = BudgetLifetime
	case "":
		*k = 0
	default:
		return fmt.Errorf("rules: unknown budget kind %q; expected \"daily\" or \"lifetime\"", b)
	}
	return nil
}
