package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// The blobs table (migration 0029): named files kept in the database
// (internal/blobs.Database). Raw statements, as for the replay cache: a
// blob is bytes and a name, and the upsert is one statement on both
// databases.

// PutBlob stores data under (space, name), or marks the one there fresh.
func (s *Store) PutBlob(ctx context.Context, space, name string, data []byte, now time.Time) error {
	return s.db.WithContext(ctx).Exec(`INSERT INTO blobs (space, name, data, put_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (space, name) DO UPDATE SET put_at = excluded.put_at`, space, name, data, now.UnixMilli()).Error
}

// GetBlob reads a blob and when it was last put; ErrNotFound when none.
func (s *Store) GetBlob(ctx context.Context, space, name string) ([]byte, time.Time, error) {
	var row struct {
		Data  []byte
		PutAt int64
	}
	err := s.db.WithContext(ctx).Raw(`SELECT data, put_at FROM blobs WHERE space = ? AND name = ?`, space, name).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, time.Time{}, ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	return row.Data, time.UnixMilli(row.PutAt), nil
}

// HasBlob reports whether (space, name) is stored.
func (s *Store) HasBlob(ctx context.Context, space, name string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM blobs WHERE space = ? AND name = ?`, space, name).Scan(&n).Error
	return n > 0, err
}

// RemoveBlob deletes (space, name); a missing one is not an error.
func (s *Store) RemoveBlob(ctx context.Context, space, name string) error {
	return s.db.WithContext(ctx).Exec(`DELETE FROM blobs WHERE space = ? AND name = ?`, space, name).Error
}

// WalkBlobs calls f for every name of space with when it was last put, in
// name order, a page at a time (no blob's bytes are read).
func (s *Store) WalkBlobs(ctx context.Context, space string, f func(name string, put time.Time) error) error {
	after := ""
	for {
		var rows []struct {
			Name  string
			PutAt int64
		}
		if err := s.db.WithContext(ctx).Raw(`SELECT name, put_at FROM blobs WHERE space = ? AND name > ? ORDER BY name LIMIT 500`,
			space, after).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if err := f(r.Name, time.UnixMilli(r.PutAt)); err != nil {
				return err
			}
			after = r.Name
		}
		if len(rows) < 500 {
			return nil
		}
	}
}
