package models

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Cameras lists the cameras of a shop by name. The caller has already
// checked that the shop is in the user's scope.
func (s *Store) Cameras(ctx context.Context, shopID uint) ([]Camera, error) {
	var cams []Camera
	err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).Order("name, id").Find(&cams).Error
	return cams, err
}

// Camera returns camera id of shop shopID; a camera of another shop is
// ErrNotFound.
func (s *Store) Camera(ctx context.Context, shopID, id uint) (Camera, error) {
	var cam Camera
	err := s.db.WithContext(ctx).Where("shop_id = ?", shopID).First(&cam, id).Error
	return cam, translate(err)
}

// SyncCameras makes the shop's cameras of one vendor exactly cams: new ones
// are added, known ones (by vendor and SN) updated, possibly moved here from
// another shop, and ones the vendor no longer lists removed.
func (s *Store) SyncCameras(ctx context.Context, shopID uint, vendor string, cams []Camera) error {
	now := s.Now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sns := make([]string, 0, len(cams))
		for i := range cams {
			c := &cams[i]
			c.ShopID, c.Vendor, c.SyncedAt = shopID, vendor, &now
			sns = append(sns, c.SN)
		}
		del := tx.Where("shop_id = ? AND vendor = ?", shopID, vendor)
		if len(sns) > 0 {
			del = del.Where("sn NOT IN ?", sns)
		}
		if err := del.Delete(&Camera{}).Error; err != nil {
			return err
		}
		if len(cams) == 0 {
			return nil
		}
		return tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "vendor"}, {Name: "sn"}},
			DoUpdates: clause.AssignmentColumns([]string{
				"shop_id", "vendor_device_id", "name", "model", "firmware", "online",
				"last_connect_at", "check_version_at", "screenshot_url", "synced_at", "updated_at",
			}),
		}).CreateInBatches(cams, 100).Error
	})
}

// UpsertCamera stores one camera seen at its vendor (after a bind or a
// detail refresh), keyed by vendor and SN.
func (s *Store) UpsertCamera(ctx context.Context, cam *Camera) error {
	now := s.Now()
	cam.SyncedAt = &now
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "vendor"}, {Name: "sn"}},
		DoUpdates: clause.AssignmentColumns([]string{
			"shop_id", "vendor_device_id", "name", "model", "firmware", "mac", "online",
			"last_connect_at", "check_version_at", "screenshot_url", "synced_at", "updated_at",
		}),
	}).Create(cam).Error)
}

// RenameCamera sets a camera's name.
func (s *Store) RenameCamera(ctx context.Context, id uint, name string) error {
	return s.db.WithContext(ctx).Model(&Camera{}).Where("id = ?", id).Update("name", name).Error
}

// DeleteCamera removes a camera (after an unbind).
func (s *Store) DeleteCamera(ctx context.Context, id uint) error {
	return s.db.WithContext(ctx).Delete(&Camera{}, id).Error
}

// CamerasBySN maps SNs of one vendor to the local cameras that have them.
func (s *Store) CamerasBySN(ctx context.Context, vendor string, sns []string) (map[string]Camera, error) {
	out := map[string]Camera{}
	if len(sns) == 0 {
		return out, nil
	}
	var cams []Camera
	if err := s.db.WithContext(ctx).Where("vendor = ? AND sn IN ?", vendor, sns).Find(&cams).Error; err != nil {
		return nil, err
	}
	for _, c := range cams {
		out[c.SN] = c
	}
	return out, nil
}

// CameraStats counts the cameras of the shops in scope, and the offline ones.
func (s *Store) CameraStats(ctx context.Context, sc Scope) (total, offline int64, err error) {
	var row struct{ Total, Offline int64 }
	err = sc.shops(s.db.WithContext(ctx).Table("cameras").Joins("JOIN shops ON shops.id = cameras.shop_id")).
		Select("COUNT(*) AS total, COALESCE(SUM(CASE WHEN cameras.online THEN 0 ELSE 1 END), 0) AS offline").
		Scan(&row).Error
	return row.Total, row.Offline, err
}

// OfflineCamera is an offline camera with its shop.
type OfflineCamera struct {
	Camera
	ShopName     string
	ShopTimezone string
}

// OfflineCameras lists offline cameras of the shops in scope, longest
// silent first.
func (s *Store) OfflineCameras(ctx context.Context, sc Scope, limit int) ([]OfflineCamera, error) {
	var out []OfflineCamera
	err := sc.shops(s.db.WithContext(ctx).Table("cameras").Joins("JOIN shops ON shops.id = cameras.shop_id")).
		Where("NOT cameras.online").
		Select("cameras.*, shops.name AS shop_name, shops.timezone AS shop_timezone").
		Order("cameras.last_connect_at IS NULL DESC, cameras.last_connect_at, cameras.id").
		Limit(limit).Scan(&out).Error
	return out, err
}

// CameraCard is what a shop's camera list shows of a camera.
type CameraCard struct {
	ID                        uint
	Name, SN, Model, Firmware string
	Online                    bool
	LastConnectAt             *time.Time
	HasScreenshot             bool
}

// CameraPage is one page of a shop's cameras and the shop's totals.
type CameraPage struct {
	Cards          []CameraCard
	Total, Offline int64
}

// CameraCards lists one page of the shop's cameras for its page, by name:
// only the shown columns, scanned by hand (a shop may have hundreds of
// cameras; GORM's reflection and the unused timestamp columns were most of
// the page's cost), with the shop's online/offline totals.
func (s *Store) CameraCards(ctx context.Context, shopID uint, page, perPage int) (CameraPage, error) {
	var p CameraPage
	db := s.db.WithContext(ctx)
	var totals struct{ Total, Offline int64 }
	if err := db.Raw(`SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN online THEN 0 ELSE 1 END), 0) AS offline FROM cameras WHERE shop_id = ?`, shopID).
		Scan(&totals).Error; err != nil {
		return p, err
	}
	p.Total, p.Offline = totals.Total, totals.Offline
	rows, err := db.Raw(`SELECT id, name, sn, model, firmware, online, last_connect_at, screenshot_url <> ''
		FROM cameras WHERE shop_id = ? ORDER BY name, id LIMIT ? OFFSET ?`, shopID, perPage, (max(page, 1)-1)*perPage).Rows()
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var c CameraCard
		var last sql.NullTime
		if err := rows.Scan(&c.ID, &c.Name, &c.SN, &c.Model, &c.Firmware, &c.Online, &last, &c.HasScreenshot); err != nil {
			return p, err
		}
		if last.Valid {
			t := last.Time
			c.LastConnectAt = &t
		}
		p.Cards = append(p.Cards, c)
	}
	return p, rows.Err()
}
