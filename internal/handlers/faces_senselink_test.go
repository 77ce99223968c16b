package handlers_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
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
	"storelens/internal/vendors/senselink"
	slsim "storelens/internal/vendors/senselink/sim"
	"storelens/internal/vendors/sunmicloud"
)

// newSenseLinkFacesApp is the real router with one shop linked only to a
// SenseLink company (the simulator over HTTPS on loopback).
func newSenseLinkFacesApp(t *testing.T) (*facesApp, *slsim.Server) {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	st := modelstest.Open(t, models.Options{Logger: log})
	s := slsim.New("商汤演示", slsim.Options{})
	s.AddApp("slapp", "slsecret")
	s.AddGroup(slsim.Group{Name: "员工", Type: 1})
	s.AddGroup(slsim.Group{Name: "访客", Type: 2})
	simSrv := httptest.NewTLSServer(s)
	t.Cleanup(simSrv.Close)
	box, _ := secrets.New(bytes.Repeat([]byte{9}, 32))
	reg := vendors.NewRegistry(simSrv.Client())
	reg = reg.With(sunmicloud.Name, sunmicloud.Label, sunmicloud.New)
	reg = reg.With(senselink.Name, senselink.Label, senselink.New)
	acc := &accounts.Service{Store: st, Box: box, Registry: reg}
	hasher := auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1}, 4)
	a := &testApp{t: t, st: st, hasher: hasher}
	var err error
	a.account, err = acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: senselink.Name, Name: "SenseLink 演示", BaseURL: simSrv.URL,
		AppID: "slapp", Secret: "slsecret"})
	if err != nil {
		t.Fatal(err)
	}
	a.addUser("admin", adminPW, models.RoleAdmin)
	pipe, _ := photos.New(photos.DefaultLimits, photos.Options{Workers: 2})
	ps, _ := photos.NewStore(filepath.Join(dir, "photos"))
	svc := &faces.Service{Store: st, Accounts: acc, Pipeline: pipe, Photos: ps, Log: log,
		UploadDir: filepath.Join(dir, "uploads"), ResolveWait: 2 * time.Second}
	h := handlers.New(handlers.Deps{
		Store: st, Sessions: handlers.NewSessions(st, false, time.Hour, 2*time.Hour), I18n: i18n.MustLoad(),
		Hasher: hasher, Throttle: auth.NewThrottle(nil), Accounts: acc, Cameras: &cameras.Service{Store: st, Accounts: acc, HTTP: simSrv.Client()},
		Registry: reg, Log: log, VendorTimeout: 5 * time.Second, Faces: handlers.FacesDeps{Service: svc},
	})
	a.srv = httptest.NewServer(h)
	t.Cleanup(a.srv.Close)
	return &facesApp{testApp: a, svc: svc}, s
}

