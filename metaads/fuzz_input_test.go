package metaads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// Fuzz targets for what the client parses from Meta (or from a caller's
// saved state) and had none: client-side batch envelopes, paging.next
// cursors, report-run polls, object and time decoders, resume
// checkpoints, and the scheduler's use of parsed usage headers.

const fuzzToken = "tok-secret-123" // memClient's token

func fuzzClient(t *testing.T, h http.Handler, opts ...Option) *Client {
	c := memClient(t, h, append([]Option{WithAppSecret("app-secret-xyz"), WithRetryBackoff(time.Microsecond, time.Microsecond),
		WithMaxRetries(1)}, opts...)...)
	c.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	return c
}

// FuzzBatchEnvelope: whatever a batch call answers (status and body),
// Batch.Do returns either an error or one result per operation, never
// panics, and no result, header, body or error shows the token, the proof,
// the app secret or an operation's secret.
func FuzzBatchEnvelope(f *testing.F) {
	for _, s := range []string{
		`[{"code":200,"headers":[{"name":"X-A","value":"tok-secret-123"}],"body":"{\"id\":\"1\"}"},{"code":400,"body":"{\"error\":{\"message\":\"bad tok-secret-123 op-secret\",\"code\":190}}"}]`,
		`[null,null]`, `[{"code":200}]`, `[]`, `{}`, `null`, `[{"code":"x"}]`, `[{"code":200,"body":"not json"},{"code":500,"body":""}]`,
		`{"error":{"message":"tok-secret-123","code":2,"is_transient":true}}`,
		`[{"code":200,"headers":[{"name":"X-Business-Use-Case-Usage","value":"{\"1\":[{\"type\":\"ads_management\",\"call_count\":1e308,\"estimated_time_to_regain_access\":1e300}]}"}],"body":"{}"},null]`,
	} {
		f.Add(200, s)
	}
	f.Add(500, `<html>tok-secret-123</html>`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 100 || status > 599 {
			status = 200
		}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, status, body) })
		c := fuzzClient(t, h)
		b := c.NewBatch(MustParseAccountID("1"))
		var out map[string]any
		if err := b.Add(Request{Path: "1"}, &out); err != nil {
			t.Fatal(err)
		}
		if err := b.Add(Request{Method: http.MethodPost, Path: "2", Form: map[string][]string{"name": {"x"}}, Secrets: []string{"op-secret"}}, nil); err != nil {
			t.Fatal(err)
		}
		res, err := b.Do(context.Background())
		var printed strings.Builder
		if err != nil {
			fmt.Fprintf(&printed, "%v %+v", err, err)
		} else {
			if len(res) != 2 {
				t.Fatalf("%d results for 2 operations", len(res))
			}
			for _, r := range res {
				fmt.Fprintf(&printed, "%v %+v %s %v", r.Err, r.Err, r.Body, r.Header)
				if r.Usage.AdAccount != nil && r.Usage.AdAccount.ResetTimeDuration < 0 {
					t.Fatal("negative reset time")
				}
			}
		}
		s := printed.String()
		for _, secret := range []string{fuzzToken, "app-secret-xyz", "op-secret", appSecretProof([]byte("app-secret-xyz"), fuzzToken)} {
			if strings.Contains(s, secret) {
				t.Fatalf("secret %q in batch output: %s", secret, s)
			}
		}
	})
}

