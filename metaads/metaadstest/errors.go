package metaadstest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is a Graph API error as the fake sends it: the body is the
// documented envelope {"error":{message,type,code,error_subcode,is_transient,
// error_user_title,error_user_msg,error_data,fbtrace_id}} (reference §7).
type apiError struct {
	Status    int // HTTP status; 400 unless set
	Code      int
	Subcode   int
	Type      string // "OAuthException" unless set
	Message   string // without the "(#code) " prefix for codes that carry it
	UserTitle string
	UserMsg   string
	Transient bool
	Data      any // error_data
	// noPrefix suppresses the "(#code) " message prefix (OAuth messages such
	// as "Error validating access token: ..." have none).
	noPrefix bool
}

func (e *apiError) Error() string { return e.message() }

func (e *apiError) message() string {
	if e.noPrefix {
		return e.Message
	}
	return fmt.Sprintf("(#%d) %s", e.Code, e.Message)
}

func (e *apiError) status() int {
	if e.Status != 0 {
		return e.Status
	}
	return http.StatusBadRequest
}

// body renders the error envelope. trace is the fbtrace_id.
func (e *apiError) body(trace string) []byte {
	type errBody struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode,omitempty"`
		Transient bool   `json:"is_transient"`
		UserTitle string `json:"error_user_title,omitempty"`
		UserMsg   string `json:"error_user_msg,omitempty"`
		Data      any    `json:"error_data,omitempty"`
		Trace     string `json:"fbtrace_id"`
	}
	t := e.Type
	if t == "" {
		t = "OAuthException"
	}
	b, _ := json.Marshal(map[string]errBody{"error": {
		Message: e.message(), Type: t, Code: e.Code, Subcode: e.Subcode,
		Transient: e.Transient, UserTitle: e.UserTitle, UserMsg: e.UserMsg,
		Data: e.Data, Trace: trace,
	}})
	return b
}

// errParam is code 100 "Invalid parameter" with a specific message.
func errParam(format string, args ...any) *apiError {
	return &apiError{Code: 100, Message: fmt.Sprintf(format, args...)}
}

// errBlame is code 100 with a subcode and error_data.blame_field_specs naming
// the offending field, the shape Marketing API validation errors use.
func errBlame(subcode int, field, title, msg string) *apiError {
	return &apiError{
		Code: 100, Subcode: subcode, Message: "Invalid parameter",
		UserTitle: title, UserMsg: msg,
		Data: map[string]any{"blame_field_specs": [][]string{{field}}},
	}
}

// errUnsupported is 100/33: the object does not exist, cannot be loaded
// because of missing permissions, or does not support the operation. Meta
// uses the same error for all three so a client cannot probe for ids.
func errUnsupported(method, id string) *apiError {
	verb := "get"
	switch method {
	case http.MethodPost:
		verb = "post"
	case http.MethodDelete:
		verb = "delete"
	}
	return &apiError{
		Code: 100, Subcode: 33, Type: "GraphMethodException", noPrefix: true,
		Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", verb, id),
	}
}

func errUnknownField(field, nodeType string) *apiError {
	return errParam("Tried accessing nonexisting field (%s) on node type (%s)", field, nodeType)
}

// Token errors (code 190). Subcodes per reference §7: 463 expired, 467
// invalid (logged out / revoked), 458 app not installed (the user removed the
// app, which DELETE /me/permissions does), 493 data access expired. A token
// that cannot be parsed gets 190 without a subcode.
func errTokenMalformed() *apiError {
	return &apiError{Code: 190, noPrefix: true, Message: "Invalid OAuth access token - Cannot parse access token"}
}

func errTokenExpired(at string) *apiError {
	return &apiError{Code: 190, Subcode: 463, noPrefix: true,
		Message: "Error validating access token: Session has expired on " + at + ". The current time is later."}
}

func errTokenRevoked() *apiError {
	return &apiError{Code: 190, Subcode: 467, noPrefix: true,
		Message: "Error validating access token: The session is invalid because the user logged out or the token was revoked."}
}

func errTokenDeauthorized() *apiError {
	return &apiError{Code: 190, Subcode: 458, noPrefix: true,
		Message: "Error validating access token: The user has not authorized application."}
}

func errDataAccessExpired() *apiError {
	return &apiError{Code: 190, Subcode: 493, noPrefix: true,
		Message: "The access token is invalid since the user hasn't engaged the app in longer than 90 days."}
}

func errNoToken() *apiError {
	return &apiError{Code: 104, noPrefix: true, Message: "An access token is required to request this resource."}
}
