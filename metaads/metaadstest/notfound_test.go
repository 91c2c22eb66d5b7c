package metaadstest

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnknownObjectIsNotFound checks the 100/33 answer to reads and writes of
// ids the fake does not know, in the documented envelope (reference §7).
func TestUnknownObjectIsNotFound(t *testing.T) {
	srv, _, tok := newDemo(t)
	const id = "424242424242"
	cases := []struct {
		name, method, path, verb string
		form                     url.Values
	}{
		{"node", http.MethodGet, "/v26.0/" + id + "?fields=id,name", "get", nil},
		{"insights", http.MethodGet, "/v26.0/" + id + "/insights?date_preset=last_7d", "get", nil},
		{"edge", http.MethodGet, "/v26.0/" + id + "/ads", "get", nil},
		{"unknown account", http.MethodGet, "/v26.0/act_" + id + "/insights", "get", nil},
		{"update", http.MethodPost, "/v26.0/" + id, "post", url.Values{"status": {"PAUSED"}}},
		{"report run", http.MethodPost, "/v26.0/" + id + "/insights", "post", url.Values{"date_preset": {"last_7d"}}},
		{"delete", http.MethodDelete, "/v26.0/" + id, "delete", nil},
		{"unversioned", http.MethodGet, "/" + id, "get", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, tc.method, srv.URL+tc.path, tok, tc.form)
			require.Equal(t, http.StatusBadRequest, r.Status, r.Raw)
			e, ok := r.Body["error"].(map[string]any)
			require.True(t, ok, "error envelope: %s", r.Raw)
			assert.Len(t, r.Body, 1, "the envelope has only the error key")
			assert.EqualValues(t, 100, e["code"])
			assert.EqualValues(t, 33, e["error_subcode"])
			assert.Equal(t, "GraphMethodException", e["type"])
			assert.Equal(t, false, e["is_transient"])
			assert.NotEmpty(t, e["fbtrace_id"])
			wantID := id
			if tc.name == "unknown account" {
				wantID = "act_" + id
			}
			assert.Equal(t, "Unsupported "+tc.verb+" request. Object with ID '"+wantID+
				"' does not exist, cannot be loaded due to missing permissions, or does not support this operation. "+
				"Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", e["message"])
		})
	}
	// Every one of them is recorded.
	assert.Len(t, srv.Requests(), len(cases))
}
