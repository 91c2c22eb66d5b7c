package analysis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// SignalFunc computes signals over a Dataset at a time. Package
// analysis/signals provides one; it is a parameter of the pass because
// this package does not import the signals.
type SignalFunc func(ctx context.Context, ds *Dataset, now time.Time) ([]Signal, error)

// RunOptions configures a pass ([Run], [RunDataset]). The zero value runs
// the default pass: collect with the default CollectOptions, the default
// rule library for Goals (a dry run), no signals, the [Heuristic].
type RunOptions struct {
	// Collect chooses what Run reads (unused by RunDataset). Its Progress
	// and Now are replaced by the pass's own.
	Collect CollectOptions
	// Goals are the advertiser's goals; Goals.Currency, when set, must be
	// the account's.
	Goals Goals
	// Rules is the rule set to evaluate (the pass applies nothing);
	// nil uses rules.DefaultLibrary for the goals, bound to the account's
	// currency and the goals' conversion event. Without a target CPA or
	// ROAS, or when no campaign counts a conversion event (traffic,
	// awareness or reach campaigns only), the library's rules that read
	// conversions are left out.
	Rules *rules.RuleSet
	// Live is for a caller that executes Report.Evaluation with a
	// rules.Executor and a ledger (the pass itself still applies nothing):
	// each decision keeps the DryRun its rule gives it (a live rule's
	// decisions are not dry runs), and the default library is compiled
	// with rules.Params.Live. By default every decision is a dry run.
	Live bool
	// History is the ledger of past actions for cooldowns and caps
	// (rules.History of a ledger).
	History []rules.Entry
	// Signals, when set, computes the signals the analyzer ranks.
	Signals SignalFunc
	// Analyzer analyzes the pass; nil uses Heuristic{}.
	Analyzer Analyzer
	// StatisticsWindows are the windows of Report.Statistics (default
	// last_7d and last_30d).
	StatisticsWindows []rules.Window
	// Progress, when set, receives progress reports from the calling
	// goroutine.
	Progress ProgressFunc
	// Now replaces the clock (default time.Now). Run reads it once, when
	// the collection starts, and evaluates at that time; RunDataset
	// evaluates at Now().
	Now func() time.Time
}

// Run runs the whole optimization pass for one ad account: Collect, the
// Snapshot at the time of the collection (Dataset.CollectedAt, in the
// account's time zone, so the days the pass judges are the days it read),
// campaign statistics, the rule evaluation (a dry run unless o.Live), the
// signals when o.Signals is set, and the analyzer, and returns one
// [Report]. Progress goes to o.Progress: the collection's phases with
// calls and rows, then snapshot, rules, signals, analyze and done (once,
// at the end).
func Run(ctx context.Context, c *metaads.Client, acct metaads.AccountID, o RunOptions) (*Report, error) {
	if ctx == nil {
		return nil, fmt.Errorf("%w: Run: %w", ErrInvalidInput, errNilContext)
	}
	start := time.Now()
	co := o.Collect
	if o.Progress != nil {
		co.Progress = func(p Progress) {
			if p.Phase != PhaseDone { // the pass is not done when its collection is
				o.Progress(p)
			}
		}
	}
	if o.Now != nil {
		co.Now = o.Now
	}
	ds, err := Collect(ctx, c, acct, co)
	if err != nil {
		return nil, err
	}
	at := ds.CollectedAt
	o.Now = func() time.Time { return at }
	rep, err := RunDataset(ctx, ds, o)
	if rep != nil {
		rep.Duration = time.Since(start)
	}
	return rep, err
}

