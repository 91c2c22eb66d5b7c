// Command pullbench pulls ad-level daily insights of one ad account with
// adpilot's insights iterator (metaads InsightsService.List) and prints one
// JSON line: rows, total spend, wall seconds, rows per second, the process's
// CPU seconds (user + system) and its peak RSS. It is the Go half of the
// side-by-side pull benchmark examples/fakemeta/testdata/nodesdk/bench.mjs,
// which runs it and Meta's Node SDK against the same fakemeta:
//
//	GRAPH_TOKEN=... go run ./examples/pullbench -url http://127.0.0.1:8089 \
//	    -account act_2000000000000001 -since 2026-05-15 -until 2026-11-30
//
// The token is read from GRAPH_TOKEN, never from a flag (flags show in
// process listings).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// result is the line pullbench prints.
type result struct {
	Client     string  `json:"client"`
	Rows       int     `json:"rows"`
	SpendMinor int64   `json:"spend_minor"` // sum of spend, minor units of the account currency
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rows_per_sec"`
	CPUSeconds float64 `json:"cpu_seconds"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv("GRAPH_TOKEN"), os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pullbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, token string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pullbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://127.0.0.1:8089", "Graph API base `URL`, without a version")
	version := fs.String("version", metaads.DefaultAPIVersion, "Graph API `version`")
	account := fs.String("account", "", "ad `account` id (123 or act_123)")
	since := fs.String("since", "", "first `day` (YYYY-MM-DD)")
	until := fs.String("until", "", "last `day` (YYYY-MM-DD), included")
	limit := fs.Int("limit", 500, "page size")
	fields := fs.String("fields", "account_id,campaign_id,adset_id,ad_id,ad_name,impressions,clicks,spend,actions,action_values", "comma-separated insights `fields`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see -h", fs.Args())
	}
	if token == "" {
		return errors.New("set GRAPH_TOKEN to the access token")
	}
	acct, err := metaads.ParseAccountID(*account)
	if err != nil {
		return fmt.Errorf("-account: %w", err)
	}
	s, err := metaads.ParseDate(*since)
	if err != nil {
		return fmt.Errorf("-since: %w", err)
	}
	u, err := metaads.ParseDate(*until)
	if err != nil {
		return fmt.Errorf("-until: %w", err)
	}
	c, err := metaads.NewClient(metaads.WithBaseURL(*base), metaads.WithAPIVersion(*version), metaads.WithTokenProvider(metaads.StaticTokens{"*": token}))
	if err != nil {
		return err
	}
	p := metaads.InsightsParams{Level: metrics.LevelAd, TimeIncrement: metaads.IncrementDaily, Limit: *limit,
		TimeRange: metaads.TimeRange{Since: s, Until: u}, Fields: strings.Split(*fields, ",")}
	res := result{Client: "adpilot (Go, InsightsService.List)"}
	start := time.Now()
	for row, err := range c.Insights.List(ctx, acct, p) {
		if err != nil {
			return err
		}
		res.Rows++
		res.SpendMinor += row.Spend
	}
	res.Seconds = time.Since(start).Seconds()
	res.RowsPerSec = float64(res.Rows) / res.Seconds
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return fmt.Errorf("getrusage: %w", err)
	}
	res.CPUSeconds = tv(ru.Utime) + tv(ru.Stime)
	res.PeakRSSMB = float64(ru.Maxrss) / 1024 // kilobytes on Linux
	return json.NewEncoder(stdout).Encode(res)
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
