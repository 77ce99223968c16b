package alerts_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"storelens/internal/alerts"
	"storelens/internal/alerts/alertsim"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/secrets"
)

// The DingTalk signature worked out by hand, outside Go:
//
//	printf '1700000000000\nSECthis-is-a-test-secret' |
//	  openssl dgst -sha256 -hmac 'SECthis-is-a-test-secret' -binary | base64
//
// and URL-encoded with Python's urllib.parse.quote_plus.
const (
	vecSecret  = "SECthis-is-a-test-secret"
	vecTS      = int64(1700000000000)
	vecSign    = "IRZT287QybIa2F/xrEkTcyuBS3Hp0ycAceupV5IhA5s="
	vecSignURL = "IRZT287QybIa2F%2FxrEkTcyuBS3Hp0ycAceupV5IhA5s%3D"
)

func TestDingTalkSignVector(t *testing.T) {
	if got := alerts.Sign(vecTS, vecSecret); got != vecSign {
		t.Fatalf("Sign = %q, want %q", got, vecSign)
	}
	u, err := alerts.SignedURL("https://oapi.dingtalk.com/robot/send?access_token=abc", vecSecret, time.UnixMilli(vecTS))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(u, "access_token=abc&timestamp=1700000000000&sign="+vecSignURL) {
		t.Fatalf("signed URL %s", u)
	}
}

