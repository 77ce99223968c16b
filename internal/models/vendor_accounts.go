package models

import (
	"context"
	"time"
)

// VendorAccounts lists the vendor accounts, by vendor and name.
func (s *Store) VendorAccounts(ctx context.Context) ([]VendorAccount, error) {
	var accs []VendorAccount
	err := s.db.WithContext(ctx).Order("vendor, name").Find(&accs).Error
	return accs, err
}

// VendorAccount returns one account.
func (s *Store) VendorAccount(ctx context.Context, id uint) (VendorAccount, error) {
	var a VendorAccount
	err := s.db.WithContext(ctx).First(&a, id).Error
	return a, translate(err)
}

// CreateVendorAccount stores a new account.
func (s *Store) CreateVendorAccount(ctx context.Context, a *VendorAccount) error {
	return translate(s.db.WithContext(ctx).Create(a).Error)
}

// UpdateVendorAccount saves an account's fields; the secret only when
// secretEnc is not nil (the form's secret field is write-only: empty keeps it).
func (s *Store) UpdateVendorAccount(ctx context.Context, a *VendorAccount, secretEnc []byte) error {
	cols := []string{"name", "base_url", "app_id", "company_no", "via_shop_id"}
	if secretEnc != nil {
		a.SecretEnc = secretEnc
		cols = append(cols, "secret_enc")
	}
	return translate(s.db.WithContext(ctx).Model(a).Select(cols).Updates(a).Error)
}

// DeleteVendorAccount deletes an account; ErrInUse while shops use it.
func (s *Store) DeleteVendorAccount(ctx context.Context, id uint) error {
	res := s.db.WithContext(ctx).Delete(&VendorAccount{}, id)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// SetVendorAccountTest records the result of a connection test.
func (s *Store) SetVendorAccountTest(ctx context.Context, id uint, at time.Time, ok bool, msg string) error {
	return s.db.WithContext(ctx).Model(&VendorAccount{}).Where("id = ?", id).
		Updates(map[string]any{"last_test_at": at.UTC(), "last_test_ok": ok, "last_test_message": msg}).Error
}
