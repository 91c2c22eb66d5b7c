package metaads

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/adpilot/adpilot/metrics"
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
	Level metrics.Level `url:"level,omitempty"`
	// Fields are the fields to return. Empty asks for a default set that
	// fills [Insight.Counts] for the level. account_currency is always
	// added, since money is decoded in its minor units.
	Fields []string `url:"fields,comma,omitempty"`
	// DatePreset is a relative window. It cannot be combined with TimeRange.
	DatePreset DatePreset `url:"date_preset,omitempty"`
	// TimeRange is an explicit inclusive range of days.
	TimeRange TimeRange `url:"-"`
	// TimeRanges asks for several ranges in one call (time_ranges): one
	// result set per range, each row carrying its range in DateStart and
	// DateStop, ranges may overlap (the last 3, 7 and 30 days at once). It
	// cannot be combined with DatePreset, TimeRange or a TimeIncrement.
	TimeRanges []TimeRange `url:"-"`
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
func levelIDFields(l metrics.Level) []string {
	f := []string{"account_id", "account_name"}
	switch l {
	case metrics.LevelAd:
		f = append(f, "ad_id", "ad_name")
		fallthrough
	case metrics.LevelAdSet:
		f = append(f, "adset_id", "adset_name")
		fallthrough
	case metrics.LevelCampaign:
		f = append(f, "campaign_id", "campaign_name")
	}
	return f
}

// hasHourly reports whether an hourly breakdown is requested.
func (p *InsightsParams) hasHourly() bool {
	return slices.ContainsFunc(p.Breakdowns, Breakdown.IsHourly)
}

