package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/adpilot/adpilot/internal/redact"
)

// Layout of a state value before base64url encoding:
//
//	version(1) | issued-at unix seconds(8) | nonce(16) | HMAC-SHA256(32)
//
// The MAC covers the first 25 bytes and the browser-session identifier,
// which is never part of the state itself.
const (
	stateVersion   = 1
	stateNonceLen  = 16
	stateBodyLen   = 1 + 8 + stateNonceLen
	stateRawLen    = stateBodyLen + sha256.Size
	stateMaxSkew   = time.Minute
	minStateKeyLen = 32

	// DefaultStateTTL is how long a state value stays valid.
	DefaultStateTTL = 10 * time.Minute
)

var (
	stateMACLabel  = []byte("adpilot/oauth/state/v1\x00")
	statePKCELabel = []byte("adpilot/oauth/pkce/v1\x00")
	stateEncoding  = base64.RawURLEncoding.Strict()
)

// States issues and verifies the OAuth state parameter. A state is signed
// with HMAC-SHA256, bound to a browser-session identifier (never embedded in
// the state), expires after a TTL, and is accepted once. It carries no
// server-side data, so any replica holding one of the keys can verify it;
// single use is enforced by the ReplayStore, which must be shared between
// replicas for that guarantee to hold across them.
//
// States also derives the PKCE code verifier from the state and the key, so
// the verifier needs no storage either and never travels in a URL.
//
// A States is safe for concurrent use.
type States struct {
	// keys is the key material, hidden so that no fmt verb shows it even
	// where fmt cannot call States' printing methods (a States in an
	// unexported field of the caller's struct; see redact.Hidden).
	keys   redact.Hidden[[][]byte]
	ttl    time.Duration
	now    func() time.Time
	replay ReplayStore
}

// String describes the states without key material. It and the other
// printing methods have value receivers, so a States value prints the same.
func (s States) String() string {
	return fmt.Sprintf("oauth.States{keys: %d (redacted), ttl: %s}", len(s.keyList()), s.ttl)
}

// GoString is String.
func (s States) GoString() string { return s.String() }

// Format prints String for every verb.
func (s States) Format(f fmt.State, verb rune) { redact.Format(f, verb, s.String(), s.GoString()) }

// LogValue logs the number of keys and the TTL.
func (s States) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("keys", len(s.keyList())), slog.Duration("ttl", s.ttl))
}

// MarshalJSON writes the number of keys and the TTL, never key material.
func (s States) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Keys int    `json:"keys"`
		TTL  string `json:"ttl"`
	}{len(s.keyList()), s.ttl.String()})
}

// keyList returns the keys, none for the zero States.
func (s States) keyList() [][]byte {
	if p := s.keys.Get(); p != nil {
		return *p
	}
	return nil
}

// NewStates returns a States signing with keys[0] and accepting any of keys
// (so keys can rotate: put the new key first and keep the old one until
// the TTL has passed). Each key must be at least 32 bytes of secret random
// data. Options: WithClock, WithStateTTL, WithReplayStore.
func NewStates(keys [][]byte, opts ...Option) (*States, error) {
	s, err := newSettings(opts)
	if err != nil {
		return nil, err
	}
	return newStates(keys, s)
}

func newStates(keys [][]byte, s *settings) (*States, error) {
	if len(keys) == 0 {
		return nil, errors.New("oauth: no state keys: want at least one secret key of 32 or more random bytes")
	}
	st := &States{ttl: s.stateTTL, now: s.now, replay: s.replay}
	own := make([][]byte, 0, len(keys))
	for i, k := range keys {
		if len(k) < minStateKeyLen {
			return nil, fmt.Errorf("oauth: state key %d is %d bytes: want at least %d random bytes", i, len(k), minStateKeyLen)
		}
		own = append(own, append([]byte(nil), k...))
	}
	st.keys = redact.Hide(own)
	if st.replay == nil {
		st.replay = NewMemoryReplayStore(s.now)
	}
	return st, nil
}

// Issue returns a fresh state for the browser session and the PKCE code
// verifier that goes with it. sessionID identifies the browser (for
// example a random value in an HttpOnly cookie); it must not be empty.
func (s *States) Issue(sessionID string) (state, verifier string, err error) {
	if sessionID == "" {
		return "", "", errors.New("oauth: empty browser-session id: want the identifier of the browser that starts the login")
	}
	var raw [stateRawLen]byte
	raw[0] = stateVersion
	binary.BigEndian.PutUint64(raw[1:9], uint64(s.now().Unix()))
	if _, err := rand.Read(raw[9:stateBodyLen]); err != nil {
		return "", "", fmt.Errorf("oauth: reading random nonce: %w", err)
	}
	s.mac(raw[stateBodyLen:stateBodyLen], s.keyList()[0], raw[:stateBodyLen], sessionID)
	return stateEncoding.EncodeToString(raw[:]), pkceVerifier(s.keyList()[0], raw[9:stateBodyLen]), nil
}

