package usagestore

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/internal/testdb"
	"github.com/adpilot/adpilot/metaads"
)

// BenchmarkStoreRequest is the store's work for one Graph request of an
// ad account's management call, as the scheduler does it: at admission a
// load of the request's 3 budgets and an update of its in-flight counts;
// at the answer a load of the 4 budgets the headers name and one update
// of their states and the counts.
func BenchmarkStoreRequest(b *testing.B) {
	for _, d := range testdb.Engines {
		b.Run(string(d), func(b *testing.B) {
			db, _ := openDB(b, d)
			s, err := New(db)
			require.NoError(b, err)
			ctx := context.Background()
			mgmt := metaads.UsageKey{Scope: "ads_management", ID: "1001"}
			admit := []metaads.UsageKey{appKey, acctKey, mgmt}
			answer := []metaads.UsageKey{appKey, acctKey, mgmt, bucKey}
			var seq uint64
			b.ReportAllocs()
			for b.Loop() {
				now := time.Now()
				if _, err := s.LoadShared(ctx, "bench", admit); err != nil {
					b.Fatal(err)
				}
				seq++
				if err := s.UpdateShared(ctx, "bench", metaads.UsageUpdate{Seq: seq, InFlight: map[metaads.UsageKey]int{appKey: 1, acctKey: 1, mgmt: 1}}); err != nil {
					b.Fatal(err)
				}
				if _, err := s.LoadShared(ctx, "bench", answer); err != nil {
					b.Fatal(err)
				}
				seq++
				states := map[metaads.UsageKey]metaads.UsageState{}
				for _, k := range answer {
					states[k] = metaads.UsageState{Pct: 12, ObservedAt: now, CostPerCall: 0.5}
				}
				if err := s.UpdateShared(ctx, "bench", metaads.UsageUpdate{Seq: seq, InFlight: map[metaads.UsageKey]int{appKey: 0, acctKey: 0, mgmt: 0}, States: states}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// handlerTransport serves requests with h in memory, so the benchmark
// measures the client and its store, not a network.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// BenchmarkClientRequest is one metaads GET with Meta's usage headers
// through the client, with its default in-memory store and with this
// store on each engine: the difference is the store's overhead per
// request.
func BenchmarkClientRequest(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-App-Usage", `{"call_count":12,"total_time":9,"total_cputime":6}`)
		w.Header().Set("X-Ad-Account-Usage", `{"acc_id_util_pct":12.5,"reset_time_duration":0,"ads_api_access_tier":"standard_access"}`)
		w.Header().Set("X-Business-Use-Case-Usage", `{"1001":[{"type":"ads_management","call_count":12,"total_cputime":6,"total_time":9,"estimated_time_to_regain_access":0}]}`)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":[]}`))
	})
	run := func(b *testing.B, store metaads.UsageStore) {
		opts := []metaads.Option{metaads.WithBaseURL("http://graph.test"), metaads.WithHTTPClient(&http.Client{Transport: handlerTransport{h}}),
			metaads.WithTokenProvider(metaads.StaticTokens{"*": "token"})}
		if store != nil {
			opts = append(opts, metaads.WithUsageStore(store))
		}
		c, err := metaads.NewClient(opts...)
		require.NoError(b, err)
		req := &metaads.Request{Path: "act_1001/campaigns", Account: metaads.MustParseAccountID("1001")}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Do(ctx, req, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("memory", func(b *testing.B) { run(b, nil) })
	for _, d := range testdb.Engines {
		b.Run(string(d), func(b *testing.B) {
			db, _ := openDB(b, d)
			s, err := New(db)
			require.NoError(b, err)
			run(b, s)
		})
	}
}
