package rules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/adpilot/adpilot/metrics"
)

// Change is one side effect for an [Actuator] to carry out. Budget and bid
// changes carry the absolute new value (To), never a delta, so applying a
// Change twice leaves the entity as applying it once.
type Change struct {
	DecisionID string        // the decision this change carries out
	RuleID     string        // the rule that decided it
	Account    string        // ad account id from Entity.Account ("act_123")
	Level      metrics.Level // level of the entity
	EntityID   string        // the Graph id of the campaign, ad set or ad
	Action     ActionType    // never ActionFreeze
	Budget     BudgetKind    // budget actions: which budget
	From, To   int64         // budget or bid before and after, minor units
	Message    string        // notify: the rendered message; other actions: optional note
}

// Actuator carries out changes: the only place where rules touch the world.
// The metaactuator package implements it over the metaads client. An
// Actuator wraps [ErrOutcomeUnknown] into errors after which the change may
// have happened.
type Actuator interface {
	Apply(ctx context.Context, c Change) error
}

// ErrOutcomeUnknown is wrapped by Actuator errors after which the change may
// or may not have happened: a transport error or dropped connection, a 5xx
// answer, a deadline or cancellation during the write. The executor records
// such an attempt as [OutcomeUnknown] (as it does for errors matching
// context.Canceled or context.DeadlineExceeded), counts it for cooldowns
// and caps, and never repeats it. Other Actuator errors mean the change did
// not happen ([OutcomeFailed]) and a retried run may try again.
var ErrOutcomeUnknown = errors.New("rules: outcome of the change unknown")

// outcomeOf classifies an Actuator error.
func outcomeOf(err error) Outcome {
	if errors.Is(err, ErrOutcomeUnknown) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return OutcomeUnknown
	}
	return OutcomeFailed
}

// ActuatorFunc adapts a function to [Actuator].
type ActuatorFunc func(ctx context.Context, c Change) error

// Apply calls f(ctx, c).
func (f ActuatorFunc) Apply(ctx context.Context, c Change) error { return f(ctx, c) }

// Executor applies the allowed decisions of an [Evaluation] through an
// [Actuator] and records every attempt in a [Ledger].
//
// A decision is applied only when it is allowed, its rule is live, the
// executor is not a dry run and the kill switch is off. Every attempt is
// recorded: applied, failed, unknown, dry run, or stopped by the kill
// switch; decisions a safeguard blocked during evaluation are reported but
// not recorded.
//
// Before applying, the executor claims the decision id in the ledger
// ([Ledger.Claim], a pending entry); a decision id whose latest entry is
// applied, pending or unknown is skipped. So re-running the same
// evaluation after a partial failure applies only what definitely failed,
// and two executors sharing a ledger never both apply one decision.
//
// Reconciliation of unknown outcomes: a change whose outcome is unknown
// ([ErrOutcomeUnknown], a cancelled context, or a pending claim left by a
// process that died) is not retried by the executor. It counts as a change
// for cooldowns, execution caps, the weekly cap and max_daily_changes, so
// the next evaluation, made on a fresh snapshot that shows the entity's
// real budget, bid and status, decides again with those safeguards in
// force: if the change happened the rule is cooling down; if it did not,
// the rule fires again after its cooldown with a new decision id.
type Executor struct {
	act    Actuator
	ledger Ledger
	dryRun bool
	kill   func(context.Context) bool
	log    *slog.Logger
}

// ExecutorOption configures an [Executor].
type ExecutorOption func(*Executor) error

// WithLedger sets the ledger (default: a new [MemoryLedger]).
func WithLedger(l Ledger) ExecutorOption {
	return func(x *Executor) error {
		if l == nil {
			return errors.New("rules: WithLedger(nil); expected a Ledger")
		}
		x.ledger = l
		return nil
	}
}

// WithDryRun makes every decision a dry run when on, whatever its rule says.
func WithDryRun(on bool) ExecutorOption {
	return func(x *Executor) error { x.dryRun = on; return nil }
}

// WithKillSwitch sets a function consulted before every change; while it
// returns true nothing is applied (decisions are recorded as blocked).
func WithKillSwitch(engaged func(ctx context.Context) bool) ExecutorOption {
	return func(x *Executor) error {
		if engaged == nil {
			return errors.New("rules: WithKillSwitch(nil); expected a function")
		}
		x.kill = engaged
		return nil
	}
}

// WithLogger sets the logger for attempts and failures (default: discard).
func WithLogger(l *slog.Logger) ExecutorOption {
	return func(x *Executor) error {
		if l == nil {
			return errors.New("rules: WithLogger(nil); expected a logger")
		}
		x.log = l
		return nil
	}
}

