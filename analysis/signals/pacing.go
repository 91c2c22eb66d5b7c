package signals

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// Pacing statuses.
const (
	PaceOnPace = "on_pace" // within the tolerance of 1
	PaceAhead  = "ahead"   // above the tolerance, below the over band
	PaceBehind = "behind"  // below the tolerance, above the under band
	PaceOver   = "over"    // over-pacing: flagged
	PaceUnder  = "under"   // under-pacing: flagged
	PaceEarly  = "early"   // too early in the day or flight to judge today
)

// PacingResult is the budget pacing of every active ad set (or, under a
// campaign budget, campaign) of one account at the time the data was
// read. It encodes to JSON so that a UI can draw pacing bars (spend so far,
// expected by now, projected, cap) without recomputing anything.
type PacingResult struct {
	Account  analysis.EntityRef `json:"account"`
	Currency string             `json:"currency"`
	// Now is when the data was read (Dataset.CollectedAt), in the
	// account's time zone; today's spend is as of then.
	Now time.Time `json:"now"`
	// Curve is the account's share of daily spend in each hour of the day
	// (account time zone), from the hourly rows of CurvePeriod; nil when
	// there are no hourly rows, and then the elapsed share of the day is a
	// straight line.
	Curve       []float64        `json:"curve,omitempty"`
	CurvePeriod *analysis.Period `json:"curve_period,omitempty"`
	// Allowance is Meta's daily over-delivery allowance used (0.75 or
	// 0.25) and WeeklyMultiplier its weekly ceiling in daily budgets.
	Allowance        float64           `json:"allowance"`
	WeeklyMultiplier float64           `json:"weekly_multiplier"`
	Entities         []EntityPacing    `json:"entities"`
	FalseAlarmRate   float64           `json:"false_alarm_rate"`
	Notes            []string          `json:"notes,omitempty"`
	Signals          []analysis.Signal `json:"-"`
}

// EntityPacing is the pacing of one budget: an ad set's, or a campaign's
// under a campaign budget. Money is in minor units.
type EntityPacing struct {
	Entity analysis.EntityRef `json:"entity"`
	// Kind is "daily" or "lifetime".
	Kind           string `json:"kind"`
	DailyBudget    int64  `json:"daily_budget,omitempty"`
	LifetimeBudget int64  `json:"lifetime_budget,omitempty"`

	// Today, for daily budgets: spend so far, the share of the day's spend
	// expected by now from the account's hour-of-day curve (and the
	// straight-line share for comparison), the spend expected by now, the
	// pacing ratio (spend / expected), the projected spend at midnight
	// (spend / expected share, at most DayCap) and Meta's cap for the day,
	// (1 + allowance) × the daily budget.
	SpendToday     int64   `json:"spend_today"`
	ExpectedShare  float64 `json:"expected_share"`
	LinearShare    float64 `json:"linear_share"`
	ExpectedToday  float64 `json:"expected_today"`
	Ratio          float64 `json:"ratio"`
	LinearRatio    float64 `json:"linear_ratio"`
	ProjectedToday float64 `json:"projected_today"`
	DayCap         float64 `json:"day_cap,omitempty"`

	// Days are the last 7 complete days (spend and spend / daily budget)
	// and Ratio7d their spend over 7 daily budgets (the budget as it is
	// now: Meta's budget history is not in the Dataset).
	Days    []DayPacing `json:"days,omitempty"`
	Ratio7d float64     `json:"ratio_7d"`

	// The calendar week (Sunday to Saturday, Meta's weekly ceiling): its
	// first day, spend so far (today included), the ceiling (weekly
	// multiplier × daily budget) and the projected spend by Saturday.
	WeekSince     metaads.Date `json:"week_since,omitzero"`
	WeekSpend     int64        `json:"week_spend,omitempty"`
	WeekCeiling   float64      `json:"week_ceiling,omitempty"`
	ProjectedWeek float64      `json:"projected_week,omitempty"`

	// Lifetime budgets: the flight, spend since its start, the share of
	// the flight expected by now (whole days plus today's curve share), the
	// lifetime pacing ratio, the projected spend at the end of the flight
	// (at most the lifetime budget) and the daily spend still needed to
	// use the budget.
	FlightStart     time.Time `json:"flight_start,omitzero"`
	FlightEnd       time.Time `json:"flight_end,omitzero"`
	Spent           int64     `json:"spent,omitempty"`
	FlightShare     float64   `json:"flight_share,omitempty"`
	ProjectedFlight float64   `json:"projected_flight,omitempty"`
	DailyNeeded     float64   `json:"daily_needed,omitempty"`

	// Status is one of the Pace* constants; Flagged is true for over and
	// under.
	Status  string `json:"status"`
	Flagged bool   `json:"flagged"`
	// RecommendedDailyCap is the daily budget that would bring spend back
	// to plan (minor units), with how it was computed; 0 when none is
	// needed.
	RecommendedDailyCap int64  `json:"recommended_daily_cap,omitempty"`
	CapMethod           string `json:"cap_method,omitempty"`
}

