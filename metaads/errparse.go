package metaads

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"

	redactpkg "github.com/adpilot/adpilot/internal/redact"
)

// wireError is the Graph error envelope's "error" object.
type wireError struct {
	Message     string          `json:"message"`
	Type        string          `json:"type"`
	Code        flexInt         `json:"code"`
	Subcode     flexInt         `json:"error_subcode"`
	IsTransient bool            `json:"is_transient"`
	UserTitle   string          `json:"error_user_title"`
	UserMessage string          `json:"error_user_msg"`
	FBTraceID   string          `json:"fbtrace_id"`
	ErrorData   json.RawMessage `json:"error_data"`
}

// flexInt accepts a JSON number or a numeric string.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

// firstNonSpace returns the first byte of b that is not JSON whitespace, or 0.
func firstNonSpace(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// looksLikeErrorEnvelope reports whether a JSON body starts with the key
// "error" (Graph error bodies have it as their only key).
func looksLikeErrorEnvelope(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return false
	}
	tok, err = dec.Token()
	if err != nil {
		return false
	}
	key, ok := tok.(string)
	return ok && key == "error"
}

// parseErrorBody turns a response into a *Error when it is one: any non-2xx
// status, a 2xx whose body is a Graph error envelope, or a body that is not
// JSON. It returns nil for an acceptable JSON body.
func parseErrorBody(status int, header http.Header, body []byte) *Error {
	first := firstNonSpace(body)
	isJSON := first == '{' || first == '['
	if !isJSON {
		if status == http.StatusNoContent && len(bytes.TrimSpace(body)) == 0 {
			return nil
		}
		ct := header.Get("Content-Type")
		mt, _, _ := mime.ParseMediaType(ct)
		if mt == "" {
			mt = "unknown content type"
		}
		msg := "response body is not JSON (" + mt + ", " + strconv.Itoa(len(body)) + " bytes)"
		if len(body) == 0 {
			msg = "empty response body"
		}
		return &Error{HTTPStatus: status, Type: "NonJSONResponse", Message: msg, IsTransient: status >= 500 || status == 0}
	}
	if status >= 200 && status < 300 && !looksLikeErrorEnvelope(body) {
		return nil
	}
	var env struct {
		Error *wireError `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
		msg := "HTTP error without a Graph error body"
		if err != nil {
			msg = "malformed Graph error body"
		}
		return &Error{HTTPStatus: status, Type: "UnexpectedResponse", Message: msg, IsTransient: status >= 500}
	}
	w := env.Error
	e := &Error{
		HTTPStatus:  status,
		Code:        int(w.Code),
		Subcode:     int(w.Subcode),
		Type:        w.Type,
		Message:     w.Message,
		UserTitle:   w.UserTitle,
		UserMessage: w.UserMessage,
		FBTraceID:   w.FBTraceID,
		IsTransient: w.IsTransient,
		BlameFields: parseBlameFields(w.ErrorData),
	}
	if e.FBTraceID == "" {
		e.FBTraceID = header.Get("X-Fb-Trace-Id")
	}
	return e
}

// parseBlameFields reads error_data.blame_field_specs; error_data may arrive
// as an object or as a JSON string holding an object.
func parseBlameFields(raw json.RawMessage) [][]string {
	if len(raw) == 0 {
		return nil
	}
	if firstNonSpace(raw) == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		raw = json.RawMessage(s)
	}
	var data struct {
		Blame [][]string `json:"blame_field_specs"`
	}
	if json.Unmarshal(raw, &data) != nil {
		return nil
	}
	return data.Blame
}

// redact replaces every secret in s with "[redacted]" (see redact.Scrub).
func redact(s string, secrets ...string) string { return redactpkg.Scrub(s, secrets...) }

// redact removes secrets from every string field of e: Meta (or a proxy)
// may quote what the request carried in any of them.
func (e *Error) redact(secrets ...string) {
	for _, f := range []*string{&e.Type, &e.Message, &e.UserTitle, &e.UserMessage, &e.FBTraceID, &e.Method, &e.Path} {
		*f = redact(*f, secrets...)
	}
	for _, path := range e.BlameFields {
		for i := range path {
			path[i] = redact(path[i], secrets...)
		}
	}
}
