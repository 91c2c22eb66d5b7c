package creds

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/metaads"
)

// File is a Source on the legacy configuration file: YAML or JSON (by its
// extension, .json for JSON) with the same keys:
//
//	# adpilot agent: accounts and tokens
//	graph_url: https://graph.facebook.com   # optional (default)
//	api_version: v26.0                      # optional (default metaads.DefaultAPIVersion)
//	app_secret: ...                         # optional: sends appsecret_proof
//	accounts:                               # one token per account ...
//	  - id: act_1000000000000001
//	    token: EAAB...
//	    name: Shop                          # optional
//	system_users:                           # ... or one token for several accounts
//	  - name: reporting
//	    token: EAAB...
//	    accounts: [act_1000000000000002, "1000000000000003"]
//
// accounts may also be a mapping of account ids to tokens
// ("accounts: {act_1: EAAB...}"). Ids are written "act_123" or "123"; an
// account appears once. An unknown key, a missing token, a malformed id or
// a repeated account is a *FileError naming the line and the key.
//
// A token Meta refuses (Invalid) is not used again by this File: the
// accounts it serves fail with ErrNeedsReconnect until the file is fixed and
// loaded again.
type File struct {
	path     string
	endpoint Endpoint
	accounts []Account
	tokens   map[metaads.AccountID]*fileToken

	mu sync.Mutex
}

type fileToken struct {
	token   *oauth2.Token
	invalid bool
	line    int
}

// FileError is a problem of a configuration file, at a line and key.
type FileError struct {
	// Path is the file's path.
	Path string
	// Line is the 1-based line (0 when the whole file is at fault).
	Line int
	// Key is the key path, like "accounts[1].token".
	Key string
	// Problem says what is wrong and what was expected.
	Problem string
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Problem)
	return b.String()
}

// LoadFile reads and parses the configuration file at path.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("creds: reading the accounts file: %w", err)
	}
	return ParseFile(path, data)
}

// ParseFile parses a configuration file's contents; name (its path) chooses
// the format (.json is JSON, anything else YAML) and prefixes errors.
func ParseFile(name string, data []byte) (*File, error) {
	var root *yaml.Node
	var err error
	if strings.EqualFold(filepath.Ext(name), ".json") {
		root, err = jsonNode(name, data)
	} else {
		root, err = yamlNode(name, data)
	}
	if err != nil {
		return nil, err
	}
	p := &fileParser{path: name, f: &File{path: name, tokens: map[metaads.AccountID]*fileToken{},
		endpoint: Endpoint{BaseURL: metaads.DefaultBaseURL, APIVersion: metaads.DefaultAPIVersion}}}
	if err := p.parse(root); err != nil {
		return nil, err
	}
	return p.f, nil
}

func yamlNode(name string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml's messages read "yaml: line 3: ..."; keep the line.
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil {
			msg = strings.TrimSpace(msg[strings.IndexByte(msg, ':')+1:])
		}
		return nil, &FileError{Path: name, Line: line, Problem: "not valid YAML: " + msg}
	}
	if len(doc.Content) == 0 {
		return nil, &FileError{Path: name, Problem: "empty; want accounts: or system_users:"}
	}
	return doc.Content[0], nil
}

// jsonNode parses JSON with encoding/json (so JSON means JSON) into a
// yaml.Node tree with the line of every value, so both formats are checked
// by one parser.
func jsonNode(name string, data []byte) (*yaml.Node, error) {
	lineAt := func(off int64) int { return bytes.Count(data[:min(int(off), len(data))], []byte("\n")) + 1 }
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var parse func() (*yaml.Node, error)
	parse = func() (*yaml.Node, error) {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		// The value starts after any whitespace and separator skipped.
		line := lineAt(start + int64(len(data[start:])-len(bytes.TrimLeft(data[start:], " \t\r\n,:"))))
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line}
				for dec.More() {
					k, err := parse()
					if err != nil {
						return nil, err
					}
					v, err := parse()
					if err != nil {
						return nil, err
					}
					n.Content = append(n.Content, k, v)
				}
				_, err := dec.Token()
				return n, err
			case '[':
				n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: line}
				for dec.More() {
					v, err := parse()
					if err != nil {
						return nil, err
					}
					n.Content = append(n.Content, v)
				}
				_, err := dec.Token()
				return n, err
			}
			return nil, fmt.Errorf("unexpected %q", t)
		case string:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t, Line: line}, nil
		case json.Number:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: t.String(), Line: line}, nil
		case bool:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t), Line: line}, nil
		case nil:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: line}, nil
		}
		return nil, fmt.Errorf("unexpected token %v", tok)
	}
	n, err := parse()
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			err = errors.New("data after the top-level value")
		}
	}
	if err != nil {
		line := lineAt(dec.InputOffset())
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line = lineAt(se.Offset)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("unexpected end of the file")
		}
		return nil, &FileError{Path: name, Line: line, Problem: "not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	return n, nil
}

