package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
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
	"storelens/internal/models/modelstest"
	"storelens/internal/secrets"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

func signInAt(t *testing.T, p *instanceProc, password string) *webSession {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	w := &webSession{t: t, base: p.base, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	if code, _, page := w.post("/login", url.Values{"username": {"admin"}, "password": {password}}); code != http.StatusOK {
		t.Fatalf("sign in at %s: %d\n%s", p.name, code, page)
	}
	return w
}

// TestRelayAcrossInstances (PostgreSQL): two server processes on one
// database, each with its --instance-url; a shop's edge connects to A.
// Through B, which holds no tunnel, the shop's discovery finds its LAN
// camera, and the camera is added and activated: B's adapter reaches the
// camera through A's tunnel. A's connector page counts the camera's bytes.
func TestRelayAcrossInstances(t *testing.T) {
	base := modelstest.PostgresURL()
	if base == "" {
		t.Skip("needs " + modelstest.EnvURL + " (scripts/pgtest.sh)")
	}
	if testing.Short() {
		t.Skip("starts two server processes")
	}
	dbURL, err := modelstest.NewDatabase(t, base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const appID, secret, activation, sn = "relayapp", "relay-secret-0123456789", "ACT-RELAY-1", "RELAYEDGE001"
	cam, err := lansim.New(lansim.Options{SN: sn, Model: "FM020", MAC: "a1b2c3d4e5f7", Firmware: "2.1.0",
		AppID: appID, Secret: secret, ActivationCode: activation})
	if err != nil {
		t.Fatal(err)
	}
	camAddr, err := cam.Start("127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	t.Cleanup(func() { cam.Close() })
	disc, err := lansim.ListenDiscovery("127.0.0.2:0", cam)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { disc.Close() })

	var raw [32]byte
	rand.Read(raw[:])
	dir := t.TempDir()
	st, err := models.Open(ctx, filepath.Join(dir, "unused.db"), models.Options{DatabaseURL: dbURL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	shop := models.Shop{Name: "Relay shop", Timezone: "Asia/Shanghai"}
	if err := st.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(raw[:])
	if err != nil {
		t.Fatal(err)
	}
	acc, err := (&accounts.Service{Store: st, Box: box}).Create(ctx, models.Actor{Username: "test"},
		accounts.Input{Vendor: sunmilan.Name, Name: "LAN", AppID: appID, Secret: secret, ActivationCode: activation})
	if err != nil {
		t.Fatal(err)
	}
	key := base64.StdEncoding.EncodeToString(raw[:])
	a := startInstance(t, dir, "A", dbURL, key)
	b := startInstance(t, dir, "B", dbURL, key)
	webA, webB := signInAt(t, a, "cluster-test-password"), signInAt(t, b, "cluster-test-password")
	shopPath := fmt.Sprintf("/shops/%d", shop.ID)

	// The edge pairs and connects at A.
	_, _, page := webA.post(shopPath+"/connector/add", nil)
	m := regexp.MustCompile(`storelens-edge --server \S+ --pair (\S+) --data-dir`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no command on A's connector page:\n%s", page)
	}
	_, camPort, _ := net.SplitHostPort(camAddr)
	port, _ := strconv.Atoi(camPort)
	policy := edge.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, true, append(append([]int(nil), edge.DefaultPorts...), port))
	ed, err := edge.New(edge.Config{Server: a.base, DataDir: t.TempDir(), Policy: policy, Log: slog.New(slog.DiscardHandler),
		Discovery: sunmilan.DiscoverOptions{Target: disc.Addr(), Listen: "127.0.0.2:0", Requests: 2, Interval: 200 * time.Millisecond, Window: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Pair(ctx, m[1]); err != nil {
		t.Fatal(err)
	}
	ectx, ecancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = ed.Run(ectx); close(done) }()
	t.Cleanup(func() { ecancel(); <-done })
	waitUntil(t, 15*time.Second, "A's connector page to say online", func() bool {
		return strings.Contains(webA.get(shopPath+"/connector"), "badge-ok")
	})
	waitUntil(t, 10*time.Second, "A recorded as the tunnel's holder", func() bool {
		c, err := st.ShopConnector(ctx, shop.ID)
		return err == nil && c.RelayURL == a.base
	})

	// Through B: discovery, adding the camera, activating it.
	if code, _, page := webB.post(shopPath+"/lan/discover", nil); code != http.StatusOK || !strings.Contains(page, sn) {
		t.Fatalf("discovery through B: %d, want %s on the page:\n%s", code, sn, page)
	}
	code, path, page := webB.post(shopPath+"/lan/add", url.Values{"sn": {sn}, "model": {"FM020"}, "address": {camAddr},
		"network": {"LAN"}, "account_id": {strconv.FormatUint(uint64(acc.ID), 10)}})
	if code != http.StatusOK || !strings.HasSuffix(path, "/lan") {
		t.Fatalf("adding the camera through B: %d %s\n%s", code, path, page)
	}
	webB.post(strings.TrimSuffix(path, "/lan")+"/lan/activate", nil)
	if !cam.State().Activated {
		t.Fatal("the camera was not activated through B")
	}
	// The camera's bytes are counted where the tunnel is: A's uplink row.
	if page := webA.get(shopPath + "/connector"); !strings.Contains(page, `<td translate="no">127.0.0.2</td>`) {
		t.Fatalf("A's connector page has no uplink row for the camera:\n%s", page)
	}
}
