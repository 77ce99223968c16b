package sim

import (
	"slices"
	"strings"
	"time"
)

// faceSnapshot is the persisted face library: groups, processed faces (a
// face still processing is saved as processed: its photo is not kept),
// strategies and the id counters. Its own field names keep the file format
// independent of the Go structs.
type faceSnapshot struct {
	Groups      []snapshotGroup    `json:"groups"`
	Faces       []snapshotFace     `json:"faces"`
	Strategies  []snapshotStrategy `json:"strategies,omitempty"`
	Initialised []string           `json:"initialised_shops"`
	NextGroupID int64              `json:"next_group_id"`
	NextFaceID  int64              `json:"next_face_id"`
}

type snapshotGroup struct {
	ID          string    `json:"group_id"`
	ShopNo      string    `json:"sunmi_shop_no"`
	Type        int       `json:"type"`
	Name        string    `json:"group_name"`
	Description string    `json:"description"`
	Capacity    int       `json:"capacity"`
	Keys        [5]string `json:"customer_keys"`
	Default     bool      `json:"default"`
	Modified    time.Time `json:"last_modified"`
}

type snapshotFace struct {
	ID           string      `json:"face_id"`
	GroupID      string      `json:"group_id"`
	ShopNo       string      `json:"sunmi_shop_no"`
	Name         string      `json:"name"`
	Gender       int         `json:"gender"`
	AgeRange     int         `json:"age_range"`
	Values       [5]string   `json:"customer_values"`
	Created      time.Time   `json:"create_time"`
	ArrivalCount int         `json:"arrival_count"`
	LastArrival  time.Time   `json:"last_arrival_time"`
	Arrivals     []time.Time `json:"arrivals,omitempty"`
}

type snapshotStrategy struct {
	ShopNo    string        `json:"sunmi_shop_no"`
	Target    string        `json:"target_group_id"`
	Threshold int           `json:"threshold"`
	Period    time.Duration `json:"period"`
}

// faceSnapshotLocked captures the face library, sorted so equal states give
// equal bytes. Called with s.mu held; nil when the library was never used.
func (s *Server) faceSnapshotLocked() *faceSnapshot {
	if len(s.faces.groups) == 0 && len(s.faces.faces) == 0 {
		return nil
	}
	fs := &s.faces
	snap := &faceSnapshot{NextGroupID: fs.nextGroupID, NextFaceID: fs.nextFaceID}
	for _, g := range fs.groups {
		snap.Groups = append(snap.Groups, snapshotGroup{ID: g.ID, ShopNo: g.ShopNo, Type: g.Type, Name: g.Name,
			Description: g.Description, Capacity: g.Capacity, Keys: g.Keys, Default: g.Default, Modified: g.Modified})
	}
	for _, f := range fs.faces {
		snap.Faces = append(snap.Faces, snapshotFace{ID: f.ID, GroupID: f.GroupID, ShopNo: f.ShopNo, Name: f.Name,
			Gender: f.Gender, AgeRange: f.AgeRange, Values: f.Values, Created: f.Created,
			ArrivalCount: f.ArrivalCount, LastArrival: f.LastArrival, Arrivals: f.Arrivals})
	}
	for shop, m := range fs.strategies {
		snap.Strategies = append(snap.Strategies, snapshotStrategy{ShopNo: shop, Target: m.TargetGroupID,
			Threshold: m.Threshold, Period: m.Period})
	}
	for shop := range fs.initialised {
		snap.Initialised = append(snap.Initialised, shop)
	}
	slices.SortFunc(snap.Groups, func(a, b snapshotGroup) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(snap.Faces, func(a, b snapshotFace) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(snap.Strategies, func(a, b snapshotStrategy) int { return strings.Compare(a.ShopNo, b.ShopNo) })
	slices.Sort(snap.Initialised)
	return snap
}

// restoreFacesLocked replaces the face library with snap's (nil: empty),
// keeping the options. Called with s.mu held.
func (s *Server) restoreFacesLocked(snap *faceSnapshot) {
	s.faces = faceState{opts: s.faces.opts}
	if snap == nil {
		return
	}
	s.faces.init()
	fs := &s.faces
	for _, g := range snap.Groups {
		fs.groups[g.ID] = &FaceGroup{ID: g.ID, ShopNo: g.ShopNo, Type: g.Type, Name: g.Name, Description: g.Description,
			Capacity: g.Capacity, Keys: g.Keys, Default: g.Default, Modified: g.Modified}
	}
	for _, f := range snap.Faces {
		fs.faces[f.ID] = &Face{ID: f.ID, GroupID: f.GroupID, ShopNo: f.ShopNo, Name: f.Name, Gender: f.Gender,
			AgeRange: f.AgeRange, Values: f.Values, Created: f.Created, ArrivalCount: f.ArrivalCount,
			LastArrival: f.LastArrival, Arrivals: f.Arrivals}
	}
	for _, m := range snap.Strategies {
		fs.strategies[m.ShopNo] = MoveStrategy{TargetGroupID: m.Target, Threshold: m.Threshold, Period: m.Period}
	}
	for _, shop := range snap.Initialised {
		fs.initialised[shop] = true
	}
	fs.nextGroupID = max(snap.NextGroupID, firstGroupID)
	fs.nextFaceID = max(snap.NextFaceID, firstFaceID)
}
