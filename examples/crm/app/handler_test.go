package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/crm/internal/testdb"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/examples/crm/web"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

const evil = `x'); DROP TABLE users; -- "<script>alert(1)</script>`

// TestHandlers is the handler suite: one scenario per engine (SQLite and
// PostgreSQL) through the real HTTP stack of a demo CRM.
func TestHandlers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d store.Dialect) {
		app := startApp(t, d, startOpts{})
		waitPass := waitPasses(t, app)
		alice := app.browser()
		var pages []string // every page and JSON answer alice saw, for the leak check
		see := func(r resp) resp { pages = append(pages, r.Body); return r }

		t.Run("auth", func(t *testing.T) {
			r := alice.get("/settings")
			assert.Equal(t, http.StatusSeeOther, r.Status, "signed out: to the sign-in page")
			assert.Equal(t, "/login", r.Location)
			r = alice.post("/signup", url.Values{"email": {"alice@example.com"}, "password": {"short"}})
			assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
			assert.Contains(t, r.Body, "at least 10 characters")
			alice.signup("alice@example.com")
			r = see(alice.get("/settings"))
			require.Equal(t, http.StatusOK, r.Status)
			assert.Contains(t, r.Body, "Welcome!")
			assert.Contains(t, r.Body, `id="connect"`)
			other := app.browser()
			r = other.post("/signup", url.Values{"email": {"ALICE@example.com"}, "password": {"correct horse battery"}})
			assert.Equal(t, http.StatusConflict, r.Status, "addresses are unique")
			r = other.post("/login", url.Values{"email": {"alice@example.com"}, "password": {"wrong password!"}})
			assert.Equal(t, http.StatusUnauthorized, r.Status)
			r = other.post("/login", url.Values{"email": {"alice@example.com"}, "password": {"correct horse battery"}})
			assert.Equal(t, http.StatusSeeOther, r.Status)
			r = other.post("/logout", nil)
			assert.Equal(t, http.StatusSeeOther, r.Status)
			assert.Equal(t, http.StatusSeeOther, other.get("/settings").Status, "signed out again")
		})

		t.Run("login rate limit", func(t *testing.T) {
			b := app.browser()
			b.signup("limited@example.com")
			for i := range 5 {
				r := b.post("/login", url.Values{"email": {"limited@example.com"}, "password": {fmt.Sprintf("guess number %d", i)}})
				require.Equal(t, http.StatusUnauthorized, r.Status)
			}
			r := b.post("/login", url.Values{"email": {"limited@example.com"}, "password": {"correct horse battery"}})
			assert.Equal(t, http.StatusTooManyRequests, r.Status, "the right password is refused while limited")
			assert.Contains(t, r.Body, "Too many failed sign-ins")
			app.clock.Advance(16 * time.Minute)
			r = b.post("/login", url.Values{"email": {"limited@example.com"}, "password": {"correct horse battery"}})
			assert.Equal(t, http.StatusSeeOther, r.Status, "the window passed")
		})

		t.Run("connect", func(t *testing.T) {
			_, page := alice.connect("approve")
			see(page)
			require.Equal(t, http.StatusOK, page.Status)
			assert.Contains(t, page.Body, "Meta account connected")
			assert.Contains(t, page.Body, "state-connected")
			accts := decode[struct{ Accounts []web.AccountJSON }](t, see(alice.get("/api/accounts")))
			require.NotEmpty(t, accts.Accounts)
			ids := map[string]web.AccountJSON{}
			for _, a := range accts.Accounts {
				ids[a.ID] = a
				assert.Equal(t, web.StateConnected, a.State)
				assert.Contains(t, a.Scopes, "ads_management")
				assert.NotNil(t, a.ExpiresAt)
			}
			require.Contains(t, ids, shopAccount())
			r := see(alice.get("/api/accounts/" + shopAccount()))
			assert.Equal(t, http.StatusOK, r.Status)
			r = see(alice.get("/accounts/" + shopAccount()))
			assert.Equal(t, http.StatusOK, r.Status)
			assert.Contains(t, r.Body, metaadstestShopName(app))
		})

		t.Run("goals", func(t *testing.T) {
			acct := shopAccount()
			page := see(alice.get("/accounts/" + acct + "/goals"))
			require.Equal(t, http.StatusOK, page.Status)
			assert.Contains(t, page.Body, `id="goals-form"`)
			r := alice.post("/accounts/"+acct+"/goals", url.Values{"target_cpa": {"30,00"}, "target_roas": {"-1"}, "gross_margin": {"140"},
				"priority": {"fame"}, "conversion_event": {evil}})
			assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
			for _, msg := range []string{"is not an amount in USD: write it like 30.00", "is not a ROAS", "is not a margin",
				"is not a priority", "is not a Meta action type", `value="30,00"`, `id="target_cpa-error"`} {
				assert.Contains(t, r.Body, msg)
			}
			assert.NotContains(t, r.Body, "<script>alert(1)</script>", "the value typed is escaped")
			r = alice.post("/accounts/"+acct+"/goals", url.Values{"target_cpa": {"30"}, "gross_margin": {"50%"}, "priority": {"profit"}})
			require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
			assert.Equal(t, "/accounts/"+acct, r.Location)
			page = see(alice.follow(r))
			assert.Contains(t, page.Body, "Goals saved")
			got := decode[web.AccountJSON](t, alice.get("/api/accounts/"+acct))
			assert.Equal(t, web.GoalsJSON{Currency: "USD", TargetCPA: 3000, GrossMargin: 0.5, Priority: "profit"}, got.Goals, "minor units of the account currency")
			page = see(alice.get("/accounts/" + acct + "/goals"))
			assert.Contains(t, page.Body, `value="30.00"`, "the form shows what is saved")
			assert.Contains(t, page.Body, `value="50"`)
			// JPY has no minor unit; the API takes minor units and refuses another currency.
			tokyo := "act_" + metaadstest.DemoAccountTokyo
			r = alice.post("/accounts/"+tokyo+"/goals", url.Values{"target_cpa": {"1500.5"}})
			assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
			assert.Contains(t, r.Body, "is not an amount in JPY: write it like 30.")
			r = alice.do(http.MethodPut, "/api/accounts/"+tokyo+"/goals", strings.NewReader(`{"currency":"USD","target_cpa":1500}`), map[string]string{"Content-Type": "application/json"})
			assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
			code, _ := apiError(t, r)
			assert.Equal(t, "invalid", code)
			assert.Contains(t, r.Body, `"path":"currency"`)
			r = alice.do(http.MethodPut, "/api/accounts/"+tokyo+"/goals", strings.NewReader(`{"target_cpa":1500,"priority":"reach_efficiency"}`), map[string]string{"Content-Type": "application/json"})
			require.Equal(t, http.StatusOK, r.Status, r.Body)
			assert.Equal(t, web.GoalsJSON{Currency: "JPY", TargetCPA: 1500, Priority: "reach_efficiency"}, decode[web.GoalsJSON](t, alice.get("/api/accounts/"+tokyo+"/goals")))
			settings := see(alice.get("/settings"))
			assert.Contains(t, settings.Body, "target CPA 30.00 USD, margin 50%, priority profit")
		})

		t.Run("report page", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			waitPass(ctx, shopAccount())
			reps := decode[struct{ Reports []web.ReportJSON }](t, alice.get("/api/accounts/"+shopAccount()+"/reports"))
			require.NotEmpty(t, reps.Reports)
			page := see(alice.get(fmt.Sprintf("/reports/%d", reps.Reports[0].ID)))
			require.Equal(t, http.StatusOK, page.Status)
			assert.Contains(t, page.Body, "<table>", "the report's Markdown is rendered")
			assert.Contains(t, page.Body, "<h2>")
			assert.NotContains(t, page.Body, `\_`, "no Markdown escapes shown")
			dash := see(alice.get("/accounts/" + shopAccount()))
			assert.Contains(t, dash.Body, `id="goals"`)
			// The pass computes the signals: the planted hour-of-day pattern
			// and the over-pacing ad set are drawn.
			assert.Contains(t, dash.Body, `<svg id="heatmap"`)
			assert.Contains(t, dash.Body, `<svg id="pacing"`)
		})

		t.Run("cancel on the dialog", func(t *testing.T) {
			b := app.browser()
			b.signup("canceller@example.com")
			_, page := b.connect("cancel")
			assert.Contains(t, page.Body, "You cancelled on Meta&#39;s dialog")
			assert.Contains(t, page.Body, `id="no-accounts"`)
		})

		t.Run("state tampered, replayed, expired", func(t *testing.T) {
			b := app.browser()
			b.signup("state@example.com")
			callback, page := b.connect("approve")
			assert.Contains(t, page.Body, "Meta account connected")
			// Replay: the same callback URL again.
			page = b.follow(b.get(callback))
			assert.Contains(t, page.Body, "already used once (replayed)")
			// Tampered: flip a character of a fresh state.
			r := b.post("/settings/connect", nil)
			u, err := url.Parse(r.Location)
			require.NoError(t, err)
			st := u.Query().Get("state")
			bad := st[:len(st)-2] + flip(st[len(st)-2]) + st[len(st)-1:]
			page = b.follow(b.get("/api/meta-oauth/callback?code=x&state=" + url.QueryEscape(bad)))
			assert.Contains(t, page.Body, "invalid or tampered state")
			// Another browser session cannot complete this user's login.
			thief := app.browser()
			thief.signup("thief@example.com")
			page = thief.follow(thief.get("/api/meta-oauth/callback?code=x&state=" + url.QueryEscape(st)))
			assert.Contains(t, page.Body, "invalid or tampered state")
			// Expired: the state is older than its 10 minute TTL.
			app.clock.Advance(11 * time.Minute)
			page = b.follow(b.get("/api/meta-oauth/callback?code=x&state=" + url.QueryEscape(st)))
			assert.Contains(t, page.Body, "expired")
		})

		t.Run("csrf", func(t *testing.T) {
			routes := []string{"/settings/connect", "/settings/disconnect", "/settings/refresh", "/settings/tokens", "/logout",
				"/rules", "/accounts/" + shopAccount() + "/analyze", "/accounts/" + shopAccount() + "/goals", "/api/meta-oauth/url", "/api/meta-oauth/disconnect",
				"/api/meta-oauth/refresh", "/api/rules", "/api/service-tokens", "/signup", "/login"}
			for _, path := range routes {
				for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
					r := alice.do(http.MethodPost, path, strings.NewReader("name=x"), h)
					assert.Equal(t, http.StatusForbidden, r.Status, "%s with %v", path, h)
				}
			}
			r := alice.do(http.MethodDelete, "/api/rules/1", nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
			assert.Equal(t, http.StatusForbidden, r.Status)
			code, _ := apiError(t, r)
			assert.Equal(t, "cross_origin", code)
			// Same-origin requests pass.
			r = alice.do(http.MethodPost, "/api/meta-oauth/url", nil, map[string]string{"Sec-Fetch-Site": "same-origin"})
			assert.Equal(t, http.StatusOK, r.Status)
			// Connect is never a GET.
			assert.Equal(t, http.StatusMethodNotAllowed, alice.get("/settings/connect").Status)
			// Still connected: no cross-site request changed anything.
			accts := decode[struct{ Accounts []web.AccountJSON }](t, alice.get("/api/accounts"))
			assert.Equal(t, web.StateConnected, accts.Accounts[0].State)
		})

		var ruleSetID int64
		t.Run("rules api", func(t *testing.T) {
			r := alice.postJSON("/api/rules/validate", map[string]any{"spec": map[string]any{"rules": []any{map[string]any{"id": "r", "level": "adset",
				"conditions": map[string]any{"metric": "cpx", "window": "last_7d", "op": ">", "value": 1}, "action": map[string]any{"type": "pause"}}}}})
			assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
			code, _ := apiError(t, r)
			assert.Equal(t, "invalid_rules", code)
			assert.Contains(t, r.Body, `rules[0].conditions.metric`)
			assert.Contains(t, r.Body, `unknown metric`)
			r = alice.postJSON("/api/rules", map[string]any{"name": evil, "spec": jsonRaw(web.ExampleRules)})
			require.Equal(t, http.StatusCreated, r.Status, r.Body)
			rs := decode[web.RuleSetJSON](t, r)
			ruleSetID = rs.ID
			assert.Equal(t, evil, rs.Name, "SQL metacharacters are data")
			assert.Equal(t, 1, rs.Rules)
			page := see(alice.get("/rules"))
			assert.NotContains(t, page.Body, "<script>alert(1)</script>", "names are escaped")
			assert.Contains(t, page.Body, "&lt;script&gt;")
			r = alice.postJSON("/api/rules", map[string]any{"name": evil, "spec": jsonRaw(web.ExampleRules)})
			assert.Equal(t, http.StatusConflict, r.Status)
			r = alice.do(http.MethodPut, fmt.Sprintf("/api/rules/%d", ruleSetID), strings.NewReader(`{"name":"renamed","spec":`+web.ExampleRules+`}`), map[string]string{"Content-Type": "application/json"})
			assert.Equal(t, http.StatusOK, r.Status, r.Body)
			list := decode[struct {
				RuleSets []web.RuleSetJSON `json:"rule_sets"`
			}](t, alice.get("/api/rules"))
			require.Len(t, list.RuleSets, 1)
			assert.Equal(t, "renamed", list.RuleSets[0].Name)
			// The page form shows the engine's messages in place.
			page = alice.post("/rules", url.Values{"name": {"broken"}, "spec": {`{"rules":[{"id":"a","level":"adset","conditions":{"metric":"ctr","window":"last_7d","op":">","value":2.5},"action":{"type":"pause"}}]}`}})
			assert.Equal(t, http.StatusUnprocessableEntity, page.Status)
			assert.Contains(t, page.Body, `id="problems"`)
			assert.Contains(t, page.Body, "rules[0].conditions")
		})

		var svcToken, accessToken string
		t.Run("credentials api", func(t *testing.T) {
			accts := decode[struct{ Accounts []web.AccountJSON }](t, alice.get("/api/accounts"))
			require.GreaterOrEqual(t, len(accts.Accounts), 2)
			scoped, outside := accts.Accounts[0].ID, accts.Accounts[1].ID
			r := see(alice.postJSON("/api/service-tokens", map[string]any{"name": evil, "accounts": []string{scoped}}))
			require.Equal(t, http.StatusCreated, r.Status, r.Body)
			st := decode[web.ServiceTokenJSON](t, r)
			svcToken = st.Token
			require.True(t, strings.HasPrefix(svcToken, "adp_"))
			list := see(alice.get("/api/service-tokens"))
			assert.NotContains(t, list.Body, svcToken, "the token is shown once")

			agent := app.browser()
			auth := map[string]string{"Authorization": "Bearer " + svcToken}
			r = agent.do(http.MethodGet, "/api/agent/v1/accounts", nil, auth)
			require.Equal(t, http.StatusOK, r.Status, r.Body)
			got := decode[struct{ Accounts []web.AccountJSON }](t, r)
			require.Len(t, got.Accounts, 1, "only the accounts in scope")
			assert.Equal(t, scoped, got.Accounts[0].ID)

			r = agent.do(http.MethodPost, "/api/agent/v1/accounts/"+scoped+"/token", nil, auth)
			require.Equal(t, http.StatusOK, r.Status, r.Body)
			tok := decode[web.TokenJSON](t, r)
			accessToken = tok.AccessToken
			assert.NotEmpty(t, tok.AccessToken)
			assert.Len(t, tok.AppSecretProof, 64)
			assert.Equal(t, metaadstest.AppSecretProof(metaadstest.DefaultApp().Secret, tok.AccessToken), tok.AppSecretProof)
			assert.Equal(t, app.Fake.URL, tok.GraphBaseURL)

			r = agent.do(http.MethodPost, "/api/agent/v1/accounts/"+outside+"/token", nil, auth)
			assert.Equal(t, http.StatusForbidden, r.Status)
			code, _ := apiError(t, r)
			assert.Equal(t, "forbidden_account", code)
			for _, bad := range []string{"", "Bearer", "Bearer nonsense", "Bearer " + svcToken + "x", "Basic " + svcToken} {
				r = agent.do(http.MethodPost, "/api/agent/v1/accounts/"+scoped+"/token", nil, map[string]string{"Authorization": bad})
				assert.Equal(t, http.StatusUnauthorized, r.Status, "%q", bad)
			}
			// The agent API ignores session cookies.
			r = alice.do(http.MethodPost, "/api/agent/v1/accounts/"+scoped+"/token", nil, nil)
			assert.Equal(t, http.StatusUnauthorized, r.Status)

			// Meta says 190: the token expired. A report marks the account.
			require.NoError(t, app.Fake.ExpireToken(accessToken))
			r = agent.do(http.MethodPost, "/api/agent/v1/accounts/"+scoped+"/report-190", strings.NewReader(`{"code":190,"subcode":463}`), auth)
			require.Equal(t, http.StatusOK, r.Status, r.Body)
			assert.Contains(t, r.Body, `"state":"needs_reconnect"`)
			r = agent.do(http.MethodPost, "/api/agent/v1/accounts/"+scoped+"/token", nil, auth)
			assert.Equal(t, http.StatusConflict, r.Status, r.Body)
			code, _ = apiError(t, r)
			assert.Equal(t, "needs_reconnect", code)
			page := see(alice.get("/settings"))
			assert.Contains(t, page.Body, "needs reconnect")
			// Every use is audited.
			audit := see(alice.get("/api/audit"))
			for _, action := range []string{"token.issue", "account.report_190", "accounts.list"} {
				assert.Contains(t, audit.Body, action)
			}
			assert.Contains(t, audit.Body, `"outcome":"denied"`)
			// Reconnect, then revoke: the service token stops working.
			_, page = alice.connect("approve")
			see(page)
			assert.Contains(t, page.Body, "state-connected")
			r = agent.do(http.MethodPost, "/api/agent/v1/accounts/"+scoped+"/token", nil, auth)
			require.Equal(t, http.StatusOK, r.Status, r.Body)
			accessToken = decode[web.TokenJSON](t, r).AccessToken
			r = see(alice.postJSON("/api/service-tokens/"+st.ID+"/revoke", nil))
			assert.Equal(t, http.StatusOK, r.Status)
			r = agent.do(http.MethodPost, "/api/agent/v1/accounts/"+scoped+"/token", nil, auth)
			assert.Equal(t, http.StatusUnauthorized, r.Status)
		})

		t.Run("isolation", func(t *testing.T) {
			bob := app.browser()
			bob.signup("bob@example.com")
			acct := shopAccount()
			for _, path := range []string{"/api/accounts/" + acct, "/api/accounts/" + acct + "/campaigns/stats", "/api/accounts/" + acct + "/reports",
				"/accounts/" + acct, "/accounts/" + acct + "/goals", "/api/accounts/" + acct + "/goals", fmt.Sprintf("/api/rules/%d", ruleSetID), fmt.Sprintf("/rules/%d", ruleSetID), "/reports/1", "/api/reports/1"} {
				r := bob.get(path)
				assert.Equal(t, http.StatusNotFound, r.Status, "GET %s", path)
				assert.NotContains(t, r.Body, "renamed", path)
			}
			for _, path := range []string{"/api/accounts/" + acct + "/analyze", fmt.Sprintf("/api/rules/%d/dry-run?account=%s", ruleSetID, acct),
				fmt.Sprintf("/api/rules/%d/apply?account=%s", ruleSetID, acct), fmt.Sprintf("/rules/%d/delete", ruleSetID), fmt.Sprintf("/rules/%d/run", ruleSetID),
				"/accounts/" + acct + "/analyze", "/accounts/" + acct + "/goals"} {
				r := bob.post(path, url.Values{"account": {acct}, "target_cpa": {"1"}})
				assert.Equal(t, http.StatusNotFound, r.Status, "POST %s: %s", path, r.Body)
			}
			r := bob.do(http.MethodDelete, fmt.Sprintf("/api/rules/%d", ruleSetID), nil, nil)
			assert.Equal(t, http.StatusNotFound, r.Status)
			r = bob.do(http.MethodPut, "/api/accounts/"+acct+"/goals", strings.NewReader(`{"target_cpa":1}`), map[string]string{"Content-Type": "application/json"})
			assert.Equal(t, http.StatusNotFound, r.Status)
			assert.Equal(t, int64(3000), decode[web.AccountJSON](t, alice.get("/api/accounts/"+acct)).Goals.TargetCPA, "alice's goals are intact")
			r = bob.postJSON("/api/service-tokens", map[string]any{"name": "steal", "accounts": []string{acct}})
			assert.Equal(t, http.StatusBadRequest, r.Status, "a token only for one's own accounts")
			accts := decode[struct{ Accounts []web.AccountJSON }](t, bob.get("/api/accounts"))
			assert.Empty(t, accts.Accounts)
			// Alice's rule set is intact.
			assert.Equal(t, http.StatusOK, alice.get(fmt.Sprintf("/api/rules/%d", ruleSetID)).Status)
		})

		t.Run("disconnect", func(t *testing.T) {
			r := see(alice.follow(alice.post("/settings/disconnect", nil)))
			assert.Contains(t, r.Body, "Disconnected from Meta")
			assert.Contains(t, r.Body, "state-disconnected")
			r = alice.postJSON("/api/meta-oauth/disconnect", nil)
			assert.Equal(t, http.StatusNotFound, r.Status, r.Body)
			code, _ := apiError(t, r)
			assert.Equal(t, "not_connected", code)
		})

		t.Run("tokens never leak", func(t *testing.T) {
			require.NotEmpty(t, accessToken)
			for i, p := range pages {
				assert.NotContains(t, p, accessToken, "page %d", i)
			}
			assert.NotContains(t, app.logs.String(), accessToken, "logs")
			assert.NotContains(t, app.logs.String(), svcToken, "logs")
			assert.NotContains(t, app.logs.String(), svcToken[len(svcToken)-20:], "logs")
			for _, leak := range dbContains(t, app.DB, accessToken, svcToken[len(svcToken)-43:]) {
				t.Errorf("database row holds a secret: %s", leak)
			}
		})
	})
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

type jsonRaw string

func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }

func metaadstestShopName(app *testApp) string {
	a, _ := app.Fake.Account(metaadstest.DemoAccountShop)
	return a.Name
}
