package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
)

func TestRunPullsEveryRow(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	srv := metaadstest.Start(t, metaadstest.WithClock(func() time.Time { return now }),
		metaadstest.WithScaleBusiness(metaadstest.Scale{AdsPerAccount: 30, Days: 10}), metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
	tok, err := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	args := []string{"-url", srv.URL, "-account", "act_" + metaadstest.ScaleAccountID(1), "-since", "2026-11-13", "-until", "2026-11-19", "-limit", "40", "-fields", "ad_id,spend"}
	if err := run(context.Background(), args, tok, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if r.Rows != 30*7 || r.SpendMinor <= 0 || r.CPUSeconds <= 0 || r.PeakRSSMB <= 0 || r.RowsPerSec <= 0 {
		t.Errorf("result %+v: want 210 rows, spend, CPU and RSS", r)
	}
	// The same spend as the fake's own account-level total over the range.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v26.0/act_"+metaadstest.ScaleAccountID(1)+"/insights?fields=spend&time_range="+
		url.QueryEscape(`{"since":"2026-11-13","until":"2026-11-19"}`), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var total struct {
		Data []struct {
			Spend json.Number `json:"spend"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&total); err != nil || len(total.Data) != 1 {
		t.Fatalf("account total: %v %+v", err, total)
	}
	if want, _ := total.Data[0].Spend.Float64(); math.Round(want*100) != float64(r.SpendMinor) {
		t.Errorf("spend %d cents, the account total is %s", r.SpendMinor, total.Data[0].Spend)
	}
	if err := run(context.Background(), args, "", io.Discard, io.Discard); err == nil {
		t.Error("no token: want an error")
	}
	if err := run(context.Background(), []string{"-account", "x"}, tok, io.Discard, io.Discard); err == nil {
		t.Error("bad account: want an error")
	}
}
