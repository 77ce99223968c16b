package handlers_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"storelens/internal/models"
	"storelens/migrations"
)

// benchEvents is the event history the search and chain benchmarks read,
// made inside the database (SQLite or PostgreSQL) by one statement per
// million rows: the same people, names and shops on both.
type benchEvents struct {
	N          int       // events
	FirstShop  uint      // shops FirstShop .. FirstShop+Shops-1 (consecutive ids)
	Shops      int       // over how many shops
	Start, End time.Time // spread evenly between
}

// benchEventsBuild is what building took.
type benchEventsBuild struct {
	Rows, Search  time.Duration // the rows and their older indexes; the search's indexes and names
	Before, After int64         // the database's size in bytes without and with the search's
}

// Names: 60 surnames x 1- or 2-character given names (many 2-character
// names such as 李伟, most of 3), and Latin first and last names.
const (
	benchSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾"
	benchGiven    = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯婷雪琳晨欣怡佳子轩梓涵一诺"
)

var (
	benchFirst = []string{"Anna", "Wei", "David", "Maria", "John", "Emma", "Lucas", "Sofia", "Kevin", "Grace", "Leo", "Chloe", "Ryan", "Mia", "Jack", "Lily", "Tom", "Eva", "Sam", "Zoe"}
	benchLast  = []string{"Zhang", "Müller", "Smith", "Wong", "Chan", "Garcia", "Lee", "Brown", "Tan", "Lim", "Martin", "Nguyen", "Kim", "Schmidt", "Rossi", "Silva", "Taylor", "Ng", "Ho", "Lau"}
)

// Per event n: one in five is motion; of the faces 40 % are strangers (a
// face id, no name), the rest one of 200,000 people: 70 % Chinese names,
// 30 % Latin; 5 % of people VIP, 5 % staff. A person comes to their own
// shop 9 times in 10; other events spread over all shops. SHOPS is the
// number of shops (a literal). Arguments: lo, hi, first shop id, start
// (unix), seconds per event, start and seconds again, surnames, given
// names twice (PostgreSQL's numbered ones take each once).
const benchEventsSQLite = `WITH RECURSIVE c(n) AS (SELECT ? UNION ALL SELECT n+1 FROM c WHERE n < ?),
	e AS (SELECT n, n % 5 = 0 AS motion, (n*2654435761 % 4294967291) AS h FROM c),
	g AS (SELECT n, motion, h, (h >> 3) % 200000 AS p, h % 10 < 4 AS stranger FROM e),
	f AS (SELECT n, motion, h, p, stranger,
		CASE WHEN NOT motion AND NOT stranger AND h % 100 < 90 THEN p % SHOPS ELSE (n*7919) % SHOPS END AS shop FROM g)
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
	FROM f`

