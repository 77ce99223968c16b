package photos

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Store keeps photos as files named by the SHA-256 of their bytes, under
// dir/<first two hex digits>/<hash>.jpg. Equal photos are stored once; a
// name says nothing about the person. Who may read a photo is decided by
// the caller (the faces service), never by knowing the name.
type Store struct{ dir string }

// ErrNoPhoto is a hash with no file.
var ErrNoPhoto = errors.New("photos: no such photo")

// NewStore opens (creating) the photo directory, readable only by us.
func NewStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("photos: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Hash is the name a photo is stored under.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ValidHash reports whether h could be a stored name (64 lower-case hex
// digits), so a request can never name a path.
func ValidHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *Store) path(h string) string { return filepath.Join(s.dir, h[:2], h+".jpg") }

// Put stores data and returns its hash. Writing is atomic (a temporary
// file renamed into place), and a photo already there is not rewritten.
func (s *Store) Put(data []byte) (string, error) {
	h := Hash(data)
	p := s.path(h)
	if _, err := os.Stat(p); err == nil {
		now := time.Now()
		_ = os.Chtimes(p, now, now) // fresh again for the sweeper
		return h, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return "", err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("photos: store: %w", err)
	}
	return h, nil
}

// Get reads the photo named h.
func (s *Store) Get(h string) ([]byte, error) {
	if !ValidHash(h) {
		return nil, ErrNoPhoto
	}
	b, err := os.ReadFile(s.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoPhoto
	}
	return b, err
}

// Has reports whether the photo named h is stored.
func (s *Store) Has(h string) bool {
	if !ValidHash(h) {
		return false
	}
	_, err := os.Stat(s.path(h))
	return err == nil
}

// Remove deletes the photo named h; a missing one is not an error.
func (s *Store) Remove(h string) error {
	if !ValidHash(h) {
		return nil
	}
	err := os.Remove(s.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Walk calls f for every stored photo with its hash and modification time.
func (s *Store) Walk(f func(hash string, mod time.Time) error) error {
	return filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		h := strings.TrimSuffix(name, ".jpg")
		if !ValidHash(h) || h+".jpg" != name {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		return f(h, info.ModTime())
	})
}
