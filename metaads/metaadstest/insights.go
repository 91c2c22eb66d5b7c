package metaadstest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// insightsCache keeps rendered results of recent queries, keyed by the
// query, the store version and the hour, so paging through a large result
// renders it once.
type insightsCache struct {
	mu      sync.Mutex
	max     int
	order   []string
	entries map[string]rendered
}

// insightsCacheSize is how many rendered insights results a Server keeps.
const insightsCacheSize = 16

func newInsightsCache(n int) *insightsCache {
	return &insightsCache{max: n, entries: map[string]rendered{}}
}

func (c *insightsCache) get(k string) (rendered, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.entries[k]
	return r, ok
}

func (c *insightsCache) put(k string, r rendered) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok {
		return
	}
	c.entries[k] = r
	c.order = append(c.order, k)
	for len(c.order) > c.max {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

func cacheKey(object string, p map[string][]string, version uint64, now time.Time) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		switch k {
		case "access_token", "appsecret_proof", "appsecret_time", "limit", "after", "before", "method":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s|%d|%d", object, version, now.Unix()/3600)
	for _, k := range keys {
		fmt.Fprintf(&sb, "|%s=%s", k, strings.Join(p[k], ","))
	}
	return sb.String()
}

// adsUnder lists the ads below an object. Caller holds s.mu.
func (s *Server) adsUnder(kind, id string) []string {
	var out []string
	for _, aid := range s.st.adOrder {
		a := s.st.ads[aid]
		switch {
		case kind == "account" && a.AccountID == trimAct(id),
			kind == "campaign" && a.CampaignID == id,
			kind == "adset" && a.AdSetID == id,
			kind == "ad" && a.ID == id:
			out = append(out, aid)
		}
	}
	return out
}

// entityValue is what an insights entity filter sees for an ad.
func (s *Server) entityValue(ad *adRec, ent, field string) string {
	st := s.st
	var id, name, eff, obj string
	camp := st.campaigns[ad.CampaignID]
	obj = camp.Objective
	switch ent {
	case "ad":
		id, name, eff = ad.ID, ad.Name, st.adEffective(ad)
	case "adset":
		set := st.adsets[ad.AdSetID]
		id, name, eff = set.ID, set.Name, st.adsetEffective(set)
	case "campaign":
		id, name, eff = camp.ID, camp.Name, camp.Status
	default:
		acct := st.accounts[ad.AccountID]
		id, name, eff = acct.ID, acct.Name, "ACTIVE"
	}
	return map[string]string{"id": id, "name": name, "effective_status": eff, "objective": obj}[field]
}

// prepareInsights validates an insights request on an object and returns
// its rendered result (from the cache when possible).
func (s *Server) prepareInsights(c *call, id string) (rendered, *apiError) {
	now := s.now()
	s.mu.Lock()
	kind := s.st.objectKind(id)
	if kind == "" || kind == "creative" {
		s.mu.Unlock()
		return rendered{}, errUnsupported(c.r.Method, id)
	}
	acct := s.st.accountOf(id)
	if e := c.requireRead(acct, id); e != nil {
		s.mu.Unlock()
		return rendered{}, e
	}
	ar := s.st.accounts[acct]
	q, e := parseInsightsQuery(c.params, slices.Index(levels, kind), ar.loc, dayOf(ar.CreatedTime, ar.loc), now)
	if e != nil {
		s.mu.Unlock()
		return rendered{}, e
	}
	key := cacheKey(id, c.params, s.st.version, now)
	if r, ok := s.cache.get(key); ok {
		s.mu.Unlock()
		return r, nil
	}
	snaps := s.snapshot(s.queryAds(q, kind, id))
	s.mu.Unlock()
	var res rendered
	if q.lazyOK() {
		res = rendered{lazy: newLazyRows(s.gen, q, snaps, currencyOffset(ar.Currency))}
	} else {
		res = q.render(s.gen.run(q, snaps), currencyOffset(ar.Currency))
	}
	s.cache.put(key, res)
	return res, nil
}

// queryAds lists the ads below an object that pass the query's entity
// filters. Caller holds s.mu.
func (s *Server) queryAds(q *insightsQuery, kind, id string) []string {
	var ids []string
	for _, aid := range s.adsUnder(kind, id) {
		ad := s.st.ads[aid]
		keep := true
		for _, f := range q.adFilters {
			ent, field, _ := strings.Cut(f.Field, ".")
			if !matchRule(f, s.entityValue(ad, ent, field)) {
				keep = false
				break
			}
		}
		if keep {
			ids = append(ids, aid)
		}
	}
	return ids
}

// handleInsights serves GET /{object}/insights.
func (s *Server) handleInsights(c *call, id string) (any, *apiError) {
	if run := s.runByID(id); run != nil {
		return s.runInsights(c, run)
	}
	res, e := s.prepareInsights(c, id)
	if e != nil {
		return nil, e
	}
	return s.insightsPage(c, res)
}

// insightsPage renders one page of a rendered result (default limit 25).
func (s *Server) insightsPage(c *call, res rendered) (any, *apiError) {
	n := len(res.rows)
	if res.lazy != nil {
		// Generate as far as this page and one row past it (so that next
		// is sent only when a row follows), then cut the page.
		w, e := s.pageBounds(c, lazyUnknown, 25)
		if e != nil {
			return nil, e
		}
		n, _ = res.lazy.ensure(w.end + 1)
	}
	w, e := s.pageBounds(c, n, 25)
	if e != nil {
		return nil, e
	}
	page := res.rows
	if res.lazy != nil {
		page = res.lazy.rows(w.start, w.end)
	} else {
		page = page[w.start:w.end]
	}
	size := 64
	for _, r := range page {
		size += len(r) + 1
	}
	b := make([]byte, 0, size+256)
	b = append(b, `{"data":[`...)
	for i, r := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r...)
	}
	b = append(b, `],"paging":`...)
	pj, _ := json.Marshal(s.pagingJSON(c, w, n))
	b = append(b, pj...)
	if res.summary != nil {
		b = append(b, `,"summary":`...)
		b = append(b, res.summary...)
	}
	return rawJSON(append(b, '}')), nil
}

// spendOf is the spend of an object today or over its lifetime, in minor
// units. Caller holds s.mu.
func (s *Server) spendOf(level, id string, todayOnly bool) int64 {
	ids := s.adsUnder(level, id)
	if len(ids) == 0 {
		return 0
	}
	now := s.now()
	snaps := s.snapshot(ids)
	var total int64
	for _, a := range snaps {
		today := dayOf(now, a.acct.loc)
		from := a.startDay
		if todayOnly {
			from = today
		}
		for d := from; d <= today; d++ {
			v, _ := s.gen.adDay(a, d, now)
			total += v[mSpend]
		}
	}
	return total
}

// amountSpent is the account's lifetime spend (minor units). Caller holds s.mu.
func (s *Server) amountSpent(account string) int64 {
	return s.spendOf("account", "act_"+account, false)
}
