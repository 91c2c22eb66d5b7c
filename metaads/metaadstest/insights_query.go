package metaadstest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

var levels = []string{"account", "campaign", "adset", "ad"}

// insightsFields are the fields the fake serves (reference §4.2).
var insightsFields = []string{
	"account_id", "account_name", "account_currency", "campaign_id", "campaign_name", "adset_id", "adset_name", "ad_id", "ad_name",
	"objective", "optimization_goal", "buying_type", "attribution_setting", "date_start", "date_stop",
	"impressions", "reach", "frequency", "clicks", "unique_clicks", "inline_link_clicks", "unique_inline_link_clicks",
	"inline_link_click_ctr", "inline_post_engagement", "spend", "social_spend", "cpc", "cpm", "cpp", "ctr", "unique_ctr",
	"cost_per_inline_link_click", "cost_per_unique_click", "deduping_ratio",
	"actions", "action_values", "cost_per_action_type", "purchase_roas", "website_purchase_roas", "outbound_clicks", "cost_per_thruplay",
	"video_play_actions", "video_p25_watched_actions", "video_p50_watched_actions", "video_p75_watched_actions",
	"video_p95_watched_actions", "video_p100_watched_actions", "video_thruplay_watched_actions", "video_avg_time_watched_actions",
	"video_30_sec_watched_actions", "video_continuous_2_sec_watched_actions",
	"quality_ranking", "engagement_rate_ranking", "conversion_rate_ranking",
}

var defaultInsightsFields = []string{"impressions", "spend"}

// breakdown dimensions.
type dim struct {
	name   string
	values []string
	cells  []cellW
}

var dims = map[string]*dim{
	"age": {"age", []string{"18-24", "25-34", "35-44", "45-54", "55-64", "65+"}, []cellW{
		{0.14, 1.1, 0.7}, {0.28, 1.05, 1.0}, {0.22, 1.0, 1.2}, {0.16, 0.95, 1.15}, {0.12, 0.9, 1.0}, {0.08, 0.85, 0.9}}},
	"gender": {"gender", []string{"female", "male", "unknown"}, []cellW{{0.52, 1.05, 1.1}, {0.45, 0.95, 0.9}, {0.03, 0.9, 0.8}}},
	"publisher_platform": {"publisher_platform", []string{"facebook", "instagram", "audience_network", "messenger"}, []cellW{
		{0.55, 1.0, 1.05}, {0.38, 1.1, 1.0}, {0.05, 0.6, 0.4}, {0.02, 0.8, 0.7}}},
	"device_platform": {"device_platform", []string{"mobile_app", "mobile_web", "desktop"}, []cellW{{0.78, 1.0, 0.95}, {0.1, 0.9, 0.8}, {0.12, 1.1, 1.4}}},
}

const (
	hourlyAdvertiser = "hourly_stats_aggregated_by_advertiser_time_zone"
	hourlyAudience   = "hourly_stats_aggregated_by_audience_time_zone"
)

// allowedBreakdowns are the combinations the fake accepts; Meta allows only
// some combinations (reference §4.3).
var allowedBreakdowns = []string{"age", "gender", "age,gender", "country", "publisher_platform", "device_platform",
	"publisher_platform,device_platform", hourlyAdvertiser, hourlyAudience}

var countryOf = map[string]string{"USD": "US", "EUR": "DE", "JPY": "JP", "GBP": "GB", "CAD": "CA", "AUD": "AU", "BRL": "BR", "INR": "IN"}

type dayRange struct{ since, until int }

type insightsQuery struct {
	level      string
	levelRank  int
	fields     []string
	ranges     []dayRange
	incr       int // 0 all_days, -1 monthly, N days
	breakdowns []string
	hourly     int // 0 none, 1 advertiser, 2 audience
	windows    []string
	adFilters  []filterRule
	rowFilters []filterRule
	sortField  string
	sortDesc   bool
	summary    bool
	today      int
	now        time.Time
}

func isVideoField(f string) bool {
	return strings.HasPrefix(f, "video_") || f == "cost_per_thruplay"
}

var presets = []string{"today", "yesterday", "this_month", "last_month", "this_quarter", "maximum", "data_maximum", "last_3d", "last_7d",
	"last_14d", "last_28d", "last_30d", "last_90d", "last_week_mon_sun", "last_week_sun_sat", "last_quarter", "last_year",
	"this_week_mon_today", "this_week_sun_today", "this_year"}

