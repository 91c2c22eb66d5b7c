package metaads

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunnerFaultInjection50k pulls 50,050 ad-level daily rows (350 ads ×
// 143 days, eight 20-day chunks) through the runner while faults are
// placed on chosen pages of chosen report runs: transient errors, a
// throttle, a dropped connection and a truncated 200 on results pages read
// after rows were yielded (the client's retries), a transient storm the
// client gives up on (the runner's restart that skips rows already
// yielded), a data-limit answer on a later page (the runner's split after
// yielding), throttles, a data-limit answer, 500s and a drop on report-run
// POSTs, a skipped run and faulty polls. Meanwhile a second client sends
// status and budget updates that meet their own faults.
//
// Faults are placed by what a request carries (Fault.Match: the run's
// chunk, the cursor of the page), not by arrival order, so every fault
// lands on the same request in every run although four runs are read
// concurrently. The rows must equal, count for count, the fake's own rows
// for the query (Server.Rows); none lost, none repeated. The server's log must
// show that no write Meta accepted was sent again.
//
// The test runs in a synctest bubble with the fake served in memory, so
// poll waits, backoff and the throttle's hold take no real time.
func TestRunnerFaultInjection50k(t *testing.T) {
	if testing.Short() {
		t.Skip("pulls 50,000 rows")
	}
	// The server listens on loopback; it is created outside the bubble and
	// reached only in memory from inside.
	srv, err := metaadstest.NewServer(metaadstest.WithApp(metaadstest.App{ID: "123456", Secret: appSecret, RequireAppSecretProof: true}),
		metaadstest.WithClock(func() time.Time { return insightsNow }), metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	_, err = srv.Seed(insightsScenario(10, 5, 7))
	require.NoError(t, err)
	token, err := srv.IssueToken(metaadstest.TokenSpec{UserID: "900"})
	require.NoError(t, err)
	synctest.Test(t, func(t *testing.T) { runFault50k(t, srv, token) })
}

func runFault50k(t *testing.T, srv *metaadstest.Server, token string) {
	var failedAttempts, attempts atomic.Int64
	hc := &http.Client{Transport: droppingTransport{handlerTransport{srv.Handler()}}}
	c, err := NewClient(WithBaseURL("http://graph.test"), WithHTTPClient(hc), WithAppSecret(appSecret),
		WithTokenProvider(StaticTokens{"*": token}), WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
		WithHooks(Hooks{OnRequest: func(context.Context, RequestInfo) { attempts.Add(1) }, OnResponse: func(_ context.Context, info ResponseInfo) {
			if info.Err != nil {
				failedAttempts.Add(1)
			}
		}}))
	require.NoError(t, err)
	ctx := context.Background()
	acct := MustParseAccountID("1001")
	tr := TimeRange{Since: Date{2026, 1, 1}, Until: Date{2026, 5, 23}}
	params := InsightsParams{Level: metrics.LevelAd, TimeRange: tr, TimeIncrement: IncrementDaily,
		Fields: []string{"ad_id", "impressions", "reach", "spend", "actions"}}

	// The baseline: the same query answered by the fake's own rows
	// (Server.Rows: the counts every page of GET /act_1001/insights would
	// carry, without the wire format). Reading it over HTTP as well doubled
	// the test's cost under the race detector; the wire format is checked
	// against Rows by metaadstest's own tests.
	baseRows, err := srv.Rows("act_1001", url.Values{"level": {"ad"}, "time_increment": {"1"},
		"time_range": {`{"since":"` + tr.Since.String() + `","until":"` + tr.Until.String() + `"}`}})
	require.NoError(t, err)
	want := make(map[string]rowValues, len(baseRows))
	for _, r := range baseRows {
		want[r.ID+"|"+r.DateStart+"|"+r.DateStop] = rowValues{r.ID, r.DateStart, r.DateStop, countsOfFields(r.Counts)}
	}

	// Chunks of 20 days: chunk i starts at since[i].
	const chunkDays = 20
	var since []Date
	for d := tr.Since; !tr.Until.Before(d); d = d.AddDays(chunkDays) {
		since = append(since, d)
	}
	require.Len(t, since, 8)
	pl := newPlacer()
	fires := map[string]*atomic.Int64{}
	inject := func(name string, f metaadstest.Fault, match func(method, path string, params url.Values) bool) {
		n := &atomic.Int64{}
		fires[name] = n
		f.Match = func(method, path string, params url.Values) bool {
			if !match(method, path, params) {
				return false
			}
			n.Add(1)
			return true
		}
		require.NoError(t, srv.InjectFault(f))
	}
	const pageSize = 500
	results := func(f metaadstest.Fault) metaadstest.Fault {
		f.Method, f.Path = "GET", "/{run}/insights"
		return f
	}
	polls := func(f metaadstest.Fault) metaadstest.Fault { f.Method, f.Path = "GET", "/{run}"; return f }
	posts := func(f metaadstest.Fault) metaadstest.Fault {
		f.Method, f.Path = "POST", "/act_1001/insights"
		return f
	}
	// Results pages after rows were yielded; the client retries through.
	inject("c0 page 2: two 500s", results(metaadstest.Fault{Kind: metaadstest.FaultHTTP500, Count: 2}), pl.page(since[0], 2*pageSize))
	inject("c1 page 2: throttle (code 4)", results(metaadstest.Fault{Kind: metaadstest.FaultError, Status: 400, Code: 4,
		Message: "Application request limit reached"}), pl.page(since[1], 2*pageSize))
	inject("c2 page 1: dropped connection", results(metaadstest.Fault{Kind: metaadstest.FaultDrop}), pl.page(since[2], pageSize))
	inject("c3 page 4: truncated 200", results(metaadstest.Fault{Kind: metaadstest.FaultMalformedJSON}), pl.page(since[3], 4*pageSize))
	// The client gives up (5 attempts): the runner starts the chunk again
	// and skips the 2,500 rows it already yielded.
	inject("c1 page 5: code 1 x5", results(metaadstest.Fault{Kind: metaadstest.FaultCode1, Count: 5}), pl.page(since[1], 5*pageSize))
	// Data limit through every page size (500 ... 5): the runner splits the
	// chunk after 1,500 rows and its halves skip those rows.
	inject("c2 page 3: data limit x8", results(metaadstest.Fault{Kind: metaadstest.FaultDataLimit, Count: 8}), pl.page(since[2], 3*pageSize))
	// Polls.
	inject("c0 poll: code 2", polls(metaadstest.Fault{Kind: metaadstest.FaultCode2}), pl.poll(since[0]))
	inject("c6 poll: throttle", polls(metaadstest.Fault{Kind: metaadstest.FaultThrottle}), pl.poll(since[6]))
	// Report-run POSTs. Throttles prove the run was not created; a
	// data-limit answer makes the runner split; after a 500 or a dropped
	// connection the client does not resend but the runner creates a run
	// again (a spare run costs only quota).
	inject("c4 POST: throttle x2", posts(metaadstest.Fault{Kind: metaadstest.FaultThrottle, Count: 2}), pl.post(since[4]))
	inject("c5 POST: data limit", posts(metaadstest.Fault{Kind: metaadstest.FaultDataLimit}), pl.post(since[5]))
	inject("c6 POST: two 500s", posts(metaadstest.Fault{Kind: metaadstest.FaultHTTP500, Count: 2}), pl.post(since[6]))
	inject("c6 POST: drop", posts(metaadstest.Fault{Kind: metaadstest.FaultDrop}), pl.post(since[6]))
	inject("c7 run: skipped", posts(metaadstest.Fault{Kind: metaadstest.FaultReportSkipped}), pl.post(since[7]))
	expected := map[string]int64{
		"c0 page 2: two 500s": 2, "c1 page 2: throttle (code 4)": 1, "c2 page 1: dropped connection": 1, "c3 page 4: truncated 200": 1,
		"c1 page 5: code 1 x5": 5, "c2 page 3: data limit x8": 8, "c0 poll: code 2": 1, "c6 poll: throttle": 1,
		"c4 POST: throttle x2": 2, "c5 POST: data limit": 1, "c6 POST: two 500s": 2, "c6 POST: drop": 1, "c7 run: skipped": 1,
	}
	// Every fire is a failed attempt, except the skipped run (its POST
	// succeeds; the run ends "Job Skipped").
	var failing int64
	for name, n := range expected {
		if name != "c7 run: skipped" {
			failing += n
		}
	}

	// Status and budget updates run alongside the pull, from a second
	// client, each with parameters of its own so a resend is visible.
	// Half are marked Idempotent (the client may resend them after a 500).
	w, err := NewClient(WithBaseURL("http://graph.test"), WithHTTPClient(hc), WithAppSecret(appSecret),
		WithTokenProvider(StaticTokens{"*": token}), WithRetryBackoff(time.Millisecond, 2*time.Millisecond))
	require.NoError(t, err)
	var sets []string
	for _, s := range srv.Objects().AdSets {
		sets = append(sets, s.ID)
	}
	require.Len(t, sets, 50)
	// Each fault hits the first write (the budget change) to one ad set:
	// even indexes are idempotent writes, odd ones are not.
	for _, f := range []metaadstest.Fault{
		{Method: "POST", Path: "/" + sets[2], Kind: metaadstest.FaultHTTP500, Count: 2},
		{Method: "POST", Path: "/" + sets[3], Kind: metaadstest.FaultHTTP500},
		{Method: "POST", Path: "/" + sets[10], Kind: metaadstest.FaultDrop},
		{Method: "POST", Path: "/" + sets[7], Kind: metaadstest.FaultDrop},
	} {
		require.NoError(t, srv.InjectFault(f))
	}
	var wg sync.WaitGroup
	var writeErrs atomic.Int64
	wg.Go(func() {
		for i, id := range sets {
			var opts []WriteOption
			if i%2 == 0 {
				opts = append(opts, Idempotent())
			}
			if w.AdSets.UpdateBudget(ctx, acct, id, Budget{Daily: 20000 + int64(i)}, opts...) != nil {
				writeErrs.Add(1)
			}
			if w.AdSets.UpdateStatus(ctx, acct, id, StatusActive, opts...) != nil {
				writeErrs.Add(1)
			}
		}
	})

	var mu sync.Mutex
	started := map[TimeRange]int{}
	got := make(map[string]rowValues, 50050)
	for row, err := range c.Insights.Run(ctx, acct, params, RunOptions{ChunkDays: chunkDays, PageSize: pageSize, MaxConcurrentJobs: 4, MaxRestarts: 3,
		OnReportStarted: func(rc RunChunk) {
			mu.Lock()
			started[rc.TimeRange]++
			mu.Unlock()
			pl.started(rc)
		}}) {
		require.NoError(t, err, "after %d rows", len(got))
		k := row.Key()
		_, dup := got[k]
		require.False(t, dup, "duplicate row %s", k)
		got[k] = valuesOf(&row)
	}
	wg.Wait()
	require.Len(t, want, 50050)
	assert.Equal(t, len(want), len(got))
	mismatches := 0
	for k, b := range want {
		row, ok := got[k]
		if !ok {
			t.Fatalf("row %s lost", k)
		}
		if !b.equal(row) {
			if mismatches++; mismatches <= 3 {
				assert.Equal(t, b, row, "row %s differs from the fake's rows", k)
			}
		}
	}
	assert.Zero(t, mismatches, "rows that differ from the fake's rows")

	// Every fault fired on the request it was placed on, as often as
	// placed, and each of those answers was a failed attempt.
	for name, n := range expected {
		assert.Equal(t, n, fires[name].Load(), name)
	}
	assert.Equal(t, failing, failedAttempts.Load(), "failed attempts = the placed faults (a skipped run is a successful POST)")
	all := srv.Requests()
	var pull, updates []metaadstest.RecordedRequest
	for _, r := range all {
		if r.Method == "POST" && strings.HasPrefix(r.Path, "/3") {
			updates = append(updates, r)
		} else {
			pull = append(pull, r)
		}
	}
	assert.EqualValues(t, attempts.Load(), len(pull), "the server saw every attempt of the pull once")

	// The runner's paths ran: the chunk whose client retries gave up was
	// started again; the chunk split after yielding rows had both halves
	// started; so had the chunk whose POST hit the data limit; the skipped
	// run was started again.
	mu.Lock()
	chunk := func(i int) TimeRange {
		until := since[i].AddDays(chunkDays - 1)
		if tr.Until.Before(until) {
			until = tr.Until
		}
		return TimeRange{Since: since[i], Until: until}
	}
	assert.Equal(t, 2, started[chunk(1)], "c1 restarted after its client gave up")
	assert.Equal(t, 1, started[TimeRange{Since: since[2], Until: since[2].AddDays(9)}], "c2 split after yielding: first half")
	assert.Equal(t, 1, started[TimeRange{Since: since[2].AddDays(10), Until: since[2].AddDays(19)}], "c2 split: second half")
	assert.Zero(t, started[chunk(5)], "c5 never started: its POST hit the data limit")
	assert.Equal(t, 1, started[TimeRange{Since: since[5], Until: since[5].AddDays(9)}], "c5 split: first half")
	assert.Equal(t, 2, started[chunk(7)], "c7 started again after its run was skipped")
	mu.Unlock()

	// Report-run POSTs: each one either created a run or met a placed
	// fault.
	runPosts := requestsIn(all, "POST", "/act_1001/insights")
	var refused [][2]int
	for _, r := range runPosts {
		if !r.Succeeded() {
			refused = append(refused, [2]int{r.ErrorCode, r.ErrorSubcode})
		}
	}
	assert.ElementsMatch(t, [][2]int{{80000, 2446079}, {80000, 2446079}, {100, 1487534}, {2, 0}, {2, 0}, {0, 0}}, refused,
		"the refused report-run POSTs are exactly the placed faults")
	// A run is created again with the same parameters only where the
	// runner restarted its chunk (c1, c7): once per chunk otherwise.
	accepted := map[string]int{}
	for _, r := range runPosts {
		if r.Succeeded() {
			accepted[r.Params.Get("time_range")+" "+r.Params.Get("filtering")]++
		}
	}
	for k, n := range accepted {
		restarted := strings.Contains(k, `"since":"`+since[1].String()+`"`) || strings.Contains(k, `"since":"`+since[7].String()+`"`)
		assert.Equal(t, map[bool]int{true: 2, false: 1}[restarted], n, "runs created for %s", k)
	}
	// The truncated page was read again, with the same cursor.
	assert.Equal(t, 1, pl.truncatedRereads(all, since[3], 4*pageSize), "the truncated page was read twice, once truncated")

	// Updates: every one reached the server; the faults fired; nothing
	// accepted was sent again, and a write that is not idempotent was not
	// sent again after an answer that left its outcome unknown.
	assert.GreaterOrEqual(t, len(updates), 2*len(sets))
	assertNoWriteRepeated(t, updates)
	var failed5xx, dropped int
	for _, r := range updates {
		switch {
		case r.Status == 0:
			dropped++
		case r.Status >= 500:
			failed5xx++
			assert.Equal(t, 2, r.ErrorCode)
		}
	}
	assert.Equal(t, 3, failed5xx)
	assert.Equal(t, 2, dropped)
	sent := map[string]int{}
	for _, r := range updates {
		sent[writeKey(r)]++
	}
	resent, unknownOutcome := 0, 0
	for _, r := range updates {
		idempotent := slices.Index(sets, strings.TrimPrefix(r.Path, "/"))%2 == 0
		if sent[writeKey(r)] > 1 {
			assert.True(t, idempotent, "only writes marked Idempotent are sent again: %s %v", r.Path, r.Params)
			resent++
		}
		if !idempotent && (r.Status == 0 || r.Status >= 500) {
			unknownOutcome++
		}
	}
	assert.Equal(t, 3+2, resent, "the idempotent writes were sent again: 3 times after two 500s, twice after a drop")
	assert.Equal(t, 2, unknownOutcome, "the non-idempotent writes met a 500 and a drop")
	assert.EqualValues(t, unknownOutcome, writeErrs.Load(),
		"each non-idempotent write with an unknown outcome was reported to the caller, not resent; every other write succeeded")
	for i, id := range sets {
		got, ok := srv.AdSet(id)
		require.True(t, ok)
		k := writeKey(metaadstest.RecordedRequest{Method: "POST", Path: "/" + id, Params: url.Values{"daily_budget": {fmt.Sprint(20000 + i)}}})
		if i == 3 || i == 7 {
			assert.False(t, acceptedOnce(updates, k))
			assert.EqualValues(t, 10000, got.DailyBudget, "ad set %s: the failed budget change was not applied", id)
			continue
		}
		assert.True(t, acceptedOnce(updates, k), "ad set %s", id)
		assert.EqualValues(t, 20000+i, got.DailyBudget, "ad set %s", id)
	}
}

// rowValues are the values of a row of the test's query: its identity
// and the counts its fields carry (impressions, reach, spend and the
// counts read from actions), kept small: 100,000 whole Insight values
// would make the garbage collector the test's main cost.
type rowValues struct {
	ad, start, stop string
	counts          metrics.Counts
}

func valuesOf(r *Insight) rowValues {
	return rowValues{r.AdID, r.DateStart.String(), r.DateStop.String(), countsOfFields(r.Counts(CountsOptions{}))}
}

// countsOfFields keeps the counts the query's fields (ad_id, impressions,
// reach, spend, actions) determine.
func countsOfFields(c metrics.Counts) metrics.Counts {
	return metrics.Counts{Impressions: c.Impressions, Reach: c.Reach, Spend: c.Spend, LinkClicks: c.LinkClicks,
		PostEngagements: c.PostEngagements, PageEngagements: c.PageEngagements, VideoViews3s: c.VideoViews3s,
		LandingPageViews: c.LandingPageViews, Leads: c.Leads, Purchases: c.Purchases}
}

func (v rowValues) equal(o rowValues) bool { return v == o }

// placer places faults on the requests of chosen report runs: the first
// run started for a chunk (by its first day) and, for results pages, the
// page starting at a given row (decoded from the fake's cursor, whose
// "after" names the last row of the page before).
type placer struct {
	mu       sync.Mutex
	firstRun map[Date]string // chunk's first day -> its first run
}

func newPlacer() *placer { return &placer{firstRun: map[Date]string{}} }

// started records a run the runner started.
func (p *placer) started(rc RunChunk) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.firstRun[rc.TimeRange.Since]; !ok && rc.Filter == nil {
		p.firstRun[rc.TimeRange.Since] = rc.RunID
	}
}

func (p *placer) isFirstRun(since Date, path string) bool {
	run, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	p.mu.Lock()
	defer p.mu.Unlock()
	id, ok := p.firstRun[since]
	return ok && id == run
}

// page matches the results page starting at row start of the chunk's
// first run.
func (p *placer) page(since Date, start int) func(string, string, url.Values) bool {
	return func(_, path string, params url.Values) bool {
		return p.isFirstRun(since, path) && pageStart(params.Get("after")) == start
	}
}

// poll matches the polls of the chunk's first run.
func (p *placer) poll(since Date) func(string, string, url.Values) bool {
	return func(_, path string, _ url.Values) bool { return p.isFirstRun(since, path) }
}

// post matches the report-run POSTs of the chunk (by its time_range).
func (p *placer) post(since Date) func(string, string, url.Values) bool {
	return func(_, _ string, params url.Values) bool {
		var tr struct {
			Since string `json:"since"`
		}
		return json.Unmarshal([]byte(params.Get("time_range")), &tr) == nil && tr.Since == since.String() && params.Get("filtering") == ""
	}
}

// truncatedRereads counts, in the log, the reads of the page that follow a
// truncated (non-envelope 200 with no rows after it) read of the same page.
func (p *placer) truncatedRereads(log []metaadstest.RecordedRequest, since Date, start int) int {
	n := 0
	match := p.page(since, start)
	for _, r := range log {
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/insights") && match(r.Method, r.Path, r.Params) && r.Succeeded() {
			n++
		}
	}
	return n - 1 // the first of the two 200s was the truncated one
}

