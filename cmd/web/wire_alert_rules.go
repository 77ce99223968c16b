package main

import (
	"context"
	"time"

	"storelens/internal/alerts"
	"storelens/internal/connectors"
	"storelens/internal/leader"
	"storelens/internal/traffic"
)

// alertRules builds the alert rules' checker (issue 17, rules) and adds it
// to the background work on the leader of "alert rules": only the leader
// checks; the outbox's dedupe keys make a new leader's checks send nothing
// twice. Its traffic service only reads the local tables (the reports and
// the ranking); the sync runs in the traffic area.
func alertRules(w *wiring, svc *alerts.Service) *alerts.Checker {
	c := &alerts.Checker{Alerts: svc, Traffic: &traffic.Service{Store: w.store, Log: w.log.With("area", "alert rules")}}
	// The on-site connectors' state: the tunnel is in the memory of the
	// instance holding it; on several instances another one's tunnel is
	// alive by its last_seen (connectors.AliveAnywhere), so an outage is
	// seen up to SeenFresh late there, never invented.
	if w.connectors != nil {
		hub := w.connectors
		c.Connectors = func(ctx context.Context, shop uint) (uint, bool, bool, time.Time, error) {
			st, err := hub.Status(ctx, shop)
			if err != nil || !st.Paired {
				return 0, false, false, time.Time{}, err
			}
			return st.Connector.ID, true, connectors.AliveAnywhere(st, time.Now()), st.LastSeen, nil
		}
	}
	w.tasks.Add(leader.Loop(w.elect, "alert rules", c.Run))
	return c
}
