package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/adpilot/adpilot/metrics"
)

// MetaRule is one rule in the shape of Meta's automated rules
// (POST act_<id>/adrules_library).
type MetaRule struct {
	Name           string             `json:"name"`
	EvaluationSpec MetaEvaluationSpec `json:"evaluation_spec"`
	ExecutionSpec  MetaExecutionSpec  `json:"execution_spec"`
	ScheduleSpec   *MetaScheduleSpec  `json:"schedule_spec,omitempty"`
	Status         string             `json:"status"` // ENABLED or DISABLED
}

// MetaEvaluationSpec is evaluation_spec: filters combined with AND.
type MetaEvaluationSpec struct {
	EvaluationType string       `json:"evaluation_type"` // SCHEDULE
	Filters        []MetaFilter `json:"filters"`
}

// MetaFilter is one {field, value, operator} filter. Numbers are
// [json.Number] values written as plain decimals (7, not
// 7.000000000000001); lists are []json.Number or []string.
type MetaFilter struct {
	Field    string `json:"field"`
	Value    any    `json:"value"`
	Operator string `json:"operator"`
}

// MetaExecutionSpec is execution_spec.
type MetaExecutionSpec struct {
	ExecutionType    string       `json:"execution_type"`
	ExecutionOptions []MetaFilter `json:"execution_options,omitempty"` // operator always EQUAL
}

// MetaScheduleSpec is schedule_spec: DAILY (at midnight in the account's
// time zone), SEMI_HOURLY, or CUSTOM with the runs in Schedule.
type MetaScheduleSpec struct {
	ScheduleType string         `json:"schedule_type"`
	Schedule     []MetaSchedule `json:"schedule,omitempty"` // CUSTOM only
}

// MetaSchedule is one entry of a CUSTOM schedule_spec. Minutes count from
// midnight in the account's time zone, in steps of 30; days are 0 (Sunday)
// to 6. An entry with StartMinute and no EndMinute runs once at that time;
// with both it runs every half hour from StartMinute to EndMinute.
type MetaSchedule struct {
	StartMinute *int  `json:"start_minute,omitempty"`
	EndMinute   *int  `json:"end_minute,omitempty"`
	Days        []int `json:"days,omitempty"`
}

// Form encodes the rule as the form parameters of POST act_<id>/adrules_library
// (each spec as a JSON string).
func (m MetaRule) Form() (url.Values, error) {
	v := url.Values{}
	v.Set("name", m.Name)
	v.Set("status", m.Status)
	specs := []struct {
		key  string
		spec any
	}{{"evaluation_spec", m.EvaluationSpec}, {"execution_spec", m.ExecutionSpec}}
	if m.ScheduleSpec != nil {
		specs = append(specs, struct {
			key  string
			spec any
		}{"schedule_spec", m.ScheduleSpec})
	}
	for _, s := range specs {
		b, err := json.Marshal(s.spec)
		if err != nil {
			return nil, fmt.Errorf("rules: encode %s: %w", s.key, err)
		}
		v.Set(s.key, string(b))
	}
	return v, nil
}

// MetaExport is the result of [RuleSet.ExportMeta]: the rules Meta can
// run, and for every other rule the reasons it cannot.
type MetaExport struct {
	// Currency is Spec.Currency: the money values are minor units of it,
	// so create the rules only in an ad account in this currency
	// (metaactuator.CreateAdRules checks). Empty when the document names none.
	Currency    string         `json:"currency,omitempty"`
	Rules       []ExportedRule `json:"rules"`
	Unsupported []ExportIssue  `json:"unsupported"`
}

// ExportedRule is a rule Meta can run, with notes on what Meta does
// differently.
type ExportedRule struct {
	RuleID string   `json:"rule_id"`
	Meta   MetaRule `json:"meta"`
	// Exact is true when Meta's filters select the same entities as the
	// rule's filter and conditions on the same data: no comparison is
	// approximated (a >= on a fractional metric becomes GREATER_THAN, for
	// example). It assumes the conversion fields count the rule's
	// conversion event (see [ExportConversion]), that Entity.Status
	// carries the effective status (Meta filters on effective_status), and
	// that Meta counts hours_since_creation in whole hours (as metaadstest
	// does; not documented).
	// What happens after selection (a dropped cooldown, a run schedule)
	// is in Notes either way.
	Exact bool `json:"exact"`
	// Notes say what Meta does differently, each starting with the JSON
	// path of the part concerned.
	Notes []string `json:"notes,omitempty"`
	// Warnings are things to fix before creating the rule, such as a
	// notification without recipients.
	Warnings []string `json:"warnings,omitempty"`
}

