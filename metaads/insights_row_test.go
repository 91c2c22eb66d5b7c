package metaads

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/metrics"
)

const sampleRow = `{
   "account_id": "1", "account_currency": "USD",
   "campaign_id": "120200000000000001", "campaign_name": "Spring \u00e9t\u00e9",
   "adset_id": "2", "ad_id": "3", "ad_name": "A",
   "impressions": "18841", "reach": "12034", "frequency": "1.565647", "clicks": "412",
   "inline_link_clicks": "301", "spend": "123.45", "cpc": "0.299636", "cpm": "6.552198",
   "cpp": "10.258435", "ctr": "2.186721",
   "actions": [{"action_type": "link_click", "value": "301"},
               {"action_type": "landing_page_view", "value": "250"},
               {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "7", "7d_click": "6", "1d_view": "1"},
               {"action_type": "omni_purchase", "value": "7"},
               {"action_type": "lead", "value": "2", "action_device": "iphone"},
               {"action_type": "lead", "value": "3", "action_device": "desktop"},
               {"action_type": "video_view", "value": "40"}],
   "action_values": [{"action_type": "omni_purchase", "value": "845.10"},
                     {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "845.10"}],
   "cost_per_action_type": [{"action_type": "link_click", "value": "0.410133"}],
   "purchase_roas": [{"action_type": "omni_purchase", "value": "6.845686"}],
   "video_play_actions": [{"action_type": "video_view", "value": "50"}],
   "video_p25_watched_actions": [{"action_type": "video_view", "value": "30"}],
   "video_avg_time_watched_actions": [{"action_type": "video_view", "value": "2.5"}],
   "quality_ranking": "ABOVE_AVERAGE", "age": "25-34", "gender": "female",
   "brand_new_field": {"x": [1, 2]},
   "date_start": "2026-11-01", "date_stop": "2026-11-01"}`

func TestInsightDecode(t *testing.T) {
	var r Insight
	if err := json.Unmarshal([]byte(sampleRow), &r); err != nil {
		t.Fatal(err)
	}
	if r.Impressions != 18841 || r.Reach != 12034 || r.Clicks != 412 || r.InlineLinkClicks != 301 {
		t.Errorf("counts: %+v", r)
	}
	if r.Spend != 12345 {
		t.Errorf("Spend = %d; want 12345 cents", r.Spend)
	}
	if r.CTR != 0.02186721 || r.Frequency != 1.565647 {
		t.Errorf("CTR = %v, Frequency = %v", r.CTR, r.Frequency)
	}
	if d := r.CPC - 29.9636; d > 1e-9 || d < -1e-9 {
		t.Errorf("CPC = %v; want 29.9636 cents", r.CPC)
	}
	if r.CampaignName != "Spring été" || r.AccountCurrency != "USD" {
		t.Errorf("names: %q %q", r.CampaignName, r.AccountCurrency)
	}
	if got := r.ActionValues.Value("omni_purchase"); got != 84510 {
		t.Errorf("omni_purchase value = %d; want 84510", got)
	}
	if v, ok := r.Actions.Window("offsite_conversion.fb_pixel_purchase", Window7dClick); !ok || v != 6 {
		t.Errorf("7d_click = %d, %v", v, ok)
	}
	if _, ok := r.Actions.Window("omni_purchase", Window7dClick); ok {
		t.Error("window reported for an element without it")
	}
	if r.Actions.Total("lead") != 5 || r.Actions.Value("lead") != 2 {
		t.Errorf("lead total %d first %d", r.Actions.Total("lead"), r.Actions.Value("lead"))
	}
	if s, _ := r.Actions.Lookup("lead"); len(s.Breakdowns) != 1 || s.Breakdowns[0] != (BreakdownValue{"action_device", "iphone"}) {
		t.Errorf("action breakdowns %+v", s.Breakdowns)
	}
	if r.PurchaseROAS.Value("omni_purchase") != 6.845686 {
		t.Errorf("roas %v", r.PurchaseROAS)
	}
	if r.QualityRanking != metrics.RankingAboveAverage {
		t.Errorf("ranking %v", r.QualityRanking)
	}
	if v, ok := r.Breakdown(BreakdownAge); !ok || v != "25-34" {
		t.Errorf("age = %q", v)
	}
	if string(r.Extra["brand_new_field"]) != `{"x": [1, 2]}` {
		t.Errorf("Extra = %s", r.Extra["brand_new_field"])
	}
	if r.DateStart != (Date{2026, 11, 1}) {
		t.Errorf("DateStart %v", r.DateStart)
	}
	if k := r.Key(); k != "3|2026-11-01|2026-11-01|age=25-34|gender=female" {
		t.Errorf("Key = %q", k)
	}
}

