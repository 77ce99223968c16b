package devices

import (
	"context"
	"log/slog"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmilan"
)

// Status is the periodic status check: it asks each vendor which cameras
// are online and records every change (models.RecordCameraStatus), so a
// camera's page can say "offline since" and a shop's health its history.
type Status struct {
	Store    *models.Store
	Accounts *accounts.Service
	LAN      *LAN
	Log      *slog.Logger
	Now      func() time.Time
	// PerCall bounds each vendor call of a check.
	PerCall time.Duration
}

// Run checks now and then every interval until ctx ends.
func (s *Status) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.CheckAll(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("camera status check failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Status) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Status) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	d := s.PerCall
	if d <= 0 {
		d = 10 * time.Second
	}
	return context.WithTimeout(ctx, d)
}

// CheckAll checks the Sunmi cloud cameras of every linked shop, then every
// LAN camera. A shop whose vendor cannot be asked is skipped (logged): its
// cameras' state is unknown, not offline.
func (s *Status) CheckAll(ctx context.Context) error {
	shops, err := s.Store.LinkedShops(ctx)
	if err != nil {
		return err
	}
	for _, sh := range shops {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := s.checkShop(ctx, sh); err != nil {
			s.Log.Info("status check: shop skipped", "shop", sh.ID, "err", err)
		}
	}
	cams, err := s.Store.CamerasOfVendor(ctx, sunmilan.Name)
	if err != nil {
		return err
	}
	for _, cam := range cams {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.checkLAN(ctx, cam)
	}
	return nil
}

// checkShop reads the shop's camera list at Sunmi cloud (getList carries
// each camera's active_status) and records each known camera's state.
func (s *Status) checkShop(ctx context.Context, sh models.Shop) error {
	if !sh.HasSunmi() {
		return nil
	}
	ad, err := s.Accounts.Adapter(ctx, *sh.SunmiAccountID)
	if err != nil {
		return err
	}
	devs, err := vendors.AsDevices(ad)
	if err != nil {
		return err
	}
	cctx, cancel := s.callCtx(ctx)
	list, err := devs.ListDevices(cctx, vendors.ShopRef{ShopNo: sh.SunmiShopNo, ShopID: sh.SunmiShopID, CompanyNo: sh.SunmiCompanyNo})
	cancel()
	if err != nil {
		return err
	}
	online := make(map[string]bool, len(list))
	for _, d := range list {
		online[d.SN] = d.Online
	}
	cams, err := s.Store.Cameras(ctx, sh.ID)
	if err != nil {
		return err
	}
	at := s.now()
	for _, cam := range cams {
		if cam.Vendor != sunmicloud.Name {
			continue
		}
		on, listed := online[cam.SN]
		if !listed {
			continue // gone from the vendor's list: the next sync removes it
		}
		if _, err := s.Store.RecordCameraStatus(ctx, cam.ID, on, at); err != nil {
			return err
		}
	}
	return nil
}

// checkLAN asks a LAN camera for its info: an answer (even "not activated")
// is online; silence is offline. A changed certificate is recorded by the
// LAN service and counts as offline: we cannot talk to it.
func (s *Status) checkLAN(ctx context.Context, cam models.Camera) {
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	err := s.LAN.with(cctx, nil, cam, "", "", func(c *sunmilan.Client) error {
		_, err := c.Info(cctx)
		return err
	})
	switch vendors.KindOf(err) {
	case "", vendors.KindNotActivated, vendors.KindAuth, vendors.KindClock, vendors.KindOther, vendors.KindInvalidParam, vendors.KindInternal:
		if err != nil && vendors.KindOf(err) == "" {
			return // not a vendor error: no account, unreadable secret
		}
		s.record(ctx, cam, true)
	default:
		s.record(ctx, cam, false)
	}
}

func (s *Status) record(ctx context.Context, cam models.Camera, online bool) {
	if _, err := s.Store.RecordCameraStatus(ctx, cam.ID, online, s.now()); err != nil {
		s.Log.Warn("record camera status", "camera", cam.ID, "err", err)
	}
}
