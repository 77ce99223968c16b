package handlers_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"storelens/internal/alerts"
	"storelens/internal/alerts/alertsim"
	"storelens/internal/handlers"
	"storelens/internal/models"
	"storelens/internal/secrets"
)

type channelsApp struct {
	*testApp
	svc      *alerts.Service
	sim      *alertsim.Server
	url      string
	mail     *alertsim.SMTPServer
	mailPort int
}

// newChannelsApp is the server with the robot simulator (a signed Feishu
// bot) and the SMTP simulator (STARTTLS, one account) on loopback.
func newChannelsApp(t *testing.T) *channelsApp {
	sim := alertsim.New()
	simSrv := httptest.NewServer(sim.Handler())
	t.Cleanup(simSrv.Close)
	sim.Add(&alertsim.Group{Kind: alertsim.Feishu, Name: "fs", Token: "hook1", Secret: "fs-secret"})
	cert, pool, err := alertsim.TestCert()
	if err != nil {
		t.Fatal(err)
	}
	mail := alertsim.NewSMTP(cert)
	mail.Accounts["alerts@shop.test"] = "pw1"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = mail.Serve(l) }()
	t.Cleanup(func() { _ = mail.Close() })
	x := &channelsApp{sim: sim, url: simSrv.URL, mail: mail, mailPort: l.Addr().(*net.TCPAddr).Port}
	x.testApp = newTestApp(t, func(a *testApp, d *handlers.Deps) {
		box, _ := secrets.New(bytes.Repeat([]byte{7}, 32))
		x.svc = alerts.New(alerts.Config{Store: a.st, Box: box, HTTP: simSrv.Client(),
			SMTPTLS: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}})
		d.Alerts = handlers.AlertsDeps{Service: x.svc}
	})
	return x
}

func (x *channelsApp) emailForm(name, to, password string) url.Values {
	return url.Values{"kind": {"email"}, "name": {name}, "enabled": {"1"}, "email_host": {"127.0.0.1"},
		"email_port": {strconv.Itoa(x.mailPort)}, "email_tls": {"starttls"}, "email_username": {"alerts@shop.test"},
		"email_password": {password}, "email_from": {"StoreLens <alerts@shop.test>"}, "email_to": {to}, "email_rate": {"30"}}
}

// A manager subscribes two addresses of their shop by e-mail, sends a test
// (both mailboxes get it, over STARTTLS after AUTH), sees it in the
// delivery log; the password is never shown back; the change is audited
// with the recipients.
func TestAlertEmailChannelAddTestLog(t *testing.T) {
	x := newChannelsApp(t)
	b := x.login("manager", managerPW)
	base := fmt.Sprintf("/shops/%d/alerts", x.shopA.ID)
	r := b.post(base, x.emailForm("店长邮箱", "manager@shop.test\nowner@shop.test", "pw1"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.status, excerpt(r.body))
	}
	page := r.location
	r = b.get(page)
	r.has(t, "manager@shop.test", `value="30"`, `data-testid="alert-email-fields"`)
	r.lacks(t, "pw1", `name="webhook"`)
	r = b.post(page+"/test", nil)
	if r.status != http.StatusOK {
		t.Fatalf("test: %d\n%s", r.status, excerpt(r.body))
	}
	r.has(t, "Test message sent", `data-outcome="sent"`)
	r.lacks(t, "pw1")
	for _, box := range []string{"manager@shop.test", "owner@shop.test"} {
		got := x.mail.Mailbox(box)
		if len(got) != 1 || !got[0].TLS || got[0].User != "alerts@shop.test" || !strings.Contains(got[0].Text, "店长邮箱") {
			t.Fatalf("%s received %+v", box, got)
		}
	}
	var e models.AuditEntry
	if err := x.st.DB().Where("action = ?", "alerts.channel_add").First(&e).Error; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Detail, "owner@shop.test") || strings.Contains(e.Detail, "pw1") {
		t.Fatalf("audit detail %q", e.Detail)
	}
	// Editing keeps the password when left empty; the rate is saved.
	f := x.emailForm("店长邮箱", "manager@shop.test", "")
	f.Set("email_rate", "5")
	if r := b.post(page, f); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.status, excerpt(r.body))
	}
	if r := b.post(page+"/test", nil); r.status != http.StatusOK {
		t.Fatalf("test after edit (password kept?): %d\n%s", r.status, excerpt(r.body))
	}
	if n := len(x.mail.Mailbox("owner@shop.test")); n != 1 {
		t.Fatalf("owner, removed, received %d", n)
	}
	var n int64
	x.st.DB().Model(&models.AuditEntry{}).Where("action = ? AND detail LIKE ?", "alerts.channel_edit", "%manager@shop.test%").Count(&n)
	if n != 1 {
		t.Fatalf("edit audited %d times", n)
	}
}

