package sunmilan

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan/sim"
)

const (
	testAppID      = "JO83UNV983U9OR"
	testSecret     = "ABCDEFG3F2BB03917123"
	testActivation = "12345678"
)

func client(t testing.TB, cam *sim.Camera, pin string) *Client {
	t.Helper()
	c, err := New(Config{Address: cam.Addr(), AppID: testAppID, Secret: testSecret, ActivationCode: testActivation, Pin: pin,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// activated returns a started FM020 camera, activated through the adapter,
// and a client pinned to its certificate.
func activated(t *testing.T) (*sim.Camera, *Client) {
	t.Helper()
	cam := newSimCamera(t, "C201D8BS00301", "FM020")
	fp, err := FetchFingerprint(context.Background(), cam.Addr(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, cam, fp)
	if err := c.Activate(context.Background(), cam.SN()); err != nil {
		t.Fatal(err)
	}
	return cam, c
}

// The activation request of 003 Device Management 1, signed with the
// activation code; the worked string is
// app_id=JO83UNV983U9OR&random=289192&sn=FS101D8BS00106&timestamp=1593029283&key=12345678
// whose MD5 is 72CB1C1031D3BA103D2FA1A57E171C2D (NOTES "Signing").
func TestActivationSignVector(t *testing.T) {
	var got url.Values
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/openapi/device/activate" {
			t.Errorf("path %s", r.URL.Path)
		}
		_ = r.ParseForm()
		got = r.PostForm
		_, _ = w.Write([]byte(`{"code":0}`))
	}))
	defer srv.Close()
	c, err := New(Config{Address: strings.TrimPrefix(srv.URL, "https://"), AppID: testAppID, Secret: "not-used", ActivationCode: testActivation,
		Now: func() time.Time { return time.Unix(1593029283, 0) }, Random: func() string { return "289192" }})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Activate(context.Background(), "FS101D8BS00106"); err != nil {
		t.Fatal(err)
	}
	want := url.Values{"app_id": {testAppID}, "random": {"289192"}, "sn": {"FS101D8BS00106"}, "timestamp": {"1593029283"},
		"sign": {"72CB1C1031D3BA103D2FA1A57E171C2D"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("form %v\nwant %v", got, want)
	}
}

func TestActivationFlow(t *testing.T) {
	ctx := context.Background()
	cam := newSimCamera(t, "C201D8BS00302", "FM020")
	cam.Update(func(s *sim.State) { s.FaceGroups = append(s.FaceGroups, sim.Group{Name: "vip", Capacity: 10}) })
	c := client(t, cam, "")
	var seen string
	c.cfg.OnFirstUse = func(fp string) { seen = fp }

	if _, err := c.Info(ctx); vendors.KindOf(err) != vendors.KindNotActivated {
		t.Fatalf("before activation: %v, want not_activated", err)
	}
	if seen != CertFingerprint(cam.CertificateDER()) {
		t.Fatalf("first use reported %q", seen)
	}
	// Before activation: Wi-Fi without auth and the AP list.
	aps, err := c.APsWithoutAuth(ctx)
	if err != nil || len(aps) != 3 || aps[1] != (AP{SSID: "WeWork", KeyMgmt: "WPA-PSK"}) {
		t.Fatalf("APs without auth: %+v %v", aps, err)
	}
	if err := c.SetWifiWithoutAuth(ctx, Wifi{SSID: "WeWork", Password: "12345678"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Activate(ctx, "C201D8BS00999"); err == nil || vendors.KindOf(err) != vendors.KindOther {
		t.Fatalf("wrong sn: %v", err)
	}
	wrong := client(t, cam, "")
	wrong.cfg.ActivationCode = "bad"
	if err := wrong.Activate(ctx, cam.SN()); vendors.KindOf(err) != vendors.KindAuth {
		t.Fatalf("wrong activation code: %v", err)
	}
	if err := c.Activate(ctx, cam.SN()); err != nil {
		t.Fatal(err)
	}
	if st := cam.State(); !st.Activated || len(st.FaceGroups) != 2 || st.FaceGroups[0].Name != "stranger" || st.FaceGroups[1].Name != "regular" || st.SSID != "WeWork" {
		t.Fatalf("after activation: %+v", st)
	}
	if err := c.SetWifiWithoutAuth(ctx, Wifi{SSID: "x"}); err == nil {
		t.Fatal("Wi-Fi without auth accepted after activation")
	}
	var ve *vendors.Error
	if err := c.Activate(ctx, cam.SN()); !errors.As(err, &ve) || ve.Code != 4 {
		t.Fatalf("second activation: %v", err)
	}
	info, err := c.Info(ctx)
	if err != nil || info.SN != cam.SN() || info.MAC != "0C25766F5901" || info.Model != "FS" || info.Name != "门口" {
		t.Fatalf("info %+v %v", info, err)
	}
}

// Every setting goes out through the adapter and comes back the same.
func TestSettingsRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, c := activated(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.SetName(ctx, "前门摄像机 Front door"))
	if n, err := c.Name(ctx); err != nil || n != "前门摄像机 Front door" {
		t.Fatalf("name %q %v", n, err)
	}
	must(c.SetWifi(ctx, Wifi{SSID: "ShopNet", Password: "p@ss word"}))
	if w, _ := c.Wifi(ctx); w != (Wifi{SSID: "ShopNet", Password: "p@ss word"}) {
		t.Fatalf("wifi %+v", w)
	}
	if aps, err := c.APs(ctx); err != nil || len(aps) != 3 {
		t.Fatalf("aps %v %v", aps, err)
	}
	static := IPConfig{Proto: "static", Address: "192.168.3.20", Netmask: "255.255.255.0", Gateway: "192.168.3.1", DNS1: "223.5.5.5"}
	must(c.SetIPConfig(ctx, static))
	if ip, _ := c.IPConfig(ctx); ip != static {
		t.Fatalf("ip %+v", ip)
	}
	must(c.SetIPConfig(ctx, IPConfig{Proto: "dhcp"}))
	if ip, _ := c.IPConfig(ctx); ip.Proto != "dhcp" {
		t.Fatalf("ip %+v", ip)
	}
	must(c.SetZoom(ctx, 500))
	must(c.SetFocus(ctx, 780))
	if z, _ := c.ZoomFocus(ctx); z.Zoom != 500 || z.Focus != 780 || z.MaxZoom != 500 || z.MaxFocus != 780 {
		t.Fatalf("zoom %+v", z)
	}
	must(c.AutoFocus(ctx, 30, 70))
	if z, _ := c.ZoomFocus(ctx); z.FocusX != 30 || z.FocusY != 70 {
		t.Fatalf("focus point %+v", z)
	}
	must(c.ResetZoomFocus(ctx))
	if z, _ := c.ZoomFocus(ctx); z.Zoom != 0 || z.Focus != 0 {
		t.Fatalf("after reset %+v", z)
	}
	for _, m := range []IRMode{IROff, IROn, IRAuto} {
		must(c.SetIRMode(ctx, m))
		if got, _ := c.IRMode(ctx); got != m {
			t.Fatalf("ir %d != %d", got, m)
		}
	}
	dd := DynamicDetect{MotionLevel: 3, AudioLevel: 0, Weekdays: 0b0010101, Start: 1260, Stop: 540} // across midnight
	must(c.SetDynamicDetect(ctx, dd))
	if got, _ := c.DynamicDetect(ctx); got != dd {
		t.Fatalf("detect %+v", got)
	}
	must(c.SetLED(ctx, false))
	if on, _ := c.LED(ctx); on {
		t.Fatal("led still on")
	}
	if angles, _ := c.RotationAngles(ctx); !reflect.DeepEqual(angles, []int{0, 90, 180, 270}) {
		t.Fatalf("angles %v", angles)
	}
	must(c.SetRotation(ctx, 180))
	if r, _ := c.Rotation(ctx); r != 180 {
		t.Fatalf("rotation %d", r)
	}
	must(c.FormatSD(ctx))
	if s, _ := c.SDStatus(ctx); s != SDWorking {
		t.Fatalf("sd %d", s)
	}
	must(c.SetAIFace(ctx, 6))
	if s, _ := c.AIFace(ctx); s != 6 {
		t.Fatalf("ai face %d", s)
	}
	dl := DoorLine{Resolution: Res720p, StartX: 0, StartY: 700, EndX: 1280, EndY: 720}
	must(c.SetDoorLine(ctx, dl))
	if got, _ := c.DoorLine(ctx); got != dl {
		t.Fatalf("door line %+v", got)
	}
	fc := FlowConfig{FaceRecogInterval: 86400, JudgeMode: JudgeSnapshot}
	must(c.SetFlowConfig(ctx, fc))
	if got, _ := c.FlowConfig(ctx); got != fc {
		t.Fatalf("flow %+v", got)
	}
	must(c.AddHook(ctx, []string{EventFaceRecog, EventDynamicDetect}, "http://127.0.0.1:8080/hooks/sunmi"))
	subs, err := c.Hooks(ctx)
	if err != nil || len(subs) != 2 || !SameCallback(subs[0].Callbacks[0], "http://127.0.0.1:8080/hooks/sunmi") {
		t.Fatalf("hooks %+v %v", subs, err)
	}
	must(c.DeleteHook(ctx, []string{EventFaceRecog}))
	if subs, _ := c.Hooks(ctx); len(subs) != 1 || subs[0].Event != EventDynamicDetect {
		t.Fatalf("after delete %+v", subs)
	}
	ct, img, err := c.Snapshot(ctx)
	if err != nil || ct != "image/jpeg" || len(img) < 1000 {
		t.Fatalf("snapshot %s %d %v", ct, len(img), err)
	}
}

// Values outside 003's ranges are refused by the adapter: nothing reaches
// the camera.
func TestOutOfRangeRefusedBeforeSending(t *testing.T) {
	ctx := context.Background()
	cam, c := activated(t)
	before := len(cam.Calls())
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"zoom", func() error { return c.SetZoom(ctx, 501) }, "zoom"},
		{"focus", func() error { return c.SetFocus(ctx, -1) }, "focus"},
		{"focus point", func() error { return c.AutoFocus(ctx, 50, 101) }, "focus_y"},
		{"ir", func() error { return c.SetIRMode(ctx, 3) }, "irmode"},
		{"motion", func() error { return c.SetDynamicDetect(ctx, DynamicDetect{MotionLevel: 4, Stop: 10}) }, "motion_level"},
		{"detect time", func() error { return c.SetDynamicDetect(ctx, DynamicDetect{Start: 1441}) }, "start_time"},
		{"weekday", func() error { return c.SetDynamicDetect(ctx, DynamicDetect{Weekdays: 256}) }, "weekday"},
		{"name empty", func() error { return c.SetName(ctx, " ") }, "name"},
		{"name long", func() error { return c.SetName(ctx, strings.Repeat("门", 37)) }, "name"},
		{"ssid", func() error { return c.SetWifi(ctx, Wifi{SSID: strings.Repeat("s", 33)}) }, "ssid"},
		{"wifi password", func() error { return c.SetWifi(ctx, Wifi{SSID: "a", Password: strings.Repeat("p", 65)}) }, "password"},
		{"ip proto", func() error { return c.SetIPConfig(ctx, IPConfig{Proto: "bootp"}) }, "proto"},
		{"ip address", func() error {
			return c.SetIPConfig(ctx, IPConfig{Proto: "static", Address: "192.168.1.300", Netmask: "255.255.255.0", Gateway: "192.168.1.1"})
		}, "ipaddr"},
		{"netmask", func() error {
			return c.SetIPConfig(ctx, IPConfig{Proto: "static", Address: "192.168.1.3", Netmask: "255.0.255.0", Gateway: "192.168.1.1"})
		}, "netmask"},
		{"gateway", func() error {
			return c.SetIPConfig(ctx, IPConfig{Proto: "static", Address: "192.168.1.3", Netmask: "255.255.255.0", Gateway: "192.168.2.1"})
		}, "gateway"},
		{"ai face", func() error { return c.SetAIFace(ctx, 7) }, "optimize_seconds"},
		{"door line 1080p", func() error { return c.SetDoorLine(ctx, DoorLine{Resolution: Res1080p, EndX: 1921}) }, "end_x"},
		{"door line 720p", func() error { return c.SetDoorLine(ctx, DoorLine{Resolution: Res720p, StartY: 721}) }, "start_y"},
		{"flow interval", func() error { return c.SetFlowConfig(ctx, FlowConfig{FaceRecogInterval: 86401, JudgeMode: 1}) }, "facerecog_interval"},
		{"judge mode", func() error { return c.SetFlowConfig(ctx, FlowConfig{JudgeMode: 2}) }, "customer_judgemode"},
		{"hook topic", func() error { return c.AddHook(ctx, []string{"motion"}, "http://127.0.0.1/x") }, "event_list"},
	}
	for _, tc := range cases {
		err := tc.call()
		var fes FieldErrors
		if vendors.KindOf(err) != vendors.KindInvalidParam || !errors.As(err, &fes) || fes[0].Field != tc.field {
			t.Errorf("%s: %v, want a refusal of %s", tc.name, err, tc.field)
		}
	}
	if after := len(cam.Calls()); after != before {
		t.Fatalf("%d refused calls reached the camera", after-before)
	}
	// The rotation check reads the camera's own angles, then refuses.
	if err := c.SetRotation(ctx, 45); vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Fatalf("rotation 45: %v", err)
	}
	if n := cam.CallsTo("/config/setRotation"); n != 0 {
		t.Fatalf("setRotation sent %d times", n)
	}
}

