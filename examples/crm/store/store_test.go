package store_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/crm/internal/testdb"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/oauth"
	"github.com/adpilot/adpilot/rules"
)

var (
	acctA = metaads.MustParseAccountID("act_1001")
	acctB = metaads.MustParseAccountID("act_1002")
)

func newStore(t *testing.T, d store.Dialect) *store.Store {
	db := testdb.Open(t, d)
	return store.New(db, nil)
}

func TestMigrateTwice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d store.Dialect) {
		s := newStore(t, d)
		require.NoError(t, s.DB().Migrate(t.Context(), nil), "a second Migrate is a no-op")
		v, err := s.DB().SchemaVersion(t.Context())
		require.NoError(t, err)
		assert.Equal(t, int64(2), v)
	})
}

func TestGoals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := t.Context()
		s := newStore(t, d)
		u1, err := s.CreateUser(ctx, "g1@example.com", "h")
		require.NoError(t, err)
		u2, err := s.CreateUser(ctx, "g2@example.com", "h")
		require.NoError(t, err)
		require.NoError(t, s.SaveAccounts(ctx, u1.ID, []metaads.AdAccount{{ID: acctA, Name: "A", Currency: "USD"}, {ID: acctB, Name: "B", Currency: "JPY"}}))
		a, err := s.Account(ctx, u1.ID, acctA)
		require.NoError(t, err)
		assert.Zero(t, a.Goals, "none set")

		g := analysis.Goals{Currency: "USD", TargetCPA: 3050, TargetROAS: 2.5, GrossMargin: 0.4, Priority: analysis.PriorityReachEfficiency, ConversionEvent: "offsite_conversion.fb_pixel_lead'; --"}
		require.NoError(t, s.SaveGoals(ctx, u1.ID, acctA, g))
		a, err = s.Account(ctx, u1.ID, acctA)
		require.NoError(t, err)
		assert.Equal(t, g, a.Goals)
		b, err := s.Account(ctx, u1.ID, acctB)
		require.NoError(t, err)
		assert.Zero(t, b.Goals, "goals are per account")
		g.TargetCPA, g.Priority = 0, ""
		require.NoError(t, s.SaveGoals(ctx, u1.ID, acctA, g), "saved again: replaced")
		accts, err := s.Accounts(ctx, u1.ID)
		require.NoError(t, err)
		require.Len(t, accts, 2)
		assert.Equal(t, g, accts[0].Goals)

		require.ErrorIs(t, s.SaveGoals(ctx, u2.ID, acctA, g), store.ErrNotFound, "another user's account")
		err = s.SaveGoals(ctx, u1.ID, acctB, g)
		require.Error(t, err, "USD goals on a JPY account")
		assert.Contains(t, err.Error(), "JPY")
	})
}

func TestUsersAndIsolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := t.Context()
		s := newStore(t, d)
		// SQL metacharacters are data.
		evil := `o'brien"; DROP TABLE users; --@example.com`
		u1, err := s.CreateUser(ctx, evil, "hash1")
		require.NoError(t, err)
		_, err = s.CreateUser(ctx, " O'BRIEN\"; drop table users; --@EXAMPLE.com ", "hash2")
		require.ErrorIs(t, err, store.ErrConflict, "addresses are unique after normalising")
		u2, err := s.CreateUser(ctx, "b@example.com", "hash2")
		require.NoError(t, err)
		got, err := s.UserByEmail(ctx, evil)
		require.NoError(t, err)
		assert.Equal(t, u1.ID, got.ID)
		assert.Equal(t, store.NormalizeEmail(evil), got.Email)

		require.NoError(t, s.SaveAccounts(ctx, u1.ID, []metaads.AdAccount{{ID: acctA, Name: "Shop'; --", Currency: "USD", TimezoneName: "UTC", AccountStatus: 1}}))
		_, err = s.Account(ctx, u2.ID, acctA)
		require.ErrorIs(t, err, store.ErrNotFound, "user 2 cannot read user 1's account")
		a, err := s.Account(ctx, u1.ID, acctA)
		require.NoError(t, err)
		assert.Equal(t, "Shop'; --", a.Name)
		list, err := s.Accounts(ctx, u2.ID)
		require.NoError(t, err)
		assert.Empty(t, list)

		rs := &store.RuleSet{UserID: u1.ID, Name: "mine", Spec: `{"rules":[]}`}
		require.NoError(t, s.SaveRuleSet(ctx, rs))
		_, err = s.RuleSet(ctx, u2.ID, rs.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, s.DeleteRuleSet(ctx, u2.ID, rs.ID), store.ErrNotFound)
		require.ErrorIs(t, s.SaveRuleSet(ctx, &store.RuleSet{ID: rs.ID, UserID: u2.ID, Name: "x", Spec: "{}"}), store.ErrNotFound)

		rep := &store.Report{UserID: u1.ID, Account: acctA, Period: "p1", Summary: "s", Markdown: "# m", Body: "{}"}
		require.NoError(t, s.SaveReport(ctx, rep))
		require.ErrorIs(t, s.SaveReport(ctx, &store.Report{UserID: u1.ID, Account: acctA, Period: "p1", Summary: "s", Markdown: "m", Body: "{}"}), store.ErrConflict)
		_, err = s.Report(ctx, u2.ID, rep.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.LatestReport(ctx, u2.ID, acctA)
		require.ErrorIs(t, err, store.ErrNotFound)
		latest, err := s.LatestReport(ctx, u1.ID, acctA)
		require.NoError(t, err)
		assert.Equal(t, "# m", latest.Markdown)
	})
}

func TestEncryptedTokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := t.Context()
		s := newStore(t, d)
		kr, err := oauth.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{7}, 32)})
		require.NoError(t, err)
		enc, err := oauth.NewEncryptedStore(s.Tokens(), kr)
		require.NoError(t, err)
		const secret = "EAAB-secret-token-value-1234567890"
		exp := time.Now().Add(60 * 24 * time.Hour).Truncate(time.Millisecond)
		for _, k := range []oauth.Key{{User: "u1"}, {User: "u1", Account: acctA}, {User: "u2", Account: acctA}} {
			require.NoError(t, enc.Save(ctx, &oauth.Connection{Key: k, MetaUserID: "42", Token: &oauth2.Token{AccessToken: secret, Expiry: exp}, Scopes: []string{"ads_read", "ads_management"}}))
		}
		c, err := enc.Load(ctx, oauth.Key{User: "u1", Account: acctA})
		require.NoError(t, err)
		assert.Equal(t, secret, c.Token.AccessToken)
		assert.True(t, exp.Equal(c.Expiry()))
		assert.Equal(t, []string{"ads_management", "ads_read"}, c.Scopes, "sorted")
		// No row holds the token in the clear.
		rows, err := s.DB().SQL.QueryContext(ctx, `SELECT ciphertext FROM oauth_tokens`)
		require.NoError(t, err)
		n := 0
		for rows.Next() {
			var b []byte
			require.NoError(t, rows.Scan(&b))
			assert.NotContains(t, string(b), secret)
			n++
		}
		require.NoError(t, rows.Err())
		rows.Close()
		assert.Equal(t, 3, n)
		var listed int
		for c, err := range enc.List(ctx, oauth.Query{Account: acctA}) {
			require.NoError(t, err)
			assert.Equal(t, acctA, c.Account)
			listed++
		}
		assert.Equal(t, 2, listed)
		_, err = enc.Load(ctx, oauth.Key{User: "u3"})
		require.ErrorIs(t, err, oauth.ErrNoToken)
		require.NoError(t, enc.Delete(ctx, oauth.Key{User: "u2", Account: acctA}))
		_, err = enc.Load(ctx, oauth.Key{User: "u2", Account: acctA})
		require.ErrorIs(t, err, oauth.ErrNoToken)
		// CompareAndSwap writes only over the ciphertext it was given.
		k4 := oauth.Key{User: "u4"}
		require.NoError(t, enc.Save(ctx, &oauth.Connection{Key: k4, Token: &oauth2.Token{AccessToken: secret}}))
		read, err := s.Tokens().Get(ctx, k4)
		require.NoError(t, err)
		mark := *read
		mark.Status = oauth.StatusNeedsReauth
		ok, err := s.Tokens().CompareAndSwap(ctx, read, &mark)
		require.NoError(t, err)
		assert.True(t, ok)
		c4, err := enc.Load(ctx, k4)
		require.NoError(t, err)
		assert.Equal(t, oauth.StatusNeedsReauth, c4.Status)
		assert.Equal(t, secret, c4.Token.AccessToken)
		for _, now := range []*oauth.Connection{
			{Key: k4, Token: &oauth2.Token{AccessToken: secret}, Status: oauth.StatusConnected}, // sealed again (a reconnect)
			{Key: k4, Status: oauth.StatusDisconnected},                                         // a tombstone
		} {
			require.NoError(t, enc.Save(ctx, now))
			ok, err := s.Tokens().CompareAndSwap(ctx, read, &mark)
			require.NoError(t, err)
			assert.False(t, ok)
			c4, err := enc.Load(ctx, k4)
			require.NoError(t, err)
			assert.Equal(t, now.Status, c4.Status)
		}
		c4, err = enc.Load(ctx, k4)
		require.NoError(t, err)
		assert.Nil(t, c4.Token, "the tombstone stays")
		gone := *read
		gone.Key = oauth.Key{User: "u5"}
		ok, err = s.Tokens().CompareAndSwap(ctx, &gone, &gone)
		require.NoError(t, err)
		assert.False(t, ok, "a missing row")
		_, err = s.Tokens().Get(ctx, gone.Key)
		require.ErrorIs(t, err, oauth.ErrNoToken, "is not created")
		_, err = s.Tokens().CompareAndSwap(ctx, &oauth.Record{Key: k4}, &mark)
		require.Error(t, err, "old without ciphertext")
		// A ciphertext copied into another row does not open.
		_, err = s.DB().SQL.ExecContext(ctx, `UPDATE oauth_tokens SET ciphertext = (SELECT ciphertext FROM oauth_tokens WHERE user_key = 'u1' AND account = '') WHERE user_key = 'u1' AND account = 'act_1001'`)
		require.NoError(t, err)
		_, err = enc.Load(ctx, oauth.Key{User: "u1", Account: acctA})
		require.ErrorIs(t, err, oauth.ErrDecrypt)
	})
}

func TestReplayStoreOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d store.Dialect) {
		s := newStore(t, d)
		r := s.Replay()
		var fresh atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ok, err := r.Use(context.Background(), "nonce-1", time.Now().Add(time.Minute))
				assert.NoError(t, err)
				if ok {
					fresh.Add(1)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), fresh.Load(), "exactly one use of a nonce succeeds")
	})
}

func TestLedgerClaim(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := t.Context()
		s := newStore(t, d)
		l := s.Ledger(1)
		at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		e := rules.Entry{DecisionID: "d1", RuleID: "r", EntityID: "e", Account: "act_1", Level: metrics.LevelAdSet, Action: rules.ActionPause, At: at, Attempt: 1}
		var claimed atomic.Int32
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				_, ok, err := l.Claim(context.Background(), e)
				assert.NoError(t, err)
				if ok {
					claimed.Add(1)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), claimed.Load(), "one of concurrent claims wins")
		latest, ok, err := l.Lookup(ctx, "d1")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, rules.OutcomePending, latest.Outcome)
		// A failed attempt can be claimed again with the next attempt number.
		e.Outcome = rules.OutcomeFailed
		require.NoError(t, l.Record(ctx, e))
		e2 := e
		e2.Attempt = 2
		got, ok, err := l.Claim(ctx, e2)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, 2, got.Attempt)
		e2.Outcome = rules.OutcomeApplied
		require.NoError(t, l.Record(ctx, e2))
		got, ok, err = l.Claim(ctx, rules.Entry{DecisionID: "d1", Attempt: 3, At: at, Level: metrics.LevelAdSet, Action: rules.ActionPause})
		require.NoError(t, err)
		assert.False(t, ok, "an applied decision is never claimed again")
		assert.Equal(t, rules.OutcomeApplied, got.Outcome)
		hist, err := rules.History(ctx, l, at.Add(-time.Hour))
		require.NoError(t, err)
		require.Len(t, hist, 4)
		assert.Equal(t, metrics.LevelAdSet, hist[0].Level)
		assert.Equal(t, rules.ActionPause, hist[0].Action)
		other, err := rules.History(ctx, s.Ledger(2), time.Time{})
		require.NoError(t, err)
		assert.Empty(t, other, "ledgers are per user")
	})
}

