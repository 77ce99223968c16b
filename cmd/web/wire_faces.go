package main

import "storelens/internal/handlers"

// wireFaces builds the faces area: its services, background work and, in demo
// mode, its simulators' seed data.
func (w *wiring) wireFaces() (handlers.FacesDeps, error) {
	return handlers.FacesDeps{}, nil
}