func TestInsightCounts(t *testing.T) {
	var r Insight
	if err := json.Unmarshal([]byte(sampleRow), &r); err != nil {
		t.Fatal(err)
	}
	c := r.Counts(CountsOptions{})
	want := metrics.Counts{Impressions: 18841, Reach: 12034, Clicks: 412, LinkClicks: 301, Spend: 12345,
		VideoPlays: 50, VideoViews3s: 40, VideoP25: 30, VideoWatchTimeMillis: 125000, LandingPageViews: 250,
		Leads: 5, Purchases: 7, PurchaseValue: 84510, Conversions: 7, ConversionValue: 84510}
	if c != want {
		t.Errorf("Counts =\n%+v\nwant\n%+v", c, want)
	}
	// Never a sum of the purchase family, even when two names are present.
	c = r.Counts(CountsOptions{PurchaseActionTypes: []string{"offsite_conversion.fb_pixel_purchase"}, ConversionActionType: "lead"})
	if c.Purchases != 7 || c.PurchaseValue != 84510 || c.Conversions != 5 || c.ConversionValue != 0 {
		t.Errorf("pixel purchases %+v", c)
	}
	a := r.ActionTotals()
	if a.Count("lead") != 5 || a.Value("omni_purchase") != 84510 {
		t.Errorf("ActionTotals lead=%d omni value=%d", a.Count("lead"), a.Value("omni_purchase"))
	}
}

func TestInsightDecodeCurrencies(t *testing.T) {
	var r Insight
	if err := json.Unmarshal([]byte(`{"spend":"1200","account_currency":"JPY","action_values":[{"action_type":"purchase","value":"5339.5"}]}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Spend != 1200 || r.ActionValues.Value("purchase") != 5340 {
		t.Errorf("JPY spend %d value %d", r.Spend, r.ActionValues.Value("purchase"))
	}
	err := json.Unmarshal([]byte(`{"spend":"12.00"}`), &r)
	if err == nil || !strings.Contains(err.Error(), "account_currency") {
		t.Errorf("missing currency: err = %v", err)
	}
	err = json.Unmarshal([]byte(`{"spend":"12.00","account_currency":"XXX"}`), &r)
	if !errors.Is(err, metrics.ErrUnknownCurrency) {
		t.Errorf("unknown currency: err = %v", err)
	}
	for _, bad := range []string{`{"impressions":"12a"}`, `{"date_start":"2026-02-30"}`, `{"actions":{}}`, `[]`, `{"impressions":"1"`} {
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func FuzzInsightDecode(f *testing.F) {
	f.Add([]byte(sampleRow))
	f.Add([]byte(`{"spend":"1","account_currency":"USD","actions":[{"action_type":"x","value":"1","1d_view":"2"}]}`))
	f.Add([]byte(`{"account_currency":"EUR","account_currency":"USD","spend":"1"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Insight
		if err := r.UnmarshalJSON(b); err != nil {
			return
		}
		_ = r.Counts(CountsOptions{})
		_ = r.Key()
		if r.Spend != 0 && r.AccountCurrency == "" {
			t.Fatalf("money decoded without a currency: %q", b)
		}
		// The one-pass page decoder agrees with the row decoder.
		var p insightsPage
		page := append(append([]byte(`{"data":[`), b...), `],"paging":{"cursors":{"after":"x"}}}`...)
		if err := p.decodeBody(page); err != nil {
			t.Fatalf("page decode failed on a row the row decoder accepts: %v\n%q", err, b)
		}
		if len(p.rows) != 1 || p.rows[0].Key() != r.Key() || p.rows[0].Spend != r.Spend || p.after != "x" {
			t.Fatalf("page decode differs: %+v vs %+v", p.rows, r)
		}
	})
}
