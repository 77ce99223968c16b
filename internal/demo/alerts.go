package demo

import (
	"context"
	"crypto/tls"

	"storelens/internal/alerts"
	"storelens/internal/alerts/alertsim"
	"storelens/internal/models"
)

// The demo's simulated alert groups (issue 17): one WeCom group and one
// DingTalk group (signed) that the demo company's chain-wide channels send
// its VIP alerts to, and a spare DingTalk group with no channel yet, for
// trying "Add a channel" (its address and secret are on the demo groups
// page). Their tokens are the simulator's, not secrets.
const (
	demoDingName    = "演示钉钉群"
	demoWeComName   = "演示企业微信群"
	demoSpareName   = "备用钉钉群（未配置）"
	demoDingToken   = "demo-dingtalk-token"
	demoDingSecret  = "SECstorelens-demo-dingtalk-secret"
	demoWeComKey    = "demo-wecom-key"
	demoSpareToken  = "demo-spare-token"
	demoSpareSecret = "SECstorelens-demo-spare-secret"
	settingAlerts   = "demo.alerts_seeded"
)

// AlertsEnv is the simulated robots of the demo.
type AlertsEnv struct {
	Sim *alertsim.Server
	URL string // https://127.0.0.1:port
	// Mail is the simulated mail server (alerts_channels.go).
	Mail *MailEnv
}

// DingTalkWebhook is a simulated DingTalk group's webhook.
func (a *AlertsEnv) DingTalkWebhook(token string) string {
	return a.URL + "/robot/send?access_token=" + token
}

// WeComWebhook is a simulated WeCom group's webhook.
func (a *AlertsEnv) WeComWebhook(key string) string {
	return a.URL + "/cgi-bin/webhook/send?key=" + key
}

func startAlerts(e *Env, cert tls.Certificate) (*AlertsEnv, error) {
	s := alertsim.New()
	s.Add(&alertsim.Group{Kind: alertsim.WeCom, Name: demoWeComName, Token: demoWeComKey})
	s.Add(&alertsim.Group{Kind: alertsim.DingTalk, Name: demoDingName, Token: demoDingToken, Secret: demoDingSecret})
	s.Add(&alertsim.Group{Kind: alertsim.DingTalk, Name: demoSpareName, Token: demoSpareToken, Secret: demoSpareSecret})
	url, err := e.serve(cert, s.Handler())
	if err != nil {
		return nil, err
	}
	a := &AlertsEnv{Sim: s, URL: url}
	if err := startChannelSims(a, cert); err != nil { // alerts_channels.go
		return nil, err
	}
	return a, nil
}

// SeedAlerts gives the demo company its two chain-wide channels (once),
// and on every start points the demo's channels at this run's simulator
// (its port changes).
func SeedAlerts(ctx context.Context, st *models.Store, svc *alerts.Service, env *Env) error {
	if env.Alerts == nil {
		return nil
	}
	a := env.Alerts
	hooks := map[string]string{
		demoDingToken: a.DingTalkWebhook(demoDingToken), demoWeComKey: a.WeComWebhook(demoWeComKey),
		demoSpareToken: a.DingTalkWebhook(demoSpareToken), demoFeishuToken: a.FeishuWebhook(demoFeishuToken),
	}
	if err := seedChannelSims(ctx, st, svc, a); err != nil { // alerts_channels.go
		return err
	}
	seeded, err := st.Setting(ctx, settingAlerts)
	if err != nil {
		return err
	}
	if seeded == "" {
		for _, in := range []alerts.ChannelInput{
			{Kind: alerts.WeCom, Name: demoWeComName, Webhook: hooks[demoWeComKey], Enabled: true},
			{Kind: alerts.DingTalk, Name: demoDingName, Webhook: hooks[demoDingToken], Secret: demoDingSecret, Enabled: true},
		} {
			if _, err := svc.CreateChannel(ctx, in); err != nil {
				return err
			}
		}
		return st.SetSetting(ctx, settingAlerts, "1")
	}
	// Every channel (chain-wide or a shop's) that sends to a simulated
	// group follows the simulator to its new port.
	var shopIDs []uint
	st.DB().WithContext(ctx).Model(&models.Shop{}).Pluck("id", &shopIDs)
	seen := map[uint]bool{}
	for _, id := range append([]uint{0}, shopIDs...) {
		chans, err := st.AlertChannelsOf(ctx, id)
		if err != nil {
			return err
		}
		for _, c := range chans {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			t, err := svc.Open(c)
			if err != nil {
				continue
			}
			if changed, err := followMail(ctx, svc, &c, t, a); changed || err != nil {
				if err != nil {
					return err
				}
				continue
			}
			for token, hook := range hooks {
				if (hasToken(t.Webhook, token) || hasFeishuToken(t.Webhook, token)) && t.Webhook != hook {
					if err := svc.UpdateChannel(ctx, &c, alerts.ChannelInput{Name: c.Name, Enabled: c.Enabled, Webhook: hook}); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func hasToken(webhook, token string) bool {
	return len(webhook) > len(token) && (webhook[len(webhook)-len(token)-1:] == "="+token)
}
