package analysis

import (
	"fmt"
	"slices"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// The conversion families: Meta reports the same purchases (and leads)
// under several action type names, so these two names stand for the
// family and count one name per row, never a sum (see
// metaads.CountsOptions).
const (
	// EventPurchase counts the purchase family (omni_purchase, purchase,
	// offsite_conversion.fb_pixel_purchase, ...).
	EventPurchase = "purchase"
	// EventLead counts the lead family (lead, onsite_conversion.lead_grouped,
	// offsite_conversion.fb_pixel_lead).
	EventLead = "lead"
)

// standardEvents maps promoted_object.custom_event_type to the action
// type that counts it in insights.
var standardEvents = map[string]string{
	"PURCHASE":              EventPurchase,
	"LEAD":                  EventLead,
	"COMPLETE_REGISTRATION": "complete_registration",
	"ADD_TO_CART":           "add_to_cart",
	"INITIATE_CHECKOUT":     "initiate_checkout",
	"ADD_PAYMENT_INFO":      "add_payment_info",
	"CONTENT_VIEW":          "view_content",
	"SEARCH":                "search",
	"SUBSCRIBE":             "subscribe",
	"START_TRIAL":           "start_trial",
	"CONTACT":               "contact",
	"SCHEDULE":              "schedule",
	"SUBMIT_APPLICATION":    "submit_application",
	"APP_INSTALL":           "mobile_app_install",
}

// goalEvents maps optimisation goals that name their event by themselves.
var goalEvents = map[string]string{
	"LEAD_GENERATION": EventLead,
	"QUALITY_LEAD":    EventLead,
	"APP_INSTALLS":    "mobile_app_install",
	"CONVERSATIONS":   "onsite_conversion.messaging_conversation_started_7d",
}

// noConversionGoals optimise for something that is not a conversion.
var noConversionGoals = []string{"REACH", "IMPRESSIONS", "LINK_CLICKS", "LANDING_PAGE_VIEWS", "THRUPLAY",
	"POST_ENGAGEMENT", "PAGE_LIKES", "AD_RECALL_LIFT", "PROFILE_VISIT", "ENGAGED_USERS", "TWO_SECOND_CONTINUOUS_VIDEO_VIEWS"}

// objectiveEvents maps objectives to the event their results count.
var objectiveEvents = map[metaads.Objective]string{
	metaads.ObjectiveSales:        EventPurchase,
	metaads.ObjectiveConversions:  EventPurchase,
	metaads.ObjectiveLeads:        EventLead,
	metaads.ObjectiveAppPromotion: "mobile_app_install",
}

// chooseEvent picks a campaign's conversion event: the override, then its
// ad sets' promoted object, then their optimisation goal, then the
// objective. Ad sets are taken in id order; the first that names an
// event decides, and a disagreement is said in Reason.
func chooseEvent(c *metaads.Campaign, sets []*metaads.AdSet, override string) ConversionEvent {
	ev := ConversionEvent{CampaignID: c.ID}
	if override != "" {
		ev.ActionType, ev.Source, ev.Reason = override, SourceOverride, "chosen by the caller"
		return ev
	}
	var found []string
	pick := func(t string, src ConversionSource, reason string) {
		if ev.Source == "" {
			ev.ActionType, ev.Source, ev.Reason = t, src, reason
		}
		if !slices.Contains(found, t) {
			found = append(found, t)
		}
	}
	for _, s := range sets {
		if po := s.PromotedObject; po != nil && po.CustomEventType != "" {
			if t, ok := standardEvents[po.CustomEventType]; ok {
				pick(t, SourcePromotedObject, fmt.Sprintf("ad set %s optimises for the pixel event %s", s.ID, po.CustomEventType))
				continue
			}
		}
		if t, ok := goalEvents[s.OptimizationGoal]; ok {
			pick(t, SourceOptimizationGoal, fmt.Sprintf("ad set %s has the optimisation goal %s", s.ID, s.OptimizationGoal))
		}
	}
	if len(found) > 1 {
		ev.Reason += fmt.Sprintf("; the campaign's ad sets optimise for %d different events (%v), so its conversions count only %s", len(found), found, ev.ActionType)
	}
	if ev.Source != "" {
		return ev
	}
	if t, ok := objectiveEvents[c.Objective]; ok {
		ev.ActionType, ev.Source, ev.Reason = t, SourceObjective, fmt.Sprintf("objective %s", c.Objective)
		return ev
	}
	goal := ""
	for _, s := range sets {
		if slices.Contains(noConversionGoals, s.OptimizationGoal) {
			goal = s.OptimizationGoal
			break
		}
	}
	ev.Source = SourceNone
	switch {
	case goal != "":
		ev.Reason = fmt.Sprintf("objective %s, optimisation goal %s: no conversion event", c.Objective, goal)
	case c.Objective != "":
		ev.Reason = fmt.Sprintf("objective %s: no conversion event", c.Objective)
	default:
		ev.Reason = "no objective, optimisation goal or promoted object names a conversion event"
	}
	return ev
}

// countsOf converts an insights row to counts whose Conversions and
// ConversionValue count event (zero when event is empty).
func countsOf(r *metaads.Insight, event string) metrics.Counts {
	switch event {
	case EventPurchase, "":
		c := r.Counts(metaads.CountsOptions{})
		if event == "" {
			c.Conversions, c.ConversionValue = 0, 0
		}
		return c
	case EventLead:
		c := r.Counts(metaads.CountsOptions{})
		c.Conversions, c.ConversionValue = c.Leads, 0
		return c
	}
	return r.Counts(metaads.CountsOptions{ConversionActionType: event})
}
