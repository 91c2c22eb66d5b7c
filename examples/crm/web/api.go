package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/crm/pass"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/oauth"
	"github.com/adpilot/adpilot/rules"
)

// maxBody bounds JSON request bodies (rule documents are at most 1 MiB).
const maxBody = 1<<20 + 4096

func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad_json", "the request body is not the expected JSON: "+err.Error())
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "bad_json", "the request body has data after the JSON value")
		return false
	}
	return true
}

func (s *Server) apiOAuthURL(w http.ResponseWriter, r *http.Request, u *store.User) {
	bind, _ := s.bindingID(r.Context())
	url, err := s.OAuth.AuthCodeURL(bind, u.Key())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not start a login")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": url})
}

func (s *Server) apiDisconnect(w http.ResponseWriter, r *http.Request, u *store.User) {
	revoked, err := s.disconnect(r.Context(), r, u)
	switch {
	case errors.Is(err, oauth.ErrNoToken):
		writeError(w, http.StatusNotFound, "not_connected", "there is no Meta connection to disconnect")
	case err != nil:
		writeError(w, http.StatusBadGateway, "meta_failed", "could not disconnect; try again")
	default:
		writeJSON(w, http.StatusOK, map[string]any{"state": StateDisconnected, "revoked_at_meta": revoked})
	}
}

func (s *Server) apiRefresh(w http.ResponseWriter, r *http.Request, u *store.User) {
	res, err := s.refresh(r.Context(), u)
	switch {
	case errors.Is(err, oauth.ErrNoToken):
		writeError(w, http.StatusNotFound, "not_connected", "there is no Meta connection to refresh")
	case err != nil:
		writeError(w, http.StatusBadGateway, "meta_failed", "Meta could not be reached to verify the token")
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

func (s *Server) apiAccounts(w http.ResponseWriter, r *http.Request, u *store.User) {
	accts, err := s.Store.Accounts(r.Context(), u.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not list the accounts")
		return
	}
	out := make([]AccountJSON, 0, len(accts))
	for _, a := range accts {
		out = append(out, s.accountJSON(a))
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": out})
}

func (s *Server) apiAccount(w http.ResponseWriter, r *http.Request, u *store.User) {
	a, st, code, msg := s.account(r, u)
	if a == nil {
		writeError(w, st, code, msg)
		return
	}
	writeJSON(w, http.StatusOK, s.accountJSON(a))
}

// latestBody loads and decodes the newest report of the account. Reports
// never change once stored, so decoded bodies are cached by id (safe with
// replicas: a new pass is a new id).
func (s *Server) latestBody(r *http.Request, u *store.User, a *store.Account) (*store.Report, *pass.Body, error) {
	latest, err := s.Store.Reports(r.Context(), u.ID, a.ID, 1)
	if err != nil {
		return nil, nil, err
	}
	if len(latest) == 0 {
		return nil, nil, fmt.Errorf("web: report of %s: %w", a.ID, store.ErrNotFound)
	}
	if b := s.reports.get(latest[0].ID); b != nil {
		return latest[0], b, nil
	}
	rep, err := s.Store.Report(r.Context(), u.ID, latest[0].ID)
	if err != nil {
		return nil, nil, err
	}
	b, err := pass.Decode(rep.Body)
	if err != nil {
		return rep, nil, err
	}
	s.reports.put(rep.ID, b)
	return rep, b, nil
}

// bodyCache keeps decoded report bodies by id (at most max; emptied when
// full). Reports are immutable, so an entry never goes stale.
type bodyCache struct {
	mu  sync.Mutex
	m   map[int64]*pass.Body
	max int
}

func (c *bodyCache) get(id int64) *pass.Body {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

func (c *bodyCache) put(id int64, b *pass.Body) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[int64]*pass.Body)
	}
	c.m[id] = b
}

// CampaignStatsJSON is the answer of the campaign statistics route: the
// statistics the latest analysis pass measured, for one level and window.
type CampaignStatsJSON struct {
	Account    string             `json:"account"`
	Currency   string             `json:"currency"`
	Level      string             `json:"level"`
	Window     string             `json:"window"`
	Range      metaads.TimeRange  `json:"range"`
	MeasuredAt time.Time          `json:"measured_at"`
	ReportID   int64              `json:"report_id"`
	Statistics metrics.Statistics `json:"statistics"`
}

func (s *Server) apiCampaignStats(w http.ResponseWriter, r *http.Request, u *store.User) {
	a, st, code, msg := s.account(r, u)
	if a == nil {
		writeError(w, st, code, msg)
		return
	}
	window := r.URL.Query().Get("window")
	if window == "" {
		window = "last_7d"
	}
	level := r.URL.Query().Get("level")
	if level == "" {
		level = "campaign"
	}
	rep, b, err := s.latestBody(r, u, a)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no_report", "no analysis pass has run for this account yet")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not read the latest report")
		return
	}
	var windows []string
	for _, ws := range b.Report.Statistics {
		if string(ws.Level) == level {
			windows = append(windows, ws.Window.String())
		}
		if string(ws.Level) == level && ws.Window.String() == window {
			writeJSON(w, http.StatusOK, CampaignStatsJSON{Account: a.ID.String(), Currency: b.Report.Currency, Level: level, Window: window,
				Range: ws.Range, MeasuredAt: rep.CreatedAt, ReportID: rep.ID, Statistics: ws.Statistics})
			return
		}
	}
	writeJSON(w, http.StatusBadRequest, APIError{Error: APIErrorBody{Code: "bad_window",
		Message: fmt.Sprintf("no statistics for level %q and window %q", level, window), Details: map[string]any{"windows": windows}}})
}

