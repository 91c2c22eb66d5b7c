package metaadstest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// graphTime is the Graph API time format, in the account's time zone.
const graphTime = "2006-01-02T15:04:05-0700"

func trimAct(id string) string { return strings.TrimPrefix(id, "act_") }

// node types and their fields. Money is a string of minor units (reference
// §2 "Numbers as strings").
type fieldFn[T any] func(s *Server, x T) any

type nodeType[T any] struct {
	name     string
	defaults []string
	fields   map[string]fieldFn[T]
	// expand renders a field that names another node with that node's
	// own fields (field expansion: creative{id,name}); nil when the
	// entity has none.
	expand map[string]func(s *Server, x T, sub []string) (map[string]any, *apiError)
}

func money(v int64) string { return strconv.FormatInt(v, 10) }

func optTime(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return nil
	}
	return t.In(loc).Format(graphTime)
}

func (s *Server) locOf(account string) *time.Location {
	if a := s.st.accounts[account]; a != nil {
		return a.loc
	}
	return time.UTC
}

var accountType = nodeType[*accountRec]{
	name: "AdAccount", defaults: []string{"account_id", "id"},
	fields: map[string]fieldFn[*accountRec]{
		"id":                        func(_ *Server, a *accountRec) any { return "act_" + a.ID },
		"account_id":                func(_ *Server, a *accountRec) any { return a.ID },
		"name":                      func(_ *Server, a *accountRec) any { return a.Name },
		"account_status":            func(_ *Server, a *accountRec) any { return a.AccountStatus },
		"disable_reason":            func(_ *Server, a *accountRec) any { return 0 },
		"currency":                  func(_ *Server, a *accountRec) any { return a.Currency },
		"timezone_name":             func(_ *Server, a *accountRec) any { return a.TimezoneName },
		"timezone_offset_hours_utc": func(s *Server, a *accountRec) any { _, off := s.now().In(a.loc).Zone(); return float64(off) / 3600 },
		"amount_spent":              func(s *Server, a *accountRec) any { return money(s.amountSpent(a.ID)) },
		"spend_cap":                 func(_ *Server, a *accountRec) any { return money(a.SpendCap) },
		"balance":                   func(_ *Server, a *accountRec) any { return "0" },
		"min_daily_budget":          func(_ *Server, a *accountRec) any { return money(minDailyBudget(a.Currency)) },
		"created_time":              func(_ *Server, a *accountRec) any { return optTime(a.CreatedTime, a.loc) },
		"business": func(_ *Server, a *accountRec) any {
			if a.BusinessID == "" {
				return nil
			}
			return map[string]string{"id": a.BusinessID, "name": a.BusinessName}
		},
	},
}

func budgetFields(daily, lifetime int64) (d, l any) {
	if daily > 0 {
		d = money(daily)
	}
	if lifetime > 0 {
		l = money(lifetime)
	}
	return
}

var campaignType = nodeType[*campaignRec]{
	name: "Campaign", defaults: []string{"id"},
	fields: map[string]fieldFn[*campaignRec]{
		"id":                func(_ *Server, c *campaignRec) any { return c.ID },
		"account_id":        func(_ *Server, c *campaignRec) any { return c.AccountID },
		"name":              func(_ *Server, c *campaignRec) any { return c.Name },
		"objective":         func(_ *Server, c *campaignRec) any { return c.Objective },
		"status":            func(_ *Server, c *campaignRec) any { return c.Status },
		"configured_status": func(_ *Server, c *campaignRec) any { return c.Status },
		"effective_status":  func(s *Server, c *campaignRec) any { return s.st.campaignEffective(c) },
		"daily_budget":      func(_ *Server, c *campaignRec) any { d, _ := budgetFields(c.DailyBudget, 0); return d },
		"lifetime_budget":   func(_ *Server, c *campaignRec) any { _, l := budgetFields(0, c.LifetimeBudget); return l },
		"budget_remaining": func(s *Server, c *campaignRec) any {
			return money(s.budgetRemaining(c.DailyBudget, c.LifetimeBudget, "campaign", c.ID))
		},
		"spend_cap":             func(_ *Server, c *campaignRec) any { d, _ := budgetFields(c.SpendCap, 0); return d },
		"bid_strategy":          func(_ *Server, c *campaignRec) any { return c.BidStrategy },
		"buying_type":           func(_ *Server, c *campaignRec) any { return "AUCTION" },
		"special_ad_categories": func(_ *Server, c *campaignRec) any { return []string{} },
		"pacing_type":           func(_ *Server, c *campaignRec) any { return []string{"standard"} },
		"start_time":            func(s *Server, c *campaignRec) any { return optTime(c.StartTime, s.locOf(c.AccountID)) },
		"stop_time":             func(s *Server, c *campaignRec) any { return optTime(c.StopTime, s.locOf(c.AccountID)) },
		"created_time":          func(s *Server, c *campaignRec) any { return optTime(c.CreatedTime, s.locOf(c.AccountID)) },
		"updated_time":          func(s *Server, c *campaignRec) any { return optTime(c.UpdatedTime, s.locOf(c.AccountID)) },
	},
}

