package metaadstest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixedClock is a settable clock for tests.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time          { return c.t }
func (c *fixedClock) advance(d time.Duration) { c.t = c.t.Add(d) }

var testNow = time.Date(2026, 11, 20, 15, 30, 0, 0, time.UTC)

func newDemo(t *testing.T, opts ...Option) (*Server, *fixedClock, string) {
	t.Helper()
	clk := &fixedClock{t: testNow}
	srv := Start(t, append([]Option{WithDemoBusiness(), WithClock(clk.now)}, opts...)...)
	tok, err := srv.IssueToken(TokenSpec{UserID: DemoUserID})
	require.NoError(t, err)
	return srv, clk, tok
}

type resp struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func do(t *testing.T, method, u, tok string, form url.Values) resp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	r := resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

func get(t *testing.T, srv *Server, path, tok string) resp {
	t.Helper()
	return do(t, http.MethodGet, srv.URL+"/v26.0"+path, tok, nil)
}

func errCode(r resp) (code, sub int) {
	e, _ := r.Body["error"].(map[string]any)
	c, _ := e["code"].(float64)
	s, _ := e["error_subcode"].(float64)
	return int(c), int(s)
}

func TestMeAndAdAccounts(t *testing.T) {
	srv, _, tok := newDemo(t)
	r := get(t, srv, "/me", tok)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, DemoUserID, r.Body["id"])
	assert.Equal(t, "Dana Demo", r.Body["name"])

	r = get(t, srv, "/me/adaccounts?fields=id,account_id,name,currency,timezone_name,account_status,amount_spent,spend_cap", tok)
	require.Equal(t, 200, r.Status, r.Raw)
	data := r.Body["data"].([]any)
	require.Len(t, data, 3)
	a0 := data[0].(map[string]any)
	assert.Equal(t, "act_"+DemoAccountShop, a0["id"])
	assert.Equal(t, DemoAccountShop, a0["account_id"])
	assert.Equal(t, "USD", a0["currency"])
	assert.Equal(t, float64(1), a0["account_status"])
	assert.IsType(t, "", a0["amount_spent"])
	assert.Equal(t, "0", a0["spend_cap"])
}