// DayPacing is one complete day of a daily budget.
type DayPacing struct {
	Date  metaads.Date `json:"date"`
	Spend int64        `json:"spend"`
	Ratio float64      `json:"ratio"`
}

// Pacing compares each active budget's spend with its plan: for daily
// budgets, today's spend against the spend expected by now from the
// account's own hour-of-day spend curve (not a straight line: an account
// spends little at night), the projected spend at midnight, the last 7
// complete days against the budget, and the calendar week against Meta's
// weekly ceiling; for lifetime budgets, the spend since the flight began
// against the share of the flight elapsed, and the projected spend at its
// end. A budget is over-pacing when its last 7 days or today's projection
// exceed the over band (default 1.2 × budget) and under-pacing when both
// fall below the under band (0.8).
func Pacing(ds *analysis.Dataset, opts ...Option) (*PacingResult, error) {
	v, err := newView(ds, opts)
	if err != nil {
		return nil, err
	}
	res := &PacingResult{Account: v.account, Currency: v.currency, Now: v.now, Allowance: v.cfg.allowance, WeeklyMultiplier: v.cfg.weeklyMult,
		FalseAlarmRate: FalseAlarmRate(analysis.SignalPacing)}
	res.Curve, res.CurvePeriod = v.spendCurve()
	if res.Curve == nil {
		res.Notes = append(res.Notes, "No hourly rows: the share of the day elapsed is a straight line, which expects too much spend in the morning.")
	}
	sp := v.spendIndex()
	for _, b := range v.budgets() {
		ep := v.pace(b, sp, res.Curve)
		res.Entities = append(res.Entities, ep)
	}
	for i := range res.Entities {
		if res.Entities[i].Flagged {
			sig, err := v.pacingSignal(res, &res.Entities[i])
			if err != nil {
				return nil, err
			}
			res.Signals = append(res.Signals, sig)
		}
	}
	sortSignals(res.Signals)
	return res, nil
}

// budget is one budget to pace.
type budget struct {
	ref             analysis.EntityRef
	daily, lifetime int64
	start, end      time.Time
	remaining       int64
}

// budgets lists the active budgets: ad sets with their own, campaigns
// with a campaign budget (once, not per ad set).
func (v *view) budgets() []budget {
	var out []budget
	for i := range v.ds.Campaigns {
		c := &v.ds.Campaigns[i]
		if c.EffectiveStatus != metaads.EffectiveActive || c.DailyBudget <= 0 && c.LifetimeBudget <= 0 {
			continue
		}
		out = append(out, budget{ref: analysis.EntityRef{Level: metrics.LevelCampaign, ID: c.ID, Name: c.Name},
			daily: c.DailyBudget, lifetime: c.LifetimeBudget, start: c.StartTime.Time, end: c.StopTime.Time, remaining: c.BudgetRemaining})
	}
	for i := range v.ds.AdSets {
		a := &v.ds.AdSets[i]
		if a.EffectiveStatus != metaads.EffectiveActive || a.DailyBudget <= 0 && a.LifetimeBudget <= 0 {
			continue
		}
		out = append(out, budget{ref: analysis.EntityRef{Level: metrics.LevelAdSet, ID: a.ID, Name: a.Name},
			daily: a.DailyBudget, lifetime: a.LifetimeBudget, start: a.StartTime.Time, end: a.EndTime.Time, remaining: a.BudgetRemaining})
	}
	return out
}

// spendIndex holds spend per entity and day at every level, filled from
// the most detailed rows available so that an entity without rows of its
// own level is the sum of its children.
type spendIndex map[metrics.Level]map[string]map[int]int64

