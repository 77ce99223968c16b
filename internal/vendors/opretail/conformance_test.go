package opretail_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/opretail"
	"storelens/internal/vendors/opretail/sim"
)

// The adapter against the simulator over real HTTPS on loopback.

const (
	akey   = "demo-key"
	secret = "s3cr3t"
	user   = "manager@fresh"
	pass   = "pa55word"
)

// clock: 2026-01-10 09:30 in Shanghai.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	skew time.Duration // how wrong the adapter's clock is
}

func (c *clock) ours() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t.Add(c.skew) }

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func setup(t *testing.T, path string, acc ...func(*vendors.Account)) (*opretail.Client, *sim.Server, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 1, 10, 9, 30, 0, 0, shanghai)}
	s := sim.New(sim.Options{Now: clk.now})
	s.AddKey(akey, secret)
	s.AddUser(user, pass)
	s.AddDepartment(sim.Department{DepID: "10086", Name: "苏州中心店", AppKey: akey, Seed: 5, Size: 30})
	s.AddDepartment(sim.Department{DepID: "10087", Name: "头肩", AppKey: akey, Seed: 6, Size: 30, HeadShoulder: true})
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	a := vendors.Account{BaseURL: srv.URL + path, AppID: akey, Secret: secret, User: user, Password: pass}
	for _, f := range acc {
		f(&a)
	}
	c, err := opretail.NewClient(a, srv.Client(), opretail.WithClock(clk.ours),
		opretail.WithBackoff(func(ctx context.Context, d time.Duration) error { clk.add(d); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	return c, s, clk
}

func wantKind(t *testing.T, err error, kind vendors.Kind, code int) {
	t.Helper()
	var ve *vendors.Error
	if !errors.As(err, &ve) || ve.Kind != kind || (code != 0 && ve.Code != code) {
		t.Fatalf("err = %v, want kind %s code %d", err, kind, code)
	}
}

func target(dep string) vendors.TrafficTarget {
	return vendors.TrafficTarget{Shop: vendors.ShopRef{ShopID: dep}, Location: shanghai}
}

func TestDaysAndToday(t *testing.T) {
	for _, path := range []string{"/cloud.api", "/m.api"} {
		t.Run(path, func(t *testing.T) {
			c, s, _ := setup(t, path)
			ctx := context.Background()
			d := vendors.Date{Year: 2026, Month: 1, Day: 9}
			days, err := c.TrafficDays(ctx, target("10086"), d, d)
			if err != nil {
				t.Fatal(err)
			}
			day := days[0]
			var sum vendors.TrafficCounts
			for _, h := range day.Hours {
				sum.Add(h.TrafficCounts)
			}
			// Face counters: the day de-duplicates, so hours sum to more.
			if len(day.Hours) != 24 || sum.Entries == 0 || day.Day.UniqTotal >= sum.Entries || !day.Final {
				t.Fatalf("day: %d hours, hours' entries %d, day's %d", len(day.Hours), sum.Entries, day.Day.UniqTotal)
			}
			if !day.Hours[0].Start.Equal(time.Date(2026, 1, 8, 16, 0, 0, 0, time.UTC)) || sum.Left != 0 {
				t.Fatalf("first hour %v, left %d", day.Hours[0].Start, sum.Left)
			}
			// One login for the 25 calls: the token is cached.
			if n := s.Logins(); n != 1 {
				t.Fatalf("%d logins", n)
			}
			calls := s.Calls()
			last := calls[len(calls)-1]
			if last.Params["startTime"] != "2026-01-09 00:00:00" || last.Params["endTime"] != "2026-01-09 23:59:59" ||
				last.Params["depId"] != "10086" || last.Params["isOnBusinessTime"] != "0" || last.Token == "" {
				t.Fatalf("the day's call %+v", last)
			}
			if calls[1].Params["startTime"] != "2026-01-09 00:00:00" || calls[1].Params["endTime"] != "2026-01-09 00:59:59" {
				t.Fatalf("the first hour's call %+v", calls[1].Params)
			}
			today, err := c.TrafficToday(ctx, target("10086"))
			if err != nil || len(today.Hours) != 10 || today.Final {
				t.Fatalf("today: %d hours, %v", len(today.Hours), err)
			}
			hs, err := c.TrafficDays(ctx, target("10087"), d, d)
			if err != nil {
				t.Fatal(err)
			}
			var left int64
			for _, h := range hs[0].Hours {
				left += h.Left
			}
			if left == 0 {
				t.Fatal("head-shoulder counters count nobody leaving")
			}
		})
	}
}

func TestTokenRenewedOn9990001(t *testing.T) {
	c, s, _ := setup(t, "/cloud.api")
	ctx := context.Background()
	if err := c.Test(ctx); err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens()
	today, err := c.TrafficToday(ctx, target("10086"))
	if err != nil || len(today.Hours) == 0 {
		t.Fatalf("after the token expired: %v", err)
	}
	if n := s.Logins(); n != 2 {
		t.Fatalf("%d logins, want 2", n)
	}
	refused := 0
	for _, call := range s.Calls() {
		if call.Code == sim.CodeTokenMissing {
			refused++
		}
	}
	if refused != 1 {
		t.Fatalf("%d calls refused for the token", refused)
	}
}

func TestGatewayCodesAreClearErrors(t *testing.T) {
	ctx := context.Background()
	wrongSecret, _, _ := setup(t, "/cloud.api", func(a *vendors.Account) { a.Secret = "nope" })
	wantKind(t, wrongSecret.Test(ctx), vendors.KindAuth, sim.CodeSigWrong)
	unknownKey, _, _ := setup(t, "/cloud.api", func(a *vendors.Account) { a.AppID = "other" })
	wantKind(t, unknownKey.Test(ctx), vendors.KindAuth, sim.CodeKeyUnknown)
	badPass, _, _ := setup(t, "/cloud.api", func(a *vendors.Account) { a.Password = "x" })
	wantKind(t, badPass.Test(ctx), vendors.KindAuth, sim.CodePasswordWrong)
	noUser, _, _ := setup(t, "/cloud.api", func(a *vendors.Account) { a.User = "" })
	wantKind(t, noUser.Test(ctx), vendors.KindAuth, 0)

	c, s, clk := setup(t, "/cloud.api")
	clk.skew = -time.Hour // our clock an hour slow
	wantKind(t, c.Test(ctx), vendors.KindClock, sim.CodeTimestampOld)
	clk.skew = 0
	_, err := c.TrafficToday(ctx, target("99999"))
	wantKind(t, err, vendors.KindOther, sim.CodeNoDepartment)
	if ve := new(vendors.Error); errors.As(err, &ve) && ve.Msg != "部门不存在" {
		t.Fatalf("vendor message %q", ve.Msg)
	}
	// The platform's own failures and a repeated call are retried.
	s.SetFault(opretail.MethodIndicator, sim.Fault{Code: sim.CodeSystem, Times: 1})
	if _, err := c.TrafficToday(ctx, target("10086")); err != nil {
		t.Fatalf("after one -500: %v", err)
	}
	s.SetFault(opretail.MethodIndicator, sim.Fault{Code: sim.CodeRepeat, Times: 2})
	if _, err := c.TrafficToday(ctx, target("10086")); err != nil {
		t.Fatalf("after two -100: %v", err)
	}
	s.SetFault(opretail.MethodIndicator, sim.Fault{Code: sim.CodeUnknown})
	_, err = c.TrafficToday(ctx, target("10086"))
	wantKind(t, err, vendors.KindUnavailable, sim.CodeUnknown)
	s.SetFault(opretail.MethodIndicator, sim.Fault{Malformed: true, Times: 1})
	_, err = c.TrafficToday(ctx, target("10086"))
	wantKind(t, err, vendors.KindMalformed, 0)
	s.SetFault("*", sim.Fault{Drop: true})
	_, err = c.TrafficToday(ctx, target("10086"))
	wantKind(t, err, vendors.KindUnavailable, 0)
}

// A replayed request (same parameters in the same second) is -100 at the
// gateway: the simulator refuses it, the adapter never sends one.
func TestReplayRefused(t *testing.T) {
	_, s, _ := setup(t, "/cloud.api")
	srv := httptest.NewServer(s)
	defer srv.Close()
	p := map[string]string{"_aid": "S107", "_akey": akey, "_mt": opretail.MethodLogin, "_sm": "md5", "_requestMode": "post",
		"_version": "v1", "_timestamp": time.Date(2026, 1, 10, 9, 30, 0, 0, shanghai).Format("20060102150405"),
		"userName": user, "password": pass}
	p["_sig"] = opretail.Sign(p, secret)
	codes := []int{}
	for range 2 {
		codes = append(codes, post(t, srv.URL+"/cloud.api", p))
	}
	if codes[0] != 0 || codes[1] != sim.CodeRepeat {
		t.Fatalf("codes %v", codes)
	}
}
