package auth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"storelens/internal/auth"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
)

// stores runs a test against both counter stores: memory and the database.
func stores(t *testing.T, f func(t *testing.T, th *auth.Throttle, now *time.Time)) {
	t.Run("memory", func(t *testing.T) {
		now := time.Unix(1_700_000_000, 0)
		f(t, auth.NewThrottle(func() time.Time { return now }), &now)
	})
	t.Run("database", func(t *testing.T) {
		now := time.Unix(1_700_000_000, 0)
		st := modelstest.Open(t, models.Options{})
		f(t, auth.NewStoredThrottle(st, func() time.Time { return now }), &now)
	})
}

func wait(t *testing.T, th *auth.Throttle, a auth.Attempt) time.Duration {
	t.Helper()
	w, err := th.Wait(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func fail(t *testing.T, th *auth.Throttle, a auth.Attempt) []auth.Delay {
	t.Helper()
	d, err := th.Fail(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A fresh client makes 5 attempts at once; after the 5th failure its next
// attempt waits 1 s on both its counters, after the 6th 2 s; the wait is
// capped at 15 minutes.
func TestThrottleFreshClientSlowedAfterFive(t *testing.T) {
	stores(t, func(t *testing.T, th *auth.Throttle, now *time.Time) {
		a := auth.Attempt{Account: "admin", Addr: "192.0.2.1"}
		for i := range 4 {
			if w := wait(t, th, a); w != 0 {
				t.Fatalf("attempt %d throttled %v", i+1, w)
			}
			if d := fail(t, th, a); len(d) != 0 {
				t.Fatalf("failure %d imposed %v", i+1, d)
			}
		}
		if w := wait(t, th, a); w != 0 {
			t.Fatalf("5th attempt waits %v", w)
		}
		d := fail(t, th, a)
		if len(d) != 2 || d[0].Counter != auth.CounterAccountClient || d[1].Counter != auth.CounterClient ||
			d[0].Wait != time.Second || d[0].Failures != 5 {
			t.Fatalf("5th failure imposed %+v, want 1 s on account+client and client", d)
		}
		if w := wait(t, th, a); w != time.Second {
			t.Fatalf("after 5 failures: wait %v, want 1s", w)
		}
		// The same client trying another account waits too (client counter).
		if w := wait(t, th, auth.Attempt{Account: "other", Addr: "192.0.2.1"}); w != time.Second {
			t.Fatalf("same client, other account: wait %v", w)
		}
		*now = now.Add(time.Second)
		fail(t, th, a)
		if w := wait(t, th, a); w != 2*time.Second {
			t.Fatalf("6th failure: wait %v, want 2s", w)
		}
		for range 40 {
			fail(t, th, a)
		}
		if w := wait(t, th, a); w != 15*time.Minute {
			t.Fatalf("cap: %v", w)
		}
	})
}

// Failures from other clients never slow the account's owner elsewhere, and
// never lock the account: there is no per-account counter.
func TestThrottleNoAccountLock(t *testing.T) {
	stores(t, func(t *testing.T, th *auth.Throttle, now *time.Time) {
		for i := range 200 {
			fail(t, th, auth.Attempt{Account: "Admin", Addr: fmt.Sprintf("198.51.100.%d", i%10)})
		}
		if w := wait(t, th, auth.Attempt{Account: "admin", Addr: "198.51.100.3"}); w == 0 {
			t.Fatal("the guessing client itself is not slowed")
		}
		if w := wait(t, th, auth.Attempt{Account: "admin", Addr: "203.0.113.7"}); w != 0 {
			t.Fatalf("owner on another address waits %v: the account is locked", w)
		}
		// A browser with a device cookie, even on a guessing address.
		dev := auth.Attempt{Account: "admin", Addr: "198.51.100.3", Device: "d1"}
		if w := wait(t, th, dev); w != 0 {
			t.Fatalf("known device waits %v for others' failures", w)
		}
		// Its own failures count on its own counter.
		for range 5 {
			fail(t, th, dev)
		}
		if w := wait(t, th, dev); w != time.Second {
			t.Fatalf("device's own 5 failures: wait %v, want 1s", w)
		}
		if w := wait(t, th, auth.Attempt{Account: "admin", Addr: "198.51.100.3", Device: "d2"}); w != 0 {
			t.Fatalf("another device waits %v", w)
		}
		// Success clears the account+client counter, not the client's.
		a := auth.Attempt{Account: "admin", Addr: "198.51.100.3"}
		if err := th.Succeed(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		if w := wait(t, th, auth.Attempt{Account: "zed", Addr: "198.51.100.3"}); w == 0 {
			t.Fatal("a success reset the client's own counter")
		}
		if n, err := th.Sweep(context.Background()); err != nil || n != 10+9+1 {
			t.Fatalf("counters after success: %d (%v), want 10 clients + the 9 other account+client + 1 device", n, err)
		}
	})
}

// ThrottleWait is longer than any wait the tests impose.
const ThrottleWait = 16 * time.Minute

// IPv6 clients count by /64; IPv4-mapped addresses as IPv4.
func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1": "192.0.2.1", "::ffff:192.0.2.1": "192.0.2.1",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64", "2001:db8:1:2::99": "2001:db8:1:2::/64",
		"junk": "junk",
	} {
		if got := auth.ClientKey(in); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// Counters idle past the window are forgotten, and the store is bounded
// however many addresses an attacker rotates through.
func TestThrottleBounded(t *testing.T) {
	stores(t, func(t *testing.T, th *auth.Throttle, now *time.Time) {
		th.SetKeep(500)
		for i := range 1200 {
			fail(t, th, auth.Attempt{Account: "admin", Addr: fmt.Sprintf("10.%d.%d.1", i/250, i%250)})
		}
		n, err := th.Sweep(context.Background())
		if err != nil || n != 500 {
			t.Fatalf("after 1200 addresses (2400 counters): %d kept, want the bound 500; %v", n, err)
		}
		*now = now.Add(ThrottleWait)
		if n, err = th.Sweep(context.Background()); err != nil || n != 0 {
			t.Fatalf("idle counters kept: %d %v", n, err)
		}
	})
}

// twoInstances opens two stores on one database, as two instances of the
// server have: a fresh PostgreSQL database with the URL set, else one
// SQLite file opened twice.
func twoInstances(t *testing.T) (a, b *models.Store) {
	t.Helper()
	opt := models.Options{}
	path := t.TempDir() + "/shared.db"
	if base := modelstest.PostgresURL(); base != "" {
		u, err := modelstest.NewDatabase(t, base)
		if err != nil {
			t.Fatal(err)
		}
		opt.DatabaseURL = u
	}
	open := func() *models.Store {
		st, err := models.Open(context.Background(), path, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return open(), open()
}

// A guesser spreading attempts over two instances gets no more than on
// one: failures on A and on B count on one counter, and a wait imposed on
// B holds on A. Failures at the same moment on both are all counted.
func TestThrottleCountsAcrossInstances(t *testing.T) {
	sa, sb := twoInstances(t)
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	ta, tb := auth.NewStoredThrottle(sa, clock), auth.NewStoredThrottle(sb, clock)
	a := auth.Attempt{Account: "admin", Addr: "192.0.2.7"}
	for i, th := range []*auth.Throttle{ta, tb, ta, tb} {
		if d := fail(t, th, a); len(d) != 0 {
			t.Fatalf("failure %d imposed %v", i+1, d)
		}
	}
	if d := fail(t, tb, a); len(d) != 2 || d[0].Failures != 5 || d[0].Wait != time.Second {
		t.Fatalf("5th failure (2 on A, 3 on B) imposed %+v, want 1 s after 5", d)
	}
	if w := wait(t, ta, a); w != time.Second {
		t.Fatalf("A after B's 5th failure: wait %v, want 1s", w)
	}
	// 20 failures at once, 10 on each instance: 25 counted.
	errs := make(chan error, 20)
	for i := range 20 {
		th := ta
		if i%2 == 1 {
			th = tb
		}
		go func() { _, err := th.Fail(context.Background(), a); errs <- err }()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	d := fail(t, ta, a)
	if len(d) == 0 || d[0].Failures != 26 {
		t.Fatalf("after 5 + 20 concurrent failures the next is %+v, want failure 26", d)
	}
}
