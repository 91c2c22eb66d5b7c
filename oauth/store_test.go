package oauth

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/metaads"
)

func newKeyring(t testing.TB, active string, ids ...string) *Keyring {
	t.Helper()
	keys := map[string][]byte{}
	for i, id := range ids {
		keys[id] = testKey(byte(100 + i))
	}
	kr, err := NewKeyring(active, keys)
	require.NoError(t, err)
	return kr
}

var (
	acct1 = metaads.MustParseAccountID("act_1001")
	acct2 = metaads.MustParseAccountID("act_1002")
)

func conn(user string, acct metaads.AccountID, token string, exp time.Time) *Connection {
	return &Connection{
		Key:        Key{User: user, Account: acct},
		MetaUserID: "555",
		Token:      &oauth2.Token{AccessToken: token, Expiry: exp},
		Scopes:     []string{"ads_read", "ads_management"},
	}
}

func TestEncryptedStoreRoundTrip(t *testing.T) {
	ctx := t.Context()
	clk := newFakeClock()
	inner := NewMemoryStore()
	es, err := NewEncryptedStore(inner, newKeyring(t, "k1", "k1"), WithClock(clk.Now))
	require.NoError(t, err)
	exp := clk.Now().Add(60 * 24 * time.Hour)
	require.NoError(t, es.Save(ctx, conn("alice", acct1, "EAAG-secret-token-1", exp)))

	got, err := es.Load(ctx, Key{User: "alice", Account: acct1})
	require.NoError(t, err)
	assert.Equal(t, "EAAG-secret-token-1", got.Token.AccessToken)
	assert.True(t, exp.Equal(got.Token.Expiry))
	assert.Equal(t, StatusConnected, got.Status)
	assert.Equal(t, []string{"ads_management", "ads_read"}, got.Scopes, "scopes are stored sorted")
	assert.True(t, clk.Now().Equal(got.UpdatedAt))
	assert.NotContains(t, got.String(), "EAAG")
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", got, got, got), "EAAG")

	rec, err := inner.Get(ctx, Key{User: "alice", Account: acct1})
	require.NoError(t, err)
	assert.Equal(t, "k1", rec.KeyID)
	assert.False(t, bytes.Contains(rec.Ciphertext, []byte("EAAG")), "the inner store holds ciphertext only")
	assert.Len(t, rec.Ciphertext, len("EAAG-secret-token-1")+28, "12-byte nonce + 16-byte tag")

	// Two seals of the same token differ (random nonces).
	require.NoError(t, es.Save(ctx, conn("alice", acct2, "EAAG-secret-token-1", exp)))
	rec2, err := inner.Get(ctx, Key{User: "alice", Account: acct2})
	require.NoError(t, err)
	assert.NotEqual(t, rec.Ciphertext[:12], rec2.Ciphertext[:12])

	_, err = es.Load(ctx, Key{User: "bob"})
	assert.ErrorIs(t, err, ErrNoToken)
	assert.ErrorIs(t, err, metaads.ErrNoToken)

	var n int
	for c, err := range es.List(ctx, Query{User: "alice"}) {
		require.NoError(t, err)
		assert.Equal(t, "EAAG-secret-token-1", c.Token.AccessToken)
		n++
	}
	assert.Equal(t, 2, n)

	require.NoError(t, es.Delete(ctx, Key{User: "alice", Account: acct1}))
	_, err = es.Load(ctx, Key{User: "alice", Account: acct1})
	assert.ErrorIs(t, err, ErrNoToken)
}

