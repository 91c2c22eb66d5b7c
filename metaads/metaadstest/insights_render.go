package metaadstest

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Number formatting: money in major units as a decimal string, ratios
// rounded to six decimals, counts as integers; all as JSON strings.
func fmtMoney(minor, offset int64) string {
	if offset == 1 {
		return strconv.FormatInt(minor, 10)
	}
	neg := ""
	if minor < 0 {
		neg, minor = "-", -minor
	}
	whole, frac := minor/offset, minor%offset
	if frac == 0 {
		return neg + strconv.FormatInt(whole, 10)
	}
	f := fmt.Sprintf("%02d", frac)
	return neg + strconv.FormatInt(whole, 10) + "." + strings.TrimRight(f, "0")
}

func fmtRatio(x float64) string {
	return strconv.FormatFloat(math.Round(x*1e6)/1e6, 'f', -1, 64)
}

// rowMetric returns a numeric metric of a row for filtering and sorting.
func rowMetric(r *rowAcc, f string, offset int64) (float64, bool) {
	v := &r.v
	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	spend := float64(v[mSpend]) / float64(offset)
	switch f {
	case "impressions":
		return float64(v[mImpr]), true
	case "clicks":
		return float64(v[mClicks]), true
	case "inline_link_clicks":
		return float64(v[mLink]), true
	case "spend":
		return spend, true
	case "reach":
		return float64(r.reach), true
	case "frequency":
		return div(float64(v[mImpr]), float64(r.reach)), true
	case "ctr":
		return div(float64(v[mClicks])*100, float64(v[mImpr])), true
	case "cpc":
		return div(spend, float64(v[mClicks])), true
	case "cpm":
		return div(spend*1000, float64(v[mImpr])), true
	case "purchases":
		return float64(v[mPurch]), true
	}
	return 0, false
}

// rendered is an insights result: rows rendered at once, or (lazy) as
// pages ask for them.
type rendered struct {
	rows    [][]byte
	summary []byte
	lazy    *lazyRows
}

// render turns rows into JSON objects, filtering and sorting them.
func (q *insightsQuery) render(rows []*rowAcc, offset int64) rendered {
	if len(q.rowFilters) > 0 {
		rows = slices.DeleteFunc(rows, func(r *rowAcc) bool {
			for _, f := range q.rowFilters {
				x, _ := rowMetric(r, f.Field, offset)
				if !matchRule(f, x) {
					return true
				}
			}
			return false
		})
	}
	if q.sortField != "" {
		sort.SliceStable(rows, func(i, j int) bool {
			a, _ := rowMetric(rows[i], q.sortField, offset)
			b, _ := rowMetric(rows[j], q.sortField, offset)
			if q.sortDesc {
				return a > b
			}
			return a < b
		})
	}
	out := rendered{rows: make([][]byte, len(rows))}
	for i, r := range rows {
		out.rows[i] = q.appendRow(make([]byte, 0, 128+64*len(q.fields)), r, false)
	}
	if q.summary && len(rows) > 0 {
		sum := &rowAcc{ad: rows[0].ad, start: q.ranges[0].since, stop: q.ranges[len(q.ranges)-1].until, hourly: rows[0].hourly}
		for _, r := range rows {
			sum.v.add(&r.v)
			sum.reachSum += r.reach
			sum.rMax = max(sum.rMax, r.reach)
		}
		sum.reach = max(sum.rMax, int64(float64(sum.reachSum)*0.9))
		if len(rows) == 1 {
			sum.reach = rows[0].reach
		}
		if sum.hourly {
			sum.reach = 0
		}
		out.summary = q.appendRow(nil, sum, true)
	}
	return out
}

