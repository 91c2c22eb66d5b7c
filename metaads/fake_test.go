package metaads

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// fakeEnv is a seeded metaadstest server and a client for it.
type fakeEnv struct {
	srv   *metaadstest.Server
	c     *Client
	token string
	acct  AccountID
	logs  *bytes.Buffer
}

const appSecret = "fake-app-secret-xyz"

func seedScenario(accounts, campaignsPerAccount int) metaadstest.Scenario {
	var sc metaadstest.Scenario
	u := metaadstest.User{ID: "900", Name: "Tester"}
	for a := range accounts {
		aid := fmt.Sprint(1001 + a)
		sc.Accounts = append(sc.Accounts, metaadstest.Account{ID: aid, Name: "Account " + aid, Currency: "USD"})
		u.AdAccounts = append(u.AdAccounts, aid)
		for c := range campaignsPerAccount {
			cid := fmt.Sprintf("2%03d%03d", a, c)
			sc.Campaigns = append(sc.Campaigns, metaadstest.Campaign{ID: cid, AccountID: aid, Name: "Campaign " + cid, Status: "ACTIVE"})
			sc.AdSets = append(sc.AdSets, metaadstest.AdSet{ID: "3" + cid[1:], CampaignID: cid, Name: "Ad set", DailyBudget: 5000,
				Targeting: `{"geo_locations":{"countries":["US","CA"]},"age_min":21,"age_max":54,"genders":[2],"flexible_spec":[{"interests":[{"id":"6003","name":"Movies"}]}],"custom_audiences":[{"id":"77"}],"brand_new_field":{"x":1}}`})
			if c == 0 {
				sc.Creatives = append(sc.Creatives, metaadstest.Creative{ID: "5" + cid[1:], AccountID: aid, Name: "Creative", Title: "Hello"})
				sc.Ads = append(sc.Ads, metaadstest.Ad{ID: "4" + cid[1:], AdSetID: "3" + cid[1:], CreativeID: "5" + cid[1:], Name: "Ad"})
			}
		}
	}
	sc.Users = []metaadstest.User{u}
	return sc
}

func newFakeEnv(t *testing.T, sc metaadstest.Scenario, srvOpts []metaadstest.Option, inMemory bool, opts ...Option) *fakeEnv {
	t.Helper()
	srvOpts = append([]metaadstest.Option{metaadstest.WithApp(metaadstest.App{ID: "123456", Secret: appSecret, RequireAppSecretProof: true})}, srvOpts...)
	srv, err := metaadstest.NewServer(srvOpts...)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	_, err = srv.Seed(sc)
	require.NoError(t, err)
	tok, err := srv.IssueToken(metaadstest.TokenSpec{UserID: "900"})
	require.NoError(t, err)
	logs := &bytes.Buffer{}
	base := []Option{WithBaseURL(srv.URL), WithAppSecret(appSecret), WithTokenProvider(StaticTokens{"*": tok}),
		WithLogger(slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug})))}
	if inMemory {
		base = append(base, WithHTTPClient(&http.Client{Transport: handlerTransport{srv.Handler()}}))
	}
	c, err := NewClient(append(base, opts...)...)
	require.NoError(t, err)
	return &fakeEnv{srv: srv, c: c, token: tok, acct: MustParseAccountID("1001"), logs: logs}
}

