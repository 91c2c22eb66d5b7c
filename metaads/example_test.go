package metaads_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// exampleServer starts a fake with one account, two campaigns and a token.
func exampleServer() (*metaadstest.Server, string) {
	srv, err := metaadstest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	_, err = srv.Seed(metaadstest.Scenario{
		Accounts:  []metaadstest.Account{{ID: "123", Name: "Shop", Currency: "USD"}},
		Users:     []metaadstest.User{{ID: "7", Name: "Ana", AdAccounts: []string{"123"}}},
		Campaigns: []metaadstest.Campaign{{ID: "501", AccountID: "123", Name: "Spring sale", DailyBudget: 5000}, {ID: "502", AccountID: "123", Name: "Retargeting", Status: "PAUSED", DailyBudget: 2500}},
	})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := srv.IssueToken(metaadstest.TokenSpec{UserID: "7"})
	if err != nil {
		log.Fatal(err)
	}
	return srv, tok
}

func Example() {
	srv, token := exampleServer()
	defer srv.Close()

	c, err := metaads.NewClient(
		metaads.WithBaseURL(srv.URL),
		metaads.WithTokenProvider(metaads.StaticTokens{"act_123": token}),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	acct := metaads.MustParseAccountID("123")
	for camp, err := range c.Campaigns.List(ctx, acct, metaads.ListOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %s budget=%d\n", camp.Name, camp.Status, camp.DailyBudget)
	}
	// Output:
	// Spring sale ACTIVE budget=5000
	// Retargeting PAUSED budget=2500
}

func ExampleCampaignsService_UpdateStatus() {
	srv, token := exampleServer()
	defer srv.Close()
	c, err := metaads.NewClient(metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{"*": token}))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	acct := metaads.MustParseAccountID("act_123")
	if err := c.Campaigns.UpdateStatus(ctx, acct, "501", metaads.StatusPaused); err != nil {
		log.Fatal(err)
	}
	camp, err := c.Campaigns.Get(ctx, acct, "501", metaads.GetOptions{Fields: []string{"name", "status"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(camp.Name, camp.Status)
	// An invalid status is refused before anything is sent.
	fmt.Println(c.Campaigns.UpdateStatus(ctx, acct, "501", "RUNNING"))
	// Output:
	// Spring sale PAUSED
	// metaads: status "RUNNING": want ACTIVE, PAUSED, ARCHIVED or DELETED
}

func ExampleListPage() {
	srv, token := exampleServer()
	defer srv.Close()
	c, err := metaads.NewClient(metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{"*": token}))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	acct := metaads.MustParseAccountID("123")
	req := &metaads.Request{Path: "act_123/campaigns", Account: acct,
		Query: map[string][]string{"fields": {"name"}, "limit": {"1"}}}
	after := ""
	for {
		page, err := metaads.ListPage[metaads.Campaign](ctx, c, req, after)
		if err != nil {
			log.Fatal(err)
		}
		for _, camp := range page.Items {
			fmt.Println(camp.Name)
		}
		if !page.HasNext {
			break
		}
		after = page.After // a checkpoint: store it to resume later
	}
	// Output:
	// Spring sale
	// Retargeting
}

func ExampleError() {
	srv, token := exampleServer()
	defer srv.Close()
	c, err := metaads.NewClient(metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{"*": token}))
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.ExpireToken(token); err != nil {
		log.Fatal(err)
	}
	_, err = c.Accounts.Get(context.Background(), metaads.MustParseAccountID("123"), metaads.GetOptions{})
	var apiErr *metaads.Error
	if errors.As(err, &apiErr) {
		fmt.Println("code", apiErr.Code, "subcode", apiErr.Subcode)
	}
	fmt.Println("reconnect needed:", errors.Is(err, metaads.ErrTokenInvalid))
	fmt.Println("expired:", errors.Is(err, metaads.ErrTokenExpired))
	// Output:
	// code 190 subcode 463
	// reconnect needed: true
	// expired: true
}
