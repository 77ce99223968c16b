package main

import "storelens/internal/handlers"

// wireVideo builds the video area: its services, background work and, in demo
// mode, its simulators' seed data.
func (w *wiring) wireVideo() (handlers.VideoDeps, error) {
	return handlers.VideoDeps{}, nil
}
