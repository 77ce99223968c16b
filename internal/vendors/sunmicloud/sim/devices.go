package sim

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Paths of 000 设备管理接口 §2.2 (接口列表), relative to the base URL.
const (
	pathGetList          = "/device/ipc/getList"
	pathGetListByCompany = "/device/ipc/getListByCompany"
	pathGetInfo          = "/device/ipc/getInfo"
	pathUpdateName       = "/device/ipc/updateName"
	pathBind             = "/device/ipc/bind"
	pathUnbind           = "/device/ipc/unbind"
)

// maxNameRunes is the device-name limit of the camera itself (003 setName,
// NOTES 59: at most 36 characters). 000 is silent, but updateName is relayed
// to the camera (its table lists 5011 与设备通讯错误), so the camera's limit
// is the one that bites.
const maxNameRunes = 36

// ipcInfo is one camera in getList and the data of getInfo, fields in the
// order of 000 devices §2.3.1's example.
type ipcInfo struct {
	IpcID            string `json:"ipc_id"`
	IpcSN            string `json:"ipc_sn"`
	IpcName          string `json:"ipc_name"`
	ModelName        string `json:"model_name"`
	SoftwareVersion  string `json:"software_version"`
	CheckVersionTime int64  `json:"check_version_time"`
	ConnectTime      int64  `json:"connect_time"`
	ActiveStatus     int    `json:"active_status"` // 0 设备离线, 1 设备在线
	ScreenshotURL    string `json:"screenshot_url"`
}

// companyIpc is one camera in getListByCompany: 000 devices §2.3.6's example
// has no times and no screenshot (NOTES 23).
type companyIpc struct {
	IpcID           string `json:"ipc_id"`
	IpcSN           string `json:"ipc_sn"`
	IpcName         string `json:"ipc_name"`
	ModelName       string `json:"model_name"`
	SoftwareVersion string `json:"software_version"`
	ActiveStatus    int    `json:"active_status"`
}

// ipcList is the data of both list endpoints.
type ipcList[T any] struct {
	TotalCount int `json:"total_count"`
	IpcList    []T `json:"ipc_list"`
}

// getList is 000 devices §2.3.1: every camera bound to the shop. A shop
// without cameras answers 5013 未查询到数据, the only non-database code in
// the endpoint's table.
func (s *Server) getList(q *request) (int, any) {
	if !hasShop(q) {
		return codeInvalidParam, nil
	}
	shop, code := s.resolveShop(q)
	if code != codeOK {
		return code, nil
	}
	devs := s.devicesOf(func(d *Device) bool { return d.ShopNo == shop.ShopNo })
	if len(devs) == 0 {
		return codeNoData, nil
	}
	items := make([]ipcInfo, len(devs))
	for i, d := range devs {
		items[i] = s.info(d, q.base)
	}
	return codeOK, ipcList[ipcInfo]{TotalCount: len(items), IpcList: items}
}

// getInfo is 000 devices §2.3.2: one camera, the same object as a list item.
func (s *Server) getInfo(q *request) (int, any) {
	if !hasShop(q) || !hasDevice(q) {
		return codeInvalidParam, nil
	}
	_, d, code := s.resolveShopDevice(q)
	if code != codeOK {
		return code, nil
	}
	return codeOK, s.info(d, q.base)
}

// updateName is 000 devices §2.3.3. The name is written to the camera, so an
// offline camera answers 5011 与设备通讯错误 and keeps its name.
func (s *Server) updateName(q *request) (int, any) {
	name := q.params["ipc_name"]
	if !hasShop(q) || !hasDevice(q) || name == "" || utf8.RuneCountInString(name) > maxNameRunes {
		return codeInvalidParam, nil
	}
	_, d, code := s.resolveShopDevice(q)
	if code != codeOK {
		return code, nil
	}
	if !d.Online {
		return codeDeviceComm, nil
	}
	d.Name = name
	return codeOK, nil
}

