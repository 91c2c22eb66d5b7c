package rules

import (
	"context"
	"iter"
	"slices"
	"sync"
	"time"
)

// Outcome is what happened to a decision when the [Executor] handled it.
type Outcome string

// Outcomes recorded in the ledger.
const (
	OutcomeApplied Outcome = "applied" // the Actuator applied the change (or sent the notification)
	OutcomeFailed  Outcome = "failed"  // the Actuator returned an error; a retry may apply it
	OutcomeDryRun  Outcome = "dry_run" // the decision was allowed but the rule or executor is a dry run
	OutcomeBlocked Outcome = "blocked" // a safeguard or the kill switch blocked the decision; nothing was applied
)

// Entry is one ledger record: an attempt to carry out a decision. Cooldowns,
// execution caps and weekly change caps count the entries whose Outcome is
// [OutcomeApplied].
type Entry struct {
	DecisionID string     `json:"decision_id"`
	RuleID     string     `json:"rule_id"`
	EntityID   string     `json:"entity_id"`
	Account    string     `json:"account,omitempty"`
	Level      Level      `json:"level"`
	Action     ActionType `json:"action"`
	Budget     BudgetKind `json:"budget,omitempty"`
	From       int64      `json:"from,omitempty"` // budget or bid before, minor units
	To         int64      `json:"to,omitempty"`   // budget or bid after, minor units
	Outcome    Outcome    `json:"outcome"`
	Error      string     `json:"error,omitempty"`
	At         time.Time  `json:"at"`      // the decision time (Snapshot.Now), not a wall clock
	Attempt    int        `json:"attempt"` // 1 for the first attempt of a decision id
}

// Ledger stores the attempts of an [Executor]. Implementations must be safe
// for concurrent use. A retried run asks Lookup before acting, so a decision
// id that was applied once is never applied again.
type Ledger interface {
	// Record appends an entry.
	Record(ctx context.Context, e Entry) error
	// Lookup returns the latest entry of a decision id; ok is false when
	// there is none.
	Lookup(ctx context.Context, decisionID string) (e Entry, ok bool, err error)
	// Entries yields the entries at or after since, oldest first; use them
	// as [Snapshot.History].
	Entries(ctx context.Context, since time.Time) iter.Seq2[Entry, error]
}

// MemoryLedger is an in-memory [Ledger], the default of [NewExecutor].
// Entries live as long as the value; use a persistent Ledger to keep
// cooldowns across process restarts. The zero value is ready to use.
type MemoryLedger struct {
	mu      sync.Mutex
	entries []Entry
	latest  map[string]int // decision id -> index of its latest entry
}

// NewMemoryLedger returns an empty in-memory ledger.
func NewMemoryLedger() *MemoryLedger { return &MemoryLedger{} }

// Record appends e.
func (l *MemoryLedger) Record(ctx context.Context, e Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.latest == nil {
		l.latest = map[string]int{}
	}
	l.entries = append(l.entries, e)
	l.latest[e.DecisionID] = len(l.entries) - 1
	return nil
}

// Lookup returns the latest entry of decisionID.
func (l *MemoryLedger) Lookup(ctx context.Context, decisionID string) (Entry, bool, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, false, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	i, ok := l.latest[decisionID]
	if !ok {
		return Entry{}, false, nil
	}
	return l.entries[i], true, nil
}

// Entries yields a copy of the entries at or after since, oldest first.
func (l *MemoryLedger) Entries(ctx context.Context, since time.Time) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Entry{}, err)
			return
		}
		l.mu.Lock()
		snapshot := slices.Clone(l.entries)
		l.mu.Unlock()
		for _, e := range snapshot {
			if !e.At.Before(since) && !yield(e, nil) {
				return
			}
		}
	}
}

// History collects the entries of a ledger at or after since, ready for
// [Snapshot.History].
func History(ctx context.Context, l Ledger, since time.Time) ([]Entry, error) {
	var out []Entry
	for e, err := range l.Entries(ctx, since) {
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
