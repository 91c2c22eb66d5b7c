package metaads

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireNotFound checks err is the fake's 100/33 answer for id, classified
// as ErrNotFound and nothing else.
func requireNotFound(t *testing.T, err error, method, id string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNotFound)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 100, apiErr.Code)
	assert.Equal(t, 33, apiErr.Subcode)
	assert.Equal(t, http.StatusBadRequest, apiErr.HTTPStatus)
	assert.Equal(t, "GraphMethodException", apiErr.Type)
	assert.Equal(t, method, apiErr.Method)
	assert.Contains(t, apiErr.Message, "Object with ID '"+id+"' does not exist")
	assert.NotEmpty(t, apiErr.FBTraceID)
	for _, other := range []error{ErrInvalidParameter, ErrTransient, ErrPermission, ErrRateLimited, ErrDataLimit, ErrTokenInvalid} {
		assert.False(t, errors.Is(err, other), "not-found must not match %v", other)
	}
}

// TestFakeNotFound reads and writes ids the fake does not know.
func TestFakeNotFound(t *testing.T) {
	e := newFakeEnv(t, seedScenario(1, 1), nil, false, WithMaxRetries(3))
	ctx := context.Background()
	const id = "999999"

	_, err := e.c.Campaigns.Get(ctx, e.acct, id, GetOptions{})
	requireNotFound(t, err, http.MethodGet, id)
	_, err = e.c.AdSets.Get(ctx, e.acct, id, GetOptions{})
	requireNotFound(t, err, http.MethodGet, id)
	_, err = e.c.Ads.Get(ctx, e.acct, id, GetOptions{})
	requireNotFound(t, err, http.MethodGet, id)
	_, err = e.c.Creatives.Get(ctx, e.acct, id, GetOptions{})
	requireNotFound(t, err, http.MethodGet, id)

	err = e.c.Campaigns.UpdateStatus(ctx, e.acct, id, StatusPaused)
	requireNotFound(t, err, http.MethodPost, id)
	err = e.c.AdSets.UpdateBudget(ctx, e.acct, id, Budget{Daily: 7500})
	requireNotFound(t, err, http.MethodPost, id)

	unknown := MustParseAccountID(id)
	_, err = e.c.Accounts.Get(ctx, unknown, GetOptions{})
	requireNotFound(t, err, http.MethodGet, "act_"+id)
	_, err = e.c.Insights.ListPage(ctx, unknown, InsightsParams{DatePreset: "last_7d"}, "")
	requireNotFound(t, err, http.MethodGet, "act_"+id)
	_, err = e.c.Insights.StartReport(ctx, unknown, InsightsParams{DatePreset: "last_7d"})
	requireNotFound(t, err, http.MethodPost, "act_"+id)

	run, err := e.c.Insights.ResumeReport(e.acct, "8888888")
	require.NoError(t, err)
	requireNotFound(t, run.Refresh(ctx), http.MethodGet, "8888888")

	// Not found is final: each call above went out exactly once.
	assert.Len(t, e.srv.Requests(), 10)
}
