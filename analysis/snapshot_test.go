package analysis

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// randomRows builds a random account: 2 campaigns x 2 ad sets x 2 ads,
// ad-level daily rows with random gaps over 40 days before now, and
// window totals (reach) for some ads and windows.
func randomRows(r *rand.Rand, now time.Time) Rows {
	loc := now.Location()
	today := metaads.DateOf(now)
	in := Rows{Account: metaads.AdAccount{ID: metaads.MustParseAccountID("act_77"), Name: "Random", Currency: "USD", TimezoneName: loc.String()}}
	start := metaads.Time{Time: now.AddDate(0, 0, -35)}
	for c := range 2 {
		cid := fmt.Sprintf("1%d", c)
		in.Campaigns = append(in.Campaigns, metaads.Campaign{ID: cid, Name: "C" + cid, Objective: metaads.ObjectiveSales, Status: metaads.StatusActive,
			EffectiveStatus: metaads.EffectiveActive, StartTime: start})
		for s := range 2 {
			sid := fmt.Sprintf("2%d%d", c, s)
			in.AdSets = append(in.AdSets, metaads.AdSet{ID: sid, CampaignID: cid, Name: "S" + sid, DailyBudget: 5000, Status: metaads.StatusActive,
				EffectiveStatus: metaads.EffectiveActive, StartTime: start})
			for a := range 2 {
				aid := fmt.Sprintf("3%d%d%d", c, s, a)
				in.Ads = append(in.Ads, metaads.Ad{ID: aid, CampaignID: cid, AdSetID: sid, Name: "A" + aid, Status: metaads.StatusActive,
					EffectiveStatus: metaads.EffectiveActive, CreatedTime: start})
				for d := 0; d <= 40; d++ {
					if r.IntN(6) == 0 {
						continue // a day without delivery
					}
					impr := int64(r.IntN(5000) + 1)
					clicks := int64(r.IntN(int(impr)/20 + 1))
					purch := int64(r.IntN(int(clicks)/10 + 1))
					day := today.AddDays(-d)
					in.Insights = append(in.Insights, Row{CampaignID: cid, AdSetID: sid, AdID: aid, Since: day, Until: day,
						Counts: metrics.Counts{Impressions: impr, Reach: impr / 2, Clicks: clicks, LinkClicks: clicks / 2,
							Spend: int64(r.IntN(9000)), Purchases: purch, PurchaseValue: purch * 4000}})
				}
				for _, w := range reachWindows {
					if r.IntN(2) == 0 {
						rg, _ := windowRange(w, today)
						in.Insights = append(in.Insights, Row{CampaignID: cid, AdSetID: sid, AdID: aid, Since: rg.Since, Until: rg.Until,
							Counts: metrics.Counts{Reach: int64(r.IntN(20000) + 1)}})
					}
				}
			}
		}
	}
	in.CollectedAt = now
	return in
}

// TestSnapshotWindowProperties: over random data, every window's counts
// are the sum of its days, rates are ratios of those sums (never averages
// of daily ratios), and reach is a single day's reach, Meta's window
// reach, or marked summed: never a sum presented as exact.
func TestSnapshotWindowProperties(t *testing.T) {
	loc := mustLoc(t, "America/Los_Angeles")
	for seed := range uint64(25) {
		r := rand.New(rand.NewPCG(seed, 9))
		now := time.Date(2026, 3, 11, 9+r.IntN(14), 0, 0, 0, loc)
		in := randomRows(r, now)
		ds, err := FromRows(in)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := ds.Snapshot(now)
		if err != nil {
			t.Fatal(err)
		}
		today := metaads.DateOf(now)
		for _, e := range snap.Entities {
			for _, wc := range e.Stats {
				rg, ok := windowRange(wc.Window, today)
				if !ok {
					continue
				}
				var sum metrics.Counts
				days, reachDays := 0, 0
				var dayReach int64
				var meanCTR float64
				for _, row := range in.Insights {
					if row.Since != row.Until || !inRange(row.Since, rg) || !under(e, &row) {
						continue
					}
					sum.Impressions += row.Counts.Impressions
					sum.Clicks += row.Counts.Clicks
					sum.Spend += row.Counts.Spend
					sum.Purchases += row.Counts.Purchases
					days++
					meanCTR += float64(row.Counts.Clicks) / float64(row.Counts.Impressions)
					if row.Counts.Reach > 0 {
						reachDays++
						dayReach = row.Counts.Reach
					}
				}
				c := wc.Counts
				if c.Impressions != sum.Impressions || c.Clicks != sum.Clicks || c.Spend != sum.Spend || c.Conversions != sum.Purchases {
					t.Fatalf("seed %d %s %s: %+v; the days sum to %+v", seed, e.ID, wc.Window, c, sum)
				}
				if ctr, ok := metrics.Derive(c, 0).CTR, c.Impressions > 0; ok && ctr.Value != float64(sum.Clicks)/float64(sum.Impressions) {
					t.Fatalf("seed %d %s %s: CTR %v is not the ratio of sums", seed, e.ID, wc.Window, ctr.Value)
				} else if ok && days > 1 && meanCTR/float64(days) == ctr.Value && sum.Clicks > 0 {
					t.Logf("seed %d %s %s: the mean of daily CTRs happens to equal the ratio of sums", seed, e.ID, wc.Window)
				}
				var window *WindowRow
				for i := range ds.Windows {
					if w := &ds.Windows[i]; w.ID == e.ID && w.Window == rg {
						window = w
					}
				}
				switch {
				case rg.Since == rg.Until && reachDays > 1: // several children's reach on one day
					if !c.ReachSummed {
						t.Fatalf("seed %d %s %s: the reach of %d children is not marked summed", seed, e.ID, wc.Window, reachDays)
					}
				case rg.Since == rg.Until:
					if c.ReachSummed || (reachDays == 1 && c.Reach != dayReach) {
						t.Fatalf("seed %d %s %s: single-day reach %d (summed %v); the day's reach is %d", seed, e.ID, wc.Window, c.Reach, c.ReachSummed, dayReach)
					}
				case window != nil && e.Level == metrics.LevelAd:
					if c.ReachSummed || c.Reach != window.Counts.Reach {
						t.Fatalf("seed %d %s %s: reach %d (summed %v); Meta's window reach is %d", seed, e.ID, wc.Window, c.Reach, c.ReachSummed, window.Counts.Reach)
					}
				case reachDays > 1:
					if !c.ReachSummed {
						t.Fatalf("seed %d %s %s: reach %d over %d days is not marked summed", seed, e.ID, wc.Window, c.Reach, reachDays)
					}
				}
			}
		}
	}
}

