package main

import (
	"fmt"
	"math"
	"path/filepath"
	"runtime/debug"
	"time"

	"storelens/internal/blobs"
	"storelens/internal/demo"
	"storelens/internal/faces"
	"storelens/internal/handlers"
	"storelens/internal/leader"
	"storelens/internal/photos"
)

// wireFaces builds the faces area: the photo pipeline and store (files in
// <data-dir>/faces), the faces service and its background work (pending
// faces, deletions, the daily reconciliation, bulk batches), and in demo
// mode the demo's face groups and faces.
func (w *wiring) wireFaces() (handlers.FacesDeps, error) {
	pipe, err := photos.New(photos.DefaultLimits, photos.Options{Memory: w.cfg.PhotoMemory})
	if err != nil {
		return handlers.FacesDeps{}, err
	}
	if limit, set := softMemoryLimit(w.cfg.PhotoMemory); set {
		w.log.Info("soft memory limit from --photo-memory", "limit_mb", limit>>20)
	}
	store, err := photos.NewStore(filepath.Join(w.cfg.DataDir, "faces", "photos"))
	if err != nil {
		return handlers.FacesDeps{}, err
	}
	svc := &faces.Service{Store: w.store, Accounts: w.accounts, Pipeline: pipe, Photos: store, Log: w.log.With("area", "faces"),
		UploadDir: filepath.Join(w.cfg.DataDir, "faces", "uploads"), ResolveWait: 3 * time.Second}
	if w.cfg.DatabaseURL != "" {
		// Several instances: a photo enrolled through one is every one's,
		// and a bulk upload taken by one is resumed by any.
		svc.Photos = photos.On(blobs.NewDatabase(w.store, "faces"))
		svc.Batches = blobs.NewDatabase(w.store, "batches")
	}
	if w.demo != nil {
		if err := demo.SeedFaces(w.ctx, w.store, svc, w.demo); err != nil {
			return handlers.FacesDeps{}, fmt.Errorf("demo faces: %w", err)
		}
		if err := demo.SeedSenseLinkFaces(w.ctx, w.store, svc, w.demo); err != nil {
			return handlers.FacesDeps{}, fmt.Errorf("demo SenseLink faces: %w", err)
		}
	}
	// Pending faces, deletions, the daily reconciliation, bulk batches.
	w.tasks.Add(leader.Loop(w.elect, "faces", svc.Run))
	return handlers.FacesDeps{Service: svc}, nil
}

// softMemoryLimit sets the Go runtime's soft memory limit to the photo
// budget plus 256 MB for the rest of the server, unless GOMEMLIMIT already
// set one. The budget bounds the photos' live memory; the limit stops the
// collector's default headroom (the heap may double between collections)
// from turning a burst of photos into twice that in RSS. It is soft: a
// server that needs more gets it, at the cost of more frequent collections.
func softMemoryLimit(photoMemory int64) (int64, bool) {
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return 0, false // GOMEMLIMIT rules
	}
	limit := photoMemory + 256<<20
	debug.SetMemoryLimit(limit)
	return limit, true
}
