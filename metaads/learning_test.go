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
