package handlers_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"storelens/internal/models"
)

var playFromRe = regexp.MustCompile(`data-testid="recording-list">(?s:(.*?))</ul>`)
var fromRe = regexp.MustCompile(`data-play-from="(\d+)"`)

// recordingStarts are the starts (Unix) of a recordings page's list.
func recordingStarts(t *testing.T, r result) []int64 {
	t.Helper()
	m := playFromRe.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no recording list\n%s", excerpt(r.body))
	}
	var out []int64
	for _, x := range fromRe.FindAllStringSubmatch(m[1], -1) {
		n, _ := strconv.ParseInt(x[1], 10, 64)
		out = append(out, n)
	}
	return out
}

// The recordings are paged by day of the shop's time zone: a day's list
// holds that day's recordings only, whole (no clipping list), with links
// to the day before and after (none after today), and a bad date says so.
func TestRecordingsPagedByDay(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	// A zone far from the server's and from UTC, to see whose days they are.
	sh := a.shopA
	sh.Timezone = "America/Los_Angeles"
	if err := a.st.UpdateShop(ctx, &sh); err != nil {
		t.Fatal(err)
	}
	tz, _ := time.LoadLocation(sh.Timezone)
	admin := a.login("admin", adminPW)
	door := camPath(a.shopA.ID, a.camera(a.shopA.ID, "C201D8BS00101").ID)
	now := time.Now().In(tz)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, tz)
	ymd := func(d time.Time) string { return d.Format("2006-01-02") }

	day := today.AddDate(0, 0, -2)
	r := admin.get(door + "/recordings?date=" + ymd(day))
	if r.status != http.StatusOK {
		t.Fatalf("%d\n%s", r.status, excerpt(r.body))
	}
	r.has(t, `href="`+door+`/recordings?date=`+ymd(day.AddDate(0, 0, -1))+`" rel="prev"`,
		`href="`+door+`/recordings?date=`+ymd(day.AddDate(0, 0, 1))+`" rel="next"`, `data-testid="day-today"`,
		day.Format("Mon 2 Jan 2006"), "America/Los_Angeles")
	r.lacks(t, `class="rec-list`)
	starts := recordingStarts(t, r)
	if len(starts) < 5 {
		t.Fatalf("%d recordings on a whole day", len(starts))
	}
	end := day.AddDate(0, 0, 1)
	for _, s := range starts {
		if s < day.Unix() || s >= end.Unix() {
			t.Fatalf("recording at %s on the page of %s", time.Unix(s, 0).In(tz), ymd(day))
		}
	}
	// The day before: its own recordings, none of this day's.
	prev := admin.get(door + "/recordings?date=" + ymd(day.AddDate(0, 0, -1)))
	for _, s := range recordingStarts(t, prev) {
		if s >= day.Unix() || s < day.AddDate(0, 0, -1).Unix() {
			t.Fatalf("the day before lists %s", time.Unix(s, 0).In(tz))
		}
	}
	// Today: no day after it.
	r = admin.get(door + "/recordings")
	r.has(t, `href="`+door+`/recordings?date=`+ymd(today.AddDate(0, 0, -1))+`" rel="prev"`, today.Format("Mon 2 Jan 2006"))
	r.lacks(t, `rel="next"`, `data-testid="day-today"`)
	// In Chinese.
	admin.lang = "zh-CN"
	admin.get(door+"/recordings?date="+ymd(day)).has(t,
		strconv.Itoa(day.Year())+"年"+strconv.Itoa(int(day.Month()))+"月"+strconv.Itoa(day.Day())+"日 周"+string([]rune("日一二三四五六")[day.Weekday()]))
	admin.lang = "en"
	// Bad dates: said, and today shown.
	for q, msg := range map[string]string{"2026-13-40": "is not a date: showing today.", ymd(today.AddDate(0, 0, 3)): "That day has not come yet"} {
		r = admin.get(door + "/recordings?date=" + q)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, msg) {
			t.Fatalf("%s: %d %v\n%s", q, r.status, strings.Contains(r.body, msg), excerpt(r.body))
		}
		r.has(t, `value="`+ymd(today)+`"`)
	}
}

// The wall's online cameras play as it opens, muted and inline; a
// refused start shows a play button (video.js), offline ones wait.
func TestWallAutoplaysMuted(t *testing.T) {
	a := newTestApp(t)
	admin := a.login("admin", adminPW)
	r := admin.get("/shops/" + itoa(a.shopA.ID) + "/wall")
	if r.status != http.StatusOK {
		t.Fatalf("%d", r.status)
	}
	if n := strings.Count(r.body, `<video muted playsinline autoplay controls`); n != 1 { // Door is on line, Till is not
		t.Fatalf("%d autoplaying tiles\n%s", n, excerpt(r.body))
	}
	if n := strings.Count(r.body, `data-autoplay`); n != 1 {
		t.Fatalf("%d tiles start by themselves", n)
	}
	r.has(t, `data-msg-play="Play"`, "The cameras on line play here muted")
	// A shop with no camera: what the wall is for, and where to add one.
	sh := models.Shop{Name: "Empty shop"}
	if err := a.st.CreateShop(context.Background(), &sh); err != nil {
		t.Fatal(err)
	}
	admin.get("/shops/"+itoa(sh.ID)+"/wall").has(t, `data-testid="wall-empty"`, "Bind the shop&#39;s cameras",
		`href="/shops/`+itoa(sh.ID)+`" data-testid="wall-empty-action"`)
}
