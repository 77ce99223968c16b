// Package blobs keeps the files StoreLens stores by name: face photos and
// event pictures, each named by its content hash and under a few hundred
// kilobytes. Two stores, one interface:
//
//   - Dir, files in the data directory: the embedded SQLite's one machine.
//   - Database, rows of the blobs table (migration 0029): on PostgreSQL,
//     where several instances serve the same shops, a photo enrolled
//     through one instance is shown and sent to cameras by every other.
//
// The database rather than an S3-compatible store: the files are small
// (a photo is under 1 MB, a capture tens of kilobytes), written once and
// read a few times, and PostgreSQL is already there, backed up with the
// rows that name them; BENCHMARKS.md "Shared files" has the rates of both
// stores measured side by side. An S3 store would be a third
// implementation of Store.
//
// Names are checked by the callers (photos.ValidHash, the pictures'
// pattern); a store refuses any name that could leave its space.
package blobs

import (
	"context"
	"errors"
	"strings"
	"time"
)

// ErrNotFound is a name with nothing stored.
var ErrNotFound = errors.New("blobs: not found")

// Store keeps blobs by name.
type Store interface {
	// Put stores data under name; one already there is kept (equal
	// names are equal contents) and counts as fresh again.
	Put(ctx context.Context, name string, data []byte) error
	// Get reads a blob and when it was last put.
	Get(ctx context.Context, name string) ([]byte, time.Time, error)
	// Has reports whether name is stored.
	Has(ctx context.Context, name string) (bool, error)
	// Remove deletes name; a missing one is not an error.
	Remove(ctx context.Context, name string) error
	// Walk calls f for every stored name with when it was last put.
	Walk(ctx context.Context, f func(name string, put time.Time) error) error
}

// validName refuses what could name a path elsewhere: only letters,
// digits, '.', '-' and '_', at least three characters (Dir files a blob
// under its first two), and no leading dot.
func validName(name string) bool {
	if len(name) < 3 || len(name) > 200 || name[0] == '.' || strings.Contains(name, "..") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ErrBadName is a name a store refuses.
var ErrBadName = errors.New("blobs: invalid name")
