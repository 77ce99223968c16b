package sunmilan

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan/sim"
)

// photo draws a w x h picture of person n (different n, different
// picture), JPEG at quality q (png when q is 0).
func photo(t testing.TB, n, w, h, q int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			cx, cy := x*8/w, y*8/h
			v := uint8(40)
			if (cx*(n+3)+cy*(n+5)+n*cx*cy)%7 < 3 {
				v = 220
			}
			img.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if q == 0 {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: q})
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func flat(t testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 400, 400))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wantCode(t *testing.T, err error, kind vendors.Kind, code int) {
	t.Helper()
	var ve *vendors.Error
	if !errors.As(err, &ve) || ve.Kind != kind || ve.Code != code {
		t.Fatalf("got %v, want kind %s code %d", err, kind, code)
	}
}

// refusedBefore checks a value is refused by the adapter with a FieldError
// on field, and nothing reached the camera.
func refusedBefore(t *testing.T, cam *sim.Camera, path string, call func() error, field string) {
	t.Helper()
	before := cam.CallsTo(path)
	err := call()
	var fe FieldErrors
	if !errors.As(err, &fe) || vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Fatalf("%s: got %v, want a field error", path, err)
	}
	found := false
	for _, e := range fe {
		found = found || e.Field == field
	}
	if !found {
		t.Fatalf("%s: %v names no %s", path, err, field)
	}
	if n := cam.CallsTo(path) - before; n != 0 {
		t.Fatalf("%s: %d calls reached the camera", path, n)
	}
}

