// Package accounts manages vendor accounts: it seals their secrets, opens
// adapters for them and records connection tests. It is the only code that
// sees a vendor secret in the clear.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"storelens/internal/models"
	"storelens/internal/secrets"
	"storelens/internal/vendors"
)

// Service is the vendor-account service.
type Service struct {
	Store    *models.Store
	Box      *secrets.Box
	Registry *vendors.Registry
	// Extra, when set, completes the account an adapter is opened with
	// with what some vendors need besides the app key and secret (the
	// OpRetail login, kept by the traffic area).
	Extra func(a models.VendorAccount, acc *vendors.Account) error
}

// Input is what a user types for an account. An empty Secret on update
// keeps the stored one; so do an empty ActivationCode and a nil
// ClientCertP12 (Sunmi LAN accounts). RemoveClientCert erases the stored
// certificate.
type Input struct {
	Vendor, Name, BaseURL, AppID, Secret, CompanyNo string
	// ViaShop: the server is inside this shop, reached through its
	// on-site connector (0: directly).
	ViaShop uint

	ActivationCode     string
	ClientCertP12      []byte
	ClientCertName     string
	ClientCertPassword string
	RemoveClientCert   bool
}

// sealLAN seals the LAN fields that were given; nil keeps the stored value.
func (s *Service) sealLAN(in Input) (activation, cert, password []byte, name *string, err error) {
	if in.ActivationCode != "" {
		if activation, err = s.Box.Seal(in.ActivationCode); err != nil {
			return
		}
	}
	switch {
	case len(in.ClientCertP12) > 0:
		if cert, err = s.Box.Seal(string(in.ClientCertP12)); err != nil {
			return
		}
		if password, err = s.Box.Seal(in.ClientCertPassword); err != nil {
			return
		}
		n := in.ClientCertName
		name = &n
	case in.RemoveClientCert:
		cert, password, name = []byte{}, []byte{}, new(string)
	}
	return
}

func viaShop(id uint) *uint {
	if id == 0 {
		return nil
	}
	return &id
}

// ErrSecretUnreadable means the stored secret cannot be opened with this
// installation's key (the key file was replaced): re-enter the secret.
var ErrSecretUnreadable = errors.New("the stored secret cannot be read with this installation's key; enter it again")

// Create stores a new account.
func (s *Service) Create(ctx context.Context, actor models.Actor, in Input) (models.VendorAccount, error) {
	sealed, err := s.Box.Seal(in.Secret)
	if err != nil {
		return models.VendorAccount{}, err
	}
	a := models.VendorAccount{Vendor: in.Vendor, Name: in.Name, BaseURL: in.BaseURL, AppID: in.AppID, SecretEnc: sealed, CompanyNo: in.CompanyNo,
		ViaShopID: viaShop(in.ViaShop)}
	act, cert, pw, certName, err := s.sealLAN(in)
	if err != nil {
		return a, err
	}
	a.ActivationCodeEnc, a.ClientCertEnc, a.ClientCertPasswordEnc = act, cert, pw
	if certName != nil {
		a.ClientCertName = *certName
	}
	if err := s.Store.CreateVendorAccount(ctx, &a); err != nil {
		return a, err
	}
	return a, s.Store.Audit(ctx, actor.Entry("vendor_account.create", "vendor_account", id(a.ID), a.Vendor+" "+a.Name))
}

