package metaadstest

import (
	"fmt"
	"math"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedPatternAccount starts a server holding one sales account with the
// given planted patterns (one campaign, one well-funded ad set, three ads)
// and returns it with a token that can read the account.
func seedPatternAccount(t *testing.T, acct Account) (*Server, string) {
	t.Helper()
	clk := &fixedClock{t: testNow}
	srv := Start(t, WithClock(clk.now))
	start := testNow.Truncate(24*time.Hour).AddDate(0, 0, -120)
	acct.ID, acct.Name, acct.Currency, acct.CreatedTime = "1000000000000077", "Pattern strength", "USD", start
	// UTC, so that a season starting at UTC midnight starts on that civil day.
	acct.TimezoneName = "UTC"
	sc := Scenario{
		Users:     []User{{ID: "100000000000077", Name: "Pat", AdAccounts: []string{acct.ID}}},
		Accounts:  []Account{acct},
		Campaigns: []Campaign{{ID: "120200000000077", AccountID: acct.ID, Objective: "OUTCOME_SALES", StartTime: start}},
		AdSets:    []AdSet{{ID: "120300000000077", CampaignID: "120200000000077", DailyBudget: 200000, StartTime: start}},
	}
	for i := range 3 {
		sc.Ads = append(sc.Ads, Ad{ID: fmt.Sprintf("12040000000007%d", i), AdSetID: "120300000000077", Quality: 1})
	}
	_, err := srv.Seed(sc)
	require.NoError(t, err)
	tok, err := srv.IssueToken(TokenSpec{UserID: "100000000000077"})
	require.NoError(t, err)
	return srv, tok
}

// TestPatternStrengthHourOfDay checks that the best/worst hour CTR ratio
// follows the documented (1+A)/(1-A) at two amplitudes, and is flat at zero.
func TestPatternStrengthHourOfDay(t *testing.T) {
	for _, a := range []float64{0, 0.2, 0.6} {
		t.Run(fmt.Sprint(a), func(t *testing.T) {
			srv, tok := seedPatternAccount(t, Account{HourOfDayEffect: a})
			q := url.Values{"fields": {"impressions,clicks"}, "date_preset": {"last_28d"}, "breakdowns": {hourlyAdvertiser}}
			rows := insights(t, srv, tok, "act_1000000000000077", q)
			require.Len(t, rows, 24)
			ctr := func(h int) float64 { return rows[h].num(t, "clicks") / rows[h].num(t, "impressions") }
			want := (1 + a) / (1 - a)
			assert.InDelta(t, want, ctr(20)/ctr(8), 0.08*want, "CTR 20:00 / 08:00")
		})
	}
}

// TestPatternStrengthDayOfWeek checks the Saturday/Wednesday CTR ratio
// against (1+A)/(1+A·cos(2π·3/7)) at two amplitudes.
func TestPatternStrengthDayOfWeek(t *testing.T) {
	for _, a := range []float64{0, 0.2, 0.6} {
		t.Run(fmt.Sprint(a), func(t *testing.T) {
			srv, tok := seedPatternAccount(t, Account{DayOfWeekEffect: a})
			q := url.Values{"fields": {"impressions,clicks"}, "date_preset": {"last_90d"}, "time_increment": {"1"}}
			rows := insights(t, srv, tok, "act_1000000000000077", q)
			require.GreaterOrEqual(t, len(rows), 84)
			var clicks, impr [7]float64
			for _, r := range rows {
				d, ok := parseDay(r["date_start"].(string))
				require.True(t, ok)
				dow := (d + 4) % 7
				clicks[dow] += r.num(t, "clicks")
				impr[dow] += r.num(t, "impressions")
			}
			want := (1 + a) / (1 + a*math.Cos(2*math.Pi*3/7))
			got := (clicks[6] / impr[6]) / (clicks[3] / impr[3])
			assert.InDelta(t, want, got, 0.08*want, "CTR Saturday / Wednesday")
		})
	}
}

// TestPatternStrengthSeasonal checks that purchases per link click inside
// the seasonal week are 1+SeasonalLift times those of the two weeks before,
// at two lifts.
func TestPatternStrengthSeasonal(t *testing.T) {
	for _, lift := range []float64{0.3, 1.5} {
		t.Run(fmt.Sprint(lift), func(t *testing.T) {
			season := testNow.Truncate(24*time.Hour).AddDate(0, 0, -30)
			srv, tok := seedPatternAccount(t, Account{SeasonalWeekStart: season, SeasonalLift: lift})
			rate := func(from, to int) float64 {
				tr := fmt.Sprintf(`{"since":%q,"until":%q}`, season.AddDate(0, 0, from).Format("2006-01-02"), season.AddDate(0, 0, to).Format("2006-01-02"))
				r := insights(t, srv, tok, "act_1000000000000077", url.Values{"fields": {"inline_link_clicks,actions"}, "time_range": {tr}})[0]
				return r.action(t, "actions", "purchase") / r.num(t, "inline_link_clicks")
			}
			got := rate(0, 6) / rate(-14, -1)
			assert.InDelta(t, 1+lift, got, 0.1*(1+lift), "purchase rate in season / before")
			// The week after the season is back to normal.
			assert.InDelta(t, 1, rate(7, 13)/rate(-14, -1), 0.1)
		})
	}
}
