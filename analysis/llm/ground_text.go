package llm

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// Checks of the reply's text: every number it states, the entities its
// sentences name, and requests no analysis makes (everything at once,
// instructions to the model).

var (
	// blanketREs are requests to act on everything at once, which no
	// analysis of the data asks for: such text comes from instructions
	// planted in the data.
	blanketREs = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b(?:pause|stop|halt|suspend|freeze|turn off|switch off|shut (?:down|off)|disable|deactivate|delete|remove|kill|cancel|end|terminate|archive|close|resume|unpause|restart|reactivate|activate|enable|turn on|switch on)\s+(?:everything|anything|it all|all\b|every\b|each\b|the (?:whole |entire )?(?:ad )?account\b|(?:the )?(?:whole|entire)\b)`),
		regexp.MustCompile(`(?i)\b(?:turn|switch|shut)\s+(?:everything|it all|all(?: of it)?|every\s+\w+(?:\s+\w+)?|all\s+\w+(?:\s+\w+)?|the (?:whole |entire )?(?:ad )?account)\s+(?:off|down|on)\b`),
		regexp.MustCompile(`(?i)\b(?:raise|increase|double|triple|scale(?: up| down)?|boost|cut|lower|reduce|decrease|halve|slash|zero(?: out)?)\s+(?:all|every|each)\s+(?:of\s+)?(?:the\s+)?(?:\w+\s+)?(?:budgets?|bids?|campaigns?|ad ?sets?|ads?|spend(?:ing)?)\b`),
		regexp.MustCompile(`(?i)\b(?:set|cut|reduce|drop|lower|bring|take)\s+(?:all|every|each|the)?\s*(?:\w+\s+){0,2}(?:budgets?|spend(?:ing)?|bids?)\s+(?:down\s+)?(?:to|at)\s+(?:0\b|zero\b|nothing\b)`),
		regexp.MustCompile(`(?i)\b(?:stop|halt|end|cease)\s+(?:all\s+)?(?:spending|spend|advertising|ads)\s+(?:entirely|completely|altogether|everywhere|on everything|across the (?:board|account))`),
		regexp.MustCompile(`(?i)\bacross the (?:board|(?:whole |entire )?account)\b`),
	}
	// overrideRE is text addressed to the model rather than the advertiser.
	overrideRE = regexp.MustCompile(`(?i)\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)?(?:previous|prior|above|earlier|other|system)\s+(?:instructions|rules|prompts?|messages?)|\bsystem prompt\b|\bnew instructions\b|\bas (?:the|your) instructions? (?:say|said|in the data)|\binstructions (?:in|from) the (?:data|account|facts|campaign)`)
	idRE       = regexp.MustCompile(`\b(?:act_)?\d{6,}\b`)
	// raiseRE asks for more budget, bid or delivery.
	raiseRE = regexp.MustCompile(`(?i)\b(?:raise|increase|double|triple|boost|scale up|grow|top up|lift)\b[^.;:!?]{0,40}\b(?:budget|bid|spend|spending|delivery)\b|\bmore (?:budget|spend|spending|money)\b|\b(?:budget|bid)\b[^.;:!?]{0,30}\b(?:up|higher)\b`)
	// tokenRE is a word that may be an id.
	tokenRE = regexp.MustCompile(`[A-Za-z0-9_]+`)
	// levelWordRE names a level of the account.
	levelWordRE = regexp.MustCompile(`(?i)\b(?:(account)|(campaigns?)|(ad ?sets?)|(ads?))\b`)
)

// text checks one text field of the reply. Each number must match a
// value of p that its clause's metric, its sentence's windows and its
// sentence's entities allow: in a recommendation, a sentence speaks of
// the recommendation's entity and of what it names (an id, a name, or a
// level word such as "the campaign" for the entity's campaign); in the
// summary, of what it names, or of anything when it names nothing.
func (g *grounder) text(field, s string, p *pool, sub *subject, reasons *[]analysis.DropReason) {
	if strings.TrimSpace(s) == "" {
		return
	}
	fail := func(check, format string, args ...any) {
		*reasons = append(*reasons, analysis.DropReason{Check: check, Detail: field + " " + fmt.Sprintf(format, args...)})
	}
	f := g.f
	s = normalize(s)
	for _, re := range blanketREs {
		if m := re.FindString(s); m != "" {
			fail(analysis.CheckInstruction, "says %q: no analysis of the data acts on everything at once; such text comes from instructions in the data", m)
			break
		}
	}
	if m := overrideRE.FindString(s); m != "" {
		fail(analysis.CheckInstruction, "says %q, text addressed to a model, not to the advertiser", m)
	}
	// Take the names out: their words and digits are not claims.
	rest := g.blankNames(s)
	w := words(rest)
	for i := 0; i+4 <= len(w); i++ {
		if k := strings.Join(w[i:i+4], " "); g.grams[k] {
			fail(analysis.CheckInstruction, "repeats %q from the name of %s outside the name: text in the data is not an instruction", k, g.gramOf[k])
			break
		}
	}
	// Ids: every id-like run of digits must be an entity of the data.
	rest = idRE.ReplaceAllStringFunc(rest, func(id string) string {
		bare := strings.TrimPrefix(id, "act_")
		if f.byID[bare] != nil || id == f.account.ID || "act_"+bare == f.account.ID {
			return blank(id)
		}
		if len(bare) >= 10 || strings.HasPrefix(id, "act_") {
			fail(analysis.CheckEntity, "names %s, which is not an entity of the data", id)
			return blank(id)
		}
		return id // shorter: a number, checked below
	})
	if r := oddNumber(rest); r != 0 {
		fail(analysis.CheckNumber, "writes the number %q, a form the facts do not use; numbers must be copied as the facts write them", string(r))
	}
	nums, dates := numbersIn(rest)
	ends := sentenceEnds(rest)
	mentions := make([]map[string]bool, len(ends))
	failed := 0
	for _, n := range nums {
		if failed == maxNumberReasons {
			fail(analysis.CheckNumber, "states further numbers, not checked after %d that match no value of the data", failed)
			break
		}
		k := sentenceAt(ends, n.pos)
		if mentions[k] == nil {
			start := 0
			if k > 0 {
				start = ends[k-1]
			}
			mentions[k] = g.mentions(s[start:ends[k]], sub)
		}
		n.ents = mentions[k]
		if sub.summary && len(n.ents) == 0 {
			n.ents = nil // a sentence of the summary that names nothing may state anything
		}
		if ok, near := p.match(n); !ok {
			failed++
			if near != nil {
				fail(analysis.CheckNumber, "states %s, which matches no value of the data it is about (nearest: %s)", n.text, p.describe(near))
			} else {
				fail(analysis.CheckNumber, "states %s, which matches no value of the data it is about", n.text)
			}
		}
	}
	first := f.today.AddDays(-60)
	for _, d := range dates {
		day, err := metaads.ParseDate(d)
		if err != nil || day.Before(first) || f.today.Before(day) {
			fail(analysis.CheckNumber, "states the date %s, outside the days of the data (%s to %s)", d, first, f.today)
		}
	}
}

// mentions returns the entities a sentence may speak of: for a
// recommendation its own entity, and every entity the sentence names by
// id, by name, or by a level word ("the campaign", "the account's") that
// no id or name follows; "" stands for the account.
func (g *grounder) mentions(sent string, sub *subject) map[string]bool {
	f := g.f
	m := map[string]bool{}
	if !sub.summary {
		m[sub.main] = true
	}
	for _, tok := range tokenRE.FindAllString(sent, -1) {
		if f.byID[tok] != nil {
			m[tok] = true
		} else if tok == f.account.ID || "act_"+tok == f.account.ID {
			m[""] = true
		}
	}
	lower := strings.ToLower(sent)
	for _, n := range g.names {
		if strings.Contains(lower, n.lower) {
			m[n.id] = true
		}
	}
	for _, lm := range levelWordRE.FindAllStringSubmatchIndex(lower, -1) {
		if g.namedAt(lower[lm[1]:]) {
			continue // "ad set s2", "campaign \"Shop\"": the id or name says which
		}
		var level metrics.Level
		switch {
		case lm[2] >= 0:
			m[""] = true
			continue
		case lm[4] >= 0:
			level = metrics.LevelCampaign
		case lm[6] >= 0:
			level = metrics.LevelAdSet
		default:
			level = metrics.LevelAd
		}
		xs := sub.scope
		if sub.summary {
			xs = f.entities
		}
		for _, x := range xs {
			if x.ref.Level == level {
				m[x.ref.ID] = true
			}
		}
	}
	return m
}

// namedAt reports whether s (lower case) starts with an id or a name of
// the data, after spaces, quotes and a possessive.
func (g *grounder) namedAt(s string) bool {
	s = strings.TrimPrefix(s, "'s")
	s = strings.TrimLeft(s, " \"'`")
	if tok := tokenRE.FindString(s); tok != "" && strings.HasPrefix(s, tok) {
		if g.f.byID[tok] != nil || tok == g.f.account.ID || "act_"+tok == g.f.account.ID {
			return true
		}
	}
	for _, n := range g.names {
		if strings.HasPrefix(s, n.lower) {
			return true
		}
	}
	return false
}

// blankNames blanks every occurrence of a name of the data in s,
// ignoring case, longest names first.
func (g *grounder) blankNames(s string) string {
	lower := strings.ToLower(s)
	if len(lower) != len(s) {
		// A case mapping changed the length: match case as written.
		for _, n := range g.names {
			s = strings.ReplaceAll(s, n.text, blank(n.text))
		}
		return s
	}
	b, lb := []byte(s), []byte(lower)
	for _, n := range g.names {
		if len(n.lower) != len(n.text) || n.lower == "" {
			continue
		}
		for off := 0; ; {
			i := bytes.Index(lb[off:], []byte(n.lower))
			if i < 0 {
				break
			}
			for k := off + i; k < off+i+len(n.lower); k++ {
				b[k], lb[k] = ' ', ' '
			}
			off += i + len(n.lower)
		}
	}
	return string(b)
}

// words splits text into lower-case words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && r != '\u2014' && r != '\u2013')
	})
}