func (v *view) spendIndex() spendIndex {
	idx := spendIndex{}
	have := map[metrics.Level]bool{}
	for i := range v.ds.Daily {
		have[v.ds.Daily[i].Level] = true
	}
	put := func(l metrics.Level, id string, d int, s int64) {
		if idx[l] == nil {
			idx[l] = map[string]map[int]int64{}
		}
		if idx[l][id] == nil {
			idx[l][id] = map[int]int64{}
		}
		idx[l][id][d] += s
	}
	for i := range v.ds.Daily {
		r := &v.ds.Daily[i]
		d := dayNumber(r.Date)
		put(r.Level, r.ID, d, r.Counts.Spend)
		switch r.Level {
		case metrics.LevelAd:
			if a := v.ads[r.ID]; a != nil {
				if !have[metrics.LevelAdSet] {
					put(metrics.LevelAdSet, a.AdSetID, d, r.Counts.Spend)
				}
				if !have[metrics.LevelCampaign] && !have[metrics.LevelAdSet] {
					put(metrics.LevelCampaign, a.CampaignID, d, r.Counts.Spend)
				}
			}
		case metrics.LevelAdSet:
			if a := v.adsets[r.ID]; a != nil && !have[metrics.LevelCampaign] {
				put(metrics.LevelCampaign, a.CampaignID, d, r.Counts.Spend)
			}
		}
	}
	return idx
}

// spendCurve returns the account's share of spend per hour of the day
// over the hourly rows of complete days.
func (v *view) spendCurve() ([]float64, *analysis.Period) {
	lvl, ok := v.hourlyLevel()
	if !ok {
		return nil, nil
	}
	last := dayNumber(v.today) - 1
	curve := make([]float64, 24)
	var total float64
	first, lastSeen := math.MaxInt, math.MinInt
	for i := range v.ds.Hourly {
		r := &v.ds.Hourly[i]
		d := dayNumber(r.Date)
		if r.Level != lvl || d > last || r.Hour < 0 || r.Hour > 23 {
			continue
		}
		curve[r.Hour] += float64(r.Counts.Spend)
		total += float64(r.Counts.Spend)
		first, lastSeen = min(first, d), max(lastSeen, d)
	}
	if !(total > 0) {
		return nil, nil
	}
	for h := range curve {
		curve[h] /= total
	}
	return curve, period(first, lastSeen, "")
}

// dayShare returns the share of the day's spend expected by now: the
// curve summed over the hours of today elapsed (the current hour in
// proportion), over the curve summed over today's hours. It walks the
// day's real hours (metrics.DayBounds), so a 23- or 25-hour day (a DST
// change, at midnight too) counts the hour labels it really has. With no curve it is the straight-line share
// (metrics.DayElapsed).
func dayShare(now time.Time, curve []float64) float64 {
	if curve == nil {
		return metrics.DayElapsed(now)
	}
	loc := now.Location()
	midnight, next := metrics.DayBounds(now)
	var done, all float64
	for t := midnight; t.Before(next); t = t.Add(time.Hour) {
		w := curve[t.In(loc).Hour()]
		end := t.Add(time.Hour)
		if end.After(next) {
			end = next
		}
		all += w * float64(end.Sub(t)) / float64(time.Hour)
		switch {
		case !now.Before(end):
			done += w * float64(end.Sub(t)) / float64(time.Hour)
		case now.After(t):
			done += w * float64(now.Sub(t)) / float64(time.Hour)
		}
	}
	if !(all > 0) {
		return metrics.DayElapsed(now)
	}
	return done / all
}

// projectDay returns the projected spend at midnight: spend so far over
// the expected share, at most cap (Meta does not spend past it); with
// less than 5% of the day expected the projection is the budget (too
// early to extrapolate). Never negative.
func projectDay(spend int64, share float64, budget, cap float64) float64 {
	if spend < 0 {
		spend = 0
	}
	if !(share >= 0.05) {
		return math.Max(float64(spend), math.Min(budget, cap))
	}
	return math.Max(float64(spend), math.Min(float64(spend)/share, cap))
}

