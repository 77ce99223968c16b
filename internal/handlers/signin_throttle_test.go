package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/auth"
	"storelens/internal/handlers"
	"storelens/internal/models"
)

// clock is a settable clock for the throttle.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// throttledApp is the app behind a trusted proxy on loopback (so clients'
// addresses come from X-Forwarded-For), its throttle in the database on a
// settable clock.
func throttledApp(t *testing.T) (*testApp, *clock) {
	clk := &clock{t: time.Now()}
	a := newTestApp(t, func(a *testApp, d *handlers.Deps) {
		d.TrustedProxies = []string{"127.0.0.1"}
		d.Throttle = auth.NewStoredThrottle(a.st, clk.now)
	})
	return a, clk
}

func from(addr string) []string { return []string{"X-Forwarded-For", addr} }

func signIn(b *browser, user, pw, addr string) result {
	return b.post("/login", url.Values{"username": {user}, "password": {pw}}, from(addr)...)
}

func auditCount(t *testing.T, st *models.Store, action string) []models.AuditEntry {
	t.Helper()
	es, _, err := st.AuditLog(context.Background(), models.AuditFilter{Action: action, Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// 1,000 wrong passwords for admin from 10 client addresses, then the owner
// signs in from a browser that has signed in before, on one of those very
// addresses: it goes through at once. Without that browser's device cookie
// the same address is slowed; another address is not (no account lock).
func TestOwnerSignsInThroughGuessingWithDeviceCookie(t *testing.T) {
	a, clk := throttledApp(t)
	owner := a.browser()
	if r := signIn(owner, "admin", adminPW, "198.51.100.1"); r.status != http.StatusSeeOther {
		t.Fatalf("owner's first sign-in: %d", r.status)
	}
	owner.post("/logout", nil, from("198.51.100.1")...)

	attacker := a.browser()
	statuses := map[int]int{}
	for i := range 1000 {
		r := signIn(attacker, "admin", fmt.Sprintf("guess-%04d", i), fmt.Sprintf("198.51.100.%d", 1+i%10))
		statuses[r.status]++
		clk.add(500 * time.Millisecond) // the guessers keep going; some of their waits pass
	}
	if statuses[http.StatusSeeOther] != 0 || statuses[http.StatusUnauthorized] == 0 || statuses[http.StatusTooManyRequests] == 0 ||
		statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 1000 {
		t.Fatalf("guessing answers: %v (want some 401, some 429, nothing else)", statuses)
	}
	// The guessed addresses really are slowed for admin without a cookie.
	if r := signIn(a.browser(), "admin", adminPW, "198.51.100.1"); r.status != http.StatusTooManyRequests {
		t.Fatalf("right password from a guessing address, no device cookie: %d, want 429", r.status)
	}
	start := time.Now()
	r := signIn(owner, "admin", adminPW, "198.51.100.1")
	took := time.Since(start)
	if r.status != http.StatusSeeOther || took > time.Second {
		t.Fatalf("owner with device cookie: %d after %v, want 303 within 1 s\n%s", r.status, took, excerpt(r.body))
	}
	if r := owner.get("/shops"); r.status != http.StatusOK {
		t.Fatalf("owner's session: %d", r.status)
	}
	// Never a hard lock: a fresh browser elsewhere signs in.
	if r := signIn(a.browser(), "admin", adminPW, "203.0.113.9"); r.status != http.StatusSeeOther {
		t.Fatalf("owner from a fresh address: %d, want 303", r.status)
	}
	// Every wait imposed is in the audit log, naming counter and failures.
	throttled := auditCount(t, a.st, "auth.throttled")
	if len(throttled) == 0 {
		t.Fatal("no wait audited")
	}
	for _, e := range throttled {
		if e.Username != "admin" || !strings.HasPrefix(e.IP, "198.51.100.") || !strings.Contains(e.Detail, "failures") ||
			(e.TargetID != auth.CounterAccountClient && e.TargetID != auth.CounterClient) {
			t.Fatalf("audit entry %+v", e)
		}
	}
	if n := len(auditCount(t, a.st, "auth.login_failed")); n != statuses[http.StatusUnauthorized] {
		t.Fatalf("%d failures audited, %d answered 401", n, statuses[http.StatusUnauthorized])
	}
}

// A device cookie counts only for the account it was issued for, and only
// with its signature intact.
func TestDeviceCookieIsBoundAndSigned(t *testing.T) {
	a, _ := throttledApp(t)
	mgr := a.browser()
	if r := signIn(mgr, "manager", managerPW, "198.51.100.20"); r.status != http.StatusSeeOther {
		t.Fatalf("manager sign-in: %d", r.status)
	}
	var dev *http.Cookie
	u, _ := url.Parse(a.srv.URL + "/login")
	for _, c := range mgr.c.Jar.Cookies(u) {
		if c.Name == "storelens_device" {
			dev = c
		}
	}
	if dev == nil {
		t.Fatal("no device cookie after sign-in")
	}
	for range 5 {
		signIn(a.browser(), "admin", "wrong-password", "198.51.100.20")
		signIn(a.browser(), "manager", "wrong-password", "198.51.100.20")
	}
	// The manager's cookie does not exempt an attempt on admin.
	if r := signIn(mgr, "admin", adminPW, "198.51.100.20"); r.status != http.StatusTooManyRequests {
		t.Fatalf("manager's device cookie used for admin: %d, want 429", r.status)
	}
	// A tampered cookie is no cookie.
	forged := a.browser()
	v := []byte(dev.Value)
	v[len(v)-2] ^= 1
	forged.c.Jar.SetCookies(u, []*http.Cookie{{Name: "storelens_device", Value: string(v)}})
	if r := signIn(forged, "manager", managerPW, "198.51.100.20"); r.status != http.StatusTooManyRequests {
		t.Fatalf("tampered device cookie: %d, want 429", r.status)
	}
	if r := signIn(mgr, "manager", managerPW, "198.51.100.20"); r.status != http.StatusSeeOther {
		t.Fatalf("manager with own device cookie: %d, want 303", r.status)
	}
}

// A fresh client makes 5 attempts; the 6th is not checked (429, in the
// user's language, saying when to retry) until its wait has passed.
func TestFreshClientSlowedAfterFiveFailures(t *testing.T) {
	a, clk := throttledApp(t)
	b := a.browser()
	for i := range 5 {
		if r := signIn(b, "admin", "wrong-password", "192.0.2.50"); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, r.status)
		}
	}
	r := signIn(b, "admin", adminPW, "192.0.2.50")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
		t.Fatalf("6th attempt: %d Retry-After %q, want 429 and 1", r.status, r.header.Get("Retry-After"))
	}
	r.has(t, "Your next attempt will be checked in 1 seconds", `value="admin"`)
	b.lang = "zh-CN"
	signIn(b, "admin", adminPW, "192.0.2.50").has(t, "1 秒后才会受理下一次登录")
	clk.add(1100 * time.Millisecond)
	if r := signIn(b, "admin", adminPW, "192.0.2.50"); r.status != http.StatusSeeOther {
		t.Fatalf("after the wait, the right password: %d", r.status)
	}
	// Only the address's 5th failure imposed waits: two counters, audited.
	if n := len(auditCount(t, a.st, "auth.throttled")); n != 2 {
		t.Fatalf("%d waits audited, want 2 (account+client and client)", n)
	}
}