// bind is 000 devices §2.3.4: ipc_sn plus the camera's mac (0C25766F5705,
// no colons) move a camera from the factory pool into the shop. The MAC is
// checked before the binding so that someone who does not hold the camera
// cannot learn whether it is bound.
func (s *Server) bind(q *request) (int, any) {
	sn, mac := q.params["ipc_sn"], q.params["mac"]
	if !hasShop(q) || sn == "" || mac == "" {
		return codeInvalidParam, nil
	}
	if !validMAC(mac) {
		return codeInvalidMAC, nil
	}
	shop, code := s.resolveShop(q)
	if code != codeOK {
		return code, nil
	}
	d, ok := s.devices[sn]
	switch {
	case !ok:
		return codeNoDevice, nil
	case !strings.EqualFold(d.MAC, mac):
		return codeInvalidMAC, nil
	case d.ShopNo != "":
		return codeAlreadyBound, nil
	}
	d.ShopNo = shop.ShopNo
	if d.IpcID == "" {
		d.IpcID = s.newIpcID()
	}
	if !d.Online {
		d.Online = true
		d.ConnectTime = s.now()
	}
	return codeOK, nil
}

// unbind is 000 devices §2.3.5: the camera goes back to the factory pool,
// keeping its ipc_id and name, and can be bound again.
func (s *Server) unbind(q *request) (int, any) {
	if !hasShop(q) || !hasDevice(q) {
		return codeInvalidParam, nil
	}
	_, d, code := s.resolveShopDevice(q)
	if code != codeOK {
		return code, nil
	}
	d.ShopNo = ""
	d.Online = false
	return codeOK, nil
}

// getListByCompany is 000 devices §2.3.6: the cameras of every shop of the
// company that this app can see. A company with no shop for this app is
// 5041 绑定关系有问题; a company whose shops have no camera is 5013.
func (s *Server) getListByCompany(q *request) (int, any) {
	company := q.params["sunmi_company_no"]
	if company == "" {
		return codeInvalidParam, nil
	}
	shops := map[string]bool{}
	for _, sh := range s.shops {
		if sh.CompanyNo == company && sh.AppID == q.app {
			shops[sh.ShopNo] = true
		}
	}
	if len(shops) == 0 {
		return codeBadBinding, nil
	}
	devs := s.devicesOf(func(d *Device) bool { return shops[d.ShopNo] })
	if len(devs) == 0 {
		return codeNoData, nil
	}
	items := make([]companyIpc, len(devs))
	for i, d := range devs {
		items[i] = companyIpc{
			IpcID: d.IpcID, IpcSN: d.SN, IpcName: d.Name, ModelName: d.Model,
			SoftwareVersion: d.Firmware, ActiveStatus: activeStatus(d),
		}
	}
	return codeOK, ipcList[companyIpc]{TotalCount: len(items), IpcList: items}
}

// hasShop: 000 devices §2.3.x "shop_id与sunmi_shop_no可互为替代,使用时传输任意一个即可".
// Empty values count as absent.
func hasShop(q *request) bool {
	return q.params["sunmi_shop_no"] != "" || q.params["shop_id"] != ""
}

// hasDevice: 000 devices §2.3.2 "与ipc_sn必出现其一".
func hasDevice(q *request) bool {
	return q.params["ipc_id"] != "" || q.params["ipc_sn"] != ""
}

// resolveShop finds the shop named by sunmi_shop_no and/or shop_id. A shop
// of another app is as unknown as a missing one (5013), so apps cannot probe
// each other's shops; two names for two different shops are 5020.
func (s *Server) resolveShop(q *request) (*Shop, int) {
	var byNo, byID *Shop
	if no := q.params["sunmi_shop_no"]; no != "" {
		sh, ok := s.shops[no]
		if !ok || sh.AppID != q.app {
			return nil, codeNoData
		}
		byNo = sh
	}
	if id := q.params["shop_id"]; id != "" {
		if byID = s.shopByID(q.app, id); byID == nil {
			return nil, codeNoData
		}
	}
	switch {
	case byNo != nil && byID != nil && byNo != byID:
		return nil, codeInvalidParam
	case byNo != nil:
		return byNo, codeOK
	default:
		return byID, codeOK
	}
}

