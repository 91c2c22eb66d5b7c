package app

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/adpilot/adpilot/examples/crm/internal/testdb"
	"github.com/adpilot/adpilot/examples/crm/jobs"
	"github.com/adpilot/adpilot/examples/crm/web"
)

// BenchmarkLoad measures the dashboard (a signed-in page drawn from the
// latest stored report) and the credentials API (service token check, audit
// row, token from the encrypted store) over loopback HTTP with concurrent
// clients, on SQLite and PostgreSQL. It reports requests per second and the
// 50th and 99th percentile latency.
//
//	CRM_TEST_POSTGRES=postgres://... go test -run '^$' -bench Load -benchtime 2000x ./examples/crm
func BenchmarkLoad(b *testing.B) {
	for _, d := range testdb.Engines {
		b.Run(string(d), func(b *testing.B) {
			app := startApp(b, d, startOpts{quiet: true})
			br := app.browser()
			br.c.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
			events, cancel := app.Jobs.Subscribe(river.EventKindJobCompleted)
			defer cancel()
			br.signup("bench@example.com")
			br.connect("approve")
			waitShopPass(b, events)
			r := br.postJSON("/api/service-tokens", map[string]any{"name": "bench", "accounts": []string{shopAccount()}})
			if r.Status != http.StatusCreated {
				b.Fatalf("service token: %d %s", r.Status, r.Body)
			}
			var st web.ServiceTokenJSON
			_ = json.Unmarshal([]byte(r.Body), &st)
			cookie := br.c.Jar.Cookies(mustURL(app.URL))
			b.Run("dashboard", func(b *testing.B) {
				load(b, func(c *http.Client) *http.Request {
					req, _ := http.NewRequest(http.MethodGet, app.URL+"/accounts/"+shopAccount(), nil)
					for _, ck := range cookie {
						req.AddCookie(ck)
					}
					return req
				}, br.c.Transport)
			})
			b.Run("credentials", func(b *testing.B) {
				load(b, func(c *http.Client) *http.Request {
					req, _ := http.NewRequest(http.MethodPost, app.URL+"/api/agent/v1/accounts/"+shopAccount()+"/token", nil)
					req.Header.Set("Authorization", "Bearer "+st.Token)
					return req
				}, br.c.Transport)
			})
		})
	}
}

func waitShopPass(b testing.TB, events <-chan *river.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		select {
		case ev := <-events:
			if ev.Job.Kind != (jobs.AnalyzeAccountArgs{}).Kind() {
				continue
			}
			var args jobs.AnalyzeAccountArgs
			_ = json.Unmarshal(ev.Job.EncodedArgs, &args)
			if args.Account == shopAccount() {
				return
			}
		case <-ctx.Done():
			b.Fatal("the first pass did not complete")
		}
	}
}

// load sends b.N requests from 8 concurrent clients and reports req/s, p50
// and p99.
func load(b *testing.B, mk func(*http.Client) *http.Request, tr http.RoundTripper) {
	const clients = 8
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	lat := make([]time.Duration, b.N)
	var next sync.Mutex
	i := 0
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				next.Lock()
				n := i
				i++
				next.Unlock()
				if n >= b.N {
					return
				}
				t0 := time.Now()
				res, err := c.Do(mk(c))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io_Copy(res)
				if res.StatusCode != http.StatusOK {
					b.Errorf("status %d", res.StatusCode)
					return
				}
				lat[n] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}
