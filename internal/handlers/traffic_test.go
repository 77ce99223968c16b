package handlers_test

import (
	"context"
	"encoding/csv"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"storelens/internal/handlers"
	"storelens/internal/models"
	"storelens/internal/traffic"
	"storelens/internal/vendors/opretail"
	opsim "storelens/internal/vendors/opretail/sim"
	"storelens/internal/vendors/sunmicloud/sim"
)

// trafficApp is the test app with the traffic area, the OpRetail adapter
// and its simulator (on the same test certificate as Sunmi's).
type trafficApp struct {
	*testApp
	svc   *traffic.Service
	op    *opsim.Server
	opURL string
}

func newTrafficApp(t *testing.T) *trafficApp {
	t.Helper()
	ta := &trafficApp{op: opsim.New(opsim.Options{})}
	ta.op.AddKey("opkey", "opsecret")
	ta.op.AddUser("boss", "bosspass")
	ta.op.AddDepartment(opsim.Department{DepID: "10086", AppKey: "opkey", Seed: 3, Size: 25, HeadShoulder: true})
	opSrv := httptest.NewTLSServer(ta.op)
	t.Cleanup(opSrv.Close)
	ta.opURL = opSrv.URL + "/m.api"
	ta.testApp = newTestApp(t, func(a *testApp, d *handlers.Deps) {
		d.Registry = d.Registry.With(opretail.Name, opretail.Label, opretail.New)
		d.Accounts.Registry = d.Registry
		d.Accounts.Extra = traffic.OpRetailLogins(a.st, d.Accounts.Box)
		ta.svc = &traffic.Service{Store: a.st, Accounts: d.Accounts, Log: slog.New(slog.DiscardHandler)}
		d.Traffic = handlers.TrafficDeps{Service: ta.svc}
	})
	return ta
}

func (a *trafficApp) sync(t *testing.T, shopID uint) {
	t.Helper()
	if r := a.svc.SyncShop(context.Background(), shopID); r.Err != nil {
		t.Fatal(r.Err)
	}
}

