package metaadstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type insightRow map[string]any

func (r insightRow) num(t *testing.T, k string) float64 {
	t.Helper()
	s, ok := r[k].(string)
	if !ok {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, k)
	return f
}

func (r insightRow) action(t *testing.T, field, typ string) float64 {
	l, _ := r[field].([]any)
	for _, x := range l {
		m := x.(map[string]any)
		if m["action_type"] == typ {
			f, err := strconv.ParseFloat(m["value"].(string), 64)
			require.NoError(t, err)
			return f
		}
	}
	return 0
}

// insights fetches every page of an insights query.
func insights(t *testing.T, srv *Server, tok, object string, q url.Values) []insightRow {
	t.Helper()
	if q.Get("limit") == "" {
		q.Set("limit", "500")
	}
	u := srv.URL + "/v26.0/" + object + "/insights?" + q.Encode()
	var rows []insightRow
	for u != "" {
		r := do(t, http.MethodGet, u, tok, nil)
		require.Equal(t, 200, r.Status, r.Raw)
		var body struct {
			Data   []insightRow `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.Raw), &body))
		rows = append(rows, body.Data...)
		u = body.Paging.Next
	}
	return rows
}

func sum(t *testing.T, rows []insightRow, k string) float64 {
	var s float64
	for _, r := range rows {
		s += r.num(t, k)
	}
	return s
}

func TestInsightsDeterministic(t *testing.T) {
	q := url.Values{"fields": {"spend,impressions,clicks,reach,actions"}, "level": {"ad"}, "time_increment": {"1"}, "date_preset": {"last_14d"}}
	srvA, _, tokA := newDemo(t)
	srvB, _, tokB := newDemo(t)
	a := insights(t, srvA, tokA, "act_"+DemoAccountShop, q)
	b := insights(t, srvB, tokB, "act_"+DemoAccountShop, q)
	require.NotEmpty(t, a)
	assert.Equal(t, a, b, "same seed, same rows")

	srvC, _, tokC := newDemo(t, WithSeed(2))
	c := insights(t, srvC, tokC, "act_"+DemoAccountShop, q)
	assert.NotEqual(t, a, c, "another seed, other rows")
}

func TestInsightsConsistency(t *testing.T) {
	srv, _, tok := newDemo(t)
	act := "act_" + DemoAccountShop
	day := url.Values{"fields": {"spend,impressions,clicks,inline_link_clicks,actions"}, "date_preset": {"yesterday"}}
	total := insights(t, srv, tok, act, day)
	require.Len(t, total, 1)
	want := map[string]float64{}
	for _, k := range []string{"spend", "impressions", "clicks", "inline_link_clicks"} {
		want[k] = total[0].num(t, k)
	}
	wantPurch := total[0].action(t, "actions", "purchase")
	require.Positive(t, want["impressions"])

	require.Positive(t, wantPurch)
	check := func(name string, rows []insightRow) {
		t.Helper()
		for k, w := range want {
			assert.InDelta(t, w, sum(t, rows, k), 0.0001, "%s %s", name, k)
		}
		var p float64
		for _, r := range rows {
			p += r.action(t, "actions", "purchase")
		}
		if strings.HasPrefix(name, "breakdown hourly_") {
			// Off-Meta (pixel) conversions are not returned with hourly
			// breakdowns (reference §4.3).
			assert.Zero(t, p, name+" purchases")
			return
		}
		assert.Equal(t, wantPurch, p, name+" purchases")
	}
	for _, level := range []string{"campaign", "adset", "ad"} {
		q := cloneValues(day)
		q.Set("level", level)
		check("level "+level, insights(t, srv, tok, act, q))
	}
	for _, b := range []string{"age", "gender", "age,gender", "publisher_platform", "device_platform", "country",
		"publisher_platform,device_platform", hourlyAdvertiser, hourlyAudience} {
		q := cloneValues(day)
		q.Set("breakdowns", b)
		q.Set("level", "ad")
		rows := insights(t, srv, tok, act, q)
		check("breakdown "+b, rows)
		for _, r := range rows {
			assert.NotEmpty(t, r[splitFirst(b)], b)
		}
	}
	// A week's daily rows sum to the week; the week's reach is
	// de-duplicated (below the sum of daily reach).
	week := url.Values{"fields": {"spend,impressions,reach"}, "date_preset": {"last_7d"}}
	wk := insights(t, srv, tok, act, week)
	week.Set("time_increment", "1")
	days := insights(t, srv, tok, act, week)
	require.Len(t, days, 7)
	assert.InDelta(t, wk[0].num(t, "spend"), sum(t, days, "spend"), 0.0001)
	assert.Equal(t, wk[0].num(t, "impressions"), sum(t, days, "impressions"))
	assert.Less(t, wk[0].num(t, "reach"), sum(t, days, "reach"))
	assert.Equal(t, "2026-11-13", days[0]["date_start"])
	assert.Equal(t, "2026-11-19", days[6]["date_stop"])
}

func splitFirst(b string) string {
	for i := range b {
		if b[i] == ',' {
			return b[:i]
		}
	}
	return b
}

func TestInsightsHourlyRestrictions(t *testing.T) {
	srv, _, tok := newDemo(t)
	q := url.Values{"fields": {"impressions,reach,frequency,unique_clicks,actions"}, "date_preset": {"yesterday"}, "breakdowns": {hourlyAdvertiser}}
	rows := insights(t, srv, tok, "act_"+DemoAccountShop, q)
	require.Len(t, rows, 24)
	for _, r := range rows {
		assert.Equal(t, "0", r["reach"])
		assert.Equal(t, "0", r["frequency"])
		assert.Zero(t, r.action(t, "actions", "offsite_conversion.fb_pixel_purchase"))
	}
	assert.Equal(t, "00:00:00 - 00:59:59", rows[0][hourlyAdvertiser])

	// Off-Meta (pixel) conversions, their values and ROAS are left out of
	// every hourly row; on-Meta actions stay. The same day without the
	// breakdown has them all.
	pixel := []string{"purchase", "omni_purchase", "offsite_conversion.fb_pixel_purchase", "add_to_cart",
		"offsite_conversion.fb_pixel_add_to_cart", "initiate_checkout", "offsite_conversion.fb_pixel_initiate_checkout"}
	lists := []string{"actions", "action_values", "cost_per_action_type", "purchase_roas", "website_purchase_roas"}
	conv := url.Values{"fields": {"impressions," + strings.Join(lists, ",")}, "date_preset": {"yesterday"}}
	daily := insights(t, srv, tok, "act_"+DemoAccountShop, conv)
	require.Len(t, daily, 1)
	for _, typ := range pixel {
		assert.Positive(t, daily[0].action(t, "actions", typ), "daily %s", typ)
	}
	assert.Positive(t, daily[0].action(t, "purchase_roas", "omni_purchase"))
	for _, b := range []string{hourlyAdvertiser, hourlyAudience} {
		conv.Set("breakdowns", b)
		var links float64
		for _, r := range insights(t, srv, tok, "act_"+DemoAccountShop, conv) {
			for _, l := range lists {
				for _, typ := range pixel {
					assert.Zero(t, r.action(t, l, typ), "%s %s %s", b, l, typ)
				}
			}
			assert.NotContains(t, r, "purchase_roas", b)
			assert.NotContains(t, r, "website_purchase_roas", b)
			assert.NotContains(t, r, "action_values", b)
			links += r.action(t, "actions", "link_click")
		}
		assert.Equal(t, daily[0].action(t, "actions", "link_click"), links, b+" keeps on-Meta actions")
	}
	q.Set("fields", "impressions,video_play_actions")
	r := get(t, srv, "/act_"+DemoAccountShop+"/insights?"+q.Encode(), tok)
	code, _ := errCode(r)
	assert.Equal(t, 100, code, r.Raw)
}

func TestInsightsParamErrors(t *testing.T) {
	srv, _, tok := newDemo(t)
	for name, q := range map[string]string{
		"field":       "fields=spend,bogus",
		"level":       "level=galaxy",
		"level above": "level=account",
		"preset":      "date_preset=last_9d",
		"range":       `time_range={"since":"2026-11-10","until":"2026-11-01"}`,
		"range json":  "time_range=nope",
		"increment":   "time_increment=91",
		"breakdown":   "breakdowns=age,publisher_platform",
		"unknown bd":  "breakdowns=impression_device",
		"action bd":   "action_breakdowns=action_device",
		"window":      "action_attribution_windows=2d_click",
		"filter":      `filtering=[{"field":"bogus","operator":"EQUAL","value":1}]`,
		"sort":        "sort=spend",
	} {
		r := get(t, srv, "/"+DemoOverpacingSet+"/insights?"+q, tok)
		code, _ := errCode(r)
		assert.Equal(t, 100, code, "%s: %s", name, r.Raw)
	}
	r := get(t, srv, "/act_"+DemoAccountShop+`/insights?time_range={"since":"2020-01-01","until":"2020-01-31"}`, tok)
	code, _ := errCode(r)
	assert.Equal(t, 3018, code, r.Raw)
}

func TestInsightsFieldsAndFilters(t *testing.T) {
	srv, _, tok := newDemo(t)
	q := url.Values{"level": {"ad"}, "date_preset": {"last_7d"}, "fields": {"ad_id,ad_name,adset_id,campaign_id,account_id,spend,cpc,ctr,cpm,purchase_roas,action_values,cost_per_action_type,quality_ranking,engagement_rate_ranking,conversion_rate_ranking,video_p25_watched_actions,video_thruplay_watched_actions"},
		"action_attribution_windows": {`["7d_click","1d_view"]`}, "filtering": {`[{"field":"campaign.name","operator":"CONTAIN","value":"Interests"}]`},
		"sort": {`["spend_descending"]`}}
	rows := insights(t, srv, tok, "act_"+DemoAccountShop, q)
	require.Len(t, rows, 4)
	for i, r := range rows {
		assert.NotEmpty(t, r["ad_id"])
		assert.Contains(t, []any{"ABOVE_AVERAGE", "AVERAGE", "BELOW_AVERAGE_35", "BELOW_AVERAGE_20", "BELOW_AVERAGE_10", "UNKNOWN"}, r["quality_ranking"])
		assert.Positive(t, r.action(t, "purchase_roas", "omni_purchase"))
		if i > 0 {
			assert.GreaterOrEqual(t, rows[i-1].num(t, "spend"), r.num(t, "spend"))
		}
		av := r["action_values"].([]any)[0].(map[string]any)
		assert.Contains(t, av, "7d_click")
	}
	assert.Positive(t, rows[0].action(t, "video_p25_watched_actions", "video_view")+rows[1].action(t, "video_p25_watched_actions", "video_view"))

	// Rankings only at ad level; deduping_ratio on overlapping ad sets.
	q = url.Values{"level": {"adset"}, "date_preset": {"last_7d"}, "fields": {"adset_id,quality_ranking,deduping_ratio"}}
	for _, r := range insights(t, srv, tok, "act_"+DemoAccountShop, q) {
		assert.NotContains(t, r, "quality_ranking")
		if r["adset_id"] == DemoOverlapSetA || r["adset_id"] == DemoOverlapSetB {
			assert.Equal(t, "0.3", r["deduping_ratio"])
		} else {
			assert.Equal(t, "0", r["deduping_ratio"])
		}
	}

	// Metric filter and summary.
	q = url.Values{"level": {"ad"}, "date_preset": {"yesterday"}, "fields": {"spend"}, "filtering": {`[{"field":"spend","operator":"GREATER_THAN","value":40}]`}, "default_summary": {"true"}}
	r := get(t, srv, "/act_"+DemoAccountShop+"/insights?"+q.Encode(), tok)
	require.Equal(t, 200, r.Status, r.Raw)
	var total float64
	for _, x := range r.Body["data"].([]any) {
		f, _ := strconv.ParseFloat(x.(map[string]any)["spend"].(string), 64)
		assert.Greater(t, f, 40.0)
		total += f
	}
	s, _ := strconv.ParseFloat(r.Body["summary"].(map[string]any)["spend"].(string), 64)
	assert.InDelta(t, total, s, 0.001)

	// Zero-decimal currency: spend is whole yen.
	rows = insights(t, srv, tok, "act_"+DemoAccountTokyo, url.Values{"fields": {"spend,account_currency"}, "date_preset": {"yesterday"}})
	assert.Equal(t, "JPY", rows[0]["account_currency"])
	assert.NotContains(t, rows[0]["spend"], ".")
}

func TestInsightsMonthlyAndTimeRanges(t *testing.T) {
	srv, _, tok := newDemo(t)
	q := url.Values{"fields": {"spend"}, "time_range": {`{"since":"2026-09-15","until":"2026-11-19"}`}, "time_increment": {"monthly"}}
	rows := insights(t, srv, tok, "act_"+DemoAccountShop, q)
	require.Len(t, rows, 3)
	assert.Equal(t, "2026-09-15", rows[0]["date_start"])
	assert.Equal(t, "2026-09-30", rows[0]["date_stop"])
	assert.Equal(t, "2026-10-01", rows[1]["date_start"])
	q = url.Values{"fields": {"spend"}, "time_ranges": {`[{"since":"2026-11-01","until":"2026-11-07"},{"since":"2026-11-08","until":"2026-11-14"}]`}}
	rows = insights(t, srv, tok, "act_"+DemoAccountShop, q)
	require.Len(t, rows, 2)
	assert.Equal(t, "2026-11-08", rows[1]["date_start"])
}

func TestInsightsSeeWrites(t *testing.T) {
	srv, clk, tok := newDemo(t)
	today := url.Values{"fields": {"spend"}, "date_preset": {"today"}}
	before := insights(t, srv, tok, DemoOverpacingSet, today)[0].num(t, "spend")
	r := do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverpacingSet, tok, url.Values{"daily_budget": {"40000"}})
	require.Equal(t, 200, r.Status)
	after := insights(t, srv, tok, DemoOverpacingSet, today)[0].num(t, "spend")
	assert.InDelta(t, 4*before, after, before*0.05, "quadrupled budget shows in today's delivery")

	r = do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverpacingSet, tok, url.Values{"status": {"PAUSED"}})
	require.Equal(t, 200, r.Status)
	atPause := insights(t, srv, tok, DemoOverpacingSet, today)[0].num(t, "spend")
	clk.advance(5 * 3600e9)
	assert.Equal(t, atPause, insights(t, srv, tok, DemoOverpacingSet, today)[0].num(t, "spend"), "a paused ad set stops delivering")
	// The next day has no delivery at all.
	clk.advance(24 * 3600e9)
	assert.Empty(t, insights(t, srv, tok, DemoOverpacingSet, today))
}

// TestHourlyPoissonNoise checks that the hours of a day count like
// independent Poisson hours around the planted hour curve: the Pearson
// dispersion of hourly clicks against their expectation (the day's clicks
// spread by impressions times the hour multiplier) is about 1, with and
// without an hour effect, and the day's totals are split exactly.
func TestHourlyPoissonNoise(t *testing.T) {
	for _, a := range []float64{0, 0.5} {
		t.Run(fmt.Sprint(a), func(t *testing.T) {
			srv, tok := seedPatternAccount(t, Account{HourOfDayEffect: a})
			q := url.Values{"fields": {"impressions,clicks"}, "date_preset": {"last_28d"}, "time_increment": {"1"}, "breakdowns": {hourlyAdvertiser}}
			rows := insights(t, srv, tok, "act_1000000000000077", q)
			daily := insights(t, srv, tok, "act_1000000000000077", url.Values{"fields": {"clicks"}, "date_preset": {"last_28d"}, "time_increment": {"1"}})
			type day struct{ impr, clicks [24]float64 }
			days := map[string]*day{}
			for _, r := range rows {
				d := days[r["date_start"].(string)]
				if d == nil {
					d = &day{}
					days[r["date_start"].(string)] = d
				}
				var h int
				_, err := fmt.Sscanf(r[hourlyAdvertiser].(string), "%d", &h)
				require.NoError(t, err)
				d.impr[h], d.clicks[h] = r.num(t, "impressions"), r.num(t, "clicks")
			}
			require.Len(t, days, 28)
			for _, r := range daily {
				d := days[r["date_start"].(string)]
				var sum float64
				for _, c := range d.clicks {
					sum += c
				}
				assert.Equal(t, r.num(t, "clicks"), sum, "hours sum to the day on %s", r["date_start"])
			}
			var chi2, df float64
			for _, d := range days {
				var clicks, weight float64
				for h := range 24 {
					clicks += d.clicks[h]
					weight += d.impr[h] * hourMult(a, h)
				}
				for h := range 24 {
					if e := clicks * d.impr[h] * hourMult(a, h) / weight; e > 0 {
						chi2 += (d.clicks[h] - e) * (d.clicks[h] - e) / e
						df++
					}
				}
				df--
			}
			assert.InDelta(t, 1, chi2/df, 0.15, "Pearson dispersion of hourly clicks")
		})
	}
}

// TestHourlySmallCellsUnbiased checks that hours with less than one
// expected click a day still get their share over many days: a
// low-budget account with no hour effect has the same CTR at night as over
// the whole day (largest-remainder rounding gave night hours too few
// clicks).
func TestHourlySmallCellsUnbiased(t *testing.T) {
	clk := &fixedClock{t: testNow}
	srv := Start(t, WithClock(clk.now))
	start := testNow.Truncate(24*time.Hour).AddDate(0, 0, -120)
	sc := Scenario{
		Users:     []User{{ID: "100000000000078", AdAccounts: []string{"1000000000000078"}}},
		Accounts:  []Account{{ID: "1000000000000078", Currency: "USD", TimezoneName: "UTC", CreatedTime: start}},
		Campaigns: []Campaign{{ID: "120200000000078", AccountID: "1000000000000078", StartTime: start}},
		AdSets:    []AdSet{{ID: "120300000000078", CampaignID: "120200000000078", DailyBudget: 3000, StartTime: start}},
		Ads:       []Ad{{ID: "120400000000078", AdSetID: "120300000000078", Quality: 1}},
	}
	_, err := srv.Seed(sc)
	require.NoError(t, err)
	rows, err := srv.Rows("act_1000000000000078", url.Values{"date_preset": {"last_90d"}, "breakdowns": {hourlyAdvertiser}})
	require.NoError(t, err)
	require.Len(t, rows, 24)
	var nightClicks, nightImpr, clicks, impr float64
	for _, r := range rows {
		clicks += float64(r.Counts.Clicks)
		impr += float64(r.Counts.Impressions)
		if r.Hour >= 1 && r.Hour <= 5 {
			nightClicks += float64(r.Counts.Clicks)
			nightImpr += float64(r.Counts.Impressions)
		}
	}
	require.Positive(t, nightClicks)
	t.Logf("night %v clicks, CTR ratio %.3f", nightClicks, (nightClicks/nightImpr)/(clicks/impr))
	// About 200 night clicks: a standard deviation of about 7%; the old
	// rounding gave 0.77.
	assert.InDelta(t, 1, (nightClicks/nightImpr)/(clicks/impr), 0.2)
}
