package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"storelens/internal/i18n"
	"storelens/internal/models"
)

// auditApp is the test app with Li Wei, an admin with a display name, and
// his entries.
func auditApp(t *testing.T) (*testApp, *browser) {
	a := newTestApp(t)
	hash, _ := a.hasher.Hash(context.Background(), "liwei-password-1")
	li := models.User{Username: "liwei", DisplayName: "Li Wei", PasswordHash: hash, Role: models.RoleAdmin}
	if err := a.st.CreateUser(context.Background(), &li, nil); err != nil {
		t.Fatal(err)
	}
	return a, a.login("admin", adminPW)
}

func (a *testApp) audit(e models.AuditEntry) {
	a.t.Helper()
	if err := a.st.Audit(context.Background(), e); err != nil {
		a.t.Fatal(err)
	}
}

// sentences are the audit page's sentences, unescaped.
func sentences(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`data-testid="audit-sentence">([^<]*)<`).FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

func TestAuditLogInSentences(t *testing.T) {
	a, b := auditApp(t)
	door := a.camera(a.shopA.ID, "C201D8BS00101")
	li := models.Actor{Username: "liwei", IP: "10.0.0.9"}
	a.audit(li.Entry("camera.door_line", "camera", door.SN, "{Resolution:1 StartX:10 StartY:20 EndX:1900 EndY:20}"))
	a.audit(li.Entry("shop.delete", "shop", "99", "Old Shop"))
	a.audit(li.Entry("widget.spin_up", "widget", "7", ""))
	a.audit(li.Entry("camera.unbind", "camera", "GONE0001", fmt.Sprintf("shop %d", a.shopA.ID)))
	a.audit(models.Actor{Username: "system"}.Entry("face.reconcile", "shop", fmt.Sprint(a.shopB.ID), "groups 2, added 1"))

	r := b.get("/audit")
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	got := sentences(r.body)
	// A shop a detail names by id is named by its name.
	if !strings.Contains(r.body, `<span data-testid="audit-sentence">Li Wei unbound camera GONE0001</span> <br><small class="muted" data-testid="audit-detail">Shop A</small>`) {
		t.Errorf("unbind of a camera gone since:\n%s", r.body)
	}
	want := []string{
		"StoreLens synced the face library of Shop B with the vendor",
		"Li Wei unbound camera GONE0001",
		"Li Wei: Widget: spin up (widget 7)", // a kind the catalogue does not know: words, not its key
		"Li Wei deleted the shop Old Shop",   // gone since: the name the entry kept
		"Li Wei changed the door line of Door at Shop A",
	}
	for i, w := range want {
		if i >= len(got) || got[i] != w {
			t.Fatalf("sentences %q, want first %q", got, want)
		}
	}
	// Field names in words.
	if !strings.Contains(r.body, "resolution 1, start x 10, start y 20, end x 1900, end y 20") {
		t.Errorf("door line detail not in words:\n%s", r.body)
	}
	visible := regexp.MustCompile(`value="[^"]*"`).ReplaceAllString(r.body, "") // the kind filter's values are keys
	for _, raw := range []string{"camera.door_line", "widget.spin_up", "StartX", "face.reconcile"} {
		if strings.Contains(visible, raw) {
			t.Errorf("the page shows the raw key %q", raw)
		}
	}

	b.lang = "zh-CN"
	got = sentences(b.get("/audit").body)
	if len(got) < 5 || got[4] != "Li Wei 修改了 Shop A Door 的进门线" || got[0] != "StoreLens 系统 将 Shop B 的人脸库与厂商同步" {
		t.Errorf("Chinese sentences: %q", got)
	}
}

// Every kind of action the code records has a kind name and a sentence in
// both languages: the source is searched for what it audits.
func TestEveryRecordedKindHasASentence(t *testing.T) {
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`Entry\("([a-z_]+\.[a-z_]+)"`),
		regexp.MustCompile(`Action: "([a-z_]+\.[a-z_]+)"`),
		regexp.MustCompile(`s\.with\(ctx, &?\w+, cam, "([a-z_]+\.[a-z_]+)"`),
		regexp.MustCompile(`s\.audit\(ctx, \w+, "([a-z_]+\.[a-z_]+)"`),
		regexp.MustCompile(`action :?= "([a-z_]+\.[a-z_]+)"`),
		regexp.MustCompile(`s\.auditAlert\(c, "([a-z_]+\.[a-z_]+)"`),
	}
	kinds := map[string]string{}
	root := filepath.Join("..", "..", "internal")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, "_templ.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, p := range patterns {
			for _, m := range p.FindAllStringSubmatch(string(src), -1) {
				kinds[m[1]] = path
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(kinds) < 50 {
		t.Fatalf("found only %d kinds: is the search broken? %v", len(kinds), kinds)
	}
	b := i18n.MustLoad()
	for _, lang := range []string{"en", "zh-CN"} {
		l := b.For(lang)
		for k, path := range kinds {
			for _, id := range []string{"audit.kind." + k, "audit.s." + k} {
				if l.T(id) == id {
					t.Errorf("%s records %q: %s has no %s", path, k, lang, id)
				}
			}
		}
	}
}

