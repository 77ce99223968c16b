package models

import (
	"context"
	"sort"
)

// SenseLinkLinks maps every SenseLink account a shop links (migration
// 0007) to the shops linking it, ids ascending: the record push follows
// these links (internal/events).
func (s *Store) SenseLinkLinks(ctx context.Context) (map[uint][]uint, error) {
	var rows []struct {
		ID                 uint
		SenseLinkAccountID uint `gorm:"column:senselink_account_id"`
	}
	err := s.db.WithContext(ctx).Table("shops").Select("id, senselink_account_id").
		Where("senselink_account_id IS NOT NULL").Order("id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := map[uint][]uint{}
	for _, r := range rows {
		out[r.SenseLinkAccountID] = append(out[r.SenseLinkAccountID], r.ID)
	}
	for _, ids := range out {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	}
	return out, nil
}

// SetCameraHookCallback records the callback a camera was subscribed to
// post its webhooks to (migration 0011; "" once our subscription is
// deleted), so its page shows it.
func (s *Store) SetCameraHookCallback(ctx context.Context, cameraID uint, callback string) error {
	res := s.db.WithContext(ctx).Model(&Camera{}).Where("id = ?", cameraID).Update("hook_callback", callback)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}
