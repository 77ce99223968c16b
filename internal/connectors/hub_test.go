package connectors_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"storelens/internal/connectors"
	"storelens/internal/connectors/edge"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/netguard"
)

// logBuf collects log lines (the refusal messages are asserted).
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type central struct {
	st  *models.Store
	hub *connectors.Hub
	srv *httptest.Server
	// relay serves the hub's RelayPath (the hub's InstanceURL); relayHits
	// counts its requests.
	relay     *httptest.Server
	relayHits *atomic.Int64
	pool      *x509.CertPool
	shop      models.Shop
	log       *logBuf
	stopHub   func()
}

func newCentral(t *testing.T) *central {
	t.Helper()
	ctx := context.Background()
	st := modelstest.Open(t, models.Options{})
	sh := models.Shop{Name: "Shop A", Timezone: "Asia/Shanghai"}
	if err := st.CreateShop(ctx, &sh); err != nil {
		t.Fatal(err)
	}
	lb := &logBuf{}
	hub := &connectors.Hub{Store: st, Log: slog.New(slog.NewTextHandler(lb, nil)), Keepalive: 500 * time.Millisecond}
	mux := http.NewServeMux()
	mux.HandleFunc(connectors.PairPath, hub.Pair)
	mux.HandleFunc(connectors.TunnelPath, hub.Tunnel)
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	hits := &atomic.Int64{}
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		hub.Relay(w, r)
	}))
	t.Cleanup(relay.Close)
	hub.InstanceURL, hub.RelayKey = relay.URL, relayKey
	hctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { hub.Run(hctx); close(done) }()
	var once sync.Once
	stopHub := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stopHub)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &central{st: st, hub: hub, srv: srv, relay: relay, relayHits: hits, pool: pool, shop: sh, log: lb, stopHub: stopHub}
}

func (c *central) code(t *testing.T) string {
	t.Helper()
	code, _, err := c.hub.NewCode(context.Background(), models.Actor{Username: "admin", IP: "127.0.0.1"}, c.shop.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

type edgeRun struct {
	e    *edge.Edge
	log  *logBuf
	done chan error
	stop context.CancelFunc
	up   chan struct{}
}

func (c *central) newEdge(t *testing.T, dir string, policy *edge.Policy, mod func(*edge.Config)) *edgeRun {
	t.Helper()
	if policy == nil {
		policy = edge.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, true, edge.DefaultPorts)
	}
	lb := &logBuf{}
	up := make(chan struct{}, 16)
	cfg := edge.Config{Server: c.srv.URL, DataDir: dir, Policy: policy, RootCAs: c.pool,
		Log: slog.New(slog.NewTextHandler(lb, nil)), Keepalive: 500 * time.Millisecond,
		BackoffMin: 100 * time.Millisecond, BackoffMax: 500 * time.Millisecond,
		OnConnect: func() { up <- struct{}{} }}
	if mod != nil {
		mod(&cfg)
	}
	e, err := edge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &edgeRun{e: e, log: lb, up: up}
}

func (r *edgeRun) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r.stop, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("edge did not stop")
		}
	})
}

func (r *edgeRun) waitUp(t *testing.T) {
	t.Helper()
	select {
	case <-r.up:
	case <-time.After(10 * time.Second):
		t.Fatalf("edge not connected within 10 s; edge log:\n%s", r.log.String())
	}
}