func TestFakeObjectServices(t *testing.T) {
	e := newFakeEnv(t, seedScenario(2, 5), nil, false)
	ctx := context.Background()

	accts, err := collect(e.c.Accounts.List(ctx, ListOptions{Limit: 1}))
	require.NoError(t, err)
	require.Len(t, accts, 2)
	assert.Equal(t, "act_1001", accts[0].ID.String())
	assert.Equal(t, "USD", accts[0].Currency)
	assert.NotEmpty(t, accts[0].Raw)

	a, err := e.c.Accounts.Get(ctx, e.acct, GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, AccountActive, a.AccountStatus)

	camps, err := collect(e.c.Campaigns.List(ctx, e.acct, ListOptions{Limit: 2}))
	require.NoError(t, err)
	assert.Len(t, camps, 5, "five campaigns over three pages")
	assert.Equal(t, StatusActive, camps[0].Status)

	p, err := e.c.Campaigns.ListPage(ctx, e.acct, ListOptions{Limit: 2}, "")
	require.NoError(t, err)
	assert.True(t, p.HasNext)
	p2, err := e.c.Campaigns.ListPage(ctx, e.acct, ListOptions{Limit: 2}, p.After)
	require.NoError(t, err)
	assert.NotEqual(t, p.Items[0].ID, p2.Items[0].ID)

	sets, err := collect(e.c.AdSets.List(ctx, e.acct, ListOptions{Parent: camps[0].ID}))
	require.NoError(t, err)
	require.Len(t, sets, 1)
	as := sets[0]
	assert.EqualValues(t, 5000, as.DailyBudget)
	require.NotNil(t, as.Targeting)
	assert.Equal(t, []string{"US", "CA"}, as.Targeting.GeoLocations.Countries)
	assert.Equal(t, 21, as.Targeting.AgeMin)
	assert.Equal(t, []Gender{GenderFemale}, as.Targeting.Genders)
	assert.Equal(t, "Movies", as.Targeting.FlexibleSpec[0].Interests[0].Name)
	assert.Equal(t, "77", as.Targeting.CustomAudiences[0].ID)
	out, err := as.Targeting.MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(out), "brand_new_field", "unknown targeting fields survive a round trip")

	ads, err := collect(e.c.Ads.List(ctx, e.acct, ListOptions{}))
	require.NoError(t, err)
	require.Len(t, ads, 1)
	ad, err := e.c.Ads.Get(ctx, e.acct, ads[0].ID, GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, ads[0].ID, ad.ID)
	crs, err := collect(e.c.Creatives.List(ctx, e.acct, ListOptions{}))
	require.NoError(t, err)
	require.Len(t, crs, 1)
	cr, err := e.c.Creatives.Get(ctx, e.acct, crs[0].ID, GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "Hello", cr.Title)
	gs, err := e.c.AdSets.Get(ctx, e.acct, as.ID, GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, as.ID, gs.ID)

	// GetOptions.Fields is sent as the fields list; a bad name sends nothing.
	before := len(e.srv.Requests())
	named, err := e.c.AdSets.Get(ctx, e.acct, as.ID, GetOptions{Fields: []string{"id", "name"}})
	require.NoError(t, err)
	assert.Equal(t, as.Name, named.Name)
	assert.Zero(t, named.DailyBudget, "not requested")
	reqs := e.srv.Requests()
	require.Len(t, reqs, before+1)
	assert.Equal(t, "id,name", reqs[before].Params.Get("fields"))
	_, err = e.c.AdSets.Get(ctx, e.acct, as.ID, GetOptions{Fields: []string{"name,id"}})
	assert.ErrorContains(t, err, `GetOptions.Fields: invalid field name "name,id"`)
	assert.Len(t, e.srv.Requests(), before+1)

	// Writes.
	require.NoError(t, e.c.Campaigns.UpdateStatus(ctx, e.acct, camps[0].ID, StatusPaused))
	got, ok := e.srv.Campaign(camps[0].ID)
	require.True(t, ok)
	assert.Equal(t, "PAUSED", got.Status)
	gc, err := e.c.Campaigns.Get(ctx, e.acct, camps[0].ID, GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, StatusPaused, gc.Status)
	require.NoError(t, e.c.AdSets.UpdateBudget(ctx, e.acct, as.ID, Budget{Daily: 7500}))
	gotSet, _ := e.srv.AdSet(as.ID)
	assert.EqualValues(t, 7500, gotSet.DailyBudget)
	require.NoError(t, e.c.AdSets.UpdateStatus(ctx, e.acct, as.ID, StatusPaused))

	// Not found is classified.
	_, err = e.c.Campaigns.Get(ctx, e.acct, "999999", GetOptions{})
	requireNotFound(t, err, http.MethodGet, "999999")

	// Every request carried the token in the header, never in the URL.
	reqs = e.srv.Requests()
	require.NotEmpty(t, reqs)
	for _, r := range reqs {
		assert.Equal(t, "header", r.TokenIn, "%s %s", r.Method, r.Path)
	}
}

func TestFakeFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("html body is an error and retried for GET", func(t *testing.T) {
		e := newFakeEnv(t, seedScenario(1, 1), nil, false, WithRetryBackoff(time.Millisecond, time.Millisecond))
		require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Path: "/act_1001/campaigns", Kind: metaadstest.FaultHTML}))
		camps, err := collect(e.c.Campaigns.List(ctx, e.acct, ListOptions{}))
		require.NoError(t, err)
		assert.Len(t, camps, 1)
		require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Path: "/act_1001/campaigns", Kind: metaadstest.FaultHTML, Count: -1}))
		_, err = collect(e.c.Campaigns.List(ctx, e.acct, ListOptions{}))
		var apiErr *Error
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "NonJSONResponse", apiErr.Type)
		assert.Equal(t, 502, apiErr.HTTPStatus)
	})
	t.Run("malformed json 200", func(t *testing.T) {
		e := newFakeEnv(t, seedScenario(1, 1), nil, false, WithMaxRetries(0))
		require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Path: "/act_1001/campaigns", Kind: metaadstest.FaultMalformedJSON}))
		_, err := collect(e.c.Campaigns.List(ctx, e.acct, ListOptions{}))
		assert.Error(t, err)
	})
	t.Run("dropped connection retried for GET, not for writes", func(t *testing.T) {
		e := newFakeEnv(t, seedScenario(1, 1), nil, false, WithRetryBackoff(time.Millisecond, time.Millisecond))
		require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Path: "/act_1001/campaigns", Kind: metaadstest.FaultDrop}))
		camps, err := collect(e.c.Campaigns.List(ctx, e.acct, ListOptions{}))
		require.NoError(t, err)
		require.Len(t, camps, 1)
		e.srv.ResetRequests()
		require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "POST", Path: "/" + camps[0].ID, Kind: metaadstest.FaultDrop}))
		err = e.c.Campaigns.UpdateStatus(ctx, e.acct, camps[0].ID, StatusPaused)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), e.token)
		posts := 0
		for _, r := range e.srv.Requests() {
			if r.Method == "POST" {
				posts++
			}
		}
		assert.LessOrEqual(t, posts, 1, "a write that may have been processed is never sent twice")
	})
	t.Run("token expires mid-pagination", func(t *testing.T) {
		e := newFakeEnv(t, seedScenario(1, 5), nil, false)
		require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Path: "/act_1001/campaigns", Kind: metaadstest.FaultExpireToken, Skip: 1}))
		got, err := collect(e.c.Campaigns.List(ctx, e.acct, ListOptions{Limit: 2}))
		assert.Len(t, got, 2)
		assert.ErrorIs(t, err, ErrTokenExpired)
		assert.ErrorIs(t, err, ErrTokenInvalid)
		assert.NotContains(t, err.Error(), e.token)
	})
	t.Run("data limit is not retried", func(t *testing.T) {
		e := newFakeEnv(t, seedScenario(1, 1), nil, false)
		require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Path: "/act_1001/campaigns", Kind: metaadstest.FaultDataLimit, Count: -1}))
		_, err := collect(e.c.Campaigns.List(ctx, e.acct, ListOptions{}))
		assert.ErrorIs(t, err, ErrDataLimit)
		assert.Len(t, e.srv.Requests(), 1)
	})
	t.Run("retired version", func(t *testing.T) {
		e := newFakeEnv(t, seedScenario(1, 1), nil, false, WithAPIVersion("v19.0"))
		_, err := e.c.Accounts.Get(ctx, e.acct, GetOptions{})
		assert.ErrorIs(t, err, ErrDeprecatedVersion)
	})
	t.Run("no token for account", func(t *testing.T) {
		e := newFakeEnv(t, seedScenario(1, 1), nil, false, WithTokenProvider(StaticTokens{"act_5": "x"}))
		_, err := e.c.Accounts.Get(ctx, e.acct, GetOptions{})
		assert.ErrorIs(t, err, ErrNoToken)
		assert.Empty(t, e.srv.Requests())
	})
	t.Run("missing proof is rejected by the fake", func(t *testing.T) {
		e := newFakeEnv(t, seedScenario(1, 1), nil, false)
		c, err := NewClient(WithBaseURL(e.srv.URL), WithTokenProvider(StaticTokens{"*": e.token}))
		require.NoError(t, err)
		_, err = c.Accounts.Get(ctx, e.acct, GetOptions{})
		assert.Error(t, err, "the fake requires appsecret_proof")
		assert.True(t, strings.HasPrefix(err.Error(), "metaads: "))
	})
}

