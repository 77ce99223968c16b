package sunmilan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"storelens/internal/vendors"
)

// Face Recognition 1-15 of 003: the camera's own face library. Groups are
// known by name; a group's custom attributes are names registered with
// addFaceInfoItem, sent and answered under those names (NOTES 35, 52).

// The default groups (003 Face Recognition 1 note 2).
const (
	GroupStranger = "stranger"
	GroupRegular  = "regular"
)

// Limits of 003 Face Recognition 1-15 (NOTES 51-55).
const (
	MaxGroups          = 10
	MaxTotalCapacity   = 30000
	MaxGroupName       = 96
	MaxGroupDesc       = 150
	MaxAttrName        = 50
	MaxAttrs           = 5
	MaxPhotoBytes      = 1_000_000 // "must not exceed 1M": the stricter reading is sent
	MaxFacePage        = 100
	MaxArrival         = 10
	MinArriveTimes     = 1
	MaxArriveTimes     = 10
	MinPeriodDays      = 1
	MaxPeriodDays      = 100
	DefaultCapacity    = 1000 // a new group's capacity when the user gives none
	maxDeletePerCall   = 100
	maxVisitorPageSize = 100
)

// Face-library result codes. 003 lists them per call and defines none
// (NOTES 37); these meanings are the decision the simulator follows too
// (sim/doc.go), chosen from which calls list which code.
const (
	CodeGroupName      = 200 // group name empty, starting with a space or too long
	CodeDefaultGroup   = 201 // stranger/regular cannot be created, renamed or deleted
	CodeGroupLimit     = 202 // 10 groups, or capacities over 30,000 (or under the group's count)
	CodeGroupUnknown   = 204 // no group of that name
	CodeGroupNotEmpty  = 205 // only an empty group can be deleted
	CodeGroupFull      = 206 // the group's capacity is reached
	CodeFaceUnknown    = 207 // no such face in the group
	CodePhoto          = 208 // not jpg/png, over 1 MB, or over 1920x1080
	CodeNoFace         = 210 // face detection refused the photo (no face, or several)
	CodeFaceUnavail    = 211 // this camera has no face recognition (FM010)
	CodeGroupExists    = 212 // a group of that name exists
	CodeAttrName       = 240 // attribute name empty, too long, reserved or present
	CodeAttrLimit      = 241 // more than 5 attributes
	CodeAttrDefault    = 242 // default groups have no attributes
	CodeAttrUnknown    = 243 // no such attribute
	CodeVisitFace      = 275 // getFaceVisitDetail: no such face
	CodeNoMatch        = 283 // getFaceByPicture: nobody enrolled matches
	codeNoSDCard       = 220
	codeVisitorFilter  = 273 // a custom-attribute filter the group does not have
	codeVisitorNoGroup = 282 // custom-attribute filter without a group
)

func init() {
	group := map[int]vendors.Kind{CodeGroupName: vendors.KindInvalidParam, CodeDefaultGroup: vendors.KindDefaultGroup,
		CodeGroupLimit: vendors.KindGroupFull, CodeGroupUnknown: vendors.KindGroupUnknown, CodeGroupNotEmpty: vendors.KindGroupNotEmpty,
		CodeGroupExists: vendors.KindGroupExists, CodeFaceUnavail: vendors.KindFaceUnavailable, codeNoSDCard: vendors.KindUnavailable}
	face := map[int]vendors.Kind{CodeGroupUnknown: vendors.KindGroupUnknown, CodeGroupFull: vendors.KindGroupFull,
		CodeFaceUnknown: vendors.KindFaceNotInGroup, CodePhoto: vendors.KindPhotoRejected, CodeNoFace: vendors.KindPhotoRejected,
		CodeFaceUnavail: vendors.KindFaceUnavailable, codeNoSDCard: vendors.KindUnavailable}
	attr := map[int]vendors.Kind{CodeGroupUnknown: vendors.KindGroupUnknown, CodeAttrName: vendors.KindInvalidParam,
		CodeAttrLimit: vendors.KindInvalidParam, CodeAttrDefault: vendors.KindDefaultGroup, CodeAttrUnknown: vendors.KindNotFound,
		CodeFaceUnavail: vendors.KindFaceUnavailable, codeNoSDCard: vendors.KindUnavailable}
	for _, p := range []string{"/face/createGroup", "/face/updateGroup", "/face/deleteGroup", "/face/getGroupList", "/face/updateMigration"} {
		opKinds[p] = group
	}
	for _, p := range []string{"/face/addFaceInfoItem", "/face/removeFaceInfoItem", "/face/getFaceInfoItem"} {
		opKinds[p] = attr
	}
	for _, p := range []string{"/face/addFace", "/face/updateFace", "/face/deleteFace", "/face/getFaceList", "/face/getFaceByArrival", "/face/getFaceByPicture"} {
		opKinds[p] = face
	}
	// getFace lists no face code: the faceid is its only parameter the
	// adapter does not check, so 2 there is an unknown face.
	opKinds["/face/getFace"] = map[int]vendors.Kind{CodeParam: vendors.KindFaceUnknown, CodeFaceUnavail: vendors.KindFaceUnavailable}
	visits := map[int]vendors.Kind{CodeFaceUnavail: vendors.KindFaceUnavailable, codeNoSDCard: vendors.KindUnavailable,
		CodeVisitFace: vendors.KindFaceUnknown, CodeGroupUnknown: vendors.KindGroupUnknown, 269: vendors.KindGroupUnknown,
		codeVisitorFilter: vendors.KindInvalidParam, codeVisitorNoGroup: vendors.KindInvalidParam, 277: vendors.KindUnavailable}
	opKinds["/peopleFlow/getVisitorList"] = visits
	opKinds["/peopleFlow/getFaceVisitDetail"] = visits
}

