package main

import (
	"context"
	"time"

	"storelens/internal/alerts"
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
	// The on-site connectors' state is the hub's, in this instance's
	// memory: on several instances a tunnel held by another one would look
	// offline here, so the connector check runs on a single instance only.
	if _, alone := w.elect.(leader.Alone); alone && w.connectors != nil {
		hub := w.connectors
		c.Connectors = func(ctx context.Context, shop uint) (uint, bool, bool, time.Time, error) {
			st, err := hub.Status(ctx, shop)
			if err != nil || !st.Paired {
				return 0, false, false, time.Time{}, err
			}
			return st.Connector.ID, true, st.Online, st.LastSeen, nil
		}
	}
	w.tasks.Add(leader.Loop(w.elect, "alert rules", c.Run))
	return c
}
