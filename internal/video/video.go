// Package video runs the flows of the video area that span a vendor and
// the live proxy: a camera's live and playback sessions, a day of its
// recordings and motion detections, and snapshots. Vendor calls happen
// here, never in a handler; the streams themselves are internal/live's.
package video

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/cameras"
	"storelens/internal/live"
	"storelens/internal/models"
	"storelens/internal/netguard"
	"storelens/internal/vendors"
)

// Service is the video service.
type Service struct {
	Accounts *accounts.Service
	Streams  *live.Manager
	// HTTP fetches snapshot pictures from the URLs vendors returned.
	HTTP *http.Client
	// LAN opens Sunmi cameras on the LAN (lan.go); nil: they have no video.
	LAN LANOpener
	// Store keeps LAN cameras' clips.
	Store *models.Store
	// MediaHosts are the domain suffixes of the vendor's media (CDN) hosts
	// that its live and playback URLs may name besides the account's base
	// URL host (netguard: a stream URL elsewhere is refused).
	MediaHosts []string
}

// mediaPolicy is what a shop's vendor stream URLs may reach: the Sunmi
// cloud account's base URL host (the simulator serves its media itself)
// and the configured media host suffixes.
func (s *Service) mediaPolicy(ctx context.Context, shop models.Shop) *netguard.Policy {
	p := netguard.Policy{Shop: shop.ID, What: "stream"}.WithSuffixes(s.MediaHosts...)
	if shop.SunmiAccountID != nil && s.Accounts != nil && s.Accounts.Store != nil {
		if acc, err := s.Accounts.Store.VendorAccount(ctx, *shop.SunmiAccountID); err == nil {
			p = p.With(acc.BaseURL)
		}
	}
	return &p
}

// MaxPlayback is the longest range one playback asks the vendor for
// (000 §5.3.8 gives no limit but answers 5021 beyond one; the simulator,
// like the video list, takes an hour).
const MaxPlayback = time.Hour

// adapter opens the shop's vendor account.
func (s *Service) adapter(ctx context.Context, shop models.Shop) (vendors.Adapter, vendors.ShopRef, error) {
	if !shop.HasSunmi() {
		return nil, vendors.ShopRef{}, cameras.ErrNotLinked
	}
	ad, err := s.Accounts.Adapter(ctx, *shop.SunmiAccountID)
	if err != nil {
		return nil, vendors.ShopRef{}, err
	}
	return ad, vendors.ShopRef{ShopNo: shop.SunmiShopNo, ShopID: shop.SunmiShopID, CompanyNo: shop.SunmiCompanyNo}, nil
}

func devRef(cam models.Camera) vendors.DeviceRef {
	return vendors.DeviceRef{ID: cam.VendorDeviceID, SN: cam.SN}
}

// LiveKey names the shared live session of a camera and quality.
func LiveKey(camID uint, q vendors.Quality) string { return fmt.Sprintf("live/%d/%d", camID, q) }

// PlaybackKey names a playback session: a viewer's own (the page takes a
// new viewer id for each recording it plays).
func PlaybackKey(camID uint, viewer string) string {
	return fmt.Sprintf("pb/%d/%s", camID, viewer)
}

// NewViewer returns a fresh viewer id for a session of one's own.
func NewViewer() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type liveStarter struct {
	v    vendors.LiveVideo
	shop vendors.ShopRef
	dev  vendors.DeviceRef
	q    vendors.Quality
}

func (l liveStarter) Start(ctx context.Context) (vendors.Stream, error) {
	return l.v.StartLive(ctx, l.shop, l.dev, l.q)
}

func (l liveStarter) Stop(ctx context.Context, _ vendors.Stream) error {
	return l.v.StopLive(ctx, l.shop, l.dev, l.q)
}

type playbackStarter struct {
	p        vendors.Playback
	shop     vendors.ShopRef
	dev      vendors.DeviceRef
	from, to time.Time
}

func (p playbackStarter) Start(ctx context.Context) (vendors.Stream, error) {
	return p.p.StartPlayback(ctx, p.shop, p.dev, p.from, p.to)
}

func (p playbackStarter) Stop(ctx context.Context, st vendors.Stream) error {
	return p.p.StopPlayback(ctx, st)
}

