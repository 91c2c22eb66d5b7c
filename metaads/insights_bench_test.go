package metaads

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// benchPage builds one page of n ad-level insights rows with actions, the
// way Meta sends them (every number a string).
func benchPage(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"data":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"account_id":"1010035716096012","account_currency":"USD","campaign_id":"12020000000000%04d","campaign_name":"Spring sale %d","adset_id":"12021000000000%04d","adset_name":"Lookalike %d","ad_id":"12022000000000%04d","ad_name":"Video ad %d",`, i%40, i%40, i%120, i%120, i, i)
		fmt.Fprintf(&b, `"impressions":"%d","reach":"%d","frequency":"1.565647","clicks":"%d","unique_clicks":"%d","inline_link_clicks":"%d","spend":"%d.%02d","cpc":"0.299636","cpm":"6.552198","cpp":"10.258435","ctr":"2.186721",`, 18841+i, 12034+i, 412+i%50, 400+i%50, 301+i%40, 123+i, i%100)
		fmt.Fprintf(&b, `"actions":[{"action_type":"link_click","value":"%d"},{"action_type":"landing_page_view","value":"250"},{"action_type":"post_engagement","value":"512"},{"action_type":"page_engagement","value":"530"},{"action_type":"video_view","value":"120"},{"action_type":"offsite_conversion.fb_pixel_purchase","value":"7"},{"action_type":"omni_purchase","value":"7"}],`, 301+i%40)
		b.WriteString(`"action_values":[{"action_type":"offsite_conversion.fb_pixel_purchase","value":"845.10"},{"action_type":"omni_purchase","value":"845.10"}],`)
		b.WriteString(`"cost_per_action_type":[{"action_type":"link_click","value":"0.410133"},{"action_type":"omni_purchase","value":"17.635714"}],`)
		b.WriteString(`"purchase_roas":[{"action_type":"omni_purchase","value":"6.845686"}],`)
		b.WriteString(`"video_p25_watched_actions":[{"action_type":"video_view","value":"80"}],"video_thruplay_watched_actions":[{"action_type":"video_view","value":"31"}],`)
		b.WriteString(`"quality_ranking":"AVERAGE","date_start":"2026-11-01","date_stop":"2026-11-01"}`)
	}
	b.WriteString(`],"paging":{"cursors":{"before":"MAZDZD","after":"MjQZD"},"next":"https://graph.facebook.com/v26.0/act_1/insights?after=MjQZD"}}`)
	return []byte(b.String())
}

const benchRows = 500

// BenchmarkDecodeInsightsPage decodes a 500-row ad-level page the way
// Client.Do does ("typed": the hand-tuned decoder reads envelope and rows
// in one pass), against decoding the same page into map[string]any
// ("map"). For reference it also measures the typed decoder behind
// json.Unmarshal's validation pass, and encoding/json driving Insight's
// per-row UnmarshalJSON.
func BenchmarkDecodeInsightsPage(b *testing.B) {
	page := benchPage(benchRows)
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("typed", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		var allocs float64
		for b.Loop() {
			var p insightsPage
			if err := p.decodeBody(page); err != nil || len(p.rows) != benchRows {
				b.Fatal(err)
			}
		}
		allocs = testing.AllocsPerRun(10, func() {
			var p insightsPage
			_ = p.decodeBody(page)
		})
		b.ReportMetric(allocs/benchRows, "allocs/row")
		report(b)
	})
	b.Run("typed_after_json_validation", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var p insightsPage
			if err := json.Unmarshal(page, &p); err != nil || len(p.rows) != benchRows {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("rows_via_encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var p wirePage[Insight]
			if err := json.Unmarshal(page, &p); err != nil || len(p.Data) != benchRows {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("map", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var p map[string]any
			if err := json.Unmarshal(page, &p); err != nil {
				b.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(10, func() {
			var p map[string]any
			_ = json.Unmarshal(page, &p)
		})
		b.ReportMetric(allocs/benchRows, "allocs/row")
		report(b)
	})
}

// TestDecodeFasterThanMap guards the 3x target of the decoder in a cheap,
// timing-free way: it compares allocations, which track decode cost.
func TestDecodePageAllocs(t *testing.T) {
	page := benchPage(50)
	typed := testing.AllocsPerRun(5, func() {
		var p insightsPage
		_ = json.Unmarshal(page, &p)
	})
	untyped := testing.AllocsPerRun(5, func() {
		var p map[string]any
		_ = json.Unmarshal(page, &p)
	})
	if typed*3 > untyped {
		t.Errorf("typed decode allocates %.0f per page, map decode %.0f: want at most a third", typed, untyped)
	}
	var p insightsPage
	if err := json.Unmarshal(page, &p); err != nil || len(p.rows) != 50 || p.rows[49].AdName != "Video ad 49" || p.rows[3].Spend != 12603 {
		t.Fatalf("decode: %v, %d rows", err, len(p.rows))
	}
}
