package analysis

import (
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/rules"
)

// Report is the outcome of one optimization pass over one ad account
// ([Run]): what was collected, the statistics, what the rules decided (in
// a dry run), the signals found and the analyzer's recommendations. The
// CRM, the agent and users' services store and show this one value; it
// encodes to JSON with stable field names and renders with
// [Report.Markdown].
type Report struct {
	// Account is the ad account the pass ran on.
	Account EntityRef `json:"account"`
	// Currency and TimeZone are the account's (ISO 4217, IANA).
	Currency string `json:"currency"`
	TimeZone string `json:"time_zone"`
	// Now is the time the pass evaluated at, in the account's time zone.
	Now time.Time `json:"now"`
	// Range is the days of daily insights the pass read: Dataset.Range,
	// zero (and left out of the JSON) for an account without delivery.
	Range metaads.TimeRange `json:"range,omitzero"`
	// Goals are the goals the pass judged against.
	Goals Goals `json:"goals"`
	// Collect says how the data was obtained (calls, rows, duplicates).
	Collect CollectStats `json:"collect"`
	// Entities counts the campaigns, ad sets and ads of the Dataset.
	Entities EntityCounts `json:"entities"`
	// Statistics are the campaign statistics per level and window.
	Statistics []WindowStatistics `json:"statistics"`
	// Evaluation is the dry-run rule evaluation: decisions with evidence
	// and safeguards, and per-rule coverage.
	Evaluation *rules.Evaluation `json:"evaluation,omitempty"`
	// Signals are the signals the pass computed.
	Signals []Signal `json:"signals,omitempty"`
	// Result is the analyzer's result.
	Result *Result `json:"result"`
	// Duration is how long the pass took.
	Duration time.Duration `json:"duration"`

	// Dataset is the data the pass ran on. It is not encoded (it is large;
	// encode it separately when it must be kept).
	Dataset *Dataset `json:"-"`
}

// EntityCounts counts the entities of a Dataset.
type EntityCounts struct {
	Campaigns int `json:"campaigns"`
	AdSets    int `json:"adsets"`
	Ads       int `json:"ads"`
}

// Phase is a step of a pass, for progress reports.
type Phase string

// Phases of a pass, in order.
const (
	PhaseObjects  Phase = "objects"  // reading the account, campaigns, ad sets and ads
	PhaseDaily    Phase = "daily"    // reading daily insights
	PhaseHourly   Phase = "hourly"   // reading hourly insights
	PhaseWindows  Phase = "windows"  // reading window totals (reach)
	PhaseSnapshot Phase = "snapshot" // building the rules snapshot and statistics
	PhaseRules    Phase = "rules"    // evaluating the rules (dry run)
	PhaseSignals  Phase = "signals"  // computing signals
	PhaseAnalyze  Phase = "analyze"  // running the analyzer
	PhaseDone     Phase = "done"     // finished
)

// Progress reports how far a collect or a pass has come.
type Progress struct {
	Phase Phase `json:"phase"`
	// Detail says what is being read ("daily insights, ad level").
	Detail string `json:"detail,omitempty"`
	// Requests is the number of Graph API requests made so far.
	Requests int `json:"requests"`
	// Rows is the number of insights rows read so far.
	Rows int `json:"rows"`
}

// ProgressFunc receives progress reports. It is called from the goroutine
// running the collect or the pass, never concurrently, and should return
// quickly.
type ProgressFunc func(Progress)
