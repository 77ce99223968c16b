package faces_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"storelens/internal/faces"
	"storelens/internal/models"
	"storelens/internal/photos"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud/sim"
)

func TestEnrollAstronaut(t *testing.T) {
	e := newEnv(t, 100*time.Millisecond)
	staff := e.group("staff")
	f, err := e.enroll(staff, "Eileen", astronaut(t))
	if err != nil {
		t.Fatal(err)
	}
	if f.State != models.FaceEnrolled || f.VendorFaceID == "" || f.Origin != models.OriginHere || f.ThumbHash == "" ||
		f.PhotoHash == "" || f.ConsentBy != "王经理" || f.ConsentPurpose != "会员识别" || f.BoxSize == 0 || f.Attempts != 1 {
		t.Fatalf("face %+v", f)
	}
	at := e.sim.Faces("560279010301")
	if len(at) != 1 || at[0].ID != f.VendorFaceID || at[0].Name != "Eileen" || at[0].Gender != 2 || at[0].AgeRange != 5 ||
		at[0].Values[0] != "gold" || at[0].GroupID != staff.VendorGroupID {
		t.Fatalf("at the vendor: %+v", at)
	}
	if a := e.audits("face.enroll"); len(a) != 1 || a[0].TargetID != itoa(f.ID) || !strings.Contains(a[0].Detail, "王经理") {
		t.Fatalf("audit %+v", a)
	}
	// Its photo and thumbnail are served for this shop only.
	ctx := context.Background()
	for _, h := range []string{f.PhotoHash, f.ThumbHash} {
		if b, err := e.svc.Photo(ctx, e.shop.ID, h); err != nil || photos.Sniff(b) != photos.JPEG {
			t.Fatalf("photo %s: %v", h, err)
		}
		if _, err := e.svc.Photo(ctx, e.other.ID, h); !errors.Is(err, photos.ErrNoPhoto) {
			t.Fatalf("another shop read photo %s: %v", h, err)
		}
	}
	// The same file again is a duplicate, not a second face.
	_, err = e.enroll(staff, "Again", astronaut(t))
	var dup *faces.DuplicateError
	if !errors.As(err, &dup) || dup.Face.ID != f.ID {
		t.Fatalf("second enrollment: %v", err)
	}
	if n := len(e.sim.Faces("560279010301")); n != 1 {
		t.Fatalf("%d faces at the vendor", n)
	}
}

