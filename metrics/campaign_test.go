package metrics

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseRanking(t *testing.T) {
	tests := []struct {
		in    string
		want  Ranking
		score int
	}{
		{"BELOW_AVERAGE_10", RankingBelowAverage10, 1},
		{"BELOW_AVERAGE_20", RankingBelowAverage20, 2},
		{"BELOW_AVERAGE_35", RankingBelowAverage35, 3},
		{"AVERAGE", RankingAverage, 4},
		{"ABOVE_AVERAGE", RankingAboveAverage, 5},
		{" above_average ", RankingAboveAverage, 5},
	}
	for _, tt := range tests {
		r, err := ParseRanking(tt.in)
		if err != nil || r != tt.want {
			t.Errorf("ParseRanking(%q) = %v, %v", tt.in, r, err)
		}
		if s, ok := r.Score(); !ok || s != tt.score {
			t.Errorf("%v.Score() = %d, %v; want %d", r, s, ok, tt.score)
		}
		if r.String() != strings.ToUpper(strings.TrimSpace(tt.in)) {
			t.Errorf("String() = %q", r.String())
		}
	}
	r, err := ParseRanking("UNKNOWN")
	if err != nil || r != RankingUnknown || r.Known() {
		t.Errorf("UNKNOWN = %v, %v", r, err)
	}
	if _, ok := r.Score(); ok {
		t.Error("UNKNOWN has a score")
	}
	for _, bad := range []string{"", "BELOW_AVERAGE", "GOOD", "5", "BELOW_AVERAGE_50"} {
		if _, err := ParseRanking(bad); !errors.Is(err, ErrUnknownRanking) {
			t.Errorf("ParseRanking(%q) err = %v", bad, err)
		}
	}
	// Order: worse < better.
	if !(RankingBelowAverage10 < RankingBelowAverage35 && RankingBelowAverage35 < RankingAverage && RankingAverage < RankingAboveAverage) {
		t.Error("rankings are not ordered")
	}
	if !RankingBelowAverage20.BelowAverage() || RankingAverage.BelowAverage() || RankingUnknown.BelowAverage() {
		t.Error("BelowAverage")
	}
	if _, ok := Ranking(9).Score(); ok || Ranking(9).String() != "Ranking(9)" {
		t.Error("invalid ranking")
	}
}

func TestRankingJSON(t *testing.T) {
	var v struct {
		Q Ranking `json:"quality_ranking"`
	}
	if err := json.Unmarshal([]byte(`{"quality_ranking":"BELOW_AVERAGE_35"}`), &v); err != nil || v.Q != RankingBelowAverage35 {
		t.Fatalf("unmarshal = %v, %v", v.Q, err)
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `{"quality_ranking":"BELOW_AVERAGE_35"}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"quality_ranking":"MEH"}`), &v); !errors.Is(err, ErrUnknownRanking) {
		t.Fatalf("bad ranking: %v", err)
	}
	if _, err := Ranking(200).MarshalText(); err == nil {
		t.Fatal("marshal of invalid ranking")
	}
}

func TestRankingsDiagnosis(t *testing.T) {
	tests := []struct {
		q, e, c string
		want    string
	}{
		{"BELOW_AVERAGE_10", "AVERAGE", "AVERAGE", "creative"},
		{"AVERAGE", "BELOW_AVERAGE_20", "AVERAGE", "engagement"},
		{"AVERAGE", "ABOVE_AVERAGE", "BELOW_AVERAGE_35", "post-click"},
		{"AVERAGE", "AVERAGE", "AVERAGE", ""},
		{"", "", "", ""},
		{"UNKNOWN", "UNKNOWN", "BELOW_AVERAGE_10", ""},
	}
	for _, tt := range tests {
		r, err := ParseRankings(tt.q, tt.e, tt.c)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Diagnosis(); got != tt.want {
			t.Errorf("Diagnosis(%s, %s, %s) = %q, want %q", tt.q, tt.e, tt.c, got, tt.want)
		}
	}
	_, err := ParseRankings("AVERAGE", "oops", "")
	if !errors.Is(err, ErrUnknownRanking) || !strings.Contains(err.Error(), "engagement_rate_ranking") {
		t.Errorf("ParseRankings error = %v", err)
	}
}

