package handlers_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"storelens/internal/alerts"
	"storelens/internal/alerts/alertsim"
	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/secrets"
)

// ingestAlerts, when STORELENS_INGEST_ALERTS=1, puts the alerts area behind
// the ingest benchmark's pipeline: alerts.Tee around the hub, shop A with a
// DingTalk and a WeCom channel at a loopback simulator, and the outbox
// worker running; every 10th event is then a VIP (ingestGroup). Without it
// the benchmark is as before.
func ingestAlerts() (appOptions, *lazyTee) {
	if os.Getenv("STORELENS_INGEST_ALERTS") != "1" {
		return appOptions{}, nil
	}
	lt := &lazyTee{}
	return appOptions{wrap: func(hub events.Publisher) events.Publisher { lt.hub = hub; return lt }}, lt
}

// lazyTee is the hub until the alerts service exists (the store is made
// inside newEventsApp), then alerts.Tee around it.
type lazyTee struct {
	hub events.Publisher
	pub atomic.Pointer[alerts.Publisher]
}

func (l *lazyTee) Publish(evs ...*models.Event) {
	if p := l.pub.Load(); p != nil {
		(*p).Publish(evs...)
		return
	}
	l.hub.Publish(evs...)
}

func (l *lazyTee) PublishPicture(shop uint, id int64) { l.hub.PublishPicture(shop, id) }

func ingestGroup(id int64) string {
	if os.Getenv("STORELENS_INGEST_ALERTS") == "1" && id%10 == 0 {
		return "vip"
	}
	return "regular"
}

// startIngestAlerts wires the alerts service for a (after newEventsApp).
func startIngestAlerts(b *testing.B, a *eventsApp, lt *lazyTee) {
	if lt == nil {
		return
	}
	sim := alertsim.New()
	srv := httptest.NewServer(sim.Handler())
	b.Cleanup(srv.Close)
	sim.Add(&alertsim.Group{Kind: alertsim.DingTalk, Name: "d", Token: "t", Secret: "SECx"})
	sim.Add(&alertsim.Group{Kind: alertsim.WeCom, Name: "w", Token: "k"})
	box, _ := secrets.New(bytes.Repeat([]byte{3}, 32))
	svc := alerts.New(alerts.Config{Store: a.st, Box: box, HTTP: srv.Client(), PublicURL: "http://127.0.0.1", PictureKey: []byte("k")})
	ctx := context.Background()
	shop := a.shopA.ID
	for _, in := range []alerts.ChannelInput{
		{ShopID: &shop, Kind: alerts.DingTalk, Name: "d", Webhook: srv.URL + "/robot/send?access_token=t", Secret: "SECx", Enabled: true},
		{ShopID: &shop, Kind: alerts.WeCom, Name: "w", Webhook: srv.URL + "/cgi-bin/webhook/send?key=k", Enabled: true},
	} {
		if _, err := svc.CreateChannel(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	pub := alerts.Tee(lt.hub, svc)
	lt.pub.Store(&pub)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = svc.Run(rctx); close(done) }()
	b.Cleanup(func() {
		cancel()
		<-done
		var queued, sent int64
		a.st.DB().Table("alert_outbox").Count(&queued)
		a.st.DB().Table("alert_outbox").Where("state <> 'pending'").Count(&sent)
		b.ReportMetric(float64(queued), "outbox-rows")
		for _, g := range sim.Groups() {
			if g.Exceeded() > 0 {
				b.Errorf("%s: %d posts past the rate limit", g.Name, g.Exceeded())
			}
		}
		b.Logf("alerts: %d outbox rows, %d delivered or summarised; groups received %d and %d messages",
			queued, sent, len(sim.Groups()[0].Received()), len(sim.Groups()[1].Received()))
	})
}
