package web

import "net/http"

// routes registers every route in one place.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /static/", staticFS())

	// Pages.
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /signup", s.showSignup)
	mux.HandleFunc("POST /signup", s.signup)
	mux.HandleFunc("GET /login", s.showLogin)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.Handle("GET /settings", s.page(s.showSettings))
	mux.Handle("POST /settings/connect", s.connect) // oauth.ConnectHandler: same-origin POST only
	mux.Handle("POST /settings/disconnect", s.page(s.disconnectPage))
	mux.Handle("POST /settings/refresh", s.page(s.refreshPage))
	mux.Handle("POST /settings/tokens", s.page(s.createTokenPage))
	mux.Handle("POST /settings/tokens/{id}/revoke", s.page(s.revokeTokenPage))
	mux.Handle("GET /accounts/{account}", s.page(s.showDashboard))
	mux.Handle("POST /accounts/{account}/analyze", s.page(s.analyzePage))
	mux.Handle("GET /accounts/{account}/goals", s.page(s.showGoals))
	mux.Handle("POST /accounts/{account}/goals", s.page(s.saveGoalsPage))
	mux.Handle("GET /rules", s.page(s.showRules))
	mux.Handle("POST /rules", s.page(s.saveRulesPage))
	mux.Handle("GET /rules/{id}", s.page(s.showRuleSet))
	mux.Handle("POST /rules/{id}", s.page(s.saveRulesPage))
	mux.Handle("POST /rules/{id}/delete", s.page(s.deleteRulesPage))
	mux.Handle("POST /rules/{id}/run", s.page(s.runRulesPage))
	mux.Handle("GET /reports/{id}", s.page(s.showReport))

	// JSON API for the signed-in user (the seed's routes).
	mux.Handle("POST /api/meta-oauth/url", s.api(s.apiOAuthURL))
	mux.Handle("GET /api/meta-oauth/callback", s.callback) // oauth.CallbackHandler; the redirect URI
	mux.Handle("POST /api/meta-oauth/disconnect", s.api(s.apiDisconnect))
	mux.Handle("POST /api/meta-oauth/refresh", s.api(s.apiRefresh))
	mux.Handle("GET /api/accounts", s.api(s.apiAccounts))
	mux.Handle("GET /api/accounts/{account}", s.api(s.apiAccount))
	mux.Handle("GET /api/accounts/{account}/campaigns/stats", s.api(s.apiCampaignStats))
	mux.Handle("GET /api/accounts/{account}/reports", s.api(s.apiReports))
	mux.Handle("POST /api/accounts/{account}/analyze", s.api(s.apiAnalyze))
	mux.Handle("GET /api/accounts/{account}/goals", s.api(s.apiGoals))
	mux.Handle("PUT /api/accounts/{account}/goals", s.api(s.apiSaveGoals))
	mux.Handle("GET /api/reports/{id}", s.api(s.apiReport))
	mux.Handle("GET /api/rules", s.api(s.apiRuleSets))
	mux.Handle("POST /api/rules", s.api(s.apiCreateRuleSet))
	mux.Handle("POST /api/rules/validate", s.api(s.apiValidateRules))
	mux.Handle("GET /api/rules/{id}", s.api(s.apiRuleSet))
	mux.Handle("PUT /api/rules/{id}", s.api(s.apiUpdateRuleSet))
	mux.Handle("DELETE /api/rules/{id}", s.api(s.apiDeleteRuleSet))
	mux.Handle("POST /api/rules/{id}/dry-run", s.api(s.apiDryRun))
	mux.Handle("POST /api/rules/{id}/apply", s.api(s.apiApply))
	mux.Handle("GET /api/service-tokens", s.api(s.apiServiceTokens))
	mux.Handle("POST /api/service-tokens", s.api(s.apiCreateServiceToken))
	mux.Handle("POST /api/service-tokens/{id}/revoke", s.api(s.apiRevokeServiceToken))
	mux.Handle("GET /api/audit", s.api(s.apiAudit))

	// Credentials API for the agent: service tokens, no cookies.
	mux.Handle("GET /api/agent/v1/accounts", s.agent(s.agentAccounts))
	mux.Handle("POST /api/agent/v1/accounts/{account}/token", s.agent(s.agentToken))
	mux.Handle("POST /api/agent/v1/accounts/{account}/report-190", s.agent(s.agentReport190))

	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such API route: "+r.Method+" "+r.URL.Path)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.Ready(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "not_ready", "not ready: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if s.currentUser(r) == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
}
