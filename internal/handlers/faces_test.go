package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/auth"
	"storelens/internal/cameras"
	"storelens/internal/faces"
	"storelens/internal/handlers"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/photos"
	"storelens/internal/secrets"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmicloud/sim"
	"storelens/internal/vendors/sunmilan"
)

// facesApp is testApp with the faces area wired: the real router, the
// service, the pipeline, the simulator over HTTPS.
type facesApp struct {
	*testApp
	svc *faces.Service
}

func newFacesApp(t *testing.T, wrap ...func(*sunmicloud.Client, *sim.Server) vendors.Adapter) *facesApp {
	t.Helper()
	return newFacesAppWith(t, nil, wrap...)
}

// newFacesAppWith is newFacesApp with the faces area's deps adjusted by
// deps (a clock, a time to live).
func newFacesAppWith(t *testing.T, deps func(*handlers.FacesDeps), wrap ...func(*sunmicloud.Client, *sim.Server) vendors.Adapter) *facesApp {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	st := modelstest.Open(t, models.Options{Logger: log})
	s := sim.New(sim.Options{})
	o := sim.DefaultFaceOptions
	o.ProcessDelay = 50 * time.Millisecond
	s.SetFaceOptions(o)
	simSrv := httptest.NewTLSServer(s)
	t.Cleanup(simSrv.Close)
	s.AddApp(testAppID, testSecret)
	s.AddShop(sim.Shop{ShopNo: "560279010301", ShopID: "A1", CompanyNo: "560279010300", Name: "A", AppID: testAppID})
	s.AddShop(sim.Shop{ShopNo: "560279010302", ShopID: "B1", CompanyNo: "560279010300", Name: "B", AppID: testAppID})
	box, _ := secrets.New(bytes.Repeat([]byte{9}, 32))
	reg := vendors.NewRegistry(simSrv.Client())
	factory := sunmicloud.New
	if len(wrap) > 0 {
		factory = func(acc vendors.Account, hc *http.Client) (vendors.Adapter, error) {
			c, err := sunmicloud.NewClient(acc, hc)
			if err != nil {
				return nil, err
			}
			return wrap[0](c, s), nil
		}
	}
	reg = reg.With(sunmicloud.Name, sunmicloud.Label, factory)
	reg = reg.With(sunmilan.Name, sunmilan.Label, sunmilan.NewAccount)
	acc := &accounts.Service{Store: st, Box: box, Registry: reg}
	cams := &cameras.Service{Store: st, Accounts: acc, HTTP: simSrv.Client()}
	hasher := auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1}, 4)
	a := &testApp{t: t, st: st, sim: s, simURL: simSrv.URL + "/openapi", hasher: hasher}
	var err error
	a.account, err = acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: sunmicloud.Name, Name: "Sunmi", BaseURL: a.simURL,
		AppID: testAppID, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	a.shopA = models.Shop{Name: "Shop A", SunmiAccountID: &a.account.ID, SunmiShopNo: "560279010301"}
	a.shopB = models.Shop{Name: "Shop B", SunmiAccountID: &a.account.ID, SunmiShopNo: "560279010302"}
	for _, sh := range []*models.Shop{&a.shopA, &a.shopB} {
		if err := st.CreateShop(ctx, sh); err != nil {
			t.Fatal(err)
		}
	}
	a.addUser("admin", adminPW, models.RoleAdmin)
	a.addUser("manager", managerPW, models.RoleManager, a.shopA.ID)
	pipe, _ := photos.New(photos.DefaultLimits, photos.Options{Workers: 2})
	ps, _ := photos.NewStore(filepath.Join(dir, "photos"))
	svc := &faces.Service{Store: st, Accounts: acc, Pipeline: pipe, Photos: ps, Log: log,
		UploadDir: filepath.Join(dir, "uploads"), ResolveWait: 2 * time.Second}
	fd := handlers.FacesDeps{Service: svc}
	if deps != nil {
		deps(&fd)
	}
	h := handlers.New(handlers.Deps{
		Store: st, Sessions: handlers.NewSessions(st, false, time.Hour, 2*time.Hour), I18n: i18n.MustLoad(),
		Hasher: hasher, Throttle: auth.NewThrottle(nil), Accounts: acc, Cameras: cams, Registry: reg, Log: log,
		VendorTimeout: 5 * time.Second, Faces: fd,
	})
	a.srv = httptest.NewServer(h)
	t.Cleanup(a.srv.Close)
	return &facesApp{testApp: a, svc: svc}
}

