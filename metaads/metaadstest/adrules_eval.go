package metaadstest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Preview: which entities pass a rule's filters now, on the generator's
// data (the same numbers insights report). Money is in minor units, CTRs
// in percent, as Meta's rule fields are (§8). A filter on a value that is
// undefined (a ratio whose divisor is zero, a budget the entity does not
// have) is not met, whatever its operator.

// ruleStats are an entity's totals over one time preset.
type ruleStats struct {
	v       vec
	reach   int64 // de-duplicated over the range
	results int64 // the optimization event of each ad set
}

func statCount(m int) func(*ruleStats) (float64, bool) {
	if m < 0 {
		return func(*ruleStats) (float64, bool) { return 0, true } // an event the fake never reports
	}
	return func(s *ruleStats) (float64, bool) { return float64(s.v[m]), true }
}

func statReach(s *ruleStats) (float64, bool)   { return float64(s.reach), true }
func statResults(s *ruleStats) (float64, bool) { return float64(s.results), true }

// statUniqueClicks follows insights' unique_clicks.
func statUniqueClicks(s *ruleStats) (float64, bool) {
	return float64(int64(float64(s.v[mClicks]) * 0.9)), true
}

// statPostEngagement follows insights' post_engagement action.
func statPostEngagement(s *ruleStats) (float64, bool) {
	return float64(s.v[mLink] + s.v[mReactions] + s.v[mComments] + s.v[mV3s]), true
}

func statRatio(num, den func(*ruleStats) (float64, bool)) func(*ruleStats) (float64, bool) {
	return func(s *ruleStats) (float64, bool) {
		n, _ := num(s)
		d, _ := den(s)
		if d <= 0 {
			return 0, false
		}
		return n / d, true
	}
}

func statPercent(num, den func(*ruleStats) (float64, bool)) func(*ruleStats) (float64, bool) {
	r := statRatio(num, den)
	return func(s *ruleStats) (float64, bool) { v, ok := r(s); return v * 100, ok }
}

func statCostPer(den func(*ruleStats) (float64, bool)) func(*ruleStats) (float64, bool) {
	return statRatio(statCount(mSpend), den)
}

func statPerMille(den func(*ruleStats) (float64, bool)) func(*ruleStats) (float64, bool) {
	r := statRatio(statCount(mSpend), den)
	return func(s *ruleStats) (float64, bool) { v, ok := r(s); return v * 1000, ok }
}

// resultsOf is an ad's count of its ad set's optimization event: the
// goal's event, or for conversion goals the promoted object's pixel event
// (custom_event_type), else the event the campaign's objective converts on.
func resultsOf(a *adSnap, customEvent string, v *vec) int64 {
	switch a.optGoal {
	case "LEAD_GENERATION", "QUALITY_LEAD":
		return v[mLeads]
	case "LINK_CLICKS":
		return v[mLink]
	case "LANDING_PAGE_VIEWS":
		return v[mLPV]
	case "IMPRESSIONS":
		return v[mImpr]
	case "THRUPLAY":
		return v[mThru]
	case "POST_ENGAGEMENT":
		return v[mLink] + v[mReactions] + v[mComments] + v[mV3s]
	}
	switch customEvent {
	case "PURCHASE":
		return v[mPurch]
	case "LEAD":
		return v[mLeads]
	case "ADD_TO_CART":
		return v[mATC]
	case "INITIATE_CHECKOUT":
		return v[mIC]
	}
	if a.objective == "OUTCOME_LEADS" {
		return v[mLeads]
	}
	return v[mPurch]
}

// ruleEntity is a campaign, ad set or ad being previewed.
type ruleEntity struct {
	level string // campaign, adset or ad
	id    string
}

type statKey struct {
	ent    ruleEntity
	preset string
}

// ruleEval evaluates one rule; caller holds s.mu.
type ruleEval struct {
	s     *Server
	r     *adRuleRec
	now   time.Time
	today int
	cache map[statKey]*ruleStats
}

