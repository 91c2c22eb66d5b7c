package web

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// The goal fields, as the form and the API name them.
const (
	fieldTargetCPA  = "target_cpa"
	fieldTargetROAS = "target_roas"
	fieldMargin     = "gross_margin"
	fieldPriority   = "priority"
	fieldEvent      = "conversion_event"
)

// priorityOption is a choice of Goals.Priority in the form.
type priorityOption struct {
	Value analysis.GoalPriority
	Label string
}

// priorities are the choices of Goals.Priority, in the form's order.
var priorities = []priorityOption{
	{analysis.PriorityProfit, "Profit: rank by money made or lost (uses the gross margin)"},
	{analysis.PriorityReachEfficiency, "Reach efficiency: people reached per unit of spend"},
	{analysis.PriorityEngagement, "Engagement: engagement rate and quality"},
}

// actionType is what a Meta action type looks like ("purchase",
// "offsite_conversion.fb_pixel_lead", "offsite_conversion.custom.123").
var actionType = regexp.MustCompile(`^[a-z0-9_.]{1,100}$`)

// goalsForm is the goals form as typed (money in major units).
type goalsForm struct {
	TargetCPA, TargetROAS, GrossMargin, Priority, ConversionEvent string
}

// formOf writes goals as the form shows them.
func formOf(g analysis.Goals, cur metrics.Currency) goalsForm {
	f := goalsForm{Priority: string(g.Priority), ConversionEvent: g.ConversionEvent}
	if g.TargetCPA > 0 {
		f.TargetCPA = cur.Format(g.TargetCPA)
	}
	if g.TargetROAS > 0 {
		f.TargetROAS = strconv.FormatFloat(g.TargetROAS, 'f', -1, 64)
	}
	if g.GrossMargin > 0 {
		f.GrossMargin = strconv.FormatFloat(math.Round(g.GrossMargin*1e4)/100, 'f', -1, 64)
	}
	return f
}

// parseGoals reads the form into goals in the account's currency; problems
// maps each bad field to what is wrong and what is expected.
func parseGoals(f goalsForm, cur metrics.Currency) (analysis.Goals, map[string]string) {
	g := analysis.Goals{Currency: cur.Code(), Priority: analysis.GoalPriority(strings.TrimSpace(f.Priority)), ConversionEvent: strings.TrimSpace(f.ConversionEvent)}
	problems := map[string]string{}
	if s := strings.TrimSpace(f.TargetCPA); s != "" {
		v, err := cur.ParseAmount(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, cur.Code()), cur.Code())))
		switch {
		case errors.Is(err, metrics.ErrOverflow):
			problems[fieldTargetCPA] = fmt.Sprintf("%q is too large an amount.", s)
		case err != nil:
			problems[fieldTargetCPA] = fmt.Sprintf("%q is not an amount in %s: write it like %s.", s, cur.Code(), cur.Format(30*cur.Offset()))
		case v <= 0:
			problems[fieldTargetCPA] = "The target CPA must be more than zero (leave it empty for none)."
		default:
			g.TargetCPA = v
		}
	}
	if s := strings.TrimSpace(f.TargetROAS); s != "" {
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimRight(s, "x×")), 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || v <= 0 || v > 1000 {
			problems[fieldTargetROAS] = fmt.Sprintf("%q is not a ROAS: write revenue per unit of spend, like 2.5 (more than 0, at most 1000), or leave it empty.", s)
		} else {
			g.TargetROAS = v
		}
	}
	if s := strings.TrimSpace(f.GrossMargin); s != "" {
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
		if err != nil || math.IsNaN(v) || v <= 0 || v > 100 {
			problems[fieldMargin] = fmt.Sprintf("%q is not a margin: write the percentage of revenue left after the cost of goods, like 40 (more than 0, at most 100), or leave it empty.", s)
		} else {
			g.GrossMargin = v / 100
		}
	}
	if g.Priority == "" {
		g.Priority = analysis.PriorityProfit
	}
	if !slices.ContainsFunc(priorities, func(p priorityOption) bool { return p.Value == g.Priority }) {
		problems[fieldPriority] = fmt.Sprintf("%q is not a priority: pick profit, reach efficiency or engagement.", f.Priority)
	}
	if g.ConversionEvent != "" && !actionType.MatchString(g.ConversionEvent) {
		problems[fieldEvent] = fmt.Sprintf("%q is not a Meta action type: lower-case letters, digits, dots and underscores, like purchase or offsite_conversion.fb_pixel_lead (leave it empty for the campaigns' own).", g.ConversionEvent)
	}
	if len(problems) == 0 && (g.TargetCPA > 0 || g.TargetROAS > 0) {
		// The engine has the last word: the goals must make a rule library.
		if _, err := rules.DefaultLibrary(rules.Params{Currency: g.Currency, ConversionEvent: g.ConversionEvent,
			TargetCPA: g.TargetCPA, TargetROAS: g.TargetROAS, GrossMargin: g.GrossMargin}); err != nil {
			problems[fieldTargetCPA] = "The rule library refuses these goals: " + err.Error()
		}
	}
	if len(problems) == 0 {
		return g, nil
	}
	return g, problems
}

