package sim_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/vendors/sunmicloud/sim"
)

// The fixture follows 000's examples: app LMWWQVTW4QGCC, shop 560279010307,
// camera C101P98200023 / 549755805878, and the clock at 1581333970.
const (
	appA    = "LMWWQVTW4QGCC"
	secretA = "ABCDEFG3F2BB03917123"
	appB    = "OTHERAPP0001"
	secretB = "otherSecret42"

	shop1    = "560279010307" // app A, company C1, shop_id 10096: D1, D2
	shop2    = "560279010308" // app A, company C1, shop_id 10097: D3
	shop3    = "560279010309" // app A, company C2, shop_id 10098: empty
	shopB    = "560279010400" // app B, company CB, shop_id 10096 too: DB
	company1 = "880000000001"
	company2 = "880000000002"
	companyB = "880000000009"

	snD1       = "C101P98200023" // online, in shop1, ipc_id 549755805878
	snD2       = "C101P98200024" // offline, in shop1, ipc_id assigned 549755805000
	snD3       = "C101E96500011" // online, in shop2, ipc_id 549755811632
	snDB       = "C101B00000001" // app B's shop
	snFactory  = "C201D8BS00089" // factory pool, MAC 0C25766F5707
	macD1      = "0C25766F5705"
	macFactory = "0C25766F5707"

	idD1 = "549755805878"
	idD2 = "549755805000"
	idD3 = "549755811632"
)

var t0 = time.Unix(1581333970, 0)