// FuzzPagingNext: whatever a list page answers for paging (cursors, next
// links, their absence or junk), List stops (a cursor is never followed
// twice), ListPage reports a next page only with a cursor, and nothing
// panics.
func FuzzPagingNext(f *testing.F) {
	for _, s := range []string{
		`{"data":[{"id":"1"}],"paging":{"cursors":{"after":"QVFI"},"next":"https://graph.facebook.com/v26.0/act_1/campaigns?after=QVFI"}}`,
		`{"data":[],"paging":{"next":"https://graph.facebook.com/v26.0/act_1/campaigns?after=X&access_token=tok-secret-123"}}`,
		`{"data":[{"id":"1"}],"paging":{"next":"::not a url"}}`, `{"data":[{"id":"1"}],"paging":{"next":"https://x/?after="}}`,
		`{"data":null,"paging":null}`, `{"data":[1,2,3]}`, `{"paging":{"cursors":{"after":""},"next":""}}`, `[]`, `{"data":[{"id":"1"}],"paging":{"next":"%zz"}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var calls atomic.Int64
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			writeJSON(w, 200, body)
		})
		c := fuzzClient(t, h)
		req := &Request{Path: "act_1/campaigns"}
		p, err := ListPage[map[string]any](context.Background(), c, req, "")
		if err == nil && p.HasNext && p.After == "" {
			t.Fatalf("a next page without a cursor: %+v", p)
		}
		calls.Store(0)
		n := 0
		for _, err := range List[map[string]any](context.Background(), c, req) {
			n++
			if err != nil || n > 10000 {
				break
			}
		}
		// The same body every time: the second page repeats the first
		// cursor, so List stops after at most two requests.
		if got := calls.Load(); got > 2 {
			t.Fatalf("List made %d requests for a repeating cursor", got)
		}
	})
}

// FuzzReportRunPoll: any poll answer leaves the run with a percentage in
// 0-100 and an error exactly when it failed or was skipped.
func FuzzReportRunPoll(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","async_status":"Job Running","async_percent_completion":"55"}`,
		`{"async_status":"Job Failed","error_code":"-3","error_subcode":1504045,"error_message":"too large"}`,
		`{"async_status":"Job Skipped"}`, `{"async_status":"Job Completed","async_percent_completion":1e308}`,
		`{"async_percent_completion":-7}`, `{"async_percent_completion":"NaN"}`, `{"async_status":42}`, `{}`, `null`,
		`{"async_status":"Job Failed","error_code":99999999999999999999}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var st pollReply
		if json.Unmarshal([]byte(body), &st) != nil {
			return
		}
		r := &ReportRun{ID: "1", Account: MustParseAccountID("1")}
		err := r.apply(&st)
		if r.PercentComplete < 0 || r.PercentComplete > 100 {
			t.Fatalf("percent %d", r.PercentComplete)
		}
		bad := r.Status == JobFailed || r.Status == JobSkipped
		if bad != (err != nil) || bad != (r.Err != nil) {
			t.Fatalf("status %q with error %v", r.Status, err)
		}
		if err != nil {
			_ = err.Error()
			_ = errors.Is(err, ErrDataLimit)
			_ = errors.Is(err, ErrTransient)
		}
	})
}

// FuzzObjectDecode: the object decoders (ad account, campaign, ad set,
// ad, creative, learning stage) and the time, date and account-id decoders
// take any JSON without panicking, and what they accept round-trips.
func FuzzObjectDecode(f *testing.F) {
	for _, s := range []string{
		`{"id":"act_1","account_id":"1","name":"x","currency":"USD","account_status":1,"amount_spent":"12.34","spend_cap":"0","created_time":"2026-01-02T15:04:05-0800"}`,
		`{"id":"2","account_id":"act_2","daily_budget":"1000","lifetime_budget":"","start_time":"2026-01-02T15:04:05+0000","stop_time":0}`,
		`{"id":"3","learning_stage_info":{"status":"LEARNING","conversions":"7","last_sig_edit_ts":1700000000}}`,
		`{"id":"4","account_id":"x","created_time":"yesterday"}`, `{"id":"5","created_time":-5}`, `{"id":"6","created_time":99999999999999}`,
		`"2026-01-02T15:04:05-0800"`, `"2026-13-02"`, `1700000000`, `"0000-01-01"`, `"act_0"`, `"act_99999999999999999999"`, `null`, `[]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		b := []byte(data)
		var acct AdAccount
		_ = json.Unmarshal(b, &acct)
		var camp Campaign
		_ = json.Unmarshal(b, &camp)
		var set AdSet
		_ = json.Unmarshal(b, &set)
		var ad Ad
		_ = json.Unmarshal(b, &ad)
		var cr Creative
		_ = json.Unmarshal(b, &cr)
		var ls LearningStageInfo
		_ = json.Unmarshal(b, &ls)

		var tm Time
		if json.Unmarshal(b, &tm) == nil && !tm.IsZero() {
			if tm.Year() < 1 || tm.Year() > 9999 {
				t.Fatalf("time %v accepted from %s", tm, data)
			}
			out, err := tm.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			var back Time
			if err := json.Unmarshal(out, &back); err != nil || !back.Equal(tm.Time.Truncate(time.Second)) {
				t.Fatalf("time %v -> %s -> %v, %v", tm, out, back, err)
			}
		}
		var d Date
		if d.UnmarshalText(b) == nil {
			if !d.Valid() || d.String() != data {
				t.Fatalf("date %q accepted as %v (valid %v)", data, d, d.Valid())
			}
			if _, err := ParseDate(data); err != nil {
				t.Fatalf("UnmarshalText accepted %q, ParseDate refused: %v", data, err)
			}
		}
		var id AccountID
		if id.UnmarshalText(b) == nil && !id.IsZero() {
			again, err := ParseAccountID(id.String())
			if err != nil || again != id {
				t.Fatalf("account %q -> %v -> %v, %v", data, id, again, err)
			}
		}
	})
}

