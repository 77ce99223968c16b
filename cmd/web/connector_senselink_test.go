package main

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/connectors/edge"
	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/vendors/senselink"
	pushsim "storelens/internal/vendors/senselink/push/sim"
	slsim "storelens/internal/vendors/senselink/sim"
)

// TestConnectorSenseLinkInShop (issue 15): a SenseLink server inside a
// shop (a simulator on 127.0.0.2: its API on a port of its own, its record
// push on 004's 9000) is an account "inside the shop": the central reaches
// it only through the shop's on-site connector. The account's test call
// passes through the edge; the record push connects through it and its
// records are stored in the shop; with the edge stopped the test call says
// the connector is offline instead of dialling the server directly.
func TestConnectorSenseLinkInShop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const key, secret = "shop-sl-key", "0123456789abcdef0123"
	api := slsim.New("门店 SenseLink", slsim.Options{Logf: t.Logf})
	api.AddApp(key, secret)
	push := pushsim.New(pushsim.Options{AppKey: key, AppSecret: secret, Heartbeat: 200 * time.Millisecond, Logf: t.Logf})
	defer push.DropAll()
	// One server, as a SenseLink box is: the push's catch-up and pictures
	// beside the API.
	mux := http.NewServeMux()
	mux.Handle("/api/v1/record", push.Handler())
	mux.Handle("/websocket/", push.Handler())
	mux.Handle("/image/", push.Handler())
	mux.Handle("/", api)
	apiLn, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	apiSrv := &http.Server{Handler: mux}
	go apiSrv.Serve(apiLn)
	defer apiSrv.Close()
	base := "http://" + apiLn.Addr().String()
	_, apiPort, _ := net.SplitHostPort(apiLn.Addr().String())

	var acc models.VendorAccount
	c := newChainCentral(t, ctx, func(e *env, shop models.Shop) {
		svc := &accounts.Service{Store: e.store, Box: e.box, Registry: registry(nil, nil, nil)}
		var err error
		if acc, err = svc.Create(ctx, models.Actor{}, accounts.Input{Vendor: senselink.Name, Name: "门店 SenseLink", BaseURL: base,
			AppID: key, Secret: secret, ViaShop: shop.ID}); err != nil {
			t.Fatal(err)
		}
		// The shop uses the account (its record push follows from start).
		id := acc.ID
		shop.SenseLinkAccountID = &id
		if err := e.store.UpdateShop(ctx, &shop); err != nil {
			t.Fatal(err)
		}
	})
	port, _ := strconv.Atoi(apiPort)
	stop := c.pairEdge(edge.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, true,
		append(append([]int(nil), edge.DefaultPorts...), port)))

	accPath := "/settings/vendors/" + strconv.FormatUint(uint64(acc.ID), 10)
	var page string
	tested := func() models.VendorAccount {
		t.Helper()
		page = c.post(accPath+"/test", nil)
		a, err := c.e.store.VendorAccount(ctx, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := tested(); !a.LastTestOK {
		t.Fatalf("the account's test through the connector failed: %s", a.LastTestMessage)
	}

	// The push listens on 9000 only now: its first tries (before the
	// connector was paired) found nothing, so what connects goes through
	// the edge.
	pushLn, err := net.Listen("tcp", "127.0.0.2:"+events.SenseLinkPushPort)
	if err != nil {
		t.Skipf("127.0.0.2:9000 is taken here: %v", err)
	}
	pushSrv := &http.Server{Handler: push.Handler()}
	go pushSrv.Serve(pushLn)
	defer pushSrv.Close()
	waitUntil(t, 40*time.Second, "the record push to connect through the edge", func() bool { return push.Connected() == 1 })
	push.Add(pushsim.Record{DeviceSN: "SL-SHOP-01", DeviceName: "店内闸机", Type: 3})
	waitUntil(t, 10*time.Second, "the pushed record stored in the shop", func() bool {
		var n int64
		c.e.store.DB().Model(&models.Event{}).Where("shop_id = ? AND device_sn = ?", c.shop.ID, "SL-SHOP-01").Count(&n)
		return n == 1
	})

	// Without the edge the server is not dialled directly.
	stop()
	c.waitConnector(`badge-warn`, "offline")
	// (edge3.err.offline, in whichever language the page is.)
	if a := tested(); a.LastTestOK || !(strings.Contains(page, "门店的现场连接器离线") || strings.Contains(page, "on-site connector is offline")) {
		t.Fatalf("with the connector offline the test gave ok=%v; the page says:\n%s", a.LastTestOK, page)
	}
}