// Live returns the camera's shared live session at quality q, creating it
// if needed. The vendor stream starts with Ready or the first viewer.
func (s *Service) Live(ctx context.Context, shop models.Shop, cam models.Camera, q vendors.Quality) (*live.Session, error) {
	if IsLAN(cam) {
		return s.lanLive(cam, q)
	}
	ad, ref, err := s.adapter(ctx, shop)
	if err != nil {
		return nil, err
	}
	lv, err := vendors.AsLiveVideo(ad)
	if err != nil {
		return nil, err
	}
	info := live.Info{Camera: cam.ID, Name: cam.Name, Kind: "live", Quality: q, Label: fmt.Sprintf("%s · live %d", cam.Name, q), Media: s.mediaPolicy(ctx, shop)}
	return s.Streams.Acquire(LiveKey(cam.ID, q), info, liveStarter{lv, ref, devRef(cam), q})
}

// Playback returns viewer's playback session of the camera's recording
// from..to (at most MaxPlayback).
func (s *Service) Playback(ctx context.Context, shop models.Shop, cam models.Camera, from, to time.Time, viewer string) (*live.Session, error) {
	if to.Sub(from) > MaxPlayback {
		to = from.Add(MaxPlayback)
	}
	if IsLAN(cam) {
		return s.lanPlayback(cam, from, to, viewer)
	}
	ad, ref, err := s.adapter(ctx, shop)
	if err != nil {
		return nil, err
	}
	pb, err := vendors.AsPlayback(ad)
	if err != nil {
		return nil, err
	}
	info := live.Info{Camera: cam.ID, Name: cam.Name, Kind: "playback", From: from, Label: fmt.Sprintf("%s · playback %s", cam.Name, from.UTC().Format("15:04:05Z")), Media: s.mediaPolicy(ctx, shop)}
	return s.Streams.Acquire(PlaybackKey(cam.ID, viewer), info, playbackStarter{pb, ref, devRef(cam), from, to})
}

// Day is a camera's recordings and motion detections of one day.
type Day struct {
	Recordings []vendors.Recording
	Motions    []vendors.Motion
}

// Day lists the camera's recordings and motion detections between from
// and to (a day in the shop's time zone).
func (s *Service) Day(ctx context.Context, shop models.Shop, cam models.Camera, from, to time.Time) (Day, error) {
	if IsLAN(cam) {
		return s.lanDay(ctx, cam, from, to)
	}
	ad, ref, err := s.adapter(ctx, shop)
	if err != nil {
		return Day{}, err
	}
	rc, err := vendors.AsRecordings(ad)
	if err != nil {
		return Day{}, err
	}
	var d Day
	if d.Recordings, err = rc.Recordings(ctx, ref, devRef(cam), from, to); err != nil {
		return Day{}, err
	}
	if d.Motions, err = rc.Motions(ctx, ref, devRef(cam), from, to); err != nil {
		return Day{}, err
	}
	return d, nil
}

// maxSnapshot caps a snapshot picture.
const maxSnapshot = 10 << 20

// ErrNotImage means the vendor's snapshot URL did not give a picture.
var ErrNotImage = errors.New("video: the snapshot is not a picture")

// Snapshot gets a picture of the camera now (at nil) or at a past time,
// fetched server side from the URL the vendor returned.
func (s *Service) Snapshot(ctx context.Context, shop models.Shop, cam models.Camera, at *time.Time) (string, []byte, error) {
	if IsLAN(cam) {
		return s.lanSnapshot(ctx, cam, at)
	}
	ad, ref, err := s.adapter(ctx, shop)
	if err != nil {
		return "", nil, err
	}
	sn, err := vendors.AsSnapshots(ad)
	if err != nil {
		return "", nil, err
	}
	var u string
	if at == nil {
		u, err = sn.LiveSnapshot(ctx, ref, devRef(cam))
	} else {
		u, err = sn.SnapshotAt(ctx, ref, devRef(cam), *at)
	}
	if err != nil {
		return "", nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", nil, ErrNotImage
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		// The error names the URL and its auth_key: keep only the cause.
		return "", nil, fmt.Errorf("video: snapshot of %s: %w", cam.SN, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("video: snapshot of %s: HTTP %d: %w", cam.SN, resp.StatusCode, ErrNotImage)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSnapshot+1))
	if err != nil {
		return "", nil, err
	}
	ct := http.DetectContentType(body)
	if mt, _, _ := mime.ParseMediaType(ct); len(body) > maxSnapshot || !strings.HasPrefix(mt, "image/") {
		return "", nil, ErrNotImage
	}
	return ct, body, nil
}