func newFixture(t *testing.T) (*sim.Server, *httptest.Server) {
	t.Helper()
	s := sim.New(sim.Options{Now: func() time.Time { return t0 }})
	populate(s)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func populate(s *sim.Server) {
	s.AddApp(appA, secretA)
	s.AddApp(appB, secretB)
	s.AddShop(sim.Shop{ShopNo: shop1, ShopID: "10096", CompanyNo: company1, Name: "前门店", AppID: appA})
	s.AddShop(sim.Shop{ShopNo: shop2, ShopID: "10097", CompanyNo: company1, Name: "后街店", AppID: appA})
	s.AddShop(sim.Shop{ShopNo: shop3, ShopID: "10098", CompanyNo: company2, Name: "空店", AppID: appA})
	s.AddShop(sim.Shop{ShopNo: shopB, ShopID: "10096", CompanyNo: companyB, Name: "B", AppID: appB})
	s.AddDevice(sim.Device{IpcID: idD1, SN: snD1, MAC: macD1, Name: "小松松大魔王", Model: "FM010",
		Firmware: "1.2.6", Online: true, ConnectTime: time.Unix(1565951330, 0),
		CheckVersionTime: time.Unix(1566365781, 0), ShopNo: shop1})
	s.AddDevice(sim.Device{SN: snD2, MAC: "0C:25:76:6F:57:06", Name: "后门", Model: "FM010",
		Firmware: "1.2.6", ShopNo: shop1})
	s.AddDevice(sim.Device{IpcID: idD3, SN: snD3, MAC: "0C25766F5708", Name: "My Camera",
		Model: "FM010", Firmware: "1.0.0", Online: true, ShopNo: shop2})
	s.AddDevice(sim.Device{IpcID: "549755899999", SN: snDB, MAC: "0C25766F5709", Name: "B cam",
		Model: "FM020", Online: true, ShopNo: shopB})
	s.AddDevice(sim.Device{SN: snFactory, MAC: macFactory, Name: "新摄像机", Model: "FM020", Firmware: "2.0.1"})
}

// reply is a decoded {code,msg,data} body.
type reply struct {
	Status int
	Code   int
	Msg    string
	Data   json.RawMessage
}

// caller posts signed forms as a client would. Its signing is written here,
// independently of the package's.
type caller struct {
	t           *testing.T
	base        string // http://host:port/openapi
	app, secret string
}

func newCaller(t *testing.T, ts *httptest.Server) caller {
	return caller{t: t, base: ts.URL + "/openapi", app: appA, secret: secretA}
}

// testSign: sorted keys (byte-wise), k=v joined by &, &key=secret, MD5, upper.
func testSign(p map[string]string, secret string) string {
	keys := slices.Collect(maps.Keys(p))
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if k != "sign" {
			parts = append(parts, k+"="+p[k])
		}
	}
	sum := md5.Sum([]byte(strings.Join(parts, "&") + "&key=" + secret))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// form adds the public parameters of 000 §2.3 to the business ones.
func (c caller) form(biz map[string]string) map[string]string {
	p := map[string]string{"app_id": c.app, "random": "5dsf6698", "timestamp": strconv.FormatInt(t0.Unix(), 10)}
	maps.Copy(p, biz)
	return p
}

// send signs p unless it already carries a sign, and posts it urlencoded.
func (c caller) send(path string, p map[string]string) reply {
	c.t.Helper()
	if _, ok := p["sign"]; !ok {
		p["sign"] = testSign(p, c.secret)
	}
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	return c.raw(path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

func (c caller) post(path string, biz map[string]string) reply {
	c.t.Helper()
	return c.send(path, c.form(biz))
}

func (c caller) raw(path, contentType string, body io.Reader) reply {
	c.t.Helper()
	resp, err := http.Post(c.base+path, contentType, body)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("POST %s: read: %v", path, err)
	}
	r := reply{Status: resp.StatusCode}
	if err := json.Unmarshal(b, &r); err != nil {
		c.t.Fatalf("POST %s: HTTP %d, body %q: %v", path, resp.StatusCode, b, err)
	}
	return r
}

// expect checks status, code and (if given) msg.
func expect(t *testing.T, r reply, status, code int, msg string) {
	t.Helper()
	if r.Status != status || r.Code != code || (msg != "" && r.Msg != msg) {
		t.Fatalf("got HTTP %d code %d msg %q, want HTTP %d code %d msg %q (data %s)",
			r.Status, r.Code, r.Msg, status, code, msg, r.Data)
	}
}

type ipc struct {
	IpcID            string `json:"ipc_id"`
	IpcSN            string `json:"ipc_sn"`
	IpcName          string `json:"ipc_name"`
	ModelName        string `json:"model_name"`
	SoftwareVersion  string `json:"software_version"`
	CheckVersionTime int64  `json:"check_version_time"`
	ConnectTime      int64  `json:"connect_time"`
	ActiveStatus     int    `json:"active_status"`
	ScreenshotURL    string `json:"screenshot_url"`
}

type ipcList struct {
	TotalCount int               `json:"total_count"`
	IpcList    []json.RawMessage `json:"ipc_list"`
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

func keysOf(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	m := decode[map[string]any](t, raw)
	k := slices.Collect(maps.Keys(m))
	sort.Strings(k)
	return k
}

// TestNotesVectorOverHTTP sends NOTES.md's third vector byte for byte: the
// sign 4E883BD9… is that of the hand-built string
// app_id=LMWWQVTW4QGCC&ipc_name=前门摄像机&ipc_sn=C101P98200023&random=5dsf6698&sunmi_shop_no=560279010307&timestamp=1581333970&key=ABCDEFG3F2BB03917123.
func TestNotesVectorOverHTTP(t *testing.T) {
	s, ts := newFixture(t)
	body := "sunmi_shop_no=560279010307&ipc_sn=C101P98200023&ipc_name=" + url.QueryEscape("前门摄像机") +
		"&app_id=LMWWQVTW4QGCC&timestamp=1581333970&random=5dsf6698&sign=4E883BD96F3B27B2047B2E923F127273"
	r := newCaller(t, ts).raw("/device/ipc/updateName", "application/x-www-form-urlencoded", strings.NewReader(body))
	expect(t, r, 200, 0, "succeed")
	if string(r.Data) != "{}" {
		t.Errorf("data = %s, want {}", r.Data)
	}
	if d, _ := s.Device(snD1); d.Name != "前门摄像机" {
		t.Errorf("name = %q after updateName", d.Name)
	}
}

func TestGetList(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	for _, biz := range []map[string]string{{"sunmi_shop_no": shop1}, {"shop_id": "10096"}, {"sunmi_shop_no": shop1, "shop_id": "10096"}} {
		r := c.post("/device/ipc/getList", biz)
		expect(t, r, 200, 0, "succeed")
		list := decode[ipcList](t, r.Data)
		if list.TotalCount != 2 || len(list.IpcList) != 2 {
			t.Fatalf("%v: total %d, %d items", biz, list.TotalCount, len(list.IpcList))
		}
		want := []string{"active_status", "check_version_time", "connect_time", "ipc_id", "ipc_name",
			"ipc_sn", "model_name", "screenshot_url", "software_version"}
		if got := keysOf(t, list.IpcList[0]); !slices.Equal(got, want) {
			t.Errorf("item keys %v, want %v", got, want)
		}
		// Ordered by ipc_id: D2 got 549755805000 from the counter.
		d2, d1 := decode[ipc](t, list.IpcList[0]), decode[ipc](t, list.IpcList[1])
		if d2.IpcID != idD2 || d2.IpcSN != snD2 || d2.ActiveStatus != 0 || d2.ConnectTime != 0 {
			t.Errorf("first item %+v", d2)
		}
		wantD1 := ipc{IpcID: idD1, IpcSN: snD1, IpcName: "小松松大魔王", ModelName: "FM010", SoftwareVersion: "1.2.6",
			CheckVersionTime: 1566365781, ConnectTime: 1565951330, ActiveStatus: 1, ScreenshotURL: d1.ScreenshotURL}
		if d1 != wantD1 {
			t.Errorf("second item %+v, want %+v", d1, wantD1)
		}
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(ts.URL) + `/IMG/IPC/[0-9a-f]{64}$`).MatchString(d1.ScreenshotURL) {
			t.Errorf("screenshot_url %q", d1.ScreenshotURL)
		}
	}
}

func TestGetInfo(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	var first ipc
	for i, biz := range []map[string]string{
		{"sunmi_shop_no": shop1, "ipc_id": idD1},
		{"sunmi_shop_no": shop1, "ipc_sn": snD1},
		{"shop_id": "10096", "ipc_id": idD1, "ipc_sn": snD1},
	} {
		r := c.post("/device/ipc/getInfo", biz)
		expect(t, r, 200, 0, "succeed")
		got := decode[ipc](t, r.Data)
		if i == 0 {
			first = got
		}
		if got.IpcSN != snD1 || got.IpcID != idD1 || got.ConnectTime != 1565951330 || got != first {
			t.Errorf("%v: %+v", biz, got)
		}
	}
}

func TestUpdateName(t *testing.T) {
	s, ts := newFixture(t)
	c := newCaller(t, ts)
	name36 := strings.Repeat("门", 36)
	expect(t, c.post("/device/ipc/updateName", map[string]string{"sunmi_shop_no": shop1, "ipc_id": idD1, "ipc_name": name36}), 200, 0, "succeed")
	if d, _ := s.Device(snD1); d.Name != name36 {
		t.Errorf("name %q", d.Name)
	}
	tests := []struct {
		name string
		biz  map[string]string
		code int
		msg  string
	}{
		{"offline camera", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD2, "ipc_name": "x"}, 5011, "与设备通讯错误"},
		{"empty name", map[string]string{"sunmi_shop_no": shop1, "ipc_id": idD1, "ipc_name": ""}, 5020, "无效参数"},
		{"no name", map[string]string{"sunmi_shop_no": shop1, "ipc_id": idD1}, 5020, "无效参数"},
		{"37 characters", map[string]string{"sunmi_shop_no": shop1, "ipc_id": idD1, "ipc_name": name36 + "x"}, 5020, "无效参数"},
		{"unknown camera", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": "C000", "ipc_name": "x"}, 5501, "ipc设备不存在"},
		{"unbound camera", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory, "ipc_name": "x"}, 5510, "设备未绑定"},
		{"unknown shop", map[string]string{"sunmi_shop_no": "1", "ipc_sn": snD1, "ipc_name": "x"}, 5013, "未找到数据"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, c.post("/device/ipc/updateName", tt.biz), 200, tt.code, tt.msg)
		})
	}
	if d, _ := s.Device(snD2); d.Name != "后门" {
		t.Errorf("offline camera renamed to %q", d.Name)
	}
}

