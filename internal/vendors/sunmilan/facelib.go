package sunmilan

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"storelens/internal/vendors"
)

// FaceLibrary is one camera's face library as a vendors.FaceLibrary, with
// the capabilities the camera offers besides. A group's id is its name;
// the shop reference is not used (the library is the camera's own). A face
// has no name at the camera: names stay in StoreLens.
type FaceLibrary struct {
	c  *Client
	sn string
}

var (
	_ vendors.Adapter        = (*FaceLibrary)(nil)
	_ vendors.FaceLibrary    = (*FaceLibrary)(nil)
	_ vendors.MigrationRules = (*FaceLibrary)(nil)
	_ vendors.FaceSearch     = (*FaceLibrary)(nil)
	_ vendors.VisitHistory   = (*FaceLibrary)(nil)
	_ vendors.VisitorRanking = (*FaceLibrary)(nil)
	_ vendors.LapsedFaces    = (*FaceLibrary)(nil)
)

// NewFaceLibrary is the face library of the camera c talks to (sn names it
// in errors and logs).
func NewFaceLibrary(c *Client, sn string) *FaceLibrary { return &FaceLibrary{c: c, sn: sn} }

// Vendor implements vendors.Adapter.
func (l *FaceLibrary) Vendor() string { return Name }

// Test implements vendors.Adapter with one signed read.
func (l *FaceLibrary) Test(ctx context.Context) error {
	_, err := l.c.Groups(ctx)
	return err
}

// Close releases the client's connections.
func (l *FaceLibrary) Close() { l.c.Close() }

// GroupKinds: the camera's groups have no type, only the two default ones
// by name, so a user creates custom groups.
func (l *FaceLibrary) GroupKinds() []vendors.GroupKind {
	return []vendors.GroupKind{vendors.GroupCustom}
}

func kindOfGroup(name string) vendors.GroupKind {
	switch name {
	case GroupStranger:
		return vendors.GroupStranger
	case GroupRegular:
		return vendors.GroupRegular
	}
	return vendors.GroupCustom
}

// keys reads a group's attribute names into the 5 custom slots, in the
// order the camera lists them. Default groups have none (242).
func (l *FaceLibrary) keys(ctx context.Context, group string) ([vendors.CustomFields]string, error) {
	var k [vendors.CustomFields]string
	if IsDefaultGroup(group) {
		return k, nil
	}
	names, err := l.c.Attributes(ctx, group)
	if err != nil {
		return k, err
	}
	copy(k[:], names)
	return k, nil
}

func (l *FaceLibrary) group(ctx context.Context, g Group) (vendors.FaceGroup, error) {
	keys, err := l.keys(ctx, g.Name)
	return vendors.FaceGroup{ID: g.Name, Kind: kindOfGroup(g.Name), Name: g.Name, Description: g.Description,
		Count: g.Count, Capacity: g.Capacity, Default: IsDefaultGroup(g.Name), CustomKeys: keys}, err
}

// FaceGroups implements vendors.FaceLibrary: getGroupList, then each
// group's attribute names.
func (l *FaceLibrary) FaceGroups(ctx context.Context, _ vendors.ShopRef) ([]vendors.FaceGroup, error) {
	gs, err := l.c.Groups(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]vendors.FaceGroup, 0, len(gs))
	for _, g := range gs {
		fg, err := l.group(ctx, g)
		if err != nil {
			return nil, err
		}
		out = append(out, fg)
	}
	return out, nil
}

// FaceGroup implements vendors.FaceLibrary (the camera has no single-group
// read: the list is searched).
func (l *FaceLibrary) FaceGroup(ctx context.Context, _ vendors.ShopRef, id string) (vendors.FaceGroup, error) {
	gs, err := l.c.Groups(ctx)
	if err != nil {
		return vendors.FaceGroup{}, err
	}
	for _, g := range gs {
		if g.Name == id {
			return l.group(ctx, g)
		}
	}
	return vendors.FaceGroup{}, l.c.errorf("/face/getGroupList", vendors.KindGroupUnknown, "no group %q", id)
}

