package rules

import (
	"fmt"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// ruleLevels are the levels rules act on, outermost first: every
// [metrics.Level] but the account.
var ruleLevels = [...]metrics.Level{metrics.LevelCampaign, metrics.LevelAdSet, metrics.LevelAd}

// ruleLevel reports whether rules act on l.
func ruleLevel(l metrics.Level) bool { return l.Depth() >= metrics.LevelCampaign.Depth() }

// parseRuleLevel parses a rule spec's level: "campaign", "adset" or "ad".
func parseRuleLevel(s string) (metrics.Level, error) {
	if l := metrics.Level(s); ruleLevel(l) {
		return l, nil
	}
	return "", fmt.Errorf("unknown level %q; expected one of %s", s, quotedList(ruleLevels[:]))
}

// Learning stages of an ad set, as Meta reports them in learning_stage_info.
const (
	LearningStageLearning = "LEARNING" // still learning: edits restart it
	LearningStageSuccess  = "SUCCESS"  // exited learning
	LearningStageFail     = "FAIL"     // "learning limited"
)

// Snapshot is everything an evaluation sees: the time, the entities with
// their counts per window, and the ledger of past actions. Evaluation reads
// nothing else (no clock, no network), so the same snapshot always gives the
// same decisions.
type Snapshot struct {
	// Now is the evaluation time, in the ad account's time zone: hour-of-day
	// and day-of-week conditions read Now.Hour() and Now.Weekday(), and
	// "today so far" runs from the first instant of Now's date
	// ([metrics.DayStart]: 01:00 on a day whose midnight a daylight-saving
	// change skips) to Now.
	Now time.Time

	// Currency is the ISO 4217 code of the account currency. It writes
	// money in evidence ("41.20 USD"; empty writes minor units), and a
	// rule set whose Spec.Currency is set refuses a snapshot in another
	// currency (or none), so money thresholds are never read in the wrong
	// minor units.
	Currency string

	// Account, when set, is the ad account ("act_123") of every entity:
	// an entity with an empty or different Account is refused.
	Account string

	// TimeZone, when set, is the ad account's IANA time zone
	// ("America/Los_Angeles"): Now must be in it (same UTC offset at Now),
	// because "today", hours and weekdays are the account's. A Now in UTC
	// for an account in Los Angeles is refused.
	TimeZone string

	// Entities are the campaigns, ad sets and ads to evaluate.
	Entities []Entity

	// History is the ledger of past attempts (see [Ledger.List]): it
	// drives cooldowns, execution caps, weekly change caps and conditions on
	// recent actions. Entries older than the longest cooldown or window of
	// the rule set can be left out. Of several entries of one decision id
	// (a pending claim and its outcome, a failure and its retry) only the
	// last in the slice counts.
	History []Entry
}

// Entity is one campaign, ad set or ad as the rules see it.
type Entity struct {
	ID        string // Graph object id
	Name      string
	Level     metrics.Level // campaign, adset or ad (never the account)
	Account   string        // ad account as "act_123" (metaads.AccountID.String()); passed through to the Actuator
	Status    string        // configured status: ACTIVE, PAUSED, ...
	Objective string        // campaign objective (OUTCOME_SALES, ...), inherited by ad sets and ads
	// ConversionEvent is the action type the entity's Conversions and
	// ConversionValue count ("omni_purchase", "lead", ...), from its
	// campaign; empty when unknown or when the campaign optimises for no
	// conversion. A rule set whose Spec.ConversionEvent is set evaluates
	// its conversion-based rules only on entities counting that event.
	ConversionEvent string
	Labels          []string

	// Budgets and bid in minor units of the account currency; zero when not
	// set at this level (an ad set inside a campaign-budget campaign has none).
	DailyBudget    int64
	LifetimeBudget int64
	BidAmount      int64

	CreatedTime time.Time // when the entity was created (age gates)
	StartTime   time.Time // flight start (lifetime pacing); zero means CreatedTime
	EndTime     time.Time // flight end (lifetime pacing); zero when open-ended

	LearningStage       string    // LearningStage* constant; empty when unknown
	LastSignificantEdit time.Time // Meta's last_sig_edit_ts; zero when unknown

	// Stats holds the counts of each window the caller fetched. A condition
	// on a window the entity lacks is unknown (never true).
	Stats []WindowCounts
}

// WindowCounts are the counts of one entity over one window.
type WindowCounts struct {
	Window Window
	Counts metrics.Counts
}

// counts returns the counts of w, or false when the entity has none.
func (e *Entity) counts(w Window) (*metrics.Counts, bool) {
	for i := range e.Stats {
		if e.Stats[i].Window == w {
			return &e.Stats[i].Counts, true
		}
	}
	return nil, false
}

// Totals returns the entity's id, name and counts over w, the input of
// [metrics.CampaignStatistics], or false when the entity has no counts
// for w.
func (e *Entity) Totals(w Window) (metrics.EntityTotals, bool) {
	c, ok := e.counts(w)
	if !ok {
		return metrics.EntityTotals{}, false
	}
	return metrics.EntityTotals{ID: e.ID, Name: e.Name, Counts: *c}, true
}

// budget returns the budget a budget action changes: the daily budget when
// set, else the lifetime budget.
func (e *Entity) budget() (amount int64, kind BudgetKind) {
	if e.DailyBudget > 0 {
		return e.DailyBudget, BudgetDaily
	}
	if e.LifetimeBudget > 0 {
		return e.LifetimeBudget, BudgetLifetime
	}
	return 0, 0
}
