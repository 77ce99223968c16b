package models_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"storelens/internal/models"
	"storelens/internal/models/modelstest"
)

// searchFixture: two shops, a manager of the first, and events of named
// people (Chinese and Latin names, face ids, groups) over three days.
type searchFixture struct {
	st     *models.Store
	a, b   models.Shop
	mgr    models.Scope
	day0   time.Time
	events []*models.Event
}

func newSearchFixture(t *testing.T) *searchFixture {
	t.Helper()
	st := openStore(t)
	return fillSearchFixture(t, st)
}

func fillSearchFixture(t *testing.T, st *models.Store) *searchFixture {
	t.Helper()
	ctx := context.Background()
	fx := &searchFixture{st: st, a: models.Shop{Name: "Alpha"}, b: models.Shop{Name: "Beta"},
		day0: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if err := st.CreateShop(ctx, &fx.a); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateShop(ctx, &fx.b); err != nil {
		t.Fatal(err)
	}
	u := models.User{Username: "mgr", PasswordHash: "x", Role: models.RoleManager}
	if err := st.CreateUser(ctx, &u, []uint{fx.a.ID}); err != nil {
		t.Fatal(err)
	}
	fx.mgr = models.ScopeFor(&u)
	people := []struct{ name, id, cloud, group, kind string }{
		{"李伟", "101", "", "VIP", "member"},
		{"李伟东", "102", "", "", "regular"},
		{"张伟", "103", "c-103", "staff", "staff"},
		{"欧阳娜娜", "104", "", "VIP", "member"},
		{"Wei Zhang", "105", "", "", "regular"},
		{"Anna Müller", "106", "c-106", "staff", "staff"},
		{"", "", "", "", "stranger"},
	}
	n := 0
	for d := range 3 {
		for h := range 4 {
			for i, p := range people {
				shop := fx.a.ID
				if (i+h)%2 == 1 {
					shop = fx.b.ID
				}
				n++
				fx.events = append(fx.events, &models.Event{ShopID: shop, Vendor: "sunmi", DedupeKey: fmt.Sprintf("e%d", n), Kind: "face",
					OccurredAt: fx.day0.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour), ReceivedAt: fx.day0,
					PersonID: p.id, CloudPersonID: p.cloud, PersonName: p.name, GroupName: p.group, GroupKind: p.kind})
			}
		}
	}
	// Motion events in between, with no person.
	for i := range 5 {
		n++
		fx.events = append(fx.events, &models.Event{ShopID: fx.a.ID, Vendor: "sunmi", DedupeKey: fmt.Sprintf("e%d", n), Kind: "motion",
			OccurredAt: fx.day0.Add(time.Duration(i) * 7 * time.Hour), ReceivedAt: fx.day0})
	}
	if _, err := st.InsertEvents(ctx, fx.events); err != nil {
		t.Fatal(err)
	}
	return fx
}

// want lists the ids of the fixture's events for which keep holds, newest
// first, as SearchEvents orders them.
func (fx *searchFixture) want(keep func(e *models.Event) bool) []int64 {
	var evs []*models.Event
	for _, e := range fx.events {
		if keep(e) {
			evs = append(evs, e)
		}
	}
	slices.SortFunc(evs, func(x, y *models.Event) int {
		if c := y.OccurredAt.Compare(x.OccurredAt); c != 0 {
			return c
		}
		return int(y.ID - x.ID)
	})
	var ids []int64
	for _, e := range evs {
		ids = append(ids, e.ID)
	}
	return ids
}

// all pages through the search (3 a page, following Before) and returns
// every id it saw, failing on a repeat.
func (fx *searchFixture) all(t *testing.T, sc models.Scope, f models.EventFilter) []int64 {
	t.Helper()
	f.PerPage = 3
	var ids []int64
	seen := map[int64]bool{}
	for range 1000 {
		evs, more, err := fx.st.SearchEvents(context.Background(), sc, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if seen[e.ID] {
				t.Fatalf("event %d on two pages", e.ID)
			}
			seen[e.ID] = true
			ids = append(ids, e.ID)
		}
		if !more {
			return ids
		}
		c := models.CursorOf(evs[len(evs)-1])
		f.Before = &c
	}
	t.Fatal("paging did not end")
	return nil
}

