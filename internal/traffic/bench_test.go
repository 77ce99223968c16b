package traffic_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
	"storelens/migrations"
)

// The benchmarks of BENCHMARKS.md run on a database of 100 shops x 2
// years of hourly buckets (1,752,000 rows) and their day rows, built once
// per process inside the database (SQL that generates the rows): SQLite in
// a temporary directory, or, with STORELENS_TEST_DATABASE_URL set, a fresh
// PostgreSQL database dropped when the process ends (the same figures side
// by side, BENCHMARKS.md).

const (
	benchShops = 100
	benchDays  = 730
)

var (
	benchOnce  sync.Once
	benchStore *models.Store
	benchIDs   []uint
	benchErr   error
	benchDir   string
	benchDrop  func() // drops the PostgreSQL database
	benchFirst = vendors.Date{Year: 2024, Month: 1, Day: 1}
)

func benchDB(b *testing.B) (*models.Store, []uint) {
	b.Helper()
	benchOnce.Do(func() {
		if base := modelstest.PostgresURL(); base != "" {
			var url string
			url, benchDrop, benchErr = newPostgresDB(base)
			if benchErr != nil {
				return
			}
			benchStore, benchIDs, benchErr = buildBenchDB(url)
			return
		}
		benchDir, benchErr = os.MkdirTemp("", "storelens-bench-")
		if benchErr != nil {
			return
		}
		benchStore, benchIDs, benchErr = buildBenchDB(filepath.Join(benchDir, "bench.db"))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore, benchIDs
}

func buildBenchDB(path string) (*models.Store, []uint, error) {
	ctx := context.Background()
	opt := models.Options{Logger: slog.New(slog.DiscardHandler)}
	if models.IsPostgresURL(path) {
		path, opt.DatabaseURL = "", path
	}
	st, err := models.Open(ctx, path, opt)
	if err != nil {
		return nil, nil, err
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	start := benchFirst.Start(sh).Unix()
	hours := benchDays * 24
	db, _ := st.DB().DB()
	pg := st.Dialect() == migrations.Postgres
	hoursSQL := `WITH RECURSIVE h(n) AS (SELECT 0 UNION ALL SELECT n+1 FROM h WHERE n < ?)`
	daySQL := `date(hour_start, 'unixepoch', '+8 hours')`
	if pg {
		hoursSQL = `WITH h(n) AS (SELECT generate_series(0, $1::int))`
		daySQL = `to_char(to_timestamp(hour_start) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')`
	}
	var ids []uint
	for i := range benchShops {
		shop := models.Shop{Name: fmt.Sprintf("鲜果时光 %03d 店", i), City: "上海", Timezone: "Asia/Shanghai"}
		if err := st.CreateShop(ctx, &shop); err != nil {
			return nil, nil, err
		}
		ids = append(ids, shop.ID)
		// Busy days and quiet nights, so sums look like a shop's.
		_, err := db.ExecContext(ctx, hoursSQL+`
			INSERT INTO traffic_hours (shop_id, hour_start, have, entries, entries_face, entries_no_face, passers_by, left_count,
				strangers, regulars, members, uniq_total, uniq_strangers, uniq_regulars, uniq_members)
			SELECT `+arg(pg, 2)+`, `+arg(pg, 3)+` + n*3600, 15, e, e*3/4, e - e*3/4, e*3, 0, e/2, e/5, e*3/4 - e/2 - e/5, e*3/4 - 1, e/2 - 1, e/5, e*3/4 - e/2 - e/5
			FROM (SELECT n, CASE WHEN (n % 24) BETWEEN 1 AND 13 THEN 10 + ((n * 7 + `+arg(pg, 4)+`) % 40) ELSE (n % 3) END AS e FROM h) AS x`,
			hours-1, shop.ID, start, i)
		if err != nil {
			return nil, nil, err
		}
		_, err = db.ExecContext(ctx, `INSERT INTO traffic_days (shop_id, day, final, have, entries, entries_face, entries_no_face, passers_by,
				left_count, strangers, regulars, members, uniq_total, uniq_strangers, uniq_regulars, uniq_members, synced_at)
			SELECT shop_id, `+daySQL+`, `+boolTrue(pg)+`, 15, SUM(entries), SUM(entries_face), SUM(entries_no_face),
				SUM(passers_by), 0, SUM(strangers), SUM(regulars), SUM(members), SUM(uniq_total)*9/10, SUM(uniq_strangers),
				SUM(uniq_regulars)*8/10, SUM(uniq_members)*8/10, CURRENT_TIMESTAMP
			FROM traffic_hours WHERE shop_id = `+arg(pg, 1)+` GROUP BY 1, 2`, shop.ID)
		if err != nil {
			return nil, nil, err
		}
		// The month rollups (migration 0020) a month report reads, as a sync keeps them.
		if err := st.RebuildTrafficMonths(ctx, shop.ID, benchFirst.String(), benchFirst.AddDays(benchDays-1).String()); err != nil {
			return nil, nil, err
		}
	}
	_, err = db.ExecContext(ctx, "ANALYZE")
	return st, ids, err
}

// arg is the n-th query argument in the store's dialect.
func arg(pg bool, n int) string {
	if pg {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

func boolTrue(pg bool) string {
	if pg {
		return "true"
	}
	return "1"
}

// newPostgresDB makes a database for the benchmarks on the server at base
// (kept for the process: each benchmark reuses it) and its drop.
func newPostgresDB(base string) (string, func(), error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("storelens_bench_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	}, nil
}

func benchService(st *models.Store) *traffic.Service {
	now := benchFirst.AddDays(benchDays).Start(time.UTC)
	return &traffic.Service{Store: st, Now: func() time.Time { return now }}
}

// BenchmarkTrafficMonthByDay: one shop, one month by day (what the report
// page reads: the month and the previous period of equal length).
func BenchmarkTrafficMonthByDay(b *testing.B) {
	st, ids := benchDB(b)
	svc := benchService(st)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	q := traffic.Query{ShopIDs: []uint{ids[42]}, Location: sh, From: vendors.Date{Year: 2025, Month: 6, Day: 1},
		To: vendors.Date{Year: 2025, Month: 6, Day: 30}, Gran: traffic.ByDay}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		rep, err := svc.Report(ctx, q)
		if err != nil || len(rep.Rows) != 30 || rep.DaysWithData != 30 {
			b.Fatalf("%d rows, %d days, %v", len(rep.Rows), rep.DaysWithData, err)
		}
		if _, complete, err := svc.Compare(ctx, q); err != nil || !complete {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrafficRanking: all 100 shops ranked by entries for a month.
func BenchmarkTrafficRanking(b *testing.B) {
	st, ids := benchDB(b)
	svc := benchService(st)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r, err := svc.Rank(ctx, ids, vendors.Date{Year: 2025, Month: 6, Day: 1}, vendors.Date{Year: 2025, Month: 6, Day: 30})
		if err != nil || len(r) != benchShops || r[0].Days != 30 || r[0].Entries < r[benchShops-1].Entries {
			b.Fatalf("ranking %v", err)
		}
	}
}

// sink is a response writer that throws the body away, counting it and
// noting when the first byte came.
type sink struct {
	h       http.Header
	n       atomic.Int64
	firstAt atomic.Int64
}

func (s *sink) Header() http.Header { return s.h }
func (s *sink) WriteHeader(int)     {}
func (s *sink) Write(p []byte) (int, error) {
	if s.n.Add(int64(len(p))) == int64(len(p)) {
		s.firstAt.Store(time.Now().UnixNano())
	}
	return len(p), nil
}

// peakHeap samples the live heap (runtime/metrics: no stop-the-world,
// unlike ReadMemStats) while f runs and returns the highest.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(done)
	<-stopped
	return peak.Load()
}

// BenchmarkTrafficCSVExport: every hour of the shops over two years, from
// the database to a CSV response, with rows/s, the first byte's delay and
// the peak heap, at ~100,000 rows (6 shops) and at all 1,752,000.
func BenchmarkTrafficCSVExport(b *testing.B) {
	st, ids := benchDB(b)
	svc := benchService(st)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	headers := make([]string, 3+len(traffic.Metrics))
	for i := range headers {
		headers[i] = fmt.Sprintf("列%d", i)
	}
	for _, n := range []int{6, benchShops} {
		shops := make([]traffic.ExportShop, n)
		for i := range n {
			shops[i] = traffic.ExportShop{ID: ids[i], Name: fmt.Sprintf("鲜果时光 %03d 店", i), Location: sh, Counted: 31}
		}
		b.Run(fmt.Sprintf("rows=%d", n*benchDays*24), func(b *testing.B) {
			var rows int
			var first, total time.Duration
			var peak uint64
			b.ReportAllocs()
			for b.Loop() {
				w := &sink{h: http.Header{}}
				start := time.Now()
				peak = max(peak, peakHeap(func() {
					var err error
					rows, err = svc.ExportHours(context.Background(), w, nil, headers, shops, benchFirst, benchFirst.AddDays(benchDays-1), traffic.Metrics,
						traffic.CSVFormat{Percent: traffic.Percent{Suffix: "%"}, NotCounted: "n/c"})
					if err != nil {
						b.Fatal(err)
					}
				}))
				total += time.Since(start)
				first += time.Duration(w.firstAt.Load() - start.UnixNano())
				if rows != n*benchDays*24 {
					b.Fatalf("%d rows", rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/total.Seconds(), "rows/s")
			b.ReportMetric(float64(first.Milliseconds())/float64(b.N), "first-byte-ms")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchStore != nil {
		benchStore.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	if benchDrop != nil {
		benchDrop()
	}
	os.Exit(code)
}
