package analysis

import (
	"context"
	"fmt"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// Analyzer turns the facts of one pass (an [Input]) into ranked
// recommendations (a [Result]). The deterministic default is [Heuristic];
// LLM analyzers live in their own modules (analysis/openai,
// analysis/anthropic) and any type with this method can take their place.
//
// Implementations must:
//   - not modify the Input or anything it points to;
//   - honour ctx: return promptly, with an error wrapping ctx.Err(), once
//     ctx is done;
//   - return errors that errors.Is can classify ([ErrInvalidInput] for an
//     Input they cannot analyze, [ErrAnalyzerUnavailable] for a provider
//     that cannot be reached or refused the call);
//   - be safe for concurrent use;
//   - cite only numbers the Input holds, with the window they were
//     measured over, and mark every other number an estimate (see [Figure]).
//
// The package analysistest has a conformance suite every implementation
// should pass and a fake Analyzer for tests of code that uses one.
type Analyzer interface {
	Analyze(ctx context.Context, in *Input) (*Result, error)
}

// AnalyzerFunc adapts a function to the [Analyzer] interface.
type AnalyzerFunc func(ctx context.Context, in *Input) (*Result, error)

// Analyze calls f(ctx, in).
func (f AnalyzerFunc) Analyze(ctx context.Context, in *Input) (*Result, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: nil AnalyzerFunc", ErrInvalidInput)
	}
	return f(ctx, in)
}

// Input is what an analyzer sees of one pass over one ad account: the
// data, the statistics derived from it, what the rules decided, the
// signals found, and the advertiser's goals. [Run] fills every field; a
// caller building an Input by hand needs at least Dataset (or Snapshot),
// Now and Goals.
type Input struct {
	// Now is the time of the pass, in the account's time zone.
	Now time.Time `json:"now"`

	// Dataset is the collected data. Analyzers read it and never modify it.
	Dataset *Dataset `json:"dataset,omitempty"`

	// Snapshot is Dataset.Snapshot(Now): every entity with its counts per
	// rules window, exact ratios of sums in the account's time zone.
	Snapshot *rules.Snapshot `json:"snapshot,omitempty"`

	// Statistics are metrics.CampaignStatistics of the entities of each
	// level over the windows the pass summarises (last_7d and last_30d by
	// default), with de-duplicated window reach where Meta gave it.
	Statistics []WindowStatistics `json:"statistics,omitempty"`

	// Evaluation is the dry-run evaluation of the rule set (decisions
	// with their evidence, and per-rule coverage); nil when no rules ran.
	Evaluation *rules.Evaluation `json:"evaluation,omitempty"`

	// Signals are the findings of the pure signal functions (time
	// patterns, creative fatigue, pacing, audience overlap, benchmarks;
	// package analysis/signals), in any order; analyzers rank them.
	Signals []Signal `json:"signals,omitempty"`

	// Goals are the advertiser's targets and priority.
	Goals Goals `json:"goals"`
}

// Goals are what the advertiser wants, as the seed's review asks: a target
// CPA or ROAS, the gross margin that turns revenue into profit, and what
// to optimise first.
type Goals struct {
	// Currency is the ISO 4217 code TargetCPA is in. It must equal the
	// account currency: a pass refuses goals in another currency
	// ([ErrCurrencyMismatch]) rather than compare cents with yen. Empty
	// takes the account's.
	Currency string `json:"currency,omitempty"`
	// TargetCPA is the target cost per conversion of ConversionEvent, in
	// minor units of Currency; 0 when none.
	TargetCPA int64 `json:"target_cpa,omitempty"`
	// TargetROAS is the target return on ad spend (2.5 means 2.5x); 0 when none.
	TargetROAS float64 `json:"target_roas,omitempty"`
	// GrossMargin is the share of revenue left after the cost of goods, in
	// (0, 1]; 0 when unknown (profit is then revenue minus spend).
	GrossMargin float64 `json:"gross_margin,omitempty"`
	// ConversionEvent is the action type the targets are for ("lead",
	// "omni_purchase", ...); an action type of the purchase or lead family
	// stands for the family (EventPurchase, EventLead) when the campaigns
	// count the family. Empty takes the event of the campaigns with the
	// most spend. Campaigns judged on another event are not compared with
	// the targets.
	ConversionEvent string `json:"conversion_event,omitempty"`
	// Priority is what to optimise first; default profit.
	Priority GoalPriority `json:"priority,omitempty"`
}

// GoalPriority is what the advertiser optimises first.
type GoalPriority string

// Goal priorities.
const (
	// PriorityProfit ranks by money: profit (with the gross margin when
	// known), then CPA or ROAS against target.
	PriorityProfit GoalPriority = "profit"
	// PriorityReachEfficiency ranks by people reached per unit of spend
	// and frequency (awareness and reach campaigns).
	PriorityReachEfficiency GoalPriority = "reach_efficiency"
	// PriorityEngagement ranks by engagement quality: engagement rate,
	// link CTR, video hook and hold rates.
	PriorityEngagement GoalPriority = "engagement"
)

// WindowStatistics are the campaign statistics of the entities of one
// level over one window.
type WindowStatistics struct {
	Level  metrics.Level     `json:"level"`  // campaign, adset or ad
	Window rules.Window      `json:"window"` // the rules window ("last_7d")
	Range  metaads.TimeRange `json:"range"`  // its days
	// Statistics are the totals (ratios of sums), per-entity metrics and
	// distributions across entities, from metrics.CampaignStatistics.
	Statistics metrics.Statistics `json:"statistics"`
}