type goalsView struct {
	Account    accountView
	Currency   string
	Example    string // a CPA example in the currency
	Form       goalsForm
	Problems   map[string]string
	Events     []string // the events the account's campaigns count (latest pass)
	Priorities []priorityOption
}

func (s *Server) goalsView(r *http.Request, u *store.User, a *store.Account, cur metrics.Currency) *goalsView {
	v := &goalsView{Account: accountView{Account: a, State: s.state(a)}, Currency: cur.Code(),
		Example: cur.Format(30 * cur.Offset()), Form: formOf(a.Goals, cur), Priorities: priorities}
	if _, b, err := s.latestBody(r, u, a); err == nil {
		for _, ev := range b.Events {
			if ev != "" && !slices.Contains(v.Events, ev) {
				v.Events = append(v.Events, ev)
			}
		}
		slices.Sort(v.Events)
	}
	return v
}

// accountCurrency is the account's currency, for parsing its money.
func accountCurrency(a *store.Account) (metrics.Currency, error) {
	cur, err := metrics.LookupCurrency(a.Currency)
	if err != nil {
		return cur, &userError{fmt.Sprintf("The account's currency %q is not one Meta supports, so its goals cannot be set.", a.Currency)}
	}
	return cur, nil
}

// goalsAccount is the account of the goals page's path and its currency,
// or false when the answer (not found, or a currency goals cannot be set
// in) was written.
func (s *Server) goalsAccount(w http.ResponseWriter, r *http.Request, u *store.User) (*store.Account, metrics.Currency, bool) {
	a, st, _, msg := s.account(r, u)
	if a == nil {
		s.fail(w, r, st, "not_found", msg)
		return nil, metrics.Currency{}, false
	}
	cur, err := accountCurrency(a)
	if err != nil {
		s.fail(w, r, http.StatusUnprocessableEntity, "invalid", err.Error())
		return nil, metrics.Currency{}, false
	}
	return a, cur, true
}

func (s *Server) showGoals(w http.ResponseWriter, r *http.Request, u *store.User) {
	a, cur, ok := s.goalsAccount(w, r, u)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "goals", "Goals: "+a.Name, u, s.goalsView(r, u, a, cur))
}

func (s *Server) saveGoalsPage(w http.ResponseWriter, r *http.Request, u *store.User) {
	a, cur, ok := s.goalsAccount(w, r, u)
	if !ok {
		return
	}
	f := goalsForm{TargetCPA: r.PostFormValue(fieldTargetCPA), TargetROAS: r.PostFormValue(fieldTargetROAS),
		GrossMargin: r.PostFormValue(fieldMargin), Priority: r.PostFormValue(fieldPriority), ConversionEvent: r.PostFormValue(fieldEvent)}
	g, problems := parseGoals(f, cur)
	if problems != nil {
		v := s.goalsView(r, u, a, cur)
		v.Form, v.Problems = f, problems
		s.render(w, r, http.StatusUnprocessableEntity, "goals", "Goals: "+a.Name, u, v)
		return
	}
	if err := s.saveGoals(r, u, a, g); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not save the goals")
		return
	}
	s.redirectFlash(w, r, "/accounts/"+a.ID.String(), "Goals saved. A new analysis with them is queued: reload in a moment.", "")
}

// saveGoals stores the goals, audits the change and queues a pass with them.
func (s *Server) saveGoals(r *http.Request, u *store.User, a *store.Account, g analysis.Goals) error {
	ctx := r.Context()
	if err := s.Store.SaveGoals(ctx, u.ID, a.ID, g); err != nil {
		s.Logger.ErrorContext(ctx, "saving goals", "error", err)
		return err
	}
	_ = s.Store.Audit(ctx, store.AuditEntry{UserID: u.ID, Action: "goals.update", Account: a.ID.String(), Outcome: "ok", Detail: goalsText(g), Remote: clientIP(r)})
	if err := s.Jobs.EnqueuePass(ctx, u.ID, a.ID); err != nil {
		s.Logger.WarnContext(ctx, "enqueueing a pass after new goals", "account", a.ID.String(), "error", err)
	}
	return nil
}