// reservedAttrs are names no attribute may take (Face Recognition 6 note 2).
var reservedAttrs = []string{"group_name", "pic", "age", "gender", "faceid", "age_range", "arrive_times", "pic_url", "total_num", "return_num"}

// Group is a face group of getGroupList (Face Recognition 5). Times and
// Period (days) are the stranger group's migration rule.
type Group struct {
	Name        string
	Capacity    int
	Description string
	Count       int
	Times       int
	Period      int
}

// IsDefaultGroup reports whether name is stranger or regular.
func IsDefaultGroup(name string) bool { return name == GroupStranger || name == GroupRegular }

func checkGroupName(field, name string) *FieldError {
	if e := textLen(field, name, MaxGroupName, true); e != nil {
		return e
	}
	if strings.HasPrefix(name, " ") {
		return &FieldError{Field: field, Rule: RuleNoLeadingSpace}
	}
	return nil
}

// RuleNoLeadingSpace: a group name may not start with a space (003 Face
// Recognition 1 note 1).
const RuleNoLeadingSpace = "no_leading_space"

func checkGroup(op, name string, capacity int, desc string) error {
	return check(op, checkGroupName("name", name), inRange("capacity", capacity, 1, MaxTotalCapacity),
		textLen("description", desc, MaxGroupDesc, false))
}

// CreateGroup creates a group (/face/createGroup). capacity counts toward
// the camera's 30,000.
func (c *Client) CreateGroup(ctx context.Context, name string, capacity int, desc string) error {
	const op = "/face/createGroup"
	if err := checkGroup(op, name, capacity, desc); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"name": name, "capacity": strconv.Itoa(capacity), "description": desc}}, nil)
}

// UpdateGroup renames and resizes a group (/face/updateGroup); the default
// groups keep their names.
func (c *Client) UpdateGroup(ctx context.Context, oldName, name string, capacity int, desc string) error {
	const op = "/face/updateGroup"
	if err := checkGroup(op, name, capacity, desc); err != nil {
		return err
	}
	if e := checkGroupName("old_name", oldName); e != nil {
		return check(op, e)
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"old_name": oldName, "name": name,
		"capacity": strconv.Itoa(capacity), "description": desc}}, nil)
}

// UpdateMigration sets when a stranger becomes a regular: seen more than
// arriveTimes times within periodDays days (/face/updateMigration, NOTES 34).
func (c *Client) UpdateMigration(ctx context.Context, arriveTimes, periodDays int) error {
	const op = "/face/updateMigration"
	if err := check(op, inRange("arrive_times", arriveTimes, MinArriveTimes, MaxArriveTimes),
		inRange("period", periodDays, MinPeriodDays, MaxPeriodDays)); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"arrive_times": strconv.Itoa(arriveTimes), "period": strconv.Itoa(periodDays)}}, nil)
}

