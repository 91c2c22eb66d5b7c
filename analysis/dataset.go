package analysis

import (
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// Dataset is everything one optimization pass knows about one ad account:
// the account, its campaigns, ad sets and ads as Meta reports them, the
// conversion event each campaign is judged on, daily insights per entity
// at each collected level, hourly insights in the account's time zone, and
// de-duplicated totals (reach above all) of the windows the rules read.
//
// A Dataset is plain data: [Collect] fills it from the Graph API,
// [FromRows] from rows a caller already has (a warehouse, an Ads Manager
// CSV export), and it encodes to JSON with stable snake_case field names,
// so a pass can be stored and replayed. Money is int64 minor units of
// Account.Currency everywhere. Days ([metaads.Date]) are calendar days in
// the account's time zone (Account.TimezoneName), as Meta reports them.
//
// Functions that read a Dataset ([Dataset.Snapshot], the analyzers, the
// signals of analysis/signals) never modify it; a Dataset is safe for
// concurrent reads.
type Dataset struct {
	// Account is the ad account: id, name, currency, time zone
	// (TimezoneName, an IANA zone), status, spend cap and amount spent.
	Account metaads.AdAccount `json:"account"`

	// Campaigns, AdSets and Ads are the account's objects with their
	// budgets (minor units; zero when not set at that level), bid amount
	// and strategy, configured status (Status) and effective status,
	// objective (campaigns) and optimisation goal (ad sets), the ad sets'
	// learning stage and last significant edit (Meta's
	// learning_stage_info), created, start and end times and targeting
	// (AdSet.Targeting). Ordered by id.
	Campaigns []metaads.Campaign `json:"campaigns"`
	AdSets    []metaads.AdSet    `json:"adsets"`
	Ads       []metaads.Ad       `json:"ads"`

	// ConversionEvents holds, per campaign, the action type its
	// Counts.Conversions and Counts.ConversionValue count, and why it was
	// chosen (see [ConversionEvent]). Every campaign has exactly one entry,
	// ordered by campaign id.
	ConversionEvents []ConversionEvent `json:"conversion_events"`

	// Range is the inclusive range of days Daily covers (the lookback, up
	// to and including the account's today at collection time). From
	// [FromRows] it is the range of the rows given, so it is zero (and
	// left out of the JSON) for an account without delivery.
	Range metaads.TimeRange `json:"range,omitzero"`

	// Levels are the levels Daily covers. An entity of a level not listed
	// has no windows in a Snapshot (unknown, not zero); an entity of a
	// listed level without rows had no delivery.
	Levels []metrics.Level `json:"levels"`

	// Daily holds one row per entity, level and day with delivery (days
	// without delivery have no row; their counts are zero). Rows are
	// unique by (Level, ID, Date) and ordered by level (campaign, ad set,
	// ad), then id, then date.
	Daily []DailyRow `json:"daily"`

	// HourlyRange is the inclusive range of days Hourly covers; zero when
	// hourly insights were not collected.
	HourlyRange metaads.TimeRange `json:"hourly_range,omitzero"`

	// Hourly holds one row per entity, day and hour of day in the
	// account's time zone (Meta's hourly_stats_aggregated_by_advertiser_time_zone),
	// unique by (Level, ID, Date, Hour) and ordered like Daily, then by
	// hour. Meta's hourly breakdown carries no reach, unique counts, video
	// metrics or off-Meta (pixel) conversions: those fields are zero here
	// and must not be read as zero delivery.
	Hourly []HourlyRow `json:"hourly,omitempty"`

	// Windows are totals Meta computed over a whole window (a query without
	// a daily time increment), one row per entity, level and window. They
	// carry what daily rows cannot: de-duplicated reach (reach is never a
	// sum of days), ad rankings over the window, and the counts of a window
	// that starts before Range (the lifetime of an old entity). Unique by
	// (Level, ID, Window.Since, Window.Until).
	Windows []WindowRow `json:"windows,omitempty"`

	// CollectedAt is when the data was read, in the account's time zone.
	// Today's rows are partial up to this time.
	CollectedAt time.Time `json:"collected_at"`

	// Stats says how the Dataset was obtained: calls, rows, duplicates.
	Stats CollectStats `json:"stats"`
}

// DailyRow is the delivery of one entity on one day.
type DailyRow struct {
	Level metrics.Level `json:"level"` // campaign, adset or ad (account for account-level rows)
	ID    string        `json:"id"`    // the entity's id at Level (the account number for account rows)
	Date  metaads.Date  `json:"date"`  // the day, in the account's time zone
	// Counts are the day's additive counts, with Conversions and
	// ConversionValue counting the campaign's conversion event. Reach is
	// the day's reach (exact for the day, never summed across days).
	Counts metrics.Counts `json:"counts"`
}

// HourlyRow is the delivery of one entity in one hour of one day.
type HourlyRow struct {
	Level metrics.Level `json:"level"` // level of the entity
	ID    string        `json:"id"`    // the entity's id at Level
	Date  metaads.Date  `json:"date"`  // the day, in the account's time zone
	Hour  int           `json:"hour"`  // hour of day, 0 to 23, in the account's time zone
	// Counts are the hour's counts: impressions, clicks, link clicks,
	// spend and on-Meta actions only (see Dataset.Hourly).
	Counts metrics.Counts `json:"counts"`
}

// WindowRow is Meta's total for one entity over one window of days.
type WindowRow struct {
	Level  metrics.Level     `json:"level"`  // level of the entity
	ID     string            `json:"id"`     // the entity's id at Level
	Window metaads.TimeRange `json:"window"` // the inclusive days of the window
	// Name is the rules window this row was collected for ("last_7d",
	// "lifetime", ...), for reading; lookups use Window.
	Name string `json:"name,omitempty"`
	// Counts are the window's counts; Reach is de-duplicated over the
	// window (ReachSummed false).
	Counts metrics.Counts `json:"counts"`
	// Rankings are the ad's quality, engagement-rate and conversion-rate
	// rankings over the window (ad level only; unknown elsewhere or when
	// Meta had too little data).
	Rankings metrics.Rankings `json:"rankings,omitzero"`
}

// ConversionEvent is the conversion event one campaign is judged on: the
// action type its Counts.Conversions count. Rules and analyzers compare a
// campaign's conversions and CPA with a target only when the target is
// for the same event, so a lead campaign is never judged on purchases.
type ConversionEvent struct {
	CampaignID string `json:"campaign_id"`
	// ActionType is the Meta action type counted ("omni_purchase",
	// "lead", "offsite_conversion.fb_pixel_complete_registration", ...);
	// empty when the campaign optimises for no conversion (awareness,
	// reach, traffic, engagement), in which case its conversion counts are
	// zero and no conversion-based judgement applies.
	ActionType string `json:"action_type,omitempty"`
	// Source says where ActionType came from.
	Source ConversionSource `json:"source"`
	// Reason says in words why this event was chosen ("objective
	// OUTCOME_LEADS with optimisation goal LEAD_GENERATION").
	Reason string `json:"reason"`
}

// ConversionSource is where a campaign's conversion event came from.
type ConversionSource string

// Conversion sources, from the most to the least authoritative.
const (
	// SourceOverride: the caller chose it (CollectOptions.ConversionEvents
	// or a column of the rows given to FromRows).
	SourceOverride ConversionSource = "override"
	// SourcePromotedObject: the ad sets' promoted_object.custom_event_type
	// (PURCHASE, LEAD, COMPLETE_REGISTRATION, ...).
	SourcePromotedObject ConversionSource = "promoted_object"
	// SourceOptimizationGoal: the ad sets' optimisation goal
	// (LEAD_GENERATION, OFFSITE_CONVERSIONS with a sales objective, ...).
	SourceOptimizationGoal ConversionSource = "optimization_goal"
	// SourceObjective: the campaign objective alone (OUTCOME_SALES counts
	// purchases, OUTCOME_LEADS leads).
	SourceObjective ConversionSource = "objective"
	// SourceNone: the campaign optimises for no conversion.
	SourceNone ConversionSource = "none"
)

// CollectStats describes how a Dataset was obtained.
type CollectStats struct {
	// Requests is the number of Graph API requests made: object reads,
	// insights pages, report-run starts, polls and result pages, retries
	// included (each counts against Meta's rate limits). Zero for a
	// Dataset built from rows.
	Requests int `json:"requests"`
	// AsyncRuns is the number of asynchronous report runs started.
	AsyncRuns int `json:"async_runs"`
	// Rows is the number of insights rows read, duplicates included.
	Rows int `json:"rows"`
	// Duplicates is the number of rows dropped because a row with the same
	// key (metaads.Insight.Key) was already read, as a resumed report run
	// re-delivers.
	Duplicates int `json:"duplicates"`
}

// CollectOptions chooses what [Collect] reads. The zero value is valid and
// reads what the default rule library and the heuristic analyzer need.
type CollectOptions struct {
	// Levels are the levels to read daily insights at; default campaign,
	// ad set and ad. Window totals are read at the same levels.
	Levels []metrics.Level

	// LookbackDays is how many complete days before today the daily rows
	// cover (today is always included). Default 60: the last 30 days, the
	// week before last, an ad's launch week and best week for launches in
	// the last two months. At most 400.
	LookbackDays int

	// Hourly turns the hourly breakdown on or off (default on, see
	// NoHourly); HourlyDays is its range in complete days before today
	// (default 28: four of each weekday) and HourlyLevel its level
	// (default account: the account's hour-of-day curve in a few calls;
	// ad set level costs a page per 500 ad set hours).
	NoHourly    bool
	HourlyDays  int
	HourlyLevel metrics.Level

	// ConversionEvent, when set, is the action type counted as a
	// conversion for every campaign; ConversionEvents overrides it per
	// campaign id. Without either, each campaign's event is chosen from its
	// ad sets' promoted object and optimisation goal and its objective
	// (see [ConversionEvent]).
	ConversionEvent  string
	ConversionEvents map[string]string

	// Fields are extra insights fields to request on daily rows (the
	// defaults already fill every metrics.Counts field). Unknown fields
	// are refused by Meta with an error naming them.
	Fields []string

	// AsyncAfterDays is the longest range read with synchronous pages;
	// longer ranges go through asynchronous report runs
	// (metaads.InsightsService.Run). Default 31.
	AsyncAfterDays int

	// Run tunes the asynchronous report runs (polling, restarts, jobs per
	// account, page size; chunking defaults to one run per query). A run
	// that fails mid-way is restarted by the runner without losing or
	// repeating rows. Run.Resume is refused: a collection is several
	// queries, so a failed Collect is simply run again.
	Run metaads.RunOptions

	// Progress, when set, is called as the collection advances (from the
	// calling goroutine, never concurrently).
	Progress ProgressFunc

	// Now, when set, replaces the clock that decides "today" in the
	// account's time zone (tests, replays). Default time.Now.
	Now func() time.Time
}
