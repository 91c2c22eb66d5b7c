package analysis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// Defaults of CollectOptions.
const (
	DefaultLookbackDays   = 60
	DefaultHourlyDays     = 28
	DefaultAsyncAfterDays = 31
	maxLookbackDays       = 400
	maxHourlyDays         = 90
	pageSize              = 500
)

var defaultLevels = []metrics.Level{metrics.LevelCampaign, metrics.LevelAdSet, metrics.LevelAd}

// withDefaults validates o and fills its defaults.
func (o CollectOptions) withDefaults() (CollectOptions, error) {
	bad := func(format string, args ...any) (CollectOptions, error) {
		return o, fmt.Errorf("%w: CollectOptions.%s", ErrInvalidInput, fmt.Sprintf(format, args...))
	}
	if len(o.Levels) == 0 {
		o.Levels = defaultLevels
	}
	seen := map[metrics.Level]bool{}
	for i, l := range o.Levels {
		if !slices.Contains(defaultLevels, l) {
			return bad("Levels[%d] %q; expected %q, %q or %q", i, l, metrics.LevelCampaign, metrics.LevelAdSet, metrics.LevelAd)
		}
		if seen[l] {
			return bad("Levels lists %q twice", l)
		}
		seen[l] = true
	}
	o.Levels = slices.SortedFunc(slices.Values(o.Levels), func(a, b metrics.Level) int { return levelOrder(a) - levelOrder(b) })
	switch {
	case o.LookbackDays == 0:
		o.LookbackDays = DefaultLookbackDays
	case o.LookbackDays < 1 || o.LookbackDays > maxLookbackDays:
		return bad("LookbackDays %d; expected 1 to %d complete days (0 for %d)", o.LookbackDays, maxLookbackDays, DefaultLookbackDays)
	}
	switch {
	case o.HourlyDays == 0:
		o.HourlyDays = DefaultHourlyDays
	case o.HourlyDays < 1 || o.HourlyDays > maxHourlyDays:
		return bad("HourlyDays %d; expected 1 to %d (0 for %d)", o.HourlyDays, maxHourlyDays, DefaultHourlyDays)
	}
	if o.HourlyLevel == "" {
		o.HourlyLevel = metrics.LevelAccount
	} else if !slices.Contains(append([]metrics.Level{metrics.LevelAccount}, defaultLevels...), o.HourlyLevel) {
		return bad("HourlyLevel %q; expected account, campaign, adset or ad", o.HourlyLevel)
	}
	switch {
	case o.AsyncAfterDays == 0:
		o.AsyncAfterDays = DefaultAsyncAfterDays
	case o.AsyncAfterDays < 0:
		return bad("AsyncAfterDays %d is negative; expected 0 (for %d) or more", o.AsyncAfterDays, DefaultAsyncAfterDays)
	}
	if err := checkActionType("ConversionEvent", o.ConversionEvent); err != nil {
		return o, err
	}
	for id, t := range o.ConversionEvents {
		if err := checkActionType("ConversionEvents["+strconv.Quote(id)+"]", t); err != nil {
			return o, err
		}
		if t == "" {
			return bad("ConversionEvents[%q] is empty; expected an action type such as %q", id, EventLead)
		}
	}
	for i, f := range o.Fields {
		if f == "" || strings.ContainsAny(f, ", {}()") {
			return bad("Fields[%d] %q; expected an insights field name such as \"outbound_clicks\"", i, f)
		}
	}
	if o.Run.Resume != nil {
		return bad("Run.Resume: a collection runs several report runs, so one checkpoint cannot resume it; run Collect again (its reads are idempotent)")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Run.PageSize == 0 {
		o.Run.PageSize = pageSize
	}
	if o.Run.ChunkDays == 0 {
		// One report run per query: the lookback fits Meta's async limits,
		// and every extra chunk costs a run, its polls and its pages.
		o.Run.ChunkDays = max(o.LookbackDays, o.HourlyDays) + 1
	}
	return o, nil
}

func checkActionType(field, t string) error {
	if t != "" && (strings.TrimSpace(t) != t || strings.ContainsAny(t, " ,")) {
		return fmt.Errorf("%w: CollectOptions.%s %q; expected a Meta action type such as \"lead\" or \"offsite_conversion.fb_pixel_complete_registration\"", ErrInvalidInput, field, t)
	}
	return nil
}

func levelOrder(l metrics.Level) int {
	switch l {
	case metrics.LevelAccount:
		return 0
	case metrics.LevelCampaign:
		return 1
	case metrics.LevelAdSet:
		return 2
	case metrics.LevelAd:
		return 3
	}
	return 4
}

// Collect reads one ad account into a Dataset: the account, its
// campaigns, ad sets and ads, daily insights per entity at each level of
// o.Levels over the lookback (today included, so today's pacing is
// visible), hourly insights in the account's time zone, and Meta's window
// totals (de-duplicated reach, ad rankings) of the rules windows that
// span several days and of each entity's lifetime.
//
// It makes as few Graph calls as Meta allows: one per object list (500
// objects a page), one query per level for the daily rows, one for the
// hourly rows, and one per level (account included) for all window totals
// at once (time_ranges). Queries over more than o.AsyncAfterDays go
// through asynchronous report runs (metaads.InsightsService.Run), which
// add a start, the polls and the result pages; the others read
// synchronous pages of 500 rows. The queries run concurrently. For the
// demo business's shop account with the default options (61 days of
// daily rows, 29 days of hourly rows at account level) that is 32
// requests, counted from the fake's request log in the tests: 1 account
// read, 3 object lists, 3 report runs for the daily rows (a start and 5
// polls each, then 4 result pages), 2 pages of hourly rows and 4 window
// queries (account, campaign, ad set and ad level). The polls depend on
// how fast Meta finishes a run; Dataset.Stats counts what was made.
//
// Rows are de-duplicated by metaads.Insight.Key (a report run restarted
// after a fault re-delivers rows), reach is never summed (window reach
// comes from Meta's window totals), and each campaign's conversions count
// its own conversion event (see [ConversionEvent]).
//
// Errors from the client are returned as they are (errors.Is with
// metaads.ErrTokenInvalid, metaads.ErrRateLimited, ...), wrapped with what
// was being read; bad options wrap [ErrInvalidInput].
func Collect(ctx context.Context, c *metaads.Client, acct metaads.AccountID, o CollectOptions) (*Dataset, error) {
	if ctx == nil {
		return nil, fmt.Errorf("%w: Collect: %w", ErrInvalidInput, errNilContext)
	}
	if c == nil {
		return nil, fmt.Errorf("%w: Collect: nil client", ErrInvalidInput)
	}
	if acct.IsZero() {
		return nil, fmt.Errorf("%w: Collect: zero account id; expected the ad account to read (metaads.ParseAccountID)", ErrInvalidInput)
	}
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	col := &collector{c: c, acct: acct, o: o, seen: map[string]struct{}{}}
	ctx = metaads.ContextWithHooks(ctx, metaads.Hooks{OnRequest: func(context.Context, metaads.RequestInfo) { col.requests.Add(1) }})
	userRun := o.Run.OnReportStarted
	col.o.Run.OnReportStarted = func(rc metaads.RunChunk) {
		col.runs.Add(1)
		if userRun != nil {
			userRun(rc)
		}
	}
	return col.collect(ctx)
}

type collector struct {
	c    *metaads.Client
	acct metaads.AccountID
	o    CollectOptions

	requests atomic.Int64
	runs     atomic.Int64
	rows     atomic.Int64

	ds     *Dataset
	loc    *time.Location
	today  metaads.Date
	events map[string]string // campaign id -> action type

	mu   sync.Mutex
	seen map[string]struct{} // query index + row key
	dups int
}

func (col *collector) progress(phase Phase, detail string) {
	if col.o.Progress != nil {
		col.o.Progress(Progress{Phase: phase, Detail: detail, Requests: int(col.requests.Load()), Rows: int(col.rows.Load())})
	}
}

func (col *collector) collect(ctx context.Context) (*Dataset, error) {
	col.progress(PhaseObjects, "ad account, campaigns, ad sets and ads")
	acct, err := col.c.Accounts.Get(ctx, col.acct, metaads.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("analysis: reading ad account %s: %w", col.acct, err)
	}
	if acct.TimezoneName == "" {
		return nil, fmt.Errorf("analysis: ad account %s has no timezone_name: its days cannot be placed", col.acct)
	}
	col.loc, err = time.LoadLocation(acct.TimezoneName)
	if err != nil {
		return nil, fmt.Errorf("analysis: ad account %s: time zone %q: %w", col.acct, acct.TimezoneName, err)
	}
	if _, err := metrics.LookupCurrency(acct.Currency); err != nil {
		return nil, fmt.Errorf("analysis: ad account %s: %w", col.acct, err)
	}
	now := col.o.Now().In(col.loc)
	col.today = metaads.DateOf(now)
	ds := &Dataset{Account: *acct, CollectedAt: now}
	col.ds = ds
	lo := metaads.ListOptions{Limit: pageSize}
	if ds.Campaigns, err = collectAll(col.c.Campaigns.List(ctx, col.acct, lo)); err != nil {
		return nil, fmt.Errorf("analysis: listing the campaigns of %s: %w", col.acct, err)
	}
	if ds.AdSets, err = collectAll(col.c.AdSets.List(ctx, col.acct, lo)); err != nil {
		return nil, fmt.Errorf("analysis: listing the ad sets of %s: %w", col.acct, err)
	}
	if ds.Ads, err = collectAll(col.c.Ads.List(ctx, col.acct, lo)); err != nil {
		return nil, fmt.Errorf("analysis: listing the ads of %s: %w", col.acct, err)
	}
	sortObjects(ds)
	ds.ConversionEvents = chooseEvents(ds, col.o.ConversionEvent, col.o.ConversionEvents)
	col.events = eventMap(ds.ConversionEvents)
	col.progress(PhaseObjects, fmt.Sprintf("%d campaigns, %d ad sets, %d ads", len(ds.Campaigns), len(ds.AdSets), len(ds.Ads)))

	ds.Range = metaads.TimeRange{Since: col.today.AddDays(-col.o.LookbackDays), Until: col.today}
	ds.Levels = slices.Clone(col.o.Levels)
	var qs []*query
	for _, l := range col.o.Levels {
		qs = append(qs, &query{phase: PhaseDaily, detail: "daily insights, " + string(l) + " level", p: metaads.InsightsParams{
			Level: l, TimeRange: ds.Range, TimeIncrement: metaads.IncrementDaily, Fields: col.fields(l, false)}})
	}
	if !col.o.NoHourly {
		ds.HourlyRange = metaads.TimeRange{Since: col.today.AddDays(-col.o.HourlyDays), Until: col.today}
		l := col.o.HourlyLevel
		qs = append(qs, &query{phase: PhaseHourly, detail: "hourly insights, " + string(l) + " level", hourly: true, p: metaads.InsightsParams{
			Level: l, TimeRange: ds.HourlyRange, TimeIncrement: metaads.IncrementDaily, Fields: col.fields(l, true),
			Breakdowns: []metaads.Breakdown{metaads.BreakdownHourlyAdvertiserTZ}}})
	}
	ranges, names := col.windowRanges()
	for _, l := range append([]metrics.Level{metrics.LevelAccount}, col.o.Levels...) {
		f := metaads.DefaultInsightsFields(l, false)
		if l == metrics.LevelAd {
			f = append(f, "quality_ranking", "engagement_rate_ranking", "conversion_rate_ranking")
		}
		qs = append(qs, &query{phase: PhaseWindows, detail: "window totals, " + string(l) + " level", window: true, names: names,
			p: metaads.InsightsParams{Level: l, TimeRanges: ranges, Fields: f}})
	}
	if err := col.run(ctx, qs); err != nil {
		return nil, err
	}
	for _, q := range qs {
		switch {
		case q.window:
			ds.Windows = append(ds.Windows, q.windows...)
		case q.hourly:
			ds.Hourly = append(ds.Hourly, q.hours...)
		default:
			ds.Daily = append(ds.Daily, q.daily...)
		}
	}
	sortRows(ds)
	ds.Stats = CollectStats{Requests: int(col.requests.Load()), AsyncRuns: int(col.runs.Load()), Rows: int(col.rows.Load()), Duplicates: col.dups}
	col.progress(PhaseDone, fmt.Sprintf("%d daily, %d hourly and %d window rows", len(ds.Daily), len(ds.Hourly), len(ds.Windows)))
	return ds, nil
}

// fields returns the insights fields of a daily or hourly query.
func (col *collector) fields(l metrics.Level, hourly bool) []string {
	f := metaads.DefaultInsightsFields(l, hourly)
	for _, x := range col.o.Fields {
		if !slices.Contains(f, x) {
			f = append(f, x)
		}
	}
	return f
}

// windowRanges returns the ranges of the window-totals query and their
// rules window names: the windows of several days, and the lifetime
// (since the account was created, at most 37 months back).
func (col *collector) windowRanges() ([]metaads.TimeRange, []string) {
	var ranges []metaads.TimeRange
	var names []string
	for _, w := range reachWindows {
		r, _ := windowRange(w, col.today)
		ranges = append(ranges, r)
		names = append(names, w.String())
	}
	ranges = append(ranges, col.lifetimeRange())
	names = append(names, rules.WindowLifetime.String())
	return ranges, names
}

// lifetimeRange is the range of the lifetime window totals: from the
// account's creation (or its first campaign's start) to today, at most
// 37 months.
func (col *collector) lifetimeRange() metaads.TimeRange {
	start := col.ds.Account.CreatedTime.Time
	for _, c := range col.ds.Campaigns {
		for _, t := range []time.Time{c.StartTime.Time, c.CreatedTime.Time} {
			if !t.IsZero() && (start.IsZero() || t.Before(start)) {
				start = t
			}
		}
	}
	since := col.today.AddDays(-maxLifetimeDays)
	if !start.IsZero() {
		if d := metaads.DateOf(start.In(col.loc)); since.Before(d) {
			since = d
		}
	}
	if col.today.Before(since) {
		since = col.today
	}
	return metaads.TimeRange{Since: since, Until: col.today}
}

// query is one insights query of a collection and its rows.
type query struct {
	phase   Phase
	detail  string
	p       metaads.InsightsParams
	hourly  bool
	window  bool
	names   []string // window queries: the window name of each range
	daily   []DailyRow
	hours   []HourlyRow
	windows []WindowRow
}

// run runs the queries concurrently and reports their progress from the
// calling goroutine.
func (col *collector) run(ctx context.Context, qs []*query) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type event struct {
		q    *query
		err  error
		done bool
	}
	events := make(chan event, len(qs))
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := col.read(ctx, i, q, func() {
				select {
				case events <- event{q: q}:
				default: // progress is best effort; never block a reader
				}
			})
			events <- event{q: q, err: err, done: true}
		}()
	}
	var first error
	for left := len(qs); left > 0; {
		ev := <-events
		if ev.done {
			left--
		}
		switch {
		case ev.err != nil && first == nil:
			first = fmt.Errorf("analysis: reading %s of %s: %w", ev.q.detail, col.acct, ev.err)
			cancel()
		case first == nil:
			col.progress(ev.q.phase, ev.q.detail)
		}
	}
	wg.Wait()
	return first
}

