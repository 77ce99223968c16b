package traffic_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/accounts"
	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/secrets"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
	"storelens/internal/vendors/opretail"
	opsim "storelens/internal/vendors/opretail/sim"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmicloud/sim"
)

const (
	appID  = "TRAFFICAPP01"
	secret = "ABCDEFG3F2BB03917123"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	st      *models.Store
	svc     *traffic.Service
	sim     *sim.Server
	op      *opsim.Server
	clk     *clock
	client  *sunmicloud.Client // the truth, read straight from the simulator
	shA     models.Shop        // Shanghai
	shB     models.Shop        // Berlin
	shO     models.Shop        // OpRetail
	shanghi *time.Location
	berlin  *time.Location
}

func load(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// newFixture: the server in UTC does not matter; the clock is 2026-01-10
// 10:30 in Shanghai (02:30 UTC, 03:30 in Berlin).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{clk: &clock{t: time.Date(2026, 1, 10, 2, 30, 0, 0, time.UTC)}, shanghi: load(t, "Asia/Shanghai"), berlin: load(t, "Europe/Berlin")}
	st := modelstest.Open(t, models.Options{Logger: slog.New(slog.DiscardHandler), Now: f.clk.now})
	f.st = st
	f.sim = sim.New(sim.Options{Now: f.clk.now})
	f.sim.AddApp(appID, secret)
	f.sim.AddShop(sim.Shop{ShopNo: "560279010301", AppID: appID, CompanyNo: "560279010300"})
	f.sim.AddShop(sim.Shop{ShopNo: "560279010302", AppID: appID, CompanyNo: "560279010300"})
	f.sim.SetTraffic("560279010301", sim.TrafficProfile{Seed: 1, Size: 30})
	f.sim.SetTraffic("560279010302", sim.TrafficProfile{Seed: 2, Size: 20, Location: f.berlin})
	srv := httptest.NewTLSServer(f.sim)
	t.Cleanup(srv.Close)
	f.op = opsim.New(opsim.Options{Now: f.clk.now})
	f.op.AddKey("opkey", "opsecret")
	f.op.AddUser("boss", "bosspass")
	f.op.AddDepartment(opsim.Department{DepID: "10086", AppKey: "opkey", Seed: 3, Size: 25})
	opSrv := httptest.NewTLSServer(f.op)
	t.Cleanup(opSrv.Close)

	box, _ := secrets.New(bytes.Repeat([]byte{7}, 32))
	// httptest's TLS servers share one certificate: one client trusts both.
	reg := vendors.NewRegistry(srv.Client())
	reg = reg.With(sunmicloud.Name, sunmicloud.Label, func(a vendors.Account, hc *http.Client) (vendors.Adapter, error) {
		return sunmicloud.NewClient(a, hc, sunmicloud.WithClock(f.clk.now), sunmicloud.WithBackoff(noWait))
	})
	reg = reg.With(opretail.Name, opretail.Label, func(a vendors.Account, hc *http.Client) (vendors.Adapter, error) {
		return opretail.NewClient(a, hc, opretail.WithClock(f.clk.now), opretail.WithBackoff(noWait))
	})
	acc := &accounts.Service{Store: st, Box: box, Registry: reg}
	acc.Extra = traffic.OpRetailLogins(st, box)
	sunmi, err := acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: sunmicloud.Name, Name: "Sunmi", BaseURL: srv.URL + "/openapi", AppID: appID, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	op, err := acc.Create(ctx, models.Actor{}, accounts.Input{Vendor: opretail.Name, Name: "Op", BaseURL: opSrv.URL + "/cloud.api", AppID: "opkey", Secret: "opsecret"})
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := box.Seal("bosspass")
	if err := st.SaveOpRetailLogin(ctx, op.ID, "boss", pw); err != nil {
		t.Fatal(err)
	}
	f.shA = models.Shop{Name: "上海店", Timezone: "Asia/Shanghai", SunmiAccountID: &sunmi.ID, SunmiShopNo: "560279010301"}
	f.shB = models.Shop{Name: "=Berlin", Timezone: "Europe/Berlin", SunmiAccountID: &sunmi.ID, SunmiShopNo: "560279010302"}
	f.shO = models.Shop{Name: "苏州店", Timezone: "Asia/Shanghai"}
	for _, sh := range []*models.Shop{&f.shA, &f.shB, &f.shO} {
		if err := st.CreateShop(ctx, sh); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetShopOpRetail(ctx, f.shO.ID, op.ID, "10086"); err != nil {
		t.Fatal(err)
	}
	f.svc = &traffic.Service{Store: st, Accounts: acc, Now: f.clk.now, Log: slog.New(slog.DiscardHandler)}
	f.client, err = sunmicloud.NewClient(vendors.Account{BaseURL: srv.URL + "/openapi", AppID: appID, Secret: secret}, srv.Client(),
		sunmicloud.WithClock(f.clk.now))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func noWait(context.Context, time.Duration) error { return nil }

func date(t *testing.T, s string) vendors.Date {
	d, err := vendors.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// truth reads closed days straight from the simulator.
func (f *fixture) truth(t *testing.T, shopNo string, loc *time.Location, from, to string) []vendors.TrafficDay {
	t.Helper()
	days, err := f.client.TrafficDays(context.Background(), vendors.TrafficTarget{Shop: vendors.ShopRef{ShopNo: shopNo}, Location: loc},
		date(t, from), date(t, to))
	if err != nil {
		t.Fatal(err)
	}
	return days
}

func (f *fixture) backfill(t *testing.T, shopID uint, from, to string) {
	t.Helper()
	ctx := context.Background()
	if err := f.svc.StartBackfill(ctx, shopID, date(t, from), date(t, to)); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		ran, err := f.svc.BackfillStep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
	t.Fatal("backfill never finished")
}

func count(days []vendors.TrafficDay, f func(vendors.TrafficCounts) int64) (n int64) {
	for _, d := range days {
		for _, h := range d.Hours {
			n += f(h.TrafficCounts)
		}
	}
	return n
}

func entries(c vendors.TrafficCounts) int64  { return c.Entries }
func regulars(c vendors.TrafficCounts) int64 { return c.Regulars }

// A run stores today and the last week; an outage leaves a gap that the
// next run fills; the state says what happened.
func TestSyncFillsGapsAfterAnOutage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if r := f.svc.SyncShop(ctx, f.shA.ID); r.Err != nil || r.Days != 7 {
		t.Fatalf("first sync: %+v", r)
	}
	st, _ := f.st.TrafficSyncState(ctx, f.shA.ID)
	if st.LastSuccessAt == nil || st.LastError != "" || st.Source != sunmicloud.Name {
		t.Fatalf("state %+v", st)
	}
	days, _ := f.st.TrafficDayRows(ctx, []uint{f.shA.ID}, "2026-01-03", "2026-01-10")
	if len(days) != 8 || !days[6].Final || days[7].Final || days[7].Day != "2026-01-10" {
		t.Fatalf("days after the first sync: %+v", days)
	}
	// The vendor goes down for three days.
	f.sim.SetFault("*", sim.Fault{Code: 5000})
	for range 3 {
		f.clk.add(24 * time.Hour)
		if r := f.svc.SyncShop(ctx, f.shA.ID); r.Err == nil {
			t.Fatal("sync during the outage succeeded")
		}
	}
	st, _ = f.st.TrafficSyncState(ctx, f.shA.ID)
	if ve := vendors.ParseCompact(st.LastError); ve == nil || ve.Kind != vendors.KindInternal || ve.Code != 5000 {
		t.Fatalf("last error %q", st.LastError)
	}
	f.sim.ClearFaults()
	r := f.svc.SyncShop(ctx, f.shA.ID)
	if r.Err != nil || r.Days != 3 { // the 10th (then today, now closed), 11th, 12th
		t.Fatalf("after the outage: %+v", r)
	}
	have, _ := f.st.FinalTrafficDays(ctx, f.shA.ID, "2026-01-03", "2026-01-12")
	if len(have) != 10 {
		t.Fatalf("closed days %v", have)
	}
	// The stored days are the vendor's.
	truth := f.truth(t, "560279010301", f.shanghi, "2026-01-10", "2026-01-12")
	rows, _ := f.st.TrafficDayRows(ctx, []uint{f.shA.ID}, "2026-01-10", "2026-01-12")
	for i, d := range truth {
		if rows[i].Entries != count(truth[i:i+1], entries) || rows[i].UniqTotal != d.Day.UniqTotal || rows[i].UniqTotal == 0 {
			t.Fatalf("%s: stored %+v, vendor %+v", d.Date, rows[i], d.Day)
		}
	}
}

// Hour, day, week and month rows against the simulator, for a shop in
// Shanghai and one in Berlin; and the previous period.
func TestReportsAgainstTheSimulator(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.backfill(t, f.shA.ID, "2025-11-01", "2026-01-09")
	f.backfill(t, f.shB.ID, "2026-01-01", "2026-01-09")

	q := traffic.Query{ShopIDs: []uint{f.shA.ID}, Location: f.shanghi, From: date(t, "2025-12-01"), To: date(t, "2025-12-31"), Gran: traffic.ByDay}
	rep, err := f.svc.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	truth := f.truth(t, "560279010301", f.shanghi, "2025-12-01", "2025-12-31")
	if len(rep.Rows) != 31 || rep.Total.Counts.Entries != count(truth, entries) || rep.Total.Counts.Regulars != count(truth, regulars) {
		t.Fatalf("December by day: %d rows, %d entries (vendor %d)", len(rep.Rows), rep.Total.Counts.Entries, count(truth, entries))
	}
	for i, r := range rep.Rows {
		if r.Label != truth[i].Date.String() || r.Counts.Entries != count(truth[i:i+1], entries) || r.Counts.UniqTotal != truth[i].Day.UniqTotal {
			t.Fatalf("row %s: %+v", r.Label, r.Counts)
		}
	}
	q.Gran = traffic.ByWeek
	weeks, _ := f.svc.Report(ctx, q)
	// 2025-12-01 is a Monday: weeks of 7,7,7,7 and 3 days.
	if len(weeks.Rows) != 5 || weeks.Rows[1].Label != "2025-12-08" || weeks.Rows[1].Counts.Entries != count(truth[7:14], entries) {
		t.Fatalf("weeks %+v", weeks.Rows)
	}
	q.Gran, q.From, q.To = traffic.ByMonth, date(t, "2025-11-01"), date(t, "2026-01-09")
	months, _ := f.svc.Report(ctx, q)
	if len(months.Rows) != 3 || months.Rows[1].Label != "2025-12" || months.Rows[1].Counts.Entries != count(truth, entries) {
		t.Fatalf("months %+v", months.Rows)
	}
	// Hours: a Shanghai day starts at 16:00 UTC the day before.
	q.Gran, q.From, q.To = traffic.ByHour, date(t, "2025-12-24"), date(t, "2025-12-24")
	hours, _ := f.svc.Report(ctx, q)
	day := f.truth(t, "560279010301", f.shanghi, "2025-12-24", "2025-12-24")[0]
	if len(hours.Rows) != 24 || hours.Rows[0].Label != "2025-12-24 00:00" || !hours.Rows[0].Hour.Equal(time.Date(2025, 12, 23, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("hour rows %d from %+v", len(hours.Rows), hours.Rows[0])
	}
	for i, h := range day.Hours {
		if hours.Rows[i].Counts.Entries != h.Entries || hours.Rows[i].Counts.UniqTotal != h.UniqTotal {
			t.Fatalf("hour %s: %+v vs %+v", hours.Rows[i].Label, hours.Rows[i].Counts, h)
		}
	}
	// Berlin's day is Berlin's.
	bq := traffic.Query{ShopIDs: []uint{f.shB.ID}, Location: f.berlin, From: date(t, "2026-01-05"), To: date(t, "2026-01-05"), Gran: traffic.ByHour}
	bh, _ := f.svc.Report(ctx, bq)
	btruth := f.truth(t, "560279010302", f.berlin, "2026-01-05", "2026-01-05")[0]
	if !bh.Rows[0].Hour.Equal(time.Date(2026, 1, 4, 23, 0, 0, 0, time.UTC)) || bh.Total.Counts.Entries != count([]vendors.TrafficDay{btruth}, entries) {
		t.Fatalf("Berlin: %v, %d vs %d", bh.Rows[0].Hour, bh.Total.Counts.Entries, count([]vendors.TrafficDay{btruth}, entries))
	}
	// The previous period of equal length.
	q = traffic.Query{ShopIDs: []uint{f.shA.ID}, Location: f.shanghi, From: date(t, "2025-12-08"), To: date(t, "2025-12-14"), Gran: traffic.ByDay}
	prev, complete, err := f.svc.Compare(ctx, q)
	if err != nil || !complete || prev.Counts.Entries != count(truth[0:7], entries) {
		t.Fatalf("previous week: %d vs %d (%v)", prev.Counts.Entries, count(truth[0:7], entries), err)
	}
	if p := q.Previous(); p.From.String() != "2025-12-01" || p.To.String() != "2025-12-07" {
		t.Fatalf("previous %v..%v", p.From, p.To)
	}
	// Before the backfilled range the previous period is incomplete.
	q.From, q.To = date(t, "2025-11-03"), date(t, "2025-11-05")
	if _, complete, _ := f.svc.Compare(ctx, q); complete {
		t.Fatal("a previous period without data called complete")
	}
	// Ranking: A is bigger than B over their common days.
	rank, _ := f.svc.Rank(ctx, []uint{f.shB.ID, f.shA.ID, f.shO.ID}, date(t, "2026-01-01"), date(t, "2026-01-09"))
	if rank[0].ShopID != f.shA.ID || rank[1].ShopID != f.shB.ID || rank[2].Entries != 0 {
		t.Fatalf("ranking %+v", rank)
	}
}

// OpRetail: hours and the day's de-duplicated entries, and people leaving
// only where counted; Sunmi's counters it lacks are unknown, not 0.
func TestOpRetailShop(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if r := f.svc.SyncShop(ctx, f.shO.ID); r.Err != nil {
		t.Fatal(r.Err)
	}
	if f.op.Logins() != 1 {
		t.Fatalf("%d logins for one sync", f.op.Logins())
	}
	rep, err := f.svc.Report(ctx, traffic.Query{ShopIDs: []uint{f.shO.ID}, Location: f.shanghi, From: date(t, "2026-01-09"), To: date(t, "2026-01-09"), Gran: traffic.ByDay})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Rows[0]
	if r.NoData || r.Counts.Entries == 0 || r.Counts.UniqTotal >= r.Counts.Entries || r.Have.Has(vendors.HaveFaceSplit) || !r.Have.Has(vendors.HaveUnique) {
		t.Fatalf("OpRetail day %+v have %b", r.Counts, r.Have)
	}
	m, _ := traffic.MetricByKey("entries_face")
	if _, _, ok := m.Value(r.Have, false, &r.Counts); ok {
		t.Fatal("OpRetail's faces shown as a number")
	}
}

func TestBackfillResumes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.svc.StartBackfill(ctx, f.shA.ID, date(t, "2025-12-01"), date(t, "2025-12-20")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.BackfillStep(ctx); err != nil {
		t.Fatal(err)
	}
	st, _ := f.st.TrafficSyncState(ctx, f.shA.ID)
	if st.BackfillDone != 7 || st.BackfillTotal != 20 || st.BackfillNext != "2025-12-08" || st.BackfillState != traffic.BackfillRunning {
		t.Fatalf("after one step %+v", st)
	}
	f.sim.SetFault("/passengerFlow/stat/history/getTrendByHour", sim.Fault{Code: 5000})
	f.svc.BackfillStep(ctx)
	st, _ = f.st.TrafficSyncState(ctx, f.shA.ID)
	if st.BackfillState != traffic.BackfillFailed || st.BackfillNext != "2025-12-08" || !strings.Contains(st.BackfillError, "5000") {
		t.Fatalf("after a failure %+v", st)
	}
	if ran, _ := f.svc.BackfillStep(ctx); ran {
		t.Fatal("a failed backfill kept running")
	}
	f.sim.ClearFaults()
	before := len(f.sim.Calls())
	if err := f.svc.SetBackfillState(ctx, f.shA.ID, traffic.BackfillRunning); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if ran, _ := f.svc.BackfillStep(ctx); !ran {
			break
		}
	}
	st, _ = f.st.TrafficSyncState(ctx, f.shA.ID)
	if st.BackfillState != traffic.BackfillDone || st.BackfillDone != 20 {
		t.Fatalf("after resuming %+v", st)
	}
	hourCalls := 0
	for _, c := range f.sim.Calls()[before:] {
		if c.Path == "/passengerFlow/stat/history/getTrendByHour" {
			hourCalls++
		}
	}
	if hourCalls != 13 { // the 8th..20th only: the first week was kept
		t.Fatalf("%d days pulled again on resume", hourCalls)
	}
	if err := f.svc.StartBackfill(ctx, f.shA.ID, date(t, "2026-01-01"), date(t, "2026-01-10")); err == nil {
		t.Fatal("a backfill into today was accepted")
	}
}

// The CSV: a byte-order mark, the given headers, formula cells neutralised,
// numbers plain; and the hourly export streams every hour.
func TestCSV(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.backfill(t, f.shB.ID, "2026-01-01", "2026-01-07")
	q := traffic.Query{ShopIDs: []uint{f.shB.ID}, Location: f.berlin, From: date(t, "2026-01-01"), To: date(t, "2026-01-07"), Gran: traffic.ByDay}
	rep, _ := f.svc.Report(ctx, q)
	var b bytes.Buffer
	metrics := []traffic.Metric{traffic.Metrics[0], traffic.Metrics[5], traffic.Metrics[13]}
	format := traffic.CSVFormat{Percent: traffic.Percent{Suffix: "%"}, NotCounted: "此摄像机不统计"}
	if err := traffic.WriteReportCSV(&b, []string{"日期", "进店", "=进店率", "离店"}, rep, metrics, format); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("\xef\xbb\xbf")) {
		t.Fatal("no byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(b.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 8 || recs[0][0] != "日期" || recs[0][2] != "'=进店率" || recs[1][0] != "2026-01-01" {
		t.Fatalf("csv %v", recs[:2])
	}
	if recs[1][1] != itoa(rep.Rows[0].Counts.Entries) || !strings.HasSuffix(recs[1][2], "%") || recs[1][3] != "此摄像机不统计" {
		t.Fatalf("row %v (a percentage; left is not counted by Sunmi: marked)", recs[1])
	}
	b.Reset()
	headers := make([]string, 3+len(traffic.Metrics))
	n, err := f.svc.ExportHours(ctx, &b, nil, headers, []traffic.ExportShop{{ID: f.shB.ID, Name: f.shB.Name, Location: f.berlin, Counted: 31}},
		date(t, "2026-01-02"), date(t, "2026-01-03"), traffic.Metrics, format)
	if err != nil || n != 48 {
		t.Fatalf("export: %d rows, %v", n, err)
	}
	recs, err = csv.NewReader(bytes.NewReader(b.Bytes()[3:])).ReadAll()
	if err != nil || len(recs) != 49 {
		t.Fatalf("export parse: %d, %v", len(recs), err)
	}
	if recs[1][0] != "'=Berlin" || recs[1][1] != "2026-01-02" || recs[1][2] != "00:00" || recs[48][2] != "23:00" || recs[48][1] != "2026-01-03" {
		t.Fatalf("export rows %v ... %v", recs[1], recs[48])
	}
}

func itoa(n int64) string { return strconvItoa(n) }