func TestEnrollRefusals(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	staff := e.group("staff")
	st, err := e.svc.CheckPhoto(ctx, e.shop.ID, astronaut(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Enroll(ctx, e.admin, e.shop, faces.EnrollInput{GroupID: staff.ID, Consent: faces.Consent{By: "x"}}, st)
	if !errors.Is(err, faces.ErrConsentRequired) {
		t.Fatalf("without consent: %v", err)
	}
	cat, err := e.svc.CheckPhoto(ctx, e.shop.ID, readTestdata(t, "chelsea.png"))
	if err != nil || !errors.Is(cat.FaceErr, photos.ErrNoFace) || cat.PhotoHash == "" {
		t.Fatalf("chelsea: %+v %v", cat, err)
	}
	_, err = e.svc.Enroll(ctx, e.admin, e.shop, faces.EnrollInput{GroupID: staff.ID, Consent: consent}, cat)
	if !errors.Is(err, photos.ErrNoFace) {
		t.Fatalf("enrolling a cat: %v", err)
	}
	if _, err := e.svc.CheckPhoto(ctx, e.shop.ID, readTestdata(t, "truncated.jpg")); !errors.Is(err, photos.ErrCorrupt) {
		t.Fatalf("truncated: %v", err)
	}
	if len(e.sim.Faces("560279010301")) != 0 || len(e.sim.Calls()) > 1 {
		t.Fatal("something reached the vendor")
	}
	// A staged photo is the shop's: another shop cannot enroll or see it.
	if _, ok := e.svc.StagedPhoto(e.other.ID, st.PhotoHash); ok {
		t.Fatal("staged photo visible to another shop")
	}
	if _, err := e.svc.Photo(ctx, e.shop.ID, st.PhotoHash); err != nil {
		t.Fatalf("staged photo for its own shop: %v", err)
	}
}

// A vendor refusal keeps the face, failed, with the reason; retried once
// there is room, it is enrolled.
func TestVendorRefusalThenRetry(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	g, err := e.svc.CreateGroup(ctx, e.admin, e.shop, "", faces.GroupInput{Kind: vendors.GroupMember, Name: "VIP", Capacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.enroll(g, "one", variant(t, 1)); err != nil {
		t.Fatal(err)
	}
	f, err := e.enroll(g, "two", variant(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	ve := vendors.ParseCompact(f.Error)
	if f.State != models.FaceFailed || ve.Kind != vendors.KindGroupFull || ve.Code != 5520 {
		t.Fatalf("face %+v", f)
	}
	if len(e.audits("face.enroll_failed")) != 1 {
		t.Fatal("failure not audited")
	}
	in := faces.GroupInput{Name: "VIP", Capacity: 5}
	if err := e.svc.UpdateGroup(ctx, e.admin, e.shop, g, in); err != nil {
		t.Fatal(err)
	}
	f, err = e.svc.Retry(ctx, e.admin, e.shop, f)
	if err != nil || f.State != models.FaceEnrolled || f.Attempts != 2 || f.Error != "" {
		t.Fatalf("after retry %+v %v", f, err)
	}
}

// Sunmi's /face/add is asynchronous: a face stays pending until the
// reconciler sees it at the vendor.
func TestPendingReconciled(t *testing.T) {
	e := newEnv(t, 300*time.Millisecond)
	e.svc.ResolveWait = 0
	ctx := context.Background()
	staff := e.group("staff")
	f, err := e.enroll(staff, "Eileen", astronaut(t))
	if err != nil || f.State != models.FacePending || f.VendorFaceID != "" || f.SubmittedAt == nil {
		t.Fatalf("face %+v %v", f, err)
	}
	if err := e.svc.ResolvePending(ctx); err != nil {
		t.Fatal(err)
	}
	if f, _ = e.st.Face(ctx, e.shop.ID, f.ID); f.State != models.FacePending {
		t.Fatalf("resolved before the vendor finished: %+v", f)
	}
	time.Sleep(350 * time.Millisecond)
	if err := e.svc.ResolvePending(ctx); err != nil {
		t.Fatal(err)
	}
	f, _ = e.st.Face(ctx, e.shop.ID, f.ID)
	if f.State != models.FaceEnrolled || f.VendorFaceID != e.sim.Faces("560279010301")[0].ID || f.EnrolledAt == nil {
		t.Fatalf("after reconciliation %+v", f)
	}
}

// A face the vendor never finishes fails after PendingTimeout.
func TestPendingTimesOut(t *testing.T) {
	e := newEnv(t, time.Hour)
	e.svc.ResolveWait, e.svc.PendingTimeout = 0, time.Millisecond
	ctx := context.Background()
	f, err := e.enroll(e.group("staff"), "Slow", astronaut(t))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if err := e.svc.ResolvePending(ctx); err != nil {
		t.Fatal(err)
	}
	f, _ = e.st.Face(ctx, e.shop.ID, f.ID)
	if ve := vendors.ParseCompact(f.Error); f.State != models.FaceFailed || ve.Kind != vendors.KindPhotoRejected {
		t.Fatalf("face %+v", f)
	}
}

func TestDeleteFace(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	staff := e.group("staff")
	f, err := e.enroll(staff, "Eileen", astronaut(t))
	if err != nil {
		t.Fatal(err)
	}
	// A vendor refusal leaves everything as it was.
	e.sim.SetFault("/face/delete", sim.Fault{Code: 5000, Times: 1})
	_, err = e.svc.DeleteFaces(ctx, e.admin, e.shop, []uint{f.ID})
	if vendors.KindOf(err) != vendors.KindInternal {
		t.Fatalf("refused delete: %v", err)
	}
	if _, err := e.st.Face(ctx, e.shop.ID, f.ID); err != nil || !e.svc.Photos.Has(f.PhotoHash) || len(e.sim.Faces("560279010301")) != 1 {
		t.Fatal("a refused delete changed something")
	}
	res, err := e.svc.DeleteFaces(ctx, e.admin, e.shop, []uint{f.ID})
	if err != nil || res.Deleted != 1 {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if _, err := e.st.Face(ctx, e.shop.ID, f.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatal("face row left")
	}
	if e.svc.Photos.Has(f.PhotoHash) || e.svc.Photos.Has(f.ThumbHash) || len(e.sim.Faces("560279010301")) != 0 {
		t.Fatal("photo or vendor face left")
	}
	ds, _ := e.st.FaceDeletionsOf(ctx, e.shop.ID, 10)
	if len(ds) != 1 || ds[0].VendorDoneAt == nil || ds[0].LocalDoneAt == nil || ds[0].VendorFaceID != f.VendorFaceID {
		t.Fatalf("deletion record %+v", ds)
	}
	if len(e.audits("face.delete")) != 1 {
		t.Fatal("delete not audited")
	}
}

// Deleting a face the vendor is still processing: tracked until the vendor
// has it, then deleted there and here.
func TestDeletePendingFace(t *testing.T) {
	e := newEnv(t, 200*time.Millisecond)
	e.svc.ResolveWait = 0
	ctx := context.Background()
	f, err := e.enroll(e.group("staff"), "Eileen", astronaut(t))
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.DeleteFaces(ctx, e.admin, e.shop, []uint{f.ID})
	if err != nil || res.Waiting != 1 {
		t.Fatalf("delete pending: %+v %v", res, err)
	}
	f, _ = e.st.Face(ctx, e.shop.ID, f.ID)
	if f.State != models.FaceDeleting {
		t.Fatalf("state %s", f.State)
	}
	time.Sleep(250 * time.Millisecond)
	if err := e.svc.ResolvePending(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.FinishDeletions(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Face(ctx, e.shop.ID, f.ID); !errors.Is(err, models.ErrNotFound) || len(e.sim.Faces("560279010301")) != 0 {
		t.Fatal("pending face not deleted on both sides")
	}
	ds, _ := e.st.FaceDeletionsOf(ctx, e.shop.ID, 10)
	if len(ds) != 1 || ds[0].VendorDoneAt == nil || ds[0].LocalDoneAt == nil {
		t.Fatalf("deletion %+v", ds)
	}
}

func TestMoveAndUpdate(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	staff, regular := e.group("staff"), e.group("regular")
	a, _ := e.enroll(staff, "A", variant(t, 1))
	b, _ := e.enroll(staff, "B", variant(t, 2))
	n, err := e.svc.MoveFaces(ctx, e.admin, e.shop, []uint{a.ID, b.ID}, regular)
	if err != nil || n != 2 {
		t.Fatalf("move %d %v", n, err)
	}
	for _, f := range e.sim.Faces("560279010301") {
		if f.GroupID != regular.VendorGroupID {
			t.Fatalf("vendor face %s in %s", f.ID, f.GroupID)
		}
	}
	if f, _ := e.st.Face(ctx, e.shop.ID, a.ID); f.GroupID != regular.ID {
		t.Fatal("not moved here")
	}
	if _, err := e.svc.MoveFaces(ctx, e.admin, e.shop, []uint{a.ID}, regular); !errors.Is(err, faces.ErrSameGroup) {
		t.Fatalf("move to the same group: %v", err)
	}
	a, _ = e.st.Face(ctx, e.shop.ID, a.ID)
	a, err = e.svc.UpdateFace(ctx, e.admin, e.shop, a, vendors.FaceInput{Name: "Anna", Gender: vendors.GenderMale, Age: 3})
	if err != nil || a.Name != "Anna" {
		t.Fatalf("update %+v %v", a, err)
	}
	for _, f := range e.sim.Faces("560279010301") {
		if f.ID == a.VendorFaceID && (f.Name != "Anna" || f.Gender != 1 || f.AgeRange != 3) {
			t.Fatalf("vendor face %+v", f)
		}
	}
	if len(e.audits("face.move")) != 1 || len(e.audits("face.update")) != 1 {
		t.Fatal("move or update not audited")
	}
}

func TestGroups(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	stranger, regular := e.group("stranger"), e.group("regular")
	if !stranger.IsDefault || !regular.IsDefault || !e.group("staff").IsDefault {
		t.Fatal("defaults not marked")
	}
	if err := e.svc.UpdateGroup(ctx, e.admin, e.shop, regular, faces.GroupInput{Name: "x"}); !errors.Is(err, faces.ErrDefaultGroup) {
		t.Fatalf("rename default: %v", err)
	}
	if err := e.svc.DeleteGroup(ctx, e.admin, e.shop, regular); !errors.Is(err, faces.ErrDefaultGroup) {
		t.Fatalf("delete default: %v", err)
	}
	vip, err := e.svc.CreateGroup(ctx, e.admin, e.shop, "", faces.GroupInput{Kind: vendors.GroupMember, Name: "VIP",
		Description: "gold", CustomKeys: [5]string{"level"}})
	if err != nil || vip.Kind != "member" || vip.VendorGroupID == "" || vip.CustomKey1 != "level" {
		t.Fatalf("create %+v %v", vip, err)
	}
	// A sync keeps it a member group although Sunmi says custom.
	if err := e.svc.SyncGroups(ctx, e.shop); err != nil {
		t.Fatal(err)
	}
	if g, _ := e.st.FaceGroup(ctx, e.shop.ID, vip.ID); g.Kind != "member" {
		t.Fatalf("kind after sync %s", g.Kind)
	}
	if _, err := e.svc.CreateGroup(ctx, e.admin, e.shop, "", faces.GroupInput{Kind: vendors.GroupMember, Name: "VIP"}); vendors.KindOf(err) != vendors.KindGroupExists {
		t.Fatalf("duplicate name: %v", err)
	}
	f, _ := e.enroll(vip, "A", astronaut(t))
	if err := e.svc.DeleteGroup(ctx, e.admin, e.shop, vip); !errors.Is(err, faces.ErrGroupNotEmpty) {
		t.Fatalf("delete non-empty: %v", err)
	}
	if _, err := e.svc.DeleteFaces(ctx, e.admin, e.shop, []uint{f.ID}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteGroup(ctx, e.admin, e.shop, vip); err != nil {
		t.Fatal(err)
	}
	if len(e.sim.FaceGroups("560279010301")) != 3 {
		t.Fatal("group left at the vendor")
	}
	if err := e.svc.SetRule(ctx, e.admin, e.shop, stranger, regular, 4, 7); err != nil {
		t.Fatal(err)
	}
	m, _ := e.sim.MoveStrategyOf("560279010301")
	if m.Threshold != 4 || m.Period != 7*24*time.Hour || m.TargetGroupID != regular.VendorGroupID {
		t.Fatalf("vendor rule %+v", m)
	}
	if g, _ := e.st.FaceGroup(ctx, e.shop.ID, stranger.ID); g.RuleVisits != 4 || g.RuleDays != 7 || *g.RuleTargetID != regular.ID {
		t.Fatalf("rule kept %+v", g)
	}
	for _, a := range []string{"face_group.create", "face_group.delete", "face_group.rule"} {
		if len(e.audits(a)) == 0 {
			t.Errorf("%s not audited", a)
		}
	}
}

// The reconciliation finds faces on one side only: the vendor's own
// (strangers the cameras added) come in; one enrolled here but gone at the
// vendor is marked missing, and comes back if the vendor has it again.
func TestReconcile(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	stranger, staff := e.group("stranger"), e.group("staff")
	visit := time.Date(2026, 1, 4, 9, 30, 0, 0, time.UTC)
	sid, _ := e.sim.SeedFace(sim.Face{GroupID: stranger.VendorGroupID, Gender: 1, AgeRange: 4})
	e.sim.RecordArrival(sid, visit)
	f, _ := e.enroll(staff, "Eileen", astronaut(t))
	// Deleted at the vendor behind our back.
	e.sim.SetFaceOptions(sim.DefaultFaceOptions)
	vendorDelete(t, e, staff, f.VendorFaceID)

	res, err := e.svc.Reconcile(ctx, e.shop)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1 || res.Missing != 1 {
		t.Fatalf("reconcile %+v", res)
	}
	if got, _ := e.st.Face(ctx, e.shop.ID, f.ID); got.State != models.FaceMissing {
		t.Fatalf("state %s", got.State)
	}
	list, _, _ := e.st.Faces(ctx, models.FaceFilter{ShopID: e.shop.ID, GroupID: stranger.ID})
	if len(list) != 1 || list[0].Origin != models.OriginVendor || list[0].Visits != 1 || !list[0].LastVisitAt.Equal(visit) ||
		list[0].Gender != "male" || list[0].AgeRange != 4 {
		t.Fatalf("vendor face %+v", list)
	}
	// Again: nothing new.
	if res, _ := e.svc.Reconcile(ctx, e.shop); res.Added != 0 || res.Missing != 0 {
		t.Fatalf("second reconcile %+v", res)
	}
	// The stranger leaves the vendor: its row goes.
	vendorDelete(t, e, stranger, sid)
	if res, _ := e.svc.Reconcile(ctx, e.shop); res.VendorGone != 1 {
		t.Fatalf("vendor-only face not removed: %+v", res)
	}
}

func vendorDelete(t *testing.T, e *env, g models.FaceGroup, id string) {
	t.Helper()
	l, err := e.svc.Accounts.Adapter(context.Background(), *e.shop.SunmiAccountID)
	if err != nil {
		t.Fatal(err)
	}
	fl, _ := vendors.AsFaceLibrary(l)
	if err := fl.DeleteFaces(context.Background(), vendors.ShopRef{ShopNo: e.shop.SunmiShopNo}, g.VendorGroupID, []string{id}); err != nil {
		t.Fatal(err)
	}
}

func TestSweepPhotos(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	f, _ := e.enroll(e.group("staff"), "A", astronaut(t))
	orphan, _ := e.svc.Photos.Put([]byte("left by a crash"))
	n, err := e.svc.SweepPhotos(ctx, 0)
	if err != nil || n != 1 || e.svc.Photos.Has(orphan) || !e.svc.Photos.Has(f.PhotoHash) || !e.svc.Photos.Has(f.ThumbHash) {
		t.Fatalf("sweep removed %d: %v", n, err)
	}
}

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }
