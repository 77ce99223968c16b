package senselink

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink/sim"
)

// Test photos are drawn here: the simulator's face rule (sim/photo.go)
// reads a non-uniform JPEG as one face, a uniform one as none, and two
// photos whose 8x8 average hashes are close as the same person.

func drawJPEG(t *testing.T, w, h, quality int, pix func(x, y int) uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{Y: pix(x, y)})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// person draws a "face": a pattern chosen by seed, so different seeds are
// different people and the same seed at another quality is the same one.
func personJPEG(t *testing.T, seed, quality int) []byte {
	return drawJPEG(t, 320, 320, quality, func(x, y int) uint8 {
		v := uint32((x/40)*8+y/40+1)*2654435761 ^ uint32(seed)*40503
		v ^= v >> 13
		v *= 0x5bd1e995
		v ^= v >> 15
		if v%2 == 0 {
			return 220
		}
		return 30
	})
}

func uniformJPEG(t *testing.T) []byte {
	return drawJPEG(t, 320, 320, 90, func(int, int) uint8 { return 128 })
}

func codeOf(err error) int {
	var ve *vendors.Error
	if errors.As(err, &ve) {
		return ve.Code
	}
	return 0
}

func TestStaffAndVisitorsAgainstSim(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	alice, err := f.c.AddStaff(ctx, StaffInput{Name: "张三", Gender: genderFemale, JobNumber: "A-1", Groups: []int64{f.staff}}, personJPEG(t, 1, 90))
	if err != nil {
		t.Fatal(err)
	}
	if alice.ID == 0 || alice.Type != TypeStaff || alice.Name != "张三" || alice.Gender != genderFemale || alice.Avatar == "" ||
		len(alice.Groups) != 1 || alice.Groups[0].ID != f.staff || alice.CreatedAt.IsZero() {
		t.Fatalf("added %+v", alice)
	}
	from := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	guest, err := f.c.AddGuest(ctx, GuestInput{Name: "李四", Groups: []int64{f.visitor}, ReceptionUserID: alice.ID, From: from, To: from.Add(3 * time.Hour)}, personJPEG(t, 2, 90))
	if err != nil {
		t.Fatal(err)
	}
	if guest.Type != TypeVisitor || guest.ReceptionUserID != alice.ID || guest.ReceptionUserName != "张三" ||
		!guest.VisitFrom.Equal(from) || !guest.VisitTo.Equal(from.Add(3*time.Hour)) || len(guest.Groups) != 1 {
		t.Fatalf("guest %+v", guest)
	}
	// A receptionist must be staff: a visitor is refused (30001).
	if _, err := f.c.AddGuest(ctx, GuestInput{Name: "王五", Groups: []int64{f.visitor}, ReceptionUserID: guest.ID, From: from, To: from.Add(time.Hour)}, personJPEG(t, 3, 90)); codeOf(err) != 30001 {
		t.Fatalf("visitor as receptionist: %v", err)
	}
	// Refused before sending: no receptionist, no window, no photo.
	if _, err := f.c.AddGuest(ctx, GuestInput{Name: "王五", Groups: []int64{f.visitor}}, personJPEG(t, 3, 90)); vendors.KindOf(err) != vendors.KindInvalidParam || codeOf(err) != 0 {
		t.Fatalf("incomplete visitor: %v", err)
	}
	// The list: both, without groups; by id: one, with groups (NOTES 85).
	all, err := f.c.People(ctx, PeopleQuery{})
	if err != nil || len(all) != 2 || len(all[0].Groups) != 0 {
		t.Fatalf("list %+v %v", all, err)
	}
	one, err := f.c.Person(ctx, guest.ID)
	if err != nil || one.Type != TypeVisitor || len(one.Groups) != 1 || one.Groups[0].ID != f.visitor {
		t.Fatalf("by id %+v %v", one, err)
	}
	upd, err := f.c.UpdateStaff(ctx, alice.ID, StaffInput{Name: "张三丰", Groups: []int64{f.staff}}, nil)
	if err != nil || upd.Name != "张三丰" || upd.Avatar != alice.Avatar {
		t.Fatalf("update %+v %v", upd, err)
	}
	if _, err := f.c.UpdateGuest(ctx, guest.ID, GuestInput{Name: "李四", Groups: []int64{f.visitor}, ReceptionUserID: alice.ID, From: from, To: from.Add(time.Hour)}, personJPEG(t, 2, 80)); err != nil {
		t.Fatalf("update guest: %v", err)
	}
	if err := f.c.DeleteGuest(ctx, guest.ID); err != nil {
		t.Fatal(err)
	}
	// Deleting a staff member as a visitor, or twice: 620.
	if err := f.c.DeleteGuest(ctx, alice.ID); vendors.KindOf(err) != vendors.KindNotFound || codeOf(err) != 620 {
		t.Fatalf("staff as guest: %v", err)
	}
	if err := f.c.DeleteStaff(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.Person(ctx, alice.ID); vendors.KindOf(err) != vendors.KindNotFound {
		t.Fatalf("deleted: %v", err)
	}
	// Length limits are checked here before sending.
	if _, err := f.c.AddStaff(ctx, StaffInput{Name: strings.Repeat("名", 46)}, nil); vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Fatalf("46 characters: %v", err)
	}
}