type part struct {
	field, name string
	data        []byte
}

// multipartBody builds a multipart form.
func multipartBody(fields url.Values, files []part) (*bytes.Buffer, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile(f.field, f.name)
		w.Write(f.data)
	}
	mw.Close()
	return &body, mw.FormDataContentType()
}

// postMultipart sends a multipart form as a same-origin browser would.
func (b *browser) postMultipart(path string, fields url.Values, files []part) result {
	body, ct := multipartBody(fields, files)
	req, _ := http.NewRequest(http.MethodPost, b.a.srv.URL+path, body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.a.srv.URL)
	return b.do(req)
}

func testPhoto(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../photos/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// tinted is astronaut.png with a colour shift: another file, one face.
func tinted(t *testing.T, n int) []byte {
	t.Helper()
	src, _ := png.Decode(bytes.NewReader(testPhoto(t, "astronaut.png")))
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Bounds(), src, image.Point{}, draw.Src)
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i] = uint8(min(255, int(img.Pix[i])+n))
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	return b.Bytes()
}

func (a *facesApp) group(shop models.Shop, kind string) models.FaceGroup {
	a.t.Helper()
	if err := a.svc.SyncGroups(context.Background(), shop); err != nil {
		a.t.Fatal(err)
	}
	gs, _ := a.st.FaceGroups(context.Background(), shop.ID)
	for _, g := range gs {
		if g.Kind == kind {
			return g
		}
	}
	a.t.Fatalf("no %s group", kind)
	return models.FaceGroup{}
}

// consentFor is the consent a form sends for group g: the one tick, for
// the purpose the group states (as the form shows it).
func consentFor(g models.FaceGroup) url.Values {
	purpose := map[string]string{"staff": "staff", "member": "member", "regular": "member", "visitor": "visitor"}[g.Kind]
	if g.Purpose != "" {
		purpose = g.Purpose
	}
	if purpose == "" {
		purpose = "security" // a custom group: chosen in the form
	}
	return url.Values{"consent": {"1"}, "consent_by": {"王经理"}, "consent_purpose": {purpose}}
}

