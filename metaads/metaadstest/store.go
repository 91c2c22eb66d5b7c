package metaadstest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // account time zones must resolve on machines without a zoneinfo database
)

// User is a person who can log in to the fake app.
type User struct {
	// ID is the user id (digits). Assigned when empty.
	ID string
	// Name is returned by /me.
	Name string
	// AdAccounts are the ad account ids ("123" or "act_123") the user can use.
	AdAccounts []string
}

// Account is an ad account.
type Account struct {
	// ID is the account id without the "act_" prefix. Assigned when empty.
	ID       string
	Name     string // default "Ad Account {ID}"
	Currency string // ISO code, default "USD"
	// TimezoneName is an IANA zone such as "America/Los_Angeles" (default).
	// Insights days and date presets follow it.
	TimezoneName  string
	AccountStatus int       // default 1 (ACTIVE)
	SpendCap      int64     // minor units, 0 = no cap
	BusinessID    string    // owning business id, reported as business{id,name}
	BusinessName  string    // owning business name
	CreatedTime   time.Time // default 120 days before the server's now; insights start here

	// Planted patterns of the insights generator.

	// HourOfDayEffect is the amplitude (0..0.9) of an hour-of-day effect on
	// CTR and conversion rate: both are multiplied by 1+A·cos(2π(h-20)/24),
	// so the best hour (20:00) converts (1+A)/(1-A) times as well as the worst.
	HourOfDayEffect float64
	// DayOfWeekEffect is the same for weekdays: 1+A·cos(2π(d-6)/7) with
	// Saturday (6) best.
	DayOfWeekEffect float64
	// SeasonalWeekStart starts a seven-day season (zero: none) in which
	// conversion rate and order value are multiplied by 1+SeasonalLift.
	SeasonalWeekStart time.Time
	SeasonalLift      float64 // 0..10; see SeasonalWeekStart
}

// Campaign is a campaign.
type Campaign struct {
	ID          string // assigned when empty
	AccountID   string // required, without "act_"
	Name        string // default "Campaign {ID}"
	Objective   string // default OUTCOME_SALES
	Status      string // ACTIVE (default), PAUSED, DELETED, ARCHIVED
	BidStrategy string // default LOWEST_COST_WITHOUT_CAP
	// DailyBudget or LifetimeBudget (minor units) make this a campaign-budget
	// (CBO) campaign; its ad sets then have none.
	DailyBudget    int64
	LifetimeBudget int64     // minor units; see DailyBudget
	SpendCap       int64     // minor units, 0 = no cap
	StartTime      time.Time // default: the account's CreatedTime
	StopTime       time.Time // zero: runs on
	CreatedTime    time.Time // default StartTime
	UpdatedTime    time.Time // default CreatedTime; set by every update
}

// AdSet is an ad set.
type AdSet struct {
	ID               string // assigned when empty
	CampaignID       string // required
	AccountID        string // taken from the campaign
	Name             string // default "Ad Set {ID}"
	Status           string // ACTIVE (default), PAUSED, DELETED, ARCHIVED
	DailyBudget      int64  // minor units
	LifetimeBudget   int64  // minor units; needs EndTime
	BidAmount        int64  // minor units, 0 = none (bid_amount left out)
	BillingEvent     string // default IMPRESSIONS
	OptimizationGoal string // default LEAD_GENERATION under OUTCOME_LEADS, else OFFSITE_CONVERSIONS
	// CustomEventType is promoted_object.custom_event_type, the pixel event
	// the ad set optimises for. Default PURCHASE under OUTCOME_SALES, LEAD
	// under OUTCOME_LEADS; "NONE" leaves the promoted object out, as do
	// other objectives by default.
	CustomEventType string
	// LearningStage is learning_stage_info.status (LEARNING, SUCCESS or
	// FAIL), reported while the ad set is active. Empty derives it:
	// LEARNING within 7 days of LastSignificantEdit, SUCCESS after.
	LearningStage string
	// LastSignificantEdit is learning_stage_info.last_sig_edit_ts (default
	// CreatedTime). A write that changes the budget by more than 20%,
	// changes the bid or re-activates a paused ad set sets it to the time
	// of the write and restarts learning (LearningStage derived again).
	LastSignificantEdit time.Time
	// Targeting is the targeting spec as JSON (default a US 18-65 spec).
	Targeting   string
	StartTime   time.Time // default: the campaign's StartTime
	EndTime     time.Time // zero: runs on; required with LifetimeBudget
	CreatedTime time.Time // default StartTime
	UpdatedTime time.Time // default CreatedTime; set by every update

	// Overpace plants over-pacing: daily spend runs at (1+Overpace) times the
	// daily budget instead of 85-99% of it.
	Overpace float64
	// OverlapGroup plants audience overlap: ad sets sharing a non-empty group
	// report a deduping_ratio of OverlapRatio (default 0.3) in insights.
	OverlapGroup string
	OverlapRatio float64 // within 0..1; see OverlapGroup
}