var adSetType = nodeType[*adSetRec]{
	name: "AdSet", defaults: []string{"id"},
	fields: map[string]fieldFn[*adSetRec]{
		"id":                func(_ *Server, a *adSetRec) any { return a.ID },
		"account_id":        func(_ *Server, a *adSetRec) any { return a.AccountID },
		"campaign_id":       func(_ *Server, a *adSetRec) any { return a.CampaignID },
		"name":              func(_ *Server, a *adSetRec) any { return a.Name },
		"status":            func(_ *Server, a *adSetRec) any { return a.Status },
		"configured_status": func(_ *Server, a *adSetRec) any { return a.Status },
		"effective_status":  func(s *Server, a *adSetRec) any { return s.st.adsetEffective(a) },
		"daily_budget":      func(_ *Server, a *adSetRec) any { d, _ := budgetFields(a.DailyBudget, 0); return d },
		"lifetime_budget":   func(_ *Server, a *adSetRec) any { _, l := budgetFields(0, a.LifetimeBudget); return l },
		"budget_remaining": func(s *Server, a *adSetRec) any {
			return money(s.budgetRemaining(a.DailyBudget, a.LifetimeBudget, "adset", a.ID))
		},
		"bid_amount": func(_ *Server, a *adSetRec) any {
			if a.BidAmount == 0 {
				return nil
			}
			return a.BidAmount
		},
		"bid_strategy":      func(s *Server, a *adSetRec) any { return s.st.campaigns[a.CampaignID].BidStrategy },
		"billing_event":     func(_ *Server, a *adSetRec) any { return a.BillingEvent },
		"optimization_goal": func(_ *Server, a *adSetRec) any { return a.OptimizationGoal },
		"targeting":         func(_ *Server, a *adSetRec) any { return json.RawMessage(a.Targeting) },
		"promoted_object": func(_ *Server, a *adSetRec) any {
			if a.CustomEventType == "" || a.CustomEventType == "NONE" {
				return nil
			}
			return map[string]string{"pixel_id": demoPixelID, "custom_event_type": a.CustomEventType}
		},
		"learning_stage_info": func(s *Server, a *adSetRec) any {
			if s.st.adsetEffective(a) != "ACTIVE" {
				return nil // Meta reports learning only for active ad sets
			}
			return map[string]any{"status": a.learningStage(s.now()), "conversions": 0,
				"last_sig_edit_ts": a.LastSignificantEdit.Unix(), "attribution_windows": []string{"7d_click", "1d_view"}}
		},
		"pacing_type":  func(_ *Server, a *adSetRec) any { return []string{"standard"} },
		"start_time":   func(s *Server, a *adSetRec) any { return optTime(a.StartTime, s.locOf(a.AccountID)) },
		"end_time":     func(s *Server, a *adSetRec) any { return optTime(a.EndTime, s.locOf(a.AccountID)) },
		"created_time": func(s *Server, a *adSetRec) any { return optTime(a.CreatedTime, s.locOf(a.AccountID)) },
		"updated_time": func(s *Server, a *adSetRec) any { return optTime(a.UpdatedTime, s.locOf(a.AccountID)) },
		"campaign":     func(_ *Server, a *adSetRec) any { return map[string]string{"id": a.CampaignID} },
	},
	expand: map[string]func(*Server, *adSetRec, []string) (map[string]any, *apiError){
		"campaign": expandNode(campaignType, func(s *Server, a *adSetRec) (*campaignRec, bool) {
			c := s.st.campaigns[a.CampaignID]
			return c, c != nil
		}),
	},
}

