package metaadstest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// minDailyBudget is the smallest daily budget the fake accepts, in minor
// units. Meta's real minimum depends on the billing event and currency; the
// fake uses 100 minor units (1.00 in two-decimal currencies).
func minDailyBudget(string) int64 { return 100 }

func success() map[string]bool { return map[string]bool{"success": true} }

// handleNodePost serves POST /{id}: status, name and budget updates
// (reference §3.5). Deleted or archived objects only allow name edits.
func (s *Server) handleNodePost(c *call) (any, *apiError) {
	id := c.r.PathValue("node")
	if c.param("batch") != "" {
		return nil, errUnsupported(c.r.Method, id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.st.rules[id]; r != nil {
		return s.updateRule(c, r)
	}
	kind := s.st.objectKind(id)
	if kind == "" || kind == "creative" || kind == "account" {
		return nil, errUnsupported(c.r.Method, id)
	}
	acct := s.st.accountOf(id)
	if e := c.requireWrite(acct, id); e != nil {
		return nil, e
	}
	if e := checkUpdateParams(id, c.params); e != nil {
		return nil, e
	}
	return s.update(c, kind, id, acct, c.params)
}

// updateParams are the parameters of POST /{id} the fake implements;
// envelopeParams are the request-wide ones any call may carry.
var (
	updateParams   = []string{"status", "name", "daily_budget", "lifetime_budget", "bid_amount"}
	envelopeParams = []string{"access_token", "appsecret_proof", "appsecret_time", "method", "pretty", "suppress_http_code"}
)

// checkUpdateParams refuses an update of node id with an unknown
// parameter, or with none to change. An id parameter naming the node
// itself is accepted: Meta's Node SDK sends the object's id in the body of
// every update (AbstractCrudObject.update posts exportData(), which holds
// it), and Meta accepts such updates.
func checkUpdateParams(id string, p map[string][]string) *apiError {
	n := 0
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case k == "id":
			if v := p[k]; len(v) != 1 || v[0] != id {
				return errParam("Param id %q does not name the node updated (%s)", strings.Join(v, ","), id)
			}
		case slices.Contains(updateParams, k):
			n++
		case !slices.Contains(envelopeParams, k):
			return errParam("Param %s is not a parameter of this update: the fake accepts {%s}", k, strings.Join(updateParams, ", "))
		}
	}
	if n == 0 {
		return errParam("An update needs at least one of the parameters {%s}", strings.Join(updateParams, ", "))
	}
	return nil
}

func (s *Server) handleNodeDelete(c *call) (any, *apiError) {
	id := c.r.PathValue("node")
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.st.rules[id]; r != nil {
		return s.deleteRule(c, r)
	}
	kind := s.st.objectKind(id)
	if kind == "" || kind == "account" {
		return nil, errUnsupported(c.r.Method, id)
	}
	acct := s.st.accountOf(id)
	if e := c.requireWrite(acct, id); e != nil {
		return nil, e
	}
	if kind == "creative" {
		s.st.creatives[id].Status = "DELETED"
		return success(), nil
	}
	return s.update(c, kind, id, acct, map[string][]string{"status": {"DELETED"}})
}

// handleEdgePost serves POST /{id}/{edge}: async insights report runs,
// automated rules and their previews (adrules.go).
func (s *Server) handleEdgePost(c *call) (any, *apiError) {
	id, edge := c.r.PathValue("node"), c.r.PathValue("edge")
	switch edge {
	case "insights":
		return s.createReportRun(c, id)
	case "adrules_library":
		return s.createRule(c, id)
	case "preview":
		return s.previewRule(c, id)
	}
	return nil, errUnsupported(c.r.Method, id+"/"+edge)
}

type updatable struct {
	status    *string
	name      *string
	updated   *time.Time
	statuses  *[]statusChange
	budgets   *[]budgetChange
	daily     *int64
	lifetime  *int64
	bid       *int64     // ad sets only
	sigEdit   *time.Time // ad sets only: last significant edit
	learning  *string    // ad sets only: explicit learning stage
	hasEnd    bool
	cboParent bool // ad set in a campaign-budget campaign
	cboKids   bool // campaign whose ad sets have budgets
}