type fileParser struct {
	path string
	f    *File
	seen map[metaads.AccountID]int // account -> line
}

func (p *fileParser) fail(n *yaml.Node, key, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &FileError{Path: p.path, Line: line, Key: key, Problem: fmt.Sprintf(format, args...)}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an alias"
}

// fields checks that n is a mapping with only the allowed keys and calls
// f for each.
func (p *fileParser) fields(n *yaml.Node, at string, allowed []string, f func(key string, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.fail(n, at, "is %s; want a mapping with %s", kindName(n), strings.Join(allowed, ", "))
	}
	dup := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		path := key
		if at != "" {
			path = at + "." + key
		}
		if !contains(allowed, key) {
			return p.fail(k, path, "unknown key; want one of %s", strings.Join(allowed, ", "))
		}
		if dup[key] {
			return p.fail(k, path, "repeated; each key appears once")
		}
		dup[key] = true
		if err := f(key, v); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *fileParser) str(n *yaml.Node, key, want string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || strings.TrimSpace(n.Value) == "" {
		return "", p.fail(n, key, "is %s; want %s", kindName(n), want)
	}
	return strings.TrimSpace(n.Value), nil
}

// token checks a token value; the message never repeats the value.
func (p *fileParser) token(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" || strings.TrimSpace(n.Value) == "" {
		what := "empty"
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!null") {
			what = "is not a string"
		}
		return "", p.fail(n, key, "%s; want the access token (a string)", what)
	}
	v := strings.TrimSpace(n.Value)
	if strings.ContainsAny(v, " \t\r\n") {
		return "", p.fail(n, key, "holds whitespace; want the access token alone")
	}
	return v, nil
}

func (p *fileParser) parse(root *yaml.Node) error {
	var secret string
	var acctNode, suNode *yaml.Node
	err := p.fields(root, "", []string{"graph_url", "api_version", "app_secret", "accounts", "system_users"}, func(key string, v *yaml.Node) error {
		var err error
		switch key {
		case "graph_url":
			var s string
			if s, err = p.str(v, key, "a URL like https://graph.facebook.com"); err == nil {
				if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
					return p.fail(v, key, "%q is not an http(s) URL; want one like https://graph.facebook.com", s)
				}
				p.f.endpoint.BaseURL = strings.TrimSuffix(s, "/")
			}
		case "api_version":
			var s string
			if s, err = p.str(v, key, "a version like v26.0"); err == nil {
				if !strings.HasPrefix(s, "v") || !strings.Contains(s, ".") {
					return p.fail(v, key, "%q is not a Graph API version; want one like v26.0", s)
				}
				p.f.endpoint.APIVersion = s
			}
		case "app_secret":
			secret, err = p.token(v, key)
		case "accounts":
			acctNode = v
		case "system_users":
			suNode = v
		}
		return err
	})
	if err != nil {
		return err
	}
	if acctNode == nil && suNode == nil {
		return p.fail(root, "", "no accounts: and no system_users:; want at least one account")
	}
	p.seen = map[metaads.AccountID]int{}
	add := func(n *yaml.Node, key, id, name, token string) error {
		a, err := metaads.ParseAccountID(id)
		if err != nil {
			return p.fail(n, key, "%q is not an ad account id; want act_123 or 123", id)
		}
		if line, dup := p.seen[a]; dup {
			return p.fail(n, key, "account %s is listed again (first at line %d); each account appears once", a, line)
		}
		p.seen[a] = n.Line
		tok := &oauth2.Token{AccessToken: token, TokenType: "Bearer"}
		if secret != "" {
			m := hmac.New(sha256.New, []byte(secret))
			m.Write([]byte(token))
			tok = tok.WithExtra(map[string]any{metaads.ExtraAppSecretProof: hex.EncodeToString(m.Sum(nil))})
		}
		p.f.accounts = append(p.f.accounts, Account{ID: a, Name: name, State: "configured"})
		// Accounts sharing a token share its record, so a 190 on one
		// marks them all.
		for _, ft := range p.f.tokens {
			if ft.token.AccessToken == token {
				p.f.tokens[a] = ft
				return nil
			}
		}
		p.f.tokens[a] = &fileToken{token: tok, line: n.Line}
		return nil
	}
	if acctNode != nil {
		switch acctNode.Kind {
		case yaml.MappingNode: // id: token
			for i := 0; i+1 < len(acctNode.Content); i += 2 {
				k, v := acctNode.Content[i], acctNode.Content[i+1]
				key := "accounts." + k.Value
				tok, err := p.token(v, key)
				if err != nil {
					return err
				}
				if err := add(k, key, k.Value, "", tok); err != nil {
					return err
				}
			}
		case yaml.SequenceNode:
			for i, item := range acctNode.Content {
				at := fmt.Sprintf("accounts[%d]", i)
				var id, name, tok string
				var idNode *yaml.Node
				err := p.fields(item, at, []string{"id", "token", "name"}, func(key string, v *yaml.Node) error {
					var err error
					switch key {
					case "id":
						idNode = v
						id, err = p.str(v, at+".id", "an ad account id like act_123")
					case "token":
						tok, err = p.token(v, at+".token")
					case "name":
						name, err = p.str(v, at+".name", "a name")
					}
					return err
				})
				if err != nil {
					return err
				}
				if idNode == nil {
					return p.fail(item, at+".id", "missing; want the ad account id, like act_123")
				}
				if tok == "" {
					return p.fail(item, at+".token", "missing; want the account's access token")
				}
				if err := add(idNode, at+".id", id, name, tok); err != nil {
					return err
				}
			}
		default:
			return p.fail(acctNode, "accounts", "is %s; want a list of {id, token, name} or a mapping of account ids to tokens", kindName(acctNode))
		}
	}
	if suNode != nil {
		if suNode.Kind != yaml.SequenceNode {
			return p.fail(suNode, "system_users", "is %s; want a list of {name, token, accounts}", kindName(suNode))
		}
		for i, item := range suNode.Content {
			at := fmt.Sprintf("system_users[%d]", i)
			var tok string
			var accts *yaml.Node
			err := p.fields(item, at, []string{"name", "token", "accounts"}, func(key string, v *yaml.Node) error {
				var err error
				switch key {
				case "name":
					_, err = p.str(v, at+".name", "a name")
				case "token":
					tok, err = p.token(v, at+".token")
				case "accounts":
					accts = v
				}
				return err
			})
			if err != nil {
				return err
			}
			if tok == "" {
				return p.fail(item, at+".token", "missing; want the system user's access token")
			}
			if accts == nil || accts.Kind != yaml.SequenceNode || len(accts.Content) == 0 {
				n := item
				if accts != nil {
					n = accts
				}
				return p.fail(n, at+".accounts", "want a non-empty list of the ad account ids the token may use")
			}
			for j, a := range accts.Content {
				key := fmt.Sprintf("%s.accounts[%d]", at, j)
				id, err := p.str(a, key, "an ad account id like act_123")
				if err != nil {
					return err
				}
				if err := add(a, key, id, "", tok); err != nil {
					return err
				}
			}
		}
	}
	if len(p.f.accounts) == 0 {
		return p.fail(root, "accounts", "no account listed; want at least one")
	}
	return nil
}

