package blobs

import (
	"context"
	"errors"
	"time"

	"storelens/internal/models"
)

// Database keeps one space's blobs in the blobs table.
type Database struct {
	st    *models.Store
	space string
	now   func() time.Time
}

// NewDatabase is the store of space ("faces", "pictures") on st.
func NewDatabase(st *models.Store, space string) *Database {
	return &Database{st: st, space: space, now: time.Now}
}

// Put implements Store.
func (d *Database) Put(ctx context.Context, name string, data []byte) error {
	if !validName(name) {
		return ErrBadName
	}
	return d.st.PutBlob(ctx, d.space, name, data, d.now())
}

// Get implements Store.
func (d *Database) Get(ctx context.Context, name string) ([]byte, time.Time, error) {
	if !validName(name) {
		return nil, time.Time{}, ErrNotFound
	}
	b, at, err := d.st.GetBlob(ctx, d.space, name)
	if errors.Is(err, models.ErrNotFound) {
		return nil, time.Time{}, ErrNotFound
	}
	return b, at, err
}

// Has implements Store.
func (d *Database) Has(ctx context.Context, name string) (bool, error) {
	if !validName(name) {
		return false, nil
	}
	return d.st.HasBlob(ctx, d.space, name)
}

// Remove implements Store.
func (d *Database) Remove(ctx context.Context, name string) error {
	if !validName(name) {
		return nil
	}
	return d.st.RemoveBlob(ctx, d.space, name)
}

// Walk implements Store.
func (d *Database) Walk(ctx context.Context, f func(name string, put time.Time) error) error {
	return d.st.WalkBlobs(ctx, d.space, f)
}
