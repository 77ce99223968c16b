package faces

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"storelens/internal/models"
	"storelens/internal/vendors"
)

// Defaults of the background work.
const (
	defaultPendingTimeout = 15 * time.Minute
	pollEvery             = 3 * time.Second
	reconcileEvery        = 24 * time.Hour
	maxOpen               = 500
)

func (s *Service) pendingTimeout() time.Duration {
	if s.PendingTimeout > 0 {
		return s.PendingTimeout
	}
	return defaultPendingTimeout
}

// wake makes the background loop look at pending faces now.
func (s *Service) wake() {
	s.once.Do(func() { s.kick = make(chan struct{}, 1) })
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run does the background work until ctx ends: every few seconds it
// resolves pending faces and finishes open deletions; once a day it
// reconciles every shop with the vendor and sweeps photo files nobody
// uses. It resumes unfinished bulk batches first.
func (s *Service) Run(ctx context.Context) {
	s.once.Do(func() { s.kick = make(chan struct{}, 1) })
	s.base.Store(ctx)
	if err := s.ResumeBatches(ctx); err != nil {
		s.log().Warn("resuming face batches failed", "err", err)
	}
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	daily := time.NewTimer(time.Minute) // the first reconciliation soon after start
	defer daily.Stop()
	for {
		select {
		case <-ctx.Done():
			s.batches.Wait()
			return
		case <-poll.C:
		case <-s.kick:
		case <-daily.C:
			s.ReconcileAll(ctx)
			daily.Reset(reconcileEvery)
		}
		if err := s.ResolvePending(ctx); err != nil && ctx.Err() == nil {
			s.log().Warn("resolving pending faces failed", "err", err)
		}
		if err := s.FinishDeletions(ctx); err != nil && ctx.Err() == nil {
			s.log().Warn("finishing face deletions failed", "err", err)
		}
	}
}

// ResolvePending asks the vendors about every pending face (and those being
// deleted while pending): found ones get their vendor id; ones pending for
// longer than PendingTimeout are failed (the vendor evidently refused the
// photo: it never appeared).
func (s *Service) ResolvePending(ctx context.Context) error {
	open, err := s.Store.OpenFaces(ctx, maxOpen)
	if err != nil {
		return err
	}
	byShop := map[uint][]models.Face{}
	for _, f := range open {
		if f.VendorFaceID == "" || f.State == models.FacePending {
			byShop[f.ShopID] = append(byShop[f.ShopID], f)
		}
	}
	var errs []error
	for shopID, fs := range byShop {
		shop, err := s.Store.Shop(ctx, models.AllShops(), shopID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, s.resolveShop(ctx, shop, fs))
	}
	return errors.Join(errs...)
}

// resolveShop resolves one shop's open faces, one exchange per library.
func (s *Service) resolveShop(ctx context.Context, shop models.Shop, fs []models.Face) error {
	byLib := map[string][]models.Face{}
	for _, f := range fs {
		k := LibraryKey(f.Vendor, f.Source)
		byLib[k] = append(byLib[k], f)
	}
	var errs []error
	for key, list := range byLib {
		l, err := s.library(ctx, shop, key)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, s.resolveLibrary(ctx, shop, l, list))
	}
	return errors.Join(errs...)
}