func TestAuditLogFiltersAndPages(t *testing.T) {
	a, b := auditApp(t)
	day := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	door := a.camera(a.shopA.ID, "C201D8BS00101")
	bdoor := a.camera(a.shopB.ID, "C101P98200103")
	// 120 renames by Li Wei on Shop A's door camera over three days, and
	// a few others.
	for i := 0; i < 120; i++ {
		e := models.Actor{Username: "liwei"}.Entry("camera.rename", "camera", door.SN, fmt.Sprintf("%q -> %q", "a", fmt.Sprint(i)))
		e.At = day.Add(time.Duration(i%3) * 24 * time.Hour)
		a.audit(e)
	}
	e := models.Actor{Username: "admin"}.Entry("camera.reboot", "camera", bdoor.SN, "")
	e.At = day
	a.audit(e)
	e = models.Actor{Username: "admin"}.Entry("shop.update", "shop", fmt.Sprint(a.shopA.ID), "Shop A")
	e.At = day
	a.audit(e)

	// Paging: 50, 50, then the last 20 (plus admin's two of these filters).
	seen := map[string]bool{}
	path := "/audit?person=liwei"
	pages := 0
	for path != "" && pages < 5 {
		r := b.get(path)
		pages++
		rows := strings.Count(r.body, `data-testid="audit-row"`)
		if pages < 3 && rows != 50 || pages == 3 && rows != 20 {
			t.Fatalf("page %d: %d rows", pages, rows)
		}
		for _, m := range regexp.MustCompile(`data-testid="audit-detail">([^<]*)<`).FindAllStringSubmatch(r.body, -1) {
			if seen[m[1]] {
				t.Fatalf("page %d repeats %s", pages, m[1])
			}
			seen[m[1]] = true
		}
		path = ""
		if m := regexp.MustCompile(`href="(/audit\?[^"]*)" rel="next"`).FindStringSubmatch(r.body); m != nil {
			path = html.UnescapeString(m[1])
			if !strings.Contains(path, "person=liwei") {
				t.Fatalf("the older link loses the filter: %s", path)
			}
		}
	}
	if pages != 3 || len(seen) != 120 {
		t.Fatalf("%d pages, %d distinct entries", pages, len(seen))
	}

	count := func(q string) int {
		r := b.get("/audit?" + q)
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d", q, r.status)
		}
		return strings.Count(r.body, `data-testid="audit-row"`)
	}
	if n := count(fmt.Sprintf("shop=%d&kind=camera.reboot", a.shopB.ID)); n != 1 {
		t.Errorf("Shop B reboots: %d", n)
	}
	if n := count(fmt.Sprintf("shop=%d&person=admin", a.shopA.ID)); n != 1 { // the shop itself (not B's camera)
		t.Errorf("admin at Shop A: %d", n)
	}
	// Dates are whole days in the shop's zone, both ends included.
	if n := count("person=liwei&from=2026-03-11&to=2026-03-11"); n != 40 {
		t.Errorf("Li Wei on 11 March: %d", n)
	}
	if n := count("person=liwei&from=2026-03-11&to=2026-03-12"); n != 50 { // 80, first page
		t.Errorf("Li Wei 11-12 March: %d", n)
	}
	r := b.get("/audit?from=2026-03-12&to=2026-03-11")
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "YYYY-MM-DD") {
		t.Errorf("reversed dates: %d", r.status)
	}
	r = b.get("/audit?kind=nothing.such")
	if !strings.Contains(r.body, "Nothing matches these filters.") {
		t.Errorf("empty filter result not said")
	}
	// A manager may not read the log.
	if r := a.login("manager", managerPW).get("/audit"); r.status != http.StatusForbidden {
		t.Errorf("manager: %d", r.status)
	}
}

func TestAuditExportCSV(t *testing.T) {
	a, b := auditApp(t)
	door := a.camera(a.shopA.ID, "C201D8BS00101")
	a.audit(models.Actor{Username: "liwei", IP: "10.0.0.9"}.Entry("camera.door_line", "camera", door.SN, "{Resolution:1 StartX:10 StartY:20 EndX:1900 EndY:20}"))
	a.audit(models.Actor{Username: "liwei"}.Entry("shop.update", "shop", fmt.Sprint(a.shopB.ID), "=HYPERLINK(\"x\")"))
	b.lang = "zh-CN"
	r := b.get(fmt.Sprintf("/audit/export.csv?person=liwei&shop=%d", a.shopA.ID))
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d %s", r.status, r.header.Get("Content-Type"))
	}
	if !strings.HasPrefix(r.body, "\ufeff时间,人员,类型,发生了什么,详情,地址\r\n") {
		t.Fatalf("head: %q", r.body[:min(len(r.body), 80)])
	}
	lines := strings.Split(strings.TrimSpace(r.body), "\r\n")
	if len(lines) != 2 { // the shop filter keeps only Shop A's camera
		t.Fatalf("%d lines:\n%s", len(lines), r.body)
	}
	if !strings.Contains(lines[1], ",liwei,修改进门线,Li Wei 修改了 Shop A Door 的进门线,") || !strings.HasSuffix(lines[1], ",10.0.0.9") {
		t.Errorf("row: %s", lines[1])
	}
	// All of it, formulas defused.
	r = b.get("/audit/export.csv?person=liwei")
	if !strings.Contains(r.body, `'=HYPERLINK(""x"")`) {
		t.Errorf("a formula cell is not defused:\n%s", r.body)
	}
}
