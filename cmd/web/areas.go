package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"storelens/internal/accounts"
	"storelens/internal/auth"
	"storelens/internal/cameras"
	"storelens/internal/demo"
	"storelens/internal/handlers"
	"storelens/internal/models"
	"storelens/internal/netguard"
	"storelens/internal/vendors"
)

// wiring is what every area's wire function may use. An area that starts
// background work adds a stop function to closers; they run at shutdown,
// after the HTTP server has finished its requests.
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
	guard      *netguard.Guard
	closers    []func() error
}

// areaDeps are the handlers' dependencies of each area.
type areaDeps struct {
	faces   handlers.FacesDeps
	events  handlers.EventsDeps
	traffic handlers.TrafficDeps
	video   handlers.VideoDeps
	devices handlers.DevicesDeps
}

// areas wires every area (each in its own wire_<area>.go).
func (w *wiring) areas() (areaDeps, error) {
	var d areaDeps
	var err error
	if d.devices, err = w.wireDevices(); err != nil {
		return d, err
	}
	if d.faces, err = w.wireFaces(); err != nil {
		return d, err
	}
	if d.events, err = w.wireEvents(); err != nil {
		return d, err
	}
	if d.traffic, err = w.wireTraffic(); err != nil {
		return d, err
	}
	if d.video, err = w.wireVideo(); err != nil {
		return d, err
	}
	return d, nil
}

// close stops the areas' background work, last started first.
func (w *wiring) close() error {
	var errs []error
	for i := len(w.closers) - 1; i >= 0; i-- {
		errs = append(errs, w.closers[i]())
	}
	return errors.Join(errs...)
}