func attrNames(keys [vendors.CustomFields]string) []string {
	var out []string
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// CreateFaceGroup implements vendors.FaceLibrary: createGroup, then
// addFaceInfoItem for the attribute names (before any face uses them, as
// 003 asks). The id is the name.
func (l *FaceLibrary) CreateFaceGroup(ctx context.Context, shop vendors.ShopRef, in vendors.GroupInput) (vendors.FaceGroup, error) {
	if in.Kind != vendors.GroupCustom && in.Kind != vendors.GroupUnknown {
		return vendors.FaceGroup{}, l.c.errorf("/face/createGroup", vendors.KindGroupKindNotSup, "no %s groups on the camera", in.Kind)
	}
	capacity := in.Capacity
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	if err := l.c.CreateGroup(ctx, in.Name, capacity, in.Description); err != nil {
		return vendors.FaceGroup{}, err
	}
	if names := attrNames(in.CustomKeys); len(names) > 0 {
		if err := l.c.AddAttributes(ctx, in.Name, names); err != nil {
			return vendors.FaceGroup{}, err
		}
	}
	return l.FaceGroup(ctx, shop, in.Name)
}

// UpdateFaceGroup implements vendors.FaceLibrary: updateGroup (the name may
// change: the group's id changes with it, which the caller reads back),
// then the attribute names removed and added.
func (l *FaceLibrary) UpdateFaceGroup(ctx context.Context, shop vendors.ShopRef, id string, in vendors.GroupInput) error {
	cur, err := l.FaceGroup(ctx, shop, id)
	if err != nil {
		return err
	}
	capacity := in.Capacity
	if capacity <= 0 {
		capacity = cur.Capacity
	}
	if err := l.c.UpdateGroup(ctx, id, in.Name, capacity, in.Description); err != nil {
		return err
	}
	if cur.Default {
		return nil
	}
	had, want := attrNames(cur.CustomKeys), attrNames(in.CustomKeys)
	var gone, added []string
	for _, n := range had {
		if !contains(want, n) {
			gone = append(gone, n)
		}
	}
	for _, n := range want {
		if !contains(had, n) {
			added = append(added, n)
		}
	}
	if len(gone) > 0 {
		if err := l.c.RemoveAttributes(ctx, in.Name, gone); err != nil {
			return err
		}
	}
	if len(added) > 0 {
		return l.c.AddAttributes(ctx, in.Name, added)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// DeleteFaceGroup implements vendors.FaceLibrary.
func (l *FaceLibrary) DeleteFaceGroup(ctx context.Context, _ vendors.ShopRef, id string) error {
	return l.c.DeleteGroup(ctx, id)
}

// genderOf maps 0/1/2 (003 Face Recognition 9).
func genderOf(v int) vendors.Gender {
	switch v {
	case 1:
		return vendors.GenderMale
	case 2:
		return vendors.GenderFemale
	}
	return vendors.GenderUnknown
}

func genderCode(g vendors.Gender) int {
	switch g {
	case vendors.GenderMale:
		return 1
	case vendors.GenderFemale:
		return 2
	}
	return 0
}

// rangeAges is the age sent for a range: addFace takes an age, not a range,
// so the middle of the range is sent and the camera files the face in that
// range (NOTES 2's 8 ranges). Unknown sends none: the camera infers it.
var rangeAges = [vendors.AgeRangeCount + 1]int{0, 3, 10, 16, 24, 32, 40, 50, 65}

func (l *FaceLibrary) face(r Record, group string, keys [vendors.CustomFields]string) vendors.Face {
	f := vendors.Face{ID: r.FaceID, GroupID: r.Group, Gender: genderOf(r.Gender), Age: r.AgeRange, Visits: r.ArriveCount, LastVisit: r.LastArrival}
	if f.GroupID == "" {
		f.GroupID = group
	}
	for i := range f.Custom {
		if keys[i] != "" {
			f.Custom[i] = r.Attrs[keys[i]]
		}
		if f.Custom[i] == "" { // getFaceByArrival's example answers item1..5
			f.Custom[i] = r.Attrs[fmt.Sprintf("item%d", i+1)]
		}
	}
	return f
}

func (l *FaceLibrary) data(ctx context.Context, group string, in vendors.FaceInput) (FaceData, error) {
	d := FaceData{Gender: genderCode(in.Gender), Attrs: map[string]string{}}
	if in.Age.Known() {
		d.Age = rangeAges[in.Age]
	}
	any := false
	for _, v := range in.Custom {
		any = any || v != ""
	}
	if !any {
		return d, nil
	}
	keys, err := l.keys(ctx, group)
	if err != nil {
		return d, err
	}
	for i, k := range keys {
		if k != "" && in.Custom[i] != "" {
			d.Attrs[k] = in.Custom[i]
		}
	}
	return d, nil
}

// Faces implements vendors.FaceLibrary with getFaceList (100 a page at most).
func (l *FaceLibrary) Faces(ctx context.Context, _ vendors.ShopRef, id string, page, size int) (vendors.FacePage, error) {
	list, err := l.c.FaceList(ctx, id, max(1, page), min(max(1, size), MaxFacePage))
	if err != nil {
		return vendors.FacePage{}, err
	}
	keys, err := l.keys(ctx, id)
	if err != nil {
		return vendors.FacePage{}, err
	}
	out := vendors.FacePage{Total: list.Total, Faces: make([]vendors.Face, len(list.Faces))}
	for i, r := range list.Faces {
		out.Faces[i] = l.face(r, id, keys)
	}
	return out, nil
}

// Face implements vendors.FaceLibrary with getFace.
func (l *FaceLibrary) Face(ctx context.Context, _ vendors.ShopRef, faceID string) (vendors.Face, error) {
	r, err := l.c.Face(ctx, faceID)
	if err != nil {
		return vendors.Face{}, err
	}
	keys, err := l.keys(ctx, r.Group)
	if err != nil {
		return vendors.Face{}, err
	}
	return l.face(r, r.Group, keys), nil
}

// AddFace implements vendors.FaceLibrary with addFace: the camera answers
// at once with the faceid it gave (003 Face Recognition 9), so the face is
// never pending.
func (l *FaceLibrary) AddFace(ctx context.Context, _ vendors.ShopRef, id string, in vendors.FaceInput, jpeg []byte) (vendors.Enrollment, error) {
	d, err := l.data(ctx, id, in)
	if err != nil {
		return vendors.Enrollment{}, err
	}
	faceID, err := l.c.AddFace(ctx, id, d, jpeg)
	if err != nil {
		return vendors.Enrollment{}, err
	}
	return vendors.Enrollment{FaceID: faceID}, nil
}

// UpdateFace implements vendors.FaceLibrary with updateFace.
func (l *FaceLibrary) UpdateFace(ctx context.Context, _ vendors.ShopRef, id, faceID string, in vendors.FaceInput) error {
	d, err := l.data(ctx, id, in)
	if err != nil {
		return err
	}
	return l.c.UpdateFace(ctx, id, faceID, "", d, nil)
}

// DeleteFaces implements vendors.FaceLibrary with deleteFace; ids the
// camera does not have are gone already. Ids it failed to delete are an
// error naming them (the caller retries).
func (l *FaceLibrary) DeleteFaces(ctx context.Context, _ vendors.ShopRef, id string, faceIDs []string) error {
	res, err := l.c.DeleteFaces(ctx, id, faceIDs)
	if err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return l.c.errorf("/face/deleteFace", vendors.KindInternal, "the camera failed to delete %s", strings.Join(res.Failed, ", "))
	}
	return nil
}

// MoveFaces implements vendors.FaceLibrary with updateFace's new_group_name,
// one face a call (the camera has no bulk move). Custom values stay with
// the attribute names of the group they were set in.
func (l *FaceLibrary) MoveFaces(ctx context.Context, _ vendors.ShopRef, from, to string, faceIDs []string) error {
	for _, f := range faceIDs {
		if err := l.c.UpdateFace(ctx, from, f, to, FaceData{}, nil); err != nil {
			return err
		}
	}
	return nil
}

// SetMigrationRule implements vendors.MigrationRules with updateMigration:
// the period in whole days, rounded up (NOTES 34); the camera always moves
// to regular.
func (l *FaceLibrary) SetMigrationRule(ctx context.Context, _ vendors.ShopRef, r vendors.MigrationRule) error {
	days := int(math.Ceil(r.Period.Hours() / 24))
	return l.c.UpdateMigration(ctx, r.Visits, days)
}

// FindFace implements vendors.FaceSearch with getFaceByPicture.
func (l *FaceLibrary) FindFace(ctx context.Context, _ vendors.ShopRef, jpeg []byte) (vendors.Face, bool, error) {
	r, found, err := l.c.FaceByPicture(ctx, jpeg)
	if err != nil || !found {
		return vendors.Face{}, false, err
	}
	keys, err := l.keys(ctx, r.Group)
	if err != nil {
		return vendors.Face{}, false, err
	}
	return l.face(r, r.Group, keys), true, nil
}

// FaceVisits implements vendors.VisitHistory with getFaceVisitDetail.
func (l *FaceLibrary) FaceVisits(ctx context.Context, _ vendors.ShopRef, faceID string, from, to time.Time) ([]time.Time, error) {
	return l.c.FaceVisits(ctx, faceID, from, to)
}

// TopVisitors implements vendors.VisitorRanking with getVisitorList: the
// first page of Limit (at most 100) faces; custom filters need a group.
func (l *FaceLibrary) TopVisitors(ctx context.Context, _ vendors.ShopRef, q vendors.VisitorQuery) ([]vendors.Face, error) {
	limit := min(max(1, q.Limit), maxVisitorPageSize)
	f := VisitorFilter{From: q.From, To: q.To, Order: limit, Group: q.GroupID, Gender: genderCode(q.Gender), Page: 1, Size: limit}
	if q.Age.Known() {
		f.AgeRange = q.Age
	}
	var keys [vendors.CustomFields]string
	if q.GroupID != "" {
		var err error
		if keys, err = l.keys(ctx, q.GroupID); err != nil {
			return nil, err
		}
	}
	for i, v := range q.Custom {
		if v == "" {
			continue
		}
		if keys[i] == "" {
			return nil, l.c.errorf("/peopleFlow/getVisitorList", vendors.KindInvalidParam, "custom value %d has no attribute in group %q", i+1, q.GroupID)
		}
		if f.Attrs == nil {
			f.Attrs = map[string]string{}
		}
		f.Attrs[keys[i]] = v
	}
	_, list, err := l.c.Visitors(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]vendors.Face, len(list))
	for i, r := range list {
		k := keys
		if r.Group != q.GroupID && r.Group != "" {
			if k, err = l.keys(ctx, r.Group); err != nil {
				k = [vendors.CustomFields]string{} // values still read as item1..5
			}
		}
		out[i] = l.face(r, r.Group, k)
	}
	return out, nil
}

// LongestAbsent implements vendors.LapsedFaces with getFaceByArrival (1-10).
func (l *FaceLibrary) LongestAbsent(ctx context.Context, _ vendors.ShopRef, id string, n int) ([]vendors.Face, error) {
	list, err := l.c.FacesByArrival(ctx, id, min(max(1, n), MaxArrival))
	if err != nil {
		return nil, err
	}
	keys, err := l.keys(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]vendors.Face, len(list))
	for i, r := range list {
		out[i] = l.face(r, id, keys)
	}
	return out, nil
}

// GroupsByName says a group's id is its name: renaming changes it.
func (l *FaceLibrary) GroupsByName() bool { return true }
