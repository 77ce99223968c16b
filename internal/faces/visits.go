package faces

import (
	"context"
	"fmt"
	"time"

	"storelens/internal/models"
	"storelens/internal/vendors"
)

// Visits lists when a face was seen between from and to, where the vendor
// can say (vendors.VisitHistory: the camera on the LAN, 003
// getFaceVisitDetail). Sunmi cloud counts visits and keeps the last one
// only: there it is vendors.ErrUnsupported, and pages show the count.
func (s *Service) Visits(ctx context.Context, shop models.Shop, f models.Face, from, to time.Time) ([]time.Time, error) {
	if f.VendorFaceID == "" {
		return nil, ErrPendingFace
	}
	g, err := s.Store.FaceGroup(ctx, shop.ID, f.GroupID)
	if err != nil {
		return nil, err
	}
	l, err := s.libraryOf(ctx, shop, g)
	if err != nil {
		return nil, err
	}
	vh, ok := l.adapter.(vendors.VisitHistory)
	if !ok {
		return nil, fmt.Errorf("%s: visit history: %w", l.vendor, vendors.ErrUnsupported)
	}
	return vh.FaceVisits(ctx, l.ref, f.VendorFaceID, from, to)
}
