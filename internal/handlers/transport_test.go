package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"storelens/internal/handlers"
)

func cookiesSecure(r result) (all bool, n int) {
	all = true
	for _, c := range r.header.Values("Set-Cookie") {
		n++
		if !strings.Contains(c, "; Secure") {
			all = false
		}
	}
	return all, n
}

// Behind a trusted proxy that received https, every cookie (session,
// device, language) is Secure and HSTS is sent; plain http, or a client
// merely claiming https without a trusted proxy, gets neither.
func TestSecureCookiesAndHSTSBehindTrustedProxy(t *testing.T) {
	a := newTestApp(t, func(_ *testApp, d *handlers.Deps) { d.TrustedProxies = []string{"127.0.0.0/8"} })
	b := a.browser()
	r := b.post("/login", url.Values{"username": {"admin"}, "password": {adminPW}}, "X-Forwarded-Proto", "https", "X-Forwarded-For", "203.0.113.5")
	if all, n := cookiesSecure(r); r.status != http.StatusSeeOther || n < 2 || !all {
		t.Fatalf("sign-in through https proxy: %d, cookies %v", r.status, r.header.Values("Set-Cookie"))
	}
	if h := r.header.Get("Strict-Transport-Security"); h != "max-age=31536000" {
		t.Fatalf("HSTS through https proxy: %q", h)
	}
	r = b.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}}, "X-Forwarded-Proto", "https")
	if all, n := cookiesSecure(r); n == 0 || !all {
		t.Fatalf("language cookie through https proxy: %v", r.header.Values("Set-Cookie"))
	}

	plain := a.browser()
	r = plain.post("/login", url.Values{"username": {"admin"}, "password": {adminPW}}, "X-Forwarded-Proto", "http")
	if _, n := cookiesSecure(r); n == 0 || strings.Contains(strings.Join(r.header.Values("Set-Cookie"), "|"), "Secure") {
		t.Fatalf("plain http through proxy: cookies %v", r.header.Values("Set-Cookie"))
	}
	if h := r.header.Get("Strict-Transport-Security"); h != "" {
		t.Fatalf("HSTS over plain http: %q", h)
	}

	untrusted := newTestApp(t) // no trusted proxy: the header is the client's word
	r = untrusted.browser().post("/login", url.Values{"username": {"admin"}, "password": {adminPW}}, "X-Forwarded-Proto", "https")
	if strings.Contains(strings.Join(r.header.Values("Set-Cookie"), "|"), "Secure") || r.header.Get("Strict-Transport-Security") != "" {
		t.Fatalf("X-Forwarded-Proto from an untrusted peer believed: %v %q", r.header.Values("Set-Cookie"), r.header.Get("Strict-Transport-Security"))
	}
}

// --public-url https:// makes every request https; --secure-cookies forces
// the Secure flag only.
func TestPublicHTTPSAndForcedSecureCookies(t *testing.T) {
	a := newTestApp(t, func(_ *testApp, d *handlers.Deps) { d.PublicHTTPS = true })
	r := a.browser().post("/login", url.Values{"username": {"admin"}, "password": {adminPW}})
	if all, n := cookiesSecure(r); n < 2 || !all || r.header.Get("Strict-Transport-Security") != "max-age=31536000" {
		t.Fatalf("public https: cookies %v HSTS %q", r.header.Values("Set-Cookie"), r.header.Get("Strict-Transport-Security"))
	}
	if h := a.browser().get("/login").header.Get("Strict-Transport-Security"); h != "max-age=31536000" {
		t.Fatalf("public https, sign-in page: HSTS %q", h)
	}
	f := newTestApp(t, func(_ *testApp, d *handlers.Deps) { d.SecureCookies = true })
	r = f.browser().post("/login", url.Values{"username": {"admin"}, "password": {adminPW}})
	if all, n := cookiesSecure(r); n < 2 || !all || r.header.Get("Strict-Transport-Security") != "" {
		t.Fatalf("--secure-cookies: cookies %v HSTS %q", r.header.Values("Set-Cookie"), r.header.Get("Strict-Transport-Security"))
	}
}