// The camera's own refusal comes back with its code, shown raw.
func TestCameraRefusalKeepsCode(t *testing.T) {
	ctx := context.Background()
	cam, c := activated(t)
	cam.Update(func(s *sim.State) { s.SDStatus = 0 })
	var ve *vendors.Error
	if err := c.FormatSD(ctx); !errors.As(err, &ve) || ve.Code != 220 || ve.Kind != vendors.KindOther {
		t.Fatalf("format without a card: %v", err)
	}
	fm010 := newSimCamera(t, "C101P98200303", "FM010")
	c2 := client(t, fm010, "")
	if err := c2.Activate(ctx, fm010.SN()); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.AIFace(ctx); !errors.As(err, &ve) || ve.Code != 7 || ve.Kind != vendors.KindInternal {
		t.Fatalf("face setting on FM010: %v", err)
	}
}

func TestChangedCertificateIsRefused(t *testing.T) {
	ctx := context.Background()
	cam, c := activated(t)
	old := CertFingerprint(cam.CertificateDER())
	if err := cam.RotateCertificate(); err != nil {
		t.Fatal(err)
	}
	c.Close() // a new connection: the old one still has the old certificate
	before := len(cam.Calls())
	err := c.SetZoom(ctx, 10)
	var pe *PinError
	if vendors.KindOf(err) != vendors.KindCertChanged || !errors.As(err, &pe) || pe.Pinned != old ||
		pe.Presented != CertFingerprint(cam.CertificateDER()) {
		t.Fatalf("changed certificate: %v", err)
	}
	if len(cam.Calls()) != before {
		t.Fatal("the request reached the camera through a changed certificate")
	}
	if cam.State().Zoom == 10 {
		t.Fatal("zoom changed")
	}
	// Trusting the new certificate: a client with the new pin works.
	c2 := client(t, cam, pe.Presented)
	if err := c2.SetZoom(ctx, 10); err != nil {
		t.Fatal(err)
	}
}

