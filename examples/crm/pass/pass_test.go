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
)

// clients serves one user's static token for every account.
type clients struct{ c *metaads.Client }

func (c clients) For(string) (*metaads.Client, error) { return c.c, nil }

// TestAnalyzeStoresReport runs the pass on a demo account against the fake,
// and checks the stored body decodes and the trend adds up to the pass's own
// statistics.
func TestAnalyzeStoresReport(t *testing.T) {
	fake := metaadstest.Start(t, metaadstest.WithDemoBusiness(), metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
	tok, err := fake.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID, TTL: time.Hour})
	require.NoError(t, err)
	acct := metaads.MustParseAccountID("act_" + metaadstest.DemoAccountShop)
	mc, err := metaads.NewClient(metaads.WithBaseURL(fake.URL), metaads.WithTokenProvider(metaads.StaticTokens{acct.String(): tok}))
	require.NoError(t, err)
	s := store.New(testdb.Open(t, store.SQLite), nil)
	u, err := s.CreateUser(t.Context(), "p@example.com", "h")
	require.NoError(t, err)
	require.NoError(t, s.SaveAccounts(t.Context(), u.ID, []metaads.AdAccount{{ID: acct, Name: "Shop", Currency: "USD"}}))
	kr, _ := oauth.NewKeyring("k", map[string][]byte{"k": bytes.Repeat([]byte{1}, 32)})
	enc, _ := oauth.NewEncryptedStore(s.Tokens(), kr)
	require.NoError(t, enc.Save(t.Context(), &oauth.Connection{Key: oauth.Key{User: u.Key(), Account: acct}, Token: &oauth2.Token{AccessToken: tok}}))

	r := &pass.Runner{Store: s, Clients: clients{mc}, Collect: analysis.CollectOptions{AsyncAfterDays: analysis.DefaultLookbackDays + 1}}
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
