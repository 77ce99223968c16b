package main

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"storelens/internal/demo"
	"storelens/internal/devices"
	"storelens/internal/handlers"
	"storelens/internal/lifecycle"
	"storelens/internal/live"
	"storelens/internal/video"
	videoview "storelens/web/templates/video"
)

// wireVideo builds the video area: the live stream manager (closed at
// shutdown, which stops every vendor stream) and the video service.
func (w *wiring) wireVideo() (handlers.VideoDeps, error) {
	mgr := live.NewManager(live.Options{HTTP: streamClient(w.vendorHTTP), Log: w.log, Linger: 5 * time.Second, Guard: w.guard,
		LANDial: w.connectors.LANDial})
	// Close ends every session, which stops the streams at the vendor.
	w.tasks.Add(lifecycle.Task{Name: "video sessions", Start: func(context.Context) error { mgr.Start(); return nil }, Stop: mgr.Close})
	lan := &devices.LAN{Store: w.store, Accounts: w.accounts, Log: w.log.With("area", "video")}
	d := handlers.VideoDeps{Service: &video.Service{Accounts: w.accounts, Streams: mgr, HTTP: w.vendorHTTP, LAN: lan, Store: w.store,
		MediaHosts: w.cfg.MediaHosts}, Live: mgr}
	if w.demo != nil {
		demo.SeedVideo(w.demo)
		sim := w.demo.Sunmi
		d.SimLog = func() []videoview.SimEvent { return demo.VideoLog(sim) }
		if w.demo.Devices != nil { // the LAN camera's RTSP starts and stops too
			lanCam, facesCam := w.demo.Devices.LAN, w.demo.Devices.LANFaces
			d.SimLog = func() []videoview.SimEvent {
				return slices.Concat(demo.LANVideoLog(lanCam), demo.LANVideoLog(facesCam), demo.VideoLog(sim))
			}
		}
	}
	return d, nil
}

// streamClient reads vendor media: the vendor client's transport (its
// trusted roots and dial timeouts) without an overall timeout, which would
// cut a stream after a minute. CDNs may redirect a media URL once or twice.
func streamClient(vendor *http.Client) *http.Client {
	return &http.Client{Transport: vendor.Transport, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 || (req.URL.Scheme != "https" && req.URL.Scheme != "http") {
			return errors.New("live: too many or odd redirects")
		}
		return nil
	}}
}