// presetRange resolves a date_preset in the account's days (reference §4.1;
// the last_Nd presets end yesterday).
func presetRange(p string, today, created int) (dayRange, bool) {
	t := time.Unix(int64(today)*86400, 0).UTC()
	civ := func(y int, m time.Month, d int) int {
		return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	}
	y, m, _ := t.Date()
	dow := (today + 4) % 7 // 0 Sunday
	switch p {
	case "today":
		return dayRange{today, today}, true
	case "yesterday":
		return dayRange{today - 1, today - 1}, true
	case "this_month":
		return dayRange{civ(y, m, 1), today}, true
	case "last_month":
		return dayRange{civ(y, m-1, 1), civ(y, m, 1) - 1}, true
	case "this_quarter":
		q := (int(m)-1)/3*3 + 1
		return dayRange{civ(y, time.Month(q), 1), today}, true
	case "last_quarter":
		q := (int(m)-1)/3*3 + 1
		return dayRange{civ(y, time.Month(q-3), 1), civ(y, time.Month(q), 1) - 1}, true
	case "this_year":
		return dayRange{civ(y, 1, 1), today}, true
	case "last_year":
		return dayRange{civ(y-1, 1, 1), civ(y, 1, 1) - 1}, true
	case "maximum", "data_maximum":
		return dayRange{max(created, today-37*30), today}, true
	case "last_week_mon_sun":
		mon := today - (dow+6)%7 - 7
		return dayRange{mon, mon + 6}, true
	case "last_week_sun_sat":
		sun := today - dow - 7
		return dayRange{sun, sun + 6}, true
	case "this_week_mon_today":
		return dayRange{today - (dow+6)%7, today}, true
	case "this_week_sun_today":
		return dayRange{today - dow, today}, true
	}
	var n int
	if _, err := fmt.Sscanf(p, "last_%dd", &n); err == nil && slices.Contains(presets, p) {
		return dayRange{today - n, today - 1}, true
	}
	return dayRange{}, false
}

func parseDay(s string) (int, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return int(t.Unix() / 86400), true
}

func parseTimeRange(raw string, today int) (dayRange, *apiError) {
	var tr struct{ Since, Until string }
	if err := json.Unmarshal([]byte(raw), &tr); err != nil {
		return dayRange{}, errParam(`time_range must be a JSON object {"since":"YYYY-MM-DD","until":"YYYY-MM-DD"}, got %q`, raw)
	}
	since, ok1 := parseDay(tr.Since)
	until, ok2 := parseDay(tr.Until)
	if !ok1 || !ok2 {
		return dayRange{}, errParam("time_range since and until must be dates like 2026-11-01, got %q and %q", tr.Since, tr.Until)
	}
	if since > until {
		return dayRange{}, errParam("time_range since (%s) must not be after until (%s)", tr.Since, tr.Until)
	}
	if since < today-37*30-7 {
		return dayRange{}, &apiError{Code: 3018, Message: "The start date of the time range cannot be beyond 37 months from the current date"}
	}
	return dayRange{since, until}, nil
}

