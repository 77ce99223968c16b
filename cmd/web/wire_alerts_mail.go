package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"storelens/internal/demo"
	"storelens/internal/events"
	"storelens/internal/models"
	alertview "storelens/web/templates/alerts"
)

// smtpTLS is the TLS settings e-mail channels use: the vendor client's
// (the system roots plus the demo simulators' certificate).
func smtpTLS(hc *http.Client) *tls.Config {
	if tr, ok := hc.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil {
		return tr.TLSClientConfig.Clone()
	}
	return &tls.Config{MinVersion: tls.VersionTLS12}
}

// alertPictures reads an alert event's kept picture for its e-mails.
func alertPictures(st *models.Store, svc *events.Service) func(ctx context.Context, id int64) ([]byte, error) {
	return func(ctx context.Context, id int64) ([]byte, error) {
		ev, err := st.EventInScope(ctx, models.AllShops(), id)
		if err != nil {
			return nil, err
		}
		if ev.Picture == "" {
			return nil, errors.New("no kept picture")
		}
		b, _, err := svc.Picture(ctx, ev.Picture) // files or the database's blobs
		if err != nil {
			return nil, err
		}
		if len(b) > 5<<20 {
			return nil, fmt.Errorf("picture %s: too large", ev.Picture)
		}
		return b, nil
	}
}

// demoMailbox is the demo groups page's view of the simulated mail server:
// every message each mailbox received.
func demoMailbox(a *demo.AlertsEnv) alertview.DemoGroup {
	server, account := a.MailSummary()
	g := alertview.DemoGroup{Kind: "email", Name: "演示邮件服务器", Server: server, Account: account}
	for _, box := range a.Mail.Sim.Mailboxes() {
		for _, m := range a.Mail.Sim.Mailbox(box) {
			typ := "e-mail → " + box
			if n := len(m.Parts); n > 0 {
				typ += fmt.Sprintf(" (+%d)", n)
			}
			g.Messages = append(g.Messages, alertview.DemoMessage{At: m.At.Local().Format(time.DateTime), Type: typ,
				Title: m.Subject, Text: strings.TrimSpace(m.Text)})
		}
	}
	return g
}
