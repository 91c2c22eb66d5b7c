package creds

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/metaads"
)

const service = "adp_0123456789abcdef_secretsecretsecretsecretsecretsecretsecre"

// fakeCRM answers the documented credentials API (examples/crm/README.md);
// the real CRM is exercised by the agent's end-to-end test.
type fakeCRM struct {
	srv      *httptest.Server
	fetches  atomic.Int64
	reports  atomic.Int64
	mu       sync.Mutex
	expires  time.Time
	gen      int
	reported map[string]map[string]any
}

func newFakeCRM(t *testing.T) *fakeCRM {
	f := &fakeCRM{reported: map[string]map[string]any{}}
	mux := http.NewServeMux()
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+service {
				w.WriteHeader(401)
				fmt.Fprint(w, `{"error":{"code":"invalid_token","message":"the service token is invalid or revoked"}}`)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /api/agent/v1/accounts", auth(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"accounts":[{"id":"act_1","name":"Shop","currency":"USD","timezone":"America/Los_Angeles","state":"connected"},
			{"id":"act_2","name":"Leads","currency":"EUR","state":"needs_reconnect","needs_reconnect":true}]}`)
	}))
	mux.HandleFunc("POST /api/agent/v1/accounts/{account}/token", auth(func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("account") {
		case "act_2":
			w.WriteHeader(409)
			fmt.Fprint(w, `{"error":{"code":"needs_reconnect","message":"ad account act_2 needs its owner to reconnect Meta in the CRM"}}`)
			return
		case "act_3":
			w.WriteHeader(403)
			fmt.Fprint(w, `{"error":{"code":"forbidden_account","message":"this service token may not use ad account act_3"}}`)
			return
		}
		f.fetches.Add(1)
		f.mu.Lock()
		f.gen++
		exp, gen := f.expires, f.gen
		f.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"account": "act_1", "access_token": fmt.Sprintf("EAAB-%d", gen), "token_type": "bearer",
			"expires_at": exp, "appsecret_proof": "abcd", "graph_base_url": "http://graph.test", "api_version": "v26.0"})
	}))
	mux.HandleFunc("POST /api/agent/v1/accounts/{account}/report-190", auth(func(w http.ResponseWriter, r *http.Request) {
		f.reports.Add(1)
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.reported[r.PathValue("account")] = body
		f.mu.Unlock()
		fmt.Fprintf(w, `{"account":%q,"state":"needs_reconnect","confirmed":true,"message":"The account is marked: its owner must reconnect Meta in the CRM."}`, r.PathValue("account"))
	}))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestCRM(t *testing.T) {
	f := newFakeCRM(t)
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	f.expires = clk.t.Add(time.Hour)
	c, err := NewCRM(f.srv.URL+"/", service, WithClock(clk.now), WithRefreshMargin(10*time.Minute))
	require.NoError(t, err)
	ctx := context.Background()
	a1 := metaads.MustParseAccountID("act_1")

	accts, err := c.Accounts(ctx)
	require.NoError(t, err)
	require.Len(t, accts, 2)
	assert.Equal(t, Account{ID: a1, Name: "Shop", Currency: "USD", TimeZone: "America/Los_Angeles", State: "connected"}, accts[0])
	assert.True(t, accts[1].NeedsReconnect)

	// Fetched on demand, once for many concurrent users.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			tok, proof := tokenOf(t, c, "act_1")
			assert.Equal(t, "EAAB-1", tok)
			assert.Equal(t, "abcd", proof)
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, f.fetches.Load())
	ep, err := c.Endpoint(ctx, a1)
	require.NoError(t, err)
	assert.Equal(t, Endpoint{BaseURL: "http://graph.test", APIVersion: "v26.0"}, ep)

	// Cached until RefreshMargin before expiry, then fetched again.
	clk.advance(49 * time.Minute)
	tok, _ := tokenOf(t, c, "act_1")
	assert.Equal(t, "EAAB-1", tok)
	clk.advance(2 * time.Minute)
	tok, _ = tokenOf(t, c, "act_1")
	assert.Equal(t, "EAAB-2", tok)
	assert.EqualValues(t, 2, f.fetches.Load())

	// A 190 drops the cache and is reported with Meta's details.
	inv, err := c.Invalid(ctx, a1, &metaads.Error{Code: 190, Subcode: 463, FBTraceID: "trace1"})
	require.NoError(t, err)
	assert.Equal(t, Invalidation{Reported: true, Confirmed: true, State: "needs_reconnect", Message: "The account is marked: its owner must reconnect Meta in the CRM."}, inv)
	assert.Equal(t, map[string]any{"code": float64(190), "subcode": float64(463), "fbtrace_id": "trace1"}, f.reported["act_1"])
	tok, _ = tokenOf(t, c, "act_1")
	assert.Equal(t, "EAAB-3", tok, "fetched again after the report")

	// Error kinds.
	_, err = c.TokenSource(ctx, metaads.MustParseAccountID("act_2"))
	assert.ErrorIs(t, err, ErrNeedsReconnect)
	_, err = c.TokenSource(ctx, metaads.MustParseAccountID("act_3"))
	assert.ErrorIs(t, err, ErrForbidden)
	assert.Contains(t, err.Error(), "act_3")
	bad, err := NewCRM(f.srv.URL, "adp_wrong")
	require.NoError(t, err)
	_, err = bad.Accounts(ctx)
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.NotContains(t, err.Error(), "adp_wrong")
	assert.NotContains(t, fmt.Sprintf("%v %#v %s", c, c, c), "secret")

	// Unreachable: ErrUnavailable, after retries.
	down, err := NewCRM("http://127.0.0.1:1", service, WithHTTPClient(&http.Client{Timeout: time.Second}))
	require.NoError(t, err)
	_, err = down.TokenSource(ctx, a1)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.NotContains(t, err.Error(), "secret")

	for _, u := range []string{"", "crm.example.com", "ftp://x", "http://x?y=1"} {
		_, err := NewCRM(u, service)
		assert.Error(t, err, u)
	}
	_, err = NewCRM(f.srv.URL, "")
	assert.Error(t, err)
	_, err = NewCRM(f.srv.URL, "not-a-token")
	assert.ErrorContains(t, err, "adp_")
}

// TestCRMNoExpiry: a token without expires_at (a system user's) is cached
// for MaxAge.
func TestCRMNoExpiry(t *testing.T) {
	f := newFakeCRM(t)
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	c, err := NewCRM(f.srv.URL, service, WithClock(clk.now), WithMaxAge(30*time.Minute))
	require.NoError(t, err)
	tokenOf(t, c, "act_1")
	clk.advance(29 * time.Minute)
	tokenOf(t, c, "act_1")
	assert.EqualValues(t, 1, f.fetches.Load())
	clk.advance(2 * time.Minute)
	tokenOf(t, c, "act_1")
	assert.EqualValues(t, 2, f.fetches.Load())
}