// NewExecutor returns an executor applying changes through act.
func NewExecutor(act Actuator, opts ...ExecutorOption) (*Executor, error) {
	if act == nil {
		return nil, errors.New("rules: NewExecutor(nil, ...); expected an Actuator")
	}
	x := &Executor{act: act, ledger: NewMemoryLedger(), log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("rules: nil ExecutorOption")
		}
		if err := o(x); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// Ledger returns the executor's ledger.
func (x *Executor) Ledger() Ledger { return x.ledger }

// ExecutionResult is what the executor did with one decision.
type ExecutionResult struct {
	DecisionID string  // the decision handled
	RuleID     string  // its rule
	EntityID   string  // its entity
	Outcome    Outcome // what happened (the earlier outcome when Skipped)
	Skipped    bool    // applied, pending or of unknown outcome in the ledger already; nothing was done
	Err        error   // the Actuator's error when Outcome is OutcomeFailed or OutcomeUnknown
}

// ExecutionReport is what Executor.Execute did: the result of every
// decision, in evaluation order.
type ExecutionReport struct {
	Results []ExecutionResult // one per decision, in evaluation order
}

// Count returns how many results have the outcome.
func (r *ExecutionReport) Count(o Outcome) int {
	n := 0
	for _, res := range r.Results {
		if res.Outcome == o && !res.Skipped {
			n++
		}
	}
	return n
}

// ActionError is one failed change. It unwraps to the Actuator's error, so
// errors.Is(err, metaads.ErrRateLimited) works through it.
type ActionError struct {
	DecisionID string     // the decision that failed
	RuleID     string     // its rule
	EntityID   string     // its entity
	Action     ActionType // its action
	Err        error      // the Actuator's error
}

// Error names the decision and the cause.
func (e *ActionError) Error() string {
	return fmt.Sprintf("rules: %s on %s by rule %q (decision %s): %v", e.Action, e.EntityID, e.RuleID, e.DecisionID, e.Err)
}

// Unwrap returns the Actuator's error.
func (e *ActionError) Unwrap() error { return e.Err }

// Execute carries out the decisions of ev. A failed change does not stop
// the others: Execute returns the full report and, when some changes
// failed, an error joining one [*ActionError] per failure. A ledger error
// or a cancelled context stops the run and is returned as is (wrapped).
func (x *Executor) Execute(ctx context.Context, ev *Evaluation) (*ExecutionReport, error) {
	if ev == nil {
		return nil, errors.New("rules: Execute(nil evaluation)")
	}
	rep := &ExecutionReport{Results: make([]ExecutionResult, 0, len(ev.Decisions))}
	var failures []error
	for i := range ev.Decisions {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		d := &ev.Decisions[i]
		res, err := x.one(ctx, d)
		if err != nil {
			return rep, err
		}
		rep.Results = append(rep.Results, res)
		if res.Err != nil {
			failures = append(failures, &ActionError{DecisionID: d.ID, RuleID: d.RuleID, EntityID: d.EntityID, Action: d.Action, Err: res.Err})
		}
	}
	return rep, errors.Join(failures...)
}

func (x *Executor) one(ctx context.Context, d *Decision) (ExecutionResult, error) {
	res := ExecutionResult{DecisionID: d.ID, RuleID: d.RuleID, EntityID: d.EntityID}
	prev, seen, err := x.ledger.Lookup(ctx, d.ID)
	if err != nil {
		return res, fmt.Errorf("rules: ledger lookup of decision %s: %w", d.ID, err)
	}
	if seen && prev.Outcome.mayHaveApplied() {
		res.Outcome, res.Skipped = prev.Outcome, true
		return res, nil
	}
	entry := Entry{
		DecisionID: d.ID, RuleID: d.RuleID, EntityID: d.EntityID, Account: d.Account, Level: d.Level,
		Action: d.Action, Budget: d.Budget, From: d.From, To: d.To, At: d.At, Attempt: prev.Attempt + 1,
	}
	switch {
	case !d.Allowed:
		// A safeguard blocked it during evaluation: not an attempt, so not
		// recorded (the evaluation holds the evidence and the checks).
		res.Outcome = OutcomeBlocked
		return res, nil
	case d.Action == ActionFreeze:
		entry.Outcome = OutcomeApplied // nothing to do: the freeze acted inside the evaluation
	case d.DryRun || x.dryRun:
		entry.Outcome = OutcomeDryRun
	case x.kill != nil && x.kill(ctx) && d.Action.Mutates():
		entry.Outcome, entry.Error = OutcomeBlocked, "kill switch engaged"
	default:
		latest, claimed, err := x.ledger.Claim(ctx, entry)
		if err != nil {
			return res, fmt.Errorf("rules: ledger claim of decision %s: %w", d.ID, err)
		}
		if !claimed {
			// Applied, in flight or of unknown outcome elsewhere: never again.
			res.Outcome, res.Skipped = latest.Outcome, true
			return res, nil
		}
		c := Change{
			DecisionID: d.ID, RuleID: d.RuleID, Account: d.Account, Level: d.Level, EntityID: d.EntityID,
			Action: d.Action, Budget: d.Budget, From: d.From, To: d.To, Message: d.Message,
		}
		if aerr := x.act.Apply(ctx, c); aerr != nil {
			entry.Outcome, entry.Error, res.Err = outcomeOf(aerr), aerr.Error(), aerr
			x.log.LogAttrs(ctx, slog.LevelWarn, "rules: change failed", slog.String("decision", d.ID), slog.String("rule", d.RuleID), slog.String("entity", d.EntityID), slog.String("action", d.Action.String()), slog.String("outcome", string(entry.Outcome)), slog.Any("error", aerr))
		} else {
			entry.Outcome = OutcomeApplied
			x.log.LogAttrs(ctx, slog.LevelInfo, "rules: change applied", slog.String("decision", d.ID), slog.String("rule", d.RuleID), slog.String("entity", d.EntityID), slog.String("action", d.Action.String()), slog.Int64("from", d.From), slog.Int64("to", d.To))
		}
		// The outcome is recorded even when ctx ended during Apply: the
		// claim must not stay pending when the answer is known.
		ctx = context.WithoutCancel(ctx)
	}
	res.Outcome = entry.Outcome
	if err := x.ledger.Record(ctx, entry); err != nil {
		return res, fmt.Errorf("rules: ledger record of decision %s: %w", d.ID, err)
	}
	return res, nil
}
