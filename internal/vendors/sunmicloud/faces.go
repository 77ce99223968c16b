package sunmicloud

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"storelens/internal/vendors"
)

var (
	_ vendors.FaceLibrary    = (*Client)(nil)
	_ vendors.PendingFaces   = (*Client)(nil)
	_ vendors.MigrationRules = (*Client)(nil)
)

// Group types of 001 §3.3.1 (type 取值说明) and §3.3.3.
const (
	typeStranger = 1
	typeRegular  = 2
	typeStaff    = 3
	typeCustom   = 5 // "5-自定义,会员": members are custom groups here (NOTES 8)
)

// kindOfType maps a group type to the internal kind; a type the document
// does not list (4) reads as custom.
func kindOfType(t int) vendors.GroupKind {
	switch t {
	case typeStranger:
		return vendors.GroupStranger
	case typeRegular:
		return vendors.GroupRegular
	case typeStaff:
		return vendors.GroupStaff
	}
	return vendors.GroupCustom
}

// typeOfKind is the type a group of kind k is created with. Sunmi cloud has
// no visitor groups (those are SenseLink's).
func typeOfKind(k vendors.GroupKind) (int, bool) {
	switch k {
	case vendors.GroupStranger:
		return typeStranger, true
	case vendors.GroupRegular:
		return typeRegular, true
	case vendors.GroupStaff:
		return typeStaff, true
	case vendors.GroupMember, vendors.GroupCustom:
		return typeCustom, true
	}
	return 0, false
}

// GroupKinds lists the kinds of group a user may create here: the
// stranger and regular groups come with the shop.
func (c *Client) GroupKinds() []vendors.GroupKind {
	return []vendors.GroupKind{vendors.GroupStaff, vendors.GroupMember, vendors.GroupCustom}
}

// genderOf maps 001 §3.3.6's gender (0 未知, 1 男, 2 女; NOTES 1).
func genderOf(v flexInt) vendors.Gender {
	switch v {
	case 1:
		return vendors.GenderMale
	case 2:
		return vendors.GenderFemale
	}
	return vendors.GenderUnknown
}

// genderCode is what /face/add and /face/update send: "1-男性, 2 女性"
// (§3.3.8); unknown is not sent.
func genderCode(g vendors.Gender) string {
	switch g {
	case vendors.GenderMale:
		return "1"
	case vendors.GenderFemale:
		return "2"
	}
	return ""
}

// ageOf keeps the 8 ranges of §3.3.6 (they are the canonical ones, NOTES 2).
func ageOf(v flexInt) vendors.AgeRange {
	if a := vendors.AgeRange(v); a >= 1 && a <= 8 {
		return a
	}
	return vendors.AgeUnknown
}

func ageCode(a vendors.AgeRange) string {
	if a >= 1 && a <= 8 {
		return strconv.Itoa(int(a))
	}
	return ""
}

// groupJSON is a group of getList and getInfo (§3.3.1, §3.3.2).
type groupJSON struct {
	GroupID          flexString `json:"group_id"`
	Type             flexInt    `json:"type"`
	Count            flexInt    `json:"count"`
	Capacity         flexInt    `json:"capacity"`
	LastModifiedTime flexInt    `json:"last_modified_time"`
	GroupName        string     `json:"group_name"`
	Description      string     `json:"description"`
	CustomerKey1     string     `json:"customer_key1"`
	CustomerKey2     string     `json:"customer_key2"`
	CustomerKey3     string     `json:"customer_key3"`
	CustomerKey4     string     `json:"customer_key4"`
	CustomerKey5     string     `json:"customer_key5"`
}

func (g groupJSON) group() vendors.FaceGroup {
	return vendors.FaceGroup{
		ID: string(g.GroupID), Kind: kindOfType(int(g.Type)), Name: g.GroupName, Description: g.Description,
		Count: int(g.Count), Capacity: int(g.Capacity), Modified: unixTime(g.LastModifiedTime),
		CustomKeys: [5]string{g.CustomerKey1, g.CustomerKey2, g.CustomerKey3, g.CustomerKey4, g.CustomerKey5},
	}
}

