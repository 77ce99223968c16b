package handlers

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"storelens/internal/devices"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
	devview "storelens/web/templates/devices"
)

// lanAction is a parsed save of one settings section, ready to run.
type lanAction func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error

// lanSection parses one section's form into an action; what cannot be
// parsed goes into errs. fields are the section's form fields (kept as
// typed when the save is refused).
type lanSection struct {
	fields []string
	parse  func(c *gin.Context, errs formErrors) lanAction
}

var weekdayFields = []string{"wd0", "wd1", "wd2", "wd3", "wd4", "wd5", "wd6", "wd7"}

// lanSections are the settings page's forms, by the last path segment.
var lanSections = map[string]lanSection{
	"name": {[]string{"name"}, func(c *gin.Context, errs formErrors) lanAction {
		name := text(c, "name")
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.SetName(ctx, a, cam, name)
		}
	}},
	"wifi": {[]string{"ssid"}, func(c *gin.Context, errs formErrors) lanAction {
		w := sunmilan.Wifi{SSID: text(c, "ssid"), Password: c.PostForm("password")}
		open := c.PostForm("open_network") == "1"
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.SetWifiKeeping(ctx, a, cam, w, !open && w.Password == "")
		}
	}},
	"ip": {[]string{"proto", "ipaddr", "netmask", "gateway", "dns1", "dns2"}, func(c *gin.Context, errs formErrors) lanAction {
		ip := sunmilan.IPConfig{Proto: text(c, "proto"), Address: text(c, "ipaddr"), Netmask: text(c, "netmask"),
			Gateway: text(c, "gateway"), DNS1: text(c, "dns1"), DNS2: text(c, "dns2")}
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.SetIP(ctx, a, cam, ip)
		}
	}},
	"lens": {[]string{"zoom", "focus"}, func(c *gin.Context, errs formErrors) lanAction {
		zoom, focus := intField(c, "zoom", errs), intField(c, "focus", errs)
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.SetLens(ctx, a, cam, zoom, focus)
		}
	}},
	"autofocus": {[]string{"focus_x", "focus_y"}, func(c *gin.Context, errs formErrors) lanAction {
		x, y := intField(c, "focus_x", errs), intField(c, "focus_y", errs)
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.AutoFocus(ctx, a, cam, x, y)
		}
	}},
	"lens-reset": {nil, func(c *gin.Context, errs formErrors) lanAction {
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.ResetLens(ctx, a, cam)
		}
	}},
	"ir": {[]string{"irmode"}, func(c *gin.Context, errs formErrors) lanAction {
		m := intField(c, "irmode", errs)
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.SetIR(ctx, a, cam, sunmilan.IRMode(m))
		}
	}},
	"detect": {append([]string{"motion_level", "audio_level", "start_time", "stop_time"}, weekdayFields...), func(c *gin.Context, errs formErrors) lanAction {
		d := sunmilan.DynamicDetect{MotionLevel: intField(c, "motion_level", errs), AudioLevel: intField(c, "audio_level", errs),
			Start: minuteField(c, "start_time", errs), Stop: minuteField(c, "stop_time", errs)}
		for i, f := range weekdayFields {
			if c.PostForm(f) == "1" {
				d.Weekdays |= 1 << i
			}
		}
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.SetDetect(ctx, a, cam, d)
		}
	}},
	"led": {[]string{"led_switch"}, func(c *gin.Context, errs formErrors) lanAction {
		on := c.PostForm("led_switch") == "1"
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.SetLED(ctx, a, cam, on)
		}
	}},
	"rotation": {[]string{"rotation"}, func(c *gin.Context, errs formErrors) lanAction {
		r := intField(c, "rotation", errs)
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.SetRotation(ctx, a, cam, r)
		}
	}},
	"face": {[]string{"optimize_seconds"}, func(c *gin.Context, errs formErrors) lanAction {
		n := intField(c, "optimize_seconds", errs)
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.SetFace(ctx, a, cam, n)
		}
	}},
	"doorline": {[]string{"resolution", "start_x", "start_y", "end_x", "end_y"}, func(c *gin.Context, errs formErrors) lanAction {
		d := sunmilan.DoorLine{Resolution: intField(c, "resolution", errs), StartX: intField(c, "start_x", errs),
			StartY: intField(c, "start_y", errs), EndX: intField(c, "end_x", errs), EndY: intField(c, "end_y", errs)}
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.SetDoorLine(ctx, a, cam, d)
		}
	}},
	"flow": {[]string{"facerecog_interval", "customer_judgemode"}, func(c *gin.Context, errs formErrors) lanAction {
		f := sunmilan.FlowConfig{FaceRecogInterval: intField(c, "facerecog_interval", errs), JudgeMode: intField(c, "customer_judgemode", errs)}
		return func(ctx context.Context, lan *devices.LAN, a models.Actor, cam models.Camera) error {
			return lan.SetFlow(ctx, a, cam, f)
		}
	}},
}

