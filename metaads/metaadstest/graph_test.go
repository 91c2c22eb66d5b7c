package metaadstest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenErrors(t *testing.T) {
	srv, clk, tok := newDemo(t)
	r := get(t, srv, "/me", "")
	code, _ := errCode(r)
	assert.Equal(t, 104, code, r.Raw)

	r = get(t, srv, "/me", "garbage")
	code, sub := errCode(r)
	assert.Equal(t, 190, code)
	assert.Equal(t, 0, sub)
	assert.Equal(t, 400, r.Status)
	assert.Contains(t, r.Header.Get("WWW-Authenticate"), "invalid_token")

	short, err := srv.IssueToken(TokenSpec{UserID: DemoUserID, TTL: time.Hour})
	require.NoError(t, err)
	require.Equal(t, 200, get(t, srv, "/me", short).Status)
	clk.advance(2 * time.Hour)
	code, sub = errCode(get(t, srv, "/me", short))
	assert.Equal(t, [2]int{190, 463}, [2]int{code, sub})

	require.NoError(t, srv.RevokeToken(tok))
	code, sub = errCode(get(t, srv, "/me", tok))
	assert.Equal(t, [2]int{190, 467}, [2]int{code, sub})

	tok2, _ := srv.IssueToken(TokenSpec{UserID: DemoUserID})
	require.NoError(t, srv.ExpireDataAccess(tok2))
	code, sub = errCode(get(t, srv, "/me", tok2))
	assert.Equal(t, [2]int{190, 493}, [2]int{code, sub})

	tok3, _ := srv.IssueToken(TokenSpec{UserID: DemoUserID})
	require.NoError(t, srv.ExpireToken(tok3))
	code, sub = errCode(get(t, srv, "/me", tok3))
	assert.Equal(t, [2]int{190, 463}, [2]int{code, sub})

	assert.Error(t, srv.RevokeToken("nope"))
	_, err = srv.IssueToken(TokenSpec{TTL: -1})
	assert.Error(t, err)
}

func TestTokenInQueryParamAndRecordingRedacts(t *testing.T) {
	srv, _, tok := newDemo(t)
	r := do(t, http.MethodGet, srv.URL+"/v26.0/me?access_token="+url.QueryEscape(tok), "", nil)
	require.Equal(t, 200, r.Status, r.Raw)
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	last := reqs[len(reqs)-1]
	assert.Equal(t, "query", last.TokenIn)
	assert.Equal(t, "REDACTED", last.Params.Get("access_token"))
	for _, rr := range reqs {
		for _, v := range rr.Params {
			for _, s := range v {
				assert.NotContains(t, s, tok)
			}
		}
	}
}

func TestAppSecretProof(t *testing.T) {
	app := DefaultApp()
	app.RequireAppSecretProof = true
	clk := &fixedClock{t: testNow}
	srv := Start(t, WithDemoBusiness(), WithClock(clk.now), WithApp(app))
	tok, err := srv.IssueToken(TokenSpec{UserID: DemoUserID})
	require.NoError(t, err)

	r := get(t, srv, "/me", tok)
	code, _ := errCode(r)
	assert.Equal(t, 100, code, r.Raw)
	assert.Contains(t, r.Raw, "appsecret_proof")

	r = get(t, srv, "/me?appsecret_proof=deadbeef", tok)
	assert.Contains(t, r.Raw, "Invalid appsecret_proof")

	proof := AppSecretProof(app.Secret, tok)
	r = get(t, srv, "/me?appsecret_proof="+proof, tok)
	assert.Equal(t, 200, r.Status, r.Raw)

	ts := "1795000000"
	clk.t = time.Unix(1795000000+60, 0)
	r = get(t, srv, "/me?appsecret_time="+ts+"&appsecret_proof="+AppSecretProof(app.Secret, tok+"|"+ts), tok)
	assert.Equal(t, 200, r.Status, r.Raw)
	clk.t = time.Unix(1795000000+600, 0)
	r = get(t, srv, "/me?appsecret_time="+ts+"&appsecret_proof="+AppSecretProof(app.Secret, tok+"|"+ts), tok)
	code, _ = errCode(r)
	assert.Equal(t, 100, code, "stale appsecret_time")
}

