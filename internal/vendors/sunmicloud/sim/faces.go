package sim

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/jpeg" // face photos: the pic part of /face/add
	_ "image/png"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Paths of 001 §3.2 (接口列表), relative to the base URL.
const (
	pathGroupList     = "/face/group/getList"
	pathGroupInfo     = "/face/group/getInfo"
	pathGroupCreate   = "/face/group/create"
	pathGroupUpdate   = "/face/group/update"
	pathGroupDelete   = "/face/group/delete"
	pathGroupFaceList = "/face/group/getFaceList"
	pathFaceInfo      = "/face/getInfo"
	pathFaceAdd       = "/face/add"
	pathFaceUpdate    = "/face/update"
	pathFaceDelete    = "/face/delete"
	pathGroupMove     = "/face/group/move"
	pathMoveStrategy  = "/face/group/updateMoveStrategy"
)

// Group types of 001 §3.3.1 (type 取值说明); 4 is not in the document.
const (
	TypeStranger = 1 // 生客人脸库
	TypeRegular  = 2 // 熟客人脸库
	TypeStaff    = 3 // 店员人脸库
	TypeCustom   = 5 // 自定义人脸库 ("5-自定义,会员" in §3.3.3)
)

// Ids continue the numbering of 001's examples: groups 578968814328..,
// faces 578968740430.. (12 digits, like the document's).
const (
	firstGroupID int64 = 578968814328
	firstFaceID  int64 = 578968740430
)

// FaceOptions are the face library's limits and behaviour. 001 states
// none of the limits (5520 only says "最大人脸分组数量或最大人脸容量"); the
// defaults are this simulator's decisions, written in doc.go.
type FaceOptions struct {
	MaxGroups        int           // groups per shop, defaults included (20)
	MaxGroupCapacity int           // capacity of one group (10000)
	MaxTotalCapacity int           // sum of a shop's group capacities (50000)
	DefaultCapacity  int           // capacity of a group created without one, and of the defaults (1000)
	ProcessDelay     time.Duration // how long /face/add takes to process a photo (500 ms)
	// ReturnFaceID answers /face/add with {"face_id": ...} at once, as
	// 001 §3.3.8's example does; by default the answer is data {} and the
	// face appears when processed, as its note says.
	ReturnFaceID bool
	MinFaceSide  int // a photo whose shorter side is smaller is refused in processing (100)
}

// DefaultFaceOptions are the options a new Server starts with.
var DefaultFaceOptions = FaceOptions{
	MaxGroups: 20, MaxGroupCapacity: 10000, MaxTotalCapacity: 50000, DefaultCapacity: 1000,
	ProcessDelay: 500 * time.Millisecond, MinFaceSide: 100,
}

// FaceGroup is one face group as the simulated cloud keeps it.
type FaceGroup struct {
	ID, ShopNo        string
	Type              int
	Name, Description string
	Capacity          int
	Keys              [5]string // customer_key1..5: names of the custom attributes
	Default           bool      // stranger, regular and employee, made with the shop
	Modified          time.Time
}

// Face is one face. Pending faces are still being processed: they are in
// no list yet and cannot be read or changed.
type Face struct {
	ID, GroupID, ShopNo string
	Name                string
	Gender              int // 0 unknown, 1 male, 2 female (001 §3.3.6)
	AgeRange            int // 1..8 (001 §3.3.6), 0 not set
	Values              [5]string
	Created             time.Time
	ArrivalCount        int
	LastArrival         time.Time
	Arrivals            []time.Time // recent arrivals, for the move strategy
	Pending             bool

	readyAt time.Time
	pic     []byte // kept only while pending
}

// Rejection is a photo refused while processing (the cloud would tell the
// notification center; see doc.go).
type Rejection struct {
	ShopNo, GroupID, Name, Reason string
	At                            time.Time
}

// MoveStrategy is a shop's stranger-to-regular rule (001 §3.3.12).
type MoveStrategy struct {
	TargetGroupID string
	Threshold     int
	Period        time.Duration
}

// faceState is the face library of every shop. It lives in Server (mu).
type faceState struct {
	opts        FaceOptions
	groups      map[string]*FaceGroup // by id
	faces       map[string]*Face      // by id
	strategies  map[string]MoveStrategy
	initialised map[string]bool // shops whose default groups exist
	nextGroupID int64
	nextFaceID  int64
	rejections  []Rejection
}

