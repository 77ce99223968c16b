package main

import (
	"context"
	"time"

	"storelens/internal/demo"
	"storelens/internal/devices"
	"storelens/internal/handlers"
	"storelens/internal/leader"
)

// statusEvery is how often the cameras' online status is checked (the
// health page's history). The first check runs at start.
const statusEvery = 5 * time.Minute

// wireDevices builds the devices area: the LAN camera and SenseLink
// services, the periodic camera status check, and, in demo mode, the
// devices' demo accounts pointed at this run's simulators.
func (w *wiring) wireDevices() (handlers.DevicesDeps, error) {
	lan := &devices.LAN{Store: w.store, Accounts: w.accounts, Log: w.log.With("area", "devices"),
		Remote: w.connectors.RemoteDiscover}
	sl := &devices.SenseLink{Store: w.store, Accounts: w.accounts}
	if w.demo != nil {
		if err := demo.SeedDevices(w.ctx, w.store, w.accounts, lan, w.demo); err != nil {
			return handlers.DevicesDeps{}, err
		}
		// The chain shop's connector, dialling this server once it listens.
		if task, ok := demo.ChainEdge(w.demo, func() string {
			if a := w.listen.Load(); a != "" {
				return "http://" + a
			}
			return ""
		}, w.log.With("area", "demo-edge")); ok {
			w.tasks.Add(task)
		}
	}
	status := &devices.Status{Store: w.store, Accounts: w.accounts, LAN: lan, Log: lan.Log}
	w.tasks.Add(leader.Loop(w.elect, "camera status", func(ctx context.Context) { status.Run(ctx, statusEvery) }))
	return handlers.DevicesDeps{LAN: lan, SenseLink: sl}, nil
}
