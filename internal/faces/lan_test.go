package faces_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/faces"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

const lanSN = "C201D8BS00301"

// addLANCamera puts an activated simulated camera on loopback into the
// shop, pinned to its certificate, and returns it.
func (e *env) addLANCamera(sh models.Shop) *lansim.Camera {
	e.t.Helper()
	ctx := context.Background()
	cam, err := lansim.New(lansim.Options{SN: lanSN, Model: "FM020", AppID: "LANAPP", Secret: "LANSECRET", ActivationCode: "12345678", Activated: true})
	if err != nil {
		e.t.Fatal(err)
	}
	addr, err := cam.Start("127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cam.Close() })
	a, err := e.acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: sunmilan.Name, Name: "LAN", AppID: "LANAPP", Secret: "LANSECRET", ActivationCode: "12345678"})
	if err != nil {
		e.t.Fatal(err)
	}
	fp, err := sunmilan.FetchFingerprint(ctx, addr, nil, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	row := models.Camera{ShopID: sh.ID, Vendor: sunmilan.Name, SN: lanSN, Name: "门口", Model: "FM020", LANAccountID: &a.ID,
		Address: addr, CertFingerprint: fp, Activated: true}
	if err := e.st.AddLANCamera(ctx, &row); err != nil {
		e.t.Fatal(err)
	}
	return cam
}

func lanGroup(t *testing.T, e *env, name string) models.FaceGroup {
	t.Helper()
	gs, err := e.st.FaceGroups(context.Background(), e.shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.Vendor == sunmilan.Name && g.Name == name {
			return g
		}
	}
	t.Fatalf("no LAN group %s in %+v", name, gs)
	return models.FaceGroup{}
}

