package signals

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// targetingDataset is a Dataset of two running ad sets (active, with
// delivery in the last 7 complete days) with the given targeting specs.
func targetingDataset(ta, tb *metaads.Targeting) *analysis.Dataset {
	now := time.Date(2026, 3, 18, 15, 30, 0, 0, time.UTC)
	ds := &analysis.Dataset{CollectedAt: now, Account: metaads.AdAccount{ID: metaads.MustParseAccountID("1"), Currency: "USD", TimezoneName: "UTC"}}
	ds.Campaigns = []metaads.Campaign{{ID: "c1", Objective: metaads.ObjectiveSales, EffectiveStatus: metaads.EffectiveActive}}
	today := metaads.DateOf(now)
	ds.Range = metaads.TimeRange{Since: today.AddDays(-3), Until: today}
	for i, t := range []*metaads.Targeting{ta, tb} {
		id := []string{"s1", "s2"}[i]
		ds.AdSets = append(ds.AdSets, metaads.AdSet{ID: id, CampaignID: "c1", EffectiveStatus: metaads.EffectiveActive, DailyBudget: 1000, Targeting: t})
		ds.Ads = append(ds.Ads, metaads.Ad{ID: "a" + id, AdSetID: id, CampaignID: "c1", EffectiveStatus: metaads.EffectiveActive})
		ds.Daily = append(ds.Daily, analysis.DailyRow{Level: metrics.LevelAd, ID: "a" + id, Date: today.AddDays(-1), Counts: metrics.Counts{Impressions: 1000, Clicks: 10, Spend: 500}})
	}
	return ds
}

// FuzzOverlapTargeting feeds arbitrary targeting specs (as Meta's JSON)
// to the overlap signal and OverlapQueries: nothing panics; the pair's
// coefficient and bounds are in [0, 1] with lo <= coefficient <= hi; the
// pair is the same with A and B swapped; and every intersection query
// encodes.
func FuzzOverlapTargeting(f *testing.F) {
	for _, p := range [][2]string{
		{`{"geo_locations":{"countries":["US"]}}`, `{"geo_locations":{"countries":["US"]}}`},
		{`{"geo_locations":{"countries":["US"]},"age_min":25,"age_max":44}`, `{"geo_locations":{"countries":["us"]},"age_min":35,"age_max":54,"genders":[2]}`},
		{`{"geo_locations":{"regions":[{"key":"3847","country":"US"}]},"flexible_spec":[{"interests":[{"id":"1"}]},{"behaviors":[{"id":"2"}]}]}`,
			`{"geo_locations":{"countries":["US"]},"excluded_custom_audiences":[{"id":"9"}],"exclusions":{"interests":[{"id":"1"}]}}`},
		{`{"geo_locations":{"countries":["CA"]},"custom_audiences":[{"id":"9"}],"publisher_platforms":["instagram"]}`, `{"age_min":70,"age_max":20,"genders":[1,2,9],"publisher_platforms":["myspace"]}`},
		{`{"flexible_spec":[{"income":[{"id":"1"}]}],"targeting_automation":{"advantage_audience":1}}`, `{}`},
		{`{"geo_locations":{"custom_locations":[{"latitude":1e308,"longitude":-1e308,"radius":-5}]}}`, `{"geo_locations":{"cities":[{"key":"1"}],"zips":[{"key":"US:94110"}]}}`},
	} {
		f.Add(p[0], p[1])
	}
	in01 := func(x float64) bool { return x >= 0 && x <= 1 && !math.IsNaN(x) }
	f.Fuzz(func(t *testing.T, a, b string) {
		var ta, tb metaads.Targeting
		if json.Unmarshal([]byte(a), &ta) != nil || json.Unmarshal([]byte(b), &tb) != nil {
			return
		}
		pairOf := func(x, y *metaads.Targeting) PairOverlap {
			res, err := Overlap(targetingDataset(x, y))
			if err != nil {
				t.Fatalf("Overlap: %v", err)
			}
			if _, err := json.Marshal(res); err != nil {
				t.Fatalf("result does not encode: %v", err)
			}
			if len(res.Pairs) == 0 {
				return PairOverlap{}
			}
			return res.Pairs[0]
		}
		p, q := pairOf(&ta, &tb), pairOf(&tb, &ta)
		for _, x := range []float64{p.Coefficient, p.Lo, p.Hi, p.ShareOfA, p.ShareOfB, p.Jaccard} {
			if !in01(x) {
				t.Fatalf("%q / %q: a share outside [0, 1]: %+v", a, b, p)
			}
		}
		if p.Lo > p.Hi+1e-12 || p.Known && (p.Coefficient < p.Lo-1e-12 || p.Coefficient > p.Hi+1e-12) {
			t.Fatalf("%q / %q: coefficient %v outside its bounds %v-%v", a, b, p.Coefficient, p.Lo, p.Hi)
		}
		if p.Coefficient != q.Coefficient || p.Lo != q.Lo || p.Hi != q.Hi || p.Flagged != q.Flagged || p.SameAuction != q.SameAuction {
			t.Fatalf("%q / %q: not symmetric: %+v against %+v", a, b, p, q)
		}
		qs, err := OverlapQueries(targetingDataset(&ta, &tb))
		if err != nil {
			t.Fatalf("OverlapQueries: %v", err)
		}
		for _, x := range qs {
			if _, err := json.Marshal(x); err != nil {
				t.Fatalf("query %s does not encode: %v", x.Key, err)
			}
		}
	})
}