func TestBindUnbindCycle(t *testing.T) {
	s, ts := newFixture(t)
	c := newCaller(t, ts)
	bind := func(shop, mac string) reply {
		return c.post("/device/ipc/bind", map[string]string{"sunmi_shop_no": shop, "ipc_sn": snFactory, "mac": mac})
	}
	// Lower-case MAC accepted.
	r := bind(shop1, strings.ToLower(macFactory))
	expect(t, r, 200, 0, "succeed")
	if string(r.Data) != "{}" {
		t.Errorf("bind data %s", r.Data)
	}
	d, _ := s.Device(snFactory)
	if d.ShopNo != shop1 || d.IpcID != "549755805001" || !d.Online || !d.ConnectTime.Equal(t0) {
		t.Fatalf("after bind: %+v", d)
	}
	info := decode[ipc](t, c.post("/device/ipc/getInfo", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory}).Data)
	if info.IpcID != "549755805001" || info.ActiveStatus != 1 {
		t.Errorf("getInfo after bind %+v", info)
	}
	expect(t, bind(shop1, macFactory), 200, 5509, "设备被绑定")
	expect(t, bind(shop2, macFactory), 200, 5509, "设备被绑定")
	expect(t, c.post("/device/ipc/unbind", map[string]string{"sunmi_shop_no": shop2, "ipc_sn": snFactory}), 200, 5501, "设备不存在")

	expect(t, c.post("/device/ipc/unbind", map[string]string{"sunmi_shop_no": shop1, "ipc_id": "549755805001"}), 200, 0, "succeed")
	if d, _ := s.Device(snFactory); d.ShopNo != "" || d.IpcID != "549755805001" || d.Online {
		t.Fatalf("after unbind: %+v", d)
	}
	expect(t, c.post("/device/ipc/getInfo", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory}), 200, 5510, "设备未绑定")
	expect(t, c.post("/device/ipc/unbind", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory}), 200, 5510, "设备未绑定")
	expect(t, c.post("/device/ipc/unbind", map[string]string{"sunmi_shop_no": shop1, "ipc_id": "549755805001"}), 200, 5510, "设备未绑定")

	// Bound again, elsewhere, with the same ipc_id.
	expect(t, bind(shop2, macFactory), 200, 0, "succeed")
	if d, _ := s.Device(snFactory); d.ShopNo != shop2 || d.IpcID != "549755805001" {
		t.Fatalf("after rebind: %+v", d)
	}
	list := decode[ipcList](t, c.post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop2}).Data)
	if list.TotalCount != 2 {
		t.Errorf("shop2 has %d cameras after rebind", list.TotalCount)
	}
}

