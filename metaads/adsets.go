package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"

	"github.com/adpilot/adpilot/internal/wire"
)

// AdSetsService reads and updates ad sets.
type AdSetsService struct{ c *Client }

// adSetFields are the fields requested for ad sets when none are given.
var adSetFields = []string{"id", "account_id", "campaign_id", "name", "status", "configured_status", "effective_status", "daily_budget", "lifetime_budget", "budget_remaining", "bid_amount", "bid_strategy", "billing_event", "optimization_goal", "promoted_object", "learning_stage_info", "targeting", "pacing_type", "start_time", "end_time", "created_time", "updated_time"}

var adSetEdge = edge{kind: "ad set", name: "adsets", fields: adSetFields, parentKind: "campaign"}

// Get reads an ad set.
func (s *AdSetsService) Get(ctx context.Context, acct AccountID, id string, o GetOptions) (*AdSet, error) {
	return getObject[AdSet](ctx, s.c, "ad set", acct, id, o, adSetFields)
}

// List iterates over ad sets of the account, or of the campaign in o.Parent.
func (s *AdSetsService) List(ctx context.Context, acct AccountID, o ListOptions) iter.Seq2[AdSet, error] {
	return listAll[AdSet](ctx, s.c, adSetEdge, acct, o)
}

// ListPage returns one page of ad sets.
func (s *AdSetsService) ListPage(ctx context.Context, acct AccountID, o ListOptions, after string) (*Page[AdSet], error) {
	return listPage[AdSet](ctx, s.c, adSetEdge, acct, o, after)
}

// UpdateStatus sets an ad set's status.
func (s *AdSetsService) UpdateStatus(ctx context.Context, acct AccountID, id string, status Status, opts ...WriteOption) error {
	return s.c.updateStatus(ctx, "ad set", acct, id, status, opts)
}

// UpdateBudget sets an ad set's budget. Meta allows about four budget
// changes per ad set per hour.
func (s *AdSetsService) UpdateBudget(ctx context.Context, acct AccountID, id string, b Budget, opts ...WriteOption) error {
	return s.c.updateBudget(ctx, "ad set", acct, id, b, opts)
}

// UpdateBid sets an ad set's bid_amount: the bid cap or cost target in
// minor units of the account currency (USD 150 = $1.50), which must be
// positive. Meta accepts it for bid strategies that use an amount
// (LOWEST_COST_WITH_BID_CAP, COST_CAP). Like every write it is validated
// first and retried only when marked Idempotent or when the failure proves
// Meta did not process it.
func (s *AdSetsService) UpdateBid(ctx context.Context, acct AccountID, id string, bidMinor int64, opts ...WriteOption) error {
	if bidMinor <= 0 {
		return fmt.Errorf("metaads: UpdateBid(%q): bid %d: want a positive amount in minor units of the account currency", id, bidMinor)
	}
	return s.c.write(ctx, "ad set", acct, id, url.Values{"bid_amount": {strconv.FormatInt(bidMinor, 10)}}, opts)
}

