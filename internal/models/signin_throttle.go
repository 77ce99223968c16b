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
//
// The count is one upsert that adds to what the row holds when it runs
// (never a read, then a write): two instances counting failures of one key
// at the same moment make two more, not one (on PostgreSQL the upsert locks
// the row until the transaction ends; on SQLite the writer is one).
func (s *Store) SigninFail(ctx context.Context, key string, now time.Time, window time.Duration,
	delay func(failures int) time.Duration) (int, time.Time, error) {
	var n int
	var until int64
	ms := now.UnixMilli()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row struct {
			Failures int
			UntilAt  int64
		}
		err := tx.Raw(`INSERT INTO signin_throttle (key, failures, last_at, until_at) VALUES (?, 1, ?, 0)
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN ? - signin_throttle.last_at <= ? THEN signin_throttle.failures + 1 ELSE 1 END,
				last_at = excluded.last_at
			RETURNING failures, until_at`, key, ms, ms, window.Milliseconds()).Scan(&row).Error
		if err != nil {
			return err
		}
		n, until = row.Failures, row.UntilAt
		if d := delay(n); d > 0 && now.Add(d).UnixMilli() > until {
			until = now.Add(d).UnixMilli()
			return tx.Exec(`UPDATE signin_throttle SET until_at = CASE WHEN until_at < ? THEN ? ELSE until_at END WHERE key = ?`,
				until, until, key).Error
		}
		return nil
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	if until <= ms {
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