// DefaultInsightsFields returns the fields an [InsightsParams] without
// Fields asks for at level l: the ids and names of the level and those
// above it, and every field [Insight.Counts] reads; with hourly true,
// without the unique and video fields hourly breakdowns refuse. Append to
// it to ask for more than the defaults.
func DefaultInsightsFields(l metrics.Level, hourly bool) []string {
	out := levelIDFields(l)
	for _, f := range countFields {
		if hourly && (isUniqueField(f) || isVideoField(f)) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// effectiveFields returns the fields to send: the caller's, or the
// defaults for the level (without the fields hourly breakdowns forbid),
// always with account_currency.
func (p *InsightsParams) effectiveFields() []string {
	var out []string
	if len(p.Fields) > 0 {
		out = slices.Clone(p.Fields)
	} else {
		out = DefaultInsightsFields(p.Level, p.hasHourly())
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
		errs = append(errs, checkEnum("level", p.Level, metrics.Levels()))
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
	if len(p.TimeRanges) > 0 {
		if p.DatePreset != "" || !p.TimeRange.IsZero() || p.TimeIncrement != "" {
			errs = append(errs, errors.New("metaads: insights: time_ranges cannot be combined with date_preset, time_range or time_increment: want time_ranges alone"))
		}
		for i, r := range p.TimeRanges {
			if err := r.validate(); err != nil {
				errs = append(errs, fmt.Errorf("metaads: insights time_ranges[%d]: %s", i, strings.TrimPrefix(err.Error(), "metaads: insights ")))
			}
		}
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
		case slices.Contains(rankingFields[:], f) && p.Level != metrics.LevelAd:
			errs = append(errs, fmt.Errorf("metaads: insights field %q is reported at ad level only: set Level to %q (level is %q)", f, metrics.LevelAd, p.levelName()))
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
	if len(p.TimeRanges) > 0 {
		if err := setJSON("time_ranges", p.TimeRanges); err != nil {
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

// DatePreset is a relative date window, evaluated in the ad account's time
// zone. The zero DatePreset leaves the choice to Meta (last_30d).
type DatePreset string

// Date presets accepted by the insights edge.
const (
	DatePresetToday            DatePreset = "today"
	DatePresetYesterday        DatePreset = "yesterday"
	DatePresetThisMonth        DatePreset = "this_month"
	DatePresetLastMonth        DatePreset = "last_month"
	DatePresetThisQuarter      DatePreset = "this_quarter"
	DatePresetMaximum          DatePreset = "maximum"
	DatePresetDataMaximum      DatePreset = "data_maximum"
	DatePresetLast3Days        DatePreset = "last_3d"
	DatePresetLast7Days        DatePreset = "last_7d"
	DatePresetLast14Days       DatePreset = "last_14d"
	DatePresetLast28Days       DatePreset = "last_28d"
	DatePresetLast30Days       DatePreset = "last_30d"
	DatePresetLast90Days       DatePreset = "last_90d"
	DatePresetLastWeekMonSun   DatePreset = "last_week_mon_sun"
	DatePresetLastWeekSunSat   DatePreset = "last_week_sun_sat"
	DatePresetLastQuarter      DatePreset = "last_quarter"
	DatePresetLastYear         DatePreset = "last_year"
	DatePresetThisWeekMonToday DatePreset = "this_week_mon_today"
	DatePresetThisWeekSunToday DatePreset = "this_week_sun_today"
	DatePresetThisYear         DatePreset = "this_year"
)

var datePresets = [...]DatePreset{DatePresetToday, DatePresetYesterday, DatePresetThisMonth,
	DatePresetLastMonth, DatePresetThisQuarter, DatePresetMaximum, DatePresetDataMaximum,
	DatePresetLast3Days, DatePresetLast7Days, DatePresetLast14Days, DatePresetLast28Days,
	DatePresetLast30Days, DatePresetLast90Days, DatePresetLastWeekMonSun, DatePresetLastWeekSunSat,
	DatePresetLastQuarter, DatePresetLastYear, DatePresetThisWeekMonToday, DatePresetThisWeekSunToday,
	DatePresetThisYear}

// String returns the wire value.
func (d DatePreset) String() string { return string(d) }

// Breakdown splits insights rows by a dimension; each breakdown's value
// arrives as an extra key on the row (see [Insight.Breakdown]).
type Breakdown string

// Insights breakdowns.
const (
	BreakdownAge                     Breakdown = "age"
	BreakdownGender                  Breakdown = "gender"
	BreakdownCountry                 Breakdown = "country"
	BreakdownRegion                  Breakdown = "region"
	BreakdownDMA                     Breakdown = "dma"
	BreakdownPublisherPlatform       Breakdown = "publisher_platform"
	BreakdownPlatformPosition        Breakdown = "platform_position"
	BreakdownImpressionDevice        Breakdown = "impression_device"
	BreakdownDevicePlatform          Breakdown = "device_platform"
	BreakdownHourlyAdvertiserTZ      Breakdown = "hourly_stats_aggregated_by_advertiser_time_zone"
	BreakdownHourlyAudienceTZ        Breakdown = "hourly_stats_aggregated_by_audience_time_zone"
	BreakdownFrequencyValue          Breakdown = "frequency_value"
	BreakdownProductID               Breakdown = "product_id"
	BreakdownImageAsset              Breakdown = "image_asset"
	BreakdownVideoAsset              Breakdown = "video_asset"
	BreakdownBodyAsset               Breakdown = "body_asset"
	BreakdownTitleAsset              Breakdown = "title_asset"
	BreakdownDescriptionAsset        Breakdown = "description_asset"
	BreakdownCallToActionAsset       Breakdown = "call_to_action_asset"
	BreakdownLinkURLAsset            Breakdown = "link_url_asset"
	BreakdownAdFormatAsset           Breakdown = "ad_format_asset"
	BreakdownPlacePageID             Breakdown = "place_page_id"
	BreakdownUserSegmentKey          Breakdown = "user_segment_key"
	BreakdownMMM                     Breakdown = "mmm"
	BreakdownSkanConversionID        Breakdown = "skan_conversion_id"
	BreakdownAppID                   Breakdown = "app_id"
	BreakdownHSID                    Breakdown = "hsid"
	BreakdownIsConversionIDModeled   Breakdown = "is_conversion_id_modeled"
	BreakdownCoarseConversionValue   Breakdown = "coarse_conversion_value"
	BreakdownPostbackSequenceIndex   Breakdown = "postback_sequence_index"
	BreakdownRedownload              Breakdown = "redownload"
	BreakdownSkanCampaignID          Breakdown = "skan_campaign_id"
	BreakdownFidelityType            Breakdown = "fidelity_type"
	BreakdownStandardEventContentTyp Breakdown = "standard_event_content_type"
)

var breakdowns = [...]Breakdown{BreakdownAge, BreakdownGender, BreakdownCountry, BreakdownRegion,
	BreakdownDMA, BreakdownPublisherPlatform, BreakdownPlatformPosition, BreakdownImpressionDevice,
	BreakdownDevicePlatform, BreakdownHourlyAdvertiserTZ, BreakdownHourlyAudienceTZ,
	BreakdownFrequencyValue, BreakdownProductID, BreakdownImageAsset, BreakdownVideoAsset,
	BreakdownBodyAsset, BreakdownTitleAsset, BreakdownDescriptionAsset, BreakdownCallToActionAsset,
	BreakdownLinkURLAsset, BreakdownAdFormatAsset, BreakdownPlacePageID, BreakdownUserSegmentKey,
	BreakdownMMM, BreakdownSkanConversionID, BreakdownAppID, BreakdownHSID,
	BreakdownIsConversionIDModeled, BreakdownCoarseConversionValue, BreakdownPostbackSequenceIndex,
	BreakdownRedownload, BreakdownSkanCampaignID, BreakdownFidelityType, BreakdownStandardEventContentTyp}

// String returns the wire value.
func (b Breakdown) String() string { return string(b) }

// IsHourly reports whether b is one of the hourly breakdowns, which allow
// no unique metrics (reach, frequency, unique_*) and no video metrics.
func (b Breakdown) IsHourly() bool {
	return b == BreakdownHourlyAdvertiserTZ || b == BreakdownHourlyAudienceTZ
}

// ActionBreakdown splits the elements of action lists (actions,
// action_values, ...) by a dimension; the value arrives as an extra key on
// each element (see [ActionValue.Breakdowns]).
type ActionBreakdown string

// Action breakdowns.
const (
	ActionBreakdownType                ActionBreakdown = "action_type"
	ActionBreakdownDevice              ActionBreakdown = "action_device"
	ActionBreakdownDestination         ActionBreakdown = "action_destination"
	ActionBreakdownTargetID            ActionBreakdown = "action_target_id"
	ActionBreakdownReaction            ActionBreakdown = "action_reaction"
	ActionBreakdownVideoSound          ActionBreakdown = "action_video_sound"
	ActionBreakdownVideoType           ActionBreakdown = "action_video_type"
	ActionBreakdownCarouselCardID      ActionBreakdown = "action_carousel_card_id"
	ActionBreakdownCarouselCardName    ActionBreakdown = "action_carousel_card_name"
	ActionBreakdownCanvasComponentName ActionBreakdown = "action_canvas_component_name"
	ActionBreakdownConversionDest      ActionBreakdown = "conversion_destination"
)

var actionBreakdowns = [...]ActionBreakdown{ActionBreakdownType, ActionBreakdownDevice,
	ActionBreakdownDestination, ActionBreakdownTargetID, ActionBreakdownReaction,
	ActionBreakdownVideoSound, ActionBreakdownVideoType, ActionBreakdownCarouselCardID,
	ActionBreakdownCarouselCardName, ActionBreakdownCanvasComponentName, ActionBreakdownConversionDest}

// String returns the wire value.
func (a ActionBreakdown) String() string { return string(a) }

// AttributionWindow is an action attribution window; with windows set,
// each action element also carries a value per window (see
// [ActionValue.Window]).
type AttributionWindow string

// Attribution windows.
const (
	Window1dView   AttributionWindow = "1d_view"
	Window7dView   AttributionWindow = "7d_view"
	Window28dView  AttributionWindow = "28d_view"
	Window1dClick  AttributionWindow = "1d_click"
	Window7dClick  AttributionWindow = "7d_click"
	Window28dClick AttributionWindow = "28d_click"
	Window1dEV     AttributionWindow = "1d_ev"
	WindowDDA      AttributionWindow = "dda"
	WindowDefault  AttributionWindow = "default"
)

// attributionWindows is indexed by the window's slot in ActionValue.
var attributionWindows = [...]AttributionWindow{Window1dView, Window7dView, Window28dView,
	Window1dClick, Window7dClick, Window28dClick, Window1dEV, WindowDDA, WindowDefault}

// numWindows is how many attribution windows an ActionValue can carry.
const numWindows = len(attributionWindows)

// String returns the wire value.
func (w AttributionWindow) String() string { return string(w) }

// windowSlot returns the index of w in attributionWindows.
func windowSlot(w string) (int, bool) {
	for i, x := range attributionWindows {
		if string(x) == w {
			return i, true
		}
	}
	return 0, false
}

// checkEnum reports an error naming the parameter, the bad value and the
// accepted values when v is not in valid.
func checkEnum[T ~string](param string, v T, valid []T) error {
	for _, x := range valid {
		if x == v {
			return nil
		}
	}
	names := make([]string, len(valid))
	for i, x := range valid {
		names[i] = string(x)
	}
	return fmt.Errorf("metaads: insights %s %q is not supported: want one of %s", param, string(v), strings.Join(names, ", "))
}
