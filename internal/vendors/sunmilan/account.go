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
}

var _ vendors.Adapter = (*Account)(nil)

// NewAccount is the registry factory. The installation's HTTP client is not
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
		Pin: pin, OnFirstUse: onFirstUse, ClientCert: a.cert})
}