func TestFakeBatch(t *testing.T) {
	e := newFakeEnv(t, seedScenario(1, 60), nil, false)
	ctx := context.Background()
	sc := e.srv.Objects()
	require.Len(t, sc.Campaigns, 60)
	// The second campaign's read answers null once: it is sent again.
	require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "GET", Path: "/" + sc.Campaigns[1].ID, Kind: metaadstest.FaultBatchNull}))
	b := e.c.NewBatch(e.acct)
	camps := make([]Campaign, 61)
	for i, c := range sc.Campaigns {
		require.NoError(t, b.Add(Request{Path: c.ID, Query: map[string][]string{"fields": {"id,name,daily_budget"}}}, &camps[i]))
	}
	require.NoError(t, b.Add(Request{Path: "999999999"}, &camps[60]))
	res, err := b.Do(ctx)
	require.NoError(t, err)
	require.Len(t, res, 61)
	for i, c := range sc.Campaigns {
		require.NoError(t, res[i].Err, "item %d", i)
		assert.Equal(t, c.ID, camps[i].ID)
		assert.Equal(t, c.Name, camps[i].Name)
	}
	assert.Error(t, res[60].Err, "a missing object is a per-item error")
	batchCalls := 0
	for _, r := range e.srv.Requests() {
		if r.Method == "POST" && (r.Path == "/" || r.Path == "") {
			batchCalls++
		}
	}
	assert.Equal(t, 3, batchCalls, "61 operations in two calls, plus one for the null item")
	u, err := e.c.Usage(ctx, e.acct)
	require.NoError(t, err)
	assert.NotEmpty(t, u.Budgets, "item usage headers reached the scheduler")
}

// TestFakeTokenCarriesProof: a client without the app secret sends the
// appsecret_proof its token carries (ExtraAppSecretProof), on plain calls
// and batches, against a fake that requires proofs; without the extra the
// fake refuses, and a wrong proof is refused too.
func TestFakeTokenCarriesProof(t *testing.T) {
	e := newFakeEnv(t, seedScenario(1, 1), nil, false)
	ctx := context.Background()
	withProof := func(proof string) *Client {
		tok := (&oauth2.Token{AccessToken: e.token}).WithExtra(map[string]any{ExtraAppSecretProof: proof})
		c, err := NewClient(WithBaseURL(e.srv.URL), WithTokenProvider(TokenProviderFunc(func(context.Context, AccountID) (oauth2.TokenSource, error) {
			return oauth2.StaticTokenSource(tok), nil
		})))
		require.NoError(t, err)
		return c
	}
	c := withProof(metaadstest.AppSecretProof(appSecret, e.token))
	_, err := c.Accounts.Get(ctx, e.acct, GetOptions{})
	require.NoError(t, err)
	b := c.NewBatch(e.acct)
	var camps struct {
		Data []Campaign `json:"data"`
	}
	require.NoError(t, b.Add(Request{Path: e.acct.String() + "/campaigns"}, &camps))
	res, err := b.Do(ctx)
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	assert.Len(t, camps.Data, 1)

	_, err = withProof("").Accounts.Get(ctx, e.acct, GetOptions{})
	assert.ErrorContains(t, err, "appsecret_proof")
	_, err = withProof("00ff").Accounts.Get(ctx, e.acct, GetOptions{})
	assert.ErrorContains(t, err, "Invalid appsecret_proof")
}
