package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"storelens/internal/models"
	"storelens/internal/vendors/sunmicloud/sim"
)

func TestShopPageShowsCameras(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	r := b.get("/shops/" + itoa(a.shopA.ID))
	r.has(t, "Door", "C201D8BS00101", "FM020", "1.6.2", "Till", "C101P98200102", "Online", "Offline",
		"1 online · 1 offline", "/cameras/"+itoa(a.camera(a.shopA.ID, "C201D8BS00101").ID)+"/screenshot")
	r.lacks(t, a.simURL, "127.0.0.1") // vendor URLs never reach the browser
}

func TestSyncPicksUpVendorChanges(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	a.sim.SetOnline("C101P98200102", true)
	a.sim.AddDevice(sim.Device{IpcID: "549755805899", SN: "C101P98200199", MAC: "0C25766F5199", Name: "Back", Model: "FM010",
		Firmware: "1.2.6", Online: true, ConnectTime: time.Now(), ShopNo: "560279010301"})
	r := b.post("/shops/"+itoa(a.shopA.ID)+"/cameras/sync", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("sync: %d", r.status)
	}
	b.get("/shops/"+itoa(a.shopA.ID)).has(t, "Synced: 3 cameras.", "Back", "3 online · 0 offline")
}

func TestSyncFailureShowsReasonAndRetry(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	a.sim.SetFault("/device/ipc/getList", sim.Fault{Code: 5000, Times: 1})
	b.post("/shops/"+itoa(a.shopA.ID)+"/cameras/sync", nil)
	r := b.get("/shops/" + itoa(a.shopA.ID))
	r.has(t, "The last sync failed", "internal error", "5000", `data-testid="sync-retry"`, "Door") // old list kept
	b.post("/shops/"+itoa(a.shopA.ID)+"/cameras/sync", nil)
	b.get("/shops/"+itoa(a.shopA.ID)).lacks(t, "The last sync failed")
}

