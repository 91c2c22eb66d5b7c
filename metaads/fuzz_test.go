package metaads

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func FuzzParseErrorBody(f *testing.F) {
	f.Add(400, `{"error":{"message":"x","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A"}}`)
	f.Add(200, `{"error":{"code":"100","error_subcode":"1487534","error_data":"{\"blame_field_specs\":[[\"daily_budget\"]]}"}}`)
	f.Add(200, `{"data":[],"paging":{}}`)
	f.Add(502, `<html>bad gateway</html>`)
	f.Add(200, ``)
	f.Add(500, `{"error":null}`)
	f.Fuzz(func(t *testing.T, status int, body string) {
		e := parseErrorBody(status, http.Header{"Content-Type": {"application/json"}}, []byte(body))
		if e == nil {
			if status < 200 || status > 299 {
				t.Fatalf("status %d accepted as success", status)
			}
			return
		}
		_ = e.Error()
		for _, k := range []error{ErrRateLimited, ErrQuotaBlocked, ErrTokenInvalid, ErrTokenExpired, ErrPermission,
			ErrNotFound, ErrInvalidParameter, ErrDataLimit, ErrTransient, ErrDeprecatedVersion} {
			_ = errors.Is(e, k)
		}
		if errors.Is(e, ErrTokenExpired) && !errors.Is(e, ErrTokenInvalid) {
			t.Fatal("an expired token must also be invalid")
		}
		if errors.Is(e, ErrDataLimit) && errors.Is(e, ErrTransient) {
			t.Fatal("data-limit errors must not be retried as transient")
		}
	})
}

func FuzzParseUsage(f *testing.F) {
	f.Add(`{"call_count":28,"total_time":25,"total_cputime":25}`, `{"acc_id_util_pct":9.67,"reset_time_duration":100}`,
		`{"123":[{"type":"ads_management","call_count":95,"estimated_time_to_regain_access":3}]}`, `{"app_id_util_pct":100,"acc_id_util_pct":10}`)
	f.Add(`garbage`, `{`, `[]`, `null`)
	f.Fuzz(func(t *testing.T, app, acct, buc, ins string) {
		h := http.Header{}
		h.Set(headerAppUsage, app)
		h.Set(headerAdAccountUsage, acct)
		h.Set(headerBUCUsage, buc)
		h.Set(headerInsightsThrottle, ins)
		u := ParseUsage(h, time.Unix(0, 0))
		_ = u.Max()
		if d, ok := u.RegainAccessIn(); ok && d <= 0 {
			t.Fatal("RegainAccessIn reported ok with a non-positive wait")
		}
	})
}

func TestParseUsageHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("X-App-Usage", `{"call_count":28,"total_time":25,"total_cputime":30}`)
	h.Set("X-Ad-Account-Usage", `{"acc_id_util_pct":9.67,"reset_time_duration":100,"ads_api_access_tier":"standard_access"}`)
	h.Set("X-Business-Use-Case-Usage", `{"123":[{"type":"ads_management","call_count":95,"total_cputime":20,"total_time":20,"estimated_time_to_regain_access":3}]}`)
	u := ParseUsage(h, time.Unix(0, 0))
	if u.App.Max() != 30 || u.AdAccount.UtilPct != 9.67 || u.AdAccount.ResetTimeDuration != 100*time.Second {
		t.Fatalf("bad parse: %+v %+v", u.App, u.AdAccount)
	}
	if len(u.BusinessUseCases) != 1 || u.BusinessUseCases[0].ObjectID != "123" || u.BusinessUseCases[0].RegainAccessIn != 3*time.Minute {
		t.Fatalf("bad BUC: %+v", u.BusinessUseCases)
	}
	if d, ok := u.RegainAccessIn(); !ok || d != 3*time.Minute {
		t.Fatalf("RegainAccessIn = %v %v", d, ok)
	}
	if u.Max() != 95 {
		t.Fatalf("Max = %v", u.Max())
	}
}

func TestNewClientValidatesOptions(t *testing.T) {
	for name, o := range map[string]Option{
		"base url":   WithBaseURL("ftp://x"),
		"base query": WithBaseURL("http://x/?a=1"),
		"nil http":   WithHTTPClient(nil),
		"version":    WithAPIVersion("26"),
		"secret":     WithAppSecret(" "),
		"provider":   WithTokenProvider(nil),
		"logger":     WithLogger(nil),
		"ua":         WithUserAgent("a\nb"),
		"retries":    WithMaxRetries(-1),
		"backoff":    WithRetryBackoff(2*time.Second, time.Second),
		"budget":     WithRetryBudget(-1),
		"store":      WithUsageStore(nil),
		"threshold":  WithUsageThreshold(0),
		"quota":      WithQuotaWait(-time.Second),
		"window":     WithUsageWindow(0),
		"throttle":   WithMaxThrottleRetryWait(-1),
		"body limit": WithMaxResponseBytes(1),
		"nil option": nil,
	} {
		if _, err := NewClient(o); err == nil {
			t.Errorf("%s: NewClient accepted an invalid option", name)
		}
	}
	c, err := NewClient(WithAPIVersion("v25.0"))
	if err != nil || c.APIVersion() != "v25.0" {
		t.Fatalf("NewClient(v25.0) = %v, %v", c, err)
	}
}
