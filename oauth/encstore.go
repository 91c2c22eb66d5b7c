package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"time"

	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/internal/redact"
	"github.com/adpilot/adpilot/metaads"
)

// Connection is a stored token in the clear, as EncryptedStore hands it to
// this package's flows and to callers. Its String method redacts the token.
//
// One way of printing a Connection is beyond any method: in an unexported
// field of another struct, fmt cannot call the Connection's methods and prints
// its fields by reflection, token included. Keep a Connection in exported
// fields, slices or maps, where every fmt verb, slog handler and
// encoding/json use its redacting methods.
type Connection struct {
	// Key names the row: the application user and the ad account.
	Key
	// MetaUserID is the Meta (app-scoped) user id the token belongs to.
	MetaUserID string
	// Token is the access token (nil for a disconnected tombstone). Its
	// Expiry mirrors the record's.
	Token *oauth2.Token
	// DataAccessExpiry is when Meta stops serving data for the token unless
	// the user logs in again; zero when unknown or not applicable.
	DataAccessExpiry time.Time
	// Scopes are the granted permissions, sorted.
	Scopes []string
	// Status is the connection's lifecycle status.
	Status ConnectionStatus
	// UpdatedAt is when the row was last saved (set by EncryptedStore.Save).
	UpdatedAt time.Time
}

// String describes the connection without its token. It and the other
// printing methods have value receivers, so a Connection prints without
// its token as a value, through a pointer, or as a field of another struct.
func (c Connection) String() string {
	exp := "never"
	if c.Token != nil && !c.Token.Expiry.IsZero() {
		exp = c.Token.Expiry.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("oauth.Connection{%s, status: %s, expires: %s, scopes: %v, token: %s}", c.Key, c.Status, exp, c.Scopes, c.tokenMark())
}

func (c Connection) tokenMark() string {
	if c.Token == nil {
		return "none"
	}
	return "redacted"
}

// GoString is String, so %#v does not print the token either.
func (c Connection) GoString() string { return c.String() }

// Format prints String for every verb (GoString for %#v), so no verb shows
// the token.
func (c Connection) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String(), c.GoString()) }

// LogValue logs the connection's key, status, expiries and scopes; never
// the token.
func (c Connection) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", c.User), slog.String("account", c.Account.String()),
		slog.String("meta_user_id", c.MetaUserID), slog.String("status", string(c.Status)),
		slog.Time("expiry", c.Expiry()), slog.Time("data_access_expiry", c.DataAccessExpiry),
		slog.Any("scopes", c.Scopes), slog.String("token", c.tokenMark()))
}

// MarshalJSON writes the connection's metadata with the token replaced by
// "redacted" (or "none" for a tombstone). It is for logs and
// diagnostics: store connections with a Store, which seals the token.
func (c Connection) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		User             string           `json:"user"`
		Account          string           `json:"account,omitempty"`
		MetaUserID       string           `json:"meta_user_id,omitempty"`
		Token            string           `json:"token"`
		Expiry           time.Time        `json:"expiry,omitzero"`
		DataAccessExpiry time.Time        `json:"data_access_expiry,omitzero"`
		Scopes           []string         `json:"scopes,omitempty"`
		Status           ConnectionStatus `json:"status,omitempty"`
		UpdatedAt        time.Time        `json:"updated_at,omitzero"`
	}{c.User, accountString(c.Account), c.MetaUserID, c.tokenMark(), c.Expiry(), c.DataAccessExpiry, c.Scopes, c.Status, c.UpdatedAt})
}

func accountString(a metaads.AccountID) string {
	if a.IsZero() {
		return ""
	}
	return a.String()
}

// Expiry returns the token expiry (zero when it does not expire or there is
// no token).
func (c Connection) Expiry() time.Time {
	if c.Token == nil {
		return time.Time{}
	}
	return c.Token.Expiry
}

// EncryptedStore wraps any Store: it seals each access token with the
// keyring's active key before handing the record to the inner store, and
// opens it on the way out. Associated data binds every ciphertext to its
// user, ad account and key id, so a ciphertext copied into another row does
// not open.
type EncryptedStore struct {
	inner Store
	keys  *Keyring
	now   func() time.Time
}

// String describes the store by its keyring (key ids only).
func (e EncryptedStore) String() string {
	if e.keys == nil {
		return "oauth.EncryptedStore{}"
	}
	return "oauth.EncryptedStore{" + e.keys.String() + "}"
}

// Format prints String for every verb.
func (e EncryptedStore) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, e.String(), e.String())
}

// LogValue logs the keyring's key ids.
func (e EncryptedStore) LogValue() slog.Value {
	if e.keys == nil {
		return slog.GroupValue()
	}
	return e.keys.LogValue()
}

// MarshalJSON writes the keyring's key ids (see Keyring.MarshalJSON).
func (e EncryptedStore) MarshalJSON() ([]byte, error) {
	if e.keys == nil {
		return []byte("{}"), nil
	}
	return e.keys.MarshalJSON()
}

// NewEncryptedStore wraps inner with keys. The only option used is
// WithClock (for UpdatedAt).
func NewEncryptedStore(inner Store, keys *Keyring, opts ...Option) (*EncryptedStore, error) {
	if inner == nil {
		return nil, errors.New("oauth: NewEncryptedStore: nil inner Store")
	}
	if keys == nil {
		return nil, errors.New("oauth: NewEncryptedStore: nil Keyring")
	}
	s, err := newSettings(opts)
	if err != nil {
		return nil, err
	}
	return &EncryptedStore{inner: inner, keys: keys, now: s.now}, nil
}

