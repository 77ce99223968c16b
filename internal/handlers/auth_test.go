package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func sessionCookie(b *browser, a *testApp) string {
	u, _ := url.Parse(a.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "storelens_session" {
			return c.Value
		}
	}
	return ""
}

func TestSignInRotatesSessionAndSignOutEndsIt(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	if r := b.get("/shops"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login?next=%2Fshops") {
		t.Fatalf("anonymous /shops: %d %s", r.status, r.location)
	}
	b.get("/login") // a session cookie may exist before sign-in
	b.a.sim.ClearFaults()
	r := b.post("/login", url.Values{"username": {"admin"}, "password": {adminPW}, "next": {"/shops"}})
	if r.status != http.StatusSeeOther || r.location != "/shops" {
		t.Fatalf("login: %d %s", r.status, r.location)
	}
	if sc := r.header.Values("Set-Cookie"); len(sc) == 0 || !strings.Contains(strings.Join(sc, ";"), "HttpOnly") ||
		!strings.Contains(strings.Join(sc, ";"), "SameSite=Lax") {
		t.Fatalf("session cookie flags: %v", sc)
	}
	token := sessionCookie(b, a)
	if token == "" {
		t.Fatal("no session cookie")
	}
	if r := b.get("/shops"); r.status != http.StatusOK {
		t.Fatalf("signed-in /shops: %d", r.status)
	}
	b.post("/logout", nil)
	// Replaying the old token must not sign anyone in.
	old := a.browser()
	u, _ := url.Parse(a.srv.URL)
	old.c.Jar.SetCookies(u, []*http.Cookie{{Name: "storelens_session", Value: token}})
	if r := old.get("/shops"); r.status != http.StatusSeeOther {
		t.Fatalf("old session after sign-out: %d", r.status)
	}
}

func TestSessionTokenChangesAtSignIn(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	// Plant a session (as an attacker would) by making the server create one.
	b.post("/login", url.Values{"username": {"admin"}, "password": {"wrong-password"}})
	before := sessionCookie(b, a)
	b.post("/login", url.Values{"username": {"admin"}, "password": {adminPW}})
	after := sessionCookie(b, a)
	if after == "" || after == before {
		t.Fatalf("session token not renewed at sign-in: before %q after %q", before, after)
	}
}

func TestWrongPasswordAndThrottle(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	r := b.post("/login", url.Values{"username": {"admin"}, "password": {"nope-nope"}})
	if r.status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.status)
	}
	r.has(t, "Wrong user name or password.", `value="admin"`)
	r = b.post("/login", url.Values{"username": {"nobody"}, "password": {"nope-nope"}})
	r.has(t, "Wrong user name or password.") // same answer for an unknown name
	for range 5 {
		b.post("/login", url.Values{"username": {"admin"}, "password": {"nope-nope"}})
	}
	r = b.post("/login", url.Values{"username": {"admin"}, "password": {adminPW}})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("after many failures the right password went through at once: %d", r.status)
	}
	r.has(t, "Too many failed sign-ins")
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	a := newTestApp(t)
	laptop := a.login("manager", managerPW)
	phone := a.login("manager", managerPW)
	r := laptop.post("/account/password", url.Values{"current": {managerPW}, "new": {"a-new-password"}, "confirm": {"a-new-password"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("change password: %d\n%s", r.status, excerpt(r.body))
	}
	if r := laptop.get("/shops"); r.status != http.StatusOK {
		t.Fatalf("the session that changed the password was signed out: %d", r.status)
	}
	if r := phone.get("/shops"); r.status != http.StatusSeeOther {
		t.Fatalf("another session survived the password change: %d", r.status)
	}
	a.login("manager", "a-new-password")
}

func TestPasswordChangeBadInput(t *testing.T) {
	a := newTestApp(t)
	b := a.login("manager", managerPW)
	r := b.post("/account/password", url.Values{"current": {"wrong"}, "new": {"short"}, "confirm": {"other"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.status)
	}
	r.has(t, "The current password is wrong.", "at least 8 characters", "The two new passwords differ.")
}

func TestDisabledUserIsSignedOut(t *testing.T) {
	a := newTestApp(t)
	mgr := a.login("manager", managerPW)
	admin := a.login("admin", adminPW)
	u, _ := a.st.UserByUsername(t.Context(), "manager")
	r := admin.post("/users/"+itoa(u.ID), url.Values{"role": {"manager"}, "disabled": {"1"}, "shop_ids": {itoa(a.shopA.ID)}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", r.status, excerpt(r.body))
	}
	if r := mgr.get("/shops"); r.status != http.StatusSeeOther {
		t.Fatalf("a disabled user's session still works: %d", r.status)
	}
	r = a.browser().post("/login", url.Values{"username": {"manager"}, "password": {managerPW}})
	r.has(t, "This account is disabled.")
}

func TestLanguage(t *testing.T) {
	a := newTestApp(t)
	b := a.browser()
	b.lang = "zh-CN,zh;q=0.9"
	b.get("/login").has(t, `<html lang="zh-CN">`, "登录")
	b.lang = "en-US,en;q=0.8"
	b.get("/login").has(t, `<html lang="en">`, "Sign in")
	b.lang = "fr-FR"
	b.get("/login").has(t, `<html lang="zh-CN">`) // unknown languages get Chinese
	// The switch is remembered and wins over Accept-Language.
	r := b.post("/lang", url.Values{"lang": {"en"}, "next": {"/login?x=1"}})
	if r.status != http.StatusSeeOther || r.location != "/login?x=1" {
		t.Fatalf("switch: %d %s", r.status, r.location)
	}
	b.lang = "zh-CN"
	b.get("/login").has(t, `<html lang="en">`)
	// next never leaves the site.
	if r := b.post("/lang", url.Values{"lang": {"zh-CN"}, "next": {"//evil.example/"}}); r.location != "/" {
		t.Fatalf("open redirect: %s", r.location)
	}
}

func TestSecurityHeadersAndHealth(t *testing.T) {
	a := newTestApp(t)
	r := a.browser().get("/login")
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %s", csp)
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("X-Request-ID") == "" {
		t.Errorf("headers: %v", r.header)
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") {
		t.Error("inline script or style in the page")
	}
	if r := a.browser().get("/healthz"); r.status != http.StatusOK {
		t.Fatalf("healthz %d", r.status)
	}
}

// A forged X-Forwarded-For must not change the address the throttle and the
// audit log see: no proxy is trusted by default.
func TestForwardedForIsNotTrusted(t *testing.T) {
	a := newTestApp(t)
	for i := range 7 {
		a.browser().post("/login", url.Values{"username": {"u" + itoa(uint(i))}, "password": {"wrong-password"}},
			"X-Forwarded-For", "10.0.0."+itoa(uint(i)))
	}
	// Seven failures from one real address: that address now waits,
	// whatever it claims to be.
	r := a.browser().post("/login", url.Values{"username": {"admin"}, "password": {adminPW}}, "X-Forwarded-For", "10.9.9.9")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("X-Forwarded-For escaped the throttle: %d", r.status)
	}
}