func TestSearchEventsPersonAndGroup(t *testing.T) {
	fx := newSearchFixture(t)
	adm := models.AllShops()
	day1, day2 := fx.day0.Add(24*time.Hour), fx.day0.Add(48*time.Hour)
	cases := []struct {
		name string
		sc   models.Scope
		f    models.EventFilter
		keep func(e *models.Event) bool
	}{
		{"2-character Chinese name finds it and the names holding it", adm, models.EventFilter{Person: "李伟"},
			func(e *models.Event) bool { return strings.Contains(e.PersonName, "李伟") }},
		{"2-character part in the middle of a name", adm, models.EventFilter{Person: "伟东"},
			func(e *models.Event) bool { return e.PersonName == "李伟东" }},
		{"3-character substring", adm, models.EventFilter{Person: "阳娜娜"},
			func(e *models.Event) bool { return e.PersonName == "欧阳娜娜" }},
		{"Latin, any case, 3+ characters", adm, models.EventFilter{Person: "ZHANG"},
			func(e *models.Event) bool { return e.PersonName == "Wei Zhang" }},
		{"Latin, any case, 2 characters", adm, models.EventFilter{Person: "mü"},
			func(e *models.Event) bool { return e.PersonName == "Anna Müller" }},
		{"face id is exact", adm, models.EventFilter{Person: "103"},
			func(e *models.Event) bool { return e.PersonID == "103" }},
		{"cloud face id", adm, models.EventFilter{Person: "c-106"},
			func(e *models.Event) bool { return e.CloudPersonID == "c-106" }},
		{"part of a face id finds nothing", adm, models.EventFilter{Person: "10"},
			func(e *models.Event) bool { return false }},
		{"group name, any case", adm, models.EventFilter{Group: "vip"},
			func(e *models.Event) bool { return e.GroupName == "VIP" }},
		{"group kind", adm, models.EventFilter{Group: "stranger"},
			func(e *models.Event) bool { return e.GroupKind == "stranger" }},
		{"group name and kind alike, once each", adm, models.EventFilter{Group: "staff"},
			func(e *models.Event) bool { return e.GroupKind == "staff" }},
		{"person and group", adm, models.EventFilter{Person: "李伟", Group: "VIP"},
			func(e *models.Event) bool { return strings.Contains(e.PersonName, "李伟") && e.GroupName == "VIP" }},
		{"person, shop and day range", adm, models.EventFilter{Person: "伟", ShopID: fx.b.ID, From: day1, To: day2},
			func(e *models.Event) bool {
				return e.PersonID == "伟" // one character: face ids only
			}},
		{"name, shop and day range", adm, models.EventFilter{Person: "张伟", ShopID: fx.b.ID, From: day1, To: day2},
			func(e *models.Event) bool {
				return e.PersonName == "张伟" && e.ShopID == fx.b.ID && !e.OccurredAt.Before(day1) && e.OccurredAt.Before(day2)
			}},
		{"group, shop and day range", adm, models.EventFilter{Group: "VIP", ShopID: fx.a.ID, From: day1, To: day2},
			func(e *models.Event) bool {
				return e.GroupName == "VIP" && e.ShopID == fx.a.ID && !e.OccurredAt.Before(day1) && e.OccurredAt.Before(day2)
			}},
		{"manager sees the person in their shop only", fx.mgr, models.EventFilter{Person: "Anna"},
			func(e *models.Event) bool { return e.PersonName == "Anna Müller" && e.ShopID == fx.a.ID }},
		{"manager, group and day range", fx.mgr, models.EventFilter{Group: "member", From: day2},
			func(e *models.Event) bool {
				return e.GroupKind == "member" && e.ShopID == fx.a.ID && !e.OccurredAt.Before(day2)
			}},
		{"manager asking for another shop gets nothing", fx.mgr, models.EventFilter{Group: "VIP", ShopID: fx.b.ID},
			func(e *models.Event) bool { return false }},
		{"LIKE wildcards are text", adm, models.EventFilter{Person: "%_"},
			func(e *models.Event) bool { return false }},
		{"FTS syntax is text", adm, models.EventFilter{Person: `"a" OR *`},
			func(e *models.Event) bool { return false }},
		{"no filter", adm, models.EventFilter{Kind: "motion"},
			func(e *models.Event) bool { return e.Kind == "motion" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := fx.all(t, tc.sc, tc.f)
			want := fx.want(tc.keep)
			if !slices.Equal(got, want) {
				t.Fatalf("got %v\nwant %v", got, want)
			}
		})
	}
}

