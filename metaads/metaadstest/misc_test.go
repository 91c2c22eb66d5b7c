package metaadstest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPermissionsEndpoints(t *testing.T) {
	srv, _, tok := newDemo(t)
	r := get(t, srv, "/me/permissions", tok)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Len(t, r.Body["data"].([]any), 3)
	assert.Equal(t, "granted", r.Body["data"].([]any)[0].(map[string]any)["status"])

	r = do(t, http.MethodDelete, srv.URL+"/v26.0/me/permissions/ads_management", tok, nil)
	require.Equal(t, 200, r.Status, r.Raw)
	r = get(t, srv, "/me/permissions", tok)
	assert.Len(t, r.Body["data"].([]any), 2)
	// Without ads_management, writes fail with 294; reads still work.
	code, _ := errCode(do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverlapSetA, tok, url.Values{"status": {"PAUSED"}}))
	assert.Equal(t, 294, code)
	assert.Equal(t, 200, get(t, srv, "/"+DemoOverlapSetA, tok).Status)
}

func TestDebugTokenErrors(t *testing.T) {
	srv, _, tok := newDemo(t)
	code, _ := errCode(get(t, srv, "/debug_token", srv.AppToken()))
	assert.Equal(t, 100, code)
	// A user token may inspect itself; an unknown input token is 190.
	r := get(t, srv, "/debug_token?input_token="+url.QueryEscape(tok), tok)
	assert.Equal(t, 200, r.Status, r.Raw)
	code, _ = errCode(get(t, srv, "/debug_token?input_token=nope", tok))
	assert.Equal(t, 190, code)
	r = get(t, srv, "/debug_token?input_token=nope", srv.AppToken())
	d := r.Body["data"].(map[string]any)
	assert.Equal(t, false, d["is_valid"])
	// App tokens debug as APP; system-user tokens never expire.
	sys, err := srv.IssueToken(TokenSpec{UserID: DemoUserID, SystemUser: true})
	require.NoError(t, err)
	d = get(t, srv, "/debug_token?input_token="+url.QueryEscape(sys), srv.AppToken()).Body["data"].(map[string]any)
	assert.Equal(t, "SYSTEM_USER", d["type"])
	assert.Equal(t, float64(0), d["expires_at"])
	assert.Equal(t, float64(0), d["data_access_expires_at"])
	d = get(t, srv, "/debug_token?input_token="+url.QueryEscape(srv.AppToken()), srv.AppToken()).Body["data"].(map[string]any)
	assert.Equal(t, "APP", d["type"])
	assert.Equal(t, true, d["is_valid"])
}

func TestAppUsageThrottleAndUnversionedBatch(t *testing.T) {
	srv, _, tok := newDemo(t, WithRateLimits(RateLimits{App: 2}))
	assert.Equal(t, 200, get(t, srv, "/me", tok).Status)
	assert.Equal(t, 200, get(t, srv, "/me", tok).Status)
	r := get(t, srv, "/me", tok)
	code, _ := errCode(r)
	assert.Equal(t, 4, code, r.Raw)
	var app map[string]int
	require.NoError(t, json.Unmarshal([]byte(r.Header.Get("X-App-Usage")), &app))
	assert.Equal(t, 100, app["call_count"])

	srv2, _, tok2 := newDemo(t)
	b, _ := json.Marshal([]map[string]string{{"method": "GET", "relative_url": "me"}})
	r = do(t, http.MethodPost, srv2.URL+"/", tok2, url.Values{"batch": {string(b)}})
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Contains(t, r.Raw, DemoUserID)
}

func TestDialogVersionAndCodeExpiry(t *testing.T) {
	clk := &fixedClock{t: testNow}
	srv := Start(t, WithDemoBusiness(), WithClock(clk.now), WithAutoApprove(), WithTokenLifetimes(time.Hour, 24*time.Hour))
	q := url.Values{"client_id": {DefaultApp().ID}, "redirect_uri": {redirect}}
	res, err := noRedirect.Get(srv.URL + "/v20.0/dialog/oauth?" + q.Encode())
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 400, res.StatusCode)

	res, err = noRedirect.Get(srv.URL + "/v26.0/dialog/oauth?" + q.Encode())
	require.NoError(t, err)
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	code := loc.Query().Get("code")
	clk.advance(11 * time.Minute)
	r := exchange(t, srv, url.Values{"code": {code}, "redirect_uri": {redirect}})
	c, _ := errCode(r)
	assert.Equal(t, 100, c, "codes are short-lived")

	res, err = noRedirect.Get(srv.URL + "/v26.0/dialog/oauth?" + q.Encode())
	require.NoError(t, err)
	res.Body.Close()
	loc, _ = url.Parse(res.Header.Get("Location"))
	r = exchange(t, srv, url.Values{"code": {loc.Query().Get("code")}, "redirect_uri": {redirect}})
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, float64(3600), r.Body["expires_in"])
	r = exchange(t, srv, url.Values{"grant_type": {"fb_exchange_token"}, "fb_exchange_token": {r.Body["access_token"].(string)}})
	assert.Equal(t, float64(86400), r.Body["expires_in"])
	r = exchange(t, srv, url.Values{"grant_type": {"password"}})
	c, _ = errCode(r)
	assert.Equal(t, 100, c)
}