// ExportIssue is a part of a rule Meta's automated rules cannot express.
// A rule with any issue is not exported.
type ExportIssue struct {
	RuleID string `json:"rule_id"`
	Path   string `json:"path"` // JSON path in the spec, like Compile's problems
	Reason string `json:"reason"`
}

// MetaConversion names the Meta rule fields that count a rule's
// conversions (the "conversions", "cpa" and "roas" metrics).
type MetaConversion uint8

// Conversion events for [ExportConversion].
const (
	// MetaResults exports conversions as Meta's results and cost_per:
	// each ad set's optimization event. ROAS cannot be exported (Meta's
	// rules read ROAS only for purchases). The default.
	MetaResults MetaConversion = iota
	// MetaWebsitePurchases exports conversions as website (pixel)
	// purchases: offsite_conversion.fb_pixel_purchase,
	// cost_per_purchase_fb and website_purchase_roas.
	MetaWebsitePurchases
	// MetaAppPurchases exports conversions as app purchases:
	// app_custom_event.fb_mobile_purchase and mobile_app_purchase_roas.
	// Meta documents no cost-per field for them by name, so "cpa" cannot
	// be exported.
	MetaAppPurchases
)

// ExportOption configures [RuleSet.ExportMeta].
type ExportOption func(*exportConfig) error

type exportConfig struct {
	userIDs    []string
	conversion MetaConversion
	convSet    bool   // ExportConversion was given
	convEvent  string // Spec.ConversionEvent
}

// ExportNotify sets the recipients of exported notification rules (Meta's
// user_ids execution option): Facebook user ids, digits only. Without it a
// notification goes only to the rule's creator, and to nobody when a system
// user creates it; each exported notification rule then carries a warning.
func ExportNotify(userIDs ...string) ExportOption {
	return func(c *exportConfig) error {
		if len(userIDs) == 0 {
			return errors.New("rules: ExportNotify: no user ids; expected at least one Facebook user id")
		}
		for _, id := range userIDs {
			if _, err := strconv.ParseUint(id, 10, 64); err != nil {
				return fmt.Errorf("rules: ExportNotify: user id %q; expected digits only", id)
			}
		}
		c.userIDs = append([]string(nil), userIDs...)
		return nil
	}
}

// ExportConversion says which Meta fields count the conversions of the
// exported rules. Without it, a Spec.ConversionEvent of
// offsite_conversion.fb_pixel_purchase exports as [MetaWebsitePurchases],
// app_custom_event.fb_mobile_purchase as [MetaAppPurchases], and anything
// else as [MetaResults] (Meta's results: right when the ad sets optimize
// for the rule's conversion event).
func ExportConversion(c MetaConversion) ExportOption {
	return func(cfg *exportConfig) error {
		if c > MetaAppPurchases {
			return fmt.Errorf("rules: ExportConversion(%d); expected MetaResults, MetaWebsitePurchases or MetaAppPurchases", c)
		}
		cfg.conversion, cfg.convSet = c, true
		return nil
	}
}