// RunDataset runs the pass on a Dataset already collected or built from
// rows (everything Run does after Collect).
func RunDataset(ctx context.Context, ds *Dataset, o RunOptions) (*Report, error) {
	start := time.Now()
	if ctx == nil {
		return nil, fmt.Errorf("%w: RunDataset: %w", ErrInvalidInput, errNilContext)
	}
	if ds == nil {
		return nil, fmt.Errorf("%w: RunDataset: %w", ErrInvalidInput, errNoDataset)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	progress := func(p Phase, detail string) {
		if o.Progress != nil {
			o.Progress(Progress{Phase: p, Detail: detail, Requests: ds.Stats.Requests, Rows: ds.Stats.Rows})
		}
	}
	progress(PhaseSnapshot, "rules snapshot and statistics")
	snap, err := ds.Snapshot(now())
	if err != nil {
		return nil, err
	}
	snap.History = o.History
	goals := o.Goals
	if err := goals.validate(snap.Currency); err != nil {
		return nil, err
	}
	goals.Currency = snap.Currency
	goals.ConversionEvent = (&analysis{snap: snap}).goalEvent(goals.ConversionEvent)
	if goals.Priority == "" {
		goals.Priority = PriorityProfit
	}
	windows := o.StatisticsWindows
	if len(windows) == 0 {
		windows = []rules.Window{rules.WindowLast7D, rules.WindowLast30D}
	}
	stats, err := ds.Statistics(snap, goals.GrossMargin, windows...)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: pass: %w", err)
	}
	progress(PhaseRules, "rule evaluation")
	set := o.Rules
	if set == nil {
		if set, err = defaultRules(goals, o.Live); err != nil {
			return nil, err
		}
	}
	eval, err := set.Evaluate(snap)
	if err != nil {
		return nil, fmt.Errorf("analysis: evaluating the rules: %w", err)
	}
	if !o.Live {
		for i := range eval.Decisions {
			eval.Decisions[i].DryRun = true // nothing of the pass is to be applied
		}
	}
	var signals []Signal
	if o.Signals != nil {
		progress(PhaseSignals, "signals")
		if signals, err = o.Signals(ctx, ds, snap.Now); err != nil {
			return nil, fmt.Errorf("analysis: computing signals: %w", err)
		}
	}
	progress(PhaseAnalyze, "analysis")
	an := o.Analyzer
	if an == nil {
		an = Heuristic{}
	}
	in := &Input{Now: snap.Now, Dataset: ds, Snapshot: snap, Statistics: stats, Evaluation: eval, Signals: signals, Goals: goals}
	res, err := an.Analyze(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("analysis: analyzer: %w", err)
	}
	if res == nil {
		return nil, errors.New("analysis: the analyzer returned no result and no error")
	}
	rep := &Report{
		Account:  EntityRef{Level: metrics.LevelAccount, ID: ds.Account.ID.String(), Name: ds.Account.Name},
		Currency: ds.Account.Currency, TimeZone: ds.Account.TimezoneName, Now: snap.Now, Range: ds.Range,
		Goals: goals, Collect: ds.Stats, Statistics: stats, Evaluation: eval, Signals: signals, Result: res,
		Entities: EntityCounts{Campaigns: len(ds.Campaigns), AdSets: len(ds.AdSets), Ads: len(ds.Ads)},
		Duration: time.Since(start), Dataset: ds,
	}
	progress(PhaseDone, fmt.Sprintf("%d recommendations", len(res.Recommendations)))
	return rep, nil
}

// defaultRules compiles the default library for the goals, as a dry run
// unless live.
func defaultRules(g Goals, live bool) (*rules.RuleSet, error) {
	p := rules.Params{Currency: g.Currency, ConversionEvent: g.ConversionEvent, TargetCPA: g.TargetCPA, TargetROAS: g.TargetROAS, GrossMargin: g.GrossMargin, Live: live}
	// Without a target, or without a conversion event (no campaign counts
	// one: traffic, awareness), no rule may read conversions: an unbound
	// rule would read a traffic campaign's zero conversions as failure.
	noTarget := (p.TargetCPA == 0 && p.TargetROAS == 0) || g.ConversionEvent == ""
	if p.TargetCPA == 0 && p.TargetROAS == 0 {
		p.TargetROAS = 1 // placeholder: the rules reading conversions are dropped below
	}
	spec, err := rules.DefaultLibrary(p)
	if err != nil {
		return nil, fmt.Errorf("%w: the goals do not make a rule library: %w", ErrInvalidInput, err)
	}
	set, err := rules.Compile(spec)
	if err != nil || !noTarget {
		return set, err
	}
	keep := spec.Rules[:0:0]
	for _, r := range set.Rules() {
		if !r.ReadsConversions() {
			keep = append(keep, r.Spec())
		}
	}
	spec.Rules = keep
	return rules.Compile(spec)
}

// Statistics returns the campaign statistics of each collected level over
// each window: the entities with delivery in the window, their metrics,
// totals (ratios of sums) and distributions, with the account's
// de-duplicated window reach (from Meta's window totals) as the total
// reach when the Dataset has it. grossMargin makes profit margin-aware.
func (d *Dataset) Statistics(snap *rules.Snapshot, grossMargin float64, windows ...rules.Window) ([]WindowStatistics, error) {
	if d == nil || snap == nil {
		return nil, fmt.Errorf("%w: Statistics needs a Dataset and its Snapshot", ErrInvalidInput)
	}
	today := metaads.DateOf(snap.Now)
	acctReach := map[metaads.TimeRange]int64{}
	for _, w := range d.Windows {
		if w.Level == metrics.LevelAccount {
			acctReach[w.Window] = w.Counts.Reach
		}
	}
	var out []WindowStatistics
	for _, l := range d.Levels {
		for _, w := range windows {
			r, ok := windowRange(w, today)
			if !ok {
				return nil, fmt.Errorf("%w: Statistics: window %s depends on the entity; expected a window of the same days for all (last_7d, last_30d, ...)", ErrInvalidInput, w)
			}
			var ents []metrics.EntityTotals
			for i := range snap.Entities {
				e := &snap.Entities[i]
				if e.Level != l {
					continue
				}
				if et, ok := e.Totals(w); ok && et.Counts.Impressions > 0 {
					ents = append(ents, et)
				}
			}
			st, err := metrics.CampaignStatistics(ents, metrics.StatsOptions{GrossMargin: grossMargin, WindowReach: acctReach[r]})
			if err != nil {
				return nil, fmt.Errorf("%w: statistics of %s over %s: %w", ErrInvalidInput, l, w, err)
			}
			out = append(out, WindowStatistics{Level: l, Window: w, Range: r, Statistics: st})
		}
	}
	return out, nil
}