// projectFlight returns the projected spend at the end of a flight: the
// spend so far plus the recent daily rate over the days left, at most the
// lifetime budget (Meta stops there) and never below the spend so far; a
// flight that has ended projects exactly its spend.
func projectFlight(spent int64, rate float64, left time.Duration, lifetime int64) float64 {
	s := math.Max(0, float64(spent))
	if left <= 0 || !(rate > 0) {
		return s
	}
	p := s + rate*left.Hours()/24
	if lifetime > 0 {
		p = math.Min(p, math.Max(float64(lifetime), s))
	}
	return p
}

// pace computes one budget's pacing.
func (v *view) pace(b budget, sp spendIndex, curve []float64) EntityPacing {
	ep := EntityPacing{Entity: b.ref, Kind: "daily", DailyBudget: b.daily, LifetimeBudget: b.lifetime}
	spend := sp[b.ref.Level][b.ref.ID]
	today := dayNumber(v.today)
	ep.SpendToday = spend[today]
	shareToday := dayShare(v.now, curve)
	if b.lifetime > 0 && b.daily <= 0 {
		ep.Kind = "lifetime"
		v.paceLifetime(&ep, b, spend, shareToday)
		return ep
	}
	bud := float64(b.daily)
	ep.ExpectedShare, ep.LinearShare = shareToday, metrics.DayElapsed(v.now)
	ep.ExpectedToday = bud * shareToday
	ep.Ratio, _ = metrics.PacingRatio(ep.SpendToday, b.daily, shareToday)
	ep.LinearRatio, _ = metrics.DailyPacing(ep.SpendToday, b.daily, v.now)
	ep.DayCap = (1 + v.cfg.allowance) * bud
	ep.ProjectedToday = projectDay(ep.SpendToday, shareToday, bud, ep.DayCap)

	var sum int64
	n := 0
	for d := today - 7; d < today; d++ {
		if !b.start.IsZero() && dateOfNumber(d).Before(metaads.DateOf(b.start.In(v.loc))) {
			continue // not running yet
		}
		ep.Days = append(ep.Days, DayPacing{Date: dateOfNumber(d), Spend: spend[d], Ratio: float64(spend[d]) / bud})
		sum += spend[d]
		n++
	}
	if n > 0 {
		ep.Ratio7d = float64(sum) / (bud * float64(n))
	}
	// The calendar week, Sunday to Saturday.
	wd := int(weekday(v.today))
	ep.WeekSince = dateOfNumber(today - wd)
	for d := today - wd; d <= today; d++ {
		ep.WeekSpend += spend[d]
	}
	ep.WeekCeiling = v.cfg.weeklyMult * bud
	rate := bud * ep.Ratio7d
	if n == 0 {
		rate = bud
	}
	ep.ProjectedWeek = float64(ep.WeekSpend-ep.SpendToday) + ep.ProjectedToday + rate*float64(6-wd)

	judgeToday := shareToday >= 0.25
	over := ep.Ratio7d > v.cfg.paceOver || judgeToday && ep.Ratio > v.cfg.paceOver && ep.ProjectedToday > v.cfg.paceOver*bud
	under := n > 0 && ep.Ratio7d < v.cfg.paceUnder && (!judgeToday || ep.Ratio < v.cfg.paceUnder)
	ref := ep.Ratio7d
	if judgeToday && n == 0 {
		ref = ep.Ratio
	}
	switch {
	case over:
		ep.Status, ep.Flagged = PaceOver, true
		avg := ep.Ratio7d
		if avg <= 1 {
			avg = ep.Ratio
		}
		ep.RecommendedDailyCap = int64(math.Floor(bud / avg))
		ep.CapMethod = fmt.Sprintf("daily budget / spend ratio (%.2f): the budget at which spend returns to %s a day", avg, v.money(bud))
	case under:
		ep.Status, ep.Flagged = PaceUnder, true
		ep.RecommendedDailyCap = int64(math.Ceil(1.3 * bud * ep.Ratio7d))
		ep.CapMethod = "130% of the average daily spend of the last 7 days (rightsize; raising the budget does not fix under-delivery)"
	case n == 0 && !judgeToday:
		ep.Status = PaceEarly
	case math.Abs(ref-1) <= v.cfg.paceTolerance:
		ep.Status = PaceOnPace
	case ref > 1:
		ep.Status = PaceAhead
	default:
		ep.Status = PaceBehind
	}
	return ep
}

