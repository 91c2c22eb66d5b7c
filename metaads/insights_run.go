package metaads

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adpilot/adpilot/internal/wire"
	"github.com/adpilot/adpilot/metrics"
)

// RunOptions tunes [InsightsService.Run]. The zero value is valid.
type RunOptions struct {
	// ChunkDays is the length of the date chunks a long TimeRange is cut
	// into, one report run each (default 30). With a numeric TimeIncrement
	// it is rounded down to a multiple of the increment, so rows never
	// straddle chunks.
	ChunkDays int
	// MaxConcurrentJobs caps the report runs in flight per ad account
	// (default 10). The cap is kept per account by the service and shared
	// by every Run on it; the first Run for an account sets it.
	MaxConcurrentJobs int
	// PageSize is the page size for reading results (default 100); on
	// data-limit errors it is halved down to 5 before the runner splits.
	PageSize int
	// Poll controls the polling of each run. Its Timeout defaults to one
	// hour here, after which a stalled run is started again. Its
	// MaxThrottleWait (default one hour) bounds the throttles waited out
	// in a row by each poll, each creation of a run and each results page:
	// a throttle longer than the client retries through by itself delays
	// the pull instead of ending it.
	Poll PollOptions
	// MaxRestarts is how often a run that was skipped, failed or stalled
	// (see PollOptions.Timeout) is started again (default 2); runs too
	// large are split instead. It also bounds how often creating a run is
	// tried again after a transient error, a throttle or a dropped
	// connection (a spare run costs only insights quota), and how often a
	// chunk whose results stay unreadable through the client's retries
	// (transient errors such as 2601/1815107, "not ready" right after
	// completion) is run again.
	MaxRestarts int
	// OnReportStarted, when set, is called (from worker goroutines) with
	// every run the runner starts.
	OnReportStarted func(RunChunk)
	// OnCheckpoint, when set, is called with the chunks not yet delivered
	// whenever that set changes: after the plan is made, when a run starts
	// (the chunk then carries its RunID), when a chunk is split and when
	// all rows of a chunk were yielded. Calls are serialized. Persist the
	// latest list; a restarted process passes it as Resume.
	OnCheckpoint func(pending []RunChunk)
	// Resume, when non-nil, replaces the plan: the runner pulls exactly
	// these chunks (as saved from OnCheckpoint), resuming the runs of those
	// with a RunID instead of starting new ones. Rows of a chunk that was
	// being read when the earlier process stopped are delivered again;
	// deduplicate by Insight.Key or write rows idempotently.
	Resume []RunChunk
}

// RunChunk describes one unit of work of a Run: the part of the query it
// covers and, once started, its report run id. It is plain data, meant to
// be persisted (it encodes to JSON) and passed back in RunOptions.Resume.
type RunChunk struct {
	RunID     string    `json:"run_id,omitempty"`    // the report run id once started; empty before
	TimeRange TimeRange `json:"time_range,omitzero"` // zero (and left out of JSON) when the query uses a date preset
	// Filter is the entity filter the runner added when it split the query
	// by entity (for example campaign.id IN [...]); nil otherwise.
	Filter *Filter `json:"filter,omitempty"`
}

// entityLevel is a level the runner can split by.
type entityLevel struct {
	level metrics.Level
	field string // filtering field
	id    func(*Insight) string
}

// entityLevels are the levels the runner can split by, outermost first.
var entityLevels = [...]entityLevel{
	{metrics.LevelCampaign, "campaign.id", func(r *Insight) string { return r.CampaignID }},
	{metrics.LevelAdSet, "adset.id", func(r *Insight) string { return r.AdSetID }},
	{metrics.LevelAd, "ad.id", func(r *Insight) string { return r.AdID }},
}

// levelDepth returns how many entity levels a query at level l may be
// split by (0 for account level).
func levelDepth(l metrics.Level) int {
	for i, e := range entityLevels {
		if e.level == l {
			return i + 1
		}
	}
	return 0
}

