package metaads

import (
	"math"

	"github.com/adpilot/adpilot/metrics"
)

// CountsOptions chooses how an insights row's action lists map onto the
// fixed fields of [metrics.Counts]. The zero CountsOptions is valid.
type CountsOptions struct {
	// ConversionActionType is the action type counted as Conversions and
	// ConversionValue (for example "offsite_conversion.fb_pixel_lead" or
	// "onsite_conversion.messaging_conversation_started_7d"). Empty counts
	// the purchase chosen below.
	ConversionActionType string

	// PurchaseActionTypes lists purchase-family names in order of
	// preference. Meta reports the same purchases under several names
	// (omni_purchase, purchase, offsite_conversion.fb_pixel_purchase, ...),
	// so the first name the row reports is used and the others are ignored:
	// they are never summed. Nil uses [DefaultPurchaseActionTypes]. To keep
	// rows comparable, list a single name.
	PurchaseActionTypes []string

	// LeadActionTypes is the same rule for leads. Nil uses
	// [DefaultLeadActionTypes].
	LeadActionTypes []string
}

// DefaultPurchaseActionTypes returns the default preference order of the
// purchase family: the cross-channel omni_purchase first, then the
// aggregate purchase, then the pixel, on-site and app names.
func DefaultPurchaseActionTypes() []string {
	return []string{"omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase",
		"onsite_web_purchase", "onsite_web_app_purchase", "web_in_store_purchase",
		"app_custom_event.fb_mobile_purchase"}
}

// DefaultLeadActionTypes returns the default preference order of the lead
// family.
func DefaultLeadActionTypes() []string {
	return []string{"lead", "onsite_conversion.lead_grouped", "offsite_conversion.fb_pixel_lead"}
}

// defaultPurchase and defaultLead back the defaults without allocating.
var (
	defaultPurchase = [...]string{"omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase",
		"onsite_web_purchase", "onsite_web_app_purchase", "web_in_store_purchase",
		"app_custom_event.fb_mobile_purchase"}
	defaultLead = [...]string{"lead", "onsite_conversion.lead_grouped", "offsite_conversion.fb_pixel_lead"}
)

// pick returns the first name in prefs that l reports, or "".
func pick(l ActionList[int64], prefs []string) string {
	for _, p := range prefs {
		if l.Has(p) {
			return p
		}
	}
	return ""
}

// sum adds the values of every element of a count list.
func sum(l ActionList[int64]) int64 {
	var s int64
	for _, e := range l {
		s += e.Value
	}
	return s
}

// Counts converts the row to the additive raw counts of the metrics
// package. Money fields stay in minor units of AccountCurrency. The
// purchase and lead families follow o's one-name rule; VideoWatchTimeMillis
// is derived as the average watch time times the number of plays.
func (r *Insight) Counts(o CountsOptions) metrics.Counts {
	purchases := o.PurchaseActionTypes
	if purchases == nil {
		purchases = defaultPurchase[:]
	}
	leads := o.LeadActionTypes
	if leads == nil {
		leads = defaultLead[:]
	}
	c := metrics.Counts{
		Impressions:      r.Impressions,
		Reach:            r.Reach,
		Clicks:           r.Clicks,
		LinkClicks:       r.InlineLinkClicks,
		UniqueClicks:     r.UniqueClicks,
		Spend:            r.Spend,
		PostEngagements:  r.Actions.Total("post_engagement"),
		PageEngagements:  r.Actions.Total("page_engagement"),
		VideoPlays:       sum(r.VideoPlays),
		VideoViews3s:     r.Actions.Total("video_view"),
		VideoP25:         sum(r.VideoP25),
		VideoP50:         sum(r.VideoP50),
		VideoP75:         sum(r.VideoP75),
		VideoP95:         sum(r.VideoP95),
		VideoP100:        sum(r.VideoP100),
		ThruPlays:        sum(r.VideoThruPlays),
		LandingPageViews: r.Actions.Total("landing_page_view"),
	}
	if c.LinkClicks == 0 {
		c.LinkClicks = r.Actions.Total("link_click")
	}
	if len(r.VideoAvgTimeWatched) > 0 && c.VideoPlays > 0 {
		var avg float64
		for _, e := range r.VideoAvgTimeWatched {
			avg += e.Value
		}
		if ms := math.Round(avg * 1000 * float64(c.VideoPlays)); ms > 0 && ms < math.MaxInt64 {
			c.VideoWatchTimeMillis = int64(ms)
		}
	}
	if name := pick(r.Actions, leads); name != "" {
		c.Leads = r.Actions.Total(name)
	}
	if name := pick(r.Actions, purchases); name != "" {
		c.Purchases = r.Actions.Total(name)
		c.PurchaseValue = r.ActionValues.Total(name)
	}
	if o.ConversionActionType == "" {
		c.Conversions, c.ConversionValue = c.Purchases, c.PurchaseValue
	} else {
		c.Conversions = r.Actions.Total(o.ConversionActionType)
		c.ConversionValue = r.ActionValues.Total(o.ConversionActionType)
	}
	return c
}

// ActionTotals returns every action type of the row with its count (from
// Actions) and value (from ActionValues, minor units), for the action
// types that do not fit the fixed fields of [metrics.Counts]. Elements
// split by action breakdowns are added up per action type.
func (r *Insight) ActionTotals() metrics.Actions {
	var a metrics.Actions
	for _, e := range r.Actions {
		a.Add(e.ActionType, e.Value, 0)
	}
	for _, e := range r.ActionValues {
		a.Add(e.ActionType, 0, e.Value)
	}
	return a
}