func (s *Server) updatable(kind, id string) updatable {
	switch kind {
	case "campaign":
		x := s.st.campaigns[id]
		u := updatable{status: &x.Status, name: &x.Name, updated: &x.UpdatedTime, statuses: &x.statuses, budgets: &x.budgets, daily: &x.DailyBudget, lifetime: &x.LifetimeBudget, hasEnd: true}
		for _, sid := range s.st.adsetOrder {
			if a := s.st.adsets[sid]; a.CampaignID == id && (a.DailyBudget > 0 || a.LifetimeBudget > 0) {
				u.cboKids = true
			}
		}
		return u
	case "adset":
		x := s.st.adsets[id]
		camp := s.st.campaigns[x.CampaignID]
		return updatable{status: &x.Status, name: &x.Name, updated: &x.UpdatedTime, statuses: &x.statuses, budgets: &x.budgets, daily: &x.DailyBudget, lifetime: &x.LifetimeBudget, bid: &x.BidAmount,
			sigEdit: &x.LastSignificantEdit, learning: &x.LearningStage,
			hasEnd: !x.EndTime.IsZero(), cboParent: camp.DailyBudget > 0 || camp.LifetimeBudget > 0}
	default:
		x := s.st.ads[id]
		return updatable{status: &x.Status, name: &x.Name, updated: &x.UpdatedTime, statuses: &x.statuses}
	}
}

// parseBudget parses a budget parameter: a whole number of minor units.
func parseBudget(field, v string) (int64, *apiError) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		e := errBlame(0, field, "Invalid budget", fmt.Sprintf("%s must be a whole number of the currency's minor unit (for example 5000 for 50.00), got %q.", field, v))
		e.Message = fmt.Sprintf("Param %s must be a non-negative integer", field)
		return 0, e
	}
	return n, nil
}

