package events_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
	pushsim "storelens/internal/vendors/senselink/push/sim"
)

// The SenseLink record push follows the shops' links: none runs while no
// shop links the account; linking a shop opens one push with the account's
// (sealed) credentials and its records are stored in that shop; a second
// shop linking the same account keeps one connection, and a device with a
// camera record goes to that camera's shop; when no shop links it any
// more the push stops, and linking again catches up on what was missed.
// All against the push simulator over real sockets on loopback.
func TestSenseLinkPushFollowsLinks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := modelstest.Open(t, models.Options{Logger: slog.New(slog.DiscardHandler)})
	const key, sec = "sl-app-key-1", "9f8e7d6c5b4a39281706"
	sim := pushsim.New(pushsim.Options{AppKey: key, AppSecret: sec, Heartbeat: 200 * time.Millisecond, Logf: t.Logf})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() { sim.DropAll(); srv.Close() })

	acc := models.VendorAccount{Vendor: senselink.Name, Name: "商汤 总部", BaseURL: srv.URL, AppID: key, SecretEnc: []byte("sealed")}
	if err := st.CreateVendorAccount(ctx, &acc); err != nil {
		t.Fatal(err)
	}
	shopA, shopB := models.Shop{Name: "A"}, models.Shop{Name: "B"}
	for _, sh := range []*models.Shop{&shopA, &shopB} {
		if err := st.CreateShop(ctx, sh); err != nil {
			t.Fatal(err)
		}
	}
	var opened atomic.Int32
	svc := events.New(events.Config{Store: st, Hub: &recorder{t: t, st: st}, DataDir: dir, Log: slog.New(slog.DiscardHandler),
		Credentials: func(a models.VendorAccount) (vendors.Account, error) {
			opened.Add(1)
			if string(a.SecretEnc) != "sealed" {
				t.Errorf("credentials of account %d asked for", a.ID)
			}
			return vendors.Account{ID: a.ID, Vendor: a.Vendor, BaseURL: a.BaseURL, AppID: a.AppID, Secret: sec}, nil
		},
		// The simulator serves its push beside its API.
		SenseLinkPushURL: func(base string) string { return "ws" + strings.TrimPrefix(base, "http") }})
	runCtx, cancel := context.WithCancel(ctx)
	svc.Start(runCtx)
	t.Cleanup(func() { cancel(); svc.Close() })
	src := svc.Sources()
	source := "senselink-push:account-" + itoa(acc.ID)

	link := func(sh *models.Shop, on bool) {
		t.Helper()
		sh.SenseLinkAccountID = nil
		if on {
			id := acc.ID
			sh.SenseLinkAccountID = &id
		}
		if err := st.UpdateShop(ctx, sh); err != nil {
			t.Fatal(err)
		}
		src.SyncSenseLink(ctx)
	}
	storedIn := func(shop uint) []models.Event {
		var evs []models.Event
		if err := st.DB().Where("source = ? AND shop_id = ?", source, shop).Order("id").Find(&evs).Error; err != nil {
			t.Fatal(err)
		}
		return evs
	}

	src.SyncSenseLink(ctx)
	time.Sleep(300 * time.Millisecond)
	if n := sim.Connected(); n != 0 || len(src.SenseLinkRunning()) != 0 {
		t.Fatalf("a push runs with no shop linked: %d connections, %v", n, src.SenseLinkRunning())
	}

	link(&shopA, true)
	waitFor(t, "the push to connect", func() bool { return sim.Connected() == 1 })
	if got := src.SenseLinkRunning(); len(got) != 1 || got[0] != acc.ID {
		t.Fatalf("running pushes %v, want account %d", got, acc.ID)
	}
	sim.Add(pushsim.Record{DeviceSN: "SPS-0001", DeviceName: "前门闸机", Type: 3})
	waitFor(t, "the record stored in shop A", func() bool { return len(storedIn(shopA.ID)) == 1 })
	if ev := storedIn(shopA.ID)[0]; ev.Vendor == "" || ev.DeviceSN != "SPS-0001" || ev.CameraName != "前门闸机" {
		t.Errorf("stored %+v", ev)
	}
	found := false
	for _, s := range src.Status() {
		if s.ID == source {
			found = s.ShopID == shopA.ID && s.Name == acc.Name
		}
	}
	if !found {
		t.Errorf("no status of the push for shop A: %+v", src.Status())
	}

	// A second shop links the same company: still one connection; a
	// device with a camera record is that camera's shop's.
	cam := models.Camera{ShopID: shopB.ID, Vendor: senselink.Name, SN: "SPS-0002", Name: "B 店闸机"}
	if err := st.UpsertCamera(ctx, &cam); err != nil {
		t.Fatal(err)
	}
	link(&shopB, true)
	waitFor(t, "the push to reconnect for both shops", func() bool { return sim.Connected() == 1 && connectedStatus(src, source) })
	time.Sleep(300 * time.Millisecond)
	if n := sim.Connected(); n != 1 {
		t.Fatalf("%d push connections for one account linked by two shops, want 1", n)
	}
	sim.Add(pushsim.Record{DeviceSN: "SPS-0002", Type: 3})
	waitFor(t, "the record stored in shop B", func() bool { return len(storedIn(shopB.ID)) == 1 })
	if ev := storedIn(shopB.ID)[0]; ev.CameraID == nil || *ev.CameraID != cam.ID {
		t.Errorf("record of camera %d stored with camera %v", cam.ID, ev.CameraID)
	}

	// Unlinked everywhere: the push stops.
	link(&shopA, false)
	link(&shopB, false)
	waitFor(t, "the push to stop", func() bool { return sim.Connected() == 0 })
	if got := src.SenseLinkRunning(); len(got) != 0 {
		t.Fatalf("pushes %v still running with no shop linked", got)
	}
	for _, s := range src.Status() {
		if s.ID == source {
			t.Errorf("an unlinked account's push still listed: %+v", s)
		}
	}
	missed := sim.Add(pushsim.Record{DeviceSN: "SPS-0001", Type: 3})
	time.Sleep(200 * time.Millisecond)
	if n := len(storedIn(shopA.ID)); n != 1 {
		t.Fatalf("%d records in shop A while unlinked, want 1", n)
	}

	// Linked again: the catch-up brings the record pushed meanwhile.
	link(&shopA, true)
	waitFor(t, "the missed record caught up", func() bool { return len(storedIn(shopA.ID)) == 2 })
	if ev := storedIn(shopA.ID)[1]; ev.VendorEventID != itoa(uint(missed.ID)) {
		t.Errorf("caught up record %s, want %d", ev.VendorEventID, missed.ID)
	}
	if opened.Load() == 0 {
		t.Error("the account's credentials were never opened")
	}
}

