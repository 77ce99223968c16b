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

// Two shops, each with its own edge and its own LAN (shop A's camera on
// 127.0.0.2, shop B's on 127.0.0.3), one central server: each shop finds,
// adds and activates its camera through its own edge; shop A's edge finds
// nothing of B's LAN, and an admin who types B's camera address into shop A
// is refused by A's edge with the reason on the page, B's camera never
// reached; each connector's uplink lists only its own camera.
func TestTwoEdgesTwoShops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const password = "two-edges-password"
	const appID, secret, activation = "twoapp", "two-secret-0123456789", "ACT-TWO-1"
	type site struct {
		lan      string // the shop's LAN (one loopback address)
		sn       string
		shop     models.Shop
		cam      *lansim.Camera
		camAddr  string
		disc     *lansim.Responder
		shopPath string
		camPath  string
	}
	sites := []*site{{lan: "127.0.0.2", sn: "TWOEDGE0000A"}, {lan: "127.0.0.3", sn: "TWOEDGE0000B"}}
	for i, s := range sites {
		cam, err := lansim.New(lansim.Options{SN: s.sn, Model: "FM020", MAC: fmt.Sprintf("a1b2c3d4e5%02x", i), Firmware: "2.1.0",
			AppID: appID, Secret: secret, ActivationCode: activation})
		if err != nil {
			t.Fatal(err)
		}
		if s.camAddr, err = cam.Start(s.lan + ":0"); err != nil {
			t.Skipf("no %s here: %v", s.lan, err)
		}
		t.Cleanup(func() { cam.Close() })
		if s.disc, err = lansim.ListenDiscovery(s.lan+":0", cam); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.disc.Close() })
		s.cam = cam
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
	defer e.close(log)
	for i, s := range sites {
		s.shop = models.Shop{Name: fmt.Sprintf("Chain shop %c", 'A'+i), Timezone: "Asia/Shanghai"}
		if err := e.store.CreateShop(ctx, &s.shop); err != nil {
			t.Fatal(err)
		}
		s.shopPath = fmt.Sprintf("/shops/%d", s.shop.ID)
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
	defer srv.Close()
	if err := a.tasks.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.tasks.Stop()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	send := func(path string, form url.Values) (int, string, string) {
		t.Helper()
		resp, err := web.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Request.URL.Path, html.UnescapeString(string(b))
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
	send("/login", url.Values{"username": {"admin"}, "password": {password}})

	// Each shop pairs its own edge, allowed only its own LAN.
	for _, s := range sites {
		_, _, page := send(s.shopPath+"/connector/add", nil)
		m := regexp.MustCompile(`storelens-edge --server (\S+) --pair (\S+) --data-dir`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no command on %s's page", s.shop.Name)
		}
		_, camPort, _ := net.SplitHostPort(s.camAddr)
		port, _ := strconv.Atoi(camPort)
		policy := edge.NewPolicy([]netip.Prefix{netip.MustParsePrefix(s.lan + "/32")}, true, append(append([]int(nil), edge.DefaultPorts...), port))
		ed, err := edge.New(edge.Config{Server: m[1], DataDir: t.TempDir(), Policy: policy, RootCAs: pool, Log: slog.New(slog.DiscardHandler),
			Discovery: sunmilan.DiscoverOptions{Target: s.disc.Addr(), Listen: s.lan + ":0", Requests: 2, Interval: 200 * time.Millisecond, Window: time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ed.Pair(ctx, m[2]); err != nil {
			t.Fatal(err)
		}
		ectx, ecancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = ed.Run(ectx); close(done) }()
		t.Cleanup(func() { ecancel(); <-done })
	}
	for _, s := range sites {
		waitUntil(t, 15*time.Second, s.shop.Name+"'s connector online", func() bool {
			return strings.Contains(get(s.shopPath+"/connector"), `badge-ok`)
		})
	}

	// Discovery at each shop finds its own camera only.
	for i, s := range sites {
		_, _, page := send(s.shopPath+"/lan/discover", nil)
		other := sites[1-i]
		if !strings.Contains(page, s.sn) || strings.Contains(page, other.sn) {
			t.Fatalf("%s's discovery: want %s and not %s:\n%s", s.shop.Name, s.sn, other.sn, page)
		}
	}

	// Shop A's admin types shop B's camera address: A's edge refuses it
	// (outside its LAN), the page says so, B's camera sees nothing.
	b := sites[1]
	before := len(b.cam.Calls())
	code, _, page := send(sites[0].shopPath+"/lan/add", url.Values{"sn": {b.sn}, "model": {"FM020"}, "address": {b.camAddr},
		"network": {"LAN"}, "account_id": {strconv.FormatUint(uint64(lanAcc.ID), 10)}})
	if code != http.StatusUnprocessableEntity || !regexp.MustCompile(`data-testid="form-error">[^<]*`+regexp.QuoteMeta(b.camAddr)+`[^<]*网段`).MatchString(page) {
		t.Fatalf("shop A adding shop B's camera: %d\n%s", code, page)
	}
	if got := len(b.cam.Calls()); got != before {
		t.Fatalf("shop B's camera was reached through shop A: %d calls, had %d", got, before)
	}

	// Each shop adds and activates its own camera through its own edge.
	for _, s := range sites {
		code, path, page := send(s.shopPath+"/lan/add", url.Values{"sn": {s.sn}, "model": {"FM020"}, "address": {s.camAddr},
			"network": {"LAN"}, "account_id": {strconv.FormatUint(uint64(lanAcc.ID), 10)}})
		if code != http.StatusOK || !strings.HasSuffix(path, "/lan") {
			t.Fatalf("%s adds its camera: %d %s\n%s", s.shop.Name, code, path, page)
		}
		s.camPath = strings.TrimSuffix(path, "/lan")
		send(s.camPath+"/lan/activate", nil)
		if !s.cam.State().Activated {
			t.Fatalf("%s's camera not activated through its edge", s.shop.Name)
		}
	}
	// Each connector's uplink names its own camera, not the other's.
	for i, s := range sites {
		page := get(s.shopPath + "/connector")
		own := `<td translate="no">` + s.lan + `</td>`
		other := `<td translate="no">` + sites[1-i].lan + `</td>`
		if !strings.Contains(page, own) || strings.Contains(page, other) {
			t.Fatalf("%s's uplink rows: want %s only", s.shop.Name, s.lan)
		}
	}
}
