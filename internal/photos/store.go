package photos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"storelens/internal/blobs"
)

// Store keeps photos named by the SHA-256 of their bytes (as
// <hash>.jpg in a blobs.Store: files under the data directory, or the
// database's blobs table when several instances share it). Equal photos
// are stored once; a name says nothing about the person. Who may read a
// photo is decided by the caller (the faces service), never by knowing the
// name.
type Store struct{ b blobs.Store }

// ErrNoPhoto is a hash with no photo.
var ErrNoPhoto = errors.New("photos: no such photo")

// opTimeout bounds one store operation. The photo API has no context (its
// callers are deep in the faces service); the database store needs one.
const opTimeout = 30 * time.Second

// NewStore opens (creating) the photo directory, readable only by us.
func NewStore(dir string) (*Store, error) {
	d, err := blobs.NewDir(dir)
	if err != nil {
		return nil, fmt.Errorf("photos: %w", err)
	}
	return &Store{b: d}, nil
}

// On keeps the photos in b.
func On(b blobs.Store) *Store { return &Store{b: b} }

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

func ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

// Put stores data and returns its hash; a photo already there is not
// rewritten (only marked fresh for the sweeper).
func (s *Store) Put(data []byte) (string, error) {
	h := Hash(data)
	c, cancel := ctx()
	defer cancel()
	if err := s.b.Put(c, h+".jpg", data); err != nil {
		return "", fmt.Errorf("photos: store: %w", err)
	}
	return h, nil
}

// Get reads the photo named h.
func (s *Store) Get(h string) ([]byte, error) {
	if !ValidHash(h) {
		return nil, ErrNoPhoto
	}
	c, cancel := ctx()
	defer cancel()
	b, _, err := s.b.Get(c, h+".jpg")
	if errors.Is(err, blobs.ErrNotFound) {
		return nil, ErrNoPhoto
	}
	return b, err
}

// Has reports whether the photo named h is stored.
func (s *Store) Has(h string) bool {
	if !ValidHash(h) {
		return false
	}
	c, cancel := ctx()
	defer cancel()
	ok, _ := s.b.Has(c, h+".jpg")
	return ok
}

// Remove deletes the photo named h; a missing one is not an error.
func (s *Store) Remove(h string) error {
	if !ValidHash(h) {
		return nil
	}
	c, cancel := ctx()
	defer cancel()
	return s.b.Remove(c, h+".jpg")
}

// Walk calls f for every stored photo with its hash and when it was last
// stored.
func (s *Store) Walk(f func(hash string, mod time.Time) error) error {
	return s.b.Walk(context.Background(), func(name string, put time.Time) error {
		h := strings.TrimSuffix(name, ".jpg")
		if !ValidHash(h) || h+".jpg" != name {
			return nil
		}
		return f(h, put)
	})
}