// A bad address is named in the form, in the reader's language, and the
// form keeps what was typed; nothing is stored.
func TestAlertEmailBadAddressKeepsForm(t *testing.T) {
	x := newChannelsApp(t)
	b := x.login("manager", managerPW)
	base := fmt.Sprintf("/shops/%d/alerts", x.shopA.ID)
	r := b.post(base, x.emailForm("邮箱", "good@shop.test, not-an-address", "pw1"))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad address: %d", r.status)
	}
	r.has(t, "Not an e-mail address: not-an-address", `data-testid="error-email_to"`, "good@shop.test, not-an-address", `value="邮箱"`)
	b.lang = "zh-CN"
	r = b.post(base, x.emailForm("邮箱", "", "pw1"))
	r.has(t, "请至少填写一个收件人地址")
	f := x.emailForm("邮箱", "a@", "pw1")
	f.Set("email_from", "nobody")
	r = b.post(base, f)
	r.has(t, "不是有效的邮箱地址")
	var n int64
	x.st.DB().Model(&models.AlertChannel{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d channels stored", n)
	}
}

// A wrong SMTP password: Send test says why in the page (the server's
// 535), failed in the delivery log.
func TestAlertEmailWrongPassword(t *testing.T) {
	x := newChannelsApp(t)
	b := x.login("admin", adminPW)
	r := b.post(fmt.Sprintf("/shops/%d/alerts", x.shopA.ID), x.emailForm("m", "m@shop.test", "nope"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.status, excerpt(r.body))
	}
	r = b.post(r.location+"/test", nil)
	if r.status != http.StatusBadGateway {
		t.Fatalf("test: %d", r.status)
	}
	r.has(t, "the mail server refused", "535", `data-outcome="failed"`)
	r.lacks(t, "nope")
}

// A Feishu channel: added with its signing secret, Send test reaches the
// bot (signed), in the delivery log; a webhook without the hook path is
// refused with the address's shape.
func TestAlertFeishuChannelAddTest(t *testing.T) {
	x := newChannelsApp(t)
	b := x.login("manager", managerPW)
	base := fmt.Sprintf("/shops/%d/alerts", x.shopA.ID)
	r := b.post(base, channelForm("feishu", "飞书群", x.url+"/open-apis/bot/v2/robot", "fs-secret"))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad hook: %d", r.status)
	}
	r.has(t, "open-apis/bot/v2/hook/…")
	r = b.post(base, channelForm("feishu", "飞书群", x.url+"/open-apis/bot/v2/hook/hook1", "fs-secret"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.status, excerpt(r.body))
	}
	r = b.post(r.location+"/test", nil)
	if r.status != http.StatusOK {
		t.Fatalf("test: %d\n%s", r.status, excerpt(r.body))
	}
	r.has(t, "Test message sent", `data-outcome="sent"`, "Feishu/Lark custom bot")
	r.lacks(t, "hook1", "fs-secret")
	if got := x.sim.Groups()[0].Received(); len(got) != 1 || got[0].MsgType != "interactive" {
		t.Fatalf("bot received %+v", got)
	}
}

// A manager of shop A cannot subscribe an address to shop B's alerts, nor
// open or test shop B's e-mail channel (404); nothing reaches its mailbox.
func TestAlertEmailChannelsScoped(t *testing.T) {
	x := newChannelsApp(t)
	shopB := x.shopB.ID
	chB, err := x.svc.CreateChannel(t.Context(), alerts.ChannelInput{ShopID: &shopB, Kind: alerts.Email, Name: "B mail", Enabled: true,
		Email: &alerts.EmailSettings{Host: "127.0.0.1", Port: x.mailPort, TLS: alerts.StartTLS, Username: "alerts@shop.test",
			From: "alerts@shop.test", To: []string{"b@shop.test"}}, Secret: "pw1"})
	if err != nil {
		t.Fatal(err)
	}
	m := x.login("manager", managerPW)
	if r := m.post(fmt.Sprintf("/shops/%d/alerts", shopB), x.emailForm("spy", "spy@evil.test", "pw1")); r.status != http.StatusNotFound {
		t.Errorf("subscribe to shop B: %d, want 404", r.status)
	}
	for _, p := range []string{fmt.Sprintf("/shops/%d/alerts/%d", shopB, chB.ID), fmt.Sprintf("/shops/%d/alerts/%d", x.shopA.ID, chB.ID)} {
		if r := m.get(p); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, r.status)
		}
		if r := m.post(p+"/test", nil); r.status != http.StatusNotFound {
			t.Errorf("POST %s/test: %d", p, r.status)
		}
		if r := m.post(p, x.emailForm("x", "spy@evil.test", "")); r.status != http.StatusNotFound {
			t.Errorf("POST %s: %d", p, r.status)
		}
	}
	if got := x.mail.Mailboxes(); len(got) != 0 {
		t.Fatalf("mail went to %v", got)
	}
	var n int64
	x.st.DB().Model(&models.AlertChannel{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d channels", n)
	}
}
