package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"storelens/web/templates/home"
)

// Home is the start page: my shops and cameras at a glance.
func (s *Server) Home(c *gin.Context) {
	ctx := c.Request.Context()
	sc := scope(c)
	shops, err := s.Store.CountShops(ctx, sc)
	if err != nil {
		s.fail(c, err)
		return
	}
	total, offline, err := s.Store.CameraStats(ctx, sc)
	if err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.Store.OfflineCameras(ctx, sc, 20)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := home.View{Shops: shops, Cameras: total, Offline: offline, NoShopsYet: shops == 0, IsAdmin: currentUser(c).IsAdmin()}
	for _, oc := range list {
		v.OfflineList = append(v.OfflineList, home.OfflineCamera{
			Href: cameraHref(oc.ShopID, oc.ID), Name: oc.Name, SN: oc.SN, Shop: oc.ShopName,
			LastSeen: formatTime(oc.LastConnectAt, zone(oc.ShopTimezone)),
		})
	}
	s.render(c, http.StatusOK, home.Page(v))
}
