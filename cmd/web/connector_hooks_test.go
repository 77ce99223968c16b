package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/connectors/edge"
	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// wanLink is a cuttable loopback TCP link between an edge and the central
// server: cut drops every connection and refuses new ones (the shop's
// uplink is down) until restore.
type wanLink struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func newWAN(t *testing.T, target string) *wanLink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &wanLink{ln: ln, target: target, conns: map[net.Conn]bool{}}
	w.wg.Add(1)
	go w.run()
	t.Cleanup(func() { ln.Close(); w.cut(); w.wg.Wait() })
	return w
}

func (w *wanLink) addr() string { return w.ln.Addr().String() }

func (w *wanLink) run() {
	defer w.wg.Done()
	for {
		c, err := w.ln.Accept()
		if err != nil {
			return
		}
		w.mu.Lock()
		if w.down {
			w.mu.Unlock()
			c.Close()
			continue
		}
		u, err := net.DialTimeout("tcp", w.target, 5*time.Second)
		if err != nil {
			w.mu.Unlock()
			c.Close()
			continue
		}
		w.conns[c], w.conns[u] = true, true
		w.mu.Unlock()
		w.wg.Add(2)
		pipe := func(dst, src net.Conn) {
			defer w.wg.Done()
			_, _ = io.Copy(dst, src)
			dst.Close()
			src.Close()
		}
		go pipe(u, c)
		go pipe(c, u)
	}
}

func (w *wanLink) cut() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.down = true
	for c := range w.conns {
		c.Close()
		delete(w.conns, c)
	}
}

func (w *wanLink) restore() {
	w.mu.Lock()
	w.down = false
	w.mu.Unlock()
}

// chainShop is the real server with a shop whose webhook camera (a
// simulator on 127.0.0.2) is reached only through a paired edge.
type chainShop struct {
	e       *env
	shopID  uint
	cam     *lansim.Camera
	wan     *wanLink
	get     func(path string) string
	post    func(path string, form url.Values) string
	pool    *x509.CertPool
	server  string // the edge's --server: through the WAN link
	camPath string
	// the camera's message channel port (on 127.0.0.2, allowed at the edge)
	chanPort int
}

// newChainShop starts the server, pairs an edge through the page's code
// (edgeOf builds and starts it) and adds and activates the camera through
// the tunnel.
func newChainShop(t *testing.T, ctx context.Context, startEdge func(server, code string, pool *x509.CertPool, camPorts []int)) *chainShop {
	t.Helper()
	const password = "connector-hooks-password"
	const appID, secret, activation = "hookapp", "hook-secret-0123456789", "ACT-HOOK-1"
	cam, err := lansim.New(lansim.Options{SN: "HOOKCAM00001", Model: "FM020", MAC: "a1b2c3d4e5f7", Firmware: "2.1.0",
		AppID: appID, Secret: secret, ActivationCode: activation})
	if err != nil {
		t.Fatal(err)
	}
	camAddr, err := cam.Start("127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	t.Cleanup(func() { cam.Close() })
	chanAddr, err := cam.ListenChannel("127.0.0.2:0") // 003's message channel
	if err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	cfg, err := loadConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", dataDir, "--demo", "off"},
		func(k string) string {
			if k == "STORELENS_ADMIN_PASSWORD" {
				return password
			}
			return ""
		}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	e, err := openEnv(ctx, cfg, log, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.close(log) })
	shop := models.Shop{Name: "Chain shop", Timezone: "Asia/Shanghai"}
	if err := e.store.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	a, err := build(ctx, cfg, log, e, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	accSvc := &accounts.Service{Store: e.store, Box: e.box, Registry: registry(nil, nil, nil)}
	lanAcc, err := accSvc.Create(ctx, models.Actor{}, accounts.Input{Vendor: sunmilan.Name, Name: "LAN", AppID: appID, Secret: secret, ActivationCode: activation})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.srv.Handler)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	if err := a.tasks.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.tasks.Stop() })
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	cs := &chainShop{e: e, shopID: shop.ID, cam: cam, pool: pool}
	cs.post = func(path string, form url.Values) string {
		t.Helper()
		resp, err := web.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %s\n%s", path, resp.Status, b)
		}
		return html.UnescapeString(string(b))
	}
	cs.get = func(path string) string {
		t.Helper()
		resp, err := web.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return html.UnescapeString(string(b))
	}
	cs.post("/login", url.Values{"username": {"admin"}, "password": {password}})
	shopPath := fmt.Sprintf("/shops/%d", shop.ID)
	page := cs.post(shopPath+"/connector/add", nil)
	m := regexp.MustCompile(`storelens-edge --server (\S+) --pair (\S+) --data-dir`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no command on the page:\n%s", page)
	}
	cs.wan = newWAN(t, srv.Listener.Addr().String())
	cs.server = "https://" + cs.wan.addr()
	var ports []int
	for _, a := range []string{camAddr, chanAddr.String()} {
		_, p, _ := net.SplitHostPort(a)
		n, _ := strconv.Atoi(p)
		ports = append(ports, n)
	}
	cs.chanPort = ports[1]
	startEdge(cs.server, m[2], pool, ports)
	waitUntil(t, 15*time.Second, "the connector online", func() bool {
		return strings.Contains(cs.get(shopPath+"/connector"), `badge-ok`)
	})
	resp, err := web.PostForm(srv.URL+shopPath+"/lan/add", url.Values{"sn": {"HOOKCAM00001"}, "model": {"FM020"},
		"mac": {"a1b2c3d4e5f7"}, "firmware": {"2.1.0"}, "address": {camAddr}, "network": {"LAN"},
		"account_id": {strconv.FormatUint(uint64(lanAcc.ID), 10)}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cs.camPath = strings.TrimSuffix(resp.Request.URL.Path, "/lan")
	if !strings.Contains(cs.camPath, "/cameras/") {
		t.Fatalf("add did not lead to the camera's page (%s):\n%s", resp.Request.URL.Path, b)
	}
	cs.post(cs.camPath+"/lan/activate", nil)
	if !cam.State().Activated {
		t.Fatal("the camera was not activated through the edge")
	}
	return cs
}

// storedIDs are the camera's stored event ids in the order stored.
func (cs *chainShop) storedIDs(t *testing.T) []int64 {
	t.Helper()
	var rows []struct{ VendorEventID string }
	if err := cs.e.store.DB().Raw("SELECT vendor_event_id FROM events WHERE device_sn = ? ORDER BY id", "HOOKCAM00001").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i], _ = strconv.ParseInt(r.VendorEventID, 10, 64)
	}
	return out
}

