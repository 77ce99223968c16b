package handlers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/auth"
	"storelens/internal/cameras"
	"storelens/internal/handlers"
	"storelens/internal/i18n"
	"storelens/internal/live"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/secrets"
	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmicloud/sim"
	"storelens/internal/video"
)

// testApp is the real router over a temporary database, with the Sunmi
// cloud simulator behind real HTTPS on loopback.
type testApp struct {
	t       testing.TB
	srv     *httptest.Server
	st      *models.Store
	sim     *sim.Server
	simURL  string
	hasher  *auth.Hasher
	account models.VendorAccount
	shopA   models.Shop // linked to Sunmi shop 560279010301, two cameras
	shopB   models.Shop // linked to 560279010302, one camera
	live    *live.Manager
}

const (
	testAppID  = "TESTAPP0001"
	testSecret = "ABCDEFG3F2BB03917123"
	adminPW    = "admin-password-1"
	managerPW  = "manager-password-1"
)

// newTestApp builds the app; opts may add an area's dependencies.
func newTestApp(t testing.TB, opts ...func(*testApp, *handlers.Deps)) *testApp {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st := modelstest.Open(t, models.Options{Logger: log})

	s := sim.New(sim.Options{})
	simSrv := httptest.NewTLSServer(s)
	t.Cleanup(simSrv.Close)
	s.AddApp(testAppID, testSecret)
	s.AddShop(sim.Shop{ShopNo: "560279010301", ShopID: "A1", CompanyNo: "560279010300", Name: "A", AppID: testAppID})
	s.AddShop(sim.Shop{ShopNo: "560279010302", ShopID: "B1", CompanyNo: "560279010300", Name: "B", AppID: testAppID})
	now := time.Now()
	s.AddDevice(sim.Device{IpcID: "549755805801", SN: "C201D8BS00101", MAC: "0C25766F5101", Name: "Door", Model: "FM020", Firmware: "1.6.2", Online: true, ConnectTime: now, ShopNo: "560279010301"})
	s.AddDevice(sim.Device{IpcID: "549755805802", SN: "C101P98200102", MAC: "0C25766F5102", Name: "Till", Model: "FM010", Firmware: "1.2.6", Online: false, ConnectTime: now.Add(-time.Hour), ShopNo: "560279010301"})
	s.AddDevice(sim.Device{IpcID: "549755805803", SN: "C101P98200103", MAC: "0C25766F5103", Name: "B door", Model: "FM010", Firmware: "1.2.6", Online: true, ConnectTime: now, ShopNo: "560279010302"})
	s.AddDevice(sim.Device{SN: "C201D8BS00089", MAC: "0C25766F5705", Name: "new", Model: "FM020", Firmware: "1.6.2", Online: true, ConnectTime: now})

	box, _ := secrets.New(bytes.Repeat([]byte{9}, 32))
	reg := vendors.NewRegistry(simSrv.Client())
	reg = reg.With(sunmicloud.Name, sunmicloud.Label, sunmicloud.New).With(senselink.Name, senselink.Label, senselink.New)
	acc := &accounts.Service{Store: st, Box: box, Registry: reg}
	cams := &cameras.Service{Store: st, Accounts: acc, HTTP: simSrv.Client()}
	hasher := auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1}, 4)

	a := &testApp{t: t, st: st, sim: s, simURL: simSrv.URL + "/openapi", hasher: hasher}
	var err error
	a.account, err = acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: sunmicloud.Name, Name: "Sunmi", BaseURL: a.simURL,
		AppID: testAppID, Secret: testSecret, CompanyNo: "560279010300"})
	if err != nil {
		t.Fatal(err)
	}
	a.shopA = models.Shop{Name: "Shop A", City: "上海", SunmiAccountID: &a.account.ID, SunmiShopNo: "560279010301"}
	a.shopB = models.Shop{Name: "Shop B", City: "杭州", SunmiAccountID: &a.account.ID, SunmiShopNo: "560279010302"}
	for _, sh := range []*models.Shop{&a.shopA, &a.shopB} {
		if err := st.CreateShop(ctx, sh); err != nil {
			t.Fatal(err)
		}
		if _, err := cams.Sync(ctx, *sh); err != nil {
			t.Fatal(err)
		}
	}
	a.addUser("admin", adminPW, models.RoleAdmin)
	a.addUser("manager", managerPW, models.RoleManager, a.shopA.ID)

	a.live = live.NewManager(live.Options{HTTP: simSrv.Client(), Log: log, Linger: 200 * time.Millisecond})
	a.live.Start()

	t.Cleanup(func() { a.live.Close() })
	deps := handlers.Deps{
		Store: st, Sessions: handlers.NewSessions(st, false, time.Hour, 2*time.Hour), I18n: i18n.MustLoad(),
		Hasher: hasher, Throttle: auth.NewThrottle(nil), Accounts: acc, Cameras: cams, Registry: reg, Log: log,
		VendorTimeout: 5 * time.Second,
		Video:         handlers.VideoDeps{Service: &video.Service{Accounts: acc, Streams: a.live, HTTP: simSrv.Client()}, Live: a.live},
	}
	for _, o := range opts {
		o(a, &deps)
	}
	h := handlers.New(deps)
	a.srv = httptest.NewServer(h)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *testApp) addUser(name, pw string, role models.Role, shops ...uint) models.User {
	hash, err := a.hasher.Hash(context.Background(), pw)
	if err != nil {
		a.t.Fatal(err)
	}
	u := models.User{Username: name, PasswordHash: hash, Role: role}
	if err := a.st.CreateUser(context.Background(), &u, shops); err != nil {
		a.t.Fatal(err)
	}
	return u
}

// browser is a cookie-keeping client that does not follow redirects, and
// sends the headers a same-origin browser form post sends.
type browser struct {
	a    *testApp
	c    *http.Client
	lang string
}

func (a *testApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{a: a, lang: "en", c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// login signs in and fails the test if it does not work.
func (a *testApp) login(user, pw string) *browser {
	b := a.browser()
	r := b.post("/login", url.Values{"username": {user}, "password": {pw}})
	if r.status != http.StatusSeeOther {
		a.t.Fatalf("login %s: status %d\n%s", user, r.status, r.body)
	}
	return b
}

type result struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) result {
	b.a.t.Helper()
	req.Header.Set("Accept", "text/html")
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b *browser) get(path string) result {
	req, _ := http.NewRequest(http.MethodGet, b.a.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form as a same-origin browser would.
func (b *browser) post(path string, form url.Values, headers ...string) result {
	req, _ := http.NewRequest(http.MethodPost, b.a.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.a.srv.URL)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return b.do(req)
}

func (r result) has(t *testing.T, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.body, w) {
			t.Errorf("page (status %d) lacks %q\n%s", r.status, w, excerpt(r.body))
		}
	}
}

func (r result) lacks(t *testing.T, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(r.body, n) {
			t.Errorf("page (status %d) has %q", r.status, n)
		}
	}
}

func excerpt(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		s = s[:3000]
	}
	return s
}

func (a *testApp) camera(shopID uint, sn string) models.Camera {
	cams, err := a.st.Cameras(context.Background(), shopID)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, c := range cams {
		if c.SN == sn {
			return c
		}
	}
	a.t.Fatalf("no camera %s in shop %d", sn, shopID)
	return models.Camera{}
}

func allShops() models.Scope { return models.AllShops() }
