package metaadstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzInsightsQuery(f *testing.F) {
	for _, s := range [][5]string{
		{"ad", "spend,impressions", `{"since":"2026-11-01","until":"2026-11-07"}`, "1", "age,gender"},
		{"", "", "", "monthly", hourlyAdvertiser},
		{"campaign", "actions,bogus", "{", "0", "[\"age\"]"},
		{"adset", "reach", `{"since":"2026-13-01","until":"x"}`, "all_days", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	loc := time.UTC
	f.Fuzz(func(t *testing.T, level, fields, timeRange, incr, breakdowns string) {
		p := url.Values{"level": {level}, "fields": {fields}, "time_range": {timeRange}, "time_increment": {incr}, "breakdowns": {breakdowns}}
		q, e := parseInsightsQuery(p, 0, loc, 0, testNow)
		if (q == nil) == (e == nil) {
			t.Fatalf("want exactly one of query and error, got %v, %v", q, e)
		}
		if e != nil && (e.Code == 0 || e.Message == "") {
			t.Fatalf("error without code or message: %+v", e)
		}
		if q != nil {
			for _, r := range q.ranges {
				if r.since > r.until {
					t.Fatalf("range %v is reversed", r)
				}
			}
		}
	})
}

func FuzzCursor(f *testing.F) {
	f.Add(0)
	f.Add(12345)
	f.Fuzz(func(t *testing.T, i int) {
		if i < 0 {
			i = -i
		}
		if i < 0 {
			return
		}
		got, ok := decodeCursor(encodeCursor(i))
		if !ok || got != i {
			t.Fatalf("cursor %d round-tripped to %d, %v", i, got, ok)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{"Yzow", "", "@@", "Yzot", "YzotMQ=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if i, ok := decodeCursor(s); ok && i < 0 {
			t.Fatalf("negative cursor %d from %q", i, s)
		}
	})
}

func FuzzGraphRequest(f *testing.F) {
	srv := Start(f, WithDemoBusiness(), WithClock(func() time.Time { return testNow }))
	tok, err := srv.IssueToken(TokenSpec{UserID: DemoUserID})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][3]string{
		{"GET", "/v26.0/act_" + DemoAccountShop + "/campaigns", "fields=name&filtering=[{\"field\":\"name\",\"operator\":\"IN\",\"value\":[1]}]"},
		{"POST", "/v26.0/", `batch=[{"method":"GET","relative_url":"me"}]`},
		{"POST", "/v26.0/" + DemoOverpacingSet, "daily_budget=-1&status=ACTIVE"},
		{"GET", "/v26.0/" + DemoFatiguedAd + "/insights", "breakdowns=age&sort=[\"spend_descending\"]&limit=x"},
		{"DELETE", "/v26.0/me/permissions/ads_read", ""},
		{"POST", "/v26.0/", `batch=[{"method":"G ET","relative_url":"me"}]`},
		{"POST", "/v26.0/", `batch=[{"method":"GET\n","relative_url":"me"}]`},
		{"POST", "/v26.0/", `batch=[{"method":"\u0000","relative_url":"me"}]`},
		{"POST", "/v26.0/", `batch=[{"method":"GET","relative_url":"https://evil.example/me"}]`},
		{"POST", "/v26.0/", `batch=[{"method":"GET","relative_url":"//evil.example/me"}]`},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		switch method {
		case "GET", "POST", "DELETE":
		default:
			return
		}
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " ?#%\x00") || len(path) > 200 {
			return
		}
		u := path
		if _, err := url.ParseRequestURI(u); err != nil {
			return
		}
		var r *http.Request
		if method == "GET" {
			r = httptest.NewRequest(method, u+"?"+url.PathEscape(body), nil)
		} else {
			r = httptest.NewRequest(method, u, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, r)
		if ct := w.Header().Get("Content-Type"); strings.HasPrefix(ct, "application/json") && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: invalid JSON %q", method, path, w.Body.String())
		}
	})
}

// FuzzParseRule: any evaluation, execution and schedule spec gives a rule
// or a coded error, never a panic; a formula never has more than 6 fields.
func FuzzParseRule(f *testing.F) {
	for _, s := range [][3]string{
		{filters(fAdSet, fLast7D, `{"field":"spent","value":9000,"operator":"GREATER_THAN"}`), adsetPause, daily},
		{filters(fAdSet, fToday, `{"field":"last_2d_spent / daily_budget - yesterday_spent / daily_budget","value":0.5,"operator":"LESS_THAN"}`), `{"execution_type":"NOTIFICATION","execution_options":[{"field":"user_ids","value":["1"],"operator":"EQUAL"}]}`, `{"schedule_type":"CUSTOM","schedule":[{"start_minute":0,"end_minute":330,"days":[0,6]}]}`},
		{`{"evaluation_type":"TRIGGER","filters":[` + fAd + `],"trigger":{"type":"STATS_CHANGE","field":"cpc","value":100,"operator":"GREATER_THAN"}}`, adsetPause, ""},
		{filters(fCampaign, `{"field":"campaign.28d_view_1d_click:lifetime_results","value":[1,2],"operator":"IN_RANGE"}`), `{"execution_type":"CHANGE_CAMPAIGN_BUDGET","execution_options":[{"field":"change_spec","value":{"amount":10,"unit":"PERCENTAGE","limit":90000},"operator":"EQUAL"}]}`, daily},
		{`{"filters":[{}]}`, `[]`, `{"schedule_type":"CUSTOM","schedule":[{}]}`},
		{filters(fAdSet, `{"field":"a+b-c*d/e","value":"x","operator":"GREATER_THAN"}`), `{"execution_type":"ROTATE"}`, `{"schedule_type":"HOURLY"}`},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, eval, exec, sched string) {
		rs, e := parseRule(eval, exec, sched)
		if (rs == nil) == (e == nil) {
			t.Fatalf("want exactly one of rule and error, got %v, %v", rs, e)
		}
		if e != nil {
			if e.Code == 0 || e.Message == "" {
				t.Fatalf("error without code or message: %+v", e)
			}
			return
		}
		if rs.entity == "" && len(rs.ids) == 0 {
			t.Fatal("a rule without entity_type or ids was accepted")
		}
		for _, fl := range rs.filters {
			if len(fl.terms) > 6 {
				t.Fatalf("formula %q with %d fields", fl.field, len(fl.terms))
			}
		}
	})
}
