package analysis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// TestCollectDemoCalls counts the Graph calls of one collection of the
// demo shop from the fake's request log: 1 account read, 3 object lists,
// 3 report runs (daily rows at campaign, ad set and ad level: a start,
// 5 polls and the result pages each), 2 pages of hourly rows and 4 window
// queries (account, campaign, ad set and ad level, all windows at once).
func TestCollectDemoCalls(t *testing.T) {
	e := newDemo(t, demoNow)
	var phases []Phase
	o := CollectOptions{Progress: func(p Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	}}
	ds := e.collect(t, metaadstest.DemoAccountShop, o, demoNow)
	log := e.srv.Requests()
	byPath := map[string]int{}
	polls := 0
	for _, r := range log {
		switch {
		case r.Method == http.MethodGet && len(r.Path) > 1 && r.Path[1] == '6' && !contains(r.Path, "/insights"):
			polls++ // GET /{report_run_id}
		default:
			byPath[r.Method+" "+r.Path]++
		}
	}
	shop := "/act_" + metaadstest.DemoAccountShop
	want := map[string]int{
		"GET " + shop: 1, "GET " + shop + "/campaigns": 1, "GET " + shop + "/adsets": 1, "GET " + shop + "/ads": 1,
		"POST " + shop + "/insights": 3, // report runs
		"GET " + shop + "/insights":  6, // hourly rows (2 pages) and the 4 window queries
	}
	for k, n := range want {
		if byPath[k] != n {
			t.Errorf("%s: %d calls, want %d", k, byPath[k], n)
		}
	}
	results := 0
	for k, n := range byPath {
		if _, ok := want[k]; !ok {
			results += n // GET /{run}/insights: result pages
		}
	}
	if polls != 15 || results != 4 {
		t.Errorf("%d polls and %d result pages; want 15 (5 per run) and 4 (campaign and ad set 1 page each, ads 2)", polls, results)
	}
	if len(log) != 32 || ds.Stats.Requests != len(log) || ds.Stats.AsyncRuns != 3 {
		t.Errorf("%d requests in the log, Stats %+v; want 32, counted the same", len(log), ds.Stats)
	}
	if ds.Stats.Duplicates != 0 || ds.Stats.Rows != len(ds.Daily)+len(ds.Hourly)+len(ds.Windows) {
		t.Errorf("stats %+v for %d rows", ds.Stats, len(ds.Daily)+len(ds.Hourly)+len(ds.Windows))
	}
	if phases[0] != PhaseObjects || phases[len(phases)-1] != PhaseDone {
		t.Errorf("progress phases %v", phases)
	}
	if len(ds.Campaigns) != 5 || len(ds.AdSets) != 7 || len(ds.Ads) != 14 {
		t.Errorf("%d campaigns, %d ad sets, %d ads", len(ds.Campaigns), len(ds.AdSets), len(ds.Ads))
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// rawRows reads insights from the fake with plain HTTP and decodes the
// few numbers the test compares, without the metaads client.
func rawRows(t *testing.T, e *demoEnv, acct string, q url.Values) []map[string]string {
	t.Helper()
	tok, err := e.srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	next := e.srv.URL + "/v26.0/act_" + acct + "/insights?" + q.Encode()
	for next != "" {
		req, _ := http.NewRequest(http.MethodGet, next, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Data   []map[string]any `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Data {
			m := map[string]string{}
			for k, v := range d {
				if s, ok := v.(string); ok {
					m[k] = s
				}
			}
			out = append(out, m)
		}
		next = page.Paging.Next
	}
	return out
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

func cents(t *testing.T, s string) int64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return int64(f*100 + 0.5)
}

// TestCollectWindowsMatchRawRows checks every common window of every ad
// set against sums computed from the fake's raw daily rows, and the 7-day
// reach against the fake's own window total (never a sum of days).
func TestCollectWindowsMatchRawRows(t *testing.T) {
	e := newDemo(t, demoNow)
	ds := e.collect(t, metaadstest.DemoAccountShop, CollectOptions{NoHourly: true}, demoNow)
	snap, err := ds.Snapshot(demoNow)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"level": {"adset"}, "time_increment": {"1"}, "limit": {"500"},
		"fields":     {"adset_id,impressions,clicks,spend"},
		"time_range": {fmt.Sprintf(`{"since":"%s","until":"%s"}`, ds.Range.Since, ds.Range.Until)}}
	raw := rawRows(t, e, metaadstest.DemoAccountShop, q)
	if len(raw) < 300 {
		t.Fatalf("only %d raw rows", len(raw))
	}
	today := metaads.DateOf(demoNow.In(mustLoc(t, "America/Los_Angeles")))
	checked := 0
	for _, ent := range snap.Entities {
		if ent.Level != metrics.LevelAdSet {
			continue
		}
		for _, wc := range ent.Stats {
			r, ok := windowRange(wc.Window, today)
			if !ok {
				continue
			}
			var impr, clicks, spend int64
			for _, row := range raw {
				d, _ := metaads.ParseDate(row["date_start"])
				if row["adset_id"] == ent.ID && inRange(d, r) {
					impr += atoi(t, row["impressions"])
					clicks += atoi(t, row["clicks"])
					spend += cents(t, row["spend"])
				}
			}
			c := wc.Counts
			if c.Impressions != impr || c.Clicks != clicks || c.Spend != spend {
				t.Errorf("%s %s: impressions %d clicks %d spend %d; raw rows sum to %d, %d, %d", ent.Name, wc.Window, c.Impressions, c.Clicks, c.Spend, impr, clicks, spend)
			}
			checked++
		}
	}
	if checked < 60 {
		t.Fatalf("only %d windows checked", checked)
	}
	// 7-day reach: the fake's window total, not a sum of days.
	r7, _ := windowRange(rules.WindowLast7D, today)
	tot := rawRows(t, e, metaadstest.DemoAccountShop, url.Values{"level": {"adset"}, "fields": {"adset_id,reach"},
		"time_range": {fmt.Sprintf(`{"since":"%s","until":"%s"}`, r7.Since, r7.Until)}})
	for _, row := range tot {
		ent := entityOf(snap, row["adset_id"])
		c, ok := windowOf(ent, rules.WindowLast7D)
		if !ok || c.ReachSummed || c.Reach != atoi(t, row["reach"]) {
			t.Errorf("%s 7-day reach %d (summed %v); the fake's window total is %s", row["adset_id"], c.Reach, c.ReachSummed, row["reach"])
		}
	}
}

func entityOf(s *rules.Snapshot, id string) *rules.Entity {
	for i := range s.Entities {
		if s.Entities[i].ID == id {
			return &s.Entities[i]
		}
	}
	return &rules.Entity{}
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// comparable returns the JSON of a Dataset without its collection stats.
func comparable(t *testing.T, ds *Dataset) string {
	t.Helper()
	c := *ds
	c.Stats = CollectStats{}
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A collection whose report runs fail mid-way (result pages failing past
// the client's retries, a run that fails) gives the same Dataset.
func TestCollectResumedAfterFaults(t *testing.T) {
	clean := newDemo(t, demoNow).collect(t, metaadstest.DemoAccountShop, CollectOptions{}, demoNow)
	e := newDemo(t, demoNow)
	for _, f := range []metaadstest.Fault{
		// The second result page of a run fails five times: the client
		// gives up, the runner starts the chunk again and skips the rows
		// it already yielded.
		{Path: "/{run}/insights", Kind: metaadstest.FaultCode2, Skip: 1, Count: 5},
		// A run fails with Meta's intermittent error and is restarted.
		{Method: http.MethodPost, Path: "/act_" + metaadstest.DemoAccountShop + "/insights", Kind: metaadstest.FaultReportFailed, Code: 2, Subcode: 1504043},
	} {
		if err := e.srv.InjectFault(f); err != nil {
			t.Fatal(err)
		}
	}
	ds := e.collect(t, metaadstest.DemoAccountShop, CollectOptions{}, demoNow)
	if got, want := comparable(t, ds), comparable(t, clean); got != want {
		t.Fatal("the Dataset after faults differs from the clean one")
	}
	if ds.Stats.Requests <= clean.Stats.Requests || ds.Stats.AsyncRuns <= clean.Stats.AsyncRuns {
		t.Errorf("stats %+v vs clean %+v: the faults should have cost requests and runs", ds.Stats, clean.Stats)
	}
}

// The time zone edge: at 03:00 UTC an account in Los Angeles (UTC-8 in
// January) is still on the previous day, which is its today.
func TestCollectTimeZoneEdge(t *testing.T) {
	now := time.Date(2026, 1, 15, 3, 0, 0, 0, time.UTC)
	e := newDemo(t, now)
	ds := e.collect(t, metaadstest.DemoAccountShop, CollectOptions{NoHourly: true, LookbackDays: 14}, now)
	if want := (metaads.Date{Year: 2026, Month: 1, Day: 14}); ds.Range.Until != want {
		t.Fatalf("today is %v; want %v (19:00 on 14 January in Los Angeles)", ds.Range.Until, want)
	}
	snap, err := ds.Snapshot(now)
	if err != nil {
		t.Fatal(err)
	}
	if h := snap.Now.Hour(); h != 19 || snap.Now.Day() != 14 {
		t.Errorf("snapshot now %v; want 19:00 on the 14th", snap.Now)
	}
	raw := rawRows(t, e, metaadstest.DemoAccountShop, url.Values{"level": {"campaign"}, "fields": {"campaign_id,spend"},
		"time_range": {`{"since":"2026-01-14","until":"2026-01-14"}`}})
	for _, row := range raw {
		c, ok := windowOf(entityOf(snap, row["campaign_id"]), rules.WindowToday)
		if !ok || c.Spend != cents(t, row["spend"]) || c.Spend == 0 {
			t.Errorf("campaign %s today spend %d; the fake's 14 January is %s", row["campaign_id"], c.Spend, row["spend"])
		}
	}
	// The rules see the account's hour, and refuse a UTC Now.
	if _, err := rulesFor(t, Goals{TargetCPA: 3000, Currency: "USD"}).Evaluate(&rules.Snapshot{Now: now, TimeZone: snap.TimeZone, Entities: snap.Entities}); err == nil {
		t.Error("a UTC Now was accepted for an account in Los Angeles")
	}
}

func rulesFor(t testing.TB, g Goals) *rules.RuleSet {
	t.Helper()
	set, err := defaultRules(g, false)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestCollectBadInput(t *testing.T) {
	e := newDemo(t, demoNow)
	acct := metaads.MustParseAccountID(metaadstest.DemoAccountShop)
	for name, o := range map[string]CollectOptions{
		"level":    {Levels: []metrics.Level{"region"}},
		"twice":    {Levels: []metrics.Level{metrics.LevelAd, metrics.LevelAd}},
		"lookback": {LookbackDays: 500},
		"hourly":   {HourlyDays: -1},
		"event":    {ConversionEvent: "lead, purchase"},
		"per":      {ConversionEvents: map[string]string{"1": ""}},
		"fields":   {Fields: []string{"a,b"}},
		"resume":   {Run: metaads.RunOptions{Resume: []metaads.RunChunk{{}}}},
		"async":    {AsyncAfterDays: -2},
	} {
		if _, err := Collect(context.Background(), e.c, acct, o); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v; want ErrInvalidInput", name, err)
		}
	}
	if _, err := Collect(context.Background(), nil, acct, CollectOptions{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("nil client: %v", err)
	}
	if _, err := Collect(context.Background(), e.c, metaads.AccountID{}, CollectOptions{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("zero account: %v", err)
	}
	if len(e.srv.Requests()) != 0 {
		t.Errorf("bad options sent %d requests", len(e.srv.Requests()))
	}
	// A token the fake rejects comes back as the client's error kind.
	bad, _ := metaads.NewClient(metaads.WithBaseURL(e.srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{"*": "nope"}))
	if _, err := Collect(context.Background(), bad, acct, CollectOptions{}); !errors.Is(err, metaads.ErrTokenInvalid) {
		t.Errorf("bad token: %v; want metaads.ErrTokenInvalid", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Collect(ctx, e.c, acct, CollectOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// The lead account's campaign counts leads, so no rule reads its 33 leads
// as zero purchases: the zero-conversion stop-loss stays silent.
func TestCollectLeadAccountCountsLeads(t *testing.T) {
	e := newDemo(t, demoNow)
	ds := e.collect(t, metaadstest.DemoAccountLeads, CollectOptions{NoHourly: true}, demoNow)
	if len(ds.ConversionEvents) != 1 || ds.ConversionEvents[0].ActionType != EventLead || ds.ConversionEvents[0].Source != SourcePromotedObject {
		t.Fatalf("events %+v; want the lead family from the promoted object", ds.ConversionEvents)
	}
	snap, _ := ds.Snapshot(demoNow)
	c, _ := windowOf(entityOf(snap, "120300000000000017"), rules.WindowLast30D)
	if c.Conversions == 0 || c.Conversions != c.Leads {
		t.Errorf("DACH 25-54: %d conversions, %d leads over 30 days", c.Conversions, c.Leads)
	}
	for _, g := range []Goals{{TargetCPA: 1500}, {TargetCPA: 1500, ConversionEvent: EventPurchase}} {
		g.Currency, g.ConversionEvent = "EUR", cmpOr(g.ConversionEvent, EventLead)
		ev, err := rulesFor(t, g).Evaluate(snap)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ev.Decisions {
			if d.RuleID == "stop-loss" || d.RuleID == "confirmed-loser" || d.RuleID == "cpa-bleeder" {
				t.Errorf("goals %+v: %s", g, d.Summary())
			}
		}
	}
	// Overriding the event to purchases, the rules see no conversions, but
	// the purchase-bound rule set would still not judge a lead campaign.
	over := e.collect(t, metaadstest.DemoAccountLeads, CollectOptions{NoHourly: true, ConversionEvent: EventPurchase}, demoNow)
	if over.ConversionEvents[0].Source != SourceOverride {
		t.Errorf("override: %+v", over.ConversionEvents[0])
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