type hookEdge struct {
	e      *edge.Edge
	q      *edge.Queue
	stop   context.CancelFunc
	done   chan error
	srv    *http.Server
	listen string
}

// runHookEdge starts an edge with its webhook receiver on listen
// (127.0.0.2:0 the first time; the same address after a restart).
func runHookEdge(t *testing.T, server, dir, listen string, pool *x509.CertPool, camPorts []int) *hookEdge {
	t.Helper()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	policy := edge.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, true, append(append([]int(nil), edge.DefaultPorts...), camPorts...))
	hook, err := edge.HookURL(ln.Addr(), policy)
	if err != nil {
		t.Fatal(err)
	}
	q, err := edge.OpenQueue(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	ed, err := edge.New(edge.Config{Server: server, DataDir: dir, Policy: policy, RootCAs: pool,
		Log: slog.New(slog.DiscardHandler), BackoffMin: 100 * time.Millisecond, BackoffMax: 500 * time.Millisecond,
		Queue: q, HookURL: hook})
	if err != nil {
		t.Fatal(err)
	}
	h := &hookEdge{e: ed, q: q, done: make(chan error, 1), listen: ln.Addr().String(),
		srv: &http.Server{Handler: ed.HookHandler(), ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = h.srv.Serve(ln) }()
	return h
}

func (h *hookEdge) run(ctx context.Context) {
	ectx, cancel := context.WithCancel(ctx)
	h.stop = cancel
	go func() { h.done <- h.e.Run(ectx) }()
}

// kill ends the edge abruptly: the receiver and the tunnel stop and the
// queue's database is abandoned without Close (what SIGKILL leaves).
func (h *hookEdge) kill(t *testing.T) {
	h.srv.Close()
	h.stop()
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
		t.Fatal("edge did not stop")
	}
}