// intField reads a whole number; anything else is a field error.
func intField(c *gin.Context, name string, errs formErrors) int {
	v := text(c, name)
	n, err := strconv.Atoi(v)
	if err != nil {
		errs.add(name, loc(c).T("devices.err.integer"))
	}
	return n
}

// minuteField reads "HH:MM" (00:00 to 24:00) as minutes of the day.
func minuteField(c *gin.Context, name string, errs formErrors) int {
	v := text(c, name)
	h, m, ok := strings.Cut(v, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > sunmilan.MaxMinute {
		errs.add(name, loc(c).T("devices.err.time"))
		return 0
	}
	return hh*60 + mm
}

func hhmm(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }

// lanHeader is what every page of a LAN camera shows of it.
func (s *Server) lanHeader(c *gin.Context, sh *models.Shop, cam models.Camera) devview.CameraHeader {
	h := devview.CameraHeader{ShopName: sh.Name, ShopHref: shopHref(sh.ID) + "/lan", Href: lanHref(sh.ID, cam.ID),
		Name: cam.Name, SN: cam.SN, Model: cam.Model, Address: cam.Address, Firmware: cam.Firmware, MAC: cam.MAC,
		Network: cam.NetworkMode, Online: cam.Online, Activated: cam.Activated, IsAdmin: currentUser(c).IsAdmin(),
		Fingerprint: sunmilan.FormatFingerprint(cam.CertFingerprint)}
	if s.Video.Service != nil {
		h.VideoHref = cameraHref(sh.ID, cam.ID)
	}
	if cam.CertPresented != "" && cam.CertPresented != cam.CertFingerprint {
		h.Presented = sunmilan.FormatFingerprint(cam.CertPresented)
	}
	return h
}

// lanView reads the camera's settings and builds its page; a camera that
// cannot be read gives the page with the reason (and, before activation,
// the activation panel).
func (s *Server) lanView(c *gin.Context, sh *models.Shop, cam models.Camera) devview.SettingsView {
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	st, err := s.Devices.LAN.Settings(ctx, cam)
	if fresh, ferr := s.Store.Camera(c.Request.Context(), sh.ID, cam.ID); ferr == nil {
		cam = fresh // the read may have pinned, renamed or flagged a certificate
	}
	v := devview.SettingsView{Values: map[string]string{}, Errors: map[string][]string{}, Snapshot: lanHref(sh.ID, cam.ID) + "/snapshot"}
	if err != nil {
		if !isDevicesSide(err) {
			s.logger(c).Error("read LAN camera", "camera", cam.ID, "err", err)
		}
		v.ReadError = devicesMessage(loc(c), err)
		switch vendors.KindOf(err) {
		case vendors.KindNotActivated:
			v.NotActivated = true
			cam.Activated = false
			if aps, aerr := s.Devices.LAN.APsBeforeActivation(ctx, cam); aerr == nil {
				for _, ap := range aps {
					v.APs = append(v.APs, devview.AP{SSID: ap.SSID, KeyMgmt: ap.KeyMgmt})
				}
			}
		case vendors.KindCertChanged:
			v.CertChanged = true
		}
		v.Cam = s.lanHeader(c, sh, cam)
		return v
	}
	v.Loaded = true
	v.Cam = s.lanHeader(c, sh, cam)
	v.HookCallback = cam.HookCallback
	val := v.Values
	val["name"] = st.Name
	val["ssid"] = st.Wifi.SSID
	for _, ap := range st.APs {
		v.APs = append(v.APs, devview.AP{SSID: ap.SSID, KeyMgmt: ap.KeyMgmt})
	}
	val["proto"], val["ipaddr"], val["netmask"], val["gateway"], val["dns1"], val["dns2"] =
		st.IP.Proto, st.IP.Address, st.IP.Netmask, st.IP.Gateway, st.IP.DNS1, st.IP.DNS2
	itoa := strconv.Itoa
	val["zoom"], val["focus"], val["max_zoom"], val["max_focus"] = itoa(st.Lens.Zoom), itoa(st.Lens.Focus), itoa(st.Lens.MaxZoom), itoa(st.Lens.MaxFocus)
	val["focus_x"], val["focus_y"] = itoa(st.Lens.FocusX), itoa(st.Lens.FocusY)
	val["irmode"] = itoa(int(st.IR))
	val["motion_level"], val["audio_level"] = itoa(st.Detect.MotionLevel), itoa(st.Detect.AudioLevel)
	for i, f := range weekdayFields {
		if st.Detect.Weekdays&(1<<i) != 0 {
			val[f] = "1"
		}
	}
	val["start_time"], val["stop_time"] = hhmm(st.Detect.Start), hhmm(st.Detect.Stop)
	if st.LED {
		val["led_switch"] = "1"
	}
	val["rotation"] = itoa(st.Rotation)
	for _, a := range st.Angles {
		v.Angles = append(v.Angles, itoa(a))
	}
	v.SD = int(st.SD)
	v.HasFace = st.HasFace
	val["optimize_seconds"] = itoa(st.Optimize)
	d := st.DoorLine
	val["resolution"], val["start_x"], val["start_y"], val["end_x"], val["end_y"] = itoa(d.Resolution), itoa(d.StartX), itoa(d.StartY), itoa(d.EndX), itoa(d.EndY)
	val["facerecog_interval"], val["customer_judgemode"] = itoa(st.Flow.FaceRecogInterval), itoa(st.Flow.JudgeMode)
	for _, h := range st.Hooks {
		v.Hooks = append(v.Hooks, devview.Hook{Event: h.Event, Callbacks: h.Callbacks})
	}
	return v
}

// LANSettings shows a LAN camera's settings, read from the camera now.
func (s *Server) LANSettings(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	s.render(c, http.StatusOK, devview.Settings(s.lanView(c, sh, *cam)))
}

// SaveLANSection saves one section of the settings page. The values are
// checked against 003's ranges before anything is sent; after a save the
// page is read back from the camera. A refusal keeps what was typed.
func (s *Server) SaveLANSection(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	l := loc(c)
	name := path.Base(c.FullPath())
	sec := lanSections[name]
	errs := formErrors{}
	act := sec.parse(c, errs)
	msg := ""
	if len(errs) == 0 {
		ctx, cancel := s.vendorCtx(c)
		err := act(ctx, s.Devices.LAN, actor(c), *cam)
		cancel()
		if err == nil {
			s.flash(c, true, l.T("devices.saved"))
			c.Redirect(http.StatusSeeOther, lanHref(sh.ID, cam.ID)+"#"+sectionAnchor(name))
			return
		}
		if fe, ok := fieldMessages(l, err); ok {
			errs = fe
		} else if isDevicesSide(err) {
			msg = devicesMessage(l, err)
		} else {
			s.fail(c, err)
			return
		}
	}
	s.renderRefused(c, sh, *cam, name, sec.fields, errs, msg)
}

// renderRefused re-renders the settings page after a refused save: the
// camera's values everywhere but in the refused section, which keeps what
// was typed, with the reasons.
func (s *Server) renderRefused(c *gin.Context, sh *models.Shop, cam models.Camera, section string, fields []string, errs formErrors, msg string) {
	v := s.lanView(c, sh, cam)
	for _, f := range fields {
		v.Values[f] = text(c, f)
	}
	v.Errors, v.Section, v.SectionError = errs, section, msg
	if msg == "" && len(errs) > 0 {
		v.SectionError = loc(c).T("devices.err.check_fields")
	}
	s.render(c, http.StatusUnprocessableEntity, devview.Settings(v))
}

func sectionAnchor(section string) string {
	switch section {
	case "lens", "autofocus", "lens-reset":
		return "lens"
	case "ir", "rotation", "led":
		return "image"
	case "wifi", "ip":
		return "network"
	}
	return section
}

// LANSnapshot proxies a snapshot from the camera (through the pinned
// connection), so the browser never talks to the camera.
func (s *Server) LANSnapshot(c *gin.Context) {
	cam := currentCamera(c)
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	ct, body, err := s.Devices.LAN.Snapshot(ctx, *cam)
	if err != nil {
		s.logger(c).Info("LAN snapshot failed", "camera", cam.ID, "err", err)
		c.Header("Cache-Control", "no-store")
		c.Redirect(http.StatusFound, "/static/img/no-screenshot.svg")
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, ct, body)
}

func (s *Server) lanConfirm(c *gin.Context, status int, v devview.ConfirmView) {
	v.Cam = s.lanHeader(c, currentShop(c), *currentCamera(c))
	s.render(c, status, devview.Confirm(v))
}

// lanDo runs a one-button action and goes back to the settings page with
// its outcome.
func (s *Server) lanDo(c *gin.Context, section, done string, f func(ctx context.Context, a models.Actor, cam models.Camera) error) {
	sh, cam := currentShop(c), currentCamera(c)
	ctx, cancel := s.vendorCtx(c)
	err := f(ctx, actor(c), *cam)
	cancel()
	if err != nil {
		if !isDevicesSide(err) {
			s.fail(c, err)
			return
		}
		s.renderRefused(c, sh, *cam, section, nil, nil, devicesMessage(loc(c), err))
		return
	}
	s.flash(c, true, done)
	c.Redirect(http.StatusSeeOther, lanHref(sh.ID, cam.ID))
}

// FormatSDForm asks to confirm erasing the SD card.
func (s *Server) FormatSDForm(c *gin.Context) {
	l := loc(c)
	s.lanConfirm(c, http.StatusOK, devview.ConfirmView{Question: l.T("devices.sd.format_q"), Detail: l.T("devices.sd.format_detail"),
		Action: lanHref(currentShop(c).ID, currentCamera(c).ID) + "/format-sd", Label: l.T("devices.sd.format")})
}

// FormatSD erases the SD card.
func (s *Server) FormatSD(c *gin.Context) {
	s.lanDo(c, "format-sd", loc(c).T("devices.sd.formatted"), func(ctx context.Context, a models.Actor, cam models.Camera) error {
		return s.Devices.LAN.FormatSD(ctx, a, cam)
	})
}

// RebootForm asks once before a reboot.
func (s *Server) RebootForm(c *gin.Context) {
	l := loc(c)
	s.lanConfirm(c, http.StatusOK, devview.ConfirmView{Question: l.Tf("devices.reboot.q", map[string]any{"Name": currentCamera(c).Name}),
		Detail: l.T("devices.reboot.detail"), Action: lanHref(currentShop(c).ID, currentCamera(c).ID) + "/reboot", Label: l.T("devices.reboot.button")})
}

// Reboot restarts the camera (/device/reboot, never /device/reset).
func (s *Server) Reboot(c *gin.Context) {
	s.lanDo(c, "device", loc(c).T("devices.reboot.done"), func(ctx context.Context, a models.Actor, cam models.Camera) error {
		return s.Devices.LAN.Reboot(ctx, a, cam)
	})
}

// ResetForm is the first of the factory reset's two confirmations.
func (s *Server) ResetForm(c *gin.Context) {
	l := loc(c)
	s.lanConfirm(c, http.StatusOK, devview.ConfirmView{Question: l.Tf("devices.reset.q", map[string]any{"Name": currentCamera(c).Name}),
		Detail: l.T("devices.reset.detail"), Action: lanHref(currentShop(c).ID, currentCamera(c).ID) + "/reset",
		Label: l.T("devices.reset.continue"), Step: 1})
}

// Reset restores factory settings after two confirmations: the first
// page's button, then the camera's SN typed on the second.
func (s *Server) Reset(c *gin.Context) {
	l := loc(c)
	cam := currentCamera(c)
	second := devview.ConfirmView{Question: l.T("devices.reset.q2"), Detail: l.T("devices.reset.detail2"),
		Action: lanHref(currentShop(c).ID, cam.ID) + "/reset", Label: l.T("devices.reset.button"), Step: 2}
	switch c.PostForm("step") {
	case "1":
		s.lanConfirm(c, http.StatusOK, second)
		return
	case "2":
	default:
		s.ResetForm(c)
		return
	}
	if !strings.EqualFold(text(c, "confirm_sn"), cam.SN) {
		second.Error = l.T("devices.reset.sn_mismatch")
		s.lanConfirm(c, http.StatusUnprocessableEntity, second)
		return
	}
	s.lanDo(c, "device", l.T("devices.reset.done"), func(ctx context.Context, a models.Actor, cam models.Camera) error {
		return s.Devices.LAN.FactoryReset(ctx, a, cam)
	})
}

// ActivateLAN activates the camera with the account's activation code.
func (s *Server) ActivateLAN(c *gin.Context) {
	s.lanDo(c, "activate", loc(c).T("devices.activate.done"), func(ctx context.Context, a models.Actor, cam models.Camera) error {
		return s.Devices.LAN.Activate(ctx, a, cam)
	})
}

// WifiBeforeActivation sets the camera's Wi-Fi before it is activated.
func (s *Server) WifiBeforeActivation(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	l := loc(c)
	w := sunmilan.Wifi{SSID: text(c, "ssid"), Password: c.PostForm("password")}
	ctx, cancel := s.vendorCtx(c)
	err := s.Devices.LAN.SetWifiBeforeActivation(ctx, actor(c), *cam, w)
	cancel()
	if err == nil {
		s.flash(c, true, l.T("devices.wifi.saved"))
		c.Redirect(http.StatusSeeOther, lanHref(sh.ID, cam.ID))
		return
	}
	if fe, ok := fieldMessages(l, err); ok {
		s.renderRefused(c, sh, *cam, "wifi-before", []string{"ssid"}, fe, "")
		return
	}
	if !isDevicesSide(err) {
		s.fail(c, err)
		return
	}
	s.renderRefused(c, sh, *cam, "wifi-before", []string{"ssid"}, nil, devicesMessage(l, err))
}

// TrustCertificate pins the certificate the camera presents now, after an
// admin saw its fingerprint.
func (s *Server) TrustCertificate(c *gin.Context) {
	s.lanDo(c, "device", loc(c).T("devices.cert.trusted"), func(ctx context.Context, a models.Actor, cam models.Camera) error {
		return s.Devices.LAN.TrustPresented(ctx, a, cam)
	})
}

// RemoveLANForm asks to confirm removing the camera from StoreLens.
func (s *Server) RemoveLANForm(c *gin.Context) {
	l := loc(c)
	s.lanConfirm(c, http.StatusOK, devview.ConfirmView{Question: l.Tf("devices.remove.q", map[string]any{"Name": currentCamera(c).Name}),
		Detail: l.T("devices.remove.detail"), Action: lanHref(currentShop(c).ID, currentCamera(c).ID) + "/remove", Label: l.T("devices.remove.button")})
}

// RemoveLAN forgets the camera here; the camera itself is not touched.
func (s *Server) RemoveLAN(c *gin.Context) {
	sh, cam := currentShop(c), currentCamera(c)
	ctx := c.Request.Context()
	if err := s.Store.DeleteCamera(ctx, cam.ID); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Store.Audit(ctx, actor(c).Entry("camera.lan_remove", "camera", cam.SN, "shop "+strconv.FormatUint(uint64(sh.ID), 10))); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, loc(c).Tf("devices.remove.done", map[string]any{"Name": cam.Name}))
	redirect(c, shopHref(sh.ID)+"/lan")
}

