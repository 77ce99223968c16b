package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"storelens/internal/demo"
	"storelens/internal/faces"
	"storelens/internal/handlers"
	"storelens/internal/photos"
)

// wireFaces builds the faces area: the photo pipeline and store (files in
// <data-dir>/faces), the faces service and its background work (pending
// faces, deletions, the daily reconciliation, bulk batches), and in demo
// mode the demo's face groups and faces.
func (w *wiring) wireFaces() (handlers.FacesDeps, error) {
	pipe, err := photos.New(photos.DefaultLimits, photos.Options{Workers: 2})
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
	ctx, cancel := context.WithCancel(w.ctx)
	var wg sync.WaitGroup
	wg.Go(func() { svc.Run(ctx) })
	w.closers = append(w.closers, func() error {
		cancel()
		wg.Wait()
		return nil
	})
	return handlers.FacesDeps{Service: svc}, nil
}