func TestBindErrors(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	tests := []struct {
		name string
		biz  map[string]string
		code int
		msg  string
	}{
		{"mac with colons", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory, "mac": "0C:25:76:6F:57:07"}, 5079, "无效mac地址"},
		{"mac too short", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory, "mac": "0C25766F570"}, 5079, "无效mac地址"},
		{"mac not hex", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory, "mac": "0C25766F570G"}, 5079, "无效mac地址"},
		{"not the camera's mac", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory, "mac": "0C25766F5700"}, 5079, "无效mac地址"},
		{"unknown sn", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": "C999", "mac": macFactory}, 5501, "设备不存在"},
		{"already bound", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1, "mac": macD1}, 5509, "设备被绑定"},
		{"bound, wrong mac", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1, "mac": macFactory}, 5079, "无效mac地址"},
		{"no mac", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory}, 5020, "无效参数"},
		{"no sn", map[string]string{"sunmi_shop_no": shop1, "mac": macFactory}, 5020, "无效参数"},
		{"ipc_id instead of sn", map[string]string{"sunmi_shop_no": shop1, "ipc_id": idD1, "mac": macFactory}, 5020, "无效参数"},
		{"no shop", map[string]string{"ipc_sn": snFactory, "mac": macFactory}, 5020, "无效参数"},
		{"unknown shop", map[string]string{"sunmi_shop_no": "999", "ipc_sn": snFactory, "mac": macFactory}, 5013, "未找到数据"},
		{"other app's shop", map[string]string{"sunmi_shop_no": shopB, "ipc_sn": snFactory, "mac": macFactory}, 5013, "未找到数据"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, c.post("/device/ipc/bind", tt.biz), 200, tt.code, tt.msg)
		})
	}
}

func TestShopResolution(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	tests := []struct {
		name string
		biz  map[string]string
		code int
		msg  string
	}{
		{"no shop", map[string]string{}, 5020, "无效参数"},
		{"empty values", map[string]string{"sunmi_shop_no": "", "shop_id": ""}, 5020, "无效参数"},
		{"unknown shop no", map[string]string{"sunmi_shop_no": "1"}, 5013, "未查询到数据"},
		{"unknown shop_id", map[string]string{"shop_id": "1"}, 5013, "未查询到数据"},
		{"other app's shop", map[string]string{"sunmi_shop_no": shopB}, 5013, "未查询到数据"},
		{"two different shops", map[string]string{"sunmi_shop_no": shop1, "shop_id": "10097"}, 5020, "无效参数"},
		{"shop without cameras", map[string]string{"sunmi_shop_no": shop3}, 5013, "未查询到数据"},
		{"shop_id of this app", map[string]string{"shop_id": "10097"}, 0, "succeed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, c.post("/device/ipc/getList", tt.biz), 200, tt.code, tt.msg)
		})
	}
	// App B's shop_id 10096 is its own shop, not app A's.
	cb := caller{t: t, base: c.base, app: appB, secret: secretB}
	list := decode[ipcList](t, cb.post("/device/ipc/getList", map[string]string{"shop_id": "10096"}).Data)
	if list.TotalCount != 1 || decode[ipc](t, list.IpcList[0]).IpcSN != snDB {
		t.Errorf("app B's shop_id 10096: %+v", list)
	}
}

func TestDeviceResolution(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	tests := []struct {
		name string
		biz  map[string]string
		code int
		msg  string
	}{
		{"neither id nor sn", map[string]string{"sunmi_shop_no": shop1}, 5020, "无效参数"},
		{"id and sn of two cameras", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1, "ipc_id": idD2}, 5020, "无效参数"},
		{"sn known, id unknown", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1, "ipc_id": "549755800000"}, 5020, "无效参数"},
		{"both unknown", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": "C000", "ipc_id": "549755800000"}, 5501, "ipc设备不存在"},
		{"unknown sn", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": "C000"}, 5501, "ipc设备不存在"},
		{"unknown id", map[string]string{"sunmi_shop_no": shop1, "ipc_id": "549755800000"}, 5501, "ipc设备不存在"},
		{"camera of another shop", map[string]string{"sunmi_shop_no": shop1, "ipc_id": idD3}, 5501, "ipc设备不存在"},
		{"camera of another app", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snDB}, 5501, "ipc设备不存在"},
		{"camera in the factory", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory}, 5510, "设备未绑定"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, c.post("/device/ipc/getInfo", tt.biz), 200, tt.code, tt.msg)
		})
	}
}

func TestGetListByCompany(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	r := c.post("/device/ipc/getListByCompany", map[string]string{"sunmi_company_no": company1})
	expect(t, r, 200, 0, "succeed")
	list := decode[ipcList](t, r.Data)
	if list.TotalCount != 3 || len(list.IpcList) != 3 {
		t.Fatalf("total %d, %d items", list.TotalCount, len(list.IpcList))
	}
	want := []string{"active_status", "ipc_id", "ipc_name", "ipc_sn", "model_name", "software_version"}
	var sns []string
	for _, item := range list.IpcList {
		if got := keysOf(t, item); !slices.Equal(got, want) {
			t.Errorf("item keys %v, want %v", got, want)
		}
		sns = append(sns, decode[ipc](t, item).IpcSN)
	}
	if !slices.Equal(sns, []string{snD2, snD1, snD3}) {
		t.Errorf("order %v", sns)
	}
	tests := []struct {
		name string
		biz  map[string]string
		code int
		msg  string
	}{
		{"unknown company", map[string]string{"sunmi_company_no": "1"}, 5041, "绑定关系有问题"},
		{"other app's company", map[string]string{"sunmi_company_no": companyB}, 5041, "绑定关系有问题"},
		{"shop number is not a company", map[string]string{"sunmi_company_no": shop1}, 5041, "绑定关系有问题"},
		{"company without cameras", map[string]string{"sunmi_company_no": company2}, 5013, "未查询到数据"},
		{"missing", map[string]string{}, 5020, "无效参数"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, c.post("/device/ipc/getListByCompany", tt.biz), 200, tt.code, tt.msg)
		})
	}
}

