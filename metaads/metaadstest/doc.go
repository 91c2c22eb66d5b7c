// Package metaadstest is an in-process fake of Meta's Graph and Marketing
// API, in the spirit of net/http/httptest: NewServer starts it on a loopback
// port, and any client pointed at Server.URL cannot tell it from the real
// API on the paths adpilot uses.
package metaadstest
