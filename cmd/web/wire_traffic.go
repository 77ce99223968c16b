package main

import (
	"context"
	"time"

	"storelens/internal/demo"
	"storelens/internal/handlers"
	"storelens/internal/leader"
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
	// A backfill stopped here (or on a leader that died) resumes from its
	// last finished week.
	w.tasks.Add(leader.Loop(w.elect, "traffic sync and backfill", func(ctx context.Context) {
		svc.Start(ctx)
		<-ctx.Done()
		svc.Wait()
	}))
	return handlers.TrafficDeps{Service: svc}, nil
}
