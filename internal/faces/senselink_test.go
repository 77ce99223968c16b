package faces_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/faces"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/photos"
	"storelens/internal/secrets"
	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
	slsim "storelens/internal/vendors/senselink/sim"
)

// slEnv is the faces service with a shop linked only to a SenseLink
// company, the SenseLink simulator behind real HTTPS on loopback.
type slEnv struct {
	*env
	sl *slsim.Server
}

func newSenseLinkEnv(t *testing.T) *slEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	st := modelstest.Open(t, models.Options{Logger: log})
	s := slsim.New("商汤演示", slsim.Options{})
	s.AddApp("slapp", "slsecret")
	s.AddGroup(slsim.Group{Name: "员工", Type: 1})
	s.AddGroup(slsim.Group{Name: "访客", Type: 2})
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	box, _ := secrets.New(bytes.Repeat([]byte{7}, 32))
	reg := vendors.NewRegistry(srv.Client())
	reg = reg.With(senselink.Name, senselink.Label, senselink.New)
	acc := &accounts.Service{Store: st, Box: box, Registry: reg}
	a, err := acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: senselink.Name, Name: "SL", BaseURL: srv.URL, AppID: "slapp", Secret: "slsecret"})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, dir: dir, admin: models.Actor{Username: "admin", IP: "127.0.0.1"}}
	e.shop = models.Shop{Name: "SL shop", SenseLinkAccountID: &a.ID}
	if err := st.CreateShop(ctx, &e.shop); err != nil {
		t.Fatal(err)
	}
	pipe, _ := photos.New(photos.DefaultLimits, photos.Options{Workers: 2})
	ps, _ := photos.NewStore(filepath.Join(dir, "photos"))
	e.svc = &faces.Service{Store: st, Accounts: acc, Pipeline: pipe, Photos: ps, Log: log,
		UploadDir: filepath.Join(dir, "uploads"), ResolveWait: time.Second}
	if !e.svc.CanEnroll(&e.shop) {
		t.Fatal("a SenseLink shop can enroll")
	}
	if err := e.svc.SyncGroups(ctx, e.shop); err != nil {
		t.Fatal(err)
	}
	return &slEnv{env: e, sl: s}
}

// Enrollment end to end: the vendor's photo check, a staff member, the same
// person again refused with 30002 naming them, the forced retry, a visitor
// with a window and a receptionist, and deletion.
func TestSenseLinkEnrollment(t *testing.T) {
	e := newSenseLinkEnv(t)
	ctx := context.Background()
	caps, err := e.svc.Capabilities(ctx, e.shop, "")
	if err != nil || !caps.Library || caps.Vendor != senselink.Name || !caps.PhotoCheck ||
		len(caps.GroupKinds) != 2 || caps.GroupKinds[1] != vendors.GroupVisitor {
		t.Fatalf("caps %+v %v", caps, err)
	}
	staff, visitor := e.group("staff"), e.group("visitor")
	st, err := e.svc.CheckPhoto(ctx, e.shop.ID, variant(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	pc, ok, err := e.svc.VendorPhotoCheck(ctx, e.shop, st.PhotoHash)
	if err != nil || !ok || !pc.OK || pc.Faces != 1 {
		t.Fatalf("vendor check %+v %v %v", pc, ok, err)
	}
	first, err := e.svc.Enroll(ctx, e.admin, e.shop, faces.EnrollInput{GroupID: staff.ID, Consent: consent, Face: vendors.FaceInput{Name: "宇航员"}}, st)
	if err != nil || first.State != models.FaceEnrolled || first.VendorFaceID == "" {
		t.Fatalf("first %+v %v", first, err)
	}
	// Another file of the same person: not a local duplicate, but SenseLink
	// finds them similar.
	again, err := e.enroll(staff, "宇航员二", variant(t, 2))
	if err != nil || again.State != models.FaceFailed {
		t.Fatalf("again %+v %v", again, err)
	}
	ve := vendors.ParseCompact(again.Error)
	if ve.Code != 30002 || ve.Kind != vendors.KindDuplicate || !strings.Contains(ve.Msg, "宇航员 (#"+first.VendorFaceID+")") {
		t.Fatalf("stored error %q", again.Error)
	}
	forced, err := e.svc.RetryForced(ctx, e.admin, e.shop, again)
	if err != nil || forced.State != models.FaceEnrolled || forced.VendorFaceID == first.VendorFaceID {
		t.Fatalf("forced %+v %v", forced, err)
	}
	if n := len(e.audits("face.force")); n != 1 {
		t.Fatalf("force audits %d", n)
	}
	// A visitor: window and receptionist reach the vendor.
	from := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	rec, err := e.svc.Receptionists(ctx, e.shop.ID)
	if err != nil || len(rec) != 2 {
		t.Fatalf("receptionists %d %v", len(rec), err)
	}
	vst, _ := e.svc.CheckPhoto(ctx, e.shop.ID, readTestdata(t, "astronaut.png"))
	guest, err := e.svc.Enroll(ctx, e.admin, e.shop, faces.EnrollInput{GroupID: visitor.ID, Consent: consent,
		Face: vendors.FaceInput{Name: "访客甲", Force: true, VisitFrom: from, VisitTo: from.Add(2 * time.Hour), Receptionist: first.VendorFaceID}}, vst)
	if err != nil || guest.State != models.FaceEnrolled {
		t.Fatalf("guest %+v %v", guest, err)
	}
	var simGuest slsim.Person
	for _, p := range e.sl.People() {
		if p.Name == "访客甲" {
			simGuest = p
		}
	}
	if simGuest.Type != 2 || simGuest.ReceptionUserID == 0 || !simGuest.From.Equal(from) || !simGuest.To.Equal(from.Add(2*time.Hour)) {
		t.Fatalf("at the vendor %+v", simGuest)
	}
	if guest.VisitFrom == nil || !guest.VisitFrom.Equal(from) || guest.Receptionist != first.VendorFaceID {
		t.Fatalf("stored visitor %+v", guest)
	}
	res, err := e.svc.DeleteFaces(ctx, e.admin, e.shop, []uint{first.ID, guest.ID})
	if err != nil || res.Deleted != 2 {
		t.Fatalf("delete %+v %v", res, err)
	}
	if n := len(e.sl.People()); n != 1 {
		t.Fatalf("left at the vendor: %d", n)
	}
}
