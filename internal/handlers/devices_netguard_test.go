package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"storelens/internal/cameras"
	"storelens/internal/events"
	"storelens/internal/handlers"
	"storelens/internal/i18n"
	"storelens/internal/live"
	"storelens/internal/models"
	"storelens/internal/netguard"
)

// TestHealthShowsRefusedFetches: a signed webhook whose pic_url points at
// an internal service (a listener on 127.0.0.9) is stored, the service is
// never contacted, and the shop's Health tab shows the refusal, counted,
// in both languages.
func TestHealthShowsRefusedFetches(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.9:0")
	if err != nil {
		t.Skipf("no 127.0.0.9 here: %v", err)
	}
	var conns atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "inside") }),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}}
	go srv.Serve(ln)
	defer srv.Close()

	a := newEventsAppFull(t)
	b := a.login("admin", adminPW)
	health := fmt.Sprintf("/shops/%d/health", a.shopA.ID)
	b.get(health).has(t, "Refused outbound fetches", `data-testid="health-refused-total">0<`)

	payload := fmt.Sprintf(`{"event_id":77,"event_type":"face_recog_event","sn":%q,"report_time":%d,"group_name":"vip","pic_url":"http://%s/router.jpg?auth_key=1-2-0-abc"}`,
		hookSN, time.Now().Unix(), ln.Addr())
	ct, body := hookPost(payload, hookSecret, time.Now(), "r4nd0m77")
	if status, _ := a.postHook(t, ct, body); status != http.StatusOK {
		t.Fatalf("webhook: %d", status)
	}
	deadline := time.Now().Add(10 * time.Second)
	for a.svc.Guard().Total(a.shopA.ID) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the refusal was not counted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if a.count(t) != 1 {
		t.Fatalf("%d events stored, want the webhook's", a.count(t))
	}
	r := b.get(health)
	r.has(t, `data-testid="health-refused-total">1<`, `data-reason="host"`, "Not the camera&#39;s or the vendor&#39;s host", "event picture", "127.0.0.9")
	r.lacks(t, "auth_key", "abc")
	b.lang = "zh-CN"
	b.get(health).has(t, "被拒绝的出站访问", "不是该摄像头或厂商的地址", "事件图片", `data-testid="health-refused-total">1<`)
	if n := conns.Load(); n != 0 {
		t.Fatalf("the internal service was contacted %d times", n)
	}
	// Another shop sees none of it.
	b.lang = "en"
	b.get(fmt.Sprintf("/shops/%d/health", a.shopB.ID)).has(t, `data-testid="health-refused-total">0<`)
}

// Every reason and purpose the Health tab may show has words in both
// languages.
func TestRefusalMessagesInBothLanguages(t *testing.T) {
	bundle := i18n.MustLoad()
	for _, lang := range []string{"en", "zh-CN"} {
		keys := bundle.Keys(lang)
		for _, r := range netguard.Reasons {
			if k := "netguard.reason." + string(r); keys[k] == "" {
				t.Errorf("%s: no %s", lang, k)
			}
		}
		for _, w := range []string{"picture", "clip", "playlist", "stream", "screenshot", "vendor-api", "lan-camera"} {
			if k := "netguard.what." + w; keys[k] == "" {
				t.Errorf("%s: no %s", lang, k)
			}
		}
	}
}

// newEventsAppFull is the whole app (vendors, cameras: the Health tab
// lists the shop's cameras) with the event pipeline and its webhook
// source for shop A.
func newEventsAppFull(t *testing.T) *eventsApp {
	t.Helper()
	var svc *events.Service
	var hub *live.Hub
	a := newTestApp(t, func(a *testApp, d *handlers.Deps) {
		hub = live.NewHub(a.st, live.HubOptions{})
		svc = events.New(events.Config{Store: a.st, Hub: hub, DataDir: t.TempDir(), Log: slog.New(slog.DiscardHandler)})
		if err := svc.Sources().Configure([]events.SourceConfig{{Kind: events.KindSunmiWebhook, SN: hookSN, ShopID: a.shopA.ID,
			AppID: hookApp, Secret: hookSecret}}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		svc.Start(ctx)
		t.Cleanup(func() { hub.Close(); cancel(); svc.Close() })
		d.Events = handlers.EventsDeps{Service: svc, Hub: hub}
	})
	return &eventsApp{testApp: a, svc: svc, hub: hub}
}

// TestScreenshotOnlyFromVendorHosts: with the outbound policy, a camera's
// screenshot is fetched from its vendor (the account's base URL host, here
// the simulator) and never from an internal service the vendor's record
// might name.
func TestScreenshotOnlyFromVendorHosts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.9:0")
	if err != nil {
		t.Skipf("no 127.0.0.9 here: %v", err)
	}
	var conns atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("\xff\xd8\xff inside")) }),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}}
	go srv.Serve(ln)
	defer srv.Close()
	g := netguard.New(netguard.Options{})
	a := newTestApp(t, func(a *testApp, d *handlers.Deps) {
		d.Cameras = &cameras.Service{Store: d.Cameras.Store, Accounts: d.Cameras.Accounts, HTTP: d.Cameras.HTTP, Guard: g}
	})
	b := a.login("manager", managerPW)
	cam := a.camera(a.shopA.ID, "C201D8BS00101")
	path := "/shops/" + itoa(a.shopA.ID) + "/cameras/" + itoa(cam.ID) + "/screenshot"
	r := b.get(path)
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, "\xff\xd8") {
		t.Fatalf("the vendor's screenshot: %d", r.status)
	}
	for _, u := range []string{"http://" + ln.Addr().String() + "/shot.jpg", "http://169.254.169.254/latest/meta-data/"} {
		a.st.DB().Model(&models.Camera{}).Where("id = ?", cam.ID).Update("screenshot_url", u)
		if r := b.get(path); r.status == http.StatusOK {
			t.Fatalf("%s: served %q", u, r.body)
		}
	}
	if n := g.Total(a.shopA.ID); n != 2 {
		t.Fatalf("refusals = %d, want 2", n)
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("the internal service was contacted %d times", n)
	}
}
