package metaadstest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The shapes Meta's own SDKs send and expect (issue: Meta's SDKs must work
// against the fake unchanged).

// follow pages through a list by requesting each paging.next exactly as
// given, with no Authorization header, as Meta's SDK cursors do. It returns
// the ids in order and every next link seen.
func follow(t *testing.T, first string) (ids []string, links []string) {
	t.Helper()
	u := first
	for range 500 {
		r := do(t, http.MethodGet, u, "", nil)
		require.Equal(t, 200, r.Status, "%s: %s", u, r.Raw)
		for _, it := range r.Body["data"].([]any) {
			m := it.(map[string]any)
			id, _ := m["id"].(string)
			if id == "" { // insights rows have no id
				id = m["ad_id"].(string) + "@" + m["date_start"].(string)
			}
			ids = append(ids, id)
		}
		paging, _ := r.Body["paging"].(map[string]any)
		next, _ := paging["next"].(string)
		if next == "" {
			return ids, links
		}
		links = append(links, next)
		u = next
	}
	t.Fatal("paging did not end")
	return nil, nil
}

func TestPagingLinksRepeatAQueryToken(t *testing.T) {
	srv, _, tok := newDemo(t)
	var want []string
	for _, c := range srv.Objects().Campaigns {
		if c.AccountID == DemoAccountShop {
			want = append(want, c.ID)
		}
	}
	require.Greater(t, len(want), 2)

	base := srv.URL + "/v26.0/act_" + DemoAccountShop + "/campaigns?limit=1&fields=name&access_token=" + url.QueryEscape(tok)
	ids, links := follow(t, base)
	assert.Equal(t, want, ids, "every campaign once, in order, at limit=1 through the links alone")
	require.Len(t, links, len(want)-1)
	for _, l := range links {
		u, err := url.Parse(l)
		require.NoError(t, err)
		assert.Equal(t, tok, u.Query().Get("access_token"), "a query token is repeated in %s", l)
		assert.Equal(t, "name", u.Query().Get("fields"))
	}

	// previous repeats it too.
	r := do(t, http.MethodGet, links[0], "", nil)
	prev := r.Body["paging"].(map[string]any)["previous"].(string)
	assert.Contains(t, prev, "access_token="+url.QueryEscape(tok))
	r = do(t, http.MethodGet, prev, "", nil)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, want[0], r.Body["data"].([]any)[0].(map[string]any)["id"])

	// Insights links too: ad-level daily rows over many pages.
	q := url.Values{"level": {"ad"}, "time_increment": {"1"}, "date_preset": {"last_7d"}, "fields": {"ad_id,spend"}, "limit": {"10"}, "access_token": {tok}}
	rows, links := follow(t, srv.URL+"/v26.0/act_"+DemoAccountShop+"/insights?"+q.Encode())
	q.Set("limit", "5000")
	all := do(t, http.MethodGet, srv.URL+"/v26.0/act_"+DemoAccountShop+"/insights?"+q.Encode(), "", nil)
	require.Equal(t, 200, all.Status, all.Raw)
	assert.Len(t, rows, len(all.Body["data"].([]any)), "paged rows equal one big page")
	assert.Greater(t, len(links), 5)
}

