package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"storelens/internal/alerts"
	"storelens/internal/alerts/alertsim"
	"storelens/internal/handlers"
	"storelens/internal/models"
	"storelens/internal/secrets"
)

type alertsApp struct {
	*testApp
	svc *alerts.Service
	sim *alertsim.Server
	url string
}

func newAlertsApp(t *testing.T) *alertsApp {
	sim := alertsim.New()
	simSrv := httptest.NewServer(sim.Handler())
	t.Cleanup(simSrv.Close)
	sim.Add(&alertsim.Group{Kind: alertsim.DingTalk, Name: "ding", Token: "tok1", Secret: "SECabc"})
	sim.Add(&alertsim.Group{Kind: alertsim.WeCom, Name: "wecom", Token: "key1"})
	x := &alertsApp{sim: sim, url: simSrv.URL}
	x.testApp = newTestApp(t, func(a *testApp, d *handlers.Deps) {
		box, _ := secrets.New(bytes.Repeat([]byte{7}, 32))
		x.svc = alerts.New(alerts.Config{Store: a.st, Box: box, HTTP: simSrv.Client()})
		d.Alerts = handlers.AlertsDeps{Service: x.svc}
	})
	return x
}

func channelForm(kind, name, webhook, secret string) url.Values {
	return url.Values{"kind": {kind}, "name": {name}, "webhook": {webhook}, "secret": {secret}, "enabled": {"1"}}
}

// A manager adds a DingTalk channel to their shop, sends a test (shown in
// the page) and sees it in the delivery log; the change is audited and the
// webhook's token is never shown back.
func TestAlertChannelAddTestLog(t *testing.T) {
	x := newAlertsApp(t)
	b := x.login("manager", managerPW)
	base := fmt.Sprintf("/shops/%d/alerts", x.shopA.ID)
	r := b.post(base, channelForm("dingtalk", "店长群", x.url+"/robot/send?access_token=tok1", "SECabc"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.status, excerpt(r.body))
	}
	page := r.location
	r = b.post(page+"/test", nil)
	if r.status != http.StatusOK {
		t.Fatalf("test: %d\n%s", r.status, excerpt(r.body))
	}
	r.has(t, "Test message sent", `data-outcome="sent"`, "StoreLens test message")
	r.lacks(t, "tok1", "SECabc")
	if got := x.sim.Groups()[0].Received(); len(got) != 1 || !strings.Contains(got[0].Text, "店长群") {
		t.Fatalf("group received %+v", got)
	}
	var n int64
	x.st.DB().Model(&models.AuditEntry{}).Where("action IN ?", []string{"alerts.channel_add", "alerts.channel_test"}).Count(&n)
	if n != 2 {
		t.Fatalf("audit entries %d, want 2", n)
	}
}

// A refused test says why in the page, in the user's language; a bad
// webhook keeps the form as typed.
func TestAlertChannelRefusals(t *testing.T) {
	x := newAlertsApp(t)
	b := x.login("admin", adminPW)
	base := fmt.Sprintf("/shops/%d/alerts", x.shopA.ID)
	r := b.post(base, channelForm("wecom", "群", x.url+"/cgi-bin/webhook/send", ""))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no key: %d", r.status)
	}
	r.has(t, "A WeCom webhook ends with ?key=", `value="群"`)
	r = b.post(base, channelForm("dingtalk", "群", x.url+"/robot/send?access_token=tok1", "SECwrong"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d", r.status)
	}
	b.lang = "zh-CN"
	r = b.post(r.location+"/test", nil)
	if r.status != http.StatusBadGateway {
		t.Fatalf("test with a wrong secret: %d", r.status)
	}
	r.has(t, "测试消息未发送", "310000", `data-outcome="failed"`)
}