// DeleteGroup deletes an empty group (/face/deleteGroup).
func (c *Client) DeleteGroup(ctx context.Context, name string) error {
	const op = "/face/deleteGroup"
	if e := checkGroupName("name", name); e != nil {
		return check(op, e)
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"name": name}}, nil)
}

// Groups lists the groups (/face/getGroupList).
func (c *Client) Groups(ctx context.Context) ([]Group, error) {
	var d struct {
		Groups []struct {
			Name        text `json:"name"`
			Capacity    num  `json:"capacity"`
			Description text `json:"description"`
			Count       num  `json:"count"`
			Times       num  `json:"times"`
			Period      num  `json:"period"`
		} `json:"face_group"`
	}
	if err := c.call(ctx, request{Path: "/face/getGroupList", Read: true}, &d); err != nil {
		return nil, err
	}
	out := make([]Group, len(d.Groups))
	for i, g := range d.Groups {
		out[i] = Group{Name: string(g.Name), Capacity: int(g.Capacity), Description: string(g.Description),
			Count: int(g.Count), Times: int(g.Times), Period: int(g.Period)}
	}
	return out, nil
}

func checkAttrs(op, group string, names []string) error {
	errs := []*FieldError{checkGroupName("group_name", group)}
	if len(names) == 0 || len(names) > MaxAttrs {
		errs = append(errs, &FieldError{Field: "num", Rule: RuleRange, Min: 1, Max: MaxAttrs})
	}
	for _, n := range names {
		errs = append(errs, textLen("name_list", n, MaxAttrName, true))
		if slices.Contains(reservedAttrs, n) {
			errs = append(errs, &FieldError{Field: "name_list", Rule: RuleReserved})
		}
	}
	return check(op, errs...)
}

// RuleReserved: an attribute name 003 reserves (Face Recognition 6 note 2).
const RuleReserved = "reserved"

// jsonList is a string array as JSON text, signed as that text (NOTES
// "Signing").
func jsonList(items []string) string {
	b, _ := json.Marshal(items)
	return string(b)
}

func (c *Client) attrCall(ctx context.Context, op, group string, names []string) error {
	if err := checkAttrs(op, group, names); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: map[string]string{"num": strconv.Itoa(len(names)), "group_name": group,
		"name_list": jsonList(names)}}, nil)
}

// AddAttributes registers custom attribute names on a group
// (/face/addFaceInfoItem): a face's values are sent under these names.
func (c *Client) AddAttributes(ctx context.Context, group string, names []string) error {
	return c.attrCall(ctx, "/face/addFaceInfoItem", group, names)
}

// RemoveAttributes removes custom attributes (/face/removeFaceInfoItem).
func (c *Client) RemoveAttributes(ctx context.Context, group string, names []string) error {
	return c.attrCall(ctx, "/face/removeFaceInfoItem", group, names)
}

// Attributes lists a group's custom attribute names (/face/getFaceInfoItem).
func (c *Client) Attributes(ctx context.Context, group string) ([]string, error) {
	const op = "/face/getFaceInfoItem"
	if e := checkGroupName("group_name", group); e != nil {
		return nil, check(op, e)
	}
	var d struct {
		Names []text `json:"name_list"`
	}
	if err := c.call(ctx, request{Path: op, Read: true, Params: map[string]string{"group_name": group}}, &d); err != nil {
		return nil, err
	}
	out := make([]string, len(d.Names))
	for i, n := range d.Names {
		out[i] = string(n)
	}
	return out, nil
}

// Record is a face record as the camera answers it (Face Recognition 12-15,
// peopleFlow 8). Attrs holds every other key: the custom attributes under
// their registered names (or item1..5, as getFaceByArrival's example has).
type Record struct {
	FaceID      string
	Group       string
	Age         int // 0: not set
	AgeRange    vendors.AgeRange
	Gender      int // 0 unknown, 1 male, 2 female
	ArriveCount int // arrive_count (arrive_times in getVisitorList)
	LastArrival time.Time
	Attrs       map[string]string
}

// recordKeys are the fields Record reads itself; "point" is in every
// example and in no table, so it is not an attribute either.
var recordKeys = []string{"faceid", "group_name", "age", "age_range", "gender", "arrive_count", "arrive_time", "arrive_times", "point"}

// record is a Record on the wire: known fields, the rest as attributes.
type record Record

