package pass

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// Body is what the CRM stores for one pass (store.Report.Body, JSON).
type Body struct {
	// Report is the pass's report.
	Report *analysis.Report `json:"report"`
	// Trend is the account's daily spend and conversions, oldest first.
	Trend Trend `json:"trend"`
	// Goals are the goals the pass was given (the account's, as saved:
	// Report.Goals are the ones it judged against, with the defaults
	// filled in).
	Goals analysis.Goals `json:"goals"`
	// Events maps each campaign id to the action type its conversions
	// count ("" for a campaign that counts none: traffic, awareness).
	Events map[string]string `json:"events,omitempty"`
}

// EventsOf maps the Dataset's campaigns to their conversion events.
func EventsOf(ds *analysis.Dataset) map[string]string {
	if ds == nil {
		return nil
	}
	out := make(map[string]string, len(ds.ConversionEvents))
	for _, ce := range ds.ConversionEvents {
		out[ce.CampaignID] = ce.ActionType
	}
	return out
}

// Trend is the daily series the dashboard draws.
type Trend struct {
	// Days are the account's days with their totals over all campaigns.
	Days []TrendDay `json:"days"`
	// Event is the conversion event every campaign counts; empty when the
	// campaigns count different events (then CPA is not drawn: adding
	// purchases to leads means nothing) or none.
	Event string `json:"event,omitempty"`
	// MixedEvents says the campaigns count different events.
	MixedEvents bool `json:"mixed_events,omitempty"`
}

// TrendDay is one day of the trend.
type TrendDay struct {
	Date        metaads.Date `json:"date"`
	Spend       int64        `json:"spend"`       // minor units
	Conversions int64        `json:"conversions"` // of Trend.Event
	// CPA is spend per conversion in minor units; HasCPA is false on days
	// without conversions or when the events are mixed.
	CPA    float64 `json:"cpa,omitempty"`
	HasCPA bool    `json:"has_cpa,omitempty"`
}

// TrendOf sums the Dataset's campaign-level daily rows per complete day of
// its range (days without delivery are zero). The last day of the range is
// today, still running (and its conversions arrive late): it is left out.
func TrendOf(ds *analysis.Dataset) Trend {
	var t Trend
	if ds == nil {
		return t
	}
	events := map[string]bool{}
	for _, ce := range ds.ConversionEvents {
		if ce.ActionType != "" {
			events[ce.ActionType] = true
		}
	}
	switch len(events) {
	case 1:
		for e := range events {
			t.Event = e
		}
	case 0:
	default:
		t.MixedEvents = true
	}
	if ds.Range.Since.IsZero() || ds.Range.Until.IsZero() {
		return t
	}
	last := ds.Range.Until.AddDays(-1)
	byDay := map[metaads.Date]*TrendDay{}
	for d := ds.Range.Since; !last.Before(d); d = d.AddDays(1) {
		byDay[d] = &TrendDay{Date: d}
	}
	for _, row := range ds.Daily {
		if row.Level != metrics.LevelCampaign || byDay[row.Date] == nil {
			continue
		}
		td := byDay[row.Date]
		td.Spend += row.Counts.Spend
		td.Conversions += row.Counts.Conversions
	}
	for _, td := range byDay {
		if t.Event != "" {
			if cpa, ok := metrics.CPA(td.Spend, td.Conversions); ok {
				td.CPA, td.HasCPA = cpa, true
			}
		} else {
			td.Conversions = 0
		}
		t.Days = append(t.Days, *td)
	}
	slices.SortFunc(t.Days, func(a, b TrendDay) int {
		switch {
		case a.Date.Before(b.Date):
			return -1
		case b.Date.Before(a.Date):
			return 1
		}
		return 0
	})
	return t
}

// Decode reads a stored body.
func Decode(body string) (*Body, error) {
	var b Body
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return nil, fmt.Errorf("pass: stored report does not decode: %w", err)
	}
	if b.Report == nil {
		return nil, fmt.Errorf("pass: stored report has no report")
	}
	return &b, nil
}