func TestAuthentication(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	biz := map[string]string{"sunmi_shop_no": shop1}
	ts0 := t0.Unix()
	tests := []struct {
		name   string
		change func(p map[string]string)
		status int
		code   int
		msg    string
	}{
		{"good", func(map[string]string) {}, 200, 0, "succeed"},
		{"lower-case sign", func(p map[string]string) { p["sign"] = strings.ToLower(testSign(p, secretA)) }, 200, 0, "succeed"},
		{"wrong sign", func(p map[string]string) { p["sign"] = testSign(p, "not-the-secret") }, 401, 5090, "invalid sign"},
		{"missing sign", func(p map[string]string) { p["sign"] = "" }, 401, 5090, "invalid sign"},
		{"unknown app", func(p map[string]string) { p["app_id"] = "NOSUCHAPP" }, 401, 5090, "invalid sign"},
		{"missing app", func(p map[string]string) { delete(p, "app_id") }, 401, 5090, "invalid sign"},
		{"signed param changed", func(p map[string]string) { p["sign"] = testSign(p, secretA); p["sunmi_shop_no"] = shop2 }, 401, 5090, "invalid sign"},
		{"timestamp 300 s old", func(p map[string]string) { p["timestamp"] = strconv.FormatInt(ts0-300, 10) }, 200, 0, "succeed"},
		{"timestamp 301 s old", func(p map[string]string) { p["timestamp"] = strconv.FormatInt(ts0-301, 10) }, 200, 5091, "invalid timestamp"},
		{"timestamp 301 s ahead", func(p map[string]string) { p["timestamp"] = strconv.FormatInt(ts0+301, 10) }, 200, 5091, "invalid timestamp"},
		{"timestamp in ms", func(p map[string]string) { p["timestamp"] = strconv.FormatInt(ts0*1000, 10) }, 200, 5091, "invalid timestamp"},
		{"timestamp 11 digits", func(p map[string]string) { p["timestamp"] = "1" + strconv.FormatInt(ts0, 10) }, 200, 5091, "invalid timestamp"},
		{"timestamp missing", func(p map[string]string) { delete(p, "timestamp") }, 200, 5091, "invalid timestamp"},
		{"random 5 chars", func(p map[string]string) { p["random"] = "5dsf6" }, 200, 5092, "invalid random"},
		{"random 11 chars", func(p map[string]string) { p["random"] = "5dsf6698abc" }, 200, 5092, "invalid random"},
		{"random with symbol", func(p map[string]string) { p["random"] = "5dsf-698" }, 200, 5092, "invalid random"},
		{"random missing", func(p map[string]string) { delete(p, "random") }, 200, 5092, "invalid random"},
		{"random 6 digits", func(p map[string]string) { p["random"] = "289192" }, 200, 0, "succeed"},
		{"random 10 letters", func(p map[string]string) { p["random"] = "aBcDeFgHiJ" }, 200, 0, "succeed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.form(biz)
			tt.change(p)
			r := c.send("/device/ipc/getList", p)
			expect(t, r, tt.status, tt.code, tt.msg)
			if r.Code != 0 && string(r.Data) != "{}" {
				t.Errorf("error data %s, want {}", r.Data)
			}
		})
	}
}

func TestMaxSkewOption(t *testing.T) {
	s := sim.New(sim.Options{Now: func() time.Time { return t0.Add(time.Hour) }, MaxSkew: -1})
	populate(s)
	ts := httptest.NewServer(s)
	defer ts.Close()
	expect(t, newCaller(t, ts).post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop1}), 200, 0, "succeed")

	s2 := sim.New(sim.Options{Now: func() time.Time { return t0.Add(time.Hour) }, MaxSkew: 2 * time.Hour})
	populate(s2)
	ts2 := httptest.NewServer(s2)
	defer ts2.Close()
	expect(t, newCaller(t, ts2).post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop1}), 200, 0, "succeed")
}

// chunked hides the length of a reader so the client sends it chunked.
type chunked struct{ io.Reader }