func TestFaultsAndRetries(t *testing.T) {
	ctx := context.Background()
	cam, c := activated(t)
	cam.SetFault("/config/getIrMode", sim.Fault{Drop: true, Times: 2})
	if _, err := c.IRMode(ctx); err != nil {
		t.Fatalf("read not retried past two dropped connections: %v", err)
	}
	if n := cam.CallsTo("/config/getIrMode"); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
	cam.SetFault("/config/setIrMode", sim.Fault{Drop: true, Times: 1})
	if err := c.SetIRMode(ctx, IROn); vendors.KindOf(err) != vendors.KindUnavailable {
		t.Fatalf("dropped write: %v", err)
	}
	if n := cam.CallsTo("/config/setIrMode"); n != 1 {
		t.Fatalf("write sent %d times", n)
	}
	cam.SetFault("/config/getLedSwitch", sim.Fault{Malformed: true, Times: 1})
	if _, err := c.LED(ctx); vendors.KindOf(err) != vendors.KindMalformed {
		t.Fatalf("malformed: %v", err)
	}
	cam.SetFault("/config/getName", sim.Fault{Latency: 2 * time.Second, Times: 1})
	slow := client(t, cam, "")
	slow.cfg.Timeout = 100 * time.Millisecond
	slow.cfg.Sleep = func(context.Context, time.Duration) error { return errors.New("stop") }
	if _, err := slow.Name(ctx); vendors.KindOf(err) != vendors.KindUnavailable {
		t.Fatalf("timeout: %v", err)
	}
	// A wrong secret is refused with code 1.
	bad := client(t, cam, "")
	bad.cfg.Secret = "wrong"
	var ve *vendors.Error
	if _, err := bad.Info(ctx); !errors.As(err, &ve) || ve.Kind != vendors.KindAuth || ve.Code != 1 {
		t.Fatalf("wrong secret: %v", err)
	}
	skewed := client(t, cam, "")
	skewed.cfg.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	if _, err := skewed.Info(ctx); vendors.KindOf(err) != vendors.KindClock {
		t.Fatalf("old timestamp: %v", err)
	}
}

