package analysis_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/rules"
)

// One pass over the demo shop: collect, snapshot, rules (dry run) and the
// heuristic, in one call.
func ExampleRun() {
	now := time.Date(2026, 3, 11, 18, 30, 0, 0, time.UTC)
	srv, err := metaadstest.NewServer(metaadstest.WithDemoBusiness(), metaadstest.WithClock(func() time.Time { return now }),
		metaadstest.WithReportRunPolls(0))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	tok, _ := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	c, err := metaads.NewClient(metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{"*": tok}))
	if err != nil {
		log.Fatal(err)
	}
	rep, err := analysis.Run(context.Background(), c, metaads.MustParseAccountID(metaadstest.DemoAccountShop), analysis.RunOptions{
		Goals: analysis.Goals{TargetCPA: 3000, GrossMargin: 0.5}, // a $30.00 target, 50% margin
		Now:   func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rep.Result.Recommendations[:3] {
		fmt.Printf("%d. [%s] %s\n", r.Rank, r.Priority, r.Title)
	}
	// Output:
	// 1. [urgent] ROAS below break-even: adset "Lookalike 3% US"
	// 2. [high] Ad set "Advantage+ Audience" spends 125% of its daily budget
	// 3. [high] Refresh a creative whose link CTR decayed: ad "Broad 18-65 - Ad 1"
}

// An Ads Manager export becomes a Dataset, and the Dataset the rules'
// windows.
func ExampleReadCSV() {
	export := `Campaign ID,Ad set ID,Ad set name,Day,Impressions,Reach,Link clicks,Amount spent (USD),Purchases,Purchases conversion value (USD)
11,21,Prospecting,2026-03-08,12000,8000,150,90.00,3,210.00
11,21,Prospecting,2026-03-09,11000,7600,120,88.50,2,150.00
11,21,Prospecting,2026-03-10,12500,8100,160,91.25,4,300.00
`
	rows, err := analysis.ReadCSV(strings.NewReader(export), analysis.CSVOptions{})
	if err != nil {
		log.Fatal(err)
	}
	ds, err := analysis.FromRows(analysis.Rows{
		Account:   metaads.AdAccount{ID: metaads.MustParseAccountID("act_42"), Currency: "USD", TimezoneName: "America/New_York"},
		Campaigns: []metaads.Campaign{{ID: "11", Name: "Sales", Objective: metaads.ObjectiveSales}},
		Insights:  rows,
	})
	if err != nil {
		log.Fatal(err)
	}
	snap, err := ds.Snapshot(time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC))
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range snap.Entities {
		if w, ok := e.Totals(rules.WindowLast3D); ok && e.Level == "adset" {
			c := w.Counts
			fmt.Printf("%s: spend %d, %d purchases worth %d, reach summed: %v\n", e.Name, c.Spend, c.Conversions, c.ConversionValue, c.ReachSummed)
		}
	}
	// Output:
	// Prospecting: spend 26975, 9 purchases worth 66000, reach summed: true
}