// 30002: the same person again (another JPEG of the same photo) is refused
// with the existing person; force=1 adds them.
func TestSimilarPersonAndForce(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	g := vendors.ShopRef{}
	gid := strconv.FormatInt(f.staff, 10)
	first, err := f.c.AddFace(ctx, g, gid, vendors.FaceInput{Name: "赵六"}, personJPEG(t, 4, 90))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.c.AddFace(ctx, g, gid, vendors.FaceInput{Name: "赵六 again"}, personJPEG(t, 4, 60))
	var se *vendors.SimilarFaceError
	if !errors.As(err, &se) || se.Existing.ID != first.FaceID || se.Existing.Name != "赵六" || !se.CanForce ||
		vendors.KindOf(err) != vendors.KindDuplicate || codeOf(err) != 30002 {
		t.Fatalf("similar: %#v", err)
	}
	// The stored form keeps the existing person for the page (Compact).
	if c := vendors.Compact(err); !strings.Contains(c, "赵六 (#"+first.FaceID+")") {
		t.Fatalf("compact %q", c)
	}
	// A different person is not similar.
	if _, err := f.c.AddFace(ctx, g, gid, vendors.FaceInput{Name: "钱七"}, personJPEG(t, 5, 90)); err != nil {
		t.Fatalf("different person: %v", err)
	}
	forced, err := f.c.AddFace(ctx, g, gid, vendors.FaceInput{Name: "赵六 again", Force: true}, personJPEG(t, 4, 60))
	if err != nil || forced.FaceID == "" || forced.FaceID == first.FaceID || forced.Pending {
		t.Fatalf("forced %+v %v", forced, err)
	}
}

func TestPhotoRefusalsAndChecks(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	// 30003: no face; 30005: not a JPEG (a PNG sent as image/jpeg).
	if _, err := f.c.AddStaff(ctx, StaffInput{Name: "x", Groups: []int64{f.staff}}, uniformJPEG(t)); codeOf(err) != 30003 || vendors.KindOf(err) != vendors.KindPhotoRejected {
		t.Fatalf("no face: %v", err)
	}
	var pngBuf bytes.Buffer
	_ = png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 200, 200)))
	if _, err := f.c.AddStaff(ctx, StaffInput{Name: "x", Groups: []int64{f.staff}}, pngBuf.Bytes()); codeOf(err) != 30005 || vendors.KindOf(err) != vendors.KindPhotoRejected {
		t.Fatalf("png: %v", err)
	}
	good := personJPEG(t, 6, 90)
	if pc, err := f.c.CheckPhoto(ctx, good); err != nil || pc != (vendors.PhotoCheck{Faces: 1, OK: true}) {
		t.Fatalf("good %+v %v", pc, err)
	}
	if pc, err := f.c.CheckPhoto(ctx, uniformJPEG(t)); err != nil || pc.Faces != 0 || pc.OK {
		t.Fatalf("no face %+v %v", pc, err)
	}
	small := drawJPEG(t, 60, 60, 90, func(x, y int) uint8 { return uint8(x * 4) })
	if pc, err := f.c.CheckPhoto(ctx, small); err != nil || pc.Faces != 1 || pc.QualityCode != 10201 || pc.OK {
		t.Fatalf("small %+v %v", pc, err)
	}
	pitch := personJPEG(t, 7, 90)
	f.sim.SetPhotoVerdict(pitch, sim.Verdict{Faces: 1, Quality: 1030301})
	if q, err := f.c.CheckQuality(ctx, pitch); err != nil || q.Code != 1030301 || q.Msg != "BAN:the face pose pitch is substandard" {
		t.Fatalf("pitch %+v %v", q, err)
	}
	two := personJPEG(t, 8, 90)
	f.sim.SetPhotoVerdict(two, sim.Verdict{Faces: 2})
	if n, err := f.c.CountFaces(ctx, two); err != nil || n != 2 {
		t.Fatalf("two faces %d %v", n, err)
	}
	if q, err := f.c.CheckQuality(ctx, two); err != nil || q.Code != 101 {
		t.Fatalf("two faces quality %+v %v", q, err)
	}
	if pc, err := f.c.CheckPhoto(ctx, two); err != nil || pc.Faces != 2 || pc.OK {
		t.Fatalf("two faces check %+v %v", pc, err)
	}
}

