package faces

import (
	"context"
	"fmt"

	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
)

// openSenseLink opens the face library of the shop's SenseLink company.
// SenseLink keeps people and groups per company, not per shop: every shop
// linked to the account sees the same library (ShopRef is empty).
func openSenseLink(ctx context.Context, s *Service, shop models.Shop) ([]*library, error) {
	if !shop.HasSenseLink() {
		return nil, nil
	}
	ad, err := s.Accounts.Adapter(ctx, *shop.SenseLinkAccountID)
	if err != nil {
		return nil, err
	}
	if ad.Vendor() != senselink.Name {
		return nil, fmt.Errorf("faces: account %d is %s, not SenseLink: %w", *shop.SenseLinkAccountID, ad.Vendor(), vendors.ErrUnsupported)
	}
	fl, err := vendors.AsFaceLibrary(ad)
	if err != nil {
		return nil, err
	}
	return []*library{{vendor: senselink.Name, account: shop.SenseLinkAccountID, adapter: ad, lib: fl}}, nil
}

// VendorPhotoCheck has the shop's SenseLink company check a staged photo
// (/recognition/check and /quality); ok is false when the shop has no
// library that offers a check.
func (s *Service) VendorPhotoCheck(ctx context.Context, shop models.Shop, photoHash string) (res vendors.PhotoCheck, ok bool, err error) {
	l, err := s.library(ctx, shop, senselink.Name)
	if err != nil {
		return res, false, nil // no library: nothing to check with
	}
	pc, has := l.adapter.(vendors.PhotoChecker)
	if !has {
		return res, false, nil
	}
	jpeg, err := s.Photos.Get(photoHash)
	if err != nil {
		return res, false, ErrPhotoExpired
	}
	res, err = pc.CheckPhoto(ctx, jpeg)
	return res, err == nil, err
}

// Receptionists are the people a visitor may be received by: the shop's
// enrolled faces in staff groups of the SenseLink library.
func (s *Service) Receptionists(ctx context.Context, shopID uint) ([]models.Face, error) {
	groups, err := s.Store.FaceGroups(ctx, shopID)
	if err != nil {
		return nil, err
	}
	var out []models.Face
	for _, g := range groups {
		if g.Vendor != senselink.Name || g.Kind != string(vendors.GroupStaff) {
			continue
		}
		fs, _, err := s.Store.Faces(ctx, models.FaceFilter{ShopID: shopID, GroupID: g.ID, PerPage: 500})
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if f.State == models.FaceEnrolled && f.VendorFaceID != "" {
				out = append(out, f)
			}
		}
	}
	return out, nil
}