// chunk is one unit of work of a Run.
type chunk struct {
	runID    string // run to resume (set by Resume and once started)
	tr       TimeRange
	ent      int      // index into entityLevels of the filter; -1 for none
	ids      []string // entity ids of the filter
	restarts int
	skip     map[string]struct{} // rows an earlier attempt already yielded
}

func (c *chunk) filter() *Filter {
	if c.ent < 0 {
		return nil
	}
	return &Filter{Field: entityLevels[c.ent].field, Operator: OpIn, Value: slices.Clone(c.ids)}
}

// params returns p narrowed to the chunk.
func (c *chunk) params(p InsightsParams) InsightsParams {
	if !c.tr.IsZero() {
		p.TimeRange = c.tr
	}
	if f := c.filter(); f != nil {
		p.Filtering = append(slices.Clone(p.Filtering), *f)
	}
	return p
}

// tracker keeps the chunks not yet delivered and reports them to
// OnCheckpoint.
type tracker struct {
	mu      sync.Mutex
	pending []*chunk
	notify  func([]RunChunk)
}

func (t *tracker) change(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f()
	if t.notify == nil {
		return
	}
	out := make([]RunChunk, len(t.pending))
	for i, c := range t.pending {
		out[i] = c.public()
	}
	t.notify(out)
}

func (t *tracker) add(cs ...*chunk) { t.change(func() { t.pending = append(t.pending, cs...) }) }

func (t *tracker) done(c *chunk) {
	t.change(func() {
		t.pending = slices.DeleteFunc(t.pending, func(x *chunk) bool { return x == c })
	})
}

// replace swaps a split chunk for its children.
func (t *tracker) replace(c *chunk, kids []*chunk) {
	t.change(func() {
		t.pending = slices.DeleteFunc(t.pending, func(x *chunk) bool { return x == c })
		t.pending = append(t.pending, kids...)
	})
}

// started records the run id of a chunk.
func (t *tracker) started(c *chunk, id string) { t.change(func() { c.runID = id }) }

func (c *chunk) public() RunChunk {
	return RunChunk{RunID: c.runID, TimeRange: c.tr, Filter: c.filter()}
}

// chunkFromPublic rebuilds a chunk saved by OnCheckpoint.
func chunkFromPublic(rc RunChunk, p InsightsParams) (*chunk, error) {
	c := &chunk{runID: rc.RunID, tr: rc.TimeRange, ent: -1}
	if !rc.TimeRange.IsZero() {
		if err := rc.TimeRange.validate(); err != nil {
			return nil, err
		}
	}
	if rc.Filter != nil {
		ent := slices.IndexFunc(entityLevels[:], func(e entityLevel) bool { return e.field == rc.Filter.Field })
		ids, ok := filterIDs(rc.Filter.Value)
		if ent < 0 || ent >= levelDepth(p.Level) || rc.Filter.Operator != OpIn || !ok {
			return nil, fmt.Errorf("metaads: resume chunk filter %+v: want the runner's own entity filter (campaign.id, adset.id or ad.id IN a list of ids, at or above the query's level)", *rc.Filter)
		}
		c.ent, c.ids = ent, ids
	}
	if rc.RunID != "" {
		if _, err := wire.ParseInt([]byte(rc.RunID)); err != nil || rc.RunID[0] == '-' {
			return nil, fmt.Errorf("metaads: resume chunk run id %q: want the numeric report_run_id", rc.RunID)
		}
	}
	return c, nil
}

// filterIDs accepts the ids of a Filter value, as built ([]string) or as
// decoded from JSON ([]any of strings).
func filterIDs(v any) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return slices.Clone(x), len(x) > 0
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, len(out) > 0
	}
	return nil, false
}

type jobResult struct {
	c   *chunk
	run *ReportRun
	err error
}