func TestVersions(t *testing.T) {
	srv, _, tok := newDemo(t)
	r := do(t, http.MethodGet, srv.URL+"/v24.0/me", tok, nil)
	code, _ := errCode(r)
	assert.Equal(t, 2635, code, r.Raw)
	r = do(t, http.MethodGet, srv.URL+"/v99.0/me", tok, nil)
	code, _ = errCode(r)
	assert.Equal(t, 100, code)
	for _, v := range []string{"v25.0", "v27.0"} {
		assert.Equal(t, 200, do(t, http.MethodGet, srv.URL+"/"+v+"/me", tok, nil).Status)
	}
	// Unversioned paths resolve to the oldest live version.
	r = do(t, http.MethodGet, srv.URL+"/me", tok, nil)
	assert.Equal(t, 200, r.Status, r.Raw)
	r = do(t, http.MethodGet, srv.URL+"/act_"+DemoAccountShop+"/campaigns", tok, nil)
	assert.Equal(t, 200, r.Status, r.Raw)
}

func TestNodeFieldsAndUnknownField(t *testing.T) {
	srv, _, tok := newDemo(t)
	r := get(t, srv, "/act_"+DemoAccountShop+"?fields=name,currency,timezone_name,amount_spent,business", tok)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, "Demo Shop US", r.Body["name"])
	assert.Equal(t, "act_"+DemoAccountShop, r.Body["id"])
	assert.Equal(t, DemoBusinessID, r.Body["business"].(map[string]any)["id"])

	r = get(t, srv, "/"+DemoOverpacingSet+"?fields=name,daily_budget,effective_status,campaign_id", tok)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, "10000", r.Body["daily_budget"])
	assert.Equal(t, "ACTIVE", r.Body["effective_status"])

	r = get(t, srv, "/"+DemoOverpacingSet+"?fields=name,bogus", tok)
	code, _ := errCode(r)
	assert.Equal(t, 100, code)
	assert.Contains(t, r.Raw, "(bogus)")
	assert.Contains(t, r.Raw, "AdSet")

	r = get(t, srv, "/999999", tok)
	code, sub := errCode(r)
	assert.Equal(t, [2]int{100, 33}, [2]int{code, sub})

	// A token without access to the account sees 100/33 too.
	other, _ := srv.IssueToken(TokenSpec{UserID: "555", AdAccounts: []string{DemoAccountLeads}})
	code, sub = errCode(get(t, srv, "/act_"+DemoAccountShop, other))
	assert.Equal(t, [2]int{100, 33}, [2]int{code, sub})
	// Missing ads_read: 278.
	noAds, _ := srv.IssueToken(TokenSpec{UserID: DemoUserID, Scopes: []string{"public_profile"}})
	code, _ = errCode(get(t, srv, "/act_"+DemoAccountShop, noAds))
	assert.Equal(t, 278, code)
}