func (fs *faceState) init() {
	if fs.groups != nil {
		return
	}
	if fs.opts == (FaceOptions{}) {
		fs.opts = DefaultFaceOptions
	}
	fs.groups = map[string]*FaceGroup{}
	fs.faces = map[string]*Face{}
	fs.strategies = map[string]MoveStrategy{}
	fs.initialised = map[string]bool{}
	fs.nextGroupID, fs.nextFaceID = firstGroupID, firstFaceID
}

// SetFaceOptions replaces the face library's limits and behaviour.
func (s *Server) SetFaceOptions(o FaceOptions) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faces.init()
	s.faces.opts = o
}

// FaceGroups returns the shop's groups (its defaults made if need be),
// ordered by id.
func (s *Server) FaceGroups(shopNo string) []FaceGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faces.init()
	if _, ok := s.shops[shopNo]; ok {
		s.ensureDefaults(shopNo)
	}
	var out []FaceGroup
	for _, g := range s.groupsOf(shopNo) {
		out = append(out, *g)
	}
	return out
}

// Faces returns the shop's faces, pending ones included, ordered by id.
// Photos due for processing are processed first.
func (s *Server) Faces(shopNo string) []Face {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faces.init()
	s.processDue()
	var out []Face
	for _, f := range s.faces.faces {
		if f.ShopNo == shopNo {
			c := *f
			c.Arrivals, c.pic = slices.Clone(f.Arrivals), nil
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Face) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// SeedFace adds a processed face, as the cameras add strangers and as a
// demo seeds members, and returns its id. The group must exist.
func (s *Server) SeedFace(f Face) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faces.init()
	g, ok := s.faces.groups[f.GroupID]
	if !ok {
		return "", false
	}
	f.ShopNo, f.Pending, f.pic = g.ShopNo, false, nil
	if f.ID == "" {
		f.ID = s.newFaceID()
	}
	if f.Created.IsZero() {
		f.Created = s.now()
	}
	s.faces.faces[f.ID] = &f
	return f.ID, true
}

// RecordArrival counts a visit of a face, as a camera recognising it
// would, and applies the shop's move strategy to strangers.
func (s *Server) RecordArrival(faceID string, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faces.init()
	f, ok := s.faces.faces[faceID]
	if !ok || f.Pending {
		return false
	}
	f.ArrivalCount++
	if at.After(f.LastArrival) {
		f.LastArrival = at
	}
	f.Arrivals = append(f.Arrivals, at)
	if n := len(f.Arrivals); n > 100 {
		f.Arrivals = f.Arrivals[n-100:]
	}
	s.applyStrategy(f, at)
	return true
}

// MoveStrategyOf returns the strategy last set for a shop.
func (s *Server) MoveStrategyOf(shopNo string) (MoveStrategy, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faces.init()
	m, ok := s.faces.strategies[shopNo]
	return m, ok
}

// Rejections returns the photos refused while processing, oldest first.
func (s *Server) Rejections() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.processDue()
	return slices.Clone(s.faces.rejections)
}

// applyStrategy moves a stranger who came Threshold times within Period.
func (s *Server) applyStrategy(f *Face, at time.Time) {
	g := s.faces.groups[f.GroupID]
	m, ok := s.faces.strategies[f.ShopNo]
	if !ok || g == nil || g.Type != TypeStranger {
		return
	}
	target, ok := s.faces.groups[m.TargetGroupID]
	if !ok || s.groupLoad(target) >= target.Capacity {
		return
	}
	n := 0
	for _, t := range f.Arrivals {
		if !t.Before(at.Add(-m.Period)) {
			n++
		}
	}
	if n >= m.Threshold {
		f.GroupID = target.ID
	}
}