// paceLifetime fills the lifetime-budget figures.
func (v *view) paceLifetime(ep *EntityPacing, b budget, spend map[int]int64, shareToday float64) {
	ep.FlightStart, ep.FlightEnd = b.start, b.end
	if b.start.IsZero() || b.end.IsZero() || !b.end.After(b.start) {
		ep.Status = PaceEarly
		return
	}
	start, end := b.start.In(v.loc), b.end.In(v.loc)
	today := dayNumber(v.today)
	// Spend since the start: the daily rows when they cover the flight,
	// else the lifetime budget minus Meta's budget_remaining.
	covered := v.ds.Range.Since.IsZero() || !metaads.DateOf(start).Before(v.ds.Range.Since)
	for d := dayNumber(metaads.DateOf(start)); d <= today; d++ {
		ep.Spent += spend[d]
	}
	if !covered && b.remaining > 0 {
		ep.Spent = max(0, b.lifetime-b.remaining)
	}
	// Elapsed share: whole days and today's curve share, over the flight's days.
	total := end.Sub(start)
	elapsed, _ := metrics.PeriodElapsed(start, end, v.now)
	if v.now.After(start) && v.now.Before(end) {
		midnight, next := metrics.DayBounds(v.now)
		dayLen := next.Sub(midnight)
		before := max(0, midnight.Sub(start))
		elapsed = math.Min(1, (float64(before)+shareToday*float64(dayLen))/float64(total))
	}
	ep.FlightShare = elapsed
	ep.Ratio, _ = metrics.PacingRatio(ep.Spent, b.lifetime, elapsed)
	ep.LinearRatio, _ = metrics.LifetimePacing(ep.Spent, b.lifetime, start, end, v.now)
	var recent int64
	n := 0
	for d := today - 3; d < today; d++ {
		if !dateOfNumber(d).Before(metaads.DateOf(start)) {
			recent += spend[d]
			n++
		}
	}
	rate := 0.0
	if n > 0 {
		rate = float64(recent) / float64(n)
	}
	left := end.Sub(v.now)
	ep.ProjectedFlight = projectFlight(ep.Spent, rate, left, b.lifetime)
	if days := left.Hours() / 24; days > 0 {
		ep.DailyNeeded = math.Max(0, float64(b.lifetime-ep.Spent)) / days
	}
	switch {
	case elapsed < 0.2:
		ep.Status = PaceEarly
	case ep.Ratio > v.cfg.paceOver:
		ep.Status, ep.Flagged = PaceOver, true
	case ep.Ratio < v.cfg.paceUnder:
		ep.Status, ep.Flagged = PaceUnder, true
	case math.Abs(ep.Ratio-1) <= v.cfg.paceTolerance:
		ep.Status = PaceOnPace
	case ep.Ratio > 1:
		ep.Status = PaceAhead
	default:
		ep.Status = PaceBehind
	}
	if ep.Flagged && ep.DailyNeeded > 0 {
		// optimization.md rule 15: never above remaining / remaining days × 1.2.
		ep.RecommendedDailyCap = int64(math.Floor(1.2 * ep.DailyNeeded))
		ep.CapMethod = "1.2 × (lifetime budget − spent) / days left: the most a day should spend for the budget to last the flight"
	}
}

