package handlers

import (
	"errors"
	"strconv"

	"github.com/gin-gonic/gin"

	"storelens/internal/devices"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/vendors/senselink"
	"storelens/internal/vendors/sunmilan"
	"storelens/web/templates/layout"
)

// DevicesDeps is what the devices area needs, built in cmd/web.
type DevicesDeps struct {
	LAN       *devices.LAN
	SenseLink *devices.SenseLink
}

// registerDevices adds the devices area's routes, navigation and shop tabs:
// a shop's LAN cameras (discovery, adding) and their settings pages, the
// shop's camera health, and the SenseLink pages.
func (s *Server) registerDevices(rt routes) {
	s.shopTabs = append(s.shopTabs,
		shopTab{Key: "devices.tab.lan", Path: "/lan", Name: "lan"},
		shopTab{Key: "devices.tab.health", Path: "/health", Name: "health"})
	s.adminNav = append(s.adminNav, layout.NavItem{Href: "/senselink", Key: "devices.nav.senselink", Section: "senselink"})

	rt.shop.GET("/health", s.ShopHealth)
	rt.shop.GET("/lan", s.ShopLAN)
	rt.shopAdmin.POST("/lan/discover", s.DiscoverLAN)
	rt.shopAdmin.POST("/lan/add", s.AddLAN)
	rt.shopAdmin.POST("/lan/settings", s.SaveDiscoverySettings)

	lan := rt.camera.Group("/lan", s.requireLAN)
	lan.GET("", s.LANSettings)
	lan.GET("/snapshot", s.LANSnapshot)
	for section := range lanSections {
		lan.POST("/"+section, s.SaveLANSection)
	}
	lan.GET("/format-sd", s.FormatSDForm)
	lan.POST("/format-sd", s.FormatSD)
	lan.GET("/reboot", s.RebootForm)
	lan.POST("/reboot", s.Reboot)
	lan.GET("/reset", s.requireAdmin, s.ResetForm)
	lan.POST("/reset", s.requireAdmin, s.Reset)
	lan.POST("/activate", s.requireAdmin, s.ActivateLAN)
	lan.POST("/wifi-before", s.requireAdmin, s.WifiBeforeActivation)
	lan.POST("/trust", s.requireAdmin, s.TrustCertificate)
	lan.GET("/remove", s.requireAdmin, s.RemoveLANForm)
	lan.POST("/remove", s.requireAdmin, s.RemoveLAN)

	sl := rt.admin.Group("/senselink")
	sl.GET("", s.SenseLinkAccounts)
	acc := sl.Group("/:account", s.loadSenseLink)
	acc.GET("", s.SenseLinkOverview)
	acc.GET("/devices/:device/edit", s.SenseLinkDeviceForm)
	acc.POST("/devices/:device", s.SenseLinkUpdateDevice)
	acc.GET("/devices/:device/delete", s.SenseLinkDeleteDeviceForm)
	acc.POST("/devices/:device/delete", s.SenseLinkDeleteDevice)
	acc.GET("/departments", s.SenseLinkDepartments)
	acc.POST("/departments", s.SenseLinkAddDepartment)
	acc.GET("/departments/:dept/edit", s.SenseLinkDepartmentForm)
	acc.POST("/departments/:dept", s.SenseLinkUpdateDepartment)
	acc.GET("/departments/:dept/delete", s.SenseLinkDeleteDepartmentForm)
	acc.POST("/departments/:dept/delete", s.SenseLinkDeleteDepartment)
}

func lanHref(shop, cam uint) string { return cameraHref(shop, cam) + "/lan" }

func senselinkHref(account uint) string {
	return "/senselink/" + strconv.FormatUint(uint64(account), 10)
}

// requireLAN lets only LAN cameras through to their settings pages: any
// other camera is a 404 there.
func (s *Server) requireLAN(c *gin.Context) {
	if currentCamera(c).Vendor != sunmilan.Name || s.Devices.LAN == nil {
		s.notFound(c)
		c.Abort()
		return
	}
	c.Next()
}

// fieldMessages turns an adapter's refusal of values (sunmilan or senselink
// FieldErrors) into messages by form field, in the reader's language. It
// reports false when err holds no such refusal.
func fieldMessages(l *i18n.Localizer, err error) (formErrors, bool) {
	e := formErrors{}
	var lan sunmilan.FieldErrors
	var sl senselink.FieldErrors
	switch {
	case errors.As(err, &lan):
		for _, fe := range lan {
			e.add(fe.Field, lanRuleMessage(l, fe))
		}
	case errors.As(err, &sl):
		for _, fe := range sl {
			if fe.Rule == "max_len" {
				e.add(fe.Field, l.Tf("form.too_long", map[string]any{"Max": fe.Max}))
			} else {
				e.add(fe.Field, l.T("form.required"))
			}
		}
	default:
		return nil, false
	}
	return e, true
}

func lanRuleMessage(l *i18n.Localizer, fe *sunmilan.FieldError) string {
	switch fe.Rule {
	case sunmilan.RuleRange:
		return l.Tf("devices.err.range", map[string]any{"Min": fe.Min, "Max": fe.Max})
	case sunmilan.RuleMaxLen:
		return l.Tf("form.too_long", map[string]any{"Max": fe.Max})
	case sunmilan.RuleRequired:
		return l.T("form.required")
	case sunmilan.RuleOneOf:
		return l.Tf("devices.err.one_of", map[string]any{"Allowed": joinComma(fe.Allowed)})
	case sunmilan.RuleIPv4:
		return l.T("devices.err.ipv4")
	case sunmilan.RuleNetmask:
		return l.T("devices.err.netmask")
	case sunmilan.RuleSubnet:
		return l.T("devices.err.subnet")
	}
	return l.T("vendor.error.invalid_param")
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}

// devicesMessage is vendorMessage with the devices area's own errors.
func devicesMessage(l *i18n.Localizer, err error) string {
	switch {
	case errors.Is(err, devices.ErrNoAccount):
		return l.T("devices.err.no_account")
	case errors.Is(err, devices.ErrAlreadyAdded):
		return l.T("devices.err.already_added")
	case errors.Is(err, sunmilan.ErrPKCS12):
		return l.T("devices.account.cert_unreadable")
	}
	return vendorMessage(l, err)
}

// isDevicesSide is isVendorSide with the devices area's own errors.
func isDevicesSide(err error) bool {
	return isVendorSide(err) || errors.Is(err, devices.ErrNoAccount) || errors.Is(err, devices.ErrAlreadyAdded) ||
		errors.Is(err, sunmilan.ErrPKCS12) || errors.Is(err, devices.ErrNoChange) || errors.Is(err, devices.ErrNotSenseLink)
}

func scopeAll() models.Scope { return models.AllShops() }
