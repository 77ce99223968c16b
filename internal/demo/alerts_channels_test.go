package demo

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"storelens/internal/alerts"
	"storelens/internal/alerts/alertsim"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/secrets"
	"storelens/internal/tlsutil"
)

// The demo's Feishu group and mail server get a VIP alert through the
// chain-wide channels SeedAlerts gives the demo company (over TLS trusted
// as every vendor call is); on the next start the mail server's new port
// is followed by the channels that use the demo account.
func TestDemoFeishuGroupAndMailbox(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env, err := Start(ctx, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	st := modelstest.Open(t, models.Options{})
	box, err := secrets.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := tlsutil.Pool(env.CA)
	if err != nil {
		t.Fatal(err)
	}
	tc := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	svc := alerts.New(alerts.Config{Store: st, Box: box, SMTPTLS: tc, Poll: 20 * time.Millisecond,
		HTTP: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}})
	if err := SeedAlerts(ctx, st, svc, env); err != nil {
		t.Fatal(err)
	}
	if err := SeedAlerts(ctx, st, svc, env); err != nil { // a second start: nothing doubled
		t.Fatal(err)
	}
	chans, err := st.AlertChannelsOf(ctx, 0)
	if err != nil || len(chans) != 4 {
		t.Fatalf("chain-wide channels %d (%v), want WeCom, DingTalk, Feishu, e-mail", len(chans), err)
	}
	shop := models.Shop{Name: "演示店", Timezone: "Asia/Shanghai"}
	if err := st.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = svc.Run(rctx); close(done) }()
	defer func() { stop(); <-done }()
	svc.Publish(&models.Event{ID: 77, ShopID: shop.ID, Kind: "face", PersonName: "赵女士", GroupName: "VIP", Alert: true,
		OccurredAt: time.Now()})
	var fs *alertsim.Group
	for _, g := range env.Alerts.Sim.Groups() {
		if g.Name == demoFeishuName {
			fs = g
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(fs.Received()) == 0 || len(env.Alerts.Mail.Sim.Mailbox(demoMailTo)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("feishu %d, mailbox %d", len(fs.Received()), len(env.Alerts.Mail.Sim.Mailbox(demoMailTo)))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m := env.Alerts.Mail.Sim.Mailbox(demoMailTo)[0]; !m.TLS || m.User != DemoMailUser {
		t.Fatalf("mail %+v", m)
	}
	// The next start: the mail server on another port.
	cert, _, err := alertsim.TestCert()
	if err != nil {
		t.Fatal(err)
	}
	other := alertsim.NewSMTP(cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = other.Serve(ln) }()
	defer other.Close()
	old := env.Alerts.Mail
	env.Alerts.Mail = &MailEnv{Sim: other, Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
	defer func() { env.Alerts.Mail = old }()
	if err := SeedAlerts(ctx, st, svc, env); err != nil {
		t.Fatal(err)
	}
	chans, _ = st.AlertChannelsOf(ctx, 0)
	for _, c := range chans {
		if c.Kind != alerts.Email {
			continue
		}
		tg, err := svc.Open(c)
		if err != nil || tg.Email.Port != env.Alerts.Mail.Port {
			t.Fatalf("e-mail channel not moved to the new port: %+v %v", tg.Email, err)
		}
	}
}
