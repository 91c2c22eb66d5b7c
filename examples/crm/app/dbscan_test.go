package app

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/adpilot/adpilot/examples/crm/store"
)

// dbContains reads every row of every table (the CRM's, the sessions and
// River's) and returns "table: column" for each value holding one of the
// secrets.
func dbContains(t testing.TB, db *store.DB, secrets ...string) []string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if db.Dialect == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := db.SQL.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("found only %d tables: %v", len(tables), tables)
	}
	var leaks []string
	for _, table := range tables {
		rows, err := db.SQL.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q`, table))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var b []byte
				switch x := v.(type) {
				case []byte:
					b = x
				case string:
					b = []byte(x)
				default:
					b = fmt.Append(nil, x)
				}
				for _, s := range secrets {
					if s != "" && bytes.Contains(b, []byte(s)) {
						leaks = append(leaks, table+": "+cols[i])
					}
				}
			}
		}
		rows.Close()
	}
	return leaks
}
