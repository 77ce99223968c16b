package faces

import (
	"context"
	"fmt"
	"strings"

	"storelens/internal/models"
	"storelens/internal/vendors"
)

// UpdateFace changes a face's name and attributes at the vendor, then here.
func (s *Service) UpdateFace(ctx context.Context, actor models.Actor, shop models.Shop, f models.Face, in vendors.FaceInput) (models.Face, error) {
	if f.VendorFaceID == "" || f.State == models.FaceDeleting {
		return f, ErrPendingFace
	}
	g, err := s.Store.FaceGroup(ctx, shop.ID, f.GroupID)
	if err != nil {
		return f, err
	}
	l, err := s.libraryOf(ctx, shop, g)
	if err != nil {
		return f, err
	}
	if err := l.lib.UpdateFace(ctx, l.ref, g.VendorGroupID, f.VendorFaceID, in); err != nil {
		return f, err
	}
	before := f.Name
	f.Name, f.Gender, f.AgeRange = in.Name, string(in.Gender), int(in.Age)
	if f.Gender == "" {
		f.Gender = string(vendors.GenderUnknown)
	}
	f.SetCustom(in.Custom)
	detail := fmt.Sprintf("%q -> %q, %s, age %d", before, f.Name, f.Gender, f.AgeRange)
	return f, s.Store.UpdateFace(ctx, &f, actor.Entry("face.update", "face", itoa(f.ID), detail))
}

// MoveFaces moves faces of the shop to another group, at the vendor (one
// call per source group) and here. Faces the vendor has not finished
// cannot move yet: nothing moves then.
func (s *Service) MoveFaces(ctx context.Context, actor models.Actor, shop models.Shop, ids []uint, target models.FaceGroup) (int, error) {
	faces, err := s.Store.FacesByID(ctx, shop.ID, ids)
	if err != nil {
		return 0, err
	}
	bySource := map[uint][]models.Face{}
	for _, f := range faces {
		if f.GroupID == target.ID {
			continue
		}
		if f.VendorFaceID == "" || f.State == models.FaceDeleting {
			return 0, ErrPendingFace
		}
		bySource[f.GroupID] = append(bySource[f.GroupID], f)
	}
	if len(bySource) == 0 {
		return 0, ErrSameGroup
	}
	l, err := s.libraryOf(ctx, shop, target)
	if err != nil {
		return 0, err
	}
	moved := 0
	for src, fs := range bySource {
		g, err := s.Store.FaceGroup(ctx, shop.ID, src)
		if err != nil {
			return moved, err
		}
		if g.Vendor != target.Vendor || g.Source != target.Source {
			return moved, ErrOtherLibrary
		}
		vids := make([]string, len(fs))
		lids := make([]uint, len(fs))
		names := make([]string, len(fs))
		for i, f := range fs {
			vids[i], lids[i], names[i] = f.VendorFaceID, f.ID, f.Name
		}
		if err := l.lib.MoveFaces(ctx, l.ref, g.VendorGroupID, target.VendorGroupID, vids); err != nil {
			return moved, err
		}
		detail := fmt.Sprintf("%q -> %q: %s", g.Name, target.Name, strings.Join(names, ", "))
		if err := s.Store.MoveFaces(ctx, shop.ID, lids, target.ID, actor.Entry("face.move", "face", joinIDs(lids), detail)); err != nil {
			return moved, err
		}
		moved += len(fs)
	}
	return moved, nil
}

func joinIDs(ids []uint) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = itoa(id)
	}
	return strings.Join(parts, ",")
}

// DeleteResult says what a deletion did.
type DeleteResult struct {
	Deleted int // gone at the vendor and here
	Waiting int // pending at the vendor: deleted once it has them
}

