package demo

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"

	"storelens/internal/alerts"
	"storelens/internal/alerts/alertsim"
	"storelens/internal/models"
)

// The demo's simulated Feishu group and mail server (issue 17, channels):
// a signed Feishu custom bot and a loopback SMTP server (STARTTLS, AUTH
// PLAIN with the account below), both with chain-wide channels that the
// demo's VIP alerts go to. The mail server accepts any recipient, so a
// newcomer can subscribe an address of their own and read what it got on
// the demo groups page. Their credentials are the simulators', not secrets.
const (
	demoFeishuName     = "演示飞书群"
	demoFeishuToken    = "demo-feishu-token"
	demoFeishuSecret   = "storelens-demo-feishu-secret"
	demoMailName       = "演示邮箱"
	DemoMailUser       = "demo-alerts@storelens.demo"
	DemoMailPassword   = "storelens-demo-smtp-password"
	demoMailTo         = "manager@storelens.demo"
	settingAlertsChans = "demo.alerts_channels_seeded"
)

// MailEnv is the demo's simulated mail server.
type MailEnv struct {
	Sim  *alertsim.SMTPServer
	Host string // 127.0.0.1
	Port int
}

// FeishuWebhook is a simulated Feishu bot's webhook.
func (a *AlertsEnv) FeishuWebhook(token string) string {
	return a.URL + alerts.FeishuHookPath + token
}

// startChannelSims adds the Feishu group to the robots' simulator and
// starts the mail server (STARTTLS with the simulators' certificate).
func startChannelSims(a *AlertsEnv, cert tls.Certificate) error {
	a.Sim.Add(&alertsim.Group{Kind: alertsim.Feishu, Name: demoFeishuName, Token: demoFeishuToken, Secret: demoFeishuSecret})
	s := alertsim.NewSMTP(cert)
	s.Accounts[DemoMailUser] = DemoMailPassword
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = s.Serve(ln) }()
	a.Mail = &MailEnv{Sim: s, Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
	return nil
}

func (a *AlertsEnv) close() error {
	if a == nil || a.Mail == nil {
		return nil
	}
	if err := a.Mail.Sim.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// demoMail is the demo mail channel's settings at this run's port.
func (a *AlertsEnv) demoMail(to ...string) *alerts.EmailSettings {
	return &alerts.EmailSettings{Host: a.Mail.Host, Port: a.Mail.Port, TLS: alerts.StartTLS, Username: DemoMailUser,
		From: "StoreLens 演示 <" + DemoMailUser + ">", To: to}
}

// MailSummary is how the demo page shows the mail server: where it is and
// how to sign in.
func (a *AlertsEnv) MailSummary() (server, account string) {
	return a.Mail.Host + ":" + strconv.Itoa(a.Mail.Port) + " (STARTTLS)", DemoMailUser + " / " + DemoMailPassword
}

// seedChannelSims gives the demo company its chain-wide Feishu and e-mail
// channels (once, also on a database seeded before they existed).
func seedChannelSims(ctx context.Context, st *models.Store, svc *alerts.Service, a *AlertsEnv) error {
	if a.Mail == nil {
		return nil
	}
	seeded, err := st.Setting(ctx, settingAlertsChans)
	if err != nil || seeded != "" {
		return err
	}
	for _, in := range []alerts.ChannelInput{
		{Kind: alerts.Feishu, Name: demoFeishuName, Webhook: a.FeishuWebhook(demoFeishuToken), Secret: demoFeishuSecret, Enabled: true},
		{Kind: alerts.Email, Name: demoMailName, Email: a.demoMail(demoMailTo), Secret: DemoMailPassword, Enabled: true},
	} {
		if _, err := svc.CreateChannel(ctx, in); err != nil {
			return err
		}
	}
	return st.SetSetting(ctx, settingAlertsChans, "1")
}

// followMail points an e-mail channel that uses the demo's mail account at
// this run's port; it reports whether it changed it.
func followMail(ctx context.Context, svc *alerts.Service, c *models.AlertChannel, t alerts.Target, a *AlertsEnv) (bool, error) {
	if a.Mail == nil || t.Email == nil || t.Email.Username != DemoMailUser || t.Email.Host != a.Mail.Host || t.Email.Port == a.Mail.Port {
		return false, nil
	}
	e := *t.Email
	e.Port = a.Mail.Port
	return true, svc.UpdateChannel(ctx, c, alerts.ChannelInput{Name: c.Name, Enabled: c.Enabled, RatePerMin: c.RatePerMin, Email: &e})
}

// hasFeishuToken reports whether a Feishu webhook is the bot token's.
func hasFeishuToken(webhook, token string) bool {
	return strings.HasSuffix(webhook, alerts.FeishuHookPath+token)
}
