package models

import (
	"context"
	"time"
)

// DueAlertsExcept is DueAlerts without the channels in except (those the
// worker holds back: a full rate window or a failure's backoff), so one
// channel's backlog cannot fill the batch and starve the others.
func (s *Store) DueAlertsExcept(ctx context.Context, now time.Time, limit int, except []uint) ([]AlertOutbox, error) {
	if len(except) == 0 {
		return s.DueAlerts(ctx, now, limit)
	}
	var out []AlertOutbox
	err := s.db.WithContext(ctx).Where("state = ? AND next_at <= ? AND channel_id NOT IN ?", OutboxPending, now.UTC(), except).
		Order("id").Limit(limit).Find(&out).Error
	return out, err
}
