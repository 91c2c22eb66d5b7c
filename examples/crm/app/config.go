package app

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/adpilot/adpilot/examples/internal/usagestore"
)

// Config is the CRM's configuration, from flags and environment variables
// (a flag wins over its variable).
type Config struct {
	Addr        string        // listen address
	BaseURL     string        // public URL of the CRM (default http://{Addr})
	DataDir     string        // SQLite file and demo keys
	DatabaseURL string        // postgres://... or a SQLite path; default {DataDir}/crm.db
	AppID       string        // Meta app id; empty means demo mode
	AppSecret   string        // Meta app secret
	RedirectURL string        // OAuth redirect URL (default {BaseURL}/api/meta-oauth/callback)
	EncKey      string        // base64 of 32 bytes: seals tokens at rest; derives the state key
	EncKeyID    string        // id stored beside ciphertexts
	OldKeys     string        // id=base64,... older keys that still open tokens
	GraphURL    string        // Graph API base URL (default https://graph.facebook.com)
	DialogURL   string        // login dialog base URL (default https://www.facebook.com)
	Secure      bool          // Secure cookies (HTTPS or a TLS-terminating proxy)
	Refresh     time.Duration // token check interval
	Analysis    time.Duration // analysis pass interval
	LogLevel    string        // debug, info, warn, error
	LogFormat   string        // text or json
	ReplicaID   string        // River client id
	UsageStore  string        // auto, database or memory: see usagestore.Mode
	Demo        bool          // derived: no Meta app configured
}

// envVars documents the variable behind each flag.
var envVars = map[string]string{
	"addr": "CRM_ADDR", "base-url": "CRM_BASE_URL", "data-dir": "CRM_DATA_DIR", "database-url": "DATABASE_URL",
	"meta-app-id": "META_APP_ID", "meta-app-secret": "META_APP_SECRET", "meta-redirect-url": "META_REDIRECT_URL",
	"encryption-key": "CRM_ENCRYPTION_KEY", "encryption-key-id": "CRM_ENCRYPTION_KEY_ID", "old-keys": "CRM_OLD_KEYS",
	"graph-url": "META_GRAPH_URL", "dialog-url": "META_DIALOG_URL", "secure-cookies": "CRM_SECURE_COOKIES",
	"refresh-interval": "CRM_REFRESH_INTERVAL", "analysis-interval": "CRM_ANALYSIS_INTERVAL",
	"log-level": "CRM_LOG_LEVEL", "log-format": "CRM_LOG_FORMAT", "replica-id": "CRM_REPLICA_ID",
	"usage-store": "CRM_USAGE_STORE",
}

// secretFlags are never echoed back in errors.
var secretFlags = map[string]bool{"meta-app-secret": true, "encryption-key": true, "old-keys": true, "database-url": true}