// shopLANView is the shop's LAN tab without discovery results.
func (s *Server) shopLANView(c *gin.Context, sh *models.Shop) (devview.LANView, error) {
	ctx := c.Request.Context()
	base := shopHref(sh.ID) + "/lan"
	v := devview.LANView{Header: s.shopHeader(c, sh, "lan"), IsAdmin: currentUser(c).IsAdmin(), DiscoverAction: base + "/discover",
		AddAction: base + "/add", SettingsAction: base + "/settings"}
	cams, err := s.Store.Cameras(ctx, sh.ID)
	if err != nil {
		return v, err
	}
	for _, cam := range cams {
		if cam.Vendor != sunmilan.Name {
			continue
		}
		v.Cameras = append(v.Cameras, devview.LANCameraRow{Href: lanHref(sh.ID, cam.ID), Name: cam.Name, SN: cam.SN, Model: cam.Model,
			Address: cam.Address, Online: cam.Online, Activated: cam.Activated,
			CertChanged: cam.CertPresented != "" && cam.CertPresented != cam.CertFingerprint})
	}
	if s.Devices.LAN != nil {
		ds, err := s.Devices.LAN.DiscoverySettings(ctx)
		if err != nil {
			return v, err
		}
		v.Target, v.Listen = ds.Target, ds.Listen
	}
	accs, err := s.Store.VendorAccountsOf(ctx, sunmilan.Name)
	if err != nil {
		return v, err
	}
	for _, a := range accs {
		v.Accounts = append(v.Accounts, devview.AccountChoice{ID: strconv.FormatUint(uint64(a.ID), 10), Label: a.Name})
	}
	return v, nil
}

