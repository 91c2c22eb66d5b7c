package metaads

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// BenchmarkDecodeInsightsPageSizes decodes ad-level insights pages of 50,
// 500 and 5,000 rows with the typed decoder Client.Do uses, and reports per
// row its time, bytes and allocations, and its speed as a fraction of
// json.Valid's on the same bytes (x_json_valid; 1.0 would be decoding as
// fast as only validating). Each iteration times the decoder and then
// json.Valid, so both see the same machine load. Decoding cost per row
// should not grow with the page size.
func BenchmarkDecodeInsightsPageSizes(b *testing.B) {
	for _, n := range []int{50, 500, 5000} {
		page := benchPage(n)
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			var decode, valid time.Duration
			for b.Loop() {
				t0 := time.Now()
				var p insightsPage
				if err := p.decodeBody(page); err != nil || len(p.rows) != n {
					b.Fatal(err, len(p.rows))
				}
				t1 := time.Now()
				if !json.Valid(page) {
					b.Fatal("invalid page")
				}
				decode += t1.Sub(t0)
				valid += time.Since(t1)
			}
			b.ReportMetric(float64(decode.Nanoseconds())/float64(b.N*n), "ns/row")
			b.ReportMetric(valid.Seconds()/decode.Seconds(), "x_json_valid")
			allocs := testing.AllocsPerRun(3, func() {
				var p insightsPage
				_ = p.decodeBody(page)
			})
			b.ReportMetric(allocs/float64(n), "allocs/row")
		})
	}
}

// TestDecodeCostPerRowDoesNotGrowWithPageSize guards the page decoder's
// allocation per row (which tracks its cost) in a timing-free way: a
// 5,000-row page may not allocate more per row than a 500-row page, and
// the rows keep their values.
func TestDecodeCostPerRowDoesNotGrowWithPageSize(t *testing.T) {
	perRow := func(n int) float64 {
		page := benchPage(n)
		var p insightsPage
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := p.decodeBody(page); err != nil || len(p.rows) != n {
			t.Fatalf("decode %d rows: %v (%d rows)", n, err, len(p.rows))
		}
		runtime.ReadMemStats(&after)
		last := p.rows[n-1]
		if last.AdName != fmt.Sprintf("Video ad %d", n-1) || last.Actions.Value("link_click") != int64(301+(n-1)%40) || len(last.CostPerActionType) != 2 {
			t.Fatalf("row %d decoded as %+v", n-1, last)
		}
		return float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
	}
	small, large := perRow(500), perRow(5000)
	t.Logf("bytes per row: %.0f at 500 rows, %.0f at 5000", small, large)
	if large > small*1.05 {
		t.Errorf("a 5000-row page allocates %.0f bytes per row, a 500-row page %.0f: decoding cost per row grows with page size", large, small)
	}
	// And appending to a decoded list copies instead of overwriting the
	// next row's list (lists are cut from shared slabs).
	var p insightsPage
	if err := p.decodeBody(benchPage(3)); err != nil {
		t.Fatal(err)
	}
	next := p.rows[1].Actions[0]
	_ = append(p.rows[0].Actions, ActionValue[int64]{ActionType: "x"})
	if p.rows[1].Actions[0].ActionType != next.ActionType {
		t.Error("appending to one row's list changed the next row's")
	}
}
