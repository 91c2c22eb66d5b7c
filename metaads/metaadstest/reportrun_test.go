package metaadstest

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReportFailedCodes checks FaultReportFailed reports the code and
// subcode it was given (and the documented default).
func TestReportFailedCodes(t *testing.T) {
	srv, _, tok := newDemo(t, WithReportRunPolls(0))
	path := "/act_" + DemoAccountShop + "/insights"
	for _, tc := range []struct {
		name      string
		fault     Fault
		code, sub float64
		msg       string
	}{
		{"default", Fault{}, -2, 2490547, "The report failed to run."},
		{"too large", Fault{Code: -3, Subcode: 1504045}, -3, 1504045, "The report is too large to generate. Please reduce the date range or the number of objects in the report."},
		{"intermittent", Fault{Code: 2, Subcode: 1504043}, 2, 1504043, "An intermittent error occurred while generating the report. Please try again."},
		{"own message", Fault{Code: -3, Subcode: 1504045, Message: "custom"}, -3, 1504045, "custom"},
		{"unlisted pair", Fault{Code: 1, Subcode: 99}, 1, 99, "The report failed to run."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.fault
			f.Method, f.Path, f.Kind = http.MethodPost, path, FaultReportFailed
			require.NoError(t, srv.InjectFault(f))
			r := do(t, http.MethodPost, srv.URL+"/v26.0"+path, tok, url.Values{"fields": {"spend"}})
			require.Equal(t, 200, r.Status, r.Raw)
			id := r.Body["report_run_id"].(string)
			p := get(t, srv, "/"+id, tok)
			require.Equal(t, "Job Failed", p.Body["async_status"], p.Raw)
			assert.Equal(t, tc.code, p.Body["error_code"])
			assert.Equal(t, tc.sub, p.Body["error_subcode"])
			assert.Equal(t, tc.msg, p.Body["error_message"])
			assert.NotEmpty(t, p.Body["error_user_title"])
			assert.NotEmpty(t, p.Body["error_user_msg"])
		})
	}
	// The next run, with no fault left, completes.
	r := do(t, http.MethodPost, srv.URL+"/v26.0"+path, tok, url.Values{"fields": {"spend"}})
	require.Equal(t, 200, r.Status, r.Raw)
	p := get(t, srv, "/"+r.Body["report_run_id"].(string), tok)
	assert.Equal(t, "Job Completed", p.Body["async_status"])
	assert.NotContains(t, p.Body, "error_code")

	// A subcode or message without a code is refused.
	for _, f := range []Fault{{Kind: FaultReportFailed, Subcode: 1504045}, {Kind: FaultReportFailed, Message: "x"}} {
		assert.Error(t, srv.InjectFault(f))
	}
}
