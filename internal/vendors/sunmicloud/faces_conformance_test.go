package sunmicloud_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmicloud/sim"
)

// The face adapter against the simulator over HTTPS: every endpoint of
// 001, each documented error, and the pending-face reconciliation.

func faceSetup(t *testing.T, delay time.Duration, returnID bool) (*sunmicloud.Client, *sim.Server) {
	t.Helper()
	c, s := setup(t)
	o := sim.DefaultFaceOptions
	o.ProcessDelay, o.ReturnFaceID = delay, returnID
	s.SetFaceOptions(o)
	return c, s
}

// photo is a JPEG with something in it, which the simulator's face check
// accepts.
func photo(t *testing.T, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 240, 240))
	for y := range 240 {
		for x := range 240 {
			img.SetRGBA(x, y, color.RGBA{uint8(x + seed), uint8(y), uint8(seed * 7), 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

func groupByKind(t *testing.T, gs []vendors.FaceGroup, k vendors.GroupKind) vendors.FaceGroup {
	t.Helper()
	for _, g := range gs {
		if g.Kind == k {
			return g
		}
	}
	t.Fatalf("no %s group in %+v", k, gs)
	return vendors.FaceGroup{}
}

func TestFaceGroupLifecycle(t *testing.T) {
	c, s := faceSetup(t, 0, false)
	ctx := context.Background()
	gs, err := c.FaceGroups(ctx, shop)
	if err != nil || len(gs) != 3 {
		t.Fatalf("FaceGroups = %+v, %v", gs, err)
	}
	for _, k := range []vendors.GroupKind{vendors.GroupStranger, vendors.GroupRegular, vendors.GroupStaff} {
		if g := groupByKind(t, gs, k); !g.Default || g.Capacity != 1000 {
			t.Errorf("%s group %+v", k, g)
		}
	}
	in := vendors.GroupInput{Kind: vendors.GroupMember, Name: "金卡会员", Description: "金卡", Capacity: 2000,
		CustomKeys: [5]string{"vip_level", "", "hobby"}}
	g, err := c.CreateFaceGroup(ctx, shop, in)
	if err != nil {
		t.Fatal(err)
	}
	if g.ID == "" || g.Name != "金卡会员" || g.Kind != vendors.GroupCustom || g.Default || g.Capacity != 2000 ||
		g.CustomKeys != in.CustomKeys || g.Description != "金卡" {
		t.Fatalf("created %+v", g)
	}
	_, err = c.CreateFaceGroup(ctx, shop, in)
	wantKind(t, err, vendors.KindGroupExists, 5523)
	// A staff group created later is not a default one.
	extra, err := c.CreateFaceGroup(ctx, shop, vendors.GroupInput{Kind: vendors.GroupStaff, Name: "兼职"})
	if err != nil || extra.Kind != vendors.GroupStaff || extra.Default {
		t.Fatalf("second staff group %+v %v", extra, err)
	}
	_, err = c.CreateFaceGroup(ctx, shop, vendors.GroupInput{Kind: vendors.GroupVisitor, Name: "访客"})
	wantKind(t, err, vendors.KindGroupKindNotSup, 0)

	in.Name, in.Capacity, in.Description = "白金会员", 3000, "升级"
	if err := c.UpdateFaceGroup(ctx, shop, g.ID, in); err != nil {
		t.Fatal(err)
	}
	if got, err := c.FaceGroup(ctx, shop, g.ID); err != nil || got.Name != "白金会员" || got.Capacity != 3000 || got.Description != "升级" {
		t.Fatalf("after update %+v %v", got, err)
	}
	if info, err := c.GroupInfo(ctx, shop, g.ID); err != nil || info.Name != "白金会员" {
		t.Fatalf("GroupInfo %+v %v", info, err)
	}
	_, err = c.GroupInfo(ctx, shop, "578968000000")
	wantKind(t, err, vendors.KindNoData, 5013)
	_, err = c.FaceGroup(ctx, shop, "578968000000")
	wantKind(t, err, vendors.KindGroupUnknown, 0)
	wantKind(t, c.UpdateFaceGroup(ctx, shop, extra.ID, vendors.GroupInput{Name: "regular"}), vendors.KindGroupExists, 5523)
	wantKind(t, c.UpdateFaceGroup(ctx, shop, "578968000000", in), vendors.KindGroupUnknown, 5506)
	staff := groupByKind(t, gs, vendors.GroupStaff)
	wantKind(t, c.UpdateFaceGroup(ctx, shop, staff.ID, vendors.GroupInput{Name: "店员"}), vendors.KindDefaultGroup, 5525)
	wantKind(t, c.DeleteFaceGroup(ctx, shop, staff.ID), vendors.KindDefaultGroup, 5524)
	wantKind(t, c.DeleteFaceGroup(ctx, shop, "578968000000"), vendors.KindGroupUnknown, 5506)

	if _, ok := s.SeedFace(sim.Face{GroupID: g.ID, Name: "甲"}); !ok {
		t.Fatal("seed")
	}
	wantKind(t, c.DeleteFaceGroup(ctx, shop, g.ID), vendors.KindGroupNotEmpty, 5509)
	if err := c.DeleteFaceGroup(ctx, shop, extra.ID); err != nil {
		t.Fatal(err)
	}
	if gs, _ := c.FaceGroups(ctx, shop); len(gs) != 4 {
		t.Fatalf("after delete: %d groups", len(gs))
	}

	// No room for another 10000.
	_, err = c.CreateFaceGroup(ctx, shop, vendors.GroupInput{Kind: vendors.GroupCustom, Name: "big", Capacity: 10000})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		_, err = c.CreateFaceGroup(ctx, shop, vendors.GroupInput{Kind: vendors.GroupCustom, Name: "big" + string(rune('a'+i)), Capacity: 10000})
	}
	wantKind(t, err, vendors.KindGroupFull, 5520)
}

// /face/add answers before the face exists; ResolveFaces finds it once
// processed, by name in its group (the vendor gave no id).
func TestPendingFacesResolvedByName(t *testing.T) {
	c, s := faceSetup(t, 150*time.Millisecond, false)
	ctx := context.Background()
	gs, _ := c.FaceGroups(ctx, shop)
	staff := groupByKind(t, gs, vendors.GroupStaff)
	submitted := time.Now()
	var pending []vendors.PendingFace
	for i, name := range []string{"Mike", "张三", "张三"} {
		en, err := c.AddFace(ctx, shop, staff.ID, vendors.FaceInput{Name: name, Gender: vendors.GenderFemale, Age: 5,
			Custom: [5]string{"v1"}}, photo(t, i))
		if err != nil || !en.Pending || en.FaceID != "" {
			t.Fatalf("AddFace = %+v %v", en, err)
		}
		pending = append(pending, vendors.PendingFace{Ref: string(rune('a' + i)), GroupID: staff.ID, Name: name,
			Submitted: submitted.Add(time.Duration(i) * time.Millisecond)})
	}
	res, err := c.ResolveFaces(ctx, shop, pending, nil)
	if err != nil || len(res) != 3 || res[0].Found || res[1].Found || res[2].Found {
		t.Fatalf("before processing: %+v %v", res, err)
	}
	time.Sleep(200 * time.Millisecond)
	res, err = c.ResolveFaces(ctx, shop, pending, nil)
	if err != nil || len(res) != 3 {
		t.Fatalf("ResolveFaces = %+v %v", res, err)
	}
	ids := map[string]string{}
	for _, r := range res {
		if !r.Found || r.FaceID == "" {
			t.Fatalf("not resolved: %+v", res)
		}
		ids[r.Ref] = r.FaceID
	}
	if ids["b"] == ids["c"] || ids["b"] > ids["c"] {
		t.Fatalf("two 张三 paired wrongly: %v", ids)
	}
	// Ids already known are never claimed again.
	res, _ = c.ResolveFaces(ctx, shop, pending[1:2], map[string]bool{ids["b"]: true, ids["c"]: true})
	if res[0].Found {
		t.Fatalf("claimed a taken id: %+v", res)
	}
	f, err := c.Face(ctx, shop, ids["a"])
	if err != nil || f.Name != "Mike" || f.Gender != vendors.GenderFemale || f.Age != 5 || f.GroupID != staff.ID || f.Created.IsZero() {
		t.Fatalf("Face = %+v %v", f, err)
	}
	page, err := c.Faces(ctx, shop, staff.ID, 1, 2)
	if err != nil || page.Total != 3 || len(page.Faces) != 2 || page.Faces[0].Custom[0] != "v1" {
		t.Fatalf("Faces = %+v %v", page, err)
	}
	if len(s.Rejections()) != 0 {
		t.Fatalf("rejections %+v", s.Rejections())
	}
}

// With the example's synchronous face_id, the face is looked up by id.
func TestPendingFacesResolvedByID(t *testing.T) {
	c, s := faceSetup(t, 150*time.Millisecond, true)
	ctx := context.Background()
	gs, _ := c.FaceGroups(ctx, shop)
	staff := groupByKind(t, gs, vendors.GroupStaff)
	en, err := c.AddFace(ctx, shop, staff.ID, vendors.FaceInput{Name: "Mike"}, photo(t, 1))
	if err != nil || en.FaceID == "" || !en.Pending {
		t.Fatalf("AddFace = %+v %v", en, err)
	}
	p := []vendors.PendingFace{{Ref: "x", GroupID: staff.ID, FaceID: en.FaceID, Name: "Mike", Submitted: time.Now()}}
	if res, err := c.ResolveFaces(ctx, shop, p, nil); err != nil || res[0].Found {
		t.Fatalf("before processing %+v %v", res, err)
	}
	time.Sleep(200 * time.Millisecond)
	if res, err := c.ResolveFaces(ctx, shop, p, nil); err != nil || !res[0].Found || res[0].FaceID != en.FaceID {
		t.Fatalf("after processing %+v %v", res, err)
	}
	// A flat photo is refused in processing: it never resolves.
	flat := image.NewRGBA(image.Rect(0, 0, 200, 200))
	var b bytes.Buffer
	jpeg.Encode(&b, flat, nil)
	en2, err := c.AddFace(ctx, shop, staff.ID, vendors.FaceInput{Name: "Flat"}, b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	p[0].FaceID = en2.FaceID
	if res, err := c.ResolveFaces(ctx, shop, p, nil); err != nil || res[0].Found {
		t.Fatalf("refused photo resolved: %+v %v", res, err)
	}
	if r := s.Rejections(); len(r) != 1 || r[0].Name != "Flat" {
		t.Fatalf("rejections %+v", r)
	}
}

func TestAddFaceErrors(t *testing.T) {
	c, _ := faceSetup(t, 0, false)
	ctx := context.Background()
	_, err := c.AddFace(ctx, shop, "578968000000", vendors.FaceInput{Name: "x"}, photo(t, 0))
	wantKind(t, err, vendors.KindNoData, 5013)
	g, _ := c.CreateFaceGroup(ctx, shop, vendors.GroupInput{Kind: vendors.GroupCustom, Name: "one", Capacity: 1})
	if _, err := c.AddFace(ctx, shop, g.ID, vendors.FaceInput{Name: "x"}, photo(t, 0)); err != nil {
		t.Fatal(err)
	}
	_, err = c.AddFace(ctx, shop, g.ID, vendors.FaceInput{Name: "y"}, photo(t, 1))
	wantKind(t, err, vendors.KindGroupFull, 5520)
	_, err = c.AddFace(ctx, vendors.ShopRef{ShopNo: "999999"}, g.ID, vendors.FaceInput{Name: "y"}, photo(t, 1))
	wantKind(t, err, vendors.KindNoData, 5013)
}

func TestUpdateMoveDeleteFaces(t *testing.T) {
	c, s := faceSetup(t, 0, false)
	ctx := context.Background()
	gs, _ := c.FaceGroups(ctx, shop)
	staff, regular := groupByKind(t, gs, vendors.GroupStaff), groupByKind(t, gs, vendors.GroupRegular)
	var ids []string
	for i := range 150 {
		id, _ := s.SeedFace(sim.Face{GroupID: staff.ID, Name: "p" + string(rune('A'+i%26)), Gender: 1, AgeRange: 6})
		ids = append(ids, id)
	}
	in := vendors.FaceInput{Name: "Mike", Gender: vendors.GenderFemale, Age: 3, Custom: [5]string{"", "sing"}}
	if err := c.UpdateFace(ctx, shop, staff.ID, ids[0], in); err != nil {
		t.Fatal(err)
	}
	page, _ := c.Faces(ctx, shop, staff.ID, 1, 1)
	if f := page.Faces[0]; f.Name != "Mike" || f.Gender != vendors.GenderFemale || f.Age != 3 || f.Custom[1] != "sing" {
		t.Fatalf("updated %+v", f)
	}
	wantKind(t, c.UpdateFace(ctx, shop, regular.ID, ids[0], in), vendors.KindFaceNotInGroup, 5521)
	_, err := c.Face(ctx, shop, "578968000000")
	wantKind(t, err, vendors.KindFaceUnknown, 5506)

	// 120 faces move in two calls of at most 100.
	if err := c.MoveFaces(ctx, shop, staff.ID, regular.ID, ids[:120]); err != nil {
		t.Fatal(err)
	}
	if p, _ := c.Faces(ctx, shop, regular.ID, 1, 1); p.Total != 120 {
		t.Fatalf("moved %d", p.Total)
	}
	wantKind(t, c.MoveFaces(ctx, shop, staff.ID, "578968000000", ids[120:121]), vendors.KindGroupUnknown, 5522)
	wantKind(t, c.MoveFaces(ctx, shop, staff.ID, regular.ID, ids[:1]), vendors.KindFaceNotInGroup, 5521)
	small, _ := c.CreateFaceGroup(ctx, shop, vendors.GroupInput{Kind: vendors.GroupCustom, Name: "small", Capacity: 5})
	wantKind(t, c.MoveFaces(ctx, shop, staff.ID, small.ID, ids[120:130]), vendors.KindGroupFull, 5520)

	// 150 deletes in two calls; an id already gone is no error.
	all := append(append([]string{}, ids...), "578968000000")
	if err := c.DeleteFaces(ctx, shop, regular.ID, all[:120]); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteFaces(ctx, shop, staff.ID, all); err != nil {
		t.Fatal(err)
	}
	deletes := 0
	for _, call := range s.Calls() {
		if call.Path == "/face/delete" {
			deletes++
		}
	}
	if deletes != 4 {
		t.Fatalf("%d delete calls, want 4 (100 ids each)", deletes)
	}
	if len(s.Faces(shopNo)) != 0 {
		t.Fatalf("left %d faces", len(s.Faces(shopNo)))
	}
	wantKind(t, c.DeleteFaces(ctx, shop, "578968000000", ids[:1]), vendors.KindNoData, 5013)
}

func TestMigrationRule(t *testing.T) {
	c, s := faceSetup(t, 0, false)
	ctx := context.Background()
	gs, _ := c.FaceGroups(ctx, shop)
	stranger, regular := groupByKind(t, gs, vendors.GroupStranger), groupByKind(t, gs, vendors.GroupRegular)
	if err := c.SetMigrationRule(ctx, shop, vendors.MigrationRule{TargetGroupID: regular.ID, Visits: 4, Period: 7 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if m, ok := s.MoveStrategyOf(shopNo); !ok || m.Threshold != 4 || m.Period != 604800*time.Second || m.TargetGroupID != regular.ID {
		t.Fatalf("strategy %+v", m)
	}
	wantKind(t, c.SetMigrationRule(ctx, shop, vendors.MigrationRule{TargetGroupID: stranger.ID, Visits: 4, Period: time.Hour}), vendors.KindDefaultGroup, 5525)
	wantKind(t, c.SetMigrationRule(ctx, shop, vendors.MigrationRule{TargetGroupID: "578968000000", Visits: 4, Period: time.Hour}), vendors.KindGroupUnknown, 5506)
}

// Codes the simulator only gives when told, and transport failures.
func TestFaceFaults(t *testing.T) {
	c, s := faceSetup(t, 0, false)
	ctx := context.Background()
	s.SetFault("/face/group/create", sim.Fault{Code: 5518, Times: 1})
	_, err := c.CreateFaceGroup(ctx, shop, vendors.GroupInput{Kind: vendors.GroupCustom, Name: "x"})
	wantKind(t, err, vendors.KindInternal, 5518)
	s.SetFault("/face/group/getList", sim.Fault{Code: 5041, Times: 1})
	_, err = c.FaceGroups(ctx, shop)
	wantKind(t, err, vendors.KindInvalidParam, 5041)
	s.SetFault("/face/group/getList", sim.Fault{Code: 5000, Times: 1})
	_, err = c.FaceGroups(ctx, shop)
	wantKind(t, err, vendors.KindInternal, 5000)

	// A dropped list is read again; a dropped add is not sent twice.
	s.SetFault("/face/group/getList", sim.Fault{Drop: true, Times: 2})
	gs, err := c.FaceGroups(ctx, shop)
	if err != nil {
		t.Fatalf("list after two drops: %v", err)
	}
	staff := groupByKind(t, gs, vendors.GroupStaff)
	s.SetFault("/face/add", sim.Fault{Drop: true, Times: 1})
	_, err = c.AddFace(ctx, shop, staff.ID, vendors.FaceInput{Name: "x"}, photo(t, 0))
	wantKind(t, err, vendors.KindUnavailable, 0)
	time.Sleep(100 * time.Millisecond)
	adds := 0
	for _, call := range s.Calls() {
		if call.Path == "/face/add" {
			adds++
		}
	}
	if adds != 1 {
		t.Fatalf("add sent %d times", adds)
	}
	s.SetFault("/face/group/getFaceList", sim.Fault{Malformed: true, Times: 3})
	_, err = c.Faces(ctx, shop, staff.ID, 1, 10)
	wantKind(t, err, vendors.KindMalformed, 0)
	s.SetFault("/face/add", sim.Fault{Code: 5090, Times: 1})
	_, err = c.AddFace(ctx, shop, staff.ID, vendors.FaceInput{Name: "x"}, photo(t, 0))
	wantKind(t, err, vendors.KindAuth, 5090)
}