// faceJSON is a face of getFaceList (§3.3.6) and getInfo (§3.3.7). The
// list's example names the custom values customer_key1..5; add and update
// send customer_value1..5: both are read (NOTES 35).
type faceJSON struct {
	FaceID          flexString `json:"face_id"`
	GroupID         flexString `json:"group_id"`
	GroupName       string     `json:"group_name"`
	Gender          flexInt    `json:"gender"`
	AgeRange        flexInt    `json:"age_range"`
	ArrivalCount    flexInt    `json:"arrival_count"`
	CreateTime      flexInt    `json:"create_time"`
	LastArrivalTime flexInt    `json:"last_arrival_time"`
	Name            string     `json:"name"`
	CustomerKey1    string     `json:"customer_key1"`
	CustomerKey2    string     `json:"customer_key2"`
	CustomerKey3    string     `json:"customer_key3"`
	CustomerKey4    string     `json:"customer_key4"`
	CustomerKey5    string     `json:"customer_key5"`
	CustomerValue1  string     `json:"customer_value1"`
	CustomerValue2  string     `json:"customer_value2"`
	CustomerValue3  string     `json:"customer_value3"`
	CustomerValue4  string     `json:"customer_value4"`
	CustomerValue5  string     `json:"customer_value5"`
}

func (f faceJSON) face() vendors.Face {
	keys := [5]string{f.CustomerKey1, f.CustomerKey2, f.CustomerKey3, f.CustomerKey4, f.CustomerKey5}
	vals := [5]string{f.CustomerValue1, f.CustomerValue2, f.CustomerValue3, f.CustomerValue4, f.CustomerValue5}
	for i := range vals {
		if vals[i] == "" {
			vals[i] = keys[i]
		}
	}
	return vendors.Face{
		ID: string(f.FaceID), GroupID: string(f.GroupID), Name: f.Name, Gender: genderOf(f.Gender), Age: ageOf(f.AgeRange),
		Visits: int(f.ArrivalCount), LastVisit: unixTime(f.LastArrivalTime), Created: unixTime(f.CreateTime), Custom: vals,
	}
}

// markDefaults flags the default groups. 001 has no such flag, but
// §3.3.1's example shows them: the first group of each of types 1, 2, 3
// (created with the shop, so with the lowest id of their type). A staff
// group created later is an ordinary one.
func markDefaults(gs []vendors.FaceGroup, types []int) {
	first := map[int]int{}
	for i, t := range types {
		if t != typeStranger && t != typeRegular && t != typeStaff {
			continue
		}
		if j, ok := first[t]; !ok || idLess(gs[i].ID, gs[j].ID) {
			first[t] = i
		}
	}
	for _, i := range first {
		gs[i].Default = true
	}
}

// idLess orders numeric ids as numbers.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// FaceGroups implements vendors.FaceLibrary with /face/group/getList (§3.3.1).
func (c *Client) FaceGroups(ctx context.Context, shop vendors.ShopRef) ([]vendors.FaceGroup, error) {
	var data struct {
		GroupList []groupJSON `json:"group_list"`
	}
	if err := c.faceCall(ctx, "/face/group/getList", shopParams(shop), true, &data); err != nil {
		return nil, err
	}
	out := make([]vendors.FaceGroup, len(data.GroupList))
	types := make([]int, len(data.GroupList))
	for i, g := range data.GroupList {
		out[i], types[i] = g.group(), int(g.Type)
	}
	markDefaults(out, types)
	return out, nil
}

// FaceGroup implements vendors.FaceLibrary. It reads the whole list rather
// than /face/group/getInfo (§3.3.2), because whether a group is a default
// one shows only next to the others.
func (c *Client) FaceGroup(ctx context.Context, shop vendors.ShopRef, groupID string) (vendors.FaceGroup, error) {
	gs, err := c.FaceGroups(ctx, shop)
	if err != nil {
		return vendors.FaceGroup{}, err
	}
	for _, g := range gs {
		if g.ID == groupID {
			return g, nil
		}
	}
	return vendors.FaceGroup{}, c.fail("/face/group/getList", vendors.KindGroupUnknown, 0, "", fmt.Errorf("no group %s", groupID))
}