// Going back a page (After) gives the previous page again, newest first.
func TestSearchEventsNewerPage(t *testing.T) {
	fx := newSearchFixture(t)
	ctx := context.Background()
	f := models.EventFilter{Group: "VIP", PerPage: 4}
	first, more, err := fx.st.SearchEvents(ctx, models.AllShops(), f)
	if err != nil || !more || len(first) != 4 {
		t.Fatalf("first page: %d %v %v", len(first), more, err)
	}
	c := models.CursorOf(first[3])
	f.Before = &c
	second, _, err := fx.st.SearchEvents(ctx, models.AllShops(), f)
	if err != nil || len(second) != 4 {
		t.Fatalf("second page: %d %v", len(second), err)
	}
	f.Before = nil
	c = models.CursorOf(second[0])
	f.After = &c
	back, more, err := fx.st.SearchEvents(ctx, models.AllShops(), f)
	if err != nil || more {
		t.Fatalf("back: more %v err %v", more, err)
	}
	if len(back) != 4 {
		t.Fatalf("back: %d events", len(back))
	}
	for i := range back {
		if back[i].ID != first[i].ID {
			t.Fatalf("back page %d = %d, want %d", i, back[i].ID, first[i].ID)
		}
	}
}

// Names matched by more than MaxNameArms names take the time-ordered walk
// and still find exactly the matching events.
func TestSearchEventsFrequentNamePart(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	sh := models.Shop{Name: "S"}
	if err := st.CreateShop(ctx, &sh); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []*models.Event
	for i := range models.MaxNameArms * 3 {
		name := fmt.Sprintf("王%04d", i)
		if i%3 == 0 {
			name = fmt.Sprintf("Li %04d", i)
		}
		evs = append(evs, &models.Event{ShopID: sh.ID, Vendor: "v", DedupeKey: fmt.Sprint(i), Kind: "face",
			OccurredAt: t0.Add(time.Duration(i) * time.Minute), ReceivedAt: t0, PersonName: name})
	}
	if _, err := st.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	fx := &searchFixture{st: st, events: evs}
	got := fx.all(t, models.AllShops(), models.EventFilter{Person: "王0"})
	want := fx.want(func(e *models.Event) bool { return strings.HasPrefix(e.PersonName, "王0") })
	if len(want) <= models.MaxNameArms || !slices.Equal(got, want) {
		t.Fatalf("got %d %v\nwant %d %v", len(got), got, len(want), want)
	}
	q, _, err := st.EventSearchSQL(ctx, models.AllShops(), models.EventFilter{Person: "王0"})
	if err != nil || !strings.Contains(q, "person_name IN (SELECT name FROM event_names") {
		t.Fatalf("frequent name part did not take the time-ordered walk: %v\n%s", err, q)
	}
}

