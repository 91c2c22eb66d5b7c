package llmtest

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Respond is a well-behaved model: it reads the facts of a prompt's user
// turn and answers with a reply that cites them exactly as written, one
// recommendation per rule decision (at most three; a monitor
// recommendation on the biggest spender when there is none). Provider
// tests serve it from their fake APIs to run the analysistest conformance
// suite on any Input. It is deterministic.
func Respond(user string) string {
	var facts struct {
		Totals    map[string]map[string]string `json:"account_totals"`
		Decisions []struct {
			Ref      string `json:"ref"`
			Level    string `json:"level"`
			EntityID string `json:"entity_id"`
			Action   string `json:"action"`
			From     string `json:"from"`
			To       string `json:"to"`
		} `json:"rule_decisions"`
		Entities []struct {
			ID      string                       `json:"id"`
			Level   string                       `json:"level"`
			Metrics map[string]map[string]string `json:"metrics"`
		} `json:"entities"`
	}
	if i, j := strings.Index(user, "<facts>"), strings.LastIndex(user, "</facts>"); i >= 0 && j > i {
		_ = json.Unmarshal([]byte(user[i+len("<facts>"):j]), &facts)
	}
	type ev struct {
		EntityID string `json:"entity_id"`
		Metric   string `json:"metric"`
		Window   string `json:"window"`
		Value    string `json:"value"`
	}
	type rec map[string]any
	metricsOf := func(id string) map[string]string {
		for _, e := range facts.Entities {
			if e.ID == id {
				return e.Metrics["last_7d"]
			}
		}
		return nil
	}
	evidence := func(id string) ([]ev, string) {
		m := metricsOf(id)
		var out []ev
		var words []string
		for _, name := range []string{"spend", "cpa"} {
			if v, ok := m[name]; ok {
				out = append(out, ev{id, name, "last_7d", v})
				words = append(words, strings.ToUpper(name[:1])+name[1:]+" over last_7d was "+v)
			}
		}
		return out, strings.Join(words, "; ")
	}
	recommendation := func(level, id, action string, percent *float64, source string) rec {
		cited, words := evidence(id)
		if cited == nil {
			cited = []ev{}
		}
		sources := []string{}
		if source != "" {
			sources = append(sources, source)
		}
		title := "Watch this " + level
		if source != "" {
			title = "Follow the rule decision on this " + level
		}
		return rec{"entity": map[string]string{"level": level, "id": id}, "related": []any{}, "kind": "problem", "priority": "high",
			"action": map[string]any{"type": action, "percent": percent, "to": nil, "detail": ""}, "title": title,
			"rationale": words, "evidence": cited, "impact": map[string]any{"summary": "", "estimates": []any{}},
			"confidence": map[string]string{"level": "medium", "basis": "the facts of the last week"}, "sources": sources}
	}
	var recs []rec
	for _, d := range facts.Decisions {
		if len(recs) == 3 {
			break
		}
		action, percent := "investigate", (*float64)(nil)
		switch d.Action {
		case "pause":
			action = "pause"
		case "scale_budget", "set_budget":
			from, to := amount(d.From), amount(d.To)
			if from > 0 && to > 0 {
				p := math.Round((to/from-1)*1000) / 10
				action, percent = "scale_budget", &p
			}
		case "notify":
			action = "monitor"
		}
		recs = append(recs, recommendation(d.Level, d.EntityID, action, percent, d.Ref))
	}
	if len(recs) == 0 {
		best, spend := -1, -1.0
		for i, e := range facts.Entities {
			if s := amount(e.Metrics["last_7d"]["spend"]); s > spend {
				best, spend = i, s
			}
		}
		if best >= 0 {
			e := facts.Entities[best]
			recs = append(recs, recommendation(e.Level, e.ID, "monitor", nil, ""))
		}
	}
	summary := "The account had no delivery over last_7d."
	if s, ok := facts.Totals["last_7d"]["spend"]; ok {
		summary = fmt.Sprintf("Spend over last_7d was %s.", s)
	}
	if recs == nil {
		recs = []rec{}
	}
	b, _ := json.Marshal(map[string]any{"summary": summary, "recommendations": recs})
	return string(b)
}

// amount reads the number of a money text of the facts ("41.20 USD").
func amount(s string) float64 {
	f, _ := strconv.ParseFloat(strings.ReplaceAll(strings.Fields(s + " 0")[0], ",", ""), 64)
	return f
}
