package metaadstest

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
)

// Paging. Cursors are opaque base64 of the item index; paging.next is only
// present when more items follow. As Meta's do (reference §2), the next and
// previous URLs repeat the request's parameters, and with them access_token
// (with appsecret_proof and appsecret_time) when the request sent the token
// in its query string: Meta's own SDKs request paging.next exactly as
// given. A request authenticated by the Authorization header (as adpilot's
// client always is) gets links with no secret in them.
func encodeCursor(i int) string {
	return base64.StdEncoding.EncodeToString([]byte("c:" + strconv.Itoa(i)))
}

func decodeCursor(s string) (int, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(b), "c:")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil && i >= 0
}

type pageWindow struct {
	start, end int
	limit      int
}

// pageBounds computes the window of a list of n items from limit, after and
// before.
func (s *Server) pageBounds(c *call, n, defLimit int) (pageWindow, *apiError) {
	limit := defLimit
	if l := c.param("limit"); l != "" {
		v, err := strconv.Atoi(l)
		if err != nil || v < 0 {
			return pageWindow{}, errParam("Param limit must be a non-negative integer, got %q", l)
		}
		limit = min(v, s.cfg.maxPageLimit)
		if limit == 0 {
			limit = defLimit
		}
	}
	start := 0
	if a := c.param("after"); a != "" {
		i, ok := decodeCursor(a)
		if !ok {
			return pageWindow{}, &apiError{Code: 2642, Message: "Invalid cursors values"}
		}
		start = i + 1
	} else if b := c.param("before"); b != "" {
		i, ok := decodeCursor(b)
		if !ok {
			return pageWindow{}, &apiError{Code: 2642, Message: "Invalid cursors values"}
		}
		start = max(0, min(i, n)-limit)
	}
	start = min(start, n)
	end := min(start+limit, n)
	return pageWindow{start, end, limit}, nil
}

// pagingJSON renders the paging object of a window.
func (s *Server) pagingJSON(c *call, w pageWindow, n int) map[string]any {
	p := map[string]any{}
	if w.end > w.start {
		p["cursors"] = map[string]string{"before": encodeCursor(w.start), "after": encodeCursor(w.end - 1)}
	} else {
		p["cursors"] = map[string]string{"before": encodeCursor(w.start), "after": encodeCursor(max(w.start-1, 0))}
	}
	if w.end < n {
		p["next"] = s.linkWith(c, "after", encodeCursor(w.end-1))
	}
	if w.start > 0 {
		p["previous"] = s.linkWith(c, "before", encodeCursor(w.start))
	}
	return p
}

func (s *Server) linkWith(c *call, key, cursor string) string {
	q := url.Values{}
	for k, v := range c.params {
		switch k {
		case "access_token", "appsecret_proof", "appsecret_time", "after", "before":
			continue
		}
		q[k] = v
	}
	// Secrets are repeated only when the token came in the query string,
	// and only from there: never from a body or a header.
	if inQuery := c.r.URL.Query(); inQuery.Get("access_token") != "" {
		for _, k := range []string{"access_token", "appsecret_proof", "appsecret_time"} {
			if v := inQuery.Get(k); v != "" {
				q.Set(k, v)
			}
		}
	}
	q.Set(key, cursor)
	if q.Get("limit") == "" {
		q.Set("limit", "25")
	}
	v := c.version
	if v == "" {
		v = s.cfg.oldestLive
	}
	return s.URL + "/" + v + c.path + "?" + q.Encode()
}

func wantsSummary(p string) bool {
	return p == "true" || p == "1" || strings.Contains(p, "total_count")
}

// page renders a list edge with paging and the optional summary.
func (s *Server) page(c *call, items []map[string]any) (any, *apiError) {
	w, e := s.pageBounds(c, len(items), 25)
	if e != nil {
		return nil, e
	}
	data := items[w.start:w.end]
	if data == nil {
		data = []map[string]any{}
	}
	out := map[string]any{"data": data, "paging": s.pagingJSON(c, w, len(items))}
	if wantsSummary(c.param("summary")) {
		out["summary"] = map[string]int{"total_count": len(items)}
	}
	return out, nil
}
