package signals

import (
	"context"
	"testing"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/stretchr/testify/require"
)

func TestOverlapDemo(t *testing.T) {
	srv := demoServer(t)
	ds := pullDataset(t, srv, metaadstest.DemoAccountShop, testNow, pull{lookback: 14, hourlyDays: 0, rows: true})
	res, err := Overlap(ds)
	require.NoError(t, err)
	for _, p := range res.Pairs {
		t.Logf("%s x %s: %s coef %.2f [%.2f,%.2f] known %v flagged %v", p.A.Name, p.B.Name, p.Method, p.Coefficient, p.Lo, p.Hi, p.Known, p.Flagged)
	}
	qs, err := OverlapQueries(ds)
	require.NoError(t, err)
	est := map[string]ReachEstimate{}
	c := testClient(t, srv)
	for _, q := range qs {
		e, err := c.Accounts.DeliveryEstimate(context.Background(), metaads.MustParseAccountID(metaadstest.DemoAccountShop), metaads.DeliveryEstimateParams{Targeting: q.Targeting})
		require.NoError(t, err, q.Key)
		est[q.Key] = ReachEstimate{e.MonthlyLower, e.MonthlyUpper}
		t.Log(q.Key, e.MonthlyLower, e.MonthlyUpper)
	}
	res, err = Overlap(ds, WithReachEstimates(est))
	require.NoError(t, err)
	for _, p := range res.Pairs {
		t.Logf("%s x %s: %s coef %.2f [%.2f,%.2f] known %v flagged %v", p.A.Name, p.B.Name, p.Method, p.Coefficient, p.Lo, p.Hi, p.Known, p.Flagged)
	}
	for _, s := range res.Signals {
		t.Log(s.Finding)
	}
}
