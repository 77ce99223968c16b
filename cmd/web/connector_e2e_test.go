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
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/connectors/edge"
	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

// Chain mode end to end (issue 15): the real server (build) behind a TLS
// test listener, an admin adds a connector on the shop's page, an edge
// pairs with the code shown and connects; a LAN camera simulator on
// 127.0.0.2 is discovered through the edge, added and activated, every
// camera connection carried by the tunnel.
func TestConnectorEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const password = "connector-e2e-password"
	const appID, secret, activation = "e2eapp", "e2e-secret-0123456789", "ACT-E2E-1"
	cam, err := lansim.New(lansim.Options{SN: "EDGECAM00001", Model: "FM020", MAC: "a1b2c3d4e5f6", Firmware: "2.1.0",
		AppID: appID, Secret: secret, ActivationCode: activation})
	if err != nil {
		t.Fatal(err)
	}
	camAddr, err := cam.Start("127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	defer cam.Close()
	rtspAddr, err := cam.StartRTSP("127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	disc, err := lansim.ListenDiscovery("127.0.0.2:0", cam)
	if err != nil {
		t.Fatal(err)
	}
	defer disc.Close()

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
	defer e.close(log)
	shop := models.Shop{Name: "Chain shop", Timezone: "Asia/Shanghai"}
	if err := e.store.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	a, err := build(ctx, cfg, log, e, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// The LAN account, through the real accounts service's registry.
	accSvc := &accounts.Service{Store: e.store, Box: e.box, Registry: registry(nil, nil, nil)}
	lanAcc, err := accSvc.Create(ctx, models.Actor{}, accounts.Input{Vendor: sunmilan.Name, Name: "LAN", AppID: appID, Secret: secret, ActivationCode: activation})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.srv.Handler)
	srv.StartTLS()
	defer srv.Close()
	if err := a.tasks.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.tasks.Stop()

	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	post := func(path string, form url.Values) string {
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
	get := func(path string) string {
		t.Helper()
		resp, err := web.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return html.UnescapeString(string(b))
	}
	post("/login", url.Values{"username": {"admin"}, "password": {password}})
	shopPath := fmt.Sprintf("/shops/%d", shop.ID)
	if page := get(shopPath + "/connector"); !strings.Contains(page, `data-testid="connector-none"`) {
		t.Fatalf("connector page before pairing:\n%s", page)
	}
	page := post(shopPath+"/connector/add", nil)
	m := regexp.MustCompile(`storelens-edge --server (\S+) --pair (\S+) --data-dir`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no command on the page:\n%s", page)
	}
	if m[1] != srv.URL {
		t.Fatalf("command names server %s, want %s", m[1], srv.URL)
	}
	// The code is shown once: the page afterwards does not show it.
	if after := get(shopPath + "/connector"); strings.Contains(after, m[2]) || !strings.Contains(after, `data-testid="connector-pending"`) {
		t.Fatal("the code is shown again, or no pending pairing")
	}

	// The edge: allowed only 127.0.0.2, the camera's port added to 003's;
	// discovery aimed at the simulator's responder.
	_, camPort, _ := net.SplitHostPort(camAddr)
	port, _ := strconv.Atoi(camPort)
	_, rtspPortS, _ := net.SplitHostPort(rtspAddr)
	rtspPort, _ := strconv.Atoi(rtspPortS)
	policy := edge.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, true, append(edge.DefaultPorts, port, rtspPort))
	up := make(chan struct{}, 4)
	ed, err := edge.New(edge.Config{Server: m[1], DataDir: t.TempDir(), Policy: policy, RootCAs: pool,
		Log:       slog.New(slog.DiscardHandler),
		Discovery: sunmilan.DiscoverOptions{Target: disc.Addr(), Listen: "127.0.0.2:0", Requests: 2, Interval: 200 * time.Millisecond, Window: time.Second},
		OnConnect: func() { up <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Pair(ctx, m[2]); err != nil {
		t.Fatal(err)
	}
	ectx, ecancel := context.WithCancel(ctx)
	edone := make(chan error, 1)
	go func() { edone <- ed.Run(ectx) }()
	defer func() {
		ecancel()
		select {
		case <-edone:
		case <-time.After(10 * time.Second):
			t.Error("edge did not stop")
		}
	}()
	select {
	case <-up:
	case <-time.After(10 * time.Second):
		t.Fatal("edge not connected within 10 s")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(get(shopPath+"/connector"), `badge-ok`) {
		if time.Now().After(deadline) {
			t.Fatal("the connector page does not turn online")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Discovery runs at the edge and finds the camera on 127.0.0.2.
	page = post(shopPath+"/lan/discover", nil)
	if !strings.Contains(page, "EDGECAM00001") || !strings.Contains(page, camAddr) {
		t.Fatalf("discovery through the edge did not find the camera at %s:\n%s", camAddr, page)
	}
	if disc.Requests() == 0 {
		t.Fatal("the responder got no request")
	}
	// Add it (its certificate fetched through the tunnel) and activate it.
	resp, err := web.PostForm(srv.URL+shopPath+"/lan/add", url.Values{"sn": {"EDGECAM00001"}, "model": {"FM020"},
		"mac": {"a1b2c3d4e5f6"}, "firmware": {"2.1.0"}, "address": {camAddr}, "network": {"LAN"},
		"account_id": {strconv.FormatUint(uint64(lanAcc.ID), 10)}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	camPath := resp.Request.URL.Path
	if !strings.HasSuffix(camPath, "/lan") || !strings.Contains(camPath, "/cameras/") {
		t.Fatalf("add did not lead to the camera's page (%s):\n%s", camPath, b)
	}
	if cam.State().Activated {
		t.Fatal("camera activated before asked")
	}
	post(camPath+"/activate", nil)
	if !cam.State().Activated {
		t.Fatal("the camera was not activated through the edge")
	}
	if cam.CallsTo("/device/activate") == 0 {
		t.Fatal("no activation call reached the camera")
	}
	// Live video through the edge: two viewers, one RTSP session at the
	// camera, the video's bytes counted on the camera's share of the uplink.
	camBase := strings.TrimSuffix(camPath, "/lan")
	before := wanBytesIn(t, get(shopPath+"/connector"))
	post(camBase+"/live/1/start", nil)
	var segBytes int
	for _, viewer := range []string{"viewer-0001", "viewer-0002"} {
		pl := get(camBase + "/live/1/hls/" + viewer + "/index.m3u8")
		if !strings.Contains(pl, "r/") || strings.Contains(pl, "rtsp") {
			t.Fatalf("%s playlist:\n%s", viewer, pl)
		}
		mp := get(camBase + "/live/1/hls/" + viewer + "/" + lastLine(pl))
		resp, err := web.Get(srv.URL + camBase + "/live/1/hls/" + viewer + "/r/" + lastLine(mp))
		if err != nil {
			t.Fatal(err)
		}
		seg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "video/mp2t" || len(seg) == 0 {
			t.Fatalf("%s segment: %s %q, %d bytes", viewer, resp.Status, resp.Header.Get("Content-Type"), len(seg))
		}
		segBytes = len(seg)
	}
	if n := cam.RTSPPlaying(); n != 1 {
		t.Fatalf("%d RTSP sessions at the camera for two viewers, want 1", n)
	}
	page = get(shopPath + "/connector")
	if grown := wanBytesIn(t, page) - before; grown < int64(segBytes)/2 {

		t.Fatalf("the camera's uplink share grew by %d bytes for a %d-byte segment: the RTSP session did not cross the tunnel", grown, segBytes)
	}
	if !strings.Contains(page, `data-testid="connector-wan-rate">`) || strings.Contains(page, `data-testid="connector-rate">0 bit/s`) {
		t.Fatalf("no bitrate on the connector page:\n%s", page)
	}

	// The bytes went through the tunnel: the page counts them.
	page = get(shopPath + "/connector")
	bm := regexp.MustCompile(`data-testid="connector-bytes">([^<]*)<`).FindStringSubmatch(page)
	if bm == nil || strings.HasPrefix(bm[1], "0 B") {
		t.Fatalf("no tunnel traffic counted: %v", bm)
	}
	t.Logf("tunnel traffic: %s", bm[1])

	// Revoke from the page: the tunnel drops at once and the edge is
	// refused from then on.
	post(shopPath+"/connector/revoke", nil)
	select {
	case err := <-edone:
		if err == nil || !strings.Contains(err.Error(), "revoked") {
			t.Fatalf("edge after revoke: %v", err)
		}
		edone <- err
	case <-time.After(10 * time.Second):
		t.Fatal("revoked edge still connected")
	}
}

// wanBytesIn reads the bytes from the shop of the connector page's row for
// 127.0.0.2 (the camera): the first figure of its traffic cell (the page's
// language puts "from the shop" first in both).
func wanBytesIn(t *testing.T, page string) int64 {
	t.Helper()
	m := regexp.MustCompile(`(?s)<td translate="no">127\.0\.0\.2</td><td data-testid="connector-wan-rate">[^<]*</td><td>[^0-9<]*([0-9.]+) ([KMG]?)B`).FindStringSubmatch(page)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	switch m[2] {
	case "K":
		v *= 1 << 10
	case "M":
		v *= 1 << 20
	case "G":
		v *= 1 << 30
	}
	return int64(v)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
