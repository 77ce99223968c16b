package faces

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
)

// A shop may have several face libraries: its Sunmi cloud shop's, and one
// per Sunmi camera on its LAN (source: the camera's SN), and its SenseLink
// company's. Each opener opens
// one kind; a vendor joins by adding its opener to this list.
var openers = []func(ctx context.Context, s *Service, shop models.Shop) ([]*library, error){
	openSunmiCloud,
	openLANCameras,
	openSenseLink,
}

// Key names a library in URLs and forms: the vendor, and ":source" when
// the library is a device's.
func (l *library) Key() string { return LibraryKey(l.vendor, l.source) }

// LibraryKey is the key of the library of a group or face of vendor and
// source.
func LibraryKey(vendor, source string) string {
	if source == "" {
		return vendor
	}
	return vendor + ":" + source
}

// libraries opens every face library of the shop, in openers' order. A
// shop with none is ErrNotLinked.
func (s *Service) libraries(ctx context.Context, shop models.Shop) ([]*library, error) {
	var out []*library
	for _, open := range openers {
		ls, err := open(ctx, s, shop)
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
	}
	if len(out) == 0 {
		return nil, ErrNotLinked
	}
	return out, nil
}

// library opens the shop's library named key, or its first when key is "".
func (s *Service) library(ctx context.Context, shop models.Shop, key string) (*library, error) {
	ls, err := s.libraries(ctx, shop)
	if err != nil {
		return nil, err
	}
	if key == "" {
		return ls[0], nil
	}
	i := slices.IndexFunc(ls, func(l *library) bool { return l.Key() == key })
	if i < 0 {
		return nil, fmt.Errorf("faces: shop %d has no face library %q: %w", shop.ID, key, ErrNotLinked)
	}
	return ls[i], nil
}

// libraryOf opens the library a group belongs to.
func (s *Service) libraryOf(ctx context.Context, shop models.Shop, g models.FaceGroup) (*library, error) {
	return s.library(ctx, shop, LibraryKey(g.Vendor, g.Source))
}

// openSunmiCloud opens the shop's Sunmi cloud library, if it is linked.
func openSunmiCloud(ctx context.Context, s *Service, shop models.Shop) ([]*library, error) {
	if !shop.HasSunmi() {
		return nil, nil
	}
	ad, err := s.Accounts.Adapter(ctx, *shop.SunmiAccountID)
	if err != nil {
		return nil, err
	}
	fl, err := vendors.AsFaceLibrary(ad)
	if errors.Is(err, vendors.ErrUnsupported) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []*library{{vendor: sunmiVendor, account: shop.SunmiAccountID, adapter: ad, lib: fl, label: "Sunmi cloud",
		ref: vendors.ShopRef{ShopNo: shop.SunmiShopNo, ShopID: shop.SunmiShopID, CompanyNo: shop.SunmiCompanyNo}}}, nil
}

// openLANCameras opens the library of each of the shop's activated Sunmi
// cameras on the LAN, pinned to the certificate on record (a changed one
// stops the calls: trusting it is for an admin on the camera's page). No
// camera is called here.
func openLANCameras(ctx context.Context, s *Service, shop models.Shop) ([]*library, error) {
	cams, err := s.Store.LANFaceCameras(ctx, shop.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*library, 0, len(cams))
	for _, cam := range cams {
		ad, err := s.Accounts.Adapter(ctx, *cam.LANAccountID)
		if err != nil {
			return nil, err
		}
		acc, ok := ad.(*sunmilan.Account)
		if !ok {
			return nil, fmt.Errorf("faces: camera %s: account %d is not a LAN account", cam.SN, *cam.LANAccountID)
		}
		c, err := acc.ForShop(cam.ShopID).Camera(cam.Address, cam.CertFingerprint, nil)
		if err != nil {
			return nil, err
		}
		fl := sunmilan.NewFaceLibrary(c, cam.SN)
		label := cam.Name
		if label == "" {
			label = cam.SN
		}
		out = append(out, &library{vendor: sunmilan.Name, source: cam.SN, account: cam.LANAccountID, adapter: fl, lib: fl, label: label})
	}
	return out, nil
}

// LibraryInfo is one of a shop's face libraries, for the pages' choice.
type LibraryInfo struct {
	Key, Vendor, Source, Label string
}

// Libraries lists the shop's face libraries (nil when it has none).
func (s *Service) Libraries(ctx context.Context, shop models.Shop) ([]LibraryInfo, error) {
	ls, err := s.libraries(ctx, shop)
	if errors.Is(err, ErrNotLinked) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]LibraryInfo, len(ls))
	for i, l := range ls {
		out[i] = LibraryInfo{Key: l.Key(), Vendor: l.vendor, Source: l.source, Label: l.label}
	}
	return out, nil
}

// groupsByName is implemented by libraries whose group id is the group's
// name (the camera on the LAN): a rename changes the id.
type groupsByName interface{ GroupsByName() bool }