func TestTrafficReportPage(t *testing.T) {
	a := newTrafficApp(t)
	a.sync(t, a.shopA.ID)
	b := a.login("manager", managerPW)
	path := "/shops/" + itoa(a.shopA.ID) + "/traffic"
	r := b.get(path + "?preset=last7&gran=day")
	if r.status != http.StatusOK {
		t.Fatalf("report: %d", r.status)
	}
	r.has(t, `data-testid="traffic-chart"`, `data-chart="{`, "Entered", "Passed by", "Entry rate", "Unique people",
		"Export this table (CSV)", "report.csv?gran=day&amp;preset=last7", "Sunmi cloud, shop 560279010301", `data-live=`,
		"Unique people are counted per day", "does not count people leaving")
	if n := strings.Count(r.body, `data-testid="traffic-row"`); n != 7 {
		t.Fatalf("%d rows for 7 days", n)
	}
	r.lacks(t, "backfill-form", "traffic-sync-now") // managers see the state, not the controls
	// By hour today; the live fragment is the report alone.
	b.get(path+"?preset=today").has(t, "00:00", "(1 day)")
	b.get(path+"?preset=yesterday&gran=hour").has(t, "23:00", "Unique people are counted per hour")
	frag := b.get(path + "?preset=today&fragment=1")
	if frag.status != http.StatusOK || strings.Contains(frag.body, "<html") || !strings.Contains(frag.body, "traffic-figures") {
		t.Fatalf("fragment: %d %s", frag.status, excerpt(frag.body))
	}
	// Another shop is not the manager's.
	if r := b.get("/shops/" + itoa(a.shopB.ID) + "/traffic"); r.status != http.StatusNotFound {
		t.Fatalf("other shop: %d", r.status)
	}
	if r := b.get("/shops/" + itoa(a.shopB.ID) + "/traffic/hours.csv"); r.status != http.StatusNotFound {
		t.Fatalf("other shop's export: %d", r.status)
	}
	// A bad range says so and keeps what was typed.
	bad := b.get(path + "?preset=custom&from=2026-02-30&to=2026-01-01")
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad range: %d", bad.status)
	}
	bad.has(t, "Enter both dates as YYYY-MM-DD.", `value="2026-02-30"`, `value="2026-01-01"`)
	b.lang = "zh-CN"
	b.get(path+"?preset=custom&from=2026-01-05&to=2026-01-01").has(t, "结束日期早于开始日期。")
	b.get(path+"?preset=custom&from=2025-01-01&to=2025-02-15&gran=hour").has(t, "按小时最多查看 31 天", `value="2025-02-15"`)
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	if !strings.HasPrefix(body, "\ufeff") {
		t.Fatal("no byte-order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestTrafficCSV(t *testing.T) {
	a := newTrafficApp(t)
	ctx := context.Background()
	a.shopA.Name = "=HYPERLINK(\"x\")"
	if err := a.st.UpdateShop(ctx, &a.shopA); err != nil {
		t.Fatal(err)
	}
	a.sync(t, a.shopA.ID)
	b := a.login("manager", managerPW)
	path := "/shops/" + itoa(a.shopA.ID) + "/traffic"
	r := b.get(path + "/report.csv?preset=last7&gran=day")
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''traffic-%3DHYPERLINK%28%22x%22%29-") || !strings.Contains(cd, `filename="traffic-`) {
		t.Fatalf("disposition %q", cd)
	}
	recs := readCSV(t, r.body)
	if len(recs) != 8 || recs[0][0] != "Day" || recs[0][1] != "Entered" || recs[0][len(recs[0])-1] != "Unique members" {
		t.Fatalf("csv head %v (%d rows)", recs[0], len(recs))
	}
	// The same rows as the table on screen, numbers unformatted.
	page := b.get(path + "?preset=last7&gran=day")
	for _, cell := range recs[7][1:4] {
		if strings.Contains(cell, ",") || (cell != "" && !strings.Contains(page.body, formatLike(cell))) {
			t.Fatalf("cell %q not on the page", cell)
		}
	}
	b.lang = "zh-CN"
	zh := readCSV(t, b.get(path+"/report.csv?preset=last7&gran=day").body)
	if zh[0][0] != "日期" || zh[0][1] != "进店人次" {
		t.Fatalf("zh headers %v", zh[0])
	}
	hours := readCSV(t, b.get(path+"/hours.csv?preset=yesterday").body)
	if len(hours) != 25 || hours[1][0] != `'=HYPERLINK("x")` || hours[0][0] != "门店" || hours[24][2] != "23:00" {
		t.Fatalf("hours %v ... %v", hours[0], hours[1])
	}
}

// formatLike writes a plain number the way the page does (12,345).
func formatLike(s string) string {
	if len(s) <= 3 {
		return ">" + s + "<"
	}
	return s[:len(s)-3] + "," + s[len(s)-3:]
}

func TestTrafficSyncFailureAndBackfill(t *testing.T) {
	a := newTrafficApp(t)
	admin := a.login("admin", adminPW)
	path := "/shops/" + itoa(a.shopA.ID) + "/traffic"
	a.sim.SetFault("/passengerFlow/stat/today/getTrendByHour", sim.Fault{Code: 5000})
	r := admin.post(path+"/sync", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("sync: %d", r.status)
	}
	admin.get(path).has(t, "The sync failed", "5000", `data-testid="traffic-last-error"`, `data-testid="traffic-sync-now"`)
	a.sim.ClearFaults()
	admin.post(path+"/sync", nil)
	admin.get(path).lacks(t, `data-testid="traffic-last-error"`)
	// A backfill into today is refused, with the dates kept.
	r = admin.post(path+"/backfill", url.Values{"from": {"2020-01-01"}, "to": {"2099-01-01"}})
	if !strings.Contains(r.location, "bf_from=2020-01-01") {
		t.Fatalf("refused backfill went to %q", r.location)
	}
	admin.get(r.location).has(t, "Choose closed days", `value="2099-01-01"`)
	today := a.svc.Today(traffic.Zone(models.DefaultTimezone))
	admin.post(path+"/backfill", url.Values{"from": {today.AddDays(-20).String()}, "to": {today.AddDays(-1).String()}})
	admin.get(path).has(t, "Backfill running", "0 of 20 days", `data-testid="backfill-bar"`, `data-testid="backfill-pause"`)
	a.svc.BackfillStep(context.Background())
	st := admin.get(path + "/backfill")
	if !strings.Contains(st.body, `"done":7`) || !strings.Contains(st.body, `"total":20`) {
		t.Fatalf("status %s", st.body)
	}
	admin.post(path+"/backfill/pause", nil)
	admin.get(path).has(t, "Backfill paused", `data-testid="backfill-resume"`)
	// A manager may watch, not start.
	mgr := a.login("manager", managerPW)
	if r := mgr.post(path+"/backfill", url.Values{"from": {"2025-01-01"}, "to": {"2025-01-02"}}); r.status != http.StatusForbidden {
		t.Fatalf("manager backfill: %d", r.status)
	}
}

