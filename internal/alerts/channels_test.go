package alerts_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"storelens/internal/alerts"
	"storelens/internal/alerts/alertsim"
	"storelens/internal/models"
)

// Feishu's signature worked out by hand, outside Go: the string
// "1700000000\nfeishu-test-secret" is the HMAC KEY, the message is empty:
//
//	printf '' | openssl dgst -sha256 -hmac "$(printf '1700000000\nfeishu-test-secret')" -binary | base64
//	python3 -c "import hmac,hashlib,base64; print(base64.b64encode(hmac.new(b'1700000000\nfeishu-test-secret', b'', hashlib.sha256).digest()).decode())"
//
// both print e3MJ8Q5llVxGJ8pVkGPBhexDAgjvYqpjPP1GkY9XceI= (sent as is in the
// JSON body, no URL encoding).
const (
	fsSecret = "feishu-test-secret"
	fsTS     = int64(1700000000)
	fsSign   = "e3MJ8Q5llVxGJ8pVkGPBhexDAgjvYqpjPP1GkY9XceI="
)

func TestFeishuSignVector(t *testing.T) {
	if got := alerts.FeishuSign(fsTS, fsSecret); got != fsSign {
		t.Fatalf("alerts.FeishuSign = %q, want %q", got, fsSign)
	}
	if got := alertsim.FeishuSign(fsTS, fsSecret); got != fsSign {
		t.Fatalf("alertsim.FeishuSign = %q, want %q", got, fsSign)
	}
	// Not DingTalk's rule (the secret as key over timestamp+"\n"+secret).
	if alerts.Sign(fsTS, fsSecret) == fsSign {
		t.Fatal("Feishu's and DingTalk's signatures must differ")
	}
}

// feishuPost posts a raw body to the simulator and returns its code.
func feishuPost(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans struct{ Code int }
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		t.Fatal(err)
	}
	return ans.Code
}

// The simulator takes the hand-worked vector and refuses a changed sign,
// a timestamp two hours old, an unknown token, a body over 20 KB and a
// message without its content, with the documented codes.
func TestFeishuSimulatorChecksSignAndBody(t *testing.T) {
	f := newFixture(t)
	f.sim.Now = func() time.Time { return time.Unix(fsTS, 0).Add(time.Minute) }
	g := f.sim.Add(&alertsim.Group{Kind: alertsim.Feishu, Name: "fs", Token: "hook-1", Secret: fsSecret})
	hook := f.url + "/open-apis/bot/v2/hook/hook-1"
	msg := func(ts int64, sign string) string {
		return `{"timestamp":"` + strconv.FormatInt(ts, 10) + `","sign":"` + sign + `","msg_type":"text","content":{"text":"hello"}}`
	}
	if c := feishuPost(t, hook, msg(fsTS, fsSign)); c != 0 {
		t.Fatalf("hand-worked vector refused: code %d", c)
	}
	if c := feishuPost(t, hook, msg(fsTS, strings.Replace(fsSign, "e", "f", 1))); c != alerts.FeishuSignFail {
		t.Fatalf("wrong sign: code %d, want 19021", c)
	}
	old := fsTS - 7200
	if c := feishuPost(t, hook, msg(old, alerts.FeishuSign(old, fsSecret))); c != alerts.FeishuSignFail {
		t.Fatalf("two-hour-old timestamp: code %d, want 19021", c)
	}
	if c := feishuPost(t, f.url+"/open-apis/bot/v2/hook/nope", msg(fsTS, fsSign)); c != 19001 {
		t.Fatalf("unknown token: code %d", c)
	}
	big := `{"timestamp":"1700000000","sign":"` + fsSign + `","msg_type":"text","content":{"text":"` + strings.Repeat("x", 21<<10) + `"}}`
	if c := feishuPost(t, hook, big); c != alerts.FeishuBadRequest {
		t.Fatalf("21 KB body: code %d, want 9499", c)
	}
	if c := feishuPost(t, hook, `{"timestamp":"1700000000","sign":"`+fsSign+`","msg_type":"interactive","card":{}}`); c != alerts.FeishuBadRequest {
		t.Fatalf("empty card: code %d, want 9499", c)
	}
	if n := len(g.Received()); n != 1 {
		t.Fatalf("received %d, want 1", n)
	}
}