// resolveLibrary resolves a library's open faces in one vendor exchange.
func (s *Service) resolveLibrary(ctx context.Context, shop models.Shop, l *library, fs []models.Face) error {
	var err error
	pf, ok := l.adapter.(vendors.PendingFaces)
	if !ok {
		return nil // the vendor answers AddFace with the face: nothing is ever pending there
	}
	groups := map[uint]models.FaceGroup{}
	var pending []vendors.PendingFace
	byRef := map[string]models.Face{}
	for _, f := range fs {
		if f.SubmittedAt == nil {
			continue // never reached the vendor (e.g. the call failed before answering)
		}
		g, ok := groups[f.GroupID]
		if !ok {
			if g, err = s.Store.FaceGroup(ctx, shop.ID, f.GroupID); err != nil {
				return err
			}
			groups[f.GroupID] = g
		}
		ref := itoa(f.ID)
		byRef[ref] = f
		pending = append(pending, vendors.PendingFace{Ref: ref, GroupID: g.VendorGroupID, FaceID: f.VendorFaceID,
			Name: f.Name, Submitted: *f.SubmittedAt})
	}
	if len(pending) == 0 {
		return nil
	}
	taken, err := s.Store.VendorFaceIDs(ctx, shop.ID, l.vendor, l.source)
	if err != nil {
		return err
	}
	res, err := pf.ResolveFaces(ctx, l.ref, pending, taken)
	if err != nil {
		return err
	}
	now := s.now()
	for _, r := range res {
		f := byRef[r.Ref]
		switch {
		case r.Found:
			if err := s.Store.SetFaceEnrolled(ctx, f.ID, r.FaceID); err != nil {
				return err
			}
		case now.Sub(*f.SubmittedAt) > s.pendingTimeout():
			if err := s.giveUp(ctx, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// giveUp ends a face the vendor never finished: failed, or, if it was
// being deleted, deleted (the vendor has nothing to delete).
func (s *Service) giveUp(ctx context.Context, f models.Face) error {
	if f.State == models.FaceDeleting {
		d, err := s.Store.FaceDeletionOf(ctx, f.ID)
		if err != nil {
			return err
		}
		if err := s.Store.FinishFaceDeletionAtVendor(ctx, d.ID, NoteVendorNeverEnrolled); err != nil {
			return err
		}
		return s.finishLocal(ctx, d)
	}
	reason := vendors.Compact(&vendors.Error{Vendor: f.Vendor, Op: "add face", Kind: vendors.KindPhotoRejected,
		Msg: fmt.Sprintf("not enrolled after %s", s.pendingTimeout().Round(time.Minute))})
	return s.Store.SetFaceFailed(ctx, f.ID, reason, false, models.Actor{Username: "system"}.Entry("face.enroll_failed", "face", itoa(f.ID), reason))
}

// FinishDeletions carries every open deletion forward: a face deleted while
// pending is deleted at the vendor once its id is known; a local side that
// stopped half way (a photo file that could not be removed) is finished.
func (s *Service) FinishDeletions(ctx context.Context) error {
	open, err := s.Store.OpenFaceDeletions(ctx, maxOpen)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range open {
		errs = append(errs, s.finishDeletion(ctx, d))
	}
	return errors.Join(errs...)
}

func (s *Service) finishDeletion(ctx context.Context, d models.FaceDeletion) error {
	if d.VendorDoneAt != nil {
		return s.finishLocal(ctx, d)
	}
	if d.ShopID == nil {
		return nil // the shop is gone: nothing left to reach
	}
	f, err := s.Store.Face(ctx, *d.ShopID, d.FaceID)
	if errors.Is(err, models.ErrNotFound) {
		return s.Store.FinishFaceDeletionAtVendor(ctx, d.ID, NoteFaceGone)
	}
	if err != nil {
		return err
	}
	if f.VendorFaceID == "" {
		return nil // still waiting for the vendor to finish it
	}
	shop, err := s.Store.Shop(ctx, models.AllShops(), *d.ShopID)
	if err != nil {
		return err
	}
	g, err := s.Store.FaceGroup(ctx, shop.ID, f.GroupID)
	if err != nil {
		return err
	}
	l, err := s.libraryOf(ctx, shop, g)
	if err == nil {
		err = l.lib.DeleteFaces(ctx, l.ref, g.VendorGroupID, []string{f.VendorFaceID})
	}
	if err != nil {
		return s.Store.FailFaceDeletion(ctx, d.ID, vendors.Compact(err))
	}
	if err := s.Store.FinishFaceDeletionAtVendor(ctx, d.ID, NoteDeletedOnceEnrolled); err != nil {
		return err
	}
	d.VendorFaceID = f.VendorFaceID
	return s.finishLocal(ctx, d)
}

// ReconcileResult counts what a reconciliation found.
type ReconcileResult struct {
	Groups     int
	Added      int // faces at the vendor that were not here
	Missing    int // faces enrolled here that the vendor no longer has
	Back       int // missing faces the vendor has again
	VendorGone int // faces of the vendor's own that it no longer lists
}

// Reconcile brings the shop's faces in step with its vendor: the groups,
// then every face of every group (found at the vendor only: added; here
// only: marked missing), then pending faces and open deletions.
func (s *Service) Reconcile(ctx context.Context, shop models.Shop) (ReconcileResult, error) {
	var res ReconcileResult
	if err := s.SyncGroups(ctx, shop); err != nil {
		return res, err
	}
	ls, err := s.libraries(ctx, shop)
	if err != nil {
		return res, err
	}
	groups, err := s.Store.FaceGroups(ctx, shop.ID)
	if err != nil {
		return res, err
	}
	for _, g := range groups {
		i := slices.IndexFunc(ls, func(l *library) bool { return l.vendor == g.Vendor && l.source == g.Source })
		if i < 0 {
			continue
		}
		l := ls[i]
		list, err := allFaces(ctx, l, g.VendorGroupID)
		if err != nil {
			return res, err
		}
		vf := make([]models.VendorFace, len(list))
		for i, f := range list {
			vf[i] = models.VendorFace{VendorFaceID: f.ID, Name: f.Name, Gender: string(f.Gender), AgeRange: int(f.Age),
				Custom: f.Custom, Visits: f.Visits, LastVisitAt: timePtr(f.LastVisit), CreatedAt: timePtr(f.Created)}
		}
		r, err := s.Store.SyncFaces(ctx, g, vf)
		if err != nil {
			return res, err
		}
		res.Groups++
		res.Added, res.Missing, res.Back, res.VendorGone = res.Added+r.Added, res.Missing+r.Missing, res.Back+r.Back, res.VendorGone+r.VendorGone
	}
	open, err := s.Store.OpenFaces(ctx, maxOpen)
	if err != nil {
		return res, err
	}
	var mine []models.Face
	for _, f := range open {
		if f.ShopID == shop.ID {
			mine = append(mine, f)
		}
	}
	if err := s.resolveShop(ctx, shop, mine); err != nil {
		return res, err
	}
	return res, s.FinishDeletions(ctx)
}

// allFaces pages through a whole group at its vendor.
func allFaces(ctx context.Context, l *library, groupID string) ([]vendors.Face, error) {
	const size = 100
	var all []vendors.Face
	for page := 1; ; page++ {
		p, err := l.lib.Faces(ctx, l.ref, groupID, page, size)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Faces...)
		if len(p.Faces) < size || len(all) >= p.Total {
			return all, nil
		}
	}
}

// ReconcileAll reconciles every shop that has face groups, then sweeps the
// photo files no face and no checked photo refers to. Failures are logged:
// one shop's vendor being down does not stop the others.
func (s *Service) ReconcileAll(ctx context.Context) {
	shops, err := s.Store.ShopsWithFaceGroups(ctx)
	if err != nil {
		s.log().Warn("daily face reconciliation: list shops", "err", err)
		return
	}
	for _, sh := range shops {
		r, err := s.Reconcile(ctx, sh)
		if err != nil {
			s.log().Warn("daily face reconciliation failed", "shop", sh.ID, "err", err)
			continue
		}
		if r.Missing > 0 || r.Added > 0 || r.VendorGone > 0 {
			s.log().Info("daily face reconciliation", "shop", sh.ID, "added", r.Added, "missing", r.Missing,
				"back", r.Back, "vendor_gone", r.VendorGone)
		}
		_ = s.Store.Audit(ctx, models.Actor{Username: "system"}.Entry("face.reconcile", "shop", itoa(sh.ID),
			fmt.Sprintf("groups %d, added %d, missing %d, back %d, vendor-only gone %d", r.Groups, r.Added, r.Missing, r.Back, r.VendorGone)))
	}
	if n, err := s.SweepPhotos(ctx, time.Hour); err != nil {
		s.log().Warn("photo sweep failed", "err", err)
	} else if n > 0 {
		s.log().Info("photo sweep", "removed", n)
	}
}

// SweepPhotos removes photo files older than minAge that no face refers to
// and no checked photo waits on (left by a crash, or checked and never
// enrolled), and returns how many.
func (s *Service) SweepPhotos(ctx context.Context, minAge time.Duration) (int, error) {
	keep := s.staged.expire(s.now())
	cutoff := time.Now().Add(-minAge)
	n := 0
	err := s.Photos.Walk(func(h string, mod time.Time) error {
		if keep[h] || mod.After(cutoff) {
			return nil
		}
		inUse, err := s.Store.PhotoInUse(ctx, h)
		if err != nil || inUse {
			return err
		}
		n++
		return s.Photos.Remove(h)
	})
	return n, err
}
