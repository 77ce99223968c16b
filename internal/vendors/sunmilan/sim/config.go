package sim

import (
	"net/netip"
	"slices"
	"strconv"
	"unicode/utf8"
)

// 003 Basic Configurations 1-27.
func init() {
	register("/config/setWifiConf", authSigned, setWifi)
	register("/config/setWifiConfWithoutAuth", authBefore, setWifi)
	register("/config/getWifiConf", authSigned, getWifi)
	register("/config/getApList", authSigned, getAPs)
	register("/config/getApListWithoutAuth", authBefore, getAPs)
	register("/config/getIpConfiguration", authSigned, getIP)
	register("/config/setIpConfiguration", authSigned, setIP)
	register("/config/setZoom", authSigned, setZoom)
	register("/config/manualFocus", authSigned, manualFocus)
	register("/config/autoFocus", authSigned, autoFocus)
	register("/config/resetZoomFocus", authSigned, resetZoomFocus)
	register("/config/getZoomFocusConf", authSigned, getZoomFocus)
	register("/config/setIrMode", authSigned, setIRMode)
	register("/config/getIrMode", authSigned, getIRMode)
	register("/config/setDynamicDetect", authSigned, setDetect)
	register("/config/getDynamicDetect", authSigned, getDetect)
	register("/config/updateName", authSigned, setName)
	register("/config/getName", authSigned, getName)
	register("/config/setLedSwitch", authSigned, setLED)
	register("/config/getLedSwitch", authSigned, getLED)
	register("/config/setRotation", authSigned, setRotation)
	register("/config/getRotation", authSigned, getRotation)
	register("/config/getRotationAngles", authSigned, getAngles)
	register("/config/formatMemoryCard", authSigned, formatSD)
	register("/config/getMemoryCardStatus", authSigned, getSD)
	register("/config/getAiFaceConfig", authSigned, getAIFace)
	register("/config/setAiFaceConfig", authSigned, setAIFace)
}

// setWifi: ssid 1-32 characters (100), password at most 64 (101).
func setWifi(c *Camera, q *Request) (int, any) {
	ssid, pw := q.Params["ssid"], q.Params["password"]
	if n := utf8.RuneCountInString(ssid); n == 0 || n > 32 {
		return codeSSID, nil
	}
	if utf8.RuneCountInString(pw) > 64 {
		return codeWifiPassword, nil
	}
	c.st.SSID, c.st.WifiPassword = ssid, pw
	return codeOK, nil
}

func getWifi(c *Camera, _ *Request) (int, any) {
	return codeOK, map[string]any{"ssid": c.st.SSID, "password": c.st.WifiPassword}
}

func getAPs(c *Camera, _ *Request) (int, any) {
	list := make([]map[string]string, 0, len(c.st.APs))
	for _, a := range c.st.APs {
		list = append(list, map[string]string{"ssid": a.SSID, "key_mgmt": a.KeyMgmt})
	}
	return codeOK, map[string]any{"num": len(list), "ap_list": list}
}

func getIP(c *Camera, _ *Request) (int, any) {
	return codeOK, map[string]any{"proto": c.st.Proto, "ipaddr": c.st.IP, "netmask": c.st.Netmask,
		"gateway": c.st.Gateway, "dns1": c.st.DNS1, "dns2": c.st.DNS2}
}

// setIP: proto dhcp or static; static needs IPv4 ipaddr, a contiguous
// netmask and a gateway in the subnet; dns optional IPv4. Anything else 2.
func setIP(c *Camera, q *Request) (int, any) {
	p := q.Params
	switch p["proto"] {
	case "dhcp":
		c.st.Proto = "dhcp"
		return codeOK, nil
	case "static":
	default:
		return codeParam, nil
	}
	ip, err1 := netip.ParseAddr(p["ipaddr"])
	mask, err2 := netip.ParseAddr(p["netmask"])
	gw, err3 := netip.ParseAddr(p["gateway"])
	if err1 != nil || err2 != nil || err3 != nil || !ip.Is4() || !mask.Is4() || !gw.Is4() {
		return codeParam, nil
	}
	bits := prefixLen(mask)
	if bits < 1 || bits > 30 || !netip.PrefixFrom(ip, bits).Masked().Contains(gw) || gw == ip {
		return codeParam, nil
	}
	for _, k := range []string{"dns1", "dns2"} {
		if v := p[k]; v != "" {
			if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
				return codeParam, nil
			}
		}
	}
	c.st.Proto, c.st.IP, c.st.Netmask, c.st.Gateway, c.st.DNS1, c.st.DNS2 =
		"static", p["ipaddr"], p["netmask"], p["gateway"], p["dns1"], p["dns2"]
	return codeOK, nil
}

func prefixLen(m netip.Addr) int {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for ; v&0x80000000 != 0; v <<= 1 {
		n++
	}
	if v != 0 {
		return -1
	}
	return n
}

func setZoom(c *Camera, q *Request) (int, any) {
	z, ok := intIn(q, "zoom", 0, 500)
	if !ok {
		return codeZoom, nil
	}
	c.st.Zoom = z
	return codeOK, nil
}

func manualFocus(c *Camera, q *Request) (int, any) {
	f, ok := intIn(q, "focus", 0, 780)
	if !ok {
		return codeFocus, nil
	}
	c.st.Focus = f
	return codeOK, nil
}

