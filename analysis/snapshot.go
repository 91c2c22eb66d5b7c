package analysis

import (
	"fmt"
	"slices"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// BaselineMinConversions is the fewest conversions a 7-day window needs to
// be an entity's baseline week (rules.WindowBaseline7D): its best week is
// the one with the lowest cost per conversion among those with at least
// this many, so that a lucky week with two cheap conversions is not the
// baseline.
const BaselineMinConversions = 10

// Snapshot returns what the rules see of the Dataset at now: every
// campaign, ad set and ad with its budgets, bid, status, learning stage,
// times, conversion event and its counts per rules window. now is taken in
// the account's time zone, so "today" is the account's today (at 03:00
// UTC an account in Los Angeles is still on the previous day).
//
// Windows are sums of the entity's daily rows over their days (today;
// yesterday and the single days day_2 to day_7; the last 3, 7, 14 and 30
// complete days; the week before last; the launch week, the entity's first
// 7 days; the baseline week, its best complete 7-day week before the last
// 7 days, see [BaselineMinConversions]; and the lifetime), so every rate
// is a ratio of sums, never an average of daily ratios. Reach is a day's
// own reach for single days and Meta's de-duplicated window reach (from
// Dataset.Windows) for longer windows; when Meta gave none for a window,
// its reach stays a sum marked ReachSummed, and reach metrics over it are
// undefined. A window the daily rows do not cover entirely (it starts
// before Dataset.Range or ends after it) is left out, so a condition on it
// is unknown rather than computed from part of its days. The lifetime of
// an entity that started before Dataset.Range comes from Meta's lifetime
// totals plus the days after them.
//
// Entity.Status is the delivery status: "ACTIVE" only when Meta delivers
// the entity (effective status ACTIVE), "PAUSED" when it is paused itself,
// otherwise its effective status (CAMPAIGN_PAUSED, ADSET_PAUSED,
// DISAPPROVED, ...), so no rule acts on an entity its parent holds back.
// The parents' statuses are checked too, for objects that carry only
// their configured status (rows from a warehouse): an active ad set of a
// paused campaign is CAMPAIGN_PAUSED, an active ad of a paused ad set
// ADSET_PAUSED. An entity without a status (made from rows, see
// [FromRows]) is not ACTIVE, so no rule acts on it.
// The snapshot states the account's currency, time zone and account id,
// which rules.RuleSet.Evaluate checks. History is left empty: set it from
// the ledger.
//
// It returns an error wrapping [ErrInvalidInput] when the Dataset cannot
// be placed in time (no or an unknown time zone, an unknown currency) or
// now is zero.
func (d *Dataset) Snapshot(now time.Time) (*rules.Snapshot, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: Snapshot of a nil Dataset", ErrInvalidInput)
	}
	if now.IsZero() {
		return nil, fmt.Errorf("%w: Snapshot: now is zero; expected the evaluation time", ErrInvalidInput)
	}
	loc, err := d.location()
	if err != nil {
		return nil, err
	}
	if _, err := metrics.LookupCurrency(d.Account.Currency); err != nil {
		return nil, fmt.Errorf("%w: Dataset.Account.Currency: %v", ErrInvalidInput, err)
	}
	now = now.In(loc)
	b := newSnapshotBuilder(d, metaads.DateOf(now))
	snap := &rules.Snapshot{Now: now, Currency: d.Account.Currency, Account: d.Account.ID.String(), TimeZone: d.Account.TimezoneName,
		Entities: make([]rules.Entity, 0, len(d.Campaigns)+len(d.AdSets)+len(d.Ads))}
	for i := range d.Campaigns {
		snap.Entities = append(snap.Entities, b.campaign(&d.Campaigns[i]))
	}
	for i := range d.AdSets {
		snap.Entities = append(snap.Entities, b.adSet(&d.AdSets[i]))
	}
	for i := range d.Ads {
		snap.Entities = append(snap.Entities, b.ad(&d.Ads[i]))
	}
	return snap, nil
}

// location returns the account's time zone.
func (d *Dataset) location() (*time.Location, error) {
	if d.Account.TimezoneName == "" {
		return nil, fmt.Errorf("%w: Dataset.Account.TimezoneName is empty; expected the account's IANA time zone such as \"America/Los_Angeles\"", ErrInvalidInput)
	}
	loc, err := time.LoadLocation(d.Account.TimezoneName)
	if err != nil {
		return nil, fmt.Errorf("%w: Dataset.Account.TimezoneName %q: %v", ErrInvalidInput, d.Account.TimezoneName, err)
	}
	return loc, nil
}

type entityKey struct {
	level metrics.Level
	id    string
}

type windowKey struct {
	entityKey
	since, until metaads.Date
}

