package sim

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"storelens/internal/vendors/simphoto"
)

// 003 Face Recognition 1-15: the camera's face library. Codes are the
// decisions of doc.go ("Face library").
func init() {
	register("/face/createGroup", authSigned, faceCall(createGroup))
	register("/face/updateGroup", authSigned, faceCall(updateGroup))
	register("/face/updateMigration", authSigned, faceCall(updateMigration))
	register("/face/deleteGroup", authSigned, faceCall(deleteGroup))
	register("/face/getGroupList", authSigned, faceCall(getGroupList))
	register("/face/addFaceInfoItem", authSigned, faceCall(addFaceInfoItem))
	register("/face/removeFaceInfoItem", authSigned, faceCall(removeFaceInfoItem))
	register("/face/getFaceInfoItem", authSigned, faceCall(getFaceInfoItem))
	register("/face/addFace", authSigned, faceCall(addFace))
	register("/face/deleteFace", authSigned, faceCall(deleteFace))
	register("/face/updateFace", authSigned, faceCall(updateFace))
	register("/face/getFace", authSigned, faceCall(getFace))
	register("/face/getFaceList", authSigned, faceCall(getFaceList))
	register("/face/getFaceByArrival", authSigned, faceCall(getFaceByArrival))
	register("/face/getFaceByPicture", authSigned, faceCall(getFaceByPicture))
}

// Face-library codes (doc.go).
const (
	codeGroupName     = 200
	codeDefaultGroup  = 201
	codeGroupLimit    = 202
	codeGroupUnknown  = 204
	codeGroupNotEmpty = 205
	codeGroupFull     = 206
	codeFaceUnknown   = 207
	codePhoto         = 208
	codeNoFace        = 210
	codeFaceUnavail   = 211
	codeGroupExists   = 212
	codeAttrName      = 240
	codeAttrLimit     = 241
	codeAttrDefault   = 242
	codeAttrUnknown   = 243
	codeNoMatch       = 283
)

// Limits of 003 Face Recognition 1-15.
const (
	maxGroups     = 10
	maxCapacity   = 30000
	maxGroupName  = 96
	maxGroupDesc  = 150
	maxAttrs      = 5
	maxAttrName   = 50
	maxPageSize   = 100
	maxByArrival  = 10
	matchDistance = 6 // bits of the photo hash two photos of one face may differ by
)

var reservedAttrs = []string{"group_name", "pic", "age", "gender", "faceid", "age_range", "arrive_times", "pic_url", "total_num", "return_num"}

// Group is a face group. Times and Period (days) are the stranger group's
// migration rule.
type Group struct {
	Name, Description string
	Capacity          int
	Attrs             []string // custom attribute names (addFaceInfoItem)
	Times, Period     int
}

// Face is a face record. Hash is the photo's fingerprint (photo.go), what
// getFaceByPicture matches; the photo itself is not kept.
type Face struct {
	ID       string
	Group    string
	Age      int // 0: not set by the user
	AgeRange int
	Gender   int
	Attrs    map[string]string
	Hash     uint64
	Arrivals []int64 // unix seconds, ascending
}

func (f Face) clone() Face {
	f.Attrs = maps.Clone(f.Attrs)
	f.Arrivals = slices.Clone(f.Arrivals)
	return f
}

func (f Face) lastArrival() int64 {
	if len(f.Arrivals) == 0 {
		return 0
	}
	return f.Arrivals[len(f.Arrivals)-1]
}

// faceCall refuses the face library on a camera without face recognition
// (FM010: face events exist on FM020 only, NOTES 45).
func faceCall(h handler) handler {
	return func(c *Camera, q *Request) (int, any) {
		if c.opt.Model != "FM020" {
			return codeFaceUnavail, nil
		}
		return h(c, q)
	}
}

func isDefault(name string) bool { return name == "stranger" || name == "regular" }

