package metaads

import (
	"errors"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/metrics"
)

func TestInsightsParamsValues(t *testing.T) {
	p := InsightsParams{
		Level:              metrics.LevelAd,
		Fields:             []string{"ad_id", "impressions", "actions", "quality_ranking"},
		TimeRange:          TimeRange{Since: Date{2026, 1, 1}, Until: Date{2026, 1, 31}},
		TimeIncrement:      IncrementDaily,
		Breakdowns:         []Breakdown{BreakdownAge, BreakdownGender},
		ActionBreakdowns:   []ActionBreakdown{ActionBreakdownDevice},
		AttributionWindows: []AttributionWindow{Window7dClick, Window1dView},
		Filtering:          []Filter{{Field: "campaign.id", Operator: OpIn, Value: []string{"1", "2"}}},
		Sort:               "reach_descending",
		Limit:              50,
	}
	v, err := p.Values()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"level":                      "ad",
		"fields":                     "ad_id,impressions,actions,quality_ranking,account_currency",
		"time_range":                 `{"since":"2026-01-01","until":"2026-01-31"}`,
		"time_increment":             "1",
		"breakdowns":                 "age,gender",
		"action_breakdowns":          "action_device",
		"action_attribution_windows": `["7d_click","1d_view"]`,
		"filtering":                  `[{"field":"campaign.id","operator":"IN","value":["1","2"]}]`,
		"sort":                       `["reach_descending"]`,
		"limit":                      "50",
	}
	for k, w := range want {
		if got := v.Get(k); got != w {
			t.Errorf("%s = %q; want %q", k, got, w)
		}
	}
	if len(v) != len(want) {
		t.Errorf("extra params: %v", v)
	}
	if len(p.Fields) != 4 {
		t.Error("Values modified the caller's Fields")
	}
	// Zero params: defaults only, with account_currency.
	v, err = InsightsParams{}.Values()
	if err != nil || !strings.Contains(v.Get("fields"), "account_currency") || !strings.Contains(v.Get("fields"), "impressions") {
		t.Errorf("zero params: %v, %v", v, err)
	}
	// Hourly defaults leave out reach and video fields.
	v, _ = InsightsParams{Breakdowns: []Breakdown{BreakdownHourlyAdvertiserTZ}}.Values()
	if f := v.Get("fields"); strings.Contains(f, "reach") || strings.Contains(f, "video") {
		t.Errorf("hourly default fields = %s", f)
	}
}

func TestInsightsParamsInvalid(t *testing.T) {
	hourly := []Breakdown{BreakdownHourlyAdvertiserTZ}
	cases := []struct {
		name string
		p    InsightsParams
		want string
	}{
		{"reach hourly", InsightsParams{Fields: []string{"reach"}, Breakdowns: hourly}, `"reach" counts unique people`},
		{"frequency hourly", InsightsParams{Fields: []string{"frequency"}, Breakdowns: hourly}, "hourly"},
		{"video hourly", InsightsParams{Fields: []string{"video_p25_watched_actions"}, Breakdowns: hourly}, "video metric"},
		{"ranking below ad", InsightsParams{Level: metrics.LevelAdSet, Fields: []string{"quality_ranking"}}, "ad level only"},
		{"ranking default level", InsightsParams{Fields: []string{"engagement_rate_ranking"}}, "ad level only"},
		{"preset and range", InsightsParams{DatePreset: DatePresetLast7Days, TimeRange: TimeRange{Date{2026, 1, 1}, Date{2026, 1, 2}}}, "both date_preset"},
		{"bad level", InsightsParams{Level: "adgroup"}, `level "adgroup"`},
		{"bad preset", InsightsParams{DatePreset: "lifetime"}, `date_preset "lifetime"`},
		{"range backwards", InsightsParams{TimeRange: TimeRange{Date{2026, 2, 1}, Date{2026, 1, 1}}}, "Until is before Since"},
		{"half range", InsightsParams{TimeRange: TimeRange{Since: Date{2026, 2, 1}}}, "both Since and Until"},
		{"increment", InsightsParams{TimeIncrement: IncrementDays(91)}, "1 to 90"},
		{"bad breakdown", InsightsParams{Breakdowns: []Breakdown{"agee"}}, `breakdown "agee"`},
		{"device alone", InsightsParams{Breakdowns: []Breakdown{BreakdownImpressionDevice}}, "impression_device cannot be used alone"},
		{"two hourly", InsightsParams{Breakdowns: []Breakdown{BreakdownHourlyAdvertiserTZ, BreakdownHourlyAudienceTZ}}, "two hourly"},
		{"action breakdown no actions", InsightsParams{Fields: []string{"impressions"}, ActionBreakdowns: []ActionBreakdown{ActionBreakdownDevice}}, "need an action list"},
		{"window", InsightsParams{AttributionWindows: []AttributionWindow{"2d_click"}}, "action_attribution_window"},
		{"filter op", InsightsParams{Filtering: []Filter{{Field: "ad.impressions", Operator: "BIGGER"}}}, "filter 0"},
		{"filter field", InsightsParams{Filtering: []Filter{{Operator: OpEqual}}}, "no field"},
		{"filter value", InsightsParams{Filtering: []Filter{{Field: "x", Operator: OpEqual, Value: func() {}}}}, "not JSON-encodable"},
		{"limit", InsightsParams{Limit: -1}, "limit -1"},
		{"field list", InsightsParams{Fields: []string{"impressions,spend"}}, "single field name"},
		{"region video", InsightsParams{Fields: []string{"video_p50_watched_actions"}, Breakdowns: []Breakdown{BreakdownRegion}}, "region or dma"},
	}
	for _, c := range cases {
		err := c.p.Validate()
		if err == nil || !errors.Is(err, ErrInvalidParameter) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v; want ErrInvalidParameter mentioning %q", c.name, err, c.want)
		}
		if _, err := c.p.Values(); err == nil {
			t.Errorf("%s: Values accepted invalid params", c.name)
		}
	}
}

func TestDate(t *testing.T) {
	d, err := ParseDate("2024-02-29")
	if err != nil || d.AddDays(1) != (Date{2024, 3, 1}) || d.String() != "2024-02-29" {
		t.Errorf("ParseDate: %v %v", d, err)
	}
	if _, err := ParseDate("2023-02-29"); err == nil {
		t.Error("2023-02-29 accepted")
	}
	tr := TimeRange{Date{2026, 1, 1}, Date{2026, 1, 31}}
	if tr.Days() != 31 {
		t.Errorf("Days = %d", tr.Days())
	}
}
