package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/crm/app"
	"github.com/adpilot/adpilot/examples/crm/jobs"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
)

// demoCRM is the example CRM (examples/crm/app) running in this process in
// real mode against the test's fake Meta, with a fixed clock. The agent
// talks to it over HTTP only.
type demoCRM struct {
	URL string
	app *app.App
}

func startCRM(t *testing.T, fake *metaadstest.Server, now func() time.Time) *demoCRM {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	env := map[string]string{"CRM_ADDR": "127.0.0.1:0", "CRM_DATA_DIR": t.TempDir(),
		"META_APP_ID": metaadstest.DefaultApp().ID, "META_APP_SECRET": metaadstest.DefaultApp().Secret,
		"META_GRAPH_URL": fake.URL, "META_DIALOG_URL": fake.URL, "CRM_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString(key)}
	cfg, err := app.ParseConfig(nil, func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	// The CRM's own passes (one per account at connection, one per slot)
	// read a day at one level: the test waits for them (passesDone), and
	// the agent's passes are the ones under test.
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{BcryptCost: bcrypt.MinCost, Now: now,
		Collect: &analysis.CollectOptions{LookbackDays: 1, NoHourly: true, Levels: []metrics.Level{metrics.LevelCampaign}}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the CRM: %v", err)
		}
		a.Close()
	})
	return &demoCRM{URL: a.URL, app: a}
}

// passesDone waits until the CRM's own analysis passes are done: the
// fan-out its leader enqueues at start and the first pass of each account
// it enqueued when the account was connected. They read the accounts'
// insights from the fake too, so a fault the test plants for the agent
// must come after them. River's completion events say when.
func (c *demoCRM) passesDone(t *testing.T) {
	t.Helper()
	events, cancel := c.app.Jobs.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled, river.EventKindJobFailed)
	defer cancel()
	ctx, stop := context.WithTimeout(t.Context(), time.Minute)
	defer stop()
	kinds := []string{jobs.AnalyzeAllArgs{}.Kind(), jobs.AnalyzeAccountArgs{}.Kind()}
	for {
		open, err := c.app.Jobs.JobList(ctx, river.NewJobListParams().Kinds(kinds...).First(1).
			States(rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled))
		require.NoError(t, err)
		fanOut, err := c.app.Jobs.JobList(ctx, river.NewJobListParams().Kinds(kinds[0]).First(1).States(rivertype.JobStateCompleted))
		require.NoError(t, err)
		if len(open.Jobs) == 0 && len(fanOut.Jobs) == 1 {
			return
		}
		select {
		case <-events:
		case <-ctx.Done():
			t.Fatal("the CRM's own passes did not finish within a minute")
		}
	}
}

// person is someone using the CRM in a browser.
type person struct {
	t    *testing.T
	crm  *demoCRM
	fake *metaadstest.Server
	c    *http.Client
}

