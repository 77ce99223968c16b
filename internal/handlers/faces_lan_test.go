package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"storelens/internal/accounts"
	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan"
	lansim "storelens/internal/vendors/sunmilan/sim"
)

const lanFacesSN = "C201D8BS00301"

// addLANCamera puts an activated simulated camera on loopback into shop A.
func (a *facesApp) addLANCamera() *lansim.Camera {
	a.t.Helper()
	ctx := context.Background()
	cam, err := lansim.New(lansim.Options{SN: lanFacesSN, Model: "FM020", AppID: "LANAPP", Secret: "LANSECRET", ActivationCode: "12345678", Activated: true})
	if err != nil {
		a.t.Fatal(err)
	}
	addr, err := cam.Start("127.0.0.1:0")
	if err != nil {
		a.t.Fatal(err)
	}
	a.t.Cleanup(func() { cam.Close() })
	acc, err := a.svc.Accounts.Create(ctx, models.Actor{}, accounts.Input{Vendor: sunmilan.Name, Name: "LAN", AppID: "LANAPP", Secret: "LANSECRET", ActivationCode: "12345678"})
	if err != nil {
		a.t.Fatal(err)
	}
	fp, err := sunmilan.FetchFingerprint(ctx, addr, nil, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	row := models.Camera{ShopID: a.shopA.ID, Vendor: sunmilan.Name, SN: lanFacesSN, Name: "Door", Model: "FM020", LANAccountID: &acc.ID,
		Address: addr, CertFingerprint: fp, Activated: true}
	if err := a.st.AddLANCamera(ctx, &row); err != nil {
		a.t.Fatal(err)
	}
	return cam
}

// A shop with a cloud shop and a camera on its LAN: the faces tab offers a
// tab per library; the camera's shows its groups, "who is this?" and the
// visitors, and a photo enrolled in its group is found there.
func TestFacesOfTwoLibraries(t *testing.T) {
	a := newFacesApp(t)
	cam := a.addLANCamera()
	b := a.login("manager", managerPW)
	base := "/shops/" + itoa(a.shopA.ID) + "/faces"
	lib := "sunmilan:" + lanFacesSN
	q := "?lib=" + url.QueryEscape(lib)

	cloud := b.get(base)
	cloud.has(t, `data-testid="face-libraries"`, "Sunmi camera (LAN) · Door", `href="`+base+`?lib=sunmilan%3A`+lanFacesSN+`"`, "employee")
	cloud.lacks(t, `data-testid="faces-search"`)
	camera := b.get(base + q)
	camera.has(t, `data-testid="faces-search"`, `href="`+base+`/search?lib=sunmilan%3A`+lanFacesSN+`"`, `data-testid="faces-visitors"`, "stranger")
	camera.lacks(t, "employee")

	var regular models.FaceGroup
	gs, _ := a.st.FaceGroups(context.Background(), a.shopA.ID)
	for _, g := range gs {
		if g.Source == lanFacesSN && g.Name == "regular" {
			regular = g
		}
	}
	if regular.ID == 0 {
		t.Fatalf("no camera regular group in %+v", gs)
	}
	r := a.enroll(b, a.shopA, regular, "Eileen", testPhoto(t, "astronaut.png"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("enroll: %d\n%s", r.status, excerpt(r.body))
	}
	b.get(r.location).has(t, "Eileen", `data-testid="face-state"`, "Enrolled")
	if st := cam.State(); len(st.Faces) != 1 || st.Faces[0].Group != "regular" {
		t.Fatalf("camera has %+v", st.Faces)
	}
	b.get(base+"/search"+q).has(t, `data-testid="search-library"`, "Sunmi camera (LAN) · Door")
	b.postMultipart(base+"/search"+q, nil, []part{{"photo", "q.png", testPhoto(t, "astronaut.png")}}).
		has(t, `data-testid="match-name">Eileen`, r.location)
	// The cloud library has no search.
	b.postMultipart(base+"/search", nil, []part{{"photo", "q.png", testPhoto(t, "astronaut.png")}}).has(t, "This vendor does not offer that.")
	// A camera refusing the group name says so in the user's language.
	f := b.post(base+"/groups"+q, url.Values{"name": {"stranger"}, "kind": {"custom"}, "capacity": {"10"}})
	f.has(t, "The vendor does not allow default groups to be changed or deleted.")
}
