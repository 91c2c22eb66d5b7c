package metaads

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-querystring/query"
)

// TimeIncrement splits an insights query into rows per period: a number of
// days (1 to 90), monthly, or all days (one row for the whole range, Meta's
// default). Build one with [IncrementDays], or use [IncrementDaily],
// [IncrementMonthly] or [IncrementAllDays].
type TimeIncrement string

// Common time increments.
const (
	IncrementDaily   TimeIncrement = "1"
	IncrementMonthly TimeIncrement = "monthly"
	IncrementAllDays TimeIncrement = "all_days"
)

// IncrementDays returns a time increment of n days (valid for 1..90).
func IncrementDays(n int) TimeIncrement { return TimeIncrement(strconv.Itoa(n)) }

// days returns the number of days of a numeric increment.
func (t TimeIncrement) days() (int, bool) {
	n, err := strconv.Atoi(string(t))
	return n, err == nil
}

func (t TimeIncrement) validate() error {
	switch t {
	case "", IncrementMonthly, IncrementAllDays:
		return nil
	}
	if n, ok := t.days(); ok && n >= 1 && n <= 90 {
		return nil
	}
	return fmt.Errorf("metaads: insights time_increment %q: want a number of days from 1 to 90, %q or %q", string(t), IncrementMonthly, IncrementAllDays)
}

// FilterOperator is the comparison of an insights [Filter].
type FilterOperator string

// Filter operators.
const (
	OpEqual              FilterOperator = "EQUAL"
	OpNotEqual           FilterOperator = "NOT_EQUAL"
	OpGreaterThan        FilterOperator = "GREATER_THAN"
	OpGreaterThanOrEqual FilterOperator = "GREATER_THAN_OR_EQUAL"
	OpLessThan           FilterOperator = "LESS_THAN"
	OpLessThanOrEqual    FilterOperator = "LESS_THAN_OR_EQUAL"
	OpInRange            FilterOperator = "IN_RANGE"
	OpNotInRange         FilterOperator = "NOT_IN_RANGE"
	OpContain            FilterOperator = "CONTAIN"
	OpNotContain         FilterOperator = "NOT_CONTAIN"
	OpIn                 FilterOperator = "IN"
	OpNotIn              FilterOperator = "NOT_IN"
	OpStartsWith         FilterOperator = "STARTS_WITH"
	OpEndsWith           FilterOperator = "ENDS_WITH"
	OpAny                FilterOperator = "ANY"
	OpAll                FilterOperator = "ALL"
	OpNone               FilterOperator = "NONE"
)

var filterOperators = [...]FilterOperator{OpEqual, OpNotEqual, OpGreaterThan, OpGreaterThanOrEqual,
	OpLessThan, OpLessThanOrEqual, OpInRange, OpNotInRange, OpContain, OpNotContain, OpIn, OpNotIn,
	OpStartsWith, OpEndsWith, OpAny, OpAll, OpNone}

// Filter restricts insights rows, such as {Field: "campaign.id", Operator:
// OpIn, Value: []string{"1", "2"}} or {Field: "ad.impressions", Operator:
// OpGreaterThan, Value: 0}. Value is encoded as JSON.
type Filter struct {
	Field    string         `json:"field"`    // such as "campaign.id", "adset.effective_status", "ad.impressions"
	Operator FilterOperator `json:"operator"` // EQUAL, IN, GREATER_THAN, ... (see FilterOperator)
	Value    any            `json:"value"`    // a number, string or list; sent as JSON
}

// InsightsParams describes an insights query. It is a value: the zero
// value is valid (Meta's defaults: the level of the object queried, the
// last 30 days, one row for the whole range), and the service copies it,
// never modifying the caller's slices.
//
// Simple parameters are encoded with go-querystring; the JSON-valued ones
// (time_range, filtering, action_attribution_windows) as compact JSON
// strings, as Meta expects. [InsightsParams.Validate] rejects invalid
// values and combinations before any request is sent.
type InsightsParams struct {
	// Level is the aggregation level; empty means the level of the object
	// queried (account for act_ paths).
	Level Level `url:"level,omitempty"`
	// Fields are the fields to return. Empty asks for a default set that
	// fills [Insight.Counts] for the level. account_currency is always
	// added, since money is decoded in its minor units.
	Fields []string `url:"fields,comma,omitempty"`
	// DatePreset is a relative window. It cannot be combined with TimeRange.
	DatePreset DatePreset `url:"date_preset,omitempty"`
	// TimeRange is an explicit inclusive range of days.
	TimeRange TimeRange `url:"-"`
	// TimeIncrement splits rows per period.
	TimeIncrement TimeIncrement `url:"time_increment,omitempty"`
	// Breakdowns split rows by dimensions.
	Breakdowns []Breakdown `url:"breakdowns,comma,omitempty"`
	// ActionBreakdowns split action list elements; they need an action
	// list (actions, action_values, ...) among Fields.
	ActionBreakdowns []ActionBreakdown `url:"action_breakdowns,comma,omitempty"`
	// AttributionWindows add per-window values to action list elements.
	AttributionWindows []AttributionWindow `url:"-"`
	// Filtering restricts rows.
	Filtering []Filter `url:"-"`
	// Sort orders rows, such as "reach_descending" (one element on the wire).
	Sort string `url:"-"`
	// Limit is the page size; 0 leaves it to Meta.
	Limit int `url:"limit,omitempty"`
}

