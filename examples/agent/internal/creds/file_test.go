package creds

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/metaads"
)

const yamlFile = `# accounts
graph_url: http://127.0.0.1:9999
app_secret: s3cret
accounts:
  - id: act_1001
    token: TOKEN-A
    name: Shop
  - id: "1002"
    token: TOKEN-B
system_users:
  - name: reporting
    token: TOKEN-S
    accounts: [act_1003, "1004"]
`

const jsonFile = `{
	"graph_url": "http://127.0.0.1:9999",
	"app_secret": "s3cret",
	"accounts": [
		{"id": "act_1001", "token": "TOKEN-A", "name": "Shop"},
		{"id": "1002", "token": "TOKEN-B"}
	],
	"system_users": [
		{"name": "reporting", "token": "TOKEN-S", "accounts": ["act_1003", "1004"]}
	]
}
`

func tokenOf(t *testing.T, s Source, id string) (string, string) {
	t.Helper()
	ts, err := s.TokenSource(context.Background(), metaads.MustParseAccountID(id))
	require.NoError(t, err)
	tok, err := ts.Token()
	require.NoError(t, err)
	proof, _ := tok.Extra(metaads.ExtraAppSecretProof).(string)
	return tok.AccessToken, proof
}

// TestFileFormats: the YAML and JSON forms of one file give the same
// accounts, tokens, proofs and endpoint; a system-user token serves its
// accounts; a 190 on one of them marks every account of that token.
func TestFileFormats(t *testing.T) {
	for name, data := range map[string]string{"agent.yaml": yamlFile, "agent.json": jsonFile} {
		t.Run(name, func(t *testing.T) {
			f, err := ParseFile(name, []byte(data))
			require.NoError(t, err)
			accts, err := f.Accounts(context.Background())
			require.NoError(t, err)
			var ids []string
			for _, a := range accts {
				ids = append(ids, a.ID.String())
			}
			assert.Equal(t, []string{"act_1001", "act_1002", "act_1003", "act_1004"}, ids)
			assert.Equal(t, "Shop", accts[0].Name)
			tok, proof := tokenOf(t, f, "1001")
			assert.Equal(t, "TOKEN-A", tok)
			assert.Len(t, proof, 64, "app_secret makes a proof")
			tok3, _ := tokenOf(t, f, "act_1003")
			tok4, _ := tokenOf(t, f, "act_1004")
			assert.Equal(t, "TOKEN-S", tok3)
			assert.Equal(t, tok3, tok4)
			ep, err := f.Endpoint(context.Background(), metaads.MustParseAccountID("1004"))
			require.NoError(t, err)
			assert.Equal(t, Endpoint{BaseURL: "http://127.0.0.1:9999", APIVersion: metaads.DefaultAPIVersion}, ep)

			_, err = f.TokenSource(context.Background(), metaads.MustParseAccountID("999"))
			assert.ErrorIs(t, err, ErrForbidden)
			inv, err := f.Invalid(context.Background(), metaads.MustParseAccountID("1003"), nil)
			require.NoError(t, err)
			assert.False(t, inv.Reported)
			assert.Contains(t, inv.Message, name)
			for _, id := range []string{"1003", "1004"} {
				_, err = f.TokenSource(context.Background(), metaads.MustParseAccountID(id))
				assert.ErrorIs(t, err, ErrNeedsReconnect, id)
				assert.NotContains(t, err.Error(), "TOKEN-S")
			}
			tokB, _ := tokenOf(t, f, "1002")
			assert.Equal(t, "TOKEN-B", tokB, "other tokens still work")
			assert.NotContains(t, f.String(), "TOKEN")
		})
	}
	f, err := ParseFile("map.yml", []byte("accounts:\n  act_7: T7\n  \"8\": T8\n"))
	require.NoError(t, err)
	tok, proof := tokenOf(t, f, "8")
	assert.Equal(t, "T8", tok)
	assert.Empty(t, proof)
}

