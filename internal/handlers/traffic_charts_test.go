package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"storelens/internal/models"
	"storelens/internal/vendors/opretail"
	opsim "storelens/internal/vendors/opretail/sim"
)

var percentCell = regexp.MustCompile(`^\d{1,3}\.\d%$`)

// linkOpRetail adds an OpRetail account (as an admin does) and points
// shop B at one of its departments, then syncs it.
func (a *trafficApp) linkOpRetail(t *testing.T, admin *browser, depID string) {
	t.Helper()
	form := url.Values{"name": {"万店掌"}, "base_url": {a.opURL}, "app_id": {"opkey"}, "secret": {"opsecret"}, "user_name": {"boss"}, "password": {"bosspass"}}
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
	admin.post("/shops/"+itoa(a.shopB.ID)+"/traffic/source", url.Values{"account_id": {itoa(op.ID)}, "dep_id": {depID}})
	a.sync(t, a.shopB.ID)
}

// The entry rate is a percentage in the reader's language on the page and
// in both CSVs (never 0.23); a Sunmi cloud shop counts nobody leaving, so
// no page figure, column or CSV column says "Left".
func TestTrafficRateAsPercent(t *testing.T) {
	a := newTrafficApp(t)
	a.sync(t, a.shopA.ID)
	b := a.login("manager", managerPW)
	path := "/shops/" + itoa(a.shopA.ID) + "/traffic"
	for _, c := range []struct{ lang, rate, left, zone string }{
		{"en", "Entry rate", "Left", "Times are in Asia/Shanghai"},
		{"zh-CN", "进店率", "出店人次", "时间为门店所在时区(Asia/Shanghai)"},
	} {
		b.lang = c.lang
		page := b.get(path + "?preset=last7&gran=day")
		page.has(t, c.zone)
		page.lacks(t, `data-testid="figure-left"`, ">"+c.left+"<sup>")
		recs := readCSV(t, b.get(path+"/report.csv?preset=last7&gran=day").body)
		col := slices.Index(recs[0], c.rate)
		if col < 1 || slices.Contains(recs[0], c.left) {
			t.Fatalf("%s: header %v", c.lang, recs[0])
		}
		n := 0
		for _, rec := range recs[1:] {
			if rec[col] == "" {
				continue
			}
			if !percentCell.MatchString(rec[col]) || !strings.Contains(page.body, ">"+rec[col]+"<") {
				t.Fatalf("%s: rate %q not a percentage on the page too", c.lang, rec[col])
			}
			n++
		}
		if n == 0 {
			t.Fatalf("%s: no rates in %v", c.lang, recs)
		}
		hours := readCSV(t, b.get(path+"/hours.csv?preset=yesterday").body)
		hc := slices.Index(hours[0], c.rate)
		if hc < 0 || slices.Contains(hours[0], c.left) || len(hours) != 25 {
			t.Fatalf("%s: hours header %v (%d rows)", c.lang, hours[0], len(hours))
		}
		for _, rec := range hours[1:] {
			if rec[hc] != "" && !percentCell.MatchString(rec[hc]) {
				t.Fatalf("%s: hour rate %q", c.lang, rec[hc])
			}
		}
	}
	// The chart speaks the reader's language and the shop's zone.
	b.lang = "zh-CN"
	b.get(path+"?preset=last7&gran=day").has(t, `&#34;locale&#34;:&#34;zh-CN&#34;`, `&#34;tz&#34;:&#34;Asia/Shanghai&#34;`, `&#34;dayPattern&#34;:&#34;{date} {weekday}&#34;`)
	b.lang = "en"
	b.get("/traffic?preset=today").has(t, `&#34;gran&#34;:&#34;hour&#34;`, `&#34;locale&#34;:&#34;en-GB&#34;`,
		"Times are in Asia/Shanghai, the time zone of the all-shops pages")
}

// People leaving: OpRetail's face devices send 0 for them, so that shop's
// page and CSVs leave the column out; a head-shoulder counter's shop has
// it, and the all-shops hourly export marks the Sunmi shop's cells "not
// counted by this camera" (the same words as the page).
func TestTrafficLeftOnlyWhereCounted(t *testing.T) {
	t.Run("face devices", func(t *testing.T) {
		a := newTrafficApp(t)
		a.op.AddDepartment(opsim.Department{DepID: "10087", AppKey: "opkey", Seed: 4, Size: 20})
		admin := a.login("admin", adminPW)
		a.linkOpRetail(t, admin, "10087")
		path := "/shops/" + itoa(a.shopB.ID) + "/traffic"
		page := admin.get(path + "?preset=yesterday&gran=day")
		page.has(t, "OpRetail, department 10087", "Unique people", "only with head-shoulder counters")
		page.lacks(t, ">Left<sup>", `data-testid="figure-left"`)
		recs := readCSV(t, admin.get(path+"/report.csv?preset=yesterday&gran=day").body)
		if slices.Contains(recs[0], "Left") || !slices.Contains(recs[0], "Entry rate") {
			t.Fatalf("header %v", recs[0])
		}
		hours := readCSV(t, admin.get(path+"/hours.csv?preset=yesterday").body)
		if slices.Contains(hours[0], "Left") || len(hours) != 25 {
			t.Fatalf("hours header %v", hours[0])
		}
	})
	t.Run("head-shoulder counters", func(t *testing.T) {
		a := newTrafficApp(t)
		a.sync(t, a.shopA.ID)
		admin := a.login("admin", adminPW)
		a.linkOpRetail(t, admin, "10086")
		path := "/shops/" + itoa(a.shopB.ID) + "/traffic"
		admin.get(path+"?preset=yesterday&gran=day").has(t, ">Left<sup>", `data-testid="figure-left"`)
		recs := readCSV(t, admin.get(path+"/report.csv?preset=yesterday&gran=day").body)
		li := slices.Index(recs[0], "Left")
		if li < 0 || recs[1][li] == "" || recs[1][li] == "0" {
			t.Fatalf("left %v %v", recs[0], recs[1])
		}
		for _, c := range []struct{ lang, left, mark string }{{"en", "Left", "not counted by this camera"}, {"zh-CN", "出店人次", "此摄像机不统计"}} {
			admin.lang = c.lang
			all := readCSV(t, admin.get("/traffic/hours.csv?preset=yesterday").body)
			col := slices.Index(all[0], c.left)
			if col < 0 || len(all) != 1+48 {
				t.Fatalf("%s: all shops' hours %v (%d rows)", c.lang, all[0], len(all))
			}
			for _, rec := range all[1:] {
				if (rec[0] == "Shop A") != (rec[col] == c.mark) {
					t.Fatalf("%s: %s left %q", c.lang, rec[0], rec[col])
				}
			}
		}
	})
}