// benchEventsPostgres is benchEventsSQLite in PostgreSQL's words.
const benchEventsPostgres = `WITH e AS (SELECT n, n % 5 = 0 AS motion, (n*2654435761 % 4294967291) AS h FROM generate_series($1::bigint, $2::bigint) AS n),
	g AS (SELECT n, motion, h, (h >> 3) % 200000 AS p, h % 10 < 4 AS stranger FROM e),
	f AS (SELECT n, motion, h, p, stranger,
		CASE WHEN NOT motion AND NOT stranger AND h % 100 < 90 THEN p % SHOPS ELSE (n*7919) % SHOPS END AS shop FROM g)
	INSERT INTO events (shop_id, camera_name, device_sn, vendor, source, dedupe_key, vendor_event_id, kind,
		occurred_at, received_at, person_id, person_name, group_name, group_kind, age, gender, visits, picture_src, picture)
	SELECT $3::bigint + shop, '正门入口', 'C201D8BS' || lpad(shop::text, 5, '0'), 'sunmi', 'sunmi-ipc:C201D8BS' || lpad(shop::text, 5, '0'),
		'bench:' || n, n::text, CASE WHEN motion THEN 'motion' ELSE 'face' END,
		to_timestamp($4::bigint + (n * $5::float8)::bigint), to_timestamp($4::bigint + (n * $5::float8)::bigint + 2),
		CASE WHEN motion THEN '' WHEN stranger THEN (900000000 + h % 5000000)::text ELSE (100000 + p)::text END,
		CASE WHEN motion OR stranger THEN ''
			WHEN p % 10 < 7 THEN substr($6::text, (1 + p % 60)::int, 1) || substr($7::text, (1 + (p / 60) % 50)::int, 1) ||
				CASE WHEN p % 3 = 0 THEN '' ELSE substr($7::text, (1 + (p / 3000) % 50)::int, 1) END
			ELSE (SELECT s FROM b_latin WHERE i = (p / 10) % 400) END,
		CASE WHEN motion OR stranger THEN '' WHEN p % 20 = 0 THEN 'VIP' WHEN p % 20 = 1 THEN 'staff' ELSE '' END,
		CASE WHEN motion THEN '' WHEN stranger THEN 'stranger' WHEN p % 20 = 0 THEN 'member' WHEN p % 20 = 1 THEN 'staff' ELSE 'regular' END,
		CASE WHEN motion THEN 0 ELSE 18 + p % 50 END, CASE WHEN motion THEN '' WHEN p % 2 = 0 THEN 'female' ELSE 'male' END,
		CASE WHEN motion THEN 0 ELSE 1 + h % 30 END,
		CASE WHEN motion THEN '' ELSE 'https://fm-oss.sunmi.com/face/' || shop || '/' || n || '.jpg' END,
		CASE WHEN motion THEN '' ELSE lpad(to_hex(h), 16, '0') || lpad(to_hex(h * 31), 16, '0') || lpad(to_hex(h * 131), 16, '0') ||
			lpad(to_hex(h * 1031), 16, '0') || '.jpg' END
	FROM f`