func waitFor(t *testing.T, what string, d time.Duration, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func online(c *central) func() bool {
	return func() bool {
		s, err := c.hub.Status(context.Background(), c.shop.ID)
		return err == nil && s.Online
	}
}

func TestPairCodeSingleUseAndKeyFile(t *testing.T) {
	c := newCentral(t)
	code := c.code(t)
	dir := t.TempDir()
	r := c.newEdge(t, dir, nil, nil)
	rep, err := r.e.Pair(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Shop != c.shop.ID {
		t.Fatalf("paired with shop %d, want %d", rep.Shop, c.shop.ID)
	}
	fi, err := statKey(dir)
	if err != nil || fi != 0o600 {
		t.Fatalf("key file mode %v (%v), want 0600", fi, err)
	}
	// The same --pair again (a service restarted) is recognised and skipped.
	if !edge.PairedWith(dir, strings.ToLower(code)) || edge.PairedWith(dir, "OTHER-CODE") || edge.PairedWith(t.TempDir(), code) {
		t.Fatal("PairedWith does not recognise the code this box paired with, or only it")
	}
	// A second edge (another key) with the same code is refused.
	r2 := c.newEdge(t, t.TempDir(), nil, nil)
	if _, err := r2.e.Pair(context.Background(), code); err == nil || !strings.Contains(err.Error(), "used already") {
		t.Fatalf("reused code: err %v, want used already", err)
	}
	if _, err := r2.e.Pair(context.Background(), "NOPE-NOPE"); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Fatalf("unknown code: err %v", err)
	}
	// The paired one connects; the other is refused for good.
	r.start(t)
	r.waitUp(t)
	r2.start(t)
	select {
	case err := <-r2.done:
		if !errors.Is(err, edge.ErrRefused) {
			t.Fatalf("unpaired edge: %v, want ErrRefused", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("unpaired edge was not refused")
	}
	r2.done <- nil // for its cleanup
	// Audited: the pairing and the refusals.
	log, _, err := c.st.AuditLog(context.Background(), models.AuditFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var pairs, refused int
	for _, e := range log {
		switch e.Action {
		case "connectors.pair":
			pairs++
		case "connectors.pair_refused":
			refused++
		}
	}
	if pairs != 1 || refused != 2 {
		t.Fatalf("audit: %d pairs, %d refusals; want 1 and 2", pairs, refused)
	}
}

func TestExpiredCodeRefused(t *testing.T) {
	c := newCentral(t)
	code := connectorsCodeExpired(t, c)
	r := c.newEdge(t, t.TempDir(), nil, nil)
	if _, err := r.e.Pair(context.Background(), code); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired code: err %v", err)
	}
}

// connectorsCodeExpired stores a code that expired a second ago.
func connectorsCodeExpired(t *testing.T, c *central) string {
	code := "ABCDE-FGHJK-MNPQR-STUVW"
	if err := c.st.CreateConnectorCode(context.Background(), &models.ConnectorCode{ShopID: c.shop.ID,
		CodeHash: connectors.HashCode(code), ExpiresAt: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	return code
}

func TestPairRateLimited(t *testing.T) {
	c := newCentral(t)
	c.hub.PairLimit = 3
	r := c.newEdge(t, t.TempDir(), nil, nil)
	var last error
	for i := 0; i < 4; i++ {
		_, last = r.e.Pair(context.Background(), "WRONG")
	}
	if last == nil || !strings.Contains(last.Error(), "too many") {
		t.Fatalf("4th attempt: %v, want rate limited", last)
	}
}

func TestRevokeDropsTunnelAndRefusesKey(t *testing.T) {
	c := newCentral(t)
	r := c.newEdge(t, t.TempDir(), nil, nil)
	rep, err := r.e.Pair(context.Background(), c.code(t))
	if err != nil {
		t.Fatal(err)
	}
	r.start(t)
	r.waitUp(t)
	waitFor(t, "online", 5*time.Second, online(c))
	if err := c.hub.Revoke(context.Background(), models.Actor{Username: "admin"}, c.shop.ID, rep.Connector); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "offline after revoke", 2*time.Second, func() bool { return !online(c)() })
	select {
	case err := <-r.done:
		if !errors.Is(err, edge.ErrRefused) || !strings.Contains(err.Error(), "revoked") {
			t.Fatalf("after revoke the edge got %v, want refused: revoked", err)
		}
		r.done <- nil
	case <-time.After(10 * time.Second):
		t.Fatalf("revoked edge still running; log:\n%s", r.log.String())
	}
	if _, err := c.hub.DialContext(context.Background(), c.shop.ID, "tcp", "127.0.0.2:443"); !errors.Is(err, connectors.ErrOffline) {
		t.Fatalf("dial after revoke: %v", err)
	}
}

func TestRotateRefusesOldKey(t *testing.T) {
	c := newCentral(t)
	old := c.newEdge(t, t.TempDir(), nil, nil)
	if _, err := old.e.Pair(context.Background(), c.code(t)); err != nil {
		t.Fatal(err)
	}
	old.start(t)
	old.waitUp(t)
	code, _, err := c.hub.NewCode(context.Background(), models.Actor{Username: "admin"}, c.shop.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	// Until the new one pairs, the old one stays online.
	time.Sleep(300 * time.Millisecond)
	if !online(c)() {
		t.Fatal("old connector dropped before the new one paired")
	}
	nu := c.newEdge(t, t.TempDir(), nil, nil)
	if _, err := nu.e.Pair(context.Background(), code); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-old.done:
		if !errors.Is(err, edge.ErrRefused) {
			t.Fatalf("old edge: %v", err)
		}
		old.done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("old edge not refused after rotation")
	}
	nu.start(t)
	nu.waitUp(t)
}

func TestVersionMismatchRefusedBothEnds(t *testing.T) {
	c := newCentral(t)
	r := c.newEdge(t, t.TempDir(), nil, func(cfg *edge.Config) { cfg.Proto = connectors.Proto + 1 })
	if _, err := r.e.Pair(context.Background(), c.code(t)); err != nil {
		t.Fatal(err)
	}
	r.start(t)
	select {
	case err := <-r.done:
		if !errors.Is(err, edge.ErrIncompatible) || !strings.Contains(err.Error(), "tunnel protocol") {
			t.Fatalf("edge: %v, want ErrIncompatible with a message", err)
		}
		r.done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("incompatible edge kept running")
	}
	waitFor(t, "central logs the refusal", 5*time.Second, func() bool {
		return strings.Contains(c.log.String(), "tunnel protocol")
	})
	if online(c)() {
		t.Fatal("incompatible edge online")
	}
}

// listener accepts on addr and echoes with a prefix.
func listener(t *testing.T, addr string) net.Listener {
	return acceptor(t, addr, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		b := make([]byte, 5)
		if _, err := io.ReadFull(c, b); err == nil {
			c.Write(append([]byte("echo:"), b...))
		}
	})
}

// acceptor accepts on addr (skipping the test if it cannot) and serves
// each connection with handle, closing it after.
func acceptor(t *testing.T, addr string, handle func(net.Conn)) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); handle(c) }()
		}
	}()
	return ln
}

