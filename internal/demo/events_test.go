package demo

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/secrets"
	"storelens/internal/tlsutil"
	"storelens/internal/vendors/senselink"
	pushsim "storelens/internal/vendors/senselink/push/sim"
)

type noPub struct{}

func (noPub) Publish(...*models.Event)   {}
func (noPub) PublishPicture(uint, int64) {}

// The demo's SenseLink company pushes its records through the account the
// demo seeds (sealed secret): a shop linked to that account, as
// SeedSenseLinkFaces links the warehouse, gets one push connection to the
// company's server (its push served beside its API, over TLS trusted as
// every vendor call is) and the gate's records are stored in that shop.
func TestDemoSenseLinkPushThroughTheLink(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	env, err := Start(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(context.Background())
	st := modelstest.Open(t, models.Options{Logger: log})
	defer st.Close()
	key, err := secrets.LoadKey(filepath.Join(dir, "secret.key"), "")
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	acc := &accounts.Service{Store: st, Box: box}
	// The account as SeedDevices makes it.
	d := env.Devices
	sa, err := acc.Create(ctx, models.Actor{Username: "demo"}, accounts.Input{Vendor: senselink.Name, Name: "商汤 SenseLink(演示)",
		BaseURL: d.SenseLinkURL, AppID: d.SenseLinkKey, Secret: d.SenseLinkSecret})
	if err != nil {
		t.Fatal(err)
	}
	accID := sa.ID
	shop := models.Shop{Name: DemoSenseLinkShop, Timezone: models.DefaultTimezone, SenseLinkAccountID: &accID}
	if err := st.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}

	pool, err := tlsutil.Pool(env.CA)
	if err != nil {
		t.Fatal(err)
	}
	// The vendors' client as cmd/web builds it (HTTP/2 on), used once
	// already: net/http has put h2 in its TLS config by then, which the
	// push's websocket must not offer.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: tr}
	if res, err := hc.Get(env.Devices.SenseLinkURL + "/"); err == nil {
		res.Body.Close()
	}
	svc := events.New(events.Config{Store: st, Hub: noPub{}, DataDir: dir, HTTP: hc, Log: log,
		Credentials: acc.Credentials, SenseLinkPushURL: env.SenseLinkPushURL})
	runCtx, stop := context.WithCancel(ctx)
	svc.Start(runCtx)
	defer func() { stop(); svc.Close() }()

	push := env.Devices.SenseLinkPush
	wait := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; sources %+v", what, svc.Sources().Status())
			}
		}
	}
	wait("the push to connect", func() bool { return push.Connected() == 1 })
	rec := push.Add(pushsim.Record{DeviceSN: demoSenseGate, DeviceName: "仓库 闸机", UserID: 55591, Name: "杨店长", Type: 1,
		Groups: []pushsim.Group{{ID: 1, Name: "默认组", Type: 1}}})
	var ev models.Event
	wait("the gate's record stored in the linked shop", func() bool {
		return st.DB().Where("shop_id = ? AND vendor_event_id = ?", shop.ID, strconv.FormatInt(rec.ID, 10)).First(&ev).Error == nil
	})
	if ev.PersonName != "杨店长" || ev.DeviceSN != demoSenseGate {
		t.Errorf("stored %+v", ev)
	}
}