// appendStr appends s as a JSON string; plain ASCII (the common case) is
// copied directly.
func appendStr(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func sep(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' && b[n-1] != '[' {
		b = append(b, ',')
	}
	return b
}

func appendKV(b []byte, k, v string) []byte {
	b = sep(b)
	b = appendStr(b, k)
	b = append(b, ':')
	return appendStr(b, v)
}

var videoMetric = map[string]int{"video_play_actions": mVPlays, "video_continuous_2_sec_watched_actions": mV2s,
	"video_p25_watched_actions": mP25, "video_p50_watched_actions": mP50, "video_p75_watched_actions": mP75,
	"video_p95_watched_actions": mP95, "video_p100_watched_actions": mP100, "video_thruplay_watched_actions": mThru,
	"video_30_sec_watched_actions": mV30}

// identity returns an id or name field of the ad's hierarchy and the
// lowest level rank at which rows carry it.
func (a *adSnap) identity(f string) (string, int) {
	switch f {
	case "campaign_id":
		return a.campID, 1
	case "campaign_name":
		return a.campName, 1
	case "objective":
		return a.objective, 1
	case "buying_type":
		return "AUCTION", 1
	case "adset_id":
		return a.adsetID, 2
	case "adset_name":
		return a.adsetName, 2
	case "optimization_goal":
		return a.optGoal, 2
	case "ad_id":
		return a.id, 3
	}
	return a.name, 3
}

type action struct {
	typ   string
	count int64
}

// offMeta are the action types the fake's accounts count through the
// website pixel: Meta does not return off-Meta (pixel/app) action metrics
// with the hourly breakdowns (reference §4.3), nor their values or ROAS.
// The purchase family goes as a whole (omni_purchase and purchase report
// the same pixel conversions under other names). landing_page_view, link
// clicks, engagement and on-Facebook leads are on-Meta and stay.
var offMeta = map[string]bool{
	"add_to_cart": true, "offsite_conversion.fb_pixel_add_to_cart": true,
	"initiate_checkout": true, "offsite_conversion.fb_pixel_initiate_checkout": true,
	"purchase": true, "omni_purchase": true, "offsite_conversion.fb_pixel_purchase": true,
}

// actionList is the row's actions (reference §4.2 action types). With
// hourly breakdowns off-Meta (pixel) actions are left out (reference §4.3).
func (r *rowAcc) actionList() []action {
	v := &r.v
	pe := v[mLink] + v[mReactions] + v[mComments] + v[mV3s]
	all := []action{
		{"link_click", v[mLink]}, {"landing_page_view", v[mLPV]}, {"post_reaction", v[mReactions]}, {"comment", v[mComments]},
		{"like", v[mLikes]}, {"video_view", v[mV3s]}, {"post_engagement", pe}, {"page_engagement", pe + v[mLikes]},
		{"add_to_cart", v[mATC]}, {"offsite_conversion.fb_pixel_add_to_cart", v[mATC]},
		{"initiate_checkout", v[mIC]}, {"offsite_conversion.fb_pixel_initiate_checkout", v[mIC]},
		{"purchase", v[mPurch]}, {"omni_purchase", v[mPurch]}, {"offsite_conversion.fb_pixel_purchase", v[mPurch]},
		{"lead", v[mLeads]}, {"onsite_conversion.lead_grouped", v[mLeads]},
	}
	out := all[:0]
	for _, a := range all {
		if a.count == 0 || r.hourly && offMeta[a.typ] {
			continue
		}
		out = append(out, a)
	}
	return out
}

var purchaseFamily = []string{"purchase", "omni_purchase", "offsite_conversion.fb_pixel_purchase"}

func (q *insightsQuery) appendActions(b []byte, key string, list []action, value func(action) string, windows bool) []byte {
	if len(list) == 0 {
		return b
	}
	b = sep(b)
	b = appendStr(b, key)
	b = append(b, ':')
	buf := append(b, '[')
	for i, a := range list {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '{')
		buf = appendKV(buf, "action_type", a.typ)
		buf = appendKV(buf, "value", value(a))
		if windows {
			for _, w := range q.windows {
				buf = appendKV(buf, w, strconv.FormatInt(int64(math.Round(float64(a.count)*windowShare[w])), 10))
			}
		}
		buf = append(buf, '}')
	}
	return append(buf, ']')
}

func ranking(score float64, impressions int64) string {
	switch {
	case impressions < 500:
		return "UNKNOWN"
	case score >= 1.25:
		return "ABOVE_AVERAGE"
	case score >= 0.9:
		return "AVERAGE"
	case score >= 0.7:
		return "BELOW_AVERAGE_35"
	case score >= 0.5:
		return "BELOW_AVERAGE_20"
	}
	return "BELOW_AVERAGE_10"
}

