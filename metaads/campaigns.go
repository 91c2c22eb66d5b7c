package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"

	"github.com/adpilot/adpilot/internal/wire"
)

// CampaignsService reads and updates campaigns.
type CampaignsService struct{ c *Client }

// campaignFields are the fields requested for campaigns when none are given.
var campaignFields = []string{"id", "account_id", "name", "objective", "status", "configured_status", "effective_status", "daily_budget", "lifetime_budget", "budget_remaining", "spend_cap", "bid_strategy", "buying_type", "special_ad_categories", "start_time", "stop_time", "created_time", "updated_time"}

var campaignEdge = edge{kind: "campaign", name: "campaigns", fields: campaignFields}

// Get reads a campaign of the ad account acct.
func (s *CampaignsService) Get(ctx context.Context, acct AccountID, id string, o GetOptions) (*Campaign, error) {
	return getObject[Campaign](ctx, s.c, "campaign", acct, id, o, campaignFields)
}

// List iterates over the account's campaigns, one page in memory at a time.
func (s *CampaignsService) List(ctx context.Context, acct AccountID, o ListOptions) iter.Seq2[Campaign, error] {
	return listAll[Campaign](ctx, s.c, campaignEdge, acct, o)
}

// ListPage returns one page of campaigns after the cursor after ("" for the first).
func (s *CampaignsService) ListPage(ctx context.Context, acct AccountID, o ListOptions, after string) (*Page[Campaign], error) {
	return listPage[Campaign](ctx, s.c, campaignEdge, acct, o, after)
}

// UpdateStatus sets a campaign's status.
func (s *CampaignsService) UpdateStatus(ctx context.Context, acct AccountID, id string, status Status, opts ...WriteOption) error {
	return s.c.updateStatus(ctx, "campaign", acct, id, status, opts)
}

// UpdateBudget sets a campaign budget (campaigns using campaign budget only).
func (s *CampaignsService) UpdateBudget(ctx context.Context, acct AccountID, id string, b Budget, opts ...WriteOption) error {
	return s.c.updateBudget(ctx, "campaign", acct, id, b, opts)
}

// Objective is a campaign objective. New campaigns use the OUTCOME_* values;
// legacy values still appear on old campaigns and are kept as-is.
type Objective string

// Campaign objectives (ODAX) and common legacy values.
const (
	ObjectiveAwareness      Objective = "OUTCOME_AWARENESS"
	ObjectiveTraffic        Objective = "OUTCOME_TRAFFIC"
	ObjectiveEngagement     Objective = "OUTCOME_ENGAGEMENT"
	ObjectiveLeads          Objective = "OUTCOME_LEADS"
	ObjectiveAppPromotion   Objective = "OUTCOME_APP_PROMOTION"
	ObjectiveSales          Objective = "OUTCOME_SALES"
	ObjectiveLinkClicks     Objective = "LINK_CLICKS"
	ObjectiveConversions    Objective = "CONVERSIONS"
	ObjectiveReach          Objective = "REACH"
	ObjectiveBrandAwareness Objective = "BRAND_AWARENESS"
)

// IsOutcome reports whether o is one of the current OUTCOME_* objectives.
func (o Objective) IsOutcome() bool {
	switch o {
	case ObjectiveAwareness, ObjectiveTraffic, ObjectiveEngagement, ObjectiveLeads, ObjectiveAppPromotion, ObjectiveSales:
		return true
	}
	return false
}

// Campaign is a campaign. Budgets are in minor units of the account currency.
type Campaign struct {
	ID                  string          `json:"id"`                              // campaign id
	AccountID           AccountID       `json:"account_id,omitzero"`             // the ad account (Meta sends the number without "act_")
	Name                string          `json:"name,omitempty"`                  // display name
	Objective           Objective       `json:"objective,omitempty"`             // campaign objective (OUTCOME_* for current campaigns)
	Status              Status          `json:"status,omitempty"`                // status set by the advertiser
	ConfiguredStatus    Status          `json:"configured_status,omitempty"`     // status as configured (legacy alias of Status)
	EffectiveStatus     EffectiveStatus `json:"effective_status,omitempty"`      // delivery status, parents and review included
	DailyBudget         int64           `json:"daily_budget,omitempty"`          // campaign budget per day, minor units; 0 when unset
	LifetimeBudget      int64           `json:"lifetime_budget,omitempty"`       // campaign budget for its lifetime, minor units; 0 when unset
	BudgetRemaining     int64           `json:"budget_remaining,omitempty"`      // budget left, minor units
	SpendCap            int64           `json:"spend_cap,omitempty"`             // campaign spending limit, minor units; 0 when none
	BidStrategy         string          `json:"bid_strategy,omitempty"`          // LOWEST_COST_WITHOUT_CAP, COST_CAP, ...
	BuyingType          string          `json:"buying_type,omitempty"`           // AUCTION or RESERVED
	SpecialAdCategories []string        `json:"special_ad_categories,omitempty"` // HOUSING, EMPLOYMENT, CREDIT, ... (empty list when none)
	StartTime           Time            `json:"start_time,omitzero"`             // scheduled start
	StopTime            Time            `json:"stop_time,omitzero"`              // scheduled end; zero when open-ended
	CreatedTime         Time            `json:"created_time,omitzero"`           // when created
	UpdatedTime         Time            `json:"updated_time,omitzero"`           // when last changed
	// Raw is the object as Meta sent it, with fields this type does not model.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes Meta's numeric strings and keeps the raw object.
func (c *Campaign) UnmarshalJSON(b []byte) error {
	type plain Campaign
	w := struct {
		*plain
		DailyBudget     wire.Int64 `json:"daily_budget"`
		LifetimeBudget  wire.Int64 `json:"lifetime_budget"`
		BudgetRemaining wire.Int64 `json:"budget_remaining"`
		SpendCap        wire.Int64 `json:"spend_cap"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("metaads: decoding campaign: %w", err)
	}
	c.DailyBudget, c.LifetimeBudget, c.BudgetRemaining, c.SpendCap = int64(w.DailyBudget), int64(w.LifetimeBudget), int64(w.BudgetRemaining), int64(w.SpendCap)
	c.Raw = append(json.RawMessage(nil), b...)
	return nil
}
