package faces

import (
	"context"
	"errors"
	"fmt"
	"time"

	"storelens/internal/models"
	"storelens/internal/vendors"
)

// fromVendorGroup is a vendor group as a local row.
func fromVendorGroup(g vendors.FaceGroup) models.FaceGroup {
	m := models.FaceGroup{VendorGroupID: g.ID, Kind: string(g.Kind), Name: g.Name, Description: g.Description,
		Capacity: g.Capacity, FaceCount: g.Count, IsDefault: g.Default}
	m.SetCustomKeys(g.CustomKeys)
	if !g.Modified.IsZero() {
		t := g.Modified
		m.VendorModifiedAt = &t
	}
	return m
}

// SyncGroups pulls the shop's groups from each of its libraries. Groups a
// library no longer has go, with their faces (deleted through the deletion
// flow, so their photos go too and the deletion is on record). A library
// that fails does not stop the others.
func (s *Service) SyncGroups(ctx context.Context, shop models.Shop) error {
	ls, err := s.libraries(ctx, shop)
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range ls {
		errs = append(errs, s.syncGroups(ctx, shop, l))
	}
	return errors.Join(errs...)
}

func (s *Service) syncGroups(ctx context.Context, shop models.Shop, l *library) error {
	list, err := l.lib.FaceGroups(ctx, l.ref)
	if err != nil {
		return err
	}
	fresh := make([]models.FaceGroup, len(list))
	for i, g := range list {
		fresh[i] = fromVendorGroup(g)
	}
	gone, err := s.Store.SyncFaceGroups(ctx, shop.ID, l.vendor, l.source, l.account, fresh)
	if err != nil {
		return err
	}
	for _, g := range gone {
		if err := s.dropGroup(ctx, shop, g, "the vendor no longer has the group"); err != nil {
			return err
		}
	}
	return nil
}

// dropGroup removes a group the vendor no longer has, finishing each of its
// faces' deletion locally (the vendor's side is already done).
func (s *Service) dropGroup(ctx context.Context, shop models.Shop, g models.FaceGroup, note string) error {
	faces, _, err := s.Store.Faces(ctx, models.FaceFilter{ShopID: shop.ID, GroupID: g.ID, PerPage: 1 << 20})
	if err != nil {
		return err
	}
	for _, f := range faces {
		d := s.deletionOf(shop, g, f, "system")
		now := s.now()
		d.VendorDoneAt, d.Note = &now, note
		if err := s.Store.StartFaceDeletion(ctx, &d, false, models.Actor{Username: "system"}.Entry("face.delete", "face", itoa(f.ID), note)); err != nil {
			return err
		}
		if err := s.finishLocal(ctx, d); err != nil {
			return err
		}
	}
	return s.Store.DeleteFaceGroup(ctx, shop.ID, g.ID)
}

// GroupInput is what a user sets on a group: what the vendor keeps, and
// the purpose StoreLens keeps beside it.
type GroupInput struct {
	Kind        vendors.GroupKind
	Name        string
	Description string
	Capacity    int
	CustomKeys  [vendors.CustomFields]string
	// Purpose is what the people in the group consent to (member, staff,
	// security, visitor); empty: the kind's (a custom group's enrollments
	// then ask for one each time).
	Purpose string
}

func (in GroupInput) vendor() vendors.GroupInput {
	return vendors.GroupInput{Kind: in.Kind, Name: in.Name, Description: in.Description, Capacity: in.Capacity, CustomKeys: in.CustomKeys}
}

// CreateGroup creates a group in the shop's library named lib (its first
// when ""), at the vendor, then here.
func (s *Service) CreateGroup(ctx context.Context, actor models.Actor, shop models.Shop, lib string, in GroupInput) (models.FaceGroup, error) {
	l, err := s.library(ctx, shop, lib)
	if err != nil {
		return models.FaceGroup{}, err
	}
	vg, err := l.lib.CreateFaceGroup(ctx, l.ref, in.vendor())
	if err != nil {
		return models.FaceGroup{}, err
	}
	g := fromVendorGroup(vg)
	g.ShopID, g.Vendor, g.Source, g.AccountID = shop.ID, l.vendor, l.source, l.account
	g.Kind = string(in.Kind) // a member group reads back as custom at some vendors
	g.Purpose = in.Purpose
	now := s.now()
	g.SyncedAt = &now
	if err := s.Store.SaveFaceGroup(ctx, &g); err != nil {
		return g, err
	}
	return g, s.Store.Audit(ctx, actor.Entry("face_group.create", "face_group", itoa(g.ID), fmt.Sprintf("shop %d: %s (%s)", shop.ID, g.Name, g.Kind)))
}