// ExportMeta translates the rules Meta's automated rules can express into
// adrules_library specs, and names, with its JSON path and a reason, every
// part of every other rule they cannot express.
//
// Meta's filters are AND-only. Each condition keeps its own window (a
// time-preset prefix such as last_3d_cost_per), comparisons of two
// measured values become formula fields (yesterday_spent / daily_budget),
// the negation of a single comparison reverses its operator, and hour and
// weekday conditions at the top of a rule become a CUSTOM schedule. What
// cannot be expressed: "any" groups, negated groups, statistical gates,
// ledger conditions, windows Meta has no preset for, fields Meta does not
// read, set-to-value actions, freezes, weekly caps and learning-phase skips
// (a dropped safeguard makes a rule unsupported). Meta documents cooldowns
// (action_frequency) and execution caps only for budget and bid changes:
// a pause or unpause rule loses them with a note (a paused entity leaves
// the rule's filter), a daily notification too (Meta notifies at every run
// while the condition holds), and a notification that runs every half hour
// is refused. Cost conditions at ad set and ad level export only with
// budget and bid changes (Meta's error 2703).
//
// Meta filters on effective_status (an ad set whose campaign is paused is
// not ACTIVE). A rule that reads a budget or bid gets a filter that it is
// above 0 (daily_budget GREATER_THAN 0): the engine reads a budget of 0
// (an ad set under a campaign budget) as undefined and never meets the
// condition, Meta would read 0. Meta documents no value for a formula whose divisor is zero
// (metaadstest does not meet it), so a comparison with a measured value
// that can be zero (a count, a rate, a cost) exports as a formula that is
// not Exact unless it is "<" (where both sides agree). The error is
// reserved for invalid options; unsupported rules are not errors.
func (s *RuleSet) ExportMeta(opts ...ExportOption) (*MetaExport, error) {
	var cfg exportConfig
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("rules: ExportMeta: option %d is nil", i)
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	cfg.convEvent = s.convEvent
	if !cfg.convSet {
		switch s.convEvent {
		case "offsite_conversion.fb_pixel_purchase":
			cfg.conversion = MetaWebsitePurchases
		case "app_custom_event.fb_mobile_purchase":
			cfg.conversion = MetaAppPurchases
		}
	}
	out := &MetaExport{Currency: s.currency, Rules: []ExportedRule{}, Unsupported: []ExportIssue{}}
	for _, r := range s.rules {
		x := &exporter{rule: r, cfg: &cfg, path: "rules[" + strconv.Itoa(r.index) + "]"}
		m := x.export(s.killSwitch)
		if s.maxDaily > 0 && r.action.typ.Mutates() && r.class != ClassSafety {
			x.note("max_daily_changes: Meta's rules have no cap across rules; this rule's own limits still apply")
		}
		if len(x.issues) > 0 {
			out.Unsupported = append(out.Unsupported, x.issues...)
			continue
		}
		out.Rules = append(out.Rules, ExportedRule{RuleID: r.id, Meta: m, Exact: !x.inexact, Notes: x.notes, Warnings: x.warnings})
	}
	return out, nil
}

// exporter translates one rule.
type exporter struct {
	rule     *Rule
	cfg      *exportConfig
	path     string
	issues   []ExportIssue
	notes    []string
	warnings []string
	inexact  bool // a comparison is approximated

	preset      string // the rule's time_preset: the first preset read
	intraday    bool   // a condition reads today: run every half hour
	filters     []MetaFilter
	cost        bool // a cost field is read
	resultsNote bool // the results note was written
	hours       uint32
	days        uint8
	timed       bool // an hour or weekday condition restricts the schedule
}

func (x *exporter) issue(path, format string, args ...any) {
	x.issues = append(x.issues, ExportIssue{RuleID: x.rule.id, Path: path, Reason: fmt.Sprintf(format, args...)})
}

func (x *exporter) note(format string, args ...any) {
	x.notes = append(x.notes, fmt.Sprintf(format, args...))
}

// approx notes an approximated comparison.
func (x *exporter) approx(format string, args ...any) {
	x.inexact = true
	x.note(format, args...)
}

func (x *exporter) add(field string, value any, op string) {
	x.filters = append(x.filters, MetaFilter{Field: field, Value: value, Operator: op})
}

// addOnce adds a filter unless the same one is there already.
func (x *exporter) addOnce(field string, value json.Number, op string) {
	for _, f := range x.filters {
		if v, ok := f.Value.(json.Number); ok && f.Field == field && f.Operator == op && v == value {
			return
		}
	}
	x.add(field, value, op)
}

var metaEntityTypes = map[metrics.Level]string{metrics.LevelCampaign: "CAMPAIGN", metrics.LevelAdSet: "ADSET", metrics.LevelAd: "AD"}