func (s *States) mac(dst, key, body []byte, sessionID string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(stateMACLabel)
	m.Write(body)
	m.Write([]byte(sessionID))
	return m.Sum(dst)
}

func pkceVerifier(key, nonce []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(statePKCELabel)
	m.Write(nonce)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)) // 43 chars, RFC 7636 alphabet
}

// Verify checks that state was issued by a current key to the browser
// session sessionID, has not expired, and has not been used before; it then
// marks it used and returns its PKCE verifier. Errors match ErrStateInvalid,
// ErrStateExpired or ErrStateReused; a ReplayStore failure is returned as is.
func (s *States) Verify(ctx context.Context, state, sessionID string) (verifier string, err error) {
	if state == "" {
		return "", fmt.Errorf("%w: the callback has no state parameter", ErrStateInvalid)
	}
	if sessionID == "" {
		return "", fmt.Errorf("%w: no browser session to check it against (cookie missing?)", ErrStateInvalid)
	}
	if stateEncoding.DecodedLen(len(state)) != stateRawLen {
		return "", fmt.Errorf("%w: wrong length %d", ErrStateInvalid, len(state))
	}
	var raw [stateRawLen]byte
	n, err := stateEncoding.Decode(raw[:], []byte(state))
	if err != nil || n != stateRawLen {
		return "", fmt.Errorf("%w: not base64url", ErrStateInvalid)
	}
	if raw[0] != stateVersion {
		return "", fmt.Errorf("%w: unknown version %d", ErrStateInvalid, raw[0])
	}
	var key []byte
	var buf [sha256.Size]byte
	for _, k := range s.keyList() {
		// hmac.Equal compares in constant time; every key is tried so the
		// time taken does not reveal which key matched.
		if hmac.Equal(s.mac(buf[:0], k, raw[:stateBodyLen], sessionID), raw[stateBodyLen:]) && key == nil {
			key = k
		}
	}
	if key == nil {
		return "", fmt.Errorf("%w: signature does not match (altered, signed with a retired key, or issued to another browser session or user)", ErrStateInvalid)
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(raw[1:9])), 0)
	now := s.now()
	if issued.After(now.Add(stateMaxSkew)) {
		return "", fmt.Errorf("%w: issued in the future (%s)", ErrStateInvalid, issued.UTC().Format(time.RFC3339))
	}
	expires := issued.Add(s.ttl)
	if !now.Before(expires) {
		return "", fmt.Errorf("%w: issued %s ago, limit %s", ErrStateExpired, now.Sub(issued).Truncate(time.Second), s.ttl)
	}
	nonce := raw[9:stateBodyLen]
	fresh, err := s.replay.Use(ctx, hex.EncodeToString(nonce), expires)
	if err != nil {
		return "", fmt.Errorf("oauth: recording state use: %w", err)
	}
	if !fresh {
		return "", ErrStateReused
	}
	return pkceVerifier(key, nonce), nil
}

// ReplayStore remembers which state values were used, so each is accepted
// once. Replicas behind a load balancer must share one (for example a
// database table with a unique key and an expiry column).
type ReplayStore interface {
	// Use marks id as used until expires and reports whether it was unused
	// before. It must be atomic: of two concurrent calls with the same id,
	// exactly one may return true.
	Use(ctx context.Context, id string, expires time.Time) (fresh bool, err error)
}

// MemoryReplayStore is an in-process ReplayStore. Entries are dropped once
// they expire. It suits a single process; use a shared store for replicas.
type MemoryReplayStore struct {
	now       func() time.Time
	mu        sync.Mutex
	used      map[string]time.Time
	nextPrune int
}

// NewMemoryReplayStore returns an empty store using now as its clock (nil
// means time.Now).
func NewMemoryReplayStore(now func() time.Time) *MemoryReplayStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryReplayStore{now: now, used: make(map[string]time.Time), nextPrune: 64}
}

// Use implements ReplayStore.
func (m *MemoryReplayStore) Use(_ context.Context, id string, expires time.Time) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if exp, ok := m.used[id]; ok && now.Before(exp) {
		return false, nil
	}
	if len(m.used) >= m.nextPrune {
		for k, exp := range m.used {
			if !now.Before(exp) {
				delete(m.used, k)
			}
		}
		m.nextPrune = max(64, 2*len(m.used))
	}
	m.used[id] = expires
	return true, nil
}