// Run pulls a large insights query through asynchronous report runs and
// yields its rows lazily, one page in memory at a time:
//
//   - a long TimeRange is cut into chunks (RunOptions.ChunkDays), one run
//     each, with at most MaxConcurrentJobs runs in flight per account;
//   - each run is polled with backoff until "Job Completed"; skipped or
//     transiently failed runs are started again (MaxRestarts);
//   - throttles are waited out, also those longer than the client's own
//     retries (Meta's insights throttles name minutes), within
//     Poll.MaxThrottleWait: a results page is then read again at the same
//     cursor, so a long pull is not lost to one throttle;
//   - on data-limit errors it narrows in this order: smaller result pages,
//     then halves of the date range (numeric time increments only), then
//     splitting by entity (campaigns, then ad sets, then ads, down to the
//     query's level, halving id lists);
//   - rows are neither lost nor repeated: a split after some rows of a
//     chunk were yielded skips those rows in the children (rows are told
//     apart by [Insight.Key]; the runner adds the level's id field to
//     Fields for that).
//
// Rows of different chunks arrive in completion order. On error Run
// yields (zero, err) once and stops; breaking out of the loop cancels
// every run in flight.
func (s *InsightsService) Run(ctx context.Context, acct AccountID, p InsightsParams, o RunOptions) iter.Seq2[Insight, error] {
	return func(yield func(Insight, error) bool) {
		if ctx == nil {
			yield(Insight{}, errNilContext("Insights.Run"))
			return
		}
		if err := s.check(acct); err != nil {
			yield(Insight{}, err)
			return
		}
		if err := p.Validate(); err != nil {
			yield(Insight{}, err)
			return
		}
		if err := o.Poll.Validate(); err != nil {
			yield(Insight{}, err)
			return
		}
		o = o.withDefaults(p)
		p = withKeyFields(p)
		plan := initialChunks(p, o)
		if o.Resume != nil {
			plan = plan[:0]
			for _, rc := range o.Resume {
				c, err := chunkFromPublic(rc, p)
				if err != nil {
					yield(Insight{}, fmt.Errorf("%w: %w", ErrInvalidParameter, err))
					return
				}
				plan = append(plan, c)
			}
		}
		tr := &tracker{notify: o.OnCheckpoint}
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() { cancel(); wg.Wait() }()
		results := make(chan jobResult)
		pending := 0
		launch := func(c *chunk) {
			pending++
			wg.Add(1)
			go func() {
				defer wg.Done()
				run, err := s.runJob(ctx, acct, c.params(p), c, o, tr)
				select {
				case results <- jobResult{c, run, err}:
				case <-ctx.Done():
				}
			}()
		}
		tr.add(plan...)
		for _, c := range plan {
			launch(c)
		}
		for pending > 0 {
			var res jobResult
			select {
			case res = <-results:
			case <-ctx.Done():
				yield(Insight{}, fmt.Errorf("metaads: insights run for %s: %w", acct, ctx.Err()))
				return
			}
			pending--
			c := res.c
			if res.err != nil {
				switch {
				case ctx.Err() != nil:
					yield(Insight{}, fmt.Errorf("metaads: insights run for %s: %w", acct, ctx.Err()))
					return
				case runTooLarge(res.err):
					kids, err := s.split(ctx, acct, p, c, nil)
					if err != nil {
						yield(Insight{}, err)
						return
					}
					tr.replace(c, kids)
					for _, k := range kids {
						launch(k)
					}
				case restartable(res.err) && c.restarts < o.MaxRestarts:
					c.restarts++
					tr.started(c, "")
					launch(c)
				default:
					yield(Insight{}, res.err)
					return
				}
				continue
			}
			var yielded map[string]struct{}
			stopped := false
			err := s.c.pageRows(ctx, res.run.rowsRequest(), o.PageSize, s.throttleWaiter(o.Poll), func(in *Insight) bool {
				k := in.Key()
				if _, dup := c.skip[k]; dup {
					return true
				}
				if !yield(*in, nil) {
					stopped = true
					return false
				}
				if yielded == nil {
					yielded = make(map[string]struct{})
				}
				yielded[k] = struct{}{}
				return true
			}, func(error) {})
			if stopped {
				return
			}
			if err == nil {
				tr.done(c)
				continue
			}
			if !errors.Is(err, ErrDataLimit) {
				if errors.Is(err, ErrTransient) && !errors.Is(err, ErrRateLimited) && ctx.Err() == nil && c.restarts < o.MaxRestarts {
					// The client's own retries did not get the results
					// (2601/1815107, a 5xx storm): start the chunk again,
					// skipping the rows already yielded. A throttle that
					// outlasted Poll.MaxThrottleWait is no reason to
					// start a run: the new one would meet it too.
					c.restarts++
					c.skip = withSkipped(c.skip, yielded)
					tr.started(c, "")
					launch(c)
					continue
				}
				yield(Insight{}, err)
				return
			}
			kids, serr := s.split(ctx, acct, p, c, yielded)
			if serr != nil {
				yield(Insight{}, serr)
				return
			}
			tr.replace(c, kids)
			for _, k := range kids {
				launch(k)
			}
		}
	}
}

