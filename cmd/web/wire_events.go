package main

import "storelens/internal/handlers"

// wireEvents builds the events area: its services, background work and, in demo
// mode, its simulators' seed data.
func (w *wiring) wireEvents() (handlers.EventsDeps, error) {
	return handlers.EventsDeps{}, nil
}