// The simulator accepts the hand-worked vector and refuses a changed one.
func TestSimulatorChecksSignVector(t *testing.T) {
	sim := alertsim.New()
	sim.Now = func() time.Time { return time.UnixMilli(vecTS).Add(time.Minute) }
	g := sim.Add(&alertsim.Group{Kind: alertsim.DingTalk, Name: "g", Token: "abc", Secret: vecSecret})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	post := func(sign string, ts int64) int {
		q := url.Values{"access_token": {"abc"}, "timestamp": {strconv.FormatInt(ts, 10)}, "sign": {sign}}
		resp, err := srv.Client().Post(srv.URL+"/robot/send?"+q.Encode(), "application/json",
			strings.NewReader(`{"msgtype":"markdown","markdown":{"title":"t","text":"x"}}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b [200]byte
		n, _ := resp.Body.Read(b[:])
		if strings.Contains(string(b[:n]), `"errcode":0`) {
			return 0
		}
		return 1
	}
	if post(vecSign, vecTS) != 0 {
		t.Fatal("simulator refused the hand-worked signature")
	}
	if post(strings.Replace(vecSign, "I", "J", 1), vecTS) == 0 {
		t.Fatal("simulator accepted a wrong signature")
	}
	if post(alerts.Sign(vecTS-2*3600_000, vecSecret), vecTS-2*3600_000) == 0 {
		t.Fatal("simulator accepted a timestamp two hours old")
	}
	if len(g.Received()) != 1 {
		t.Fatalf("received %d, want 1", len(g.Received()))
	}
}

type fixture struct {
	st    *models.Store
	box   *secrets.Box
	sim   *alertsim.Server
	url   string
	shopA models.Shop
	shopB models.Shop
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := modelstest.Open(t, models.Options{})
	box, err := secrets.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	sim := alertsim.New()
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	f := &fixture{st: st, box: box, sim: sim, url: srv.URL}
	ctx := context.Background()
	f.shopA = models.Shop{Name: "静安店", Timezone: "Asia/Shanghai"}
	f.shopB = models.Shop{Name: "Shop B", Timezone: "Asia/Shanghai"}
	for _, sh := range []*models.Shop{&f.shopA, &f.shopB} {
		if err := st.CreateShop(ctx, sh); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) service(t *testing.T, mod func(*alerts.Config)) *alerts.Service {
	cfg := alerts.Config{Store: f.st, Box: f.box, PublicURL: "https://storelens.example", PictureKey: []byte("k"),
		Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Poll: 20 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	return alerts.New(cfg)
}

// channels adds a DingTalk (signed) and a WeCom group for shop and their
// channels.
func (f *fixture) channels(t *testing.T, svc *alerts.Service, shop uint, tag string) (ding, wecom models.AlertChannel) {
	t.Helper()
	f.sim.Add(&alertsim.Group{Kind: alertsim.DingTalk, Name: "ding-" + tag, Token: "tok-" + tag, Secret: "SEC-" + tag})
	f.sim.Add(&alertsim.Group{Kind: alertsim.WeCom, Name: "wecom-" + tag, Token: "key-" + tag})
	ctx := context.Background()
	var err error
	if ding, err = svc.CreateChannel(ctx, alerts.ChannelInput{ShopID: &shop, Kind: alerts.DingTalk, Name: "D " + tag,
		Webhook: f.url + "/robot/send?access_token=tok-" + tag, Secret: "SEC-" + tag, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if wecom, err = svc.CreateChannel(ctx, alerts.ChannelInput{ShopID: &shop, Kind: alerts.WeCom, Name: "W " + tag,
		Webhook: f.url + "/cgi-bin/webhook/send?key=key-" + tag, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	return ding, wecom
}

func (f *fixture) group(name string) *alertsim.Group {
	for _, g := range f.sim.Groups() {
		if g.Name == name {
			return g
		}
	}
	return nil
}

var nextEvent atomic.Int64

func vip(shop uint, name string) *models.Event {
	return &models.Event{ID: 1000 + nextEvent.Add(1), ShopID: shop, Kind: "face", PersonName: name, GroupName: "VIP",
		CameraName: "入口", OccurredAt: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC), Alert: true, PictureSrc: "https://cam/p.jpg"}
}

func run(t *testing.T, svc *alerts.Service) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = svc.Run(ctx); close(done) }()
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("worker did not stop")
		}
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A VIP event produces exactly one message per channel of its shop, with
// the name, group, shop, camera, shop time, picture and event link; a
// non-alert event and shop B's channels get nothing.
func TestVIPEventOneMessagePerChannel(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, nil)
	f.channels(t, svc, f.shopA.ID, "a")
	f.channels(t, svc, f.shopB.ID, "b")
	stop := run(t, svc)
	defer stop()
	ev := vip(f.shopA.ID, "张三")
	plain := &models.Event{ID: 5, ShopID: f.shopA.ID, Kind: "face", PersonName: "路人", GroupName: "visitor"}
	svc.Publish(ev, plain)
	svc.Publish(ev) // published twice (a replay): still one message
	waitFor(t, 5*time.Second, "both groups", func() bool {
		return len(f.group("ding-a").Received()) >= 1 && len(f.group("wecom-a").Received()) >= 1
	})
	time.Sleep(200 * time.Millisecond) // room for a wrong second message
	d, w := f.group("ding-a").Received(), f.group("wecom-a").Received()
	if len(d) != 1 || len(w) != 1 {
		t.Fatalf("dingtalk got %d, wecom got %d; want 1 each", len(d), len(w))
	}
	if n := len(f.group("ding-b").Received()) + len(f.group("wecom-b").Received()); n != 0 {
		t.Fatalf("shop B's groups got %d messages", n)
	}
	if d[0].MsgType != "markdown" {
		t.Fatalf("dingtalk msgtype %q", d[0].MsgType)
	}
	for _, want := range []string{"张三", "VIP", "静安店", "入口", "2026-12-07 20:00:00", "https://storelens.example/alerts/picture/",
		"https://storelens.example/shops/"} {
		if !strings.Contains(d[0].Text, want) {
			t.Errorf("dingtalk text lacks %q:\n%s", want, d[0].Text)
		}
	}
	if w[0].MsgType != "news" || !strings.HasPrefix(w[0].PicURL, "https://storelens.example/alerts/picture/") ||
		!strings.Contains(w[0].URL, "/events?event=") || !strings.Contains(w[0].Title, "张三") {
		t.Fatalf("wecom news %+v", w[0])
	}
}

// A message stored but not sent (the worker stopped between store and
// send) is sent by the next worker, once.
func TestOutboxSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	first := f.service(t, nil)
	f.channels(t, first, f.shopA.ID, "a")
	ev := vip(f.shopA.ID, "李四")
	first.Publish(ev)
	if n, err := first.Flush(context.Background()); err != nil || n != 2 {
		t.Fatalf("flush stored %d (%v), want 2", n, err)
	}
	// first stops here: never ran its sender.
	second := f.service(t, nil)
	stop := run(t, second)
	waitFor(t, 5*time.Second, "delivery after restart", func() bool {
		return len(f.group("ding-a").Received()) == 1 && len(f.group("wecom-a").Received()) == 1
	})
	second.Publish(ev) // the pipeline replays it: deduped by the outbox
	time.Sleep(200 * time.Millisecond)
	stop()
	third := f.service(t, nil)
	stop = run(t, third)
	time.Sleep(200 * time.Millisecond)
	stop()
	if d, w := len(f.group("ding-a").Received()), len(f.group("wecom-a").Received()); d != 1 || w != 1 {
		t.Fatalf("after restarts dingtalk got %d, wecom %d; want 1 each", d, w)
	}
}

// A robot down (5xx) for a while gets its messages afterwards, none twice;
// the delivery log says retried, then sent.
func TestChannelDownThenBack(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, nil)
	ding, _ := f.channels(t, svc, f.shopA.ID, "a")
	f.sim.Fail5xx(-1)
	stop := run(t, svc)
	defer stop()
	for i := 0; i < 5; i++ {
		svc.Publish(vip(f.shopA.ID, "客人"+strconv.Itoa(i)))
	}
	time.Sleep(600 * time.Millisecond) // down: several retries
	if n := len(f.group("ding-a").Received()); n != 0 {
		t.Fatalf("received %d while down", n)
	}
	f.sim.Fail5xx(0)
	waitFor(t, 10*time.Second, "messages after the outage", func() bool {
		return len(f.group("ding-a").Received()) == 5 && len(f.group("wecom-a").Received()) == 5
	})
	time.Sleep(300 * time.Millisecond)
	seen := map[string]bool{}
	for _, r := range f.group("ding-a").Received() {
		if seen[r.Text] {
			t.Fatalf("message received twice: %s", r.Title)
		}
		seen[r.Text] = true
	}
	if len(seen) != 5 {
		t.Fatalf("dingtalk got %d distinct, want 5", len(seen))
	}
	log, err := f.st.AlertDeliveries(context.Background(), ding.ID, 200)
	if err != nil {
		t.Fatal(err)
	}
	var retried, sent int
	for _, d := range log {
		switch d.Outcome {
		case models.DeliveryRetried:
			retried++
			if !strings.Contains(d.Detail, "503") {
				t.Errorf("retry detail %q lacks the 503", d.Detail)
			}
		case models.DeliverySent:
			sent++
		}
	}
	if retried == 0 || sent != 5 {
		t.Fatalf("log: %d retried, %d sent; want some retried and 5 sent", retried, sent)
	}
}

// 40 alerts offered at once to a robot allowing 5 per 500 ms: the
// simulator never counts one past its limit, and every alert arrives,
// alone or inside a summary.
func TestRateLimitNeverExceeded(t *testing.T) {
	f := newFixture(t)
	f.sim.Limit, f.sim.Per, f.sim.Penalty = 5, 500*time.Millisecond, 0
	svc := f.service(t, func(c *alerts.Config) {
		c.Limits = map[string]alerts.Limit{alerts.DingTalk: {5, 500 * time.Millisecond}, alerts.WeCom: {5, 500 * time.Millisecond}}
	})
	f.channels(t, svc, f.shopA.ID, "a")
	f.sim.SetLatency(5 * time.Millisecond)
	stop := run(t, svc)
	defer stop()
	names := map[string]bool{}
	for i := 0; i < 40; i++ {
		n := "访客" + strconv.Itoa(i) + "号"
		names[n] = true
		svc.Publish(vip(f.shopA.ID, n))
	}
	covered := func(g *alertsim.Group) int {
		n := 0
		for name := range names {
			for _, r := range g.Received() {
				if strings.Contains(r.Text, name+"（") || strings.Contains(r.Text, "："+name) || strings.Contains(r.Title, name) {
					n++
					break
				}
			}
		}
		return n
	}
	waitFor(t, 15*time.Second, "every alert delivered or summarised", func() bool {
		return covered(f.group("ding-a")) == 40 && covered(f.group("wecom-a")) == 40
	})
	for _, g := range []*alertsim.Group{f.group("ding-a"), f.group("wecom-a")} {
		if g.Exceeded() != 0 || g.Refused() != 0 {
			t.Fatalf("%s: %d past the limit, %d refused", g.Name, g.Exceeded(), g.Refused())
		}
		if n := len(g.Received()); n >= 40 {
			t.Fatalf("%s: %d messages for 40 alerts: nothing was summarised", g.Name, n)
		}
		var summary bool
		for _, r := range g.Received() {
			summary = summary || strings.Contains(r.Text, "合并发送")
		}
		if !summary {
			t.Fatalf("%s: no summary among %d messages", g.Name, len(g.Received()))
		}
	}
}

// Send test reports a refusal in words, and a wrong secret is the
// robot's sign error; the attempt is in the delivery log.
func TestSendTestReportsRefusal(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, nil)
	ding, _ := f.channels(t, svc, f.shopA.ID, "a")
	ctx := context.Background()
	if err := svc.SendTest(ctx, ding, "测试", "StoreLens 测试消息"); err != nil {
		t.Fatalf("test send: %v", err)
	}
	if err := svc.UpdateChannel(ctx, &ding, alerts.ChannelInput{Name: ding.Name, Enabled: true, Secret: "SEC-wrong"}); err != nil {
		t.Fatal(err)
	}
	err := svc.SendTest(ctx, ding, "测试", "x")
	if err == nil || !strings.Contains(err.Error(), "310000") {
		t.Fatalf("wrong secret: %v, want errcode 310000", err)
	}
	log, _ := f.st.AlertDeliveries(ctx, ding.ID, 10)
	if len(log) != 2 || log[0].Outcome != models.DeliveryFailed || log[1].Outcome != models.DeliverySent {
		t.Fatalf("log %+v", log)
	}
	if len(f.group("ding-a").Received()) != 1 {
		t.Fatal("the refused test arrived")
	}
}

// A webhook without its token or key is refused before it is stored;
// the stored one is sealed.
func TestChannelWebhookCheckedAndSealed(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, nil)
	ctx := context.Background()
	shop := f.shopA.ID
	if _, err := svc.CreateChannel(ctx, alerts.ChannelInput{ShopID: &shop, Kind: alerts.DingTalk, Name: "x",
		Webhook: f.url + "/robot/send"}); err != alerts.ErrNoToken {
		t.Fatalf("no token: %v", err)
	}
	if _, err := svc.CreateChannel(ctx, alerts.ChannelInput{ShopID: &shop, Kind: alerts.WeCom, Name: "x",
		Webhook: "ftp://x/?key=1"}); err != alerts.ErrBadWebhook {
		t.Fatalf("ftp: %v", err)
	}
	c, err := svc.CreateChannel(ctx, alerts.ChannelInput{ShopID: &shop, Kind: alerts.WeCom, Name: "x",
		Webhook: f.url + "/cgi-bin/webhook/send?key=supersecretkey"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.st.AlertChannel(ctx, c.ID)
	if strings.Contains(string(got.WebhookEnc), "supersecretkey") {
		t.Fatal("webhook stored in the clear")
	}
}

// The picture link is signed per event: the same link verifies, another
// event's signature or a changed one does not, and without a key there
// are no links.
func TestPictureLinkSigned(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, nil)
	link := svc.PictureLink(42)
	prefix := "https://storelens.example/alerts/picture/42/"
	if !strings.HasPrefix(link, prefix) {
		t.Fatalf("link %s", link)
	}
	sig := strings.TrimPrefix(link, prefix)
	if !svc.CheckPictureSig(42, sig) {
		t.Fatal("own signature refused")
	}
	if svc.CheckPictureSig(43, sig) || svc.CheckPictureSig(42, sig[:len(sig)-1]+"0") && !strings.HasSuffix(sig, "0") {
		t.Fatal("a signature verified for another event or altered")
	}
	if other := f.service(t, func(c *alerts.Config) { c.PictureKey = []byte("other") }); other.CheckPictureSig(42, sig) {
		t.Fatal("another key verified the signature")
	}
	if none := f.service(t, func(c *alerts.Config) { c.PictureKey = nil }); none.PictureLink(42) != "" || none.CheckPictureSig(42, sig) {
		t.Fatal("links without a key")
	}
}

// Two instances' workers on one outbox: both store what they publish, only
// the one sending (the leader of "alerts sending") sends, each message once.
func TestOnlyTheSendingInstanceSends(t *testing.T) {
	f := newFixture(t)
	a, b := f.service(t, nil), f.service(t, nil)
	f.channels(t, a, f.shopA.ID, "a")
	a.SetSending(false)
	b.SetSending(false)
	stopA, stopB := run(t, a), run(t, b)
	defer stopA()
	defer stopB()
	a.Publish(vip(f.shopA.ID, "甲"))
	b.Publish(vip(f.shopA.ID, "乙"))
	time.Sleep(300 * time.Millisecond)
	if n := len(f.group("ding-a").Received()); n != 0 {
		t.Fatalf("%d messages sent with no instance sending", n)
	}
	var queued int64
	if err := f.st.DB().Raw("SELECT COUNT(*) FROM alert_outbox").Scan(&queued).Error; err != nil || queued != 4 {
		t.Fatalf("outbox holds %d (want 2 events x 2 channels, stored by both instances): %v", queued, err)
	}
	b.SetSending(true)
	waitFor(t, 5*time.Second, "both events in both groups", func() bool {
		return len(f.group("ding-a").Received()) == 2 && len(f.group("wecom-a").Received()) == 2
	})
	time.Sleep(200 * time.Millisecond)
	if d, w := len(f.group("ding-a").Received()), len(f.group("wecom-a").Received()); d != 2 || w != 2 {
		t.Fatalf("dingtalk %d, wecom %d: want 2 each", d, w)
	}
}
