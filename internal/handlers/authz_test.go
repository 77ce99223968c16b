package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"storelens/internal/models"
)

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }

// A manager who changes an id in a URL gets a 404, never another shop's data.
func TestManagerCannotReachAnotherShop(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	r := b.get("/shops")
	r.has(t, "Shop A")
	r.lacks(t, "Shop B")

	own := a.camera(a.shopA.ID, "C201D8BS00101")
	other := a.camera(a.shopB.ID, "C101P98200103")
	A, B := "/shops/"+itoa(a.shopA.ID), "/shops/"+itoa(a.shopB.ID)
	gets := []string{B, B + "/cameras/bind", B + "/cameras/" + itoa(other.ID), B + "/cameras/" + itoa(other.ID) + "/screenshot",
		B + "/cameras/" + itoa(other.ID) + "/unbind",
		A + "/cameras/" + itoa(other.ID), // a camera of B through A's URL
		"/shops/999999", "/shops/abc"}
	for _, p := range gets {
		if r := b.get(p); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		} else {
			r.lacks(t, "B door", "C101P98200103")
		}
	}
	posts := []string{B + "/cameras/sync", B + "/cameras/bind", B + "/cameras/" + itoa(other.ID) + "/rename",
		B + "/cameras/" + itoa(other.ID) + "/unbind", A + "/cameras/" + itoa(other.ID) + "/unbind"}
	for _, p := range posts {
		if r := b.post(p, url.Values{"name": {"x"}, "sn": {"C201D8BS00089"}, "mac": {"0C25766F5705"}}); r.status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p, r.status)
		}
	}
	if _, ok := a.sim.Device("C101P98200103"); !ok {
		t.Fatal("shop B's camera vanished at the vendor")
	}
	for _, c := range a.sim.Calls() {
		if c.Path != "/device/ipc/getList" && c.Path != "/device/ipc/getInfo" {
			t.Errorf("a refused request reached the vendor: %s %v", c.Path, c.Params)
		}
	}
	// The own shop and camera work.
	if r := b.get(A + "/cameras/" + itoa(own.ID)); r.status != http.StatusOK {
		t.Fatalf("own camera: %d", r.status)
	}
}

func TestManagerCannotUseAdminPages(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	for _, p := range []string{"/users", "/users/new", "/settings/vendors", "/settings/vendors/new", "/audit", "/shops/new",
		"/shops/" + itoa(a.shopA.ID) + "/edit", "/shops/" + itoa(a.shopA.ID) + "/delete"} {
		if r := b.get(p); r.status != http.StatusForbidden {
			t.Errorf("GET %s: %d, want 403", p, r.status)
		}
	}
	for _, p := range []string{"/users", "/settings/vendors", "/shops", "/shops/" + itoa(a.shopA.ID) + "/delete",
		"/settings/vendors/" + itoa(a.account.ID) + "/test"} {
		if r := b.post(p, url.Values{"name": {"x"}, "role": {"admin"}}); r.status != http.StatusForbidden {
			t.Errorf("POST %s: %d, want 403", p, r.status)
		}
	}
	if _, err := a.st.Shop(t.Context(), allShops(), a.shopA.ID); err != nil {
		t.Fatal("shop A was deleted by a manager")
	}
}

// Every state-changing request from another site is refused.
func TestCrossSiteRequestsRefused(t *testing.T) {
	a := newTestApp(t)
	b := a.login("admin", adminPW)
	cases := [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
	}
	for _, h := range cases {
		r := b.post("/shops", url.Values{"name": {"Forged"}, "timezone": {"Asia/Shanghai"}}, h...)
		if r.status != http.StatusForbidden {
			t.Errorf("forged POST with %v: %d, want 403", h, r.status)
		}
		r = b.post("/lang", url.Values{"lang": {"en"}}, h...)
		if r.status != http.StatusForbidden {
			t.Errorf("forged POST /lang with %v: %d", h, r.status)
		}
	}
	if _, total, _ := a.st.ListShops(t.Context(), allShops(), models.ShopFilter{Query: "Forged"}); total != 0 {
		t.Fatal("a forged POST created a shop")
	}
	// A cross-site sign-in (login CSRF) is refused too.
	if r := a.browser().post("/login", url.Values{"username": {"admin"}, "password": {adminPW}}, "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
		t.Fatalf("cross-site login: %d", r.status)
	}
}