func TestTunnelDialerReachesWhatCentralGuardRefuses(t *testing.T) {
	c := newCentral(t)
	inside := listener(t, "127.0.0.2:0")
	outside := listener(t, "127.0.0.3:0")
	_, inPort, _ := net.SplitHostPort(inside.Addr().String())
	_, outPort, _ := net.SplitHostPort(outside.Addr().String())
	ports := append(append([]int(nil), edge.DefaultPorts...), atoi(inPort), atoi(outPort))
	policy := edge.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, true, ports)
	r := c.newEdge(t, t.TempDir(), policy, nil)
	if _, err := r.e.Pair(context.Background(), c.code(t)); err != nil {
		t.Fatal(err)
	}
	r.start(t)
	r.waitUp(t)
	waitFor(t, "online", 5*time.Second, online(c))

	// The central's own guard refuses a loopback address its policy does not name.
	g := netguard.New(netguard.Options{})
	if _, err := g.DialContext(netguard.Policy{What: "lan-camera", AnyHost: true})(context.Background(), "tcp", inside.Addr().String()); err == nil {
		t.Fatal("central guard dialled 127.0.0.2")
	} else if rf, ok := netguard.IsRefusal(err); !ok || rf.Reason != netguard.ReasonLoopback {
		t.Fatalf("central guard: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := c.hub.DialContext(ctx, c.shop.ID, "tcp", inside.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("hello"))
	got, _ := io.ReadAll(conn)
	conn.Close()
	if string(got) != "echo:hello" {
		t.Fatalf("through the tunnel: %q", got)
	}

	// The outside listener exists (a direct dial reaches it) ...
	d, err := net.DialTimeout("tcp", outside.Addr().String(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	// ... but the edge refuses it (outside --allow), a loopback 127.0.0.1
	// port of the edge's own box, a port not allowed, and metadata.
	cases := map[string]string{
		outside.Addr().String():                    edge.ReasonRange,
		net.JoinHostPort("127.0.0.1", outPort):     edge.ReasonRange,
		net.JoinHostPort("127.0.0.2", "22"):        edge.ReasonPort,
		net.JoinHostPort("169.254.169.254", "443"): edge.ReasonMetadata,
	}
	for addr, want := range cases {
		_, err := c.hub.DialContext(ctx, c.shop.ID, "tcp", addr)
		var rf *connectors.Refused
		if !errors.As(err, &rf) || rf.Reason != want {
			t.Errorf("dial %s: %v, want refused %s", addr, err, want)
		}
	}
	refused := policy.Refused()
	if refused[edge.ReasonRange] != 2 || refused[edge.ReasonPort] != 1 || refused[edge.ReasonMetadata] != 1 {
		t.Fatalf("edge counts %v", refused)
	}
	if !strings.Contains(r.log.String(), "dial refused") {
		t.Fatal("refusals not logged at the edge")
	}
	s, err := c.hub.Status(ctx, c.shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Refused != 4 || s.BytesOut != 5 || s.BytesIn != 10 || s.Version != edge.Version {
		t.Fatalf("status %+v", s)
	}
	waitFor(t, "an RTT measured", 5*time.Second, func() bool {
		s, _ := c.hub.Status(ctx, c.shop.ID)
		return s.RTT > 0
	})
}

// With the default ranges (the interfaces' subnets), loopback is never allowed.
func TestDefaultRangesNeverLoopback(t *testing.T) {
	pf, err := edge.InterfaceRanges()
	if err != nil {
		t.Fatal(err)
	}
	p := edge.NewPolicy(append(pf, netip.MustParsePrefix("127.0.0.0/8")), false, edge.DefaultPorts)
	if _, reason := p.Resolve(context.Background(), "127.0.0.2:443"); reason != edge.ReasonInternal {
		t.Fatalf("loopback with default ranges: %q", reason)
	}
}

func TestReconnectAfterCentralRestart(t *testing.T) {
	testReconnect(t, nil, 700*time.Millisecond, 5*time.Second)
}

// With the production backoff (1 s doubling to 5 s, jittered) after a 6 s
// outage, the edge is back within the 5 s of the central's return.
func TestReconnectDefaultBackoff(t *testing.T) {
	if testing.Short() {
		t.Skip("a 6 s outage")
	}
	testReconnect(t, func(cfg *edge.Config) { cfg.BackoffMin, cfg.BackoffMax = 0, 0 }, 6*time.Second, 5*time.Second)
}

func testReconnect(t *testing.T, mod func(*edge.Config), outage, within time.Duration) {
	c := newCentral(t)
	r := c.newEdge(t, t.TempDir(), nil, mod)
	if _, err := r.e.Pair(context.Background(), c.code(t)); err != nil {
		t.Fatal(err)
	}
	r.start(t)
	r.waitUp(t)
	addr := c.srv.Listener.Addr().String()
	// Stop the listener and the hub (it drops every tunnel), as a restart does.
	c.srv.Listener.Close()
	c.stopHub()
	time.Sleep(outage) // failed attempts while it is down
	for len(r.up) > 0 {
		<-r.up
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	// The restarted server: a new hub on the same database and address.
	c.hub = &connectors.Hub{Store: c.st, Keepalive: 500 * time.Millisecond}
	mux := http.NewServeMux()
	mux.HandleFunc(connectors.PairPath, c.hub.Pair)
	mux.HandleFunc(connectors.TunnelPath, c.hub.Tunnel)
	srv2 := httptest.NewUnstartedServer(mux)
	srv2.Listener = ln
	srv2.TLS = c.srv.TLS
	srv2.StartTLS()
	defer srv2.Close()
	select {
	case <-r.up:
	case <-time.After(within):
		t.Fatalf("no reconnect within %v; log:\n%s", within, r.log.String())
	}
	waitFor(t, "online again", 5*time.Second, online(c))
	t.Logf("reconnected %v after the listener came back", time.Since(restarted).Round(time.Millisecond))
}

// Rotate run on the same box (the same data directory): the new pairing
// makes a new key, the old key is refused, the box reconnects with the new one.
func TestRotateOnTheSameBox(t *testing.T) {
	c := newCentral(t)
	dir := t.TempDir()
	r := c.newEdge(t, dir, nil, nil)
	if _, err := r.e.Pair(context.Background(), c.code(t)); err != nil {
		t.Fatal(err)
	}
	first := append([]byte(nil), r.e.PublicKey()...)
	code, _, err := c.hub.NewCode(context.Background(), models.Actor{Username: "admin"}, c.shop.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	r2 := c.newEdge(t, dir, nil, nil) // the same key file
	if !bytes.Equal(r2.e.PublicKey(), first) {
		t.Fatal("the data directory's key was not reused")
	}
	if _, err := r2.e.Pair(context.Background(), code); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(r2.e.PublicKey(), first) {
		t.Fatal("rotation kept the old key")
	}
	if mode, err := statKey(dir); err != nil || mode != 0o600 {
		t.Fatalf("key file %v %v", mode, err)
	}
	old, err := c.st.ConnectorByKey(context.Background(), base64.StdEncoding.EncodeToString(first))
	if err != nil || old.RevokedAt == nil {
		t.Fatalf("old key not revoked: %+v %v", old, err)
	}
	r2.start(t)
	r2.waitUp(t)
	// A third edge loading the directory now has the new key.
	r3 := c.newEdge(t, dir, nil, nil)
	if !bytes.Equal(r3.e.PublicKey(), r2.e.PublicKey()) {
		t.Fatal("the new key was not saved")
	}
}

// An edge of another protocol version that does not notice it itself (an
// older build) is refused by the central, with a message it can log.
func TestCentralRefusesOtherProto(t *testing.T) {
	c := newCentral(t)
	d := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: c.pool}, HandshakeTimeout: 5 * time.Second}
	u := "wss" + strings.TrimPrefix(c.srv.URL, "https") + connectors.TunnelPath
	ws, _, err := d.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var hello connectors.Hello
	if err := ws.ReadJSON(&hello); err != nil || hello.Proto != connectors.Proto || len(hello.Nonce) != 32 {
		t.Fatalf("hello %+v %v", hello, err)
	}
	if err := ws.WriteJSON(connectors.Auth{Proto: connectors.Proto + 7, Version: "9.9.9"}); err != nil {
		t.Fatal(err)
	}
	var res connectors.Result
	if err := ws.ReadJSON(&res); err != nil {
		t.Fatal(err)
	}
	if res.OK || res.Code != "proto" || !strings.Contains(res.Error, "tunnel protocol 8") {
		t.Fatalf("result %+v", res)
	}
	waitFor(t, "central logs it", 5*time.Second, func() bool { return strings.Contains(c.log.String(), "incompatible connector") })
}

// A connector is bound to its shop: shop B has none, so nothing is dialled
// through shop A's edge for it, and B's LAN is not "paired".
func TestConnectorBoundToItsShop(t *testing.T) {
	c := newCentral(t)
	ctx := context.Background()
	other := models.Shop{Name: "Shop B", Timezone: "Asia/Shanghai"}
	if err := c.st.CreateShop(ctx, &other); err != nil {
		t.Fatal(err)
	}
	r := c.newEdge(t, t.TempDir(), nil, nil)
	if _, err := r.e.Pair(ctx, c.code(t)); err != nil {
		t.Fatal(err)
	}
	r.start(t)
	r.waitUp(t)
	waitFor(t, "online", 5*time.Second, online(c))
	if ok, err := c.hub.Paired(ctx, other.ID); err != nil || ok {
		t.Fatalf("shop B paired=%v err=%v", ok, err)
	}
	if _, err := c.hub.DialContext(ctx, other.ID, "tcp", "127.0.0.2:443"); !errors.Is(err, connectors.ErrOffline) {
		t.Fatalf("shop B through A's edge: %v", err)
	}
	if _, err := c.hub.Discover(ctx, other.ID); !errors.Is(err, connectors.ErrOffline) {
		t.Fatalf("shop B discovery through A's edge: %v", err)
	}
	// Revoking with shop B's id does not touch A's connector.
	st, err := c.hub.Status(ctx, c.shop.ID)
	if err != nil || !st.Paired {
		t.Fatalf("status %+v %v", st, err)
	}
	if err := c.hub.Revoke(ctx, models.Actor{}, other.ID, st.Connector.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("revoke through the wrong shop: %v", err)
	}
	if !online(c)() {
		t.Fatal("A's connector dropped by a revoke naming shop B")
	}
}

func TestParseAllowAndPorts(t *testing.T) {
	pf, err := edge.ParseAllow("192.168.1.0/24, 10.0.0.5")
	if err != nil || len(pf) != 2 || pf[1].String() != "10.0.0.5/32" {
		t.Fatalf("%v %v", pf, err)
	}
	if _, err := edge.ParseAllow("192.168.1.0/24,nonsense"); err == nil {
		t.Fatal("bad range accepted")
	}
	if _, err := edge.ParsePorts("443,70000"); err == nil {
		t.Fatal("bad port accepted")
	}
	p := edge.NewPolicy(pf, true, edge.DefaultPorts)
	for addr, want := range map[string]string{
		"192.168.1.20:443": "", "192.168.1.20:10021": "", "192.168.2.1:443": edge.ReasonRange,
		"10.0.0.5:554": "", "10.0.0.5:8080": edge.ReasonPort, "nonsense": edge.ReasonBadAddr,
	} {
		if _, got := p.Resolve(context.Background(), addr); got != want {
			t.Errorf("%s: %q, want %q", addr, got, want)
		}
	}
}

// hookPost is a notification post's shape (003 §1.3): the edge checks the
// form, not the signature (the central does).
func hookPost(t *testing.T, url string, id int) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range [][2]string{{"app_id", "a"}, {"random", "123456"}, {"timestamp", strconv.FormatInt(time.Now().Unix(), 10)},
		{"sign", "00"}, {"payload", fmt.Sprintf(`{"event_id":%d}`, id)}} {
		_ = mw.WriteField(kv[0], kv[1])
	}
	_ = mw.Close()
	res, err := http.Post(url, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// The edge's queue with a fake central receiver: posts arrive in order,
// a "try again" keeps the post and everything after it (resent in order),
// a full queue refuses the camera's post with 503 and the central learns
// it (the tab's alert), and a stray body is refused without being queued.
func TestHookQueueOrderRetryAndFull(t *testing.T) {
	c := newCentral(t)
	var mu sync.Mutex
	var got []int
	failOnce := 3 // the third post fails once
	c.hub.Webhook = func(ctx context.Context, shop uint, received time.Time, ct string, body []byte) (bool, error) {
		if shop != c.shop.ID {
			return false, fmt.Errorf("%w: shop %d", connectors.ErrHookRefused, shop)
		}
		m := regexp.MustCompile(`"event_id":(\d+)`).FindSubmatch(body)
		id := atoi(string(m[1]))
		mu.Lock()
		defer mu.Unlock()
		if id == failOnce {
			failOnce = 0
			return false, errors.New("database is locked")
		}
		got = append(got, id)
		return true, nil
	}
	dir := t.TempDir()
	q, err := edge.OpenQueue(dir, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	r := c.newEdge(t, dir, nil, func(cfg *edge.Config) { cfg.Queue, cfg.HookURL = q, "http://127.0.0.2:7082/hooks/sunmi-ipc" })
	recv := httptest.NewServer(r.e.HookHandler())
	defer recv.Close()
	// Not paired yet (no tunnel): five posts fill the queue, the sixth is refused.
	for i := 1; i <= 5; i++ {
		if res := hookPost(t, recv.URL, i); res.StatusCode != http.StatusOK {
			t.Fatalf("post %d: %s", i, res.Status)
		}
	}
	if res := hookPost(t, recv.URL, 6); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("post to a full queue: %s, want 503", res.Status)
	}
	res, err := http.Post(recv.URL, "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || q.Depth() != 5 {
		t.Fatalf("a stray post: %s, depth %d", res.Status, q.Depth())
	}
	if _, err := r.e.Pair(context.Background(), c.code(t)); err != nil {
		t.Fatal(err)
	}
	r.start(t)
	r.waitUp(t)
	waitFor(t, "the queue drained", 15*time.Second, func() bool { return q.Depth() == 0 })
	mu.Lock()
	if fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Fatalf("central got %v, want [1 2 3 4 5] (in order, 3 after its retry, once each)", got)
	}
	mu.Unlock()
	waitFor(t, "the report of a drained queue", 5*time.Second, func() bool {
		s, _ := c.hub.Status(context.Background(), c.shop.ID)
		return s.HasQueue && s.Queue.Depth == 0
	})
	s, err := c.hub.Status(context.Background(), c.shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Queue.Full != 1 || s.Queue.FullAt.IsZero() || s.Queue.Max != 5 || s.Queue.Stored != 5 || s.Queue.Failures != 1 {
		t.Fatalf("queue report %+v: want 1 refused as full, max 5, 5 stored, 1 failure", s.Queue)
	}
	if s.Hook != "http://127.0.0.2:7082/hooks/sunmi-ipc" {
		t.Fatalf("hook %q", s.Hook)
	}
	cb, via, err := c.hub.HookCallback(context.Background(), c.shop.ID)
	if err != nil || !via || cb != s.Hook {
		t.Fatalf("HookCallback %q %v %v", cb, via, err)
	}
	if st := r.e.State(); st.QueueFull != 1 || st.Forwarded != 5 || st.Received != 5 {
		t.Fatalf("edge state %+v", st)
	}
}

// A connector offline longer than OfflineAfter is flagged (as an offline
// camera is on the home page); never connected counts from its pairing.
func TestFlagged(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	recent, old := now.Add(-4*time.Minute), now.Add(-6*time.Minute)
	for _, c := range []struct {
		online bool
		seen   *time.Time
		paired time.Time
		want   bool
	}{
		{true, &old, old, false},
		{false, &recent, old, false},
		{false, &old, recent, true},
		{false, nil, recent, false},
		{false, nil, old, true},
	} {
		if got := connectors.Flagged(c.online, c.seen, c.paired, now); got != c.want {
			t.Errorf("Flagged(%v, %v, %v) = %v, want %v", c.online, c.seen, c.paired, got, c.want)
		}
	}
}

// TestAliveAnywhere: a connector is alive when this instance holds its
// tunnel, or (several instances) its last_seen is fresh: another instance
// holds it. Stale, never seen or not paired is not alive.
func TestAliveAnywhere(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		st   connectors.Status
		want bool
	}{
		{connectors.Status{Paired: true, Online: true}, true},
		{connectors.Status{Paired: true, LastSeen: now.Add(-connectors.SeenEvery)}, true},
		{connectors.Status{Paired: true, LastSeen: now.Add(-connectors.SeenFresh - time.Second)}, false},
		{connectors.Status{Paired: true}, false},
		{connectors.Status{LastSeen: now}, false},
	} {
		if got := connectors.AliveAnywhere(c.st, now); got != c.want {
			t.Errorf("AliveAnywhere(%+v) = %v, want %v", c.st, got, c.want)
		}
	}
}
