package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// The sign-in throttle's counters (migration 0013). The policy (which keys,
// how long a wait) is internal/auth's; these are the atomic operations on the
// rows, so several instances on one database share one set of counters.

// SigninWait returns the latest time until which any of keys must wait (the
// zero time when none has to).
func (s *Store) SigninWait(ctx context.Context, keys []string, now time.Time) (time.Time, error) {
	if len(keys) == 0 {
		return time.Time{}, nil
	}
	var until int64
	err := s.db.WithContext(ctx).Raw(`SELECT COALESCE(MAX(until_at), 0) FROM signin_throttle WHERE key IN ? AND until_at > ?`,
		keys, now.UnixMilli()).Scan(&until).Error
	if err != nil || until == 0 {
		return time.Time{}, err
	}
	return time.UnixMilli(until).UTC(), nil
}

// SigninFail counts one failure against key, in one transaction: a counter
// idle for longer than window starts again at 1. delay(n) is the wait the
// n-th failure imposes (0 for none); the row keeps the later of that and any
// wait it already had. It returns the new count and the wait's end.
func (s *Store) SigninFail(ctx context.Context, key string, now time.Time, window time.Duration,
	delay func(failures int) time.Duration) (int, time.Time, error) {
	var n int
	var until int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row struct {
			Failures int
			LastAt   int64
			UntilAt  int64
		}
		res := tx.Raw(`SELECT failures, last_at, until_at FROM signin_throttle WHERE key = ?`, key).Scan(&row)
		if res.Error != nil {
			return res.Error
		}
		n = 1
		if res.RowsAffected > 0 && now.UnixMilli()-row.LastAt <= window.Milliseconds() {
			n = row.Failures + 1
		}
		if d := delay(n); d > 0 {
			until = now.Add(d).UnixMilli()
		}
		until = max(until, row.UntilAt)
		return tx.Exec(`INSERT INTO signin_throttle (key, failures, last_at, until_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at, until_at = excluded.until_at`,
			key, n, now.UnixMilli(), until).Error
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	if until <= now.UnixMilli() {
		return n, time.Time{}, nil
	}
	return n, time.UnixMilli(until).UTC(), nil
}

// SigninClear forgets keys' counters.
func (s *Store) SigninClear(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	return s.db.WithContext(ctx).Exec(`DELETE FROM signin_throttle WHERE key IN ?`, keys).Error
}

// SigninSweep deletes counters idle for longer than window and not waiting,
// then, if more than keep remain, the least recently failed ones. It returns
// how many rows remain.
func (s *Store) SigninSweep(ctx context.Context, now time.Time, window time.Duration, keep int) (int64, error) {
	db := s.db.WithContext(ctx)
	if err := db.Exec(`DELETE FROM signin_throttle WHERE last_at < ? AND until_at <= ?`,
		now.Add(-window).UnixMilli(), now.UnixMilli()).Error; err != nil {
		return 0, err
	}
	if err := db.Exec(`DELETE FROM signin_throttle WHERE key IN
		(SELECT key FROM signin_throttle ORDER BY last_at DESC `+s.dialect.offsetOnly()+`)`, keep).Error; err != nil {
		return 0, err
	}
	var n int64
	err := db.Raw(`SELECT COUNT(*) FROM signin_throttle`).Scan(&n).Error
	return n, err
}