// withKeyFields makes sure the rows carry the id of their level, which
// Insight.Key (and so the runner's de-duplication) relies on.
func withKeyFields(p InsightsParams) InsightsParams {
	if len(p.Fields) == 0 {
		return p // the default fields include the ids
	}
	id := "account_id"
	if p.Level != "" && p.Level != metrics.LevelAccount {
		id = string(p.Level) + "_id"
	}
	if !slices.Contains(p.Fields, id) {
		p.Fields = append(slices.Clone(p.Fields), id)
	}
	return p
}

func (o RunOptions) withDefaults(p InsightsParams) RunOptions {
	if o.ChunkDays <= 0 {
		o.ChunkDays = 30
	}
	if n, ok := p.TimeIncrement.days(); ok && n > 0 {
		o.ChunkDays = max(o.ChunkDays/n, 1) * n
	}
	if o.MaxConcurrentJobs <= 0 {
		o.MaxConcurrentJobs = 10
	}
	if o.PageSize <= 0 {
		o.PageSize = defaultInsightsPageSize
	}
	if o.Poll.Timeout == 0 {
		o.Poll.Timeout = time.Hour
	}
	if o.MaxRestarts < 0 {
		o.MaxRestarts = 0
	} else if o.MaxRestarts == 0 {
		o.MaxRestarts = 2
	}
	return o
}

// runTooLarge reports a run that Meta ended because the report is too
// large, or refused to create for asking too much: only those (and a
// data-limit answer while reading results) make the runner split. A poll that failed with a data-limit error says nothing
// about the run's size.
func runTooLarge(err error) bool {
	var re *ReportRunError
	var se *startError
	return errors.As(err, &re) && errors.Is(re, ErrDataLimit) || errors.As(err, &se) && errors.Is(se.err, ErrDataLimit)
}

// startError marks a failure to create a report run, so the runner can
// tell a data-limit answer to the POST (the query is too large: split)
// from one to a status poll (retry the poll).
type startError struct{ err error }

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

// restartable reports run failures that a fresh run may not repeat:
// skipped, stalled and failed runs (Meta's advice for "Job Failed" is to
// create a new run), except those too large, which are split instead.
func restartable(err error) bool {
	var re *ReportRunError
	return errors.Is(err, ErrReportTimeout) || errors.As(err, &re) && !errors.Is(re, ErrDataLimit)
}