// read runs one query (synchronous pages, or report runs for long
// ranges) and converts its rows.
func (col *collector) read(ctx context.Context, qi int, q *query, tick func()) error {
	var rows iter.Seq2[metaads.Insight, error]
	days := q.p.TimeRange.Days()
	if !q.window && days > col.o.AsyncAfterDays {
		rows = col.c.Insights.Run(ctx, col.acct, q.p, col.o.Run)
	} else {
		p := q.p
		p.Limit = pageSize
		rows = col.c.Insights.List(ctx, col.acct, p)
	}
	prefix := strconv.Itoa(qi) + "|"
	n := 0
	for r, err := range rows {
		if err != nil {
			return err
		}
		col.rows.Add(1)
		if col.duplicate(prefix + r.Key()) {
			continue
		}
		if err := col.add(q, &r); err != nil {
			return err
		}
		if n++; n%pageSize == 0 {
			tick()
		}
	}
	return nil
}

func (col *collector) duplicate(key string) bool {
	col.mu.Lock()
	defer col.mu.Unlock()
	if _, dup := col.seen[key]; dup {
		col.dups++
		return true
	}
	col.seen[key] = struct{}{}
	return false
}

// add converts one row into the query's rows.
func (col *collector) add(q *query, r *metaads.Insight) error {
	l := q.p.Level
	id := rowID(l, r)
	if id == "" {
		return fmt.Errorf("an insights row at %s level has no %s id", l, l)
	}
	if r.AccountCurrency != "" && r.AccountCurrency != col.ds.Account.Currency {
		return fmt.Errorf("%w: an insights row of %s is in %s, the account in %s", ErrCurrencyMismatch, id, r.AccountCurrency, col.ds.Account.Currency)
	}
	event := col.accountEvent()
	if l != metrics.LevelAccount {
		event = col.events[r.CampaignID]
	}
	c := countsOf(r, event)
	switch {
	case q.window:
		w := metaads.TimeRange{Since: r.DateStart, Until: r.DateStop}
		name := ""
		ranges := q.p.TimeRanges
		for i := range ranges {
			if ranges[i] == w {
				name = q.names[i]
			}
		}
		if name == "" {
			return fmt.Errorf("a window row of %s covers %v, which was not asked for", id, w)
		}
		rk := metrics.Rankings{Quality: r.QualityRanking, EngagementRate: r.EngagementRateRanking, ConversionRate: r.ConversionRateRanking}
		q.windows = append(q.windows, WindowRow{Level: l, ID: id, Window: w, Name: name, Counts: c, Rankings: rk})
	case q.hourly:
		h, err := hourOf(r)
		if err != nil {
			return err
		}
		c.Reach, c.UniqueClicks = 0, 0 // not reported by hour
		q.hours = append(q.hours, HourlyRow{Level: l, ID: id, Date: r.DateStart, Hour: h, Counts: c})
	default:
		if r.DateStart != r.DateStop {
			return fmt.Errorf("a daily row of %s covers %v to %v; expected one day", id, r.DateStart, r.DateStop)
		}
		q.daily = append(q.daily, DailyRow{Level: l, ID: id, Date: r.DateStart, Counts: c})
	}
	return nil
}

