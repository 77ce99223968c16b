package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/connectors"
	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/secrets"
	"storelens/internal/tlsutil"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
	"storelens/internal/vendors/sunmisign"
)

// instanceProc is one StoreLens server process of a cluster test.
type instanceProc struct {
	name, base string
	cmd        *exec.Cmd
}

// TestThreeInstancesShareEvents: three server processes (this binary
// again, running cmd/web's run as TestEventsKillHelper does) on one fresh
// PostgreSQL database with one secret key and no demo. A browser's feed on
// B gets a webhook posted to A within a second; then A is killed with
// SIGKILL during a burst of posts to it: every post A acknowledged is
// stored once and reaches the feeds on B and C, none twice.
func TestThreeInstancesShareEvents(t *testing.T) {
	base := modelstest.PostgresURL()
	if base == "" {
		t.Skip("needs " + modelstest.EnvURL + " (scripts/pgtest.sh)")
	}
	if testing.Short() {
		t.Skip("starts three server processes")
	}
	dbURL, err := modelstest.NewDatabase(t, base)
	if err != nil {
		t.Fatal(err)
	}
	cl := newClusterFixture(t, dbURL)
	start, st, sn, cam, dir := cl.start, cl.st, cl.sn, cl.cam, cl.dir
	// One after the other: the first makes the admin on the empty database.
	a := start("A")
	b := start("B")
	c := start("C")
	waitUntil(t, 30*time.Second, "every instance to subscribe the camera's webhook", func() bool { return len(cam.Subscriptions()) > 0 })

	feed := func(p *instanceProc) *feedClient {
		jar, _ := cookiejar.New(nil)
		hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
		res, err := hc.PostForm(p.base+"/login", url.Values{"username": {"admin"}, "password": {"cluster-test-password"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return &feedClient{base: p.base, jar: jar, seen: map[int64]int{}}
	}
	// The browsers: a feed on B and one on C, and with nginx on PATH
	// three more through nginx (deploy/nginx/storelens.conf, round robin:
	// those on A reconnect through nginx when A dies, from their last id).
	feeds := map[string]*feedClient{"B": feed(b), "C": feed(c)}
	fb := feeds["B"]
	lb, haveNginx := startNginx(t, dir, a, b, c)
	if haveNginx {
		checkNginxRouting(t, lb)
		for i := range 3 {
			feeds[fmt.Sprint("nginx", i)] = feed(lb)
		}
	} else {
		t.Log("nginx is not on PATH: the feeds connect to the instances directly")
	}
	fctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, f := range feeds {
		go f.run(fctx)
	}
	waitUntil(t, 10*time.Second, "the feeds to connect", func() bool {
		for _, f := range feeds {
			if !f.connected() {
				return false
			}
		}
		return true
	})

	postTo := cl.postTo

	// 1. One post to A reaches the feed on B within a second.
	before := fb.count()
	id, status, err := postTo(a)
	if err != nil || status != http.StatusOK {
		t.Fatalf("post to A: %d %v", status, err)
	}
	acked := time.Now()
	waitUntil(t, 5*time.Second, "B's feed to get A's event", func() bool { return fb.count() > before })
	if d := time.Since(acked); d > time.Second {
		t.Errorf("A's event reached B's feed after %s, want under a second", d)
	} else {
		t.Logf("A's event %d reached B's feed %s after A acknowledged it", id, d.Round(time.Millisecond))
	}

	// 2. A burst of posts to A, four at a time; A is killed part way.
	var mu sync.Mutex
	ack := map[int64]bool{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				id, status, err := postTo(a)
				if err != nil {
					return // A is gone
				}
				if status == http.StatusOK {
					mu.Lock()
					ack[id] = true
					mu.Unlock()
				}
			}
		}()
	}
	nAcked := func() int { mu.Lock(); defer mu.Unlock(); return len(ack) }
	waitUntil(t, time.Minute, "300 acknowledged posts", func() bool { return nAcked() >= 300 })
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.cmd.Wait()
	killedAt := nAcked()
	close(stop)
	wg.Wait()
	t.Logf("SIGKILL after %d acknowledged posts", killedAt)

	// What is stored, by the camera's event id.
	type row struct {
		ID            int64
		VendorEventID string
	}
	var rows []row
	if err := st.DB().Raw("SELECT id, vendor_event_id FROM events WHERE device_sn = ?", sn).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	ids := map[int64]bool{}
	for _, r := range rows {
		stored[r.VendorEventID]++
		ids[r.ID] = true
	}
	mu.Lock()
	for id := range ack {
		if n := stored[strconv.FormatInt(id, 10)]; n != 1 {
			t.Errorf("acknowledged post %d stored %d times", id, n)
		}
	}
	mu.Unlock()
	for name, f := range feeds {
		waitUntil(t, 15*time.Second, "feed "+name+" to have every stored event", func() bool { return f.count() >= len(ids) })
	}
	time.Sleep(500 * time.Millisecond) // a duplicate would have come by now
	for name, f := range feeds {
		f.mu.Lock()
		for id, n := range f.seen {
			if n != 1 {
				t.Errorf("feed %s got event %d %d times", name, id, n)
			}
			if !ids[id] {
				t.Errorf("feed %s got event %d, which is not stored", name, id)
			}
		}
		if len(f.seen) != len(ids) {
			t.Errorf("feed %s got %d events of %d stored", name, len(f.seen), len(ids))
		}
		f.mu.Unlock()
	}
	// And the survivors keep taking posts.
	if _, status, err := postTo(c); err != nil || status != http.StatusOK {
		t.Fatalf("post to C after A died: %d %v", status, err)
	}
	waitUntil(t, 5*time.Second, "B's feed to get C's event", func() bool { return fb.count() == len(ids)+1 })
	for name, f := range feeds {
		f.mu.Lock()
		t.Logf("feed %s: %d events, %d connections", name, len(f.seen), f.connects)
		f.mu.Unlock()
	}
	if haveNginx {
		// A camera's video still goes to one instance, now a live one.
		checkCameraPinned(t, lb, a.base)
	}
}

// clusterFixture is a PostgreSQL database with a shop, a LAN account and
// a webhook camera (a simulator on loopback), the server processes started
// on it (this binary again, as TestEventsKillHelper), and posts as the
// camera makes them.
type clusterFixture struct {
	t             testing.TB
	dir           string
	dbURL         string
	key           string // STORELENS_SECRET_KEY
	st            *models.Store
	cam           *lansim.Camera
	sn            string
	appID, secret string
	hc            *http.Client
	seqMu         sync.Mutex
	seq           int64
}

func newClusterFixture(t testing.TB, dbURL string) *clusterFixture {
	t.Helper()
	dir := t.TempDir()
	var raw [32]byte
	rand.Read(raw[:])
	secretKey := base64.StdEncoding.EncodeToString(raw[:])

	// The camera: a LAN camera that delivers by webhook. Every instance
	// subscribes it (hook/add) at start; the test posts as the camera
	// would, to the instance it chooses.
	cert, _, err := tlsutil.SelfSigned("cluster test camera")
	if err != nil {
		t.Fatal(err)
	}
	const appID, secret, sn = "CLUSTERAPP001", "ABCDEFG3F2BB03917123", "CLUSTERHOOK01"
	cam, err := lansim.New(lansim.Options{SN: sn, AppID: appID, Secret: secret, ActivationCode: "12345678", Activated: true, Certificate: &cert})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cam.Close() })
	camAddr, err := cam.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	st, err := models.Open(ctx, filepath.Join(dir, "unused.db"), models.Options{DatabaseURL: dbURL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	shop := models.Shop{Name: "Cluster shop"}
	if err := st.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(raw[:])
	if err != nil {
		t.Fatal(err)
	}
	acc, err := (&accounts.Service{Store: st, Box: box}).Create(ctx, models.Actor{Username: "test"},
		accounts.Input{Vendor: sunmilan.Name, Name: "LAN", AppID: appID, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	accID := acc.ID
	rec := models.Camera{ShopID: shop.ID, Vendor: sunmilan.Name, SN: sn, Name: sn, Address: camAddr, LANAccountID: &accID,
		CertFingerprint: sunmilan.CertFingerprint(cert.Certificate[0])}
	if err := st.AddLANCamera(ctx, &rec); err != nil {
		t.Fatal(err)
	}
	if err := st.SetCameraEventDelivery(ctx, rec.ID, events.DeliveryWebhook, 0); err != nil {
		t.Fatal(err)
	}
	return &clusterFixture{t: t, dir: dir, dbURL: dbURL, key: secretKey, st: st, cam: cam, sn: sn, appID: appID, secret: secret,
		hc: &http.Client{Timeout: 10 * time.Second}}
}

// start runs a server process named name on the fixture's database and
// waits for /healthz.
func (f *clusterFixture) start(name string) *instanceProc {
	return startInstance(f.t, f.dir, name, f.dbURL, f.key)
}

// startInstance runs a server process (this binary again, as
// TestEventsKillHelper) named name on the database at dbURL with the secret
// key (base64), no demo, its own address as its --instance-url, its data
// directory and log under dir, and waits for /healthz. The test's end stops
// it (SIGTERM) and shows its log if it failed.
func startInstance(t testing.TB, dir, name, dbURL, key string) *instanceProc {
	t.Helper()
	addr := freeAddr(t)
	dataDir := filepath.Join(dir, name)
	os.MkdirAll(dataDir, 0o700)
	argv, _ := json.Marshal([]string{"--addr", addr, "--data-dir", dataDir, "--demo", "off", "--log-level", "warn", "--database", dbURL,
		"--instance-url", "http://" + addr})
	logFile, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	cmd := exec.Command(os.Args[0], "-test.run=^TestEventsKillHelper$")
	cmd.Env = append(os.Environ(), "STORELENS_KILL_ARGS="+string(argv), "STORELENS_ADMIN_PASSWORD=cluster-test-password",
		"STORELENS_SECRET_KEY="+key)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &instanceProc{name: name, base: "http://" + addr, cmd: cmd}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, name+".log"))
			t.Logf("instance %s log:\n%s", name, lastBytes(b, 4000))
		}
	})
	waitHealthy(t, p.base)
	return p
}

