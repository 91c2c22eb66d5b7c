package metaadstest

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
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
		list := parseList(b)
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
		list := parseList(ab)
		for _, a := range list {
			if a != "action_type" {
				return nil, errParam("action_breakdowns: the fake supports only action_type, got %q", a)
			}
		}
	}
	if w := first(p, "action_attribution_windows"); w != "" {
		list := parseList(w)
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
		list := parseList(s)
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

// parseList reads a list parameter sent as a JSON array (as Meta's SDKs
// send it) or as comma-separated values.
func parseList(s string) []string {
	var list []string
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		list = strings.Split(s, ",")
	}
	for i := range list {
		list[i] = strings.TrimSpace(list[i])
	}
	return list
}

// windowShare is the share of an action attributed to each window.
var windowShare = map[string]float64{"1d_view": 0.15, "7d_view": 0.2, "28d_view": 0.25, "1d_click": 0.7, "7d_click": 0.85, "28d_click": 0.9}

type rowKey struct{ rng, bucket, ent, cell int }

type rowAcc struct {
	key            rowKey
	ad             *adSnap // representative ad (for names of the level entity)
	v              vec
	reachSum, rMax int64 // over ads
	nAds           int
	start, stop    int
	cellNames      []string
	hourly         bool
	reach          int64
}

type adPart struct {
	v              vec
	reachSum, rMax int64
	days           int
	start, stop    int
}

func (q *insightsQuery) bucket(ri int, day int) (b, start, stop int) {
	rg := q.ranges[ri]
	switch {
	case q.incr == 0:
		return 0, rg.since, rg.until
	case q.incr > 0:
		b = (day - rg.since) / q.incr
		start = rg.since + b*q.incr
		return b, start, min(start+q.incr-1, rg.until)
	}
	t0 := time.Unix(int64(rg.since)*86400, 0).UTC()
	t := time.Unix(int64(day)*86400, 0).UTC()
	b = (t.Year()*12 + int(t.Month())) - (t0.Year()*12 + int(t0.Month()))
	ms := int(time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	me := int(time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC).Unix()/86400) - 1
	return b, max(ms, rg.since), min(me, rg.until)
}

// cells returns the breakdown cells for an ad (with a stable per-ad jitter)
// and their names.
func (g *generator) cells(q *insightsQuery, a *adSnap, mask uint32) ([]cellW, [][]string) {
	if q.hourly != 0 {
		curve := &hourCurve
		if q.hourly == 2 {
			curve = &hourCurveAudience
		}
		cw := make([]cellW, 24)
		names := make([][]string, 24)
		for h := range 24 {
			if mask&(1<<h) != 0 {
				m := hourMult(a.acct.hourA, h)
				cw[h] = cellW{curve[h], m, m}
			}
			names[h] = []string{fmt.Sprintf("%02d:00:00 - %02d:59:59", h, h)}
		}
		return cw, names
	}
	cw := []cellW{{1, 1, 1}}
	names := [][]string{nil}
	for _, b := range q.breakdowns {
		d := dims[b]
		if d == nil { // country: a single cell per account
			for i := range names {
				names[i] = append(names[i], countryOf[a.acct.currency])
			}
			if countryOf[a.acct.currency] == "" {
				for i := range names {
					names[i][len(names[i])-1] = "US"
				}
			}
			continue
		}
		var ncw []cellW
		var nn [][]string
		for i, c := range cw {
			for j, dc := range d.cells {
				j := j
				jit := 0.85 + 0.3*unit(hash(g.seed, a.key, strHash(d.name), uint64(j)))
				ncw = append(ncw, cellW{c.vol * dc.vol * jit, c.click * dc.click, c.conv * dc.conv})
				nn = append(nn, append(slices.Clone(names[i]), d.values[j]))
			}
		}
		cw, names = ncw, nn
	}
	return cw, names
}