// accountEvent is the event account-level rows count: the one every
// campaign shares, or none when they differ.
func (col *collector) accountEvent() string {
	ev := ""
	for i, e := range col.ds.ConversionEvents {
		if i == 0 {
			ev = e.ActionType
		} else if e.ActionType != ev {
			return ""
		}
	}
	return ev
}

// rowID returns the id of the row's entity at level l.
func rowID(l metrics.Level, r *metaads.Insight) string {
	switch l {
	case metrics.LevelAccount:
		return r.AccountID.Number()
	case metrics.LevelCampaign:
		return r.CampaignID
	case metrics.LevelAdSet:
		return r.AdSetID
	}
	return r.AdID
}

// hourOf parses the hourly breakdown value "HH:00:00 - HH:59:59".
func hourOf(r *metaads.Insight) (int, error) {
	v, ok := r.Breakdown(metaads.BreakdownHourlyAdvertiserTZ)
	if !ok || len(v) < 2 {
		return 0, fmt.Errorf("an hourly row has no %s value", metaads.BreakdownHourlyAdvertiserTZ)
	}
	h, err := strconv.Atoi(v[:2])
	if err != nil || h < 0 || h > 23 {
		return 0, fmt.Errorf("hourly breakdown value %q; expected \"HH:00:00 - HH:59:59\"", v)
	}
	return h, nil
}

