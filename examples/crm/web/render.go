package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/adpilot/adpilot/examples/crm/store"
)

//go:embed templates static
var assets embed.FS

// views maps each page to the partials it uses besides the layout; parsing
// fails at start-up if a file is missing.
var views = map[string][]string{
	"login":     nil,
	"signup":    nil,
	"settings":  nil,
	"dashboard": {"charts"},
	"rules":     {"ruleform"},
	"ruleset":   {"ruleform"},
	"report":    nil,
	"goals":     nil,
	"error":     nil,
}

type templates struct{ pages map[string]*template.Template }

var funcs = template.FuncMap{
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join":  strings.Join,
	"lower": strings.ToLower,
}

func parseTemplates() (*templates, error) {
	t := &templates{pages: map[string]*template.Template{}}
	for name, partials := range views {
		files := []string{"templates/layout.html", "templates/" + name + ".html"}
		for _, p := range partials {
			files = append(files, "templates/"+p+".html")
		}
		tp, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, files...)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		t.pages[name] = tp
	}
	return t, nil
}

// pageData is what every page gets.
type pageData struct {
	Title string
	User  *store.User
	Flash string
	Error string
	Data  any
}

// render writes a page; flash messages are taken from the session.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, title string, u *store.User, data any) {
	tp, ok := s.tpl.pages[page]
	if !ok {
		s.Logger.Error("web: no such template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	pd := pageData{Title: title, User: u, Data: data}
	if s.Sessions != nil {
		pd.Flash = s.Sessions.PopString(r.Context(), sessFlash)
		pd.Error = s.Sessions.PopString(r.Context(), sessError)
	}
	var buf bytes.Buffer
	if err := tp.ExecuteTemplate(&buf, "layout.html", pd); err != nil {
		s.Logger.Error("web: rendering", "page", page, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// flash sets the message the next page shows, then redirects there.
func (s *Server) redirectFlash(w http.ResponseWriter, r *http.Request, to, ok, failed string) {
	if ok != "" {
		s.Sessions.Put(r.Context(), sessFlash, ok)
	}
	if failed != "" {
		s.Sessions.Put(r.Context(), sessError, failed)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// APIError is the one error shape of every JSON route:
//
//	{"error": {"code": "not_found", "message": "ad account act_1 is not connected"}}
type APIError struct {
	Error APIErrorBody `json:"error"`
}

// APIErrorBody is the body of an APIError. Code is stable and
// machine-readable; Message is for people; Details carries structured
// problems where there are some (rule validation: path and message).
type APIErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, APIError{Error: APIErrorBody{Code: code, Message: msg}})
}

// fail answers an error as JSON for API paths and as a page otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeError(w, status, code, msg)
		return
	}
	// The user is known when a page or API wrapper loaded it; errors raised
	// before the session is loaded (a cross-origin refusal) show no user.
	u, _ := r.Context().Value(userKey).(*store.User)
	tp := s.tpl.pages["error"]
	var buf bytes.Buffer
	if err := tp.ExecuteTemplate(&buf, "layout.html", pageData{Title: http.StatusText(status), User: u, Data: msg}); err != nil {
		http.Error(w, msg, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func staticFS() http.Handler {
	sub, _ := fs.Sub(assets, "static")
	return http.StripPrefix("/static/", http.FileServerFS(sub))
}
