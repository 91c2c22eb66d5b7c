package metaadstest_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// getJSON calls the fake with a token in the Authorization header.
func getJSON(u, token string, out any) error {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(out)
}

func Example() {
	clock := func() time.Time { return time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC) }
	srv, err := metaadstest.NewServer(metaadstest.WithDemoBusiness(), metaadstest.WithClock(clock))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	token, err := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID, TTL: time.Hour})
	if err != nil {
		log.Fatal(err)
	}

	var accounts struct {
		Data []struct{ ID, Name, Currency string }
	}
	if err := getJSON(srv.URL+"/v26.0/me/adaccounts?fields=name,currency", token, &accounts); err != nil {
		log.Fatal(err)
	}
	for _, a := range accounts.Data {
		fmt.Println(a.ID, a.Name, a.Currency)
	}

	// Yesterday's totals per campaign: numbers arrive as strings.
	q := url.Values{"level": {"campaign"}, "date_preset": {"yesterday"}, "fields": {"campaign_name,spend"}}
	var insights struct {
		Data []struct {
			CampaignName string `json:"campaign_name"`
			Spend        string `json:"spend"`
			DateStart    string `json:"date_start"`
		}
	}
	if err := getJSON(srv.URL+"/v26.0/act_"+metaadstest.DemoAccountShop+"/insights?"+q.Encode(), token, &insights); err != nil {
		log.Fatal(err)
	}
	for _, r := range insights.Data {
		fmt.Println(r.DateStart, r.CampaignName, r.Spend)
	}
	// Output:
	// act_1000000000000001 Demo Shop US USD
	// act_1000000000000002 Demo Leads EU EUR
	// act_1000000000000003 Demo Tokyo JPY
	// 2026-11-19 Prospecting - Broad 265.34
	// 2026-11-19 Prospecting - Interests 145.85
	// 2026-11-19 Retargeting 47.29
	// 2026-11-19 Prospecting - Lookalike 139.17
}

// A fault makes the next matching request fail the way Meta's API can.
func ExampleServer_InjectFault() {
	srv, err := metaadstest.NewServer(metaadstest.WithDemoBusiness())
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	token, _ := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	err = srv.InjectFault(metaadstest.Fault{Method: "GET", Path: "/me", Kind: metaadstest.FaultCode2})
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		var body struct {
			ID    string
			Error *struct {
				Code        int
				IsTransient bool `json:"is_transient"`
			}
		}
		if err := getJSON(srv.URL+"/v26.0/me", token, &body); err != nil {
			log.Fatal(err)
		}
		if body.Error != nil {
			fmt.Println("error", body.Error.Code, "transient:", body.Error.IsTransient)
		} else {
			fmt.Println("user", body.ID)
		}
	}
	// Output:
	// error 2 transient: true
	// user 100000000000042
}
