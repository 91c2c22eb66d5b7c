package rules

import (
	"context"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// Outcome is what happened to a decision when the [Executor] handled it.
type Outcome string

// Outcomes recorded in the ledger.
const (
	OutcomeApplied Outcome = "applied" // the Actuator applied the change (or sent the notification)
	OutcomeFailed  Outcome = "failed"  // the Actuator returned an error and the change did not happen; a retry may apply it
	OutcomeDryRun  Outcome = "dry_run" // the decision was allowed but the rule or executor is a dry run
	OutcomeBlocked Outcome = "blocked" // a safeguard or the kill switch blocked the decision; nothing was applied

	// OutcomePending is the claim an Executor records before it calls the
	// Actuator ([Ledger.Claim]); the final outcome follows. A pending
	// entry that stays (the process died mid-change) is as uncertain as
	// OutcomeUnknown.
	OutcomePending Outcome = "pending"

	// OutcomeUnknown: the Actuator failed in a way that leaves it unknown
	// whether the change happened (a transport error, a 5xx answer, a
	// deadline or cancellation; see [ErrOutcomeUnknown]). The executor
	// never repeats such a decision; the next evaluation, on a fresh
	// snapshot, decides again with the change counted.
	OutcomeUnknown Outcome = "unknown"
)

// mayHaveApplied reports whether an entry of outcome o may have changed
// the entity: applied, unknown or still pending. Cooldowns, execution caps,
// the weekly cap and max_daily_changes count these entries.
func (o Outcome) mayHaveApplied() bool {
	return o == OutcomeApplied || o == OutcomeUnknown || o == OutcomePending
}

// Entry is one ledger record: an attempt to carry out a decision. Cooldowns,
// execution caps, weekly change caps and max_daily_changes count the
// entries whose change may have happened: Outcome [OutcomeApplied],
// [OutcomeUnknown] or [OutcomePending]; "recent_action" conditions count
// only [OutcomeApplied].
type Entry struct {
	DecisionID string        `json:"decision_id"`
	RuleID     string        `json:"rule_id"`
	EntityID   string        `json:"entity_id"`
	Account    string        `json:"account,omitempty"`
	Level      metrics.Level `json:"level"`
	Action     ActionType    `json:"action"`
	Budget     BudgetKind    `json:"budget,omitempty"`
	From       int64         `json:"from,omitempty"` // budget or bid before, minor units
	To         int64         `json:"to,omitempty"`   // budget or bid after, minor units
	Outcome    Outcome       `json:"outcome"`
	Error      string        `json:"error,omitempty"`
	At         time.Time     `json:"at"`      // the decision time (Snapshot.Now), not a wall clock
	Attempt    int           `json:"attempt"` // 1 for the first attempt of a decision id
}

// Ledger stores the attempts of an [Executor]. Implementations must be safe
// for concurrent use, also by several executors sharing one ledger. Before
// it applies a change the executor claims the decision id with Claim, so a
// decision is applied at most once however many runs or executors see it.
type Ledger interface {
	// Record appends an entry.
	Record(ctx context.Context, e Entry) error
	// Lookup returns the latest entry of a decision id; ok is false when
	// there is none.
	Lookup(ctx context.Context, decisionID string) (e Entry, ok bool, err error)
	// Claim atomically appends e (Outcome [OutcomePending]) unless the
	// latest entry of e.DecisionID is applied, pending or unknown, in
	// which case it appends nothing and returns that entry with claimed
	// false. A decision id with no entry, or whose latest attempt failed,
	// was a dry run or was blocked, is claimed. Two concurrent Claims of
	// one id never both succeed.
	Claim(ctx context.Context, e Entry) (latest Entry, claimed bool, err error)
	// List yields the entries at or after since, oldest first; use them
	// as [Snapshot.History].
	List(ctx context.Context, since time.Time) iter.Seq2[Entry, error]
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

// Claim appends e as pending unless the latest entry of its decision id may
// have applied it; see [Ledger.Claim]. The check and the append happen
// under one lock.
func (l *MemoryLedger) Claim(ctx context.Context, e Entry) (Entry, bool, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, false, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if i, ok := l.latest[e.DecisionID]; ok && l.entries[i].Outcome.mayHaveApplied() {
		return l.entries[i], false, nil
	}
	if l.latest == nil {
		l.latest = map[string]int{}
	}
	e.Outcome = OutcomePending
	l.entries = append(l.entries, e)
	l.latest[e.DecisionID] = len(l.entries) - 1
	return e, true, nil
}

// List yields a copy of the entries at or after since, oldest first.
func (l *MemoryLedger) List(ctx context.Context, since time.Time) iter.Seq2[Entry, error] {
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
	for e, err := range l.List(ctx, since) {
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