func TestGroupsAgainstSim(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	ref := vendors.ShopRef{}
	vg, err := f.c.CreateFaceGroup(ctx, ref, vendors.GroupInput{Kind: vendors.GroupVisitor, Name: "贵宾访客"})
	if err != nil || vg.ID == "" || vg.Kind != vendors.GroupVisitor || vg.Name != "贵宾访客" {
		t.Fatalf("create %+v %v", vg, err)
	}
	if _, err := f.c.CreateFaceGroup(ctx, ref, vendors.GroupInput{Kind: vendors.GroupMember, Name: "会员"}); vendors.KindOf(err) != vendors.KindGroupKindNotSup {
		t.Fatalf("member kind: %v", err)
	}
	if err := f.c.UpdateFaceGroup(ctx, ref, vg.ID, vendors.GroupInput{Name: "访客二"}); err != nil {
		t.Fatal(err)
	}
	got, err := f.c.FaceGroup(ctx, ref, vg.ID)
	if err != nil || got.Name != "访客二" || got.Kind != vendors.GroupVisitor {
		t.Fatalf("read back %+v %v", got, err)
	}
	// §6.4.3's 320 for an unknown group; changing the type is 30001.
	if err := f.c.UpdateGroup(ctx, 999999, "x", GroupStaff); vendors.KindOf(err) != vendors.KindNotFound || codeOf(err) != 320 {
		t.Fatalf("unknown group: %v", err)
	}
	if err := f.c.UpdateGroup(ctx, f.staff, "x", GroupVisitor); codeOf(err) != 30001 {
		t.Fatalf("type change: %v", err)
	}
	if _, err := f.c.FaceGroup(ctx, ref, "999999"); vendors.KindOf(err) != vendors.KindGroupUnknown {
		t.Fatalf("unknown: %v", err)
	}
	if err := f.c.DeleteFaceGroup(ctx, ref, vg.ID); !errors.Is(err, vendors.ErrUnsupported) {
		t.Fatalf("delete: %v", err)
	}
	if _, err := f.c.CreateGroup(ctx, strings.Repeat("组", 46), GroupStaff); vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Fatalf("long name: %v", err)
	}
}

// 4,500 people go to a group in 3 calls (2,000 + 2,000 + 500), and the
// simulator refuses 2,001 in one.
func TestBatchMembershipSplits(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	g, err := f.c.CreateGroup(ctx, "大组", GroupStaff)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 4500)
	for i := range ids {
		ids[i] = f.sim.AddPerson(sim.Person{Type: 1, Name: "p" + strconv.Itoa(i)})
	}
	before := len(f.sim.Calls())
	if err := f.c.AddToGroup(ctx, g.ID, ids); err != nil {
		t.Fatal(err)
	}
	calls := f.sim.Calls()[before:]
	if len(calls) != 3 || calls[0] != "POST /api/v1/user/add/group" {
		t.Fatalf("calls %v", calls)
	}
	gs, _ := f.c.Groups(ctx, GroupStaff)
	for _, x := range gs {
		if x.ID == g.ID && x.UserNumber != 4500 {
			t.Fatalf("user_number %d", x.UserNumber)
		}
	}
	err = f.c.call(ctx, request{Method: http.MethodPost, Path: "/api/v1/user/add/group",
		Params: map[string][]string{"groupId": {strconv.FormatInt(g.ID, 10)}, "userIds": {joinIDs(ids[:2001])}}}, nil)
	if codeOf(err) != 30001 {
		t.Fatalf("2001 in one call: %v", err)
	}
	before = len(f.sim.Calls())
	if err := f.c.RemoveFromGroup(ctx, g.ID, ids[:2500]); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sim.Calls()) - before; n != 2 {
		t.Fatalf("remove calls %d", n)
	}
	if err := f.c.AddToGroup(ctx, 999999, ids[:1]); vendors.KindOf(err) != vendors.KindGroupUnknown || codeOf(err) != 620 {
		t.Fatalf("unknown group: %v", err)
	}
	// A visitor group takes no staff (30001).
	if err := f.c.AddToGroup(ctx, f.visitor, ids[:1]); codeOf(err) != 30001 {
		t.Fatalf("staff into visitor group: %v", err)
	}
}