func TestTrafficSettingsAndOpRetail(t *testing.T) {
	a := newTrafficApp(t)
	admin := a.login("admin", adminPW)
	r := admin.post("/settings/traffic", url.Values{"interval": {"0"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad interval: %d", r.status)
	}
	r.has(t, "whole number of minutes", `value="0"`)
	admin.post("/settings/traffic", url.Values{"interval": {"3"}})
	if a.svc.Interval(context.Background()).Minutes() != 3 {
		t.Fatal("interval not saved")
	}
	// An OpRetail account: a mistake first, the form keeps what was typed
	// except the secrets.
	form := url.Values{"name": {"万店掌"}, "base_url": {a.opURL}, "app_id": {"opkey"}, "secret": {"opsecret"}, "user_name": {""}, "password": {"bosspass"}}
	r = admin.post("/settings/opretail", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("missing user: %d", r.status)
	}
	r.has(t, "Required.", `value="opkey"`)
	r.lacks(t, "opsecret", "bosspass")
	form.Set("user_name", "boss")
	if r := admin.post("/settings/opretail", form); r.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.status, excerpt(r.body))
	}
	accs, _ := a.st.VendorAccounts(context.Background())
	var op models.VendorAccount
	for _, x := range accs {
		if x.Vendor == opretail.Name {
			op = x
		}
	}
	list := admin.get("/settings/vendors")
	list.has(t, "万店掌", "/settings/opretail/"+itoa(op.ID), "Add OpRetail account")
	admin.post("/settings/vendors/"+itoa(op.ID)+"/test", nil)
	admin.get("/settings/vendors").has(t, "the vendor accepted the signed request", "Connected")
	// Link shop B to the department; its traffic now comes from OpRetail.
	src := "/shops/" + itoa(a.shopB.ID) + "/traffic/source"
	admin.post(src, url.Values{"account_id": {itoa(op.ID)}, "dep_id": {""}}).has(t, "Required.")
	admin.post(src, url.Values{"account_id": {itoa(op.ID)}, "dep_id": {"10086"}})
	a.sync(t, a.shopB.ID)
	page := admin.get("/shops/" + itoa(a.shopB.ID) + "/traffic?preset=yesterday&gran=day")
	page.has(t, "OpRetail, department 10086", "Left", "Only head-shoulder counters count people leaving")
	page.lacks(t, "Entered with a face")
	admin.get("/settings/traffic").has(t, "OpRetail", "Shop B")
}

func TestTrafficCompareAndHome(t *testing.T) {
	a := newTrafficApp(t)
	a.sync(t, a.shopA.ID)
	a.sync(t, a.shopB.ID)
	admin := a.login("admin", adminPW)
	r := admin.get("/traffic/compare?preset=last7&shop=" + itoa(a.shopA.ID) + "&shop=" + itoa(a.shopB.ID) + "&metric=entries")
	r.has(t, `data-testid="compare-chart"`, "Shop A", "Shop B", "All my shops by entries")
	if n := strings.Count(r.body, `data-testid="compare-col"`); n != 2 {
		t.Fatalf("%d compared shops", n)
	}
	if n := strings.Count(r.body, `data-testid="ranking-row"`); n != 2 {
		t.Fatalf("%d ranked shops", n)
	}
	admin.get("/traffic?preset=last7").has(t, "All my shops (2 shops)", `data-testid="traffic-table"`)
	home := a.login("manager", managerPW).get("/")
	home.has(t, `data-testid="dashboard-row"`, "Shop A", "vs same weekday last week", "entries today")
	home.lacks(t, "Shop B")
	allCSV := readCSV(t, admin.get("/traffic/hours.csv?preset=yesterday").body)
	if len(allCSV) != 1+48 {
		t.Fatalf("all shops' hours: %d rows", len(allCSV))
	}
}
