package metaadstest

import (
	"fmt"
	"time"
)

// Scenario is a set of objects to seed a server with. Objects refer to each
// other by ID, so give IDs to everything that has children.
type Scenario struct {
	Users     []User     // people who log in; their tokens see their AdAccounts
	Accounts  []Account  // ad accounts
	Campaigns []Campaign // each in one of the Accounts (or a stored account)
	AdSets    []AdSet    // each in one of the Campaigns
	Ads       []Ad       // each in one of the AdSets
	Creatives []Creative // referred to by Ad.CreativeID
}

// Seed adds every object of the scenario, parents first, and returns the
// objects as stored (with assigned IDs and defaults).
func (s *Server) Seed(sc Scenario) (Scenario, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out Scenario
	for _, a := range sc.Accounts {
		x, err := s.st.addAccount(a, now)
		if err != nil {
			return out, err
		}
		out.Accounts = append(out.Accounts, x)
	}
	for _, u := range sc.Users {
		x, err := s.st.addUser(u)
		if err != nil {
			return out, err
		}
		out.Users = append(out.Users, x)
	}
	for _, c := range sc.Creatives {
		x, err := s.st.addCreative(c)
		if err != nil {
			return out, err
		}
		out.Creatives = append(out.Creatives, x)
	}
	for _, c := range sc.Campaigns {
		x, err := s.st.addCampaign(c, now)
		if err != nil {
			return out, err
		}
		out.Campaigns = append(out.Campaigns, x)
	}
	for _, a := range sc.AdSets {
		x, err := s.st.addAdSet(a)
		if err != nil {
			return out, err
		}
		out.AdSets = append(out.AdSets, x)
	}
	for _, a := range sc.Ads {
		x, err := s.st.addAd(a)
		if err != nil {
			return out, err
		}
		out.Ads = append(out.Ads, x)
	}
	return out, nil
}

// AddUser adds (or replaces) a user.
func (s *Server) AddUser(u User) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addUser(u)
}

// AddAccount adds an ad account.
func (s *Server) AddAccount(a Account) (Account, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addAccount(a, now)
}

// AddCampaign adds a campaign to an existing account.
func (s *Server) AddCampaign(c Campaign) (Campaign, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addCampaign(c, now)
}

// AddAdSet adds an ad set to an existing campaign.
func (s *Server) AddAdSet(a AdSet) (AdSet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addAdSet(a)
}

// AddAd adds an ad to an existing ad set.
func (s *Server) AddAd(a Ad) (Ad, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addAd(a)
}

// AddCreative adds a creative to an existing account.
func (s *Server) AddCreative(c Creative) (Creative, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addCreative(c)
}

// Account returns the stored ad account ("123" or "act_123").
func (s *Server) Account(id string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.accounts[trimAct(id)]
	if a == nil {
		return Account{}, false
	}
	return a.Account, true
}

// Campaign returns the stored campaign, with its current status and budgets.
func (s *Server) Campaign(id string) (Campaign, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.campaigns[id]
	if c == nil {
		return Campaign{}, false
	}
	return c.Campaign, true
}

// AdSet returns the stored ad set.
func (s *Server) AdSet(id string) (AdSet, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.adsets[id]
	if a == nil {
		return AdSet{}, false
	}
	return a.AdSet, true
}

// Ad returns the stored ad.
func (s *Server) Ad(id string) (Ad, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.ads[id]
	if a == nil {
		return Ad{}, false
	}
	return a.Ad, true
}

// Objects returns every stored object, in creation order.
func (s *Server) Objects() Scenario {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out Scenario
	for _, id := range s.st.userOrder {
		u := *s.st.users[id]
		u.AdAccounts = append([]string(nil), u.AdAccounts...)
		out.Users = append(out.Users, u)
	}
	for _, id := range s.st.acctOrder {
		out.Accounts = append(out.Accounts, s.st.accounts[id].Account)
	}
	for _, id := range s.st.campOrder {
		out.Campaigns = append(out.Campaigns, s.st.campaigns[id].Campaign)
	}
	for _, id := range s.st.adsetOrder {
		out.AdSets = append(out.AdSets, s.st.adsets[id].AdSet)
	}
	for _, id := range s.st.adOrder {
		out.Ads = append(out.Ads, s.st.ads[id].Ad)
	}
	for _, id := range s.st.creatOrder {
		out.Creatives = append(out.Creatives, *s.st.creatives[id])
	}
	return out
}

