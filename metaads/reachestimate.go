package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/adpilot/adpilot/internal/wire"
)

// DeliveryEstimateParams asks how many people a targeting spec can reach
// (GET act_{id}/delivery_estimate).
type DeliveryEstimateParams struct {
	// Targeting is the spec to estimate; it needs a location
	// (GeoLocations with at least one place), as Meta refuses specs
	// without one.
	Targeting Targeting
	// OptimizationGoal is the ad set goal the estimate is for; default
	// REACH.
	OptimizationGoal string
	// PromotedObject is the promoted object, for goals that need one
	// (OFFSITE_CONVERSIONS with a pixel event); nil when none.
	PromotedObject *PromotedObject
}

// DeliveryEstimate is Meta's estimate of a targeting spec's audience.
// Estimates are ranges and rounded: use them as sizes of audiences, never
// as counts of people reached.
type DeliveryEstimate struct {
	// MonthlyLower and MonthlyUpper are estimate_mau_lower_bound and
	// estimate_mau_upper_bound: the range of monthly active people the spec
	// matches.
	MonthlyLower int64
	MonthlyUpper int64
	// DailyActive is estimate_dau; 0 when Meta leaves it out.
	DailyActive int64
	// Ready is estimate_ready: false while Meta is still computing (ask again).
	Ready bool
	// Raw is the estimate object as Meta sent it (daily_outcomes_curve and
	// the fields not modelled here).
	Raw json.RawMessage
}

// Midpoint returns the middle of the monthly range.
func (e *DeliveryEstimate) Midpoint() int64 {
	return e.MonthlyLower + (e.MonthlyUpper-e.MonthlyLower)/2
}

// DeliveryEstimate asks Meta for the audience size of a targeting spec in
// the ad account (GET act_{id}/delivery_estimate with targeting_spec as
// JSON). Audience overlap has no public API; the intersection of two ad
// sets' audiences can be estimated by asking for a spec that requires
// both (see analysis/signals.OverlapQueries). A spec without a location
// is refused before anything is sent, with an error matching
// ErrInvalidParameter.
func (s *AccountsService) DeliveryEstimate(ctx context.Context, acct AccountID, p DeliveryEstimateParams) (*DeliveryEstimate, error) {
	if err := requireAccount("estimating delivery", acct); err != nil {
		return nil, err
	}
	g := p.Targeting.GeoLocations
	if g == nil || len(g.Countries)+len(g.Regions)+len(g.Cities)+len(g.Zips)+len(g.CustomLocations) == 0 && len(g.Raw) == 0 {
		return nil, fmt.Errorf("metaads: estimating delivery: %w: the targeting spec has no geo_locations; Meta needs at least one country, region, city, zip or custom location", ErrInvalidParameter)
	}
	spec, err := json.Marshal(p.Targeting)
	if err != nil {
		return nil, fmt.Errorf("metaads: estimating delivery: encoding the targeting spec: %w", err)
	}
	goal := p.OptimizationGoal
	if goal == "" {
		goal = "REACH"
	}
	q := url.Values{"targeting_spec": {string(spec)}, "optimization_goal": {goal}}
	if p.PromotedObject != nil {
		po, err := json.Marshal(p.PromotedObject)
		if err != nil {
			return nil, fmt.Errorf("metaads: estimating delivery: encoding the promoted object: %w", err)
		}
		q.Set("promoted_object", string(po))
	}
	var body struct {
		Data []json.RawMessage `json:"data"`
	}
	if _, err := s.c.Do(ctx, &Request{Path: acct.String() + "/delivery_estimate", Account: acct, Query: q}, &body); err != nil {
		return nil, err
	}
	if len(body.Data) == 0 {
		return nil, fmt.Errorf("metaads: estimating delivery: the answer holds no estimate")
	}
	var w struct {
		DAU   wire.Int64 `json:"estimate_dau"`
		Lower wire.Int64 `json:"estimate_mau_lower_bound"`
		Upper wire.Int64 `json:"estimate_mau_upper_bound"`
		Ready bool       `json:"estimate_ready"`
	}
	if err := json.Unmarshal(body.Data[0], &w); err != nil {
		return nil, fmt.Errorf("metaads: estimating delivery: decoding the estimate: %w", err)
	}
	e := &DeliveryEstimate{MonthlyLower: int64(w.Lower), MonthlyUpper: int64(w.Upper), DailyActive: int64(w.DAU), Ready: w.Ready, Raw: body.Data[0]}
	if e.MonthlyUpper < e.MonthlyLower {
		e.MonthlyLower, e.MonthlyUpper = e.MonthlyUpper, e.MonthlyLower
	}
	return e, nil
}
