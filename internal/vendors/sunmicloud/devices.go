package sunmicloud

import (
	"context"
	"errors"

	"storelens/internal/vendors"
)

// ipc is a camera in getList, getInfo and getListByCompany replies
// (000 设备管理接口 §2.3.1, §2.3.2, §2.3.6).
type ipc struct {
	IpcID            flexString `json:"ipc_id"`
	IpcSN            string     `json:"ipc_sn"`
	IpcName          string     `json:"ipc_name"`
	ModelName        string     `json:"model_name"`
	SoftwareVersion  string     `json:"software_version"`
	CheckVersionTime flexInt    `json:"check_version_time"`
	ConnectTime      flexInt    `json:"connect_time"`
	ActiveStatus     flexInt    `json:"active_status"` // 0 offline, 1 online
	ScreenshotURL    string     `json:"screenshot_url"`
}

func (d ipc) device() vendors.Device {
	return vendors.Device{
		ID:            string(d.IpcID),
		SN:            d.IpcSN,
		Name:          d.IpcName,
		Model:         d.ModelName,
		Firmware:      d.SoftwareVersion,
		Online:        d.ActiveStatus == 1,
		LastConnect:   unixTime(d.ConnectTime),
		CheckVersion:  unixTime(d.CheckVersionTime),
		ScreenshotURL: d.ScreenshotURL,
	}
}

type ipcList struct {
	TotalCount flexInt `json:"total_count"`
	IpcList    []ipc   `json:"ipc_list"`
}

func (l ipcList) devices() []vendors.Device {
	out := make([]vendors.Device, 0, len(l.IpcList))
	for _, d := range l.IpcList {
		out = append(out, d.device())
	}
	return out
}

// shopParams names the shop: sunmi_shop_no, else the partner's shop_id
// (000: "shop_id与sunmi_shop_no可互为替代").
func shopParams(shop vendors.ShopRef) map[string]string {
	if shop.ShopNo != "" {
		return map[string]string{"sunmi_shop_no": shop.ShopNo}
	}
	return map[string]string{"shop_id": shop.ShopID}
}

// deviceParams adds ipc_id and/or ipc_sn ("与ipc_sn必出现其一,若同时输入,必须一致").
func deviceParams(shop vendors.ShopRef, dev vendors.DeviceRef) map[string]string {
	p := shopParams(shop)
	if dev.ID != "" {
		p["ipc_id"] = dev.ID
	}
	if dev.SN != "" {
		p["ipc_sn"] = dev.SN
	}
	return p
}

// ListDevices implements vendors.Devices with /device/ipc/getList (§2.3.1).
// Sunmi answers 5013 "未查询到数据" both for a shop without cameras and for
// a shop number it does not know: that comes back as KindNoData, for the
// caller to treat as an empty list and still tell the user.
func (c *Client) ListDevices(ctx context.Context, shop vendors.ShopRef) ([]vendors.Device, error) {
	var l ipcList
	if err := c.call(ctx, "/device/ipc/getList", shopParams(shop), true, &l); err != nil {
		return nil, err
	}
	return l.devices(), nil
}

// CompanyDevices implements vendors.Devices with /device/ipc/getListByCompany
// (§2.3.6). Its items carry no screenshot and no connect time.
func (c *Client) CompanyDevices(ctx context.Context, companyNo string) ([]vendors.Device, error) {
	var l ipcList
	err := c.call(ctx, "/device/ipc/getListByCompany", map[string]string{"sunmi_company_no": companyNo}, true, &l)
	if vendors.KindOf(err) == vendors.KindNoData {
		return []vendors.Device{}, nil
	}
	if err != nil {
		return nil, err
	}
	return l.devices(), nil
}

// DeviceInfo implements vendors.Devices with /device/ipc/getInfo (§2.3.2).
func (c *Client) DeviceInfo(ctx context.Context, shop vendors.ShopRef, dev vendors.DeviceRef) (vendors.Device, error) {
	var d ipc
	if err := c.call(ctx, "/device/ipc/getInfo", deviceParams(shop, dev), true, &d); err != nil {
		return vendors.Device{}, err
	}
	return d.device(), nil
}

// RenameDevice implements vendors.Devices with /device/ipc/updateName (§2.3.3).
func (c *Client) RenameDevice(ctx context.Context, shop vendors.ShopRef, dev vendors.DeviceRef, name string) error {
	p := deviceParams(shop, dev)
	p["ipc_name"] = name
	return c.call(ctx, "/device/ipc/updateName", p, false, nil)
}

// BindDevice implements vendors.Devices with /device/ipc/bind (§2.3.4). The
// MAC may come with colons; Sunmi wants 12 hex digits.
func (c *Client) BindDevice(ctx context.Context, shop vendors.ShopRef, sn, mac string) error {
	norm, err := vendors.NormalizeMAC(mac)
	if err != nil {
		return &vendors.Error{Vendor: Name, Op: "/device/ipc/bind", Kind: vendors.KindInvalidMAC, Err: err}
	}
	if sn == "" {
		return &vendors.Error{Vendor: Name, Op: "/device/ipc/bind", Kind: vendors.KindInvalidParam, Err: errors.New("SN is required")}
	}
	p := shopParams(shop)
	p["ipc_sn"] = sn
	p["mac"] = norm
	return c.call(ctx, "/device/ipc/bind", p, false, nil)
}

// UnbindDevice implements vendors.Devices with /device/ipc/unbind (§2.3.5).
func (c *Client) UnbindDevice(ctx context.Context, shop vendors.ShopRef, dev vendors.DeviceRef) error {
	return c.call(ctx, "/device/ipc/unbind", deviceParams(shop, dev), false, nil)
}