// Demo IDs: the demo business's fixed objects, for tests and the demo.
const (
	DemoUserID        = "100000000000042"
	DemoBusinessID    = "200000000000042"
	DemoAccountShop   = "1000000000000001" // USD, Los Angeles: all planted patterns
	DemoAccountLeads  = "1000000000000002" // EUR, Berlin: lead generation
	DemoAccountTokyo  = "1000000000000003" // JPY, Tokyo: zero-decimal currency
	DemoFatiguedAd    = "120400000000000011"
	DemoOverpacingSet = "120300000000000012"
	DemoOverlapSetA   = "120300000000000013"
	DemoOverlapSetB   = "120300000000000014"
	DemoLosingSet     = "120300000000000020" // shop: ROAS below 1, loses money whatever the margin
)

// DemoBusiness returns the demo scenario, anchored so that its accounts
// started 120 days before now: a demo user who can use three ad accounts,
// each with campaigns, ad sets, ads and creatives. The shop account carries
// every planted pattern: a strong hour-of-day effect (0.5) and a
// day-of-week effect (0.25), a seasonal week three weeks ago (+60%), a
// fatiguing creative (DemoFatiguedAd), an over-pacing ad set
// (DemoOverpacingSet, +40%) and two ad sets with overlapping audiences
// (DemoOverlapSetA and DemoOverlapSetB: their targeting shares the same
// geo and two interests, while every other pair of running ad sets is
// disjoint by geography or by exclusions), and a money-losing ad set
// (DemoLosingSet: ads of quality 0.2 on a 150.00 daily budget, so link
// CTR and purchases per dollar are about a fifth of the others' and ROAS
// stays below 1, about 0.6 to 0.8 over a week to a month). The lead
// account's active ad set is learning limited (learning_stage_info FAIL); every other active ad set has exited
// learning (SUCCESS).
func DemoBusiness(now time.Time) Scenario {
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -120)
	sc := Scenario{
		Users: []User{{ID: DemoUserID, Name: "Dana Demo", AdAccounts: []string{DemoAccountShop, DemoAccountLeads, DemoAccountTokyo}}},
		Accounts: []Account{
			{ID: DemoAccountShop, Name: "Demo Shop US", Currency: "USD", TimezoneName: "America/Los_Angeles", BusinessID: DemoBusinessID, BusinessName: "Demo Business",
				CreatedTime: start, HourOfDayEffect: 0.5, DayOfWeekEffect: 0.25, SeasonalWeekStart: start.AddDate(0, 0, 99), SeasonalLift: 0.6},
			{ID: DemoAccountLeads, Name: "Demo Leads EU", Currency: "EUR", TimezoneName: "Europe/Berlin", BusinessID: DemoBusinessID, BusinessName: "Demo Business",
				CreatedTime: start, HourOfDayEffect: 0.2, SpendCap: 5000000},
			{ID: DemoAccountTokyo, Name: "Demo Tokyo", Currency: "JPY", TimezoneName: "Asia/Tokyo", BusinessID: DemoBusinessID, BusinessName: "Demo Business",
				CreatedTime: start, DayOfWeekEffect: 0.15},
		},
	}
	type setSpec struct {
		name           string
		daily          int64
		overpace       float64
		overlap        string
		targeting      string // JSON; see the tg* specs above
		status         string
		ads            int
		fatigue, video bool
		quality        float64
		learning       string
	}
	// Targeting: the two overlap ad sets share a geo (California) and two
	// interests; every other pair of running ad sets is disjoint, as a
	// careful advertiser sets them up: the broad ad set excludes California
	// and the audiences of the retargeting and lookalike ad sets, the
	// prospecting ad sets exclude the site visitors, the lookalike excludes
	// California, and the Advantage+ ad set runs in Canada. (Before, the
	// broad US ad set contained every other US audience: a 100% overlap of
	// the smaller audience that no analysis could honestly call small.)
	const (
		caRegion   = `{"key":"3847","name":"California","country":"US"}`
		exclSite   = `"excluded_custom_audiences":[{"id":"23850000000000001","name":"Site visitors 30d"}]`
		tgBroad    = `{"geo_locations":{"countries":["US"]},"excluded_geo_locations":{"regions":[` + caRegion + `]},"age_min":18,"age_max":65,"excluded_custom_audiences":[{"id":"23850000000000001","name":"Site visitors 30d"},{"id":"23850000000000003","name":"Lookalike (US, 3%) - Purchasers"}]}`
		tgAdvPlus  = `{"geo_locations":{"countries":["CA"]},"age_min":18,"age_max":65,"targeting_automation":{"advantage_audience":1}}`
		tgRunning  = `{"geo_locations":{"regions":[` + caRegion + `]},"age_min":21,"age_max":55,"flexible_spec":[{"interests":[{"id":"6003277229526","name":"Running"},{"id":"6003384248805","name":"Fitness and wellness"},{"id":"6003107902433","name":"Jogging"}]}],` + exclSite + `}`
		tgMarathon = `{"geo_locations":{"regions":[` + caRegion + `]},"age_min":25,"age_max":55,"flexible_spec":[{"interests":[{"id":"6003277229526","name":"Running"},{"id":"6003384248805","name":"Fitness and wellness"},{"id":"6003139266461","name":"Marathon"}]}],` + exclSite + `}`
		tgSite     = `{"geo_locations":{"countries":["US"]},"age_min":18,"age_max":65,"custom_audiences":[{"id":"23850000000000001","name":"Site visitors 30d"}]}`
		tgVideo    = `{"geo_locations":{"countries":["US","CA"]},"age_min":18,"age_max":44,"flexible_spec":[{"interests":[{"id":"6003020834693","name":"Music videos"}]}]}`
		tgDACH     = `{"geo_locations":{"countries":["DE","AT","CH"]},"age_min":25,"age_max":54,"flexible_spec":[{"interests":[{"id":"6003402305839","name":"Business software"}]}]}`
		tgLookalk  = `{"geo_locations":{"countries":["DE"]},"age_min":25,"age_max":54,"custom_audiences":[{"id":"23850000000000002","name":"Lookalike (DE, 1%) - Leads"}]}`
		tgLookUS   = `{"geo_locations":{"countries":["US"]},"excluded_geo_locations":{"regions":[` + caRegion + `]},"age_min":25,"age_max":60,"custom_audiences":[{"id":"23850000000000003","name":"Lookalike (US, 3%) - Purchasers"}],` + exclSite + `}`
		tgTokyo    = `{"geo_locations":{"cities":[{"key":"2464447","name":"Tokyo"}]},"age_min":20,"age_max":39,"flexible_spec":[{"interests":[{"id":"6003059733932","name":"Anime"}]}]}`
	)
	type campSpec struct {
		acct, name, objective, status string
		sets                          []setSpec
	}
	camps := []campSpec{
		{DemoAccountShop, "Prospecting - Broad", "OUTCOME_SALES", "ACTIVE", []setSpec{
			{name: "Broad 18-65", targeting: tgBroad, daily: 15000, ads: 3, fatigue: true, quality: 1.2},
			{name: "Advantage+ Audience", targeting: tgAdvPlus, daily: 10000, overpace: 0.4, ads: 2},
		}},
		{DemoAccountShop, "Prospecting - Interests", "OUTCOME_SALES", "ACTIVE", []setSpec{
			{name: "Interests: Running", targeting: tgRunning, daily: 8000, overlap: "fitness", ads: 2, video: true},
			{name: "Interests: Marathon", targeting: tgMarathon, daily: 8000, overlap: "fitness", ads: 2, quality: 0.8},
		}},
		{DemoAccountShop, "Retargeting", "OUTCOME_SALES", "ACTIVE", []setSpec{
			{name: "Site visitors 30d", targeting: tgSite, daily: 5000, ads: 2, quality: 1.5},
		}},
		{DemoAccountShop, "Brand Awareness (paused)", "OUTCOME_AWARENESS", "PAUSED", []setSpec{
			{name: "Video viewers", targeting: tgVideo, daily: 3000, ads: 1, video: true},
		}},
		{DemoAccountLeads, "Lead Gen - Webinar", "OUTCOME_LEADS", "ACTIVE", []setSpec{
			{name: "DACH 25-54", targeting: tgDACH, daily: 6000, ads: 2, learning: "FAIL"},
			{name: "Lookalike 1%", targeting: tgLookalk, daily: 4000, ads: 2, status: "PAUSED"},
		}},
		{DemoAccountTokyo, "Tokyo Traffic", "OUTCOME_TRAFFIC", "ACTIVE", []setSpec{
			{name: "Tokyo 20-39", targeting: tgTokyo, daily: 300000, ads: 2, video: true},
		}},
		// Last, so that the ids of the objects above stay as they were.
		{DemoAccountShop, "Prospecting - Lookalike", "OUTCOME_SALES", "ACTIVE", []setSpec{
			{name: "Lookalike 3% US", targeting: tgLookUS, daily: 15000, ads: 2, quality: 0.2},
		}},
	}
	nc, ns, na, ncr := 0, 0, 0, 0
	for _, cs := range camps {
		nc++
		cid := fmt.Sprintf("1202000000000000%02d", nc)
		sc.Campaigns = append(sc.Campaigns, Campaign{ID: cid, AccountID: cs.acct, Name: cs.name, Objective: cs.objective, Status: cs.status, StartTime: start})
		for _, ss := range cs.sets {
			ns++
			sid := fmt.Sprintf("1203000000000000%02d", ns+10)
			sc.AdSets = append(sc.AdSets, AdSet{ID: sid, CampaignID: cid, Name: ss.name, DailyBudget: ss.daily, Overpace: ss.overpace,
				OverlapGroup: ss.overlap, Targeting: ss.targeting, Status: ss.status, StartTime: start, LearningStage: ss.learning})
			for i := 0; i < ss.ads; i++ {
				na++
				ncr++
				crid := fmt.Sprintf("1205000000000000%02d", ncr+10)
				sc.Creatives = append(sc.Creatives, Creative{ID: crid, AccountID: cs.acct, Name: fmt.Sprintf("%s creative %d", ss.name, i+1),
					Title: "Made for the long run", Body: "Shop the new collection.", LinkURL: "https://shop.example.com/", ImageURL: "https://shop.example.com/img.jpg", Video: ss.video})
				ad := Ad{ID: fmt.Sprintf("1204000000000000%02d", na+10), AdSetID: sid, CreativeID: crid, Name: fmt.Sprintf("%s - Ad %d", ss.name, i+1), Quality: ss.quality}
				if ss.fatigue && i == 0 {
					// A newer creative that has run five weeks: its frequency
					// climbs from about 1.3 to over 3 and its CTR halves.
					ad.FatigueRate = 0.35
					ad.CreatedTime = start.AddDate(0, 0, 85)
				}
				if ad.Quality == 0 {
					ad.Quality = 1
				}
				sc.Ads = append(sc.Ads, ad)
			}
		}
	}
	return sc
}

// SetLoginUser changes who "logs in" on the consent page from now on (see
// WithLoginUser), as when another person uses the browser: a test can
// connect several people's Meta accounts to one app. The user must exist.
func (s *Server) SetLoginUser(userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.users[userID] == nil {
		return fmt.Errorf("metaadstest: SetLoginUser: no user %q; add it first (AddUser)", userID)
	}
	s.cfg.loginUser = userID
	return nil
}