func TestEncryptedStoreSwappedCiphertextRejected(t *testing.T) {
	ctx := t.Context()
	inner := NewMemoryStore()
	es, err := NewEncryptedStore(inner, newKeyring(t, "k1", "k1"))
	require.NoError(t, err)
	require.NoError(t, es.Save(ctx, conn("alice", acct1, "alice-token", time.Time{})))
	require.NoError(t, es.Save(ctx, conn("mallory", acct2, "mallory-token", time.Time{})))

	a, err := inner.Get(ctx, Key{User: "alice", Account: acct1})
	require.NoError(t, err)
	m, err := inner.Get(ctx, Key{User: "mallory", Account: acct2})
	require.NoError(t, err)

	// Copy alice's ciphertext into mallory's row (as a database attacker
	// might) and into alice's row for another account.
	m.Ciphertext, m.KeyID = a.Ciphertext, a.KeyID
	require.NoError(t, inner.Put(ctx, m))
	_, err = es.Load(ctx, m.Key)
	assert.ErrorIs(t, err, ErrDecrypt)
	assert.NotContains(t, err.Error(), "alice-token")

	moved := a.clone()
	moved.Account = acct2
	require.NoError(t, inner.Put(ctx, moved))
	_, err = es.Load(ctx, moved.Key)
	assert.ErrorIs(t, err, ErrDecrypt)

	// A flipped bit fails too.
	a.Ciphertext[len(a.Ciphertext)-1] ^= 1
	require.NoError(t, inner.Put(ctx, a))
	_, err = es.Load(ctx, a.Key)
	assert.ErrorIs(t, err, ErrDecrypt)
}