var adType = nodeType[*adRec]{
	name: "Ad", defaults: []string{"id"},
	fields: map[string]fieldFn[*adRec]{
		"id":                func(_ *Server, a *adRec) any { return a.ID },
		"account_id":        func(_ *Server, a *adRec) any { return a.AccountID },
		"campaign_id":       func(_ *Server, a *adRec) any { return a.CampaignID },
		"adset_id":          func(_ *Server, a *adRec) any { return a.AdSetID },
		"name":              func(_ *Server, a *adRec) any { return a.Name },
		"status":            func(_ *Server, a *adRec) any { return a.Status },
		"configured_status": func(_ *Server, a *adRec) any { return a.Status },
		"effective_status":  func(s *Server, a *adRec) any { return s.st.adEffective(a) },
		"creative": func(_ *Server, a *adRec) any {
			if a.CreativeID == "" {
				return nil
			}
			return map[string]string{"id": a.CreativeID}
		},
		"adset":        func(_ *Server, a *adRec) any { return map[string]string{"id": a.AdSetID} },
		"campaign":     func(_ *Server, a *adRec) any { return map[string]string{"id": a.CampaignID} },
		"created_time": func(s *Server, a *adRec) any { return optTime(a.CreatedTime, s.locOf(a.AccountID)) },
		"updated_time": func(s *Server, a *adRec) any { return optTime(a.UpdatedTime, s.locOf(a.AccountID)) },
	},
	expand: map[string]func(*Server, *adRec, []string) (map[string]any, *apiError){
		"creative": expandNode(creativeType, func(s *Server, a *adRec) (*Creative, bool) { c := s.st.creatives[a.CreativeID]; return c, c != nil }),
		"adset":    expandNode(adSetType, func(s *Server, a *adRec) (*adSetRec, bool) { x := s.st.adsets[a.AdSetID]; return x, x != nil }),
		"campaign": expandNode(campaignType, func(s *Server, a *adRec) (*campaignRec, bool) { c := s.st.campaigns[a.CampaignID]; return c, c != nil }),
	},
}

var creativeType = nodeType[*Creative]{
	name: "AdCreative", defaults: []string{"id"},
	fields: map[string]fieldFn[*Creative]{
		"id":                  func(_ *Server, c *Creative) any { return c.ID },
		"account_id":          func(_ *Server, c *Creative) any { return c.AccountID },
		"name":                func(_ *Server, c *Creative) any { return c.Name },
		"title":               func(_ *Server, c *Creative) any { return c.Title },
		"body":                func(_ *Server, c *Creative) any { return c.Body },
		"link_url":            func(_ *Server, c *Creative) any { return c.LinkURL },
		"image_url":           func(_ *Server, c *Creative) any { return c.ImageURL },
		"thumbnail_url":       func(_ *Server, c *Creative) any { return c.ImageURL },
		"call_to_action_type": func(_ *Server, c *Creative) any { return c.CallToActionType },
		"status":              func(_ *Server, c *Creative) any { return c.Status },
		"effective_status":    func(_ *Server, c *Creative) any { return c.Status },
		"object_type": func(_ *Server, c *Creative) any {
			if c.Video {
				return "VIDEO"
			}
			return "SHARE"
		},
	},
}

// parseFields splits a list parameter (fields, ids, effective_status, ...)
// sent either as comma-separated values or as a JSON array, as Meta's SDKs
// send lists (["campaign_id","spend"]; numbers, like ids, keep every digit).
// Blank elements are dropped. Commas inside braces belong to a field
// expansion (creative{id,name}), which stays one element.
func parseFields(p string) []string {
	var raw []string
	if t := strings.TrimSpace(p); strings.HasPrefix(t, "[") {
		if list, ok := jsonList(t); ok {
			raw = list
		}
	}
	if raw == nil {
		depth, start := 0, 0
		for i := 0; i < len(p); i++ {
			switch p[i] {
			case '{':
				depth++
			case '}':
				depth = max(depth-1, 0)
			case ',':
				if depth == 0 {
					raw = append(raw, p[start:i])
					start = i + 1
				}
			}
		}
		raw = append(raw, p[start:])
	}
	var out []string
	for _, f := range raw {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// jsonList reads a JSON array of strings and numbers as strings.
func jsonList(s string) ([]string, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var elems []any
	if err := dec.Decode(&elems); err != nil || dec.More() {
		return nil, false
	}
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		switch x := e.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		default:
			return nil, false
		}
	}
	return out, true
}