// Ad is an ad.
type Ad struct {
	ID          string    // assigned when empty
	AdSetID     string    // required
	CampaignID  string    // taken from the ad set
	AccountID   string    // taken from the ad set
	CreativeID  string    // optional
	Name        string    // default "Ad {ID}"
	Status      string    // ACTIVE (default), PAUSED, DELETED, ARCHIVED
	CreatedTime time.Time // default the ad set's StartTime
	UpdatedTime time.Time // default CreatedTime; set by every update

	// Quality scales the ad's baseline CTR (default 1) and drives its rankings.
	Quality float64
	// FatigueRate plants creative fatigue: the ad's daily frequency climbs by
	// FatigueRate·(base frequency) per week since StartTime, and CTR falls in
	// proportion, CTR ∝ 1/frequency.
	FatigueRate float64
}

// Creative is an ad creative.
type Creative struct {
	ID               string // assigned when empty
	AccountID        string // required
	Name             string // creative name
	Title            string // headline
	Body             string // primary text
	LinkURL          string // destination URL
	ImageURL         string // image shown
	CallToActionType string // default SHOP_NOW
	Status           string // default ACTIVE
	// Video marks a video creative: insights then carry video metrics.
	Video bool
}

type statusChange struct {
	at     time.Time
	status string
}

type budgetChange struct {
	at       time.Time
	daily    int64
	lifetime int64
}

type accountRec struct {
	Account
	loc *time.Location
}

type campaignRec struct {
	Campaign
	statuses []statusChange
	budgets  []budgetChange
}

type adSetRec struct {
	AdSet
	statuses []statusChange
	budgets  []budgetChange
}

type adRec struct {
	Ad
	statuses []statusChange
}

// store holds every object; guarded by Server.mu.
type store struct {
	users     map[string]*User
	userOrder []string
	accounts  map[string]*accountRec
	acctOrder []string
	campaigns map[string]*campaignRec
	adsets    map[string]*adSetRec
	ads       map[string]*adRec
	creatives map[string]*Creative
	// children in creation order
	campOrder  []string
	adsetOrder []string
	adOrder    []string
	creatOrder []string
	rules      map[string]*adRuleRec // automated rules (adrules.go)
	ruleOrder  []string
	nextID     map[string]int64
	version    uint64 // bumped on every write that can change insights
}

func newStore() *store {
	return &store{
		users: map[string]*User{}, accounts: map[string]*accountRec{},
		campaigns: map[string]*campaignRec{}, adsets: map[string]*adSetRec{},
		ads: map[string]*adRec{}, creatives: map[string]*Creative{},
		rules: map[string]*adRuleRec{}, nextID: map[string]int64{},
	}
}

var idBase = map[string]int64{
	"user": 100000000000100, "account": 1000000000000100, "campaign": 120200000000000100,
	"adset": 120300000000000100, "ad": 120400000000000100, "creative": 120500000000000100,
	"run": 602000000000100, "rule": 238000000000100,
}

func (st *store) newID(kind string) string {
	st.nextID[kind]++
	return strconv.FormatInt(idBase[kind]+st.nextID[kind], 10)
}

// objectKind names the kind of the object with the id ("" when none).
func (st *store) objectKind(id string) string {
	switch {
	case strings.HasPrefix(id, "act_"):
		if _, ok := st.accounts[strings.TrimPrefix(id, "act_")]; ok {
			return "account"
		}
	case st.campaigns[id] != nil:
		return "campaign"
	case st.adsets[id] != nil:
		return "adset"
	case st.ads[id] != nil:
		return "ad"
	case st.creatives[id] != nil:
		return "creative"
	}
	return ""
}