func TestBodySize(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	status := func(body io.Reader) int {
		t.Helper()
		resp, err := http.Post(c.base+"/device/ipc/getList", "application/x-www-form-urlencoded", body)
		if err != nil {
			t.Fatalf("post: %v", err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	over := "pad=" + strings.Repeat("a", 1<<20-3) // 1<<20 + 1 bytes
	at := over[:1<<20]
	if got := status(strings.NewReader(over)); got != http.StatusRequestEntityTooLarge {
		t.Errorf("1M+1 with Content-Length: HTTP %d, want 413", got)
	}
	if got := status(chunked{strings.NewReader(over)}); got != http.StatusRequestEntityTooLarge {
		t.Errorf("1M+1 chunked: HTTP %d, want 413", got)
	}
	if got := status(strings.NewReader(at)); got != http.StatusUnauthorized {
		t.Errorf("exactly 1M (unsigned): HTTP %d, want 401", got)
	}

	// A signed request padded to exactly 1<<20 bytes is served.
	p := c.form(map[string]string{"sunmi_shop_no": shop1, "pad": ""})
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	p["pad"] = strings.Repeat("a", 1<<20-len(v.Encode())-len("&sign=")-32)
	r := c.send("/device/ipc/getList", p)
	expect(t, r, 200, 0, "succeed")
}

func TestProtocolRefusals(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)

	resp, err := http.Get(c.base + "/device/ipc/getList")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: HTTP %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}

	expect(t, c.post("/device/ipc/noSuchThing", map[string]string{"sunmi_shop_no": shop1}), 404, 5020, "无效参数")
	expect(t, c.raw("/device/ipc/getList", "application/json", strings.NewReader(`{"app_id":"x"}`)), 415, 5020, "无效参数")
	expect(t, c.raw("/device/ipc/getList", "application/x-www-form-urlencoded", strings.NewReader("a=1&a=2")), 200, 5020, "无效参数")
	expect(t, c.raw("/device/ipc/getList", "application/x-www-form-urlencoded", strings.NewReader("a=%zz")), 200, 5020, "无效参数")

	resp, err = http.Post(ts.URL+"/elsewhere", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("outside /openapi: HTTP %d", resp.StatusCode)
	}
}

// TestMultipart: the face APIs post multipart/form-data; value parts are
// signed, file parts are not.
func TestMultipart(t *testing.T) {
	s, ts := newFixture(t)
	c := newCaller(t, ts)
	p := c.form(map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1, "ipc_name": "多部分"})
	p["sign"] = testSign(p, secretA)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range p {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("pic", "face.jpg")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte("\xff\xd8not really a jpeg"))
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	expect(t, c.raw("/device/ipc/updateName", mw.FormDataContentType(), &body), 200, 0, "succeed")
	if d, _ := s.Device(snD1); d.Name != "多部分" {
		t.Errorf("name %q", d.Name)
	}
	calls := s.Calls()
	last := calls[len(calls)-1]
	if _, ok := last.Params["pic"]; ok {
		t.Error("file part logged as a parameter")
	}
}

func TestFaultCode(t *testing.T) {
	s, ts := newFixture(t)
	c := newCaller(t, ts)
	bindF := map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory, "mac": macFactory}

	s.SetFault("/device/ipc/bind", sim.Fault{Code: 5000})
	expect(t, c.post("/device/ipc/bind", bindF), 200, 5000, "数据库错误")
	if d, _ := s.Device(snFactory); d.ShopNo != "" {
		t.Fatal("faulted bind changed state")
	}
	// The fault also answers an unsigned call: it comes before authentication.
	p := c.form(bindF)
	p["sign"] = "bad"
	expect(t, c.send("/device/ipc/bind", p), 200, 5000, "数据库错误")

	// Per-endpoint wording of the injected code.
	s.SetFault("/device/ipc/getInfo", sim.Fault{Code: 5501})
	expect(t, c.post("/device/ipc/getInfo", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1}), 200, 5501, "ipc设备不存在")
	// 5090 comes as HTTP 401, as a real bad sign does.
	s.SetFault("/device/ipc/getList", sim.Fault{Code: 5090, Times: 1})
	expect(t, c.post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop1}), 401, 5090, "invalid sign")
	expect(t, c.post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop1}), 200, 0, "succeed")

	s.ClearFaults()
	expect(t, c.post("/device/ipc/bind", bindF), 200, 0, "succeed")
}

func TestFaultTimesAndWildcard(t *testing.T) {
	s, ts := newFixture(t)
	c := newCaller(t, ts)
	getList := func() reply { return c.post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop1}) }
	getInfo := func() reply {
		return c.post("/device/ipc/getInfo", map[string]string{"sunmi_shop_no": shop1, "ipc_id": idD1})
	}

	s.SetFault("*", sim.Fault{Code: 5000, Times: 3})
	s.SetFault("/device/ipc/getList", sim.Fault{Code: 5011, Times: 2})
	expect(t, getList(), 200, 5011, "与设备通讯错误") // exact path wins
	expect(t, getInfo(), 200, 5000, "数据库错误")
	expect(t, getList(), 200, 5011, "")
	expect(t, getList(), 200, 5000, "") // exact fault used up; "*" applies
	expect(t, getInfo(), 200, 5000, "")
	expect(t, getInfo(), 200, 0, "succeed") // "*" used up
	expect(t, getList(), 200, 0, "succeed")

	s.SetFault("*", sim.Fault{Code: 5000}) // until cleared
	for range 5 {
		expect(t, getInfo(), 200, 5000, "")
	}
	s.ClearFaults()
	expect(t, getInfo(), 200, 0, "succeed")
}

func TestFaultMalformed(t *testing.T) {
	s, ts := newFixture(t)
	s.SetFault("/device/ipc/getList", sim.Fault{Malformed: true, Times: 1})
	c := newCaller(t, ts)
	p := c.form(map[string]string{"sunmi_shop_no": shop1})
	p["sign"] = testSign(p, secretA)
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	resp, err := http.PostForm(c.base+"/device/ipc/getList", v)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var x any
	if resp.StatusCode != 200 || json.Unmarshal(b, &x) == nil || len(b) == 0 {
		t.Errorf("malformed reply: HTTP %d, body %q", resp.StatusCode, b)
	}
	expect(t, c.post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop1}), 200, 0, "succeed")
}

