// Package app is the whole CRM as a value: ParseConfig reads flags over
// environment variables, New builds everything (demo fake or real Meta,
// database and migrations, sealed token store, OAuth manager, per-user Graph
// clients, sessions, River jobs, the web server) and listens, Run serves
// until its context ends and shuts down gracefully, Close releases the rest.
// The command in examples/crm is a few lines around it; programs that need a
// CRM in-process (the agent's end-to-end test) use it the same way.
package app