// snapshotBuilder indexes a Dataset's rows for one Snapshot.
type snapshotBuilder struct {
	d        *Dataset
	loc      *time.Location
	today    metaads.Date
	daily    map[entityKey][]DailyRow // rows of each entity, in date order
	windows  map[windowKey]*WindowRow
	lifetime map[entityKey]*WindowRow
	camps    map[string]*metaads.Campaign
	sets     map[string]*metaads.AdSet
	events   map[string]string
}

func newSnapshotBuilder(d *Dataset, today metaads.Date) *snapshotBuilder {
	b := &snapshotBuilder{d: d, today: today, daily: map[entityKey][]DailyRow{}, windows: map[windowKey]*WindowRow{},
		lifetime: map[entityKey]*WindowRow{}, camps: map[string]*metaads.Campaign{}, sets: map[string]*metaads.AdSet{},
		events: eventMap(d.ConversionEvents)}
	b.loc, _ = d.location()
	// Rows are sorted by level, id and date: each entity's rows are one
	// run, sliced without copying.
	start := 0
	for i := 1; i <= len(d.Daily); i++ {
		if i == len(d.Daily) || d.Daily[i].Level != d.Daily[start].Level || d.Daily[i].ID != d.Daily[start].ID {
			k := entityKey{d.Daily[start].Level, d.Daily[start].ID}
			if prev, dup := b.daily[k]; dup { // unsorted input: merge
				b.daily[k] = sortedDays(append(append([]DailyRow(nil), prev...), d.Daily[start:i]...))
			} else {
				b.daily[k] = sortedDays(d.Daily[start:i])
			}
			start = i
		}
	}
	for i := range d.Windows {
		w := &d.Windows[i]
		k := entityKey{w.Level, w.ID}
		b.windows[windowKey{k, w.Window.Since, w.Window.Until}] = w
		if w.Name == rules.WindowLifetime.String() {
			if prev := b.lifetime[k]; prev == nil || prev.Window.Until.Before(w.Window.Until) {
				b.lifetime[k] = w
			}
		}
	}
	for i := range d.Campaigns {
		b.camps[d.Campaigns[i].ID] = &d.Campaigns[i]
	}
	for i := range d.AdSets {
		b.sets[d.AdSets[i].ID] = &d.AdSets[i]
	}
	return b
}

// sortedDays returns rows in date order (a copy only when they are not).
func sortedDays(rows []DailyRow) []DailyRow {
	for i := 1; i < len(rows); i++ {
		if !rows[i-1].Date.Before(rows[i].Date) {
			out := append([]DailyRow(nil), rows...)
			sortDaily(out)
			return out
		}
	}
	return rows
}

func sortDaily(rows []DailyRow) {
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].Date.Before(rows[j-1].Date); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

// deliveryStatus is the status the rules see (see Dataset.Snapshot).
func deliveryStatus(status metaads.Status, eff metaads.EffectiveStatus) string {
	switch {
	case status == metaads.StatusPaused:
		return string(metaads.StatusPaused)
	case eff == metaads.EffectiveActive || (eff == "" && status == metaads.StatusActive):
		return string(metaads.StatusActive)
	case eff != "":
		return string(eff)
	}
	return string(status)
}

// underParent is the delivery status of an entity whose own status is
// own, below a parent with delivery status parent: an entity Meta would
// deliver is held back by a parent it does not deliver (Meta's effective
// status says CAMPAIGN_PAUSED or ADSET_PAUSED; objects from rows often
// carry only their configured status). An unknown parent status (empty)
// leaves own as it is.
func underParent(own, parent string, held metaads.EffectiveStatus) string {
	if own != string(metaads.StatusActive) || parent == "" || parent == string(metaads.StatusActive) {
		return own
	}
	if parent == string(metaads.EffectiveCampaignPaused) {
		return parent // the ad set is held by its campaign
	}
	return string(held)
}

func (b *snapshotBuilder) campaignStatus(id string) string {
	if c := b.camps[id]; c != nil {
		return deliveryStatus(c.Status, c.EffectiveStatus)
	}
	return ""
}

func (b *snapshotBuilder) adSetStatus(s *metaads.AdSet) string {
	return underParent(deliveryStatus(s.Status, s.EffectiveStatus), b.campaignStatus(s.CampaignID), metaads.EffectiveCampaignPaused)
}

func (b *snapshotBuilder) base(level metrics.Level, id, name string, camp *metaads.Campaign) rules.Entity {
	e := rules.Entity{ID: id, Name: name, Level: level, Account: b.d.Account.ID.String()}
	if camp != nil {
		e.Objective = string(camp.Objective)
		e.ConversionEvent = b.events[camp.ID]
	}
	return e
}