// run generates the rows of a query over ads.
func (g *generator) run(q *insightsQuery, ads []*adSnap) []*rowAcc {
	rows := map[rowKey]*rowAcc{}
	var cellOut []vec
	for _, a := range ads {
		parts := map[rowKey]*adPart{}
		ent := a.order[q.levelRank]
		var names [][]string
		for ri, rg := range q.ranges {
			from := max(rg.since, a.startDay)
			to := min(rg.until, q.today)
			for day := from; day <= to; day++ {
				v, mask := g.adDay(a, day, q.now)
				if mask == 0 || v.zero() {
					continue
				}
				b, bs, be := q.bucket(ri, day)
				if len(q.breakdowns) == 0 {
					g.addPart(parts, rowKey{ri, b, ent, 0}, &v, bs, be)
					continue
				}
				var cw []cellW
				cw, names = g.cells(q, a, mask)
				if cap(cellOut) < len(cw) {
					cellOut = make([]vec, len(cw))
				}
				cellOut = cellOut[:len(cw)]
				split(&v, cw, cellOut)
				for ci := range cellOut {
					if cellOut[ci].zero() {
						continue
					}
					g.addPart(parts, rowKey{ri, b, ent, ci}, &cellOut[ci], bs, be)
				}
			}
		}
		for k, p := range parts {
			r := rows[k]
			if r == nil {
				r = &rowAcc{key: k, ad: a, start: p.start, stop: p.stop, hourly: q.hourly != 0}
				if names != nil {
					r.cellNames = names[k.cell]
				}
				rows[k] = r
			}
			r.v.add(&p.v)
			ar := finishReach(p.reachSum, p.rMax, p.days)
			r.reachSum += ar
			r.rMax = max(r.rMax, ar)
			r.nAds++
		}
	}
	out := make([]*rowAcc, 0, len(rows))
	for _, r := range rows {
		r.reach = r.reachSum
		if r.nAds > 1 {
			r.reach = max(r.rMax, int64(float64(r.reachSum)*0.9))
		}
		if r.hourly {
			r.reach = 0
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].key, out[j].key
		if a.rng != b.rng {
			return a.rng < b.rng
		}
		if a.bucket != b.bucket {
			return a.bucket < b.bucket
		}
		if a.ent != b.ent {
			return a.ent < b.ent
		}
		return a.cell < b.cell
	})
	return out
}

func (g *generator) addPart(parts map[rowKey]*adPart, k rowKey, v *vec, bs, be int) {
	p := parts[k]
	if p == nil {
		p = &adPart{start: bs, stop: be}
		parts[k] = p
	}
	p.v.add(v)
	p.reachSum += v[mReach]
	p.rMax = max(p.rMax, v[mReach])
	p.days++
}

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

