package metaadstest

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type answer struct {
	method, path string
	status       int
	code, sub    int
	succeeded    bool
}

func answers(srv *Server) []answer {
	var out []answer
	for _, r := range srv.Requests() {
		out = append(out, answer{r.Method, r.Path, r.Status, r.ErrorCode, r.ErrorSubcode, r.Succeeded()})
	}
	return out
}

// TestRecordedStatus checks each recorded request carries the status of its
// answer and, for Graph errors, the code and subcode.
func TestRecordedStatus(t *testing.T) {
	srv, _, tok := newDemo(t)
	require.Equal(t, 200, get(t, srv, "/me", tok).Status)
	require.Equal(t, 400, get(t, srv, "/999999", tok).Status)
	require.Equal(t, 400, get(t, srv, "/me", "garbage").Status)
	require.NoError(t, srv.InjectFault(Fault{Path: "/me", Kind: FaultThrottle}))
	require.Equal(t, 400, get(t, srv, "/me", tok).Status)
	require.NoError(t, srv.InjectFault(Fault{Path: "/me", Kind: FaultHTTP500}))
	require.Equal(t, 500, get(t, srv, "/me", tok).Status)
	require.NoError(t, srv.InjectFault(Fault{Path: "/me", Kind: FaultHTML}))
	require.Equal(t, 502, get(t, srv, "/me", tok).Status)
	require.NoError(t, srv.InjectFault(Fault{Path: "/me", Kind: FaultMalformedJSON}))
	require.Equal(t, 200, get(t, srv, "/me", tok).Status)
	require.Equal(t, 200, do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverpacingSet, tok, map[string][]string{"status": {"PAUSED"}}).Status)
	require.Equal(t, 200, do(t, http.MethodGet, srv.URL+"/me", tok, nil).Status, "unversioned")

	assert.Equal(t, []answer{
		{"GET", "/me", 200, 0, 0, true},
		{"GET", "/999999", 400, 100, 33, false},
		{"GET", "/me", 400, 190, 0, false},
		{"GET", "/me", 400, 80004, 2446079, false},
		{"GET", "/me", 500, 2, 0, false},
		{"GET", "/me", 502, 0, 0, false},
		{"GET", "/me", 200, 0, 0, true}, // a truncated body is still a 200 without an envelope
		{"POST", "/" + DemoOverpacingSet, 200, 0, 0, true},
		{"GET", "/me", 200, 0, 0, true},
	}, answers(srv))
}

// TestRecordedStatusDropAndBatch: a dropped connection records no status;
// batch items are recorded with their own answers.
func TestRecordedStatusDropAndBatch(t *testing.T) {
	srv, _, tok := newDemo(t)
	require.NoError(t, srv.InjectFault(Fault{Path: "/me", Kind: FaultDrop}))
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/v26.0/me", nil) // POST: the transport does not retry
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	_, err = http.DefaultClient.Do(req)
	require.Error(t, err)

	r := batchCall(t, srv, tok, []map[string]any{
		{"method": "GET", "relative_url": "me"},
		{"method": "GET", "relative_url": "999999"},
		{"method": "POST", "relative_url": DemoOverpacingSet, "body": "daily_budget=1"},
	}, nil)
	require.Equal(t, 200, r.Status, r.Raw)
	var items []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.Raw), &items))
	require.Len(t, items, 3)

	got := answers(srv)
	require.Len(t, got, 5, "%+v", got)
	assert.Equal(t, answer{"POST", "/me", 0, 0, 0, false}, got[0])
	// The batch and its items: the items are served inside the batch POST,
	// so they are recorded after it.
	assert.Equal(t, answer{"POST", "/", 200, 0, 0, true}, got[1])
	assert.Equal(t, answer{"GET", "/me", 200, 0, 0, true}, got[2])
	assert.Equal(t, answer{"GET", "/999999", 400, 100, 33, false}, got[3])
	assert.Equal(t, "POST", got[4].method)
	assert.Equal(t, 400, got[4].status, "a budget under the minimum is refused")
	assert.NotZero(t, got[4].code)
	for i, it := range items {
		assert.EqualValues(t, got[2+i].status, it["code"], "item %d: the recorded status is the item's", i)
	}
}

// TestRecordedStatusDialog: the HTML login dialog is recorded with its status.
func TestRecordedStatusDialog(t *testing.T) {
	srv, _, _ := newDemo(t)
	res, err := noRedirect.Get(dialogURL(srv, "s1"))
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/dialog/oauth", reqs[0].Path)
	assert.Equal(t, res.StatusCode, reqs[0].Status)
	assert.Equal(t, 0, reqs[0].ErrorCode)
}