func (c *Camera) group(name string) *Group {
	for i := range c.st.FaceGroups {
		if c.st.FaceGroups[i].Name == name {
			return &c.st.FaceGroups[i]
		}
	}
	return nil
}

func (c *Camera) count(group string) int {
	n := 0
	for _, f := range c.st.Faces {
		if f.Group == group {
			n++
		}
	}
	return n
}

func (c *Camera) face(id string) *Face {
	for i := range c.st.Faces {
		if c.st.Faces[i].ID == id {
			return &c.st.Faces[i]
		}
	}
	return nil
}

func (c *Camera) capacityBut(except string) int {
	n := 0
	for _, g := range c.st.FaceGroups {
		if g.Name != except {
			n += g.Capacity
		}
	}
	return n
}

// validName: 003 Face Recognition 1, at most 96 characters, not starting
// with a space.
func validName(s string) bool {
	return s != "" && !strings.HasPrefix(s, " ") && utf8.RuneCountInString(s) <= maxGroupName
}

// groupDescription reads the example's description or the table's
// Description; absent is empty (an empty value is never sent, NOTES 15).
func groupDescription(q *Request) (string, bool) {
	d, ok := q.Params["description"]
	if !ok {
		d = q.Params["Description"]
	}
	return d, utf8.RuneCountInString(d) <= maxGroupDesc
}

func createGroup(c *Camera, q *Request) (int, any) {
	name := q.Params["name"]
	capacity, okCap := intIn(q, "capacity", 1, maxCapacity)
	desc, okDesc := groupDescription(q)
	switch {
	case !validName(name):
		return codeGroupName, nil
	case isDefault(name):
		return codeDefaultGroup, nil
	case c.group(name) != nil:
		return codeGroupExists, nil
	case !okCap || !okDesc:
		return codeParam, nil
	case len(c.st.FaceGroups) >= maxGroups || c.capacityBut("")+capacity > maxCapacity:
		return codeGroupLimit, nil
	}
	c.st.FaceGroups = append(c.st.FaceGroups, Group{Name: name, Description: desc, Capacity: capacity})
	return codeOK, nil
}

func updateGroup(c *Camera, q *Request) (int, any) {
	old, name := q.Params["old_name"], q.Params["name"]
	capacity, okCap := intIn(q, "capacity", 1, maxCapacity)
	desc, okDesc := groupDescription(q)
	g := c.group(old)
	switch {
	case g == nil:
		return codeGroupUnknown, nil
	case isDefault(old) && name != old:
		return codeDefaultGroup, nil
	case !validName(name):
		return codeGroupName, nil
	case name != old && (c.group(name) != nil || isDefault(name)):
		return codeGroupExists, nil
	case !okCap || !okDesc:
		return codeParam, nil
	case capacity < c.count(old) || c.capacityBut(old)+capacity > maxCapacity:
		return codeGroupLimit, nil
	}
	g.Name, g.Capacity, g.Description = name, capacity, desc
	for i := range c.st.Faces {
		if c.st.Faces[i].Group == old {
			c.st.Faces[i].Group = name
		}
	}
	return codeOK, nil
}

func updateMigration(c *Camera, q *Request) (int, any) {
	times, ok1 := intIn(q, "arrive_times", 1, 10)
	period, ok2 := intIn(q, "period", 1, 100)
	if !ok1 || !ok2 {
		return codeParam, nil
	}
	g := c.group("stranger")
	if g == nil {
		return codeGroupUnknown, nil
	}
	g.Times, g.Period = times, period
	return codeOK, nil
}

func deleteGroup(c *Camera, q *Request) (int, any) {
	name := q.Params["name"]
	switch {
	case isDefault(name):
		return codeDefaultGroup, nil
	case c.group(name) == nil:
		return codeGroupUnknown, nil
	case c.count(name) > 0:
		return codeGroupNotEmpty, nil
	}
	c.st.FaceGroups = slices.DeleteFunc(c.st.FaceGroups, func(g Group) bool { return g.Name == name })
	return codeOK, nil
}

