package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDuplicateKeysAreProblems: encoding/json keeps the last of repeated
// keys, so a second "kill_switch" switched the kill switch off and a
// second "live" made a rule live unseen. Every repeat is a problem with
// its path, at any depth, and nothing is compiled.
func TestDuplicateKeysAreProblems(t *testing.T) {
	rule := `{"id": "r", "level": "adset", "live": false, %s "conditions": {"all": [{"field": "daily_budget", "op": ">", "value": 0 %s}]}, "action": {"type": "pause" %s}, "safeguards": {"cooldown": "24h" %s}}`
	build := func(inRule, inCond, inAction, inSafe string) string {
		r := rule
		for _, x := range []string{inRule, inCond, inAction, inSafe} {
			r = strings.Replace(r, "%s", x, 1)
		}
		return r
	}
	cases := []struct {
		doc   string
		paths []string
	}{
		{`{"kill_switch": true, "rules": [` + build("", "", "", "") + `], "kill_switch": false}`, []string{"kill_switch"}},
		{`{"rules": [` + build(`"live": true,`, "", "", "") + `]}`, []string{"rules[0].live"}},
		{`{"rules": [` + build("", "", "", "") + `, ` + build("", `, "op": "<"`, `, "type": "notify"`, `, "cooldown": "1h", "cooldown": "2h"`) + `]}`,
			[]string{"rules[1].conditions.all[0].op", "rules[1].action.type", "rules[1].safeguards.cooldown", "rules[1].safeguards.cooldown"}},
	}
	for _, c := range cases {
		_, err := CompileJSON([]byte(c.doc))
		var ce *CompileError
		require.True(t, errors.As(err, &ce), "%s: %v", c.doc, err)
		var got []string
		for _, p := range ce.Problems {
			if strings.Contains(p.Message, "duplicate key") {
				got = append(got, p.Path)
			}
		}
		assert.Equal(t, c.paths, got, c.doc)
	}
	// The same key in different objects is fine.
	ok := `{"rules": [` + build("", "", "", "") + `, ` + strings.Replace(build("", "", "", ""), `"id": "r"`, `"id": "r2"`, 1) + `]}`
	_, err := CompileJSON([]byte(ok))
	require.NoError(t, err)
}

// TestTinyNumberDoesNotDisableGate: a confidence of 1e-400 parsed to 0,
// which means "no statistical gate"; it is now a problem naming the path.
func TestTinyNumberDoesNotDisableGate(t *testing.T) {
	doc := `{"rules": [{"id": "r", "level": "adset", "conditions": {"metric": "cpa", "window": "last_7d", "op": ">", "value": 3000, "confidence": 1e-400}, "action": {"type": "pause"}}]}`
	_, err := CompileJSON([]byte(doc))
	var ce *CompileError
	require.True(t, errors.As(err, &ce), "%v", err)
	require.Len(t, ce.Problems, 1)
	assert.Equal(t, "rules[0].conditions.confidence", ce.Problems[0].Path)
	assert.Contains(t, ce.Problems[0].Message, "rounds to 0")
	for _, zero := range []string{"0", "0.0", "0e-400", "-0"} {
		_, err := ParseSpec([]byte(`{"rules": [{"id": "r", "level": "adset", "conditions": {"field": "daily_budget", "op": ">", "value": ` + zero + `}, "action": {"type": "pause"}}]}`))
		assert.NoError(t, err, zero)
	}
}