func TestPagingLinksCarryNoSecretWithHeaderAuth(t *testing.T) {
	app := DefaultApp()
	app.RequireAppSecretProof = true
	srv := Start(t, WithDemoBusiness(), WithClock((&fixedClock{t: testNow}).now), WithApp(app))
	tok, err := srv.IssueToken(TokenSpec{UserID: DemoUserID})
	require.NoError(t, err)
	proof := AppSecretProof(app.Secret, tok)

	// Token in the header, proof in the query: no secret in the links.
	r := get(t, srv, "/act_"+DemoAccountShop+"/campaigns?limit=1&appsecret_proof="+proof, tok)
	require.Equal(t, 200, r.Status, r.Raw)
	next := r.Body["paging"].(map[string]any)["next"].(string)
	assert.NotContains(t, next, "access_token")
	assert.NotContains(t, next, "appsecret_proof")
	assert.NotContains(t, next, tok)

	// Token and proof in the query: both are repeated, and the link works
	// as it is under "Require App Secret".
	r = do(t, http.MethodGet, srv.URL+"/v26.0/act_"+DemoAccountShop+"/campaigns?limit=1&access_token="+url.QueryEscape(tok)+"&appsecret_proof="+proof, "", nil)
	require.Equal(t, 200, r.Status, r.Raw)
	next = r.Body["paging"].(map[string]any)["next"].(string)
	u, _ := url.Parse(next)
	assert.Equal(t, proof, u.Query().Get("appsecret_proof"))
	r = do(t, http.MethodGet, next, "", nil)
	assert.Equal(t, 200, r.Status, r.Raw)

	// With appsecret_time (proof of token|time), the link repeats the time
	// too, and it works; by header, neither appears.
	ts := strconv.FormatInt(testNow.Unix(), 10)
	tproof := AppSecretProof(app.Secret, tok+"|"+ts)
	r = do(t, http.MethodGet, srv.URL+"/v26.0/act_"+DemoAccountShop+"/campaigns?limit=1&access_token="+url.QueryEscape(tok)+"&appsecret_time="+ts+"&appsecret_proof="+tproof, "", nil)
	require.Equal(t, 200, r.Status, r.Raw)
	next = r.Body["paging"].(map[string]any)["next"].(string)
	u, _ = url.Parse(next)
	assert.Equal(t, ts, u.Query().Get("appsecret_time"))
	assert.Equal(t, tproof, u.Query().Get("appsecret_proof"))
	r = do(t, http.MethodGet, next, "", nil)
	assert.Equal(t, 200, r.Status, r.Raw)
	r = get(t, srv, "/act_"+DemoAccountShop+"/campaigns?limit=1&appsecret_time="+ts+"&appsecret_proof="+tproof, tok)
	require.Equal(t, 200, r.Status, r.Raw)
	next = r.Body["paging"].(map[string]any)["next"].(string)
	assert.NotContains(t, next, "appsecret_time")
	assert.NotContains(t, next, tproof)

	for _, rr := range srv.Requests() {
		for _, v := range rr.Params {
			for _, s := range v {
				assert.NotContains(t, s, tok, "recorded requests stay redacted")
			}
		}
	}
}

func TestBatchAtVersionRoot(t *testing.T) {
	srv, _, tok := newDemo(t)
	items := []map[string]any{
		{"method": "GET", "relative_url": DemoOverlapSetA + "/?fields=name"},
		{"method": "GET", "relative_url": "v26.0/" + DemoOverlapSetB + "/?fields=name"},
		{"method": "GET", "relative_url": "act_" + DemoAccountShop + "/campaigns/?limit=2&fields=name"},
		{"method": "GET", "relative_url": DemoOverlapSetA + "?fields=[\"name\",\"daily_budget\"]"},
	}
	b, _ := json.Marshal(items)
	check := func(t *testing.T, raw string) {
		t.Helper()
		var out []batchResult
		require.NoError(t, json.Unmarshal([]byte(raw), &out), raw)
		require.Len(t, out, len(items))
		for i, o := range out {
			assert.Equal(t, 200, o.Code, "item %d: %s", i, o.Body)
		}
		assert.Contains(t, out[0].Body, `"name":"Interests: Running"`)
		assert.Contains(t, out[1].Body, `"name":"Interests: Marathon"`)
		assert.Contains(t, out[2].Body, `"paging"`)
		assert.Contains(t, out[3].Body, `"daily_budget":"8000"`)
	}
	for _, path := range []string{"/v26.0", "/v26.0/", "/"} {
		t.Run("form "+path, func(t *testing.T) {
			r := do(t, http.MethodPost, srv.URL+path, tok, url.Values{"batch": {string(b)}})
			require.Equal(t, 200, r.Status, r.Raw)
			check(t, r.Raw)
		})
	}
	// Meta's Node SDK: a JSON body with batch as an array, the token in the
	// query string of POST /v26.0.
	body, _ := json.Marshal(map[string]any{"batch": items})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v26.0?access_token="+url.QueryEscape(tok), strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var raw json.RawMessage
	require.NoError(t, json.NewDecoder(res.Body).Decode(&raw))
	require.Equal(t, 200, res.StatusCode, string(raw))
	check(t, string(raw))

	// GET /v26.0?ids= is the multi-id read, with or without the slash.
	for _, path := range []string{"/v26.0?ids=", "/v26.0/?ids="} {
		r := do(t, http.MethodGet, srv.URL+path+DemoOverlapSetA+","+DemoOverlapSetB+"&fields=name", tok, nil)
		require.Equal(t, 200, r.Status, r.Raw)
		assert.Equal(t, "Interests: Marathon", r.Body[DemoOverlapSetB].(map[string]any)["name"])
	}
}

