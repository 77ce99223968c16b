package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/auth"
	"storelens/internal/cameras"
	"storelens/internal/devices"
	"storelens/internal/handlers"
	"storelens/internal/i18n"
	"storelens/internal/live"
	"storelens/internal/models"
	"storelens/internal/secrets"
	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
	slsim "storelens/internal/vendors/senselink/sim"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
	"storelens/internal/video"
)

// devicesApp is the test app with the devices area wired: a simulated LAN
// camera answering discovery on loopback, and a SenseLink simulator.
type devicesApp struct {
	*testApp
	cam      *lansim.Camera
	resp     *lansim.Responder
	sl       *slsim.Server
	lanAcc   models.VendorAccount
	slAcc    models.VendorAccount
	lan      *devices.LAN
	deptFull int64 // a department with people: 650 on delete
	live     *live.Manager
}

func newDevicesApp(t *testing.T) *devicesApp {
	t.Helper()
	a := newTestApp(t)
	ctx := context.Background()
	cam, err := lansim.New(lansim.Options{SN: "C201D8BS00188", Model: "FM020", MAC: "0C25766F5188", AppID: "LANAPP01", Secret: "lan-secret",
		ActivationCode: "act-1234", Name: "SUNMI FM020"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cam.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cam.Close() })
	resp, err := lansim.ListenDiscovery("127.0.0.1:0", cam)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Close() })

	sl := slsim.New("测试公司", slsim.Options{})
	sl.AddApp("slkey", "slsecret")
	full := sl.AddDepartment(slsim.Department{Name: "行政部", UserNum: 3})
	typ := sl.AddDeviceType(slsim.DeviceType{Name: "SensePass", Identifier: "SPS"})
	staff := sl.AddGroup(slsim.Group{Name: "默认组", Type: 1})
	sl.AddDevice(slsim.Device{SN: "SPS-1", Name: "门口", TypeID: typ, Online: true, StaffGroups: []int64{staff}})
	slSrv := httptest.NewTLSServer(sl)
	t.Cleanup(slSrv.Close)

	box, _ := secrets.New(bytes.Repeat([]byte{9}, 32))
	reg := vendors.NewRegistry(slSrv.Client())
	reg = reg.With(sunmicloud.Name, sunmicloud.Label, sunmicloud.New)
	reg = reg.With(sunmilan.Name, sunmilan.Label, sunmilan.NewAccount)
	reg = reg.With(senselink.Name, senselink.Label, senselink.New)
	acc := &accounts.Service{Store: a.st, Box: box, Registry: reg}
	d := &devicesApp{testApp: a, cam: cam, resp: resp, sl: sl, deptFull: full}
	if d.lanAcc, err = acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: sunmilan.Name, Name: "LAN", AppID: "LANAPP01", Secret: "lan-secret", ActivationCode: "act-1234"}); err != nil {
		t.Fatal(err)
	}
	if d.slAcc, err = acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: senselink.Name, Name: "SL", BaseURL: slSrv.URL, AppID: "slkey", Secret: "slsecret"}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	d.lan = &devices.LAN{Store: a.st, Accounts: acc, Log: log,
		DiscoverTiming: sunmilan.DiscoverOptions{Interval: 30 * time.Millisecond, Window: 300 * time.Millisecond}}
	if err := d.lan.SetDiscoveryTargets(ctx, resp.Addr(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	cams := &cameras.Service{Store: a.st, Accounts: acc, HTTP: slSrv.Client()}
	// The LAN camera's video: RTSP from the simulator, HLS through us.
	if _, err := cam.StartRTSP("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	d.live = live.NewManager(live.Options{HTTP: slSrv.Client(), Log: log, Linger: 200 * time.Millisecond, HLSViewerTTL: 2 * time.Second})
	d.live.Start()
	t.Cleanup(func() { d.live.Close() })
	h := handlers.New(handlers.Deps{
		Video: handlers.VideoDeps{Service: &video.Service{Accounts: acc, Streams: d.live, HTTP: slSrv.Client(), LAN: d.lan, Store: a.st}, Live: d.live},
		Store: a.st, Sessions: handlers.NewSessions(a.st, false, time.Hour, 2*time.Hour), I18n: i18n.MustLoad(),
		Hasher: a.hasher, Throttle: auth.NewThrottle(nil), Accounts: acc, Cameras: cams, Registry: reg, Log: log,
		VendorTimeout: 5 * time.Second,
		Devices:       handlers.DevicesDeps{LAN: d.lan, SenseLink: &devices.SenseLink{Store: a.st, Accounts: acc}},
	})
	a.srv.Close()
	a.srv = httptest.NewServer(h)
	t.Cleanup(a.srv.Close)
	return d
}

var lanPage = regexp.MustCompile(`^/shops/\d+/cameras/\d+/lan$`)

// addCamera discovers the camera and adds it to shop A; it returns its
// settings page path.
func (d *devicesApp) addCamera(t *testing.T, b *browser) string {
	t.Helper()
	base := fmt.Sprintf("/shops/%d/lan", d.shopA.ID)
	r := b.post(base+"/discover", nil)
	r.has(t, "C201D8BS00188", "lan-found-row", d.cam.Addr())
	r = b.post(base+"/add", url.Values{"sn": {"C201D8BS00188"}, "model": {"FM020"}, "mac": {"0C:25:76:6F:51:88"}, "firmware": {"1.6.2"},
		"network": {"LAN"}, "address": {d.cam.Addr()}, "account_id": {fmt.Sprint(d.lanAcc.ID)}})
	if r.status != http.StatusSeeOther || !lanPage.MatchString(r.location) {
		t.Fatalf("add: %d %q\n%s", r.status, r.location, excerpt(r.body))
	}
	return r.location
}

func TestLANCameraDiscoverAddActivateAndSettings(t *testing.T) {
	d := newDevicesApp(t)
	b := d.login("admin", adminPW)
	page := d.addCamera(t, b)
	cam, err := d.st.CameraBySN(context.Background(), sunmilan.Name, "C201D8BS00188")
	if err != nil || cam.CertFingerprint != sunmilan.CertFingerprint(d.cam.CertificateDER()) || cam.Activated {
		t.Fatalf("stored camera %+v %v", cam, err)
	}
	b.get(page).has(t, `data-testid="lan-activation"`, sunmilan.FormatFingerprint(cam.CertFingerprint))
	// Adding it twice is refused.
	r := b.post(fmt.Sprintf("/shops/%d/lan/add", d.shopB.ID), url.Values{"sn": {"C201D8BS00188"}, "address": {d.cam.Addr()}, "account_id": {fmt.Sprint(d.lanAcc.ID)}})
	r.has(t, "already in a shop")

	if r := b.post(page+"/activate", nil); r.status != http.StatusSeeOther {
		t.Fatalf("activate: %d %s", r.status, excerpt(r.body))
	}
	if !d.cam.State().Activated {
		t.Fatal("camera not activated")
	}
	b.get(page).has(t, `data-testid="doorline-form"`, `name="zoom"`)

	// Out of 003's range: refused before sending, what was typed kept.
	r = b.post(page+"/lens", url.Values{"zoom": {"501"}, "focus": {"100"}})
	if r.status != http.StatusUnprocessableEntity || d.cam.CallsTo("/config/setZoom") != 0 {
		t.Fatalf("zoom 501: %d, %d calls", r.status, d.cam.CallsTo("/config/setZoom"))
	}
	r.has(t, "Between 0 and 500.", `value="501"`)
	r = b.post(page+"/detect", url.Values{"motion_level": {"2"}, "audio_level": {"1"}, "start_time": {"21:00"}, "stop_time": {"09:00"}, "wd0": {"1"}, "wd4": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("detect: %d %s", r.status, excerpt(r.body))
	}
	if st := d.cam.State(); st.Start != 1260 || st.Stop != 540 || st.Weekday != 0b10001 || st.AudioLevel != 1 {
		t.Fatalf("detect state %+v", st)
	}
	b.get(page).has(t, `value="21:00"`, `value="09:00"`)
	// Static IP with a gateway outside the subnet: the field says why.
	r = b.post(page+"/ip", url.Values{"proto": {"static"}, "ipaddr": {"192.168.1.20"}, "netmask": {"255.255.255.0"}, "gateway": {"10.0.0.1"}})
	r.has(t, "another address in the camera&#39;s network")
	// The camera's own refusal keeps its code.
	d.cam.Update(func(s *lansim.State) { s.SDStatus = 0 })
	r = b.post(page+"/format-sd", nil)
	r.has(t, "220")

	// Reboot is /device/reboot; factory reset wants the SN typed.
	if r := b.post(page+"/reboot", nil); r.status != http.StatusSeeOther || d.cam.State().Reboots != 1 || d.cam.State().FactoryResets != 0 {
		t.Fatalf("reboot: %d %+v", r.status, d.cam.State())
	}
	if r := b.post(page+"/reset", url.Values{"step": {"1"}}); !strings.Contains(r.body, "confirm-second") || d.cam.State().FactoryResets != 0 {
		t.Fatalf("first confirmation reset the camera")
	}
	if r := b.post(page+"/reset", url.Values{"step": {"2"}, "confirm_sn": {"C201D8BS00999"}}); r.status != http.StatusUnprocessableEntity || d.cam.State().FactoryResets != 0 {
		t.Fatalf("wrong SN: %d", r.status)
	}
	if r := b.post(page+"/reset", url.Values{"step": {"2"}, "confirm_sn": {"c201d8bs00188"}}); r.status != http.StatusSeeOther || d.cam.State().FactoryResets != 1 {
		t.Fatalf("reset: %d", r.status)
	}
}

func TestLANChangedCertificateStopsCalls(t *testing.T) {
	d := newDevicesApp(t)
	b := d.login("admin", adminPW)
	page := d.addCamera(t, b)
	b.post(page+"/activate", nil)
	if err := d.cam.RotateCertificate(); err != nil {
		t.Fatal(err)
	}
	before := len(d.cam.Calls())
	r := b.get(page)
	r.has(t, `data-testid="cert-changed"`, sunmilan.FormatFingerprint(sunmilan.CertFingerprint(d.cam.CertificateDER())))
	r.lacks(t, `data-testid="doorline-form"`)
	if r := b.post(page+"/ir", url.Values{"irmode": {"0"}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("save through a changed certificate: %d", r.status)
	}
	if len(d.cam.Calls()) != before {
		t.Fatal("a call reached the camera through a changed certificate")
	}
	// A manager of the shop sees the warning but cannot trust.
	d.addUser("mgr2", managerPW, models.RoleManager, d.shopA.ID)
	m := d.login("mgr2", managerPW)
	m.get(page).has(t, "Ask an administrator")
	if r := m.post(page+"/trust", nil); r.status != http.StatusForbidden {
		t.Fatalf("manager trust: %d", r.status)
	}
	if r := b.post(page+"/trust", nil); r.status != http.StatusSeeOther {
		t.Fatalf("trust: %d %s", r.status, excerpt(r.body))
	}
	b.get(page).has(t, `data-testid="doorline-form"`)
	if r := b.post(page+"/ir", url.Values{"irmode": {"0"}}); r.status != http.StatusSeeOther || d.cam.State().IRMode != 0 {
		t.Fatalf("after trusting: %d", r.status)
	}
	// A manager of another shop: the camera is a 404.
	d.addUser("mgr3", managerPW, models.RoleManager, d.shopB.ID)
	if r := d.login("mgr3", managerPW).get(page); r.status != http.StatusNotFound {
		t.Fatalf("other shop's manager: %d", r.status)
	}
}

func TestSenseLinkPages(t *testing.T) {
	d := newDevicesApp(t)
	b := d.login("admin", adminPW)
	base := fmt.Sprintf("/senselink/%d", d.slAcc.ID)
	b.get(base).has(t, "测试公司", "门口", "默认组")
	r := b.post(base+"/departments", url.Values{"parentId": {"0"}, "name": {"行政部"}})
	r.has(t, "already exists at this level")
	r = b.post(base+"/departments", url.Values{"parentId": {"0"}, "name": {strings.Repeat("部", 51)}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("long name: %d", r.status)
	}
	r.has(t, "At most 50")
	r = b.post(fmt.Sprintf("%s/departments/%d/delete", base, d.deptFull), nil)
	r.has(t, "still has sub-departments or people", "650")
	if len(d.sl.Departments()) != 1 {
		t.Fatal("department deleted")
	}
	if r := b.get(fmt.Sprintf("/senselink/%d", d.lanAcc.ID)); r.status != http.StatusNotFound {
		t.Fatalf("a LAN account under /senselink: %d", r.status)
	}
	if r := d.login("manager", managerPW).get(base); r.status != http.StatusForbidden {
		t.Fatalf("manager: %d", r.status)
	}
}

func TestShopHealth(t *testing.T) {
	d := newDevicesApp(t)
	ctx := context.Background()
	till := d.camera(d.shopA.ID, "C101P98200102") // offline in the simulator
	now := time.Now()
	d.st.RecordCameraStatus(ctx, till.ID, true, now.Add(-48*time.Hour))
	d.st.RecordCameraStatus(ctx, till.ID, false, now.Add(-24*time.Hour))
	status := &devices.Status{Store: d.st, Accounts: d.lan.Accounts, LAN: d.lan, Log: slog.New(slog.DiscardHandler)}
	if err := status.CheckAll(ctx); err != nil {
		t.Fatal(err)
	}
	door := d.camera(d.shopA.ID, "C201D8BS00101")
	if !door.Online || door.StatusCheckedAt == nil || door.OfflineSince != nil {
		t.Fatalf("door %+v", door)
	}
	r := d.login("admin", adminPW).get(fmt.Sprintf("/shops/%d/health", d.shopA.ID))
	r.has(t, `data-testid="health-offline">1<`, "for 1 d 0 h", "50.0%")
}

func TestLANVendorAccountForm(t *testing.T) {
	d := newDevicesApp(t)
	b := d.login("admin", adminPW)
	b.get("/settings/vendors").has(t, "vendor-new-sunmilan", "vendor-new-senselink", "AppKey")
	r := b.post("/settings/vendors", url.Values{"vendor": {"sunmilan"}, "name": {"LAN 2"}, "app_id": {"APP2"}, "secret": {"s3cret-lan"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no activation code: %d", r.status)
	}
	r.has(t, "error-activation_code")
	r = b.post("/settings/vendors", url.Values{"vendor": {"sunmilan"}, "name": {"LAN 2"}, "app_id": {"APP2"}, "secret": {"s3cret-lan"}, "activation_code": {"act-secret-99"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.status, excerpt(r.body))
	}
	page := b.get("/settings/vendors")
	page.lacks(t, "act-secret-99", "s3cret-lan")
	if r := b.get("/settings/vendors/new?vendor=nobody"); r.status != http.StatusNotFound {
		t.Fatalf("unknown vendor kind: %d", r.status)
	}
}

// The shop form offers only Sunmi cloud accounts: a shop links to a Sunmi
// cloud shop, and LAN or SenseLink accounts cannot be that.
func TestShopFormOffersCloudAccountsOnly(t *testing.T) {
	d := newDevicesApp(t)
	b := d.login("admin", adminPW)
	r := b.get("/shops/new")
	r.has(t, "Sunmi (Sunmi cloud)")
	r.lacks(t, "LAN (Sunmi camera (LAN))", "SL (SenseTime SenseLink)")
	r = b.post("/shops", url.Values{"name": {"X"}, "timezone": {"Asia/Shanghai"}, "account_id": {fmt.Sprint(d.slAcc.ID)}, "sunmi_shop_no": {"1"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("SenseLink account as a shop's Sunmi account: %d", r.status)
	}
	// Factory reset is an admin's: a manager of the shop cannot.
	page := d.addCamera(t, b)
	d.addUser("mgr4", managerPW, models.RoleManager, d.shopA.ID)
	if r := d.login("mgr4", managerPW).post(page+"/reset", url.Values{"step": {"2"}, "confirm_sn": {"C201D8BS00188"}}); r.status != http.StatusForbidden {
		t.Fatalf("manager reset: %d", r.status)
	}
}