func connectedStatus(src *events.Sources, id string) bool {
	for _, s := range src.Status() {
		if s.ID == id {
			return s.Connected
		}
	}
	return false
}

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }

// A linked account whose sealed secret cannot be opened runs no push, and
// the linking shop's settings list it with the reason.
func TestSenseLinkPushThatCannotRunSaysWhy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := modelstest.Open(t, models.Options{Logger: slog.New(slog.DiscardHandler)})
	acc := models.VendorAccount{Vendor: senselink.Name, Name: "坏账号", BaseURL: "https://127.0.0.1:1", AppID: "k", SecretEnc: []byte("x")}
	if err := st.CreateVendorAccount(ctx, &acc); err != nil {
		t.Fatal(err)
	}
	id := acc.ID
	shop := models.Shop{Name: "A", SenseLinkAccountID: &id}
	if err := st.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	svc := events.New(events.Config{Store: st, Hub: &recorder{t: t, st: st}, DataDir: dir, Log: slog.New(slog.DiscardHandler),
		Credentials: func(models.VendorAccount) (vendors.Account, error) {
			return vendors.Account{}, errors.New("secret unreadable")
		}})
	runCtx, cancel := context.WithCancel(ctx)
	svc.Start(runCtx)
	t.Cleanup(func() { cancel(); svc.Close() })
	if got := svc.Sources().SenseLinkRunning(); len(got) != 0 {
		t.Fatalf("pushes %v run without credentials", got)
	}
	var found bool
	for _, s := range svc.Sources().Status() {
		if s.ID == "senselink-push:account-"+itoa(acc.ID) {
			found = s.ShopID == shop.ID && s.Name == "坏账号" && strings.Contains(s.Err, "secret unreadable") && !s.Connected
		}
	}
	if !found {
		t.Errorf("no refusal listed for shop A: %+v", svc.Sources().Status())
	}
}