// under reports whether a row belongs to entity e or below it.
func under(e rules.Entity, r *Row) bool {
	switch e.Level {
	case metrics.LevelCampaign:
		return r.CampaignID == e.ID
	case metrics.LevelAdSet:
		return r.AdSetID == e.ID
	}
	return r.AdID == e.ID
}

// A window the daily rows do not cover entirely is left out, not summed
// from part of its days; so is every window of a level not collected.
func TestSnapshotPartialCoverage(t *testing.T) {
	loc := mustLoc(t, "America/Los_Angeles")
	now := time.Date(2026, 3, 11, 12, 0, 0, 0, loc)
	in := randomRows(rand.New(rand.NewPCG(1, 2)), now)
	ds, err := FromRows(in)
	if err != nil {
		t.Fatal(err)
	}
	ds.Range.Since = metaads.DateOf(now).AddDays(-10) // as if only 10 days were read
	snap, _ := ds.Snapshot(now)
	for _, e := range snap.Entities {
		for _, w := range []rules.Window{rules.WindowLast14D, rules.WindowLast30D} {
			if _, ok := windowOf(&e, w); ok {
				t.Errorf("%s has %s from 10 days of rows", e.ID, w)
			}
		}
		if _, ok := windowOf(&e, rules.WindowLast7D); !ok {
			t.Errorf("%s lacks last_7d", e.ID)
		}
	}
	ds.Levels = []metrics.Level{metrics.LevelAd}
	snap, _ = ds.Snapshot(now)
	for _, e := range snap.Entities {
		if e.Level != metrics.LevelAd && len(e.Stats) > 0 {
			t.Errorf("%s %s has windows though its level was not collected", e.Level, e.ID)
		}
	}
	// A later Snapshot has no today: the rows end before its today.
	snap, _ = ds.Snapshot(now.Add(36 * time.Hour))
	if _, ok := windowOf(&snap.Entities[len(snap.Entities)-1], rules.WindowToday); ok {
		t.Error("today from rows that end the day before")
	}
}

