package sim

// 003 Device Management.
func init() {
	register("/device/activate", authActivation, activate)
	register("/device/getInfo", authSigned, getInfo)
	register("/device/reboot", authSigned, reboot)
	register("/device/reset", authSigned, factoryReset)
}

// activate: 003 Device Management 1. Needs the Internet; the sn must be
// this camera's; a second activation answers 4. Wipes the face groups and
// records, leaving stranger and regular (NOTES 49).
func activate(c *Camera, q *Request) (int, any) {
	sn := q.Params["sn"]
	switch {
	case sn == "":
		return codeParam, nil
	case sn != c.opt.SN:
		return codeWrongSN, nil
	case c.st.Activated:
		return codeActivated, nil
	case c.opt.NoInternet:
		return codeNoInternet, nil
	}
	c.st.Activated = true
	c.st.FaceGroups, c.st.Faces = defaultGroups(), nil
	return codeOK, nil
}

// getInfo: 003 Device Management 2, with the example's quirks (NOTES 61):
// colons and a trailing space in mac, model_name "FS" for FM020.
func getInfo(c *Camera, q *Request) (int, any) {
	model := c.opt.Model
	if model == "FM020" {
		model = "FS"
	}
	host := q.Host
	if h, _, ok := cutPort(host); ok {
		host = h
	}
	return codeOK, map[string]any{
		"sn": c.opt.SN, "model_name": model, "name": c.st.Name, "software_version": c.opt.Firmware,
		"hardware_version": c.opt.Hardware, "ip": host, "mac": macColons(c.opt.MAC) + " ",
	}
}

func reboot(c *Camera, _ *Request) (int, any) {
	c.st.Reboots++
	return codeOK, nil
}

// factoryReset: every setting back to the factory's, not activated. The SD
// card's recordings stay (a reset is not a format).
func factoryReset(c *Camera, _ *Request) (int, any) {
	resets := c.st.FactoryResets + 1
	reboots, recorded := c.st.Reboots, c.st.Recorded
	c.st = factoryState(c.opt)
	c.st.FactoryResets, c.st.Reboots, c.st.Recorded = resets, reboots, recorded
	return codeOK, nil
}

func cutPort(hostport string) (string, string, bool) {
	for i := len(hostport) - 1; i >= 0; i-- {
		if hostport[i] == ':' {
			return hostport[:i], hostport[i+1:], true
		}
		if hostport[i] == ']' {
			break
		}
	}
	return hostport, "", false
}
