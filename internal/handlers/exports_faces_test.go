package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"storelens/internal/models"
)

var (
	rosterHeaderEN = []string{"Name", "Group", "Group type", "State", "Enrolled", "Enrolled on", "Enrolled by",
		"Consent collected by", "Consent given on", "Consent purpose", "Time zone"}
	rosterHeaderZH = []string{"姓名", "分组", "分组类型", "状态", "登记途径", "登记日期", "登记人", "征得同意人", "同意日期", "同意用途", "时区"}
)

// The roster of a library: names, groups, enrollment and consent in the
// reader's language, formula cells defused, never a photo; a manager
// exports only their shops; every export is audited.
func TestFaceRosterCSV(t *testing.T) {
	a := newFacesApp(t)
	ctx := context.Background()
	mgr := a.login("manager", managerPW)
	staff := a.group(a.shopA, "staff")
	member := a.group(a.shopA, "regular")
	if r := a.enroll(mgr, a.shopA, staff, "Eileen", testPhoto(t, "astronaut.png")); r.status != http.StatusSeeOther {
		t.Fatalf("enroll: %d", r.status)
	}
	consentAt := time.Date(2026, 3, 1, 2, 3, 4, 0, time.UTC)
	enrolledAt := consentAt.Add(time.Hour)
	photo, thumb := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	evil := &models.Face{ShopID: a.shopA.ID, GroupID: member.ID, Vendor: member.Vendor, Source: member.Source, State: models.FaceEnrolled,
		Gender: "unknown", Origin: models.OriginHere, Name: `=HYPERLINK("http://evil.example","x")`, PhotoHash: photo, ThumbHash: thumb, SourceHash: photo,
		BoxX: 17, BoxY: 23, BoxSize: 99, ConsentBy: "-李店长", ConsentAt: &consentAt, ConsentPurpose: "member", EnrolledAt: &enrolledAt, CreatedBy: "manager"}
	if err := a.st.CreateFace(ctx, evil, models.AuditEntry{Action: "face.enroll", TargetType: "face"}); err != nil {
		t.Fatal(err)
	}
	groupB := a.group(a.shopB, "regular")
	secret := &models.Face{ShopID: a.shopB.ID, GroupID: groupB.ID, Vendor: groupB.Vendor, Source: groupB.Source, State: models.FaceEnrolled,
		Gender: "unknown", Origin: models.OriginHere, Name: "秘密会员"}
	if err := a.st.CreateFace(ctx, secret, models.AuditEntry{Action: "face.enroll", TargetType: "face"}); err != nil {
		t.Fatal(err)
	}

	// The library page links its roster.
	base := "/shops/" + itoa(a.shopA.ID) + "/faces"
	link := regexp.MustCompile(`href="(` + regexp.QuoteMeta(base) + `/roster\.csv[^"]*)"[^>]*data-testid="faces-roster-export"`).FindStringSubmatch(mgr.get(base).body)
	if link == nil {
		t.Fatal("the faces page has no roster export link")
	}
	path := html.UnescapeString(link[1])
	r := mgr.get(path)
	for _, leak := range []string{photo, thumb, "photos/", "99", "秘密会员"} {
		if strings.Contains(r.body, leak) {
			t.Errorf("the roster holds %q", leak)
		}
	}
	recs := exportRecords(t, mgr, path)
	if !slices.Equal(recs[0], rosterHeaderEN) {
		t.Errorf("English header %q", recs[0])
	}
	names := column(t, recs, "Name")
	slices.Sort(names)
	if want := []string{`'=HYPERLINK("http://evil.example","x")`, "Eileen"}; !slices.Equal(names, want) {
		t.Fatalf("roster names %q, want %q", names, want)
	}
	for _, row := range recs[1:] {
		switch row[0] {
		case "Eileen":
			if row[2] != "Staff" || row[7] != "王经理" || row[9] != "staff attendance" || row[8] == "" || row[4] != "Here in StoreLens" {
				t.Errorf("Eileen's row %q", row)
			}
		default:
			want := []string{row[0], row[1], "Regular", "Enrolled", "Here in StoreLens", "2026-03-01 11:03:04 +08:00", "manager",
				"'-李店长", "2026-03-01 10:03:04 +08:00", "member recognition", "Asia/Shanghai"}
			if !slices.Equal(row, want) {
				t.Errorf("row\n got %q\nwant %q", row, want)
			}
		}
	}
	mgr.lang = "zh-CN"
	if zh := exportRecords(t, mgr, path); !slices.Equal(zh[0], rosterHeaderZH) {
		t.Errorf("Chinese header %q", zh[0])
	}

	// Another shop's roster is not there for the manager.
	if r := mgr.get("/shops/" + itoa(a.shopB.ID) + "/faces/roster.csv"); r.status != http.StatusNotFound || strings.Contains(r.body, "秘密会员") {
		t.Errorf("manager of A exports shop B's roster: %d", r.status)
	}
	es, _, err := a.st.AuditLog(ctx, models.AuditFilter{Action: "faces.roster_export"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || es[0].Username != "manager" || es[0].TargetType != "shop" || es[0].TargetID != itoa(a.shopA.ID) {
		t.Fatalf("audit: %d entries %+v", len(es), es)
	}
	admin := a.login("admin", adminPW)
	admin.get("/audit?kind=faces.roster_export").has(t, "exported the face roster of Shop A as CSV")
}

var matchNameRe = regexp.MustCompile(`data-testid="match-name">([^<]*)<`)

// The top visitors as CSV: the rows the visitors page lists for the same
// filters, in its order, in the reader's language, defused.
func TestVisitorsCSV(t *testing.T) {
	a := newFacesApp(t, wrapLAN)
	mgr := a.login("manager", managerPW)
	base := "/shops/" + itoa(a.shopA.ID) + "/faces"
	staff := a.group(a.shopA, "staff")
	for _, n := range []string{"Eileen", "@Bob"} {
		if r := a.enroll(mgr, a.shopA, staff, n, tinted(t, len(n))); r.status != http.StatusSeeOther {
			t.Fatalf("enroll %s: %d", n, r.status)
		}
	}
	day := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	for _, f := range a.sim.Faces("560279010301") {
		a.sim.RecordArrival(f.ID, day)
		if f.Name == "@Bob" {
			a.sim.RecordArrival(f.ID, day.Add(time.Hour))
			a.sim.RecordArrival(f.ID, day.Add(2*time.Hour))
		}
	}
	q := url.Values{"group": {itoa(staff.ID)}, "gender": {""}}.Encode()
	page := mgr.get(base + "/visitors?" + q)
	var listed []string
	for _, m := range matchNameRe.FindAllStringSubmatch(page.body, -1) {
		listed = append(listed, html.UnescapeString(m[1]))
	}
	top := listed[:len(listed)/2] // the top list, then the longest absent
	if !slices.Equal(top, []string{"@Bob", "Eileen"}) {
		t.Fatalf("the page lists %q", listed)
	}
	page.has(t, `data-testid="visitors-export"`, `href="`+base+`/visitors.csv?gender=&amp;group=`+itoa(staff.ID)+`"`)
	recs := exportRecords(t, mgr, base+"/visitors.csv?"+q)
	if want := []string{"Rank", "Name", "Group", "Gender", "Age", "Visits", "Last visit", "Time zone", "Enrolled here"}; !slices.Equal(recs[0], want) {
		t.Errorf("header %q", recs[0])
	}
	if got := column(t, recs, "Name"); !slices.Equal(got, []string{"'@Bob", "Eileen"}) {
		t.Errorf("names %q: not the page's %q, defused", got, top)
	}
	want := []string{"1", "'@Bob", staff.Name, "Female", "", "3", day.Add(2 * time.Hour).In(mustZone(t)).Format("2006-01-02 15:04:05 -07:00"), "Asia/Shanghai", "Yes"}
	if recs[1][4] == "" || !slices.Equal(append(recs[1][:4:4], recs[1][5:]...), append(want[:4:4], want[5:]...)) {
		t.Errorf("first row\n got %q\nwant %q (any age)", recs[1], want)
	}
	mgr.lang = "zh-CN"
	if zh := exportRecords(t, mgr, base+"/visitors.csv?"+q); zh[0][0] != "排名" || zh[0][6] != "最近到访" {
		t.Errorf("Chinese header %q", zh[0])
	}
	if r := mgr.get("/shops/" + itoa(a.shopB.ID) + "/faces/visitors.csv"); r.status != http.StatusNotFound {
		t.Errorf("manager of A exports shop B's visitors: %d", r.status)
	}
	es, _, _ := a.st.AuditLog(context.Background(), models.AuditFilter{Action: "faces.visits_export"})
	if len(es) != 2 || es[0].TargetID != itoa(a.shopA.ID) {
		t.Errorf("audit: %+v", es)
	}

	// Where the vendor offers no ranking, the export says so.
	cloud := newFacesApp(t)
	m := cloud.login("manager", managerPW)
	r := m.get("/shops/" + itoa(cloud.shopA.ID) + "/faces/visitors.csv")
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "This vendor does not offer that.") {
		t.Errorf("no ranking: %d %q", r.status, r.body)
	}
}