// ensureDefaults makes a shop's three default groups the first time it is
// seen: 001 §3.3.1's example lists stranger, regular and employee (types
// 1, 2, 3) with consecutive ids and capacity 1000.
func (s *Server) ensureDefaults(shopNo string) {
	if s.faces.initialised[shopNo] {
		return
	}
	s.faces.initialised[shopNo] = true
	for _, d := range []struct {
		typ  int
		name string
	}{{TypeStranger, "stranger"}, {TypeRegular, "regular"}, {TypeStaff, "employee"}} {
		id := s.newGroupID()
		s.faces.groups[id] = &FaceGroup{ID: id, ShopNo: shopNo, Type: d.typ, Name: d.name,
			Capacity: s.faces.opts.DefaultCapacity, Default: true}
	}
}

func (s *Server) newGroupID() string {
	for {
		id := strconv.FormatInt(s.faces.nextGroupID, 10)
		s.faces.nextGroupID++
		if _, used := s.faces.groups[id]; !used {
			return id
		}
	}
}

func (s *Server) newFaceID() string {
	for {
		id := strconv.FormatInt(s.faces.nextFaceID, 10)
		s.faces.nextFaceID++
		if _, used := s.faces.faces[id]; !used {
			return id
		}
	}
}

func (s *Server) groupsOf(shopNo string) []*FaceGroup {
	var out []*FaceGroup
	for _, g := range s.faces.groups {
		if g.ShopNo == shopNo {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b *FaceGroup) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// groupFaces returns the processed faces of a group by create_time, then id.
func (s *Server) groupFaces(groupID string) []*Face {
	var out []*Face
	for _, f := range s.faces.faces {
		if f.GroupID == groupID && !f.Pending {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *Face) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// groupLoad counts a group's faces, pending ones included: a photo being
// processed already holds its place.
func (s *Server) groupLoad(g *FaceGroup) int {
	n := 0
	for _, f := range s.faces.faces {
		if f.GroupID == g.ID {
			n++
		}
	}
	return n
}

func (s *Server) groupCount(g *FaceGroup) int { return len(s.groupFaces(g.ID)) }

// processDue finishes the photos whose processing time has come. Faces are
// processed lazily, on the next look at the library, so the simulator
// needs no goroutine and follows an injected clock.
func (s *Server) processDue() {
	s.faces.init()
	now := s.now()
	var due []*Face
	for _, f := range s.faces.faces {
		if f.Pending && !now.Before(f.readyAt) {
			due = append(due, f)
		}
	}
	slices.SortFunc(due, func(a, b *Face) int { return strings.Compare(a.ID, b.ID) }) // in order of upload
	for _, f := range due {
		id := f.ID
		if reason := s.checkPhoto(f.pic); reason != "" {
			delete(s.faces.faces, id)
			s.faces.rejections = append(s.faces.rejections, Rejection{ShopNo: f.ShopNo, GroupID: f.GroupID,
				Name: f.Name, Reason: reason, At: now})
			continue
		}
		f.Pending, f.pic = false, nil
	}
}

// checkPhoto is the simulated face check, a deterministic stand-in for the
// cloud's detector (doc.go): the photo must decode, its shorter side must
// be at least MinFaceSide pixels, and it must not be one flat colour (a
// luma range of at least 32 over a sampling grid).
func (s *Server) checkPhoto(pic []byte) string {
	if pic == nil { // restored from a snapshot while pending: accepted
		return ""
	}
	img, _, err := image.Decode(bytes.NewReader(pic))
	if err != nil {
		return "undecodable"
	}
	b := img.Bounds()
	if min(b.Dx(), b.Dy()) < s.faces.opts.MinFaceSide {
		return "too small for a face"
	}
	lo, hi := uint32(255), uint32(0)
	for y := b.Min.Y; y < b.Max.Y; y += max(1, b.Dy()/32) {
		for x := b.Min.X; x < b.Max.X; x += max(1, b.Dx()/32) {
			r, g, bl, _ := img.At(x, y).RGBA()
			l := (299*(r>>8) + 587*(g>>8) + 114*(bl>>8)) / 1000
			lo, hi = min(lo, l), max(hi, l)
		}
	}
	if hi-lo < 32 {
		return "no face found"
	}
	return ""
}

// faceShop resolves the shop of a face API call: 001's tables give 5041
// "请求中未找到shop_id参数" when neither identifier is sent. The shop's
// default groups are made on first use, and due photos processed.
func (s *Server) faceShop(q *request) (*Shop, int) {
	s.faces.init()
	if !hasShop(q) {
		return nil, codeShopMissing
	}
	shop, code := s.resolveShop(q)
	if code != codeOK {
		return nil, code
	}
	s.ensureDefaults(shop.ShopNo)
	s.processDue()
	return shop, codeOK
}

// groupOf finds a group of the shop; another shop's group is as unknown.
func (s *Server) groupOf(shop *Shop, id string) *FaceGroup {
	g, ok := s.faces.groups[id]
	if !ok || g.ShopNo != shop.ShopNo {
		return nil
	}
	return g
}

// groupJSON is a group in getList and getInfo (001 §3.3.1 example).
type groupJSON struct {
	GroupID          string `json:"group_id"`
	Type             int    `json:"type"`
	Count            int    `json:"count"`
	Capacity         int    `json:"capacity"`
	LastModifiedTime int64  `json:"last_modified_time"`
	GroupName        string `json:"group_name"`
	Description      string `json:"description"`
	CustomerKey1     string `json:"customer_key1"`
	CustomerKey2     string `json:"customer_key2"`
	CustomerKey3     string `json:"customer_key3"`
	CustomerKey4     string `json:"customer_key4"`
	CustomerKey5     string `json:"customer_key5"`
}

func (s *Server) groupJSON(g *FaceGroup) groupJSON {
	return groupJSON{GroupID: g.ID, Type: g.Type, Count: s.groupCount(g), Capacity: g.Capacity,
		LastModifiedTime: unixSeconds(g.Modified), GroupName: g.Name, Description: g.Description,
		CustomerKey1: g.Keys[0], CustomerKey2: g.Keys[1], CustomerKey3: g.Keys[2], CustomerKey4: g.Keys[3], CustomerKey5: g.Keys[4]}
}

// faceJSON is a face in getFaceList: 001 §3.3.6's example names the
// custom values customer_key1..5 there (while /face/add sends them as
// customer_value1..5); the simulator answers as the example does.
type faceJSON struct {
	FaceID          string `json:"face_id"`
	GroupID         string `json:"group_id"`
	GroupName       string `json:"group_name"`
	Gender          int    `json:"gender"`
	AgeRange        int    `json:"age_range"`
	ArrivalCount    int    `json:"arrival_count"`
	CreateTime      int64  `json:"create_time"`
	LastArrivalTime int64  `json:"last_arrival_time"`
	Name            string `json:"name"`
	CustomerKey1    string `json:"customer_key1"`
	CustomerKey2    string `json:"customer_key2"`
	CustomerKey3    string `json:"customer_key3"`
	CustomerKey4    string `json:"customer_key4"`
	CustomerKey5    string `json:"customer_key5"`
}

// faceInfoJSON is /face/getInfo's data (001 §3.3.7): no custom values.
type faceInfoJSON struct {
	AgeRange        int    `json:"age_range"`
	ArrivalCount    int    `json:"arrival_count"`
	CreateTime      int64  `json:"create_time"`
	FaceID          string `json:"face_id"`
	Gender          int    `json:"gender"`
	GroupID         string `json:"group_id"`
	GroupName       string `json:"group_name"`
	LastArrivalTime int64  `json:"last_arrival_time"`
	Name            string `json:"name"`
}

// groupList is 001 §3.3.1.
func (s *Server) groupList(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	list := []groupJSON{}
	for _, g := range s.groupsOf(shop.ShopNo) {
		list = append(list, s.groupJSON(g))
	}
	return codeOK, map[string]any{"group_list": list}
}

// groupInfo is 001 §3.3.2. Its table has no "not found" code but 5013.
func (s *Server) groupInfo(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	if q.params["group_id"] == "" {
		return codeInvalidParam, nil
	}
	g := s.groupOf(shop, q.params["group_id"])
	if g == nil {
		return codeNoData, nil
	}
	return codeOK, s.groupJSON(g)
}

// groupFields reads and checks name, description, capacity and the custom
// keys of create and update. ok is false for a malformed value (5020).
func (s *Server) groupFields(q *request, g *FaceGroup) bool {
	p := q.params
	if v, sent := p["name"]; sent && v != "" {
		if utf8.RuneCountInString(v) > 64 || strings.HasPrefix(v, " ") {
			return false
		}
		g.Name = v
	}
	if v, sent := p["description"]; sent {
		if utf8.RuneCountInString(v) > 150 {
			return false
		}
		g.Description = v
	}
	if v, sent := p["capacity"]; sent && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.faces.opts.MaxGroupCapacity {
			return false
		}
		g.Capacity = n
	}
	for i := range g.Keys {
		if v, sent := p["customer_key"+strconv.Itoa(i+1)]; sent {
			if utf8.RuneCountInString(v) > 50 {
				return false
			}
			g.Keys[i] = v
		}
	}
	return true
}

// totalCapacity sums the shop's group capacities, leaving out skip.
func (s *Server) totalCapacity(shopNo string, skip *FaceGroup) int {
	n := 0
	for _, g := range s.groupsOf(shopNo) {
		if g != skip {
			n += g.Capacity
		}
	}
	return n
}

func (s *Server) nameTaken(shopNo, name string, skip *FaceGroup) bool {
	for _, g := range s.groupsOf(shopNo) {
		if g != skip && g.Name == name {
			return true
		}
	}
	return false
}

// groupCreate is 001 §3.3.3: name and type required; the answer is data
// {} without the new id (NOTES 19).
func (s *Server) groupCreate(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	typ, err := strconv.Atoi(q.params["type"])
	if q.params["name"] == "" || err != nil || !slices.Contains([]int{TypeStranger, TypeRegular, TypeStaff, TypeCustom}, typ) {
		return codeInvalidParam, nil
	}
	g := &FaceGroup{ShopNo: shop.ShopNo, Type: typ, Capacity: s.faces.opts.DefaultCapacity}
	if !s.groupFields(q, g) {
		return codeInvalidParam, nil
	}
	switch {
	case s.nameTaken(shop.ShopNo, g.Name, nil):
		return codeGroupExists, nil
	case len(s.groupsOf(shop.ShopNo)) >= s.faces.opts.MaxGroups,
		s.totalCapacity(shop.ShopNo, nil)+g.Capacity > s.faces.opts.MaxTotalCapacity:
		return codeFaceLimit, nil
	}
	g.ID, g.Modified = s.newGroupID(), s.now()
	s.faces.groups[g.ID] = g
	return codeOK, nil
}

// groupUpdate is 001 §3.3.4. The default groups cannot be changed at all
// (5525); a name another group has is 5523, as in create.
func (s *Server) groupUpdate(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	if q.params["group_id"] == "" {
		return codeInvalidParam, nil
	}
	g := s.groupOf(shop, q.params["group_id"])
	switch {
	case g == nil:
		return codeNotFound, nil
	case g.Default:
		return codeDefaultUnmodifiable, nil
	}
	next := *g
	if !s.groupFields(q, &next) || next.Capacity < s.groupLoad(g) {
		return codeInvalidParam, nil
	}
	switch {
	case s.nameTaken(shop.ShopNo, next.Name, g):
		return codeGroupExists, nil
	case s.totalCapacity(shop.ShopNo, g)+next.Capacity > s.faces.opts.MaxTotalCapacity:
		return codeFaceLimit, nil
	}
	next.Modified = s.now()
	*g = next
	return codeOK, nil
}

// groupDelete is 001 §3.3.5: not a default group (5524), only an empty one
// (5509 非空人脸库; a photo still processing counts).
func (s *Server) groupDelete(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	if q.params["group_id"] == "" {
		return codeInvalidParam, nil
	}
	g := s.groupOf(shop, q.params["group_id"])
	switch {
	case g == nil:
		return codeNotFound, nil
	case g.Default:
		return codeDefaultUndeletable, nil
	case s.groupLoad(g) > 0:
		return codeGroupNotEmpty, nil
	}
	delete(s.faces.groups, g.ID)
	for shopNo, m := range s.faces.strategies {
		if m.TargetGroupID == g.ID {
			delete(s.faces.strategies, shopNo)
		}
	}
	return codeOK, nil
}

// pageParams reads page_num (default 1) and page_size (default 10, at most
// 100: 001 gives no maximum; see doc.go).
func pageParams(q *request) (num, size int, ok bool) {
	num, size = 1, 10
	var err error
	if v := q.params["page_num"]; v != "" {
		if num, err = strconv.Atoi(v); err != nil || num < 1 {
			return 0, 0, false
		}
	}
	if v := q.params["page_size"]; v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > 100 {
			return 0, 0, false
		}
	}
	return num, size, true
}

// groupFaceList is 001 §3.3.6: processed faces by create_time.
func (s *Server) groupFaceList(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	num, size, ok := pageParams(q)
	if !ok || q.params["group_id"] == "" {
		return codeInvalidParam, nil
	}
	g := s.groupOf(shop, q.params["group_id"])
	if g == nil {
		return codeNotFound, nil
	}
	faces := s.groupFaces(g.ID)
	list := []faceJSON{}
	for i := (num - 1) * size; i < len(faces) && i < num*size; i++ {
		f := faces[i]
		list = append(list, faceJSON{FaceID: f.ID, GroupID: g.ID, GroupName: g.Name, Gender: f.Gender, AgeRange: f.AgeRange,
			ArrivalCount: f.ArrivalCount, CreateTime: unixSeconds(f.Created), LastArrivalTime: unixSeconds(f.LastArrival),
			Name: f.Name, CustomerKey1: f.Values[0], CustomerKey2: f.Values[1], CustomerKey3: f.Values[2],
			CustomerKey4: f.Values[3], CustomerKey5: f.Values[4]})
	}
	return codeOK, map[string]any{"face_list": list, "total_num": len(faces)}
}

// faceOf finds a processed face of the shop.
func (s *Server) faceOf(shop *Shop, id string) *Face {
	f, ok := s.faces.faces[id]
	if !ok || f.ShopNo != shop.ShopNo || f.Pending {
		return nil
	}
	return f
}

// faceInfo is 001 §3.3.7: a face still processing is not found (5506).
func (s *Server) faceInfo(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	if q.params["face_id"] == "" {
		return codeInvalidParam, nil
	}
	f := s.faceOf(shop, q.params["face_id"])
	if f == nil {
		return codeNotFound, nil
	}
	g := s.faces.groups[f.GroupID]
	return codeOK, faceInfoJSON{AgeRange: f.AgeRange, ArrivalCount: f.ArrivalCount, CreateTime: unixSeconds(f.Created),
		FaceID: f.ID, Gender: f.Gender, GroupID: f.GroupID, GroupName: g.Name,
		LastArrivalTime: unixSeconds(f.LastArrival), Name: f.Name}
}

// faceFields reads name, gender, age_range and customer_value1..5 sent to
// add or update; only sent values change f.
func faceFields(q *request, f *Face) bool {
	p := q.params
	if v, sent := p["name"]; sent {
		if utf8.RuneCountInString(v) > 64 {
			return false
		}
		f.Name = v
	}
	if v, sent := p["gender"]; sent && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 2 {
			return false
		}
		f.Gender = n
	}
	if v, sent := p["age_range"]; sent && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 8 {
			return false
		}
		f.AgeRange = n
	}
	for i := range f.Values {
		if v, sent := p["customer_value"+strconv.Itoa(i+1)]; sent {
			if utf8.RuneCountInString(v) > 50 {
				return false
			}
			f.Values[i] = v
		}
	}
	return true
}

