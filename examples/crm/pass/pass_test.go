package pass_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/crm/internal/testdb"
	"github.com/adpilot/adpilot/examples/crm/pass"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/oauth"
	"github.com/adpilot/adpilot/rules"
)

// clients serves one user's static token for every account.
type clients struct{ c *metaads.Client }

func (c clients) For(string) (*metaads.Client, error) { return c.c, nil }

// demo is the demo business on the fake with one CRM user who connected
// its three ad accounts, and a Runner for them.
type demo struct {
	s *store.Store
	u *store.User
	r *pass.Runner
}

var (
	shop  = metaads.MustParseAccountID("act_" + metaadstest.DemoAccountShop)
	leads = metaads.MustParseAccountID("act_" + metaadstest.DemoAccountLeads)
	tokyo = metaads.MustParseAccountID("act_" + metaadstest.DemoAccountTokyo)
)

func newDemo(t *testing.T, lookback int) *demo {
	fake := metaadstest.Start(t, metaadstest.WithDemoBusiness(), metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
	tok, err := fake.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID, TTL: time.Hour})
	require.NoError(t, err)
	toks := metaads.StaticTokens{}
	for _, a := range []metaads.AccountID{shop, leads, tokyo} {
		toks[a.String()] = tok
	}
	mc, err := metaads.NewClient(metaads.WithBaseURL(fake.URL), metaads.WithTokenProvider(toks))
	require.NoError(t, err)
	s := store.New(testdb.Open(t, store.SQLite), nil)
	u, err := s.CreateUser(t.Context(), "p@example.com", "h")
	require.NoError(t, err)
	require.NoError(t, s.SaveAccounts(t.Context(), u.ID, []metaads.AdAccount{
		{ID: shop, Name: "Shop", Currency: "USD"}, {ID: leads, Name: "Leads", Currency: "EUR"}, {ID: tokyo, Name: "Tokyo", Currency: "JPY"}}))
	kr, _ := oauth.NewKeyring("k", map[string][]byte{"k": bytes.Repeat([]byte{1}, 32)})
	enc, _ := oauth.NewEncryptedStore(s.Tokens(), kr)
	for _, a := range []metaads.AccountID{shop, leads, tokyo} {
		require.NoError(t, enc.Save(t.Context(), &oauth.Connection{Key: oauth.Key{User: u.Key(), Account: a}, Token: &oauth2.Token{AccessToken: tok}}))
	}
	co := analysis.CollectOptions{AsyncAfterDays: analysis.DefaultLookbackDays + 1, LookbackDays: lookback, NoHourly: lookback != 0}
	return &demo{s: s, u: u, r: &pass.Runner{Store: s, Clients: clients{mc}, Collect: co}}
}

// latest runs the pass for slot and decodes the stored report.
func (d *demo) run(t *testing.T, acct metaads.AccountID, slot string) *pass.Body {
	t.Helper()
	require.NoError(t, d.r.Analyze(t.Context(), d.u.ID, acct, slot))
	rep, err := d.s.LatestReport(t.Context(), d.u.ID, acct)
	require.NoError(t, err)
	b, err := pass.Decode(rep.Body)
	require.NoError(t, err)
	return b
}

