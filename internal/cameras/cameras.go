// Package cameras runs the flows that span a camera vendor and the
// database: syncing a shop's cameras, refreshing, renaming, binding and
// unbinding one, and fetching its screenshot. Vendor calls happen here,
// never inside a database transaction and never in a handler.
package cameras

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/models"
	"storelens/internal/netguard"
	"storelens/internal/vendors"
)

// Service is the camera service.
type Service struct {
	Store    *models.Store
	Accounts *accounts.Service
	// HTTP fetches screenshots from the URLs vendors returned.
	HTTP *http.Client
	// Guard, when set, checks every screenshot URL: it may name only the
	// camera's vendor account's base URL host or one of MediaHosts (domain
	// suffixes of the vendor's media hosts), and is dialled by netguard's
	// rules (resolved once, no metadata, no internal address that the
	// account does not itself name).
	Guard      *netguard.Guard
	MediaHosts []string
}

// screenshotClient is the client of a screenshot fetch of a camera of shop.
func (s *Service) screenshotClient(ctx context.Context, cam models.Camera) *http.Client {
	if s.Guard == nil {
		return s.HTTP
	}
	p := netguard.Policy{Shop: cam.ShopID, What: "screenshot", MaxRedirects: 3}.WithSuffixes(s.MediaHosts...)
	if sh, err := s.Store.Shop(ctx, models.AllShops(), cam.ShopID); err == nil && sh.SunmiAccountID != nil {
		if acc, err := s.Store.VendorAccount(ctx, *sh.SunmiAccountID); err == nil {
			p = p.With(acc.BaseURL)
		}
	}
	var tc *tls.Config
	if t, ok := s.HTTP.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		tc = t.TLSClientConfig.Clone()
	}
	return s.Guard.Client(p, tc, 30*time.Second)
}

// ErrNotLinked means the shop has no vendor account or vendor shop id.
var ErrNotLinked = errors.New("the shop is not linked to a vendor shop")

// sunmiVendor is the vendor of cameras found through a shop's Sunmi account.
const sunmiVendor = "sunmicloud"

// devices opens the Devices capability of the shop's account.
func (s *Service) devices(ctx context.Context, shop models.Shop) (vendors.Devices, vendors.ShopRef, error) {
	if !shop.HasSunmi() {
		return nil, vendors.ShopRef{}, ErrNotLinked
	}
	ad, err := s.Accounts.Adapter(ctx, *shop.SunmiAccountID)
	if err != nil {
		return nil, vendors.ShopRef{}, err
	}
	d, err := vendors.AsDevices(ad)
	if err != nil {
		return nil, vendors.ShopRef{}, err
	}
	return d, vendors.ShopRef{ShopNo: shop.SunmiShopNo, ShopID: shop.SunmiShopID, CompanyNo: shop.SunmiCompanyNo}, nil
}

func fromDevice(shopID uint, d vendors.Device) models.Camera {
	c := models.Camera{ShopID: shopID, Vendor: sunmiVendor, VendorDeviceID: d.ID, SN: d.SN, Name: d.Name, Model: d.Model,
		Firmware: d.Firmware, MAC: d.MAC, Online: d.Online, ScreenshotURL: d.ScreenshotURL}
	if !d.LastConnect.IsZero() {
		t := d.LastConnect
		c.LastConnectAt = &t
	}
	if !d.CheckVersion.IsZero() {
		t := d.CheckVersion
		c.CheckVersionAt = &t
	}
	return c
}

// Sync replaces the shop's local camera list with the vendor's and records
// the outcome on the shop (shown on its page, with a retry). A vendor that
// finds no data for the shop empties the list and the error still says so:
// an empty shop and a wrong shop number look the same at Sunmi.
func (s *Service) Sync(ctx context.Context, shop models.Shop) (int, error) {
	devs, ref, err := s.devices(ctx, shop)
	var list []vendors.Device
	if err == nil {
		list, err = devs.ListDevices(ctx, ref)
	}
	if vendors.KindOf(err) == vendors.KindNoData {
		if serr := s.Store.SyncCameras(ctx, shop.ID, sunmiVendor, nil); serr != nil {
			return 0, serr
		}
	}
	if err != nil {
		if rerr := s.Store.SetShopSyncResult(ctx, shop.ID, s.Store.Now(), vendors.Compact(err)); rerr != nil {
			return 0, rerr
		}
		return 0, err
	}
	cams := make([]models.Camera, 0, len(list))
	for _, d := range list {
		cams = append(cams, fromDevice(shop.ID, d))
	}
	if err := s.Store.SyncCameras(ctx, shop.ID, sunmiVendor, cams); err != nil {
		return 0, err
	}
	return len(cams), s.Store.SetShopSyncResult(ctx, shop.ID, s.Store.Now(), "")
}

// Refresh asks the vendor for one camera's current details and stores them.
// On failure the stored camera is returned with the error.
func (s *Service) Refresh(ctx context.Context, shop models.Shop, cam models.Camera) (models.Camera, error) {
	devs, ref, err := s.devices(ctx, shop)
	if err != nil {
		return cam, err
	}
	d, err := devs.DeviceInfo(ctx, ref, vendors.DeviceRef{ID: cam.VendorDeviceID, SN: cam.SN})
	if err != nil {
		return cam, err
	}
	fresh := fromDevice(shop.ID, d)
	fresh.ID, fresh.CreatedAt = cam.ID, cam.CreatedAt
	if fresh.MAC == "" {
		fresh.MAC = cam.MAC
	}
	if err := s.Store.UpsertCamera(ctx, &fresh); err != nil {
		return cam, err
	}
	return fresh, nil
}