// ReportJSON describes a stored report.
type ReportJSON struct {
	ID        int64            `json:"id"`
	Account   string           `json:"account"`
	Period    string           `json:"period"`
	CreatedAt time.Time        `json:"created_at"`
	Summary   string           `json:"summary"`
	Markdown  string           `json:"markdown,omitempty"`
	Report    *analysis.Report `json:"report,omitempty"`
	Trend     *pass.Trend      `json:"trend,omitempty"`
}

func (s *Server) apiReports(w http.ResponseWriter, r *http.Request, u *store.User) {
	a, st, code, msg := s.account(r, u)
	if a == nil {
		writeError(w, st, code, msg)
		return
	}
	reps, err := s.Store.Reports(r.Context(), u.ID, a.ID, 100)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not list the reports")
		return
	}
	out := make([]ReportJSON, 0, len(reps))
	for _, rep := range reps {
		out = append(out, ReportJSON{ID: rep.ID, Account: rep.Account.String(), Period: rep.Period, CreatedAt: rep.CreatedAt, Summary: rep.Summary})
	}
	writeJSON(w, http.StatusOK, map[string]any{"reports": out})
}

func (s *Server) report(r *http.Request, u *store.User) (*store.Report, int, string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, http.StatusNotFound, "no such report"
	}
	rep, err := s.Store.Report(r.Context(), u.ID, id)
	if err != nil {
		return nil, http.StatusNotFound, "no such report"
	}
	return rep, 0, ""
}

func (s *Server) apiReport(w http.ResponseWriter, r *http.Request, u *store.User) {
	rep, st, msg := s.report(r, u)
	if rep == nil {
		writeError(w, st, "not_found", msg)
		return
	}
	out := ReportJSON{ID: rep.ID, Account: rep.Account.String(), Period: rep.Period, CreatedAt: rep.CreatedAt, Summary: rep.Summary, Markdown: rep.Markdown}
	if b, err := pass.Decode(rep.Body); err == nil {
		out.Report, out.Trend = b.Report, &b.Trend
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiAnalyze(w http.ResponseWriter, r *http.Request, u *store.User) {
	a, st, code, msg := s.account(r, u)
	if a == nil {
		writeError(w, st, code, msg)
		return
	}
	if err := s.Jobs.EnqueuePass(r.Context(), u.ID, a.ID); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not queue the pass")
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "queued"})
}

// Service tokens.

// ServiceTokenJSON describes a service token (never its secret, except
// Token in the answer that creates it).
type ServiceTokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Accounts   []string   `json:"accounts"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	Token      string     `json:"token,omitempty"`
}

func tokenJSON(t *store.ServiceToken) ServiceTokenJSON {
	accts := make([]string, 0, len(t.Accounts))
	for _, a := range t.Accounts {
		accts = append(accts, a.String())
	}
	return ServiceTokenJSON{ID: t.ID, Name: t.Name, Accounts: accts, CreatedAt: t.CreatedAt, RevokedAt: optTime(t.RevokedAt), LastUsedAt: optTime(t.LastUsedAt)}
}

func (s *Server) apiServiceTokens(w http.ResponseWriter, r *http.Request, u *store.User) {
	ts, err := s.Store.ServiceTokens(r.Context(), u.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not list the service tokens")
		return
	}
	out := make([]ServiceTokenJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenJSON(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"service_tokens": out})
}

func (s *Server) apiCreateServiceToken(w http.ResponseWriter, r *http.Request, u *store.User) {
	var req struct {
		Name     string   `json:"name"`
		Accounts []string `json:"accounts"`
	}
	if !decodeJSON(w, r, &req) {
		return
	}
	tok, st, err := s.createServiceToken(r, u, req.Name, req.Accounts)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	out := tokenJSON(st)
	out.Token = tok
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiRevokeServiceToken(w http.ResponseWriter, r *http.Request, u *store.User) {
	if err := s.revokeServiceToken(r, u, r.PathValue("id")); err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no such service token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "revoked"})
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, u *store.User) {
	log, err := s.Store.AuditLog(r.Context(), u.ID, 200)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not read the audit log")
		return
	}
	type entry struct {
		At      time.Time `json:"at"`
		TokenID string    `json:"token_id,omitempty"`
		Action  string    `json:"action"`
		Account string    `json:"account,omitempty"`
		Outcome string    `json:"outcome"`
		Detail  string    `json:"detail,omitempty"`
	}
	out := make([]entry, 0, len(log))
	for _, e := range log {
		out = append(out, entry{e.At, e.TokenID, e.Action, e.Account, e.Outcome, e.Detail})
	}
	writeJSON(w, http.StatusOK, map[string]any{"audit": out})
}

// problemsJSON turns a rules compile error into path/message pairs.
func problemsJSON(err error) []map[string]string {
	var ce *rules.CompileError
	if errors.As(err, &ce) {
		out := make([]map[string]string, 0, len(ce.Problems))
		for _, p := range ce.Problems {
			out = append(out, map[string]string{"path": p.Path, "message": p.Message})
		}
		return out
	}
	return []map[string]string{{"path": "", "message": err.Error()}}
}