func TestSeedValidation(t *testing.T) {
	srv := Start(t)
	for name, sc := range map[string]Scenario{
		"account id":    {Accounts: []Account{{ID: "x1"}}},
		"currency":      {Accounts: []Account{{Currency: "DOLLAR"}}},
		"zone":          {Accounts: []Account{{TimezoneName: "Mars/Base"}}},
		"effect":        {Accounts: []Account{{HourOfDayEffect: 2}}},
		"campaign acct": {Campaigns: []Campaign{{AccountID: "404"}}},
		"adset camp":    {AdSets: []AdSet{{CampaignID: "404"}}},
		"ad set":        {Ads: []Ad{{AdSetID: "404"}}},
		"creative":      {Creatives: []Creative{{AccountID: "404"}}},
		"user":          {Users: []User{{ID: "abc"}}},
	} {
		_, err := srv.Seed(sc)
		assert.Error(t, err, name)
	}
	a, err := srv.AddAccount(Account{ID: "act_55"})
	require.NoError(t, err)
	_, err = srv.AddAccount(Account{ID: "55"})
	assert.Error(t, err, "duplicate")
	c, err := srv.AddCampaign(Campaign{AccountID: a.ID, Status: "PAUSED"})
	require.NoError(t, err)
	_, err = srv.AddCampaign(Campaign{AccountID: a.ID, Status: "RUNNING"})
	assert.Error(t, err)
	_, err = srv.AddAdSet(AdSet{CampaignID: c.ID})
	assert.Error(t, err, "no budget")
	_, err = srv.AddAdSet(AdSet{CampaignID: c.ID, LifetimeBudget: 1000})
	assert.Error(t, err, "lifetime without end")
	s, err := srv.AddAdSet(AdSet{CampaignID: c.ID, DailyBudget: 1000})
	require.NoError(t, err)
	_, err = srv.AddAd(Ad{AdSetID: s.ID, CreativeID: "404"})
	assert.Error(t, err)
	cr, err := srv.AddCreative(Creative{AccountID: a.ID, Video: true})
	require.NoError(t, err)
	ad, err := srv.AddAd(Ad{AdSetID: s.ID, CreativeID: cr.ID})
	require.NoError(t, err)
	assert.Equal(t, c.ID, ad.CampaignID)
	assert.Equal(t, "55", ad.AccountID)
	_, err = ScaleScenario(testNow, "1", 0, 1, 1, 1)
	assert.Error(t, err)
	_, err = ScaleScenario(testNow, "x", 1, 1, 1, 1)
	assert.Error(t, err)
}

func TestCampaignBudgetLifetimeBudgetAndDeletedObjects(t *testing.T) {
	clk := &fixedClock{t: testNow}
	srv := Start(t, WithClock(clk.now))
	start := testNow.AddDate(0, 0, -20)
	sc, err := srv.Seed(Scenario{
		Users:     []User{{ID: "7", AdAccounts: []string{"900"}}},
		Accounts:  []Account{{ID: "900", CreatedTime: start}},
		Campaigns: []Campaign{{ID: "1", AccountID: "900", DailyBudget: 10000}, {ID: "2", AccountID: "900"}},
		AdSets: []AdSet{{ID: "11", CampaignID: "1"}, {ID: "12", CampaignID: "1"},
			{ID: "21", CampaignID: "2", LifetimeBudget: 300000, EndTime: testNow.AddDate(0, 0, 10)}},
		Ads: []Ad{{ID: "111", AdSetID: "11"}, {ID: "121", AdSetID: "12"}, {ID: "211", AdSetID: "21"}},
	})
	require.NoError(t, err)
	require.Len(t, sc.Ads, 3)
	tok, err := srv.IssueToken(TokenSpec{UserID: "7"})
	require.NoError(t, err)
	q := url.Values{"level": {"campaign"}, "fields": {"campaign_id,spend"}, "date_preset": {"last_7d"}}
	rows := insights(t, srv, tok, "act_900", q)
	require.Len(t, rows, 2)
	assert.InDelta(t, 7*100*0.92, rows[0].num(t, "spend"), 7*100*0.08, "campaign budget")
	assert.InDelta(t, 7*3000/30.0*0.92, rows[1].num(t, "spend"), 7*3000/30.0*0.1, "lifetime budget over its flight")

	// Delete both ad sets of the campaign-budget campaign: history stays finite.
	for _, id := range []string{"11", "12"} {
		r := do(t, http.MethodDelete, srv.URL+"/v26.0/"+id, tok, nil)
		require.Equal(t, 200, r.Status, r.Raw)
	}
	clk.advance(48 * time.Hour)
	rows = insights(t, srv, tok, "act_900", url.Values{"level": {"adset"}, "fields": {"adset_id,spend"}, "date_preset": {"last_30d"}})
	for _, r := range rows {
		assert.Less(t, r.num(t, "spend"), 1e6, r["adset_id"])
	}
	// The deleted ad sets are hidden from the edge but readable by id.
	r := get(t, srv, "/act_900/adsets", tok)
	assert.Len(t, r.Body["data"].([]any), 1)
	r = get(t, srv, "/11?fields=status", tok)
	assert.Equal(t, "DELETED", r.Body["status"])
}
