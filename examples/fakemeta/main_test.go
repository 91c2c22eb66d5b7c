package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestRunServesTheDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	readyc := make(chan ready, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", "7"}, &out, &errOut, readyc) }()
	var r ready
	select {
	case r = <-readyc:
	case err := <-done:
		t.Fatalf("run ended early: %v; stderr %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), r.url) || !strings.Contains(out.String(), "/v26.0/dialog/oauth") {
		t.Errorf("banner %q does not show the URL and the login dialog", out.String())
	}
	req, _ := http.NewRequest(http.MethodGet, r.url+"/v26.0/me/adaccounts?fields=name", nil)
	req.Header.Set("Authorization", "Bearer "+r.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "Demo Shop US") {
		t.Fatalf("got %d %s", res.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-addr", "8.8.8.8:80"}, {"-app-id", "abc"}, {"extra"}, {"-nope"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard, nil); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
}

func TestUsageSaysLoopbackOnly(t *testing.T) {
	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, io.Discard, &errOut, nil); err == nil {
		t.Fatal("-h succeeded, want flag.ErrHelp")
	}
	if !strings.Contains(errOut.String(), "loopback address only") || !strings.Contains(errOut.String(), "loopback only") {
		t.Errorf("usage does not say it binds loopback only:\n%s", errOut.String())
	}
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", "192.168.1.1:0"} {
		err := run(context.Background(), []string{"-addr", addr}, io.Discard, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("-addr %s: err = %v; want a loopback error", addr, err)
		}
	}
}

// startRun runs fakemeta with args until the test ends and returns where it
// serves.
func startRun(t *testing.T, args ...string) ready {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	readyc := make(chan ready, 1)
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), &out, &errOut, readyc) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	select {
	case r := <-readyc:
		return r
	case err := <-done:
		done <- err
		t.Fatalf("run ended early: %v; stderr %s", err, errOut.String())
	}
	return ready{}
}

func getBody(t *testing.T, r ready, path string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+r.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body), res.Header
}

func TestRunServesAScaleBusiness(t *testing.T) {
	r := startRun(t, "-accounts", "2", "-ads", "30", "-days", "4", "-rate-limits", "unthrottled")
	code, body, _ := getBody(t, r, "/v26.0/me/adaccounts?fields=name")
	if code != 200 || !strings.Contains(body, `"act_2000000000000002"`) || !strings.Contains(body, "Scale Test 1") || strings.Contains(body, "Demo Shop") {
		t.Fatalf("accounts: %d %s", code, body)
	}
	code, body, hdr := getBody(t, r, "/v24.0/act_2000000000000001/ads?limit=100&summary=true")
	if code != 200 || !strings.Contains(body, `"total_count":30`) {
		t.Fatalf("ads over v24.0: %d %s", code, body)
	}
	if hdr.Get("X-App-Usage") == "" {
		t.Error("unthrottled mode sends no X-App-Usage header")
	}
}

func TestRunRejectsBadScaleFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-rate-limits", "fast"}, {"-ads", "-1"}, {"-ads", "10", "-days", "0"}, {"-ads", "10", "-accounts", "0"},
		{"-versions", "26"}, {"-ads", "200000"},
	} {
		err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, io.Discard, nil)
		if err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
}

// fakemeta -h says how to serve 1,000,000 rows, and the command it gives
// does: 5,000 ads with a daily row on each of the 200 days before today.
func TestUsageServesAMillionRows(t *testing.T) {
	var errOut bytes.Buffer
	_ = run(context.Background(), []string{"-h"}, io.Discard, &errOut, nil)
	help := errOut.String()
	var args []string
	for line := range strings.Lines(help) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "fakemeta -"); ok {
			args = strings.Fields("-" + rest)
		}
	}
	if !strings.Contains(help, "1,000,000") || args == nil {
		t.Fatalf("fakemeta -h names no command serving 1,000,000 rows:\n%s", help)
	}
	r := startRun(t, args...)
	_, body, _ := getBody(t, r, "/v26.0/act_2000000000000001/insights?level=account&date_preset=today&fields=spend")
	var page struct {
		Data []struct {
			DateStart string `json:"date_start"`
			AdID      string `json:"ad_id"`
		} `json:"data"`
		Paging struct {
			Next string `json:"next"`
		} `json:"paging"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Data) != 1 {
		t.Fatalf("today: %s (%v)", body, err)
	}
	today, err := time.Parse(time.DateOnly, page.Data[0].DateStart) // in the account's zone
	if err != nil {
		t.Fatal(err)
	}
	for _, back := range []int{200, 1} {
		day := today.AddDate(0, 0, -back).Format(time.DateOnly)
		_, body, _ := getBody(t, r, "/v26.0/act_2000000000000001/insights?level=ad&fields=ad_id&limit=5000&time_range="+url.QueryEscape(`{"since":"`+day+`","until":"`+day+`"}`))
		page.Data, page.Paging.Next = nil, ""
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Data) != 5000 || page.Paging.Next != "" {
			t.Errorf("%s (%d days before today): %d ad rows (more: %v); want 5,000", day, back, len(page.Data), page.Paging.Next != "")
		}
	}
}
