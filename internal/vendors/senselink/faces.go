package senselink

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"storelens/internal/vendors"
)

var (
	_ vendors.FaceLibrary  = (*Client)(nil)
	_ vendors.PhotoChecker = (*Client)(nil)
)

// SenseLink's people and groups are the company's, not a shop's: the
// vendors.ShopRef arguments below are not used.

func asVendor(err error, ve **vendors.Error) bool { return err != nil && errors.As(err, ve) }

// GroupKinds lists the kinds of group a user may create: staff and visitor
// groups (§6.4.1 type 1 and 2).
func (c *Client) GroupKinds() []vendors.GroupKind {
	return []vendors.GroupKind{vendors.GroupStaff, vendors.GroupVisitor}
}

func kindOfType(t int) vendors.GroupKind {
	if t == GroupVisitor {
		return vendors.GroupVisitor
	}
	return vendors.GroupStaff
}

func typeOfKind(k vendors.GroupKind) (int, error) {
	switch k {
	case vendors.GroupStaff:
		return GroupStaff, nil
	case vendors.GroupVisitor:
		return GroupVisitor, nil
	}
	return 0, &vendors.Error{Vendor: Name, Op: "/api/v1/group", Kind: vendors.KindGroupKindNotSup, Msg: string(k)}
}

func parseID(op, id string, kind vendors.Kind) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, &vendors.Error{Vendor: Name, Op: op, Kind: kind, Msg: fmt.Sprintf("id %q", id)}
	}
	return n, nil
}