// evaluateRule returns the entities passing the rule now. Caller holds s.mu.
func (s *Server) evaluateRule(r *adRuleRec) ([]map[string]any, *apiError) {
	acct := s.st.accounts[r.account]
	ev := &ruleEval{s: s, r: r, now: s.now(), cache: map[statKey]*ruleStats{}}
	ev.today = dayOf(ev.now, acct.loc)
	level := strings.ToLower(r.spec.entity)
	if level == "" && len(r.spec.ids) > 0 {
		level = s.st.objectKind(r.spec.ids[0])
	}
	var ids []string
	switch level {
	case "campaign":
		ids = s.st.campOrder
	case "adset":
		ids = s.st.adsetOrder
	case "ad":
		ids = s.st.adOrder
	}
	// Without an effective_status filter Meta adds one (§8).
	implicit := &ruleFilter{field: "effective_status", operator: "IN", value: []any{"ACTIVE", "PENDING_REVIEW"},
		terms: []ruleTerm{{base: "effective_status", meta: metaFieldDefs["effective_status"]}}}
	if r.spec.execType == "UNPAUSE" {
		implicit.operator, implicit.value = "NOT_IN", []any{"DELETED", "ARCHIVED"}
	}
	filters := r.spec.filters
	if !slices.ContainsFunc(filters, func(f *ruleFilter) bool {
		return len(f.terms) == 1 && f.terms[0].base == "effective_status" && f.terms[0].level == ""
	}) {
		filters = append(slices.Clone(filters), implicit)
	}
	items := []map[string]any{}
	for _, id := range ids {
		if s.st.accountOf(id) != r.account {
			continue
		}
		e := ruleEntity{level, id}
		pass := true
		for _, f := range filters {
			ok, err := ev.match(e, f)
			if err != nil {
				return nil, err
			}
			if !ok {
				pass = false
				break
			}
		}
		if pass {
			name, _ := ev.metadata(e, "name")
			items = append(items, map[string]any{"id": id, "name": name, "entity_type": strings.ToUpper(level)})
		}
	}
	return items, nil
}

// parent returns the entity at level (the entity itself, or a parent).
func (ev *ruleEval) parent(e ruleEntity, level string) (ruleEntity, bool) {
	if level == "" || level == e.level {
		return e, true
	}
	st := ev.s.st
	switch {
	case e.level == "ad" && level == "adset":
		return ruleEntity{"adset", st.ads[e.id].AdSetID}, true
	case e.level == "ad" && level == "campaign":
		return ruleEntity{"campaign", st.ads[e.id].CampaignID}, true
	case e.level == "adset" && level == "campaign":
		return ruleEntity{"campaign", st.adsets[e.id].CampaignID}, true
	}
	return e, false
}

func (ev *ruleEval) notComputed(field string) *apiError {
	return errParam("Preview of rule %s: the fake does not compute %q (a valid rule field, but not one the fake's data holds)", ev.r.ID, field)
}

func (ev *ruleEval) match(e ruleEntity, f *ruleFilter) (bool, *apiError) {
	if f.special != "" {
		if f.special == "entity_type" {
			return strings.EqualFold(f.value.(string), e.level), nil
		}
		return true, nil // time_preset and attribution_window configure the rule
	}
	if len(f.terms) == 1 && f.terms[0].meta != nil && !f.terms[0].meta.numeric {
		pe, ok := ev.parent(e, f.terms[0].level)
		if !ok {
			return false, nil
		}
		v, ok := ev.metadata(pe, f.terms[0].base)
		if !ok {
			return false, ev.notComputed(f.field)
		}
		return matchString(f.operator, f.value, v), nil
	}
	x, ok, err := ev.formula(e, f)
	if err != nil || !ok {
		return false, err
	}
	return matchNumber(f.operator, f.value, x), nil
}

// formula evaluates the filter's terms with * and / before + and -.
func (ev *ruleEval) formula(e ruleEntity, f *ruleFilter) (float64, bool, *apiError) {
	vals := make([]float64, len(f.terms))
	for i, t := range f.terms {
		v, ok, err := ev.term(e, t)
		if err != nil || !ok {
			return 0, false, err
		}
		vals[i] = v
	}
	// Fold * and / into products, then add them up.
	var sum float64
	cur, sign := vals[0], 1.0
	for i, op := range f.ops {
		switch op {
		case '*':
			cur *= vals[i+1]
		case '/':
			if vals[i+1] == 0 {
				return 0, false, nil
			}
			cur /= vals[i+1]
		default:
			sum += sign * cur
			cur, sign = vals[i+1], 1
			if op == '-' {
				sign = -1
			}
		}
	}
	sum += sign * cur
	return sum, !math.IsNaN(sum) && !math.IsInf(sum, 0), nil
}

