package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/events"
	"storelens/internal/handlers"
	"storelens/internal/live"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
	"storelens/migrations"
)

// BenchmarkChainSize (BENCHMARKS.md, issue 16): the pages of a chain at
// full size, on SQLite or (STORELENS_TEST_DATABASE_URL) PostgreSQL. The
// data set, made inside the database: STORELENS_CHAIN_SHOPS shops (1,000)
// with 4 cameras each, STORELENS_CHAIN_YEARS years (3) of hourly traffic
// (26,280,000 rows at 1,000 shops) with their day and month rollups,
// STORELENS_CHAIN_EVENTS events (20,000,000) over the last 90 days, and
// STORELENS_CHAIN_USERS head-office users (32), each signed in on its own
// session. Each page is then loaded by all users at once for
// STORELENS_CHAIN_SECONDS (20), twice: as people use it, each user reading
// an answer for a while before the next (a random pause, on average
// STORELENS_CHAIN_THINK_MS: 1,000), and with no pause at all (each asks
// again as soon as its answer is read: the most the server answers, where
// the latency is mostly the queue of 32 on 2 cores). p50, p99 and pages/s
// are reported. Then the CSV of last month's hours of every
// shop (720,000 rows at 1,000 shops): rows/s in one download, the heap's
// growth in another (sampled as it streams). Run with -benchtime 1x.
func BenchmarkChainSize(b *testing.B) {
	cfg := chainConfig{
		shops:  int(envDuration("STORELENS_CHAIN_SHOPS", 1000)),
		years:  int(envDuration("STORELENS_CHAIN_YEARS", 3)),
		events: int(envDuration("STORELENS_CHAIN_EVENTS", 20_000_000)),
		users:  int(envDuration("STORELENS_CHAIN_USERS", 32)),
		load:   time.Duration(envDuration("STORELENS_CHAIN_SECONDS", 20)) * time.Second,
		think:  time.Duration(envDuration("STORELENS_CHAIN_THINK_MS", 1000)) * time.Millisecond,
	}
	var svc *traffic.Service
	a := newTestApp(b, func(a *testApp, d *handlers.Deps) {
		svc = &traffic.Service{Store: a.st, Accounts: d.Accounts, Log: slog.New(slog.DiscardHandler)}
		d.Traffic = handlers.TrafficDeps{Service: svc}
		hub := live.NewHub(a.st, live.HubOptions{})
		b.Cleanup(hub.Close)
		ev := events.New(events.Config{Store: a.st, Hub: hub, DataDir: b.TempDir(), Log: slog.New(slog.DiscardHandler)})
		b.Cleanup(func() { ev.Close() })
		d.Events = handlers.EventsDeps{Service: ev, Hub: hub}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Minute)
	defer cancel()
	db := "SQLite"
	if modelstest.OnPostgres() {
		db = "PostgreSQL"
	}
	ids := cfg.build(ctx, b, a, svc)

	// The searches: names and groups people look for.
	var names []string
	err := a.st.DB().WithContext(ctx).Raw(`SELECT name FROM event_names ORDER BY id LIMIT 64 OFFSET 100`).Scan(&names).Error
	if err != nil || len(names) == 0 {
		b.Fatalf("names to search for: %v (%d)", err, len(names))
	}
	users := make([]*http.Client, cfg.users)
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.users * 2}
	b.Cleanup(tr.CloseIdleConnections)
	for i := range users {
		name := fmt.Sprintf("hq%02d", i+1)
		a.addUser(name, adminPW, models.RoleAdmin)
		br := a.login(name, adminPW)
		users[i] = &http.Client{Jar: br.c.Jar, Transport: tr, CheckRedirect: br.c.CheckRedirect, Timeout: time.Minute}
	}
	pages := []chainPage{
		{name: "home", path: func(*rand.Rand) string { return "/" }, want: `data-testid="stat-shops"`},
		{name: "shop-month-by-day", path: func(r *rand.Rand) string {
			return fmt.Sprintf("/shops/%d/traffic?preset=last_month&gran=day", ids[r.IntN(len(ids))])
		}, want: `data-testid="traffic-table"`},
		{name: "ranking-all-shops-month", path: func(*rand.Rand) string { return "/traffic/compare?preset=last_month" },
			want: `data-testid="ranking-row"`},
		{name: "all-shops-month-by-day", path: func(*rand.Rand) string { return "/traffic?preset=last_month&gran=day" },
			want: `data-testid="traffic-table"`},
		{name: "events-by-person", path: func(r *rand.Rand) string {
			return "/events/history?person=" + url.QueryEscape(names[r.IntN(len(names))])
		}, want: `data-testid="event-card"`},
		{name: "events-by-group", path: func(r *rand.Rand) string {
			return "/events/history?group=" + []string{"VIP", "staff"}[r.IntN(2)]
		}, want: `data-testid="event-card"`},
	}
	b.Logf("%s: %d shops, %d users, %s per page", db, len(ids), cfg.users, cfg.load)
	for _, p := range pages {
		for _, think := range []time.Duration{cfg.think, 0} {
			b.Run(fmt.Sprintf("%s/think=%s", p.name, think), func(b *testing.B) {
				res := p.load(ctx, b, a.srv.URL, users, cfg.load, think)
				b.ReportMetric(res.p50.Seconds()*1000, "p50-ms")
				b.ReportMetric(res.p99.Seconds()*1000, "p99-ms")
				b.ReportMetric(res.rate, "pages/s")
				b.Logf("%s %s think %s: %d pages, p50 %s, p99 %s, max %s, %.0f pages/s",
					db, p.name, think, res.n, res.p50, res.p99, res.max, res.rate)
			})
		}
	}

	b.Run("hours-csv-all-shops-last-month", func(b *testing.B) {
		today := svc.Today(traffic.Zone(models.DefaultTimezone))
		lastDay := vendors.Date{Year: today.Year, Month: today.Month, Day: 1}.AddDays(-1)
		days := lastDay.Day // the last day of last month is its length
		want := int64(len(ids)*24*days) + 1
		admin := a.login("admin", adminPW)
		const path = "/traffic/hours.csv?preset=last_month"
		var count lineCounter
		start := time.Now()
		admin.download(b, path, &count)
		took := time.Since(start)
		if count.rows != want {
			b.Fatalf("%d lines, want %d (a header and %d shops x 24 h x %d days)", count.rows, want, len(ids), days)
		}
		heap := newHeapSampler()
		admin.download(b, path, heap)
		rate := float64(count.rows-1) / took.Seconds()
		b.ReportMetric(rate, "rows/s")
		b.ReportMetric(float64(heap.growth())/(1<<20), "heap-MiB")
		b.Logf("%s CSV: %d rows (%.1f MiB) in %s: %.0f rows/s; heap growth while streaming %.1f MiB",
			db, count.rows-1, mib(count.n), took.Round(time.Millisecond), rate, float64(heap.growth())/(1<<20))
	})
}

