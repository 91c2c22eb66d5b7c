package rules

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Message templates are untrusted (people edit rule documents in a CRM), so
// they are not text/template programs: a template is text with
// placeholders, and nothing else is accepted. A placeholder is "{{.Name}}"
// (spaces inside the braces allowed) where Name is one of messageFields.
// Substitution is one pass over precomputed segments: no loops, no
// conditionals, no function calls, nothing to run at compile time.

const (
	// maxMessageTemplate caps the length of a message template, in bytes.
	maxMessageTemplate = 2000
	// maxMessage caps the length of a rendered message, in bytes; longer
	// messages are cut at a rune boundary and end with "…".
	maxMessage = 4000
)

// messageField is a placeholder of a message template.
type messageField uint8

const (
	msgText     messageField = iota // a literal segment
	msgRule                         // {{.Rule}}: the rule's name
	msgEntity                       // {{.Entity}}: the entity's name
	msgEntityID                     // {{.EntityID}}
	msgLevel                        // {{.Level}}: "campaign", "adset" or "ad"
	msgEvidence                     // {{.Evidence}}: the met conditions in words
)

var messageFields = [...]string{msgRule: "Rule", msgEntity: "Entity", msgEntityID: "EntityID", msgLevel: "Level", msgEvidence: "Evidence"}

const messageSyntax = `text with placeholders {{.Rule}}, {{.Entity}}, {{.EntityID}}, {{.Level}} and {{.Evidence}}`

// segment is a literal text or a placeholder.
type segment struct {
	field messageField
	text  string
}

// message is a compiled message template.
type message struct {
	segs  []segment
	konst bool   // no placeholders
	text  string // the message when konst
}

// parseMessage compiles a message template or says what is wrong with it.
func parseMessage(s string) (*message, string) {
	if len(s) > maxMessageTemplate {
		return nil, "template of " + strconv.Itoa(len(s)) + " bytes; expected at most " + strconv.Itoa(maxMessageTemplate)
	}
	if !utf8.ValidString(s) {
		return nil, "template is not valid UTF-8"
	}
	m := &message{konst: true}
	rest := s
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				m.segs = append(m.segs, segment{text: rest})
			}
			break
		}
		if i > 0 {
			m.segs = append(m.segs, segment{text: rest[:i]})
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return nil, "unclosed \"{{\" at byte " + strconv.Itoa(len(s)-len(rest)+i) + "; expected " + messageSyntax
		}
		inner := strings.TrimSpace(rest[i+2 : i+j])
		f := messageField(0)
		if name, ok := strings.CutPrefix(inner, "."); ok {
			for k := msgRule; k <= msgEvidence; k++ {
				if messageFields[k] == name {
					f = k
				}
			}
		}
		if f == 0 {
			return nil, "unsupported placeholder " + strconv.Quote(rest[i:i+j+2]) + "; expected " + messageSyntax + " (no functions, pipelines, range, if or with)"
		}
		m.segs = append(m.segs, segment{field: f})
		m.konst = false
		rest = rest[i+j+2:]
	}
	if m.konst {
		m.text = s
	}
	return m, ""
}

// render substitutes the placeholders; the result is at most maxMessage bytes.
func (m *message) render(rule, entity, entityID, level, evidence string) string {
	if m.konst {
		return m.text
	}
	var b strings.Builder
	for _, sg := range m.segs {
		s := sg.text
		switch sg.field {
		case msgRule:
			s = rule
		case msgEntity:
			s = entity
		case msgEntityID:
			s = entityID
		case msgLevel:
			s = level
		case msgEvidence:
			s = evidence
		}
		if b.Len()+len(s) > maxMessage {
			b.WriteString(s[:max(0, maxMessage-b.Len())])
			return truncateRunes(b.String()) + "…"
		}
		b.WriteString(s)
	}
	return b.String()
}

// truncateRunes drops a trailing partial UTF-8 sequence.
func truncateRunes(s string) string {
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != utf8.RuneError || size > 1 {
			return s
		}
		s = s[:len(s)-1]
	}
	return s
}
