package analysis

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// Rows is what [FromRows] builds a Dataset from: the account, optionally
// its objects (with budgets, statuses, learning stage, targeting, as any
// source gives them), and insights rows from a warehouse or an Ads Manager
// export ([ReadCSV]).
type Rows struct {
	// Account needs ID, Currency and TimezoneName; the rows' days are in
	// that time zone and their money in that currency's minor units.
	Account metaads.AdAccount

	// Campaigns, AdSets and Ads are the objects, when known. A level given
	// here is closed: a row for an entity of that level that is not listed
	// is an error. For a level not given, the entities are made from the
	// rows (id, name, parents), without budgets or statuses: no rule acts
	// on an entity whose status is unknown (the heuristic still judges its
	// delivery, and says so in its notes), so give the objects with their
	// status for rule decisions.
	Campaigns []metaads.Campaign
	AdSets    []metaads.AdSet
	Ads       []metaads.Ad

	// ConversionEvent and ConversionEvents override the campaigns'
	// conversion events, as in CollectOptions.
	ConversionEvent  string
	ConversionEvents map[string]string

	// Insights are the rows. Each row's level is the deepest id it carries
	// (ad, ad set, campaign, or none for the account).
	Insights []Row

	// CollectedAt is when the rows were read (default: the end of the
	// last day of the rows, in the account's time zone).
	CollectedAt time.Time
}

// Row is one insights row of [Rows]: one entity over one day (a daily
// row), one hour of a day (an hourly row) or several days (a window total,
// whose reach is de-duplicated over the window).
type Row struct {
	// Line numbers the row in its source for errors (a CSV line; 0 uses the
	// row's position in Rows.Insights, from 1).
	Line int

	CampaignID, CampaignName string
	AdSetID, AdSetName       string
	AdID, AdName             string

	// Since and Until are the row's first and last day (equal for daily
	// and hourly rows), in the account's time zone.
	Since, Until metaads.Date
	// Hourly marks an hourly row; Hour is its hour of day (0-23) in the
	// account's time zone.
	Hourly bool
	Hour   int

	// Currency, when set, must be the account's.
	Currency string
	// Event is the action type Counts.Conversions counts ("lead",
	// "purchase", ...); empty means the campaign's conversion event. With
	// an empty Event and zero Conversions, a campaign judged on the
	// purchase or lead family takes its Purchases (and PurchaseValue) or
	// Leads.
	Event string
	// Counts are the row's counts (money in minor units).
	Counts metrics.Counts
	// Rankings are an ad's rankings over the row's days.
	Rankings metrics.Rankings

	avgPlay float64 // ReadCSV: Video average play time, seconds
}

// level returns the row's level: the deepest id it carries.
func (r *Row) level() (metrics.Level, string) {
	switch {
	case r.AdID != "":
		return metrics.LevelAd, r.AdID
	case r.AdSetID != "":
		return metrics.LevelAdSet, r.AdSetID
	case r.CampaignID != "":
		return metrics.LevelCampaign, r.CampaignID
	}
	return metrics.LevelAccount, ""
}

// maxRowErrors bounds the row errors one FromRows or ReadCSV call reports.
const maxRowErrors = 20

// rowErrors collects row errors, at most maxRowErrors.
type rowErrors []error

func (e *rowErrors) add(row int, column, format string, args ...any) {
	if len(*e) < maxRowErrors {
		*e = append(*e, &RowError{Row: row, Column: column, Err: fmt.Errorf(format, args...)})
	}
}

func (e rowErrors) err() error { return errors.Join(e...) }

