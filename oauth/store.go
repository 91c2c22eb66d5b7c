package oauth

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/adpilot/adpilot/metaads"
)

// ConnectionStatus is the state of a stored connection.
type ConnectionStatus string

// Connection statuses.
const (
	// StatusConnected: the token is valid and not close to expiry.
	StatusConnected ConnectionStatus = "connected"
	// StatusExpiring: the token or its data access expires within the renew
	// window and could not be renewed; the user should reconnect soon.
	StatusExpiring ConnectionStatus = "expiring"
	// StatusNeedsReauth: the token is expired, revoked or lost data access;
	// calls fail until the user reconnects.
	StatusNeedsReauth ConnectionStatus = "needs_reauth"
	// StatusDisconnected: the user disconnected; the token was deleted and
	// only this tombstone remains.
	StatusDisconnected ConnectionStatus = "disconnected"
)

// Valid reports whether s is one of the defined statuses.
func (s ConnectionStatus) Valid() bool {
	switch s {
	case StatusConnected, StatusExpiring, StatusNeedsReauth, StatusDisconnected:
		return true
	}
	return false
}

// Key identifies a stored token: the application's user who connected, and
// the ad account the token is stored for. The zero Account is the user's
// own row, present for every connection even when it grants no ad account.
type Key struct {
	// User is the application's user id. Required.
	User string
	// Account is the ad account; zero for the user's own row.
	Account metaads.AccountID
}

// String describes the key, like `user "u1" ad account act_123`.
func (k Key) String() string {
	if k.Account.IsZero() {
		return fmt.Sprintf("user %q", k.User)
	}
	return fmt.Sprintf("user %q ad account %s", k.User, k.Account)
}

func (k Key) validate() error {
	if k.User == "" {
		return errors.New("oauth: empty user id in key: want the application's user identifier")
	}
	return nil
}

// Record is one stored row as a Store sees it: metadata in the clear and
// the access token only as AES-GCM ciphertext. A Store never receives a
// plaintext token; EncryptedStore seals and opens them.
type Record struct {
	// Key names the row: the application user and the ad account.
	Key
	// MetaUserID is the Meta (app-scoped) user id the token belongs to.
	MetaUserID string
	// KeyID names the encryption key that sealed Ciphertext; stored beside it
	// so keys can rotate. Empty for tombstones.
	KeyID string
	// Ciphertext is the random nonce followed by the sealed access token.
	// Empty for tombstones.
	Ciphertext []byte
	// Expiry is when the token expires; zero means it does not.
	Expiry time.Time
	// DataAccessExpiry is when Meta stops serving data for the token unless
	// the user re-consents; zero when unknown or not applicable.
	DataAccessExpiry time.Time
	// Scopes are the permissions granted, sorted.
	Scopes []string
	// Status is the connection status.
	Status ConnectionStatus
	// UpdatedAt is when the row was last written.
	UpdatedAt time.Time
}

func (r *Record) clone() *Record {
	c := *r
	c.Ciphertext = slices.Clone(r.Ciphertext)
	c.Scopes = slices.Clone(r.Scopes)
	return &c
}

// Query selects records in Store.List. Zero fields match everything.
type Query struct {
	// User, when not empty, selects that application user's rows.
	User string
	// Account, when not zero, selects that ad account's rows.
	Account metaads.AccountID
}

func (q Query) matches(k Key) bool {
	return (q.User == "" || q.User == k.User) && (q.Account.IsZero() || q.Account == k.Account)
}

// Store persists sealed token records. Implementations (the in-memory
// MemoryStore, the CRM example's SQL store) must be safe for concurrent use
// and should not retain the Record pointers they are given or return.
type Store interface {
	// Put inserts or replaces the record with rec.Key.
	Put(ctx context.Context, rec *Record) error
	// CompareAndSwap replaces the stored record with rec.Key by rec only
	// if the stored record still holds old.Ciphertext (the same bytes)
	// and reports whether it did, atomically: no Put or Delete of the key
	// may come between the comparison and the write. A record deleted,
	// replaced by a tombstone or sealed again since old was read is left
	// as it is (swapped false, no error); every seal uses a fresh nonce, so
	// equal ciphertexts mean no token was saved in between. old and rec
	// have the same Key and old.Ciphertext is not empty. The Manager
	// writes through it whatever it decided from rows it read earlier
	// (status marks, renewed tokens, re-seals), so a Disconnect or a new
	// connection made meanwhile is never overwritten. A SQL store does it
	// in one statement: UPDATE ... WHERE user_key = $1 AND account = $2
	// AND ciphertext = $old.
	CompareAndSwap(ctx context.Context, old, rec *Record) (swapped bool, err error)
	// Get returns the record for key, or an error matching ErrNoToken.
	Get(ctx context.Context, key Key) (*Record, error)
	// Delete removes the record; deleting a missing record is not an error.
	Delete(ctx context.Context, key Key) error
	// List yields the records matching q, ordered by user then account.
	List(ctx context.Context, q Query) iter.Seq2[*Record, error]
}

// MemoryStore is an in-process Store, for tests, demos and single-process
// tools. It copies records in and out.
type MemoryStore struct {
	mu   sync.RWMutex
	rows map[Key]*Record
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{rows: make(map[Key]*Record)} }

// Put implements Store.
func (m *MemoryStore) Put(_ context.Context, rec *Record) error {
	if rec == nil {
		return errors.New("oauth: MemoryStore.Put(nil)")
	}
	if err := rec.Key.validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows[rec.Key] = rec.clone()
	return nil
}

// CompareAndSwap implements Store.
func (m *MemoryStore) CompareAndSwap(_ context.Context, old, rec *Record) (bool, error) {
	if err := checkSwap(old, rec); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.rows[rec.Key]
	if !ok || !bytes.Equal(cur.Ciphertext, old.Ciphertext) {
		return false, nil
	}
	m.rows[rec.Key] = rec.clone()
	return true, nil
}

// checkSwap validates the arguments of Store.CompareAndSwap, for this
// package's Store implementations (MemoryStore).
func checkSwap(old, rec *Record) error {
	switch {
	case old == nil || rec == nil:
		return errors.New("oauth: CompareAndSwap: nil record")
	case old.Key != rec.Key:
		return fmt.Errorf("oauth: CompareAndSwap: old record is for %s, new one for %s: want the same key", old.Key, rec.Key)
	case len(old.Ciphertext) == 0:
		return fmt.Errorf("oauth: CompareAndSwap: old record of %s holds no ciphertext: a tombstone is replaced with Put", old.Key)
	}
	return rec.Key.validate()
}

// Get implements Store.
func (m *MemoryStore) Get(_ context.Context, key Key) (*Record, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.rows[key]
	if !ok {
		return nil, fmt.Errorf("%w for %s", ErrNoToken, key)
	}
	return r.clone(), nil
}

// Delete implements Store.
func (m *MemoryStore) Delete(_ context.Context, key Key) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.rows, key)
	return nil
}

// List implements Store. It yields a snapshot taken when iteration starts.
func (m *MemoryStore) List(ctx context.Context, q Query) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		m.mu.RLock()
		var out []*Record
		for k, r := range m.rows {
			if q.matches(k) {
				out = append(out, r.clone())
			}
		}
		m.mu.RUnlock()
		slices.SortFunc(out, func(a, b *Record) int {
			return cmp.Or(cmp.Compare(a.User, b.User), cmp.Compare(a.Account.String(), b.Account.String()))
		})
		for _, r := range out {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}
