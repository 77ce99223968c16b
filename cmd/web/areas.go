package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"

	"storelens/internal/accounts"
	"storelens/internal/alerts"
	"storelens/internal/auth"
	"storelens/internal/cameras"
	"storelens/internal/connectors"
	"storelens/internal/demo"
	"storelens/internal/handlers"
	"storelens/internal/leader"
	"storelens/internal/lifecycle"
	"storelens/internal/models"
	"storelens/internal/netguard"
	"storelens/internal/vendors"
)

// wiring is what every area's wire function may use. An area's background
// work is added to tasks, never started by the wire function: the group
// starts every task once all areas are wired, in the order added, and
// stops them in reverse after the HTTP server has finished its requests.
type wiring struct {
	ctx        context.Context
	cfg        config
	log        *slog.Logger
	store      *models.Store
	accounts   *accounts.Service
	cameras    *cameras.Service
	registry   *vendors.Registry
	vendorHTTP *http.Client
	hasher     *auth.Hasher
	demo       *demo.Env // nil unless in demo mode
	tasks      *lifecycle.Group
	demoSims   *demo.EventSims // the demo's simulated cameras, once wireEvents made them
	guard      *netguard.Guard
	connectors *connectors.Hub // chain mode: the shops' on-site connectors
	// alerts receives the events area's published events (wireAlerts);
	// deviceKey is what its picture links' key is derived from.
	alerts    *alerts.Service
	deviceKey []byte
	// listen is the address the server listens on, set before the tasks
	// start (serve); the demo's connector dials it.
	listen *listenAddr
	// draining is set when the server starts stopping (/readyz: 503).
	draining *atomic.Bool
	// elect runs the work that must run once across instances.
	elect leader.Elector
}

// areaDeps are the handlers' dependencies of each area.
type areaDeps struct {
	faces   handlers.FacesDeps
	events  handlers.EventsDeps
	traffic handlers.TrafficDeps
	video   handlers.VideoDeps
	devices handlers.DevicesDeps
	alerts  handlers.AlertsDeps
}

// areas wires every area (each in its own wire_<area>.go). The order is
// the order their background work starts in: camera status, faces,
// traffic sync and backfill, the event pipeline and its sources, video,
// and last the demo's event generators (producers after consumers).
func (w *wiring) areas() (areaDeps, error) {
	var d areaDeps
	var err error
	if d.devices, err = w.wireDevices(); err != nil {
		return d, err
	}
	if d.faces, err = w.wireFaces(); err != nil {
		return d, err
	}
	if d.traffic, err = w.wireTraffic(); err != nil {
		return d, err
	}
	if d.alerts, err = w.wireAlerts(); err != nil {
		return d, err
	}
	if d.events, err = w.wireEvents(); err != nil {
		return d, err
	}
	if d.video, err = w.wireVideo(); err != nil {
		return d, err
	}
	if w.demoSims != nil {
		w.tasks.Add(lifecycle.Loop("demo event generators", w.demoSims.Generate))
	}
	return d, nil
}
