package metaads

import (
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/internal/leaktest"
)

// TestNoSecretInAnyPrintedForm: every exported type of this package that
// holds a secret (found by leaktest.SecretTypes from the source, not listed
// by hand) is printed through fmt's verbs, slog's text and JSON handlers
// and json.Marshal, as a value and through a pointer, and held in exported
// and unexported struct fields, nested structs, slices, arrays and maps
// (leaktest.Held), with a known token, app secret and extra request secret
// planted; none of them shows up. StaticTokens and Request, whose secrets
// are exported, are exempt only in unexported fields (see their docs).
func TestNoSecretInAnyPrintedForm(t *testing.T) {
	const (
		token     = "EAAGtokenLEAK0123456789"
		appSecret = "APPSECRETleak0123456789"
		extra     = "EXTRAsecretLEAK0123456789"
	)
	tokens := StaticTokens{"act_1": token, "*": token}
	c, err := NewClient(WithAppSecret(appSecret), WithTokenProvider(tokens))
	require.NoError(t, err)
	acct := MustParseAccountID("1")
	req := Request{Path: "debug_token", Account: acct, Query: map[string][]string{"input_token": {extra}},
		TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), Secrets: []string{extra}}
	b := c.NewBatch(acct)
	require.NoError(t, b.Add(Request{Path: "1", Secrets: []string{extra}}, nil))
	values := map[string]any{
		"AccountsService":  c.Accounts,
		"AdRulesService":   c.AdRules,
		"AdSetsService":    c.AdSets,
		"AdsService":       c.Ads,
		"Batch":            b,
		"CampaignsService": c.Campaigns,
		"Client":           c,
		"CreativesService": c.Creatives,
		"InsightsService":  c.Insights,
		"ReportRun":        &ReportRun{ID: "123", Account: acct, s: c.Insights},
		"Request":          req,
		"StaticTokens":     tokens,
	}
	leaktest.CheckPackage(t, ".", values, []string{"Request", "StaticTokens"}, token, appSecret, extra)
}
