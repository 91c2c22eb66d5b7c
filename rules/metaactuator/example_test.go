package metaactuator_test

import (
	"context"
	"fmt"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
	"github.com/adpilot/adpilot/rules/metaactuator"
)

// A stop-loss rule pauses an ad set on the fake Graph API.
func Example() {
	srv, err := metaadstest.NewServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	_, err = srv.Seed(metaadstest.Scenario{
		Users:     []metaadstest.User{{ID: "900", AdAccounts: []string{"1001"}}},
		Accounts:  []metaadstest.Account{{ID: "1001", Currency: "USD"}},
		Campaigns: []metaadstest.Campaign{{ID: "2001", AccountID: "1001", Name: "Sales"}},
		AdSets:    []metaadstest.AdSet{{ID: "3001", CampaignID: "2001", Name: "Prospecting", DailyBudget: 5000}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	token, _ := srv.IssueToken(metaadstest.TokenSpec{UserID: "900"})
	client, err := metaads.NewClient(metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{"act_1001": token}))
	if err != nil {
		fmt.Println(err)
		return
	}

	set, err := rules.CompileJSON([]byte(`{"rules": [{"id": "stop-loss", "level": "adset", "live": true,
	  "conditions": {"all": [
	    {"metric": "spend", "window": "last_7d", "op": ">=", "value": 9000},
	    {"metric": "conversions", "window": "last_7d", "op": "==", "value": 0}]},
	  "action": {"type": "pause"}}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, err := set.Evaluate(&rules.Snapshot{
		Now: time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC),
		Entities: []rules.Entity{{ID: "3001", Name: "Prospecting", Level: metrics.LevelAdSet, Account: "act_1001", Status: "ACTIVE",
			Stats: []rules.WindowCounts{{Window: rules.WindowLast7D, Counts: metrics.Counts{Spend: 12000}}}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	act, err := metaactuator.New(client)
	if err != nil {
		fmt.Println(err)
		return
	}
	x, err := rules.NewExecutor(act)
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := x.Execute(context.Background(), ev)
	if err != nil {
		fmt.Println(err)
		return
	}
	adset, _ := srv.AdSet("3001")
	fmt.Println(rep.Results[0].Outcome, adset.Status)
	// Output: applied PAUSED
}

// Export the default rule library for the demo shop, create the rules Meta
// can run in its rules library, read them back and preview them: the ad
// sets each rule would act on now.
func ExampleCreateAdRules() {
	now := time.Date(2026, 11, 20, 15, 30, 0, 0, time.UTC)
	srv, err := metaadstest.NewServer(metaadstest.WithDemoBusiness(), metaadstest.WithClock(func() time.Time { return now }))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	token, _ := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	shop, _ := metaads.ParseAccountID(metaadstest.DemoAccountShop)
	client, err := metaads.NewClient(metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{shop.String(): token}))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	lib, err := rules.DefaultLibrary(rules.Params{TargetCPA: 2500, GrossMargin: 0.4, HardDailyCap: 20000, Currency: "USD"})
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err := rules.Compile(lib)
	if err != nil {
		fmt.Println(err)
		return
	}
	exp, err := set.ExportMeta(rules.ExportNotify(metaadstest.DemoUserID), rules.ExportConversion(rules.MetaWebsitePurchases))
	if err != nil {
		fmt.Println(err)
		return
	}
	created, err := metaactuator.CreateAdRules(ctx, client, shop, exp)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d rules created, %d parts Meta cannot express\n", len(created), len(exp.Unsupported))
	for _, c := range created {
		r, err := client.AdRules.Get(ctx, shop, c.AdRuleID, metaads.GetOptions{})
		if err != nil {
			fmt.Println(err)
			return
		}
		passing, err := client.AdRules.Preview(ctx, shop, c.AdRuleID)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-22s %-12s %-11s %d passing now\n", c.RuleID, r.ExecutionSpec.ExecutionType, r.ScheduleSpec.ScheduleType, len(passing))
	}
	// Output:
	// 4 rules created, 29 parts Meta cannot express
	// stop-loss              PAUSE        DAILY       0 passing now
	// daily-hard-cap         PAUSE        SEMI_HOURLY 0 passing now
	// frequency-saturation   NOTIFICATION DAILY       0 passing now
	// under-delivery         NOTIFICATION DAILY       0 passing now
}