// parseInsightsQuery validates the insights parameters. objLevel is the
// level of the object queried; loc the account's zone.
func parseInsightsQuery(p map[string][]string, objLevel int, loc *time.Location, created int, now time.Time) (*insightsQuery, *apiError) {
	q := &insightsQuery{now: now, today: dayOf(now, loc)}
	q.level = first(p, "level")
	if q.level == "" {
		q.level = levels[objLevel]
	}
	q.levelRank = slices.Index(levels, q.level)
	if q.levelRank < 0 {
		return nil, errParam("Param level must be one of {account, campaign, adset, ad}, got %q", q.level)
	}
	if q.levelRank < objLevel {
		return nil, errParam("level %s is above the queried object (a %s): use a level at or below it", q.level, levels[objLevel])
	}
	q.fields = parseFields(first(p, "fields"))
	if len(q.fields) == 0 {
		q.fields = defaultInsightsFields
	}
	for _, f := range q.fields {
		if !slices.Contains(insightsFields, f) {
			return nil, errParam("fields must be one of the following values: %s; %q is not", strings.Join(insightsFields, ", "), f)
		}
	}
	// Time: time_ranges overrides time_range overrides date_preset (default last_30d).
	switch {
	case first(p, "time_ranges") != "":
		var raws []json.RawMessage
		if err := json.Unmarshal([]byte(first(p, "time_ranges")), &raws); err != nil || len(raws) == 0 {
			return nil, errParam("time_ranges must be a non-empty JSON array of {since, until} objects")
		}
		for _, r := range raws {
			dr, e := parseTimeRange(string(r), q.today)
			if e != nil {
				return nil, e
			}
			q.ranges = append(q.ranges, dr)
		}
	case first(p, "time_range") != "":
		dr, e := parseTimeRange(first(p, "time_range"), q.today)
		if e != nil {
			return nil, e
		}
		q.ranges = []dayRange{dr}
	default:
		preset := first(p, "date_preset")
		if preset == "" {
			preset = "last_30d"
		}
		dr, ok := presetRange(preset, q.today, created)
		if !ok {
			return nil, errParam("date_preset must be one of %s, got %q", strings.Join(presets, ", "), preset)
		}
		q.ranges = []dayRange{dr}
	}
	switch ti := first(p, "time_increment"); ti {
	case "", "all_days":
	case "monthly":
		q.incr = -1
	default:
		n, err := strconv.Atoi(ti)
		if err != nil || n < 1 || n > 90 {
			return nil, errParam("time_increment must be an integer 1-90, monthly or all_days, got %q", ti)
		}
		q.incr = n
	}
	if b := first(p, "breakdowns"); b != "" {
		list := parseFields(b)
		if !slices.Contains(allowedBreakdowns, strings.Join(list, ",")) {
			return nil, errParam("Current combination of data breakdown columns (%s) is invalid; the fake supports: %s", strings.Join(list, ","), strings.Join(allowedBreakdowns, " | "))
		}
		q.breakdowns = list
		switch list[0] {
		case hourlyAdvertiser:
			q.hourly = 1
		case hourlyAudience:
			q.hourly = 2
		}
	}
	if q.hourly != 0 {
		for _, f := range q.fields {
			if isVideoField(f) {
				return nil, errParam("%s cannot be requested with hourly breakdowns", f)
			}
		}
	}
	if ab := first(p, "action_breakdowns"); ab != "" {
		list := parseFields(ab)
		for _, a := range list {
			if a != "action_type" {
				return nil, errParam("action_breakdowns: the fake supports only action_type, got %q", a)
			}
		}
	}
	if w := first(p, "action_attribution_windows"); w != "" {
		list := parseFields(w)
		for _, x := range list {
			if x == "default" {
				q.windows = append(q.windows, "7d_click", "1d_view")
				continue
			}
			if _, ok := windowShare[x]; !ok {
				return nil, errParam("action_attribution_windows value %q must be one of 1d_view, 7d_view, 28d_view, 1d_click, 7d_click, 28d_click, default", x)
			}
			q.windows = append(q.windows, x)
		}
	}
	rules, e := parseFilterRules(first(p, "filtering"))
	if e != nil {
		return nil, e
	}
	for _, r := range rules {
		ent, f, ok := strings.Cut(r.Field, ".")
		if !ok {
			f = ent
		}
		switch f {
		case "id", "name", "effective_status", "objective":
			if !ok || !slices.Contains(levels, ent) {
				return nil, errParam("filtering field %q: use an object prefix such as ad.%s or campaign.%s", r.Field, f, f)
			}
			q.adFilters = append(q.adFilters, r)
		default:
			if _, known := rowMetric(&rowAcc{}, f, 100); !known {
				return nil, errParam("filtering field %q is not supported by the fake", r.Field)
			}
			r.Field = f
			q.rowFilters = append(q.rowFilters, r)
		}
	}
	if s := first(p, "sort"); s != "" {
		list := parseFields(s)
		if len(list) != 1 {
			return nil, errParam("sort takes exactly one element, like [\"spend_descending\"]")
		}
		f, desc := strings.CutSuffix(list[0], "_descending")
		if !desc {
			var asc bool
			if f, asc = strings.CutSuffix(list[0], "_ascending"); !asc {
				return nil, errParam("sort element %q must end in _ascending or _descending", list[0])
			}
		}
		if _, known := rowMetric(&rowAcc{}, f, 100); !known {
			return nil, errParam("sort field %q is not supported by the fake", f)
		}
		q.sortField, q.sortDesc = f, desc
	}
	q.summary = first(p, "default_summary") == "true" || first(p, "summary") != ""
	return q, nil
}