// faceAdd is 001 §3.3.8, multipart with the photo in pic. The photo's
// format and size are checked at once (not a JPEG or PNG: 5020); whether
// it shows a face is found out later, in processing (the note: results
// come asynchronously).
func (s *Server) faceAdd(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	pic := q.files["pic"]
	if q.params["group_id"] == "" || len(pic) == 0 {
		return codeInvalidParam, nil
	}
	if _, format, err := image.DecodeConfig(bytes.NewReader(pic)); err != nil || (format != "jpeg" && format != "png") {
		return codeInvalidParam, nil
	}
	f := &Face{ShopNo: shop.ShopNo, GroupID: q.params["group_id"]}
	if !faceFields(q, f) {
		return codeInvalidParam, nil
	}
	g := s.groupOf(shop, f.GroupID)
	switch {
	case g == nil:
		return codeNoData, nil
	case s.groupLoad(g) >= g.Capacity:
		return codeFaceLimit, nil
	}
	f.ID, f.Created, f.Pending = s.newFaceID(), s.now(), true
	f.readyAt, f.pic = f.Created.Add(s.faces.opts.ProcessDelay), pic
	s.faces.faces[f.ID] = f
	if s.faces.opts.ProcessDelay <= 0 {
		s.processDue()
	}
	if s.faces.opts.ReturnFaceID {
		return codeOK, map[string]string{"face_id": f.ID}
	}
	return codeOK, nil
}

