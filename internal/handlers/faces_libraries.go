package handlers

import (
	"net/url"

	"github.com/gin-gonic/gin"

	"storelens/internal/faces"
	"storelens/internal/i18n"
	"storelens/internal/models"
	faceview "storelens/web/templates/faces"
)

// A shop may have several face libraries (its Sunmi cloud shop, each Sunmi
// camera on its LAN). The pages about one library carry its key as ?lib=
// (forms in their action, the GET visitors form in a hidden field); no key
// is the shop's first library.

// faceLib is the library key the request names.
func faceLib(c *gin.Context) string { return c.Query("lib") }

// withLib adds the library key to href.
func withLib(href, key string) string {
	if key == "" {
		return href
	}
	return href + "?lib=" + url.QueryEscape(key)
}

// groupsOf keeps the groups of the library caps are of.
func groupsOf(groups []models.FaceGroup, caps faces.Caps) []models.FaceGroup {
	if caps.Key == "" || len(caps.Libraries) < 2 {
		return groups
	}
	var out []models.FaceGroup
	for _, g := range groups {
		if faces.LibraryKey(g.Vendor, g.Source) == caps.Key {
			out = append(out, g)
		}
	}
	return out
}

// libraryLabel is a library as the pages name it: the vendor, and the
// camera for a camera's library.
func (s *Server) libraryLabel(l *i18n.Localizer, li faces.LibraryInfo) string {
	label := s.vendorLabel(l, li.Vendor)
	if li.Source != "" {
		label += " · " + li.Label
	}
	return label
}

// libraryTabs are the shop's libraries to choose from on the overview.
func (s *Server) libraryTabs(l *i18n.Localizer, sh *models.Shop, caps faces.Caps) []faceview.LibraryTab {
	var out []faceview.LibraryTab
	for _, li := range caps.Libraries {
		out = append(out, faceview.LibraryTab{Label: s.libraryLabel(l, li), Href: withLib(facesHref(sh.ID), li.Key), Active: li.Key == caps.Key})
	}
	return out
}

// currentLibraryLabel names the library caps are of, when there is a choice.
func (s *Server) currentLibraryLabel(l *i18n.Localizer, caps faces.Caps) string {
	if len(caps.Libraries) < 2 {
		return ""
	}
	for _, li := range caps.Libraries {
		if li.Key == caps.Key {
			return s.libraryLabel(l, li)
		}
	}
	return ""
}

// sameLibrary keeps the groups of g's library: faces move only within one.
func sameLibrary(groups []models.FaceGroup, g models.FaceGroup) []models.FaceGroup {
	var out []models.FaceGroup
	for _, x := range groups {
		if x.Vendor == g.Vendor && x.Source == g.Source {
			out = append(out, x)
		}
	}
	return out
}
