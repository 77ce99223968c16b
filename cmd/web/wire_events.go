package main

import (
	"context"
	"fmt"
	"time"

	"storelens/internal/alerts"
	"storelens/internal/blobs"
	"storelens/internal/cluster"
	"storelens/internal/connectors"
	"storelens/internal/demo"
	"storelens/internal/events"
	"storelens/internal/handlers"
	"storelens/internal/leader"
	"storelens/internal/lifecycle"
	"storelens/internal/live"
	"storelens/internal/vendors/sunmilan"
)

// wireEvents builds the events area: the live hub, the event pipeline and
// its sources (the camera records' deliveries, the SenseLink accounts that
// shops link, and in demo mode the demo cameras' simulators), the picture
// fetcher and the retention sweep.
func (w *wiring) wireEvents() (handlers.EventsDeps, error) {
	log := w.log.With("area", "events")
	hub := live.NewHub(w.store, live.HubOptions{Log: log})
	var demoSims *demo.EventSims // set before Start: the demo LAN camera's channel port
	callback := events.CallbackURL(w.cfg.PublicURL, w.cfg.Addr)
	var pushURL func(string) string
	if w.demo != nil {
		pushURL = w.demo.SenseLinkPushURL
	}
	// On PostgreSQL several instances may share the database: the events
	// every instance stores reach this hub through the fan-out (LISTEN/
	// NOTIFY), this instance's own too, in one ordered stream.
	var pub events.Publisher = hub
	if w.cfg.DatabaseURL != "" {
		fan := cluster.New(cluster.Options{URL: w.cfg.DatabaseURL, Store: w.store, Hub: hub, Log: log.With("part", "fan-out")})
		pub = fan
		loop := lifecycle.Loop("event fan-out", func(ctx context.Context) { _ = fan.Run(ctx) })
		start := loop.Start
		loop.Start = func(ctx context.Context) error {
			// Before the server takes requests: the stream starts after
			// the newest event, where a browser's backlog ends.
			if err := fan.Prime(ctx); err != nil {
				return fmt.Errorf("event fan-out: %w", err)
			}
			return start(ctx)
		}
		w.tasks.Add(loop)
	}
	// Alerts hear what this instance stores (once across instances: the
	// writer's publisher, not the hub the fan-out feeds).
	// Pictures in the data directory, or with several instances in the
	// database, where every instance finds what another fetched.
	var pictures blobs.Store
	if w.cfg.DatabaseURL != "" {
		pictures = blobs.NewDatabase(w.store, "pictures")
	}
	svc := events.New(events.Config{Store: w.store, Hub: alerts.Tee(pub, w.alerts), DataDir: w.cfg.DataDir, Pictures: pictures, HTTP: w.vendorHTTP, Log: log,
		LANAccount: w.lanAccount, Callback: callback, Credentials: w.accounts.Credentials, SenseLinkPushURL: pushURL,
		Guard: w.guard, LANDial: lanDial(w.guard, w.connectors), ShopCallback: w.connectors.HookCallback,
		Elected: w.cfg.DatabaseURL != "",
		ChannelPort: func(sn string) int {
			if demoSims == nil {
				return 0
			}
			return demoSims.ChannelPort(sn)
		}})
	w.alerts.SetPictures(alertPictures(w.store, svc)) // e-mails inline the picture (wire_alerts_mail.go)
	// Chain mode: the posts an on-site connector queued reach the same
	// receiver (verified, stored once); a final refusal drops it there.
	w.connectors.Webhook = func(ctx context.Context, shop uint, received time.Time, ct string, body []byte) (bool, error) {
		stored, err := svc.Sources().ReceiveForwardedPost(ctx, shop, received, ct, body)
		if err != nil && events.WebhookFinal(err) {
			return false, fmt.Errorf("%w: %v", connectors.ErrHookRefused, err)
		}
		return stored, err
	}
	var sources []events.SourceConfig
	deps := handlers.EventsDeps{Service: svc, Hub: hub}
	if w.demo != nil {
		// The demo's simulated cameras come up now, as cameras on a LAN
		// would be before the server starts; their generators are a task
		// of their own, started last (areas).
		sims, list, err := w.demo.StartEvents(w.ctx, w.store, callback, log)
		if err != nil {
			return deps, err
		}
		demoSims, w.demoSims = sims, sims
		w.tasks.Add(lifecycle.Task{Name: "demo cameras", Start: func(context.Context) error { return nil }, Stop: sims.Close})
		sources = append(sources, list...)
		deps.Demo = sims
	}
	if err := svc.Sources().Configure(sources); err != nil {
		return deps, err
	}
	// The writer, picture fetches, retention and the sources. Stopped after
	// the HTTP server: browsers first (the server does not wait for
	// websockets), then the pipeline.
	w.tasks.Add(lifecycle.Task{Name: "event pipeline and sources",
		Start: func(ctx context.Context) error { svc.Start(ctx); return nil },
		Stop:  func() error { hub.Close(); return svc.Close() }})
	// The sources' vendor connections, once across instances (lead.go);
	// stopped before the pipeline.
	w.tasks.Add(leader.Loop(w.elect, "event sources", svc.Sources().Lead))
	return deps, nil
}

// lanAccount opens a LAN camera's vendor account, for its event source.
func (w *wiring) lanAccount(ctx context.Context, id uint) (*sunmilan.Account, error) {
	a, err := w.store.VendorAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	// Through the registry: its factory gives the account the outbound
	// guard's dialer for every camera connection.
	ad, err := w.accounts.Open(a)
	if err != nil {
		return nil, err
	}
	la, ok := ad.(*sunmilan.Account)
	if !ok {
		return nil, fmt.Errorf("vendor account %d is not a LAN camera account", a.ID)
	}
	return la, nil
}