func (f *fixture) feishu(t *testing.T, svc *alerts.Service, shop uint, tag, secret string) models.AlertChannel {
	t.Helper()
	f.sim.Add(&alertsim.Group{Kind: alertsim.Feishu, Name: "feishu-" + tag, Token: "hook-" + tag, Secret: secret})
	ch, err := svc.CreateChannel(context.Background(), alerts.ChannelInput{ShopID: &shop, Kind: alerts.Feishu, Name: "F " + tag,
		Webhook: f.url + "/open-apis/bot/v2/hook/hook-" + tag, Secret: secret, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// A VIP event reaches a signed Feishu bot once, as an interactive card
// with the name, the shop, the picture link and a button to the event.
func TestFeishuChannelDeliversCard(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, nil)
	f.feishu(t, svc, f.shopA.ID, "a", "SEC-fs")
	stop := run(t, svc)
	defer stop()
	ev := vip(f.shopA.ID, "王女士")
	svc.Publish(ev)
	svc.Publish(ev)
	g := f.group("feishu-a")
	waitFor(t, 5*time.Second, "the card", func() bool { return len(g.Received()) == 1 })
	r := g.Received()[0]
	if r.MsgType != "interactive" || !strings.Contains(r.Title, "王女士") || !strings.Contains(r.Text, "静安店") ||
		!strings.Contains(r.Text, "/alerts/picture/") || !strings.Contains(r.URL, "/events?event="+strconv.FormatInt(ev.ID, 10)) {
		t.Fatalf("card %+v", r)
	}
	if strings.Contains(r.Text, "### ") || strings.Contains(r.Text, "![") {
		t.Fatalf("card text keeps markdown lark_md does not show: %q", r.Text)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(g.Received()); n != 1 {
		t.Fatalf("%d cards for one event published twice", n)
	}
}

// Feishu's two windows: at most 5 a second and 100 a minute, counted at
// the simulator; 30 alerts all arrive (5 a second needs about 6 s).
func TestFeishuBurstLimitNeverExceeded(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 6 s")
	}
	f := newFixture(t)
	svc := f.service(t, nil)
	f.feishu(t, svc, f.shopA.ID, "a", "")
	stop := run(t, svc)
	defer stop()
	for i := range 30 {
		svc.Publish(vip(f.shopA.ID, "访客"+strconv.Itoa(i)))
	}
	g := f.group("feishu-a")
	waitFor(t, 20*time.Second, "30 cards", func() bool { return len(g.Received()) == 30 })
	if g.Exceeded() != 0 || g.Refused() != 0 {
		t.Fatalf("%d past the limit, %d refused", g.Exceeded(), g.Refused())
	}
	rs := g.Received()
	for i := 5; i < len(rs); i++ {
		if d := rs[i].At.Sub(rs[i-5].At); d < time.Second {
			t.Fatalf("cards %d and %d %s apart: more than 5 in a second", i-5, i, d)
		}
	}
}

func TestFeishuWebhookChecked(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, nil)
	shop := f.shopA.ID
	for _, bad := range []string{"https://open.feishu.cn/open-apis/bot/v2/hook/", "https://open.feishu.cn/robot/send?access_token=x", "ftp://x/open-apis/bot/v2/hook/a"} {
		_, err := svc.CreateChannel(context.Background(), alerts.ChannelInput{ShopID: &shop, Kind: alerts.Feishu, Name: "x", Webhook: bad})
		if err == nil {
			t.Fatalf("%s accepted", bad)
		}
	}
	// A wrong secret is the bot's 19021, not retried by Send test.
	ch := f.feishu(t, svc, shop, "w", "right")
	if h := svc.WebhookHost(ch); strings.Contains(h, "hook-w") || !strings.HasSuffix(h, "/open-apis/bot/v2/hook/…") {
		t.Fatalf("shown as %q: the token is the path", h)
	}
	if err := svc.UpdateChannel(context.Background(), &ch, alerts.ChannelInput{Name: ch.Name, Enabled: true, Secret: "wrong"}); err != nil {
		t.Fatal(err)
	}
	err := svc.SendTest(context.Background(), ch, "测试", "### 测试\n\n你好")
	var se *alerts.SendError
	if !errors.As(err, &se) || se.Code != alerts.FeishuSignFail || se.Retry {
		t.Fatalf("wrong secret: %v", err)
	}
}

// --- e-mail ---

type mailFixture struct {
	sim  *alertsim.SMTPServer
	addr string // 127.0.0.1:port
	port int
	tls  *tls.Config
}

// newMail starts the SMTP simulator on loopback (STARTTLS, or implicit
// TLS) with one account.
func newMail(t *testing.T, implicit bool) *mailFixture {
	t.Helper()
	cert, pool, err := alertsim.TestCert()
	if err != nil {
		t.Fatal(err)
	}
	sim := alertsim.NewSMTP(cert)
	sim.Accounts["alerts@shop.test"] = "s3cret"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		go func() { _ = sim.ServeTLS(l) }()
	} else {
		go func() { _ = sim.Serve(l) }()
	}
	t.Cleanup(func() { _ = sim.Close() })
	return &mailFixture{sim: sim, addr: l.Addr().String(), port: l.Addr().(*net.TCPAddr).Port,
		tls: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
}

func (m *mailFixture) settings(mode string, to ...string) *alerts.EmailSettings {
	return &alerts.EmailSettings{Host: "127.0.0.1", Port: m.port, TLS: mode, Username: "alerts@shop.test",
		From: "StoreLens <alerts@shop.test>", To: to}
}

func (f *fixture) mailService(t *testing.T, m *mailFixture, mod func(*alerts.Config)) *alerts.Service {
	return f.service(t, func(c *alerts.Config) {
		c.SMTPTLS = m.tls
		if mod != nil {
			mod(c)
		}
	})
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n-not-really-a-png-but-its-bytes-travel")

// Send test and a VIP event reach every recipient over STARTTLS after AUTH
// PLAIN, as HTML with a plain-text alternative, the picture inlined (its
// cid in the HTML), the subject the alert's title.
func TestEmailChannelDelivers(t *testing.T) {
	f := newFixture(t)
	m := newMail(t, false)
	svc := f.mailService(t, m, func(c *alerts.Config) {
		c.Picture = func(_ context.Context, id int64) ([]byte, error) { return pngBytes, nil }
	})
	shop := f.shopA.ID
	ctx := context.Background()
	ch, err := svc.CreateChannel(ctx, alerts.ChannelInput{ShopID: &shop, Kind: alerts.Email, Name: "店长邮箱", Enabled: true,
		Email: m.settings(alerts.StartTLS, "manager@shop.test", "Boss <boss@shop.test>"), Secret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(ch.WebhookEnc), "manager@") || strings.Contains(string(ch.SecretEnc), "s3cret") {
		t.Fatal("settings or password stored in the clear")
	}
	if h := svc.WebhookHost(ch); !strings.Contains(h, "manager@shop.test") || strings.Contains(h, "s3cret") {
		t.Fatalf("shown as %q", h)
	}
	if err := svc.SendTest(ctx, ch, "测试消息", "### 测试消息\n\n这是一条测试"); err != nil {
		t.Fatal(err)
	}
	stop := run(t, svc)
	defer stop()
	ev := vip(shop, "李先生")
	svc.Publish(ev)
	waitFor(t, 5*time.Second, "the alert e-mail", func() bool { return len(m.sim.Mailbox("boss@shop.test")) == 2 })
	for _, box := range []string{"manager@shop.test", "boss@shop.test"} {
		got := m.sim.Mailbox(box)
		if len(got) != 2 {
			t.Fatalf("%s got %d mails", box, len(got))
		}
		test, alert := got[0], got[1]
		if !test.TLS || test.User != "alerts@shop.test" || test.Subject != "【StoreLens】测试消息" || !strings.Contains(test.Text, "这是一条测试") {
			t.Fatalf("test mail %+v", test)
		}
		if !strings.Contains(alert.Subject, "李先生") || !strings.Contains(alert.HTML, "<strong>李先生</strong>") ||
			!strings.Contains(alert.Text, "李先生") || strings.Contains(alert.Text, "**") {
			t.Fatalf("alert mail: subject %q html %q text %q", alert.Subject, alert.HTML, alert.Text)
		}
		if !strings.Contains(alert.HTML, `src="cid:snapshot.jpg"`) || len(alert.Parts) != 1 ||
			alert.Parts[0].ContentType != "image/png" || alert.Parts[0].ContentID != "snapshot.jpg" || alert.Parts[0].Size != len(pngBytes) {
			t.Fatalf("picture not inlined: html %q parts %+v", alert.HTML, alert.Parts)
		}
		if !strings.Contains(alert.Text, "/events?event="+strconv.FormatInt(ev.ID, 10)) {
			t.Fatalf("plain text lacks the event link: %q", alert.Text)
		}
	}
}

// Implicit TLS (port 465 style) works too; a wrong password is the
// server's 535, failed for good with the reason in the delivery log.
func TestEmailImplicitTLSAndWrongPassword(t *testing.T) {
	f := newFixture(t)
	m := newMail(t, true)
	svc := f.mailService(t, m, nil)
	shop := f.shopA.ID
	ctx := context.Background()
	ch, err := svc.CreateChannel(ctx, alerts.ChannelInput{ShopID: &shop, Kind: alerts.Email, Name: "465", Enabled: true,
		Email: m.settings(alerts.ImplicitTLS, "a@shop.test"), Secret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SendTest(ctx, ch, "t", "x"); err != nil {
		t.Fatal(err)
	}
	if got := m.sim.Mailbox("a@shop.test"); len(got) != 1 || !got[0].TLS {
		t.Fatalf("mailbox %+v", got)
	}
	if err := svc.UpdateChannel(ctx, &ch, alerts.ChannelInput{Name: ch.Name, Enabled: true, Secret: "wrong"}); err != nil {
		t.Fatal(err)
	}
	err = svc.SendTest(ctx, ch, "t", "x")
	var se *alerts.SendError
	if !errors.As(err, &se) || se.Retry || !strings.Contains(se.Msg, "535") || strings.Contains(se.Msg, "wrong") {
		t.Fatalf("wrong password: %#v", err)
	}
	if m.sim.AuthFailures() != 1 {
		t.Fatalf("auth failures %d", m.sim.AuthFailures())
	}
	log, err := f.st.AlertDeliveries(ctx, ch.ID, 10)
	if err != nil || len(log) != 2 || log[0].Outcome != models.DeliveryFailed || !strings.Contains(log[0].Detail, "535") {
		t.Fatalf("delivery log %+v %v", log, err)
	}
}

// A 4xx answer is retried by the worker's backoff and then delivered once;
// a 5xx one fails the message for good, the server's words in the log.
func TestEmailTemporaryRetriedPermanentFailed(t *testing.T) {
	f := newFixture(t)
	m := newMail(t, false)
	svc := f.mailService(t, m, nil)
	shop := f.shopA.ID
	ctx := context.Background()
	ch, err := svc.CreateChannel(ctx, alerts.ChannelInput{ShopID: &shop, Kind: alerts.Email, Name: "m", Enabled: true,
		Email: m.settings(alerts.StartTLS, "m@shop.test"), Secret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, svc)
	defer stop()
	m.sim.FailTemp(2)
	svc.Publish(vip(shop, "甲"))
	waitFor(t, 10*time.Second, "the mail after two 451s", func() bool { return len(m.sim.Mailbox("m@shop.test")) == 1 })
	m.sim.FailPerm(1)
	svc.Publish(vip(shop, "乙"))
	var log []models.AlertDeliveryRow
	waitFor(t, 10*time.Second, "the 554 in the log", func() bool {
		log, _ = f.st.AlertDeliveries(ctx, ch.ID, 10)
		return len(log) == 4
	})
	// Newest first: failed (554), sent, retried (451), retried (451).
	if log[0].Outcome != models.DeliveryFailed || !strings.Contains(log[0].Detail, "554") ||
		log[1].Outcome != models.DeliverySent || log[2].Outcome != models.DeliveryRetried || !strings.Contains(log[2].Detail, "451") ||
		log[3].Outcome != models.DeliveryRetried {
		t.Fatalf("log %+v", log)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(m.sim.Mailbox("m@shop.test")); n != 1 {
		t.Fatalf("%d mails: the failed one was sent, or the first twice", n)
	}
}

// The e-mail rate is the channel's own: 3 a minute here, counted at the
// server; the rest go out summarised, none lost.
func TestEmailOwnRateLimit(t *testing.T) {
	f := newFixture(t)
	m := newMail(t, false)
	m.sim.Limit = 3
	svc := f.mailService(t, m, nil)
	shop := f.shopA.ID
	ch, err := svc.CreateChannel(context.Background(), alerts.ChannelInput{ShopID: &shop, Kind: alerts.Email, Name: "m", Enabled: true,
		RatePerMin: 3, Email: m.settings(alerts.StartTLS, "m@shop.test"), Secret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if l := svc.ChannelLimit(ch); l.N != 3 || l.Per != time.Minute {
		t.Fatalf("limit %+v", l)
	}
	// All 8 before the worker starts: published while it runs, the first
	// ones could take the minute's 3 mails alone (seen under -race on a
	// loaded machine) and the rest wait a minute for the next window.
	for i := range 8 {
		svc.Publish(vip(shop, "访客"+strconv.Itoa(i)+"号"))
	}
	stop := run(t, svc)
	defer stop()
	covered := func() int {
		n := 0
		for i := range 8 {
			for _, ml := range m.sim.Mailbox("m@shop.test") {
				if strings.Contains(ml.Text, "访客"+strconv.Itoa(i)+"号") {
					n++
					break
				}
			}
		}
		return n
	}
	waitFor(t, 10*time.Second, "all 8 alerts within 3 mails", func() bool { return covered() == 8 })
	if n := len(m.sim.Mailbox("m@shop.test")); n != 3 || m.sim.Exceeded() != 0 {
		t.Fatalf("%d mails, %d past the limit", n, m.sim.Exceeded())
	}
}

// Addresses are checked; the first bad one is named.
func TestEmailSettingsChecked(t *testing.T) {
	good := alerts.EmailSettings{Host: "smtp.shop.test", Port: 587, TLS: alerts.StartTLS, From: "a@shop.test", To: []string{"b@shop.test"}}
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*alerts.EmailSettings){
		"bad to":    func(e *alerts.EmailSettings) { e.To = []string{"b@shop.test", "not-an-address"} },
		"empty to":  func(e *alerts.EmailSettings) { e.To = nil },
		"bad from":  func(e *alerts.EmailSettings) { e.From = "a@" },
		"bad port":  func(e *alerts.EmailSettings) { e.Port = 0 },
		"plain tls": func(e *alerts.EmailSettings) { e.TLS = "none" },
		"bad host":  func(e *alerts.EmailSettings) { e.Host = "smtp.shop.test/x" },
	} {
		e := good
		e.To = append([]string(nil), good.To...)
		mod(&e)
		if err := e.Check(); err == nil {
			t.Fatalf("%s accepted", name)
		}
	}
	e := good
	e.To = []string{"b@shop.test", "not-an-address"}
	var ae *alerts.AddressError
	if err := e.Check(); !errors.As(err, &ae) || ae.Addr != "not-an-address" || ae.Field != "to" {
		t.Fatalf("bad recipient: %v", err)
	}
	if got := alerts.SplitAddresses("a@x.test, b@x.test;\nc@x.test ,"); len(got) != 3 || got[2] != "c@x.test" {
		t.Fatalf("split %q", got)
	}
}
