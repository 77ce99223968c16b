package handlers

import (
	"github.com/gin-gonic/gin"

	"storelens/internal/models"
	"storelens/web/templates/shops"
)

// shopTab is one tab of a shop's pages, added by the area that serves it.
type shopTab struct {
	Key  string // message id of the label
	Path string // under /shops/:id ("" for the shop's main page)
	Name string // matched against the active tab
	// Show, when set, decides whether the shop has this tab (an area the
	// shop's vendors do not offer is not shown).
	Show func(sh *models.Shop) bool
}

// shopHeader is the header every shop page shows: name, address, tabs.
func (s *Server) shopHeader(c *gin.Context, sh *models.Shop, active string) shops.Header {
	h := shops.Header{Name: sh.Name, City: sh.City, Address: sh.Address, Timezone: sh.Timezone}
	if currentUser(c).IsAdmin() {
		h.EditHref, h.DeleteHref = shopHref(sh.ID)+"/edit", shopHref(sh.ID)+"/delete"
	}
	for _, t := range s.shopTabs {
		if t.Show != nil && !t.Show(sh) {
			continue
		}
		h.Tabs = append(h.Tabs, shops.Tab{Href: shopHref(sh.ID) + t.Path, Key: t.Key, Active: t.Name == active})
	}
	return h
}
