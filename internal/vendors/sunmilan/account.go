package sunmilan

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"

	"storelens/internal/vendors"
)

// Account is a LAN vendor account: the app_id and secret that sign calls,
// the activation code that signs activation, and the optional client
// certificate. It opens a Client per camera.
type Account struct {
	acc  vendors.Account
	cert *tls.Certificate
	// dialFor is the dialer of the camera at an address (the outbound
	// guard's); nil: a plain dialer (tests).
	dialFor func(address string) DialFunc
	// dialShop, when set, is the dialer of the camera at an address in a
	// shop (chain mode: a shop with an on-site connector is dialled through
	// it); shop is the shop ForShop bound (0: none).
	dialShop func(shop uint, address string) DialFunc
	shop     uint
}

var _ vendors.Adapter = (*Account)(nil)

// Factory is the registry factory of a server: every camera connection
// (API calls, fingerprint checks) is dialled by dialFor(the camera's
// recorded address), the outbound guard's dialer for that camera.
func Factory(dialFor func(address string) DialFunc) vendors.Factory {
	return func(acc vendors.Account, hc *http.Client) (vendors.Adapter, error) {
		ad, err := NewAccount(acc, hc)
		if err != nil {
			return nil, err
		}
		ad.(*Account).dialFor = dialFor
		return ad, nil
	}
}

// ShopFactory is Factory with a per-shop dialer: every camera connection
// is dialled by dialFor(the shop ForShop bound, the camera's address).
func ShopFactory(dialFor func(shop uint, address string) DialFunc) vendors.Factory {
	return func(acc vendors.Account, hc *http.Client) (vendors.Adapter, error) {
		ad, err := NewAccount(acc, hc)
		if err != nil {
			return nil, err
		}
		ad.(*Account).dialShop = dialFor
		return ad, nil
	}
}

// ForShop is the account dialling the cameras of shop (a LAN account may
// serve several shops; each shop's LAN is reached its own way).
func (a *Account) ForShop(shop uint) *Account {
	b := *a
	b.shop = shop
	return &b
}

// NewAccount is the registry factory without a guard (tests). The installation's HTTP client is not
// used: each camera gets its own pinned transport.
func NewAccount(acc vendors.Account, _ *http.Client) (vendors.Adapter, error) {
	if acc.AppID == "" || acc.Secret == "" {
		return nil, errors.New("sunmilan: app_id and secret key are required")
	}
	a := &Account{acc: acc}
	if len(acc.ClientCertP12) > 0 {
		cert, err := LoadPKCS12(acc.ClientCertP12, acc.ClientCertPassword)
		if err != nil {
			return nil, err
		}
		a.cert = &cert
	}
	return a, nil
}

// Vendor implements vendors.Adapter.
func (a *Account) Vendor() string { return Name }

// Test implements vendors.Adapter. A LAN account is not a server to call:
// the test checks what can be checked without a camera (the client
// certificate opened in NewAccount). Each camera's own page tests the rest.
func (a *Account) Test(context.Context) error { return nil }

// AppID and Secret sign the account's calls and its message channel's
// CONNECT (003 IPC Notification Center 2.2).
func (a *Account) AppID() string  { return a.acc.AppID }
func (a *Account) Secret() string { return a.acc.Secret }

// ClientCert is the account's client certificate, or nil.
func (a *Account) ClientCert() *tls.Certificate { return a.cert }

// Camera returns a client for the camera at address, pinned to pin (empty:
// trust on first use, reported to onFirstUse).
func (a *Account) Camera(address, pin string, onFirstUse func(string)) (*Client, error) {
	return New(Config{Address: address, AppID: a.acc.AppID, Secret: a.acc.Secret, ActivationCode: a.acc.ActivationCode,
		Pin: pin, OnFirstUse: onFirstUse, ClientCert: a.cert, Dial: a.Dial(address)})
}

// Dial is the dialer of the camera at address (nil: the default).
func (a *Account) Dial(address string) DialFunc {
	if a.dialShop != nil {
		return a.dialShop(a.shop, address)
	}
	if a.dialFor == nil {
		return nil
	}
	return a.dialFor(address)
}

// Fingerprint is FetchFingerprint of the camera at address, with the
// account's client certificate and dialer.
func (a *Account) Fingerprint(ctx context.Context, address string) (string, error) {
	return FetchFingerprint(ctx, address, a.cert, a.Dial(address))
}
