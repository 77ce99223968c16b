package faces

import (
	"context"
	"errors"
	"fmt"
	"time"

	"storelens/internal/models"
	"storelens/internal/vendors"
)

// EnrollInput is a person to enroll from a checked photo.
type EnrollInput struct {
	GroupID uint
	Face    vendors.FaceInput
	Consent Consent
}

// Enroll enrolls the person shown in a checked photo: it refuses without
// consent, with a photo that does not show exactly one face, or with a
// photo already enrolled in the shop; then saves the face as pending,
// sends it to the vendor, and waits a moment for the vendor to finish.
// A vendor refusal is not an error here: the face is saved as failed with
// the reason, and can be retried.
func (s *Service) Enroll(ctx context.Context, actor models.Actor, shop models.Shop, in EnrollInput, st Staged) (models.Face, error) {
	return s.enroll(ctx, actor, shop, in, st, true)
}

// enroll is Enroll; wait says whether to wait a moment for the vendor (a
// person waiting does; a batch does not, the reconciler catches up).
func (s *Service) enroll(ctx context.Context, actor models.Actor, shop models.Shop, in EnrollInput, st Staged, wait bool) (models.Face, error) {
	if !in.Consent.ok() {
		return models.Face{}, ErrConsentRequired
	}
	if st.FaceErr != nil {
		return models.Face{}, st.FaceErr
	}
	g, err := s.Store.FaceGroup(ctx, shop.ID, in.GroupID)
	if err != nil {
		return models.Face{}, err
	}
	if dup, err := s.Store.FaceBySourceHash(ctx, shop.ID, st.SourceHash); err == nil {
		return models.Face{}, &DuplicateError{Face: dup}
	} else if !errors.Is(err, models.ErrNotFound) {
		return models.Face{}, err
	}
	jpeg, err := s.Photos.Get(st.PhotoHash)
	if err != nil {
		return models.Face{}, ErrPhotoExpired
	}
	f := newFace(shop, g, in, st, actor)
	if err := s.Store.CreateFace(ctx, &f, actor.Entry("face.enroll", "face", "", enrollDetail(g, in))); err != nil {
		if errors.Is(err, models.ErrConflict) { // enrolled by someone else meanwhile
			if dup, derr := s.Store.FaceBySourceHash(ctx, shop.ID, st.SourceHash); derr == nil {
				return models.Face{}, &DuplicateError{Face: dup}
			}
		}
		return models.Face{}, err
	}
	if err := s.submit(ctx, actor, shop, g, f, jpeg, in.Face.Force); err != nil {
		return f, err
	}
	if wait {
		s.resolveSoon(ctx, shop, f.ID)
	}
	return s.Store.Face(ctx, shop.ID, f.ID)
}

func newFace(shop models.Shop, g models.FaceGroup, in EnrollInput, st Staged, actor models.Actor) models.Face {
	at := in.Consent.At.UTC()
	f := models.Face{ShopID: shop.ID, GroupID: g.ID, Vendor: g.Vendor, Source: g.Source, State: models.FacePending,
		Origin: models.OriginHere, Name: in.Face.Name, Gender: string(in.Face.Gender), AgeRange: int(in.Face.Age),
		PhotoHash: st.PhotoHash, ThumbHash: st.ThumbHash, SourceHash: st.SourceHash,
		ConsentBy: in.Consent.By, ConsentAt: &at, ConsentPurpose: in.Consent.Purpose, CreatedBy: actor.Username}
	if f.Gender == "" {
		f.Gender = string(vendors.GenderUnknown)
	}
	if len(st.Faces) > 0 {
		f.BoxX, f.BoxY, f.BoxSize = st.Faces[0].X, st.Faces[0].Y, st.Faces[0].Size
	}
	f.SetCustom(in.Face.Custom)
	f.VisitFrom, f.VisitTo, f.Receptionist = timePtr(in.Face.VisitFrom), timePtr(in.Face.VisitTo), in.Face.Receptionist
	return f
}

func enrollDetail(g models.FaceGroup, in EnrollInput) string {
	return fmt.Sprintf("group %q; consent by %s for %q", g.Name, in.Consent.By, in.Consent.Purpose)
}