func TestKeyRotation(t *testing.T) {
	ctx := t.Context()
	inner := NewMemoryStore()
	keys := map[string][]byte{"2025": testKey(1)}
	old, err := NewKeyring("2025", keys)
	require.NoError(t, err)
	esOld, err := NewEncryptedStore(inner, old)
	require.NoError(t, err)
	require.NoError(t, esOld.Save(ctx, conn("alice", acct1, "old-token", time.Time{})))

	keys["2026"] = testKey(2)
	rotated, err := NewKeyring("2026", keys)
	require.NoError(t, err)
	es, err := NewEncryptedStore(inner, rotated)
	require.NoError(t, err)

	got, err := es.Load(ctx, Key{User: "alice", Account: acct1})
	require.NoError(t, err, "old ciphertexts still open after rotation")
	assert.Equal(t, "old-token", got.Token.AccessToken)

	require.NoError(t, es.Save(ctx, conn("bob", acct2, "new-token", time.Time{})))
	rec, err := inner.Get(ctx, Key{User: "bob", Account: acct2})
	require.NoError(t, err)
	assert.Equal(t, "2026", rec.KeyID, "new ciphertexts use the new key")

	n, err := es.Rekey(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	rec, err = inner.Get(ctx, Key{User: "alice", Account: acct1})
	require.NoError(t, err)
	assert.Equal(t, "2026", rec.KeyID)

	// Once the old key is dropped, everything still opens.
	only, err := NewKeyring("2026", map[string][]byte{"2026": testKey(2)})
	require.NoError(t, err)
	esNew, err := NewEncryptedStore(inner, only)
	require.NoError(t, err)
	got, err = esNew.Load(ctx, Key{User: "alice", Account: acct1})
	require.NoError(t, err)
	assert.Equal(t, "old-token", got.Token.AccessToken)

	// And a row sealed with a key that is gone is reported, not guessed.
	require.NoError(t, esOld.Save(ctx, conn("carol", acct1, "x", time.Time{})))
	_, err = esNew.Load(ctx, Key{User: "carol", Account: acct1})
	assert.ErrorIs(t, err, ErrDecrypt)
	assert.ErrorContains(t, err, `"2025"`)
}

func TestKeyringValidation(t *testing.T) {
	_, err := NewKeyring("a", nil)
	assert.ErrorContains(t, err, "empty keyring")
	_, err = NewKeyring("b", map[string][]byte{"a": testKey(1)})
	assert.ErrorContains(t, err, `"b" is not in the keyring`)
	_, err = NewKeyring("a", map[string][]byte{"a": testKey(1)[:16]})
	assert.ErrorContains(t, err, "exactly 32")
	_, err = NewKeyring("a b", map[string][]byte{"a b": testKey(1)})
	assert.ErrorContains(t, err, "printable")
	kr := newKeyring(t, "k2", "k1", "k2")
	assert.Equal(t, "oauth.Keyring{active: \"k2\", keys: [k1 k2]}", kr.String())
}

func TestEncryptedStoreValidation(t *testing.T) {
	ctx := t.Context()
	es, err := NewEncryptedStore(NewMemoryStore(), newKeyring(t, "k", "k"))
	require.NoError(t, err)
	assert.ErrorContains(t, es.Save(ctx, nil), "nil")
	assert.ErrorContains(t, es.Save(ctx, &Connection{}), "empty user")
	c := conn("u", acct1, "", time.Time{})
	assert.ErrorContains(t, es.Save(ctx, c), "empty access token")
	c = conn("u", acct1, "t", time.Time{})
	c.Status = "weird"
	assert.ErrorContains(t, es.Save(ctx, c), "invalid status")
	_, err = NewEncryptedStore(nil, newKeyring(t, "k", "k"))
	assert.Error(t, err)
	_, err = NewEncryptedStore(NewMemoryStore(), nil)
	assert.Error(t, err)

	// A tombstone has no ciphertext and opens with a nil token.
	require.NoError(t, es.Save(ctx, &Connection{Key: Key{User: "u"}, Status: StatusDisconnected}))
	got, err := es.Load(ctx, Key{User: "u"})
	require.NoError(t, err)
	assert.Nil(t, got.Token)
	assert.Equal(t, StatusDisconnected, got.Status)
}

func BenchmarkSealOpen(b *testing.B) {
	kr := newKeyring(b, "k1", "k1")
	key := Key{User: "user-42", Account: acct1}
	token := bytes.Repeat([]byte("E"), 200) // long-lived user tokens are ~200 chars
	b.ReportAllocs()
	b.SetBytes(int64(len(token)))
	for b.Loop() {
		id, ct := kr.seal(token, key)
		if _, err := kr.open(id, ct, key); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

var _ = context.Background

func TestMemoryStoreCompareAndSwap(t *testing.T) {
	ctx := t.Context()
	m := NewMemoryStore()
	k := Key{User: "alice", Account: acct1}
	old := &Record{Key: k, KeyID: "k1", Ciphertext: []byte("sealed-1"), Status: StatusConnected}
	next := &Record{Key: k, KeyID: "k1", Ciphertext: []byte("sealed-1"), Status: StatusNeedsReauth}

	ok, err := m.CompareAndSwap(ctx, old, next)
	require.NoError(t, err)
	assert.False(t, ok, "no row: nothing to swap")
	_, err = m.Get(ctx, k)
	require.ErrorIs(t, err, ErrNoToken, "a missing row is not created")

	require.NoError(t, m.Put(ctx, old))
	ok, err = m.CompareAndSwap(ctx, old, next)
	require.NoError(t, err)
	assert.True(t, ok)
	got, err := m.Get(ctx, k)
	require.NoError(t, err)
	assert.Equal(t, StatusNeedsReauth, got.Status)
	ok, err = m.CompareAndSwap(ctx, old, next)
	require.NoError(t, err)
	assert.True(t, ok, "the status differs but the token is the one read")

	// Sealed again (a renewal, a reconnect) or a tombstone: left alone.
	for _, cur := range []*Record{
		{Key: k, KeyID: "k1", Ciphertext: []byte("sealed-2"), Status: StatusConnected},
		{Key: k, Status: StatusDisconnected},
	} {
		require.NoError(t, m.Put(ctx, cur))
		ok, err = m.CompareAndSwap(ctx, old, next)
		require.NoError(t, err)
		assert.False(t, ok)
		got, err := m.Get(ctx, k)
		require.NoError(t, err)
		assert.Equal(t, cur, got)
	}

	// Bad arguments.
	for name, c := range map[string][2]*Record{
		"nil":       {nil, next},
		"other key": {{Key: Key{User: "bob"}, Ciphertext: []byte("x")}, next},
		"tombstone": {{Key: k}, next},
		"no user":   {{Ciphertext: []byte("x")}, {}},
	} {
		_, err := m.CompareAndSwap(ctx, c[0], c[1])
		assert.Error(t, err, name)
	}
}
