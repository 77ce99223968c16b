package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"storelens/internal/events"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
	evview "storelens/web/templates/events"
)

// cameraDeliveries are the shop's LAN cameras and their event delivery,
// for its events settings page; refused is the camera whose choice was
// refused (0: none), with the choice kept and the reason.
func (s *Server) cameraDeliveries(c *gin.Context, sh *models.Shop, refused uint, choice, msg string) ([]evview.CameraDelivery, error) {
	cams, err := s.Store.ShopCamerasOfVendor(c.Request.Context(), sh.ID, sunmilan.Name)
	if err != nil {
		return nil, err
	}
	admin := currentUser(c).IsAdmin()
	out := make([]evview.CameraDelivery, 0, len(cams))
	for _, cam := range cams {
		d := evview.CameraDelivery{Name: cam.Name, SN: cam.SN, Href: lanHref(sh.ID, cam.ID), Delivery: cam.EventDelivery,
			Callback: cam.HookCallback}
		if d.Name == "" {
			d.Name = cam.SN
		}
		if admin {
			d.Action = cameraHref(sh.ID, cam.ID) + "/events/delivery"
		}
		if cam.ID == refused {
			d.Delivery, d.Error = choice, msg
		}
		out = append(out, d)
	}
	return out, nil
}

// SaveCameraDelivery is a shop admin's choice of how a LAN camera delivers
// its events; it takes effect at once (no restart). A choice that cannot
// run is refused with the reason, the choice kept in the form.
func (s *Server) SaveCameraDelivery(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	l := loc(c)
	choice := c.PostForm("delivery")
	if !events.ValidDelivery(choice) || cam.Vendor != sunmilan.Name {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	err := s.Events.Service.SetCameraDelivery(c.Request.Context(), actor(c), *cam, choice)
	if err == nil {
		s.flash(c, true, l.T("common.saved"))
		redirect(c, shopHref(sh.ID)+"/events/settings#camera-delivery")
		return
	}
	msg, ok := deliveryMessage(l, err)
	if !ok {
		s.fail(c, err)
		return
	}
	s.logger(c).Info("camera event delivery refused", "camera", cam.ID, "delivery", choice, "err", err)
	groups, gerr := s.Events.Service.ShopAlertGroups(c.Request.Context(), sh.ID)
	if gerr != nil {
		s.fail(c, gerr)
		return
	}
	v := s.shopSettingsView(c, sh, strings.Join(groups, ", "), "")
	if v.Cameras, err = s.cameraDeliveries(c, sh, cam.ID, choice, msg); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusUnprocessableEntity, evview.ShopSettings(s.shopHeader(c, sh, "events"), v))
}

// deliveryMessage says why a delivery cannot run, in the user's language.
func deliveryMessage(l *i18n.Localizer, err error) (string, bool) {
	switch {
	case errors.Is(err, events.ErrNoPin):
		return l.T("events.delivery_err.no_pin"), true
	case errors.Is(err, events.ErrNoLANAccount):
		return l.T("events.delivery_err.no_account"), true
	case errors.Is(err, events.ErrLoopbackCallback):
		return l.T("eventsources.err.loopback_callback"), true
	case errors.Is(err, events.ErrNoConnectorHook):
		return l.T("edge2.no_hook"), true
	case errors.Is(err, events.ErrNoCallback):
		return l.T("events.delivery_err.no_callback"), true
	case errors.Is(err, events.ErrNotLANCamera):
		return l.T("events.delivery_err.not_lan"), true
	case errors.Is(err, events.ErrBadAddress):
		return l.T("events.delivery_err.address"), true
	}
	return "", false
}
