package main

import (
	"context"
	"time"

	"storelens/internal/demo"
	"storelens/internal/handlers"
	"storelens/internal/lifecycle"
	"storelens/internal/traffic"
)

// wireTraffic builds the traffic area: the sync service with its scheduler
// and backfill worker and, in demo mode, the demo's traffic (an OpRetail
// shop, months of history). The OpRetail adapter and its logins are in the
// registry and accounts service already (build).
func (w *wiring) wireTraffic() (handlers.TrafficDeps, error) {
	svc := &traffic.Service{Store: w.store, Accounts: w.accounts, Log: w.log.With("area", "traffic"), CallTimeout: 10 * time.Minute}
	if w.demo != nil {
		if err := demo.SeedTraffic(w.ctx, w.store, w.accounts, svc, w.demo); err != nil {
			return handlers.TrafficDeps{}, err
		}
	}
	var cancel context.CancelFunc
	w.tasks.Add(lifecycle.Task{Name: "traffic sync and backfill",
		Start: func(ctx context.Context) error {
			ctx, cancel = context.WithCancel(ctx)
			svc.Start(ctx)
			return nil
		},
		// A backfill stopped here resumes from its last finished week.
		Stop: func() error { cancel(); svc.Wait(); return nil }})
	return handlers.TrafficDeps{Service: svc}, nil
}