func TestTrailingSlashIsTheSameNode(t *testing.T) {
	srv, _, tok := newDemo(t)
	for _, c := range []struct{ path, query string }{
		{"/" + DemoOverlapSetA, "?fields=name"},
		{"/act_" + DemoAccountShop + "/campaigns", "?fields=name&limit=2"},
		{"/act_" + DemoAccountShop + "/insights", "?fields=spend&date_preset=last_7d"},
	} {
		plain := get(t, srv, c.path+c.query, tok)
		require.Equal(t, 200, plain.Status, plain.Raw)
		slash := get(t, srv, c.path+"/"+c.query, tok)
		require.Equal(t, 200, slash.Status, "%s/: %s", c.path, slash.Raw)
		assert.Equal(t, plain.Body["data"], slash.Body["data"], c.path)
		assert.Equal(t, plain.Body["name"], slash.Body["name"], c.path)
	}
	// Unversioned, too.
	r := do(t, http.MethodGet, srv.URL+"/"+DemoOverlapSetA+"/?fields=name", tok, nil)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, "Interests: Running", r.Body["name"])
	// A status update on {id}/.
	r = do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverlapSetA+"/", tok, url.Values{"status": {"PAUSED"}})
	require.Equal(t, 200, r.Status, r.Raw)
	set, _ := srv.AdSet(DemoOverlapSetA)
	assert.Equal(t, "PAUSED", set.Status)
}

func TestAuthIsCheckedBeforeRouting(t *testing.T) {
	srv, _, tok := newDemo(t)
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/v26.0/a/b/c/d"},
		{http.MethodGet, "/v26.0/" + DemoOverlapSetA + "/no_such_edge/x"},
		{http.MethodPut, "/v26.0/me"},
		{http.MethodGet, "/v26.0/" + DemoOverlapSetA + "/"},
		{http.MethodPost, "/v26.0"},
		{http.MethodGet, "/v20.0/me"},
		{http.MethodGet, "/v99.0/me"},
	} {
		r := do(t, c.method, srv.URL+c.path, "not-a-token", nil)
		code, _ := errCode(r)
		assert.Equal(t, 190, code, "%s %s: %s", c.method, c.path, r.Raw)
		r = do(t, c.method, srv.URL+c.path, "", nil)
		code, _ = errCode(r)
		assert.Equal(t, 104, code, "%s %s without a token: %s", c.method, c.path, r.Raw)
	}
	// With a good token the routing errors are what they were.
	code, _ := errCode(get(t, srv, "/a/b/c/d", tok))
	assert.Equal(t, 2500, code)
	code, _ = errCode(do(t, http.MethodGet, srv.URL+"/v20.0/me", tok, nil))
	assert.Equal(t, 2635, code)
}