func (v *view) pacingSignal(res *PacingResult, ep *EntityPacing) (analysis.Signal, error) {
	sig := analysis.Signal{Kind: analysis.SignalPacing, Entities: []analysis.EntityRef{ep.Entity}, Polarity: analysis.KindProblem, Severity: analysis.SeverityWarning}
	name := ep.Entity.Name
	if name == "" {
		name = ep.Entity.ID
	}
	today := &analysis.Period{Window: "today", Since: v.today, Until: v.today}
	var parts []string
	if ep.Kind == "daily" {
		bud := float64(ep.DailyBudget)
		sig.Evidence = append(sig.Evidence, analysis.Figure{Name: "daily_budget", Value: bud, Unit: metrics.UnitMoney, Basis: analysis.BasisSetting,
			Text: "daily budget: " + v.money(bud)})
		if len(ep.Days) > 0 {
			per := &analysis.Period{Window: "last_7d", Since: ep.Days[0].Date, Until: ep.Days[len(ep.Days)-1].Date}
			if len(ep.Days) < 7 {
				per.Window = ""
			}
			sig.Evidence = append(sig.Evidence, analysis.Figure{Name: "spend_ratio", Value: ep.Ratio7d, Unit: metrics.UnitRatio, Basis: analysis.BasisMeasured, Period: per,
				Method: "spend over the days / (days × daily budget)",
				Text:   fmt.Sprintf("spend over the last %d complete days: %.0f%% of the daily budget on average", len(ep.Days), 100*ep.Ratio7d)})
		}
		sig.Evidence = append(sig.Evidence,
			analysis.Figure{Name: "spend", Value: float64(ep.SpendToday), Unit: metrics.UnitMoney, Basis: analysis.BasisMeasured, Period: today,
				Text: fmt.Sprintf("spend today by %s: %s, against %s expected by now (%.0f%% of the day's spend by the account's hour curve)", v.now.Format("15:04"), v.money(float64(ep.SpendToday)), v.money(ep.ExpectedToday), 100*ep.ExpectedShare)},
			analysis.Figure{Name: "projected_spend", Value: ep.ProjectedToday, Unit: metrics.UnitMoney, Basis: analysis.BasisEstimate,
				Method: "spend today / expected share of the day, at most (1 + allowance) × daily budget",
				Text:   fmt.Sprintf("projected spend by midnight: %s (Meta's cap for a day: %s)", v.money(ep.ProjectedToday), v.money(ep.DayCap))},
			analysis.Figure{Name: "projected_week", Value: ep.ProjectedWeek, Unit: metrics.UnitMoney, Basis: analysis.BasisEstimate,
				Method: "week-to-date spend + today's projection + the 7-day daily rate for the days left to Saturday",
				Text:   fmt.Sprintf("projected spend this week (from %s): %s against Meta's weekly ceiling of %s", ep.WeekSince, v.money(ep.ProjectedWeek), v.money(ep.WeekCeiling))})
		if over := bud * (ep.Ratio7d - 1); ep.Status == PaceOver && over > 0 {
			sig.Evidence = append([]analysis.Figure{{Name: analysis.FigureMoneyAtStake, Value: over, Unit: metrics.UnitMoney, Basis: analysis.BasisEstimate,
				Method: "average daily spend of the last complete days − daily budget",
				Text:   fmt.Sprintf("about %s a day above the daily budget", v.money(over))}}, sig.Evidence...)
		}
		switch ep.Status {
		case PaceOver:
			parts = append(parts, fmt.Sprintf("is over-pacing: it spent %.0f%% of its daily budget a day over the last week", 100*ep.Ratio7d))
			if ep.ProjectedWeek > ep.WeekCeiling {
				parts = append(parts, fmt.Sprintf("this week is heading for %s, over the weekly ceiling of %s", v.money(ep.ProjectedWeek), v.money(ep.WeekCeiling)))
				sig.Severity = analysis.SeverityCritical
			}
			if float64(ep.SpendToday) >= ep.DayCap {
				sig.Severity = analysis.SeverityCritical
			}
		case PaceUnder:
			parts = append(parts, fmt.Sprintf("is under-pacing: it spent %.0f%% of its daily budget a day over the last week", 100*ep.Ratio7d))
		}
	} else {
		sig.Evidence = append(sig.Evidence,
			analysis.Figure{Name: "lifetime_budget", Value: float64(ep.LifetimeBudget), Unit: metrics.UnitMoney, Basis: analysis.BasisSetting, Text: "lifetime budget: " + v.money(float64(ep.LifetimeBudget))},
			analysis.Figure{Name: "spend", Value: float64(ep.Spent), Unit: metrics.UnitMoney, Basis: analysis.BasisMeasured,
				Period: &analysis.Period{Window: "lifetime", Since: metaads.DateOf(ep.FlightStart.In(v.loc)), Until: v.today},
				Text:   fmt.Sprintf("spent since the flight began: %s (%.0f%% of the budget at %.0f%% of the flight)", v.money(float64(ep.Spent)), 100*float64(ep.Spent)/float64(ep.LifetimeBudget), 100*ep.FlightShare)},
			analysis.Figure{Name: "projected_spend", Value: ep.ProjectedFlight, Unit: metrics.UnitMoney, Basis: analysis.BasisEstimate,
				Method: "spend so far + the last 3 days' daily rate for the days left, at most the lifetime budget",
				Text:   "projected spend at the end of the flight: " + v.money(ep.ProjectedFlight)})
		word := "over-pacing"
		if ep.Status == PaceUnder {
			word = "under-pacing"
		}
		parts = append(parts, fmt.Sprintf("is %s its lifetime budget (pacing ratio %.2f)", word, ep.Ratio))
	}
	sig.Finding = fmt.Sprintf("%s %q %s.", levelWord(ep.Entity.Level), name, strings.Join(parts, "; "))
	curve := "the account's hour-of-day spend curve"
	if res.Curve == nil {
		curve = "a straight line (no hourly rows)"
	}
	sig.Explanation = fmt.Sprintf("Spend is compared with the plan by %s; over-pacing above %.2f and under-pacing below %.2f of the plan "+
		"(on pace within ±%.2f). Meta may spend up to %.0f%% over a daily budget on a day and at most %.0f daily budgets in a calendar week (Sunday to Saturday).",
		curve, v.cfg.paceOver, v.cfg.paceUnder, v.cfg.paceTolerance, 100*v.cfg.allowance, v.cfg.weeklyMult)
	sig.Confidence = analysis.Confidence{Level: analysis.ConfidenceHigh, Probability: 1, FalseAlarmRate: res.FalseAlarmRate,
		Basis: fmt.Sprintf("spend against budget is a measurement, not a sample; on data paced at 85-99%% of budget this signal flagged %s", falseAlarmWords(res.FalseAlarmRate))}
	sig.Suggestion = analysis.Action{Type: analysis.ActionReviewBudget}
	if ep.RecommendedDailyCap > 0 {
		from := ep.DailyBudget
		if ep.Kind == "lifetime" {
			from = 0
		}
		if ep.Status == PaceOver {
			sig.Suggestion = analysis.Action{Type: analysis.ActionSetBudget, From: from, To: ep.RecommendedDailyCap,
				Detail: "cap the daily budget at " + v.money(float64(ep.RecommendedDailyCap)) + ": " + ep.CapMethod}
			if from > 0 {
				sig.Suggestion.Percent = math.Round(1000*(float64(ep.RecommendedDailyCap)/float64(from)-1)) / 10
			}
		} else {
			sig.Suggestion.Detail = "look for a bid or cost cap, a small audience or learning limited before touching the budget; a rightsized budget would be " + v.money(float64(ep.RecommendedDailyCap))
		}
	}
	if ep.Kind == "daily" && ep.Status == PaceOver {
		sig.Rule = overspendRule(ep, v.cfg.paceOver)
	}
	data, err := encodeData(ep)
	if err != nil {
		return sig, err
	}
	sig.Data = data
	return sig, nil
}

