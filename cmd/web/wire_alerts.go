package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"storelens/internal/alerts"
	"storelens/internal/demo"
	"storelens/internal/events"
	"storelens/internal/handlers"
	"storelens/internal/leader"
	"storelens/internal/lifecycle"
	"storelens/internal/netguard"
	"storelens/internal/secrets"
	alertview "storelens/web/templates/alerts"
)

// wireAlerts builds the alerts area (issue 17): the channels and the
// outbox worker. Wired before the events area, whose published events it
// receives (alerts.Tee around the live hub), so its worker starts before
// the pipeline and stops after it.
func (w *wiring) wireAlerts() (handlers.AlertsDeps, error) {
	key, err := secrets.Derive(w.deviceKey, "alert-pictures")
	if err != nil {
		return handlers.AlertsDeps{}, err
	}
	public := strings.TrimSuffix(events.CallbackURL(w.cfg.PublicURL, w.cfg.Addr), events.CallbackPath)
	svc := alerts.New(alerts.Config{Store: w.store, Box: w.accounts.Box, HTTP: w.vendorHTTP,
		Log: w.log.With("area", "alerts"), PublicURL: public, PictureKey: key,
		// E-mail: the vendor clients' roots (the demo simulators' too) and
		// the outbound guard, as the robots' HTTP client has.
		SMTPTLS: smtpTLS(w.vendorHTTP), SMTPDial: w.guard.DialContext(netguard.VendorAPI())})
	w.alerts = svc
	deps := handlers.AlertsDeps{Service: svc}
	if w.demo != nil && w.demo.Alerts != nil {
		if err := demo.SeedAlerts(w.ctx, w.store, svc, w.demo); err != nil {
			return deps, fmt.Errorf("demo alerts: %w", err)
		}
		if err := demo.SeedAlertRules(w.ctx, w.store, svc, w.demo); err != nil {
			return deps, fmt.Errorf("demo alert rules: %w", err)
		}
		deps.Demo = demoGroups(w.demo.Alerts)
	}
	// Every instance stores what it publishes in the outbox; on several
	// instances one of them (the leader of "alerts sending") sends, so each
	// channel's rate limit is counted in one place.
	w.tasks.Add(lifecycle.Loop("alerts outbox", func(ctx context.Context) { _ = svc.Run(ctx) }))
	if _, alone := w.elect.(leader.Alone); !alone {
		svc.SetSending(false)
		w.tasks.Add(leader.Loop(w.elect, "alerts sending", func(ctx context.Context) {
			svc.SetSending(true)
			<-ctx.Done()
			svc.SetSending(false)
		}))
	}
	// The rules' checks store in the outbox: started after its worker,
	// stopped before it (wire_alert_rules.go).
	deps.Rules = alertRules(w, svc)
	return deps, nil
}

// demoGroups is the demo groups page's view of the simulated robots.
func demoGroups(a *demo.AlertsEnv) func() []alertview.DemoGroup {
	return func() []alertview.DemoGroup {
		var out []alertview.DemoGroup
		for _, g := range a.Sim.Groups() {
			v := alertview.DemoGroup{Kind: g.Kind, Name: g.Name, Secret: g.Secret, Webhook: a.WeComWebhook(g.Token)}
			switch g.Kind {
			case alerts.DingTalk:
				v.Webhook = a.DingTalkWebhook(g.Token)
			case alerts.Feishu:
				v.Webhook = a.FeishuWebhook(g.Token)
			}
			for _, m := range g.Received() {
				v.Messages = append(v.Messages, alertview.DemoMessage{At: m.At.Local().Format(time.DateTime), Type: m.MsgType,
					Title: m.Title, Text: m.Text, Picture: m.PicURL, Link: m.URL})
			}
			out = append(out, v)
		}
		if a.Mail != nil {
			out = append(out, demoMailbox(a)) // wire_alerts_mail.go
		}
		return out
	}
}