// getGroupList answers as 003's example: times and period on the stranger
// group only.
func getGroupList(c *Camera, _ *Request) (int, any) {
	list := make([]map[string]any, 0, len(c.st.FaceGroups))
	for _, g := range c.st.FaceGroups {
		item := map[string]any{"name": g.Name, "capacity": g.Capacity, "count": c.count(g.Name), "description": g.Description}
		if g.Name == "stranger" {
			item["times"], item["period"] = g.Times, g.Period
		}
		list = append(list, item)
	}
	return codeOK, map[string]any{"face_group": list, "num": len(list)}
}

// nameList reads num and name_list (a JSON array, NOTES "Signing"; 003's
// smart quotes are accepted as quotes).
func nameList(q *Request, key string) ([]string, bool) {
	raw := strings.NewReplacer("“", `"`, "”", `"`).Replace(q.Params[key])
	var list []string
	if err := json.Unmarshal([]byte(raw), &list); err != nil || len(list) == 0 {
		return nil, false
	}
	n, ok := intParam(q, "num")
	return list, ok && n == len(list)
}

func addFaceInfoItem(c *Camera, q *Request) (int, any) {
	g := c.group(q.Params["group_name"])
	if g == nil {
		return codeGroupUnknown, nil
	}
	if isDefault(g.Name) {
		return codeAttrDefault, nil
	}
	list, ok := nameList(q, "name_list")
	if !ok {
		return codeParam, nil
	}
	seen := map[string]bool{}
	for _, n := range list {
		if n == "" || utf8.RuneCountInString(n) > maxAttrName || slices.Contains(reservedAttrs, n) || slices.Contains(g.Attrs, n) || seen[n] {
			return codeAttrName, nil
		}
		seen[n] = true
	}
	if len(g.Attrs)+len(list) > maxAttrs {
		return codeAttrLimit, nil
	}
	g.Attrs = append(g.Attrs, list...)
	return codeOK, nil
}

func removeFaceInfoItem(c *Camera, q *Request) (int, any) {
	g := c.group(q.Params["group_name"])
	if g == nil {
		return codeGroupUnknown, nil
	}
	if isDefault(g.Name) {
		return codeAttrDefault, nil
	}
	list, ok := nameList(q, "name_list")
	if !ok {
		return codeParam, nil
	}
	for _, n := range list {
		if n == "" || utf8.RuneCountInString(n) > maxAttrName {
			return codeAttrName, nil
		}
		if !slices.Contains(g.Attrs, n) {
			return codeAttrUnknown, nil
		}
	}
	g.Attrs = slices.DeleteFunc(g.Attrs, func(a string) bool { return slices.Contains(list, a) })
	for i := range c.st.Faces {
		if c.st.Faces[i].Group == g.Name {
			for _, n := range list {
				delete(c.st.Faces[i].Attrs, n)
			}
		}
	}
	return codeOK, nil
}

// getFaceInfoItem: the default groups have none (003's example asks the
// stranger group).
func getFaceInfoItem(c *Camera, q *Request) (int, any) {
	g := c.group(q.Params["group_name"])
	if g == nil {
		return codeGroupUnknown, nil
	}
	names := slices.Clone(g.Attrs)
	if names == nil {
		names = []string{}
	}
	return codeOK, map[string]any{"num": len(names), "name_list": names}
}

// optionalInt reads an optional integer within [lo, hi]: absent is 0, ok.
func optionalInt(q *Request, name string, lo, hi int) (int, bool) {
	if _, sent := q.Params[name]; !sent {
		return 0, true
	}
	return intIn(q, name, lo, hi)
}