// The FaceLibrary view: faces of a group, move, delete (a person in two
// groups is only taken out of one).
func TestFaceLibraryAgainstSim(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	ref := vendors.ShopRef{}
	staff := strconv.FormatInt(f.staff, 10)
	other, _ := f.c.CreateFaceGroup(ctx, ref, vendors.GroupInput{Kind: vendors.GroupStaff, Name: "店长"})
	a, err := f.c.AddFace(ctx, ref, staff, vendors.FaceInput{Name: "甲", Gender: vendors.GenderMale}, personJPEG(t, 11, 90))
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.c.AddFace(ctx, ref, staff, vendors.FaceInput{Name: "乙"}, personJPEG(t, 12, 90))
	if err != nil {
		t.Fatal(err)
	}
	pg, err := f.c.Faces(ctx, ref, staff, 1, 1)
	if err != nil || pg.Total != 2 || len(pg.Faces) != 1 || pg.Faces[0].ID != a.FaceID || pg.Faces[0].Gender != vendors.GenderMale || pg.Faces[0].GroupID != staff {
		t.Fatalf("page 1 %+v %v", pg, err)
	}
	if err := f.c.UpdateFace(ctx, ref, staff, b.FaceID, vendors.FaceInput{Name: "乙二", Gender: vendors.GenderFemale}); err != nil {
		t.Fatal(err)
	}
	if fc, err := f.c.Face(ctx, ref, b.FaceID); err != nil || fc.Name != "乙二" || fc.Gender != vendors.GenderFemale || fc.GroupID != staff {
		t.Fatalf("face %+v %v", fc, err)
	}
	if err := f.c.MoveFaces(ctx, ref, staff, other.ID, []string{b.FaceID}); err != nil {
		t.Fatal(err)
	}
	if pg, _ := f.c.Faces(ctx, ref, other.ID, 1, 10); pg.Total != 1 || pg.Faces[0].ID != b.FaceID {
		t.Fatalf("moved %+v", pg)
	}
	// a in two groups: deleting from one keeps the person.
	if err := f.c.AddToGroup(ctx, mustID(t, other.ID), []int64{mustID(t, a.FaceID)}); err != nil {
		t.Fatal(err)
	}
	if err := f.c.DeleteFaces(ctx, ref, staff, []string{a.FaceID, "424242"}); err != nil {
		t.Fatal(err)
	}
	if fc, err := f.c.Face(ctx, ref, a.FaceID); err != nil || fc.GroupID != other.ID {
		t.Fatalf("a after unlink %+v %v", fc, err)
	}
	if err := f.c.DeleteFaces(ctx, ref, other.ID, []string{a.FaceID, b.FaceID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.Face(ctx, ref, a.FaceID); vendors.KindOf(err) != vendors.KindFaceUnknown {
		t.Fatalf("a deleted: %v", err)
	}
	if ps := f.sim.People(); len(ps) != 0 {
		t.Fatalf("left %+v", ps)
	}
	// A visitor: needs a receptionist and a window; cannot be edited
	// without its photo.
	vg := strconv.FormatInt(f.visitor, 10)
	rec, _ := f.c.AddFace(ctx, ref, staff, vendors.FaceInput{Name: "前台"}, personJPEG(t, 13, 90))
	if _, err := f.c.AddFace(ctx, ref, vg, vendors.FaceInput{Name: "客"}, personJPEG(t, 14, 90)); vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Fatalf("visitor without window: %v", err)
	}
	now := time.Now().Truncate(time.Second)
	v, err := f.c.AddFace(ctx, ref, vg, vendors.FaceInput{Name: "客", Receptionist: rec.FaceID, VisitFrom: now, VisitTo: now.Add(time.Hour)}, personJPEG(t, 14, 90))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.c.UpdateFace(ctx, ref, vg, v.FaceID, vendors.FaceInput{Name: "客二"}); !errors.Is(err, vendors.ErrUnsupported) {
		t.Fatalf("visitor edit: %v", err)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Every code of §5 (and §6.4.3's 320, §6.4.4's 620) maps to a kind; on
// the face endpoints the photo codes are photo refusals.
func TestErrorCodesMapToKinds(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	want := map[int]vendors.Kind{
		10001: vendors.KindAuth, 10002: vendors.KindAuth, 10003: vendors.KindClock, 10004: vendors.KindAuth, 10005: vendors.KindAuth,
		20001: vendors.KindAuth, 20002: vendors.KindAuth, 30001: vendors.KindInvalidParam, 30002: vendors.KindDuplicate,
		30003: vendors.KindPhotoRejected, 30004: vendors.KindInvalidParam, 30005: vendors.KindPhotoRejected,
		50001: vendors.KindInternal, 50002: vendors.KindInternal, 50003: vendors.KindInternal, 50004: vendors.KindOther,
		99999: vendors.KindOther, 620: vendors.KindNotFound, 610: vendors.KindDuplicate, 650: vendors.KindNotEmpty,
	}
	for code, kind := range want {
		f.sim.SetFault("POST /api/v1/user", sim.Fault{Code: code, Times: 1})
		_, err := f.c.AddStaff(ctx, StaffInput{Name: "x", Groups: []int64{f.staff}}, nil)
		if vendors.KindOf(err) != kind || codeOf(err) != code {
			t.Errorf("code %d: %v, want %s", code, err, kind)
		}
	}
	f.sim.SetFault("POST /api/v1/user/remove/group", sim.Fault{Code: 620, Times: 1})
	if err := f.c.RemoveFromGroup(ctx, f.staff, []int64{1}); vendors.KindOf(err) != vendors.KindGroupUnknown {
		t.Errorf("620 on remove: %v", err)
	}
}

// 004's own example replies, as printed, read by the adapter. Where the
// print is not valid JSON (30002's data lacks its closing brace) the
// obvious brace is added.
func TestDocumentExampleReplies(t *testing.T) {
	replies := map[string]string{
		"/api/v1/user": `{"code":200,"message":"OK","data":{"id":65838,"name":"1312313123123122","avatar":"5cbe78b135060d0001750ef5","mobile":"","remark":"","type":1,"birthday":"","mail":null,"position":null,"location":null,
			"groupList":[{"id":1,"name":"默认组","type":1}],"gender":1,"ic_number":"","id_number":"te9+d6aXoDe5zTCUywgn9+zmx4HE1B4W","job_number":"","company_id":1,
			"create_at":"2019-04-23 10:30:08","update_at":"2019-04-23 10:30:08","department_id":0,"area_code":null,"entry_time":"2018-9-10","country_code":null,"place_code":null,"staff_type":0}}`,
		"/api/v1/guest": `{"code":200,"message":"OK","data":{"id":65833,"name":"11111111","avatar":"5cbe739e35060d0001750edb","mobile":"35123123","remark":"",
			"groups":[{"id":2,"name":"默认组","type":2}],"ic_number":"","id_number":"jwS7LXdgbXQ=","company_id":1,"reception_user_id":0,"reception_user_name":null,"group_count":1,
			"date_time":"2019-01-01 12:00:01.0","date_time_from":"2019-01-01 12:00:01.0","date_time_to":"2019-01-21 06:00:01.0","create_at":"2019-04-23 10:08:30.0","update_at":"2019-04-23 10:08:30.0"}}`,
		"/api/v1/user/list": `{"code":200,"message":"OK","data":[{"id":65838,"name":"11111","avatar":"5cbe801835060d0001750f1b","mobile":"","remark":"","type":1,"birthday":"2018-08-01","mail":null,"position":null,"location":null,
			"groupList":[{"id":1,"name":"默认组","type":1}],"gender":1,"ic_number":"","id_number":"f0bZElBF8oZ2PTC/wXDBfQ==","job_number":"","company_id":1,"create_at":"2019-04-23 10:30:08.0","update_at":"2019-04-23 03:01:44.0",
			"department_id":0,"area_code":null,"entry_time":"2018-01-01","country_code":null,"place_code":null,"staff_type":0}]}`,
		"/api/v1/group":                `{"code":200,"message":"OK","data":{"id":616,"name":"小霸王","type":1,"company_id":58,"create_at":"2018-08-07 18:37:32","update_at":"2018-08-07 18:37:32"}}`,
		"/api/v1/recognition/check":    `{"code":200,"message":"OK","face_number":4}`,
		"/api/v1/recognition/quality":  `{"code":200,"message":"OK","data":{"qa_code":1030301,"qa_desc":"the face pose pitch score is [22.19]-float","qa_msg":"BAN:the face pose pitch is substandard"}}`,
		"/api/v1/user/update/65838":    `{"code":30002,"message":"Similar User Exist","data":{"similar_user_id":65833,"similar_user_name":"11111111","similar_user_avatar":"5cbe7dec35060d0001750f15","can_force":0},"desc":"ex.similar-user"}`,
		"/api/v1/group/update":         `{"code":200,"message":"OK"}`,
		"/api/v1/user/add/group":       `{"code":200,"message":"OK"}`,
		"/api/v1/guest/delete/65833":   `{"code":200,"message":"OK"}`,
		"/api/v1/recognition/check/no": `{"code":30003,"message":"No Face Detected In The Image","desc":"rpc.no-face-detect"}`,
	}
	noFace := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path
		if key == "/api/v1/recognition/check" && noFace {
			key += "/no"
		}
		_, _ = io.WriteString(w, replies[key])
	}))
	defer srv.Close()
	c, _ := NewClient(vendors.Account{BaseURL: srv.URL, AppID: testKey, Secret: testSecret}, srv.Client())
	ctx := context.Background()
	st, err := c.AddStaff(ctx, StaffInput{Name: "x"}, nil)
	if err != nil || st.ID != 65838 || st.Gender != genderFemale || len(st.Groups) != 1 || st.Groups[0].Name != "默认组" ||
		!st.CreatedAt.Equal(time.Date(2019, 4, 23, 2, 30, 8, 0, time.UTC)) {
		t.Fatalf("staff %+v %v", st, err)
	}
	g, err := c.AddGuest(ctx, GuestInput{Name: "x", ReceptionUserID: 1, From: time.Now(), To: time.Now()}, []byte{1})
	if err != nil || g.ID != 65833 || g.Type != TypeVisitor || g.Groups[0].Type != 2 || !g.VisitTo.Equal(time.Date(2019, 1, 20, 22, 0, 1, 0, time.UTC)) {
		t.Fatalf("guest %+v %v", g, err)
	}
	ps, err := c.People(ctx, PeopleQuery{})
	if err != nil || len(ps) != 1 || ps[0].Name != "11111" || ps[0].Groups[0].ID != 1 {
		t.Fatalf("list %+v %v", ps, err)
	}
	grp, err := c.CreateGroup(ctx, "小霸王", GroupStaff)
	if err != nil || grp.ID != 616 || grp.Type != 1 {
		t.Fatalf("group %+v %v", grp, err)
	}
	if n, err := c.CountFaces(ctx, []byte{1}); err != nil || n != 4 {
		t.Fatalf("check %d %v", n, err)
	}
	noFace = true
	if n, err := c.CountFaces(ctx, []byte{1}); err != nil || n != 0 {
		t.Fatalf("check no face %d %v", n, err)
	}
	if q, err := c.CheckQuality(ctx, []byte{1}); err != nil || q.Code != 1030301 || !strings.Contains(q.Desc, "22.19") {
		t.Fatalf("quality %+v %v", q, err)
	}
	_, err = c.UpdateStaff(ctx, 65838, StaffInput{Name: "x"}, nil)
	var se *vendors.SimilarFaceError
	if !errors.As(err, &se) || se.Existing.ID != "65833" || se.Existing.Name != "11111111" || se.CanForce {
		t.Fatalf("30002 %#v", err)
	}
	if err := c.UpdateGroup(ctx, 1, "x", GroupStaff); err != nil {
		t.Fatal(err)
	}
	if err := c.AddToGroup(ctx, 1, []int64{1}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteGuest(ctx, 65833); err != nil {
		t.Fatal(err)
	}
}