func (r *record) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	var f struct {
		FaceID      text `json:"faceid"`
		Group       text `json:"group_name"`
		Age         num  `json:"age"`
		AgeRange    num  `json:"age_range"`
		Gender      num  `json:"gender"`
		ArriveCount num  `json:"arrive_count"`
		ArriveTimes num  `json:"arrive_times"`
		ArriveTime  num  `json:"arrive_time"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*r = record{FaceID: string(f.FaceID), Group: string(f.Group), Age: int(f.Age), Gender: int(f.Gender),
		ArriveCount: int(max(f.ArriveCount, f.ArriveTimes)), Attrs: map[string]string{}}
	if a := vendors.AgeRange(f.AgeRange); a.Known() {
		r.AgeRange = a
	}
	if f.ArriveTime > 0 {
		r.LastArrival = time.Unix(int64(f.ArriveTime), 0).UTC()
	}
	for k, v := range m {
		if slices.Contains(recordKeys, k) {
			continue
		}
		var t text
		if json.Unmarshal(v, &t) == nil {
			r.Attrs[k] = string(t)
		}
	}
	return nil
}

func records(in []record) []Record {
	out := make([]Record, len(in))
	for i, r := range in {
		out[i] = Record(r)
	}
	return out
}

// FaceData is what addFace and updateFace send besides the photo. Attrs
// are sent under their names, which must be registered on the group.
type FaceData struct {
	Age    int // 0: the camera infers it
	Gender int // 0: the camera infers it
	Attrs  map[string]string
}

func (d FaceData) params(p map[string]string) []*FieldError {
	var errs []*FieldError
	if d.Age != 0 {
		errs = append(errs, inRange("age", d.Age, 1, 100))
		p["age"] = strconv.Itoa(d.Age)
	}
	if d.Gender != 0 {
		errs = append(errs, inRange("gender", d.Gender, 0, 2))
		p["gender"] = strconv.Itoa(d.Gender)
	}
	for k, v := range d.Attrs {
		if slices.Contains(reservedAttrs, k) || k == "new_group_name" {
			errs = append(errs, &FieldError{Field: k, Rule: RuleReserved})
			continue
		}
		errs = append(errs, textLen(k, v, MaxAttrName, false))
		p[k] = v
	}
	return errs
}

func checkPhoto(pic []byte, required bool) *FieldError {
	switch {
	case len(pic) == 0 && required:
		return &FieldError{Field: "pic", Rule: RuleRequired}
	case len(pic) > MaxPhotoBytes:
		return &FieldError{Field: "pic", Rule: RulePhotoSize, Max: MaxPhotoBytes}
	}
	return nil
}

// RulePhotoSize: a photo over 1 MB (003 Face Recognition 9).
const RulePhotoSize = "photo_size"

func picFile(pic []byte) []File {
	if len(pic) == 0 {
		return nil
	}
	return []File{{Field: "pic", Name: "face.jpg", ContentType: "image/jpeg", Data: pic}}
}

// AddFace enrolls a photo in group (/face/addFace, multipart, the photo not
// signed) and returns the faceid the camera gave it.
func (c *Client) AddFace(ctx context.Context, group string, d FaceData, pic []byte) (string, error) {
	const op = "/face/addFace"
	p := map[string]string{"group_name": group}
	errs := append(d.params(p), checkGroupName("group_name", group), checkPhoto(pic, true))
	if err := check(op, errs...); err != nil {
		return "", err
	}
	var out struct {
		FaceID text `json:"faceid"`
	}
	if err := c.call(ctx, request{Path: op, Params: p, Files: picFile(pic)}, &out); err != nil {
		return "", err
	}
	if out.FaceID == "" {
		return "", c.fail(op, vendors.KindMalformed, 0, errors.New("no faceid in the reply"))
	}
	return string(out.FaceID), nil
}

// UpdateFace changes a face (/face/updateFace, the field is faceid: the
// example's "facdid" is a typo, NOTES 54); newGroup, when set, moves it;
// pic, when set, replaces its photo.
func (c *Client) UpdateFace(ctx context.Context, group, faceID, newGroup string, d FaceData, pic []byte) error {
	const op = "/face/updateFace"
	p := map[string]string{"group_name": group, "faceid": faceID}
	errs := append(d.params(p), checkGroupName("group_name", group), textLen("faceid", faceID, 64, true), checkPhoto(pic, false))
	if newGroup != "" {
		errs = append(errs, checkGroupName("new_group_name", newGroup))
		p["new_group_name"] = newGroup
	}
	if err := check(op, errs...); err != nil {
		return err
	}
	return c.call(ctx, request{Path: op, Params: p, Files: picFile(pic)}, nil)
}

// DeleteResult is what deleteFace did with each id.
type DeleteResult struct {
	Deleted, Failed, NotExist []string
}

// DeleteFaces deletes faces of a group (/face/deleteFace), 100 ids a call.
func (c *Client) DeleteFaces(ctx context.Context, group string, ids []string) (DeleteResult, error) {
	const op = "/face/deleteFace"
	var res DeleteResult
	if e := checkGroupName("group_name", group); e != nil {
		return res, check(op, e)
	}
	for chunk := range slices.Chunk(ids, maxDeletePerCall) {
		var d struct {
			Success  []text `json:"success_list"`
			Failed   []text `json:"failed_list"`
			NotExist []text `json:"not_exist_list"`
		}
		if err := c.call(ctx, request{Path: op, Params: map[string]string{"group_name": group, "num": strconv.Itoa(len(chunk)),
			"faceid_list": jsonList(chunk)}}, &d); err != nil {
			return res, err
		}
		for _, s := range d.Success {
			res.Deleted = append(res.Deleted, string(s))
		}
		for _, s := range d.Failed {
			res.Failed = append(res.Failed, string(s))
		}
		for _, s := range d.NotExist {
			res.NotExist = append(res.NotExist, string(s))
		}
	}
	return res, nil
}

// Face reads one face (/face/getFace).
func (c *Client) Face(ctx context.Context, faceID string) (Record, error) {
	const op = "/face/getFace"
	if e := textLen("faceid", faceID, 64, true); e != nil {
		return Record{}, check(op, e)
	}
	var r record
	err := c.call(ctx, request{Path: op, Read: true, Params: map[string]string{"faceid": faceID}}, &r)
	return Record(r), err
}

// FaceList is one page of a group's faces.
type FaceList struct {
	Total int
	Faces []Record
}

// FaceList reads page (from 1) of a group, size 1-100 (/face/getFaceList;
// the example's path getFaceIDList and num are read as the table's,
// NOTES 55).
func (c *Client) FaceList(ctx context.Context, group string, page, size int) (FaceList, error) {
	const op = "/face/getFaceList"
	if err := check(op, checkGroupName("group_name", group), inRange("page_num", page, 1, 1<<30), inRange("page_size", size, 1, MaxFacePage)); err != nil {
		return FaceList{}, err
	}
	var d struct {
		Total num      `json:"total_num"`
		List  []record `json:"faceid_list"`
	}
	err := c.call(ctx, request{Path: op, Read: true, Params: map[string]string{"group_name": group,
		"page_num": strconv.Itoa(page), "page_size": strconv.Itoa(size)}}, &d)
	return FaceList{Total: int(d.Total), Faces: records(d.List)}, err
}

// FacesByArrival lists the n (1-10) faces of a group whose last arrival
// is the oldest (/face/getFaceByArrival).
func (c *Client) FacesByArrival(ctx context.Context, group string, n int) ([]Record, error) {
	const op = "/face/getFaceByArrival"
	if err := check(op, checkGroupName("group_name", group), inRange("num", n, 1, MaxArrival)); err != nil {
		return nil, err
	}
	var d struct {
		List []record `json:"faceid_list"`
	}
	err := c.call(ctx, request{Path: op, Read: true, Params: map[string]string{"group_name": group, "num": strconv.Itoa(n)}}, &d)
	var ve *vendors.Error
	if errors.As(err, &ve) && ve.Code == CodeFaceUnknown {
		return nil, nil // 207 here is a group without faces (sim/doc.go): nobody is absent
	}
	return records(d.List), err
}

// FaceByPicture finds the enrolled face in a photo (/face/getFaceByPicture).
// found is false when nobody matches (283).
func (c *Client) FaceByPicture(ctx context.Context, pic []byte) (Record, bool, error) {
	const op = "/face/getFaceByPicture"
	if e := checkPhoto(pic, true); e != nil {
		return Record{}, false, check(op, e)
	}
	var r record
	err := c.call(ctx, request{Path: op, Read: true, Files: picFile(pic)}, &r)
	var ve *vendors.Error
	if errors.As(err, &ve) && ve.Code == CodeNoMatch {
		return Record{}, false, nil
	}
	return Record(r), err == nil, err
}

// VisitorFilter selects getVisitorList's faces (peopleFlow 8). Zero values
// do not filter; Attrs filter by custom attribute and need Group.
type VisitorFilter struct {
	From, To time.Time
	Order    int // how many top visitors
	Group    string
	Gender   int
	AgeRange vendors.AgeRange
	Age      int
	Attrs    map[string]string
	Page     int
	Size     int
}

// Visitors lists the faces seen most often in a range
// (/peopleFlow/getVisitorList), with the arrivals counted in that range.
// The table's start_time/end_time and group_name are sent (the example's
// start_date and gropu_name are typos, NOTES 56). A range without visits
// (280) is an empty list.
func (c *Client) Visitors(ctx context.Context, f VisitorFilter) (int, []Record, error) {
	const op = "/peopleFlow/getVisitorList"
	p := map[string]string{"start_time": strconv.FormatInt(f.From.Unix(), 10), "end_time": strconv.FormatInt(f.To.Unix(), 10),
		"order": strconv.Itoa(f.Order), "page_num": strconv.Itoa(max(1, f.Page)), "page_size": strconv.Itoa(max(1, f.Size)), "group_name": f.Group}
	errs := []*FieldError{inRange("order", f.Order, 1, 1<<20), inRange("page_size", max(1, f.Size), 1, maxVisitorPageSize)}
	if !f.From.Before(f.To) {
		errs = append(errs, &FieldError{Field: "end_time", Rule: RuleAfterStart})
	}
	if f.Gender != 0 {
		errs = append(errs, inRange("gender", f.Gender, 1, 2))
		p["gender"] = strconv.Itoa(f.Gender)
	}
	if f.AgeRange != 0 {
		errs = append(errs, inRange("age_range", int(f.AgeRange), 1, vendors.AgeRangeCount))
		p["age_range"] = strconv.Itoa(int(f.AgeRange))
	}
	if f.Age != 0 {
		errs = append(errs, inRange("age", f.Age, 1, 100))
		p["age"] = strconv.Itoa(f.Age)
	}
	for k, v := range f.Attrs {
		if v == "" {
			continue
		}
		if f.Group == "" || IsDefaultGroup(f.Group) {
			errs = append(errs, &FieldError{Field: k, Rule: RuleRequired})
		}
		p[k] = v
	}
	if err := check(op, errs...); err != nil {
		return 0, nil, err
	}
	var d struct {
		Total num      `json:"total_num"`
		List  []record `json:"face_list"`
	}
	err := c.call(ctx, request{Path: op, Read: true, Params: p}, &d)
	var ve *vendors.Error
	if errors.As(err, &ve) && ve.Code == CodeNoRecord {
		return 0, nil, nil
	}
	return int(d.Total), records(d.List), err
}

// FaceVisits lists when a face arrived between from and to
// (/peopleFlow/getFaceVisitDetail). A range without visits (280) is none.
func (c *Client) FaceVisits(ctx context.Context, faceID string, from, to time.Time) ([]time.Time, error) {
	const op = "/peopleFlow/getFaceVisitDetail"
	errs := []*FieldError{textLen("faceid", faceID, 64, true)}
	if !from.Before(to) {
		errs = append(errs, &FieldError{Field: "end_time", Rule: RuleAfterStart})
	}
	if err := check(op, errs...); err != nil {
		return nil, err
	}
	var d struct {
		Total num   `json:"total_times"`
		Times []num `json:"came_in_time"`
	}
	err := c.call(ctx, request{Path: op, Read: true, Params: map[string]string{"faceid": faceID,
		"start_time": strconv.FormatInt(from.Unix(), 10), "end_time": strconv.FormatInt(to.Unix(), 10)}}, &d)
	var ve *vendors.Error
	if errors.As(err, &ve) && ve.Code == CodeNoRecord {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]time.Time, len(d.Times))
	for i, t := range d.Times {
		out[i] = time.Unix(int64(t), 0).UTC()
	}
	return out, nil
}

// errorf is a typed failure of op without a camera code.
func (c *Client) errorf(op string, kind vendors.Kind, format string, a ...any) error {
	return c.fail(op, kind, 0, fmt.Errorf(format, a...))
}