func TestCampaignStatistics(t *testing.T) {
	entities := []EntityTotals{
		{ID: "a", Counts: Counts{Impressions: 10000, Reach: 5000, Clicks: 200, Spend: 10000, Conversions: 10, ConversionValue: 30000}},
		{ID: "b", Counts: Counts{Impressions: 20000, Reach: 5000, Clicks: 200, Spend: 30000, Conversions: 5, ConversionValue: 30000}},
		{ID: "c", Counts: Counts{Impressions: 5000, Reach: 2500, Clicks: 100, Spend: 10000, Conversions: 0, ConversionValue: 0}},
	}
	st, err := CampaignStatistics(entities, StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Totals: impressions 35000, clicks 500, spend 50000, conv 15, value 60000.
	if st.Totals.Impressions != 35000 || st.Totals.Spend != 50000 || !st.Totals.ReachSummed {
		t.Fatalf("totals = %+v", st.Totals)
	}
	// Ratio of sums: CPA = 50000/15, not the mean of 1000 and 6000.
	if !st.Total.CPA.OK || !approx(st.Total.CPA.Value, 50000.0/15, 1e-15) {
		t.Errorf("total CPA = %+v", st.Total.CPA)
	}
	if st.Total.Frequency.OK {
		t.Error("total frequency defined on summed reach")
	}
	// Per entity: a CPA 1000, b CPA 6000, c undefined.
	if st.Entities[2].Metrics.CPA.OK || st.Entities[0].Metrics.CPA.Value != 1000 || st.Entities[1].ID != "b" {
		t.Errorf("entities = %+v", st.Entities)
	}
	// CPA distribution over a, b: mean 3500, median 3500, p10 = 1000 + 0.1·5000
	// = 1500, p90 = 5500; spend-weighted (10000·1000 + 30000·6000)/40000 = 4750.
	want := Distribution{N: 2, Mean: 3500, Median: 3500, P10: 1500, P90: 5500, Min: 1000, Max: 6000, SpendWeighted: 4750, SpendWeightedOK: true}
	if st.CPA != want {
		t.Errorf("CPA distribution = %+v, want %+v", st.CPA, want)
	}
	// ROAS over a, b, c: 3, 1, 0 → sorted 0, 1, 3: mean 4/3, median 1,
	// p10 = 0.2, p90 = 1 + 0.8·2 = 2.6; spend-weighted = 60000/50000 = 1.2.
	r := st.ROAS
	if r.N != 3 || !approx(r.Mean, 4.0/3, 1e-15) || r.Median != 1 || !approx(r.P10, 0.2, 1e-15) ||
		!approx(r.P90, 2.6, 1e-15) || !approx(r.SpendWeighted, 1.2, 1e-15) {
		t.Errorf("ROAS distribution = %+v", r)
	}
	// Frequency: 2, 4, 2 → median 2.
	if st.Frequency.N != 3 || st.Frequency.Median != 2 || st.Frequency.Max != 4 {
		t.Errorf("frequency = %+v", st.Frequency)
	}
	// Profit margin: a (30000−10000)/30000 = 2/3, b 0, c undefined.
	if st.ProfitMargin.N != 2 || !approx(st.ProfitMargin.Max, 2.0/3, 1e-15) || st.ProfitMargin.Min != 0 {
		t.Errorf("profit margin = %+v", st.ProfitMargin)
	}
	if st.CTR.N != 3 || !approx(st.CTR.Median, 0.02, 1e-15) {
		t.Errorf("CTR = %+v", st.CTR)
	}
	if st.CPM.N != 3 || !approx(st.CPM.Min, 1000, 1e-15) {
		t.Errorf("CPM = %+v", st.CPM)
	}

	// With window reach and a gross margin.
	st, err = CampaignStatistics(entities, StatsOptions{WindowReach: 10000, GrossMargin: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Total.Frequency.OK || st.Total.Frequency.Value != 3.5 {
		t.Errorf("total frequency = %+v", st.Total.Frequency)
	}
	// Total profit 60000·0.5 − 50000 = −20000; margin −20000/60000.
	if !approx(st.Total.Profit.Value, -20000, 1e-15) || !approx(st.Total.ProfitMargin.Value, -1.0/3, 1e-15) {
		t.Errorf("gross profit = %+v %+v", st.Total.Profit, st.Total.ProfitMargin)
	}
}

func TestCampaignStatisticsBadInput(t *testing.T) {
	if _, err := CampaignStatistics(nil, StatsOptions{GrossMargin: 1.5}); err == nil {
		t.Error("gross margin 1.5 accepted")
	}
	if _, err := CampaignStatistics(nil, StatsOptions{WindowReach: -1}); !errors.Is(err, ErrNegative) {
		t.Errorf("negative window reach: %v", err)
	}
	_, err := CampaignStatistics([]EntityTotals{{ID: "x1", Counts: Counts{Clicks: -3}}}, StatsOptions{})
	if !errors.Is(err, ErrNegative) || !strings.Contains(err.Error(), "x1") || !strings.Contains(err.Error(), "Clicks") {
		t.Errorf("negative counts: %v", err)
	}
	st, err := CampaignStatistics(nil, StatsOptions{})
	if err != nil || st.CPA.N != 0 || len(st.Entities) != 0 || st.Total.CTR.OK {
		t.Errorf("empty input = %+v, %v", st, err)
	}
}

func TestPercentile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	// numpy.percentile(range(1, 11), [10, 50, 90]) = 1.9, 5.5, 9.1 (linear).
	for _, c := range [][2]float64{{0.1, 1.9}, {0.5, 5.5}, {0.9, 9.1}, {0, 1}, {1, 10}} {
		if got := percentile(v, c[0]); !approx(got, c[1], 1e-15) {
			t.Errorf("percentile(%v) = %v, want %v", c[0], got, c[1])
		}
	}
	if percentile([]float64{7}, 0.9) != 7 {
		t.Error("single value")
	}
}