func levelWord(l metrics.Level) string {
	switch l {
	case metrics.LevelCampaign:
		return "Campaign"
	case metrics.LevelAdSet:
		return "Ad set"
	case metrics.LevelAd:
		return "Ad"
	}
	return "Account"
}

// overspendRule is a notification rule on the over-pacing budget: spend
// today above the over band times the daily budget (optimization.md rule
// 13, the daily overspend guard, at the signal's band).
func overspendRule(ep *EntityPacing, band float64) *rules.RuleSpec {
	f := band
	level := metrics.LevelAdSet
	if ep.Entity.Level == metrics.LevelCampaign {
		level = metrics.LevelCampaign
	}
	return &rules.RuleSpec{ID: "overspend_" + ep.Entity.ID, Name: "Overspend guard for " + ep.Entity.Name,
		Description: fmt.Sprintf("From the pacing signal: notify when today's spend passes %.0f%% of the daily budget.", 100*band),
		Level:       level, Filter: &rules.FilterSpec{IDs: []string{ep.Entity.ID}},
		Conditions: &rules.ConditionSpec{All: []rules.ConditionSpec{{Label: fmt.Sprintf("spend today over %.0f%% of the daily budget", 100*band),
			Metric: "spend", Window: "today", Op: ">", Than: &rules.OperandSpec{Field: "daily_budget", Factor: &f}}}},
		Action:     rules.ActionSpec{Type: "notify", Message: "{{.Entity}} is over-pacing: {{.Evidence}}"},
		Safeguards: rules.SafeguardSpec{Cooldown: "20h"},
	}
}
