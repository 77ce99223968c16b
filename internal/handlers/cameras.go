package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"storelens/internal/cameras"
	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
	camview "storelens/web/templates/cameras"
)

// vendorCtx bounds a vendor call made while a person waits for the page.
func (s *Server) vendorCtx(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request.Context(), s.VendorTimeout)
}

// SyncCameras pulls the shop's camera list from its vendor.
func (s *Server) SyncCameras(c *gin.Context) {
	sh := currentShop(c)
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	n, err := s.Cameras.Sync(ctx, *sh)
	l := loc(c)
	switch {
	case err == nil:
		s.flash(c, true, l.Tn("cameras.synced", n, nil))
	case isVendorSide(err):
		// The failure is stored on the shop and shown with a retry button.
		s.logger(c).Warn("camera sync failed", "shop", sh.ID, "err", err)
	default:
		s.fail(c, err)
		return
	}
	redirect(c, shopHref(sh.ID))
}

// BindForm shows the bind-a-camera form.
func (s *Server) BindForm(c *gin.Context) {
	sh := currentShop(c)
	s.render(c, http.StatusOK, camview.Bind(bindView(sh, "", "", nil, "")))
}

func bindView(sh *models.Shop, sn, mac string, errs formErrors, msg string) camview.BindView {
	return camview.BindView{ShopName: sh.Name, ShopHref: shopHref(sh.ID), Action: shopHref(sh.ID) + "/cameras/bind",
		SN: sn, MAC: mac, Errors: errs, Error: msg}
}

// Bind binds a camera by SN and MAC at the vendor. Any refusal re-renders
// the form with what was typed and the vendor's reason.
func (s *Server) Bind(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	sn, mac := strings.ToUpper(text(c, "sn")), text(c, "mac")
	if errs, _ := validateBind(l, sn, mac); len(errs) > 0 {
		s.render(c, http.StatusUnprocessableEntity, camview.Bind(bindView(sh, sn, mac, errs, "")))
		return
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	cam, err := s.Cameras.Bind(ctx, actor(c), *sh, sn, mac)
	if err != nil {
		if !isVendorSide(err) {
			s.fail(c, err)
			return
		}
		s.render(c, http.StatusUnprocessableEntity, camview.Bind(bindView(sh, sn, mac, nil, vendorMessage(l, err))))
		return
	}
	s.flash(c, true, l.Tf("bind.done", map[string]any{"SN": cam.SN}))
	redirect(c, shopHref(sh.ID))
}

// ShowCamera shows one camera with details fresh from the vendor; when the
// vendor cannot be asked, the stored details and a retry.
func (s *Server) ShowCamera(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	if cam.Vendor == sunmilan.Name { // a LAN camera's page is its settings page (devices area)
		c.Redirect(http.StatusFound, lanHref(sh.ID, cam.ID))
		return
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	fresh, err := s.Cameras.Refresh(ctx, *sh, *cam)
	v := s.cameraView(*sh, fresh)
	if err != nil {
		if !isVendorSide(err) {
			s.fail(c, err)
			return
		}
		v.RefreshError = vendorMessage(loc(c), err)
	}
	s.render(c, http.StatusOK, camview.Detail(v))
}

func (s *Server) cameraView(sh models.Shop, cam models.Camera) camview.DetailView {
	tz := zone(sh.Timezone)
	href := cameraHref(sh.ID, cam.ID)
	v := camview.DetailView{
		ShopName: sh.Name, ShopHref: shopHref(sh.ID), Name: cam.Name, SN: cam.SN, ID: cam.VendorDeviceID,
		Model: cam.Model, Firmware: cam.Firmware, MAC: cam.MAC, Online: cam.Online,
		LastConnect: formatTime(cam.LastConnectAt, tz), CheckVersion: formatTime(cam.CheckVersionAt, tz),
		SyncedAt: formatTime(cam.SyncedAt, tz), RenameAction: href + "/rename", UnbindHref: href + "/unbind",
		NewName: cam.Name, RefreshHref: href,
	}
	if cam.ScreenshotURL != "" {
		v.Screenshot = screenshotHref(sh.ID, cam.ID)
	}
	return v
}

// RenameCamera renames a camera at the vendor; a refusal keeps the typed
// name in the form with the reason.
func (s *Server) RenameCamera(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	l := loc(c)
	name := text(c, "name")
	v := s.cameraView(*sh, *cam)
	v.NewName = name
	if errs := validateCameraName(l, name); len(errs) > 0 {
		v.Errors = errs
		s.render(c, http.StatusUnprocessableEntity, camview.Detail(v))
		return
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	if err := s.Cameras.Rename(ctx, actor(c), *sh, *cam, name); err != nil {
		if !isVendorSide(err) {
			s.fail(c, err)
			return
		}
		v.Error = vendorMessage(l, err)
		s.render(c, http.StatusUnprocessableEntity, camview.Detail(v))
		return
	}
	s.flash(c, true, l.Tf("camera.renamed", map[string]any{"Name": name}))
	redirect(c, cameraHref(sh.ID, cam.ID))
}

// UnbindForm asks to confirm an unbind.
func (s *Server) UnbindForm(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	s.render(c, http.StatusOK, camview.Unbind(unbindView(sh, cam, "")))
}

func unbindView(sh *models.Shop, cam *models.Camera, msg string) camview.UnbindView {
	href := cameraHref(sh.ID, cam.ID)
	return camview.UnbindView{Name: cam.Name, SN: cam.SN, Action: href + "/unbind", Cancel: href, Error: msg}
}

// Unbind unbinds the camera at the vendor and removes it here.
func (s *Server) Unbind(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	l := loc(c)
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	gone, err := s.Cameras.Unbind(ctx, actor(c), *sh, *cam)
	if err != nil {
		if !isVendorSide(err) {
			s.fail(c, err)
			return
		}
		s.render(c, http.StatusUnprocessableEntity, camview.Unbind(unbindView(sh, cam, vendorMessage(l, err))))
		return
	}
	msg := l.Tf("camera.unbound", map[string]any{"Name": cam.Name})
	if gone {
		msg = l.Tf("camera.unbound_gone", map[string]any{"Name": cam.Name})
	}
	s.flash(c, true, msg)
	redirect(c, shopHref(sh.ID))
}

// Screenshot proxies the camera's screenshot from the URL the vendor gave,
// so the browser never sees a vendor URL.
func (s *Server) Screenshot(c *gin.Context) {
	cam := currentCamera(c)
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	ct, body, err := s.Cameras.Screenshot(ctx, *cam)
	if err != nil {
		if !errors.Is(err, cameras.ErrNoScreenshot) {
			s.logger(c).Warn("screenshot fetch failed", "camera", cam.ID, "err", err)
		}
		c.Header("Cache-Control", "no-store")
		c.Redirect(http.StatusFound, "/static/img/no-screenshot.svg")
		return
	}
	c.Header("Cache-Control", "private, max-age=60")
	c.Data(http.StatusOK, ct, body)
}
