package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"storelens/internal/accounts"
	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/secrets"
	"storelens/internal/tlsutil"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// TestEventsKillHelper is the server process of TestEventsSurviveSIGKILL:
// it runs only when that test starts this binary again.
func TestEventsKillHelper(t *testing.T) {
	args := os.Getenv("STORELENS_KILL_ARGS")
	if args == "" {
		t.Skip("runs only as the kill test's server")
	}
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if code := run(ctx, argv, os.Getenv, os.Stdout, os.Stderr); code != 0 {
		t.Fatalf("server exited %d", code)
	}
}

// A burst of 10,000 events from two camera records (message channel and
// webhook, each chosen on its record)
// while the server is killed with SIGKILL part way and started again:
// every event a camera saw acknowledged is stored exactly once, and a
// browser that reconnects with its last id receives every stored event,
// none twice.
func TestEventsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server process")
	}
	const total = 10000
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	os.MkdirAll(dataDir, 0o700)

	addr := freeAddr(t)
	base := "http://" + addr
	cert, _, err := tlsutil.SelfSigned("kill test cameras")
	if err != nil {
		t.Fatal(err)
	}
	const appID, secret = "KILLTESTAPP01", "ABCDEFG3F2BB03917123"
	newCam := func(sn string, ev lansim.EventOptions) *lansim.Camera {
		c, err := lansim.New(lansim.Options{SN: sn, AppID: appID, Secret: secret, ActivationCode: "12345678", Activated: true,
			Certificate: &cert, Events: ev})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	chanCam := newCam("KILLCHAN0001", lansim.EventOptions{InFlight: 64, Backlog: total})
	hookCam := newCam("KILLHOOK0001", lansim.EventOptions{Backlog: total})
	defer chanCam.Close()
	defer hookCam.Close()
	chAddr, err := chanCam.ListenChannel("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hookAddr, err := hookCam.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	// The cameras are records, as a shop admin leaves them: a shop, the
	// LAN account (its secret sealed with the installation's key), each
	// camera pinned to its certificate with its delivery chosen.
	ctx := context.Background()
	st, err := models.Open(ctx, filepath.Join(dataDir, "storelens.db"), models.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	shop := models.Shop{Name: "Kill test shop"}
	if err := st.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	key, err := secrets.LoadKey(filepath.Join(dataDir, "secret.key"), "")
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := (&accounts.Service{Store: st, Box: box}).Create(ctx, models.Actor{Username: "test"},
		accounts.Input{Vendor: sunmilan.Name, Name: "LAN", AppID: appID, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	_, chPort, _ := net.SplitHostPort(chAddr.String())
	port, _ := strconv.Atoi(chPort)
	pin := sunmilan.CertFingerprint(cert.Certificate[0])
	for _, c := range []struct {
		sn, addr, delivery string
		port               int
	}{{"KILLCHAN0001", "127.0.0.1", events.DeliveryChannel, port}, {"KILLHOOK0001", hookAddr, events.DeliveryWebhook, 0}} {
		accID := acc.ID
		cam := models.Camera{ShopID: shop.ID, Vendor: sunmilan.Name, SN: c.sn, Name: c.sn, Address: c.addr, LANAccountID: &accID, CertFingerprint: pin}
		if err := st.AddLANCamera(ctx, &cam); err != nil {
			t.Fatal(err)
		}
		if err := st.SetCameraEventDelivery(ctx, cam.ID, c.delivery, c.port); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	argv, _ := json.Marshal([]string{"--addr", addr, "--data-dir", dataDir, "--demo", "off", "--log-level", "warn"})

	logFile, _ := os.Create(filepath.Join(dir, "server.log"))
	defer logFile.Close()
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEventsKillHelper$")
		cmd.Env = append(os.Environ(), "STORELENS_KILL_ARGS="+string(argv), "STORELENS_ADMIN_PASSWORD=kill-test-password")
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, base)
		return cmd
	}
	server := start()
	defer func() {
		if server.ProcessState == nil {
			server.Process.Kill()
			server.Wait()
		}
	}()

	// The webhook subscription is made by the server at start (hook/add).
	waitUntil(t, 30*time.Second, "the server to subscribe its webhook", func() bool { return len(hookCam.Subscriptions()) > 0 })
	probes := channelSubscribed(t, chanCam)

	// A browser on the feed, resuming from its last id whenever the
	// connection drops.
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	res, err := hc.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {"kill-test-password"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	br := &feedClient{base: base, jar: jar, seen: map[int64]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go br.run(ctx)

	// The burst.
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
	waitUntil(t, 3*time.Minute, "3,000 acknowledgements", func() bool { return acked() >= 3000 })
	if err := server.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	server.Wait()
	killedAt := acked()
	t.Logf("SIGKILL after %d acknowledgements", killedAt)
	if killedAt >= total {
		t.Fatal("the burst was over before the kill: the test proves nothing")
	}
	server = start()

	waitUntil(t, 4*time.Minute, "every event acknowledged", func() bool { return acked() == total+probes })
	waitUntil(t, 2*time.Minute, "the browser to have every event", func() bool { return br.count() >= total+probes })
	time.Sleep(500 * time.Millisecond) // anything extra would arrive now
	cancel()
	server.Process.Signal(syscall.SIGTERM)
	if err := server.Wait(); err != nil {
		t.Errorf("server did not stop cleanly: %v", err)
	}

	st, err = models.Open(context.Background(), filepath.Join(dataDir, "storelens.db"), models.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	type row struct {
		ID            int64
		DeviceSN      string
		VendorEventID string
	}
	var rows []row
	if err := st.DB().Raw("SELECT id, device_sn, vendor_event_id FROM events").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	ids := map[int64]bool{}
	for _, r := range rows {
		stored[r.DeviceSN+"/"+r.VendorEventID]++
		ids[r.ID] = true
	}
	for sn, list := range map[string][]int64{"KILLCHAN0001": chanCam.Acked(), "KILLHOOK0001": hookCam.Posted()} {
		for _, id := range list {
			if n := stored[fmt.Sprintf("%s/%d", sn, id)]; n != 1 {
				t.Errorf("acknowledged event %s/%d stored %d times", sn, id, n)
			}
		}
	}
	if len(rows) != total+probes {
		t.Errorf("%d events stored, want %d", len(rows), total+probes)
	}
	br.mu.Lock()
	defer br.mu.Unlock()
	for id, n := range br.seen {
		if n != 1 {
			t.Errorf("the browser got event %d %d times", id, n)
		}
		if !ids[id] {
			t.Errorf("the browser got event %d, which is not stored", id)
		}
	}
	if len(br.seen) != len(ids) {
		t.Errorf("the browser got %d events of %d stored", len(br.seen), len(ids))
	}
	t.Logf("browser reconnected %d times", br.connects-1)
}

// feedClient is a browser's feed socket: it keeps the last id and
// reconnects with it, as events.js does.
type feedClient struct {
	base     string
	jar      http.CookieJar
	mu       sync.Mutex
	seen     map[int64]int
	last     int64
	connects int
	// at, when set, keeps when each event first arrived (the benchmarks'
	// latency).
	at map[int64]time.Time
}

// connected reports whether the feed has been connected at least once.
func (f *feedClient) connected() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.connects > 0
}

func (f *feedClient) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.seen)
}

func (f *feedClient) run(ctx context.Context) {
	u, _ := url.Parse(f.base)
	for ctx.Err() == nil {
		f.mu.Lock()
		after := f.last
		f.mu.Unlock()
		hdr := http.Header{"Origin": {f.base}}
		for _, c := range f.jar.Cookies(u) {
			hdr.Add("Cookie", c.Name+"="+c.Value)
		}
		d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, TLSClientConfig: &tls.Config{}}
		conn, _, err := d.DialContext(ctx, fmt.Sprintf("ws://%s/events/live?after=%d", u.Host, after), hdr)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		f.mu.Lock()
		f.connects++
		f.mu.Unlock()
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				break
			}
			for _, line := range bytes.Split(b, []byte("\n")) {
				var m struct {
					Type string `json:"type"`
					ID   int64  `json:"id"`
				}
				if json.Unmarshal(line, &m) != nil || m.Type != "event" {
					continue
				}
				f.mu.Lock()
				f.seen[m.ID]++
				if f.at != nil && f.seen[m.ID] == 1 {
					f.at[m.ID] = time.Now()
				}
				if m.ID > f.last {
					f.last = m.ID
				}
				f.mu.Unlock()
			}
		}
		stop()
		conn.Close()
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t testing.TB, base string) {
	t.Helper()
	waitUntil(t, 60*time.Second, "the server to answer /healthz", func() bool {
		res, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode == 200
	})
}

func waitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