type rendered struct {
	rows    [][]byte
	summary []byte
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

// insightsCache keeps rendered results of recent queries, keyed by the
// query, the store version and the hour, so paging through a large result
// renders it once.
type insightsCache struct {
	mu      sync.Mutex
	max     int
	order   []string
	entries map[string]rendered
}

// insightsCacheSize is how many rendered insights results a Server keeps.
const insightsCacheSize = 16

func newInsightsCache(n int) *insightsCache {
	return &insightsCache{max: n, entries: map[string]rendered{}}
}

func (c *insightsCache) get(k string) (rendered, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.entries[k]
	return r, ok
}

func (c *insightsCache) put(k string, r rendered) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok {
		return
	}
	c.entries[k] = r
	c.order = append(c.order, k)
	for len(c.order) > c.max {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

func cacheKey(object string, p map[string][]string, version uint64, now time.Time) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		switch k {
		case "access_token", "appsecret_proof", "appsecret_time", "limit", "after", "before", "method":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s|%d|%d", object, version, now.Unix()/3600)
	for _, k := range keys {
		fmt.Fprintf(&sb, "|%s=%s", k, strings.Join(p[k], ","))
	}
	return sb.String()
}

// adsUnder lists the ads below an object. Caller holds s.mu.
func (s *Server) adsUnder(kind, id string) []string {
	var out []string
	for _, aid := range s.st.adOrder {
		a := s.st.ads[aid]
		switch {
		case kind == "account" && a.AccountID == trimAct(id),
			kind == "campaign" && a.CampaignID == id,
			kind == "adset" && a.AdSetID == id,
			kind == "ad" && a.ID == id:
			out = append(out, aid)
		}
	}
	return out
}

// entityValue is what an insights entity filter sees for an ad.
func (s *Server) entityValue(ad *adRec, ent, field string) string {
	st := s.st
	var id, name, eff, obj string
	camp := st.campaigns[ad.CampaignID]
	obj = camp.Objective
	switch ent {
	case "ad":
		id, name, eff = ad.ID, ad.Name, st.adEffective(ad)
	case "adset":
		set := st.adsets[ad.AdSetID]
		id, name, eff = set.ID, set.Name, st.adsetEffective(set)
	case "campaign":
		id, name, eff = camp.ID, camp.Name, camp.Status
	default:
		acct := st.accounts[ad.AccountID]
		id, name, eff = acct.ID, acct.Name, "ACTIVE"
	}
	return map[string]string{"id": id, "name": name, "effective_status": eff, "objective": obj}[field]
}

// prepareInsights validates an insights request on an object and returns
// its rendered result (from the cache when possible).
func (s *Server) prepareInsights(c *call, id string) (rendered, *apiError) {
	now := s.now()
	s.mu.Lock()
	kind := s.st.objectKind(id)
	if kind == "" || kind == "creative" {
		s.mu.Unlock()
		return rendered{}, errUnsupported(c.r.Method, id)
	}
	acct := s.st.accountOf(id)
	if e := c.requireRead(acct, id); e != nil {
		s.mu.Unlock()
		return rendered{}, e
	}
	ar := s.st.accounts[acct]
	q, e := parseInsightsQuery(c.params, slices.Index(levels, kind), ar.loc, dayOf(ar.CreatedTime, ar.loc), now)
	if e != nil {
		s.mu.Unlock()
		return rendered{}, e
	}
	key := cacheKey(id, c.params, s.st.version, now)
	if r, ok := s.cache.get(key); ok {
		s.mu.Unlock()
		return r, nil
	}
	var ids []string
	for _, aid := range s.adsUnder(kind, id) {
		ad := s.st.ads[aid]
		keep := true
		for _, f := range q.adFilters {
			ent, field, _ := strings.Cut(f.Field, ".")
			if !matchRule(f, s.entityValue(ad, ent, field)) {
				keep = false
				break
			}
		}
		if keep {
			ids = append(ids, aid)
		}
	}
	snaps := s.snapshot(ids)
	s.mu.Unlock()
	res := q.render(s.gen.run(q, snaps), currencyOffset(ar.Currency))
	s.cache.put(key, res)
	return res, nil
}

// handleInsights serves GET /{object}/insights.
func (s *Server) handleInsights(c *call, id string) (any, *apiError) {
	if run := s.runByID(id); run != nil {
		return s.runInsights(c, run)
	}
	res, e := s.prepareInsights(c, id)
	if e != nil {
		return nil, e
	}
	return s.insightsPage(c, res)
}

// insightsPage renders one page of a rendered result (default limit 25).
func (s *Server) insightsPage(c *call, res rendered) (any, *apiError) {
	w, e := s.pageBounds(c, len(res.rows), 25)
	if e != nil {
		return nil, e
	}
	size := 64
	for _, r := range res.rows[w.start:w.end] {
		size += len(r) + 1
	}
	b := make([]byte, 0, size+256)
	b = append(b, `{"data":[`...)
	for i, r := range res.rows[w.start:w.end] {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r...)
	}
	b = append(b, `],"paging":`...)
	pj, _ := json.Marshal(s.pagingJSON(c, w, len(res.rows)))
	b = append(b, pj...)
	if res.summary != nil {
		b = append(b, `,"summary":`...)
		b = append(b, res.summary...)
	}
	return rawJSON(append(b, '}')), nil
}

// spendOf is the spend of an object today or over its lifetime, in minor
// units. Caller holds s.mu.
func (s *Server) spendOf(level, id string, todayOnly bool) int64 {
	ids := s.adsUnder(level, id)
	if len(ids) == 0 {
		return 0
	}
	now := s.now()
	snaps := s.snapshot(ids)
	var total int64
	for _, a := range snaps {
		today := dayOf(now, a.acct.loc)
		from := a.startDay
		if todayOnly {
			from = today
		}
		for d := from; d <= today; d++ {
			v, _ := s.gen.adDay(a, d, now)
			total += v[mSpend]
		}
	}
	return total
}

// amountSpent is the account's lifetime spend (minor units). Caller holds s.mu.
func (s *Server) amountSpent(account string) int64 {
	return s.spendOf("account", "act_"+account, false)
}