// A camera that wants 003's client certificate: without it the handshake
// fails; with the account's PKCS#12 it works.
func TestClientCertificate(t *testing.T) {
	ctx := context.Background()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Sunmi OpenAPI CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "openapi"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, _ := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	leaf, _ := x509.ParseCertificate(leafDER)
	p12, err := pkcs12.Modern.Encode(key, leaf, []*x509.Certificate{ca}, "p12-password")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	cam, err := sim.New(sim.Options{SN: "C201D8BS00304", AppID: testAppID, Secret: testSecret, ActivationCode: testActivation, ClientCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cam.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer cam.Close()

	if _, err := LoadPKCS12(p12, "wrong"); !errors.Is(err, ErrPKCS12) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := client(t, cam, "").Activate(ctx, cam.SN()); vendors.KindOf(err) != vendors.KindUnavailable {
		t.Fatalf("without a client certificate: %v", err)
	}
	acc, err := NewAccount(vendors.Account{Vendor: Name, AppID: testAppID, Secret: testSecret, ActivationCode: testActivation,
		ClientCertP12: p12, ClientCertPassword: "p12-password"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := FetchFingerprint(ctx, cam.Addr(), acc.(*Account).ClientCert(), nil)
	if err != nil || fp != CertFingerprint(cam.CertificateDER()) {
		t.Fatalf("fingerprint %q %v", fp, err)
	}
	c, err := acc.(*Account).Camera(cam.Addr(), fp, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Activate(ctx, cam.SN()); err != nil {
		t.Fatalf("with the client certificate: %v", err)
	}
}

func TestLenientJSONAndAddresses(t *testing.T) {
	var v struct {
		Total num `json:"total"`
		List  []struct {
			Total num `json:"total"`
		} `json:"stat_list"`
	}
	// 003 Customer Flow 6's example, trailing commas and all.
	in := `{"total": 2998, "stat_list": [{"start_time": 1561910400, "total": 1499,}, {"total": 1499,}]}`
	if err := decodeLenient([]byte(in), &v); err != nil || v.Total != 2998 || len(v.List) != 2 {
		t.Fatalf("lenient: %+v %v", v, err)
	}
	if _, changed := dropTrailingCommas([]byte(`{"a":"x,}"}`)); changed {
		t.Fatal("a comma inside a string was dropped")
	}
	for in, want := range map[string]string{"192.168.0.1": "192.168.0.1:443", "127.0.0.1:8443": "127.0.0.1:8443", "[::1]:9": "[::1]:9", "::1": "[::1]:443"} {
		if got, err := NormalizeAddress(in); err != nil || got != want {
			t.Errorf("NormalizeAddress(%q) = %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "https://1.2.3.4", "1.2.3.4/x", "1.2.3.4:0", "a@b"} {
		if _, err := NormalizeAddress(bad); err == nil {
			t.Errorf("NormalizeAddress(%q) accepted", bad)
		}
	}
	if FormatFingerprint("abcd12") != "AB:CD:12" {
		t.Fatal(FormatFingerprint("abcd12"))
	}
}