func (b *snapshotBuilder) campaign(c *metaads.Campaign) rules.Entity {
	e := b.base(metrics.LevelCampaign, c.ID, c.Name, c)
	e.Status = deliveryStatus(c.Status, c.EffectiveStatus)
	e.DailyBudget, e.LifetimeBudget = c.DailyBudget, c.LifetimeBudget
	e.CreatedTime, e.StartTime, e.EndTime = c.CreatedTime.Time, c.StartTime.Time, c.StopTime.Time
	e.Stats = b.stats(metrics.LevelCampaign, c.ID, startOf(c.StartTime.Time, c.CreatedTime.Time))
	return e
}

func (b *snapshotBuilder) adSet(s *metaads.AdSet) rules.Entity {
	e := b.base(metrics.LevelAdSet, s.ID, s.Name, b.camps[s.CampaignID])
	e.Status = b.adSetStatus(s)
	e.DailyBudget, e.LifetimeBudget, e.BidAmount = s.DailyBudget, s.LifetimeBudget, s.BidAmount
	e.CreatedTime, e.StartTime, e.EndTime = s.CreatedTime.Time, s.StartTime.Time, s.EndTime.Time
	if li := s.LearningStageInfo; li != nil {
		e.LearningStage = string(li.Status)
		e.LastSignificantEdit = li.LastSignificantEdit.Time
	}
	e.Stats = b.stats(metrics.LevelAdSet, s.ID, startOf(s.StartTime.Time, s.CreatedTime.Time))
	return e
}

func (b *snapshotBuilder) ad(a *metaads.Ad) rules.Entity {
	camp := b.camps[a.CampaignID]
	if camp == nil {
		if s := b.sets[a.AdSetID]; s != nil {
			camp = b.camps[s.CampaignID]
		}
	}
	e := b.base(metrics.LevelAd, a.ID, a.Name, camp)
	e.Status = deliveryStatus(a.Status, a.EffectiveStatus)
	if s := b.sets[a.AdSetID]; s != nil {
		e.Status = underParent(e.Status, b.adSetStatus(s), metaads.EffectiveAdSetPaused)
	} else if camp != nil {
		e.Status = underParent(e.Status, b.campaignStatus(camp.ID), metaads.EffectiveCampaignPaused)
	}
	e.CreatedTime = a.CreatedTime.Time
	start := a.CreatedTime.Time
	if s := b.sets[a.AdSetID]; s != nil && s.StartTime.After(start) {
		start = s.StartTime.Time // an ad delivers from its ad set's start at the earliest
	}
	e.Stats = b.stats(metrics.LevelAd, a.ID, start)
	return e
}

// startOf returns the flight start, else the creation time.
func startOf(start, created time.Time) time.Time {
	if !start.IsZero() {
		return start
	}
	return created
}

// stats computes an entity's window counts. start is when the entity
// started delivering (zero when unknown).
func (b *snapshotBuilder) stats(level metrics.Level, id string, start time.Time) []rules.WindowCounts {
	k := entityKey{level, id}
	rows := b.daily[k]
	rng := b.d.Range
	if rng.Since.IsZero() || !b.levelCollected(level) {
		return nil
	}
	var startDay metaads.Date
	if !start.IsZero() && b.loc != nil {
		startDay = metaads.DateOf(start.In(b.loc))
	}
	// The windows covered entirely by the daily rows, then one pass over
	// the rows adds each day to every window that holds it.
	var spans [maxSpans]span
	n := 0
	since, until := dayNum(rng.Since), dayNum(rng.Until)
	todayN := dayNum(b.today)
	want := func(w rules.Window, r metaads.TimeRange) {
		from, to := dayNum(r.Since), dayNum(r.Until)
		if from < since || to > until || to > todayN || n == maxSpans {
			return // not covered entirely
		}
		spans[n] = span{w: w, r: r, from: from, to: to}
		n++
	}
	for _, w := range rules.Windows() {
		if r, ok := windowRange(w, b.today); ok {
			want(w, r)
		}
	}
	// Launch week: the entity's first 7 days, once complete.
	if !startDay.IsZero() {
		if launch := (metaads.TimeRange{Since: startDay, Until: startDay.AddDays(6)}); launch.Until.Before(b.today) {
			want(rules.WindowLaunch7D, launch)
		}
	}
	if r, ok := b.baseline(rows, startDay); ok {
		want(rules.WindowBaseline7D, r)
	}
	// The lifetime, when the rows reach back to the entity's start and end
	// today: the sum of all its days.
	lifeSpan := -1
	if !startDay.IsZero() && !startDay.Before(rng.Since) && b.today == rng.Until && n < maxSpans {
		lifeSpan = n
		spans[n] = span{w: rules.WindowLifetime, r: rng, from: since, to: todayN}
		n++
	}
	for i := range rows {
		d := dayNum(rows[i].Date)
		for j := range n {
			if d >= spans[j].from && d <= spans[j].to {
				spans[j].c.Add(rows[i].Counts)
			}
		}
	}
	out := make([]rules.WindowCounts, 0, n+1)
	for j := range n {
		sp := &spans[j]
		if j == lifeSpan {
			if lt := b.lifetime[k]; lt != nil && lt.Window.Until == b.today {
				sp.c = sp.c.WithWindowReach(lt.Counts.Reach)
			}
		} else if sp.from != sp.to {
			if wr := b.windows[windowKey{k, sp.r.Since, sp.r.Until}]; wr != nil {
				sp.c = sp.c.WithWindowReach(wr.Counts.Reach) // Meta's de-duplicated reach of the window
			}
		}
		out = append(out, rules.WindowCounts{Window: sp.w, Counts: sp.c})
	}
	if lifeSpan < 0 {
		if c, ok := b.lifetimeCounts(k, rows, startDay); ok {
			out = append(out, rules.WindowCounts{Window: rules.WindowLifetime, Counts: c})
		}
	}
	return out
}