// FuzzResumeCheckpoint: a saved checkpoint (RunOptions.Resume, as JSON)
// is either refused with an error or gives chunks whose saved form decodes
// to the same chunks again; never a panic.
func FuzzResumeCheckpoint(f *testing.F) {
	for _, s := range []string{
		`[{"run_id":"123","time_range":{"since":"2026-01-01","until":"2026-01-30"}}]`,
		`[{"time_range":{"since":"2026-01-01","until":"2026-01-30"},"filter":{"field":"campaign.id","operator":"IN","value":["1","2"]}}]`,
		`[{"run_id":"-1"}]`, `[{"run_id":"abc"}]`, `[{"time_range":{"since":"2026-02-30","until":"2026-01-01"}}]`,
		`[{"filter":{"field":"ad.id","operator":"IN","value":[]}}]`, `[{"filter":{"field":"adset.id","operator":"IN","value":[1,2]}}]`,
		`[{"filter":{"field":"x","operator":"EQUAL","value":"1"}}]`, `[]`, `null`, `{}`, `[null]`,
	} {
		f.Add(s)
	}
	p := withKeyFields(InsightsParams{Level: metrics.LevelAd, TimeIncrement: IncrementDaily, Fields: []string{"spend"}})
	f.Fuzz(func(t *testing.T, data string) {
		var saved []RunChunk
		if json.Unmarshal([]byte(data), &saved) != nil {
			return
		}
		for _, rc := range saved {
			c, err := chunkFromPublic(rc, p)
			if err != nil {
				if err.Error() == "" {
					t.Fatal("empty error")
				}
				continue
			}
			out, err := json.Marshal(c.public())
			if err != nil {
				t.Fatalf("saving %+v: %v", c.public(), err)
			}
			var back RunChunk
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatal(err)
			}
			c2, err := chunkFromPublic(back, p)
			if err != nil {
				t.Fatalf("a saved chunk %s is refused: %v", out, err)
			}
			again, _ := json.Marshal(c2.public())
			if string(again) != string(out) {
				t.Fatalf("checkpoint changes on a round trip: %s -> %s", out, again)
			}
			if !c.tr.IsZero() && c.tr.validate() != nil {
				t.Fatalf("accepted an invalid time range %+v", c.tr)
			}
		}
	})
}

// FuzzSchedulerHolds: whatever usage headers and throttle code a response
// carries, the scheduler's holds and suggested waits are never negative
// and never beyond MaxHold, right away and later.
func FuzzSchedulerHolds(f *testing.F) {
	f.Add(`{"call_count":95,"total_time":25,"total_cputime":25}`, `{"acc_id_util_pct":100,"reset_time_duration":1e300}`,
		`{"1":[{"type":"ads_insights","call_count":3e8,"estimated_time_to_regain_access":2e8}]}`, `{"app_id_util_pct":1e308,"acc_id_util_pct":-1e308}`, 80000, 2446079)
	f.Add(`{"call_count":-5}`, `{"acc_id_util_pct":250,"reset_time_duration":-100}`, `{"1":[{"type":"ads_management","call_count":99,"estimated_time_to_regain_access":-3}]}`, ``, 17, 0)
	f.Add(``, ``, ``, ``, 4, 0)
	f.Fuzz(func(t *testing.T, app, acct, buc, ins string, code, sub int) {
		h := http.Header{}
		h.Set(headerAppUsage, app)
		h.Set(headerAdAccountUsage, acct)
		h.Set(headerBUCUsage, buc)
		h.Set(headerInsightsThrottle, ins)
		now := time.Now()
		u := ParseUsage(h, now)
		if d, ok := u.RegainAccessIn(); d < 0 || d > MaxHold || ok != (d > 0) {
			t.Fatalf("RegainAccessIn %v %v", d, ok)
		}
		cfg := defaultConfig()
		cfg.store = NewMemoryUsageStore()
		s := newScheduler(cfg)
		ctx := context.Background()
		k := s.keyFor(&Request{Account: MustParseAccountID("1")}, "act_1/insights")
		var apiErr *Error
		if code != 0 {
			apiErr = &Error{Code: code, Subcode: sub, Usage: u}
		}
		s.observe(ctx, k, u, apiErr)
		for _, later := range []time.Duration{0, time.Second, time.Hour, 48 * time.Hour} {
			at := now.Add(later)
			states := s.loadAll(ctx, k.keys)
			for _, key := range k.keys {
				st := states[key]
				s.mu.Lock()
				d, _ := s.holdFor(st, s.loc(key), at)
				s.mu.Unlock()
				if d < 0 || d > MaxHold {
					t.Fatalf("hold %v for %s after %v (state %+v)", d, key, later, st)
				}
			}
		}
		if apiErr != nil && apiErr.Is(ErrRateLimited) {
			if _, wait := s.throttleScope(ctx, k, apiErr); wait < 0 || wait > MaxHold {
				t.Fatalf("throttle wait %v", wait)
			}
		}
		if err := s.acquire(ctx, k, -1); err != nil {
			var rl *RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter < 0 || rl.RetryAfter > MaxHold {
				t.Fatalf("refusal %v", err)
			}
		} else {
			s.observe(ctx, k, Usage{}, nil)
		}
	})
}