// Chain mode, nothing lost while the WAN is down (issue 15): the shop's
// webhook camera is given the edge's LAN receiver as its callback; the
// uplink is cut while the camera sends N events; the edge is killed with
// them queued and restarted on the same data directory; once the uplink
// is back every event is stored once, in the camera's order.
func TestConnectorWebhookOutage(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	var ed *hookEdge
	var camPorts []int
	var pool *x509.CertPool
	var server string
	cs := newChainShop(t, ctx, func(srv, code string, p *x509.CertPool, ports []int) {
		server, pool, camPorts = srv, p, ports
		ed = runHookEdge(t, srv, dir, "127.0.0.2:0", p, ports)
		if _, err := ed.e.Pair(ctx, code); err != nil {
			t.Fatal(err)
		}
		ed.run(ctx)
	})
	defer func() { ed.kill(t); ed.q.Close() }()
	shopPath := fmt.Sprintf("/shops/%d", cs.shopID)
	// The connector reported its receiver; webhook delivery subscribes it
	// (hook/add through the tunnel).
	waitUntil(t, 10*time.Second, "the connector's hook address on its tab", func() bool {
		return strings.Contains(cs.get(shopPath+"/connector"), ed.listen)
	})
	cs.post(cs.camPath+"/events/delivery", url.Values{"delivery": {"webhook"}})
	waitUntil(t, 30*time.Second, "the camera subscribed to the edge", func() bool {
		for _, cbs := range cs.cam.Subscriptions() {
			for _, cb := range cbs {
				if strings.Contains(cb, ed.listen) {
					return true
				}
			}
		}
		return false
	})
	// One event through a working link.
	first := cs.cam.Emit(lansim.Spec{Motion: lansim.MotionPicture})
	waitUntil(t, 15*time.Second, "the first event stored", func() bool { return len(cs.storedIDs(t)) == 1 })
	// and deleted at the edge once the central's answer arrived (a cut
	// before that answer leaves it queued: it is sent again and stored once)
	waitUntil(t, 10*time.Second, "the first post deleted at the edge", func() bool { return ed.q.Depth() == 0 })

	// The uplink goes down; the camera sends n events, all acknowledged by the edge.
	cs.wan.cut()
	waitUntil(t, 10*time.Second, "the connector offline", func() bool {
		return strings.Contains(cs.get(shopPath+"/connector"), `badge-warn`)
	})
	var last int64
	for i := 0; i < n; i++ {
		last = cs.cam.Emit(lansim.Spec{Motion: lansim.Motion(1 + i%3)})
	}
	posted := func(k int) func() bool { return func() bool { return len(cs.cam.Posted()) >= k } }
	start := time.Now()
	waitUntil(t, 3*time.Minute, "the camera's posts acknowledged by the edge", posted(n+1))
	t.Logf("edge queued %d posts in %v (%.0f posts/s)", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	if d := ed.q.Depth(); d != n {
		t.Fatalf("queue depth %d with the uplink down, want %d", d, n)
	}
	if got := len(cs.storedIDs(t)); got != 1 {
		t.Fatalf("%d events stored while the uplink was down", got)
	}
	// The home page counts the offline connector; the Health tab shows it
	// with the queue it last reported (before the cut: empty).
	home := cs.get("/")
	if m := regexp.MustCompile(`data-testid="stat-connectors-offline"><b>(\d+)<`).FindStringSubmatch(home); m == nil || m[1] != "1" {
		t.Fatalf("home page's offline connectors: %v", m)
	}
	health := cs.get(shopPath + "/health")
	if !strings.Contains(health, `data-testid="health-connector"`) || !regexp.MustCompile(`data-testid="health-connector-state">\s*<span class="badge badge-warn"`).MatchString(health) {
		t.Fatalf("Health tab without the offline connector:\n%s", health)
	}

	// SIGKILL-equivalent with every post queued, then a restart on the same data directory.
	ed.kill(t)
	ed = runHookEdge(t, server, dir, ed.listen, pool, camPorts)
	if d := ed.q.Depth(); d != n {
		t.Fatalf("after the kill the queue holds %d posts, want %d", d, n)
	}
	ed.run(ctx)
	// More events while still down, to the restarted receiver.
	for i := 0; i < 10; i++ {
		last = cs.cam.Emit(lansim.Spec{Motion: lansim.MotionSound})
	}
	waitUntil(t, time.Minute, "the later posts acknowledged", posted(n+11))

	// The uplink is back: everything drains, in order, once.
	cs.wan.restore()
	start = time.Now()
	waitUntil(t, 3*time.Minute, "every event stored", func() bool { return len(cs.storedIDs(t)) >= n+11 })
	drain := time.Since(start)
	t.Logf("drained %d posts in %v after the uplink came back (%.0f events/s, including the reconnect)", n+10, drain.Round(time.Millisecond), float64(n+10)/drain.Seconds())
	waitUntil(t, 10*time.Second, "the queue empty", func() bool { return ed.q.Depth() == 0 })
	time.Sleep(300 * time.Millisecond) // nothing more arrives
	ids := cs.storedIDs(t)
	if len(ids) != n+11 {
		t.Fatalf("%d events stored, want %d", len(ids), n+11)
	}
	for i, id := range ids {
		if id != first+int64(i) {
			t.Fatalf("stored event %d is camera event %d, want %d (in order, once each)", i, id, first+int64(i))
		}
	}
	if ids[len(ids)-1] != last {
		t.Fatalf("last stored %d, want %d", ids[len(ids)-1], last)
	}
	health = cs.get(shopPath + "/health")
	if !regexp.MustCompile(`data-testid="health-connector-state">\s*<span class="badge badge-ok"`).MatchString(health) ||
		!regexp.MustCompile(`data-testid="health-connector-queue">\s*0 `).MatchString(health) {
		t.Fatalf("Health tab after the drain:\n%s", health)
	}
	if m := regexp.MustCompile(`data-testid="stat-connectors-offline"><b>(\d+)<`).FindStringSubmatch(cs.get("/")); m == nil || m[1] != "0" {
		t.Fatalf("home page's offline connectors after the drain: %v", m)
	}
	// The tab shows the queue drained.
	page := cs.get(shopPath + "/connector")
	qm := regexp.MustCompile(`data-testid="connector-queue">\s*([^<]*)<`).FindStringSubmatch(page)
	if qm == nil || !strings.HasPrefix(strings.TrimSpace(qm[1]), "0 ") {
		t.Fatalf("queue depth on the tab: %v", qm)
	}
}

// Chain mode, the message channel through an outage (issue 15): the
// channel ends at the central, through the tunnel; the uplink is cut while
// the camera publishes N events, which it keeps unacknowledged (003: it
// publishes them again on the next connection); once the uplink is back
// the central's channel reconnects through the edge and every event is
// stored once, in the camera's order. What this cannot show is a real
// camera's memory: the simulator keeps 20,000 (its Backlog), and that is
// the bound of an outage on this path.
func TestConnectorChannelOutage(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var ed *hookEdge
	cs := newChainShop(t, ctx, func(srv, code string, p *x509.CertPool, ports []int) {
		ed = runHookEdge(t, srv, t.TempDir(), "127.0.0.2:0", p, ports)
		if _, err := ed.e.Pair(ctx, code); err != nil {
			t.Fatal(err)
		}
		ed.run(ctx)
	})
	defer func() { ed.kill(t); ed.q.Close() }()
	shopPath := fmt.Sprintf("/shops/%d", cs.shopID)
	camID, err := strconv.ParseUint(cs.camPath[strings.LastIndex(cs.camPath, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("camera id of %s: %v", cs.camPath, err)
	}
	// The camera record names its channel port (the simulator's), then the
	// admin chooses the channel on the page.
	if err := cs.e.store.SetCameraEventDelivery(ctx, uint(camID), "", cs.chanPort); err != nil {
		t.Fatal(err)
	}
	cs.post(cs.camPath+"/events/delivery", url.Values{"delivery": {"channel"}})
	base := channelSubscribed(t, cs.cam)
	waitUntil(t, 15*time.Second, "the events before the cut stored", func() bool { return len(cs.storedIDs(t)) == base })
	first := cs.storedIDs(t)[0]

	cs.wan.cut()
	waitUntil(t, 10*time.Second, "the connector offline", func() bool {
		return strings.Contains(cs.get(shopPath+"/connector"), `badge-warn`)
	})
	var last int64
	for i := 0; i < n; i++ {
		last = cs.cam.Emit(lansim.Spec{Motion: lansim.Motion(1 + i%3)})
	}
	time.Sleep(2 * time.Second) // the central's channel retries into a closed uplink
	if got := len(cs.storedIDs(t)); got != base {
		t.Fatalf("%d events stored while the uplink was down, want %d", got, base)
	}
	if p := cs.cam.Pending(); p != n {
		t.Fatalf("the camera keeps %d unacknowledged events, want %d", p, n)
	}

	cs.wan.restore()
	start := time.Now()
	waitUntil(t, 3*time.Minute, "every channel event stored", func() bool { return len(cs.storedIDs(t)) >= base+n })
	drain := time.Since(start)
	t.Logf("channel: %d events stored in %v after the uplink came back (%.0f events/s, including the reconnects)", n, drain.Round(time.Millisecond), float64(n)/drain.Seconds())
	time.Sleep(500 * time.Millisecond) // nothing more arrives
	ids := cs.storedIDs(t)
	if len(ids) != base+n {
		t.Fatalf("%d events stored, want %d", len(ids), base+n)
	}
	for i, id := range ids {
		if id != first+int64(i) {
			t.Fatalf("stored event %d is camera event %d, want %d (in order, once each)", i, id, first+int64(i))
		}
	}
	if ids[len(ids)-1] != last || cs.cam.Pending() != 0 {
		t.Fatalf("last stored %d (want %d), %d still unacknowledged at the camera", ids[len(ids)-1], last, cs.cam.Pending())
	}
}
