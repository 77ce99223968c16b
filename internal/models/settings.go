package models

import (
	"context"

	"gorm.io/gorm/clause"
)

// Setting returns the value of an installation setting, "" if unset.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v []string
	err := s.db.WithContext(ctx).Model(&AppSetting{}).Where("key = ?", key).Pluck("value", &v).Error
	if err != nil || len(v) == 0 {
		return "", err
	}
	return v[0], nil
}

// SetSetting stores an installation setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).
		Create(&AppSetting{Key: key, Value: value}).Error
}
