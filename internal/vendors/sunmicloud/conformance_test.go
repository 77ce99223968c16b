package sunmicloud_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmicloud/sim"
)

// The adapter against the simulator, over real HTTPS on loopback. The
// simulator was written from document 000 without this client.

const (
	appID  = "LMWWQVTW4QGCC"
	secret = "ABCDEFG3F2BB03917123"
	shopNo = "560279010307"
)

var shop = vendors.ShopRef{ShopNo: shopNo}

func setup(t *testing.T, opts ...sunmicloud.Option) (*sunmicloud.Client, *sim.Server) {
	t.Helper()
	s := sim.New(sim.Options{})
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	s.AddApp(appID, secret)
	s.AddShop(sim.Shop{ShopNo: shopNo, ShopID: "10096", CompanyNo: "560279010300", Name: "前门店", AppID: appID})
	s.AddShop(sim.Shop{ShopNo: "560279010308", ShopID: "10097", CompanyNo: "560279010300", Name: "后门店", AppID: appID})
	connect := time.Unix(1565951330, 0)
	s.AddDevice(sim.Device{IpcID: "549755805878", SN: "C101P98200023", MAC: "0C25766F5701", Name: "小松松大魔王", Model: "FM010",
		Firmware: "1.2.6", Online: true, ConnectTime: connect, CheckVersionTime: time.Unix(1566365781, 0), ShopNo: shopNo})
	s.AddDevice(sim.Device{IpcID: "549755805879", SN: "C201D8BS00001", MAC: "0C25766F5702", Name: "Offline", Model: "FM020",
		Firmware: "1.6.2", Online: false, ConnectTime: connect, ShopNo: shopNo})
	s.AddDevice(sim.Device{IpcID: "549755811632", SN: "C101E96500011", MAC: "0C25766F5703", Name: "My Camera", Model: "FM010",
		Firmware: "1.0.0", Online: true, ConnectTime: connect, ShopNo: "560279010308"})
	s.AddDevice(sim.Device{SN: "C201D8BS00089", MAC: "0C25766F5705", Model: "FM020", Firmware: "1.6.2"})
	noWait := sunmicloud.WithBackoff(func(context.Context, time.Duration) error { return nil })
	c, err := sunmicloud.NewClient(vendors.Account{BaseURL: srv.URL + "/openapi", AppID: appID, Secret: secret, CompanyNo: "560279010300"},
		srv.Client(), append([]sunmicloud.Option{noWait}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func wantKind(t *testing.T, err error, kind vendors.Kind, code int) {
	t.Helper()
	var ve *vendors.Error
	if !errorsAs(err, &ve) || ve.Kind != kind || (code != 0 && ve.Code != code) {
		t.Fatalf("err = %v, want kind %s code %d", err, kind, code)
	}
}

func TestListAndInfo(t *testing.T) {
	c, _ := setup(t)
	ctx := context.Background()
	list, err := c.ListDevices(ctx, shop)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListDevices = %v, %v", list, err)
	}
	var d vendors.Device
	for _, x := range list {
		if x.SN == "C101P98200023" {
			d = x
		}
	}
	if d.ID != "549755805878" || d.Name != "小松松大魔王" || d.Model != "FM010" || d.Firmware != "1.2.6" || !d.Online ||
		!d.LastConnect.Equal(time.Unix(1565951330, 0)) || !d.CheckVersion.Equal(time.Unix(1566365781, 0)) ||
		!strings.Contains(d.ScreenshotURL, "/IMG/IPC/") {
		t.Fatalf("device %+v", d)
	}
	// By the partner's shop_id instead of sunmi_shop_no.
	if l, err := c.ListDevices(ctx, vendors.ShopRef{ShopID: "10097"}); err != nil || len(l) != 1 || l[0].SN != "C101E96500011" {
		t.Fatalf("by shop_id: %v %v", l, err)
	}
	byID, err := c.DeviceInfo(ctx, shop, vendors.DeviceRef{ID: "549755805879"})
	if err != nil || byID.SN != "C201D8BS00001" || byID.Online {
		t.Fatalf("info by id: %+v %v", byID, err)
	}
	bySN, err := c.DeviceInfo(ctx, shop, vendors.DeviceRef{SN: "C201D8BS00001"})
	if err != nil || bySN.ID != "549755805879" {
		t.Fatalf("info by sn: %+v %v", bySN, err)
	}
	_, err = c.DeviceInfo(ctx, shop, vendors.DeviceRef{ID: "549755805878", SN: "C201D8BS00001"})
	wantKind(t, err, vendors.KindInvalidParam, 5020)
	_, err = c.DeviceInfo(ctx, shop, vendors.DeviceRef{SN: "C101E96500011"}) // another shop's camera
	wantKind(t, err, vendors.KindDeviceUnknown, 5501)
	all, err := c.CompanyDevices(ctx, "560279010300")
	if err != nil || len(all) != 3 {
		t.Fatalf("company: %v %v", all, err)
	}
	_, err = c.CompanyDevices(ctx, "999")
	wantKind(t, err, vendors.KindBindingBroken, 5041)
	_, err = c.ListDevices(ctx, vendors.ShopRef{ShopNo: "999999"})
	wantKind(t, err, vendors.KindNoData, 5013)
}

func TestRenameBindUnbind(t *testing.T) {
	c, s := setup(t)
	ctx := context.Background()
	if err := c.RenameDevice(ctx, shop, vendors.DeviceRef{SN: "C101P98200023"}, "前门摄像机"); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Device("C101P98200023"); d.Name != "前门摄像机" {
		t.Fatalf("name at vendor %q", d.Name)
	}
	wantKind(t, c.RenameDevice(ctx, shop, vendors.DeviceRef{SN: "C201D8BS00001"}, "x"), vendors.KindDeviceOffline, 5011)

	wantKind(t, c.BindDevice(ctx, shop, "C201D8BS00089", "0C:25:76:6F:57:0"), vendors.KindInvalidMAC, 0) // refused before sending
	wantKind(t, c.BindDevice(ctx, shop, "C201D8BS00089", "0C:25:76:6F:57:06"), vendors.KindInvalidMAC, 5079)
	wantKind(t, c.BindDevice(ctx, shop, "C999D8BS00089", "0C:25:76:6F:57:05"), vendors.KindDeviceUnknown, 5501)
	if err := c.BindDevice(ctx, shop, "C201D8BS00089", "0c:25:76:6f:57:05"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, c.BindDevice(ctx, shop, "C201D8BS00089", "0C25766F5705"), vendors.KindAlreadyBound, 5509)
	d, err := c.DeviceInfo(ctx, shop, vendors.DeviceRef{SN: "C201D8BS00089"})
	if err != nil || d.ID == "" {
		t.Fatalf("bound device info: %+v %v", d, err)
	}
	if err := c.UnbindDevice(ctx, shop, vendors.DeviceRef{ID: d.ID, SN: d.SN}); err != nil {
		t.Fatal(err)
	}
	wantKind(t, c.UnbindDevice(ctx, shop, vendors.DeviceRef{SN: "C201D8BS00089"}), vendors.KindNotBound, 5510)
}

func TestAuthAndClock(t *testing.T) {
	c, _ := setup(t)
	ctx := context.Background()
	if err := c.Test(ctx); err != nil {
		t.Fatalf("Test with good credentials: %v", err)
	}
	wrong, _ := setupWithSecret(t, "WRONG")
	wantKind(t, wrong.Test(ctx), vendors.KindAuth, 5090)
	_, err := wrong.ListDevices(ctx, shop)
	wantKind(t, err, vendors.KindAuth, 5090)
	late, _ := setup(t, sunmicloud.WithClock(func() time.Time { return time.Now().Add(-time.Hour) }))
	_, err = late.ListDevices(ctx, shop)
	wantKind(t, err, vendors.KindClock, 5091)
}

func setupWithSecret(t *testing.T, sec string) (*sunmicloud.Client, *sim.Server) {
	_, s := setup(t)
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	cl, err := sunmicloud.NewClient(vendors.Account{BaseURL: srv.URL + "/openapi", AppID: appID, Secret: sec}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return cl, s
}

func TestInjectedCodes(t *testing.T) {
	c, s := setup(t)
	ctx := context.Background()
	for code, kind := range map[int]vendors.Kind{5000: vendors.KindInternal, 5013: vendors.KindNoData, 5020: vendors.KindInvalidParam,
		5501: vendors.KindDeviceUnknown, 5510: vendors.KindNotBound, 5011: vendors.KindDeviceOffline, 5509: vendors.KindAlreadyBound,
		5079: vendors.KindInvalidMAC, 5090: vendors.KindAuth, 4242: vendors.KindOther} {
		s.SetFault("/device/ipc/bind", sim.Fault{Code: code, Times: 1})
		wantKind(t, c.BindDevice(ctx, shop, "C201D8BS00089", "0C25766F5705"), kind, code)
	}
	// 5509 means "bound" only for bind; elsewhere it is not that.
	s.SetFault("/device/ipc/unbind", sim.Fault{Code: 5509, Times: 1})
	if k := vendors.KindOf(c.UnbindDevice(ctx, shop, vendors.DeviceRef{SN: "C101P98200023"})); k == vendors.KindAlreadyBound {
		t.Fatal("5509 read as already-bound outside bind")
	}
}

// Reads are retried after a transport failure, writes never are.
func TestRetriesOnlyReads(t *testing.T) {
	c, s := setup(t)
	ctx := context.Background()
	s.SetFault("/device/ipc/getList", sim.Fault{Drop: true, Times: 2})
	if l, err := c.ListDevices(ctx, shop); err != nil || len(l) != 2 {
		t.Fatalf("read after two drops: %v %v", l, err)
	}
	s.SetFault("/device/ipc/bind", sim.Fault{Drop: true, Times: 1})
	wantKind(t, c.BindDevice(ctx, shop, "C201D8BS00089", "0C25766F5705"), vendors.KindUnavailable, 0)
	// The simulator logs a dropped call after closing the connection, so
	// the log may lag the client's error by a moment.
	countBinds := func() (n int) {
		for _, call := range s.Calls() {
			if call.Path == "/device/ipc/bind" {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(2 * time.Second); countBinds() == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // a retry, if any, would have arrived by now
	binds := countBinds()
	if binds != 1 {
		t.Fatalf("bind sent %d times, want 1", binds)
	}
	s.SetFault("/device/ipc/getInfo", sim.Fault{Malformed: true, Times: 1})
	_, err := c.DeviceInfo(ctx, shop, vendors.DeviceRef{SN: "C101P98200023"})
	wantKind(t, err, vendors.KindMalformed, 0)
	s.SetFault("/device/ipc/getInfo", sim.Fault{Latency: 2 * time.Second, Times: 3})
	tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = c.DeviceInfo(tctx, shop, vendors.DeviceRef{SN: "C101P98200023"})
	wantKind(t, err, vendors.KindUnavailable, 0)
}

// Every request the simulator saw was signed with the account (the secret
// itself never travels), and each carries a fresh random.
func TestWireHygiene(t *testing.T) {
	c, s := setup(t)
	ctx := context.Background()
	c.ListDevices(ctx, shop)
	c.ListDevices(ctx, shop)
	calls := s.Calls()
	if len(calls) != 2 || calls[0].Params["random"] == calls[1].Params["random"] {
		t.Fatalf("calls %+v", calls)
	}
	for _, call := range calls {
		for k, v := range call.Params {
			if strings.Contains(v, secret) || k == "key" {
				t.Fatalf("secret on the wire in %s", k)
			}
		}
		if call.Params["app_id"] != appID || len(call.Params["timestamp"]) != 10 {
			t.Fatalf("public params %v", call.Params)
		}
	}
}