// Inner returns the wrapped store.
func (e *EncryptedStore) Inner() Store { return e.inner }

// Save seals c.Token and writes the record. A nil Token writes a tombstone
// without ciphertext. Status defaults to StatusConnected.
func (e *EncryptedStore) Save(ctx context.Context, c *Connection) error {
	if c == nil {
		return errors.New("oauth: EncryptedStore.Save(nil)")
	}
	rec, err := e.seal(c)
	if err != nil {
		return err
	}
	if err := e.inner.Put(ctx, rec); err != nil {
		return fmt.Errorf("oauth: saving %s: %w", c.Key, err)
	}
	return nil
}

// swap seals c and writes it over old only where the stored record still
// holds old's token (Store.CompareAndSwap).
func (e *EncryptedStore) swap(ctx context.Context, old *Record, c *Connection) (bool, error) {
	rec, err := e.seal(c)
	if err != nil {
		return false, err
	}
	ok, err := e.inner.CompareAndSwap(ctx, old, rec)
	if err != nil {
		return false, fmt.Errorf("oauth: saving %s: %w", c.Key, err)
	}
	return ok, nil
}

// mark sets the status of old to st where the stored record still holds
// old's token, without opening or re-sealing it.
func (e *EncryptedStore) mark(ctx context.Context, old *Record, st ConnectionStatus) (bool, error) {
	rec := old.clone()
	rec.Status, rec.UpdatedAt = st, e.now()
	ok, err := e.inner.CompareAndSwap(ctx, old, rec)
	if err != nil {
		return false, fmt.Errorf("oauth: marking %s %s: %w", old.Key, st, err)
	}
	return ok, nil
}

// seal makes the record of c, its token sealed with the active key.
func (e *EncryptedStore) seal(c *Connection) (*Record, error) {
	if err := c.Key.validate(); err != nil {
		return nil, err
	}
	rec := &Record{
		Key:              c.Key,
		MetaUserID:       c.MetaUserID,
		DataAccessExpiry: c.DataAccessExpiry,
		Scopes:           slices.Sorted(slices.Values(c.Scopes)),
		Status:           c.Status,
		UpdatedAt:        e.now(),
	}
	if rec.Status == "" {
		rec.Status = StatusConnected
	}
	if !rec.Status.Valid() {
		return nil, fmt.Errorf("oauth: invalid status %q for %s", c.Status, c.Key)
	}
	if c.Token != nil {
		if c.Token.AccessToken == "" {
			return nil, fmt.Errorf("oauth: empty access token for %s", c.Key)
		}
		rec.Expiry = c.Token.Expiry
		rec.KeyID, rec.Ciphertext = e.keys.seal([]byte(c.Token.AccessToken), c.Key)
	}
	return rec, nil
}

// Load reads and opens the record for key. A missing record gives an error
// matching ErrNoToken; a ciphertext that does not open gives ErrDecrypt.
func (e *EncryptedStore) Load(ctx context.Context, key Key) (*Connection, error) {
	rec, err := e.inner.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return e.open(rec)
}

func (e *EncryptedStore) open(rec *Record) (*Connection, error) {
	c := &Connection{
		Key:              rec.Key,
		MetaUserID:       rec.MetaUserID,
		DataAccessExpiry: rec.DataAccessExpiry,
		Scopes:           slices.Clone(rec.Scopes),
		Status:           rec.Status,
		UpdatedAt:        rec.UpdatedAt,
	}
	if len(rec.Ciphertext) == 0 {
		return c, nil
	}
	pt, err := e.keys.open(rec.KeyID, rec.Ciphertext, rec.Key)
	if err != nil {
		return nil, err
	}
	c.Token = &oauth2.Token{AccessToken: string(pt), TokenType: "Bearer", Expiry: rec.Expiry}
	return c, nil
}

// Delete removes the record for key.
func (e *EncryptedStore) Delete(ctx context.Context, key Key) error {
	return e.inner.Delete(ctx, key)
}

// List yields the opened connections matching q. A row that fails to open
// yields its error and iteration continues.
func (e *EncryptedStore) List(ctx context.Context, q Query) iter.Seq2[*Connection, error] {
	return func(yield func(*Connection, error) bool) {
		for rec, err := range e.inner.List(ctx, q) {
			if err != nil {
				yield(nil, err)
				return
			}
			c, err := e.open(rec)
			if !yield(c, err) {
				return
			}
		}
	}
}

// Rekey re-seals every record not sealed with the active key and reports
// how many it rewrote. Rows that fail to open are skipped and reported in
// the joined error. A row written meanwhile (a Disconnect, a renewal) keeps
// what was written: Rekey replaces only the ciphertext it read
// (Store.CompareAndSwap).
func (e *EncryptedStore) Rekey(ctx context.Context) (int, error) {
	var stale []*Record
	var errs []error
	for rec, err := range e.inner.List(ctx, Query{}) {
		if err != nil {
			return 0, err
		}
		if len(rec.Ciphertext) > 0 && rec.KeyID != e.keys.ActiveKeyID() {
			stale = append(stale, rec)
		}
	}
	n := 0
	for _, rec := range stale {
		pt, err := e.keys.open(rec.KeyID, rec.Ciphertext, rec.Key)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		next := rec.clone()
		next.KeyID, next.Ciphertext = e.keys.seal(pt, rec.Key)
		clear(pt)
		ok, err := e.inner.CompareAndSwap(ctx, rec, next)
		if err != nil {
			errs = append(errs, fmt.Errorf("oauth: re-sealing %s: %w", rec.Key, err))
			continue
		}
		if ok {
			n++
		}
	}
	return n, errors.Join(errs...)
}
