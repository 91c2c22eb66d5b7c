// Command crm is the adpilot example CRM: the complete Meta OAuth backend and
// web UI, built only from the SDK's public packages.
//
//	go run ./examples/crm
//
// With no configuration it starts a demo on loopback: the fake Graph API
// (metaadstest with the demo business), a SQLite database and a generated
// demo encryption key in a data directory, and the web UI; it prints the URL
// and a demo login. With META_APP_ID, META_APP_SECRET, META_REDIRECT_URL and
// CRM_ENCRYPTION_KEY it talks to the real Meta API; with a postgres:// DSN
// it stores everything in PostgreSQL and runs as several replicas.
//
// Run it with -h for every flag and environment variable; README.md in
// this directory describes the routes, the credentials API for the agent
// and how to deploy it.
package main
