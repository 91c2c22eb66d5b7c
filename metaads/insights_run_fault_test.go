package metaads

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunnerFaultInjection50k pulls 50,050 ad-level daily rows (350 ads ×
// 143 days) through the runner while the fake injects transient 500s,
// code 1 and 2 errors, throttles, data-limit errors and dropped
// connections, while a second client sends status and budget updates that
// meet their own faults. The row set must be exact (none lost, none
// duplicated), and the server's request log must show that no write Meta
// accepted was sent again.
func TestRunnerFaultInjection50k(t *testing.T) {
	if testing.Short() {
		t.Skip("pulls 50,000 rows")
	}
	var failedAttempts, attempts atomic.Int64
	e := newFakeEnv(t, insightsScenario(10, 5, 7), []metaadstest.Option{metaadstest.WithClock(func() time.Time { return insightsNow })}, false,
		WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
		WithHooks(Hooks{OnRequest: func(context.Context, RequestInfo) { attempts.Add(1) }, OnResponse: func(_ context.Context, info ResponseInfo) {
			if info.Err != nil {
				failedAttempts.Add(1)
			}
		}}))
	e.c.Insights.sleep = noSleep
	ctx := context.Background()
	tr := TimeRange{Since: Date{2026, 1, 1}, Until: Date{2026, 5, 23}}
	want := map[string]bool{}
	for _, ad := range e.srv.Objects().Ads {
		for d := tr.Since; !tr.Until.Before(d); d = d.AddDays(1) {
			want[ad.ID+"|"+d.String()+"|"+d.String()] = true
		}
	}
	require.Len(t, want, 50050)

	type fault struct {
		f     metaadstest.Fault
		fires int
	}
	faults := []fault{
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultHTTP500, Skip: 3, Count: 3}, 3},
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultCode2, Skip: 10, Count: 2}, 2},
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultCode1, Skip: 20, Count: 1}, 1},
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultThrottle, Skip: 30, Count: 2}, 2},
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultDataLimit, Skip: 45, Count: 2}, 2},
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultDrop, Skip: 60, Count: 2}, 2},
		// Writes: throttles prove the run was not created (the client may
		// send again); a data-limit answer makes the runner split.
		{metaadstest.Fault{Method: "POST", Path: "/act_1001/insights", Kind: metaadstest.FaultThrottle, Skip: 1, Count: 2}, 2},
		{metaadstest.Fault{Method: "POST", Path: "/act_1001/insights", Kind: metaadstest.FaultDataLimit, Skip: 0, Count: 1}, 1},
		// A 500 or a dropped connection leaves unknown whether a run was
		// created: the client does not resend, the runner creates a run
		// again (a spare run costs only quota).
		{metaadstest.Fault{Method: "POST", Path: "/act_1001/insights", Kind: metaadstest.FaultHTTP500, Skip: 0, Count: 2}, 2},
		{metaadstest.Fault{Method: "POST", Path: "/act_1001/insights", Kind: metaadstest.FaultDrop, Skip: 0, Count: 1}, 1},
	}
	postFaults, allFaults, drops, getDrops := 0, 0, 0, 0
	for _, f := range faults {
		require.NoError(t, e.srv.InjectFault(f.f))
		allFaults += f.fires
		if f.f.Kind == metaadstest.FaultDrop {
			drops += f.fires
			if f.f.Method == "GET" {
				getDrops += f.fires
			}
		}
		if f.f.Method == "POST" {
			postFaults += f.fires
		}
	}

	// Status and budget updates run alongside the pull, from a second
	// client, each with parameters of its own so a resend is visible.
	// Half are marked Idempotent (the client may resend them after a 500).
	w := newWriter(t, e)
	var sets []string
	for _, s := range e.srv.Objects().AdSets {
		sets = append(sets, s.ID)
	}
	require.Len(t, sets, 50)
	// Each fault hits the first write (the budget change) to one ad set:
	// even indexes are idempotent writes, odd ones are not.
	writeFaults := []metaadstest.Fault{
		{Method: "POST", Path: "/" + sets[2], Kind: metaadstest.FaultHTTP500, Count: 2},
		{Method: "POST", Path: "/" + sets[3], Kind: metaadstest.FaultHTTP500},
		{Method: "POST", Path: "/" + sets[10], Kind: metaadstest.FaultDrop},
		{Method: "POST", Path: "/" + sets[7], Kind: metaadstest.FaultDrop},
	}
	for _, f := range writeFaults {
		require.NoError(t, e.srv.InjectFault(f))
	}
	var wg sync.WaitGroup
	var writeErrs atomic.Int64
	wg.Go(func() {
		for i, id := range sets {
			var opts []WriteOption
			if i%2 == 0 {
				opts = append(opts, Idempotent())
			}
			if w.AdSets.UpdateBudget(ctx, e.acct, id, Budget{Daily: 20000 + int64(i)}, opts...) != nil {
				writeErrs.Add(1)
			}
			if w.AdSets.UpdateStatus(ctx, e.acct, id, StatusActive, opts...) != nil {
				writeErrs.Add(1)
			}
		}
	})

	var mu sync.Mutex
	var started []RunChunk
	got := make(map[string]bool, len(want))
	n := 0
	for row, err := range e.c.Insights.Run(ctx, e.acct, InsightsParams{Level: metrics.LevelAd, TimeRange: tr, TimeIncrement: IncrementDaily,
		Fields: []string{"ad_id", "impressions", "spend", "actions"}},
		RunOptions{PageSize: 500, MaxConcurrentJobs: 4, MaxRestarts: 3, OnReportStarted: func(c RunChunk) { mu.Lock(); started = append(started, c); mu.Unlock() }}) {
		require.NoError(t, err, "after %d rows", n)
		k := row.Key()
		require.False(t, got[k], "duplicate row %s", k)
		got[k] = true
		n++
	}
	wg.Wait()
	assert.Equal(t, len(want), len(got))
	for k := range want {
		if !got[k] {
			t.Fatalf("row %s lost", k)
		}
	}

	// Every injected fault fired, so the pull really went through them:
	// each error answer and each dropped POST is one failed attempt, and
	// each dropped GET is one request the server saw that net/http sent
	// again by itself (it retries a GET whose reused connection closed
	// without a reply, never a POST).
	assert.EqualValues(t, allFaults-getDrops, failedAttempts.Load(), "failed attempts = injected error answers and dropped POSTs")
	all := e.srv.Requests()
	var pull, updates []metaadstest.RecordedRequest
	for _, r := range all {
		if r.Method == "POST" && strings.HasPrefix(r.Path, "/3") {
			updates = append(updates, r)
		} else {
			pull = append(pull, r)
		}
	}
	assert.EqualValues(t, attempts.Load()+int64(getDrops), len(pull), "requests seen by the server = attempts + dropped GETs")
	unanswered := 0
	for _, r := range all {
		if r.Status == 0 {
			unanswered++
		}
	}
	assert.Equal(t, drops+2, unanswered, "only the dropped connections went unanswered")

	// Writes: each POST either created a run (reported to OnReportStarted)
	// or was answered with an injected fault; no created run's parameters
	// were posted again.
	posts := requests(e.srv, "POST", "/act_1001/insights")
	assert.Equal(t, len(started)+postFaults, len(posts), "POSTs = runs created + POSTs refused by a fault")
	var refused [][2]int
	created := 0
	for _, r := range posts {
		if r.Succeeded() {
			created++
		} else {
			refused = append(refused, [2]int{r.ErrorCode, r.ErrorSubcode})
		}
	}
	assert.Equal(t, len(started), created, "report-run POSTs answered 200 = runs reported to OnReportStarted")
	assert.ElementsMatch(t, [][2]int{{80000, 2446079}, {80000, 2446079}, {100, 1487534}, {2, 0}, {2, 0}, {0, 0}}, refused,
		"the refused report-run POSTs are exactly the injected faults")
	assertNoWriteRepeated(t, posts)

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
		got, ok := e.srv.AdSet(id)
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

// newWriter is a second client on e's server, without e's hooks.
func newWriter(t *testing.T, e *fakeEnv) *Client {
	t.Helper()
	c, err := NewClient(WithBaseURL(e.srv.URL), WithAppSecret(appSecret), WithTokenProvider(StaticTokens{"*": e.token}),
		WithRetryBackoff(time.Millisecond, 2*time.Millisecond))
	require.NoError(t, err)
	return c
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
