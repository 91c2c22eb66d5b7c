package analysis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
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
