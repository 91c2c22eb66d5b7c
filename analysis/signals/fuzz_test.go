package signals

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// fuzzDataset builds a small Dataset from fuzz bytes: one campaign, two
// ad sets, two ads, daily and hourly rows whose counts come from the
// bytes, including zeros, clicks above impressions, conversions above
// clicks, negative and huge values, and odd budgets, targeting and times.
func fuzzDataset(data []byte) *analysis.Dataset {
	next := func() int64 {
		if len(data) < 2 {
			return 0
		}
		v := int64(int16(binary.LittleEndian.Uint16(data)))
		data = data[2:]
		return v
	}
	big := func() int64 {
		v := next()
		switch v % 7 {
		case 0:
			return v * 100000
		case 1:
			return math.MaxInt32 * v
		}
		return v
	}
	now := time.Date(2026, 3, 18, 15, 30, 0, 0, time.UTC)
	ds := &analysis.Dataset{CollectedAt: now, Account: metaads.AdAccount{ID: metaads.MustParseAccountID("1"), Currency: "USD", TimezoneName: "UTC"}}
	ds.Campaigns = []metaads.Campaign{{ID: "c1", Objective: metaads.ObjectiveSales, EffectiveStatus: metaads.EffectiveActive, DailyBudget: big()}}
	tg := []string{`{"geo_locations":{"countries":["US"]}}`, `{"geo_locations":{"regions":[{"key":"1"}]},"age_min":70,"age_max":20,"genders":[1,2,9]}`,
		`{"flexible_spec":[{"interests":[]},{"income":[1]}],"publisher_platforms":["myspace"]}`}
	for i, id := range []string{"s1", "s2"} {
		var t metaads.Targeting
		_ = json.Unmarshal([]byte(tg[(int(next())&0xff+i)%len(tg)]), &t)
		s := metaads.AdSet{ID: id, CampaignID: "c1", EffectiveStatus: metaads.EffectiveActive, DailyBudget: big(), LifetimeBudget: big(), Targeting: &t}
		if next()%2 == 0 {
			s.StartTime = metaads.Time{Time: now.AddDate(0, 0, int(next()%90))}
			s.EndTime = metaads.Time{Time: now.AddDate(0, 0, int(next()%90))}
		}
		ds.AdSets = append(ds.AdSets, s)
		ds.Ads = append(ds.Ads, metaads.Ad{ID: "a" + id, AdSetID: id, CampaignID: "c1"})
	}
	ds.ConversionEvents = []analysis.ConversionEvent{{CampaignID: "c1", ActionType: "purchase"}}
	today := metaads.DateOf(now)
	days := int(next()&63) + 1
	ds.Range = metaads.TimeRange{Since: today.AddDays(-days), Until: today}
	counts := func() metrics.Counts {
		return metrics.Counts{Impressions: big(), Clicks: big(), LinkClicks: big(), Spend: big(), Reach: big(), Conversions: next(), ConversionValue: big()}
	}
	for d := -days; d <= 0 && len(data) > 0; d++ {
		for _, lvl := range []struct {
			l  metrics.Level
			id string
		}{{metrics.LevelCampaign, "c1"}, {metrics.LevelAdSet, "s1"}, {metrics.LevelAd, "as1"}, {metrics.LevelAd, "as2"}} {
			ds.Daily = append(ds.Daily, analysis.DailyRow{Level: lvl.l, ID: lvl.id, Date: today.AddDays(d), Counts: counts()})
		}
	}
	if next()%2 == 0 {
		ds.HourlyRange = metaads.TimeRange{Since: today.AddDays(-days), Until: today}
		for d := -days; d <= 0 && len(data) > 0; d++ {
			for h := range 24 {
				ds.Hourly = append(ds.Hourly, analysis.HourlyRow{Level: metrics.LevelAccount, ID: "1", Date: today.AddDays(d), Hour: h + int(next()%2), Counts: counts()})
			}
		}
	}
	return ds
}

// FuzzSignals checks that no Dataset makes a signal function panic or
// return a result that does not encode to JSON (no NaN or Inf escapes).
func FuzzSignals(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0, 200, 1})
	seed := make([]byte, 4096)
	for i := range seed {
		seed[i] = byte(i * 7)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := All(fuzzDataset(data))
		if err != nil {
			return // refused with an error: fine
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
		for _, s := range res.Signals() {
			if _, err := json.Marshal(s); err != nil {
				t.Fatalf("signal does not encode: %v", err)
			}
		}
	})
}
