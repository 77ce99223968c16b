// Package devices runs the flows of the devices area that span a vendor
// and the database: Sunmi cameras on the LAN (discovery, adding,
// activation, settings, certificate pinning), the cameras' online/offline
// history, and SenseLink company, devices and departments. Vendor calls
// happen here, never inside a database transaction and never in a handler.
package devices

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"storelens/internal/accounts"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
)

// LAN is the service of Sunmi cameras on a shop's LAN.
type LAN struct {
	Store    *models.Store
	Accounts *accounts.Service
	Log      *slog.Logger
	// Discover is sunmilan.Discover; tests may shorten its timing through
	// DiscoverTiming.
	DiscoverTiming sunmilan.DiscoverOptions
	// Remote, when set, runs a shop's discovery elsewhere (chain mode: at
	// the shop's on-site connector); handled false: the shop has none, so
	// discovery runs here.
	Remote func(ctx context.Context, shop uint) (found []sunmilan.Found, handled bool, err error)
}

// Errors of the LAN flows.
var (
	ErrNotLAN       = errors.New("not a LAN camera")
	ErrNoAccount    = errors.New("the camera has no LAN vendor account")
	ErrAlreadyAdded = errors.New("this camera is already in a shop")
	ErrNoChange     = errors.New("the camera presents the pinned certificate: nothing to trust")
)

// account opens the camera's LAN account.
func (s *LAN) account(ctx context.Context, id *uint) (*sunmilan.Account, error) {
	if id == nil {
		return nil, ErrNoAccount
	}
	a, err := s.Store.VendorAccount(ctx, *id)
	if err != nil {
		return nil, fmt.Errorf("LAN account %d: %w", *id, err)
	}
	// Through the registry: its factory gives the account the outbound
	// guard's dialer for every camera connection.
	ad, err := s.Accounts.Open(a)
	if err != nil {
		return nil, err
	}
	la, ok := ad.(*sunmilan.Account)
	if !ok {
		return nil, fmt.Errorf("vendor account %d is not a LAN camera account", a.ID)
	}
	return la, nil
}

// client opens a pinned client for cam. A camera without a pin yet pins
// what it sees first (and that is stored).
func (s *LAN) client(ctx context.Context, cam models.Camera) (*sunmilan.Client, error) {
	if cam.Vendor != sunmilan.Name {
		return nil, ErrNotLAN
	}
	acc, err := s.account(ctx, cam.LANAccountID)
	if err != nil {
		return nil, err
	}
	id := cam.ID
	return acc.ForShop(cam.ShopID).Camera(cam.Address, cam.CertFingerprint, func(fp string) {
		cam.CertFingerprint = fp
		if err := s.Store.UpdateLANCamera(context.WithoutCancel(ctx), &cam); err != nil {
			s.Log.WarnContext(ctx, "pin camera certificate", "camera", id, "err", err)
		}
	})
}

// with runs f with the camera's client. A changed certificate is kept on
// the camera (cert_presented) for an admin to trust or not; a write is
// audited when it succeeds.
func (s *LAN) with(ctx context.Context, actor *models.Actor, cam models.Camera, action, detail string, f func(*sunmilan.Client) error) error {
	c, err := s.client(ctx, cam)
	if err != nil {
		return err
	}
	defer c.Close()
	err = f(c)
	var pe *sunmilan.PinError
	if errors.As(err, &pe) && cam.CertPresented != pe.Presented {
		cam.CertPresented = pe.Presented
		if uerr := s.Store.UpdateLANCamera(context.WithoutCancel(ctx), &cam); uerr != nil {
			return errors.Join(err, uerr)
		}
	}
	if err != nil || actor == nil {
		return err
	}
	return s.Store.Audit(ctx, actor.Entry(action, "camera", cam.SN, detail))
}

// Found is a camera discovery found, and the shop that has it already.
type Found struct {
	sunmilan.Found
	CameraID, ShopID uint // 0 when not added yet
}

// Discover asks the LAN (the addresses of DiscoverySettings) which cameras
// are there: three requests a second apart, answers for five seconds.
func (s *LAN) Discover(ctx context.Context) ([]Found, error) { return s.DiscoverIn(ctx, 0) }