func TestEdgesPagingFilteringSummary(t *testing.T) {
	srv, _, tok := newDemo(t)
	base := "/act_" + DemoAccountShop + "/ads?fields=id,name,effective_status&limit=3&summary=true"
	r := get(t, srv, base, tok)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, float64(14), r.Body["summary"].(map[string]any)["total_count"])
	var ids []string
	pages := 0
	for {
		pages++
		data := r.Body["data"].([]any)
		for _, d := range data {
			ids = append(ids, d.(map[string]any)["id"].(string))
		}
		paging := r.Body["paging"].(map[string]any)
		cur := paging["cursors"].(map[string]any)
		assert.NotEmpty(t, cur["after"])
		next, ok := paging["next"].(string)
		if !ok {
			break
		}
		assert.NotContains(t, next, "access_token")
		r = do(t, http.MethodGet, next, tok, nil)
		require.Equal(t, 200, r.Status, r.Raw)
	}
	assert.Equal(t, 5, pages)
	assert.Len(t, ids, 14)

	// effective_status filter.
	r = get(t, srv, "/act_"+DemoAccountShop+`/campaigns?fields=name,status&effective_status=["PAUSED"]`, tok)
	data := r.Body["data"].([]any)
	require.Len(t, data, 1, r.Raw)
	assert.Equal(t, "Brand Awareness (paused)", data[0].(map[string]any)["name"])

	// filtering on name.
	f := url.QueryEscape(`[{"field":"name","operator":"CONTAIN","value":"prospecting"}]`)
	r = get(t, srv, "/act_"+DemoAccountShop+"/campaigns?filtering="+f, tok)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Len(t, r.Body["data"].([]any), 3)
	for _, d := range r.Body["data"].([]any) {
		assert.Equal(t, []string{"id"}, keys(d.(map[string]any)))
	}

	r = get(t, srv, "/act_"+DemoAccountShop+"/campaigns?filtering=notjson", tok)
	code, _ := errCode(r)
	assert.Equal(t, 100, code)
	r = get(t, srv, "/act_"+DemoAccountShop+"/campaigns?after=@@@", tok)
	code, _ = errCode(r)
	assert.Equal(t, 2642, code)

	// Nested edges.
	r = get(t, srv, "/"+DemoOverlapSetA+"/ads", tok)
	assert.Len(t, r.Body["data"].([]any), 2)
	r = get(t, srv, "/act_"+DemoAccountShop+"/adcreatives?fields=name,object_type", tok)
	assert.Len(t, r.Body["data"].([]any), 14, r.Raw)
	r = get(t, srv, "/act_"+DemoAccountShop+"/nothing", tok)
	code, _ = errCode(r)
	assert.Equal(t, 100, code)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestUpdates(t *testing.T) {
	srv, clk, tok := newDemo(t)
	post := func(id string, form url.Values) resp {
		return do(t, http.MethodPost, srv.URL+"/v26.0/"+id, tok, form)
	}
	campID := "120200000000000001"
	r := post(campID, url.Values{"status": {"PAUSED"}})
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, true, r.Body["success"])
	c, _ := srv.Campaign(campID)
	assert.Equal(t, "PAUSED", c.Status)
	r = get(t, srv, "/"+DemoFatiguedAd+"?fields=status,effective_status", tok)
	assert.Equal(t, "ACTIVE", r.Body["status"])
	assert.Equal(t, "CAMPAIGN_PAUSED", r.Body["effective_status"])

	r = post(campID, url.Values{"status": {"RUNNING"}})
	code, _ := errCode(r)
	assert.Equal(t, 100, code)
	assert.Contains(t, r.Raw, "ACTIVE, PAUSED")

	r = post(DemoOverpacingSet, url.Values{"daily_budget": {"12.50"}})
	code, _ = errCode(r)
	assert.Equal(t, 100, code)
	assert.Contains(t, r.Raw, "blame_field_specs")

	r = post(DemoOverpacingSet, url.Values{"daily_budget": {"50"}})
	code, sub := errCode(r)
	assert.Equal(t, [2]int{100, 1885272}, [2]int{code, sub})

	r = post(DemoOverpacingSet, url.Values{"lifetime_budget": {"500000"}})
	code, _ = errCode(r)
	assert.Equal(t, 100, code)

	r = post(DemoFatiguedAd, url.Values{"daily_budget": {"5000"}})
	code, _ = errCode(r)
	assert.Equal(t, 100, code)

	for i := 0; i < 4; i++ {
		r = post(DemoOverpacingSet, url.Values{"daily_budget": {"2000" + string(rune('0'+i))}})
		require.Equal(t, 200, r.Status, r.Raw)
		clk.advance(time.Minute)
	}
	r = post(DemoOverpacingSet, url.Values{"daily_budget": {"30000"}})
	code, sub = errCode(r)
	assert.Equal(t, [2]int{613, 1487632}, [2]int{code, sub})
	s, _ := srv.AdSet(DemoOverpacingSet)
	assert.Equal(t, int64(20003), s.DailyBudget)
	clk.advance(time.Hour)
	require.Equal(t, 200, post(DemoOverpacingSet, url.Values{"daily_budget": {"30000"}}).Status)

	// Delete, then only name edits.
	r = do(t, http.MethodDelete, srv.URL+"/v26.0/"+DemoFatiguedAd, tok, nil)
	require.Equal(t, 200, r.Status, r.Raw)
	r = post(DemoFatiguedAd, url.Values{"status": {"ACTIVE"}})
	code, sub = errCode(r)
	assert.Equal(t, [2]int{100, 1487056}, [2]int{code, sub})
	require.Equal(t, 200, post(DemoFatiguedAd, url.Values{"name": {"renamed"}}).Status)

	// Writes need ads_management.
	ro, _ := srv.IssueToken(TokenSpec{UserID: DemoUserID, Scopes: []string{"ads_read"}})
	r = do(t, http.MethodPost, srv.URL+"/v26.0/"+campID, ro, url.Values{"status": {"ACTIVE"}})
	code, _ = errCode(r)
	assert.Equal(t, 294, code)

	// JSON bodies are accepted as Meta's Node SDK sends them.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v26.0/"+campID, strings.NewReader(`{"status":"ACTIVE"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)
	c, _ = srv.Campaign(campID)
	assert.Equal(t, "ACTIVE", c.Status)
}