// Field groups used by validation and defaults.
var (
	rankingFields = [...]string{"quality_ranking", "engagement_rate_ranking", "conversion_rate_ranking"}
	actionFields  = [...]string{"actions", "action_values", "unique_actions", "conversions", "conversion_values",
		"cost_per_action_type", "cost_per_unique_action_type", "cost_per_conversion", "purchase_roas",
		"website_purchase_roas", "mobile_app_purchase_roas", "outbound_clicks", "outbound_clicks_ctr"}
	countFields = [...]string{"impressions", "reach", "frequency", "clicks", "unique_clicks",
		"inline_link_clicks", "spend", "actions", "action_values", "video_play_actions",
		"video_p25_watched_actions", "video_p50_watched_actions", "video_p75_watched_actions",
		"video_p95_watched_actions", "video_p100_watched_actions", "video_thruplay_watched_actions",
		"video_avg_time_watched_actions"}
)

// isUniqueField reports fields that count distinct people: not available
// with hourly breakdowns.
func isUniqueField(f string) bool {
	return f == "reach" || f == "frequency" || f == "cpp" || strings.HasPrefix(f, "unique_") ||
		strings.HasPrefix(f, "cost_per_unique_")
}

// isVideoField reports video metrics: not available with hourly breakdowns.
func isVideoField(f string) bool {
	return strings.HasPrefix(f, "video_") || f == "cost_per_thruplay" || strings.HasPrefix(f, "cost_per_2_sec")
}

// levelIDFields returns the id and name fields of a level and the levels
// above it.
func levelIDFields(l Level) []string {
	f := []string{"account_id", "account_name"}
	switch l {
	case LevelAd:
		f = append(f, "ad_id", "ad_name")
		fallthrough
	case LevelAdSet:
		f = append(f, "adset_id", "adset_name")
		fallthrough
	case LevelCampaign:
		f = append(f, "campaign_id", "campaign_name")
	}
	return f
}

// hasHourly reports whether an hourly breakdown is requested.
func (p *InsightsParams) hasHourly() bool {
	return slices.ContainsFunc(p.Breakdowns, Breakdown.IsHourly)
}

// effectiveFields returns the fields to send: the caller's, or the
// defaults for the level (without the fields hourly breakdowns forbid),
// always with account_currency.
func (p *InsightsParams) effectiveFields() []string {
	var out []string
	if len(p.Fields) > 0 {
		out = slices.Clone(p.Fields)
	} else {
		out = levelIDFields(p.Level)
		hourly := p.hasHourly()
		for _, f := range countFields {
			if hourly && (isUniqueField(f) || isVideoField(f)) {
				continue
			}
			out = append(out, f)
		}
	}
	if !slices.Contains(out, "account_currency") {
		out = append(out, "account_currency")
	}
	return out
}