// UpdateGroup changes a group at the vendor, then here. Default groups are
// refused before asking the vendor (it would refuse too: 5525).
func (s *Service) UpdateGroup(ctx context.Context, actor models.Actor, shop models.Shop, g models.FaceGroup, in GroupInput) error {
	if g.IsDefault {
		return ErrDefaultGroup
	}
	l, err := s.libraryOf(ctx, shop, g)
	if err != nil {
		return err
	}
	if err := l.lib.UpdateFaceGroup(ctx, l.ref, g.VendorGroupID, in.vendor()); err != nil {
		return err
	}
	before := g.Name
	g.Purpose = in.Purpose
	if n, ok := l.adapter.(groupsByName); ok && n.GroupsByName() {
		g.VendorGroupID = in.Name // the id was the old name
	}
	// Read the group back: the vendor may keep what an empty field did not
	// clear (empty values are never sent), and the page should say what the
	// vendor has.
	if vg, err := l.lib.FaceGroup(ctx, l.ref, g.VendorGroupID); err == nil {
		fresh := fromVendorGroup(vg)
		g.Name, g.Description, g.Capacity, g.FaceCount = fresh.Name, fresh.Description, fresh.Capacity, fresh.FaceCount
		g.SetCustomKeys(fresh.CustomKeys())
	} else {
		g.Name, g.Description = in.Name, in.Description
		if in.Capacity > 0 {
			g.Capacity = in.Capacity
		}
		g.SetCustomKeys(in.CustomKeys)
	}
	if err := s.Store.SaveFaceGroup(ctx, &g); err != nil {
		return err
	}
	return s.Store.Audit(ctx, actor.Entry("face_group.update", "face_group", itoa(g.ID), fmt.Sprintf("%q -> %q", before, g.Name)))
}

// DeleteGroup deletes an empty group at the vendor, then here. A default
// group or one with faces is refused first, with the reason.
func (s *Service) DeleteGroup(ctx context.Context, actor models.Actor, shop models.Shop, g models.FaceGroup) error {
	if g.IsDefault {
		return ErrDefaultGroup
	}
	_, n, err := s.Store.Faces(ctx, models.FaceFilter{ShopID: shop.ID, GroupID: g.ID, PerPage: 1})
	if err != nil {
		return err
	}
	if n > 0 {
		return ErrGroupNotEmpty
	}
	l, err := s.libraryOf(ctx, shop, g)
	if err != nil {
		return err
	}
	if err := l.lib.DeleteFaceGroup(ctx, l.ref, g.VendorGroupID); err != nil {
		return err
	}
	if err := s.Store.DeleteFaceGroup(ctx, shop.ID, g.ID); err != nil {
		return err
	}
	return s.Store.Audit(ctx, actor.Entry("face_group.delete", "face_group", itoa(g.ID), fmt.Sprintf("shop %d: %s", shop.ID, g.Name)))
}

// SetRule sets when a stranger becomes a regular: seen visits times within
// days days, moving to target. It is kept on the stranger group, since no
// vendor can say it back.
func (s *Service) SetRule(ctx context.Context, actor models.Actor, shop models.Shop, stranger, target models.FaceGroup, visits, days int) error {
	l, err := s.libraryOf(ctx, shop, stranger)
	if err != nil {
		return err
	}
	mr, ok := l.adapter.(vendors.MigrationRules)
	if !ok {
		return fmt.Errorf("%s: migration rule: %w", l.vendor, vendors.ErrUnsupported)
	}
	rule := vendors.MigrationRule{TargetGroupID: target.VendorGroupID, Visits: visits, Period: time.Duration(days) * 24 * time.Hour}
	if err := mr.SetMigrationRule(ctx, l.ref, rule); err != nil {
		return err
	}
	stranger.RuleVisits, stranger.RuleDays, stranger.RuleTargetID = visits, days, &target.ID
	if err := s.Store.SaveFaceGroup(ctx, &stranger); err != nil {
		return err
	}
	return s.Store.Audit(ctx, actor.Entry("face_group.rule", "face_group", itoa(stranger.ID),
		fmt.Sprintf("%d visits in %d days -> %s", visits, days, target.Name)))
}
