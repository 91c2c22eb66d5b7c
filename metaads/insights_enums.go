package metaads

import (
	"fmt"
	"strings"
)

// Level is the aggregation level of an insights query: one row per account,
// campaign, ad set or ad (times breakdowns and time increments).
type Level string

// Insights levels.
const (
	LevelAccount  Level = "account"
	LevelCampaign Level = "campaign"
	LevelAdSet    Level = "adset"
	LevelAd       Level = "ad"
)

var levels = [...]Level{LevelAccount, LevelCampaign, LevelAdSet, LevelAd}

// String returns the wire value.
func (l Level) String() string { return string(l) }

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
// each element (see [ActionStat.Breakdowns]).
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
// [ActionStat.Window]).
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

// attributionWindows is indexed by the window's slot in ActionStat.
var attributionWindows = [...]AttributionWindow{Window1dView, Window7dView, Window28dView,
	Window1dClick, Window7dClick, Window28dClick, Window1dEV, WindowDDA, WindowDefault}

// numWindows is how many attribution windows an ActionStat can carry.
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