// goalsText says the goals in one line, like "target CPA 30.00 USD,
// margin 40%, priority profit".
func goalsText(g analysis.Goals) string {
	var parts []string
	if g.TargetCPA > 0 {
		parts = append(parts, "target CPA "+money(g.Currency, float64(g.TargetCPA))+" "+g.Currency)
	}
	if g.TargetROAS > 0 {
		parts = append(parts, "target ROAS "+strconv.FormatFloat(g.TargetROAS, 'f', -1, 64))
	}
	if g.GrossMargin > 0 {
		parts = append(parts, "margin "+strconv.FormatFloat(math.Round(g.GrossMargin*1e4)/100, 'f', -1, 64)+"%")
	}
	if g.ConversionEvent != "" {
		parts = append(parts, "event "+g.ConversionEvent)
	}
	if g.Priority != "" {
		parts = append(parts, "priority "+string(g.Priority))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// GoalsJSON are an account's goals in the API: money in minor units of
// the account's currency, as analysis.Goals.
type GoalsJSON struct {
	Currency        string  `json:"currency"`
	TargetCPA       int64   `json:"target_cpa"`
	TargetROAS      float64 `json:"target_roas"`
	GrossMargin     float64 `json:"gross_margin"`
	Priority        string  `json:"priority"`
	ConversionEvent string  `json:"conversion_event"`
}

func goalsJSON(g analysis.Goals, currency string) GoalsJSON {
	if g.Currency == "" {
		g.Currency = currency
	}
	return GoalsJSON{Currency: g.Currency, TargetCPA: g.TargetCPA, TargetROAS: g.TargetROAS, GrossMargin: g.GrossMargin,
		Priority: string(g.Priority), ConversionEvent: g.ConversionEvent}
}

func (s *Server) apiGoals(w http.ResponseWriter, r *http.Request, u *store.User) {
	a, st, code, msg := s.account(r, u)
	if a == nil {
		writeError(w, st, code, msg)
		return
	}
	writeJSON(w, http.StatusOK, goalsJSON(a.Goals, a.Currency))
}

// apiSaveGoals is PUT /api/accounts/{account}/goals: the GoalsJSON fields,
// money in minor units; currency, when given, must be the account's.
func (s *Server) apiSaveGoals(w http.ResponseWriter, r *http.Request, u *store.User) {
	a, st, code, msg := s.account(r, u)
	if a == nil {
		writeError(w, st, code, msg)
		return
	}
	cur, err := accountCurrency(a)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid", err.Error())
		return
	}
	var req GoalsJSON
	if !decodeJSON(w, r, &req) {
		return
	}
	problems := map[string]string{}
	if req.Currency != "" && req.Currency != cur.Code() {
		problems["currency"] = fmt.Sprintf("the account's currency is %s; give the goals in %s minor units", cur.Code(), cur.Code())
	}
	if req.TargetCPA < 0 {
		problems[fieldTargetCPA] = "must be minor units > 0, or 0 for none"
	}
	// The numbers go through the form's checks, written as the form has them.
	f := goalsForm{Priority: req.Priority, ConversionEvent: req.ConversionEvent}
	if req.TargetCPA > 0 {
		f.TargetCPA = cur.Format(req.TargetCPA)
	}
	if req.TargetROAS != 0 {
		f.TargetROAS = strconv.FormatFloat(req.TargetROAS, 'g', -1, 64)
	}
	if req.GrossMargin != 0 {
		f.GrossMargin = strconv.FormatFloat(req.GrossMargin*100, 'g', -1, 64)
	}
	g, more := parseGoals(f, cur)
	for k, v := range more {
		problems[k] = v
	}
	if len(problems) > 0 {
		details := make([]map[string]string, 0, len(problems))
		for _, k := range slices.Sorted(maps.Keys(problems)) {
			details = append(details, map[string]string{"path": k, "message": problems[k]})
		}
		writeJSON(w, http.StatusUnprocessableEntity, APIError{Error: APIErrorBody{Code: "invalid", Message: fmt.Sprintf("the goals have %d problem(s)", len(details)), Details: details}})
		return
	}
	if req.GrossMargin != 0 {
		g.GrossMargin = req.GrossMargin // exact, not through the percentage
	}
	if err := s.saveGoals(r, u, a, g); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not save the goals")
		return
	}
	writeJSON(w, http.StatusOK, goalsJSON(g, a.Currency))
}