// span is one window being summed.
type span struct {
	w        rules.Window
	r        metaads.TimeRange
	from, to int // day numbers
	c        metrics.Counts
}

// maxSpans bounds the windows of one entity (every rules window).
const maxSpans = 24

// levelCollected reports whether the Dataset has daily rows at level (an
// entity of a level that was not read has no windows, rather than zeros).
func (b *snapshotBuilder) levelCollected(level metrics.Level) bool {
	return slices.Contains(b.d.Levels, level)
}

// sumDays adds the rows of the days in r (rows in date order).
func sumDays(rows []DailyRow, r metaads.TimeRange) metrics.Counts {
	var c metrics.Counts
	from, to := dayNum(r.Since), dayNum(r.Until)
	for i := range rows {
		d := dayNum(rows[i].Date)
		if d > to {
			break
		}
		if d >= from {
			c.Add(rows[i].Counts)
		}
	}
	return c
}

// dayNum is the number of days from 1970-01-01 to d, in integer arithmetic
// (Hinnant's days_from_civil), so comparing days costs no time.Date.
func dayNum(d metaads.Date) int {
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// baseline returns the entity's best complete 7-day window that ends
// before the last 7 days: the lowest cost per conversion among windows
// with at least BaselineMinConversions conversions.
func (b *snapshotBuilder) baseline(rows []DailyRow, startDay metaads.Date) (metaads.TimeRange, bool) {
	first := b.d.Range.Since
	if !startDay.IsZero() && first.Before(startDay) {
		first = startDay
	}
	last := b.today.AddDays(-8) // the window ends before last_7d starts
	n := dayNum(last) - dayNum(first) + 1
	if n < 7 || len(rows) == 0 {
		return metaads.TimeRange{}, false
	}
	spend := make([]int64, n)
	conv := make([]int64, n)
	f0, l0 := dayNum(first), dayNum(last)
	for i := range rows {
		if d := dayNum(rows[i].Date); d >= f0 && d <= l0 {
			spend[d-f0] += rows[i].Counts.Spend
			conv[d-f0] += rows[i].Counts.Conversions
		}
	}
	best, bestCPA := -1, 0.0
	var s, c int64
	for j := range n {
		s, c = s+spend[j], c+conv[j]
		if j >= 7 {
			s, c = s-spend[j-7], c-conv[j-7]
		}
		if j < 6 || c < BaselineMinConversions {
			continue
		}
		if cpa := float64(s) / float64(c); best < 0 || cpa < bestCPA {
			best, bestCPA = j, cpa
		}
	}
	if best < 0 {
		return metaads.TimeRange{}, false
	}
	end := first.AddDays(best)
	return metaads.TimeRange{Since: end.AddDays(-6), Until: end}, true
}

// lifetimeCounts returns the counts since an entity started before the
// daily rows: Meta's lifetime totals plus the days after them. (When the
// rows reach back to its start, stats sums them.)
func (b *snapshotBuilder) lifetimeCounts(k entityKey, rows []DailyRow, startDay metaads.Date) (metrics.Counts, bool) {
	rng := b.d.Range
	if b.today.Before(rng.Until) || rng.Until.Before(b.today) {
		return metrics.Counts{}, false // the lifetime must end today
	}
	lt := b.lifetime[k]
	if lt == nil || lt.Window.Until.Before(rng.Since.AddDays(-1)) {
		return metrics.Counts{}, false
	}
	c := lt.Counts
	if lt.Window.Until.Before(b.today) {
		c.Add(sumDays(rows, metaads.TimeRange{Since: lt.Window.Until.AddDays(1), Until: b.today}))
	}
	return c, true
}
