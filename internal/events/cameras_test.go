package events_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/netguard"
	"storelens/internal/tlsutil"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
	"storelens/internal/vendors/sunmilan/lanevents"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// cameraFixture is one LAN camera record and its simulator (one identity,
// one certificate for its API and its message channel), and a service
// receiving its webhooks on loopback.
type cameraFixture struct {
	st  *models.Store
	svc *events.Service
	sim *lansim.Camera
	cam models.Camera
	cb  string
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func newCameraFixture(t *testing.T) *cameraFixture {
	t.Helper()
	return newCameraFixtureGuard(t, nil)
}

// newCameraFixtureGuard is newCameraFixture with the outbound policy's
// guard (nil: the service's own).
func newCameraFixtureGuard(t *testing.T, guard *netguard.Guard) *cameraFixture {
	t.Helper()
	return newCameraFixtureOpts(t, guard, false)
}

// newCameraFixtureOpts is newCameraFixtureGuard whose sources wait for the
// lead when elected (several instances).
func newCameraFixtureOpts(t *testing.T, guard *netguard.Guard, elected bool) *cameraFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st := modelstest.Open(t, models.Options{Logger: slog.New(slog.DiscardHandler)})
	shop := models.Shop{Name: "A"}
	if err := st.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	acc := models.VendorAccount{Vendor: sunmilan.Name, Name: "LAN", AppID: appID, SecretEnc: []byte("sealed elsewhere")}
	if err := st.CreateVendorAccount(ctx, &acc); err != nil {
		t.Fatal(err)
	}
	cert, _, err := tlsutil.SelfSigned("Sunmi IPC C201D8BS00999")
	if err != nil {
		t.Fatal(err)
	}
	sim, err := lansim.New(lansim.Options{SN: "C201D8BS00999", Model: "FM020", AppID: appID, Secret: secret, ActivationCode: "12345678",
		Activated: true, Certificate: &cert, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	api, err := sim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := sim.ListenChannel("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ch.String())
	p, _ := strconv.Atoi(port)
	accID := acc.ID
	cam := models.Camera{ShopID: shop.ID, Vendor: sunmilan.Name, SN: "C201D8BS00999", Name: "门口", Model: "FM020",
		Address: api, LANAccountID: &accID, CertFingerprint: fingerprint(cert.Certificate[0]), ChannelPort: p}
	if err := st.AddLANCamera(ctx, &cam); err != nil {
		t.Fatal(err)
	}
	f := &cameraFixture{st: st, sim: sim, cam: cam}
	// Our webhook receiver, as the handler does it.
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		post, err := lanevents.ParseWebhook(r.Header.Get("Content-Type"), r.Body)
		if err == nil {
			_, err = f.svc.Sources().ReceiveWebhook(r.Context(), post)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Write([]byte(`{"code":0}`))
	}))
	t.Cleanup(hooks.Close)
	f.cb = hooks.URL + "/hooks/sunmi-ipc"
	f.svc = events.New(events.Config{Store: st, Hub: &recorder{t: t, st: st}, DataDir: dir, Log: slog.New(slog.DiscardHandler),
		Callback: f.cb, WebhookWindow: time.Minute, Guard: guard, Elected: elected,
		LANAccount: func(_ context.Context, id uint) (*sunmilan.Account, error) {
			if id != accID {
				t.Errorf("LAN account %d asked for, want the camera's %d", id, accID)
			}
			ad, err := sunmilan.NewAccount(vendors.Account{AppID: appID, Secret: secret}, nil)
			if err != nil {
				return nil, err
			}
			return ad.(*sunmilan.Account), nil
		}})
	runCtx, cancel := context.WithCancel(ctx)
	f.svc.Start(runCtx)
	t.Cleanup(func() { cancel(); f.svc.Close() })
	return f
}

func (f *cameraFixture) choose(t *testing.T, delivery string) {
	t.Helper()
	cam, err := f.st.Camera(context.Background(), f.cam.ShopID, f.cam.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetCameraDelivery(context.Background(), models.Actor{Username: "admin"}, cam, delivery); err != nil {
		t.Fatalf("choose %q: %v", delivery, err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stored is the camera's stored events of a source.
func (f *cameraFixture) stored(t *testing.T, source string) []models.Event {
	t.Helper()
	var evs []models.Event
	if err := f.st.DB().Where("source = ?", source).Order("id").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	return evs
}

func subscribed(sim *lansim.Camera, cb string) int {
	n := 0
	for _, cbs := range sim.Subscriptions() {
		for _, c := range cbs {
			if sunmilan.SameCallback(c, cb) {
				n++
			}
		}
	}
	return n
}

// A shop admin's choice starts, switches and stops the camera's source at
// once: webhook subscribes our callback at the camera and its posts are
// stored; switching to the channel deletes that subscription and connects;
// off disconnects. Each choice is audited.
func TestCameraDeliverySwitches(t *testing.T) {
	f := newCameraFixture(t)
	hookSrc, chanSrc := events.KindSunmiWebhook+":"+f.cam.SN, events.KindSunmiChannel+":"+f.cam.SN

	f.choose(t, events.DeliveryWebhook)
	waitFor(t, "hook/add of our callback", func() bool { return subscribed(f.sim, f.cb) == 2 })
	f.sim.Emit(lansim.Spec{Motion: 1})
	waitFor(t, "the webhook's event stored", func() bool { return len(f.stored(t, hookSrc)) == 1 })
	if ev := f.stored(t, hookSrc)[0]; ev.CameraID == nil || *ev.CameraID != f.cam.ID || ev.ShopID != f.cam.ShopID {
		t.Errorf("webhook event camera %v shop %d, want camera %d shop %d", ev.CameraID, ev.ShopID, f.cam.ID, f.cam.ShopID)
	}
	if f.sim.ChannelSessions() != 0 {
		t.Error("message channel connected while the camera posts webhooks")
	}
	callbackOf := func() string {
		cam, err := f.st.Camera(context.Background(), f.cam.ShopID, f.cam.ID)
		if err != nil {
			t.Fatal(err)
		}
		return cam.HookCallback
	}
	waitFor(t, "the callback kept on the camera's record", func() bool { return callbackOf() == f.cb })

	f.choose(t, events.DeliveryChannel)
	if n := subscribed(f.sim, f.cb); n != 0 {
		t.Errorf("switching to the channel left %d subscriptions of our callback", n)
	}
	if cb := callbackOf(); cb != "" {
		t.Errorf("the record keeps callback %q after our subscription was deleted", cb)
	}
	waitFor(t, "the message channel connected", func() bool { return f.sim.ChannelSessions() == 1 })
	f.sim.Emit(lansim.Spec{Motion: 2})
	waitFor(t, "the channel's event stored", func() bool { return len(f.stored(t, chanSrc)) == 1 })
	if n := len(f.stored(t, hookSrc)); n != 1 {
		t.Errorf("%d webhook events after the switch, want still 1", n)
	}

	f.choose(t, events.DeliveryOff)
	waitFor(t, "the message channel closed", func() bool { return f.sim.ChannelSessions() == 0 })
	for _, st := range f.svc.Sources().Status() {
		if st.SN == f.cam.SN {
			t.Errorf("a source of the camera still runs after off: %+v", st)
		}
	}
	var audits int64
	if err := f.st.DB().Model(&models.AuditEntry{}).Where("action = ? AND target_id = ?", "events.delivery", f.cam.SN).Count(&audits).Error; err != nil {
		t.Fatal(err)
	}
	if audits != 3 {
		t.Errorf("%d audit entries, want 3", audits)
	}
	cam, _ := f.st.Camera(context.Background(), f.cam.ShopID, f.cam.ID)
	if cam.EventDelivery != events.DeliveryOff {
		t.Errorf("stored delivery %q, want off", cam.EventDelivery)
	}
}

// A camera presenting another certificate than its record's pin is
// refused by the channel and by the hook calls alike (and the settings page
// says why); nothing is subscribed or stored.
func TestCameraDeliveryRefusesWrongCertificate(t *testing.T) {
	for _, delivery := range []string{events.DeliveryChannel, events.DeliveryWebhook} {
		t.Run(delivery, func(t *testing.T) {
			f := newCameraFixture(t)
			other, _, err := tlsutil.SelfSigned("someone else")
			if err != nil {
				t.Fatal(err)
			}
			if err := f.st.DB().Model(&models.Camera{}).Where("id = ?", f.cam.ID).Update("cert_fingerprint", fingerprint(other.Certificate[0])).Error; err != nil {
				t.Fatal(err)
			}
			f.choose(t, delivery)
			var st events.SourceStatus
			waitFor(t, "the pin refusal on the source", func() bool {
				for _, s := range f.svc.Sources().Status() {
					if s.SN == f.cam.SN && strings.Contains(s.Err, "certificate changed") {
						st = s
						return true
					}
				}
				return false
			})
			if st.Connected || f.sim.ChannelSessions() != 0 || subscribed(f.sim, f.cb) != 0 {
				t.Errorf("reached a camera with the wrong certificate: %+v, sessions %d, subscriptions %d",
					st, f.sim.ChannelSessions(), subscribed(f.sim, f.cb))
			}
			f.sim.Emit(lansim.Spec{Motion: 1})
			time.Sleep(200 * time.Millisecond)
			var n int64
			f.st.DB().Model(&models.Event{}).Count(&n)
			if n != 0 {
				t.Errorf("%d events stored from an unpinned camera", n)
			}
		})
	}
}

// A choice that cannot run is refused before anything is stored: the
// certificate was never pinned.
func TestCameraDeliveryNeedsPin(t *testing.T) {
	f := newCameraFixture(t)
	if err := f.st.DB().Model(&models.Camera{}).Where("id = ?", f.cam.ID).Update("cert_fingerprint", "").Error; err != nil {
		t.Fatal(err)
	}
	cam, _ := f.st.Camera(context.Background(), f.cam.ShopID, f.cam.ID)
	err := f.svc.SetCameraDelivery(context.Background(), models.Actor{Username: "admin"}, cam, events.DeliveryChannel)
	if err == nil || !strings.Contains(err.Error(), "not pinned") {
		t.Fatalf("err %v, want the certificate not pinned", err)
	}
	cam, _ = f.st.Camera(context.Background(), f.cam.ShopID, f.cam.ID)
	if cam.EventDelivery != events.DeliveryOff {
		t.Errorf("refused choice stored: %q", cam.EventDelivery)
	}
}

// Records that chose a delivery before the server started run at Start.
func TestCameraSourcesStartFromRecords(t *testing.T) {
	f := newCameraFixture(t)
	f.svc.Close()
	if err := f.st.SetCameraEventDelivery(context.Background(), f.cam.ID, events.DeliveryChannel, f.cam.ChannelPort); err != nil {
		t.Fatal(err)
	}
	svc := events.New(events.Config{Store: f.st, Hub: &recorder{t: t, st: f.st}, DataDir: t.TempDir(), Log: slog.New(slog.DiscardHandler),
		LANAccount: func(context.Context, uint) (*sunmilan.Account, error) {
			ad, err := sunmilan.NewAccount(vendors.Account{AppID: appID, Secret: secret}, nil)
			if err != nil {
				return nil, err
			}
			return ad.(*sunmilan.Account), nil
		}})
	ctx, cancel := context.WithCancel(context.Background())
	svc.Start(ctx)
	defer func() { cancel(); svc.Close() }()
	waitFor(t, "the record's channel connected", func() bool { return f.sim.ChannelSessions() == 1 })
}

// The records are read again: a certificate trusted anew on the camera's
// page moves the channel's pin (a replaced camera reconnects, nothing
// lost), and a camera removed from its shop stops delivering.
func TestCameraSourcesFollowTheirRecords(t *testing.T) {
	f := newCameraFixture(t)
	ctx := context.Background()
	chanSrc := events.KindSunmiChannel + ":" + f.cam.SN
	f.choose(t, events.DeliveryChannel)
	waitFor(t, "the channel connected", func() bool { return f.sim.ChannelSessions() == 1 })

	// The camera now presents another certificate; its connection drops
	// mid-frame and the pinned client refuses the new one.
	if err := f.sim.RotateCertificate(); err != nil {
		t.Fatal(err)
	}
	f.sim.SetEventFaults(lansim.EventFaults{DropMidFrame: 1})
	f.sim.Emit(lansim.Spec{Motion: 1})
	waitFor(t, "the pin refusal", func() bool {
		for _, s := range f.svc.Sources().Status() {
			if s.ID == chanSrc && strings.Contains(s.Err, "certificate changed") {
				return true
			}
		}
		return false
	})
	if n := len(f.stored(t, chanSrc)); n != 0 {
		t.Fatalf("%d events through a refused certificate", n)
	}

	// An admin trusts the new certificate (devices: TrustPresented).
	if err := f.st.DB().Model(&models.Camera{}).Where("id = ?", f.cam.ID).
		Update("cert_fingerprint", fingerprint(f.sim.CertificateDER())).Error; err != nil {
		t.Fatal(err)
	}
	f.svc.Sources().SyncCameras(ctx)
	waitFor(t, "the event sent again over the re-pinned channel", func() bool { return len(f.stored(t, chanSrc)) == 1 })

	// Removed from the shop: the channel closes and the source is gone.
	if err := f.st.DB().Delete(&models.Camera{}, f.cam.ID).Error; err != nil {
		t.Fatal(err)
	}
	f.svc.Sources().SyncCameras(ctx)
	waitFor(t, "the channel closed", func() bool { return f.sim.ChannelSessions() == 0 })
	for _, s := range f.svc.Sources().Status() {
		if s.SN == f.cam.SN {
			t.Errorf("the removed camera's source is still listed: %+v", s)
		}
	}
}
