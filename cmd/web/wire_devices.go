package main

import "storelens/internal/handlers"

// wireDevices builds the devices area: its services, background work and, in demo
// mode, its simulators' seed data.
func (w *wiring) wireDevices() (handlers.DevicesDeps, error) {
	return handlers.DevicesDeps{}, nil
}
