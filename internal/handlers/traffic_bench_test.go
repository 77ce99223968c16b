package handlers_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"storelens/internal/handlers"
	"storelens/internal/models"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
)

// BenchmarkAllTrafficYear: an admin opens the all-shops traffic report for
// the last 365 days (a custom range; the page also reads the 365 days
// before, for the changes) through the whole server path, at 104 and at
// 1,000 shops with two years of day rows each (and their month rollups),
// by day and by month. Reported as ms/op.
func BenchmarkAllTrafficYear(b *testing.B) {
	sizes := []int{104, 1000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for _, shops := range sizes {
		b.Run(fmt.Sprintf("shops=%d", shops), func(b *testing.B) {
			var svc *traffic.Service
			a := newTestApp(b, func(a *testApp, d *handlers.Deps) {
				svc = &traffic.Service{Store: a.st, Accounts: d.Accounts, Log: slog.New(slog.DiscardHandler)}
				d.Traffic = handlers.TrafficDeps{Service: svc}
			})
			z := traffic.Zone(models.DefaultTimezone)
			today := svc.Today(z)
			first := today.AddDays(-730)
			seedTrafficDays(b, a.st, shops-2, first, 730) // the harness has 2 shops already
			from, to := today.AddDays(-365), today.AddDays(-1)
			// month-cut-by-days: the same page, its cut months read by day
			// as before migration 0020, to compare in the same run.
			for _, gran := range []string{"day", "month", "month-cut-by-days"} {
				b.Run("gran="+gran, func(b *testing.B) {
					svc.CutMonthsByDays = gran == "month-cut-by-days"
					defer func() { svc.CutMonthsByDays = false }()
					gran := strings.TrimSuffix(gran, "-cut-by-days")
					path := fmt.Sprintf("/traffic?preset=custom&from=%s&to=%s&gran=%s", from, to, gran)
					br := a.login("admin", adminPW)
					req, _ := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
					for _, c := range br.c.Jar.Cookies(req.URL) {
						req.AddCookie(c)
					}
					req.Header.Set("Accept-Language", "zh-CN")
					h := a.srv.Config.Handler
					want := fmt.Sprintf("(%d", shops) // "所有门店（104 家）" / "All my shops (104 shops)"
					b.ReportAllocs()
					start := time.Now()
					var ru0 syscall.Rusage
					syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
					for b.Loop() {
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK {
							b.Fatalf("status %d", rec.Code)
						}
						if body := rec.Body.String(); !strings.Contains(body, "traffic-table") ||
							(!strings.Contains(body, want) && !strings.Contains(body, fmt.Sprintf("%d 家", shops))) {
							b.Fatalf("the page is not the %d shops' report", shops)
						}
					}
					var ru1 syscall.Rusage
					syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
					cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
					b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
					// CPU time of the process per page: on a shared, loaded
					// machine the wall time mostly measures the queue.
					b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
				})
			}
		})
	}
}

// seedTrafficDays adds n shops with days rows from first on, made inside
// SQLite (a recursive CTE: busy weekends, a slow start of the year), and
// their month rollups.
func seedTrafficDays(b *testing.B, st *models.Store, n int, first vendors.Date, days int) {
	b.Helper()
	ctx := context.Background()
	for i := range n {
		sh := models.Shop{Name: fmt.Sprintf("鲜果时光 %04d 店", i), City: "上海", Timezone: models.DefaultTimezone}
		if err := st.CreateShop(ctx, &sh); err != nil {
			b.Fatal(err)
		}
	}
	db, _ := st.DB().DB()
	_, err := db.ExecContext(ctx, `WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n+1 FROM d WHERE n < ?)
		INSERT INTO traffic_days (shop_id, day, final, have, entries, entries_face, entries_no_face, passers_by, left_count,
			strangers, regulars, members, uniq_total, uniq_strangers, uniq_regulars, uniq_members, synced_at)
		SELECT s.id, date(?, '+' || d.n || ' days'), 1, 15, e, e*3/4, e - e*3/4, e*3, 0, e/2, e/5, e*3/4 - e/2 - e/5,
			e*2/3, e/3, e/6, e*2/3 - e/3 - e/6, CURRENT_TIMESTAMP
		FROM shops s CROSS JOIN (SELECT n, 300 + ((n * 37 + 11) % 200) AS e FROM d) AS d`, days-1, first.String())
	if err != nil {
		b.Fatal(err)
	}
	ids, err := st.ShopIDsInScope(ctx, models.AllShops())
	if err != nil {
		b.Fatal(err)
	}
	for _, id := range ids {
		if err := st.RebuildTrafficMonths(ctx, id, first.String(), first.AddDays(days).String()); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}
