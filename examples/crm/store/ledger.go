package store

import (
	"github.com/adpilot/adpilot/examples/internal/sqldb"
)

// Ledger is a rules.Ledger on the rule_ledger table, one per user (package
// sqldb's ledger scoped by user_id). Claim is atomic across replicas: each
// attempt of a decision id inserts a row with a unique key (user, decision
// id, attempt) into rule_claims, so of two executors claiming the same
// attempt only one insert succeeds.
type Ledger = sqldb.Ledger

// Ledger returns the user's rules ledger.
func (s *Store) Ledger(userID int64) *Ledger { return sqldb.NewLedger(s.db.DB, "user_id", userID) }
