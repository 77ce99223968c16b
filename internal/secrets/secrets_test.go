package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	b, _ := New(key)
	s1, _ := b.Seal("ABCDEFG3F2BB03917123")
	s2, _ := b.Seal("ABCDEFG3F2BB03917123")
	if bytes.Equal(s1, s2) {
		t.Fatal("two seals of the same secret are equal: nonce reused")
	}
	if bytes.Contains(s1, []byte("ABCDEFG3F2BB03917123")) {
		t.Fatal("plaintext visible in sealed value")
	}
	if got, err := b.Open(s1); err != nil || got != "ABCDEFG3F2BB03917123" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(s1); !errors.Is(err, ErrOpen) {
		t.Fatalf("open with another key: %v", err)
	}
	s1[len(s1)-1] ^= 1
	if _, err := b.Open(s1); !errors.Is(err, ErrOpen) {
		t.Fatalf("open of a tampered value: %v", err)
	}
}

func TestLoadKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	k1, err := LoadKey(path, "")
	if err != nil || len(k1) != 32 {
		t.Fatal(k1, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, _ := LoadKey(path, "")
	if !bytes.Equal(k1, k2) {
		t.Fatal("second load made a new key")
	}
	envKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	if k, _ := LoadKey(path, envKey); k[0] != 1 {
		t.Fatal("env key not preferred")
	}
	if _, err := LoadKey(path, "short"); err == nil {
		t.Fatal("bad env key accepted")
	}
}

func TestDerive(t *testing.T) {
	k := bytes.Repeat([]byte{7}, 32)
	a, err := Derive(k, "device-cookie")
	b, _ := Derive(k, "device-cookie")
	c, _ := Derive(k, "other")
	if err != nil || len(a) != 32 || !bytes.Equal(a, b) || bytes.Equal(a, c) || bytes.Equal(a, k) {
		t.Fatalf("derive: %x %x %x %v", a, b, c, err)
	}
	if _, err := Derive(k[:16], "x"); err == nil {
		t.Fatal("short key accepted")
	}
}