func (x *exporter) export(kill bool) MetaRule {
	r := x.rule
	x.hours, x.days = 1<<24-1, 1<<7-1
	x.add("entity_type", metaEntityTypes[r.level], "EQUAL")
	x.filter(r.spec.Filter)
	if r.cond != nil && r.spec.Conditions != nil {
		x.top(x.path+".conditions", r.cond)
	}
	if x.preset != "" {
		x.add("time_preset", x.preset, "EQUAL")
	}
	x.conversionEvent()
	sched := x.schedule()
	exec := x.action()
	if x.cost && r.level != metrics.LevelCampaign {
		switch r.action.typ {
		case ActionPause:
			x.issue(x.path+".conditions", "Meta refuses cost conditions on rules that pause ad sets or ads (error 2703); express the loss as spend and a count (spend > X and conversions < k)")
		case ActionNotify:
			x.issue(x.path+".conditions", "Meta refuses cost conditions at ad set and ad level on notification rules too (error 2703, subcode 2490336; field reports on API v26.0, not in Meta's documentation): only budget and bid changes accept them")
		case ActionUnpause:
			x.issue(x.path+".conditions", "Meta accepts cost conditions at ad set and ad level only on budget and bid changes (error 2703 on pauses; field reports on API v26.0, not in Meta's documentation, name notifications too and say only budget and bid changes pass), so not on a rule that unpauses")
		}
	}
	status := "DISABLED"
	if r.live && !r.off && !kill {
		status = "ENABLED"
	}
	return MetaRule{
		Name:           r.name,
		EvaluationSpec: MetaEvaluationSpec{EvaluationType: "SCHEDULE", Filters: x.filters},
		ExecutionSpec:  exec,
		ScheduleSpec:   sched,
		Status:         status,
	}
}

// conversionEvent handles Spec.ConversionEvent: the engine evaluates a
// rule that reads conversions only on entities counting that event
// (Entity.ConversionEvent); Meta's filters cannot read an ad set's
// conversion event, so its rule judges every entity the filters select.
func (x *exporter) conversionEvent() {
	r := x.rule
	if !r.readsConv || x.cfg.convEvent == "" {
		return
	}
	f := r.spec.Filter
	restricted := f != nil && (len(f.IDs) > 0 || len(f.Objective) > 0)
	if r.action.typ.Mutates() && !restricted {
		x.issue(x.path+".filter", "the rule reads conversions of %q and the engine skips entities that count another event (conversion_event); Meta's filters cannot read an ad set's conversion event, so Meta would judge every ad set by it: restrict filter.objective or filter.ids to the campaigns that count %q", x.cfg.convEvent, x.cfg.convEvent)
		return
	}
	x.approx("%s.filter: the engine skips entities whose conversion event is not %q; Meta applies the rule to every entity the filters select", x.path, x.cfg.convEvent)
}

func (x *exporter) filter(f *FilterSpec) {
	p := x.path + ".filter"
	status := []string{"ACTIVE"}
	if x.rule.action.typ == ActionUnpause {
		status = []string{"PAUSED"}
	}
	if f != nil {
		if len(f.IDs) > 0 {
			x.add("id", f.IDs, "IN")
		}
		if len(f.ExcludeIDs) > 0 {
			x.add("id", f.ExcludeIDs, "NOT_IN")
		}
		if f.NameContains != "" {
			x.add("name", f.NameContains, "CONTAIN")
			if strings.ToLower(f.NameContains) != strings.ToUpper(f.NameContains) {
				x.approx("%s.name_contains: the engine matches names case-insensitively; Meta does not document whether CONTAIN ignores case (metaadstest ignores it)", p)
			}
		}
		if f.NameMatches != "" {
			x.issue(p+".name_matches", "Meta filters names with CONTAIN only, not regular expressions")
		}
		if len(f.Status) > 0 {
			status = f.Status
		}
		if len(f.Objective) > 0 {
			field := "campaign.objective"
			if x.rule.level == metrics.LevelCampaign {
				field = "objective"
			}
			x.add(field, f.Objective, "IN")
		}
		if len(f.Labels) > 0 {
			x.issue(p+".labels", "Meta filters on ad label ids (adlabel_ids), not label names")
		}
		if len(f.LearningStage) > 0 {
			x.issue(p+".learning_stage", "Meta documents no rule filter for the learning stage (learning_stage_info)")
		}
	}
	x.add("effective_status", status, "IN")
}

// dec writes v as a plain decimal number.
func dec(v float64) json.Number { return json.Number(strconv.FormatFloat(v, 'f', -1, 64)) }

// percent writes 100·v as a plain decimal, shifting the decimal point of
// v's shortest representation (0.07 gives 7, where 0.07*100 is
// 7.000000000000001).
func percent(v float64) json.Number {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	frac += "00"
	whole, frac = whole+frac[:2], strings.TrimRight(frac[2:], "0")
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	if frac != "" {
		whole += "." + frac
	}
	if whole == "0" {
		sign = ""
	}
	return json.Number(sign + whole)
}