// update validates and applies an update. Caller holds s.mu.
func (s *Server) update(c *call, kind, id, acct string, p map[string][]string) (any, *apiError) {
	u := s.updatable(kind, id)
	now := s.now()
	newStatus, hasStatus := first(p, "status"), len(p["status"]) > 0
	name, hasName := first(p, "name"), len(p["name"]) > 0
	dailyS, hasDaily := first(p, "daily_budget"), len(p["daily_budget"]) > 0
	lifeS, hasLife := first(p, "lifetime_budget"), len(p["lifetime_budget"]) > 0
	bidS, hasBid := first(p, "bid_amount"), len(p["bid_amount"]) > 0

	if *u.status == "DELETED" || *u.status == "ARCHIVED" {
		if hasStatus && newStatus == *u.status && !hasDaily && !hasLife && !hasBid {
			return success(), nil
		}
		if hasStatus || hasDaily || hasLife || hasBid {
			return nil, &apiError{Code: 100, Subcode: 1487056, Message: "Invalid parameter",
				UserTitle: "Object Is Deleted or Archived", UserMsg: "Only the name of a deleted or archived object can be edited."}
		}
	}
	if hasStatus && !slices.Contains(validStatuses, newStatus) {
		return nil, errParam("Param status must be one of {ACTIVE, PAUSED, DELETED, ARCHIVED}, got %q", newStatus)
	}
	if hasName && strings.TrimSpace(name) == "" {
		return nil, errParam("Param name must be a non-empty string")
	}
	var bid int64
	if hasBid {
		if u.bid == nil {
			return nil, errParam("Param bid_amount is not valid for node type (%s): bids are set on ad sets", kindName(kind))
		}
		n, err := strconv.ParseInt(strings.TrimSpace(bidS), 10, 64)
		if err != nil || n <= 0 {
			return nil, errBlame(0, "bid_amount", "Invalid bid", fmt.Sprintf("bid_amount must be a positive whole number of the currency's minor unit, got %q.", bidS))
		}
		bid = n
	}
	var daily, life int64
	if hasDaily || hasLife {
		if u.budgets == nil {
			return nil, errParam("Param %s is not valid for node type (Ad): budgets are set on ad sets or campaigns", map[bool]string{true: "daily_budget", false: "lifetime_budget"}[hasDaily])
		}
		if hasDaily && hasLife {
			return nil, errBlame(1885182, "daily_budget", "Only One Budget Allowed", "Set either a daily budget or a lifetime budget, not both.")
		}
		var e *apiError
		if hasDaily {
			if daily, e = parseBudget("daily_budget", dailyS); e != nil {
				return nil, e
			}
		} else if life, e = parseBudget("lifetime_budget", lifeS); e != nil {
			return nil, e
		}
		field := map[bool]string{true: "daily_budget", false: "lifetime_budget"}[hasDaily]
		switch {
		case u.cboParent:
			return nil, errBlame(1885621, field, "Budget Already Set at Campaign Level", "You can only set an ad set budget or a campaign budget.")
		case kind == "campaign" && u.cboKids:
			return nil, errBlame(1885621, field, "Budget Already Set at Ad Set Level", "You can only set an ad set budget or a campaign budget.")
		case hasDaily && *u.lifetime > 0, hasLife && *u.daily > 0:
			// [UNVERIFIED subcode] Meta refuses to switch budget types on an
			// existing object.
			return nil, errBlame(1885182, field, "Budget Type Cannot Change", "You can't switch between a daily and a lifetime budget after creation.")
		case hasLife && !u.hasEnd:
			return nil, errBlame(1885182, "end_time", "End Time Required", "A lifetime budget needs an end time.")
		}
		minB := minDailyBudget(s.st.accounts[acct].Currency)
		if hasDaily && daily < minB || hasLife && life < minB {
			e := errBlame(1885272, field, "Your Budget Is Too Low", fmt.Sprintf("The minimum budget is %d minor units of the account currency.", minB))
			return nil, e
		}
		// At most four budget changes per ad set per hour (613/1487632).
		if kind == "adset" {
			n := 0
			for _, b := range (*u.budgets)[1:] {
				if now.Sub(b.at) < time.Hour {
					n++
				}
			}
			if n >= 4 {
				return nil, &apiError{Code: 613, Subcode: 1487632, Transient: true, Message: "Calls to this api have exceeded the rate limit.",
					UserTitle: "Too Many Budget Changes", UserMsg: "An ad set's budget can be changed at most 4 times per hour."}
			}
		}
	}
	// Apply.
	if hasName {
		*u.name = name
	}
	significant := (hasStatus && newStatus == "ACTIVE" && *u.status == "PAUSED") || (hasBid && bid != *u.bid) ||
		(hasDaily && bigChange(*u.daily, daily)) || (hasLife && bigChange(*u.lifetime, life))
	if hasStatus && newStatus != *u.status {
		*u.status = newStatus
		*u.statuses = append(*u.statuses, statusChange{now, newStatus})
	}
	if hasBid {
		*u.bid = bid
	}
	if significant && u.learning != nil {
		// A significant edit restarts learning.
		*u.sigEdit, *u.learning = now, ""
	}
	if hasDaily || hasLife {
		if hasDaily {
			*u.daily = daily
		} else {
			*u.lifetime = life
		}
		*u.budgets = append(*u.budgets, budgetChange{now, *u.daily, *u.lifetime})
	}
	*u.updated = now
	s.st.version++
	return success(), nil
}

// budgetRemaining is today's remaining daily budget, or the lifetime budget
// minus lifetime spend. Caller holds s.mu.
func (s *Server) budgetRemaining(daily, lifetime int64, level, id string) int64 {
	switch {
	case daily > 0:
		return max(0, daily-s.spendOf(level, id, true))
	case lifetime > 0:
		return max(0, lifetime-s.spendOf(level, id, false))
	}
	return 0
}

// bigChange reports a budget change of more than 20%, which the fake
// treats as a significant edit (Meta: large budget changes may restart
// learning; the threshold is the fake's).
func bigChange(from, to int64) bool {
	if from <= 0 {
		return to > 0
	}
	d := to - from
	if d < 0 {
		d = -d
	}
	return d*5 > from
}

// demoPixelID is the pixel of every promoted object the fake reports.
const demoPixelID = "1000000000000042"

// learningStage is the ad set's learning_stage_info.status at now.
func (a *adSetRec) learningStage(now time.Time) string {
	if a.LearningStage != "" {
		return a.LearningStage
	}
	if now.Sub(a.LastSignificantEdit) < 7*24*time.Hour {
		return "LEARNING"
	}
	return "SUCCESS"
}
