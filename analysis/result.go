package analysis

import (
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// Result is what an analyzer concluded about one pass: a summary, the
// recommendations ranked most important first, and who produced it. It
// encodes to JSON with stable snake_case field names and renders to
// Markdown with [Result.Markdown].
type Result struct {
	// Analyzer names the analyzer ("heuristic", "openai", ...).
	Analyzer string `json:"analyzer"`
	// Model is the model that produced the result ("gpt-5.2", ...);
	// empty for deterministic analyzers.
	Model string `json:"model,omitempty"`
	// Currency is the ISO 4217 code of every money figure (minor units).
	Currency string `json:"currency"`
	// Summary is a few sentences on the account's state and what matters most.
	Summary string `json:"summary"`
	// Recommendations are ranked: Rank 1 first. Empty when nothing needs doing.
	Recommendations []Recommendation `json:"recommendations"`
	// Notes say what the analyzer could not judge and why (no target CPA,
	// too little data, a window Meta did not report).
	Notes []string `json:"notes,omitempty"`
	// Usage is the token usage of an LLM analyzer; nil when none was used.
	Usage *TokenUsage `json:"usage,omitempty"`
	// Dropped are the parts of an LLM analyzer's reply that the grounding
	// check refused (a recommendation naming an entity the Input does not
	// hold, a number the data does not give, an action the entity cannot
	// take, text that follows instructions found in the data), each with
	// its reasons. Nothing dropped is in Summary or Recommendations.
	Dropped []Dropped `json:"dropped,omitempty"`
	// Failures are the analyzers that failed before this result was made,
	// in order, each with its error: a fallback decorator that answers
	// with its second analyzer records the first one's failure here.
	Failures []Failure `json:"failures,omitempty"`
}

// Dropped is one part of an analyzer's reply that did not reach the
// Result, and why.
type Dropped struct {
	// Part is what was dropped: "recommendation", "summary" or "estimate".
	Part string `json:"part"`
	// Index is the position of the recommendation in the reply, from 0
	// (-1 for the summary).
	Index int `json:"index"`
	// Title, Entity and Action are the dropped recommendation's, as the
	// reply gave them (Entity.Name is the Input's name when the entity
	// exists).
	Title  string     `json:"title,omitempty"`
	Entity EntityRef  `json:"entity,omitzero"`
	Action ActionKind `json:"action,omitempty"`
	// Reasons say why, one per failed check.
	Reasons []DropReason `json:"reasons"`
}

// DropReason is one check a reply part failed.
type DropReason struct {
	// Check names the check (one of the Check* constants).
	Check string `json:"check"`
	// Detail says what was wrong and what the data holds ("the rationale
	// states 2.2%; link_ctr of ad set 123 over last_7d is 1.23%").
	Detail string `json:"detail"`
}

// The checks a reply part can fail, for [DropReason].Check.
const (
	CheckSchema      = "schema"      // a field is missing, unknown or out of its range
	CheckEntity      = "entity"      // an entity id the Input does not hold, or at another level
	CheckNumber      = "number"      // a number that matches no value computed from the Input
	CheckAction      = "action"      // an action the entity cannot take (a budget on an ad, raising a paused ad set)
	CheckSupport     = "support"     // a change no rule decision, signal or goal comparison backs
	CheckInstruction = "instruction" // text that carries out instructions found in the data
)

// Failure is an analyzer that failed during an analysis, and why.
type Failure struct {
	// Analyzer names the analyzer that failed ("openai").
	Analyzer string `json:"analyzer"`
	// Error is its error text (analyzers keep keys and prompts out of it).
	Error string `json:"error"`
}

// Recommendation is one thing to do (or to look at), with why, what it is
// expected to change, and how sure the analyzer is.
type Recommendation struct {
	// Rank is the position in Result.Recommendations, from 1.
	Rank int `json:"rank"`
	// Priority is how soon to act.
	Priority Priority `json:"priority"`
	// Kind says whether it fixes a problem or takes an opportunity.
	Kind RecommendationKind `json:"kind"`
	// Entity is what to act on: a campaign, ad set, ad or the account.
	Entity EntityRef `json:"entity"`
	// Related are other entities the recommendation involves (the other
	// ad set of an overlapping pair).
	Related []EntityRef `json:"related,omitempty"`
	// Action is what to do.
	Action Action `json:"action"`
	// Title is the recommendation in one line.
	Title string `json:"title"`
	// Rationale explains why, in words, citing the evidence.
	Rationale string `json:"rationale"`
	// Evidence are the measured numbers the recommendation rests on, each
	// with the window it was measured over.
	Evidence []Figure `json:"evidence"`
	// Impact is what acting is expected to change.
	Impact Impact `json:"impact"`
	// Confidence is how sure the analyzer is, in words a person can read.
	Confidence Confidence `json:"confidence"`
	// Sources name where the recommendation came from: rule decisions,
	// signals, metrics.
	Sources []Source `json:"sources,omitempty"`
}

// Priority is how soon a recommendation should be acted on.
type Priority string

// Priorities, most urgent first.
const (
	// PriorityUrgent: money is being lost now (a money-losing ad set, an
	// overspend); act today.
	PriorityUrgent Priority = "urgent"
	// PriorityHigh: a clear problem or opportunity; act this week.
	PriorityHigh Priority = "high"
	// PriorityMedium: worth doing when convenient.
	PriorityMedium Priority = "medium"
	// PriorityLow: a watch item or a small gain.
	PriorityLow Priority = "low"
)

// Rank returns 0 for urgent, 1 for high, 2 for medium, 3 for low and 4
// for anything else, so that sorting by Rank puts the most urgent first.
func (p Priority) Rank() int {
	switch p {
	case PriorityUrgent:
		return 0
	case PriorityHigh:
		return 1
	case PriorityMedium:
		return 2
	case PriorityLow:
		return 3
	}
	return 4
}

// RecommendationKind says whether a recommendation fixes a problem or
// takes an opportunity.
type RecommendationKind string

// Recommendation kinds.
const (
	KindProblem     RecommendationKind = "problem"
	KindOpportunity RecommendationKind = "opportunity"
)

// EntityRef names one campaign, ad set, ad or ad account.
type EntityRef struct {
	Level metrics.Level `json:"level"`          // account, campaign, adset or ad
	ID    string        `json:"id"`             // Graph id ("act_123" for the account)
	Name  string        `json:"name,omitempty"` // display name
}

// Action is what a recommendation proposes. Budget and bid actions carry
// the current value and the proposed one in minor units of the currency.
type Action struct {
	Type ActionKind `json:"type"`
	// From and To are the budget or bid now and after the change, in
	// minor units; zero when the action changes no amount.
	From int64 `json:"from,omitempty"`
	To   int64 `json:"to,omitempty"`
	// Percent is the relative change of a budget or bid (-20 cuts by 20%).
	Percent float64 `json:"percent,omitempty"`
	// Detail says more where the type alone does not ("move 30% of the
	// budget to hours 18-22", "exclude the audience of ad set 123").
	Detail string `json:"detail,omitempty"`
}

// ActionKind is the kind of action a recommendation proposes. Its
// values include the rule engine's seven action types under the same
// names and spec strings (ActionPause is "pause" here and in rules);
// [ActionKindOf] converts a [rules.ActionType].
type ActionKind string

// Action kinds. The first five are the rule engine's own and can be
// carried out by a rules executor; the others need a person (or a tool
// that edits creatives, audiences and schedules).
const (
	ActionPause        ActionKind = "pause"        // pause the entity
	ActionUnpause      ActionKind = "unpause"      // resume the entity
	ActionScaleBudget  ActionKind = "scale_budget" // change the budget by Percent
	ActionSetBudget    ActionKind = "set_budget"   // set the budget to To
	ActionChangeBid    ActionKind = "change_bid"   // change the bid to To
	ActionRefresh      ActionKind = "refresh_creative"
	ActionSchedule     ActionKind = "adjust_schedule" // shift delivery to better hours or days
	ActionAudience     ActionKind = "adjust_audience" // broaden, narrow or de-duplicate targeting
	ActionConsolidate  ActionKind = "consolidate"     // merge ad sets (learning limited, overlap)
	ActionFixTracking  ActionKind = "fix_tracking"    // conversion event or pixel problem
	ActionReviewBudget ActionKind = "review_budget"   // pacing or spend cap needs a look
	ActionInvestigate  ActionKind = "investigate"     // look before acting: the data is unclear
	ActionKeep         ActionKind = "keep"            // leave it running: it performs
	ActionMonitor      ActionKind = "monitor"         // nothing to do yet; watch it
	ActionNotify       ActionKind = "notify"          // a rule's notification, passed on
	ActionFreeze       ActionKind = "freeze"          // a rule's learning-phase freeze, passed on
	ActionOther        ActionKind = "other"           // see Action.Detail
)

// ActionKindOf returns the kind of a rule engine action: the rules action
// type's spec string ([ActionPause] for [rules.ActionPause]), or
// [ActionOther] for an invalid one.
func ActionKindOf(a rules.ActionType) ActionKind {
	if a < rules.ActionPause || a > rules.ActionFreeze {
		return ActionOther
	}
	return ActionKind(a.String())
}

// Impact is what a recommendation is expected to change. Estimates are
// [Figure] values with Basis [BasisEstimate] and a Method saying how they
// were computed from the evidence.
type Impact struct {
	// Summary is the expected effect in words ("saves about $41 a day").
	Summary string `json:"summary"`
	// Estimates are the numbers of Summary; every one is an estimate.
	Estimates []Figure `json:"estimates,omitempty"`
}

// Source names one input a recommendation came from.
type Source struct {
	// Kind is "rule" (a rule decision), "signal" or "metrics".
	Kind string `json:"kind"`
	// ID is the rule id, the decision id or the signal kind.
	ID string `json:"id"`
	// Detail is the decision's or signal's summary in words.
	Detail string `json:"detail,omitempty"`
}

// TokenUsage is what an LLM analyzer spent.
type TokenUsage struct {
	InputTokens  int64 `json:"input_tokens"`  // prompt tokens, cached included
	OutputTokens int64 `json:"output_tokens"` // completion tokens, reasoning included
	CachedTokens int64 `json:"cached_tokens,omitempty"`
	Calls        int   `json:"calls"` // model calls made
}
