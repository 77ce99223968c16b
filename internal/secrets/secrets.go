// Package secrets seals vendor secrets at rest with AES-256-GCM. The key
// lives outside the database: in a file of the data directory (created with
// mode 0600 on first start) or in the STORELENS_SECRET_KEY environment
// variable, so a copy of the database alone reveals no vendor secret.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Box seals and opens secrets with one key.
type Box struct{ aead cipher.AEAD }

// version prefixes every sealed value so the scheme can change later.
const version byte = 1

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets: key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext; each call uses a fresh nonce.
func (b *Box) Seal(plaintext string) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, []byte(plaintext), []byte{version}), nil
}

// ErrOpen means a sealed value could not be opened: wrong key or tampering.
var ErrOpen = errors.New("secrets: cannot open sealed value (wrong key or damaged)")

// Open decrypts a value made by Seal.
func (b *Box) Open(sealed []byte) (string, error) {
	ns := b.aead.NonceSize()
	if len(sealed) < 1+ns || sealed[0] != version {
		return "", ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], sealed[:1])
	if err != nil {
		return "", ErrOpen
	}
	return string(pt), nil
}

// LoadKey returns the installation key: from env (base64 of 32 bytes) if
// set, else from the file at path, creating it with a random key if absent.
func LoadKey(path, env string) ([]byte, error) {
	if env = strings.TrimSpace(env); env != "" {
		k, err := base64.StdEncoding.DecodeString(env)
		if err != nil || len(k) != 32 {
			return nil, errors.New("secrets: STORELENS_SECRET_KEY must be base64 of 32 bytes")
		}
		return k, nil
	}
	if b, err := os.ReadFile(path); err == nil {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("secrets: %s does not hold base64 of 32 bytes", path)
		}
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("secrets: create key file: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
		return nil, err
	}
	return k, f.Sync()
}

// Derive returns a 32-byte key for one purpose, derived from the
// installation key with HKDF-SHA256: a key that signs something (a cookie)
// without storing another secret, and without using the sealing key itself.
func Derive(key []byte, purpose string) ([]byte, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets: key must be 32 bytes, got %d", len(key))
	}
	return hkdf.Key(sha256.New, key, nil, "storelens/"+purpose, 32)
}
