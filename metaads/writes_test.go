package metaads

import (
	"context"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAdsUpdateStatusAndAdSetsUpdateBid(t *testing.T) {
	e := newFakeEnv(t, seedScenario(1, 1), nil, true, WithRetryBackoff(time.Millisecond, time.Millisecond))
	ctx := context.Background()
	ad := e.srv.Objects().Ads[0].ID
	set := e.srv.Objects().AdSets[0].ID

	require.NoError(t, e.c.Ads.UpdateStatus(ctx, e.acct, ad, StatusPaused))
	got, ok := e.srv.Ad(ad)
	require.True(t, ok)
	assert.Equal(t, "PAUSED", got.Status)

	require.NoError(t, e.c.AdSets.UpdateBid(ctx, e.acct, set, 270))
	gs, ok := e.srv.AdSet(set)
	require.True(t, ok)
	assert.EqualValues(t, 270, gs.BidAmount)
	rec := requests(e.srv, "POST", "/"+set)
	require.Len(t, rec, 1)
	assert.Equal(t, "270", rec[0].Params.Get("bid_amount"))

	// Invalid input is refused before any request.
	e.srv.ResetRequests()
	for _, bid := range []int64{0, -5} {
		err := e.c.AdSets.UpdateBid(ctx, e.acct, set, bid)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "positive")
	}
	require.Error(t, e.c.Ads.UpdateStatus(ctx, e.acct, ad, Status("RUNNING")))
	require.Error(t, e.c.AdSets.UpdateBid(ctx, e.acct, "not-an-id", 100))
	require.Error(t, e.c.Ads.UpdateStatus(ctx, AccountID{}, ad, StatusActive))
	assert.Empty(t, e.srv.Requests(), "nothing sent for invalid input")

	// A 500 leaves the outcome unknown: not resent unless Idempotent.
	require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "POST", Path: "/" + set, Kind: metaadstest.FaultHTTP500}))
	require.ErrorIs(t, e.c.AdSets.UpdateBid(ctx, e.acct, set, 300), ErrTransient)
	assert.Len(t, requests(e.srv, "POST", "/"+set), 1, "not retried")
	require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "POST", Path: "/" + ad, Kind: metaadstest.FaultHTTP500}))
	require.NoError(t, e.c.Ads.UpdateStatus(ctx, e.acct, ad, StatusActive, Idempotent()))
	assert.Len(t, requests(e.srv, "POST", "/"+ad), 2, "an idempotent write is retried")
	got, _ = e.srv.Ad(ad)
	assert.Equal(t, "ACTIVE", got.Status)
}
