package models

import (
	"context"
	"time"
)

// The webhook replay cache (migration 0026): the signatures of accepted
// posts, each until its timestamp leaves the accepted window, in the
// database so every instance on it refuses a post another one accepted.

// WebhookReplayAdd records key until until and reports whether it is new:
// false when an unexpired row has it (a replay). One statement: of two
// instances adding one key at once, one gets true.
func (s *Store) WebhookReplayAdd(ctx context.Context, key string, until, now time.Time) (bool, error) {
	var keys []string
	err := s.db.WithContext(ctx).Raw(`INSERT INTO webhook_replays (key, until_at) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET until_at = excluded.until_at WHERE webhook_replays.until_at <= ?
		RETURNING key`, key, until.UnixMilli(), now.UnixMilli()).Scan(&keys).Error
	return len(keys) == 1, err
}

// WebhookReplayForget removes key (a post accepted but not stored: the
// camera's retry must get through).
func (s *Store) WebhookReplayForget(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Exec(`DELETE FROM webhook_replays WHERE key = ?`, key).Error
}

// WebhookReplayPrune deletes the rows expired at now and returns how many.
func (s *Store) WebhookReplayPrune(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM webhook_replays WHERE until_at <= ?`, now.UnixMilli())
	return res.RowsAffected, res.Error
}