// FromRows builds a Dataset from rows a caller already has, so the
// snapshot, statistics, rules and analyzers work without the Graph API.
// Rows are checked: a row in another currency, for an entity that does not
// exist (at a level whose objects were given), under the wrong parent or
// without its parent's id (an entity made from rows), naming an entity
// without its id (an export without the ID columns),
// with a day range backwards, or overlapping another row of the same
// entity (two daily rows for one day, two hourly rows for one hour, two
// totals of one window), and counts that are negative, are errors naming
// the row and the column ([*RowError], joined, at most 20); every error
// wraps [ErrInvalidInput]. Rows without a single daily row (only window
// totals, as an Ads Manager export without the Day breakdown gives) are an
// error too: the rules' windows are sums of days.
//
// A level without daily rows of its own is summed from the level below
// (ads into ad sets, ad sets into campaigns); reach summed over several
// children is marked ReachSummed, so reach-based metrics over it are
// undefined rather than wrong.
func FromRows(in Rows) (*Dataset, error) {
	var errs rowErrors
	acct := in.Account
	if acct.ID.IsZero() {
		errs.add(0, "account", "Rows.Account.ID is zero; expected the ad account id")
	}
	cur, err := metrics.LookupCurrency(acct.Currency)
	if err != nil {
		errs.add(0, "currency", "Rows.Account.Currency: %v", err)
	}
	loc, err := (&Dataset{Account: acct}).location()
	if err != nil {
		errs.add(0, "time zone", "%v", err)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	ds := &Dataset{Account: acct,
		Campaigns: slices.Clone(in.Campaigns), AdSets: slices.Clone(in.AdSets), Ads: slices.Clone(in.Ads)}
	b := rowsBuilder{ds: ds, errs: &errs, closed: map[metrics.Level]bool{
		metrics.LevelCampaign: len(in.Campaigns) > 0, metrics.LevelAdSet: len(in.AdSets) > 0, metrics.LevelAd: len(in.Ads) > 0}}
	b.index()
	for i := range in.Insights {
		r := &in.Insights[i]
		line := r.Line
		if line == 0 {
			line = i + 1
		}
		b.entities(line, r)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	sortObjects(ds)
	ds.ConversionEvents = chooseEvents(ds, in.ConversionEvent, in.ConversionEvents)
	b.events = eventMap(ds.ConversionEvents)
	seen := map[string]int{}
	for i := range in.Insights {
		r := &in.Insights[i]
		line := r.Line
		if line == 0 {
			line = i + 1
		}
		b.add(line, r, cur.Code(), seen)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if len(ds.Daily) == 0 && len(in.Insights) > 0 {
		errs.add(0, "Day", "no daily rows: every row covers several days (a window total) or one hour; the rules' windows are sums of days, so export with the Day breakdown (a row per entity and day), with window totals beside them for reach")
		return nil, errs.err()
	}
	b.derive()
	sortRows(ds)
	for _, l := range defaultLevels {
		if slices.ContainsFunc(ds.Daily, func(d DailyRow) bool { return d.Level == l }) {
			ds.Levels = append(ds.Levels, l)
		}
	}
	for _, d := range ds.Daily {
		if ds.Range.Since.IsZero() || d.Date.Before(ds.Range.Since) {
			ds.Range.Since = d.Date
		}
		if ds.Range.Until.IsZero() || ds.Range.Until.Before(d.Date) {
			ds.Range.Until = d.Date
		}
	}
	for _, h := range ds.Hourly {
		if ds.HourlyRange.Since.IsZero() || h.Date.Before(ds.HourlyRange.Since) {
			ds.HourlyRange.Since = h.Date
		}
		if ds.HourlyRange.Until.IsZero() || ds.HourlyRange.Until.Before(h.Date) {
			ds.HourlyRange.Until = h.Date
		}
	}
	ds.Stats.Rows = len(in.Insights)
	ds.CollectedAt = in.CollectedAt
	if ds.CollectedAt.IsZero() && !ds.Range.Until.IsZero() {
		u := ds.Range.Until
		ds.CollectedAt = time.Date(u.Year, u.Month, u.Day, 23, 59, 59, 0, loc)
	}
	ds.CollectedAt = ds.CollectedAt.In(loc)
	// Name the window totals that are rules windows at the collection day,
	// and as each entity's lifetime the earliest-starting total that ends
	// that day and starts before the daily rows.
	today := metaads.DateOf(ds.CollectedAt)
	life := map[entityKey]int{}
	for i := range ds.Windows {
		w := &ds.Windows[i]
		for _, rw := range reachWindows {
			if r, _ := windowRange(rw, today); r == w.Window {
				w.Name = rw.String()
			}
		}
		if w.Name == "" && w.Window.Until == today && w.Window.Since.Before(ds.Range.Since) {
			k := entityKey{w.Level, w.ID}
			if j, ok := life[k]; !ok || w.Window.Since.Before(ds.Windows[j].Window.Since) {
				life[k] = i
			}
		}
	}
	for _, i := range life {
		ds.Windows[i].Name = rules.WindowLifetime.String()
	}
	return ds, nil
}

type rowsBuilder struct {
	ds     *Dataset
	errs   *rowErrors
	closed map[metrics.Level]bool
	camps  map[string]int // index into ds.Campaigns
	sets   map[string]int
	ads    map[string]int
	events map[string]string
}

func (b *rowsBuilder) index() {
	b.camps, b.sets, b.ads = map[string]int{}, map[string]int{}, map[string]int{}
	for i, c := range b.ds.Campaigns {
		b.camps[c.ID] = i
	}
	for i, s := range b.ds.AdSets {
		b.sets[s.ID] = i
	}
	for i, a := range b.ds.Ads {
		b.ads[a.ID] = i
	}
}

// entities checks the row's entities against the objects, adding the
// entities of open levels.
func (b *rowsBuilder) entities(line int, r *Row) {
	ds := b.ds
	// A row's level is its deepest id: a name deeper than it (an Ads
	// Manager export without the ID columns) would add the row to its
	// parent or to the account.
	for _, n := range []struct{ level, name, id, column string }{
		{"ad", r.AdName, r.AdID, "Ad ID"}, {"ad set", r.AdSetName, r.AdSetID, "Ad set ID"}, {"campaign", r.CampaignName, r.CampaignID, "Campaign ID"},
	} {
		if n.id != "" {
			break
		}
		if n.name != "" {
			b.errs.add(line, n.column, "the row names %s %q but has no %s; expected the ids of its entities (add the ID columns to the Ads Manager export)", n.level, n.name, n.column)
			return
		}
	}
	if r.CampaignID != "" {
		if _, ok := b.camps[r.CampaignID]; !ok {
			if b.closed[metrics.LevelCampaign] {
				b.errs.add(line, "Campaign ID", "campaign %s does not exist in the account's campaigns", r.CampaignID)
			} else {
				b.camps[r.CampaignID] = len(ds.Campaigns)
				ds.Campaigns = append(ds.Campaigns, metaads.Campaign{ID: r.CampaignID, AccountID: ds.Account.ID, Name: r.CampaignName})
			}
		}
	}
	if r.AdSetID != "" {
		i, ok := b.sets[r.AdSetID]
		switch {
		case !ok && b.closed[metrics.LevelAdSet]:
			b.errs.add(line, "Ad set ID", "ad set %s does not exist in the account's ad sets", r.AdSetID)
		case !ok && r.CampaignID == "":
			b.errs.add(line, "Campaign ID", "ad set %s is not among Rows.AdSets, so the row must name its campaign; expected its Campaign ID", r.AdSetID)
		case !ok:
			b.sets[r.AdSetID] = len(ds.AdSets)
			ds.AdSets = append(ds.AdSets, metaads.AdSet{ID: r.AdSetID, AccountID: ds.Account.ID, CampaignID: r.CampaignID, Name: r.AdSetName})
		case r.CampaignID != "" && ds.AdSets[i].CampaignID != "" && ds.AdSets[i].CampaignID != r.CampaignID:
			b.errs.add(line, "Campaign ID", "ad set %s belongs to campaign %s, not %s", r.AdSetID, ds.AdSets[i].CampaignID, r.CampaignID)
		}
	}
	if r.AdID != "" {
		i, ok := b.ads[r.AdID]
		switch {
		case !ok && b.closed[metrics.LevelAd]:
			b.errs.add(line, "Ad ID", "ad %s does not exist in the account's ads", r.AdID)
		case !ok && r.AdSetID == "":
			b.errs.add(line, "Ad set ID", "ad %s is not among Rows.Ads, so the row must name its ad set; expected its Ad set ID", r.AdID)
		case !ok:
			b.ads[r.AdID] = len(ds.Ads)
			ds.Ads = append(ds.Ads, metaads.Ad{ID: r.AdID, AccountID: ds.Account.ID, CampaignID: r.CampaignID, AdSetID: r.AdSetID, Name: r.AdName})
		case r.AdSetID != "" && ds.Ads[i].AdSetID != "" && ds.Ads[i].AdSetID != r.AdSetID:
			b.errs.add(line, "Ad set ID", "ad %s belongs to ad set %s, not %s", r.AdID, ds.Ads[i].AdSetID, r.AdSetID)
		}
	}
}

// add checks one row and adds it to the Dataset.
func (b *rowsBuilder) add(line int, r *Row, currency string, seen map[string]int) {
	ds := b.ds
	level, id := r.level()
	if level == metrics.LevelAccount {
		id = ds.Account.ID.Number()
	}
	switch {
	case r.Currency != "" && !strings.EqualFold(r.Currency, currency):
		b.errs.add(line, "Currency", "%s; the account's currency is %s", r.Currency, currency)
		return
	case !r.Since.Valid():
		b.errs.add(line, "Reporting starts", "missing or invalid day; expected YYYY-MM-DD")
		return
	case !r.Until.Valid():
		b.errs.add(line, "Reporting ends", "missing or invalid day; expected YYYY-MM-DD")
		return
	case r.Until.Before(r.Since):
		b.errs.add(line, "Reporting ends", "%s is before the start %s", r.Until, r.Since)
		return
	case r.Hourly && (r.Hour < 0 || r.Hour > 23):
		b.errs.add(line, "Time of day (ad account time zone)", "hour %d; expected 0 to 23", r.Hour)
		return
	case r.Hourly && r.Since != r.Until:
		b.errs.add(line, "Reporting ends", "an hourly row covers %s to %s; expected one day", r.Since, r.Until)
		return
	}
	if err := r.Counts.Validate(); err != nil {
		b.errs.add(line, "counts", "%v", err)
		return
	}
	c := r.Counts
	event := b.eventOf(level, r)
	if r.Event != "" && r.Event != event && level != metrics.LevelAccount {
		b.errs.add(line, "Result indicator", "the row counts conversions of %q, but campaign %s is judged on %q; set Rows.ConversionEvents to choose", r.Event, b.campaignOf(r), event)
		return
	}
	if r.Event == "" && c.Conversions == 0 {
		switch event {
		case EventPurchase:
			c.Conversions, c.ConversionValue = c.Purchases, c.PurchaseValue
		case EventLead:
			c.Conversions = c.Leads
		}
	}
	switch {
	case r.Hourly:
		key := fmt.Sprintf("h|%s|%s|%s|%d", level, id, r.Since, r.Hour)
		if prev, dup := seen[key]; dup {
			b.errs.add(line, "Time of day (ad account time zone)", "overlaps row %d: %s %s already has a row for %s hour %d", prev, level, id, r.Since, r.Hour)
			return
		}
		seen[key] = line
		c.Reach, c.UniqueClicks = 0, 0
		ds.Hourly = append(ds.Hourly, HourlyRow{Level: level, ID: id, Date: r.Since, Hour: r.Hour, Counts: c})
	case r.Since == r.Until:
		key := fmt.Sprintf("d|%s|%s|%s", level, id, r.Since)
		if prev, dup := seen[key]; dup {
			b.errs.add(line, "Reporting starts", "overlaps row %d: %s %s already has a row for %s", prev, level, id, r.Since)
			return
		}
		seen[key] = line
		ds.Daily = append(ds.Daily, DailyRow{Level: level, ID: id, Date: r.Since, Counts: c})
	default:
		key := fmt.Sprintf("w|%s|%s|%s|%s", level, id, r.Since, r.Until)
		if prev, dup := seen[key]; dup {
			b.errs.add(line, "Reporting starts", "overlaps row %d: %s %s already has a total for %s to %s", prev, level, id, r.Since, r.Until)
			return
		}
		seen[key] = line
		ds.Windows = append(ds.Windows, WindowRow{Level: level, ID: id, Window: metaads.TimeRange{Since: r.Since, Until: r.Until},
			Counts: c, Rankings: r.Rankings})
	}
}

// campaignOf returns the campaign of a row (through its ad set or ad).
func (b *rowsBuilder) campaignOf(r *Row) string {
	if r.CampaignID != "" {
		return r.CampaignID
	}
	if i, ok := b.sets[r.AdSetID]; ok && r.AdSetID != "" {
		return b.ds.AdSets[i].CampaignID
	}
	if i, ok := b.ads[r.AdID]; ok && r.AdID != "" {
		if a := b.ds.Ads[i]; a.CampaignID != "" {
			return a.CampaignID
		}
		if j, ok := b.sets[b.ds.Ads[i].AdSetID]; ok {
			return b.ds.AdSets[j].CampaignID
		}
	}
	return ""
}

func (b *rowsBuilder) eventOf(level metrics.Level, r *Row) string {
	if level == metrics.LevelAccount {
		return r.Event
	}
	return b.events[b.campaignOf(r)]
}

// derive sums the daily rows of a level into the levels above that have
// none of their own.
func (b *rowsBuilder) derive() {
	ds := b.ds
	has := map[metrics.Level]bool{}
	for _, d := range ds.Daily {
		has[d.Level] = true
	}
	parent := func(l metrics.Level, id string) string {
		switch l {
		case metrics.LevelAd:
			if i, ok := b.ads[id]; ok {
				if s := ds.Ads[i].AdSetID; s != "" {
					return s
				}
			}
		case metrics.LevelAdSet:
			if i, ok := b.sets[id]; ok {
				return ds.AdSets[i].CampaignID
			}
		}
		return ""
	}
	for _, pair := range [][2]metrics.Level{{metrics.LevelAd, metrics.LevelAdSet}, {metrics.LevelAdSet, metrics.LevelCampaign}} {
		child, up := pair[0], pair[1]
		if has[up] || !has[child] {
			continue
		}
		sums := map[windowKey]*metrics.Counts{}
		var order []windowKey
		for _, d := range ds.Daily {
			if d.Level != child {
				continue
			}
			p := parent(child, d.ID)
			if p == "" {
				continue
			}
			k := windowKey{entityKey{up, p}, d.Date, d.Date}
			if sums[k] == nil {
				sums[k] = &metrics.Counts{}
				order = append(order, k)
			}
			sums[k].Add(d.Counts)
		}
		for _, k := range order {
			ds.Daily = append(ds.Daily, DailyRow{Level: up, ID: k.id, Date: k.since, Counts: *sums[k]})
		}
		has[up] = true
	}
}