// GroupInfo reads one group with /face/group/getInfo (§3.3.2). It cannot
// say whether the group is a default one (FaceGroup can).
func (c *Client) GroupInfo(ctx context.Context, shop vendors.ShopRef, groupID string) (vendors.FaceGroup, error) {
	p := shopParams(shop)
	p["group_id"] = groupID
	var g groupJSON
	if err := c.faceCall(ctx, "/face/group/getInfo", p, true, &g); err != nil {
		return vendors.FaceGroup{}, err
	}
	return g.group(), nil
}

func groupParams(shop vendors.ShopRef, in vendors.GroupInput) map[string]string {
	p := shopParams(shop)
	p["name"] = in.Name
	p["description"] = in.Description
	if in.Capacity > 0 {
		p["capacity"] = strconv.Itoa(in.Capacity)
	}
	for i, k := range in.CustomKeys {
		p["customer_key"+strconv.Itoa(i+1)] = k
	}
	return p
}

// CreateFaceGroup implements vendors.FaceLibrary with /face/group/create
// (§3.3.3). Its answer carries no id (NOTES 19): the group is found again
// by its name, which the vendor keeps unique (5523).
func (c *Client) CreateFaceGroup(ctx context.Context, shop vendors.ShopRef, in vendors.GroupInput) (vendors.FaceGroup, error) {
	const op = "/face/group/create"
	typ, ok := typeOfKind(in.Kind)
	if !ok {
		return vendors.FaceGroup{}, c.fail(op, vendors.KindGroupKindNotSup, 0, "", fmt.Errorf("no %s groups at Sunmi cloud", in.Kind))
	}
	p := groupParams(shop, in)
	p["type"] = strconv.Itoa(typ)
	if err := c.faceCall(ctx, op, p, false, nil); err != nil {
		return vendors.FaceGroup{}, err
	}
	gs, err := c.FaceGroups(ctx, shop)
	if err != nil {
		return vendors.FaceGroup{}, err
	}
	for _, g := range gs {
		if g.Name == in.Name {
			return g, nil
		}
	}
	return vendors.FaceGroup{}, c.fail(op, vendors.KindMalformed, 0, "", fmt.Errorf("created group %q is not in the group list", in.Name))
}

// UpdateFaceGroup implements vendors.FaceLibrary with /face/group/update
// (§3.3.4; group_id is sent although the example omits it, and type is
// not, NOTES 20). Empty values are never sent (NOTES 15), so a description
// or an attribute name cannot be cleared here.
func (c *Client) UpdateFaceGroup(ctx context.Context, shop vendors.ShopRef, groupID string, in vendors.GroupInput) error {
	p := groupParams(shop, in)
	p["group_id"] = groupID
	return c.faceCall(ctx, "/face/group/update", p, false, nil)
}

// DeleteFaceGroup implements vendors.FaceLibrary with /face/group/delete (§3.3.5).
func (c *Client) DeleteFaceGroup(ctx context.Context, shop vendors.ShopRef, groupID string) error {
	p := shopParams(shop)
	p["group_id"] = groupID
	return c.faceCall(ctx, "/face/group/delete", p, false, nil)
}

// maxPage is the largest page asked for (the simulator's limit, the
// camera's 100: 001 names none).
const maxPage = 100