func TestSnapshotBadInput(t *testing.T) {
	var nilDS *Dataset
	if _, err := nilDS.Snapshot(time.Now()); err == nil {
		t.Error("nil Dataset")
	}
	for name, ds := range map[string]*Dataset{
		"no zone":      {Account: metaads.AdAccount{Currency: "USD"}},
		"bad zone":     {Account: metaads.AdAccount{Currency: "USD", TimezoneName: "Mars/Base"}},
		"bad currency": {Account: metaads.AdAccount{Currency: "ZZZ", TimezoneName: "UTC"}},
	} {
		if _, err := ds.Snapshot(time.Now()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := (&Dataset{Account: metaads.AdAccount{Currency: "USD", TimezoneName: "UTC"}}).Snapshot(time.Time{}); err == nil {
		t.Error("zero now")
	}
}

// BenchmarkSnapshot10kAds90Days builds the snapshot of 10,000 ads over 90
// days (900,000 daily rows, plus their ad sets and campaigns).
func BenchmarkSnapshot10kAds90Days(b *testing.B) {
	loc := mustLoc(b, "America/Los_Angeles")
	now := time.Date(2026, 3, 11, 12, 0, 0, 0, loc)
	today := metaads.DateOf(now)
	ds := &Dataset{Account: metaads.AdAccount{ID: metaads.MustParseAccountID("act_1"), Currency: "USD", TimezoneName: loc.String()},
		Range: metaads.TimeRange{Since: today.AddDays(-89), Until: today}, Levels: []metrics.Level{metrics.LevelAd}}
	start := metaads.Time{Time: now.AddDate(0, 0, -89)}
	for c := range 100 {
		cid := fmt.Sprint(1_000_000 + c)
		ds.Campaigns = append(ds.Campaigns, metaads.Campaign{ID: cid, Status: metaads.StatusActive, EffectiveStatus: metaads.EffectiveActive, StartTime: start})
		for s := range 10 {
			sid := fmt.Sprint(2_000_000 + c*10 + s)
			ds.AdSets = append(ds.AdSets, metaads.AdSet{ID: sid, CampaignID: cid, DailyBudget: 5000, Status: metaads.StatusActive, EffectiveStatus: metaads.EffectiveActive, StartTime: start})
			for a := range 10 {
				aid := fmt.Sprint(3_000_000 + (c*10+s)*10 + a)
				ds.Ads = append(ds.Ads, metaads.Ad{ID: aid, CampaignID: cid, AdSetID: sid, Status: metaads.StatusActive, EffectiveStatus: metaads.EffectiveActive, CreatedTime: start})
				for d := 89; d >= 0; d-- {
					ds.Daily = append(ds.Daily, DailyRow{Level: metrics.LevelAd, ID: aid, Date: today.AddDays(-d),
						Counts: metrics.Counts{Impressions: 1000, Reach: 700, Clicks: 20, LinkClicks: 12, Spend: 900, Conversions: int64(d % 3)}})
				}
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		snap, err := ds.Snapshot(now)
		if err != nil || len(snap.Entities) != 11100 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ds.Daily)), "rows")
}

func TestDayNum(t *testing.T) {
	for d := time.Date(1899, 12, 25, 0, 0, 0, 0, time.UTC); d.Year() < 2101; d = d.AddDate(0, 0, 13) {
		if got, want := dayNum(metaads.DateOf(d)), int(d.Unix()/86400); got != want && d.Unix() >= 0 {
			t.Fatalf("%v: %d, want %d", d, got, want)
		}
		if a, b := dayNum(metaads.DateOf(d)), dayNum(metaads.DateOf(d.AddDate(0, 0, 1))); b != a+1 {
			t.Fatalf("%v: not consecutive (%d, %d)", d, a, b)
		}
	}
}

// Objects from a warehouse often carry only their configured status. An
// ad set or ad whose parent is paused is not delivered, whatever its own
// status says, so the rules must not see it ACTIVE (Meta's effective
// status would be CAMPAIGN_PAUSED or ADSET_PAUSED).
func TestSnapshotPausedParentFromRows(t *testing.T) {
	day := metaads.Date{Year: 2026, Month: 3, Day: 10}
	rows := Rows{
		Account: metaads.AdAccount{ID: metaads.MustParseAccountID("act_42"), Currency: "USD", TimezoneName: "America/New_York"},
		Campaigns: []metaads.Campaign{
			{ID: "11", Name: "Paused campaign", Objective: metaads.ObjectiveSales, Status: metaads.StatusPaused},
			{ID: "12", Name: "Live campaign", Objective: metaads.ObjectiveSales, Status: metaads.StatusActive},
		},
		AdSets: []metaads.AdSet{
			{ID: "21", CampaignID: "11", Name: "Under a paused campaign", Status: metaads.StatusActive, DailyBudget: 1000},
			{ID: "22", CampaignID: "12", Name: "Paused ad set", Status: metaads.StatusPaused, DailyBudget: 1000},
			{ID: "23", CampaignID: "12", Name: "Live ad set", Status: metaads.StatusActive, DailyBudget: 1000},
		},
		Ads: []metaads.Ad{
			{ID: "31", AdSetID: "21", CampaignID: "11", Name: "Ad under a paused campaign", Status: metaads.StatusActive},
			{ID: "32", AdSetID: "22", CampaignID: "12", Name: "Ad under a paused ad set", Status: metaads.StatusActive},
			{ID: "33", AdSetID: "23", CampaignID: "12", Name: "Live ad", Status: metaads.StatusActive},
		},
	}
	for _, ad := range rows.Ads {
		rows.Insights = append(rows.Insights, Row{CampaignID: ad.CampaignID, AdSetID: ad.AdSetID, AdID: ad.ID, Since: day, Until: day,
			Counts: metrics.Counts{Impressions: 100, Spend: 5000}})
	}
	ds, err := FromRows(rows)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := ds.Snapshot(demoNow)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"11": "PAUSED", "12": "ACTIVE", "21": "CAMPAIGN_PAUSED", "22": "PAUSED", "23": "ACTIVE",
		"31": "CAMPAIGN_PAUSED", "32": "ADSET_PAUSED", "33": "ACTIVE"}
	for _, e := range snap.Entities {
		if e.Status != want[e.ID] {
			t.Errorf("%s %q: status %q; want %q", e.Level, e.Name, e.Status, want[e.ID])
		}
	}
}