func TestFaultLatency(t *testing.T) {
	s, ts := newFixture(t)
	c := newCaller(t, ts)
	s.SetFault("/device/ipc/getList", sim.Fault{Latency: 60 * time.Millisecond, Times: 1})
	start := time.Now()
	expect(t, c.post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop1}), 200, 0, "succeed")
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("answered after %v, want >= 60ms", d)
	}
	// Latency followed by a code.
	s.SetFault("/device/ipc/getList", sim.Fault{Latency: 20 * time.Millisecond, Code: 5000, Times: 1})
	expect(t, c.post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop1}), 200, 5000, "")
}

// TestFaultLatencyRespectsContext: a client that gives up frees the handler
// at once; otherwise Close would wait for the whole latency.
func TestFaultLatencyRespectsContext(t *testing.T) {
	s := sim.New(sim.Options{Now: func() time.Time { return t0 }})
	populate(s)
	ts := httptest.NewServer(s)
	s.SetFault("*", sim.Fault{Latency: 30 * time.Second})
	c := newCaller(t, ts)
	p := c.form(map[string]string{"sunmi_shop_no": shop1})
	p["sign"] = testSign(p, secretA)
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/device/ipc/getList", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("request with 30 s latency answered within 50 ms")
	}
	start := time.Now()
	ts.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("server took %v to close: handler ignored the request context", d)
	}
}

func TestFaultDrop(t *testing.T) {
	s, ts := newFixture(t)
	c := newCaller(t, ts)
	s.SetFault("/device/ipc/bind", sim.Fault{Drop: true, Times: 1})
	p := c.form(map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory, "mac": macFactory})
	p["sign"] = testSign(p, secretA)
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	resp, err := http.PostForm(c.base+"/device/ipc/bind", v)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped request answered HTTP %d", resp.StatusCode)
	}
	if d, _ := s.Device(snFactory); d.ShopNo != "" {
		t.Error("dropped bind changed state")
	}
	calls := s.Calls()
	if last := calls[len(calls)-1]; last.HTTPStatus != 0 || last.Code != -1 || last.Path != "/device/ipc/bind" {
		t.Errorf("dropped call logged as %+v", last)
	}
	// Times: 1 used up, the next one goes through.
	expect(t, c.post("/device/ipc/bind", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory, "mac": macFactory}), 200, 0, "succeed")
}

func TestCallLog(t *testing.T) {
	var mu sync.Mutex
	var logged []string
	s := sim.New(sim.Options{Now: func() time.Time { return t0 }, Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf(f, a...))
	}})
	populate(s)
	ts := httptest.NewServer(s)
	defer ts.Close()
	c := newCaller(t, ts)
	expect(t, c.post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop1}), 200, 0, "succeed")
	p := c.form(map[string]string{"sunmi_shop_no": shop1})
	p["sign"] = "DEADBEEFDEADBEEFDEADBEEFDEADBEEF"
	expect(t, c.send("/device/ipc/getList", p), 401, 5090, "")

	calls := s.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	first, second := calls[0], calls[1]
	if first.Path != "/device/ipc/getList" || first.Code != 0 || first.HTTPStatus != 200 || !first.At.Equal(t0) ||
		first.Params["sunmi_shop_no"] != shop1 || first.Params["app_id"] != appA {
		t.Errorf("first call %+v", first)
	}
	if _, ok := first.Params["sign"]; ok {
		t.Error("sign in the call log")
	}
	if second.Code != 5090 || second.HTTPStatus != 401 {
		t.Errorf("second call %+v", second)
	}
	calls[0].Params["app_id"] = "changed"
	if s.Calls()[0].Params["app_id"] != appA {
		t.Error("Calls shares its maps with the log")
	}
	mu.Lock()
	for _, l := range logged {
		if strings.Contains(l, secretA) || strings.Contains(l, "DEADBEEF") || strings.Contains(l, testSign(c.form(nil), secretA)[:8]) {
			t.Errorf("log line leaks a secret or sign: %s", l)
		}
	}
	if len(logged) != 2 {
		t.Errorf("%d log lines", len(logged))
	}
	mu.Unlock()

	// The log keeps the last 1000 calls: 2 above + 1005 here drops the 2 and n=0..4.
	for i := range 1005 {
		req := httptest.NewRequest(http.MethodPost, "/openapi/device/ipc/getList", strings.NewReader("n="+strconv.Itoa(i)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
	calls = s.Calls()
	if len(calls) != 1000 || calls[999].Params["n"] != "1004" || calls[0].Params["n"] != "5" {
		t.Errorf("log has %d calls, last n=%s first n=%s", len(calls), calls[len(calls)-1].Params["n"], calls[0].Params["n"])
	}
}

func TestSnapshotRestore(t *testing.T) {
	s, ts := newFixture(t)
	c := newCaller(t, ts)
	expect(t, c.post("/device/ipc/bind", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory, "mac": macFactory}), 200, 0, "")
	expect(t, c.post("/device/ipc/updateName", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1, "ipc_name": "收银台"}), 200, 0, "")
	s.SetOnline(snD2, true)
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}

	r := sim.New(sim.Options{Now: func() time.Time { return t0 }})
	if err := r.Restore(snap); err != nil {
		t.Fatal(err)
	}
	again, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snap, again) {
		t.Errorf("snapshot changed by a round trip:\n%s\n%s", snap, again)
	}
	for _, sn := range []string{snD1, snD2, snD3, snDB, snFactory} {
		a, _ := s.Device(sn)
		b, ok := r.Device(sn)
		if !ok || a.IpcID != b.IpcID || a.Name != b.Name || a.ShopNo != b.ShopNo || a.MAC != b.MAC ||
			a.Online != b.Online || !a.ConnectTime.Equal(b.ConnectTime) || !a.CheckVersionTime.Equal(b.CheckVersionTime) {
			t.Errorf("%s: %+v, restored %+v", sn, a, b)
		}
	}
	// The restored server answers with the same secrets and keeps counting ids.
	rts := httptest.NewServer(r)
	defer rts.Close()
	rc := newCaller(t, rts)
	info := decode[ipc](t, rc.post("/device/ipc/getInfo", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD1}).Data)
	if info.IpcName != "收银台" {
		t.Errorf("restored name %q", info.IpcName)
	}
	r.AddDevice(sim.Device{SN: "C201NEW", MAC: "AABBCCDDEEFF", ShopNo: shop3})
	if d, _ := r.Device("C201NEW"); d.IpcID != "549755805002" {
		t.Errorf("next ipc_id after restore %q", d.IpcID)
	}

	// A bad snapshot leaves the state alone.
	if err := r.Restore([]byte("{not json")); err == nil {
		t.Error("garbage restored")
	}
	if err := r.Restore([]byte(`{"version":99}`)); err == nil {
		t.Error("unknown version restored")
	}
	if _, ok := r.Device(snD1); !ok {
		t.Error("failed restore lost state")
	}
}