func parseIDs(op string, ids []string) ([]int64, error) {
	out := make([]int64, 0, len(ids))
	for _, s := range ids {
		n, err := parseID(op, s, vendors.KindFaceUnknown)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func (g Group) face() vendors.FaceGroup {
	// 004 has no capacity, no default-group rule and no group delete: the
	// "默认组" groups are shown as any other.
	return vendors.FaceGroup{ID: strconv.FormatInt(g.ID, 10), Kind: kindOfType(g.Type), Name: g.Name, Count: g.UserNumber, Modified: g.CreatedAt}
}

// FaceGroups implements vendors.FaceLibrary.
func (c *Client) FaceGroups(ctx context.Context, _ vendors.ShopRef) ([]vendors.FaceGroup, error) {
	gs, err := c.Groups(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := make([]vendors.FaceGroup, len(gs))
	for i, g := range gs {
		out[i] = g.face()
	}
	return out, nil
}

// FaceGroup implements vendors.FaceLibrary (there is no single-group read:
// the list is searched).
func (c *Client) FaceGroup(ctx context.Context, shop vendors.ShopRef, groupID string) (vendors.FaceGroup, error) {
	g, err := c.group(ctx, groupID)
	return g.face(), err
}

func (c *Client) group(ctx context.Context, groupID string) (Group, error) {
	id, err := parseID("/api/v1/group", groupID, vendors.KindGroupUnknown)
	if err != nil {
		return Group{}, err
	}
	gs, err := c.Groups(ctx, 0)
	if err != nil {
		return Group{}, err
	}
	for _, g := range gs {
		if g.ID == id {
			return g, nil
		}
	}
	return Group{}, &vendors.Error{Vendor: Name, Op: "/api/v1/group", Kind: vendors.KindGroupUnknown, Msg: groupID}
}

// CreateFaceGroup implements vendors.FaceLibrary.
func (c *Client) CreateFaceGroup(ctx context.Context, _ vendors.ShopRef, in vendors.GroupInput) (vendors.FaceGroup, error) {
	typ, err := typeOfKind(in.Kind)
	if err != nil {
		return vendors.FaceGroup{}, err
	}
	g, err := c.CreateGroup(ctx, in.Name, typ)
	if g.Type == 0 {
		g.Type = typ
	}
	return g.face(), err
}

// UpdateFaceGroup implements vendors.FaceLibrary: only the name is kept
// by SenseLink; the type must be sent and is the group's own.
func (c *Client) UpdateFaceGroup(ctx context.Context, _ vendors.ShopRef, groupID string, in vendors.GroupInput) error {
	g, err := c.group(ctx, groupID)
	if err != nil {
		return err
	}
	return c.UpdateGroup(ctx, g.ID, in.Name, g.Type)
}

// DeletesFaceGroups tells the pages not to offer deleting a group: 004
// has no call for it.
func (c *Client) DeletesFaceGroups() bool { return false }

// DeleteFaceGroup implements vendors.FaceLibrary: 004 has no call that
// deletes a group.
func (c *Client) DeleteFaceGroup(ctx context.Context, _ vendors.ShopRef, groupID string) error {
	return fmt.Errorf("senselink: delete group %s: %w", groupID, vendors.ErrUnsupported)
}

// Faces implements vendors.FaceLibrary. /api/v1/user/list is not paged and
// names a person's groups only when it returns one person (NOTES 85), so
// each person is read once by id to learn their groups: one call per
// person of the company. Pages are cut here.
func (c *Client) Faces(ctx context.Context, _ vendors.ShopRef, groupID string, page, size int) (vendors.FacePage, error) {
	gid, err := parseID("/api/v1/user/list", groupID, vendors.KindGroupUnknown)
	if err != nil {
		return vendors.FacePage{}, err
	}
	all, err := c.People(ctx, PeopleQuery{})
	if err != nil {
		return vendors.FacePage{}, err
	}
	full, err := c.withGroups(ctx, all)
	if err != nil {
		return vendors.FacePage{}, err
	}
	var in []vendors.Face
	for _, p := range full {
		if slices.ContainsFunc(p.Groups, func(g GroupRef) bool { return g.ID == gid }) {
			in = append(in, p.face(gid))
		}
	}
	slices.SortFunc(in, func(a, b vendors.Face) int { return cmpID(a.ID, b.ID) })
	page, size = max(page, 1), max(size, 1)
	from := min((page-1)*size, len(in))
	to := min(from+size, len(in))
	return vendors.FacePage{Faces: in[from:to], Total: len(in)}, nil
}

func cmpID(a, b string) int {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return cmp.Compare(x, y) // not x - y: that overflows for ids far apart (found by FuzzSenseLinkReply)
}

// withGroups reads each person by id (4 at a time) for their groups.
func (c *Client) withGroups(ctx context.Context, ps []Person) ([]Person, error) {
	out := make([]Person, len(ps))
	errs := make([]error, len(ps))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, p := range ps {
		if len(p.Groups) > 0 || len(ps) == 1 {
			out[i] = p
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], errs[i] = c.Person(ctx, p.ID)
			if vendors.KindOf(errs[i]) == vendors.KindNotFound { // deleted meanwhile
				out[i], errs[i] = Person{}, nil
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// face is p as a face of group gid (0: its first group).
func (p Person) face(gid int64) vendors.Face {
	f := vendors.Face{ID: strconv.FormatInt(p.ID, 10), Name: p.Name, Gender: genderOf(p.Gender), Created: p.CreatedAt}
	if gid == 0 && len(p.Groups) > 0 {
		gid = p.Groups[0].ID
	}
	if gid != 0 {
		f.GroupID = strconv.FormatInt(gid, 10)
	}
	return f
}

func genderOf(g int) vendors.Gender {
	switch g {
	case genderFemale:
		return vendors.GenderFemale
	case genderMale:
		return vendors.GenderMale
	}
	return vendors.GenderUnknown
}

func genderCode(g vendors.Gender) int {
	switch g {
	case vendors.GenderFemale:
		return genderFemale
	case vendors.GenderMale:
		return genderMale
	}
	return 0
}

// Face implements vendors.FaceLibrary; unknown is KindFaceUnknown.
func (c *Client) Face(ctx context.Context, _ vendors.ShopRef, faceID string) (vendors.Face, error) {
	p, err := c.personOf(ctx, faceID)
	return p.face(0), err
}

func (c *Client) personOf(ctx context.Context, faceID string) (Person, error) {
	id, err := parseID("/api/v1/user/list", faceID, vendors.KindFaceUnknown)
	if err != nil {
		return Person{}, err
	}
	p, err := c.Person(ctx, id)
	var ve *vendors.Error
	if asVendor(err, &ve) && ve.Kind == vendors.KindNotFound {
		ve.Kind = vendors.KindFaceUnknown
	}
	return p, err
}

// AddFace implements vendors.FaceLibrary: a staff group gets a staff
// member (§6.3.1), a visitor group a visitor (§6.3.4) with in's visit
// window and receptionist. A similar person refuses it with
// *vendors.SimilarFaceError unless in.Force. SenseLink answers at once:
// never pending.
func (c *Client) AddFace(ctx context.Context, _ vendors.ShopRef, groupID string, in vendors.FaceInput, jpeg []byte) (vendors.Enrollment, error) {
	g, err := c.group(ctx, groupID)
	if err != nil {
		return vendors.Enrollment{}, err
	}
	var p Person
	if g.Type == GroupVisitor {
		gi, gerr := guestInput(g.ID, in)
		if gerr != nil {
			return vendors.Enrollment{}, gerr
		}
		p, err = c.AddGuest(ctx, gi, jpeg)
	} else {
		p, err = c.AddStaff(ctx, StaffInput{Name: in.Name, Gender: genderCode(in.Gender), Groups: []int64{g.ID}, Force: in.Force}, jpeg)
	}
	if err != nil {
		return vendors.Enrollment{}, err
	}
	return vendors.Enrollment{FaceID: strconv.FormatInt(p.ID, 10)}, nil
}

func guestInput(gid int64, in vendors.FaceInput) (GuestInput, error) {
	var rec int64
	if in.Receptionist != "" {
		n, err := parseID("/api/v1/guest", in.Receptionist, vendors.KindInvalidParam)
		if err != nil {
			return GuestInput{}, err
		}
		rec = n
	}
	return GuestInput{Name: in.Name, Groups: []int64{gid}, ReceptionUserID: rec, From: in.VisitFrom, To: in.VisitTo, Force: in.Force}, nil
}

// UpdateFace implements vendors.FaceLibrary for staff: the name and
// gender, keeping the person's other fields and groups. A visitor cannot
// be edited without sending the photo again (§6.3.5 avatarFile is
// required): that is ErrUnsupported here.
func (c *Client) UpdateFace(ctx context.Context, _ vendors.ShopRef, groupID, faceID string, in vendors.FaceInput) error {
	p, err := c.personOf(ctx, faceID)
	if err != nil {
		return err
	}
	if p.Type == TypeVisitor {
		return fmt.Errorf("senselink: edit visitor %s without a photo: %w", faceID, vendors.ErrUnsupported)
	}
	groups := make([]int64, 0, len(p.Groups))
	for _, g := range p.Groups {
		groups = append(groups, g.ID)
	}
	_, err = c.UpdateStaff(ctx, p.ID, StaffInput{Name: in.Name, Gender: genderCode(in.Gender), Mobile: p.Mobile, Remark: p.Remark,
		JobNumber: p.JobNumber, ICNumber: p.ICNumber, Groups: groups, Force: true}, nil)
	return err
}

// DeleteFaces implements vendors.FaceLibrary. A person is one face in
// several groups here: one who is also in another group is only taken
// out of this one (§6.4.5); one in no other group is deleted (§6.3.3 or
// §6.3.6 by their type). Unknown ids are skipped.
func (c *Client) DeleteFaces(ctx context.Context, _ vendors.ShopRef, groupID string, faceIDs []string) error {
	gid, err := parseID("/api/v1/user/delete", groupID, vendors.KindGroupUnknown)
	if err != nil {
		return err
	}
	ids, err := parseIDs("/api/v1/user/delete", faceIDs)
	if err != nil {
		return err
	}
	var unlink []int64
	for _, id := range ids {
		p, err := c.Person(ctx, id)
		if vendors.KindOf(err) == vendors.KindNotFound {
			continue
		}
		if err != nil {
			return err
		}
		if slices.ContainsFunc(p.Groups, func(g GroupRef) bool { return g.ID != gid }) {
			unlink = append(unlink, id)
			continue
		}
		if p.Type == TypeVisitor {
			err = c.DeleteGuest(ctx, id)
		} else {
			err = c.DeleteStaff(ctx, id)
		}
		if err != nil && vendors.KindOf(err) != vendors.KindNotFound {
			return err
		}
	}
	if len(unlink) > 0 {
		return c.RemoveFromGroup(ctx, gid, unlink)
	}
	return nil
}

// MoveFaces implements vendors.FaceLibrary: add to the target, then remove
// from the source, MaxBatch per call. Staff and visitor groups do not mix
// (the vendor refuses with 30001).
func (c *Client) MoveFaces(ctx context.Context, _ vendors.ShopRef, fromGroupID, toGroupID string, faceIDs []string) error {
	from, err := parseID("/api/v1/user/add/group", fromGroupID, vendors.KindGroupUnknown)
	if err != nil {
		return err
	}
	to, err := parseID("/api/v1/user/add/group", toGroupID, vendors.KindGroupUnknown)
	if err != nil {
		return err
	}
	ids, err := parseIDs("/api/v1/user/add/group", faceIDs)
	if err != nil {
		return err
	}
	if err := c.AddToGroup(ctx, to, ids); err != nil {
		return err
	}
	return c.RemoveFromGroup(ctx, from, ids)
}
