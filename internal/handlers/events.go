package handlers

import (
	"context"

	"storelens/internal/events"
	"storelens/internal/live"
	"storelens/web/templates/layout"
)

// EventsDeps is what the events area needs, built in cmd/web.
type EventsDeps struct {
	Service *events.Service
	Hub     *live.Hub
	// Demo makes the demo cameras produce an event now (demo mode only).
	Demo DemoEvents

	shops *shopCache
}

// DemoEvents is the demo's event simulators, as the feed's demo controls
// drive them.
type DemoEvents interface {
	// Emit has a camera of the shop produce an event now: kind "visitor"
	// (a stranger, or a regular called name), "vip" (a VIP, called name
	// if given) or "motion".
	Emit(ctx context.Context, shopID uint, kind, name string) error
	// Shops are the shops with demo cameras.
	Shops() []uint
}

// registerEvents adds the events area's routes, navigation and shop tabs.
func (s *Server) registerEvents(rt routes) {
	if s.Events.Service == nil || s.Events.Hub == nil {
		return // a server built without the events area (other areas' tests)
	}
	s.Events.shops = newShopCache(s.Store)
	s.Events.Hub.SetRenderer(s.renderEventCard)

	// Cameras post here; the post's own signature is its authentication.
	rt.engine.POST("/hooks/sunmi-ipc", s.EventWebhook)

	rt.user.GET("/events", s.EventFeed)
	rt.user.GET("/events/live", s.EventSocket)
	rt.user.GET("/events/history", s.EventHistory)
	rt.user.GET("/events/:event/picture", s.EventPicture)
	rt.user.GET("/events/:event/clip", s.EventClip)
	rt.shop.GET("/events", s.ShopEventFeed)
	rt.shop.GET("/events/settings", s.ShopEventSettings)
	rt.shopAdmin.POST("/events/settings", s.SaveShopEventSettings)
	rt.camera.POST("/events/delivery", s.requireAdmin, s.SaveCameraDelivery)
	rt.admin.GET("/settings/events", s.RetentionForm)
	rt.admin.POST("/settings/events", s.SaveRetention)
	if s.Events.Demo != nil {
		rt.admin.POST("/events/demo", s.EmitDemoEvent)
	}

	s.nav = append(s.nav, layout.NavItem{Href: "/events", Key: "nav.events", Section: "events"})
	s.shopTabs = append(s.shopTabs, shopTab{Key: "tab.events", Path: "/events", Name: "events"})
}
