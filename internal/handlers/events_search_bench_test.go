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
	"storelens/migrations"
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
	exec := func(q string, args ...any) {
		b.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
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

	// 512 MB: at 2 GB, CREATE INDEX over 10M rows ran SQLite's allocator
	// out of memory (7) in its sorter.
	exec("PRAGMA cache_size = -512000")
	// The build's big transactions (a chunk of a million rows, an index
	// over ten million) in a rollback journal: in WAL, their frames grew
	// the WAL index until mapping it failed (SQLITE_IOERR_SHMMAP at 10M).
	// Leaving WAL needs the only connection: idle ones are closed first.
	sqlDB.SetMaxIdleConns(0)
	wal := true
	journal := func(mode string) {
		b.Helper()
		wal = mode == "WAL"
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = "+mode).Scan(&got); err != nil || !strings.EqualFold(got, mode) {
			b.Fatalf("journal_mode %s: got %q, %v", mode, got, err)
		}
	}
	journal("DELETE")
	// Back to the schema before 0010; the older indexes of events are made
	// again after the rows (sorting once is faster than inserting into them).
	var olderIndexes []string
	rows, err := db.QueryContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL
		AND name NOT IN ('events_person_name_idx', 'events_person_id_idx', 'events_cloud_person_idx', 'events_group_name_idx', 'events_group_kind_idx')`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var q string
		rows.Scan(&q)
		olderIndexes = append(olderIndexes, q)
	}
	rows.Close()
	for _, q := range olderIndexes {
		exec("DROP INDEX " + strings.Fields(q)[2])
	}
	for _, q := range []string{"DROP TRIGGER events_name_ai", "DROP TRIGGER events_name_au", "DROP TABLE event_names_fts",
		"DROP TABLE event_names", "DROP INDEX events_person_name_idx", "DROP INDEX events_person_id_idx",
		"DROP INDEX events_cloud_person_idx", "DROP INDEX events_group_name_idx", "DROP INDEX events_group_kind_idx"} {
		exec(q)
	}
	// Names: 60 surnames x 1- or 2-character given names (many 2-character
	// names such as 李伟, most of 3), and Latin first and last names.
	const sur = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾"
	const given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯婷雪琳晨欣怡佳子轩梓涵一诺"
	first := []string{"Anna", "Wei", "David", "Maria", "John", "Emma", "Lucas", "Sofia", "Kevin", "Grace", "Leo", "Chloe", "Ryan", "Mia", "Jack", "Lily", "Tom", "Eva", "Sam", "Zoe"}
	last := []string{"Zhang", "Müller", "Smith", "Wong", "Chan", "Garcia", "Lee", "Brown", "Tan", "Lim", "Martin", "Nguyen", "Kim", "Schmidt", "Rossi", "Silva", "Taylor", "Ng", "Ho", "Lau"}
	exec(`CREATE TEMP TABLE b_latin (i INTEGER PRIMARY KEY, s TEXT)`)
	for i, f := range first {
		for j, l := range last {
			exec(`INSERT INTO b_latin VALUES (?, ?)`, i*len(last)+j, f+" "+l)
		}
	}
	end := time.Now().Add(-time.Hour).Truncate(time.Second)
	start := end.Add(-80 * 24 * time.Hour)
	step := float64(end.Sub(start)/time.Second) / float64(n)
	buildStart := time.Now()
	// Per event n: one in five is motion; of the faces 40 % are strangers
	// (a face id, no name), the rest one of 200,000 people: 70 % Chinese
	// names, 30 % Latin; 5 % of people VIP, 5 % staff. A person comes to
	// their own shop 9 times in 10; other events spread over all shops.
	// In chunks of a million rows: one statement of 10 million ran SQLite
	// out of memory (its dirty pages are held to the end of the statement).
	const chunk = 1_000_000
	for lo := 1; lo <= n; lo += chunk {
		exec(`WITH RECURSIVE c(n) AS (SELECT ? UNION ALL SELECT n+1 FROM c WHERE n < ?),
		e AS (SELECT n, n % 5 = 0 AS motion, (n*2654435761 % 4294967291) AS h FROM c),
		g AS (SELECT n, motion, h, (h >> 3) % 200000 AS p, h % 10 < 4 AS stranger FROM e),
		f AS (SELECT n, motion, h, p, stranger,
			CASE WHEN NOT motion AND NOT stranger AND h % 100 < 90 THEN p % 100 ELSE (n*7919) % 100 END AS shop FROM g)
		INSERT INTO events (shop_id, camera_name, device_sn, vendor, source, dedupe_key, vendor_event_id, kind,
			occurred_at, received_at, person_id, person_name, group_name, group_kind, age, gender, visits, picture_src, picture)
		SELECT ? + shop, '正门入口', printf('C201D8BS%05d', shop), 'sunmi', printf('sunmi-ipc:C201D8BS%05d', shop),
			'bench:' || n, CAST(n AS TEXT), CASE WHEN motion THEN 'motion' ELSE 'face' END,
			strftime('%Y-%m-%d %H:%M:%S', ? + CAST(n * ? AS INTEGER), 'unixepoch') || '+00:00',
			strftime('%Y-%m-%d %H:%M:%S', ? + CAST(n * ? AS INTEGER) + 2, 'unixepoch') || '+00:00',
			CASE WHEN motion THEN '' WHEN stranger THEN printf('%d', 900000000 + h % 5000000) ELSE printf('%d', 100000 + p) END,
			CASE WHEN motion OR stranger THEN ''
				WHEN p % 10 < 7 THEN substr(?, 1 + p % 60, 1) || substr(?, 1 + (p / 60) % 50, 1) ||
					CASE WHEN p % 3 = 0 THEN '' ELSE substr(?, 1 + (p / 3000) % 50, 1) END
				ELSE (SELECT s FROM b_latin WHERE i = (p / 10) % 400) END,
			CASE WHEN motion OR stranger THEN '' WHEN p % 20 = 0 THEN 'VIP' WHEN p % 20 = 1 THEN 'staff' ELSE '' END,
			CASE WHEN motion THEN '' WHEN stranger THEN 'stranger' WHEN p % 20 = 0 THEN 'member' WHEN p % 20 = 1 THEN 'staff' ELSE 'regular' END,
			CASE WHEN motion THEN 0 ELSE 18 + p % 50 END, CASE WHEN motion THEN '' WHEN p % 2 = 0 THEN 'female' ELSE 'male' END,
			CASE WHEN motion THEN 0 ELSE 1 + h % 30 END,
			CASE WHEN motion THEN '' ELSE printf('https://fm-oss.sunmi.com/face/%d/%d.jpg', shop, n) END,
			CASE WHEN motion THEN '' ELSE printf('%016x%016x%016x%016x.jpg', h, h * 31, h * 131, h * 1031) END
		FROM f`, lo, min(lo+chunk-1, n), shopIDs[0], start.Unix(), step, start.Unix(), step, sur, given, given)
	}
	for _, q := range olderIndexes {
		exec(q)
	}
	buildTook := time.Since(buildStart)
	size := func() int64 {
		if wal {
			exec("PRAGMA wal_checkpoint(TRUNCATE)")
		}
		var pages, free, pageSize int64
		db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages)
		db.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free)
		db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize)
		return (pages - free) * pageSize
	}
	before := size()
	// Migration 0010 and 0023 (the group indexes with the shop), as they
	// run on an installation that holds these events.
	var search []string
	all, _ := migrations.All()
	for _, m := range all {
		if m.Version == 10 || m.Version == 23 {
			search = append(search, m.SQL)
		}
	}
	migStart := time.Now()
	for _, q := range search {
		exec(q)
	}
	migTook := time.Since(migStart)
	exec("ANALYZE") // what a real installation's optimize would leave; the arms force their indexes anyway
	after := size()
	journal("WAL") // the searches run as an installation's do
	sqlDB.SetMaxIdleConns(2)
	var names int
	db.QueryRowContext(ctx, "SELECT COUNT(*) FROM event_names").Scan(&names)
	b.Logf("%d events built in %s; migrations 0010 and 0023 in %s; %d distinct names; size %.1f MiB -> %.1f MiB (+%.1f %%)",
		n, buildTook.Round(time.Second), migTook.Round(time.Second), names, mib(before), mib(after), 100*float64(after-before)/float64(before))

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