func enrollFields(group models.FaceGroup, name string, extra url.Values) url.Values {
	v := url.Values{"group": {itoa(group.ID)}, "name": {name}, "gender": {"female"}, "age": {"5"}}
	for k, x := range consentFor(group) {
		v[k] = x
	}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

var tokenRe = regexp.MustCompile(`name="token" value="([0-9a-f]{64})"`)

// enroll goes through the form as a browser without script does: the
// photo first (the preview), then the enrollment with the token.
func (a *facesApp) enroll(b *browser, shop models.Shop, g models.FaceGroup, name string, photo []byte) result {
	a.t.Helper()
	path := "/shops/" + itoa(shop.ID) + "/faces/enroll"
	r := b.postMultipart(path, enrollFields(g, name, nil), []part{{"photo", "p.png", photo}})
	m := tokenRe.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil {
		a.t.Fatalf("preview: status %d\n%s", r.status, excerpt(r.body))
	}
	return b.postMultipart(path, enrollFields(g, name, url.Values{"token": {m[1]}}), nil)
}

func TestFacesTabAndGroups(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	b.get("/shops/"+itoa(a.shopA.ID)).has(t, `href="/shops/`+itoa(a.shopA.ID)+`/faces"`, "Faces")
	r := b.get("/shops/" + itoa(a.shopA.ID) + "/faces")
	if r.status != http.StatusOK {
		t.Fatalf("overview %d", r.status)
	}
	// The first visit pulled the defaults from the vendor.
	r.has(t, "stranger", "regular", "employee", "Strangers", "Regulars", "Staff", "default group: cannot be renamed or deleted",
		`data-testid="rule-form"`)
	b.lang = "zh-CN"
	b.get("/shops/"+itoa(a.shopA.ID)+"/faces").has(t, "默认分组:不能改名或删除", "生客转熟客条件")
}

func TestEnrollWithoutScript(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	staff := a.group(a.shopA, "staff")
	path := "/shops/" + itoa(a.shopA.ID) + "/faces/enroll"
	// The photo is shown first, with the face to be enrolled; nothing saved.
	r := b.postMultipart(path, enrollFields(staff, "Eileen", nil), []part{{"photo", "astronaut.png", testPhoto(t, "astronaut.png")}})
	r.has(t, `data-testid="preview-thumb"`, `data-testid="face-box"`, "The face to be enrolled", `value="Eileen"`)
	if len(a.sim.Faces("560279010301")) != 0 {
		t.Fatal("enrolled before the preview was seen")
	}
	token := tokenRe.FindStringSubmatch(r.body)[1]
	// Without consent: refused, the form kept.
	noConsent := enrollFields(staff, "Eileen", url.Values{"token": {token}, "consent": {""}})
	r = b.postMultipart(path, noConsent, nil)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("without consent: %d", r.status)
	}
	r.has(t, "Confirm that the person has agreed.", `value="Eileen"`, `value="`+token+`"`)
	r = b.postMultipart(path, enrollFields(staff, "Eileen", url.Values{"token": {token}}), nil)
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "/faces/people/") {
		t.Fatalf("enroll: %d %s\n%s", r.status, r.location, excerpt(r.body))
	}
	page := b.get(r.location)
	page.has(t, "Eileen is enrolled.", `data-testid="face-state">Enrolled`, `data-testid="face-box"`, "given to 王经理")
	if fs := a.sim.Faces("560279010301"); len(fs) != 1 || fs[0].Name != "Eileen" {
		t.Fatalf("vendor has %+v", fs)
	}
	// The group page lists it with its thumbnail.
	b.get("/shops/"+itoa(a.shopA.ID)+"/faces/groups/"+itoa(staff.ID)).has(t, "Eileen", `data-testid="face-thumb"`)
	// The same photo again: a duplicate, said so.
	r = b.postMultipart(path, enrollFields(staff, "Again", nil), []part{{"photo", "a.png", testPhoto(t, "astronaut.png")}})
	token = tokenRe.FindStringSubmatch(r.body)[1]
	b.postMultipart(path, enrollFields(staff, "Again", url.Values{"token": {token}}), nil).has(t, "already enrolled in this shop, as Eileen")
}

