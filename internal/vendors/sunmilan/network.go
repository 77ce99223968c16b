package sunmilan

import (
	"context"
	"net/netip"
)

// 003 Basic Configurations 1-2: SSID at most 32 characters, password at
// most 64 (blank for an open network; WEP is not supported).
const (
	MaxSSIDLen     = 32
	MaxPasswordLen = 64
)

// Wifi is a Wi-Fi configuration (003 Basic 1-3).
type Wifi struct {
	SSID, Password string
}

// AP is a network the camera sees (003 Basic 4-5).
type AP struct {
	SSID, KeyMgmt string
}

// IPConfig is the camera's addressing (003 Basic 6-7). Proto is "dhcp" or
// "static"; the addresses matter for static only.
type IPConfig struct {
	Proto                                 string
	Address, Netmask, Gateway, DNS1, DNS2 string
}

func (w Wifi) check(op string) error {
	return check(op, textLen("ssid", w.SSID, MaxSSIDLen, true), textLen("password", w.Password, MaxPasswordLen, false))
}

func (w Wifi) params() map[string]string {
	// password is required by 003 even when blank: send it (an empty value
	// is left out by call, which is the document's "left blank").
	return map[string]string{"ssid": w.SSID, "password": w.Password}
}

// Wifi reads /config/getWifiConf.
func (c *Client) Wifi(ctx context.Context) (Wifi, error) {
	var d struct {
		SSID     text `json:"ssid"`
		Password text `json:"password"`
	}
	err := c.call(ctx, request{Path: "/config/getWifiConf", Read: true}, &d)
	return Wifi{SSID: string(d.SSID), Password: string(d.Password)}, err
}

// SetWifi sets the network to join with /config/setWifiConf.
func (c *Client) SetWifi(ctx context.Context, w Wifi) error {
	const op = "/config/setWifiConf"
	if err := w.check(op); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: w.params()}, nil)
}

// SetWifiWithoutAuth sets the network before activation, unsigned
// (/config/setWifiConfWithoutAuth, 003 Basic 2; NOTES 48).
func (c *Client) SetWifiWithoutAuth(ctx context.Context, w Wifi) error {
	const op = "/config/setWifiConfWithoutAuth"
	if err := w.check(op); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: w.params(), Auth: authNone}, nil)
}

type apList struct {
	Num    num `json:"num"`
	APList []struct {
		SSID    text `json:"ssid"`
		KeyMgmt text `json:"key_mgmt"`
	} `json:"ap_list"`
}

func (l apList) aps() []AP {
	out := make([]AP, 0, len(l.APList))
	for _, a := range l.APList {
		out = append(out, AP{SSID: string(a.SSID), KeyMgmt: string(a.KeyMgmt)})
	}
	return out
}

// APs lists the networks the camera sees (/config/getApList).
func (c *Client) APs(ctx context.Context) ([]AP, error) {
	var l apList
	err := c.call(ctx, request{Path: "/config/getApList", Read: true}, &l)
	return l.aps(), err
}

// APsWithoutAuth lists them before activation (/config/getApListWithoutAuth).
func (c *Client) APsWithoutAuth(ctx context.Context) ([]AP, error) {
	var l apList
	err := c.call(ctx, request{Path: "/config/getApListWithoutAuth", Read: true, Auth: authNone}, &l)
	return l.aps(), err
}

// IPConfig reads /config/getIpConfiguration.
func (c *Client) IPConfig(ctx context.Context) (IPConfig, error) {
	var d struct {
		Proto   text `json:"proto"`
		IPAddr  text `json:"ipaddr"`
		Netmask text `json:"netmask"`
		Gateway text `json:"gateway"`
		DNS1    text `json:"dns1"`
		DNS2    text `json:"dns2"`
	}
	err := c.call(ctx, request{Path: "/config/getIpConfiguration", Read: true}, &d)
	return IPConfig{Proto: string(d.Proto), Address: string(d.IPAddr), Netmask: string(d.Netmask),
		Gateway: string(d.Gateway), DNS1: string(d.DNS1), DNS2: string(d.DNS2)}, err
}

// Check validates an IP configuration: proto dhcp or static; for static, an
// IPv4 address, a contiguous netmask, a gateway in the same subnet, and
// optional IPv4 DNS servers. 003 gives no rule beyond the types; these are
// what a camera could not work without.
func (ip IPConfig) Check() FieldErrors {
	var errs FieldErrors
	add := func(e *FieldError) {
		if e != nil {
			errs = append(errs, e)
		}
	}
	add(oneOf("proto", ip.Proto, "dhcp", "static"))
	if ip.Proto != "static" {
		return errs
	}
	addr, aerr := parseV4("ipaddr", ip.Address, true)
	add(aerr)
	mask, merr := parseV4("netmask", ip.Netmask, true)
	add(merr)
	bits := -1
	if merr == nil {
		if bits = maskBits(mask); bits < 1 || bits > 30 {
			add(&FieldError{Field: "netmask", Rule: RuleNetmask})
		}
	}
	gw, gerr := parseV4("gateway", ip.Gateway, true)
	add(gerr)
	if aerr == nil && gerr == nil && bits >= 1 && bits <= 30 {
		p := netip.PrefixFrom(addr, bits).Masked()
		if !p.Contains(gw) || gw == addr {
			add(&FieldError{Field: "gateway", Rule: RuleSubnet})
		}
	}
	_, e := parseV4("dns1", ip.DNS1, false)
	add(e)
	_, e = parseV4("dns2", ip.DNS2, false)
	add(e)
	return errs
}

func parseV4(field, s string, required bool) (netip.Addr, *FieldError) {
	if s == "" {
		if required {
			return netip.Addr{}, &FieldError{Field: field, Rule: RuleRequired}
		}
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, &FieldError{Field: field, Rule: RuleIPv4}
	}
	return a, nil
}

// maskBits is the prefix length of a contiguous mask, or -1.
func maskBits(m netip.Addr) int {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	if v != 0 {
		return -1
	}
	return n
}

// SetIPConfig sets the addressing with /config/setIpConfiguration. For
// dhcp only proto is sent.
func (c *Client) SetIPConfig(ctx context.Context, ip IPConfig) error {
	const op = "/config/setIpConfiguration"
	if errs := ip.Check(); len(errs) > 0 {
		return check(op, errs...)
	}
	p := map[string]string{"proto": ip.Proto}
	if ip.Proto == "static" {
		p["ipaddr"], p["netmask"], p["gateway"], p["dns1"], p["dns2"] = ip.Address, ip.Netmask, ip.Gateway, ip.DNS1, ip.DNS2
	}
	return c.call(ctx, request{Path: op, Params: p}, nil)
}