// postTo posts the camera's next event (ids 1, 2, ...) to p's webhook
// receiver: its id and the answer's status.
func (f *clusterFixture) postTo(p *instanceProc) (int64, int, error) {
	f.seqMu.Lock()
	f.seq++
	id := f.seq
	f.seqMu.Unlock()
	sn, appID, secret := f.sn, f.appID, f.secret
	payload := fmt.Sprintf(`{"event_id":%d,"event_type":"face_recog_event","sn":%q,"report_time":%d,"group_name":"vip"}`, id, sn, time.Now().Unix())
	params := map[string]string{"app_id": appID, "random": fmt.Sprintf("r%07d", id), "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "payload": payload}
	params["sign"] = sunmisign.Sign(params, secret)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, k := range []string{"app_id", "random", "timestamp", "sign", "payload"} {
		w.WriteField(k, params[k])
	}
	w.Close()
	res, err := f.hc.Post(p.base+events.CallbackPath, w.FormDataContentType(), &body)
	if err != nil {
		return id, 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return id, res.StatusCode, nil
}

// storedOnce reports the acknowledged posts not stored exactly once.
func (f *clusterFixture) storedOnce(ack map[int64]bool) []string {
	var rows []struct{ VendorEventID string }
	if err := f.st.DB().Raw("SELECT vendor_event_id FROM events WHERE device_sn = ?", f.sn).Scan(&rows).Error; err != nil {
		f.t.Fatal(err)
	}
	stored := map[string]int{}
	for _, r := range rows {
		stored[r.VendorEventID]++
	}
	var bad []string
	for id := range ack {
		if n := stored[strconv.FormatInt(id, 10)]; n != 1 {
			bad = append(bad, fmt.Sprintf("%d stored %d times", id, n))
		}
	}
	return bad
}

// startNginx runs Debian's nginx on loopback with deploy/nginx/storelens.conf,
// its servers replaced by the three instances; false when nginx is not on
// PATH (.ci/run installs it).
func startNginx(t *testing.T, dir string, ins ...*instanceProc) (*instanceProc, bool) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, err := os.Stat("/usr/sbin/nginx"); err != nil {
			return nil, false
		}
		bin = "/usr/sbin/nginx"
	}
	site, err := os.ReadFile(filepath.Join("..", "..", "deploy", "nginx", "storelens.conf"))
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	conf := strings.ReplaceAll(string(site), "listen 8080;", "listen "+addr+";")
	for i, p := range ins {
		want := fmt.Sprintf("127.0.0.1:808%d", i+1)
		if !strings.Contains(conf, want) {
			t.Fatalf("deploy/nginx/storelens.conf has no server %s", want)
		}
		conf = strings.ReplaceAll(conf, want, strings.TrimPrefix(p.base, "http://"))
	}
	// Its own directory, readable by nginx's workers (nobody, when the
	// test runs as root).
	ng, err := os.MkdirTemp("", "storelens-nginx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(ng) })
	os.Chmod(ng, 0o755)
	for _, d := range []string{"body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		os.Mkdir(filepath.Join(ng, d), 0o777)
		os.Chmod(filepath.Join(ng, d), 0o777)
	}
	if err := os.WriteFile(filepath.Join(ng, "storelens.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	main := fmt.Sprintf(`worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/storelens.conf;
}
`, ng)
	if err := os.WriteFile(filepath.Join(ng, "nginx.conf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", ng, "-c", filepath.Join(ng, "nginx.conf"), "-g", "daemon off;")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM) // nginx's fast shutdown
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(ng, "error.log"))
			t.Logf("nginx: %s\n%s", out.String(), lastBytes(b, 4000))
		}
	})
	p := &instanceProc{name: "nginx", base: "http://" + addr, cmd: cmd}
	waitHealthy(t, p.base)
	return p, true
}

// instanceOf asks nginx for path and returns the instance that answered.
func instanceOf(t *testing.T, lb *instanceProc, path string) string {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(lb.base + path)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	inst := res.Header.Get("X-StoreLens-Instance")
	if inst == "" {
		t.Fatalf("GET %s through nginx: no X-StoreLens-Instance (status %d)", path, res.StatusCode)
	}
	// "A, C": A refused the connection, C answered.
	tried := strings.Split(inst, ", ")
	return tried[len(tried)-1]
}

// checkNginxRouting: pages spread over the instances; each camera's video
// paths all go to one instance.
func checkNginxRouting(t *testing.T, lb *instanceProc) {
	t.Helper()
	// The instances' relay is not forwarded (an instance would answer 403
	// too: no upstream says it was nginx).
	res, err := http.Get(lb.base + connectors.RelayPath)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || res.Header.Get("X-StoreLens-Instance") != "" {
		t.Errorf("%s through nginx: %s from %q, want 403 from nginx itself", connectors.RelayPath, res.Status, res.Header.Get("X-StoreLens-Instance"))
	}
	pages := map[string]bool{}
	for range 6 {
		pages[instanceOf(t, lb, "/login")] = true
	}
	if len(pages) != 3 {
		t.Errorf("6 page requests through nginx went to %v, want all three instances (round robin)", pages)
	}
	cams := map[string]bool{}
	for cam := 1; cam <= 12; cam++ {
		p := fmt.Sprintf("/shops/1/cameras/%d", cam)
		first := instanceOf(t, lb, p+"/live/hd/ws")
		cams[first] = true
		for _, sub := range []string{"/live/sd/flv", "/live/hd/hls/v1/index.m3u8", "/playback/ws", "/live/hd/ws"} {
			if got := instanceOf(t, lb, p+sub); got != first {
				t.Errorf("%s%s went to %s, %s/live/hd/ws to %s: a camera's video must stay on one instance", p, sub, got, p, first)
			}
		}
	}
	if len(cams) < 2 {
		t.Errorf("12 cameras' video all went to %v: the hash does not spread cameras", cams)
	}
}

// checkCameraPinned: after dead died, every camera's video goes to one live
// instance, the same on every request.
func checkCameraPinned(t *testing.T, lb *instanceProc, dead string) {
	t.Helper()
	dead = strings.TrimPrefix(dead, "http://")
	for cam := 1; cam <= 12; cam++ {
		p := fmt.Sprintf("/shops/1/cameras/%d/live/hd/ws", cam)
		first := instanceOf(t, lb, p)
		for range 3 {
			got := instanceOf(t, lb, p)
			if strings.Contains(got, dead) {
				t.Errorf("%s answered by %s: the dead instance", p, got)
			}
			if got != first {
				t.Errorf("%s went to %s then %s after the instance died", p, first, got)
			}
		}
	}
}

func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
