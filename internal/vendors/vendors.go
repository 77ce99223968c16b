// Package vendors holds the vendor-neutral types of StoreLens, the small
// capability interfaces an adapter may implement, typed vendor errors and
// the registry that opens an adapter for a stored account.
//
// Vendor codes, field names and quirks stop at the adapter: nothing outside
// internal/vendors/<v> sees an ipc_id rule or a 5509.
package vendors

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// Account is a vendor account with its secret opened, as an adapter needs it.
type Account struct {
	ID        uint
	Vendor    string
	BaseURL   string
	AppID     string
	Secret    string
	CompanyNo string
	// User and Password are a login some vendors want besides the app key
	// (OpRetail's mobileLogin); empty for the others.
	User, Password string
	// Sunmi LAN accounts: the activation code that signs activation (003
	// Device Management 1), and an optional client certificate as a PKCS#12
	// file with its password (003's tutorial, NOTES 50).
	ActivationCode     string
	ClientCertP12      []byte
	ClientCertPassword string
	// ViaShop, when not 0, is the shop whose on-site connector reaches the
	// server (a SenseLink server inside that shop's LAN; chain mode): the
	// registry gives the adapter an HTTP client dialling through it.
	ViaShop uint
}

// Adapter is implemented by every vendor. Capabilities are separate
// interfaces found by type assertion (see Devices).
type Adapter interface {
	Vendor() string
	// Test makes one real, signed call and reports whether the vendor
	// accepted the credentials.
	Test(ctx context.Context) error
}

// ShopRef names a shop at a vendor.
type ShopRef struct {
	ShopNo    string // Sunmi sunmi_shop_no
	ShopID    string // the partner's shop_id, interchangeable with ShopNo
	CompanyNo string
}

// DeviceRef names a device: by the vendor's id, its SN, or both.
type DeviceRef struct {
	ID string
	SN string
}

// Device is a camera as its vendor describes it.
type Device struct {
	ID            string
	SN            string
	Name          string
	Model         string
	Firmware      string
	MAC           string
	Online        bool
	LastConnect   time.Time // zero when unknown
	CheckVersion  time.Time
	ScreenshotURL string // vendor URL: fetch server side, never hand to a browser
}

// Devices is the capability to list and manage a shop's cameras.
type Devices interface {
	ListDevices(ctx context.Context, shop ShopRef) ([]Device, error)
	CompanyDevices(ctx context.Context, companyNo string) ([]Device, error)
	DeviceInfo(ctx context.Context, shop ShopRef, dev DeviceRef) (Device, error)
	RenameDevice(ctx context.Context, shop ShopRef, dev DeviceRef, name string) error
	BindDevice(ctx context.Context, shop ShopRef, sn, mac string) error
	UnbindDevice(ctx context.Context, shop ShopRef, dev DeviceRef) error
}

// AsDevices returns the Devices capability of a, or ErrUnsupported.
func AsDevices(a Adapter) (Devices, error) {
	d, ok := a.(Devices)
	if !ok {
		return nil, fmt.Errorf("%s: devices: %w", a.Vendor(), ErrUnsupported)
	}
	return d, nil
}

// Factory builds an adapter for an account. hc carries the timeouts and
// trusted roots of the installation.
type Factory func(acc Account, hc *http.Client) (Adapter, error)

// Vendor is one vendor a registry can open: its name (the accounts'
// vendor column), its display name and its adapter factory.
type Vendor struct {
	Name, Label string
	New         Factory
}

// Registry knows how to open an adapter for each vendor name. It is built
// in main and passed down, never a package global. It is immutable: every
// vendor is given to NewRegistry (or With, which returns a new registry),
// so no goroutine can see it change while the server runs.
type Registry struct {
	factories map[string]Factory
	labels    map[string]string
	hc        *http.Client
}

// NewRegistry returns a registry of vs whose adapters use hc. It panics on
// a duplicate or incomplete vendor (a wiring bug).
func NewRegistry(hc *http.Client, vs ...Vendor) *Registry {
	r := &Registry{factories: map[string]Factory{}, labels: map[string]string{}, hc: hc}
	for _, v := range vs {
		if v.Name == "" || v.New == nil {
			panic("vendors: vendor without a name or factory")
		}
		if _, dup := r.factories[v.Name]; dup {
			panic("vendors: duplicate vendor " + v.Name)
		}
		r.factories[v.Name] = v.New
		r.labels[v.Name] = v.Label
	}
	return r
}

// With returns a new registry of r's vendors and one more; r is unchanged.
func (r *Registry) With(name, label string, f Factory) *Registry {
	vs := make([]Vendor, 0, len(r.factories)+1)
	for n, f := range r.factories {
		vs = append(vs, Vendor{Name: n, Label: r.labels[n], New: f})
	}
	return NewRegistry(r.hc, append(vs, Vendor{Name: name, Label: label, New: f})...)
}

// Open builds the adapter for acc.
func (r *Registry) Open(acc Account) (Adapter, error) {
	f, ok := r.factories[acc.Vendor]
	if !ok {
		return nil, fmt.Errorf("vendors: unknown vendor %q: %w", acc.Vendor, ErrUnsupported)
	}
	return f(acc, r.hc)
}

// Names lists the registered vendors in order.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.factories))
	for n := range r.factories {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Label is a vendor's display name ("Sunmi cloud").
func (r *Registry) Label(name string) string {
	if l, ok := r.labels[name]; ok {
		return l
	}
	return name
}