// faceUpdate is 001 §3.3.9: a face not in the named group is 5521.
func (s *Server) faceUpdate(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	if q.params["group_id"] == "" || q.params["face_id"] == "" {
		return codeInvalidParam, nil
	}
	g := s.groupOf(shop, q.params["group_id"])
	if g == nil {
		return codeNoData, nil
	}
	f := s.faceOf(shop, q.params["face_id"])
	if f == nil || f.GroupID != g.ID {
		return codeFaceNotInGroup, nil
	}
	next := *f
	if !faceFields(q, &next) {
		return codeInvalidParam, nil
	}
	*f = next
	return codeOK, nil
}

// idList reads a JSON array of ids sent as text (NOTES 16): 1 to 100 of them.
func idList(v string) ([]string, bool) {
	var ids []string
	if err := json.Unmarshal([]byte(v), &ids); err != nil || len(ids) == 0 || len(ids) > 100 {
		return nil, false
	}
	for _, id := range ids {
		if id == "" {
			return nil, false
		}
	}
	return ids, true
}

// faceDelete is 001 §3.3.10. Its table has no code for an id the group
// does not hold: such ids are skipped (the face is not there, as asked).
// A photo still processing is deleted too, and never appears.
func (s *Server) faceDelete(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	ids, ok := idList(q.params["face_id_list"])
	if !ok || q.params["group_id"] == "" {
		return codeInvalidParam, nil
	}
	g := s.groupOf(shop, q.params["group_id"])
	if g == nil {
		return codeNoData, nil
	}
	for _, id := range ids {
		if f, ok := s.faces.faces[id]; ok && f.GroupID == g.ID {
			delete(s.faces.faces, id)
		}
	}
	return codeOK, nil
}