// term is the numeric value of one field for the entity.
func (ev *ruleEval) term(e ruleEntity, t ruleTerm) (float64, bool, *apiError) {
	pe, ok := ev.parent(e, t.level)
	if !ok {
		return 0, false, nil
	}
	if t.meta != nil {
		v, ok := ev.metadata(pe, t.base)
		if !ok {
			return 0, false, ev.notComputed(t.base)
		}
		f, isNum := v.(float64)
		return f, isNum, nil
	}
	if t.ins.ratio {
		return ev.ratioSpent(pe, t.base)
	}
	if t.ins.value == nil {
		return 0, false, ev.notComputed(t.base)
	}
	preset := t.preset
	if preset == "" {
		preset = ev.r.spec.preset
	}
	st, err := ev.stats(pe, preset)
	if err != nil {
		return 0, false, err
	}
	v, ok := t.ins.value(st)
	return v, ok, nil
}

// ratioSpent is daily_ratio_spent (today_spent / adset.daily_budget) or
// lifetime_ratio_spent (lifetime_spent / adset.lifetime_budget), §8.
func (ev *ruleEval) ratioSpent(e ruleEntity, field string) (float64, bool, *apiError) {
	set, ok := ev.parent(e, "adset")
	if !ok {
		return 0, false, nil
	}
	a := ev.s.st.adsets[set.id]
	budget, preset := a.DailyBudget, "TODAY"
	if field == "lifetime_ratio_spent" {
		budget, preset = a.LifetimeBudget, "LIFETIME"
	}
	if budget <= 0 {
		return 0, false, nil
	}
	st, err := ev.stats(e, preset)
	if err != nil {
		return 0, false, err
	}
	return float64(st.v[mSpend]) / float64(budget), true, nil
}

// presetDays resolves a rule time preset to days (§8): the _DAYS presets
// include today, the D presets are complete days, LAST_ND_a_b is days a to
// b before today ("the last 14 days to the last 7 days" for LAST_ND_14_8,
// §8.1, read as days 8 to 14 ago), LIFETIME starts with the entity.
func presetDays(p string, today int) (dayRange, bool) {
	var n, a, b int
	switch {
	case p == "LIFETIME":
		return dayRange{0, today}, true
	case p == "TODAY" || p == "YESTERDAY" || strings.HasPrefix(p, "THIS_"):
		return presetRange(strings.ToLower(p), today, 0)
	case strings.HasPrefix(p, "LAST_ND_LIFETIME_"):
		if _, err := fmt.Sscanf(p, "LAST_ND_LIFETIME_%d", &b); err == nil {
			return dayRange{0, today - b}, true
		}
	case strings.HasPrefix(p, "LAST_ND_"):
		if _, err := fmt.Sscanf(p, "LAST_ND_%d_%d", &a, &b); err == nil {
			return dayRange{today - a, today - b}, true
		}
	case strings.HasSuffix(p, "_DAYS"):
		if _, err := fmt.Sscanf(p, "LAST_%d_DAYS", &n); err == nil {
			return dayRange{today - n + 1, today}, true
		}
	default:
		if _, err := fmt.Sscanf(p, "LAST_%dD", &n); err == nil {
			return dayRange{today - n, today - 1}, true
		}
	}
	return dayRange{}, false
}

// stats totals the entity's ads over the preset, through the insights
// generator. Caller holds s.mu.
func (ev *ruleEval) stats(e ruleEntity, preset string) (*ruleStats, *apiError) {
	k := statKey{e, preset}
	if st := ev.cache[k]; st != nil {
		return st, nil
	}
	rg, ok := presetDays(preset, ev.today)
	if !ok {
		return nil, errParam("Preview of rule %s: time preset %q", ev.r.ID, preset)
	}
	s := ev.s
	snaps := s.snapshot(s.adsUnder(e.level, e.id))
	st := &ruleStats{}
	q := &insightsQuery{level: e.level, levelRank: levelRank(e.level), ranges: []dayRange{rg}, today: ev.today, now: ev.now}
	for _, row := range s.gen.run(q, snaps) {
		st.v.add(&row.v)
		st.reach += row.reach
	}
	// Results per ad set: each counts its own optimization event.
	rq := *q
	rq.level, rq.levelRank = "adset", levelRank("adset")
	if e.level == "ad" {
		rq.level, rq.levelRank = "ad", levelRank("ad")
	}
	for _, row := range s.gen.run(&rq, snaps) {
		event := ""
		if set := s.st.adsets[row.ad.adsetID]; set != nil {
			event = set.CustomEventType
		}
		st.results += resultsOf(row.ad, event, &row.v)
	}
	ev.cache[k] = st
	return st, nil
}

