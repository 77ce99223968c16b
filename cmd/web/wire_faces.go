package main

import (
	"fmt"
	"path/filepath"
	"time"

	"storelens/internal/demo"
	"storelens/internal/faces"
	"storelens/internal/handlers"
	"storelens/internal/lifecycle"
	"storelens/internal/photos"
)

// wireFaces builds the faces area: the photo pipeline and store (files in
// <data-dir>/faces), the faces service and its background work (pending
// faces, deletions, the daily reconciliation, bulk batches), and in demo
// mode the demo's face groups and faces.
func (w *wiring) wireFaces() (handlers.FacesDeps, error) {
	pipe, err := photos.New(photos.DefaultLimits, 2)
	if err != nil {
		return handlers.FacesDeps{}, err
	}
	store, err := photos.NewStore(filepath.Join(w.cfg.DataDir, "faces", "photos"))
	if err != nil {
		return handlers.FacesDeps{}, err
	}
	svc := &faces.Service{Store: w.store, Accounts: w.accounts, Pipeline: pipe, Photos: store, Log: w.log.With("area", "faces"),
		UploadDir: filepath.Join(w.cfg.DataDir, "faces", "uploads"), ResolveWait: 3 * time.Second}
	if w.demo != nil {
		if err := demo.SeedFaces(w.ctx, w.store, svc, w.demo); err != nil {
			return handlers.FacesDeps{}, fmt.Errorf("demo faces: %w", err)
		}
		if err := demo.SeedSenseLinkFaces(w.ctx, w.store, svc, w.demo); err != nil {
			return handlers.FacesDeps{}, fmt.Errorf("demo SenseLink faces: %w", err)
		}
	}
	// Pending faces, deletions, the daily reconciliation, bulk batches.
	w.tasks.Add(lifecycle.Loop("faces", svc.Run))
	return handlers.FacesDeps{Service: svc}, nil
}