// Update saves an account; the secret only when a new one was typed.
func (s *Service) Update(ctx context.Context, actor models.Actor, a models.VendorAccount, in Input) error {
	var sealed []byte
	if in.Secret != "" {
		var err error
		if sealed, err = s.Box.Seal(in.Secret); err != nil {
			return err
		}
	}
	a.Name, a.BaseURL, a.AppID, a.CompanyNo, a.ViaShopID = in.Name, in.BaseURL, in.AppID, in.CompanyNo, viaShop(in.ViaShop)
	act, cert, pw, certName, err := s.sealLAN(in)
	if err != nil {
		return err
	}
	if err := s.Store.UpdateVendorAccount(ctx, &a, sealed); err != nil {
		return err
	}
	if err := s.Store.SetVendorAccountSealed(ctx, a.ID, act, cert, pw, certName); err != nil {
		return err
	}
	detail := a.Name
	if sealed != nil {
		detail += " (secret changed)"
	}
	if act != nil {
		detail += " (activation code changed)"
	}
	if cert != nil {
		detail += " (client certificate changed)"
	}
	return s.Store.Audit(ctx, actor.Entry("vendor_account.update", "vendor_account", id(a.ID), detail))
}

// Delete removes an account; models.ErrInUse while shops use it.
func (s *Service) Delete(ctx context.Context, actor models.Actor, a models.VendorAccount) error {
	if err := s.Store.DeleteVendorAccount(ctx, a.ID); err != nil {
		return err
	}
	return s.Store.Audit(ctx, actor.Entry("vendor_account.delete", "vendor_account", id(a.ID), a.Vendor+" "+a.Name))
}

// Open builds the adapter of a stored account.
func (s *Service) Open(a models.VendorAccount) (vendors.Adapter, error) {
	acc, err := s.Credentials(a)
	if err != nil {
		return nil, err
	}
	return s.Registry.Open(acc)
}

// Credentials opens an account's sealed values into a vendors.Account.
func (s *Service) Credentials(a models.VendorAccount) (vendors.Account, error) {
	secret, err := s.Box.Open(a.SecretEnc)
	if err != nil {
		return vendors.Account{}, ErrSecretUnreadable
	}
	acc := vendors.Account{ID: a.ID, Vendor: a.Vendor, BaseURL: a.BaseURL, AppID: a.AppID, Secret: secret, CompanyNo: a.CompanyNo}
	if a.ViaShopID != nil {
		acc.ViaShop = *a.ViaShopID
	}
	open := func(b []byte) (string, error) {
		if len(b) == 0 {
			return "", nil
		}
		v, err := s.Box.Open(b)
		if err != nil {
			return "", ErrSecretUnreadable
		}
		return v, nil
	}
	if acc.ActivationCode, err = open(a.ActivationCodeEnc); err != nil {
		return acc, err
	}
	cert, err := open(a.ClientCertEnc)
	if err != nil {
		return acc, err
	}
	if cert != "" {
		acc.ClientCertP12 = []byte(cert)
	}
	if acc.ClientCertPassword, err = open(a.ClientCertPasswordEnc); err != nil {
		return acc, err
	}
	if s.Extra != nil {
		if err := s.Extra(a, &acc); err != nil {
			return acc, err
		}
	}
	return acc, nil
}

// Adapter builds the adapter of the account with id.
func (s *Service) Adapter(ctx context.Context, accountID uint) (vendors.Adapter, error) {
	a, err := s.Store.VendorAccount(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("vendor account %d: %w", accountID, err)
	}
	return s.Open(a)
}

// Test makes a real signed call with the account and records the result.
// It returns the test's error (nil when the vendor accepted the call).
func (s *Service) Test(ctx context.Context, actor models.Actor, a models.VendorAccount) error {
	ad, err := s.Open(a)
	if err == nil {
		err = ad.Test(ctx)
	}
	msg := ""
	if err != nil {
		msg = vendors.Compact(err)
	}
	if rerr := s.Store.SetVendorAccountTest(ctx, a.ID, s.Store.Now(), err == nil, msg); rerr != nil {
		return rerr
	}
	result := "ok"
	if err != nil {
		result = "failed: " + msg
	}
	if aerr := s.Store.Audit(ctx, actor.Entry("vendor_account.test", "vendor_account", id(a.ID), result)); aerr != nil {
		return aerr
	}
	return err
}

func id(n uint) string { return strconv.FormatUint(uint64(n), 10) }