// Validate reports the first invalid value or combination in p, naming the
// parameter and what is accepted. The service calls it before sending.
func (p InsightsParams) Validate() error {
	var errs []error
	if p.Level != "" {
		errs = append(errs, checkEnum("level", p.Level, levels[:]))
	}
	if p.DatePreset != "" {
		errs = append(errs, checkEnum("date_preset", p.DatePreset, datePresets[:]))
		if !p.TimeRange.IsZero() {
			errs = append(errs, fmt.Errorf("metaads: insights: both date_preset %q and time_range %v are set: want one of them", p.DatePreset, p.TimeRange))
		}
	}
	if !p.TimeRange.IsZero() {
		errs = append(errs, p.TimeRange.validate())
	}
	errs = append(errs, p.TimeIncrement.validate())
	for _, f := range p.Fields {
		if f == "" || strings.ContainsAny(f, ", {}()") {
			errs = append(errs, fmt.Errorf("metaads: insights field %q: want a single field name such as \"impressions\"", f))
		}
	}
	seen := map[Breakdown]bool{}
	for _, b := range p.Breakdowns {
		errs = append(errs, checkEnum("breakdown", b, breakdowns[:]))
		if seen[b] {
			errs = append(errs, fmt.Errorf("metaads: insights breakdown %q is listed twice", b))
		}
		seen[b] = true
	}
	if seen[BreakdownHourlyAdvertiserTZ] && seen[BreakdownHourlyAudienceTZ] {
		errs = append(errs, errors.New("metaads: insights: the two hourly breakdowns cannot be combined"))
	}
	if seen[BreakdownImpressionDevice] && !seen[BreakdownPublisherPlatform] {
		errs = append(errs, errors.New("metaads: insights breakdown impression_device cannot be used alone: combine it with publisher_platform (and platform_position)"))
	}
	if seen[BreakdownPlatformPosition] && !seen[BreakdownPublisherPlatform] {
		errs = append(errs, errors.New("metaads: insights breakdown platform_position needs publisher_platform"))
	}
	hourly := p.hasHourly()
	for _, f := range p.Fields {
		switch {
		case hourly && isUniqueField(f):
			errs = append(errs, fmt.Errorf("metaads: insights field %q counts unique people and is not available with hourly breakdowns (Meta returns 0): remove it or the hourly breakdown", f))
		case hourly && isVideoField(f):
			errs = append(errs, fmt.Errorf("metaads: insights field %q is a video metric, not available with hourly breakdowns", f))
		case (seen[BreakdownRegion] || seen[BreakdownDMA]) && isVideoField(f) && f != "video_play_actions":
			errs = append(errs, fmt.Errorf("metaads: insights field %q is not available with the region or dma breakdowns", f))
		case slices.Contains(rankingFields[:], f) && p.Level != LevelAd:
			errs = append(errs, fmt.Errorf("metaads: insights field %q is reported at ad level only: set Level to %q (level is %q)", f, LevelAd, p.levelName()))
		}
	}
	for _, a := range p.ActionBreakdowns {
		errs = append(errs, checkEnum("action_breakdown", a, actionBreakdowns[:]))
	}
	if len(p.ActionBreakdowns) > 0 && len(p.Fields) > 0 && !slices.ContainsFunc(p.Fields, func(f string) bool { return slices.Contains(actionFields[:], f) }) {
		errs = append(errs, errors.New("metaads: insights action_breakdowns need an action list (such as \"actions\") among the fields"))
	}
	for _, w := range p.AttributionWindows {
		errs = append(errs, checkEnum("action_attribution_window", w, attributionWindows[:]))
	}
	for i, f := range p.Filtering {
		if f.Field == "" {
			errs = append(errs, fmt.Errorf("metaads: insights filter %d has no field: want a field such as \"campaign.id\"", i))
		}
		if err := checkEnum("filter operator", f.Operator, filterOperators[:]); err != nil {
			errs = append(errs, fmt.Errorf("insights filter %d: %s", i, strings.TrimPrefix(err.Error(), "metaads: insights ")))
		}
		if _, err := json.Marshal(f.Value); err != nil {
			errs = append(errs, fmt.Errorf("metaads: insights filter %d value is not JSON-encodable: %w", i, err))
		}
	}
	if p.Limit < 0 {
		errs = append(errs, fmt.Errorf("metaads: insights limit %d: want 0 (Meta's default) or a positive page size", p.Limit))
	}
	for _, e := range errs {
		if e != nil {
			return fmt.Errorf("%w: %s", ErrInvalidParameter, strings.TrimPrefix(e.Error(), "metaads: "))
		}
	}
	return nil
}

func (p *InsightsParams) levelName() string {
	if p.Level == "" {
		return "the queried object's level"
	}
	return string(p.Level)
}

// Values validates p and encodes it as Graph query parameters, the form
// both the synchronous GET and the asynchronous POST take.
func (p InsightsParams) Values() (url.Values, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	q := p
	q.Fields = p.effectiveFields()
	v, err := query.Values(q)
	if err != nil {
		return nil, fmt.Errorf("metaads: encoding insights params: %w", err)
	}
	setJSON := func(key string, val any) error {
		b, err := json.Marshal(val)
		if err != nil {
			return fmt.Errorf("metaads: encoding insights %s: %w", key, err)
		}
		v.Set(key, string(b))
		return nil
	}
	if !p.TimeRange.IsZero() {
		if err := setJSON("time_range", p.TimeRange); err != nil {
			return nil, err
		}
	}
	if len(p.AttributionWindows) > 0 {
		if err := setJSON("action_attribution_windows", p.AttributionWindows); err != nil {
			return nil, err
		}
	}
	if len(p.Filtering) > 0 {
		if err := setJSON("filtering", p.Filtering); err != nil {
			return nil, err
		}
	}
	if p.Sort != "" {
		if err := setJSON("sort", []string{p.Sort}); err != nil {
			return nil, err
		}
	}
	return v, nil
}