// submit sends a pending face's photo to its vendor and records the
// answer: the vendor's id when it gives one, or the reason it refused.
// Only a failure of our own database is returned as an error.
// force sends the vendor's "add although similar" flag (SenseLink 30002).
func (s *Service) submit(ctx context.Context, actor models.Actor, shop models.Shop, g models.FaceGroup, f models.Face, jpeg []byte, force bool) error {
	l, err := s.libraryOf(ctx, shop, g)
	var en vendors.Enrollment
	if err == nil {
		in := faceInput(f)
		in.Force = force
		en, err = l.lib.AddFace(ctx, l.ref, g.VendorGroupID, in, jpeg)
	}
	if err != nil {
		if ctx.Err() != nil && vendors.KindOf(err) == "" {
			err = &vendors.Error{Vendor: g.Vendor, Op: "add face", Kind: vendors.KindUnavailable, Err: err}
		}
		s.log().WarnContext(ctx, "face enrollment refused", "face", f.ID, "err", err)
		return s.Store.SetFaceFailed(context.WithoutCancel(ctx), f.ID, vendors.Compact(err), true,
			actor.Entry("face.enroll_failed", "face", itoa(f.ID), vendors.Compact(err)))
	}
	if err := s.Store.SetFaceSubmitted(ctx, f.ID, en.FaceID); err != nil {
		return err
	}
	if !en.Pending && en.FaceID != "" {
		return s.Store.SetFaceEnrolled(ctx, f.ID, en.FaceID)
	}
	s.wake()
	return nil
}

// resolveSoon polls the vendor for a just-submitted face for up to
// ResolveWait, so a person usually sees "enrolled" at once; what is still
// pending after that is left to the background reconciler.
func (s *Service) resolveSoon(ctx context.Context, shop models.Shop, id uint) {
	wait := s.ResolveWait
	if wait <= 0 {
		return
	}
	deadline := time.Now().Add(wait)
	step := 250 * time.Millisecond
	for time.Now().Before(deadline) {
		t := time.NewTimer(step)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		f, err := s.Store.Face(ctx, shop.ID, id)
		if err != nil || f.State != models.FacePending {
			return
		}
		if err := s.resolveShop(ctx, shop, []models.Face{f}); err != nil {
			return
		}
		step = min(2*step, time.Second)
	}
}

// Retry sends a failed face's photo again.
func (s *Service) Retry(ctx context.Context, actor models.Actor, shop models.Shop, f models.Face) (models.Face, error) {
	return s.retry(ctx, actor, shop, f, false)
}

// RetryForced sends a face refused because a similar person exists
// (vendors.SimilarFaceError) again with the vendor's force flag: the
// person confirmed that it is someone else.
func (s *Service) RetryForced(ctx context.Context, actor models.Actor, shop models.Shop, f models.Face) (models.Face, error) {
	if f.State == models.FaceFailed {
		if err := s.Store.Audit(ctx, actor.Entry("face.force", "face", itoa(f.ID), f.Error)); err != nil {
			return f, err
		}
	}
	return s.retry(ctx, actor, shop, f, true)
}

func (s *Service) retry(ctx context.Context, actor models.Actor, shop models.Shop, f models.Face, force bool) (models.Face, error) {
	if f.State != models.FaceFailed {
		return f, nil
	}
	if f.Origin != models.OriginHere || f.PhotoHash == "" {
		return f, ErrNoPhotoHere
	}
	jpeg, err := s.Photos.Get(f.PhotoHash)
	if err != nil {
		return f, ErrNoPhotoHere
	}
	g, err := s.Store.FaceGroup(ctx, shop.ID, f.GroupID)
	if err != nil {
		return f, err
	}
	if err := s.Store.Audit(ctx, actor.Entry("face.retry", "face", itoa(f.ID), "")); err != nil {
		return f, err
	}
	// A send whose answer was lost may have reached the vendor: look for
	// the face there before sending it a second time.
	if ve := vendors.ParseCompact(f.Error); ve != nil && ve.Kind == vendors.KindUnavailable && f.SubmittedAt != nil {
		if id, ok := s.findLost(ctx, shop, g, f); ok {
			if err := s.Store.AdoptFace(ctx, f.ID, id); err != nil {
				return f, err
			}
			return s.Store.Face(ctx, shop.ID, f.ID)
		}
	}
	if err := s.submit(ctx, actor, shop, g, f, jpeg, force); err != nil {
		return f, err
	}
	s.resolveSoon(ctx, shop, f.ID)
	return s.Store.Face(ctx, shop.ID, f.ID)
}

// findLost looks for a face whose add may have reached the vendor although
// its answer did not reach us.
func (s *Service) findLost(ctx context.Context, shop models.Shop, g models.FaceGroup, f models.Face) (string, bool) {
	l, err := s.libraryOf(ctx, shop, g)
	if err != nil {
		return "", false
	}
	pf, ok := l.adapter.(vendors.PendingFaces)
	if !ok {
		return "", false
	}
	taken, err := s.Store.VendorFaceIDs(ctx, shop.ID, l.vendor, l.source)
	if err != nil {
		return "", false
	}
	res, err := pf.ResolveFaces(ctx, l.ref, []vendors.PendingFace{{Ref: "lost", GroupID: g.VendorGroupID, FaceID: f.VendorFaceID,
		Name: f.Name, Submitted: *f.SubmittedAt}}, taken)
	if err != nil || len(res) != 1 || !res[0].Found {
		return "", false
	}
	return res[0].FaceID, true
}