// ParseConfig reads flags (args) over environment variables (getenv).
func ParseConfig(args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	c := &Config{}
	fs := flag.NewFlagSet("crm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, name, def, usage string) {
		fs.StringVar(p, name, def, usage+" (env "+envVars[name]+")")
	}
	str(&c.Addr, "addr", "127.0.0.1:8080", "`host:port` to listen on")
	str(&c.BaseURL, "base-url", "", "public `URL` of the CRM, as browsers reach it (default http://{addr})")
	str(&c.DataDir, "data-dir", "crm-data", "`directory` for the SQLite database and, in demo mode, the generated demo keys")
	str(&c.DatabaseURL, "database-url", "", "postgres://user:pass@host:5432/db for PostgreSQL (several replicas), or a SQLite `path` (default {data-dir}/crm.db)")
	str(&c.AppID, "meta-app-id", "", "Meta app `id`; without it the CRM runs the demo against an embedded fake Meta API")
	str(&c.AppSecret, "meta-app-secret", "", "Meta app `secret` (required with -meta-app-id)")
	str(&c.RedirectURL, "meta-redirect-url", "", "OAuth redirect `URL` registered in the Meta app (default {base-url}/api/meta-oauth/callback)")
	str(&c.EncKey, "encryption-key", "", "base64 of 32 random `bytes` that seal tokens at rest and sign OAuth state (required with -meta-app-id; shared by replicas)")
	str(&c.EncKeyID, "encryption-key-id", "k1", "`id` of the encryption key, stored beside each ciphertext")
	str(&c.OldKeys, "old-keys", "", "older keys that still open stored tokens, as `id=base64,...` (key rotation)")
	str(&c.GraphURL, "graph-url", "", "Graph API base `URL` (default https://graph.facebook.com)")
	str(&c.DialogURL, "dialog-url", "", "login dialog base `URL` (default https://www.facebook.com)")
	fs.BoolVar(&c.Secure, "secure-cookies", false, "mark cookies Secure: set when the CRM is served over HTTPS (directly or behind a proxy) (env CRM_SECURE_COOKIES)")
	fs.DurationVar(&c.Refresh, "refresh-interval", time.Hour, "how often tokens are checked and renewed (env CRM_REFRESH_INTERVAL)")
	fs.DurationVar(&c.Analysis, "analysis-interval", 6*time.Hour, "how often every connected account is analyzed (env CRM_ANALYSIS_INTERVAL)")
	str(&c.LogLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	str(&c.LogFormat, "log-format", "text", "log `format`: text or json")
	str(&c.ReplicaID, "replica-id", "", "`name` of this replica in the job engine (default: generated)")
	str(&c.UsageStore, "usage-store", string(usagestore.ModeAuto), usagestore.ModeHelp+" (`mode`)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: crm [flags]

The adpilot example CRM: Meta OAuth backend and web UI.

With no configuration it starts a demo on loopback: an embedded fake Meta
Graph API with a demo business, a SQLite database and generated demo keys in
-data-dir. Set META_APP_ID, META_APP_SECRET and CRM_ENCRYPTION_KEY (and
META_REDIRECT_URL or CRM_BASE_URL) to use the real Meta API; set DATABASE_URL
to a postgres:// URL to run several replicas on PostgreSQL.

Flags (each also read from the environment variable named):
`)
		fs.PrintDefaults()
	}
	// Environment first, flags override.
	set := map[string]bool{}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var problems []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		v := getenv(envVars[f.Name])
		if v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			problems = append(problems, fmt.Errorf("%s: %s", envVars[f.Name], describeBad(f.Name, v, err)))
		}
	})
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Errorf("unexpected arguments %q; see -h", fs.Args()))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	return c, c.validate()
}

func describeBad(name, v string, err error) string {
	if secretFlags[name] {
		return "invalid value: " + err.Error()
	}
	return fmt.Sprintf("invalid value %q: %v", v, err)
}

// decodeKey reads a base64 (standard or URL) 32-byte key.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != 32 {
				return nil, fmt.Errorf("want 32 bytes, got %d (make one with: openssl rand -base64 32)", len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("not base64 (make one with: openssl rand -base64 32)")
}

func (c *Config) validate() error {
	var problems []error
	bad := func(flag, format string, a ...any) {
		problems = append(problems, fmt.Errorf("-%s (%s): %s", flag, envVars[flag], fmt.Sprintf(format, a...)))
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		bad("addr", "%q is not host:port", c.Addr)
	}
	c.Demo = c.AppID == ""
	if c.BaseURL == "" {
		h := c.Addr
		if host == "" || host == "0.0.0.0" || host == "::" {
			_, port, _ := net.SplitHostPort(c.Addr)
			h = net.JoinHostPort("127.0.0.1", port)
		}
		c.BaseURL = "http://" + h
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" && u.Path != "/" {
		bad("base-url", "%q: want an absolute http(s) URL without a path, like https://crm.example.com", c.BaseURL)
	} else {
		c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
		if u.Scheme == "https" {
			c.Secure = true
		}
	}
	if c.Demo {
		if c.AppSecret != "" || c.RedirectURL != "" {
			bad("meta-app-id", "is required when META_APP_SECRET or META_REDIRECT_URL is set")
		}
		if host != "" && !isLoopback(host) {
			bad("addr", "the demo binds loopback only (127.0.0.1, ::1, localhost); configure a Meta app to serve %q", host)
		}
	} else {
		if strings.Trim(c.AppID, "0123456789") != "" {
			bad("meta-app-id", "%q: want the numeric app id", c.AppID)
		}
		if c.AppSecret == "" {
			bad("meta-app-secret", "required with META_APP_ID")
		}
		if c.EncKey == "" {
			bad("encryption-key", "required with META_APP_ID: base64 of 32 random bytes (openssl rand -base64 32)")
		}
	}
	switch usagestore.Mode(c.UsageStore) {
	case usagestore.ModeAuto, usagestore.ModeDatabase, usagestore.ModeMemory:
	default:
		bad("usage-store", "%q: want auto, database or memory", c.UsageStore)
	}
	if c.EncKey != "" {
		if _, err := decodeKey(c.EncKey); err != nil {
			bad("encryption-key", "%v", err)
		}
	}
	if c.EncKeyID == "" || len(c.EncKeyID) > 64 || strings.ContainsAny(c.EncKeyID, " \t,=") {
		bad("encryption-key-id", "%q: want 1 to 64 characters without spaces, commas or '='", c.EncKeyID)
	}
	if c.OldKeys != "" {
		for _, kv := range strings.Split(c.OldKeys, ",") {
			id, k, ok := strings.Cut(kv, "=")
			if !ok || id == "" {
				bad("old-keys", "want id=base64 pairs separated by commas")
				continue
			}
			if _, err := decodeKey(k); err != nil {
				bad("old-keys", "key %q: %v", id, err)
			}
		}
	}
	if c.RedirectURL == "" {
		c.RedirectURL = c.BaseURL + "/api/meta-oauth/callback"
	} else if u, err := url.Parse(c.RedirectURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("meta-redirect-url", "%q: want an absolute http(s) URL", c.RedirectURL)
	} else if u.Path != "/api/meta-oauth/callback" {
		bad("meta-redirect-url", "%q: the CRM serves its callback at /api/meta-oauth/callback", c.RedirectURL)
	}
	for _, f := range []struct{ name, v string }{{"graph-url", c.GraphURL}, {"dialog-url", c.DialogURL}} {
		if f.v == "" {
			continue
		}
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(f.name, "%q: want an absolute http(s) URL", f.v)
		}
	}
	if c.Refresh < time.Minute {
		bad("refresh-interval", "%s: want at least 1m", c.Refresh)
	}
	if c.Analysis < time.Minute {
		bad("analysis-interval", "%s: want at least 1m", c.Analysis)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level", "%q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("log-format", "%q: want text or json", c.LogFormat)
	}
	if c.DataDir == "" {
		bad("data-dir", "must not be empty")
	}
	return errors.Join(problems...)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