// String names the source without its tokens.
func (f *File) String() string {
	return fmt.Sprintf("accounts file %s (%d accounts)", f.path, len(f.accounts))
}

// GoString is String, so %#v prints no token either.
func (f *File) GoString() string { return f.String() }

// Accounts lists the file's accounts in file order.
func (f *File) Accounts(context.Context) ([]Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Account, len(f.accounts))
	copy(out, f.accounts)
	for i := range out {
		if f.tokens[out[i].ID].invalid {
			out[i].NeedsReconnect, out[i].State = true, "needs_reconnect"
		}
	}
	return out, nil
}

// Endpoint returns the file's Graph base URL and version (the defaults
// when it names none).
func (f *File) Endpoint(_ context.Context, account metaads.AccountID) (Endpoint, error) {
	if _, ok := f.tokens[account]; !ok {
		return Endpoint{}, fmt.Errorf("creds: %s is not in %s: %w", account, f.path, ErrForbidden)
	}
	return f.endpoint, nil
}

// TokenSource implements metaads.TokenProvider.
func (f *File) TokenSource(_ context.Context, account metaads.AccountID) (oauth2.TokenSource, error) {
	ft, ok := f.tokens[account]
	if !ok {
		return nil, fmt.Errorf("creds: %s is not in %s: %w", account, f.path, ErrForbidden)
	}
	f.mu.Lock()
	invalid := ft.invalid
	f.mu.Unlock()
	if invalid {
		return nil, fmt.Errorf("creds: Meta refused the token of %s (%s line %d); replace it in the file: %w", account, f.path, ft.line, ErrNeedsReconnect)
	}
	return oauth2.StaticTokenSource(ft.token), nil
}

// Invalid marks the account's token refused: every account sharing it
// fails with ErrNeedsReconnect from now on. A file has no owner to tell.
func (f *File) Invalid(_ context.Context, account metaads.AccountID, _ *metaads.Error) (Invalidation, error) {
	ft, ok := f.tokens[account]
	if !ok {
		return Invalidation{}, fmt.Errorf("creds: %s is not in %s: %w", account, f.path, ErrForbidden)
	}
	f.mu.Lock()
	ft.invalid = true
	f.mu.Unlock()
	return Invalidation{Confirmed: true, State: "needs_reconnect",
		Message: fmt.Sprintf("Meta refused the token of %s: replace it in %s (line %d)", account, f.path, ft.line)}, nil
}