// A manager of shop A cannot see, add to, test or change shop B's
// channels, nor the chain's; a chain-wide channel is an admin's.
func TestAlertChannelsScoped(t *testing.T) {
	x := newAlertsApp(t)
	ctx := context.Background()
	shopB := x.shopB.ID
	chB, err := x.svc.CreateChannel(ctx, alerts.ChannelInput{ShopID: &shopB, Kind: alerts.WeCom, Name: "B",
		Webhook: x.url + "/cgi-bin/webhook/send?key=key1", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := x.svc.CreateChannel(ctx, alerts.ChannelInput{Kind: alerts.WeCom, Name: "chain",
		Webhook: x.url + "/cgi-bin/webhook/send?key=key1", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	m := x.login("manager", managerPW)
	for _, p := range []string{fmt.Sprintf("/shops/%d/alerts", shopB), fmt.Sprintf("/shops/%d/alerts/%d", shopB, chB.ID),
		fmt.Sprintf("/shops/%d/alerts/%d", x.shopA.ID, chB.ID), fmt.Sprintf("/shops/%d/alerts/%d", x.shopA.ID, chain.ID)} {
		if r := m.get(p); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}
	for _, p := range []string{fmt.Sprintf("/shops/%d/alerts", shopB), fmt.Sprintf("/shops/%d/alerts/%d/test", x.shopA.ID, chB.ID),
		fmt.Sprintf("/shops/%d/alerts/%d/delete", x.shopA.ID, chB.ID), fmt.Sprintf("/shops/%d/alerts/%d", x.shopA.ID, chain.ID)} {
		if r := m.post(p, channelForm("wecom", "x", x.url+"/cgi-bin/webhook/send?key=key1", "")); r.status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p, r.status)
		}
	}
	if r := m.post("/settings/alerts", channelForm("wecom", "x", x.url+"/cgi-bin/webhook/send?key=key1", "")); r.status != http.StatusForbidden {
		t.Errorf("manager adds a chain-wide channel: %d, want 403", r.status)
	}
	// Nor subscribe an e-mail address to shop B's alerts (issue 17: who gets what).
	mailB := url.Values{"kind": {"email"}, "name": {"spy"}, "email_host": {"127.0.0.1"}, "email_port": {"2525"},
		"email_tls": {"starttls"}, "email_from": {"a@shop.test"}, "email_to": {"spy@evil.test"}, "enabled": {"1"}}
	if r := m.post(fmt.Sprintf("/shops/%d/alerts", shopB), mailB); r.status != http.StatusNotFound {
		t.Errorf("manager subscribes an address to shop B: %d, want 404", r.status)
	}
	if _, err := x.st.AlertChannel(ctx, chB.ID); err != nil {
		t.Fatalf("shop B's channel: %v", err)
	}
	if got := x.sim.Groups()[1].Received(); len(got) != 0 {
		t.Fatalf("a test reached shop B's group: %+v", got)
	}
	// Shop A's page lists the chain-wide channel (read-only), not B's.
	r := m.get(fmt.Sprintf("/shops/%d/alerts", x.shopA.ID))
	r.has(t, "chain", "Whole chain")
	r.lacks(t, fmt.Sprintf("/alerts/%d\"", chB.ID), ">B<")
	a := x.login("admin", adminPW)
	if r := a.post("/settings/alerts", channelForm("dingtalk", "总部群", x.url+"/robot/send?access_token=tok1", "SECabc")); r.status != http.StatusSeeOther {
		t.Fatalf("admin adds a chain-wide channel: %d", r.status)
	}
}

// A channel that keeps failing is flagged on its page.
func TestAlertChannelFlagged(t *testing.T) {
	x := newAlertsApp(t)
	b := x.login("admin", adminPW)
	r := b.post(fmt.Sprintf("/shops/%d/alerts", x.shopA.ID), channelForm("wecom", "W", x.url+"/cgi-bin/webhook/send?key=nokey", ""))
	page := r.location
	for i := 0; i < 3; i++ {
		b.post(page+"/test", nil)
	}
	r = b.get(page)
	r.has(t, `data-testid="alert-flagged-note"`, "93000")
}

// A channel that keeps failing is on the home page of those who may see
// it: its shop's manager and the admin; another shop's manager does not
// see it, and a chain-wide one only the admin.
func TestHomeFlagsFailingAlertChannels(t *testing.T) {
	x := newAlertsApp(t)
	admin := x.login("admin", adminPW)
	admin.get("/").lacks(t, `data-testid="stat-alerts-failing"`)
	shopCh := admin.post(fmt.Sprintf("/shops/%d/alerts", x.shopA.ID), channelForm("wecom", "门店群", x.url+"/cgi-bin/webhook/send?key=nokey", "")).location
	chainCh := admin.post("/settings/alerts", channelForm("wecom", "总部群", x.url+"/cgi-bin/webhook/send?key=nokey2", "")).location
	for i := 0; i < alerts.FlagStreak; i++ {
		admin.post(shopCh+"/test", nil)
		if i < alerts.FlagStreak-1 {
			admin.post(chainCh+"/test", nil) // one short of flagged
		}
	}
	r := admin.get("/")
	r.has(t, `data-testid="stat-alerts-failing"><b>1<`, `href="`+shopCh+`"`, "门店群", "93000")
	r.lacks(t, "总部群")
	admin.post(chainCh+"/test", nil)
	admin.get("/").has(t, `data-testid="stat-alerts-failing"><b>2<`, `href="`+chainCh+`"`, "总部群")

	mine := x.login("manager", managerPW).get("/")
	mine.has(t, `href="`+shopCh+`"`)
	mine.lacks(t, "总部群", chainCh)
	x.addUser("mgrb", managerPW, models.RoleManager, x.shopB.ID)
	x.login("mgrb", managerPW).get("/").lacks(t, `data-testid="stat-alerts-failing"`, "门店群", "总部群")
}