// A shop with a Sunmi cloud shop and a camera on its LAN has two libraries:
// groups, enrollment, search, renames and reconciliation each go to the
// library the group belongs to.
func TestLANCameraLibrary(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	cam := e.addLANCamera(e.shop)
	key := sunmilan.Name + ":" + lanSN

	libs, err := e.svc.Libraries(ctx, e.shop)
	if err != nil || len(libs) != 2 || libs[0].Key != "sunmicloud" || libs[1].Key != key || libs[1].Label != "门口" {
		t.Fatalf("libraries %+v %v", libs, err)
	}
	caps, err := e.svc.Capabilities(ctx, e.shop, key)
	if err != nil || caps.Key != key || !caps.Search || !caps.TopVisitors || !caps.Lapsed || !caps.VisitLog || !caps.Rules ||
		len(caps.GroupKinds) != 1 || caps.GroupKinds[0] != vendors.GroupCustom || len(caps.Libraries) != 2 {
		t.Fatalf("camera caps %+v %v", caps, err)
	}
	if caps, _ := e.svc.Capabilities(ctx, e.shop, ""); caps.Key != "sunmicloud" || caps.Search {
		t.Fatalf("cloud caps %+v", caps)
	}
	if !e.svc.CanEnroll(&models.Shop{ID: e.shop.ID}) || e.svc.CanEnroll(&models.Shop{ID: e.other.ID}) {
		t.Fatal("a shop with a LAN camera can enroll")
	}

	if err := e.svc.SyncGroups(ctx, e.shop); err != nil {
		t.Fatal(err)
	}
	stranger := lanGroup(t, e, "stranger")
	if stranger.Source != lanSN || !stranger.IsDefault || stranger.VendorGroupID != "stranger" || stranger.Kind != string(vendors.GroupStranger) {
		t.Fatalf("camera stranger group %+v", stranger)
	}
	vip, err := e.svc.CreateGroup(ctx, e.admin, e.shop, key, faces.GroupInput{Kind: vendors.GroupCustom, Name: "vip", Capacity: 10,
		CustomKeys: [5]string{"level"}})
	if err != nil || vip.Vendor != sunmilan.Name || vip.Source != lanSN || vip.VendorGroupID != "vip" {
		t.Fatalf("created %+v %v", vip, err)
	}
	f, err := e.enroll(vip, "Ann", readTestdata(t, "astronaut.png"))
	if err != nil || f.State != models.FaceEnrolled || f.VendorFaceID != "1" || f.Source != lanSN {
		t.Fatalf("enrolled %+v %v", f, err)
	}
	if st := cam.State(); len(st.Faces) != 1 || st.Faces[0].Attrs["level"] != "gold" || st.Faces[0].AgeRange != 5 {
		t.Fatalf("camera has %+v", st.Faces)
	}
	// Who is this: the same photo, checked again.
	staged, err := e.svc.CheckPhoto(ctx, e.shop.ID, readTestdata(t, "astronaut.png"))
	if err != nil {
		t.Fatal(err)
	}
	m, found, err := e.svc.FindFace(ctx, e.shop, key, staged)
	if err != nil || !found || m.Local == nil || m.Local.ID != f.ID {
		t.Fatalf("find %+v %v %v", m, found, err)
	}
	if _, _, err := e.svc.FindFace(ctx, e.shop, "", staged); !errors.Is(err, vendors.ErrUnsupported) {
		t.Fatalf("the cloud library has no search: %v", err)
	}

	// A rename changes the camera's id for the group.
	if err := e.svc.UpdateGroup(ctx, e.admin, e.shop, vip, faces.GroupInput{Name: "svip", Capacity: 10, CustomKeys: [5]string{"level"}}); err != nil {
		t.Fatal(err)
	}
	svip := lanGroup(t, e, "svip")
	if svip.VendorGroupID != "svip" || svip.ID != vip.ID {
		t.Fatalf("renamed %+v", svip)
	}
	// Reconciliation keeps the name the camera does not know.
	if _, err := e.svc.Reconcile(ctx, e.shop); err != nil {
		t.Fatal(err)
	}
	if got, err := e.st.Face(ctx, e.shop.ID, f.ID); err != nil || got.Name != "Ann" || got.GroupID != svip.ID || got.State != models.FaceEnrolled {
		t.Fatalf("after reconcile %+v %v", got, err)
	}
	// Visits come from the camera.
	day := time.Now().Add(-2 * time.Hour)
	cam.Arrive("1", day)
	times, err := e.svc.Visits(ctx, e.shop, f, day.Add(-time.Hour), day.Add(time.Hour))
	if err != nil || len(times) != 1 {
		t.Fatalf("visits %v %v", times, err)
	}
	top, err := e.svc.TopVisitors(ctx, e.shop, faces.VisitorQuery{Library: key, From: day.Add(-time.Hour), To: day.Add(time.Hour), Limit: 5})
	if err != nil || len(top) != 1 || top[0].Local == nil || top[0].Local.ID != f.ID {
		t.Fatalf("top %+v %v", top, err)
	}
	// The rule goes to the camera, in days.
	regular := lanGroup(t, e, "regular")
	if err := e.svc.SetRule(ctx, e.admin, e.shop, stranger, regular, 3, 4); err != nil {
		t.Fatal(err)
	}
	if g := cam.State().FaceGroups[0]; g.Times != 3 || g.Period != 4 {
		t.Fatalf("camera rule %+v", g)
	}
	// Faces do not move between libraries.
	cloudStaff := e.group(string(vendors.GroupStaff))
	if _, err := e.svc.MoveFaces(ctx, e.admin, e.shop, []uint{f.ID}, cloudStaff); !errors.Is(err, faces.ErrOtherLibrary) {
		t.Fatalf("moved across libraries: %v", err)
	}
	// Deleting goes to the camera.
	if _, err := e.svc.DeleteFaces(ctx, e.admin, e.shop, []uint{f.ID}); err != nil {
		t.Fatal(err)
	}
	if st := cam.State(); len(st.Faces) != 0 {
		t.Fatalf("camera still has %+v", st.Faces)
	}
}

// A camera that refuses the photo: the face is failed with the reason, and
// nothing is left pending.
func TestLANCameraRefusesPhoto(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	cam := e.addLANCamera(e.shop)
	if err := e.svc.SyncGroups(ctx, e.shop); err != nil {
		t.Fatal(err)
	}
	cam.SetFault("/face/addFace", lansim.Fault{Code: 210, Times: 1})
	f, err := e.enroll(lanGroup(t, e, "regular"), "Bob", readTestdata(t, "astronaut.png"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.st.Face(ctx, e.shop.ID, f.ID)
	if err != nil || got.State != models.FaceFailed || vendors.ParseCompact(got.Error).Kind != vendors.KindPhotoRejected {
		t.Fatalf("face %+v %v", got, err)
	}
	// Retried, the camera takes it.
	if _, err := e.svc.Retry(ctx, e.admin, e.shop, got); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.st.Face(ctx, e.shop.ID, f.ID); got.State != models.FaceEnrolled || got.VendorFaceID == "" {
		t.Fatalf("after retry %+v", got)
	}
}