// shopByID looks shop_id up among this app's shops only: it is the SaaS's
// own identifier, so two apps may use the same one. Should one app reuse a
// shop_id, the lowest ShopNo wins, so answers do not depend on map order.
func (s *Server) shopByID(app, id string) *Shop {
	var found *Shop
	for _, sh := range s.shops {
		if sh.AppID == app && sh.ShopID == id && (found == nil || sh.ShopNo < found.ShopNo) {
			found = sh
		}
	}
	return found
}

// resolveShopDevice finds the shop, then the camera named by ipc_id and/or
// ipc_sn in it: both given must name the same camera (NOTES 25: else 5020);
// an unknown camera or one in another shop is 5501; a camera in the factory
// pool is 5510 设备未绑定.
func (s *Server) resolveShopDevice(q *request) (*Shop, *Device, int) {
	shop, code := s.resolveShop(q)
	if code != codeOK {
		return nil, nil, code
	}
	sn, id := q.params["ipc_sn"], q.params["ipc_id"]
	var d *Device
	switch {
	case sn != "" && id != "":
		// Two different cameras, or one camera and nothing, disagree: 5020.
		// Both naming nothing agree, and fall through to 5501 below.
		if d = s.devices[sn]; d != s.deviceByID(id) {
			return nil, nil, codeInvalidParam
		}
	case sn != "":
		d = s.devices[sn]
	default:
		d = s.deviceByID(id)
	}
	switch {
	case d == nil:
		return nil, nil, codeNoDevice
	case d.ShopNo == "":
		return nil, nil, codeNotBound
	case d.ShopNo != shop.ShopNo:
		return nil, nil, codeNoDevice
	}
	return shop, d, codeOK
}

// deviceByID finds a camera by ipc_id; cameras never bound have none.
func (s *Server) deviceByID(id string) *Device {
	if id == "" {
		return nil
	}
	for _, d := range s.devices {
		if d.IpcID == id {
			return d
		}
	}
	return nil
}

// devicesOf returns the matching cameras ordered by ipc_id, then SN, so
// lists are stable from call to call as a database's would be.
func (s *Server) devicesOf(match func(*Device) bool) []*Device {
	var out []*Device
	for _, d := range s.devices {
		if match(d) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b *Device) int {
		if c := strings.Compare(a.IpcID, b.IpcID); c != 0 {
			return c
		}
		return strings.Compare(a.SN, b.SN)
	})
	return out
}

// info renders d as 000 devices §2.3.1 prints a camera.
func (s *Server) info(d *Device, base string) ipcInfo {
	return ipcInfo{
		IpcID:            d.IpcID,
		IpcSN:            d.SN,
		IpcName:          d.Name,
		ModelName:        d.Model,
		SoftwareVersion:  d.Firmware,
		CheckVersionTime: unixSeconds(d.CheckVersionTime),
		ConnectTime:      unixSeconds(d.ConnectTime),
		ActiveStatus:     activeStatus(d),
		ScreenshotURL:    base + screenshotPrefix + screenshotKey(d.SN),
	}
}

// newIpcID hands out the next free 12-digit ipc_id. A counter rather than
// a hash keeps ids collision-free and easy to predict in test vectors.
func (s *Server) newIpcID() string {
	for {
		id := strconv.FormatInt(s.nextIpcID, 10)
		s.nextIpcID++
		if s.deviceByID(id) == nil {
			return id
		}
	}
}

func activeStatus(d *Device) int {
	if d.Online {
		return 1
	}
	return 0
}

// unixSeconds is 000's 10-digit time; a time never set is 0.
func unixSeconds(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// validMAC: 000 devices §2.3.4 shows mac as 0C25766F5705, 12 hex digits
// without separators; either case is accepted.
func validMAC(mac string) bool {
	if len(mac) != 12 {
		return false
	}
	for i := 0; i < len(mac); i++ {
		c := mac[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// normalizeMAC turns "04:12:24:e3:45:12 " (the LAN getInfo form, NOTES 24)
// into 041224E34512.
func normalizeMAC(mac string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		switch r {
		case ':', '-', '.', ' ':
			return -1
		}
		return r
	}, mac))
}
