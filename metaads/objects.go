package metaads

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/adpilot/adpilot/internal/wire"
)

// Status is the configured status of a campaign, ad set, ad or creative.
type Status string

// Statuses a caller can set. Only ACTIVE and PAUSED are allowed at creation.
const (
	StatusActive   Status = "ACTIVE"
	StatusPaused   Status = "PAUSED"
	StatusArchived Status = "ARCHIVED"
	StatusDeleted  Status = "DELETED"
)

// Valid reports whether s is one of the settable statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusPaused, StatusArchived, StatusDeleted:
		return true
	}
	return false
}

// EffectiveStatus is the delivery status Meta computes from an object's own
// status and its parents' (for example CAMPAIGN_PAUSED).
type EffectiveStatus string

// Effective statuses of campaigns, ad sets and ads.
const (
	EffectiveActive             EffectiveStatus = "ACTIVE"
	EffectivePaused             EffectiveStatus = "PAUSED"
	EffectiveDeleted            EffectiveStatus = "DELETED"
	EffectiveArchived           EffectiveStatus = "ARCHIVED"
	EffectiveInProcess          EffectiveStatus = "IN_PROCESS"
	EffectiveWithIssues         EffectiveStatus = "WITH_ISSUES"
	EffectiveCampaignPaused     EffectiveStatus = "CAMPAIGN_PAUSED"
	EffectiveAdSetPaused        EffectiveStatus = "ADSET_PAUSED"
	EffectivePendingReview      EffectiveStatus = "PENDING_REVIEW"
	EffectiveDisapproved        EffectiveStatus = "DISAPPROVED"
	EffectivePreapproved        EffectiveStatus = "PREAPPROVED"
	EffectivePendingBillingInfo EffectiveStatus = "PENDING_BILLING_INFO"
)

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

// AccountStatus is an ad account's account_status.
type AccountStatus int

// Ad account statuses.
const (
	AccountActive            AccountStatus = 1
	AccountDisabled          AccountStatus = 2
	AccountUnsettled         AccountStatus = 3
	AccountPendingRiskReview AccountStatus = 7
	AccountPendingSettlement AccountStatus = 8
	AccountInGracePeriod     AccountStatus = 9
	AccountPendingClosure    AccountStatus = 100
	AccountClosed            AccountStatus = 101
)

// String returns the status name, or "AccountStatus(n)" when unknown.
func (s AccountStatus) String() string {
	switch s {
	case AccountActive:
		return "ACTIVE"
	case AccountDisabled:
		return "DISABLED"
	case AccountUnsettled:
		return "UNSETTLED"
	case AccountPendingRiskReview:
		return "PENDING_RISK_REVIEW"
	case AccountPendingSettlement:
		return "PENDING_SETTLEMENT"
	case AccountInGracePeriod:
		return "IN_GRACE_PERIOD"
	case AccountPendingClosure:
		return "PENDING_CLOSURE"
	case AccountClosed:
		return "CLOSED"
	}
	return fmt.Sprintf("AccountStatus(%d)", int(s))
}

// IDName is a reference with an id and an optional name (interests,
// audiences, businesses).
type IDName struct {
	ID   string `json:"id"`             // the object id
	Name string `json:"name,omitempty"` // its name, when Meta sends one
}