// setFields applies age, gender and the group's attributes from q; other
// parameters are ignored, as 003 Face Recognition 9 note 1 says.
func (c *Camera) setFields(f *Face, g *Group, q *Request) bool {
	age, ok1 := optionalInt(q, "age", 1, 100)
	gender, ok2 := optionalInt(q, "gender", 0, 2)
	if !ok1 || !ok2 {
		return false
	}
	if age > 0 {
		f.Age, f.AgeRange = age, ageRangeOf(age)
	}
	if _, sent := q.Params["gender"]; sent {
		f.Gender = gender
	}
	for _, a := range g.Attrs {
		if v, ok := q.Params[a]; ok {
			if utf8.RuneCountInString(v) > maxAttrName {
				return false
			}
			if f.Attrs == nil {
				f.Attrs = map[string]string{}
			}
			f.Attrs[a] = v
		}
	}
	return true
}

// ageRangeOf is the range of an age (NOTES 2's 8 ranges).
func ageRangeOf(age int) int {
	for i, top := range []int{6, 12, 18, 28, 35, 45, 55} {
		if age <= top {
			return i + 1
		}
	}
	return 8
}

func addFace(c *Camera, q *Request) (int, any) {
	g := c.group(q.Params["group_name"])
	if g == nil {
		return codeGroupUnknown, nil
	}
	if c.count(g.Name) >= g.Capacity || len(c.st.Faces) >= maxCapacity {
		return codeGroupFull, nil
	}
	id := q.Params["faceid"]
	if id != "" {
		if n, err := strconv.ParseUint(id, 10, 64); err != nil || n == 0 || c.face(id) != nil {
			return codeParam, nil
		}
	}
	hash, code := checkPhoto(q.Files["pic"], true)
	if code != codeOK {
		return code, nil
	}
	f := Face{Group: g.Name, Hash: hash}
	// What the camera infers when age or gender is not given (003 Face
	// Recognition 9 notes 2-3): read from the photo's hash, so the same
	// photo always gets the same.
	f.AgeRange, f.Gender = int(hash%6)+3, int(hash>>8%2)+1
	if !c.setFields(&f, g, q) {
		return codeParam, nil
	}
	if id == "" {
		for c.st.NextFaceID == 0 || c.face(strconv.FormatInt(c.st.NextFaceID, 10)) != nil {
			c.st.NextFaceID++
		}
		id = strconv.FormatInt(c.st.NextFaceID, 10)
		c.st.NextFaceID++
	}
	f.ID = id
	c.st.Faces = append(c.st.Faces, f)
	return codeOK, map[string]any{"faceid": id}
}

func deleteFace(c *Camera, q *Request) (int, any) {
	g := c.group(q.Params["group_name"])
	if g == nil {
		return codeGroupUnknown, nil
	}
	list, ok := nameList(q, "faceid_list")
	if !ok {
		return codeParam, nil
	}
	done, missing := []string{}, []string{}
	for _, id := range list {
		if f := c.face(id); f != nil && f.Group == g.Name {
			c.st.Faces = slices.DeleteFunc(c.st.Faces, func(x Face) bool { return x.ID == id })
			done = append(done, id)
			continue
		}
		missing = append(missing, id)
	}
	return codeOK, map[string]any{"success_list": done, "failed_list": []string{}, "not_exist_list": missing}
}

// updateFace reads faceid (the example's "facdid" is a typo, NOTES 54).
// Moving keeps only the values of attributes the new group has; a full
// target group is 206 (the code addFace uses: updateFace lists none).
func updateFace(c *Camera, q *Request) (int, any) {
	g := c.group(q.Params["group_name"])
	if g == nil {
		return codeGroupUnknown, nil
	}
	f := c.face(q.Params["faceid"])
	if f == nil || f.Group != g.Name {
		return codeFaceUnknown, nil
	}
	target := g
	if ng, ok := q.Params["new_group_name"]; ok && ng != g.Name {
		if target = c.group(ng); target == nil {
			return codeGroupUnknown, nil
		}
		if c.count(target.Name) >= target.Capacity {
			return codeGroupFull, nil
		}
	}
	var hash uint64
	if pic, ok := q.Files["pic"]; ok {
		h, code := checkPhoto(pic, true)
		if code != codeOK {
			return code, nil
		}
		hash = h
	}
	next := f.clone()
	if !c.setFields(&next, g, q) {
		return codeParam, nil
	}
	if hash != 0 {
		next.Hash = hash
	}
	if target != g {
		next.Group = target.Name
		for k := range next.Attrs {
			if !slices.Contains(target.Attrs, k) {
				delete(next.Attrs, k)
			}
		}
	}
	*f = next
	return codeOK, nil
}