func (nt nodeType[T]) render(s *Server, x T, fields []string) (map[string]any, *apiError) {
	if len(fields) == 0 {
		fields = nt.defaults
	}
	out := make(map[string]any, len(fields)+1)
	for _, f := range fields {
		if name, sub, ok := expansion(f); ok {
			ex := nt.expand[name]
			if ex == nil {
				return nil, errParam("Field expansion %s is not supported on node type (%s) by metaadstest: it expands %s; read the edge or node by its id instead", f, nt.name, expandable(nt.expand))
			}
			v, e := ex(s, x, sub)
			if e != nil {
				return nil, e
			}
			if v != nil {
				out[name] = v
			}
			continue
		}
		fn := nt.fields[f]
		if fn == nil {
			return nil, errUnknownField(f, nt.name)
		}
		if v := fn(s, x); v != nil {
			out[f] = v
		}
	}
	if _, ok := out["id"]; !ok {
		out["id"] = nt.fields["id"](s, x) // Graph always returns the id of a node
	}
	return out, nil
}

// expansion splits a field expansion "name{a,b}" into its name and
// fields. Modifiers (".limit(5)", ".summary(true)") are not supported
// and stay part of the name, which no node has.
func expansion(f string) (name string, sub []string, ok bool) {
	i := strings.IndexByte(f, '{')
	if i < 0 || !strings.HasSuffix(f, "}") {
		return "", nil, false
	}
	return f[:i], parseFields(f[i+1 : len(f)-1]), true
}

func expandable[F any](m map[string]F) string {
	if len(m) == 0 {
		return "none of its fields"
	}
	names := slices.Sorted(maps.Keys(m))
	return strings.Join(names, ", ")
}

// expandNode is an expansion into a node of type nt found by id.
func expandNode[T, U any](nt nodeType[U], lookup func(*Server, T) (U, bool)) func(*Server, T, []string) (map[string]any, *apiError) {
	return func(s *Server, x T, sub []string) (map[string]any, *apiError) {
		u, ok := lookup(s, x)
		if !ok {
			return nil, nil
		}
		return nt.render(s, u, sub)
	}
}

// requireRead checks the token may read ads (ads_read or ads_management;
// error 278 otherwise) in the account.
func (c *call) requireRead(account, id string) *apiError {
	if !c.tok.hasScope("ads_read", "ads_management") {
		return &apiError{Code: 278, Type: "OAuthException", Message: "Reading advertisements requires an access token with the extended permission ads_read"}
	}
	if !c.tok.canUseAccount(account) {
		return errUnsupported(c.r.Method, id)
	}
	return nil
}

func (c *call) requireWrite(account, id string) *apiError {
	if !c.tok.hasScope("ads_management") {
		return &apiError{Code: 294, Type: "OAuthException", Message: "Managing advertisements requires an access token with the extended permission for ads_management"}
	}
	if !c.tok.canUseAccount(account) {
		return errUnsupported(c.r.Method, id)
	}
	return nil
}

func (s *Server) handleMe(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[c.tok.userID]
	out := map[string]any{"id": c.tok.userID}
	name := ""
	if u != nil {
		name = u.Name
	}
	for _, f := range parseFields(c.param("fields")) {
		switch f {
		case "id":
		case "name":
			out["name"] = name
		default:
			return nil, errUnknownField(f, "User")
		}
	}
	if c.param("fields") == "" {
		out["name"] = name
	}
	return out, nil
}

func (s *Server) handleMeAdAccounts(c *call) (any, *apiError) {
	fields := parseFields(c.param("fields"))
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []map[string]any
	for _, id := range s.st.acctOrder {
		if !c.tok.canUseAccount(id) {
			continue
		}
		m, e := accountType.render(s, s.st.accounts[id], fields)
		if e != nil {
			return nil, e
		}
		items = append(items, m)
	}
	return s.page(c, items)
}

// handleNode serves GET /{id}: ad accounts, campaigns, ad sets, ads,
// creatives and report runs.
func (s *Server) handleNode(c *call) (any, *apiError) {
	return s.readNode(c, c.r.PathValue("node"))
}

