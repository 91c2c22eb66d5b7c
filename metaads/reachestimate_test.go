package metaads

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeliveryEstimate(t *testing.T) {
	env := newFakeEnv(t, seedScenario(1, 1), nil, true)
	ctx := context.Background()
	var us, usWomen Targeting
	require.NoError(t, json.Unmarshal([]byte(`{"geo_locations":{"countries":["US"]},"age_min":18,"age_max":65}`), &us))
	require.NoError(t, json.Unmarshal([]byte(`{"geo_locations":{"countries":["US"]},"age_min":18,"age_max":65,"genders":[2]}`), &usWomen))
	all, err := env.c.Accounts.DeliveryEstimate(ctx, env.acct, DeliveryEstimateParams{Targeting: us})
	require.NoError(t, err)
	assert.True(t, all.Ready)
	assert.Positive(t, all.MonthlyLower)
	assert.Less(t, all.MonthlyLower, all.MonthlyUpper)
	assert.NotEmpty(t, all.Raw)
	women, err := env.c.Accounts.DeliveryEstimate(ctx, env.acct, DeliveryEstimateParams{Targeting: usWomen, OptimizationGoal: "LINK_CLICKS"})
	require.NoError(t, err)
	assert.InDelta(t, float64(all.Midpoint())/2, float64(women.Midpoint()), 0.05*float64(women.Midpoint()))

	// Refused before sending: no location, no account.
	before := len(env.srv.Requests())
	_, err = env.c.Accounts.DeliveryEstimate(ctx, env.acct, DeliveryEstimateParams{Targeting: Targeting{AgeMin: 18}})
	assert.ErrorIs(t, err, ErrInvalidParameter)
	assert.ErrorContains(t, err, "geo_locations")
	_, err = env.c.Accounts.DeliveryEstimate(ctx, AccountID{}, DeliveryEstimateParams{Targeting: us})
	assert.ErrorContains(t, err, "ad account is zero")
	assert.Len(t, env.srv.Requests(), before, "nothing sent")

	// Meta's refusal of a bad spec comes back as ErrInvalidParameter.
	var bad Targeting
	require.NoError(t, json.Unmarshal([]byte(`{"geo_locations":{"countries":["US"]},"age_min":10}`), &bad))
	_, err = env.c.Accounts.DeliveryEstimate(ctx, env.acct, DeliveryEstimateParams{Targeting: bad})
	assert.ErrorIs(t, err, ErrInvalidParameter)
}
