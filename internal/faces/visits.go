package faces

import (
	"context"
	"errors"
	"fmt"
	"time"

	"storelens/internal/models"
	"storelens/internal/vendors"
)

// The features below exist where the shop's vendor offers them (the camera
// on the LAN, 003; SenseLink, 004): elsewhere they are
// vendors.ErrUnsupported and the pages do not offer them. Sunmi cloud
// counts visits and keeps the last one: its face lists sort by those.

// Visits lists when a face was seen between from and to
// (vendors.VisitHistory, 003 getFaceVisitDetail).
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

// Match is a face the vendor knows, with its local record when there is one.
type Match struct {
	Vendor vendors.Face
	Local  *models.Face
}

func (s *Service) matches(ctx context.Context, shop models.Shop, l *library, list []vendors.Face) ([]Match, error) {
	out := make([]Match, 0, len(list))
	for _, vf := range list {
		m := Match{Vendor: vf}
		f, err := s.Store.FaceByVendorID(ctx, shop.ID, l.vendor, l.source, vf.ID)
		switch {
		case err == nil:
			m.Local = &f
		case !errors.Is(err, models.ErrNotFound):
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// FindFace asks the vendor who the person in a checked photo is ("who is
// this?", vendors.FaceSearch, 003 getFaceByPicture). found is false when
// nobody enrolled matches. lib names the library asked ("" its first).
func (s *Service) FindFace(ctx context.Context, shop models.Shop, lib string, st Staged) (Match, bool, error) {
	if st.FaceErr != nil {
		return Match{}, false, st.FaceErr
	}
	l, err := s.library(ctx, shop, lib)
	if err != nil {
		return Match{}, false, err
	}
	fs, ok := l.adapter.(vendors.FaceSearch)
	if !ok {
		return Match{}, false, fmt.Errorf("%s: face search: %w", l.vendor, vendors.ErrUnsupported)
	}
	jpeg, err := s.Photos.Get(st.PhotoHash)
	if err != nil {
		return Match{}, false, ErrPhotoExpired
	}
	vf, found, err := fs.FindFace(ctx, l.ref, jpeg)
	if err != nil || !found {
		return Match{}, false, err
	}
	ms, err := s.matches(ctx, shop, l, []vendors.Face{vf})
	if err != nil {
		return Match{}, false, err
	}
	return ms[0], true, nil
}

// VisitorQuery selects the top visitors of a range in the library named
// Library ("" the shop's first); GroupID is local.
type VisitorQuery struct {
	Library  string
	From, To time.Time
	GroupID  uint
	Gender   vendors.Gender
	Age      vendors.AgeRange
	Limit    int
}

// TopVisitors lists the faces seen most often in a range, as the vendor
// counts them (vendors.VisitorRanking, 003 getVisitorList).
func (s *Service) TopVisitors(ctx context.Context, shop models.Shop, q VisitorQuery) ([]Match, error) {
	l, err := s.library(ctx, shop, q.Library)
	if err != nil {
		return nil, err
	}
	vr, ok := l.adapter.(vendors.VisitorRanking)
	if !ok {
		return nil, fmt.Errorf("%s: visitor ranking: %w", l.vendor, vendors.ErrUnsupported)
	}
	vq := vendors.VisitorQuery{From: q.From, To: q.To, Gender: q.Gender, Age: q.Age, Limit: q.Limit}
	if q.GroupID != 0 {
		g, err := s.Store.FaceGroup(ctx, shop.ID, q.GroupID)
		if err != nil {
			return nil, err
		}
		vq.GroupID = g.VendorGroupID
	}
	list, err := vr.TopVisitors(ctx, l.ref, vq)
	if err != nil {
		return nil, err
	}
	return s.matches(ctx, shop, l, list)
}

// LongestAbsent lists the faces of a group not seen for the longest time,
// from the vendor (vendors.LapsedFaces, 003 getFaceByArrival: at most 10).
func (s *Service) LongestAbsent(ctx context.Context, shop models.Shop, g models.FaceGroup, n int) ([]Match, error) {
	l, err := s.libraryOf(ctx, shop, g)
	if err != nil {
		return nil, err
	}
	lf, ok := l.adapter.(vendors.LapsedFaces)
	if !ok {
		return nil, fmt.Errorf("%s: longest absent: %w", l.vendor, vendors.ErrUnsupported)
	}
	list, err := lf.LongestAbsent(ctx, l.ref, g.VendorGroupID, n)
	if err != nil {
		return nil, err
	}
	return s.matches(ctx, shop, l, list)
}