// metadata returns a metadata field of the entity: a string, a float64,
// or ok false when the fake does not compute the field.
func (ev *ruleEval) metadata(e ruleEntity, field string) (any, bool) {
	st := ev.s.st
	var camp *campaignRec
	var set *adSetRec
	var name, eff string
	var created, start, stop time.Time
	switch e.level {
	case "campaign":
		camp = st.campaigns[e.id]
		name, eff, created, start, stop = camp.Name, st.campaignEffective(camp), camp.CreatedTime, camp.StartTime, camp.StopTime
	case "adset":
		set = st.adsets[e.id]
		camp = st.campaigns[set.CampaignID]
		name, eff, created, start, stop = set.Name, st.adsetEffective(set), set.CreatedTime, set.StartTime, set.EndTime
	default:
		ad := st.ads[e.id]
		set = st.adsets[ad.AdSetID]
		camp = st.campaigns[ad.CampaignID]
		name, eff, created = ad.Name, st.adEffective(ad), ad.CreatedTime
	}
	unix := func(t time.Time) (any, bool) {
		if t.IsZero() {
			return nil, true // not set: no number
		}
		return float64(t.Unix()), true
	}
	budget := func(v int64) (any, bool) {
		if set == nil || e.level != "adset" || v <= 0 {
			return nil, true
		}
		return float64(v), true
	}
	switch field {
	case "id":
		return e.id, true
	case "name":
		return name, true
	case "entity_type":
		return strings.ToUpper(e.level), true
	case "effective_status":
		return eff, true
	case "objective":
		return camp.Objective, true
	case "buying_type":
		return "AUCTION", true
	case "billing_event", "optimization_goal":
		if set == nil || e.level == "campaign" {
			return nil, true
		}
		if field == "billing_event" {
			return set.BillingEvent, true
		}
		return set.OptimizationGoal, true
	case "daily_budget":
		if set == nil {
			return nil, true
		}
		return budget(set.DailyBudget)
	case "lifetime_budget":
		if set == nil {
			return nil, true
		}
		return budget(set.LifetimeBudget)
	case "bid_amount":
		if set == nil {
			return nil, true
		}
		return budget(set.BidAmount)
	case "spend_cap":
		if e.level != "campaign" || camp.SpendCap <= 0 {
			return nil, true
		}
		return float64(camp.SpendCap), true
	case "hours_since_creation":
		// Whole hours ([UNVERIFIED] granularity; the fake floors).
		return math.Floor(ev.now.Sub(created).Hours()), true
	case "created_time":
		return unix(created)
	case "start_time":
		return unix(start)
	case "stop_time":
		return unix(stop)
	}
	return nil, false
}

func matchNumber(op string, want any, got float64) bool {
	if op == "IN_RANGE" || op == "NOT_IN_RANGE" {
		l := want.([]any)
		lo, _ := asNumber(l[0])
		hi, _ := asNumber(l[1])
		return (got >= lo && got <= hi) == (op == "IN_RANGE")
	}
	v, ok := asNumber(want)
	if !ok {
		return false
	}
	switch op {
	case "GREATER_THAN":
		return got > v
	case "LESS_THAN":
		return got < v
	case "EQUAL":
		return got == v
	case "NOT_EQUAL":
		return got != v
	}
	return false
}

func matchString(op string, want, got any) bool {
	g, ok := got.(string)
	if !ok {
		return false // the entity has no such value
	}
	list := valueStrings(want)
	switch op {
	case "EQUAL":
		return len(list) == 1 && g == list[0]
	case "NOT_EQUAL":
		return len(list) == 1 && g != list[0]
	case "IN":
		return slices.Contains(list, g)
	case "NOT_IN":
		return !slices.Contains(list, g)
	case "CONTAIN":
		// Case-insensitive like Ads Manager's "name contains"; Meta's
		// documentation does not say ([UNVERIFIED]).
		return strings.Contains(strings.ToLower(g), strings.ToLower(list[0]))
	case "NOT_CONTAIN":
		return !strings.Contains(strings.ToLower(g), strings.ToLower(list[0]))
	}
	return false
}