// Field expansion as Meta's SDK users write it (fields=creative{id,name}):
// an ad's creative, ad set and campaign, in node reads and edge lists,
// comma-separated or as a JSON array; an expansion the fake does not
// serve is refused naming what it does, not as a half-split field.
func TestFieldExpansion(t *testing.T) {
	srv, _, tok := newDemo(t)
	ads := get(t, srv, "/act_"+DemoAccountShop+"/ads?limit=1&fields=name,creative{id,name},adset{name,daily_budget},campaign{name,objective}", tok)
	require.Equal(t, 200, ads.Status, ads.Raw)
	ad := ads.Body["data"].([]any)[0].(map[string]any)
	cr, set, camp := ad["creative"].(map[string]any), ad["adset"].(map[string]any), ad["campaign"].(map[string]any)
	// Each expansion holds what a read of that node by id holds.
	for _, x := range []struct {
		m      map[string]any
		fields string
	}{{cr, "name"}, {set, "name,daily_budget"}, {camp, "name,objective"}} {
		id, _ := x.m["id"].(string)
		require.NotEmpty(t, id, ad)
		node := get(t, srv, "/"+id+"?fields="+x.fields, tok)
		require.Equal(t, 200, node.Status, node.Raw)
		assert.Equal(t, node.Body, x.m)
	}
	node := get(t, srv, "/"+ad["id"].(string)+"?fields="+url.QueryEscape(`["creative{name}","adset"]`), tok)
	require.Equal(t, 200, node.Status, node.Raw)
	assert.Equal(t, cr["name"], node.Body["creative"].(map[string]any)["name"])
	assert.Equal(t, map[string]any{"id": set["id"]}, node.Body["adset"])
	r := get(t, srv, "/"+set["id"].(string)+"?fields=campaign{name}", tok)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, camp["name"], r.Body["campaign"].(map[string]any)["name"])

	r = get(t, srv, "/"+camp["id"].(string)+"?fields=name,adsets{name}", tok)
	code, _ := errCode(r)
	assert.Equal(t, 100, code)
	assert.Contains(t, r.Raw, "adsets{name}")
	assert.NotContains(t, r.Raw, "(adsets{name)")
	r = get(t, srv, "/"+ad["id"].(string)+"?fields=creative{name,bogus}", tok)
	code, _ = errCode(r)
	assert.Equal(t, 100, code)
	assert.Contains(t, r.Raw, "(bogus) on node type (AdCreative)")
}