// Faces implements vendors.FaceLibrary with /face/group/getFaceList (§3.3.6).
func (c *Client) Faces(ctx context.Context, shop vendors.ShopRef, groupID string, page, size int) (vendors.FacePage, error) {
	p := shopParams(shop)
	p["group_id"] = groupID
	p["page_num"] = strconv.Itoa(max(1, page))
	p["page_size"] = strconv.Itoa(min(max(1, size), maxPage))
	var data struct {
		FaceList []faceJSON `json:"face_list"`
		TotalNum flexInt    `json:"total_num"`
	}
	if err := c.faceCall(ctx, "/face/group/getFaceList", p, true, &data); err != nil {
		return vendors.FacePage{}, err
	}
	out := vendors.FacePage{Total: int(data.TotalNum), Faces: make([]vendors.Face, 0, len(data.FaceList))}
	for _, f := range data.FaceList {
		face := f.face()
		if face.GroupID == "" {
			face.GroupID = groupID
		}
		out.Faces = append(out.Faces, face)
	}
	return out, nil
}

// Face implements vendors.FaceLibrary with /face/getInfo (§3.3.7), which
// has no custom values.
func (c *Client) Face(ctx context.Context, shop vendors.ShopRef, faceID string) (vendors.Face, error) {
	p := shopParams(shop)
	p["face_id"] = faceID
	var f faceJSON
	if err := c.faceCall(ctx, "/face/getInfo", p, true, &f); err != nil {
		return vendors.Face{}, err
	}
	return f.face(), nil
}

func faceParams(shop vendors.ShopRef, groupID string, in vendors.FaceInput) map[string]string {
	p := shopParams(shop)
	p["group_id"] = groupID
	p["name"] = in.Name
	p["gender"] = genderCode(in.Gender)
	p["age_range"] = ageCode(in.Age)
	for i, v := range in.Custom {
		p["customer_value"+strconv.Itoa(i+1)] = v
	}
	return p
}

// AddFace implements vendors.FaceLibrary with /face/add (§3.3.8), the photo
// in the multipart part pic. The vendor processes the photo afterwards
// (the note: results are notified asynchronously), so the face is always
// pending: with the face_id when the answer carries one (the example does),
// without when it is data {} (then ResolveFaces finds it by name).
func (c *Client) AddFace(ctx context.Context, shop vendors.ShopRef, groupID string, in vendors.FaceInput, jpeg []byte) (vendors.Enrollment, error) {
	const op = "/face/add"
	if len(jpeg) == 0 || len(jpeg) > maxPhoto {
		return vendors.Enrollment{}, c.fail(op, vendors.KindPhotoRejected, 0, "", fmt.Errorf("photo of %d bytes: 1 to %d allowed", len(jpeg), maxPhoto))
	}
	var data struct {
		FaceID flexString `json:"face_id"`
	}
	if err := c.upload(ctx, op, faceParams(shop, groupID, in), "pic", "face.jpg", jpeg, &data); err != nil {
		return vendors.Enrollment{}, err
	}
	return vendors.Enrollment{FaceID: string(data.FaceID), Pending: true}, nil
}

// UpdateFace implements vendors.FaceLibrary with /face/update (§3.3.9).
// Unknown gender and age are not sent: the vendor keeps what it had.
func (c *Client) UpdateFace(ctx context.Context, shop vendors.ShopRef, groupID, faceID string, in vendors.FaceInput) error {
	p := faceParams(shop, groupID, in)
	p["face_id"] = faceID
	return c.faceCall(ctx, "/face/update", p, false, nil)
}

// idChunks splits ids into the lists one call takes (face_id_list, sent
// as JSON text, NOTES 16).
func idChunks(ids []string) []string {
	var out []string
	for chunk := range slices.Chunk(ids, maxPage) {
		b, _ := json.Marshal(chunk)
		out = append(out, string(b))
	}
	return out
}

// DeleteFaces implements vendors.FaceLibrary with /face/delete (§3.3.10),
// 100 ids per call.
func (c *Client) DeleteFaces(ctx context.Context, shop vendors.ShopRef, groupID string, faceIDs []string) error {
	for _, list := range idChunks(faceIDs) {
		p := shopParams(shop)
		p["group_id"] = groupID
		p["face_id_list"] = list
		if err := c.faceCall(ctx, "/face/delete", p, false, nil); err != nil {
			return err
		}
	}
	return nil
}

