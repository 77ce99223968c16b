package handlers_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"storelens/internal/models"
)

func TestVendorAccountSecretIsWriteOnly(t *testing.T) {
	a := newTestApp(t)
	b := a.login("admin", adminPW)
	const secret = "S3cr3t-Never-Shown-42"
	r := b.post("/settings/vendors", url.Values{"name": {"Second"}, "base_url": {a.simURL}, "app_id": {testAppID}, "secret": {secret}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.status, excerpt(r.body))
	}
	list := b.get("/settings/vendors")
	list.has(t, "Second", testAppID)
	list.lacks(t, secret, testSecret)
	var acc models.VendorAccount
	a.st.DB().Where("name = ?", "Second").First(&acc)
	edit := b.get("/settings/vendors/" + itoa(acc.ID) + "/edit")
	edit.has(t, `name="secret" type="password" value=""`)
	edit.lacks(t, secret)
	if bytes.Contains(acc.SecretEnc, []byte(secret)) {
		t.Fatal("secret stored in the clear")
	}
	// A bad form re-renders without the secret that was typed.
	r = b.post("/settings/vendors", url.Values{"name": {""}, "base_url": {"ftp://x"}, "app_id": {"ok"}, "secret": {secret}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", r.status)
	}
	r.has(t, "Required.", "http:// or https://", `value="ftp://x"`)
	r.lacks(t, secret)
}

func TestVendorAccountTestConnection(t *testing.T) {
	a := newTestApp(t)
	b := a.login("admin", adminPW)
	path := "/settings/vendors/" + itoa(a.account.ID)
	if r := b.post(path+"/test", nil); r.status != http.StatusSeeOther {
		t.Fatalf("test: %d", r.status)
	}
	b.get("/settings/vendors").has(t, "the vendor accepted the signed request", "Connected")
	var signed bool
	for _, c := range a.sim.Calls() {
		if c.Path == "/device/ipc/getListByCompany" && c.Params["app_id"] == testAppID && c.HTTPStatus == 200 {
			signed = true
		}
	}
	if !signed {
		t.Fatal("the test made no signed call")
	}
	// An empty secret on edit keeps the stored one.
	form := url.Values{"name": {"Sunmi"}, "base_url": {a.simURL}, "app_id": {testAppID}, "secret": {""}, "company_no": {"560279010300"}}
	if r := b.post(path, form); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d", r.status)
	}
	b.post(path+"/test", nil)
	b.get("/settings/vendors").has(t, "the vendor accepted")
	form.Set("secret", "wrong-secret")
	b.post(path, form)
	b.post(path+"/test", nil)
	b.get("/settings/vendors").has(t, "the test failed", "refused the credentials", "Failed")
	// Unreachable vendor.
	form.Set("base_url", "https://127.0.0.1:1/openapi")
	b.post(path, form)
	b.post(path+"/test", nil)
	b.get("/settings/vendors").has(t, "could not be reached")
}

func TestVendorAccountDeleteInUse(t *testing.T) {
	a := newTestApp(t)
	b := a.login("admin", adminPW)
	path := "/settings/vendors/" + itoa(a.account.ID) + "/delete"
	b.get(path).has(t, "2 shops still use this account")
	b.post(path, nil).has(t, "2 shops still use this account")
	if _, err := a.st.VendorAccount(t.Context(), a.account.ID); err != nil {
		t.Fatal("account in use was deleted")
	}
}

func TestCompanyDevices(t *testing.T) {
	a := newTestApp(t)
	b := a.login("admin", adminPW)
	r := b.get("/settings/vendors/" + itoa(a.account.ID) + "/devices")
	r.has(t, "C201D8BS00101", "Shop A", "C101P98200103", "Shop B")
}

