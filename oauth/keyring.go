package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/adpilot/adpilot/internal/redact"
)

// Keyring holds the AES-256 keys that seal stored tokens: one active key
// that seals, and any number of older keys that still open ciphertexts
// sealed before a rotation. Each ciphertext is sealed with AES-256-GCM and
// a random 96-bit nonce, and its key id is stored beside it.
//
// A Keyring is immutable and safe for concurrent use. Its String method
// lists key ids only.
type Keyring struct {
	active string
	aeads  map[string]cipher.AEAD
}

// NewKeyring returns a keyring sealing with keys[active]. Every key must be
// exactly 32 bytes (AES-256) of secret random data; ids must be 1 to 64
// printable ASCII characters without spaces.
//
// To rotate: add a new key, make it active, deploy; old rows keep opening
// with their old key (EncryptedStore.Rekey re-seals them); drop the old key
// once nothing uses it.
func NewKeyring(active string, keys map[string][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("oauth: empty keyring: want at least one 32-byte key")
	}
	if _, ok := keys[active]; !ok {
		return nil, fmt.Errorf("oauth: active key id %q is not in the keyring (ids: %s)", active, strings.Join(sortedKeys(keys), ", "))
	}
	kr := &Keyring{active: active, aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, key := range keys {
		if err := validKeyID(id); err != nil {
			return nil, err
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("oauth: key %q is %d bytes: want exactly 32 (AES-256)", id, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("oauth: key %q: %w", id, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("oauth: key %q: %w", id, err)
		}
		kr.aeads[id] = aead
	}
	return kr, nil
}

func validKeyID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("oauth: key id %q: want 1 to 64 characters", id)
	}
	for _, r := range id {
		if r <= ' ' || r > '~' {
			return fmt.Errorf("oauth: key id %q: want printable ASCII without spaces", id)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// ActiveKeyID returns the id of the key that seals new ciphertexts.
func (k *Keyring) ActiveKeyID() string { return k.active }

// KeyIDs returns the ids of all keys, sorted.
func (k *Keyring) KeyIDs() []string { return sortedKeys(k.aeads) }

// String lists key ids, never key material. It and the other printing
// methods have value receivers, so a Keyring value prints the same.
func (k Keyring) String() string {
	return fmt.Sprintf("oauth.Keyring{active: %q, keys: [%s]}", k.active, strings.Join(sortedKeys(k.aeads), " "))
}

// GoString is String.
func (k Keyring) GoString() string { return k.String() }

// Format prints String for every verb.
func (k Keyring) Format(f fmt.State, verb rune) { redact.Format(f, verb, k.String(), k.GoString()) }

// LogValue logs the key ids.
func (k Keyring) LogValue() slog.Value {
	return slog.GroupValue(slog.String("active", k.active), slog.Any("key_ids", sortedKeys(k.aeads)))
}

// MarshalJSON writes the key ids, never key material.
func (k Keyring) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Active string   `json:"active"`
		KeyIDs []string `json:"key_ids"`
	}{k.active, sortedKeys(k.aeads)})
}

// associatedData binds a ciphertext to its row and key id: a ciphertext
// moved to another user's or account's row, or relabelled with another key
// id, fails to open. Fields are length-prefixed so no two keys collide.
func associatedData(key Key, keyID string) []byte {
	var b []byte
	b = append(b, "adpilot/oauth/token/v1"...)
	for _, f := range []string{key.User, key.Account.String(), keyID} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// seal encrypts plaintext for the row key with the active key.
func (k *Keyring) seal(plaintext []byte, key Key) (keyID string, ciphertext []byte) {
	aead := k.aeads[k.active]
	return k.active, aead.Seal(nil, nil, plaintext, associatedData(key, k.active))
}

// open decrypts a ciphertext of the row key sealed with keyID.
func (k *Keyring) open(keyID string, ciphertext []byte, key Key) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w for %s: key id %q is not in the keyring", ErrDecrypt, key, keyID)
	}
	pt, err := aead.Open(nil, nil, ciphertext, associatedData(key, keyID))
	if err != nil {
		return nil, fmt.Errorf("%w for %s: authentication failed (tampered, or copied from another row)", ErrDecrypt, key)
	}
	return pt, nil
}