// The query plan of every filter combination walks an index: never a
// SCAN of the events table, never a sort of all matching rows.
func TestSearchEventsPlanUsesIndexes(t *testing.T) {
	modelstest.SkipOnPostgres(t, "checks SQLite query plans (EXPLAIN QUERY PLAN, INDEXED BY)")
	fx := newSearchFixture(t)
	ctx := context.Background()
	db, _ := fx.st.DB().DB()
	day1, day2 := fx.day0.Add(24*time.Hour), fx.day0.Add(48*time.Hour)
	cur := &models.EventCursor{At: day2, ID: 1 << 40}
	type combo struct {
		name string
		f    models.EventFilter
		want []string
	}
	var combos []combo
	filters := []struct {
		name string
		f    models.EventFilter
		want []string
	}{
		{"name 2 chars", models.EventFilter{Person: "李伟"}, []string{"events_person_name_idx", "events_person_id_idx", "events_cloud_person_idx"}},
		{"name 3+ chars", models.EventFilter{Person: "欧阳娜"}, []string{"events_person_name_idx"}},
		{"face id", models.EventFilter{Person: "103"}, []string{"events_person_id_idx", "events_cloud_person_idx"}},
		{"group", models.EventFilter{Group: "VIP"}, []string{"events_group_name_idx", "events_group_kind_idx"}},
	}
	for _, fl := range filters {
		combos = append(combos, combo{fl.name, fl.f, fl.want})
		f := fl.f
		f.ShopID, f.From, f.To = fx.a.ID, day1, day2
		combos = append(combos, combo{fl.name + " + shop + days", f, fl.want})
		f.Before = cur
		combos = append(combos, combo{fl.name + " + shop + days, next page", f, fl.want})
		f.Before, f.After = nil, cur
		combos = append(combos, combo{fl.name + " + shop + days, newer page", f, fl.want})
	}
	for _, sc := range []struct {
		name string
		sc   models.Scope
	}{{"admin", models.AllShops()}, {"manager", fx.mgr}} {
		for _, c := range combos {
			t.Run(sc.name+" "+c.name, func(t *testing.T) {
				q, args, err := fx.st.EventSearchSQL(ctx, sc.sc, c.f)
				if err != nil {
					t.Fatal(err)
				}
				plan := queryPlan(t, db, q, args)
				for _, line := range plan {
					if strings.HasPrefix(line, "SCAN events") && !strings.Contains(line, "USING") {
						t.Errorf("plan scans the events table: %q\n%s", line, strings.Join(plan, "\n"))
					}
				}
				all := strings.Join(plan, "\n")
				for _, idx := range c.want {
					if !strings.Contains(all, idx) {
						t.Errorf("plan does not use %s:\n%s", idx, all)
					}
				}
				// Each arm walks its index in order and stops at the page
				// size: no sort inside an arm (the compound then sorts the
				// arms' few rows to merge them).
				inArm := false
				for _, line := range plan {
					switch {
					case strings.HasPrefix(line, "CO-ROUTINE (subquery"):
						inArm = true
					case strings.HasPrefix(line, "SCAN (subquery"):
						inArm = false
					case inArm && strings.Contains(line, "TEMP B-TREE"):
						t.Errorf("plan sorts inside an arm:\n%s", all)
					}
				}
			})
		}
	}
}

// The names holding a part of 3 characters or more come from the trigram
// index; shorter parts from the names table (one row per name), never from
// events.
func TestNameMatchPlan(t *testing.T) {
	modelstest.SkipOnPostgres(t, "checks the plan of the FTS5 trigram table")
	fx := newSearchFixture(t)
	db, _ := fx.st.DB().DB()
	for p, want := range map[string]string{"欧阳娜": "SCAN event_names_fts VIRTUAL TABLE INDEX", "李伟": "SCAN event_names"} {
		q, args := models.NameMatchSQL(p)
		plan := strings.Join(queryPlan(t, db, "SELECT name FROM event_names WHERE id IN ("+q+")", args), "\n")
		if !strings.Contains(plan, want) || strings.Contains(plan, " events") {
			t.Errorf("%s: plan\n%s\nwant %q", p, plan, want)
		}
	}
}

func queryPlan(t *testing.T, db *sql.DB, q string, args []any) []string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return out
}

// Migration 0010 on a database that already holds events: the names are
// backfilled, so the search finds them.
func TestEventSearchMigrationBackfills(t *testing.T) {
	modelstest.SkipOnPostgres(t, "replays SQLite migration 0010 on a file")
	path := filepath.Join(t.TempDir(), "old.db")
	st, err := models.Open(context.Background(), path, models.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	fx := fillSearchFixture(t, st)
	db, _ := st.DB().DB()
	// Back to the schema before 0010, events kept.
	for _, s := range []string{"DROP TABLE event_names_fts", "DROP TABLE event_names", "DROP TRIGGER events_name_ai",
		"DROP TRIGGER events_name_au", "DROP INDEX events_person_name_idx", "DROP INDEX events_person_id_idx",
		"DROP INDEX events_cloud_person_idx", "DROP INDEX events_group_name_idx", "DROP INDEX events_group_kind_idx", "DELETE FROM schema_migrations WHERE version = 10"} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(s, err)
		}
	}
	st.Close()
	st, err = models.Open(context.Background(), path, models.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("reapplying 0010: %v", err)
	}
	defer st.Close()
	fx.st = st
	got := fx.all(t, models.AllShops(), models.EventFilter{Person: "娜娜"})
	want := fx.want(func(e *models.Event) bool { return e.PersonName == "欧阳娜娜" })
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("after backfill got %v, want %v", got, want)
	}
}
