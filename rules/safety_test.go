package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/metrics"
)

// compileErr compiles doc and returns the error text ("" when it compiled).
func compileErr(t *testing.T, doc string) string {
	t.Helper()
	_, err := CompileJSON([]byte(doc))
	if err == nil {
		return ""
	}
	if !errors.Is(err, ErrInvalidSpec) {
		t.Fatalf("error %v does not match ErrInvalidSpec", err)
	}
	return err.Error()
}

func notifyDoc(msg string) string {
	return `{"rules": [{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "last_7d", "op": ">", "value": 1},
	  "action": {"type": "notify", "message": ` + jsonString(msg) + `}}]}`
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Message templates are untrusted: only text and the documented
// placeholders compile, so no template can loop, branch or call anything.
func TestMessageTemplateAcceptsOnlyPlaceholders(t *testing.T) {
	bad := []string{
		`{{range 100000000}}{{range 100000000}}x{{end}}{{end}}`,
		`{{range 3}}x{{end}}`,
		`{{if .Entity}}x{{end}}`,
		`{{with .Entity}}{{.}}{{end}}`,
		`{{printf "%s" .Entity}}`,
		`{{.Entity | printf "%q"}}`,
		`{{template "x"}}`,
		`{{define "x"}}y{{end}}`,
		`{{call .Entity}}`,
		`{{.Nope}}`,
		`{{.Entity.Name}}`,
		`{{$x := 1}}`,
		`{{/* comment */}}`,
		`{{.Entity`,
		strings.Repeat("x", maxMessageTemplate+1),
	}
	for _, m := range bad {
		msg := compileErr(t, notifyDoc(m))
		if !strings.Contains(msg, "rules[0].action.message: invalid template") {
			t.Errorf("template %.60q: error %q; want an invalid template problem", m, msg)
		}
	}
	good := []string{"plain", "{{.Rule}} {{ .Entity }} {{.EntityID}} {{.Level}} {{.Evidence}}", "a } b { c"}
	for _, m := range good {
		if msg := compileErr(t, notifyDoc(m)); msg != "" {
			t.Errorf("template %q: %s", m, msg)
		}
	}
}

func TestMessageRendering(t *testing.T) {
	set := oneRule(t, `{"metric": "spend", "window": "last_7d", "op": ">", "value": 1}`,
		`{"type": "notify", "message": "{{.Rule}}|{{ .Entity }}|{{.EntityID}}|{{.Level}}|{{.Evidence}}"}`, "")
	e := statsEntity(win(WindowLast7D, metrics.Counts{Spend: 5000}))
	ev, err := set.Evaluate(snapOf(e))
	if err != nil || len(ev.Decisions) != 1 {
		t.Fatalf("%v, %v", ev, err)
	}
	got := ev.Decisions[0].Message
	if !strings.HasPrefix(got, "r|Test|1|adset|spend over the last 7 complete days is 5000") {
		t.Errorf("message %q", got)
	}

	// A long entity name cannot make the message unbounded.
	e.Name = strings.Repeat("é", maxMessage)
	ev, err = set.Evaluate(snapOf(e))
	if err != nil {
		t.Fatal(err)
	}
	got = ev.Decisions[0].Message
	if len(got) > maxMessage+len("…") || !strings.HasSuffix(got, "…") || !utf8Valid(got) {
		t.Errorf("long message: %d bytes, suffix %q", len(got), got[len(got)-8:])
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