// record is a face as getFace, getFaceList, getFaceByArrival and
// getFaceByPicture answer it: the attributes under their names, as 003's
// examples show, and age 0 when the user set none ("NULL").
func (f Face) record(withGroup bool) map[string]any {
	m := map[string]any{"faceid": f.ID, "age": f.Age, "age_range": f.AgeRange, "gender": f.Gender,
		"arrive_count": len(f.Arrivals), "arrive_time": f.lastArrival()}
	if withGroup {
		m["group_name"] = f.Group
	}
	for k, v := range f.Attrs {
		m[k] = v
	}
	return m
}

// getFace: 003 lists no code for an unknown faceid; 2 (its only
// parameter refused) is the decision.
func getFace(c *Camera, q *Request) (int, any) {
	f := c.face(q.Params["faceid"])
	if f == nil {
		return codeParam, nil
	}
	return codeOK, f.record(true)
}

func (c *Camera) facesOf(group string) []Face {
	var out []Face
	for _, f := range c.st.Faces {
		if f.Group == group {
			out = append(out, f)
		}
	}
	return out
}

// getFaceList pages a group in enrolment order; the reply has the table's
// total_num and return_num and the example's faceid_list (NOTES 55).
func getFaceList(c *Camera, q *Request) (int, any) {
	g := c.group(q.Params["group_name"])
	page, ok1 := optionalInt(q, "page_num", 1, 1<<30)
	size, ok2 := optionalInt(q, "page_size", 1, maxPageSize)
	if !ok1 || !ok2 {
		return codeParam, nil
	}
	if g == nil {
		return codeGroupUnknown, nil
	}
	page, size = max(page, 1), cmpOr(size, 10)
	all := c.facesOf(g.Name)
	list := []map[string]any{}
	for i := (page - 1) * size; i < len(all) && i < page*size; i++ {
		list = append(list, all[i].record(false))
	}
	return codeOK, map[string]any{"total_num": len(all), "return_num": len(list), "faceid_list": list}
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// getFaceByArrival: the group's faces whose last arrival is oldest, never
// seen first; an empty group is 207 (listed for this call, doc.go).
func getFaceByArrival(c *Camera, q *Request) (int, any) {
	g := c.group(q.Params["group_name"])
	n, ok := optionalInt(q, "num", 1, maxByArrival)
	if !ok {
		return codeParam, nil
	}
	if g == nil {
		return codeGroupUnknown, nil
	}
	all := c.facesOf(g.Name)
	if len(all) == 0 {
		return codeFaceUnknown, nil
	}
	slices.SortStableFunc(all, func(a, b Face) int { return int(a.lastArrival() - b.lastArrival()) })
	list := []map[string]any{}
	for _, f := range all[:min(cmpOr(n, 1), len(all))] {
		list = append(list, f.record(false))
	}
	return codeOK, map[string]any{"return_num": len(list), "faceid_list": list}
}

// getFaceByPicture answers the enrolled face whose photo hash is nearest,
// within matchDistance bits; none is 283.
func getFaceByPicture(c *Camera, q *Request) (int, any) {
	hash, code := checkPhoto(q.Files["pic"], true)
	if code != codeOK {
		return code, nil
	}
	best, bestD := -1, matchDistance+1
	for i, f := range c.st.Faces {
		if d := simphoto.Distance(f.Hash, hash); d < bestD {
			best, bestD = i, d
		}
	}
	if best < 0 {
		return codeNoMatch, nil
	}
	return codeOK, c.st.Faces[best].record(true)
}
