package models

import (
	"context"
	"time"
)

// LANClip is a clip a LAN camera cut (migration 0009). URL is the camera's
// and carries its auth_key: never shown to a browser.
type LANClip struct {
	ID        uint `gorm:"primaryKey"`
	CameraID  uint
	URL       string `gorm:"column:url"`
	Preceding int
	Following int
	ReadyAt   time.Time
	CreatedAt time.Time
	CreatedBy string
}

// TableName is the clips table.
func (LANClip) TableName() string { return "lan_clips" }

// AddLANClip stores a clip.
func (s *Store) AddLANClip(ctx context.Context, c *LANClip) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.Now()
	}
	return s.db.WithContext(ctx).Create(c).Error
}

// LANClips lists a camera's latest clips, newest first.
func (s *Store) LANClips(ctx context.Context, cameraID uint, limit int) ([]LANClip, error) {
	var out []LANClip
	err := s.db.WithContext(ctx).Where("camera_id = ?", cameraID).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// LANClip returns one clip of the camera (ErrNotFound for another's).
func (s *Store) LANClip(ctx context.Context, cameraID, id uint) (LANClip, error) {
	var c LANClip
	err := s.db.WithContext(ctx).Where("camera_id = ? AND id = ?", cameraID, id).Take(&c).Error
	return c, translate(err)
}