// appendRow renders one row: the requested fields in order, then
// date_start, date_stop and the breakdown keys. Ratios with a zero
// denominator are left out.
func (q *insightsQuery) appendRow(b []byte, r *rowAcc, summary bool) []byte {
	a := r.ad
	acct := a.acct
	off := acct.offset
	v := &r.v
	spend := float64(v[mSpend]) / float64(off)
	b = append(b, '{')
	ratio := func(k string, num, den float64) {
		if den != 0 {
			b = appendKV(b, k, fmtRatio(num/den))
		}
	}
	count := func(k string, n int64) { b = appendKV(b, k, strconv.FormatInt(n, 10)) }
	uniq := int64(float64(v[mClicks]) * 0.9)
	uniqLink := int64(float64(v[mLink]) * 0.92)
	if r.hourly {
		uniq, uniqLink = 0, 0 // no unique metrics with hourly breakdowns
	}
	lvl := q.levelRank
	for _, f := range q.fields {
		switch f {
		case "account_id":
			b = appendKV(b, f, acct.id)
		case "account_name":
			b = appendKV(b, f, acct.name)
		case "account_currency":
			b = appendKV(b, f, acct.currency)
		case "campaign_id", "campaign_name", "objective", "buying_type", "adset_id", "adset_name", "optimization_goal", "ad_id", "ad_name":
			if val, at := a.identity(f); lvl >= at && !summary {
				b = appendKV(b, f, val)
			}
		case "attribution_setting":
			b = appendKV(b, f, "7d_click_1d_view")
		case "date_start", "date_stop":
			// always added below
		case "impressions":
			count(f, v[mImpr])
		case "reach":
			count(f, r.reach)
		case "frequency":
			if r.hourly {
				b = appendKV(b, f, "0")
			} else {
				ratio(f, float64(v[mImpr]), float64(r.reach))
			}
		case "clicks":
			count(f, v[mClicks])
		case "unique_clicks":
			count(f, uniq)
		case "inline_link_clicks":
			count(f, v[mLink])
		case "unique_inline_link_clicks":
			count(f, uniqLink)
		case "inline_link_click_ctr":
			ratio(f, float64(v[mLink])*100, float64(v[mImpr]))
		case "inline_post_engagement":
			count(f, v[mLink]+v[mReactions]+v[mComments]+v[mV3s])
		case "spend":
			b = appendKV(b, f, fmtMoney(v[mSpend], off))
		case "social_spend":
			b = appendKV(b, f, "0")
		case "cpc":
			ratio(f, spend, float64(v[mClicks]))
		case "cpm":
			ratio(f, spend*1000, float64(v[mImpr]))
		case "cpp":
			ratio(f, spend*1000, float64(r.reach))
		case "ctr":
			ratio(f, float64(v[mClicks])*100, float64(v[mImpr]))
		case "unique_ctr":
			ratio(f, float64(uniq)*100, float64(r.reach))
		case "cost_per_inline_link_click":
			ratio(f, spend, float64(v[mLink]))
		case "cost_per_unique_click":
			ratio(f, spend, float64(uniq))
		case "deduping_ratio":
			if lvl == 2 && !summary {
				b = appendKV(b, f, fmtRatio(a.overlap))
			}
		case "actions":
			b = q.appendActions(b, f, r.actionList(), func(x action) string { return strconv.FormatInt(x.count, 10) }, true)
		case "action_values":
			var vals []action
			if v[mPurchVal] > 0 && !r.hourly { // pixel purchase values (offMeta)
				for _, t := range purchaseFamily {
					vals = append(vals, action{t, v[mPurchVal]})
				}
			}
			b = q.appendActions(b, f, vals, func(x action) string { return fmtMoney(x.count, off) }, true)
		case "cost_per_action_type":
			b = q.appendActions(b, f, r.actionList(), func(x action) string { return fmtRatio(spend / float64(x.count)) }, false)
		case "purchase_roas", "website_purchase_roas":
			t := "omni_purchase"
			if f == "website_purchase_roas" {
				t = "offsite_conversion.fb_pixel_purchase"
			}
			if v[mSpend] > 0 && v[mPurchVal] > 0 && !r.hourly { // ROAS of pixel purchases (offMeta)
				b = q.appendActions(b, f, []action{{t, 0}}, func(action) string { return fmtRatio(float64(v[mPurchVal]) / float64(v[mSpend])) }, false)
			}
		case "outbound_clicks":
			if v[mLink] > 0 {
				b = q.appendActions(b, f, []action{{"outbound_click", v[mLink]}}, func(x action) string { return strconv.FormatInt(x.count, 10) }, false)
			}
		case "cost_per_thruplay":
			if v[mThru] > 0 {
				b = q.appendActions(b, f, []action{{"video_view", v[mThru]}}, func(x action) string { return fmtRatio(spend / float64(x.count)) }, false)
			}
		case "video_avg_time_watched_actions":
			if v[mVPlays] > 0 {
				b = q.appendActions(b, f, []action{{"video_view", 0}}, func(action) string {
					return strconv.FormatInt(int64(math.Round(float64(v[mWatchMs])/float64(v[mVPlays])/1000)), 10)
				}, false)
			}
		case "quality_ranking", "engagement_rate_ranking", "conversion_rate_ranking":
			// Ad level only (reference §4.2); left out elsewhere.
			if lvl == 3 && !summary {
				score := a.quality
				switch f {
				case "engagement_rate_ranking":
					if v[mImpr] > 0 {
						score = float64(v[mClicks]) / float64(v[mImpr]) / 0.012
					}
				case "conversion_rate_ranking":
					if v[mLink] > 0 && a.objective == "OUTCOME_SALES" {
						score = float64(v[mPurch]) / float64(v[mLink]) / 0.035
					}
				}
				b = appendKV(b, f, ranking(score, v[mImpr]))
			}
		default: // video_*_actions
			if n := v[videoMetric[f]]; n > 0 {
				b = q.appendActions(b, f, []action{{"video_view", n}}, func(x action) string { return strconv.FormatInt(x.count, 10) }, false)
			}
		}
	}
	b = appendKV(b, "date_start", dayString(r.start))
	b = appendKV(b, "date_stop", dayString(r.stop))
	if !summary {
		for i, name := range r.cellNames {
			b = appendKV(b, q.breakdowns[i], name)
		}
	}
	return append(b, '}')
}
