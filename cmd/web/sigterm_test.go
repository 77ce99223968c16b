package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/secrets"
	"storelens/internal/tlsutil"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// SIGTERM while a traffic backfill runs and two cameras send a burst of
// events (one over the message channel, one by webhook), both configured
// the only way there is, as camera records: the server stops cleanly
// (exit 0, within the shutdown budget), every event a camera saw
// acknowledged is stored once, and the backfill is left running at the
// week it reached; started again, the server finishes both from there.
func TestSIGTERMLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("stops and restarts a server process")
	}
	const total = 3000
	ctx := context.Background()
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	os.MkdirAll(dataDir, 0o700)
	key := bytes.Repeat([]byte{42}, 32)
	keyEnv := base64.StdEncoding.EncodeToString(key)
	addr := freeAddr(t)
	base := "http://" + addr

	cert, _, err := tlsutil.SelfSigned("sigterm test cameras")
	if err != nil {
		t.Fatal(err)
	}
	const appID, secret = "TERMTESTAPP01", "ABCDEFG3F2BB03917123"
	now := time.Now()
	newCam := func(sn string, ev lansim.EventOptions) *lansim.Camera {
		c, err := lansim.New(lansim.Options{SN: sn, Model: "FM020", AppID: appID, Secret: secret, ActivationCode: "12345678",
			Activated: true, Certificate: &cert, Events: ev})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	chanCam := newCam("TERMCHAN0001", lansim.EventOptions{InFlight: 64, Backlog: total})
	hookCam := newCam("TERMHOOK0001", lansim.EventOptions{Backlog: total})
	chAddr, err := chanCam.ListenChannel("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The channel camera also counts the door: 120 days of history, each
	// answer slowed so that the backfill is still running at the signal.
	chanCam.SetPeopleFlow(lansim.FlowProfile{Seed: 9, Size: 20, Opens: 9, Closes: 22, Since: now.AddDate(0, 0, -130), Zone: "Asia/Shanghai"})
	for _, p := range []string{"/peopleFlow/getPeopleStat", "/peopleFlow/getPeopleStatPass", "/peopleFlow/getPeopleStatOut"} {
		chanCam.SetFault(p, lansim.Fault{Latency: 40 * time.Millisecond})
	}

	// The records: a shop, a LAN account (sealed with the server's key),
	// the two cameras with their deliveries, and a backfill of 120 days.
	st, err := models.Open(ctx, filepath.Join(dataDir, "storelens.db"), models.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secrets.New(key)
	acc := &accounts.Service{Store: st, Box: box, Registry: vendors.NewRegistry(nil,
		vendors.Vendor{Name: sunmilan.Name, Label: sunmilan.Label, New: sunmilan.NewAccount})}
	lan, err := acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: sunmilan.Name, Name: "LAN", AppID: appID, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	shop := models.Shop{Name: "SIGTERM test shop", Timezone: "Asia/Shanghai"}
	if err := st.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	addCam := func(sim *lansim.Camera, delivery string, port int) {
		fp, err := sunmilan.FetchFingerprint(ctx, sim.Addr(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		cam := models.Camera{ShopID: shop.ID, Vendor: sunmilan.Name, SN: sim.SN(), Name: sim.SN(), LANAccountID: &lan.ID,
			Address: sim.Addr(), CertFingerprint: fp}
		if err := st.AddLANCamera(ctx, &cam); err != nil {
			t.Fatal(err)
		}
		cam.Activated = true
		if err := st.UpdateLANCamera(ctx, &cam); err != nil {
			t.Fatal(err)
		}
		if err := st.SetCameraEventDelivery(ctx, cam.ID, delivery, port); err != nil {
			t.Fatal(err)
		}
	}
	addCam(chanCam, events.DeliveryChannel, chAddr.(*net.TCPAddr).Port)
	addCam(hookCam, events.DeliveryWebhook, 0)
	svc := &traffic.Service{Store: st, Accounts: acc, Log: slog.New(slog.DiscardHandler)}
	zone := traffic.Zone(shop.Timezone)
	today := vendors.DateOf(now, zone)
	from, to := today.AddDays(-120), today.AddDays(-1)
	if err := svc.StartBackfill(ctx, shop.ID, from, to); err != nil {
		t.Fatal(err)
	}
	st.Close()

	argv, _ := json.Marshal([]string{"--addr", addr, "--data-dir", dataDir, "--demo", "off", "--log-level", "warn"})
	logFile, _ := os.Create(filepath.Join(dir, "server.log"))
	defer logFile.Close()
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEventsKillHelper$")
		cmd.Env = append(os.Environ(), "STORELENS_KILL_ARGS="+string(argv), "STORELENS_ADMIN_PASSWORD=term-test-password",
			"STORELENS_SECRET_KEY="+keyEnv)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, base)
		return cmd
	}
	// stop sends SIGTERM and wants a clean exit within the shutdown budget.
	stop := func(cmd *exec.Cmd) {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				b, _ := os.ReadFile(logFile.Name())
				t.Fatalf("the server did not stop cleanly on SIGTERM: %v\n%s", err, b)
			}
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatal("the server did not stop within 60 s of SIGTERM")
		}
	}
	backfill := func() models.TrafficSync {
		st, err := models.Open(ctx, filepath.Join(dataDir, "storelens.db"), models.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		s, err := st.TrafficSyncState(ctx, shop.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	server := start()
	defer func() {
		if server.ProcessState == nil {
			server.Process.Kill()
			server.Wait()
		}
	}()
	waitUntil(t, 60*time.Second, "the server to subscribe its webhook", func() bool { return len(hookCam.Subscriptions()) > 0 })
	probes := channelSubscribed(t, chanCam)
	go func() {
		for i := 0; i < total; i++ {
			if i%2 == 0 {
				chanCam.Emit(lansim.Spec{Face: i%4 == 0, Motion: lansim.MotionPicture})
			} else {
				hookCam.Emit(lansim.Spec{Face: i%3 == 0, Motion: lansim.MotionSound})
			}
		}
	}()
	acked := func() int { return len(chanCam.Acked()) + len(hookCam.Posted()) }
	waitUntil(t, 90*time.Second, "1,000 acknowledgements and a week of backfill", func() bool {
		return acked() >= 1000 && backfill().BackfillDone > 0
	})
	stop(server)
	stoppedAt, bf := acked(), backfill()
	t.Logf("SIGTERM after %d acknowledgements, backfill %d of %d days (next %s)", stoppedAt, bf.BackfillDone, bf.BackfillTotal, bf.BackfillNext)
	if stoppedAt >= total || bf.BackfillDone >= bf.BackfillTotal {
		t.Fatal("the burst or the backfill was over before the signal: the test proves nothing")
	}
	if bf.BackfillState != traffic.BackfillRunning || bf.BackfillError != "" || bf.BackfillNext == from.String() {
		t.Fatalf("the backfill is not resumable where it stopped: %+v", bf)
	}
	// What was acknowledged before the signal is stored.
	assertStoredOnce(t, dataDir, map[string][]int64{chanCam.SN(): chanCam.Acked(), hookCam.SN(): hookCam.Posted()}, -1)

	server = start()
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("channel acked %d, webhook posted %d; server log:\n%s", len(chanCam.Acked()), len(hookCam.Posted()), b)
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for acked() != total+probes {
		if time.Now().After(deadline) {
			// The server's goroutines, for the log above.
			server.Process.Signal(syscall.SIGQUIT)
			time.Sleep(2 * time.Second)
			t.Fatalf("timed out waiting for every event acknowledged")
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitUntil(t, 4*time.Minute, "the backfill to finish", func() bool { return backfill().BackfillState == traffic.BackfillDone })
	stop(server)
	assertStoredOnce(t, dataDir, map[string][]int64{chanCam.SN(): chanCam.Acked(), hookCam.SN(): hookCam.Posted()}, total+probes)

	// Every day of the range was pulled once, the ones before the signal
	// included.
	st, err = models.Open(ctx, filepath.Join(dataDir, "storelens.db"), models.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	have, err := st.FinalTrafficDays(ctx, shop.ID, from.String(), to.String())
	if err != nil {
		t.Fatal(err)
	}
	for d := from; !d.After(to); d = d.AddDays(1) {
		if !have[d.String()] {
			t.Errorf("backfilled day %s is missing", d)
		}
	}
}

// assertStoredOnce checks that every acknowledged event of each camera is
// stored exactly once (and, when want >= 0, that want events are stored).
func assertStoredOnce(t *testing.T, dataDir string, acked map[string][]int64, want int) {
	t.Helper()
	st, err := models.Open(context.Background(), filepath.Join(dataDir, "storelens.db"), models.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var rows []struct {
		DeviceSN      string
		VendorEventID string
	}
	if err := st.DB().Raw("SELECT device_sn, vendor_event_id FROM events").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, r := range rows {
		stored[r.DeviceSN+"/"+r.VendorEventID]++
	}
	for sn, ids := range acked {
		for _, id := range ids {
			if n := stored[fmt.Sprintf("%s/%d", sn, id)]; n != 1 {
				t.Errorf("acknowledged event %s/%d stored %d times", sn, id, n)
			}
		}
	}
	if want >= 0 && len(rows) != want {
		t.Errorf("%d events stored, want %d", len(rows), want)
	}
}

// channelSubscribed waits until the server's channel has subscribed at the
// camera, which keeps events only for subscribed topics (003 §2.4): a burst
// sent before that would be dropped at the camera, not lost by us. It
// returns how many probe events were delivered on the way.
func channelSubscribed(t *testing.T, cam *lansim.Camera) int {
	t.Helper()
	waitUntil(t, 60*time.Second, "the message channel's subscription", func() bool {
		if len(cam.Acked()) > 0 && cam.Pending() == 0 {
			return true
		}
		if cam.Pending() == 0 {
			cam.Emit(lansim.Spec{Motion: lansim.MotionPicture})
		}
		time.Sleep(100 * time.Millisecond)
		return false
	})
	return len(cam.Acked())
}