func (s *Server) readNode(c *call, id string) (any, *apiError) {
	fields := parseFields(c.param("fields"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if run := s.runs[id]; run != nil {
		if !c.tok.canUseAccount(run.account) {
			return nil, errUnsupported(c.r.Method, id)
		}
		return s.pollRun(run, fields)
	}
	if r := s.st.rules[id]; r != nil {
		return s.readRule(c, r, fields)
	}
	acct := s.st.accountOf(id)
	if acct == "" || s.st.objectKind(id) == "" {
		return nil, errUnsupported(c.r.Method, id)
	}
	if e := c.requireRead(acct, id); e != nil {
		return nil, e
	}
	switch s.st.objectKind(id) {
	case "account":
		return accountType.render(s, s.st.accounts[trimAct(id)], fields)
	case "campaign":
		return campaignType.render(s, s.st.campaigns[id], fields)
	case "adset":
		return adSetType.render(s, s.st.adsets[id], fields)
	case "ad":
		return adType.render(s, s.st.ads[id], fields)
	default:
		return creativeType.render(s, s.st.creatives[id], fields)
	}
}

// handleEdge serves GET /{id}/{edge}.
func (s *Server) handleEdge(c *call) (any, *apiError) {
	id, edge := c.r.PathValue("node"), c.r.PathValue("edge")
	switch edge {
	case "insights":
		return s.handleInsights(c, id)
	case "adrules_library":
		return s.listRules(c, id)
	}
	if edge == "delivery_estimate" {
		return s.handleDeliveryEstimate(c, id)
	}
	fields := parseFields(c.param("fields"))
	s.mu.Lock()
	defer s.mu.Unlock()
	kind := s.st.objectKind(id)
	acct := s.st.accountOf(id)
	if kind == "" {
		return nil, errUnsupported(c.r.Method, id)
	}
	if e := c.requireRead(acct, id); e != nil {
		return nil, e
	}
	flt, e := parseEdgeFilters(c)
	if e != nil {
		return nil, e
	}
	var items []map[string]any
	add := func(m map[string]any, e *apiError) *apiError {
		if e != nil {
			return e
		}
		if flt.match(m) {
			items = append(items, m)
		}
		return nil
	}
	// Render with the fields the filters need, then drop them again.
	need := flt.withFields(fields)
	under := func(campaignID, adsetID string) bool {
		switch kind {
		case "account":
			return true
		case "campaign":
			return campaignID == id
		case "adset":
			return adsetID == id
		}
		return false
	}
	switch {
	case edge == "campaigns" && kind == "account":
		for _, cid := range s.st.campOrder {
			if x := s.st.campaigns[cid]; x.AccountID == acct {
				if e := add(campaignType.render(s, x, need)); e != nil {
					return nil, e
				}
			}
		}
	case edge == "adsets" && (kind == "account" || kind == "campaign"):
		for _, sid := range s.st.adsetOrder {
			if x := s.st.adsets[sid]; x.AccountID == acct && under(x.CampaignID, x.ID) {
				if e := add(adSetType.render(s, x, need)); e != nil {
					return nil, e
				}
			}
		}
	case edge == "ads" && (kind == "account" || kind == "campaign" || kind == "adset"):
		for _, aid := range s.st.adOrder {
			if x := s.st.ads[aid]; x.AccountID == acct && under(x.CampaignID, x.AdSetID) {
				if e := add(adType.render(s, x, need)); e != nil {
					return nil, e
				}
			}
		}
	case edge == "adcreatives" && (kind == "account" || kind == "ad"):
		for _, cid := range s.st.creatOrder {
			x := s.st.creatives[cid]
			if x.AccountID != acct || kind == "ad" && s.st.ads[id].CreativeID != cid {
				continue
			}
			if e := add(creativeType.render(s, x, need)); e != nil {
				return nil, e
			}
		}
	default:
		return nil, &apiError{Code: 100, Message: fmt.Sprintf("Tried accessing nonexisting field (%s) on node type (%s)", edge, kindName(kind))}
	}
	if len(need) != len(fields) {
		keep := fields
		if len(keep) == 0 {
			keep = []string{"id"}
		}
		for _, m := range items {
			for k := range m {
				if k != "id" && !slices.ContainsFunc(keep, func(f string) bool { return f == k || strings.HasPrefix(f, k+"{") }) {
					delete(m, k)
				}
			}
		}
	}
	return s.page(c, items)
}

func kindName(kind string) string {
	switch kind {
	case "account":
		return "AdAccount"
	case "campaign":
		return "Campaign"
	case "adset":
		return "AdSet"
	case "ad":
		return "Ad"
	}
	return "AdCreative"
}

// handleIDs serves GET /?ids=1,2,3: several nodes in one call, keyed by id.
// Each id is checked like a separate read.
func (s *Server) handleIDs(c *call) (any, *apiError) {
	ids := parseFields(c.param("ids"))
	if len(ids) == 0 {
		return nil, errParam("The parameter ids is required (a comma-separated list of node ids)")
	}
	if len(ids) > 50 {
		return nil, errParam("Too many ids: at most 50 per request")
	}
	out := make(map[string]any, len(ids))
	for _, id := range ids {
		v, e := s.readNode(c, id)
		if e != nil {
			return nil, e
		}
		out[id] = v
	}
	return out, nil
}