// accountOf returns the account digits owning the object id ("" if none).
func (st *store) accountOf(id string) string {
	if a, ok := strings.CutPrefix(id, "act_"); ok {
		return a
	}
	if c := st.campaigns[id]; c != nil {
		return c.AccountID
	}
	if s := st.adsets[id]; s != nil {
		return s.AccountID
	}
	if a := st.ads[id]; a != nil {
		return a.AccountID
	}
	if c := st.creatives[id]; c != nil {
		return c.AccountID
	}
	if r := st.rules[id]; r != nil {
		return r.account
	}
	return ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

var validStatuses = []string{"ACTIVE", "PAUSED", "DELETED", "ARCHIVED"}

func checkStatus(what, s string) (string, error) {
	if s == "" {
		return "ACTIVE", nil
	}
	if !slices.Contains(validStatuses, s) {
		return "", fmt.Errorf("metaadstest: %s status %q is not one of %v", what, s, validStatuses)
	}
	return s, nil
}

func (st *store) addUser(u User) (User, error) {
	if u.ID == "" {
		u.ID = st.newID("user")
	} else if !isDigits(u.ID) {
		return User{}, fmt.Errorf("metaadstest: user id %q must be digits", u.ID)
	}
	setDefault(&u.Name, "Test User "+u.ID)
	accts := make([]string, 0, len(u.AdAccounts))
	for _, a := range u.AdAccounts {
		a = strings.TrimPrefix(a, "act_")
		if !isDigits(a) {
			return User{}, fmt.Errorf("metaadstest: user ad account %q must be digits or act_digits", a)
		}
		accts = append(accts, a)
	}
	u.AdAccounts = accts
	if old := st.users[u.ID]; old != nil {
		*old = u
		return u, nil
	}
	st.users[u.ID] = &u
	st.userOrder = append(st.userOrder, u.ID)
	return u, nil
}

func (st *store) addAccount(a Account, now time.Time) (Account, error) {
	a.ID = strings.TrimPrefix(a.ID, "act_")
	if a.ID == "" {
		a.ID = st.newID("account")
	} else if !isDigits(a.ID) {
		return Account{}, fmt.Errorf("metaadstest: account id %q must be digits or act_digits", a.ID)
	}
	if st.accounts[a.ID] != nil {
		return Account{}, fmt.Errorf("metaadstest: account %s already exists", a.ID)
	}
	setDefault(&a.Name, "Ad Account "+a.ID)
	setDefault(&a.Currency, "USD")
	if len(a.Currency) != 3 {
		return Account{}, fmt.Errorf("metaadstest: account currency %q is not a 3-letter ISO code", a.Currency)
	}
	a.Currency = strings.ToUpper(a.Currency)
	setDefault(&a.TimezoneName, "America/Los_Angeles")
	loc, err := time.LoadLocation(a.TimezoneName)
	if err != nil {
		return Account{}, fmt.Errorf("metaadstest: account time zone %q: %w", a.TimezoneName, err)
	}
	if a.AccountStatus == 0 {
		a.AccountStatus = 1
	}
	if a.CreatedTime.IsZero() {
		a.CreatedTime = now.AddDate(0, 0, -120)
	}
	if a.HourOfDayEffect < 0 || a.HourOfDayEffect > 0.9 || a.DayOfWeekEffect < 0 || a.DayOfWeekEffect > 0.9 {
		return Account{}, fmt.Errorf("metaadstest: account %s: HourOfDayEffect and DayOfWeekEffect must be within 0..0.9", a.ID)
	}
	if a.SeasonalLift < 0 || a.SeasonalLift > 10 {
		return Account{}, fmt.Errorf("metaadstest: account %s: SeasonalLift must be within 0..10", a.ID)
	}
	st.accounts[a.ID] = &accountRec{Account: a, loc: loc}
	st.acctOrder = append(st.acctOrder, a.ID)
	st.version++
	return a, nil
}

func (st *store) addCampaign(c Campaign, now time.Time) (Campaign, error) {
	c.AccountID = strings.TrimPrefix(c.AccountID, "act_")
	acct := st.accounts[c.AccountID]
	if acct == nil {
		return Campaign{}, fmt.Errorf("metaadstest: campaign account %q does not exist", c.AccountID)
	}
	var err error
	if c.Status, err = checkStatus("campaign", c.Status); err != nil {
		return Campaign{}, err
	}
	if c.ID == "" {
		c.ID = st.newID("campaign")
	} else if !isDigits(c.ID) || st.objectKind(c.ID) != "" {
		return Campaign{}, fmt.Errorf("metaadstest: campaign id %q must be unused digits", c.ID)
	}
	if c.DailyBudget < 0 || c.LifetimeBudget < 0 || c.DailyBudget > 0 && c.LifetimeBudget > 0 {
		return Campaign{}, fmt.Errorf("metaadstest: campaign %s: set at most one of DailyBudget and LifetimeBudget, not negative", c.ID)
	}
	setDefault(&c.Name, "Campaign "+c.ID)
	setDefault(&c.Objective, "OUTCOME_SALES")
	setDefault(&c.BidStrategy, "LOWEST_COST_WITHOUT_CAP")
	if c.StartTime.IsZero() {
		c.StartTime = acct.CreatedTime
	}
	defaultTimes(&c.CreatedTime, &c.UpdatedTime, c.StartTime)
	st.campaigns[c.ID] = &campaignRec{Campaign: c,
		statuses: []statusChange{{c.CreatedTime, c.Status}},
		budgets:  []budgetChange{{c.CreatedTime, c.DailyBudget, c.LifetimeBudget}}}
	st.campOrder = append(st.campOrder, c.ID)
	st.version++
	return c, nil
}

func (st *store) addAdSet(s AdSet) (AdSet, error) {
	camp := st.campaigns[s.CampaignID]
	if camp == nil {
		return AdSet{}, fmt.Errorf("metaadstest: ad set campaign %q does not exist", s.CampaignID)
	}
	s.AccountID = camp.AccountID
	var err error
	if s.Status, err = checkStatus("ad set", s.Status); err != nil {
		return AdSet{}, err
	}
	if s.ID == "" {
		s.ID = st.newID("adset")
	} else if !isDigits(s.ID) || st.objectKind(s.ID) != "" {
		return AdSet{}, fmt.Errorf("metaadstest: ad set id %q must be unused digits", s.ID)
	}
	cbo := camp.DailyBudget > 0 || camp.LifetimeBudget > 0
	switch {
	case s.DailyBudget < 0 || s.LifetimeBudget < 0:
		return AdSet{}, fmt.Errorf("metaadstest: ad set %s: budgets must not be negative", s.ID)
	case cbo && (s.DailyBudget > 0 || s.LifetimeBudget > 0):
		return AdSet{}, fmt.Errorf("metaadstest: ad set %s: campaign %s has a campaign budget; an ad set budget cannot be set too", s.ID, camp.ID)
	case !cbo && (s.DailyBudget > 0) == (s.LifetimeBudget > 0):
		return AdSet{}, fmt.Errorf("metaadstest: ad set %s: set exactly one of DailyBudget and LifetimeBudget (campaign %s has no budget)", s.ID, camp.ID)
	case s.LifetimeBudget > 0 && s.EndTime.IsZero():
		return AdSet{}, fmt.Errorf("metaadstest: ad set %s: LifetimeBudget needs EndTime", s.ID)
	case s.Overpace < 0 || s.Overpace > 5:
		return AdSet{}, fmt.Errorf("metaadstest: ad set %s: Overpace must be within 0..5", s.ID)
	case s.OverlapRatio < 0 || s.OverlapRatio >= 1:
		return AdSet{}, fmt.Errorf("metaadstest: ad set %s: OverlapRatio must be within 0..1", s.ID)
	}
	if s.OverlapGroup != "" && s.OverlapRatio == 0 {
		s.OverlapRatio = 0.3
	}
	setDefault(&s.Name, "Ad Set "+s.ID)
	setDefault(&s.BillingEvent, "IMPRESSIONS")
	switch camp.Objective {
	case "OUTCOME_LEADS":
		setDefault(&s.OptimizationGoal, "LEAD_GENERATION")
		setDefault(&s.CustomEventType, "LEAD")
	case "OUTCOME_SALES":
		setDefault(&s.CustomEventType, "PURCHASE")
	}
	setDefault(&s.OptimizationGoal, "OFFSITE_CONVERSIONS")
	switch s.LearningStage {
	case "", "LEARNING", "SUCCESS", "FAIL":
	default:
		return AdSet{}, fmt.Errorf("metaadstest: ad set %s: LearningStage %q is not LEARNING, SUCCESS or FAIL", s.ID, s.LearningStage)
	}
	setDefault(&s.Targeting, `{"geo_locations":{"countries":["US"]},"age_min":18,"age_max":65}`)
	if s.StartTime.IsZero() {
		s.StartTime = camp.StartTime
	}
	defaultTimes(&s.CreatedTime, &s.UpdatedTime, s.StartTime)
	if s.LastSignificantEdit.IsZero() {
		s.LastSignificantEdit = s.CreatedTime
	}
	st.adsets[s.ID] = &adSetRec{AdSet: s,
		statuses: []statusChange{{s.CreatedTime, s.Status}},
		budgets:  []budgetChange{{s.CreatedTime, s.DailyBudget, s.LifetimeBudget}}}
	st.adsetOrder = append(st.adsetOrder, s.ID)
	st.version++
	return s, nil
}

func (st *store) addAd(a Ad) (Ad, error) {
	set := st.adsets[a.AdSetID]
	if set == nil {
		return Ad{}, fmt.Errorf("metaadstest: ad's ad set %q does not exist", a.AdSetID)
	}
	a.CampaignID, a.AccountID = set.CampaignID, set.AccountID
	var err error
	if a.Status, err = checkStatus("ad", a.Status); err != nil {
		return Ad{}, err
	}
	if a.ID == "" {
		a.ID = st.newID("ad")
	} else if !isDigits(a.ID) || st.objectKind(a.ID) != "" {
		return Ad{}, fmt.Errorf("metaadstest: ad id %q must be unused digits", a.ID)
	}
	if a.CreativeID != "" {
		cr := st.creatives[a.CreativeID]
		if cr == nil || cr.AccountID != a.AccountID {
			return Ad{}, fmt.Errorf("metaadstest: ad %s: creative %q does not exist in account %s", a.ID, a.CreativeID, a.AccountID)
		}
	}
	if a.Quality == 0 {
		a.Quality = 1
	}
	if a.Quality < 0 || a.Quality > 10 || a.FatigueRate < 0 || a.FatigueRate > 5 {
		return Ad{}, fmt.Errorf("metaadstest: ad %s: Quality must be within 0..10 and FatigueRate within 0..5", a.ID)
	}
	setDefault(&a.Name, "Ad "+a.ID)
	defaultTimes(&a.CreatedTime, &a.UpdatedTime, set.StartTime)
	st.ads[a.ID] = &adRec{Ad: a, statuses: []statusChange{{a.CreatedTime, a.Status}}}
	st.adOrder = append(st.adOrder, a.ID)
	st.version++
	return a, nil
}

func (st *store) addCreative(c Creative) (Creative, error) {
	c.AccountID = strings.TrimPrefix(c.AccountID, "act_")
	if st.accounts[c.AccountID] == nil {
		return Creative{}, fmt.Errorf("metaadstest: creative account %q does not exist", c.AccountID)
	}
	if c.ID == "" {
		c.ID = st.newID("creative")
	} else if !isDigits(c.ID) || st.objectKind(c.ID) != "" {
		return Creative{}, fmt.Errorf("metaadstest: creative id %q must be unused digits", c.ID)
	}
	setDefault(&c.Name, "Creative "+c.ID)
	setDefault(&c.CallToActionType, "SHOP_NOW")
	setDefault(&c.Status, "ACTIVE")
	st.creatives[c.ID] = &c
	st.creatOrder = append(st.creatOrder, c.ID)
	return c, nil
}

// setDefault sets an empty string field to its default.
func setDefault(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

// defaultTimes fills zero created and updated times from start.
func defaultTimes(created, updated *time.Time, start time.Time) {
	if created.IsZero() {
		*created = start
	}
	if updated.IsZero() {
		*updated = *created
	}
}

// effective statuses (reference §3.2-3.4): a paused parent shows through as
// CAMPAIGN_PAUSED / ADSET_PAUSED without changing the child's own status.
func (st *store) campaignEffective(c *campaignRec) string { return c.Status }

func (st *store) adsetEffective(s *adSetRec) string {
	if s.Status != "ACTIVE" {
		return s.Status
	}
	if c := st.campaigns[s.CampaignID]; c != nil && c.Status != "ACTIVE" {
		if c.Status == "PAUSED" {
			return "CAMPAIGN_PAUSED"
		}
		return c.Status
	}
	return "ACTIVE"
}

func (st *store) adEffective(a *adRec) string {
	if a.Status != "ACTIVE" {
		return a.Status
	}
	s := st.adsets[a.AdSetID]
	if s == nil {
		return a.Status
	}
	switch e := st.adsetEffective(s); e {
	case "ACTIVE":
		return "ACTIVE"
	case "PAUSED":
		return "ADSET_PAUSED"
	default:
		return e
	}
}