type chainConfig struct {
	shops, years, events, users int
	load, think                 time.Duration
}

// build makes the chain's data set and returns its shops' ids.
func (cfg chainConfig) build(ctx context.Context, b *testing.B, a *testApp, svc *traffic.Service) []uint {
	b.Helper()
	st := a.st
	pg := st.Dialect() == migrations.Postgres
	start := time.Now()
	for i := range cfg.shops - 2 { // the harness has 2
		sh := models.Shop{Name: fmt.Sprintf("鲜果时光 %04d 店", i), City: "上海", Timezone: models.DefaultTimezone}
		if err := st.CreateShop(ctx, &sh); err != nil {
			b.Fatal(err)
		}
	}
	ids, err := st.ShopIDsInScope(ctx, models.AllShops())
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(ids)
	if int(ids[len(ids)-1]-ids[0]) != len(ids)-1 {
		b.Fatal("the shops' ids are not consecutive")
	}
	sqlDB, err := st.DB().DB()
	if err != nil {
		b.Fatal(err)
	}
	sqlDB.SetMaxIdleConns(0) // the events' build leaves WAL on SQLite: one connection only
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { conn.Close(); sqlDB.SetMaxIdleConns(2) }()
	exec := func(q string, args ...any) {
		b.Helper()
		if _, err := conn.ExecContext(ctx, st.Rebind(q), args...); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	// 4 cameras a shop (the harness's shops have theirs); one in 40 offline.
	now := "CURRENT_TIMESTAMP"
	online, sn := "(s.id * 4 + k.k) % 40 <> 0", "printf('C301D8BS%05d%d', s.id, k.k)"
	if pg {
		now, sn = "now()", "'C301D8BS' || lpad(s.id::text, 5, '0') || k.k"
	}
	exec(`INSERT INTO cameras (shop_id, vendor, sn, name, model, online, last_connect_at, created_at, updated_at)
		SELECT s.id, 'sunmi', `+sn+`, CASE k.k WHEN 1 THEN '正门入口' WHEN 2 THEN '收银台' WHEN 3 THEN '后门' ELSE '货架区' END,
			'FM020', `+online+`, `+now+`, `+now+`, `+now+`
		FROM shops s CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) AS k WHERE s.id > ?`, ids[1])

	// Hourly traffic from a Shanghai midnight years ago to today: busy
	// opening hours, quiet nights, a different rhythm per shop. In blocks
	// of 50 shops (1.3 million rows a statement).
	z := traffic.Zone(models.DefaultTimezone)
	today := svc.Today(z)
	days := cfg.years * 365
	first := today.AddDays(-days + 1)
	from := first.Start(z).Unix()
	hoursSQL := `WITH RECURSIVE h(n) AS (SELECT 0 UNION ALL SELECT n+1 FROM h WHERE n < ?)`
	daySQL := `date(hour_start, 'unixepoch', '+8 hours')`
	if pg {
		hoursSQL = `WITH h(n) AS (SELECT generate_series(0, ?::int))`
		daySQL = `to_char(to_timestamp(hour_start) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')`
	}
	for lo := 0; lo < len(ids); lo += 50 {
		hi := min(lo+50, len(ids)) - 1
		exec(hoursSQL+`
			INSERT INTO traffic_hours (shop_id, hour_start, have, entries, entries_face, entries_no_face, passers_by, left_count,
				strangers, regulars, members, uniq_total, uniq_strangers, uniq_regulars, uniq_members)
			SELECT shop_id, CAST(? AS BIGINT) + n*3600, 15, e, e*3/4, e - e*3/4, e*3, 0, e/2, e/5, e*3/4 - e/2 - e/5, e*3/4 - 1, e/2 - 1, e/5, e*3/4 - e/2 - e/5
			FROM (SELECT s.id AS shop_id, h.n, CASE WHEN (h.n % 24) BETWEEN 9 AND 21 THEN 10 + ((h.n * 7 + s.id) % 40) ELSE (h.n % 3) END AS e
				FROM shops s CROSS JOIN h WHERE s.id BETWEEN ? AND ?) AS x`,
			days*24-1, from, ids[lo], ids[hi])
		exec(`INSERT INTO traffic_days (shop_id, day, final, have, entries, entries_face, entries_no_face, passers_by,
				left_count, strangers, regulars, members, uniq_total, uniq_strangers, uniq_regulars, uniq_members, synced_at)
			SELECT shop_id, `+daySQL+`, `+boolTrue(pg)+`, 15, SUM(entries), SUM(entries_face), SUM(entries_no_face),
				SUM(passers_by), 0, SUM(strangers), SUM(regulars), SUM(members), SUM(uniq_total)*9/10, SUM(uniq_strangers),
				SUM(uniq_regulars)*8/10, SUM(uniq_members)*8/10, `+now+`
			FROM traffic_hours WHERE shop_id BETWEEN ? AND ? GROUP BY 1, 2`, ids[lo], ids[hi])
	}
	for _, id := range ids {
		if err := st.RebuildTrafficMonths(ctx, id, first.String(), today.String()); err != nil {
			b.Fatal(err)
		}
	}
	var hours int64
	conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM traffic_hours").Scan(&hours)
	trafficTook := time.Since(start)

	end := time.Now().Add(-time.Minute).Truncate(time.Second)
	built := benchEvents{N: cfg.events, FirstShop: ids[0], Shops: len(ids), Start: end.Add(-90 * 24 * time.Hour), End: end}.build(ctx, b, st, conn)
	b.Logf("built: %d shops, %d traffic hours in %s; %d events in %s and their search in %s; database %.0f MiB",
		len(ids), hours, trafficTook.Round(time.Second), cfg.events, built.Rows.Round(time.Second), built.Search.Round(time.Second), mib(built.After))
	return ids
}

func boolTrue(pg bool) string {
	if pg {
		return "true"
	}
	return "1"
}

// chainPage is one page of the chain benchmark: its path (picked per
// request) and a mark its answer must hold.
type chainPage struct {
	name string
	path func(*rand.Rand) string
	want string
}

type loadResult struct {
	n             int
	p50, p99, max time.Duration
	rate          float64
}

// load runs every user in a closed loop on the page for d, pausing a random
// while of mean think between answers, and returns the latencies of its
// answers (read to the end). A wrong answer fails b.
func (p chainPage) load(ctx context.Context, b *testing.B, base string, users []*http.Client, d, think time.Duration) loadResult {
	var (
		mu    sync.Mutex
		all   []time.Duration
		first error
		wg    sync.WaitGroup
	)
	// One warm request each first: the pages' first answers fill caches.
	deadline := time.Now().Add(d)
	for i, c := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 16))
			var lat []time.Duration
			for k := 0; ; k++ {
				t0 := time.Now()
				if k > 0 && t0.After(deadline) {
					break
				}
				err := fetchPage(ctx, c, base+p.path(r), p.want)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				if k > 0 {
					lat = append(lat, time.Since(t0))
				}
				if think > 0 {
					time.Sleep(time.Duration(min(r.ExpFloat64(), 5) * float64(think)))
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
	if len(all) == 0 {
		b.Fatal("no page answered within the time")
	}
	slices.Sort(all)
	q := func(f float64) time.Duration { return all[min(len(all)-1, int(f*float64(len(all))))] }
	return loadResult{n: len(all), p50: q(0.50), p99: q(0.99), max: all[len(all)-1], rate: float64(len(all)) / d.Seconds()}
}

// fetchPage GETs url as a browser would and checks the answer.
func fetchPage(ctx context.Context, c *http.Client, u, want string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept-Language", "zh-CN")
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", u, res.StatusCode)
	}
	if !strings.Contains(string(body), want) {
		return errors.New(u + ": the page lacks " + want)
	}
	return nil
}

// lineCounter counts the lines and bytes written to it.
type lineCounter struct{ rows, n int64 }

func (l *lineCounter) Write(p []byte) (int, error) {
	l.n += int64(len(p))
	for _, c := range p {
		if c == '\n' {
			l.rows++
		}
	}
	return len(p), nil
}