// groupMove is 001 §3.3.11: all or nothing. Either group unknown is 5522
// 人脸库不存在; a face not in the source 5521; no room in the target 5520.
func (s *Server) groupMove(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	ids, ok := idList(q.params["face_id_list"])
	from, to := q.params["source_group_id"], q.params["target_group_id"]
	if !ok || from == "" || to == "" || from == to {
		return codeInvalidParam, nil
	}
	src, dst := s.groupOf(shop, from), s.groupOf(shop, to)
	if src == nil || dst == nil {
		return codeGroupMissing, nil
	}
	var moving []*Face
	for _, id := range ids {
		f := s.faceOf(shop, id)
		if f == nil || f.GroupID != src.ID {
			return codeFaceNotInGroup, nil
		}
		if !slices.Contains(moving, f) {
			moving = append(moving, f)
		}
	}
	if s.groupLoad(dst)+len(moving) > dst.Capacity {
		return codeFaceLimit, nil
	}
	for _, f := range moving {
		f.GroupID = dst.ID
	}
	return codeOK, nil
}

// moveStrategy is 001 §3.3.12: threshold visits within period seconds move
// a stranger to the target group, which cannot be the stranger group
// itself (5525 默认人脸分组的信息无法修改).
func (s *Server) moveStrategy(q *request) (int, any) {
	shop, code := s.faceShop(q)
	if code != codeOK {
		return code, nil
	}
	threshold, err1 := strconv.Atoi(q.params["threshold"])
	period, err2 := strconv.ParseInt(q.params["period"], 10, 64)
	if q.params["target_group_id"] == "" || err1 != nil || err2 != nil || threshold < 1 || period < 1 {
		return codeInvalidParam, nil
	}
	g := s.groupOf(shop, q.params["target_group_id"])
	switch {
	case g == nil:
		return codeNotFound, nil
	case g.Type == TypeStranger && g.Default:
		return codeDefaultUnmodifiable, nil
	}
	s.faces.strategies[shop.ShopNo] = MoveStrategy{TargetGroupID: g.ID, Threshold: threshold,
		Period: time.Duration(period) * time.Second}
	return codeOK, nil
}