// DiscoverIn is Discover on shop's LAN: through the shop's on-site
// connector when it has one (Remote), here otherwise.
func (s *LAN) DiscoverIn(ctx context.Context, shop uint) ([]Found, error) {
	var list []sunmilan.Found
	handled := false
	if s.Remote != nil && shop != 0 {
		var err error
		if list, handled, err = s.Remote(ctx, shop); err != nil {
			return nil, err
		}
	}
	if !handled {
		ds, err := s.DiscoverySettings(ctx)
		if err != nil {
			return nil, err
		}
		opts := s.DiscoverTiming
		opts.Target, opts.Listen = ds.Target, ds.Listen
		if list, err = sunmilan.Discover(ctx, opts); err != nil {
			return nil, err
		}
	}
	out := make([]Found, 0, len(list))
	for _, f := range list {
		row := Found{Found: f}
		if cam, err := s.Store.CameraBySN(ctx, sunmilan.Name, f.SN); err == nil {
			row.CameraID, row.ShopID = cam.ID, cam.ShopID
		} else if !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		out = append(out, row)
	}
	return out, nil
}

// AddInput is a camera to add to a shop.
type AddInput struct {
	SN, Model, MAC, Firmware, Address, Network string
	AccountID                                  uint
}

// Add stores a discovered camera in shop: its certificate is fetched and
// pinned now (trust on first use, the fingerprint shown on its page), and
// it is asked whether it is activated yet.
func (s *LAN) Add(ctx context.Context, actor models.Actor, shop models.Shop, in AddInput) (models.Camera, error) {
	addr, err := sunmilan.NormalizeAddress(in.Address)
	if err != nil {
		return models.Camera{}, err
	}
	if _, err := s.Store.CameraBySN(ctx, sunmilan.Name, in.SN); err == nil {
		return models.Camera{}, ErrAlreadyAdded
	} else if !errors.Is(err, models.ErrNotFound) {
		return models.Camera{}, err
	}
	accID := in.AccountID
	acc, err := s.account(ctx, &accID)
	if err != nil {
		return models.Camera{}, err
	}
	acc = acc.ForShop(shop.ID)
	fp, err := acc.Fingerprint(ctx, addr)
	if err != nil {
		return models.Camera{}, &vendors.Error{Vendor: sunmilan.Name, Op: "tls", Kind: vendors.KindUnavailable, Err: err}
	}
	mac, merr := vendors.NormalizeMAC(in.MAC)
	if merr != nil {
		mac = ""
	}
	cam := models.Camera{ShopID: shop.ID, Vendor: sunmilan.Name, SN: strings.TrimSpace(in.SN), Name: in.SN, Model: in.Model,
		Firmware: in.Firmware, MAC: mac, LANAccountID: &accID, Address: addr, CertFingerprint: fp, NetworkMode: in.Network}
	c, err := acc.Camera(addr, fp, nil)
	if err == nil {
		if info, ierr := c.Info(ctx); ierr == nil {
			cam.Activated, cam.Online = true, true
			if info.Name != "" {
				cam.Name = info.Name
			}
		} else if vendors.KindOf(ierr) == vendors.KindNotActivated {
			cam.Online = true
		}
		c.Close()
	}
	if err := s.Store.AddLANCamera(ctx, &cam); err != nil {
		if errors.Is(err, models.ErrConflict) {
			return cam, ErrAlreadyAdded
		}
		return cam, err
	}
	return cam, s.Store.Audit(ctx, actor.Entry("camera.lan_add", "camera", cam.SN,
		fmt.Sprintf("shop %d address %s certificate %s", shop.ID, addr, sunmilan.FormatFingerprint(fp))))
}

// Activate activates the camera with its account's activation code. The
// camera then wipes its face groups and records (NOTES 49).
func (s *LAN) Activate(ctx context.Context, actor models.Actor, cam models.Camera) error {
	err := s.with(ctx, &actor, cam, "camera.activate", "face groups reset to stranger, regular", func(c *sunmilan.Client) error {
		return c.Activate(ctx, cam.SN)
	})
	var ve *vendors.Error
	if errors.As(err, &ve) && ve.Code == 4 { // already activated: the goal is reached
		err = nil
	}
	if err != nil {
		return err
	}
	cam.Activated, cam.Online = true, true
	return s.Store.UpdateLANCamera(ctx, &cam)
}

// SetWifiBeforeActivation sets the network of a camera not yet activated
// (setWifiConfWithoutAuth).
func (s *LAN) SetWifiBeforeActivation(ctx context.Context, actor models.Actor, cam models.Camera, w sunmilan.Wifi) error {
	return s.with(ctx, &actor, cam, "camera.wifi", "ssid "+w.SSID+" (before activation)", func(c *sunmilan.Client) error {
		return c.SetWifiWithoutAuth(ctx, w)
	})
}