// A shop linked to SenseLink only: the form offers the account; enrolling
// shows SenseLink's check; the same person again is refused naming the
// similar person, and the confirmed forced retry enrolls them; a visitor
// needs a window and a receptionist.
func TestSenseLinkFacesPages(t *testing.T) {
	a, s := newSenseLinkFacesApp(t)
	b := a.login("admin", adminPW)
	b.get("/shops/new").has(t, `data-testid="shop-senselink-account"`, "SenseLink 演示")
	r := b.post("/shops", url.Values{"name": {"SL 门店"}, "timezone": {"Asia/Shanghai"}, "senselink_account_id": {itoa(a.account.ID)}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create shop %d\n%s", r.status, excerpt(r.body))
	}
	id, _ := strconv.Atoi(strings.TrimPrefix(r.location, "/shops/"))
	sh, err := a.st.Shop(context.Background(), models.AllShops(), uint(id))
	if err != nil {
		t.Fatal(err)
	}
	if sh.SenseLinkAccountID == nil || *sh.SenseLinkAccountID != a.account.ID {
		t.Fatalf("shop %+v", sh)
	}
	b.get("/shops/"+itoa(sh.ID)+"/edit").has(t, `<option value="`+itoa(a.account.ID)+`" selected`)
	b.post("/shops/"+itoa(sh.ID), url.Values{"name": {"x"}, "timezone": {"Asia/Shanghai"}, "senselink_account_id": {"99999"}}).has(t, "shop-senselink-account")
	b.get("/shops/"+itoa(sh.ID)+"/faces").has(t, "员工", "访客", "SenseTime SenseLink offers no way to delete a group.")
	staff, visitor := a.group(sh, "staff"), a.group(sh, "visitor")
	// Deleting a group anyway (a stale form) says why, not a 500.
	del := b.post("/shops/"+itoa(sh.ID)+"/faces/groups/"+itoa(visitor.ID)+"/delete", url.Values{})
	if del.status != http.StatusUnprocessableEntity {
		t.Fatalf("group delete: %d", del.status)
	}
	del.has(t, "This vendor does not offer that.")
	path := "/shops/" + itoa(sh.ID) + "/faces/enroll"
	r = b.postMultipart(path, enrollFields(staff, "宇航员", nil), []part{{"photo", "a.jpg", tinted(t, 1)}})
	r.has(t, `data-testid="vendor-check"`, "SenseLink found one face and the quality passed.", `data-testid="visit"`)
	first := a.enroll(b, sh, staff, "宇航员", tinted(t, 1))
	if first.status != http.StatusSeeOther {
		t.Fatalf("first %d\n%s", first.status, excerpt(first.body))
	}
	b.get(first.location).has(t, "宇航员 is enrolled.")
	again := a.enroll(b, sh, staff, "宇航员二", tinted(t, 9))
	page := b.get(again.location)
	page.has(t, "SenseLink already has a similar person: 宇航员 (#", `data-testid="face-force"`)
	// Without the confirmation box: not sent.
	before := len(s.People())
	b.post(again.location+"/retry", url.Values{"force": {"1"}})
	if len(s.People()) != before {
		t.Fatal("forced without confirmation")
	}
	r = b.post(again.location+"/retry", url.Values{"force": {"1"}, "confirm": {"1"}})
	b.get(r.location).has(t, "宇航员二 is enrolled.")
	if len(s.People()) != before+1 {
		t.Fatal("forced retry did not reach SenseLink")
	}
	// A visitor without a window is refused with the reason; with one and a
	// receptionist it is enrolled and shows its window.
	r = b.postMultipart(path, enrollFields(visitor, "访客甲", nil), []part{{"photo", "v.jpg", tinted(t, 20)}})
	token := tokenRe.FindStringSubmatch(r.body)[1]
	bad := b.postMultipart(path, enrollFields(visitor, "访客甲", url.Values{"token": {token}, "visit_from": {""}}), nil)
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("no window %d", bad.status)
	}
	bad.has(t, "Give a visit window whose end is after its start.", "Received by")
	var recID string
	for _, p := range s.People() {
		if p.Name == "宇航员" {
			recID = itoa(uint(p.ID))
		}
	}
	ok := b.postMultipart(path, enrollFields(visitor, "访客甲", url.Values{"token": {token}, "visit_from": {"2026-12-05T10:00"},
		"visit_to": {"2026-12-05T12:00"}, "receptionist": {recID}}), nil)
	if ok.status != http.StatusSeeOther {
		t.Fatalf("visitor %d\n%s", ok.status, excerpt(ok.body))
	}
	vp := b.get(ok.location)
	// The tinted photos are all the same person: the visitor is refused as
	// similar, then forced; its window shows either way.
	if strings.Contains(vp.body, `data-testid="face-force"`) {
		r = b.post(ok.location+"/retry", url.Values{"force": {"1"}, "confirm": {"1"}})
		vp = b.get(r.location)
	}
	vp.has(t, "访客甲 is enrolled.", `data-testid="face-visit"`, `data-testid="face-edit-hint"`)
	vp.lacks(t, `data-testid="face-edit-form"`)
	b.lang = "zh-CN"
	b.get(ok.location).has(t, "到访", "已登记")
}