// TestDemoGoals: the account's saved goals reach the pass. With sensible
// goals on the demo business no default rule and no recommendation pauses
// or cuts a healthy ad set, and the planted money-losing ad set is cut by a
// rule that judges conversions (left out without goals).
func TestDemoGoals(t *testing.T) {
	d := newDemo(t, 35)
	ctx := t.Context()
	without := d.run(t, shop, "no-goals")
	for _, dec := range without.Report.Evaluation.Decisions {
		assert.NotEqual(t, rules.ClassProtect, dec.Class, "without a target no conversion rule cuts: %s", dec.Summary())
	}
	goals := map[metaads.AccountID]analysis.Goals{
		shop:  {Currency: "USD", TargetCPA: 3000, GrossMargin: 0.5, Priority: analysis.PriorityProfit},
		leads: {Currency: "EUR", TargetCPA: 1500, Priority: analysis.PriorityProfit},
		tokyo: {Currency: "JPY", TargetCPA: 500, Priority: analysis.PriorityReachEfficiency},
	}
	for acct, g := range goals {
		require.NoError(t, d.s.SaveGoals(ctx, d.u.ID, acct, g))
		b := d.run(t, acct, "goals")
		assert.Equal(t, g, b.Goals, "the saved goals are the pass's")
		assert.Equal(t, g.TargetCPA, b.Report.Goals.TargetCPA)
		assert.Equal(t, g.Currency, b.Report.Goals.Currency)
		for _, dec := range b.Report.Evaluation.Decisions {
			t.Logf("%s: %s", acct, dec.Summary())
		}
		flagged := false
		for _, dec := range b.Report.Evaluation.Decisions {
			cut := dec.Class == rules.ClassSafety || dec.Class == rules.ClassProtect
			if cut && dec.EntityID == metaadstest.DemoLosingSet {
				flagged = true
			} else if cut {
				t.Errorf("%s: a default rule cuts a healthy entity: %s", acct, dec.Summary())
			}
		}
		for _, r := range b.Report.Result.Recommendations {
			if (r.Action.Type == analysis.ActionPause || r.Action.Percent < 0) && r.Entity.ID != metaadstest.DemoLosingSet {
				t.Errorf("%s: recommendation cuts a healthy entity: %s %s: %s", acct, r.Action.Type, r.Entity.Name, r.Title)
			}
			if r.Entity.ID == metaadstest.DemoLosingSet && r.Priority == analysis.PriorityUrgent {
				flagged = true
			}
		}
		if acct == shop {
			assert.True(t, flagged, "the money-losing ad set is flagged:\n%s", b.Report.Markdown())
			losing := false
			for _, dec := range b.Report.Evaluation.Decisions {
				losing = losing || (dec.EntityID == metaadstest.DemoLosingSet && dec.Class == rules.ClassProtect)
			}
			assert.True(t, losing, "a conversion rule cuts the losing ad set once the target is set")
		}
	}
}

// TestAnalyzeStoresReport runs the pass on a demo account against the fake,
// and checks the stored body decodes and the trend adds up to the pass's own
// statistics.
func TestAnalyzeStoresReport(t *testing.T) {
	d := newDemo(t, 0)
	s, u, r, acct := d.s, d.u, d.r, shop
	require.NoError(t, r.Analyze(t.Context(), u.ID, acct, "slot-1"))
	require.NoError(t, r.Analyze(t.Context(), u.ID, acct, "slot-1"), "a second run of a slot is not an error")
	reps, err := s.Reports(t.Context(), u.ID, acct, 10)
	require.NoError(t, err)
	require.Len(t, reps, 1, "one report per slot")
	rep, err := s.LatestReport(t.Context(), u.ID, acct)
	require.NoError(t, err)
	t.Logf("stored body: %d bytes, markdown %d bytes", len(rep.Body), len(rep.Markdown))
	b, err := pass.Decode(rep.Body)
	require.NoError(t, err)
	require.NotNil(t, b.Report.Result)
	assert.NotEmpty(t, rep.Summary)
	assert.NotEmpty(t, rep.Markdown)
	assert.Equal(t, "USD", b.Report.Currency)
	require.NotEmpty(t, b.Trend.Days)
	assert.NotEmpty(t, b.Trend.Event, "the shop's campaigns count one event")
	// The trend's last seven complete days add up to the pass's last_7d
	// campaign totals.
	for _, ws := range b.Report.Statistics {
		if ws.Level != "campaign" || ws.Window.String() != "last_7d" {
			continue
		}
		var spend, conv int64
		for _, d := range b.Trend.Days {
			if !d.Date.Before(ws.Range.Since) && !ws.Range.Until.Before(d.Date) {
				spend += d.Spend
				conv += d.Conversions
			}
		}
		assert.Equal(t, ws.Statistics.Totals.Spend, spend)
		assert.Equal(t, ws.Statistics.Totals.Conversions, conv)
		return
	}
	t.Fatal("no campaign last_7d statistics in the report")
}