// DeleteFaces deletes faces of the shop: at the vendor first (one call per
// group), and only then here, with their photo files. A vendor refusal
// leaves those faces as they were and is returned. Faces the vendor is
// still processing are marked deleting and finished by the reconciler
// once their vendor id is known; faces that never reached the vendor go
// at once. Every deletion is kept on record.
func (s *Service) DeleteFaces(ctx context.Context, actor models.Actor, shop models.Shop, ids []uint) (DeleteResult, error) {
	var res DeleteResult
	faces, err := s.Store.FacesByID(ctx, shop.ID, ids)
	if err != nil {
		return res, err
	}
	byGroup := map[uint][]models.Face{}
	for _, f := range faces {
		byGroup[f.GroupID] = append(byGroup[f.GroupID], f)
	}
	for gid, fs := range byGroup {
		g, err := s.Store.FaceGroup(ctx, shop.ID, gid)
		if err != nil {
			return res, err
		}
		var atVendor []models.Face
		for _, f := range fs {
			switch {
			case f.State == models.FaceDeleting:
				// already on its way
			case f.VendorFaceID != "":
				atVendor = append(atVendor, f)
			case f.State == models.FacePending:
				d := s.deletionOf(shop, g, f, actor.Username)
				if err := s.Store.StartFaceDeletion(ctx, &d, true, actor.Entry("face.delete", "face", itoa(f.ID), "waiting for the vendor: "+f.Name)); err != nil {
					return res, err
				}
				res.Waiting++
			default: // failed: the vendor never had it
				if err := s.deleteLocalOnly(ctx, actor, shop, g, f, NoteNeverEnrolled); err != nil {
					return res, err
				}
				res.Deleted++
			}
		}
		if len(atVendor) == 0 {
			continue
		}
		l, err := s.libraryOf(ctx, shop, g)
		if err != nil {
			return res, err
		}
		vids := make([]string, len(atVendor))
		for i, f := range atVendor {
			vids[i] = f.VendorFaceID
		}
		if err := l.lib.DeleteFaces(ctx, l.ref, g.VendorGroupID, vids); err != nil {
			return res, err
		}
		for _, f := range atVendor {
			if err := s.deleteLocalOnly(ctx, actor, shop, g, f, NoteDeletedAtVendor); err != nil {
				return res, err
			}
			res.Deleted++
		}
	}
	return res, nil
}

// A deletion's note is one of these codes; the deletions page words it in
// the reader's language (faces.deletion_note.<code>). Rows from before the
// codes hold English text, shown as it is.
const (
	NoteDeletedAtVendor     = "deleted_at_vendor"     // deleted at the vendor, then here
	NoteNeverEnrolled       = "never_enrolled"        // enrollment had failed: nothing at the vendor
	NoteVendorNeverEnrolled = "vendor_never_enrolled" // pending, and the vendor never enrolled it
	NoteFaceGone            = "face_gone"             // the vendor no longer had it
	NoteDeletedOnceEnrolled = "deleted_once_enrolled" // pending; deleted at the vendor once it had an id
)

// deleteLocalOnly records a deletion whose vendor side is done and finishes
// it here.
func (s *Service) deleteLocalOnly(ctx context.Context, actor models.Actor, shop models.Shop, g models.FaceGroup, f models.Face, note string) error {
	d := s.deletionOf(shop, g, f, actor.Username)
	now := s.now()
	d.VendorDoneAt, d.Note = &now, note
	if err := s.Store.StartFaceDeletion(ctx, &d, false, actor.Entry("face.delete", "face", itoa(f.ID), f.Name+": "+note)); err != nil {
		return err
	}
	return s.finishLocal(ctx, d)
}

func (s *Service) deletionOf(shop models.Shop, g models.FaceGroup, f models.Face, by string) models.FaceDeletion {
	id := shop.ID
	return models.FaceDeletion{ShopID: &id, FaceID: f.ID, Vendor: f.Vendor, Source: f.Source, VendorGroupID: g.VendorGroupID,
		VendorFaceID: f.VendorFaceID, PhotoHash: f.PhotoHash, ThumbHash: f.ThumbHash, RequestedBy: by, RequestedAt: s.now()}
}

// finishLocal removes the face's row, then its photo files unless another
// face uses them, then records the local side done. Run again after a
// failure, it picks up where it stopped.
func (s *Service) finishLocal(ctx context.Context, d models.FaceDeletion) error {
	if err := s.Store.RemoveDeletedFace(ctx, d); err != nil {
		return err
	}
	for _, h := range []string{d.PhotoHash, d.ThumbHash} {
		if h == "" {
			continue
		}
		inUse, err := s.Store.PhotoInUse(ctx, h)
		if err != nil {
			return err
		}
		if !inUse {
			if err := s.Photos.Remove(h); err != nil {
				return err
			}
		}
	}
	return s.Store.MarkDeletionLocalDone(ctx, d.ID)
}

// RefreshFace reads a face's visits and attributes fresh from its vendor.
// On failure the stored face is returned with the error.
func (s *Service) RefreshFace(ctx context.Context, shop models.Shop, f models.Face) (models.Face, error) {
	if f.VendorFaceID == "" {
		return f, nil
	}
	g, err := s.Store.FaceGroup(ctx, shop.ID, f.GroupID)
	if err != nil {
		return f, err
	}
	l, err := s.libraryOf(ctx, shop, g)
	if err != nil {
		return f, err
	}
	vf, err := l.lib.Face(ctx, l.ref, f.VendorFaceID)
	if vendors.KindOf(err) == vendors.KindFaceUnknown && f.State == models.FaceEnrolled {
		return f, s.Store.SetFaceState(ctx, f.ID, models.FaceMissing)
	}
	if err != nil {
		return f, err
	}
	f.Visits = vf.Visits
	f.LastVisitAt = timePtr(vf.LastVisit)
	if err := s.Store.SetFaceVisits(ctx, f.ID, f.Visits, f.LastVisitAt); err != nil {
		return f, err
	}
	return f, nil
}
