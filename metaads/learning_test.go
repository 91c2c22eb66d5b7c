package metaads

import (
	"context"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAdSetLearningStageAndPromotedObject reads learning_stage_info and
// promoted_object with the default fields, and checks that a significant
// edit (a budget change over 20%) restarts learning in the fake.
func TestAdSetLearningStageAndPromotedObject(t *testing.T) {
	now := time.Date(2026, 3, 11, 18, 0, 0, 0, time.UTC)
	clock := now
	sc := seedScenario(1, 1)
	sc.AdSets[0].CreatedTime = now.AddDate(0, 0, -30)
	e := newFakeEnv(t, sc, []metaadstest.Option{metaadstest.WithClock(func() time.Time { return clock })}, false)
	ctx := context.Background()
	id := sc.AdSets[0].ID

	s, err := e.c.AdSets.Get(ctx, e.acct, id, GetOptions{})
	require.NoError(t, err)
	require.NotNil(t, s.LearningStageInfo, "learning_stage_info is a default field")
	assert.Equal(t, LearningStatusSuccess, s.LearningStageInfo.Status)
	assert.True(t, s.LearningStageInfo.LastSignificantEdit.Equal(now.AddDate(0, 0, -30)), "last_sig_edit_ts %v", s.LearningStageInfo.LastSignificantEdit)
	require.NotNil(t, s.PromotedObject)
	assert.Equal(t, "PURCHASE", s.PromotedObject.CustomEventType, "a sales campaign optimises for purchases")

	require.NoError(t, e.c.AdSets.UpdateBudget(ctx, e.acct, id, Budget{Daily: 5500})) // +10%: not significant
	s, err = e.c.AdSets.Get(ctx, e.acct, id, GetOptions{Fields: []string{"learning_stage_info"}})
	require.NoError(t, err)
	assert.Equal(t, LearningStatusSuccess, s.LearningStageInfo.Status)

	clock = now.Add(time.Hour)
	require.NoError(t, e.c.AdSets.UpdateBudget(ctx, e.acct, id, Budget{Daily: 9000})) // +64%: restarts learning
	s, err = e.c.AdSets.Get(ctx, e.acct, id, GetOptions{Fields: []string{"learning_stage_info"}})
	require.NoError(t, err)
	assert.Equal(t, LearningStatusLearning, s.LearningStageInfo.Status)
	assert.Equal(t, clock.Unix(), s.LearningStageInfo.LastSignificantEdit.Unix())

	require.NoError(t, e.c.AdSets.UpdateStatus(ctx, e.acct, id, StatusPaused))
	s, err = e.c.AdSets.Get(ctx, e.acct, id, GetOptions{Fields: []string{"learning_stage_info"}})
	require.NoError(t, err)
	assert.Nil(t, s.LearningStageInfo, "Meta reports learning only for active ad sets")
}

// ContextWithHooks observes the requests made with a context, after the
// client's own hooks; contexts without it are not observed.
func TestContextWithHooks(t *testing.T) {
	e := newFakeEnv(t, seedScenario(1, 3), nil, false)
	var client, outer, inner []string
	c, err := NewClient(WithBaseURL(e.srv.URL), WithAppSecret(appSecret), WithTokenProvider(StaticTokens{"*": e.token}),
		WithHooks(Hooks{OnRequest: func(_ context.Context, i RequestInfo) { client = append(client, i.Path) }}))
	require.NoError(t, err)
	ctx := ContextWithHooks(context.Background(), Hooks{OnResponse: func(_ context.Context, i ResponseInfo) { outer = append(outer, i.Path) }})
	ctx = ContextWithHooks(ctx, Hooks{OnRequest: func(_ context.Context, i RequestInfo) { inner = append(inner, i.Path) }})
	_, err = collect(c.Campaigns.List(ctx, e.acct, ListOptions{Limit: 2}))
	require.NoError(t, err)
	_, err = c.Accounts.Get(context.Background(), e.acct, GetOptions{})
	require.NoError(t, err)
	want := []string{"act_1001/campaigns", "act_1001/campaigns"}
	assert.Equal(t, want, outer, "two pages observed by the outer context hook")
	assert.Equal(t, want, inner)
	assert.Equal(t, append(want, "act_1001"), client, "the client's hook sees every request")
}
