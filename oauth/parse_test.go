package oauth

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseTokenReplyExpiresIn: expires_in must be a whole number of
// seconds from 0 to MaxExpiresIn. Before, 9223372037 or more overflowed
// the duration (an expiry in 1734) and -5 or "1e3" silently became "never
// expires".
func TestParseTokenReplyExpiresIn(t *testing.T) {
	ok := map[string]int64{
		`{"access_token":"t","expires_in":5183944}`:   5183944,
		`{"access_token":"t","expires_in":"5183944"}`: 5183944,
		`{"access_token":"t"}`:                        0,
		`{"access_token":"t","expires_in":null}`:      0,
		`{"access_token":"t","expires_in":0}`:         0,
		`{"access_token":"t","expires_in":315360000}`: MaxExpiresIn,
	}
	for body, want := range ok {
		tok, err := parseTokenReply([]byte(body))
		require.NoError(t, err, body)
		assert.Equal(t, want, tok.ExpiresIn, body)
		assert.True(t, tok.Expiry.IsZero(), "the caller dates the expiry with its clock")
	}
	for _, v := range []string{`9223372037`, `9223372036854775807`, `99999999999999999999`, `-5`, `"-5"`, `1e3`, `"1e3"`,
		`12.5`, `""`, `"abc"`, `true`, `{}`, `[]`, `315360001`} {
		body := `{"access_token":"t","expires_in":` + v + `}`
		_, err := parseTokenReply([]byte(body))
		require.Error(t, err, v)
		assert.Contains(t, err.Error(), "expires_in", v)
		assert.Contains(t, err.Error(), "whole number of seconds", v)
	}
	_, err := parseTokenReply([]byte(`{"token_type":"bearer"}`))
	assert.ErrorContains(t, err, "no access_token")
}

// TestDialogErrorTruncatesAtRuneBoundary: error_description cut at byte
// 300 used to end in half a character.
func TestDialogErrorTruncatesAtRuneBoundary(t *testing.T) {
	long := strings.Repeat("é", 400) // 2 bytes each: byte 300 is a rune start, 299 is not
	for _, s := range []string{long, "a" + long, strings.Repeat("日本", 120), "bad \xff\xfe utf8"} {
		got := truncate(s, 300)
		assert.True(t, utf8.ValidString(got), "%q", got)
		assert.LessOrEqual(t, len(strings.TrimSuffix(got, "…")), 300)
	}
	assert.Equal(t, "abc", truncate("abc", 300))
}

// FuzzTokenReply: any token-endpoint reply either parses to a token with
// an expires_in in [0, MaxExpiresIn], whose expiry is later than now when
// set, or gives an error naming the field; never a panic.
func FuzzTokenReply(f *testing.F) {
	for _, s := range []string{`{"access_token":"t","expires_in":5183944}`, `{"access_token":"t","expires_in":"60"}`,
		`{"access_token":"t","expires_in":-5}`, `{"access_token":"t","expires_in":"1e3"}`, `{"access_token":"t","expires_in":9223372037}`,
		`{"access_token":"t"}`, `{}`, `[]`, `null`, `{"access_token":1}`} {
		f.Add(s)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, body string) {
		tok, err := parseTokenReply([]byte(body))
		if err != nil {
			return
		}
		if tok.AccessToken == "" {
			t.Fatal("accepted a reply without access_token")
		}
		if tok.ExpiresIn < 0 || tok.ExpiresIn > MaxExpiresIn {
			t.Fatalf("expires_in %d out of range", tok.ExpiresIn)
		}
		if tok.ExpiresIn > 0 {
			if exp := now.Add(time.Duration(tok.ExpiresIn) * time.Second); !exp.After(now) {
				t.Fatalf("expires_in %d gives expiry %s not after now", tok.ExpiresIn, exp)
			}
		}
		var raw struct {
			ExpiresIn json.RawMessage `json:"expires_in"`
		}
		if json.Unmarshal([]byte(body), &raw) == nil && len(raw.ExpiresIn) > 0 && string(raw.ExpiresIn) != "null" {
			if n, err := strconv.ParseInt(strings.Trim(string(raw.ExpiresIn), `"`), 10, 64); err != nil || n != tok.ExpiresIn {
				t.Fatalf("expires_in %s parsed as %d", raw.ExpiresIn, tok.ExpiresIn)
			}
		}
	})
}

// FuzzDebugToken: any debug_token reply about a token either gives a
// TokenInfo that holds no trace of the token, with times that are zero or
// after 1970, sorted scopes, a valid token only for our app, and granted ad
// accounts that are distinct valid ids named in the granular scopes; or an
// error without the token. Never a panic.
func FuzzDebugToken(f *testing.F) {
	const token, app = "EAAtokenFUZZ", "1234"
	for _, s := range []string{
		`{"data":{"app_id":"1234","type":"USER","is_valid":true,"expires_at":1752254132,"data_access_expires_at":1754846089,"scopes":["b","a"],"granular_scopes":[{"scope":"ads_management","target_ids":["101","act_102","101"]},{"scope":"ads_read"}],"user_id":"9"}}`,
		`{"data":{"is_valid":false,"error":{"code":190,"subcode":463,"message":"expired EAAtokenFUZZ"}}}`,
		`{"data":{"app_id":"999","is_valid":true}}`,
		`{"data":{"app_id":"1234","is_valid":true,"expires_at":-5}}`,
		`{"data":{"app_id":"1234","is_valid":true,"granular_scopes":[{"scope":"ads_read","target_ids":["act_","0","-1","abc","99999999999999999999"]}]}}`,
		`{"data":{"app_id":"1234","is_valid":true,"expires_at":9223372036854775807}}`,
		`{"data":null}`, `[]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var resp debugTokenResponse
		if json.Unmarshal([]byte(body), &resp) != nil {
			return
		}
		info, err := tokenInfo(resp.Data, token, app)
		if err != nil {
			if strings.Contains(err.Error(), token) {
				t.Fatalf("token in error: %v", err)
			}
			return
		}
		b, _ := json.Marshal(info)
		if strings.Contains(string(b), token) {
			t.Fatalf("token in TokenInfo: %s", b)
		}
		if info.Valid && info.AppID != app {
			t.Fatalf("valid token of app %q accepted", info.AppID)
		}
		for _, tm := range []time.Time{info.IssuedAt, info.ExpiresAt, info.DataAccessExpiresAt} {
			if !tm.IsZero() && tm.Unix() <= 0 {
				t.Fatalf("time %v before 1970", tm)
			}
		}
		if !slices.IsSorted(info.Scopes) {
			t.Fatalf("scopes not sorted: %v", info.Scopes)
		}
		named := map[string]bool{}
		for _, g := range info.GranularScopes {
			for _, id := range g.TargetIDs {
				named[strings.TrimPrefix(id, "act_")] = true
			}
		}
		seen := map[string]bool{}
		for _, a := range info.GrantedAdAccounts() {
			if a.IsZero() || !named[a.Number()] || seen[a.Number()] {
				t.Fatalf("granted account %v: zero, not named in %v, or repeated", a, info.GranularScopes)
			}
			if n, err := strconv.ParseUint(a.Number(), 10, 64); err != nil || n == 0 || n > math.MaxInt64 {
				t.Fatalf("granted account %q is not a valid id", a.Number())
			}
			seen[a.Number()] = true
		}
	})
}
