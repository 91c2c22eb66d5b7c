package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/internal/testdb"
)

// TestProposalsAndAudit: on both engines a proposal is stored once per
// decision id, read back and replaced, an unknown id is ErrNotFound, and audit
// entries come back in order with their fields.
func TestProposalsAndAudit(t *testing.T) {
	for _, d := range testdb.Engines {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			st, err := Open(ctx, testdb.DSN(t, d), nil)
			require.NoError(t, err)
			defer st.Close()
			at := time.Date(2026, 3, 11, 18, 30, 0, 0, time.UTC)
			p := Proposal{ID: "d1", Account: "act_1", CreatedAt: at, ExpiresAt: at.Add(time.Hour), Body: `{"a":1}`}
			fresh, err := st.SaveProposal(ctx, p)
			require.NoError(t, err)
			assert.True(t, fresh)
			p2 := p
			p2.Body = `{"a":2}`
			fresh, err = st.SaveProposal(ctx, p2)
			require.NoError(t, err)
			assert.False(t, fresh, "the same decision id is one proposal")
			got, err := st.LoadProposal(ctx, "d1")
			require.NoError(t, err)
			assert.Equal(t, `{"a":1}`, got.Body)
			assert.True(t, got.ExpiresAt.Equal(at.Add(time.Hour)))
			p2.ExpiresAt = at.Add(2 * time.Hour)
			require.NoError(t, st.ReplaceProposal(ctx, p2))
			got, err = st.LoadProposal(ctx, "d1")
			require.NoError(t, err)
			assert.Equal(t, `{"a":2}`, got.Body)
			assert.True(t, got.ExpiresAt.Equal(at.Add(2*time.Hour)))
			p2.ID = "nope"
			assert.True(t, errors.Is(st.ReplaceProposal(ctx, p2), ErrNotFound))
			_, err = st.LoadProposal(ctx, "nope")
			assert.True(t, errors.Is(err, ErrNotFound), "%v", err)

			for i, tool := range []string{"propose_change", "apply_change"} {
				seq, err := st.Audit(ctx, AuditEntry{At: at, Tool: tool, Session: "s", Client: "c 1.0", Transport: "stdio", Account: "act_1", ProposalID: "d1", Arguments: `{}`, Outcome: "ok"})
				require.NoError(t, err)
				assert.Equal(t, int64(i+1), seq)
			}
			log, err := st.AuditLog(ctx, 1, 10)
			require.NoError(t, err)
			require.Len(t, log, 1)
			assert.Equal(t, "apply_change", log[0].Tool)
			assert.Equal(t, "c 1.0", log[0].Client)
			_, err = st.LatestReport(ctx, "act_1")
			assert.True(t, errors.Is(err, ErrNotFound), "%v", err)
		})
	}
}