// autoFocus focuses on a point; the lens settles on a focus level that
// depends on the point (a stand-in for the real optics).
func autoFocus(c *Camera, q *Request) (int, any) {
	x, okx := intIn(q, "focus_x", 0, 100)
	y, oky := intIn(q, "focus_y", 0, 100)
	if !okx || !oky {
		return codeFocusPoint, nil
	}
	c.st.FocusX, c.st.FocusY = x, y
	c.st.Focus = (x*5 + y*3) % 781
	return codeOK, nil
}

func resetZoomFocus(c *Camera, _ *Request) (int, any) {
	c.st.Zoom, c.st.Focus, c.st.FocusX, c.st.FocusY = 0, 0, 50, 50
	return codeOK, nil
}

// getZoomFocus answers focused_x/focused_y, as 003's example (NOTES 59).
func getZoomFocus(c *Camera, _ *Request) (int, any) {
	return codeOK, map[string]any{"zoom": c.st.Zoom, "max_zoom": 500, "max_focus": 780, "focus": c.st.Focus,
		"focused_x": c.st.FocusX, "focused_y": c.st.FocusY}
}

func setIRMode(c *Camera, q *Request) (int, any) {
	m, ok := intIn(q, "irmode", 0, 2)
	if !ok {
		return codeIRMode, nil
	}
	c.st.IRMode = m
	return codeOK, nil
}

func getIRMode(c *Camera, _ *Request) (int, any) {
	return codeOK, map[string]any{"irmode": c.st.IRMode}
}

// setDetect checks each field against its range and code (114-117).
func setDetect(c *Camera, q *Request) (int, any) {
	motion, ok := intIn(q, "motion_level", 0, 3)
	if !ok {
		return codeMotionLevel, nil
	}
	audio, ok := intIn(q, "audio_level", 0, 3)
	if !ok {
		return codeAudioLevel, nil
	}
	week, ok := intIn(q, "weekday", 0, 255)
	if !ok {
		return codeWeekday, nil
	}
	start, ok1 := intIn(q, "start_time", 0, 1440)
	stop, ok2 := intIn(q, "stop_time", 0, 1440)
	if !ok1 || !ok2 {
		return codeDetectTime, nil
	}
	c.st.MotionLevel, c.st.AudioLevel, c.st.Weekday, c.st.Start, c.st.Stop = motion, audio, week, start, stop
	return codeOK, nil
}

func getDetect(c *Camera, _ *Request) (int, any) {
	return codeOK, map[string]any{"motion_level": c.st.MotionLevel, "audio_level": c.st.AudioLevel,
		"weekday": c.st.Weekday, "start_time": c.st.Start, "stop_time": c.st.Stop}
}

// setName: at most 36 characters, not empty (118).
func setName(c *Camera, q *Request) (int, any) {
	name := q.Params["name"]
	if n := utf8.RuneCountInString(name); n == 0 || n > 36 {
		return codeName, nil
	}
	c.st.Name = name
	return codeOK, nil
}

func getName(c *Camera, _ *Request) (int, any) {
	return codeOK, map[string]any{"name": c.st.Name}
}

func setLED(c *Camera, q *Request) (int, any) {
	v, ok := intIn(q, "led_switch", 0, 1)
	if !ok {
		return codeLED, nil
	}
	c.st.LED = v
	return codeOK, nil
}

func getLED(c *Camera, _ *Request) (int, any) {
	return codeOK, map[string]any{"led_switch": c.st.LED}
}

// setRotation accepts only the camera's own angles (120).
func setRotation(c *Camera, q *Request) (int, any) {
	r, ok := intParam(q, "rotation")
	if !ok || !slices.Contains(c.st.Angles, strconv.Itoa(r)) {
		return codeRotation, nil
	}
	c.st.Rotation = r
	return codeOK, nil
}

func getRotation(c *Camera, _ *Request) (int, any) {
	return codeOK, map[string]any{"rotation": c.st.Rotation}
}

func getAngles(c *Camera, _ *Request) (int, any) {
	return codeOK, map[string]any{"angles": c.st.Angles}
}

// formatSD: 220 without a card; a formatted card is working (2) and has
// lost its recordings (recording, if it was on, goes on from now).
func formatSD(c *Camera, _ *Request) (int, any) {
	switch c.st.SDStatus {
	case 0:
		return codeNoSD, nil
	case 3:
		return codeSDBusy, nil
	}
	c.st.SDStatus = 2
	var recording []Span
	for _, sp := range c.st.Recorded {
		if sp.To == 0 {
			recording = []Span{{From: c.now().Unix()}}
		}
	}
	c.st.Recorded = recording
	return codeOK, nil
}

func getSD(c *Camera, _ *Request) (int, any) {
	return codeOK, map[string]any{"status": c.st.SDStatus}
}

// The face setting is FM020's only (003 Basic 26-27); FM010 answers 7.
func getAIFace(c *Camera, _ *Request) (int, any) {
	if c.opt.Model != "FM020" {
		return codeInternal, nil
	}
	return codeOK, map[string]any{"optimize_seconds": c.st.OptimizeSeconds}
}

func setAIFace(c *Camera, q *Request) (int, any) {
	if c.opt.Model != "FM020" {
		return codeInternal, nil
	}
	s, ok := intIn(q, "optimize_seconds", 1, 6)
	if !ok {
		return codeParam, nil
	}
	c.st.OptimizeSeconds = s
	return codeOK, map[string]any{"optimize_seconds": s}
}
