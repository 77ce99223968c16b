package handlers_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"storelens/internal/handlers"
	"storelens/internal/models"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
)

// TestHomeDashboardTodayAgainstLastWeek: the home page's shop table shows
// each shop's entries today (the shop's own today) against the same
// weekday last week up to the same hour, whatever its time zone; a shop
// with no numbers shows dashes.
func TestHomeDashboardTodayAgainstLastWeek(t *testing.T) {
	ctx := context.Background()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Date(2026, 12, 2, 23, 30, 0, 0, sh) // 00:30 on 3 December in Tokyo
	a := newTestApp(t, func(a *testApp, d *handlers.Deps) {
		d.Traffic = handlers.TrafficDeps{Service: &traffic.Service{Store: a.st, Accounts: d.Accounts, Log: slog.New(slog.DiscardHandler),
			Now: func() time.Time { return now }}}
	})
	shopT := models.Shop{Name: "Tokyo Ginza", City: "东京", Timezone: "Asia/Tokyo"}
	if err := a.st.CreateShop(ctx, &shopT); err != nil {
		t.Fatal(err)
	}
	// save writes a shop's day: entries that day, and hours (local hour: entries).
	save := func(shop uint, loc *time.Location, day time.Time, entries int64, hours map[int]int64) {
		t.Helper()
		d := vendors.DateOf(day, loc)
		row := models.TrafficDay{ShopID: shop, Day: d.String(), Have: 15}
		row.Entries, row.PassersBy = entries, entries*2
		var hs []models.TrafficHour
		for h, e := range hours {
			hr := models.TrafficHour{ShopID: shop, HourStart: d.Start(loc).Add(time.Duration(h) * time.Hour).Unix(), Have: 15}
			hr.Entries = e
			hs = append(hs, hr)
		}
		if err := a.st.SaveTrafficDay(ctx, row, d.Start(loc).Unix(), d.AddDays(1).Start(loc).Unix(), hs, nil); err != nil {
			t.Fatal(err)
		}
	}
	weekAgo := now.Add(-7 * 24 * time.Hour)
	// Shop A: 150 today; a week ago 100 by 23:00.
	save(a.shopA.ID, sh, now, 150, nil)
	save(a.shopA.ID, sh, weekAgo, 100, map[int]int64{9: 60, 23: 40})
	// Tokyo: 80 today (its own date, a day on from Shanghai's); a week ago
	// 40 in the hour from midnight, 500 in the next (later than now).
	save(shopT.ID, tokyo, now, 80, nil)
	save(shopT.ID, tokyo, weekAgo, 540, map[int]int64{0: 40, 1: 500})

	page := a.login("admin", adminPW).get("/")
	row := func(name string) string {
		t.Helper()
		for _, tr := range strings.Split(page.body, `<tr data-testid="dashboard-row">`)[1:] {
			if tr, _, _ = strings.Cut(tr, "</tr>"); strings.Contains(tr, name) {
				return tr
			}
		}
		t.Fatalf("no dashboard row for %s in\n%s", name, page.body)
		return ""
	}
	for _, c := range []struct {
		shop string
		want []string
	}{
		{"Shop A", []string{`data-testid="dashboard-entries">150<`, ">+50.0%<"}},
		{"Tokyo Ginza", []string{`data-testid="dashboard-entries">80<`, ">+100.0%<"}},
		{"Shop B", []string{`data-testid="dashboard-entries">—<`}},
	} {
		r := row(c.shop)
		for _, w := range c.want {
			if !strings.Contains(r, w) {
				t.Errorf("%s: the row lacks %q:\n%s", c.shop, w, r)
			}
		}
	}
	page.has(t, `data-testid="stat-entries"><b>230<`)
}
