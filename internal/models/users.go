package models

import (
	"context"
	"errors"

	"gorm.io/gorm"
)

// ErrLastAdmin refuses a change that would leave nobody able to administer.
var ErrLastAdmin = errors.New("the last active admin cannot be demoted or disabled")

// CreateUser stores a new user with the shops a manager may see.
func (s *Store) CreateUser(ctx context.Context, u *User, shopIDs []uint) error {
	if u.SessionVersion == 0 {
		u.SessionVersion = 1
	}
	return translate(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		shops := u.Shops
		u.Shops = nil
		if err := tx.Create(u).Error; err != nil {
			return err
		}
		u.Shops = shops
		return setUserShops(tx, u.ID, shopIDs)
	}))
}

func setUserShops(tx *gorm.DB, userID uint, shopIDs []uint) error {
	if err := tx.Exec("DELETE FROM user_shops WHERE user_id = ?", userID).Error; err != nil {
		return err
	}
	for _, id := range shopIDs {
		if err := tx.Exec("INSERT INTO user_shops (user_id, shop_id) SELECT ?, id FROM shops WHERE id = ? ON CONFLICT DO NOTHING", userID, id).Error; err != nil {
			return err
		}
	}
	return nil
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id uint) (User, error) {
	var u User
	err := s.db.WithContext(ctx).First(&u, id).Error
	return u, translate(err)
}

// UserByUsername returns a user by name, case-insensitively.
func (s *Store) UserByUsername(ctx context.Context, name string) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("username = ?", name).First(&u).Error
	return u, translate(err)
}

// UserWithShops returns a user and the shops assigned to it.
func (s *Store) UserWithShops(ctx context.Context, id uint) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Preload("Shops", func(db *gorm.DB) *gorm.DB { return db.Order("name") }).First(&u, id).Error
	return u, translate(err)
}

// ListUsers returns every user with assigned shops, by user name.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var users []User
	err := s.db.WithContext(ctx).Preload("Shops", func(db *gorm.DB) *gorm.DB { return db.Select("id", "name").Order("name") }).
		Order("username").Find(&users).Error
	return users, err
}

// CountUsers counts every user.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

// UpdateUser saves display name, role, disabled and shop assignments. A
// disable bumps the session version, which signs the user out everywhere.
func (s *Store) UpdateUser(ctx context.Context, u *User, shopIDs []uint) error {
	return translate(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old User
		if err := tx.First(&old, u.ID).Error; err != nil {
			return err
		}
		if old.Role == RoleAdmin && !old.Disabled && (u.Role != RoleAdmin || u.Disabled) {
			var admins int64
			if err := tx.Model(&User{}).Where("role = ? AND NOT disabled AND id <> ?", RoleAdmin, u.ID).Count(&admins).Error; err != nil {
				return err
			}
			if admins == 0 {
				return ErrLastAdmin
			}
		}
		version := old.SessionVersion
		if u.Disabled && !old.Disabled {
			version++
		}
		u.SessionVersion = version
		if err := tx.Model(&User{ID: u.ID}).Select("display_name", "role", "disabled", "session_version").
			Updates(&User{DisplayName: u.DisplayName, Role: u.Role, Disabled: u.Disabled, SessionVersion: version}).Error; err != nil {
			return err
		}
		return setUserShops(tx, u.ID, shopIDs)
	}))
}

// SetPassword stores a new password hash and bumps the session version, so
// every existing session of the user ends.
func (s *Store) SetPassword(ctx context.Context, userID uint, hash string) (newVersion int, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"password_hash":   hash,
			"session_version": gorm.Expr("session_version + 1"),
			"updated_at":      s.Now(),
		}).Error; err != nil {
			return err
		}
		return tx.Model(&User{}).Where("id = ?", userID).Pluck("session_version", &newVersion).Error
	})
	return newVersion, translate(err)
}

// UpgradePasswordHash replaces a hash with a stronger one of the same
// password, without ending sessions.
func (s *Store) UpgradePasswordHash(ctx context.Context, userID uint, hash string) error {
	return s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).Update("password_hash", hash).Error
}