// AdAccount is an ad account. Money is in minor units of Currency.
type AdAccount struct {
	ID            AccountID     `json:"id"`                       // "act_<number>"
	AccountID     string        `json:"account_id,omitempty"`     // the number without "act_"
	Name          string        `json:"name,omitempty"`           // display name
	AccountStatus AccountStatus `json:"account_status,omitempty"` // 1 active, 2 disabled, 3 unsettled, ... (see AccountStatus)
	Currency      string        `json:"currency,omitempty"`       // ISO 4217 code of every money field
	TimezoneName  string        `json:"timezone_name,omitempty"`  // IANA zone of the account: insights days are in it
	AmountSpent   int64         `json:"amount_spent,omitempty"`   // lifetime spend, minor units
	SpendCap      int64         `json:"spend_cap,omitempty"`      // account spending limit, minor units; 0 when none
	Balance       int64         `json:"balance,omitempty"`        // amount owed, minor units
	Business      *IDName       `json:"business,omitempty"`       // the owning Business Manager, if any
	CreatedTime   Time          `json:"created_time,omitzero"`    // when the account was created
	// Raw is the object as Meta sent it, with fields this type does not model.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes Meta's numeric strings and keeps the raw object.
func (a *AdAccount) UnmarshalJSON(b []byte) error {
	type plain AdAccount
	w := struct {
		*plain
		AccountStatus wire.Int64 `json:"account_status"`
		AmountSpent   wire.Int64 `json:"amount_spent"`
		SpendCap      wire.Int64 `json:"spend_cap"`
		Balance       wire.Int64 `json:"balance"`
	}{plain: (*plain)(a)}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("metaads: decoding ad account: %w", err)
	}
	a.AccountStatus, a.AmountSpent, a.SpendCap, a.Balance = AccountStatus(w.AccountStatus), int64(w.AmountSpent), int64(w.SpendCap), int64(w.Balance)
	a.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// Campaign is a campaign. Budgets are in minor units of the account currency.
type Campaign struct {
	ID                  string          `json:"id"`                              // campaign id
	AccountID           string          `json:"account_id,omitempty"`            // ad account number, without "act_"
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

// AdSet is an ad set. Budgets and bid amounts are in minor units.
type AdSet struct {
	ID               string          `json:"id"`                          // ad set id
	AccountID        string          `json:"account_id,omitempty"`        // ad account number, without "act_"
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
	Targeting        *Targeting      `json:"targeting,omitempty"`         // the targeting spec; nil when not requested
	PacingType       []string        `json:"pacing_type,omitempty"`       // "standard" or "no_pacing"
	StartTime        Time            `json:"start_time,omitzero"`         // scheduled start
	EndTime          Time            `json:"end_time,omitzero"`           // scheduled end; zero when open-ended
	CreatedTime      Time            `json:"created_time,omitzero"`       // when created
	UpdatedTime      Time            `json:"updated_time,omitzero"`       // when last changed
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

// Ad is an ad.
type Ad struct {
	ID               string          `json:"id"`                          // ad id
	AccountID        string          `json:"account_id,omitempty"`        // ad account number, without "act_"
	CampaignID       string          `json:"campaign_id,omitempty"`       // campaign id
	AdSetID          string          `json:"adset_id,omitempty"`          // parent ad set id
	Name             string          `json:"name,omitempty"`              // display name
	Status           Status          `json:"status,omitempty"`            // status set by the advertiser
	ConfiguredStatus Status          `json:"configured_status,omitempty"` // status as configured (legacy alias of Status)
	EffectiveStatus  EffectiveStatus `json:"effective_status,omitempty"`  // delivery status, parents and review included
	Creative         *IDName         `json:"creative,omitempty"`          // the creative the ad shows
	CreatedTime      Time            `json:"created_time,omitzero"`       // when created
	UpdatedTime      Time            `json:"updated_time,omitzero"`       // when last changed
	// Raw is the object as Meta sent it, with fields this type does not model.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the raw object.
func (a *Ad) UnmarshalJSON(b []byte) error {
	type plain Ad
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return fmt.Errorf("metaads: decoding ad: %w", err)
	}
	a.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// Creative is an ad creative.
type Creative struct {
	ID               string          `json:"id"`                            // creative id
	AccountID        string          `json:"account_id,omitempty"`          // ad account number, without "act_"
	Name             string          `json:"name,omitempty"`                // display name
	Status           string          `json:"status,omitempty"`              // ACTIVE, DELETED, ...
	Title            string          `json:"title,omitempty"`               // headline
	Body             string          `json:"body,omitempty"`                // primary text
	ImageHash        string          `json:"image_hash,omitempty"`          // hash of an image in the account library
	ImageURL         string          `json:"image_url,omitempty"`           // URL of the image
	VideoID          string          `json:"video_id,omitempty"`            // id of the video
	ThumbnailURL     string          `json:"thumbnail_url,omitempty"`       // URL of a thumbnail
	LinkURL          string          `json:"link_url,omitempty"`            // destination URL
	CallToActionType string          `json:"call_to_action_type,omitempty"` // LEARN_MORE, SHOP_NOW, ...
	ObjectStoryID    string          `json:"object_story_id,omitempty"`     // the page post the ad uses, "<page>_<post>"
	ObjectType       string          `json:"object_type,omitempty"`         // SHARE, VIDEO, PHOTO, ...
	ObjectStorySpec  json.RawMessage `json:"object_story_spec,omitempty"`   // the spec of the post the creative builds, as sent
	// Raw is the object as Meta sent it, with fields this type does not model.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the raw object.
func (c *Creative) UnmarshalJSON(b []byte) error {
	type plain Creative
	if err := json.Unmarshal(b, (*plain)(c)); err != nil {
		return fmt.Errorf("metaads: decoding creative: %w", err)
	}
	c.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// Time is a Graph timestamp ("2026-01-02T15:04:05-0800"). The zero Time
// means the field was absent.
type Time struct{ time.Time }

var timeLayouts = []string{"2006-01-02T15:04:05-0700", time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02"}

// UnmarshalJSON accepts Graph's timestamp forms, unix seconds, and "" / null / 0.
func (t *Time) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" || s == `""` || s == "0" || s == `"0"` {
		t.Time = time.Time{}
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
		for _, l := range timeLayouts {
			if v, err := time.Parse(l, s); err == nil {
				t.Time = v
				return nil
			}
		}
		return fmt.Errorf("metaads: time %q: want a Graph timestamp like 2026-01-02T15:04:05-0800", s)
	}
	var n wire.Int64
	if err := n.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("metaads: time %s: want a timestamp string or unix seconds", s)
	}
	t.Time = time.Unix(int64(n), 0).UTC()
	return nil
}

// MarshalJSON writes Graph's timestamp form.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return []byte(`"` + t.Format("2006-01-02T15:04:05-0700") + `"`), nil
}