func TestBindBadInputKeepsTheForm(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	path := "/shops/" + itoa(a.shopA.ID) + "/cameras/bind"
	r := b.post(path, url.Values{"sn": {"C201D8BS00089"}, "mac": {"0C:25:76:6F:57"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad MAC: %d", r.status)
	}
	r.has(t, "12 hexadecimal digits", `value="C201D8BS00089"`, `value="0C:25:76:6F:57"`)
	b.lang = "zh-CN"
	b.post(path, url.Values{"sn": {"C201D8BS00089"}, "mac": {"zz"}}).has(t, "MAC 地址由 12 位十六进制数字组成")
	for _, c := range a.sim.Calls() {
		if c.Path == "/device/ipc/bind" {
			t.Fatal("an invalid MAC reached the vendor")
		}
	}
}

func TestBindWithColonsWorks(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	r := b.post("/shops/"+itoa(a.shopA.ID)+"/cameras/bind", url.Values{"sn": {"c201d8bs00089"}, "mac": {"0c:25:76:6f:57:05"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("bind: %d\n%s", r.status, excerpt(r.body))
	}
	d, _ := a.sim.Device("C201D8BS00089")
	if d.ShopNo != "560279010301" {
		t.Fatalf("not bound at the vendor: %+v", d)
	}
	b.get("/shops/"+itoa(a.shopA.ID)).has(t, "Camera C201D8BS00089 bound to this shop.", "C201D8BS00089")
	var bindCall sim.Call
	for _, c := range a.sim.Calls() {
		if c.Path == "/device/ipc/bind" {
			bindCall = c
		}
	}
	if bindCall.Params["mac"] != "0C25766F5705" {
		t.Fatalf("MAC sent as %q, want 0C25766F5705", bindCall.Params["mac"])
	}
}

// Each documented vendor error appears as a clear message in the user's
// language, and the form keeps what was typed.
func TestVendorErrorsInThePage(t *testing.T) {
	cases := []struct {
		name   string
		fault  int
		sn     string
		mac    string
		en, zh string
	}{
		{"already bound (real state)", 0, "C101P98200103", "0C25766F5103", "already bound to a shop", "已绑定到其他门店"},
		{"unknown SN (real state)", 0, "C999P98200999", "0C25766F5999", "does not know this camera", "找不到该摄像机"},
		{"MAC mismatch (real state)", 0, "C201D8BS00089", "0C25766F5706", "MAC address does not match", "MAC 地址与该摄像机不符"},
		{"5501", 5501, "C201D8BS00089", "0C25766F5705", "does not know this camera", "找不到该摄像机"},
		{"5509", 5509, "C201D8BS00089", "0C25766F5705", "already bound", "已绑定"},
		{"5510", 5510, "C201D8BS00089", "0C25766F5705", "is not bound", "未绑定"},
		{"5079", 5079, "C201D8BS00089", "0C25766F5705", "MAC address", "MAC 地址"},
		{"5011", 5011, "C201D8BS00089", "0C25766F5705", "offline", "离线"},
		{"5013", 5013, "C201D8BS00089", "0C25766F5705", "found no data", "未找到此门店的数据"},
		{"5020", 5020, "C201D8BS00089", "0C25766F5705", "refused a value as invalid", "参数无效"},
		{"5000", 5000, "C201D8BS00089", "0C25766F5705", "internal error", "内部错误"},
		{"bad sign", 5090, "C201D8BS00089", "0C25766F5705", "refused the credentials", "拒绝了凭证"},
	}
	a := newTestApp(t)
	for _, c := range cases {
		for _, lang := range []string{"en", "zh-CN"} {
			t.Run(c.name+"/"+lang, func(t *testing.T) {
				b := a.login("manager", managerPW)
				b.lang = lang
				if c.fault != 0 {
					a.sim.SetFault("/device/ipc/bind", sim.Fault{Code: c.fault, Times: 1})
				}
				r := b.post("/shops/"+itoa(a.shopA.ID)+"/cameras/bind", url.Values{"sn": {c.sn}, "mac": {c.mac}})
				if r.status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d\n%s", r.status, excerpt(r.body))
				}
				want := c.en
				if lang == "zh-CN" {
					want = c.zh
				}
				r.has(t, want, `data-testid="form-error"`, `value="`+c.sn+`"`, `value="`+c.mac+`"`)
				if c.fault != 0 && c.fault != 5090 {
					r.has(t, itoa(uint(c.fault)))
				}
			})
		}
	}
	if d, _ := a.sim.Device("C201D8BS00089"); d.ShopNo != "" {
		t.Fatal("a refused bind changed the vendor's state")
	}
}

func TestRealBadSignature(t *testing.T) {
	a := newTestApp(t)
	// Store a wrong secret: the simulator answers HTTP 401.
	admin := a.login("admin", adminPW)
	r := admin.post("/settings/vendors/"+itoa(a.account.ID), url.Values{"name": {"Sunmi"}, "base_url": {a.simURL},
		"app_id": {testAppID}, "secret": {"WRONGSECRET"}, "company_no": {"560279010300"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("update: %d %s", r.status, excerpt(r.body))
	}
	b := a.login("manager", managerPW)
	cam := a.camera(a.shopA.ID, "C201D8BS00101")
	r = b.post("/shops/"+itoa(a.shopA.ID)+"/cameras/"+itoa(cam.ID)+"/rename", url.Values{"name": {"正门"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("rename with a bad secret: %d", r.status)
	}
	r.has(t, "refused the credentials", `value="正门"`)
}

func TestRenameAndRefusal(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	cam := a.camera(a.shopA.ID, "C201D8BS00101")
	path := "/shops/" + itoa(a.shopA.ID) + "/cameras/" + itoa(cam.ID)
	a.sim.SetFault("/device/ipc/updateName", sim.Fault{Code: 5011, Times: 1})
	r := b.post(path+"/rename", url.Values{"name": {"前门摄像机"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("refused rename: %d", r.status)
	}
	r.has(t, "offline", `value="前门摄像机"`)
	if b.post(path+"/rename", url.Values{"name": {""}}).status != http.StatusUnprocessableEntity {
		t.Fatal("empty name accepted")
	}
	if r := b.post(path+"/rename", url.Values{"name": {"前门摄像机"}}); r.status != http.StatusSeeOther {
		t.Fatalf("rename: %d", r.status)
	}
	if d, _ := a.sim.Device("C201D8BS00101"); d.Name != "前门摄像机" {
		t.Fatalf("vendor name %q", d.Name)
	}
	b.get(path).has(t, "前门摄像机", "Camera renamed")
}

func TestCameraDetailRefreshesAndFallsBack(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	cam := a.camera(a.shopA.ID, "C101P98200102")
	path := "/shops/" + itoa(a.shopA.ID) + "/cameras/" + itoa(cam.ID)
	a.sim.SetOnline("C101P98200102", true)
	b.get(path).has(t, "C101P98200102", "549755805802", "FM010", "Online")
	a.sim.SetFault("/device/ipc/getInfo", sim.Fault{Malformed: true, Times: 5})
	r := b.get(path)
	if r.status != http.StatusOK {
		t.Fatalf("detail with a broken vendor: %d", r.status)
	}
	r.has(t, "Could not fetch fresh details", "cannot read", `data-testid="refresh-retry"`, "C101P98200102")
}

func TestUnbind(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	cam := a.camera(a.shopA.ID, "C101P98200102")
	path := "/shops/" + itoa(a.shopA.ID) + "/cameras/" + itoa(cam.ID) + "/unbind"
	b.get(path).has(t, "Unbind “Till” (C101P98200102)?", `data-testid="confirm-yes"`)
	a.sim.SetFault("/device/ipc/unbind", sim.Fault{Code: 5000, Times: 1})
	r := b.post(path, nil)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("refused unbind: %d", r.status)
	}
	r.has(t, "internal error")
	a.camera(a.shopA.ID, "C101P98200102") // still here
	if r := b.post(path, nil); r.status != http.StatusSeeOther {
		t.Fatalf("unbind: %d", r.status)
	}
	if d, _ := a.sim.Device("C101P98200102"); d.ShopNo != "" {
		t.Fatal("still bound at the vendor")
	}
	if _, err := a.st.Camera(context.Background(), a.shopA.ID, cam.ID); err == nil {
		t.Fatal("still listed here")
	}
	// The vendor had already forgotten it: unbinding here still tidies up.
	other := a.camera(a.shopA.ID, "C201D8BS00101")
	a.sim.SetFault("/device/ipc/unbind", sim.Fault{Code: 5510, Times: 1})
	r = b.post("/shops/"+itoa(a.shopA.ID)+"/cameras/"+itoa(other.ID)+"/unbind", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("unbind of a camera the vendor forgot: %d", r.status)
	}
	b.get("/shops/"+itoa(a.shopA.ID)).has(t, "no longer had")
}

func TestScreenshotProxy(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	cam := a.camera(a.shopA.ID, "C201D8BS00101")
	r := b.get("/shops/" + itoa(a.shopA.ID) + "/cameras/" + itoa(cam.ID) + "/screenshot")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(r.body, "\xff\xd8") {
		t.Fatalf("screenshot: %d %s", r.status, r.header.Get("Content-Type"))
	}
	// A camera without a screenshot gets the placeholder, not an error.
	a.st.DB().Model(&models.Camera{}).Where("id = ?", cam.ID).Update("screenshot_url", "")
	r = b.get("/shops/" + itoa(a.shopA.ID) + "/cameras/" + itoa(cam.ID) + "/screenshot")
	if r.status != http.StatusFound || r.location != "/static/img/no-screenshot.svg" {
		t.Fatalf("no screenshot: %d %s", r.status, r.location)
	}
}

func TestCameraListPages(t *testing.T) {
	a := newTestApp(t)
	cams := make([]models.Camera, 0, 150)
	for i := range 150 {
		cams = append(cams, models.Camera{SN: "C1PAGE" + itoa(uint(1000+i)), Name: "cam " + itoa(uint(1000+i)), Online: i%3 != 0})
	}
	if err := a.st.SyncCameras(context.Background(), a.shopB.ID, "sunmicloud", cams); err != nil {
		t.Fatal(err)
	}
	b := a.login("admin", adminPW)
	r := b.get("/shops/" + itoa(a.shopB.ID))
	r.has(t, "100 online · 50 offline", "Page 1 of 2", "cam 1000", "cam 1099")
	r.lacks(t, "cam 1100")
	b.get("/shops/"+itoa(a.shopB.ID)+"?page=2").has(t, "cam 1149", "Page 2 of 2")
}
