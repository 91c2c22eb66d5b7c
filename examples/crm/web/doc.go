// Package web is the CRM's HTTP layer: the server-rendered UI (html/template,
// no JavaScript needed), the JSON API in the seed's shape
// (/api/meta-oauth/..., accounts and their goals, campaign statistics,
// rules, reports) and the credentials API for the agent (/api/agent/v1/...).
// It holds no SQL: everything it stores goes through package store.
//
// Middleware, outermost first: recover, request log, security headers,
// http.CrossOriginProtection (every POST, PUT, PATCH and DELETE from another
// origin is refused with 403), scs LoadAndSave, then the mux. Pages and the
// session API need a signed-in user; the agent API needs a service token and
// no cookie.
package web