// TestFileErrors: every malformed file names its line and key, and never
// repeats a token.
func TestFileErrors(t *testing.T) {
	for _, c := range []struct {
		name, data string
		line       int
		key, want  string
	}{
		{"a.yaml", "accounts:\n  - id: act_1\n    tokn: X\n", 3, "accounts[0].tokn", "unknown key"},
		{"a.yaml", "accounts:\n  - id: act_1\n", 2, "accounts[0].token", "missing"},
		{"a.yaml", "accounts:\n  - id: shop\n    token: SECRET1\n", 2, "accounts[0].id", "not an ad account id"},
		{"a.yaml", "accounts:\n  - id: act_1\n    token: SECRET1\n  - id: \"1\"\n    token: SECRET2\n", 4, "accounts[1].id", "first at line 2"},
		{"a.yaml", "accounts:\n  - id: act_1\n    token: \"\"\n", 3, "accounts[0].token", "empty"},
		{"a.yaml", "accounts: [act_1]\n", 1, "accounts[0]", "want a mapping"},
		{"a.yaml", "acounts:\n  act_1: X\n", 1, "acounts", "unknown key"},
		{"a.yaml", "graph_url: ftp://x\naccounts: {act_1: X}\n", 1, "graph_url", "not an http(s) URL"},
		{"a.yaml", "system_users:\n  - token: SECRET1\n", 2, "system_users[0].accounts", "non-empty list"},
		{"a.yaml", "system_users:\n  - token: SECRET1\n    accounts: [act_1, nope]\n", 3, "system_users[0].accounts[1]", "not an ad account id"},
		{"a.yaml", "accounts:\n\t- id: act_1\n", 2, "", "not valid YAML"},
		{"a.yaml", "", 0, "", "empty"},
		{"a.yaml", "graph_url: https://graph.facebook.com\n", 1, "", "no accounts"},
		{"a.json", "{\n  \"accounts\": [\n    {\"id\": \"act_1\", \"token\": \"SECRET1\",}\n  ]\n}\n", 3, "", "not valid JSON"},
		{"a.json", "{\n  \"accounts\": [\n    {\"id\": \"act_1\",\n     \"secret\": \"SECRET1\"}\n  ]\n}\n", 4, "accounts[0].secret", "unknown key"},
		{"a.json", "{\"accounts\": {\"act_1\": 5}}", 1, "accounts.act_1", "want the access token"},
		{"a.json", "{\"accounts\": {\"act_1\": \"T\"}", 1, "", "unexpected end"},
	} {
		_, err := ParseFile(c.name, []byte(c.data))
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("%q: error %v; want a *FileError", c.data, err)
			continue
		}
		assert.Equal(t, c.line, fe.Line, "%q: %v", c.data, err)
		assert.Equal(t, c.key, fe.Key, "%q: %v", c.data, err)
		assert.Contains(t, fe.Problem, c.want, "%q", c.data)
		assert.True(t, strings.HasPrefix(err.Error(), c.name), err.Error())
		assert.NotContains(t, err.Error(), "SECRET")
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add("a.yaml", yamlFile)
	f.Add("a.json", jsonFile)
	f.Add("a.yaml", "accounts: {act_1: X}")
	f.Fuzz(func(t *testing.T, name, data string) {
		if !strings.HasSuffix(name, ".json") {
			name = "f.yaml"
		}
		file, err := ParseFile(name, []byte(data))
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FileError", err)
			}
			return
		}
		accts, _ := file.Accounts(context.Background())
		if len(accts) == 0 {
			t.Fatal("a parsed file has no account")
		}
		for _, a := range accts {
			if _, err := file.TokenSource(context.Background(), a.ID); err != nil {
				t.Fatalf("listed account %s has no token: %v", a.ID, err)
			}
		}
	})
}

// TestJoin: accounts of several sources, each once and served by the
// first source listing it.
func TestJoin(t *testing.T) {
	a, err := ParseFile("a.yaml", []byte("accounts: {act_1: TA1, act_2: TA2}\n"))
	require.NoError(t, err)
	b, err := ParseFile("b.yaml", []byte("accounts: {act_2: TB2, act_3: TB3}\n"))
	require.NoError(t, err)
	j := Join(a, b)
	accts, err := j.Accounts(context.Background())
	require.NoError(t, err)
	require.Len(t, accts, 3)
	for id, want := range map[string]string{"1": "TA1", "2": "TA2", "3": "TB3"} {
		tok, _ := tokenOf(t, j, id)
		assert.Equal(t, want, tok, id)
	}
	_, err = j.Invalid(context.Background(), metaads.MustParseAccountID("3"), nil)
	require.NoError(t, err)
	_, err = b.TokenSource(context.Background(), metaads.MustParseAccountID("3"))
	assert.ErrorIs(t, err, ErrNeedsReconnect, "reported to its owner")
	_, err = j.TokenSource(context.Background(), metaads.MustParseAccountID("4"))
	assert.ErrorIs(t, err, ErrForbidden)
	assert.Equal(t, "accounts file a.yaml (2 accounts) + accounts file b.yaml (2 accounts)", fmt.Sprint(j))
	assert.Same(t, a, Join(a))
}
