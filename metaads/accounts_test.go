package metaads

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAccountID(t *testing.T) {
	for in, want := range map[string]string{"123": "act_123", "act_123": "act_123", "18446744073709551615": "act_18446744073709551615"} {
		id, err := ParseAccountID(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, id.String())
	}
	for in, msg := range map[string]string{
		"": "want digits", "act_": "want digits", "act_12a": "want digits", "acct_1": "want digits", "-1": "want digits",
		"0": "positive number", "act_0": "positive number", "18446744073709551616": "fits in 64 bits",
	} {
		_, err := ParseAccountID(in)
		assert.ErrorContains(t, err, msg, "%q", in)
	}
}

// TestAccountIDFields: every account_id Meta sends (the bare number) and
// every id ("act_<number>") decodes to the one AccountID type, and an
// object encodes and decodes back to itself.
func TestAccountIDFields(t *testing.T) {
	var c Campaign
	require.NoError(t, json.Unmarshal([]byte(`{"id":"501","account_id":"123","name":"x"}`), &c))
	assert.Equal(t, MustParseAccountID("123"), c.AccountID)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"account_id":"act_123"`)
	var back Campaign
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, c.AccountID, back.AccountID)
	b, err = json.Marshal(Campaign{ID: "1"})
	require.NoError(t, err)
	assert.NotContains(t, string(b), "account_id", "the zero AccountID is omitted")

	var z AccountID
	require.NoError(t, z.UnmarshalText(nil))
	assert.True(t, z.IsZero())
	assert.Error(t, json.Unmarshal([]byte(`{"account_id":"act_x"}`), &c))

	var a AdAccount
	require.NoError(t, json.Unmarshal([]byte(`{"account_id":"77","name":"n"}`), &a))
	assert.Equal(t, "act_77", a.ID.String(), "account_id alone fills ID")
	require.NoError(t, json.Unmarshal([]byte(`{"id":"act_77","account_id":"77"}`), &a))
	assert.Equal(t, "act_77", a.ID.String())
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"id":"act_77","account_id":"78"}`), &AdAccount{}), "disagree")

	var r Insight
	require.NoError(t, json.Unmarshal([]byte(`{"account_id":"123","date_start":"2026-02-01","date_stop":"2026-02-01"}`), &r))
	assert.Equal(t, MustParseAccountID("123"), r.AccountID)
	assert.Equal(t, "123|2026-02-01|2026-02-01", r.Key())
	for _, bad := range []string{`"act"`, `"12x"`, `"0"`, `""`} {
		err := json.Unmarshal([]byte(`{"account_id":`+bad+`,"date_start":"2026-02-01","date_stop":"2026-02-01"}`), &r)
		assert.ErrorContains(t, err, "invalid account_id", bad)
	}
}
