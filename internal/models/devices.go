package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// CameraStatusEvent is one change of a camera's online state.
type CameraStatusEvent struct {
	ID       uint `gorm:"primaryKey"`
	CameraID uint
	At       time.Time
	Online   bool
}

// SetVendorAccountSealed stores the sealed LAN fields of an account; a nil
// value keeps what is stored, an empty non-nil one erases it (the client
// certificate can be removed).
func (s *Store) SetVendorAccountSealed(ctx context.Context, id uint, activation, cert, certPassword []byte, certName *string) error {
	cols := map[string]any{}
	if activation != nil {
		cols["activation_code_enc"] = activation
	}
	if cert != nil {
		cols["client_cert_enc"] = cert
	}
	if certPassword != nil {
		cols["client_cert_password_enc"] = certPassword
	}
	if certName != nil {
		cols["client_cert_name"] = *certName
	}
	if len(cols) == 0 {
		return nil
	}
	return s.db.WithContext(ctx).Model(&VendorAccount{}).Where("id = ?", id).Updates(cols).Error
}

// VendorAccountsOf lists the accounts of one vendor, by name.
func (s *Store) VendorAccountsOf(ctx context.Context, vendor string) ([]VendorAccount, error) {
	var out []VendorAccount
	err := s.db.WithContext(ctx).Where("vendor = ?", vendor).Order("name, id").Find(&out).Error
	return out, err
}

// AddLANCamera stores a camera found on a shop's LAN. A camera with the
// same SN already here is ErrConflict (it is in some shop already).
func (s *Store) AddLANCamera(ctx context.Context, cam *Camera) error {
	return translate(s.db.WithContext(ctx).Create(cam).Error)
}

// UpdateLANCamera saves the LAN fields of a camera and what it reported
// about itself.
func (s *Store) UpdateLANCamera(ctx context.Context, cam *Camera) error {
	return s.db.WithContext(ctx).Model(cam).Select("name", "model", "firmware", "mac", "address", "cert_fingerprint",
		"cert_presented", "activated", "network_mode", "online").Updates(cam).Error
}

// CameraBySN finds a camera of a vendor by SN in any shop.
func (s *Store) CameraBySN(ctx context.Context, vendor, sn string) (Camera, error) {
	var cam Camera
	err := s.db.WithContext(ctx).Where("vendor = ? AND sn = ?", vendor, sn).First(&cam).Error
	return cam, translate(err)
}

// CamerasOfVendor lists every camera of a vendor, by id.
func (s *Store) CamerasOfVendor(ctx context.Context, vendor string) ([]Camera, error) {
	var out []Camera
	err := s.db.WithContext(ctx).Where("vendor = ?", vendor).Order("id").Find(&out).Error
	return out, err
}

// RecordCameraStatus notes that the camera was seen online or offline at
// at. A change from its last recorded state (or a first record) adds an
// event; offline_since is the time it was first seen offline, and clears
// when it comes back. It reports whether the state changed.
func (s *Store) RecordCameraStatus(ctx context.Context, cameraID uint, online bool, at time.Time) (bool, error) {
	at = at.UTC()
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var last CameraStatusEvent
		err := tx.Where("camera_id = ?", cameraID).Order("at DESC, id DESC").First(&last).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		first := errors.Is(err, gorm.ErrRecordNotFound)
		cols := map[string]any{"online": online, "status_checked_at": at}
		if first || last.Online != online {
			changed = true
			if err := tx.Create(&CameraStatusEvent{CameraID: cameraID, At: at, Online: online}).Error; err != nil {
				return err
			}
			if online {
				cols["offline_since"] = nil
			} else {
				cols["offline_since"] = at
			}
		}
		return tx.Model(&Camera{}).Where("id = ?", cameraID).Updates(cols).Error
	})
	return changed, err
}

// CameraStatusHistory lists a camera's status changes since since, oldest
// first, and the last change before since (the state the window starts in),
// if any.
func (s *Store) CameraStatusHistory(ctx context.Context, cameraID uint, since time.Time) ([]CameraStatusEvent, *CameraStatusEvent, error) {
	db := s.db.WithContext(ctx)
	var events []CameraStatusEvent
	if err := db.Where("camera_id = ? AND at >= ?", cameraID, since.UTC()).Order("at, id").Find(&events).Error; err != nil {
		return nil, nil, err
	}
	var before CameraStatusEvent
	err := db.Where("camera_id = ? AND at < ?", cameraID, since.UTC()).Order("at DESC, id DESC").First(&before).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return events, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return events, &before, nil
}

// ShopCameras lists every camera of a shop by name (the health page reads
// the status columns the card query leaves out).
func (s *Store) ShopCameras(ctx context.Context, shopID uint) ([]Camera, error) {
	return s.Cameras(ctx, shopID)
}

// LinkedShops lists every shop linked to a Sunmi cloud account.
func (s *Store) LinkedShops(ctx context.Context) ([]Shop, error) {
	var out []Shop
	err := s.db.WithContext(ctx).Where("sunmi_account_id IS NOT NULL").Order("id").Find(&out).Error
	return out, err
}