func TestShopCRUD(t *testing.T) {
	a := newTestApp(t)
	b := a.login("admin", adminPW)
	r := b.post("/shops", url.Values{"name": {""}, "city": {"北京"}, "timezone": {"Mars/Olympus"}, "account_id": {itoa(a.account.ID)}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad shop: %d", r.status)
	}
	r.has(t, "Required.", "Choose a time zone", "needs its Sunmi shop number", `value="北京"`)
	r = b.post("/shops", url.Values{"name": {"北京 三里屯店"}, "city": {"北京"}, "timezone": {"Asia/Shanghai"}, "account_id": {itoa(a.account.ID)},
		"sunmi_shop_no": {"560279010309"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/shops/") {
		t.Fatalf("create: %d %s", r.status, excerpt(r.body))
	}
	shopPath := r.location
	b.get(shopPath).has(t, "北京 三里屯店", "Shop “北京 三里屯店” created.", `data-testid="cameras-sync"`)
	// Syncing a shop Sunmi does not know shows why.
	b.post(shopPath+"/cameras/sync", nil)
	b.get(shopPath).has(t, "found no data")
	b.get("/shops?q=三里屯").has(t, "北京 三里屯店")
	b.get("/shops?q=三里屯").lacks(t, "Shop A")
	b.get(shopPath+"/delete").has(t, "Delete the shop “北京 三里屯店”?")
	if r := b.post(shopPath+"/delete", nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	if r := b.get(shopPath); r.status != http.StatusNotFound {
		t.Fatalf("deleted shop: %d", r.status)
	}
}

func TestShopListPaging(t *testing.T) {
	a := newTestApp(t)
	for i := range 60 {
		a.st.CreateShop(t.Context(), &models.Shop{Name: "Z paging " + itoa(uint(100+i))})
	}
	b := a.login("admin", adminPW)
	r := b.get("/shops")
	r.has(t, "Page 1 of 2", `data-testid="pager-next"`)
	b.get("/shops?page=2").has(t, "Z paging 159", "Page 2 of 2")
	b.get("/shops?q=paging&page=2").has(t, "q=paging&amp;page=1")
}

func TestUsers(t *testing.T) {
	a := newTestApp(t)
	b := a.login("admin", adminPW)
	r := b.post("/users", url.Values{"username": {"x"}, "password": {"short"}, "role": {"boss"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad user: %d", r.status)
	}
	r.has(t, "3 to 64", "at least 8 characters", "Choose admin or manager.")
	r = b.post("/users", url.Values{"username": {"li.na"}, "display_name": {"李娜"}, "password": {"li-na-password"}, "role": {"manager"},
		"shop_ids": {itoa(a.shopB.ID)}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.status, excerpt(r.body))
	}
	b.get("/users").has(t, "li.na", "李娜", "Shop B")
	b.post("/users", url.Values{"username": {"LI.NA"}, "password": {"li-na-password"}, "role": {"manager"}}).has(t, "This user name is taken.")
	li := a.login("li.na", "li-na-password")
	li.get("/shops").has(t, "Shop B")
	li.get("/shops").lacks(t, "Shop A")
	// The last admin cannot be demoted.
	admin, _ := a.st.UserByUsername(t.Context(), "admin")
	b.post("/users/"+itoa(admin.ID), url.Values{"role": {"manager"}}).has(t, "last active admin")
	// An admin resets a password: the user's sessions end.
	u, _ := a.st.UserByUsername(t.Context(), "li.na")
	b.post("/users/"+itoa(u.ID)+"/password", url.Values{"password": {"brand-new-pass"}})
	if r := li.get("/shops"); r.status != http.StatusSeeOther {
		t.Fatalf("session survived a reset: %d", r.status)
	}
}

func TestAuditLog(t *testing.T) {
	a := newTestApp(t)
	a.browser().post("/login", url.Values{"username": {"admin"}, "password": {"wrong-wrong"}})
	b := a.login("admin", adminPW)
	b.post("/shops/"+itoa(a.shopA.ID)+"/cameras/bind", url.Values{"sn": {"C201D8BS00089"}, "mac": {"0C25766F5705"}})
	b.post("/settings/vendors/"+itoa(a.account.ID)+"/test", nil)
	r := b.get("/audit")
	// In sentences (audit_test.go has the rest).
	r.has(t, "A sign-in as admin failed", "admin signed in", "admin bound new at Shop A",
		"admin tested the connection of the vendor account Sunmi")
}

// A base URL the vendor client would refuse on every call (netguard) is
// refused by the form, with the reason, and no account is stored.
func TestVendorAccountBaseURLRefusesInternalAddresses(t *testing.T) {
	a := newTestApp(t)
	b := a.login("admin", adminPW)
	for _, c := range []struct{ url, reason string }{
		{"http://169.254.169.254/latest", "Cloud metadata address"},
		{"https://169.254.10.1", "Link-local address"},
		{"http://[ff02::1]:80", "Multicast or broadcast address"},
		{"http://0.0.0.0:8080", "Unspecified address"},
	} {
		r := b.post("/settings/vendors", url.Values{"name": {"Internal"}, "base_url": {c.url}, "app_id": {testAppID}, "secret": {"s"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d, want 422", c.url, r.status)
		}
		r.has(t, "StoreLens never calls this address", c.reason)
	}
	var n int64
	a.st.DB().Model(&models.VendorAccount{}).Where("name = ?", "Internal").Count(&n)
	if n != 0 {
		t.Fatalf("%d accounts stored with a refused base URL", n)
	}
}

// TestSenseLinkAccountInsideAShop: a SenseLink account may say its server
// is inside a shop (chain mode: reached through that shop's connector). The
// form offers the shops, keeps the choice, refuses a shop that is gone, and
// the other vendors' forms have no such field.
func TestSenseLinkAccountInsideAShop(t *testing.T) {
	a := newTestApp(t)
	b := a.login("admin", adminPW)
	form := b.get("/settings/vendors/new?vendor=senselink")
	form.has(t, `data-testid="vendor-via-shop"`, "Shop A", "Shop B")
	b.get("/settings/vendors/new?vendor=sunmicloud").lacks(t, `data-testid="vendor-via-shop"`)

	fields := func(via string) url.Values {
		return url.Values{"vendor": {"senselink"}, "name": {"In the shop"}, "base_url": {"http://192.168.10.20"}, "app_id": {"slkey"},
			"secret": {"slsecret"}, "via_shop": {via}}
	}
	r := b.post("/settings/vendors", fields("99999"))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("an unknown shop: %d, want 422", r.status)
	}
	r.has(t, "That shop no longer exists", `value="http://192.168.10.20"`)
	if r = b.post("/settings/vendors", fields(itoa(a.shopB.ID))); r.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.status, excerpt(r.body))
	}
	var acc models.VendorAccount
	a.st.DB().Where("name = ?", "In the shop").First(&acc)
	if acc.ViaShopID == nil || *acc.ViaShopID != a.shopB.ID {
		t.Fatalf("stored via shop %v, want %d", acc.ViaShopID, a.shopB.ID)
	}
	b.get("/settings/vendors/"+itoa(acc.ID)+"/edit").has(t, `value="`+itoa(a.shopB.ID)+`" selected`)
	// Back to "reached directly".
	if r = b.post("/settings/vendors/"+itoa(acc.ID), fields("0")); r.status != http.StatusSeeOther {
		t.Fatalf("update: %d %s", r.status, excerpt(r.body))
	}
	a.st.DB().First(&acc, acc.ID)
	if acc.ViaShopID != nil {
		t.Fatalf("via shop %d kept after choosing direct", *acc.ViaShopID)
	}
}
