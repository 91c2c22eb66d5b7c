package metaadstest

import (
	"fmt"
	"time"
)

// Scale sizes a synthetic business for load tests and benchmarks (see
// ScaleBusiness and WithScaleBusiness).
type Scale struct {
	// Accounts is the number of ad accounts, 1 to 1,000 (default 1). They
	// are ScaleAccountID(1) ... ScaleAccountID(Accounts).
	Accounts int
	// AdsPerAccount is the number of active ads in each account, 1 to
	// 100,000: ten ads per ad set, ten ad sets per campaign.
	AdsPerAccount int
	// Days is how many days of history every ad has, 1 to 1,100 (about
	// the 37 months Meta keeps): each ad delivers every day from Days days
	// before now through today.
	Days int
}

// ScaleAccountID is the id (digits, without "act_") of the i-th account of
// a scale business, counting from 1: 2000000000000001, 2000000000000002, ...
func ScaleAccountID(i int) string { return fmt.Sprintf("2%015d", i) }

// ScaleBusiness returns a business of sc.Accounts ad accounts (USD, Los
// Angeles) with sc.AdsPerAccount active ads each, all running for sc.Days
// days before now, that the user DemoUserID can use. An ad-level daily
// insights pull over the last d days of one account returns
// AdsPerAccount × d rows (plus today's when the range includes it):
// 5,000 ads over 200 days serve 1,000,000 rows. Seeding stores only the
// objects; insights rows are derived when a query asks for them.
func ScaleBusiness(now time.Time, sc Scale) (Scenario, error) {
	if err := sc.check(); err != nil {
		return Scenario{}, fmt.Errorf("metaadstest: ScaleBusiness: %w", err)
	}
	if sc.Accounts == 0 {
		sc.Accounts = 1
	}
	start := scaleStart(now, sc.Days)
	out := Scenario{Users: []User{{ID: DemoUserID, Name: "Dana Demo"}}}
	for i := 1; i <= sc.Accounts; i++ {
		id := ScaleAccountID(i)
		out.Users[0].AdAccounts = append(out.Users[0].AdAccounts, id)
		scaleAccount(&out, start, id, fmt.Sprintf("Scale Test %d", i), sc.AdsPerAccount, 10, 10)
	}
	return out, nil
}

func (sc Scale) check() error {
	switch {
	case sc.Accounts < 0 || sc.Accounts > 1000:
		return fmt.Errorf("scale: Accounts %d is outside 0..1000 (0 means 1)", sc.Accounts)
	case sc.AdsPerAccount < 1 || sc.AdsPerAccount > 100000:
		return fmt.Errorf("scale: AdsPerAccount %d is outside 1..100000", sc.AdsPerAccount)
	case sc.Days < 1 || sc.Days > 1100:
		return fmt.Errorf("scale: Days %d is outside 1..1100", sc.Days)
	}
	return nil
}

// ScaleScenario returns one ad account (USD, Los Angeles) with campaigns ×
// adSetsPerCampaign × adsPerAdSet active ads that started days before now,
// for load tests and benchmarks: 500 ads over 200 days give 100,000 ad-level
// daily insights rows. The user DemoUserID can use the account. Counts must
// be positive and the total at most 100,000 ads.
func ScaleScenario(now time.Time, accountID string, campaigns, adSetsPerCampaign, adsPerAdSet, days int) (Scenario, error) {
	if campaigns <= 0 || adSetsPerCampaign <= 0 || adsPerAdSet <= 0 || days <= 0 {
		return Scenario{}, fmt.Errorf("metaadstest: ScaleScenario: counts and days must be positive, got %d, %d, %d, %d", campaigns, adSetsPerCampaign, adsPerAdSet, days)
	}
	if campaigns*adSetsPerCampaign*adsPerAdSet > 100000 {
		return Scenario{}, fmt.Errorf("metaadstest: ScaleScenario: %d ads is more than 100,000", campaigns*adSetsPerCampaign*adsPerAdSet)
	}
	accountID = trimAct(accountID)
	if !isDigits(accountID) {
		return Scenario{}, fmt.Errorf("metaadstest: ScaleScenario: account id %q must be digits", accountID)
	}
	sc := Scenario{Users: []User{{ID: DemoUserID, Name: "Dana Demo", AdAccounts: []string{accountID}}}}
	scaleAccount(&sc, scaleStart(now, days), accountID, "Scale Test", campaigns*adSetsPerCampaign*adsPerAdSet, adsPerAdSet, adSetsPerCampaign)
	return sc, nil
}

func scaleStart(now time.Time, days int) time.Time {
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -days)
}

// scaleAccount adds an account with ads active ads, adsPerSet to an ad set
// and setsPerCampaign ad sets to a campaign (the last ones may be partly
// filled), all started at start.
func scaleAccount(sc *Scenario, start time.Time, accountID, name string, ads, adsPerSet, setsPerCampaign int) {
	sc.Accounts = append(sc.Accounts, Account{ID: accountID, Name: name, CreatedTime: start, HourOfDayEffect: 0.3})
	var cid, sid string
	for i := range ads {
		c, s, a := i/(adsPerSet*setsPerCampaign), i/adsPerSet%setsPerCampaign, i%adsPerSet
		if s == 0 && a == 0 {
			cid = fmt.Sprintf("9%s%04d", accountID[max(0, len(accountID)-6):], c)
			sc.Campaigns = append(sc.Campaigns, Campaign{ID: cid, AccountID: accountID, Name: fmt.Sprintf("Campaign %d", c+1), StartTime: start})
		}
		if a == 0 {
			sid = fmt.Sprintf("%s%03d", cid, s)
			sc.AdSets = append(sc.AdSets, AdSet{ID: sid, CampaignID: cid, Name: fmt.Sprintf("Ad set %d.%d", c+1, s+1), DailyBudget: 5000, StartTime: start})
		}
		sc.Ads = append(sc.Ads, Ad{ID: fmt.Sprintf("%s%03d", sid, a), AdSetID: sid, Name: fmt.Sprintf("Ad %d.%d.%d", c+1, s+1, a+1)})
	}
}

// WithScaleBusiness seeds the server with ScaleBusiness(now, sc) instead of
// the demo business: the two cannot be combined, as both give DemoUserID
// its ad accounts.
func WithScaleBusiness(sc Scale) Option {
	return func(c *config) error {
		if err := sc.check(); err != nil {
			return fmt.Errorf("metaadstest: WithScaleBusiness: %w", err)
		}
		c.scale = &sc
		return nil
	}
}

// UnthrottledRateLimits are budgets so large (a billion points per hour on
// every quota) that no pull is ever throttled, while the usage headers are
// still sent on every answer (at about 0%), for benchmarks.
func UnthrottledRateLimits() RateLimits {
	const huge = 1_000_000_000
	return RateLimits{Window: time.Hour, App: huge, AccountScore: huge, Management: huge, Insights: huge, Tier: "standard_access", AccountScoreCode: 17}
}