// Rename renames the camera at the vendor, then locally.
func (s *Service) Rename(ctx context.Context, actor models.Actor, shop models.Shop, cam models.Camera, name string) error {
	devs, ref, err := s.devices(ctx, shop)
	if err != nil {
		return err
	}
	if err := devs.RenameDevice(ctx, ref, vendors.DeviceRef{ID: cam.VendorDeviceID, SN: cam.SN}, name); err != nil {
		return err
	}
	if err := s.Store.RenameCamera(ctx, cam.ID, name); err != nil {
		return err
	}
	return s.Store.Audit(ctx, actor.Entry("camera.rename", "camera", cam.SN, fmt.Sprintf("%q -> %q", cam.Name, name)))
}

// Bind binds a camera to the shop at the vendor, then reads its details
// back and stores it. mac may have colons; the adapter normalises it.
func (s *Service) Bind(ctx context.Context, actor models.Actor, shop models.Shop, sn, mac string) (models.Camera, error) {
	devs, ref, err := s.devices(ctx, shop)
	if err != nil {
		return models.Camera{}, err
	}
	sn = strings.ToUpper(strings.TrimSpace(sn))
	if err := devs.BindDevice(ctx, ref, sn, mac); err != nil {
		return models.Camera{}, err
	}
	norm, _ := vendors.NormalizeMAC(mac)
	if err := s.Store.Audit(ctx, actor.Entry("camera.bind", "camera", sn, "shop "+strconv.FormatUint(uint64(shop.ID), 10)+" mac "+norm)); err != nil {
		return models.Camera{}, err
	}
	cam := models.Camera{ShopID: shop.ID, Vendor: sunmiVendor, SN: sn, Name: sn, MAC: norm}
	if d, err := devs.DeviceInfo(ctx, ref, vendors.DeviceRef{SN: sn}); err == nil {
		cam = fromDevice(shop.ID, d)
		cam.MAC = norm
	}
	// The bind stands at the vendor even if reading it back failed: store
	// what we know, the next sync fills in the rest.
	return cam, s.Store.UpsertCamera(ctx, &cam)
}

// Unbind unbinds the camera at the vendor and forgets it locally. A vendor
// that no longer knows the camera as bound here counts as done (alreadyGone).
func (s *Service) Unbind(ctx context.Context, actor models.Actor, shop models.Shop, cam models.Camera) (alreadyGone bool, err error) {
	devs, ref, err := s.devices(ctx, shop)
	if err != nil {
		return false, err
	}
	err = devs.UnbindDevice(ctx, ref, vendors.DeviceRef{ID: cam.VendorDeviceID, SN: cam.SN})
	switch vendors.KindOf(err) {
	case "":
		if err != nil {
			return false, err
		}
	case vendors.KindNotBound, vendors.KindDeviceUnknown:
		alreadyGone = true
	default:
		return false, err
	}
	if err := s.Store.DeleteCamera(ctx, cam.ID); err != nil {
		return alreadyGone, err
	}
	return alreadyGone, s.Store.Audit(ctx, actor.Entry("camera.unbind", "camera", cam.SN, "shop "+strconv.FormatUint(uint64(shop.ID), 10)))
}

// CompanyDevices lists every camera of the account's company at the vendor.
func (s *Service) CompanyDevices(ctx context.Context, acc models.VendorAccount) ([]vendors.Device, error) {
	ad, err := s.Accounts.Open(acc)
	if err != nil {
		return nil, err
	}
	devs, err := vendors.AsDevices(ad)
	if err != nil {
		return nil, err
	}
	return devs.CompanyDevices(ctx, acc.CompanyNo)
}

// maxScreenshot caps what a screenshot fetch reads.
const maxScreenshot = 5 << 20

// ErrNoScreenshot means the camera has no screenshot, or it is not an image.
var ErrNoScreenshot = errors.New("no screenshot")

// Screenshot fetches the camera's screenshot from the URL its vendor gave.
// Only that URL is ever fetched: the browser names a camera, never a URL.
func (s *Service) Screenshot(ctx context.Context, cam models.Camera) (contentType string, body []byte, err error) {
	if cam.ScreenshotURL == "" {
		return "", nil, ErrNoScreenshot
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cam.ScreenshotURL, nil)
	if err != nil {
		return "", nil, ErrNoScreenshot
	}
	resp, err := s.screenshotClient(ctx, cam).Do(req)
	if err != nil {
		if r, ok := netguard.IsRefusal(err); ok {
			return "", nil, fmt.Errorf("screenshot of %s: %w: %w", cam.SN, r, ErrNoScreenshot)
		}
		return "", nil, fmt.Errorf("screenshot of %s: %w", cam.SN, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("screenshot of %s: HTTP %d: %w", cam.SN, resp.StatusCode, ErrNoScreenshot)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxScreenshot+1))
	if err != nil {
		return "", nil, err
	}
	if len(body) > maxScreenshot {
		return "", nil, fmt.Errorf("screenshot of %s too large: %w", cam.SN, ErrNoScreenshot)
	}
	// Trust the bytes, not the vendor's header: only images go to the browser.
	ct := http.DetectContentType(body)
	if mt, _, _ := mime.ParseMediaType(ct); !strings.HasPrefix(mt, "image/") {
		return "", nil, fmt.Errorf("screenshot of %s is %s: %w", cam.SN, ct, ErrNoScreenshot)
	}
	return ct, body, nil
}