// initialChunks cuts the query's range into chunks (only for numeric time
// increments: other increments would change the rows).
func initialChunks(p InsightsParams, o RunOptions) []*chunk {
	if _, numeric := p.TimeIncrement.days(); p.TimeRange.IsZero() || !numeric || p.TimeRange.Days() <= o.ChunkDays {
		return []*chunk{{tr: p.TimeRange, ent: -1}}
	}
	var out []*chunk
	for since := p.TimeRange.Since; !p.TimeRange.Until.Before(since); since = since.AddDays(o.ChunkDays) {
		until := since.AddDays(o.ChunkDays - 1)
		if p.TimeRange.Until.Before(until) {
			until = p.TimeRange.Until
		}
		out = append(out, &chunk{tr: TimeRange{Since: since, Until: until}, ent: -1})
	}
	return out
}

// slotsFor returns the account's job semaphore.
func (s *InsightsService) slotsFor(acct AccountID, n int) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slots == nil {
		s.slots = make(map[AccountID]chan struct{})
	}
	ch, ok := s.slots[acct]
	if !ok {
		ch = make(chan struct{}, n)
		s.slots[acct] = ch
	}
	return ch
}

// runJob starts (or, for a resumed chunk, picks up) one run and waits for
// it, holding one of the account's job slots while the run is in flight.
// A resumed run that is gone or ended badly is started again.
func (s *InsightsService) runJob(ctx context.Context, acct AccountID, p InsightsParams, c *chunk, o RunOptions, tr *tracker) (*ReportRun, error) {
	slots := s.slotsFor(acct, o.MaxConcurrentJobs)
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-slots }()
	if in := s.inFlight.Add(1); in > s.maxInFlight.Load() {
		s.maxInFlight.Store(in)
	}
	defer s.inFlight.Add(-1)
	tr.mu.Lock()
	resumeID := c.runID
	tr.mu.Unlock()
	if resumeID != "" {
		run := &ReportRun{ID: resumeID, Account: acct, s: s}
		err := run.Wait(ctx, o.Poll)
		var re *ReportRunError
		gone := errors.As(err, &re) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidParameter)
		if err == nil || ctx.Err() != nil || runTooLarge(err) || !gone {
			return run, err
		}
		// The saved run failed, was skipped or expired: start afresh.
	}
	run, err := s.startReportRetrying(ctx, acct, p, o)
	if err != nil {
		return nil, &startError{err}
	}
	tr.started(c, run.ID)
	if o.OnReportStarted != nil {
		o.OnReportStarted(RunChunk{RunID: run.ID, TimeRange: c.tr, Filter: c.filter()})
	}
	return run, run.Wait(ctx, o.Poll)
}

// startReportRetrying creates a run, and creates it again after failures
// that leave the query as it was: a transient error, a throttle or a
// dropped connection, at most MaxRestarts times.
//
// Creating a run is a write, and after a 5xx or a dropped connection Meta
// may have created it; StartReport alone therefore never sends it again.
// The runner may: a report run that nobody reads changes no ad object and
// spends no money, it only costs insights quota and expires by itself. The
// runner already pays that price when it restarts a failed or stalled run,
// so the same bound, MaxRestarts, applies here. A throttle that names its
// wait proves no run was created: it is waited out within
// Poll.MaxThrottleWait and is not counted as an attempt.
func (s *InsightsService) startReportRetrying(ctx context.Context, acct AccountID, p InsightsParams, o RunOptions) (*ReportRun, error) {
	po := o.Poll.withDefaults()
	tw := s.throttleWaiter(o.Poll)
	delay := po.Initial
	for attempt := 0; ; attempt++ {
		run, err := s.StartReport(ctx, acct, p)
		if err != nil && ctx.Err() == nil && tw.wait(ctx, err) {
			attempt-- // a throttle proves no run was created: not an attempt
			continue
		}
		if err == nil || attempt >= o.MaxRestarts || ctx.Err() != nil || !startRetryable(err) {
			return run, err
		}
		wait := delay
		var rl *RateLimitError
		if errors.As(err, &rl) && rl.RetryAfter > wait {
			wait = rl.RetryAfter
		}
		if werr := s.wait(ctx, wait); werr != nil {
			return nil, err
		}
		delay = min(2*delay, po.Max)
	}
}