// MoveFaces implements vendors.FaceLibrary with /face/group/move (§3.3.11),
// 100 ids per call.
func (c *Client) MoveFaces(ctx context.Context, shop vendors.ShopRef, from, to string, faceIDs []string) error {
	for _, list := range idChunks(faceIDs) {
		p := shopParams(shop)
		p["source_group_id"], p["target_group_id"] = from, to
		p["face_id_list"] = list
		if err := c.faceCall(ctx, "/face/group/move", p, false, nil); err != nil {
			return err
		}
	}
	return nil
}

// SetMigrationRule implements vendors.MigrationRules with
// /face/group/updateMoveStrategy (§3.3.12): the period in seconds (NOTES 34).
func (c *Client) SetMigrationRule(ctx context.Context, shop vendors.ShopRef, r vendors.MigrationRule) error {
	p := shopParams(shop)
	p["target_group_id"] = r.TargetGroupID
	p["threshold"] = strconv.Itoa(r.Visits)
	p["period"] = strconv.FormatInt(int64(math.Max(1, r.Period.Seconds())), 10)
	return c.faceCall(ctx, "/face/group/updateMoveStrategy", p, false, nil)
}

// clockSkew is how much earlier than our submission a face's create_time
// may be and still be ours: the two clocks differ.
const clockSkew = 5 * time.Minute

// ResolveFaces implements vendors.PendingFaces. A pending face with an id is
// looked up with /face/getInfo (5506 while the vendor is still processing
// it). One without is looked for in its group's list: a face of the same
// name, created no earlier than the submission, that nobody has claimed;
// several pending faces of one name are paired with such faces in the
// order they were submitted and created.
func (c *Client) ResolveFaces(ctx context.Context, shop vendors.ShopRef, pending []vendors.PendingFace, taken map[string]bool) ([]vendors.ResolvedFace, error) {
	out := make([]vendors.ResolvedFace, 0, len(pending))
	byGroup := map[string][]vendors.PendingFace{}
	for _, p := range pending {
		if p.FaceID == "" {
			byGroup[p.GroupID] = append(byGroup[p.GroupID], p)
			continue
		}
		_, err := c.Face(ctx, shop, p.FaceID)
		switch k := vendors.KindOf(err); {
		case err == nil:
			out = append(out, vendors.ResolvedFace{Ref: p.Ref, FaceID: p.FaceID, Found: true})
		case k == vendors.KindFaceUnknown || k == vendors.KindNoData:
			out = append(out, vendors.ResolvedFace{Ref: p.Ref})
		default:
			return out, err
		}
	}
	claimed := map[string]bool{}
	for id := range taken {
		claimed[id] = true
	}
	groups := make([]string, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	for _, g := range groups {
		faces, err := c.allFaces(ctx, shop, g)
		if err != nil {
			return out, err
		}
		slices.SortStableFunc(faces, func(a, b vendors.Face) int {
			if c := a.Created.Compare(b.Created); c != 0 {
				return c
			}
			if idLess(a.ID, b.ID) {
				return -1
			}
			return 1
		})
		ps := byGroup[g]
		slices.SortStableFunc(ps, func(a, b vendors.PendingFace) int { return a.Submitted.Compare(b.Submitted) })
		for _, p := range ps {
			r := vendors.ResolvedFace{Ref: p.Ref}
			for _, f := range faces {
				if claimed[f.ID] || f.Name != p.Name || (!f.Created.IsZero() && f.Created.Before(p.Submitted.Add(-clockSkew))) {
					continue
				}
				claimed[f.ID] = true
				r.FaceID, r.Found = f.ID, true
				break
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// allFaces pages through a whole group.
func (c *Client) allFaces(ctx context.Context, shop vendors.ShopRef, groupID string) ([]vendors.Face, error) {
	var all []vendors.Face
	for page := 1; ; page++ {
		p, err := c.Faces(ctx, shop, groupID, page, maxPage)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Faces...)
		if len(p.Faces) < maxPage || len(all) >= p.Total {
			return all, nil
		}
	}
}