func collectAll[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// chooseEvents picks every campaign's conversion event.
func chooseEvents(ds *Dataset, all string, per map[string]string) []ConversionEvent {
	sets := map[string][]*metaads.AdSet{}
	for i := range ds.AdSets {
		s := &ds.AdSets[i]
		sets[s.CampaignID] = append(sets[s.CampaignID], s)
	}
	out := make([]ConversionEvent, 0, len(ds.Campaigns))
	for i := range ds.Campaigns {
		c := &ds.Campaigns[i]
		override := all
		if t, ok := per[c.ID]; ok {
			override = t
		}
		out = append(out, chooseEvent(c, sets[c.ID], override))
	}
	return out
}

func eventMap(evs []ConversionEvent) map[string]string {
	m := make(map[string]string, len(evs))
	for _, e := range evs {
		m[e.CampaignID] = e.ActionType
	}
	return m
}

func sortObjects(ds *Dataset) {
	slices.SortFunc(ds.Campaigns, func(a, b metaads.Campaign) int { return cmpID(a.ID, b.ID) })
	slices.SortFunc(ds.AdSets, func(a, b metaads.AdSet) int { return cmpID(a.ID, b.ID) })
	slices.SortFunc(ds.Ads, func(a, b metaads.Ad) int { return cmpID(a.ID, b.ID) })
}

// cmpID orders Graph ids numerically (shorter first), then as strings.
func cmpID(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}

func cmpDate(a, b metaads.Date) int {
	return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Month, b.Month), cmp.Compare(a.Day, b.Day))
}

func sortRows(ds *Dataset) {
	slices.SortFunc(ds.Daily, func(a, b DailyRow) int {
		return cmp.Or(levelOrder(a.Level)-levelOrder(b.Level), cmpID(a.ID, b.ID), cmpDate(a.Date, b.Date))
	})
	slices.SortFunc(ds.Hourly, func(a, b HourlyRow) int {
		return cmp.Or(levelOrder(a.Level)-levelOrder(b.Level), cmpID(a.ID, b.ID), cmpDate(a.Date, b.Date), a.Hour-b.Hour)
	})
	slices.SortFunc(ds.Windows, func(a, b WindowRow) int {
		return cmp.Or(levelOrder(a.Level)-levelOrder(b.Level), cmpID(a.ID, b.ID), cmpDate(a.Window.Since, b.Window.Since), cmpDate(a.Window.Until, b.Window.Until))
	})
}

var errNoDataset = errors.New("analysis: nil Dataset")

var errNilContext = errors.New("nil context; expected a context.Context such as context.Background()")
