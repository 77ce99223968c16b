package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"storelens/internal/alerts"
	"storelens/internal/handlers"
	"storelens/internal/models"
	"storelens/internal/secrets"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
)

func saveTrafficDay(t *testing.T, st *models.Store, shop uint, tz *time.Location, d vendors.Date, entries []int64) {
	t.Helper()
	day := models.TrafficDay{ShopID: shop, Day: d.String(), Have: 0xff, Final: true}
	var hours []models.TrafficHour
	for i, n := range entries {
		at := time.Date(d.Year, d.Month, d.Day, 10+i, 0, 0, 0, tz)
		hours = append(hours, models.TrafficHour{ShopID: shop, HourStart: at.Unix(), Have: 0xff,
			TrafficCounters: models.TrafficCounters{Entries: n, PassersBy: 2 * n}})
		day.Entries += n
		day.PassersBy += 2 * n
	}
	if err := st.SaveTrafficDay(context.Background(), day, d.Start(tz).Unix(), d.AddDays(1).Start(tz).Unix(), hours, nil); err != nil {
		t.Fatal(err)
	}
}

// The weekly report's numbers equal the traffic report page's for that
// week (its day rows and total, read from the page's CSV and the page),
// and its chart link serves a PNG only with the right signature.
func TestWeeklyReportEqualsReportPage(t *testing.T) {
	var svc *alerts.Service
	var chk *alerts.Checker
	a := newTestApp(t, func(a *testApp, d *handlers.Deps) {
		ts := &traffic.Service{Store: a.st, Accounts: d.Accounts, Log: slog.New(slog.DiscardHandler)}
		d.Traffic = handlers.TrafficDeps{Service: ts}
		box, _ := secrets.New(bytes.Repeat([]byte{7}, 32))
		svc = alerts.New(alerts.Config{Store: a.st, Box: box, PublicURL: "https://storelens.example", PictureKey: []byte("k")})
		chk = &alerts.Checker{Alerts: svc, Traffic: ts}
		d.Alerts = handlers.AlertsDeps{Service: svc, Rules: chk}
	})
	tz := zoneOf(t, a.shopA.Timezone)
	week := alerts.WeekOf(time.Now(), tz)
	for i := 0; i < 7; i++ {
		saveTrafficDay(t, a.st, a.shopA.ID, tz, week.AddDays(i), []int64{int64(3 + i), int64(10 * i)})
		saveTrafficDay(t, a.st, a.shopA.ID, tz, week.AddDays(i-7), []int64{int64(20 - i)})
		saveTrafficDay(t, a.st, a.shopB.ID, tz, week.AddDays(i), []int64{1})
	}
	ctx := context.Background()
	w, err := chk.WeeklyFigures(ctx, a.shopA.ID, tz, week)
	if err != nil {
		t.Fatal(err)
	}
	m := chk.WeeklyMessage(w, a.shopA.ID, a.shopA.Name)
	b := a.login("manager", managerPW)
	path := fmt.Sprintf("/shops/%d/traffic", a.shopA.ID)
	q := fmt.Sprintf("?preset=custom&from=%s&to=%s&gran=day", week, week.AddDays(6))
	recs := readCSV(t, b.get(path+"/report.csv"+q).body)
	col := slices.Index(recs[0], "Entered")
	if col < 1 {
		t.Fatalf("CSV header %v", recs[0])
	}
	var days [][]string
	for _, rec := range recs[1:] {
		if _, err := vendors.ParseDate(rec[0]); err == nil {
			days = append(days, rec)
		}
	}
	if len(days) != 7 {
		t.Fatalf("CSV days %v", recs)
	}
	var total int64
	for i, rec := range days {
		var n int64
		fmt.Sscan(rec[col], &n)
		total += n
		if !strings.Contains(m.Markdown, fmt.Sprintf("%s：%s（上周", rec[0], rec[col])) {
			t.Errorf("day %s: the page says %s entries; the message:\n%s", rec[0], rec[col], m.Markdown)
		}
		if w.This[i] != n {
			t.Errorf("day %s: figures %d, page %d", rec[0], w.This[i], n)
		}
	}
	if !strings.Contains(m.Markdown, fmt.Sprintf("本周进店 **%d** 人", total)) {
		t.Fatalf("total %d not in the message:\n%s", total, m.Markdown)
	}
	b.get(path+q).has(t, fmt.Sprintf("<b>%d</b>", total))
	// The week before, as the page shows it.
	pq := fmt.Sprintf("?preset=custom&from=%s&to=%s&gran=day", week.AddDays(-7), week.AddDays(-1))
	var prior int64
	for _, rec := range readCSV(t, b.get(path+"/report.csv"+pq).body)[1:] {
		if _, err := vendors.ParseDate(rec[0]); err == nil {
			var n int64
			fmt.Sscan(rec[col], &n)
			prior += n
		}
	}
	if !strings.Contains(m.Markdown, fmt.Sprintf("上周 %d 人", prior)) || !strings.Contains(m.Markdown, "第 1 / 2 名") {
		t.Fatalf("prior %d or rank not in the message:\n%s", prior, m.Markdown)
	}
	// The chart: signed link, no sign-in; a changed signature is a 404.
	link := strings.TrimPrefix(m.PictureURL, "https://storelens.example")
	if link == m.PictureURL || !strings.HasSuffix(link, ".png") {
		t.Fatalf("picture link %q", m.PictureURL)
	}
	anon := a.browser()
	r := anon.get(link)
	if r.status != http.StatusOK {
		t.Fatalf("chart: %d", r.status)
	}
	img, err := png.Decode(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if s := img.Bounds().Size(); s.X < 600 || s.Y < 300 || s.X > 1200 || s.Y > 800 {
		t.Fatalf("chart size %v", s)
	}
	bad := link[:len(link)-5] + "0.png"
	if link[len(link)-5] == '0' {
		bad = link[:len(link)-5] + "1.png"
	}
	if r := anon.get(bad); r.status != http.StatusNotFound {
		t.Fatalf("tampered chart link: %d", r.status)
	}
	other := strings.Replace(link, fmt.Sprintf("/report/%d/", a.shopA.ID), fmt.Sprintf("/report/%d/", a.shopB.ID), 1)
	if r := anon.get(other); r.status != http.StatusNotFound {
		t.Fatalf("another shop's chart with A's signature: %d", r.status)
	}
}

func zoneOf(t *testing.T, name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}
