package metaactuator_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
	"github.com/adpilot/adpilot/rules/metaactuator"
)

type env struct {
	srv  *metaadstest.Server
	c    *metaads.Client
	sent []rules.Change
	mu   sync.Mutex
}

func newEnv(t *testing.T, opts ...metaads.Option) *env {
	t.Helper()
	srv := metaadstest.Start(t)
	_, err := srv.Seed(metaadstest.Scenario{
		Users:     []metaadstest.User{{ID: "900", Name: "Tester", AdAccounts: []string{"1001"}}},
		Accounts:  []metaadstest.Account{{ID: "1001", Name: "Shop", Currency: "USD"}},
		Campaigns: []metaadstest.Campaign{{ID: "2001", AccountID: "1001", Name: "Sales", Status: "ACTIVE"}, {ID: "2002", AccountID: "1001", Name: "CBO", Status: "ACTIVE", DailyBudget: 20000}},
		AdSets:    []metaadstest.AdSet{{ID: "3001", CampaignID: "2001", Name: "Prospecting", Status: "ACTIVE", DailyBudget: 5000, BidAmount: 300}},
		Ads:       []metaadstest.Ad{{ID: "4001", AdSetID: "3001", Name: "Video A", Status: "ACTIVE"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := srv.IssueToken(metaadstest.TokenSpec{UserID: "900"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := metaads.NewClient(append([]metaads.Option{metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{"*": tok})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, c: c}
}

func (e *env) actuator(t *testing.T) *metaactuator.Actuator {
	t.Helper()
	a, err := metaactuator.New(e.c, metaactuator.WithNotifier(metaactuator.NotifierFunc(func(_ context.Context, c rules.Change) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.sent = append(e.sent, c)
		return nil
	})))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

const doc = `{"rules": [
  {"id": "pause-ad", "level": "ad", "live": true,
   "conditions": {"metric": "ctr", "window": "last_7d", "op": "<", "value": 0.005},
   "action": {"type": "pause"}},
  {"id": "grow", "level": "adset", "live": true,
   "conditions": {"metric": "cpa", "window": "last_7d", "op": "<=", "value": 2000},
   "action": {"type": "scale_budget", "percent": 20}},
  {"id": "tell", "level": "campaign", "live": true,
   "conditions": {"metric": "spend", "window": "today", "op": ">", "than": {"field": "daily_budget", "factor": 1.5}},
   "action": {"type": "notify", "message": "{{.Entity}} overspends"}}
]}`

func snapshot() *rules.Snapshot {
	now := time.Date(2026, 3, 11, 15, 0, 0, 0, time.UTC)
	return &rules.Snapshot{Now: now, Entities: []rules.Entity{
		{ID: "4001", Name: "Video A", Level: metrics.LevelAd, Account: "act_1001", Status: "ACTIVE",
			Stats: []rules.WindowCounts{{Window: rules.WindowLast7D, Counts: metrics.Counts{Impressions: 10000, Clicks: 20}}}},
		{ID: "3001", Name: "Prospecting", Level: metrics.LevelAdSet, Account: "act_1001", Status: "ACTIVE", DailyBudget: 5000,
			Stats: []rules.WindowCounts{{Window: rules.WindowLast7D, Counts: metrics.Counts{Spend: 30000, Conversions: 20}}}},
		{ID: "2002", Name: "CBO", Level: metrics.LevelCampaign, Account: "act_1001", Status: "ACTIVE", DailyBudget: 20000,
			Stats: []rules.WindowCounts{{Window: rules.WindowToday, Counts: metrics.Counts{Spend: 35000}}}},
	}}
}

func TestActuatorAppliesDecisionsToTheFake(t *testing.T) {
	e := newEnv(t)
	set, err := rules.CompileJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := set.Evaluate(snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Decisions) != 3 {
		t.Fatalf("%d decisions; want 3", len(ev.Decisions))
	}
	// The first budget write fails with a permanent Graph error.
	if err := e.srv.InjectFault(metaadstest.Fault{Method: "POST", Path: "/3001", Kind: metaadstest.FaultError, Status: 400, Code: 100, Message: "Invalid parameter"}); err != nil {
		t.Fatal(err)
	}
	x, err := rules.NewExecutor(e.actuator(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rep, err := x.Execute(ctx, ev)
	var ae *rules.ActionError
	var me *metaads.Error
	if !errors.As(err, &ae) || ae.EntityID != "3001" || !errors.As(err, &me) || me.Code != 100 {
		t.Fatalf("err = %v; want an ActionError on 3001 wrapping *metaads.Error code 100", err)
	}
	if rep.Count(rules.OutcomeApplied) != 2 || rep.Count(rules.OutcomeFailed) != 1 {
		t.Errorf("applied %d, failed %d; want 2 and 1", rep.Count(rules.OutcomeApplied), rep.Count(rules.OutcomeFailed))
	}
	if ad, _ := e.srv.Ad("4001"); ad.Status != "PAUSED" {
		t.Errorf("ad status %q; want PAUSED", ad.Status)
	}
	if as, _ := e.srv.AdSet("3001"); as.DailyBudget != 5000 {
		t.Errorf("ad set budget %d changed by a failed write", as.DailyBudget)
	}
	if len(e.sent) != 1 || e.sent[0].EntityID != "2002" || e.sent[0].Message != "CBO overspends" {
		t.Errorf("notifications %+v; want one for 2002", e.sent)
	}

	// Retry: only the failed budget change is sent.
	e.srv.ResetRequests()
	if _, err := x.Execute(ctx, ev); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if as, _ := e.srv.AdSet("3001"); as.DailyBudget != 6000 {
		t.Errorf("ad set budget %d; want 6000", as.DailyBudget)
	}
	var posts int
	for _, r := range e.srv.Requests() {
		if r.Method == "POST" {
			posts++
			if r.Path != "/3001" || r.Params.Get("daily_budget") != "6000" {
				t.Errorf("retry sent %s %s %v", r.Method, r.Path, r.Params)
			}
		}
	}
	if posts != 1 || len(e.sent) != 1 {
		t.Errorf("retry sent %d writes and %d notifications; want 1 and 0 new", posts, len(e.sent)-1)
	}
}

func TestActuatorChanges(t *testing.T) {
	e := newEnv(t)
	a := e.actuator(t)
	ctx := context.Background()
	apply := func(c rules.Change) error {
		c.Account = "act_1001"
		return a.Apply(ctx, c)
	}
	if err := apply(rules.Change{Action: rules.ActionPause, Level: metrics.LevelCampaign, EntityID: "2001"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.srv.Campaign("2001"); c.Status != "PAUSED" {
		t.Errorf("campaign status %q", c.Status)
	}
	if err := apply(rules.Change{Action: rules.ActionUnpause, Level: metrics.LevelCampaign, EntityID: "2001"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.srv.Campaign("2001"); c.Status != "ACTIVE" {
		t.Errorf("campaign status %q after unpause", c.Status)
	}
	if err := apply(rules.Change{Action: rules.ActionSetBudget, Level: metrics.LevelCampaign, EntityID: "2002", Budget: rules.BudgetDaily, From: 20000, To: 25000}); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.srv.Campaign("2002"); c.DailyBudget != 25000 {
		t.Errorf("campaign budget %d", c.DailyBudget)
	}
	e.srv.ResetRequests()
	if err := apply(rules.Change{Action: rules.ActionChangeBid, Level: metrics.LevelAdSet, EntityID: "3001", From: 300, To: 270}); err != nil {
		t.Fatal(err)
	}
	var posts []metaadstest.RecordedRequest
	for _, r := range e.srv.Requests() {
		if r.Method == "POST" {
			posts = append(posts, r)
		}
	}
	if len(posts) != 1 || posts[0].Path != "/3001" || posts[0].Params.Get("bid_amount") != "270" {
		t.Errorf("bid change sent %+v", posts)
	}
	if err := apply(rules.Change{Action: rules.ActionFreeze, Level: metrics.LevelAdSet, EntityID: "3001"}); err != nil {
		t.Errorf("freeze: %v", err)
	}
	// Meta's own refusal comes back as a *metaads.Error.
	err := apply(rules.Change{Action: rules.ActionSetBudget, Level: metrics.LevelAdSet, EntityID: "3001", Budget: rules.BudgetDaily, To: 50})
	var me *metaads.Error
	if !errors.As(err, &me) {
		t.Errorf("budget below the minimum: err = %v; want *metaads.Error", err)
	}
	for name, c := range map[string]rules.Change{
		"budget on an ad": {Action: rules.ActionSetBudget, Level: metrics.LevelAd, EntityID: "4001", Budget: rules.BudgetDaily, To: 100},
		"no budget kind":  {Action: rules.ActionScaleBudget, Level: metrics.LevelAdSet, EntityID: "3001", To: 100},
		"no entity":       {Action: rules.ActionPause, Level: metrics.LevelAd},
		"bid on campaign": {Action: rules.ActionChangeBid, Level: metrics.LevelCampaign, EntityID: "2001", To: 100},
	} {
		if err := apply(c); !errors.Is(err, metaactuator.ErrUnsupported) {
			t.Errorf("%s: err = %v; want ErrUnsupported", name, err)
		}
	}
	if err := a.Apply(ctx, rules.Change{Action: rules.ActionPause, Level: metrics.LevelAd, EntityID: "4001", Account: "not-an-account"}); err == nil {
		t.Error("bad account id accepted")
	}
	bare, _ := metaactuator.New(e.c)
	if err := bare.Apply(ctx, rules.Change{Action: rules.ActionNotify}); !errors.Is(err, metaactuator.ErrNoNotifier) {
		t.Errorf("notify without notifier: %v", err)
	}
	if _, err := metaactuator.New(nil); err == nil {
		t.Error("New(nil) accepted")
	}
	if _, err := metaactuator.New(e.c, metaactuator.WithNotifier(nil)); err == nil {
		t.Error("WithNotifier(nil) accepted")
	}
}

// Writes whose outcome cannot be known (a 5xx, a dropped connection) wrap
// rules.ErrOutcomeUnknown; a Graph refusal does not.
func TestActuatorClassifiesUnknownOutcomes(t *testing.T) {
	e := newEnv(t, metaads.WithMaxRetries(1), metaads.WithRetryBackoff(time.Millisecond, time.Millisecond))
	a := e.actuator(t)
	ctx := context.Background()
	pause := rules.Change{Action: rules.ActionPause, Level: metrics.LevelCampaign, EntityID: "2001", Account: "act_1001"}
	for _, f := range []metaadstest.Fault{
		{Method: "POST", Path: "/2001", Kind: metaadstest.FaultHTTP500, Count: -1},
		{Method: "POST", Path: "/2001", Kind: metaadstest.FaultDrop, Count: -1},
	} {
		e.srv.ClearFaults()
		if err := e.srv.InjectFault(f); err != nil {
			t.Fatal(err)
		}
		if err := a.Apply(ctx, pause); !errors.Is(err, rules.ErrOutcomeUnknown) {
			t.Errorf("fault %v: err = %v; want ErrOutcomeUnknown", f.Kind, err)
		}
	}
	e.srv.ClearFaults()
	if err := e.srv.InjectFault(metaadstest.Fault{Method: "POST", Path: "/2001", Kind: metaadstest.FaultError, Status: 400, Code: 100, Message: "Invalid parameter"}); err != nil {
		t.Fatal(err)
	}
	err := a.Apply(ctx, pause)
	if err == nil || errors.Is(err, rules.ErrOutcomeUnknown) {
		t.Errorf("400: err = %v; want a definite failure", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := a.Apply(cctx, pause); !errors.Is(err, rules.ErrOutcomeUnknown) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v; want ErrOutcomeUnknown wrapping context.Canceled", err)
	}
}

// A budget or bid a person changed after the snapshot is not overwritten.
func TestActuatorRefusesStaleWrites(t *testing.T) {
	e := newEnv(t)
	a := e.actuator(t)
	ctx := context.Background()
	acct, _ := metaads.ParseAccountID("act_1001")
	// Someone raises the ad set budget to 9000 and the bid to 450 in Ads Manager.
	if err := e.c.AdSets.UpdateBudget(ctx, acct, "3001", metaads.Budget{Daily: 9000}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.AdSets.UpdateBid(ctx, acct, "3001", 450); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Campaigns.UpdateBudget(ctx, acct, "2002", metaads.Budget{Daily: 30000}); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]rules.Change{
		"ad set budget":   {Action: rules.ActionScaleBudget, Level: metrics.LevelAdSet, EntityID: "3001", Budget: rules.BudgetDaily, From: 5000, To: 4000},
		"bid":             {Action: rules.ActionChangeBid, Level: metrics.LevelAdSet, EntityID: "3001", From: 300, To: 270},
		"campaign budget": {Action: rules.ActionSetBudget, Level: metrics.LevelCampaign, EntityID: "2002", Budget: rules.BudgetDaily, From: 20000, To: 15000},
	} {
		c.Account = "act_1001"
		err := a.Apply(ctx, c)
		if !errors.Is(err, metaactuator.ErrStale) || errors.Is(err, rules.ErrOutcomeUnknown) {
			t.Errorf("%s: err = %v; want ErrStale (a definite failure)", name, err)
		}
	}
	if as, _ := e.srv.AdSet("3001"); as.DailyBudget != 9000 || as.BidAmount != 450 {
		t.Errorf("ad set budget %d, bid %d; want the person's 9000 and 450", as.DailyBudget, as.BidAmount)
	}
	if c, _ := e.srv.Campaign("2002"); c.DailyBudget != 30000 {
		t.Errorf("campaign budget %d; want the person's 30000", c.DailyBudget)
	}
	// A change made on the current value goes through.
	if err := a.Apply(ctx, rules.Change{Account: "act_1001", Action: rules.ActionScaleBudget, Level: metrics.LevelAdSet, EntityID: "3001", Budget: rules.BudgetDaily, From: 9000, To: 7200}); err != nil {
		t.Fatal(err)
	}
	if as, _ := e.srv.AdSet("3001"); as.DailyBudget != 7200 {
		t.Errorf("ad set budget %d; want 7200", as.DailyBudget)
	}
}
