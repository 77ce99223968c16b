package main

import "storelens/internal/handlers"

// wireTraffic builds the traffic area: its services, background work and, in demo
// mode, its simulators' seed data.
func (w *wiring) wireTraffic() (handlers.TrafficDeps, error) {
	return handlers.TrafficDeps{}, nil
}
