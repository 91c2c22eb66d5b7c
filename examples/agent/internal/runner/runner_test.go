package runner

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/agent/internal/creds"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

var now = time.Date(2026, 3, 11, 18, 30, 0, 0, time.UTC)

func demo(t *testing.T) (*metaadstest.Server, creds.Source) {
	fake := metaadstest.Start(t, metaadstest.WithDemoBusiness(), metaadstest.WithClock(func() time.Time { return now }))
	tok, err := fake.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID, AdAccounts: []string{metaadstest.DemoAccountShop}})
	require.NoError(t, err)
	src, err := creds.ParseFile("a.yaml", []byte("graph_url: "+fake.URL+"\naccounts: {act_"+metaadstest.DemoAccountShop+": "+tok+"}\n"))
	require.NoError(t, err)
	return fake, src
}

func newRunner(t *testing.T, src creds.Source) *Runner {
	r, err := New(Config{Source: src, Now: func() time.Time { return now },
		Collect: analysis.CollectOptions{Run: metaads.RunOptions{Poll: metaads.PollOptions{Initial: time.Millisecond, Max: 2 * time.Millisecond}}}})
	require.NoError(t, err)
	return r
}

func TestPass(t *testing.T) {
	fake, src := demo(t)
	r := newRunner(t, src)
	ctx := context.Background()
	shop := creds.Account{ID: metaads.MustParseAccountID(metaadstest.DemoAccountShop)}

	o := r.Pass(ctx, shop, nil)
	require.Equal(t, store.StatusOK, o.Status, o.Error)
	require.NotNil(t, o.Report)
	assert.Equal(t, "Demo Shop US", o.Name, "named from the report")
	assert.Equal(t, "USD", o.Currency)
	assert.Equal(t, len(fake.Requests()), o.GraphCalls, "every Graph call counted")
	assert.Greater(t, o.Recommendations, 0)
	assert.Nil(t, o.Execution, "a dry run executes nothing")

	fake.ResetRequests()
	o = r.Pass(ctx, creds.Account{ID: shop.ID, NeedsReconnect: true}, nil)
	assert.Equal(t, store.StatusNeedsReconnect, o.Status)
	assert.ErrorIs(t, o.Err, creds.ErrNeedsReconnect)
	assert.Empty(t, fake.Requests(), "an account its source marks is not called")

	o = r.Pass(ctx, creds.Account{ID: metaads.MustParseAccountID("act_42")}, nil)
	assert.Equal(t, store.StatusFailed, o.Status)
	assert.ErrorIs(t, o.Err, creds.ErrForbidden)
	assert.False(t, o.Retryable(), "outside the credentials: trying again will not help")

	transient := &Outcome{Status: store.StatusFailed, Err: errors.Join(metaads.ErrTransient)}
	assert.True(t, transient.Retryable())
}

func TestNew(t *testing.T) {
	_, err := New(Config{})
	assert.ErrorContains(t, err, "no credentials source")
	_, src := demo(t)
	_, err = New(Config{Source: src, Apply: true})
	assert.ErrorContains(t, err, "needs a ledger")
}