// ShopLAN is the shop's "LAN cameras" tab.
func (s *Server) ShopLAN(c *gin.Context) {
	v, err := s.shopLANView(c, currentShop(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, devview.LAN(v))
}

// DiscoverLAN runs a discovery (about five seconds) and shows what
// answered.
func (s *Server) DiscoverLAN(c *gin.Context) {
	sh := currentShop(c)
	v, err := s.shopLANView(c, sh)
	if err != nil {
		s.fail(c, err)
		return
	}
	if s.Devices.LAN == nil {
		s.notFound(c)
		return
	}
	ctx, cancel := s.vendorCtx(c)
	found, err := s.Devices.LAN.DiscoverIn(ctx, sh.ID)
	cancel()
	if err != nil {
		s.logger(c).Warn("LAN discovery failed", "err", err)
		v.Error = loc(c).Tf("devices.lan.discover_failed", map[string]any{"Err": err.Error()})
		s.render(c, http.StatusOK, devview.LAN(v))
		return
	}
	v.Discovered = true
	for _, f := range found {
		row := devview.FoundRow{SN: f.SN, Model: f.Model, IP: f.IP, MAC: f.MAC, Firmware: f.Firmware, Network: f.Network, Address: f.Address()}
		if f.CameraID != 0 {
			row.InShopHref = lanHref(f.ShopID, f.CameraID)
			if other, err := s.Store.Shop(c.Request.Context(), scopeAll(), f.ShopID); err == nil {
				row.InShop = other.Name
			}
		}
		v.Found = append(v.Found, row)
	}
	s.render(c, http.StatusOK, devview.LAN(v))
}

// AddLAN adds a discovered camera to the shop, pinning its certificate.
func (s *Server) AddLAN(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	accID, _ := strconv.ParseUint(text(c, "account_id"), 10, 32)
	in := devices.AddInput{SN: strings.ToUpper(text(c, "sn")), Model: text(c, "model"), MAC: text(c, "mac"), Firmware: text(c, "firmware"),
		Address: text(c, "address"), Network: text(c, "network"), AccountID: uint(accID)}
	fail := func(msg string) {
		v, err := s.shopLANView(c, sh)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.Error = msg
		s.render(c, http.StatusUnprocessableEntity, devview.LAN(v))
	}
	if acc, err := s.Store.VendorAccount(c.Request.Context(), uint(accID)); err != nil || acc.Vendor != sunmilan.Name {
		fail(l.T("devices.err.no_account"))
		return
	}
	if !snPattern.MatchString(in.SN) {
		fail(l.T("bind.bad_sn"))
		return
	}
	if _, err := sunmilan.NormalizeAddress(in.Address); err != nil {
		fail(l.T("devices.err.address"))
		return
	}
	ctx, cancel := s.vendorCtx(c)
	cam, err := s.Devices.LAN.Add(ctx, actor(c), *sh, in)
	cancel()
	if err != nil {
		if !isDevicesSide(err) {
			s.fail(c, err)
			return
		}
		fail(devicesMessage(l, err))
		return
	}
	s.flash(c, true, l.Tf("devices.lan.added", map[string]any{"SN": cam.SN, "Fingerprint": sunmilan.FormatFingerprint(cam.CertFingerprint)}))
	redirect(c, lanHref(sh.ID, cam.ID))
}

// SaveDiscoverySettings stores where discovery asks and listens.
func (s *Server) SaveDiscoverySettings(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ds := devices.DiscoverySettings{Target: text(c, "target"), Listen: text(c, "listen")}
	errs := formErrors{}
	for field, v := range map[string]string{"target": ds.Target, "listen": ds.Listen} {
		if !udpAddress(v) {
			errs.add(field, l.T("devices.err.udp_address"))
		}
	}
	if len(errs) == 0 {
		if err := s.Devices.LAN.SetDiscoverySettings(c.Request.Context(), actor(c), ds); err != nil {
			s.fail(c, err)
			return
		}
		s.flash(c, true, l.T("common.saved"))
		redirect(c, shopHref(sh.ID)+"/lan")
		return
	}
	v, err := s.shopLANView(c, sh)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Target, v.Listen, v.Errors = ds.Target, ds.Listen, errs
	s.render(c, http.StatusUnprocessableEntity, devview.LAN(v))
}

// udpAddress accepts IPv4 address:port (discovery is IPv4 broadcast).
func udpAddress(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	p, perr := strconv.Atoi(port)
	return ip != nil && ip.To4() != nil && perr == nil && p >= 0 && p <= 65535
}