func TestScreenshot(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	list := decode[ipcList](t, c.post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop1}).Data)
	var pictures [][]byte
	for _, item := range list.IpcList {
		u := decode[ipc](t, item).ScreenshotURL
		resp, err := http.Get(u) // no signature needed
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("GET %s: HTTP %d %s", u, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("decode %s: %v", u, err)
		}
		if img.Bounds().Dx() != 320 || img.Bounds().Dy() != 180 {
			t.Errorf("size %v", img.Bounds())
		}
		pictures = append(pictures, b)
	}
	if len(pictures) != 2 || bytes.Equal(pictures[0], pictures[1]) {
		t.Error("two cameras share a picture")
	}
	for path, want := range map[string]int{
		"/IMG/IPC/" + strings.Repeat("0", 64): 404,
		"/IMG/IPC/nothex":                     404,
	} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: HTTP %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// TestScreenshotURLFollowsTLS: the URL's scheme and host are the request's.
func TestScreenshotURLFollowsTLS(t *testing.T) {
	s := sim.New(sim.Options{Now: func() time.Time { return t0 }})
	populate(s)
	ts := httptest.NewTLSServer(s)
	defer ts.Close()
	p := map[string]string{"app_id": appA, "random": "5dsf6698", "timestamp": "1581333970", "sunmi_shop_no": shop1, "ipc_sn": snD1}
	p["sign"] = testSign(p, secretA)
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	client := ts.Client()
	resp, err := client.PostForm(ts.URL+"/openapi/device/ipc/getInfo", v)
	if err != nil {
		t.Fatal(err)
	}
	var r reply
	_ = json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	u := decode[ipc](t, r.Data).ScreenshotURL
	if !strings.HasPrefix(u, ts.URL+"/IMG/IPC/") || !strings.HasPrefix(u, "https://") {
		t.Fatalf("screenshot_url %q on %s", u, ts.URL)
	}
	resp, err = client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
}

func TestConcurrentCalls(t *testing.T) {
	s, ts := newFixture(t)
	c := newCaller(t, ts)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	check := func(what string, r reply, codes ...int) {
		if !slices.Contains(codes, r.Code) {
			errs <- fmt.Errorf("%s: code %d %s", what, r.Code, r.Msg)
		}
	}
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				switch (g + i) % 6 {
				case 0:
					check("getList", c.post("/device/ipc/getList", map[string]string{"sunmi_shop_no": shop1}), 0)
				case 1:
					check("updateName", c.post("/device/ipc/updateName", map[string]string{"sunmi_shop_no": shop1, "ipc_id": idD1, "ipc_name": fmt.Sprintf("cam %d-%d", g, i)}), 0)
				case 2:
					check("bind", c.post("/device/ipc/bind", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory, "mac": macFactory}), 0, 5509)
				case 3:
					check("unbind", c.post("/device/ipc/unbind", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snFactory}), 0, 5510)
				case 4:
					s.SetOnline(snD2, i%2 == 0)
					check("getInfo", c.post("/device/ipc/getInfo", map[string]string{"sunmi_shop_no": shop1, "ipc_sn": snD2}), 0)
				case 5:
					_ = s.Calls()
					if _, err := s.Snapshot(); err != nil {
						errs <- err
					}
					s.SetFault("/device/ipc/getListByCompany", sim.Fault{Code: 5000, Times: 1})
					check("getListByCompany", c.post("/device/ipc/getListByCompany", map[string]string{"sunmi_company_no": company1}), 0, 5000)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if d, _ := s.Device(snD1); !strings.HasPrefix(d.Name, "cam ") {
		t.Errorf("name %q", d.Name)
	}
}