// startRetryable reports a failure to create a run that another attempt
// may not meet: transient errors, throttles (not blocks) and transport
// failures such as a dropped connection.
func startRetryable(err error) bool {
	if errors.Is(err, ErrDataLimit) || errors.Is(err, ErrQuotaBlocked) {
		return false
	}
	var ue *url.Error
	return errors.Is(err, ErrTransient) || errors.Is(err, ErrRateLimited) || errors.As(err, &ue)
}

// split narrows a chunk that hit the data limit: halves of its date range
// when the time increment allows, else halves of its entity list, else the
// children of its single entity. yielded are rows already passed to the
// caller, which the children skip.
func (s *InsightsService) split(ctx context.Context, acct AccountID, p InsightsParams, c *chunk, yielded map[string]struct{}) ([]*chunk, error) {
	skip := withSkipped(c.skip, yielded)
	child := func(tr TimeRange, ent int, ids []string) *chunk {
		return &chunk{tr: tr, ent: ent, ids: ids, skip: skip}
	}
	if n, ok := p.TimeIncrement.days(); ok && !c.tr.IsZero() && c.tr.Days() > n {
		half := max((c.tr.Days()/n)/2, 1) * n
		mid := c.tr.Since.AddDays(half)
		return []*chunk{
			child(TimeRange{Since: c.tr.Since, Until: mid.AddDays(-1)}, c.ent, c.ids),
			child(TimeRange{Since: mid, Until: c.tr.Until}, c.ent, c.ids),
		}, nil
	}
	if len(c.ids) > 1 {
		h := len(c.ids) / 2
		return []*chunk{child(c.tr, c.ent, c.ids[:h:h]), child(c.tr, c.ent, c.ids[h:])}, nil
	}
	next := c.ent + 1
	if next >= levelDepth(p.Level) {
		return nil, fmt.Errorf("metaads: insights run for %s: a chunk (%v, %v) still exceeds Meta's data limit and cannot be split further: %w", acct, c.tr, c.filter(), ErrDataLimit)
	}
	ids, err := s.entityIDs(ctx, acct, p, c, next)
	if err != nil {
		return nil, fmt.Errorf("metaads: insights run for %s: listing entities to split a chunk: %w", acct, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) == 1 {
		return []*chunk{child(c.tr, next, ids)}, nil
	}
	h := len(ids) / 2
	return []*chunk{child(c.tr, next, ids[:h:h]), child(c.tr, next, ids[h:])}, nil
}

// withSkipped returns skip plus yielded, in a new map when yielded is not
// empty (skip maps are shared between the children of a split).
func withSkipped(skip, yielded map[string]struct{}) map[string]struct{} {
	if len(yielded) == 0 {
		return skip
	}
	out := make(map[string]struct{}, len(skip)+len(yielded))
	for k := range skip {
		out[k] = struct{}{}
	}
	for k := range yielded {
		out[k] = struct{}{}
	}
	return out
}

// entityIDs lists, with a small synchronous query, the ids at entity
// level ent that have data within chunk c.
func (s *InsightsService) entityIDs(ctx context.Context, acct AccountID, p InsightsParams, c *chunk, ent int) ([]string, error) {
	e := entityLevels[ent]
	q := InsightsParams{Level: e.level, Fields: []string{string(e.level) + "_id"}, TimeRange: c.tr,
		DatePreset: p.DatePreset, Filtering: slices.Clone(p.Filtering)}
	if f := c.filter(); f != nil {
		q.Filtering = append(q.Filtering, *f)
	}
	var ids []string
	for row, err := range s.List(ctx, acct, q) {
		if err != nil {
			return nil, err
		}
		if id := e.id(&row); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// jobGauge tracks runs in flight for tests and diagnostics.
type jobGauge struct {
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}