// APsBeforeActivation lists the networks a camera not yet activated sees.
func (s *LAN) APsBeforeActivation(ctx context.Context, cam models.Camera) (aps []sunmilan.AP, err error) {
	err = s.with(ctx, nil, cam, "", "", func(c *sunmilan.Client) error {
		aps, err = c.APsWithoutAuth(ctx)
		return err
	})
	return aps, err
}

// TrustPresented moves the pin to the certificate the camera presented
// since (an admin's explicit decision). The camera is asked again for its
// certificate: only the one shown to the admin is trusted.
func (s *LAN) TrustPresented(ctx context.Context, actor models.Actor, cam models.Camera) error {
	if cam.CertPresented == "" || cam.CertPresented == cam.CertFingerprint {
		return ErrNoChange
	}
	acc, err := s.account(ctx, cam.LANAccountID)
	if err != nil {
		return err
	}
	now, err := acc.ForShop(cam.ShopID).Fingerprint(ctx, cam.Address)
	if err != nil {
		return &vendors.Error{Vendor: sunmilan.Name, Op: "tls", Kind: vendors.KindUnavailable, Err: err}
	}
	if now != cam.CertPresented {
		// Yet another certificate: show it instead of trusting blindly.
		cam.CertPresented = now
		if err := s.Store.UpdateLANCamera(ctx, &cam); err != nil {
			return err
		}
		return &vendors.Error{Vendor: sunmilan.Name, Op: "tls", Kind: vendors.KindCertChanged,
			Err: &sunmilan.PinError{Pinned: cam.CertFingerprint, Presented: now}}
	}
	old := cam.CertFingerprint
	cam.CertFingerprint, cam.CertPresented = now, ""
	if err := s.Store.UpdateLANCamera(ctx, &cam); err != nil {
		return err
	}
	return s.Store.Audit(ctx, actor.Entry("camera.trust_certificate", "camera", cam.SN,
		sunmilan.FormatFingerprint(old)+" -> "+sunmilan.FormatFingerprint(now)))
}

// DiscoverySettings are where discovery asks and listens.
type DiscoverySettings struct {
	Target, Listen string
}

// Settings keys of discovery.
const (
	settingTarget = "devices.discovery_target"
	settingListen = "devices.discovery_listen"
)

// DefaultDiscovery is 003's: broadcast on port 10001, answers on 10001.
var DefaultDiscovery = DiscoverySettings{Target: "255.255.255.255:10001", Listen: "0.0.0.0:10001"}

// DiscoverySettings reads the stored addresses, 003's defaults when unset.
func (s *LAN) DiscoverySettings(ctx context.Context) (DiscoverySettings, error) {
	ds := DefaultDiscovery
	t, err := s.Store.Setting(ctx, settingTarget)
	if err != nil {
		return ds, err
	}
	l, err := s.Store.Setting(ctx, settingListen)
	if err != nil {
		return ds, err
	}
	if t != "" {
		ds.Target = t
	}
	if l != "" {
		ds.Listen = l
	}
	return ds, nil
}

// SetDiscoverySettings stores the addresses.
func (s *LAN) SetDiscoverySettings(ctx context.Context, actor models.Actor, ds DiscoverySettings) error {
	if err := s.Store.SetSetting(ctx, settingTarget, ds.Target); err != nil {
		return err
	}
	if err := s.Store.SetSetting(ctx, settingListen, ds.Listen); err != nil {
		return err
	}
	return s.Store.Audit(ctx, actor.Entry("devices.discovery_settings", "setting", "", ds.Target+" / "+ds.Listen))
}

// Snapshot fetches a snapshot from the camera, through the pinned
// connection.
func (s *LAN) Snapshot(ctx context.Context, cam models.Camera) (ct string, body []byte, err error) {
	err = s.with(ctx, nil, cam, "", "", func(c *sunmilan.Client) error {
		ct, body, err = c.Snapshot(ctx)
		return err
	})
	return ct, body, err
}

// SetDiscoveryTargets stores the discovery addresses without an audit entry
// (the demo points them at its simulator on every start).
func (s *LAN) SetDiscoveryTargets(ctx context.Context, target, listen string) error {
	if err := s.Store.SetSetting(ctx, settingTarget, target); err != nil {
		return err
	}
	return s.Store.SetSetting(ctx, settingListen, listen)
}

// Open returns a pinned client of cam for another area's calls (video);
// close it after use.
func (s *LAN) Open(ctx context.Context, cam models.Camera) (*sunmilan.Client, error) {
	return s.client(ctx, cam)
}