func TestListParamsAcceptJSONArrays(t *testing.T) {
	srv, _, tok := newDemo(t)
	esc := url.QueryEscape
	// Node reads.
	comma := get(t, srv, "/"+DemoOverlapSetA+"?fields=name,daily_budget", tok)
	arr := get(t, srv, "/"+DemoOverlapSetA+"?fields="+esc(`["name","daily_budget"]`), tok)
	require.Equal(t, 200, arr.Status, arr.Raw)
	assert.Equal(t, comma.Body, arr.Body)
	assert.Equal(t, "8000", arr.Body["daily_budget"])

	// Edges, with effective_status as a JSON array.
	comma = get(t, srv, "/act_"+DemoAccountShop+"/adsets?fields=name,status&effective_status=ACTIVE,PAUSED", tok)
	arr = get(t, srv, "/act_"+DemoAccountShop+"/adsets?fields="+esc(`["name","status"]`)+"&effective_status="+esc(`["ACTIVE","PAUSED"]`), tok)
	require.Equal(t, 200, arr.Status, arr.Raw)
	assert.Equal(t, comma.Body["data"], arr.Body["data"])
	assert.NotEmpty(t, arr.Body["data"])

	// ids as JSON numbers keep every digit.
	r := get(t, srv, "/?ids="+esc("["+DemoOverlapSetA+","+DemoOverlapSetB+"]")+"&fields="+esc(`["name"]`), tok)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Contains(t, r.Body, DemoOverlapSetA)
	assert.Contains(t, r.Body, DemoOverlapSetB)

	// Insights: fields, breakdowns, sort and windows as JSON arrays.
	base := "/act_" + DemoAccountShop + "/insights?date_preset=last_7d&level=campaign"
	comma = get(t, srv, base+"&fields=campaign_id,spend,actions&breakdowns=age,gender&sort=spend_descending&action_attribution_windows=7d_click,1d_view&action_breakdowns=action_type", tok)
	arr = get(t, srv, base+"&fields="+esc(`["campaign_id","spend","actions"]`)+"&breakdowns="+esc(`["age","gender"]`)+
		"&sort="+esc(`["spend_descending"]`)+"&action_attribution_windows="+esc(`["7d_click","1d_view"]`)+"&action_breakdowns="+esc(`["action_type"]`), tok)
	require.Equal(t, 200, comma.Status, comma.Raw)
	require.Equal(t, 200, arr.Status, arr.Raw)
	assert.Equal(t, comma.Body["data"], arr.Body["data"])
	assert.NotEmpty(t, arr.Body["data"])

	// A malformed array is an error naming the field, not a silent match.
	r = get(t, srv, "/"+DemoOverlapSetA+"?fields="+esc(`["name",`), tok)
	code, _ := errCode(r)
	assert.Equal(t, 100, code, r.Raw)
}

func TestParseFields(t *testing.T) {
	for in, want := range map[string][]string{
		"a,b":                  {"a", "b"},
		" a , ,b ":             {"a", "b"},
		`["a","b"]`:            {"a", "b"},
		`[120200000000000001]`: {"120200000000000001"},
		`[]`:                   nil,
		"":                     nil,
	} {
		assert.Equal(t, want, parseFields(in), "%q", in)
	}
}

// Meta's Node SDK posts the object's own id with every update
// (AbstractCrudObject.update sends exportData(), which holds it).
func TestUpdateAcceptsTheNodesOwnID(t *testing.T) {
	srv, _, tok := newDemo(t)
	r := do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverlapSetA, tok, url.Values{"id": {DemoOverlapSetA}, "name": {"Runners"}})
	require.Equal(t, 200, r.Status, r.Raw)
	set, _ := srv.AdSet(DemoOverlapSetA)
	assert.Equal(t, "Runners", set.Name)

	r = do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverlapSetA, tok, url.Values{"id": {DemoOverlapSetB}, "name": {"Other"}})
	code, _ := errCode(r)
	assert.Equal(t, 100, code, r.Raw)
	assert.Contains(t, r.Raw, "does not name the node")
	r = do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverlapSetA, tok, url.Values{"id": {DemoOverlapSetA}})
	code, _ = errCode(r)
	assert.Equal(t, 100, code, "an id alone changes nothing: %s", r.Raw)
}