func (c *demoCRM) person(t *testing.T, fake *metaadstest.Server, email string) *person {
	jar, _ := cookiejar.New(nil)
	p := &person{t: t, crm: c, fake: fake, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	res := p.do("POST", c.URL+"/signup", "application/x-www-form-urlencoded", url.Values{"email": {email}, "password": {"correct horse battery"}}.Encode())
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	return p
}

func (p *person) do(method, u, ctype, body string) *http.Response {
	p.t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(p.t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := p.c.Do(req)
	require.NoError(p.t, err)
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(data))
	return res
}

var hidden = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// connect connects the Meta user's accounts: Connect, the fake's consent
// page (approving as metaUser), the callback.
func (p *person) connect(metaUser string) {
	t := p.t
	require.NoError(t, p.fake.SetLoginUser(metaUser))
	res := p.do("POST", p.crm.URL+"/settings/connect", "", "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	dialog := res.Header.Get("Location")
	page := p.do("GET", dialog, "", "")
	body, _ := io.ReadAll(page.Body)
	form := url.Values{"decision": {"approve"}}
	for _, m := range hidden.FindAllStringSubmatch(string(body), -1) {
		form.Set(m[1], strings.NewReplacer("&amp;", "&", "&#34;", `"`, "&#39;", "'").Replace(m[2]))
	}
	res = p.do("POST", dialog, "application/x-www-form-urlencoded", form.Encode())
	require.Equal(t, http.StatusFound, res.StatusCode)
	res = p.do("GET", strings.TrimSuffix(res.Header.Get("Location"), "#_=_"), "", "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/settings", strings.SplitN(res.Header.Get("Location"), "?", 2)[0], "the callback ends on the settings page")
}

// serviceToken creates a service token for the accounts.
func (p *person) serviceToken(accounts ...string) string {
	body, _ := json.Marshal(map[string]any{"name": "agent", "accounts": accounts})
	res := p.do("POST", p.crm.URL+"/api/service-tokens", "application/json", string(body))
	data, _ := io.ReadAll(res.Body)
	require.Equal(p.t, http.StatusCreated, res.StatusCode, string(data))
	var out struct {
		Token string `json:"token"`
	}
	require.NoError(p.t, json.Unmarshal(data, &out))
	require.True(p.t, strings.HasPrefix(out.Token, "adp_"))
	return out.Token
}

// agentAccounts lists the accounts a service token sees, with their state.
func agentAccounts(t *testing.T, crm *demoCRM, token string) map[string]string {
	req, _ := http.NewRequest("GET", crm.URL+"/api/agent/v1/accounts", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var out struct {
		Accounts []struct{ ID, State string } `json:"accounts"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	m := map[string]string{}
	for _, a := range out.Accounts {
		m[a.ID] = a.State
	}
	return m
}

// TestAgentWithCRM is the end-to-end proof: the CRM with two people, who
// connect their own Meta users (Alice the demo business's three accounts,
// Bob one account of his own), each creating a service token; one agent
// run with both tokens fetches every account's credentials from the CRM;
// Bob's token expires in the middle of his pass (190): the agent reports
// it and the CRM marks his account needs_reconnect while Alice's accounts
// finish (exit 3). Then --apply cuts the losing ad set's budget once,
// through a retried account and a second run. Last, the legacy file with
// the same three accounts gives the same analysis as the CRM path. The
// fake app requires appsecret_proof throughout.
func TestAgentWithCRM(t *testing.T) {
	// The clock is fixed near the real time: the tokens the CRM hands out
	// expire on the fake's clock, and the Graph client checks expiry on
	// the real one.
	at := time.Now().UTC().Truncate(time.Minute)
	// The app requires appsecret_proof: the agent sends the proofs the CRM
	// hands out with each token and never holds the app secret.
	metaApp := metaadstest.DefaultApp()
	metaApp.RequireAppSecretProof = true
	fake := demoFakeAt(t, at, metaadstest.WithApp(metaApp))
	bobAcct, err := fake.AddAccount(metaadstest.Account{ID: "3000000000000001", Name: "Bob's bakery", Currency: "EUR", TimezoneName: "Europe/Berlin"})
	require.NoError(t, err)
	camp, err := fake.AddCampaign(metaadstest.Campaign{AccountID: bobAcct.ID, Name: "Bread", Objective: "OUTCOME_SALES"})
	require.NoError(t, err)
	set, err := fake.AddAdSet(metaadstest.AdSet{CampaignID: camp.ID, Name: "Berlin", DailyBudget: 2000})
	require.NoError(t, err)
	_, err = fake.AddAd(metaadstest.Ad{AdSetID: set.ID, Name: "Croissant"})
	require.NoError(t, err)
	bobMeta, err := fake.AddUser(metaadstest.User{Name: "Bob", AdAccounts: []string{bobAcct.ID}})
	require.NoError(t, err)

	now := func() time.Time { return at }
	crm := startCRM(t, fake, now)
	alice := crm.person(t, fake, "alice@example.com")
	alice.connect(metaadstest.DemoUserID)
	bob := crm.person(t, fake, "bob@example.com")
	bob.connect(bobMeta.ID)
	shop, leads, tokyo, bakery := "act_"+metaadstest.DemoAccountShop, "act_"+metaadstest.DemoAccountLeads, "act_"+metaadstest.DemoAccountTokyo, "act_"+bobAcct.ID
	aliceTok := alice.serviceToken(shop, leads, tokyo)
	bobTok := bob.serviceToken(bakery)
	assert.Equal(t, map[string]string{bakery: "connected"}, agentAccounts(t, crm, bobTok))
	// The CRM read Bob's insights for its own first pass: the expiry
	// planted below is for the agent's pass (it was once the CRM's, which
	// marked the account itself before the agent came).
	crm.passesDone(t)

	dir := t.TempDir()
	env := map[string]string{"AGENT_SERVICE_TOKEN": aliceTok + "," + bobTok, "AGENT_CRM_URL": crm.URL}
	db := filepath.Join(dir, "agent.db")
	require.NoError(t, fake.InjectFault(metaadstest.Fault{Path: "/" + bakery + "/insights", Kind: metaadstest.FaultExpireToken, Skip: 1}))
	r := agentAt(t, at, env, "run", "--database-url", db, "--out", filepath.Join(dir, "crm"))
	require.Equal(t, ExitPartial, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	sum := readRun(t, filepath.Join(dir, "crm"))
	require.Len(t, sum.Accounts, 4)
	assert.Equal(t, 3, sum.OK)
	for _, o := range sum.Accounts {
		if o.Account == bakery {
			assert.Equal(t, "needs_reconnect", string(o.Status))
			require.NotNil(t, o.Reconnect)
			assert.True(t, o.Reconnect.Reported && o.Reconnect.Confirmed, "%+v", o.Reconnect)
		} else {
			assert.Equal(t, "ok", string(o.Status), o.Account)
		}
	}
	assert.Equal(t, map[string]string{bakery: "needs_reconnect"}, agentAccounts(t, crm, bobTok), "the CRM marked Bob's account")
	assert.Contains(t, agentAccounts(t, crm, aliceTok), shop)
	assert.Equal(t, "connected", agentAccounts(t, crm, aliceTok)[shop], "Alice's connection is untouched")
	for _, secret := range []string{aliceTok, bobTok} {
		assert.NotContains(t, r.stdout+r.stderr, secret)
	}

	// --apply, with a transient failure in the account's first attempt,
	// then again in the same slot and in a run of its own: one write.
	require.NoError(t, fake.InjectFault(metaadstest.Fault{Method: "GET", Path: "/" + shop, Kind: metaadstest.FaultHTTP500, Count: 5}))
	env = map[string]string{"AGENT_SERVICE_TOKEN": aliceTok, "AGENT_CRM_URL": crm.URL}
	apply := []string{"run", "--database-url", db, "--out", filepath.Join(dir, "apply"), "--accounts", shop, "--apply", "--target-cpa", "3000", "--gross-margin", "0.5"}
	for i, extra := range [][]string{{"--every", "1h"}, {"--every", "1h"}, nil} {
		r = agentAt(t, at, env, append(apply, extra...)...)
		require.Equal(t, ExitOK, r.code, "run %d: %s", i, r.stderr)
	}
	assert.Equal(t, []string{"12000"}, budgetWrites(fake, metaadstest.DemoLosingSet), "one budget write, from the fake's request log")

	// The legacy file with tokens for the same three accounts gives the
	// same analysis as the credentials API (dry runs, fresh databases).
	cfg, _ := accountsFileWith(t, fake, dir, metaApp.Secret, metaadstest.DemoAccountShop, metaadstest.DemoAccountLeads, metaadstest.DemoAccountTokyo)
	sameArgs := []string{"run", "--accounts", shop + "," + leads + "," + tokyo, "--target-cpa", "3000", "--gross-margin", "0.5"}
	rc := agentAt(t, at, env, append(sameArgs, "--database-url", filepath.Join(dir, "c.db"), "--out", filepath.Join(dir, "same-crm"))...)
	rf := agentAt(t, at, nil, append(sameArgs, "--config", cfg, "--database-url", filepath.Join(dir, "f.db"), "--out", filepath.Join(dir, "same-file"))...)
	require.Equal(t, ExitOK, rc.code, rc.stderr)
	require.Equal(t, ExitOK, rf.code, rf.stderr)
	for _, a := range []string{shop, leads, tokyo} {
		c, f := analysisOf(t, filepath.Join(dir, "same-crm"), a), analysisOf(t, filepath.Join(dir, "same-file"), a)
		assert.JSONEq(t, c, f, a)
	}
}

// analysisOf reads an account's report JSON and returns what the analysis
// found (result, decisions, statistics, goals), without timings.
func analysisOf(t *testing.T, dir, account string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*", account+".json"))
	require.NoError(t, err)
	require.Len(t, m, 1)
	data, err := os.ReadFile(m[0])
	require.NoError(t, err)
	var doc struct {
		Report map[string]json.RawMessage `json:"report"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	require.NotNil(t, doc.Report, account)
	keep := map[string]json.RawMessage{}
	for _, k := range []string{"account", "currency", "now", "range", "goals", "entities", "statistics", "evaluation", "signals", "result"} {
		keep[k] = doc.Report[k]
	}
	out, _ := json.Marshal(keep)
	return string(out)
}
