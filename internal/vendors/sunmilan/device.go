package sunmilan

import (
	"context"
	"strings"

	"storelens/internal/vendors"
)

// DeviceInfo is /device/getInfo (003 Device Management 2).
type DeviceInfo struct {
	SN, Model, Name, Firmware, Hardware, IP string
	MAC                                     string // 12 upper-case hex digits
}

// Activate activates the camera (003 Device Management 1): signed with the
// account's activation code instead of the secret. The camera then deletes
// every face group and record and recreates stranger and regular (NOTES 49).
func (c *Client) Activate(ctx context.Context, sn string) error {
	if err := check("/device/activate", textLen("sn", sn, 64, true)); err != nil {
		return err
	}
	return c.call(ctx, request{Path: "/device/activate", Params: map[string]string{"sn": sn}, Auth: authActivation}, nil)
}

// Info reads /device/getInfo. The MAC comes with colons and a trailing
// space (NOTES 61) and is normalised.
func (c *Client) Info(ctx context.Context) (DeviceInfo, error) {
	var d struct {
		SN       text `json:"sn"`
		Model    text `json:"model_name"`
		Name     text `json:"name"`
		Software text `json:"software_version"`
		Hardware text `json:"hardware_version"`
		IP       text `json:"ip"`
		MAC      text `json:"mac"`
	}
	if err := c.call(ctx, request{Path: "/device/getInfo", Read: true}, &d); err != nil {
		return DeviceInfo{}, err
	}
	mac, err := vendors.NormalizeMAC(string(d.MAC))
	if err != nil {
		mac = strings.TrimSpace(string(d.MAC))
	}
	return DeviceInfo{SN: string(d.SN), Model: string(d.Model), Name: string(d.Name), Firmware: string(d.Software),
		Hardware: string(d.Hardware), IP: string(d.IP), MAC: mac}, nil
}

// Reboot restarts the camera with /device/reboot (003 Device Management 4;
// its example's /device/reset is the factory reset, NOTES 60).
func (c *Client) Reboot(ctx context.Context) error {
	return c.call(ctx, request{Path: "/device/reboot"}, nil)
}

// FactoryReset restores factory settings with /device/reset (003 Device
// Management 3). The camera must be activated again afterwards.
func (c *Client) FactoryReset(ctx context.Context) error {
	return c.call(ctx, request{Path: "/device/reset"}, nil)
}
