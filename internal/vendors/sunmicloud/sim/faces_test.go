package sim_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/vendors/sunmicloud/sim"
)

// The face APIs of 001, driven as a client would, from the document: the
// fixture is populate's (shop 560279010307 of app A) with a clock the test
// moves, so asynchronous processing can be watched.

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newFaceFixture(t *testing.T) (*sim.Server, caller, *clock) {
	t.Helper()
	clk := &clock{t: t0}
	s := sim.New(sim.Options{Now: clk.Now})
	populate(s)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, newCaller(t, ts), clk
}

// facePhoto is a JPEG of w x h with something in it (a gradient and a dark
// disc), which the simulator's face check accepts when large enough.
func facePhoto(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255}
			if dx, dy := x-w/2, y-h/2; dx*dx+dy*dy < (w/4)*(w/4) {
				c = color.RGBA{40, 30, 20, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts a multipart form: the value fields signed, the photo in a
// file part "pic" that is not (NOTES "Signing" 1).
func (c caller) upload(path string, biz map[string]string, pic []byte) reply {
	c.t.Helper()
	p := c.form(biz)
	p["sign"] = testSign(p, c.secret)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range p {
		mw.WriteField(k, v)
	}
	if pic != nil {
		fw, _ := mw.CreateFormFile("pic", "face.jpg")
		fw.Write(pic)
	}
	mw.Close()
	return c.raw(path, mw.FormDataContentType(), &body)
}

type group struct {
	GroupID          string `json:"group_id"`
	Type             int    `json:"type"`
	Count            int    `json:"count"`
	Capacity         int    `json:"capacity"`
	LastModifiedTime int64  `json:"last_modified_time"`
	GroupName        string `json:"group_name"`
	Description      string `json:"description"`
	CustomerKey1     string `json:"customer_key1"`
	CustomerKey5     string `json:"customer_key5"`
}

func groups(t *testing.T, c caller) []group {
	t.Helper()
	r := c.post("/face/group/getList", map[string]string{"sunmi_shop_no": shop1})
	expect(t, r, 200, 0, "succeed")
	return decode[struct {
		GroupList []group `json:"group_list"`
	}](t, r.Data).GroupList
}

func groupNamed(t *testing.T, c caller, name string) group {
	t.Helper()
	for _, g := range groups(t, c) {
		if g.GroupName == name {
			return g
		}
	}
	t.Fatalf("no group %q", name)
	return group{}
}

type faceItem struct {
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
}

type faceList struct {
	FaceList []faceItem `json:"face_list"`
	TotalNum int        `json:"total_num"`
}

func faces(t *testing.T, c caller, groupID string, page ...string) faceList {
	t.Helper()
	p := map[string]string{"sunmi_shop_no": shop1, "group_id": groupID}
	if len(page) == 2 {
		p["page_num"], p["page_size"] = page[0], page[1]
	}
	r := c.post("/face/group/getFaceList", p)
	expect(t, r, 200, 0, "")
	return decode[faceList](t, r.Data)
}

// A shop starts with the three default groups of 001 §3.3.1's example.
func TestDefaultGroups(t *testing.T) {
	_, c, _ := newFaceFixture(t)
	gs := groups(t, c)
	if len(gs) != 3 {
		t.Fatalf("%d groups: %+v", len(gs), gs)
	}
	want := []struct {
		typ  int
		name string
	}{{1, "stranger"}, {2, "regular"}, {3, "employee"}}
	for i, w := range want {
		g := gs[i]
		if g.Type != w.typ || g.GroupName != w.name || g.Capacity != 1000 || g.Count != 0 || len(g.GroupID) != 12 {
			t.Errorf("group %d: %+v, want type %d %s", i, g, w.typ, w.name)
		}
	}
	// Every field of the example is there.
	r := c.post("/face/group/getList", map[string]string{"sunmi_shop_no": shop1})
	var raw struct {
		GroupList []json.RawMessage `json:"group_list"`
	}
	json.Unmarshal(r.Data, &raw)
	got := strings.Join(keysOf(t, raw.GroupList[0]), ",")
	if got != "capacity,count,customer_key1,customer_key2,customer_key3,customer_key4,customer_key5,description,group_id,group_name,last_modified_time,type" {
		t.Errorf("group fields %s", got)
	}
	// getInfo of one, by shop_id instead of sunmi_shop_no.
	info := c.post("/face/group/getInfo", map[string]string{"shop_id": "10096", "group_id": gs[1].GroupID})
	expect(t, info, 200, 0, "succeed")
	if g := decode[group](t, info.Data); g.GroupName != "regular" {
		t.Errorf("getInfo %+v", g)
	}
}

func TestShopCodes(t *testing.T) {
	_, c, _ := newFaceFixture(t)
	for _, path := range []string{"/face/group/getList", "/face/group/getInfo", "/face/group/create", "/face/group/update",
		"/face/group/delete", "/face/group/getFaceList", "/face/getInfo", "/face/update", "/face/delete", "/face/group/move",
		"/face/group/updateMoveStrategy"} {
		expect(t, c.post(path, map[string]string{"group_id": "1"}), 200, 5041, "请求中未找到shop_id参数")
		expect(t, c.post(path, map[string]string{"sunmi_shop_no": "999999999999", "group_id": "1"}), 200, 5013, "未找到数据")
		expect(t, c.post(path, map[string]string{"sunmi_shop_no": shopB, "group_id": "1"}), 200, 5013, "") // app B's shop
	}
	expect(t, c.upload("/face/add", map[string]string{"group_id": "1"}, facePhoto(t, 200, 200)), 200, 5041, "")
}

func TestCreateUpdateDeleteGroup(t *testing.T) {
	s, c, _ := newFaceFixture(t)
	create := map[string]string{"sunmi_shop_no": shop1, "name": "金卡会员", "type": "5", "capacity": "2000",
		"description": "此分组用于对于金卡会员管理", "customer_key1": "vip_level", "customer_key5": "hairstyle"}
	r := c.post("/face/group/create", create)
	expect(t, r, 200, 0, "succeed")
	if string(r.Data) != "{}" {
		t.Fatalf("create answered %s: 001 §3.3.3 returns data {} without the id", r.Data)
	}
	g := groupNamed(t, c, "金卡会员")
	if g.Type != 5 || g.Capacity != 2000 || g.Description != create["description"] || g.CustomerKey1 != "vip_level" ||
		g.CustomerKey5 != "hairstyle" || g.LastModifiedTime != t0.Unix() {
		t.Fatalf("created %+v", g)
	}
	expect(t, c.post("/face/group/create", create), 200, 5523, "已经存在该人脸分组")
	for _, bad := range []map[string]string{
		{"sunmi_shop_no": shop1, "type": "5"},              // no name
		{"sunmi_shop_no": shop1, "name": "x"},              // no type
		{"sunmi_shop_no": shop1, "name": "x", "type": "4"}, // type 4 is not in the document
		{"sunmi_shop_no": shop1, "name": "x", "type": "5", "capacity": "0"},
		{"sunmi_shop_no": shop1, "name": "x", "type": "5", "capacity": "10001"},
		{"sunmi_shop_no": shop1, "name": " x", "type": "5"}, // leading space
	} {
		expect(t, c.post("/face/group/create", bad), 200, 5020, "")
	}

	up := map[string]string{"sunmi_shop_no": shop1, "group_id": g.GroupID, "name": "白金会员", "capacity": "3000", "description": "升级"}
	expect(t, c.post("/face/group/update", up), 200, 0, "succeed")
	g2 := groupNamed(t, c, "白金会员")
	if g2.GroupID != g.GroupID || g2.Capacity != 3000 || g2.Description != "升级" || g2.CustomerKey1 != "vip_level" || g2.Type != 5 {
		t.Fatalf("updated %+v", g2)
	}
	expect(t, c.post("/face/group/update", map[string]string{"sunmi_shop_no": shop1, "group_id": g.GroupID, "name": "regular"}), 200, 5523, "")
	expect(t, c.post("/face/group/update", map[string]string{"sunmi_shop_no": shop1, "group_id": "111"}), 200, 5506, "未查询到该数据")
	for _, d := range groups(t, c)[:3] {
		expect(t, c.post("/face/group/update", map[string]string{"sunmi_shop_no": shop1, "group_id": d.GroupID, "description": "x"}), 200, 5525, "默认人脸库不允许修改")
		expect(t, c.post("/face/group/delete", map[string]string{"sunmi_shop_no": shop1, "group_id": d.GroupID}), 200, 5524, "默认人脸库不允许被删除")
	}
	// A group of another shop of the same app is unknown here.
	other := s.FaceGroups(shop2)[0]
	expect(t, c.post("/face/group/update", map[string]string{"sunmi_shop_no": shop1, "group_id": other.ID, "name": "y"}), 200, 5506, "")

	// Not empty: 5509, until its face is gone.
	id, _ := s.SeedFace(sim.Face{GroupID: g.GroupID, Name: "甲"})
	expect(t, c.post("/face/group/delete", map[string]string{"sunmi_shop_no": shop1, "group_id": g.GroupID}), 200, 5509, "非空人脸库")
	expect(t, c.post("/face/delete", map[string]string{"sunmi_shop_no": shop1, "group_id": g.GroupID, "face_id_list": `["` + id + `"]`}), 200, 0, "")
	expect(t, c.post("/face/group/delete", map[string]string{"sunmi_shop_no": shop1, "group_id": g.GroupID}), 200, 0, "succeed")
	expect(t, c.post("/face/group/delete", map[string]string{"sunmi_shop_no": shop1, "group_id": g.GroupID}), 200, 5506, "")
	if len(groups(t, c)) != 3 {
		t.Fatal("group not deleted")
	}
}

// 5520: too many groups, or more capacity than the shop has.
func TestGroupLimits(t *testing.T) {
	s, c, _ := newFaceFixture(t)
	o := sim.FaceOptions{MaxGroups: 5, MaxGroupCapacity: 10000, MaxTotalCapacity: 8010, DefaultCapacity: 1000, MinFaceSide: 100}
	s.SetFaceOptions(o)
	expect(t, c.post("/face/group/create", map[string]string{"sunmi_shop_no": shop1, "name": "big", "type": "5", "capacity": "6000"}), 200, 5520, "已经达到最大人脸分组数量或已经达到最大人脸容量")
	expect(t, c.post("/face/group/create", map[string]string{"sunmi_shop_no": shop1, "name": "a", "type": "5", "capacity": "5000"}), 200, 0, "")
	a := groupNamed(t, c, "a")
	expect(t, c.post("/face/group/update", map[string]string{"sunmi_shop_no": shop1, "group_id": a.GroupID, "capacity": "5011"}), 200, 5520, "")
	expect(t, c.post("/face/group/create", map[string]string{"sunmi_shop_no": shop1, "name": "b", "type": "3", "capacity": "10"}), 200, 0, "")
	// Capacity to spare, but five groups are the most.
	o.MaxTotalCapacity = 100000
	s.SetFaceOptions(o)
	expect(t, c.post("/face/group/create", map[string]string{"sunmi_shop_no": shop1, "name": "c", "type": "5", "capacity": "10"}), 200, 5520, "")
}

func TestAddIsAsynchronous(t *testing.T) {
	s, c, clk := newFaceFixture(t)
	staff := groupNamed(t, c, "employee")
	add := map[string]string{"sunmi_shop_no": shop1, "group_id": staff.GroupID, "name": "Mike", "gender": "1", "age_range": "4",
		"customer_value1": "1"}
	r := c.upload("/face/add", add, facePhoto(t, 300, 300))
	expect(t, r, 200, 0, "succeed")
	if string(r.Data) != "{}" {
		t.Fatalf("add answered %s; the result is asynchronous (001 §3.3.8 note)", r.Data)
	}
	// Not there while processing, but holding its place.
	if l := faces(t, c, staff.GroupID); l.TotalNum != 0 {
		t.Fatalf("face listed before processing: %+v", l)
	}
	if fs := s.Faces(shop1); len(fs) != 1 || !fs[0].Pending {
		t.Fatalf("sim state %+v", fs)
	}
	clk.Add(600 * time.Millisecond)
	l := faces(t, c, staff.GroupID)
	if l.TotalNum != 1 || len(l.FaceList) != 1 {
		t.Fatalf("after processing: %+v", l)
	}
	f := l.FaceList[0]
	if f.Name != "Mike" || f.Gender != 1 || f.AgeRange != 4 || f.CustomerKey1 != "1" || f.GroupID != staff.GroupID ||
		f.GroupName != "employee" || f.CreateTime != t0.Unix() || len(f.FaceID) != 12 {
		t.Fatalf("face %+v", f)
	}
	info := c.post("/face/getInfo", map[string]string{"sunmi_shop_no": shop1, "face_id": f.FaceID})
	expect(t, info, 200, 0, "succeed")
	if got := strings.Join(keysOf(t, info.Data), ","); got != "age_range,arrival_count,create_time,face_id,gender,group_id,group_name,last_arrival_time,name" {
		t.Errorf("getInfo fields %s (001 §3.3.7)", got)
	}
	if g := groupNamed(t, c, "employee"); g.Count != 1 {
		t.Errorf("count %d", g.Count)
	}
}

func TestAddReturningFaceID(t *testing.T) {
	s, c, clk := newFaceFixture(t)
	o := sim.DefaultFaceOptions
	o.ReturnFaceID = true
	s.SetFaceOptions(o)
	staff := groupNamed(t, c, "employee")
	r := c.upload("/face/add", map[string]string{"sunmi_shop_no": shop1, "group_id": staff.GroupID, "name": "A"}, facePhoto(t, 300, 300))
	expect(t, r, 200, 0, "")
	id := decode[struct {
		FaceID string `json:"face_id"`
	}](t, r.Data).FaceID
	if len(id) != 12 {
		t.Fatalf("face_id %q", id)
	}
	expect(t, c.post("/face/getInfo", map[string]string{"sunmi_shop_no": shop1, "face_id": id}), 200, 5506, "未找到数据")
	clk.Add(time.Second)
	expect(t, c.post("/face/getInfo", map[string]string{"sunmi_shop_no": shop1, "face_id": id}), 200, 0, "")
}

func TestAddRefusals(t *testing.T) {
	s, c, clk := newFaceFixture(t)
	staff := groupNamed(t, c, "employee")
	base := map[string]string{"sunmi_shop_no": shop1, "group_id": staff.GroupID, "name": "x"}
	expect(t, c.upload("/face/add", base, nil), 200, 5020, "")                         // no pic
	expect(t, c.upload("/face/add", base, []byte("GIF89a not a jpeg")), 200, 5020, "") // not JPEG/PNG
	expect(t, c.upload("/face/add", map[string]string{"sunmi_shop_no": shop1, "name": "x"}, facePhoto(t, 200, 200)), 200, 5020, "")
	with := func(k, v string) map[string]string {
		m := map[string]string{"sunmi_shop_no": shop1, "group_id": staff.GroupID}
		m[k] = v
		return m
	}
	expect(t, c.upload("/face/add", with("gender", "3"), facePhoto(t, 200, 200)), 200, 5020, "")
	expect(t, c.upload("/face/add", with("age_range", "9"), facePhoto(t, 200, 200)), 200, 5020, "")
	expect(t, c.upload("/face/add", with("group_id", "578968000000"), facePhoto(t, 200, 200)), 200, 5013, "未找到数据")

	// The 1M limit: a larger photo is refused before anything is read.
	big := make([]byte, 1<<20+1)
	copy(big, facePhoto(t, 200, 200))
	resp := postMultipartRaw(t, c, "/face/add", base, big)
	if resp != 413 {
		t.Fatalf("1 MiB + 1 photo: HTTP %d, want 413", resp)
	}

	// Processing refuses what cannot be a face photo: too small, or flat.
	expect(t, c.upload("/face/add", base, facePhoto(t, 80, 80)), 200, 0, "")
	flat := image.NewRGBA(image.Rect(0, 0, 300, 300))
	var fb bytes.Buffer
	jpeg.Encode(&fb, flat, nil)
	expect(t, c.upload("/face/add", base, fb.Bytes()), 200, 0, "")
	clk.Add(time.Second)
	if l := faces(t, c, staff.GroupID); l.TotalNum != 0 {
		t.Fatalf("refused photos listed: %+v", l)
	}
	rej := s.Rejections()
	if len(rej) != 2 || rej[0].Reason != "too small for a face" || rej[1].Reason != "no face found" {
		t.Fatalf("rejections %+v", rej)
	}
}

func postMultipartRaw(t *testing.T, c caller, path string, biz map[string]string, pic []byte) int {
	t.Helper()
	p := c.form(biz)
	p["sign"] = testSign(p, c.secret)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range p {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("pic", "face.jpg")
	fw.Write(pic)
	mw.Close()
	resp, err := httpPost(c.base+path, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// 5520 on a full group, counting photos still processing.
func TestGroupCapacity(t *testing.T) {
	_, c, _ := newFaceFixture(t)
	expect(t, c.post("/face/group/create", map[string]string{"sunmi_shop_no": shop1, "name": "small", "type": "5", "capacity": "2"}), 200, 0, "")
	g := groupNamed(t, c, "small")
	add := map[string]string{"sunmi_shop_no": shop1, "group_id": g.GroupID}
	expect(t, c.upload("/face/add", add, facePhoto(t, 200, 200)), 200, 0, "")
	expect(t, c.upload("/face/add", add, facePhoto(t, 200, 200)), 200, 0, "")
	expect(t, c.upload("/face/add", add, facePhoto(t, 200, 200)), 200, 5520, "已经达到最大人脸分组数量或已经达到最大人脸容量")
}

func TestPagingAndOrder(t *testing.T) {
	s, c, clk := newFaceFixture(t)
	staff := groupNamed(t, c, "employee")
	for i := range 25 {
		clk.Add(time.Second)
		s.SeedFace(sim.Face{GroupID: staff.GroupID, Name: "p" + strconv.Itoa(i), Created: clk.Now()})
	}
	first := faces(t, c, staff.GroupID) // defaults: page 1 of 10
	if first.TotalNum != 25 || len(first.FaceList) != 10 || first.FaceList[0].Name != "p0" {
		t.Fatalf("default page %+v", first)
	}
	last := faces(t, c, staff.GroupID, "3", "10")
	if len(last.FaceList) != 5 || last.FaceList[4].Name != "p24" {
		t.Fatalf("page 3 %+v", last)
	}
	if l := faces(t, c, staff.GroupID, "9", "10"); len(l.FaceList) != 0 || l.TotalNum != 25 {
		t.Fatalf("past the end %+v", l)
	}
	for _, bad := range [][2]string{{"0", "10"}, {"1", "0"}, {"1", "101"}, {"x", "10"}} {
		expect(t, c.post("/face/group/getFaceList", map[string]string{"sunmi_shop_no": shop1, "group_id": staff.GroupID,
			"page_num": bad[0], "page_size": bad[1]}), 200, 5020, "")
	}
	expect(t, c.post("/face/group/getFaceList", map[string]string{"sunmi_shop_no": shop1, "group_id": "1"}), 200, 5506, "未查询到数据")
}

func TestUpdateFace(t *testing.T) {
	s, c, _ := newFaceFixture(t)
	staff, regular := groupNamed(t, c, "employee"), groupNamed(t, c, "regular")
	id, _ := s.SeedFace(sim.Face{GroupID: staff.GroupID, Name: "lll", Gender: 1, AgeRange: 6})
	up := map[string]string{"sunmi_shop_no": shop1, "group_id": staff.GroupID, "face_id": id, "name": "Mike", "gender": "2",
		"age_range": "4", "customer_value2": "sing"}
	expect(t, c.post("/face/update", up), 200, 0, "succeed")
	f := faces(t, c, staff.GroupID).FaceList[0]
	if f.Name != "Mike" || f.Gender != 2 || f.AgeRange != 4 || f.CustomerKey2 != "sing" {
		t.Fatalf("updated %+v", f)
	}
	// Only what is sent changes.
	expect(t, c.post("/face/update", map[string]string{"sunmi_shop_no": shop1, "group_id": staff.GroupID, "face_id": id, "name": "M"}), 200, 0, "")
	if f := faces(t, c, staff.GroupID).FaceList[0]; f.Gender != 2 || f.CustomerKey2 != "sing" {
		t.Fatalf("partial update lost fields: %+v", f)
	}
	expect(t, c.post("/face/update", map[string]string{"sunmi_shop_no": shop1, "group_id": regular.GroupID, "face_id": id}), 200, 5521, "指定人脸分组中不存在该人脸信息")
	expect(t, c.post("/face/update", map[string]string{"sunmi_shop_no": shop1, "group_id": "578968000000", "face_id": id}), 200, 5013, "")
	expect(t, c.post("/face/update", map[string]string{"sunmi_shop_no": shop1, "group_id": staff.GroupID, "face_id": id, "gender": "x"}), 200, 5020, "")
}

func TestDeleteFaces(t *testing.T) {
	s, c, _ := newFaceFixture(t)
	staff := groupNamed(t, c, "employee")
	a, _ := s.SeedFace(sim.Face{GroupID: staff.GroupID, Name: "a"})
	b, _ := s.SeedFace(sim.Face{GroupID: staff.GroupID, Name: "b"})
	del := func(list string) reply {
		return c.post("/face/delete", map[string]string{"sunmi_shop_no": shop1, "group_id": staff.GroupID, "face_id_list": list})
	}
	for _, bad := range []string{"", "578968751459", `[]`, `[""]`, `["a",`} {
		expect(t, del(bad), 200, 5020, "")
	}
	many, _ := json.Marshal(make([]string, 101))
	expect(t, del(strings.ReplaceAll(string(many), `""`, `"1"`)), 200, 5020, "")
	expect(t, del(`["`+a+`","578968000000"]`), 200, 0, "succeed") // an unknown id is skipped
	if l := faces(t, c, staff.GroupID); l.TotalNum != 1 || l.FaceList[0].FaceID != b {
		t.Fatalf("after delete %+v", l)
	}
}

func TestMoveFaces(t *testing.T) {
	s, c, _ := newFaceFixture(t)
	staff, regular := groupNamed(t, c, "employee"), groupNamed(t, c, "regular")
	a, _ := s.SeedFace(sim.Face{GroupID: staff.GroupID, Name: "a"})
	b, _ := s.SeedFace(sim.Face{GroupID: staff.GroupID, Name: "b"})
	move := func(from, to, list string) reply {
		return c.post("/face/group/move", map[string]string{"sunmi_shop_no": shop1, "source_group_id": from,
			"target_group_id": to, "face_id_list": list})
	}
	expect(t, move(staff.GroupID, "578968000000", `["`+a+`"]`), 200, 5522, "人脸库不存在")
	expect(t, move("578968000000", staff.GroupID, `["`+a+`"]`), 200, 5522, "")
	expect(t, move(regular.GroupID, staff.GroupID, `["`+a+`"]`), 200, 5521, "指定人脸分组中不存在该人脸信息")
	expect(t, move(staff.GroupID, staff.GroupID, `["`+a+`"]`), 200, 5020, "")
	// All or nothing: one id not in the source moves nobody.
	expect(t, move(staff.GroupID, regular.GroupID, `["`+a+`","578968000000"]`), 200, 5521, "")
	if faces(t, c, staff.GroupID).TotalNum != 2 {
		t.Fatal("a refused move moved someone")
	}
	expect(t, move(staff.GroupID, regular.GroupID, `["`+a+`","`+b+`"]`), 200, 0, "succeed")
	if l := faces(t, c, regular.GroupID); l.TotalNum != 2 || l.FaceList[0].FaceID != a {
		t.Fatalf("moved %+v", l)
	}
	// No room in the target.
	expect(t, c.post("/face/group/create", map[string]string{"sunmi_shop_no": shop1, "name": "one", "type": "5", "capacity": "1"}), 200, 0, "")
	one := groupNamed(t, c, "one")
	expect(t, move(regular.GroupID, one.GroupID, `["`+a+`","`+b+`"]`), 200, 5520, "")
}

func TestMoveStrategy(t *testing.T) {
	s, c, _ := newFaceFixture(t)
	stranger, regular := groupNamed(t, c, "stranger"), groupNamed(t, c, "regular")
	set := func(target, threshold, period string) reply {
		return c.post("/face/group/updateMoveStrategy", map[string]string{"sunmi_shop_no": shop1, "target_group_id": target,
			"threshold": threshold, "period": period})
	}
	expect(t, set(regular.GroupID, "0", "604800"), 200, 5020, "")
	expect(t, set(regular.GroupID, "4", ""), 200, 5020, "")
	expect(t, set("578968000000", "4", "604800"), 200, 5506, "未查询到该数据")
	expect(t, set(stranger.GroupID, "4", "604800"), 200, 5525, "默认人脸分组的信息无法修改")
	expect(t, set(regular.GroupID, "3", "604800"), 200, 0, "succeed")
	if m, ok := s.MoveStrategyOf(shop1); !ok || m.TargetGroupID != regular.GroupID || m.Threshold != 3 || m.Period != 7*24*time.Hour {
		t.Fatalf("strategy %+v", m)
	}
	// A stranger seen 3 times within the 7 days moves to regular.
	id, _ := s.SeedFace(sim.Face{GroupID: stranger.GroupID})
	s.RecordArrival(id, t0.Add(-9*24*time.Hour)) // outside the 7 days by the third visit
	s.RecordArrival(id, t0.Add(-48*time.Hour))
	s.RecordArrival(id, t0.Add(-24*time.Hour))
	if groupNamed(t, c, "stranger").Count != 1 {
		t.Fatal("moved too early")
	}
	s.RecordArrival(id, t0)
	if groupNamed(t, c, "regular").Count != 1 {
		t.Fatal("not moved after the third visit")
	}
	l := faces(t, c, regular.GroupID)
	if l.FaceList[0].ArrivalCount != 4 || l.FaceList[0].LastArrivalTime != t0.Unix() {
		t.Fatalf("visits %+v", l.FaceList[0])
	}
}

func TestFacesSurviveSnapshot(t *testing.T) {
	s, c, _ := newFaceFixture(t)
	staff := groupNamed(t, c, "employee")
	expect(t, c.post("/face/group/create", map[string]string{"sunmi_shop_no": shop1, "name": "vip", "type": "5", "customer_key1": "level"}), 200, 0, "")
	id, _ := s.SeedFace(sim.Face{GroupID: staff.GroupID, Name: "张三", Gender: 1, AgeRange: 4, Values: [5]string{"a"}})
	s.RecordArrival(id, t0)
	expect(t, c.post("/face/group/updateMoveStrategy", map[string]string{"sunmi_shop_no": shop1, "target_group_id": staff.GroupID,
		"threshold": "5", "period": "86400"}), 200, 0, "")
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := sim.New(sim.Options{Now: func() time.Time { return t0 }})
	if err := r.Restore(snap); err != nil {
		t.Fatal(err)
	}
	again, _ := r.Snapshot()
	if !bytes.Equal(snap, again) {
		t.Fatalf("round trip changed the snapshot:\n%s\n%s", snap, again)
	}
	fs := r.Faces(shop1)
	if len(fs) != 1 || fs[0].Name != "张三" || fs[0].ArrivalCount != 1 || fs[0].Values[0] != "a" {
		t.Fatalf("restored faces %+v", fs)
	}
	if len(r.FaceGroups(shop1)) != 4 {
		t.Fatal("groups not restored")
	}
	// New ids keep counting after the restored ones.
	next, _ := r.SeedFace(sim.Face{GroupID: staff.GroupID})
	if next <= id {
		t.Fatalf("next id %s after %s", next, id)
	}
}

func httpPost(url, contentType string, body io.Reader) (int, error) {
	resp, err := http.Post(url, contentType, body)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