// AdSet is an ad set. Budgets and bid amounts are in minor units.
type AdSet struct {
	ID               string          `json:"id"`                          // ad set id
	AccountID        AccountID       `json:"account_id,omitzero"`         // the ad account (Meta sends the number without "act_")
	CampaignID       string          `json:"campaign_id,omitempty"`       // parent campaign id
	Name             string          `json:"name,omitempty"`              // display name
	Status           Status          `json:"status,omitempty"`            // status set by the advertiser
	ConfiguredStatus Status          `json:"configured_status,omitempty"` // status as configured (legacy alias of Status)
	EffectiveStatus  EffectiveStatus `json:"effective_status,omitempty"`  // delivery status, parents and review included
	DailyBudget      int64           `json:"daily_budget,omitempty"`      // ad set budget per day, minor units; 0 under campaign budget
	LifetimeBudget   int64           `json:"lifetime_budget,omitempty"`   // ad set budget for its lifetime, minor units; 0 when unset
	BudgetRemaining  int64           `json:"budget_remaining,omitempty"`  // budget left, minor units
	BidAmount        int64           `json:"bid_amount,omitempty"`        // bid cap or cost target, minor units; 0 when the strategy uses none
	BidStrategy      string          `json:"bid_strategy,omitempty"`      // bid strategy; empty when inherited from the campaign
	BillingEvent     string          `json:"billing_event,omitempty"`     // what is charged: IMPRESSIONS, LINK_CLICKS, ...
	OptimizationGoal string          `json:"optimization_goal,omitempty"` // what delivery optimizes for: OFFSITE_CONVERSIONS, REACH, ...
	// PromotedObject is what the ad set optimises for beyond the goal: the
	// pixel and its conversion event, the page or the app; nil when none.
	PromotedObject *PromotedObject `json:"promoted_object,omitempty"`
	// LearningStageInfo is the ad set's learning phase; nil when Meta does
	// not report it (only active ad sets have one; ad sets with dynamic
	// creative and some accounts never do).
	LearningStageInfo *LearningStageInfo `json:"learning_stage_info,omitempty"`
	Targeting         *Targeting         `json:"targeting,omitempty"`   // the targeting spec; nil when not requested
	PacingType        []string           `json:"pacing_type,omitempty"` // "standard" or "no_pacing"
	StartTime         Time               `json:"start_time,omitzero"`   // scheduled start
	EndTime           Time               `json:"end_time,omitzero"`     // scheduled end; zero when open-ended
	CreatedTime       Time               `json:"created_time,omitzero"` // when created
	UpdatedTime       Time               `json:"updated_time,omitzero"` // when last changed
	// Raw is the object as Meta sent it, with fields this type does not model.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes Meta's numeric strings and keeps the raw object.
func (s *AdSet) UnmarshalJSON(b []byte) error {
	type plain AdSet
	w := struct {
		*plain
		DailyBudget     wire.Int64 `json:"daily_budget"`
		LifetimeBudget  wire.Int64 `json:"lifetime_budget"`
		BudgetRemaining wire.Int64 `json:"budget_remaining"`
		BidAmount       wire.Int64 `json:"bid_amount"`
	}{plain: (*plain)(s)}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("metaads: decoding ad set: %w", err)
	}
	s.DailyBudget, s.LifetimeBudget, s.BudgetRemaining, s.BidAmount = int64(w.DailyBudget), int64(w.LifetimeBudget), int64(w.BudgetRemaining), int64(w.BidAmount)
	s.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// LearningStatus is the learning phase of an ad set (learning_stage_info.status).
type LearningStatus string

// Learning statuses.
const (
	LearningStatusLearning LearningStatus = "LEARNING" // still learning: significant edits restart it
	LearningStatusSuccess  LearningStatus = "SUCCESS"  // exited the learning phase
	LearningStatusFail     LearningStatus = "FAIL"     // "learning limited": too few optimisation events
)

// LearningStageInfo is an ad set's learning_stage_info.
type LearningStageInfo struct {
	// Status is LEARNING, SUCCESS or FAIL (learning limited).
	Status LearningStatus `json:"status"`
	// Conversions are the optimisation events since the last significant
	// edit while learning; Meta reports 0 once the ad set exited learning.
	Conversions int64 `json:"conversions"`
	// LastSignificantEdit is when an edit last restarted learning
	// (last_sig_edit_ts, unix seconds on the wire); zero when unknown.
	LastSignificantEdit Time `json:"last_sig_edit_ts,omitzero"`
	// AttributionWindows are the attribution windows the conversions count
	// under, such as "7d_click".
	AttributionWindows []string `json:"attribution_windows,omitempty"`
}

// UnmarshalJSON decodes Meta's numeric strings.
func (l *LearningStageInfo) UnmarshalJSON(b []byte) error {
	type plain LearningStageInfo
	w := struct {
		*plain
		Conversions wire.Int64 `json:"conversions"`
	}{plain: (*plain)(l)}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("metaads: decoding learning_stage_info: %w", err)
	}
	l.Conversions = int64(w.Conversions)
	return nil
}

// PromotedObject is an ad set's promoted_object: what it promotes and, for
// conversion goals, which event of which pixel it optimises for.
type PromotedObject struct {
	PixelID string `json:"pixel_id,omitempty"` // the Meta pixel (dataset) id
	// CustomEventType is the standard event optimised for: PURCHASE, LEAD,
	// COMPLETE_REGISTRATION, ADD_TO_CART, INITIATE_CHECKOUT, ...
	CustomEventType    string `json:"custom_event_type,omitempty"`
	CustomConversionID string `json:"custom_conversion_id,omitempty"` // a custom conversion, when used instead
	PageID             string `json:"page_id,omitempty"`              // the Facebook page promoted
	ApplicationID      string `json:"application_id,omitempty"`       // the app promoted
	ObjectStoreURL     string `json:"object_store_url,omitempty"`     // the app's store URL
}
