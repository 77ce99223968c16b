package handlers_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"storelens/internal/models"
)

// BenchmarkEventSearch (BENCHMARKS.md, issue 12 item 5): the history page
// (GET /events/history through the real router: session, scope, query,
// cards) on STORELENS_SEARCH_EVENTS events (10,000,000 unless set; a smoke
// run uses e.g. 200000) over 100 shops and 80 days, built once inside
// SQLite with a recursive CTE. The 0010 indexes are dropped for the build
// and made again by running migration 0010 itself on the full table, so
// the figures include the migration's time and the database's size before
// and after it. Each person and group filter is timed alone and with a shop
// and a day range, first page and next page (the page's "older" link).
func BenchmarkEventSearch(b *testing.B) {
	n := int(envDuration("STORELENS_SEARCH_EVENTS", 10_000_000))
	a := newEventsApp(b)
	ctx, cancel := context.WithTimeout(context.Background(), 75*time.Minute)
	defer cancel()
	sqlDB, err := a.st.DB().DB()
	if err != nil {
		b.Fatal(err)
	}
	// One connection for the build, with a page cache that holds the
	// indexes being made (the pool's default of 2 MB makes every random
	// index insert a read).
	db, err := sqlDB.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var shopIDs []uint
	for i := range 100 {
		sh := models.Shop{Name: fmt.Sprintf("鲜果时光 %03d 店", i), City: "上海", Timezone: "Asia/Shanghai"}
		if err := a.st.CreateShop(ctx, &sh); err != nil {
			b.Fatal(err)
		}
		shopIDs = append(shopIDs, sh.ID)
	}
	if shopIDs[99]-shopIDs[0] != 99 {
		b.Fatal("bench shops' ids are not consecutive")
	}

	// Leaving WAL for the build needs the only connection: idle ones are
	// closed first.
	sqlDB.SetMaxIdleConns(0)
	end := time.Now().Add(-time.Hour).Truncate(time.Second)
	start := end.Add(-80 * 24 * time.Hour)
	built := benchEvents{N: n, FirstShop: shopIDs[0], Shops: len(shopIDs), Start: start, End: end}.build(ctx, b, a.st, db)
	sqlDB.SetMaxIdleConns(2)
	var names int
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM event_names").Scan(&names)
	before, after := built.Before, built.After
	b.Logf("%d events built in %s; migrations 0010 and 0023 in %s; %d distinct names; size %.1f MiB -> %.1f MiB (+%.1f %%)",
		n, built.Rows.Round(time.Second), built.Search.Round(time.Second), names, mib(before), mib(after), 100*float64(after-before)/float64(before))

	// Realistic searches, picked from the data: a 2-character Chinese name,
	// a 3-character one, a Latin full name, a Latin part held by many names,
	// a face id, a group.
	pick := func(q string) string {
		var s string
		if err := db.QueryRowContext(ctx, q).Scan(&s); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
		return s
	}
	name2 := pick(`SELECT name FROM event_names WHERE length(name) = 2 AND name NOT GLOB '*[A-Za-z]*' ORDER BY id LIMIT 1 OFFSET 7`)
	name3 := pick(`SELECT name FROM event_names WHERE length(name) = 3 AND name NOT GLOB '*[A-Za-z]*' ORDER BY id LIMIT 1 OFFSET 11`)
	latin := pick(`SELECT name FROM event_names WHERE name GLOB '* *' ORDER BY id LIMIT 1 OFFSET 3`)
	faceID := pick(`SELECT person_id FROM events WHERE id = 1234567 % (SELECT MAX(id) FROM events) + 1 AND person_id <> '' UNION ALL SELECT '100042' LIMIT 1`)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	from := end.Add(-30 * 24 * time.Hour).In(sh).Format("2006-01-02")
	to := end.Add(-16 * 24 * time.Hour).In(sh).Format("2006-01-02")
	homeShop := func(key, value string) string {
		if key != "person" { // a shop that is home to VIPs and staff
			return strconv.FormatUint(uint64(shopIDs[40]), 10)
		}
		id := shopIDs[42] // a part of many names: any shop
		err := db.QueryRowContext(ctx, `SELECT shop_id FROM events WHERE person_name = ? COLLATE NOCASE OR person_id = ? ORDER BY occurred_at DESC LIMIT 1`,
			value, value).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			b.Fatal(err)
		}
		return strconv.FormatUint(uint64(id), 10)
	}
	filters := []struct{ name, key, value string }{
		{"person=2-char-Chinese", "person", name2},
		{"person=3-char-Chinese", "person", name3},
		{"person=Latin-full-name", "person", strings.ToLower(latin)}, // any case
		{"person=Latin-part-many-names", "person", "müller"},
		{"person=face-id", "person", faceID},
		{"group=VIP", "group", "VIP"},
		{"group=staff-kind", "group", "staff"},
		{"none", "", ""},
	}
	b.Logf("searches: %q %q %q %q; days %s..%s", name2, name3, latin, faceID, from, to)
	br := a.login("admin", adminPW)
	older := regexp.MustCompile(`href="(/events/history\?[^"]*before=[^"]*)"[^>]*data-testid="history-older"`)
	get := func(b *testing.B, path string) string {
		r := br.get(path)
		if r.status != http.StatusOK {
			b.Fatalf("%s: status %d", path, r.status)
		}
		return r.body
	}
	b.ResetTimer()
	for _, fl := range filters {
		for _, combo := range []string{"alone", "shop+days"} {
			v := url.Values{}
			if fl.key != "" {
				v.Set(fl.key, fl.value)
			}
			if combo == "shop+days" {
				v.Set("shop", homeShop(fl.key, fl.value))
				v.Set("from", from)
				v.Set("to", to)
			}
			firstPath := "/events/history?" + v.Encode()
			body := get(b, firstPath)
			rows := strings.Count(body, `data-testid="event-card"`)
			nextPath := ""
			if m := older.FindStringSubmatch(body); m != nil {
				nextPath = html.UnescapeString(m[1])
			}
			for _, page := range []string{"first", "next"} {
				path := firstPath
				if page == "next" {
					if nextPath == "" {
						continue // one page only
					}
					path = nextPath
				}
				b.Run(fl.name+"/"+combo+"/"+page, func(b *testing.B) {
					var got int
					for b.Loop() {
						got = strings.Count(get(b, path), `data-testid="event-card"`)
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
					b.ReportMetric(float64(got), "rows")
				})
			}
			if rows == 0 && fl.key != "" {
				// Not a failure: that person or group did not come to that
				// shop in those days; the page then costs the whole walk of
				// the arm (the worst case), which is worth timing.
				b.Logf("%s %s: no rows on the first page", fl.name, combo)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(100*float64(after-before)/float64(before), "growth-%")
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
