package main

import (
	"context"
	"net"

	"storelens/internal/demo"
	"storelens/internal/events"
	"storelens/internal/handlers"
	"storelens/internal/live"
	"storelens/internal/vendors/sunmilan"
)

// wireEvents builds the events area: the live hub, the event pipeline and
// its sources (from --event-sources, and in demo mode the demo cameras'
// simulators), the picture fetcher and the retention sweep.
func (w *wiring) wireEvents() (handlers.EventsDeps, error) {
	log := w.log.With("area", "events")
	hub := live.NewHub(w.store, live.HubOptions{Log: log})
	var demoSims *demo.EventSims // set before Start: the demo LAN camera's channel port
	svc := events.New(events.Config{Store: w.store, Hub: hub, DataDir: w.cfg.DataDir, HTTP: w.vendorHTTP, Log: log,
		LANAccount: w.lanAccount, Callback: webhookURL(w.cfg.Addr), Guard: w.guard,
		ChannelPort: func(sn string) int {
			if demoSims == nil {
				return 0
			}
			return demoSims.ChannelPort(sn)
		}})
	var sources []events.SourceConfig
	if w.cfg.EventSources != "" {
		list, err := events.LoadSourceFile(w.cfg.EventSources)
		if err != nil {
			return handlers.EventsDeps{}, err
		}
		sources = append(sources, list...)
	}
	deps := handlers.EventsDeps{Service: svc, Hub: hub}
	if w.demo != nil {
		sims, list, err := w.demo.StartEvents(w.ctx, w.store, webhookURL(w.cfg.Addr), log)
		if err != nil {
			return deps, err
		}
		demoSims = sims
		w.closers = append(w.closers, sims.Close)
		sources = append(sources, list...)
		deps.Demo = sims
	}
	if err := svc.Sources().Configure(sources); err != nil {
		return deps, err
	}
	svc.Start(w.ctx)
	// Run after the HTTP server has stopped: browsers first (the server
	// does not wait for websockets), then the pipeline.
	w.closers = append(w.closers, func() error {
		hub.Close()
		return svc.Close()
	})
	return deps, nil
}

// webhookURL is where this server receives camera webhooks, when its port
// is known before it listens ("" for port 0: then the demo uses the
// message channel everywhere).
func webhookURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "0" {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/hooks/sunmi-ipc"
}

// lanAccount opens a LAN camera's vendor account, for its event source.
func (w *wiring) lanAccount(ctx context.Context, id uint) (*sunmilan.Account, error) {
	a, err := w.store.VendorAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	creds, err := w.accounts.Credentials(a)
	if err != nil {
		return nil, err
	}
	ad, err := sunmilan.NewAccount(creds, nil)
	if err != nil {
		return nil, err
	}
	return ad.(*sunmilan.Account), nil
}
