package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/oauth"
)

// TokenStore is the oauth.Store on the oauth_tokens table. It only ever
// sees oauth.Record values, whose token is AES-GCM ciphertext: wrap it in
// oauth.EncryptedStore, which seals and opens the tokens.
type TokenStore struct{ s *Store }

var _ oauth.Store = TokenStore{}

// Tokens returns the oauth.Store of the database.
func (s *Store) Tokens() TokenStore { return TokenStore{s} }

func accountKey(a metaads.AccountID) string {
	if a.IsZero() {
		return ""
	}
	return a.String()
}

// Put implements oauth.Store.
func (t TokenStore) Put(ctx context.Context, rec *oauth.Record) error {
	if rec == nil || rec.User == "" {
		return errors.New("store: Put: record without a user")
	}
	_, err := t.s.db.SQL.ExecContext(ctx, `
		INSERT INTO oauth_tokens (user_key, account, meta_user_id, key_id, ciphertext, expiry, data_access_expiry, scopes, status, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (user_key, account) DO UPDATE SET
			meta_user_id = excluded.meta_user_id, key_id = excluded.key_id, ciphertext = excluded.ciphertext,
			expiry = excluded.expiry, data_access_expiry = excluded.data_access_expiry, scopes = excluded.scopes,
			status = excluded.status, updated_at = excluded.updated_at`,
		rec.User, accountKey(rec.Account), rec.MetaUserID, rec.KeyID, nullBytes(rec.Ciphertext),
		ms(rec.Expiry), ms(rec.DataAccessExpiry), strings.Join(rec.Scopes, " "), string(rec.Status), ms(rec.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: saving the token row of %s: %w", rec.Key, err)
	}
	return nil
}

// CompareAndSwap implements oauth.Store: one UPDATE whose WHERE clause
// compares the stored ciphertext with old's (a tombstone's NULL never
// matches), so a row disconnected or sealed again meanwhile is left alone.
func (t TokenStore) CompareAndSwap(ctx context.Context, old, rec *oauth.Record) (bool, error) {
	switch {
	case old == nil || rec == nil || rec.User == "":
		return false, errors.New("store: CompareAndSwap: record without a user")
	case old.Key != rec.Key:
		return false, fmt.Errorf("store: CompareAndSwap: old record is for %s, new one for %s", old.Key, rec.Key)
	case len(old.Ciphertext) == 0:
		return false, fmt.Errorf("store: CompareAndSwap: old record of %s holds no ciphertext", old.Key)
	}
	res, err := t.s.db.SQL.ExecContext(ctx, `
		UPDATE oauth_tokens SET meta_user_id = $3, key_id = $4, ciphertext = $5, expiry = $6, data_access_expiry = $7,
			scopes = $8, status = $9, updated_at = $10
		WHERE user_key = $1 AND account = $2 AND ciphertext = $11`,
		rec.User, accountKey(rec.Account), rec.MetaUserID, rec.KeyID, nullBytes(rec.Ciphertext),
		ms(rec.Expiry), ms(rec.DataAccessExpiry), strings.Join(rec.Scopes, " "), string(rec.Status), ms(rec.UpdatedAt), old.Ciphertext)
	if err != nil {
		return false, fmt.Errorf("store: updating the token row of %s: %w", rec.Key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: updating the token row of %s: %w", rec.Key, err)
	}
	return n == 1, nil
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

const tokenCols = `user_key, account, meta_user_id, key_id, ciphertext, expiry, data_access_expiry, scopes, status, updated_at`

func scanRecord(sc interface{ Scan(...any) error }) (*oauth.Record, error) {
	var r oauth.Record
	var account, scopes, status string
	var exp, dexp, upd int64
	if err := sc.Scan(&r.User, &account, &r.MetaUserID, &r.KeyID, &r.Ciphertext, &exp, &dexp, &scopes, &status, &upd); err != nil {
		return nil, err
	}
	if account != "" {
		id, err := metaads.ParseAccountID(account)
		if err != nil {
			return nil, fmt.Errorf("store: token row of user %q has a bad account %q: %w", r.User, account, err)
		}
		r.Account = id
	}
	r.Expiry, r.DataAccessExpiry, r.UpdatedAt = fromMS(exp), fromMS(dexp), fromMS(upd)
	if scopes != "" {
		r.Scopes = strings.Split(scopes, " ")
	}
	r.Status = oauth.ConnectionStatus(status)
	return &r, nil
}

// Get implements oauth.Store.
func (t TokenStore) Get(ctx context.Context, key oauth.Key) (*oauth.Record, error) {
	r, err := scanRecord(t.s.db.SQL.QueryRowContext(ctx,
		`SELECT `+tokenCols+` FROM oauth_tokens WHERE user_key = $1 AND account = $2`, key.User, accountKey(key.Account)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: %s: %w", key, oauth.ErrNoToken)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading the token row of %s: %w", key, err)
	}
	return r, nil
}

// Delete implements oauth.Store.
func (t TokenStore) Delete(ctx context.Context, key oauth.Key) error {
	_, err := t.s.db.SQL.ExecContext(ctx, `DELETE FROM oauth_tokens WHERE user_key = $1 AND account = $2`, key.User, accountKey(key.Account))
	if err != nil {
		return fmt.Errorf("store: deleting the token row of %s: %w", key, err)
	}
	return nil
}

// List implements oauth.Store. Rows are read into memory before the first
// yield, so a caller may write to the store while iterating (SQLite has one
// connection).
func (t TokenStore) List(ctx context.Context, q oauth.Query) iter.Seq2[*oauth.Record, error] {
	return func(yield func(*oauth.Record, error) bool) {
		recs, err := t.list(ctx, q)
		if err != nil {
			yield(nil, err)
			return
		}
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func (t TokenStore) list(ctx context.Context, q oauth.Query) ([]*oauth.Record, error) {
	rows, err := t.s.db.SQL.QueryContext(ctx, `SELECT `+tokenCols+` FROM oauth_tokens
		WHERE ($1 = '' OR user_key = $1) AND ($2 = '' OR account = $2) ORDER BY user_key, account`,
		q.User, accountKey(q.Account))
	if err != nil {
		return nil, fmt.Errorf("store: listing token rows: %w", err)
	}
	defer rows.Close()
	var out []*oauth.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: listing token rows: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReplayStore is the oauth.ReplayStore on the oauth_replay table: the
// primary key makes Use atomic across replicas.
type ReplayStore struct{ s *Store }

var _ oauth.ReplayStore = ReplayStore{}

// Replay returns the database oauth.ReplayStore.
func (s *Store) Replay() ReplayStore { return ReplayStore{s} }

// Use implements oauth.ReplayStore: it inserts id and reports whether the
// insert happened. Expired ids are removed on the way.
func (r ReplayStore) Use(ctx context.Context, id string, expires time.Time) (bool, error) {
	now := r.s.now()
	if _, err := r.s.db.SQL.ExecContext(ctx, `DELETE FROM oauth_replay WHERE expires_at < $1`, ms(now)); err != nil {
		return false, fmt.Errorf("store: replay cleanup: %w", err)
	}
	res, err := r.s.db.SQL.ExecContext(ctx, `INSERT INTO oauth_replay (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, id, ms(expires))
	if err != nil {
		return false, fmt.Errorf("store: replay insert: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: replay insert: %w", err)
	}
	return n == 1, nil
}