// build inserts the events over db (one connection of st, which it may
// switch between journal modes) with the search's indexes and names made
// after the rows: sorting once is faster than inserting into them, and on
// SQLite it is migrations 0010 and 0023 themselves, timed as an
// installation that holds these events runs them.
func (be benchEvents) build(ctx context.Context, b testing.TB, st *models.Store, db *sql.Conn) benchEventsBuild {
	b.Helper()
	exec := func(q string, args ...any) {
		b.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	pg := st.Dialect() == migrations.Postgres
	var out benchEventsBuild
	exec(`CREATE TEMP TABLE b_latin (i INTEGER PRIMARY KEY, s TEXT)`)
	for i, f := range benchFirst {
		for j, l := range benchLast {
			exec(st.Rebind(`INSERT INTO b_latin VALUES (?, ?)`), i*len(benchLast)+j, f+" "+l)
		}
	}
	step := float64(be.End.Sub(be.Start)/time.Second) / float64(be.N)
	insert := strings.ReplaceAll(benchEventsSQLite, "SHOPS", fmt.Sprint(be.Shops))
	if pg {
		insert = strings.ReplaceAll(benchEventsPostgres, "SHOPS", fmt.Sprint(be.Shops))
	}
	// In chunks of a million rows: one statement of 10 million ran SQLite
	// out of memory (its dirty pages are held to the end of the statement).
	const chunk = 1_000_000
	var again, search func()
	if pg {
		again, search = be.dropPostgresIndexes(ctx, b, db, exec)
	} else {
		again, search = be.dropSQLiteIndexes(ctx, b, db, exec)
	}
	start := time.Now()
	for lo := 1; lo <= be.N; lo += chunk {
		hi := min(lo+chunk-1, be.N)
		if pg {
			exec(insert, lo, hi, be.FirstShop, be.Start.Unix(), step, benchSurnames, benchGiven)
		} else {
			exec(insert, lo, hi, be.FirstShop, be.Start.Unix(), step, be.Start.Unix(), step, benchSurnames, benchGiven, benchGiven)
		}
	}
	again()
	out.Rows = time.Since(start)
	out.Before = dbSize(ctx, b, db, pg)
	start = time.Now()
	search()
	out.Search = time.Since(start)
	out.After = dbSize(ctx, b, db, pg)
	return out
}

// dropSQLiteIndexes takes events back to the schema before 0010, in a
// rollback journal, and returns what makes the older indexes again and what
// runs the search's migrations (and goes back to WAL).
func (be benchEvents) dropSQLiteIndexes(ctx context.Context, b testing.TB, db *sql.Conn, exec func(string, ...any)) (again, search func()) {
	// 512 MB: at 2 GB, CREATE INDEX over 10M rows ran SQLite's allocator
	// out of memory (7) in its sorter.
	exec("PRAGMA cache_size = -512000")
	// The build's big transactions (a chunk of a million rows, an index
	// over ten million) in a rollback journal: in WAL, their frames grew
	// the WAL index until mapping it failed (SQLITE_IOERR_SHMMAP at 10M).
	// Leaving WAL needs the only connection: the caller closed idle ones.
	journal := func(mode string) {
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = "+mode).Scan(&got); err != nil || !strings.EqualFold(got, mode) {
			b.Fatalf("journal_mode %s: got %q, %v", mode, got, err)
		}
	}
	journal("DELETE")
	var older []string
	rows, err := db.QueryContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL
		AND name NOT IN ('events_person_name_idx', 'events_person_id_idx', 'events_cloud_person_idx', 'events_group_name_idx', 'events_group_kind_idx')`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var q string
		rows.Scan(&q)
		older = append(older, q)
	}
	rows.Close()
	for _, q := range older {
		exec("DROP INDEX " + strings.Fields(q)[2])
	}
	for _, q := range []string{"DROP TRIGGER events_name_ai", "DROP TRIGGER events_name_au", "DROP TABLE event_names_fts",
		"DROP TABLE event_names", "DROP INDEX events_person_name_idx", "DROP INDEX events_person_id_idx",
		"DROP INDEX events_cloud_person_idx", "DROP INDEX events_group_name_idx", "DROP INDEX events_group_kind_idx"} {
		exec(q)
	}
	return func() {
			for _, q := range older {
				exec(q)
			}
		}, func() {
			all, _ := migrations.All()
			for _, m := range all {
				if m.Version == 10 || m.Version == 23 {
					exec(m.SQL)
				}
			}
			exec("ANALYZE") // what a real installation's optimize would leave
			journal("WAL")  // the pages run as an installation's do
		}
}

// dropPostgresIndexes drops events' indexes that back no constraint and
// stops the names trigger; it returns what makes the indexes again, and
// what fills event_names in one statement and leaves the table vacuumed
// and analysed (as autovacuum leaves it).
func (be benchEvents) dropPostgresIndexes(ctx context.Context, b testing.TB, db *sql.Conn, exec func(string, ...any)) (again, search func()) {
	exec("SET maintenance_work_mem = '1GB'")
	var defs []string
	rows, err := db.QueryContext(ctx, `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events'
		AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'events'::regclass)`)
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n, d string
		rows.Scan(&n, &d)
		names, defs = append(names, n), append(defs, d)
	}
	rows.Close()
	for _, n := range names {
		exec("DROP INDEX " + n)
	}
	exec("ALTER TABLE events DISABLE TRIGGER events_name_ai")
	return func() {
			for _, d := range defs {
				exec(d)
			}
		}, func() {
			exec(`INSERT INTO event_names (name) SELECT DISTINCT person_name FROM events WHERE person_name <> '' ON CONFLICT DO NOTHING`)
			exec("ALTER TABLE events ENABLE TRIGGER events_name_ai")
			exec("VACUUM (ANALYZE) events")
			exec("ANALYZE")
		}
}

// dbSize is the bytes the database holds (SQLite: its used pages after a
// checkpoint; PostgreSQL: the database's size).
func dbSize(ctx context.Context, b testing.TB, db *sql.Conn, pg bool) int64 {
	b.Helper()
	var n int64
	if pg {
		if err := db.QueryRowContext(ctx, "SELECT pg_database_size(current_database())").Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	var mode string
	db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	if strings.EqualFold(mode, "wal") {
		db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	var pages, free, pageSize int64
	db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages)
	db.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free)
	db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize)
	return (pages - free) * pageSize
}