func TestFaceGroupsAgainstSimulator(t *testing.T) {
	cam, c := activated(t)
	lib := NewFaceLibrary(c, cam.SN())
	ctx, shop := context.Background(), vendors.ShopRef{}

	gs, err := lib.FaceGroups(ctx, shop)
	if err != nil || len(gs) != 2 || gs[0].ID != "stranger" || !gs[0].Default || gs[0].Kind != vendors.GroupStranger ||
		gs[1].Kind != vendors.GroupRegular || gs[0].Capacity != 5000 {
		t.Fatalf("defaults: %+v %v", gs, err)
	}
	vip, err := lib.CreateFaceGroup(ctx, shop, vendors.GroupInput{Kind: vendors.GroupCustom, Name: "vip", Description: "gold",
		Capacity: 2, CustomKeys: [5]string{"phone", "", "level"}})
	if err != nil || vip.ID != "vip" || vip.CustomKeys != [5]string{"phone", "level"} || vip.Default || vip.Capacity != 2 {
		t.Fatalf("create: %+v %v", vip, err)
	}
	if st := cam.State(); len(st.FaceGroups) != 3 || strings.Join(st.FaceGroups[2].Attrs, ",") != "phone,level" {
		t.Fatalf("camera has %+v", st.FaceGroups)
	}
	_, err = lib.CreateFaceGroup(ctx, shop, vendors.GroupInput{Kind: vendors.GroupCustom, Name: "vip"})
	wantCode(t, err, vendors.KindGroupExists, CodeGroupExists)
	_, err = lib.CreateFaceGroup(ctx, shop, vendors.GroupInput{Kind: vendors.GroupCustom, Name: "stranger"})
	wantCode(t, err, vendors.KindDefaultGroup, CodeDefaultGroup)
	_, err = lib.CreateFaceGroup(ctx, shop, vendors.GroupInput{Kind: vendors.GroupStaff, Name: "staff"})
	wantCode(t, err, vendors.KindGroupKindNotSup, 0)
	refusedBefore(t, cam, "/face/createGroup", func() error { return c.CreateGroup(ctx, " vip2", 10, "") }, "name")
	refusedBefore(t, cam, "/face/createGroup", func() error { return c.CreateGroup(ctx, strings.Repeat("名", 97), 10, "") }, "name")
	// The camera's own refusals, the adapter's checks bypassed.
	err = c.call(ctx, request{Path: "/face/createGroup", Params: map[string]string{"name": " x", "capacity": "1", "description": ""}}, nil)
	wantCode(t, err, vendors.KindInvalidParam, CodeGroupName)
	// Capacities: 5000 + 5000 + 2 are used; 30,000 is the camera's total.
	wantCode(t, c.CreateGroup(ctx, "big", 19999, ""), vendors.KindGroupFull, CodeGroupLimit)
	if err := c.CreateGroup(ctx, "big", 19998, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteGroup(ctx, "big"); err != nil {
		t.Fatal(err)
	}
	// Ten groups at most: 3 exist.
	for i := range 7 {
		if err := c.CreateGroup(ctx, "g"+string(rune('a'+i)), 1, ""); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, c.CreateGroup(ctx, "g11", 1, ""), vendors.KindGroupFull, CodeGroupLimit)

	// Rename with attributes changed: level goes, vip_level comes.
	if err := lib.UpdateFaceGroup(ctx, shop, "vip", vendors.GroupInput{Name: "svip", Description: "platinum", Capacity: 3,
		CustomKeys: [5]string{"phone", "vip_level"}}); err != nil {
		t.Fatal(err)
	}
	g, err := lib.FaceGroup(ctx, shop, "svip")
	if err != nil || g.Description != "platinum" || g.Capacity != 3 || g.CustomKeys != [5]string{"phone", "vip_level"} {
		t.Fatalf("updated: %+v %v", g, err)
	}
	_, err = lib.FaceGroup(ctx, shop, "vip")
	wantCode(t, err, vendors.KindGroupUnknown, 0)
	wantCode(t, c.UpdateGroup(ctx, "regular", "regulars", 10, ""), vendors.KindDefaultGroup, CodeDefaultGroup)
	wantCode(t, c.UpdateGroup(ctx, "nope", "nope", 10, ""), vendors.KindGroupUnknown, CodeGroupUnknown)
	wantCode(t, c.UpdateGroup(ctx, "svip", "ga", 10, ""), vendors.KindGroupExists, CodeGroupExists)
	// A default group keeps its name but takes a new capacity.
	if err := lib.UpdateFaceGroup(ctx, shop, "regular", vendors.GroupInput{Name: "regular", Capacity: 6000}); err != nil {
		t.Fatal(err)
	}

	// Deletion: defaults never, non-empty never, unknown is 204.
	wantCode(t, lib.DeleteFaceGroup(ctx, shop, "stranger"), vendors.KindDefaultGroup, CodeDefaultGroup)
	wantCode(t, lib.DeleteFaceGroup(ctx, shop, "nope"), vendors.KindGroupUnknown, CodeGroupUnknown)
	if _, err := lib.AddFace(ctx, shop, "svip", vendors.FaceInput{}, photo(t, 1, 320, 240, 90)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, lib.DeleteFaceGroup(ctx, shop, "svip"), vendors.KindGroupNotEmpty, CodeGroupNotEmpty)
	if err := lib.DeleteFaceGroup(ctx, shop, "ga"); err != nil {
		t.Fatal(err)
	}
}

func TestAttributesAgainstSimulator(t *testing.T) {
	cam, c := activated(t)
	ctx := context.Background()
	if err := c.CreateGroup(ctx, "vip", 10, ""); err != nil {
		t.Fatal(err)
	}
	refusedBefore(t, cam, "/face/addFaceInfoItem", func() error { return c.AddAttributes(ctx, "vip", []string{"age"}) }, "name_list")
	refusedBefore(t, cam, "/face/addFaceInfoItem", func() error { return c.AddAttributes(ctx, "vip", []string{"a", "b", "c", "d", "e", "f"}) }, "num")
	raw := func(path, group, list string, num string) error {
		return c.call(ctx, request{Path: path, Params: map[string]string{"group_name": group, "name_list": list, "num": num}}, nil)
	}
	wantCode(t, raw("/face/addFaceInfoItem", "vip", `["pic_url"]`, "1"), vendors.KindInvalidParam, CodeAttrName)
	// 003's example list, with its smart quotes.
	if err := raw("/face/addFaceInfoItem", "vip", `[“phone_num”, “weight”]`, "2"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, raw("/face/addFaceInfoItem", "vip", `["phone_num"]`, "1"), vendors.KindInvalidParam, CodeAttrName)
	wantCode(t, raw("/face/addFaceInfoItem", "vip", `["a","b","c","d"]`, "4"), vendors.KindInvalidParam, CodeAttrLimit)
	wantCode(t, raw("/face/addFaceInfoItem", "vip", `["a"]`, "2"), vendors.KindInvalidParam, CodeParam)
	wantCode(t, c.AddAttributes(ctx, "stranger", []string{"a"}), vendors.KindDefaultGroup, CodeAttrDefault)
	wantCode(t, c.AddAttributes(ctx, "nope", []string{"a"}), vendors.KindGroupUnknown, CodeGroupUnknown)
	wantCode(t, c.RemoveAttributes(ctx, "vip", []string{"hobby"}), vendors.KindNotFound, CodeAttrUnknown)
	if err := c.RemoveAttributes(ctx, "vip", []string{"weight"}); err != nil {
		t.Fatal(err)
	}
	names, err := c.Attributes(ctx, "vip")
	if err != nil || strings.Join(names, ",") != "phone_num" {
		t.Fatalf("attributes %v %v", names, err)
	}
	if names, err := c.Attributes(ctx, "stranger"); err != nil || len(names) != 0 {
		t.Fatalf("stranger attributes %v %v", names, err)
	}
}

func TestFacesAgainstSimulator(t *testing.T) {
	cam, c := activated(t)
	lib := NewFaceLibrary(c, cam.SN())
	ctx, shop := context.Background(), vendors.ShopRef{}
	if _, err := lib.CreateFaceGroup(ctx, shop, vendors.GroupInput{Name: "vip", Capacity: 30, CustomKeys: [5]string{"phone", "level"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateGroup(ctx, "tiny", 1, ""); err != nil {
		t.Fatal(err)
	}
	pic := photo(t, 1, 640, 480, 90)
	en, err := lib.AddFace(ctx, shop, "vip", vendors.FaceInput{Name: "Ann", Gender: vendors.GenderFemale, Age: 5,
		Custom: [5]string{"1234", "gold"}}, pic)
	if err != nil || en.FaceID == "" || en.Pending {
		t.Fatalf("add: %+v %v", en, err)
	}
	// The photo travelled unsigned: the camera checked the sign of the rest.
	f, err := lib.Face(ctx, shop, en.FaceID)
	if err != nil || f.GroupID != "vip" || f.Gender != vendors.GenderFemale || f.Age != 5 || f.Custom != [5]string{"1234", "gold"} {
		t.Fatalf("face: %+v %v", f, err)
	}
	if st := cam.State(); st.Faces[0].Age != 32 || st.Faces[0].Attrs["phone"] != "1234" {
		t.Fatalf("camera keeps %+v", st.Faces[0])
	}
	if err := lib.UpdateFace(ctx, shop, "vip", en.FaceID, vendors.FaceInput{Gender: vendors.GenderMale, Age: 2, Custom: [5]string{"", "silver"}}); err != nil {
		t.Fatal(err)
	}
	if f, _ := lib.Face(ctx, shop, en.FaceID); f.Gender != vendors.GenderMale || f.Age != 2 || f.Custom != [5]string{"1234", "silver"} {
		t.Fatalf("updated: %+v", f)
	}
	_, err = lib.Face(ctx, shop, "999")
	wantCode(t, err, vendors.KindFaceUnknown, CodeParam)
	wantCode(t, lib.UpdateFace(ctx, shop, "stranger", en.FaceID, vendors.FaceInput{}), vendors.KindFaceNotInGroup, CodeFaceUnknown)

	// Paging: 25 faces in vip, 10 a page.
	for i := 2; i <= 25; i++ {
		if _, err := lib.AddFace(ctx, shop, "vip", vendors.FaceInput{}, pic); err != nil {
			t.Fatal(err)
		}
	}
	p3, err := lib.Faces(ctx, shop, "vip", 3, 10)
	if err != nil || p3.Total != 25 || len(p3.Faces) != 5 || p3.Faces[0].ID != "21" || p3.Faces[0].GroupID != "vip" {
		t.Fatalf("page 3: %+v %v", p3, err)
	}
	refusedBefore(t, cam, "/face/getFaceList", func() error { _, err := c.FaceList(ctx, "vip", 1, 101); return err }, "page_size")

	// Capacity: vip holds 30, tiny 1.
	if _, err := lib.AddFace(ctx, shop, "tiny", vendors.FaceInput{}, pic); err != nil {
		t.Fatal(err)
	}
	_, err = lib.AddFace(ctx, shop, "tiny", vendors.FaceInput{}, pic)
	wantCode(t, err, vendors.KindGroupFull, CodeGroupFull)
	wantCode(t, lib.MoveFaces(ctx, shop, "vip", "tiny", []string{"2"}), vendors.KindGroupFull, CodeGroupFull)

	// Photos: refused by the camera's rules.
	_, err = lib.AddFace(ctx, shop, "vip", vendors.FaceInput{}, flat(t))
	wantCode(t, err, vendors.KindPhotoRejected, CodeNoFace)
	_, err = lib.AddFace(ctx, shop, "vip", vendors.FaceInput{}, photo(t, 1, 2000, 1000, 0))
	wantCode(t, err, vendors.KindPhotoRejected, CodePhoto)
	_, err = lib.AddFace(ctx, shop, "vip", vendors.FaceInput{}, []byte("GIF89a not a photo"))
	wantCode(t, err, vendors.KindPhotoRejected, CodePhoto)
	big := append(photo(t, 1, 320, 240, 90), make([]byte, MaxPhotoBytes)...)
	refusedBefore(t, cam, "/face/getFaceByPicture", func() error { _, _, err := c.FaceByPicture(ctx, big); return err }, "pic")
	err = c.call(ctx, request{Path: "/face/addFace", Params: map[string]string{"group_name": "vip"},
		Files: []File{{Field: "pic", Name: "a.jpg", Data: append(photo(t, 1, 320, 240, 90), make([]byte, 1<<20)...)}}}, nil)
	wantCode(t, err, vendors.KindPhotoRejected, CodePhoto)

	// Move and delete; ids the camera lacks are not an error.
	if err := lib.MoveFaces(ctx, shop, "vip", "stranger", []string{"2", "3"}); err != nil {
		t.Fatal(err)
	}
	if f, _ := lib.Face(ctx, shop, "2"); f.GroupID != "stranger" {
		t.Fatalf("moved: %+v", f)
	}
	res, err := c.DeleteFaces(ctx, "vip", []string{"4", "2", "404"})
	if err != nil || strings.Join(res.Deleted, ",") != "4" || strings.Join(res.NotExist, ",") != "2,404" {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if err := lib.DeleteFaces(ctx, shop, "stranger", []string{"2", "3", "404"}); err != nil {
		t.Fatal(err)
	}
	if p, _ := lib.Faces(ctx, shop, "stranger", 1, 10); p.Total != 0 {
		t.Fatalf("stranger still has %+v", p)
	}
	wantCode(t, lib.DeleteFaces(ctx, shop, "nope", []string{"1"}), vendors.KindGroupUnknown, CodeGroupUnknown)
}

func TestFaceSearchAgainstSimulator(t *testing.T) {
	cam, c := activated(t)
	lib := NewFaceLibrary(c, cam.SN())
	ctx, shop := context.Background(), vendors.ShopRef{}
	ann, err := lib.AddFace(ctx, shop, "regular", vendors.FaceInput{}, photo(t, 1, 640, 480, 90))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lib.AddFace(ctx, shop, "regular", vendors.FaceInput{}, photo(t, 2, 640, 480, 90)); err != nil {
		t.Fatal(err)
	}
	// The same person, photographed smaller and compressed harder.
	f, found, err := lib.FindFace(ctx, shop, photo(t, 1, 320, 240, 60))
	if err != nil || !found || f.ID != ann.FaceID || f.GroupID != "regular" {
		t.Fatalf("find: %+v %v %v", f, found, err)
	}
	_, found, err = lib.FindFace(ctx, shop, photo(t, 4, 640, 480, 90))
	if err != nil || found {
		t.Fatalf("a stranger found: %v %v", found, err)
	}
	_, _, err = lib.FindFace(ctx, shop, flat(t))
	wantCode(t, err, vendors.KindPhotoRejected, CodeNoFace)
}

func TestVisitsAgainstSimulator(t *testing.T) {
	cam, c := activated(t)
	lib := NewFaceLibrary(c, cam.SN())
	ctx, shop := context.Background(), vendors.ShopRef{}
	if _, err := lib.CreateFaceGroup(ctx, shop, vendors.GroupInput{Name: "vip", Capacity: 10, CustomKeys: [5]string{"level"}}); err != nil {
		t.Fatal(err)
	}
	add := func(group string, in vendors.FaceInput) string {
		en, err := lib.AddFace(ctx, shop, group, in, photo(t, 1, 320, 240, 90))
		if err != nil {
			t.Fatal(err)
		}
		return en.FaceID
	}
	a := add("vip", vendors.FaceInput{Gender: vendors.GenderMale, Custom: [5]string{"gold"}})
	b := add("vip", vendors.FaceInput{Gender: vendors.GenderFemale, Custom: [5]string{"silver"}})
	s := add("stranger", vendors.FaceInput{Gender: vendors.GenderMale})
	day := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for i, id := range []string{a, a, a, b, b, s} {
		cam.Arrive(id, day.Add(time.Duration(i)*time.Hour))
	}
	cam.Arrive(b, day.AddDate(0, 0, -10))

	times, err := lib.FaceVisits(ctx, shop, b, day, day.Add(24*time.Hour))
	if err != nil || len(times) != 2 || !times[0].Equal(day.Add(3*time.Hour)) {
		t.Fatalf("visits %v %v", times, err)
	}
	if times, err := lib.FaceVisits(ctx, shop, b, day.AddDate(0, 0, -5), day.AddDate(0, 0, -4)); err != nil || len(times) != 0 {
		t.Fatalf("an empty range: %v %v", times, err)
	}
	_, err = lib.FaceVisits(ctx, shop, "404", day, day.Add(time.Hour))
	wantCode(t, err, vendors.KindFaceUnknown, CodeVisitFace)

	q := vendors.VisitorQuery{From: day, To: day.Add(24 * time.Hour), Limit: 10}
	top, err := lib.TopVisitors(ctx, shop, q)
	if err != nil || len(top) != 3 || top[0].ID != a || top[0].Visits != 3 || top[1].ID != b || top[1].Visits != 2 || top[0].Custom[0] != "gold" {
		t.Fatalf("top %+v %v", top, err)
	}
	q.Gender = vendors.GenderMale
	if top, _ := lib.TopVisitors(ctx, shop, q); len(top) != 2 || top[1].ID != s {
		t.Fatalf("men %+v", top)
	}
	q.Gender, q.GroupID, q.Custom = "", "vip", [5]string{"silver"}
	if top, _ := lib.TopVisitors(ctx, shop, q); len(top) != 1 || top[0].ID != b {
		t.Fatalf("silver %+v", top)
	}
	q.GroupID = ""
	if _, err := lib.TopVisitors(ctx, shop, q); vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Fatalf("a custom filter without a group: %v", err)
	}
	err = c.call(ctx, request{Path: "/peopleFlow/getVisitorList", Params: map[string]string{"start_time": "1", "end_time": "99999", "order": "1", "item1": "x"}}, nil)
	wantCode(t, err, vendors.KindInvalidParam, 282)
	q = vendors.VisitorQuery{From: day.AddDate(1, 0, 0), To: day.AddDate(1, 0, 1), Limit: 5}
	if top, err := lib.TopVisitors(ctx, shop, q); err != nil || len(top) != 0 {
		t.Fatalf("a range nobody visited: %v %v", top, err)
	}

	// Longest absent: the new face never seen, then a (last at 12:00), then b.
	add("vip", vendors.FaceInput{})
	lapsed, err := lib.LongestAbsent(ctx, shop, "vip", 20)
	if err != nil || len(lapsed) != 3 || lapsed[0].Visits != 0 || lapsed[1].ID != a || lapsed[2].ID != b || !lapsed[1].LastVisit.Equal(day.Add(2*time.Hour)) {
		t.Fatalf("lapsed %+v %v", lapsed, err)
	}
	_, err = lib.LongestAbsent(ctx, shop, "tiny", 1)
	wantCode(t, err, vendors.KindGroupUnknown, CodeGroupUnknown)
}

func TestMigrationRuleAgainstSimulator(t *testing.T) {
	cam, c := activated(t)
	lib := NewFaceLibrary(c, cam.SN())
	ctx, shop := context.Background(), vendors.ShopRef{}
	if err := lib.SetMigrationRule(ctx, shop, vendors.MigrationRule{Visits: 2, Period: 60 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	gs, _ := c.Groups(ctx)
	if gs[0].Name != "stranger" || gs[0].Times != 2 || gs[0].Period != 3 {
		t.Fatalf("rule read back %+v", gs[0])
	}
	refusedBefore(t, cam, "/face/updateMigration", func() error {
		return lib.SetMigrationRule(ctx, shop, vendors.MigrationRule{Visits: 11, Period: 24 * time.Hour})
	}, "arrive_times")
	refusedBefore(t, cam, "/face/updateMigration", func() error {
		return lib.SetMigrationRule(ctx, shop, vendors.MigrationRule{Visits: 2, Period: 101 * 24 * time.Hour})
	}, "period")
	err := c.call(ctx, request{Path: "/face/updateMigration", Params: map[string]string{"arrive_times": "0", "period": "3"}}, nil)
	wantCode(t, err, vendors.KindInvalidParam, CodeParam)
	en, err := lib.AddFace(ctx, shop, "stranger", vendors.FaceInput{}, photo(t, 1, 320, 240, 90))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cam.Arrive(en.FaceID, now.Add(-80*time.Hour)) // outside 3 days of the next
	cam.Arrive(en.FaceID, now)
	if f, _ := lib.Face(ctx, shop, en.FaceID); f.GroupID != "stranger" {
		t.Fatalf("moved too early: %+v", f)
	}
	cam.Arrive(en.FaceID, now.Add(time.Hour))
	if f, _ := lib.Face(ctx, shop, en.FaceID); f.GroupID != "regular" || f.Visits != 3 {
		t.Fatalf("not moved: %+v", f)
	}
}

func TestFaceLibraryOnFM010(t *testing.T) {
	cam := newSimCamera(t, "C201D8BS00399", "FM010")
	fp, err := FetchFingerprint(context.Background(), cam.Addr(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, cam, fp)
	if err := c.Activate(context.Background(), cam.SN()); err != nil {
		t.Fatal(err)
	}
	_, err = NewFaceLibrary(c, cam.SN()).FaceGroups(context.Background(), vendors.ShopRef{})
	wantCode(t, err, vendors.KindFaceUnavailable, CodeFaceUnavail)
}

// An addFace signed by hand: the photo is not in the sign (003 Face
// Recognition 9). The worked string is
// app_id=JO83UNV983U9OR&group_name=vip&random=289192&timestamp=1593029283&key=ABCDEFG3F2BB03917123
// whose MD5 is 032F51342B6F25274B7E8D687B261B3E.
func TestAddFaceSignVector(t *testing.T) {
	var fields map[string]string
	var pic []byte
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, mp, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(r.Body, mp["boundary"])
		fields = map[string]string{}
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			if p.FileName() != "" {
				pic = b
				continue
			}
			fields[p.FormName()] = string(b)
		}
		io.WriteString(w, "{\"code\": 0,\n \"data\": {\"faceid\": \"123456\"}}")
	}))
	defer srv.Close()
	c := docClient(t, srv)
	c.cfg.Now = func() time.Time { return time.Unix(1593029283, 0) }
	c.cfg.Random = func() string { return "289192" }
	id, err := c.AddFace(context.Background(), "vip", FaceData{}, []byte("\xff\xd8 the photo"))
	if err != nil || id != "123456" {
		t.Fatal(id, err)
	}
	if fields["sign"] != "032F51342B6F25274B7E8D687B261B3E" || string(pic) != "\xff\xd8 the photo" || len(fields) != 5 {
		t.Fatalf("sent %v", fields)
	}
}

func docClient(t *testing.T, srv *httptest.Server) *Client {
	t.Helper()
	addr := srv.Listener.Addr().String()
	fp, err := FetchFingerprint(context.Background(), addr, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Address: addr, AppID: testAppID, Secret: testSecret, Pin: fp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// 003's example replies, as printed, read by the adapter. The addFace and
// getVisitorList examples are not JSON (a missing comma; a stray quote and
// unquoted values): they are read here with those fixed and nothing else.
func TestFaceDocumentExamples(t *testing.T) {
	replies := map[string]string{
		"/openapi/face/getGroupList": `{"data": {"face_group": [
			{"capacity": 5000, "count": 0, "name": "regular", "description": "this is regular group"},
			{"capacity": 1000, "count": 0, "name": "employee", "description": "this is employee group"},
			{"capacity": 1000, "count": 0, "name": "blacklist", "description": "this is blacklist group"},
			{"name": "stranger", "times": 5, "capacity": 1000, "count": 0, "period": 2, "description": "this is stranger group"}],
			"num": 4}, "code": 0}`,
		"/openapi/face/getFaceInfoItem": `{"code": 0, "data": {"num": 3, "name_list": ["phone", "address", "vip_level"]}}`,
		"/openapi/face/deleteFace":      `{"code": 0, "data": {"success_list": ["000001", "000002"], "failed_list": [], "not_exist_list": ["000003"]}}`,
		"/openapi/face/getFace": `{"code": 0, "data": {"arrive_time": 1566215943, "arrive_count": 2, "faceid": "123456", "group_name": "vip",
			"point": "113", "gender": 1, "age": 10, "age_range": 2, "vip_level": "1", "hobby": "tennis", "weight": "60", "height": "180"}}`,
		"/openapi/face/getFaceList": `{"code": 0, "data": {"total_num": 2, "num": 2, "faceid_list": [
			{"arrive_time": 1566215929, "arrive_count": 2, "faceid": "3", "point": "113", "gender": 2, "vip_level": "3", "hobby": "tennis", "weight": "60", "height": "180", "age": 10, "age_range": 2},
			{"arrive_time": 1566215998, "arrive_count": 1, "faceid": "4", "point": "113", "gender": 1, "vip_level": "1", "hobby": "tennis", "weight": "60", "height": "180", "age": 10, "age_range": 2}]}}`,
		"/openapi/face/getFaceByArrival": `{"code": 0, "data": {"return_num": 2, "faceid_list": [
			{"faceid": "8", "arrive_time": 1566215929, "arrive_count": 7, "age_range": 5, "gender": 1, "age": 0, "item1": "value1", "item2": "value2", "item3": "value3", "item4": "value4", "item5": "value5"},
			{"faceid": "10", "arrive_time": 1566110525, "arrive_count": 6, "age_range": 4, "gender": 2, "age": 0, "item1": "value1", "item2": "value2", "item3": "value3", "item4": "value4", "item5": "value5"}]}}`,
		"/openapi/face/getFaceByPicture": `{"code": 0, "data": {"arrive_time": 1566215943, "arrive_count": 2, "faceid": "4", "group_name": "VIP",
			"point": "113", "gender": 1, "age": 10, "age_range": 2, "vip_level": "1", "hobby": "tennis", "weight": "60", "height": "180"}}`,
		"/openapi/peopleFlow/getVisitorList": `{"code": 0, "data": {"total_num": 2, "return_num": 2, "face_list": [
			{"faceid": "000001", "group_name": "vip", "age": "32", "age_range": 5, "gender": 1, "arrive_times": 100, "item1": "value1"},
			{"faceid": "000002", "group_name": "vip", "age": "30", "age_range": 5, "gender": 1, "arrive_times": 99, "item1": "value1"}]}}`,
		"/openapi/peopleFlow/getFaceVisitDetail": `{"code": 0, "data": {"total_times": 2, "came_in_time": [1561910400, 1561996800]}}`,
		"/openapi/face/createGroup":              `{"code": 0}`,
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := replies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, body)
	}))
	defer srv.Close()
	c := docClient(t, srv)
	ctx := context.Background()

	gs, err := c.Groups(ctx)
	if err != nil || len(gs) != 4 || gs[3].Name != "stranger" || gs[3].Times != 5 || gs[3].Period != 2 || gs[0].Capacity != 5000 {
		t.Fatalf("groups %+v %v", gs, err)
	}
	names, err := c.Attributes(ctx, "vip")
	if err != nil || strings.Join(names, ",") != "phone,address,vip_level" {
		t.Fatalf("attributes %v %v", names, err)
	}
	res, err := c.DeleteFaces(ctx, "vip", []string{"000001", "0000002"})
	if err != nil || len(res.Deleted) != 2 || res.NotExist[0] != "000003" {
		t.Fatalf("delete %+v %v", res, err)
	}
	r, err := c.Face(ctx, "4")
	if err != nil || r.FaceID != "123456" || r.Group != "vip" || r.Age != 10 || r.AgeRange != 2 || r.ArriveCount != 2 ||
		r.LastArrival.Unix() != 1566215943 || r.Attrs["hobby"] != "tennis" || r.Attrs["vip_level"] != "1" || len(r.Attrs) != 4 {
		t.Fatalf("face %+v %v", r, err)
	}
	list, err := c.FaceList(ctx, "vip", 1, 10)
	if err != nil || list.Total != 2 || len(list.Faces) != 2 || list.Faces[1].FaceID != "4" || list.Faces[0].Gender != 2 {
		t.Fatalf("list %+v %v", list, err)
	}
	// Through the library: the named attributes land in their slots, and
	// getFaceByArrival's item1..5 in theirs.
	lib := NewFaceLibrary(c, "SN")
	lapsed, err := lib.LongestAbsent(ctx, vendors.ShopRef{}, "vip", 2)
	if err != nil || len(lapsed) != 2 || lapsed[0].ID != "8" || lapsed[0].Age != 5 || lapsed[0].Custom[0] != "value1" || lapsed[1].Custom[4] != "value5" {
		t.Fatalf("lapsed %+v %v", lapsed, err)
	}
	f, found, err := lib.FindFace(ctx, vendors.ShopRef{}, []byte("photo"))
	if err != nil || !found || f.ID != "4" || f.GroupID != "VIP" || f.Custom[2] != "1" || f.Gender != vendors.GenderMale {
		t.Fatalf("find %+v %v %v", f, found, err)
	}
	total, visitors, err := c.Visitors(ctx, VisitorFilter{From: time.Unix(1560441600, 0), To: time.Unix(1560528000, 0), Order: 2, Group: "vip", Gender: 1, Age: 30})
	if err != nil || total != 2 || visitors[0].ArriveCount != 100 || visitors[0].Age != 32 || visitors[1].FaceID != "000002" {
		t.Fatalf("visitors %d %+v %v", total, visitors, err)
	}
	times, err := c.FaceVisits(ctx, "000002", time.Unix(1561910400, 0), time.Unix(1562083200, 0))
	if err != nil || len(times) != 2 || times[1].Unix() != 1561996800 {
		t.Fatalf("visit detail %v %v", times, err)
	}
}

// The camera's own refusals of values the adapter would not send, each
// with the code decided for it (sim/doc.go "Face library").
func TestFaceCodesOfTheSimulator(t *testing.T) {
	_, c := activated(t)
	ctx := context.Background()
	if err := c.CreateGroup(ctx, "vip", 10, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddFace(ctx, "vip", FaceData{}, photo(t, 1, 320, 240, 90)); err != nil {
		t.Fatal(err)
	}
	day := map[string]string{"start_time": "1700000000", "end_time": "1700086400", "order": "5"}
	with := func(base map[string]string, kv ...string) map[string]string {
		p := map[string]string{}
		for k, v := range base {
			p[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "-" {
				delete(p, kv[i])
				continue
			}
			p[kv[i]] = kv[i+1]
		}
		return p
	}
	cases := []struct {
		name, path string
		params     map[string]string
		files      []File
		kind       vendors.Kind
		code       int
	}{
		{"update: bad new name", "/face/updateGroup", map[string]string{"old_name": "vip", "name": " v", "capacity": "10"}, nil, vendors.KindInvalidParam, CodeGroupName},
		{"update: capacity 0", "/face/updateGroup", map[string]string{"old_name": "vip", "name": "vip", "capacity": "0"}, nil, vendors.KindInvalidParam, CodeParam},
		{"update: over 30000", "/face/updateGroup", map[string]string{"old_name": "vip", "name": "vip", "capacity": "25000"}, nil, vendors.KindGroupFull, CodeGroupLimit},
		{"add face: no photo", "/face/addFace", map[string]string{"group_name": "vip"}, nil, vendors.KindPhotoRejected, CodePhoto},
		{"add face: faceid not numeric", "/face/addFace", map[string]string{"group_name": "vip", "faceid": "Vip11024"}, []File{{Field: "pic", Name: "a.jpg", Data: photo(t, 1, 320, 240, 90)}}, vendors.KindInvalidParam, CodeParam},
		{"add face: faceid in use", "/face/addFace", map[string]string{"group_name": "vip", "faceid": "1"}, []File{{Field: "pic", Name: "a.jpg", Data: photo(t, 1, 320, 240, 90)}}, vendors.KindInvalidParam, CodeParam},
		{"add face: unknown group", "/face/addFace", map[string]string{"group_name": "nope"}, []File{{Field: "pic", Name: "a.jpg", Data: photo(t, 1, 320, 240, 90)}}, vendors.KindGroupUnknown, CodeGroupUnknown},
		{"update face: photo refused", "/face/updateFace", map[string]string{"group_name": "vip", "faceid": "1"}, []File{{Field: "pic", Name: "a.jpg", Data: flat(t)}}, vendors.KindPhotoRejected, CodeNoFace},
		{"update face: age out of range", "/face/updateFace", map[string]string{"group_name": "vip", "faceid": "1", "age": "101"}, nil, vendors.KindInvalidParam, CodeParam},
		{"delete: num mismatch", "/face/deleteFace", map[string]string{"group_name": "vip", "faceid_list": `["1"]`, "num": "2"}, nil, vendors.KindInvalidParam, CodeParam},
		{"list: page_size 0", "/face/getFaceList", map[string]string{"group_name": "vip", "page_size": "0"}, nil, vendors.KindInvalidParam, CodeParam},
		{"arrival: num 11", "/face/getFaceByArrival", map[string]string{"group_name": "vip", "num": "11"}, nil, vendors.KindInvalidParam, CodeParam},
		{"arrival: empty group", "/face/getFaceByArrival", map[string]string{"group_name": "stranger"}, nil, vendors.KindFaceNotInGroup, CodeFaceUnknown},
		{"visitors: no start", "/peopleFlow/getVisitorList", with(day, "start_time", "-"), nil, vendors.KindOther, 266},
		{"visitors: end before start", "/peopleFlow/getVisitorList", with(day, "end_time", "1600000000"), nil, vendors.KindOther, 267},
		{"visitors: order 0", "/peopleFlow/getVisitorList", with(day, "order", "0"), nil, vendors.KindOther, 268},
		{"visitors: unknown group", "/peopleFlow/getVisitorList", with(day, "group_name", "nope"), nil, vendors.KindGroupUnknown, 269},
		{"visitors: gender 3", "/peopleFlow/getVisitorList", with(day, "gender", "3"), nil, vendors.KindOther, 270},
		{"visitors: age_range 9", "/peopleFlow/getVisitorList", with(day, "age_range", "9"), nil, vendors.KindOther, 271},
		{"visitors: age 0", "/peopleFlow/getVisitorList", with(day, "age", "0"), nil, vendors.KindOther, 272},
		{"visitors: attribute the group lacks", "/peopleFlow/getVisitorList", with(day, "group_name", "vip", "item1", "x"), nil, vendors.KindInvalidParam, 273},
		{"visitors: page_num 0", "/peopleFlow/getVisitorList", with(day, "page_num", "0"), nil, vendors.KindOther, 274},
		{"visitors: page_size 101", "/peopleFlow/getVisitorList", with(day, "page_size", "101"), nil, vendors.KindOther, 281},
		{"visitors: nobody seen", "/peopleFlow/getVisitorList", day, nil, vendors.KindOther, CodeNoRecord},
		{"visit detail: unknown face", "/peopleFlow/getFaceVisitDetail", with(day, "faceid", "404"), nil, vendors.KindFaceUnknown, CodeVisitFace},
		{"visit detail: end before start", "/peopleFlow/getFaceVisitDetail", with(day, "faceid", "1", "end_time", "1"), nil, vendors.KindOther, 267},
	}
	for _, tc := range cases {
		err := c.call(ctx, request{Path: tc.path, Params: tc.params, Files: tc.files}, nil)
		var ve *vendors.Error
		if !errors.As(err, &ve) || ve.Kind != tc.kind || (tc.code != 0 && ve.Code != tc.code) {
			t.Errorf("%s: got %v, want %s %d", tc.name, err, tc.kind, tc.code)
		}
	}
	// Read through the adapter, an empty group has nobody absent and an
	// unvisited range nobody on top.
	if list, err := c.FacesByArrival(ctx, "stranger", 3); err != nil || len(list) != 0 {
		t.Fatalf("empty group: %v %v", list, err)
	}
}
