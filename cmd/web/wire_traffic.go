package main

import (
	"context"
	"time"

	"storelens/internal/demo"
	"storelens/internal/handlers"
	"storelens/internal/traffic"
	"storelens/internal/vendors/opretail"
)

// wireTraffic builds the traffic area: the OpRetail adapter, the sync
// service with its scheduler and backfill worker and, in demo mode, the
// demo's traffic (an OpRetail shop, months of history).
func (w *wiring) wireTraffic() (handlers.TrafficDeps, error) {
	w.registry.Register(opretail.Name, opretail.Label, opretail.New)
	w.accounts.Extra = traffic.OpRetailLogins(w.store, w.accounts.Box)
	svc := &traffic.Service{Store: w.store, Accounts: w.accounts, Log: w.log.With("area", "traffic"), CallTimeout: 10 * time.Minute}
	if w.demo != nil {
		if err := demo.SeedTraffic(w.ctx, w.store, w.accounts, svc, w.demo); err != nil {
			return handlers.TrafficDeps{}, err
		}
	}
	ctx, cancel := context.WithCancel(w.ctx)
	svc.Start(ctx)
	w.closers = append(w.closers, func() error {
		cancel()
		svc.Wait()
		return nil
	})
	return handlers.TrafficDeps{Service: svc}, nil
}