// pageStart decodes the fake's cursor: the page after "c:N" starts at row
// N+1; no cursor is the first page.
func pageStart(after string) int {
	if after == "" {
		return 0
	}
	b, err := base64.StdEncoding.DecodeString(after)
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "c:"))
	if err != nil {
		return -1
	}
	return n + 1
}

// droppingTransport turns the fake's FaultDrop, which aborts an in-memory
// handler with http.ErrAbortHandler, into what a client sees when the
// connection closes without an answer.
type droppingTransport struct{ rt http.RoundTripper }

func (d droppingTransport) RoundTrip(r *http.Request) (resp *http.Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				panic(p)
			}
			resp, err = nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		}
	}()
	return d.rt.RoundTrip(r)
}

func requestsIn(log []metaadstest.RecordedRequest, method, path string) []metaadstest.RecordedRequest {
	var out []metaadstest.RecordedRequest
	for _, r := range log {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// writeKey identifies a write by its path and parameters, without the
// per-request appsecret_proof.
func writeKey(r metaadstest.RecordedRequest) string {
	p := url.Values{}
	for k, v := range r.Params {
		if k != "appsecret_proof" && k != "access_token" {
			p[k] = v
		}
	}
	return r.Method + " " + r.Path + "?" + p.Encode()
}

// acceptedOnce reports whether the write with key k was accepted.
func acceptedOnce(reqs []metaadstest.RecordedRequest, k string) bool {
	for _, r := range reqs {
		if r.Succeeded() && writeKey(r) == k {
			return true
		}
	}
	return false
}

// assertNoWriteRepeated checks, from the server's log, that no write was
// sent again after the server accepted it (with a 2xx answer) and that no
// two accepted writes carried the same parameters.
func assertNoWriteRepeated(t testing.TB, reqs []metaadstest.RecordedRequest) {
	t.Helper()
	accepted := map[string]int{}
	for i, r := range reqs {
		k := writeKey(r)
		if j, ok := accepted[k]; ok {
			t.Errorf("write %s sent again (request %d) after it was accepted (request %d)", k, i, j)
		}
		if r.Succeeded() {
			accepted[k] = i
		}
	}
}

// errorCounter is a testing.TB that counts Errorf calls.
type errorCounter struct {
	testing.TB
	n int
}

func (e *errorCounter) Helper()               {}
func (e *errorCounter) Errorf(string, ...any) { e.n++ }

// TestAssertNoWriteRepeated shows the log check fails on a resent write.
func TestAssertNoWriteRepeated(t *testing.T) {
	w := func(budget string, status, code int) metaadstest.RecordedRequest {
		return metaadstest.RecordedRequest{Method: "POST", Path: "/3", Status: status, ErrorCode: code,
			Params: url.Values{"daily_budget": {budget}, "appsecret_proof": {"REDACTED"}}}
	}
	for _, tc := range []struct {
		name string
		log  []metaadstest.RecordedRequest
		errs int
	}{
		{"retried after a failure", []metaadstest.RecordedRequest{w("1", 500, 2), w("1", 0, 0), w("1", 200, 0)}, 0},
		{"distinct writes", []metaadstest.RecordedRequest{w("1", 200, 0), w("2", 200, 0)}, 0},
		{"resent after success", []metaadstest.RecordedRequest{w("1", 200, 0), w("1", 500, 2)}, 1},
		{"accepted twice", []metaadstest.RecordedRequest{w("1", 200, 0), w("2", 200, 0), w("1", 200, 0)}, 1},
	} {
		ec := &errorCounter{TB: t}
		assertNoWriteRepeated(ec, tc.log)
		assert.Equal(t, tc.errs, ec.n, tc.name)
	}
}
