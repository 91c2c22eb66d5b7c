package analysis

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// Nil and zero inputs to the entry points are errors wrapping
// ErrInvalidInput (or harmless zero values), never panics and never
// requests.
func TestNilAndZeroInputs(t *testing.T) {
	var nilCtx context.Context
	c, err := metaads.NewClient(metaads.WithBaseURL("http://127.0.0.1:1"), metaads.WithTokenProvider(metaads.StaticTokens{"*": "t"}))
	if err != nil {
		t.Fatal(err)
	}
	acct := metaads.MustParseAccountID("act_1")
	ds := &Dataset{Account: metaads.AdAccount{ID: acct, Currency: "USD", TimezoneName: "UTC"}}
	in := &Input{Now: demoNow, Snapshot: &rules.Snapshot{Now: demoNow, Currency: "USD"}}
	for name, f := range map[string]func() error{
		"Collect nil ctx": func() error { _, err := Collect(nilCtx, c, acct, CollectOptions{}); return err },
		"Run nil ctx":     func() error { _, err := Run(nilCtx, c, acct, RunOptions{}); return err },
		"RunDataset nil ctx": func() error {
			_, err := RunDataset(nilCtx, ds, RunOptions{Now: func() time.Time { return demoNow }})
			return err
		},
		"Analyze nil ctx": func() error { _, err := Heuristic{}.Analyze(nilCtx, in); return err },
		"Analyze negative max": func() error {
			_, err := Heuristic{MaxRecommendations: -1}.Analyze(context.Background(), in)
			return err
		},
		"ReadCSV nil reader": func() error { _, err := ReadCSV(nil, CSVOptions{}); return err },
		"nil AnalyzerFunc":   func() error { _, err := AnalyzerFunc(nil).Analyze(context.Background(), in); return err },
		"RunDataset nil analyzer": func() error {
			_, err := RunDataset(context.Background(), ds, RunOptions{Analyzer: AnalyzerFunc(nil)})
			return err
		},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", name, r)
				}
			}()
			if err := f(); !errors.Is(err, ErrInvalidInput) {
				t.Errorf("%s: err = %v; want ErrInvalidInput", name, err)
			}
		}()
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("nil Report Markdown: panic %v", r)
			}
		}()
		if md := (*Report)(nil).Markdown(); md != "" {
			t.Errorf("nil Report Markdown = %q", md)
		}
	}()
}

// Counts so large that their sums saturate int64 make the pass fail with an
// input error naming the field, not a wrong number.
func TestRunDatasetSaturatedCounts(t *testing.T) {
	acct := metaads.AdAccount{ID: metaads.MustParseAccountID("act_5"), Currency: "USD", TimezoneName: "UTC"}
	var rows []Row
	for d := 1; d <= 9; d++ {
		day := metaads.Date{Year: 2026, Month: 3, Day: d}
		rows = append(rows, Row{CampaignID: "1", AdSetID: "2", AdID: "3", Since: day, Until: day,
			Counts: metrics.Counts{Impressions: math.MaxInt64 / 4, Spend: 1000}})
	}
	ds, err := FromRows(Rows{Account: acct, Insights: rows})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	_, err = RunDataset(context.Background(), ds, RunOptions{Now: func() time.Time { return now }})
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "Impressions") {
		t.Errorf("err = %v; want ErrInvalidInput naming Impressions", err)
	}
}

// A currency code in lower case is the same currency.
func TestGoalsCurrencyCase(t *testing.T) {
	in := &Input{Now: demoNow, Snapshot: &rules.Snapshot{Now: demoNow, Currency: "USD"}, Goals: Goals{Currency: "usd", TargetCPA: 3000}}
	if _, err := (Heuristic{}).Analyze(context.Background(), in); err != nil {
		t.Errorf("goals in \"usd\" for a USD account: %v", err)
	}
	acct := metaads.AdAccount{ID: metaads.MustParseAccountID("act_5"), Currency: "USD", TimezoneName: "UTC"}
	day := metaads.Date{Year: 2026, Month: 3, Day: 1}
	if _, err := FromRows(Rows{Account: acct, Insights: []Row{{AdSetID: "2", CampaignID: "1", Since: day, Until: day, Currency: "usd"}}}); err != nil {
		t.Errorf("a row in \"usd\" for a USD account: %v", err)
	}
	in.Goals.Currency = "eur"
	if _, err := (Heuristic{}).Analyze(context.Background(), in); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("goals in \"eur\" for a USD account: %v; want ErrCurrencyMismatch", err)
	}
}