func TestPhotoRefusals(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	staff := a.group(a.shopA, "staff")
	check := "/shops/" + itoa(a.shopA.ID) + "/faces/photo"
	var out struct {
		OK      bool   `json:"ok"`
		Token   string `json:"token"`
		Message string `json:"message"`
		Boxes   []any  `json:"boxes"`
	}
	r := b.postMultipart(check, nil, []part{{"photo", "chelsea.png", testPhoto(t, "chelsea.png")}})
	json.Unmarshal([]byte(r.body), &out)
	if r.status != 200 || out.OK || out.Token != "" || !strings.Contains(out.Message, "No face found") {
		t.Fatalf("chelsea: %d %s", r.status, r.body)
	}
	r = b.postMultipart(check, nil, []part{{"photo", "notes.png", []byte("just some text")}})
	json.Unmarshal([]byte(r.body), &out)
	if r.status != 422 || !strings.Contains(out.Message, "this file is plain text") {
		t.Fatalf("text: %d %s", r.status, r.body)
	}
	r = b.postMultipart(check, nil, []part{{"photo", "astronaut.png", testPhoto(t, "astronaut.png")}})
	json.Unmarshal([]byte(r.body), &out)
	if r.status != 200 || !out.OK || len(out.Token) != 64 || len(out.Boxes) != 1 {
		t.Fatalf("astronaut: %d %s", r.status, r.body)
	}
	// Without script: the cat's page says so, in Chinese too.
	path := "/shops/" + itoa(a.shopA.ID) + "/faces/enroll"
	r = b.postMultipart(path, enrollFields(staff, "Cat", nil), []part{{"photo", "chelsea.png", testPhoto(t, "chelsea.png")}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("cat enroll: %d", r.status)
	}
	r.has(t, "No face found in this photo", `value="Cat"`)
	r.lacks(t, `data-testid="preview-thumb"`)
	b.lang = "zh-CN"
	b.postMultipart(path, enrollFields(staff, "Cat", nil), []part{{"photo", "x.jpg", testPhoto(t, "truncated.jpg")}}).has(t, "图片已损坏或不完整")
}

// A manager cannot open another shop's face photo, by either URL; photos
// are never cached.
func TestFacePhotoAuthorization(t *testing.T) {
	a := newFacesApp(t)
	admin := a.login("admin", adminPW)
	r := a.enroll(admin, a.shopB, a.group(a.shopB, "staff"), "B person", testPhoto(t, "astronaut.png"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("enroll in B: %d", r.status)
	}
	list, _, _ := a.st.Faces(context.Background(), models.FaceFilter{ShopID: a.shopB.ID})
	f := list[0]
	own := admin.get("/shops/" + itoa(a.shopB.ID) + "/faces/photos/" + f.PhotoHash)
	if own.status != 200 || own.header.Get("Content-Type") != "image/jpeg" || !strings.Contains(strings.Join(own.header.Values("Cache-Control"), ","), "no-store") {
		t.Fatalf("admin: %d %v", own.status, own.header)
	}
	// The address events link to leads to the face's page, for those who may see it.
	if f.VendorFaceID == "" {
		t.Fatalf("face not enrolled at the vendor: %+v", f)
	}
	byVendor := "/shops/" + itoa(a.shopB.ID) + "/faces/vendor/" + f.Vendor + "/" + f.VendorFaceID
	if r := admin.get(byVendor); r.status != http.StatusSeeOther || r.location != "/shops/"+itoa(a.shopB.ID)+"/faces/people/"+itoa(f.ID) {
		t.Fatalf("by vendor id: %d %q", r.status, r.location)
	}
	if r := admin.get(byVendor + "0"); r.status != http.StatusNotFound {
		t.Fatalf("unknown vendor id: %d", r.status)
	}
	mgr := a.login("manager", managerPW)
	for _, path := range []string{
		byVendor,
		"/shops/" + itoa(a.shopA.ID) + "/faces/vendor/" + f.Vendor + "/" + f.VendorFaceID,
		"/shops/" + itoa(a.shopB.ID) + "/faces/photos/" + f.PhotoHash,
		"/shops/" + itoa(a.shopA.ID) + "/faces/photos/" + f.PhotoHash,
		"/shops/" + itoa(a.shopA.ID) + "/faces/photos/" + f.ThumbHash,
		"/shops/" + itoa(a.shopA.ID) + "/faces/photos/../../t.db",
		"/shops/" + itoa(a.shopB.ID) + "/faces/people/" + itoa(f.ID),
	} {
		if r := mgr.get(path); r.status != http.StatusNotFound || strings.Contains(r.body, "\xff\xd8") {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	// Signed out: to the sign-in page.
	if r := a.browser().get("/shops/" + itoa(a.shopB.ID) + "/faces/photos/" + f.PhotoHash); r.status != http.StatusSeeOther {
		t.Errorf("signed out: %d", r.status)
	}
}

func TestMoveAndDeleteFaces(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	staff, regular := a.group(a.shopA, "staff"), a.group(a.shopA, "regular")
	a.enroll(b, a.shopA, staff, "A", tinted(t, 1))
	a.enroll(b, a.shopA, staff, "B", tinted(t, 2))
	list, _, _ := a.st.Faces(context.Background(), models.FaceFilter{ShopID: a.shopA.ID})
	base := "/shops/" + itoa(a.shopA.ID) + "/faces"
	r := b.post(base+"/move", url.Values{"ids": {itoa(list[0].ID), itoa(list[1].ID)}, "target": {itoa(regular.ID)}})
	if r.status != http.StatusSeeOther || r.location != base+"/groups/"+itoa(regular.ID) {
		t.Fatalf("move: %d %s", r.status, r.location)
	}
	b.get(r.location).has(t, "2 faces moved to “regular”.", ">A<", ">B<")
	// Delete: a confirmation first, then gone at the vendor and here.
	r = b.post(base+"/delete", url.Values{"ids": {itoa(list[0].ID)}})
	r.has(t, "Delete this face?", `name="confirm" value="1"`, "A")
	if n := len(a.sim.Faces("560279010301")); n != 2 {
		t.Fatalf("deleted before confirming: %d left", n)
	}
	a.sim.SetFault("/face/delete", sim.Fault{Code: 5000, Times: 1})
	r = b.post(base+"/delete", url.Values{"ids": {itoa(list[0].ID)}, "confirm": {"1"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("refused delete: %d", r.status)
	}
	r.has(t, "internal error", "5000")
	r = b.post(base+"/delete", url.Values{"ids": {itoa(list[0].ID)}, "confirm": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	b.get(r.location).has(t, "1 face deleted at the vendor and here.")
	if n := len(a.sim.Faces("560279010301")); n != 1 {
		t.Fatalf("%d left at the vendor", n)
	}
	b.get(base+"/deletions").has(t, `data-testid="deletion-row"`, "Deleted at the vendor, then here.")
}

// A group states its consent purpose once, on its form; enrollments into
// it ask for the one tick for that purpose and record it.
func TestGroupStatesItsPurposeOnce(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	base := "/shops/" + itoa(a.shopA.ID) + "/faces"
	b.get(base+"/groups/new").has(t, `data-testid="group-purpose"`, "As the kind says")
	b.post(base+"/groups", url.Values{"name": {"Guards"}, "kind": {"member"}, "purpose": {"everything"}}).has(t, `data-testid="error-purpose"`)
	if r := b.post(base+"/groups", url.Values{"name": {"Guards"}, "kind": {"member"}, "capacity": {"10"}, "purpose": {"security"}}); r.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.status, excerpt(r.body))
	}
	var g models.FaceGroup
	gs, _ := a.st.FaceGroups(context.Background(), a.shopA.ID)
	for _, x := range gs {
		if x.Name == "Guards" {
			g = x
		}
	}
	if g.Purpose != "security" {
		t.Fatalf("stored purpose %q, want security", g.Purpose)
	}
	b.get(base+"/groups/"+itoa(g.ID)+"/edit").has(t, `<option value="security" selected>`)
	// The enroll form states the group's purpose (not the kind's) for the tick.
	b.get(base+"/enroll?group="+itoa(g.ID)).has(t, "enrolled for shop security.")
	// A tick sent for the kind's purpose is asked again.
	path := base + "/enroll"
	fields := enrollFields(g, "Wu", url.Values{"consent_purpose": {"member"}})
	r := b.postMultipart(path, fields, []part{{"photo", "p.png", tinted(t, 5)}})
	m := tokenRe.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("preview: %d\n%s", r.status, excerpt(r.body))
	}
	fields.Set("token", m[1])
	b.postMultipart(path, fields, nil).has(t, "This group is kept for shop security: confirm that the person agreed to that.")
	if r := a.enroll(b, a.shopA, g, "Wu", tinted(t, 5)); r.status != http.StatusSeeOther {
		t.Fatalf("enroll: %d\n%s", r.status, excerpt(r.body))
	}
	var f models.Face
	if err := a.st.DB().Where("name = ?", "Wu").First(&f).Error; err != nil {
		t.Fatal(err)
	}
	if f.ConsentPurpose != "security" {
		t.Fatalf("consent recorded for %q, want security", f.ConsentPurpose)
	}
	// Back to the kind's purpose.
	if r := b.post(base+"/groups/"+itoa(g.ID), url.Values{"name": {"Guards"}, "purpose": {""}}); r.status != http.StatusSeeOther {
		t.Fatalf("update: %d\n%s", r.status, excerpt(r.body))
	}
	gs, _ = a.st.FaceGroups(context.Background(), a.shopA.ID)
	for _, x := range gs {
		if x.ID == g.ID && x.Purpose != "" {
			t.Fatalf("purpose kept as %q after choosing the kind's", x.Purpose)
		}
	}
}

func TestGroupPages(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	regular := a.group(a.shopA, "regular")
	base := "/shops/" + itoa(a.shopA.ID) + "/faces"
	form := url.Values{"name": {"VIP"}, "kind": {"member"}, "capacity": {"100"}, "description": {"gold"}, "key1": {"level"}}
	r := b.post(base+"/groups", form)
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.status, excerpt(r.body))
	}
	b.get(base).has(t, "Group “VIP” created.", "VIP", "Members", "level")
	// The vendor refuses a second VIP: the form keeps what was typed.
	r = b.post(base+"/groups", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate: %d", r.status)
	}
	r.has(t, "already has a group with this name", "5523", `value="gold"`)
	b.post(base+"/groups", url.Values{"name": {""}, "kind": {"member"}}).has(t, "Required.")
	b.post(base+"/groups", url.Values{"name": {"X"}, "kind": {"visitor"}}).has(t, `data-testid="error-kind"`)
	// Default groups say why they cannot be changed.
	b.get(base+"/groups/"+itoa(regular.ID)+"/edit").has(t, "cannot be renamed or deleted")
	r = b.post(base+"/groups/"+itoa(regular.ID), url.Values{"name": {"x"}})
	r.has(t, "Default groups come with the shop")
	r = b.post(base+"/groups/"+itoa(regular.ID)+"/delete", nil)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("delete default: %d", r.status)
	}
	// A group with a face says why; an empty one goes.
	gs, _ := a.st.FaceGroups(context.Background(), a.shopA.ID)
	var vip models.FaceGroup
	for _, g := range gs {
		if g.Name == "VIP" {
			vip = g
		}
	}
	a.enroll(b, a.shopA, vip, "M", tinted(t, 3))
	b.get(base).has(t, "holds 1 face: move or delete it before deleting the group")
	b.post(base+"/groups/"+itoa(vip.ID)+"/delete", nil).has(t, "Only an empty group can be deleted")
	r = b.post(base+"/rule", url.Values{"visits": {"4"}, "days": {"7"}, "target": {itoa(regular.ID)}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("rule: %d\n%s", r.status, excerpt(r.body))
	}
	b.get(base).has(t, "Rule saved at the vendor.", "Now: 4 visits within 7 days")
	if m, _ := a.sim.MoveStrategyOf("560279010301"); m.Period != 7*24*time.Hour || m.Threshold != 4 {
		t.Fatalf("vendor rule %+v", m)
	}
	b.post(base+"/rule", url.Values{"visits": {"0"}, "days": {"7"}, "target": {itoa(regular.ID)}}).has(t, "A whole number from 1 to 100.")
}

func TestBulkPages(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	staff := a.group(a.shopA, "staff")
	base := "/shops/" + itoa(a.shopA.ID) + "/faces"
	b.get(base+"/bulk").has(t, `data-testid="bulk-form"`, "ZIP")
	files := []part{{"files", "张三.jpg", tinted(t, 4)}, {"files", "李四.jpg", tinted(t, 5)}, {"files", "notes.png", []byte("text")}}
	// Consent missing: nothing starts, the form says why.
	r := b.postMultipart(base+"/bulk", url.Values{"group": {itoa(staff.ID)}}, files)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no consent: %d", r.status)
	}
	r.has(t, "Confirm that the person has agreed.")
	fields := url.Values{"group": {itoa(staff.ID)}}
	for k, v := range consentFor(staff) {
		fields[k] = v
	}
	r = b.postMultipart(base+"/bulk", fields, files)
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "/faces/batches/") {
		t.Fatalf("bulk: %d %s\n%s", r.status, r.location, excerpt(r.body))
	}
	a.svc.WaitBatches()
	var p struct {
		Total, Processed, Percent int
		Running                   bool
	}
	json.Unmarshal([]byte(b.get(r.location+"/progress").body), &p)
	if p.Total != 3 || p.Processed != 3 || p.Percent != 100 || p.Running {
		t.Fatalf("progress %+v", p)
	}
	b.get(r.location).has(t, "张三", "李四", "notes.png", "Only JPEG and PNG photos can be used: this file is plain text.",
		`data-testid="batch-percent" data-batch-percent>100%`, "3 of 3 photos processed")
	// faces.js asks for JSON and follows the batch itself.
	body, ct := multipartBody(fields, files[:1])
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+base+"/bulk", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		BatchURL string `json:"batch_url"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 || !strings.Contains(out.BatchURL, "/faces/batches/") {
		t.Fatalf("JSON bulk: %d %+v", resp.StatusCode, out)
	}
	a.svc.WaitBatches()
	// The same photo again is skipped, not enrolled twice.
	b.get(out.BatchURL).has(t, "Already enrolled: not enrolled twice.")
}

func TestFacesAreAudited(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	a.enroll(b, a.shopA, a.group(a.shopA, "staff"), "Eileen", testPhoto(t, "astronaut.png"))
	admin := a.login("admin", adminPW)
	admin.get("/audit").has(t, "face.enroll", "manager")
}