// base64URL is the alphabet of base64.RawURLEncoding, in value order.
const base64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestServiceTokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := t.Context()
		s := newStore(t, d)
		u, err := s.CreateUser(ctx, "a@example.com", "h")
		require.NoError(t, err)
		require.NoError(t, s.SaveAccounts(ctx, u.ID, []metaads.AdAccount{{ID: acctA, Name: "A"}, {ID: acctB, Name: "B"}}))
		_, _, err = s.CreateServiceToken(ctx, u.ID, "agent", []metaads.AccountID{metaads.MustParseAccountID("act_999")})
		require.ErrorIs(t, err, store.ErrNotFound, "only the user's own accounts")
		tok, st, err := s.CreateServiceToken(ctx, u.ID, "agent", []metaads.AccountID{acctA})
		require.NoError(t, err)
		got, err := s.AuthenticateServiceToken(ctx, tok)
		require.NoError(t, err)
		assert.Equal(t, st.ID, got.ID)
		assert.True(t, got.Allows(acctA))
		assert.False(t, got.Allows(acctB))
		// The database holds only a hash.
		var hash []byte
		require.NoError(t, s.DB().SQL.QueryRowContext(ctx, `SELECT secret_hash FROM service_tokens`).Scan(&hash))
		assert.Len(t, hash, 32)
		assert.NotContains(t, tok, string(hash))
		// The secret with its first character changed (always to another
		// one: each carries six bits of the secret), and with the two
		// padding bits of its last character set (the same bytes for a
		// lenient decoder).
		i := len(tok) - 43
		other := "A"
		if tok[i] == 'A' {
			other = "B"
		}
		changed := tok[:i] + other + tok[i+1:]
		padded := tok[:len(tok)-1] + string(base64URL[strings.IndexByte(base64URL, tok[len(tok)-1])|3])
		for _, bad := range []string{"", "adp_", tok + "x", changed, padded, "adp_0000000000000000_" + tok[len(tok)-43:], "Bearer " + tok, "adp_' OR 1=1 --_x"} {
			_, err := s.AuthenticateServiceToken(ctx, bad)
			assert.ErrorIs(t, err, store.ErrBadCredential, "%q", bad)
		}
		require.ErrorIs(t, s.RevokeServiceToken(ctx, u.ID+1, st.ID), store.ErrNotFound)
		require.NoError(t, s.RevokeServiceToken(ctx, u.ID, st.ID))
		_, err = s.AuthenticateServiceToken(ctx, tok)
		require.ErrorIs(t, err, store.ErrBadCredential)
		require.NoError(t, s.Audit(ctx, store.AuditEntry{UserID: u.ID, TokenID: st.ID, Action: "token.issue", Outcome: "ok"}))
		log, err := s.AuditLog(ctx, u.ID, 10)
		require.NoError(t, err)
		require.Len(t, log, 1)
		assert.Equal(t, "token.issue", log[0].Action)
	})
}

func TestLockExcludes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d store.Dialect) {
		db := testdb.Open(t, d)
		unlock, err := db.Lock(t.Context(), "k")
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err = db.Lock(ctx, "k")
		require.True(t, errors.Is(err, context.DeadlineExceeded), "the second lock waits: %v", err)
		unlock()
		unlock2, err := db.Lock(t.Context(), "k")
		require.NoError(t, err)
		unlock2()
	})
}
