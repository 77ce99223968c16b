package alerts_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/alerts"
	"storelens/internal/models"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
)

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func (f *fixture) clocked(t *testing.T, clk *clock) *alerts.Service {
	f.sim.Now = clk.Now // DingTalk's signed timestamp is checked against it
	return f.service(t, func(c *alerts.Config) { c.Now = clk.Now })
}

// waitTicking waits like waitFor while the clock moves on (the worker
// waits for its clock to pass its next look).
func waitTicking(t *testing.T, clk *clock, d time.Duration, what string, ok func() bool) {
	t.Helper()
	waitFor(t, d, what, func() bool {
		clk.Add(10 * time.Millisecond)
		return ok()
	})
}

func checker(svc *alerts.Service, st *models.Store, clk *clock) *alerts.Checker {
	return &alerts.Checker{Alerts: svc, Traffic: &traffic.Service{Store: st, Now: clk.Now}}
}

func saveRule(t *testing.T, svc *alerts.Service, r models.AlertRule) models.AlertRule {
	t.Helper()
	if err := svc.SaveRule(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// outbox counts a shop's messages of a kind per channel.
func outbox(t *testing.T, st *models.Store, kind string) map[uint][]models.AlertOutbox {
	t.Helper()
	var rows []models.AlertOutbox
	if err := st.DB().Where("kind = ?", kind).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[uint][]models.AlertOutbox{}
	for _, r := range rows {
		out[r.ChannelID] = append(out[r.ChannelID], r)
	}
	return out
}

func camera(t *testing.T, st *models.Store, shop uint, name string) models.Camera {
	t.Helper()
	c := models.Camera{ShopID: shop, Vendor: "sunmi", SN: "SN-" + name, Name: name, Online: true}
	if err := st.DB().Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	return c
}

func check(t *testing.T, c *alerts.Checker) {
	t.Helper()
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A camera offline for N minutes makes exactly one message per channel of
// the rule (not before N minutes, not again on later checks, not again
// after a restart: a new service and checker), and back online one more
// per channel; the groups receive them once.
func TestOfflineRuleOnceThenBackOnline(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)}
	svc := f.clocked(t, clk)
	ding, wecom := f.channels(t, svc, f.shopA.ID, "a")
	saveRule(t, svc, models.AlertRule{ShopID: f.shopA.ID, Kind: alerts.RuleOffline, Enabled: true, Threshold: 10,
		Channels: []uint{ding.ID, wecom.ID}})
	cam := camera(t, f.st, f.shopA.ID, "收银台")
	other := camera(t, f.st, f.shopB.ID, "B门口") // shop B has no rule
	if _, err := f.st.RecordCameraStatus(ctx, cam.ID, false, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.RecordCameraStatus(ctx, other.ID, false, clk.Now()); err != nil {
		t.Fatal(err)
	}
	c := checker(svc, f.st, clk)
	clk.Add(9 * time.Minute)
	check(t, c)
	if n := len(outbox(t, f.st, alerts.RuleOffline)); n != 0 {
		t.Fatalf("offline 9 minutes: %d channels got a message", n)
	}
	clk.Add(2 * time.Minute)
	check(t, c)
	check(t, c)
	// A restart: a new service and checker check again.
	svc2 := f.clocked(t, clk)
	check(t, checker(svc2, f.st, clk))
	got := outbox(t, f.st, alerts.RuleOffline)
	if len(got) != 2 || len(got[ding.ID]) != 1 || len(got[wecom.ID]) != 1 {
		t.Fatalf("offline messages per channel %v, want one on each of 2", got)
	}
	m := got[ding.ID][0]
	if want := fmt.Sprintf("offline:camera-%d:%d", cam.ID, clk.Now().Add(-11*time.Minute).Unix()); m.DedupeKey != want {
		t.Fatalf("dedupe key %q, want %q", m.DedupeKey, want)
	}
	if !strings.Contains(m.Body, "收银台") || !strings.Contains(m.Body, "2026-12-07 11:00") {
		t.Fatalf("body lacks the camera or the shop time:\n%s", m.Body)
	}
	if _, err := f.st.RecordCameraStatus(ctx, cam.ID, true, clk.Now()); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	check(t, c)
	check(t, checker(f.clocked(t, clk), f.st, clk))
	got = outbox(t, f.st, alerts.RuleOffline)
	if len(got[ding.ID]) != 2 || len(got[wecom.ID]) != 2 || !strings.HasPrefix(got[wecom.ID][1].DedupeKey, "online:camera-") {
		t.Fatalf("after back online %v, want offline+online on each channel", got)
	}
	// Offline again later: a new happening (a new since), one more each.
	if _, err := f.st.RecordCameraStatus(ctx, cam.ID, false, clk.Now()); err != nil {
		t.Fatal(err)
	}
	clk.Add(15 * time.Minute)
	check(t, c)
	if got = outbox(t, f.st, alerts.RuleOffline); len(got[ding.ID]) != 3 {
		t.Fatalf("second outage: ding has %d messages, want 3", len(got[ding.ID]))
	}
	stop := run(t, svc)
	defer stop()
	waitTicking(t, clk, 5*time.Second, "the groups", func() bool {
		return len(f.group("ding-a").Received()) == 3 && len(f.group("wecom-a").Received()) == 3
	})
	time.Sleep(150 * time.Millisecond)
	if d, w := len(f.group("ding-a").Received()), len(f.group("wecom-a").Received()); d != 3 || w != 3 {
		t.Fatalf("groups got %d and %d, want 3 each", d, w)
	}
}

// The on-site connector offline for N minutes, and back (chain mode).
func TestOfflineRuleConnector(t *testing.T) {
	f := newFixture(t)
	clk := &clock{t: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)}
	svc := f.clocked(t, clk)
	ding, _ := f.channels(t, svc, f.shopA.ID, "a")
	saveRule(t, svc, models.AlertRule{ShopID: f.shopA.ID, Kind: alerts.RuleOffline, Enabled: true, Threshold: 5, Channels: []uint{ding.ID}})
	down := clk.Now()
	online := false
	c := checker(svc, f.st, clk)
	c.Connectors = func(_ context.Context, shop uint) (uint, bool, bool, time.Time, error) {
		return 7, shop == f.shopA.ID, online, down, nil
	}
	clk.Add(6 * time.Minute)
	check(t, c)
	check(t, c)
	online = true
	check(t, c)
	check(t, c)
	got := outbox(t, f.st, alerts.RuleOffline)[ding.ID]
	if len(got) != 2 || got[0].DedupeKey != fmt.Sprintf("offline:connector-7:%d", down.Unix()) ||
		got[1].DedupeKey != fmt.Sprintf("online:connector-7:%d", down.Unix()) {
		t.Fatalf("connector messages %+v", got)
	}
}

// saveDay stores a shop day's hours (entries per local hour) and its day row.
func saveDay(t *testing.T, st *models.Store, shop uint, tz *time.Location, d vendors.Date, perHour map[int]int64) {
	t.Helper()
	var hours []models.TrafficHour
	var day models.TrafficDay
	day.ShopID, day.Day, day.Have = shop, d.String(), 0xff
	for h, n := range perHour {
		at := time.Date(d.Year, d.Month, d.Day, h, 0, 0, 0, tz)
		hours = append(hours, models.TrafficHour{ShopID: shop, HourStart: at.Unix(), Have: 0xff,
			TrafficCounters: models.TrafficCounters{Entries: n}})
		day.Entries += n
	}
	if err := st.SaveTrafficDay(context.Background(), day, d.Start(tz).Unix(), d.AddDays(1).Start(tz).Unix(), hours, nil); err != nil {
		t.Fatal(err)
	}
}

func hoursOf(from, to int, n int64) map[int]int64 {
	m := map[int]int64{}
	for h := from; h < to; h++ {
		m[h] = n
	}
	return m
}

// The drop rule compares today's entries up to the current shop hour with
// the same hours of the earlier same weekdays, in the shop's zone (New
// York here, not UTC): the evening before (in the UTC day) is not today.
func TestDropRuleInShopTime(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ny, _ := time.LoadLocation("America/New_York")
	shop := models.Shop{Name: "纽约店", Timezone: "America/New_York"}
	if err := f.st.CreateShop(ctx, &shop); err != nil {
		t.Fatal(err)
	}
	// Monday 2026-12-07 10:30 in New York = 15:30 UTC.
	clk := &clock{t: time.Date(2026, 12, 7, 10, 30, 0, 0, ny)}
	svc := f.clocked(t, clk)
	ding, wecom := f.channels(t, svc, shop.ID, "ny")
	r := saveRule(t, svc, models.AlertRule{ShopID: shop.ID, Kind: alerts.RuleDrop, Enabled: true, Threshold: 30,
		Channels: []uint{ding.ID, wecom.ID}})
	today := vendors.Date{Year: 2026, Month: 12, Day: 7}
	for w := 1; w <= 4; w++ {
		// 10 an hour all day on the earlier Mondays: 100 by 10:00.
		saveDay(t, f.st, shop.ID, ny, today.AddDays(-7*w), hoursOf(0, 24, 10))
	}
	// Yesterday evening (local 19:00-24:00, in today's UTC day): busy.
	saveDay(t, f.st, shop.ID, ny, today.AddDays(-1), hoursOf(19, 24, 500))
	saveDay(t, f.st, shop.ID, ny, today, hoursOf(0, 10, 6)) // 60 by 10:00: 40 % below
	c := checker(svc, f.st, clk)
	d, err := c.Drop(ctx, r, ny, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if d.Hour != 10 || d.Today != 60 || d.Average != 100 || d.Weeks != 4 || d.Percent != 40 || !d.Triggering || d.Date != today {
		t.Fatalf("drop check %+v", d)
	}
	check(t, c)
	clk.Add(time.Hour) // 11:30: checked again, still one message a day
	saveDay(t, f.st, shop.ID, ny, today, hoursOf(0, 11, 6))
	check(t, c)
	check(t, checker(f.clocked(t, clk), f.st, clk))
	got := outbox(t, f.st, alerts.RuleDrop)
	if len(got) != 2 || len(got[ding.ID]) != 1 || len(got[wecom.ID]) != 1 {
		t.Fatalf("drop messages %v, want one on each channel", got)
	}
	if m := got[ding.ID][0]; m.DedupeKey != fmt.Sprintf("drop:%d:2026-12-07", shop.ID) || !strings.Contains(m.Body, "**60**") ||
		!strings.Contains(m.Body, "**40%**") || !strings.Contains(m.Body, "10:00") {
		t.Fatalf("drop message %q:\n%s", m.DedupeKey, m.Body)
	}
	// A sync behind (numbers until 08:00 only): compared until 08:00, not
	// as if 08:00-10:00 had nobody.
	saveDay(t, f.st, shop.ID, ny, today, hoursOf(0, 8, 10))
	if d, _ := c.Drop(ctx, r, ny, time.Date(2026, 12, 7, 10, 30, 0, 0, ny)); d.Hour != 8 || d.Today != 80 || d.Average != 80 || d.Triggering {
		t.Fatalf("behind sync: %+v", d)
	}
	// Only 20 % below: no message (another shop day, a higher threshold).
	r.Threshold = 50
	if d, _ := c.Drop(ctx, r, ny, time.Date(2026, 12, 7, 10, 30, 0, 0, ny)); d.Triggering {
		t.Fatalf("40 %% below triggered a 50 %% rule: %+v", d)
	}
}

// The daily summary goes once at its shop time (not before, not twice in
// the window, again the next day).
func TestDailySummaryOnceAtItsTime(t *testing.T) {
	f := newFixture(t)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	clk := &clock{t: time.Date(2026, 12, 7, 20, 59, 0, 0, sh)}
	svc := f.clocked(t, clk)
	ding, wecom := f.channels(t, svc, f.shopA.ID, "a")
	saveRule(t, svc, models.AlertRule{ShopID: f.shopA.ID, Kind: alerts.RuleDaily, Enabled: true, AtMinute: 21 * 60,
		Channels: []uint{ding.ID, wecom.ID}})
	saveDay(t, f.st, f.shopA.ID, sh, vendors.Date{Year: 2026, Month: 12, Day: 7}, hoursOf(9, 21, 7))
	c := checker(svc, f.st, clk)
	check(t, c)
	if n := len(outbox(t, f.st, alerts.RuleDaily)); n != 0 {
		t.Fatalf("before its time: %d", n)
	}
	clk.Set(time.Date(2026, 12, 7, 21, 0, 0, 0, sh))
	check(t, c)
	clk.Add(30 * time.Minute)
	check(t, c)
	check(t, checker(f.clocked(t, clk), f.st, clk))
	got := outbox(t, f.st, alerts.RuleDaily)
	if len(got) != 2 || len(got[ding.ID]) != 1 || len(got[wecom.ID]) != 1 {
		t.Fatalf("daily %v, want one on each channel", got)
	}
	if m := got[ding.ID][0]; m.DedupeKey != fmt.Sprintf("daily:%d:2026-12-07", f.shopA.ID) || !strings.Contains(m.Body, "**84**") ||
		!strings.Contains(m.Body, "截至 21:00") {
		t.Fatalf("daily %q:\n%s", m.DedupeKey, m.Body)
	}
	clk.Set(time.Date(2026, 12, 8, 21, 5, 0, 0, sh))
	check(t, c)
	if got = outbox(t, f.st, alerts.RuleDaily); len(got[ding.ID]) != 2 {
		t.Fatalf("next day: %d", len(got[ding.ID]))
	}
}

// The weekly report on Monday: its numbers equal the traffic report's (the
// report page's day rows and total) for that week and the one before, the
// rank is the chain's by entries, and its chart is a PNG.
func TestWeeklyReportNumbersEqualReport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	clk := &clock{t: time.Date(2026, 12, 7, 9, 30, 0, 0, sh)} // Monday
	svc := f.clocked(t, clk)
	ding, _ := f.channels(t, svc, f.shopA.ID, "a")
	saveRule(t, svc, models.AlertRule{ShopID: f.shopA.ID, Kind: alerts.RuleWeekly, Enabled: true, AtMinute: 9 * 60, Channels: []uint{ding.ID}})
	week := vendors.Date{Year: 2026, Month: 11, Day: 30}
	for i := 0; i < 7; i++ {
		saveDay(t, f.st, f.shopA.ID, sh, week.AddDays(i), hoursOf(10, 12+i, 3))        // 6, 9, ... 24
		saveDay(t, f.st, f.shopA.ID, sh, week.AddDays(i-7), hoursOf(10, 11, int64(i))) // 0..6
		saveDay(t, f.st, f.shopB.ID, sh, week.AddDays(i), hoursOf(10, 20, 50))         // B is busier
	}
	c := checker(svc, f.st, clk)
	check(t, c)
	check(t, c)
	got := outbox(t, f.st, alerts.RuleWeekly)[ding.ID]
	if len(got) != 1 {
		t.Fatalf("weekly messages %d, want 1", len(got))
	}
	m := got[0]
	if m.DedupeKey != fmt.Sprintf("weekly:%d:2026-11-30", f.shopA.ID) {
		t.Fatalf("key %q", m.DedupeKey)
	}
	ts := &traffic.Service{Store: f.st, Now: clk.Now}
	q := traffic.Query{ShopIDs: []uint{f.shopA.ID}, Location: sh, From: week, To: week.AddDays(6), Gran: traffic.ByDay}
	rep, err := ts.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	prev, err := ts.Report(ctx, q.Previous())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Body, fmt.Sprintf("本周进店 **%d** 人，上周 %d 人", rep.Total.Counts.Entries, prev.Total.Counts.Entries)) {
		t.Fatalf("totals not the report's (%d, %d):\n%s", rep.Total.Counts.Entries, prev.Total.Counts.Entries, m.Body)
	}
	for i, row := range rep.Rows {
		line := fmt.Sprintf("%s：%d（上周 %d）", row.Start, row.Counts.Entries, prev.Rows[i].Counts.Entries)
		if !strings.Contains(m.Body, line) {
			t.Errorf("day %s: body lacks %q", row.Start, line)
		}
	}
	if !strings.Contains(m.Body, "第 2 / 2 名") {
		t.Errorf("rank missing:\n%s", m.Body)
	}
	if !strings.HasPrefix(m.PictureURL, fmt.Sprintf("https://storelens.example/alerts/report/%d/2026-11-30/", f.shopA.ID)) {
		t.Fatalf("picture %q", m.PictureURL)
	}
	sig := strings.TrimSuffix(m.PictureURL[strings.LastIndex(m.PictureURL, "/")+1:], ".png")
	if !svc.CheckReportSig(f.shopA.ID, week, sig) || svc.CheckReportSig(f.shopB.ID, week, sig) {
		t.Fatal("report link signature not checked")
	}
	b, err := c.WeeklyPNG(ctx, f.shopA.ID, week)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if s := img.Bounds().Size(); s.X < 600 || s.X > 1200 || s.Y < 300 || s.Y > 800 || len(b) > 2<<20 {
		t.Fatalf("chart %v, %d bytes", s, len(b))
	}
	// Not Monday: nothing.
	clk.Set(time.Date(2026, 12, 8, 9, 30, 0, 0, sh))
	check(t, c)
	if n := len(outbox(t, f.st, alerts.RuleWeekly)[ding.ID]); n != 1 {
		t.Fatalf("Tuesday: %d", n)
	}
}

// Quiet hours: the offline messages made in them are held until they end
// (shop time), then go as one summary when many; the VIP rule without
// quiet hours is sent at once meanwhile.
func TestQuietHoursHoldAndRelease(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	clk := &clock{t: time.Date(2026, 12, 7, 23, 0, 0, 0, sh)}
	svc := f.clocked(t, clk)
	ding, wecom := f.channels(t, svc, f.shopA.ID, "a")
	saveRule(t, svc, models.AlertRule{ShopID: f.shopA.ID, Kind: alerts.RuleOffline, Enabled: true, Threshold: 10,
		QuietFrom: 22 * 60, QuietTo: 8 * 60, Channels: []uint{ding.ID, wecom.ID}})
	saveRule(t, svc, models.AlertRule{ShopID: f.shopA.ID, Kind: alerts.RuleVIP, Enabled: true, Channels: []uint{ding.ID}})
	for i := 0; i < 4; i++ {
		cam := camera(t, f.st, f.shopA.ID, fmt.Sprintf("cam%d", i))
		if _, err := f.st.RecordCameraStatus(ctx, cam.ID, false, clk.Now().Add(-20*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	c := checker(svc, f.st, clk)
	check(t, c)
	held := outbox(t, f.st, alerts.RuleOffline)
	release := time.Date(2026, 12, 8, 8, 0, 0, 0, sh)
	for _, id := range []uint{ding.ID, wecom.ID} {
		if len(held[id]) != 4 {
			t.Fatalf("channel %d: %d held, want 4", id, len(held[id]))
		}
		for _, o := range held[id] {
			if !o.Held || !o.NextAt.Equal(release) {
				t.Fatalf("not held until 08:00: %+v", o)
			}
		}
	}
	stop := run(t, svc)
	defer stop()
	svc.Publish(vip(f.shopA.ID, "王五")) // VIP: no quiet hours, ding only
	waitTicking(t, clk, 5*time.Second, "the VIP message", func() bool { return len(f.group("ding-a").Received()) == 1 })
	time.Sleep(200 * time.Millisecond)
	if n := len(f.group("wecom-a").Received()); n != 0 {
		t.Fatalf("in quiet hours wecom got %d (the VIP rule is ding only, offline held)", n)
	}
	if got := f.group("ding-a").Received(); !strings.Contains(got[0].Text, "王五") {
		t.Fatalf("ding got %q before the release", got[0].Text)
	}
	clk.Set(release)
	waitTicking(t, clk, 5*time.Second, "the release", func() bool {
		return len(f.group("ding-a").Received()) == 2 && len(f.group("wecom-a").Received()) == 1
	})
	time.Sleep(200 * time.Millisecond)
	w := f.group("wecom-a").Received()
	if len(w) != 1 || !strings.Contains(w[0].Text, "免打扰时段内的 4 条提醒") {
		t.Fatalf("wecom after release: %d messages, first %+v", len(w), w)
	}
	for i := 0; i < 4; i++ {
		if !strings.Contains(w[0].Text, fmt.Sprintf("cam%d", i)) {
			t.Errorf("summary lacks cam%d", i)
		}
	}
}

func TestQuietUntil(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	r := models.AlertRule{QuietFrom: 22 * 60, QuietTo: 8 * 60}
	for _, tc := range []struct {
		at   time.Time
		want time.Time
	}{
		{time.Date(2026, 12, 7, 21, 59, 0, 0, sh), time.Time{}},
		{time.Date(2026, 12, 7, 22, 0, 0, 0, sh), time.Date(2026, 12, 8, 8, 0, 0, 0, sh)},
		{time.Date(2026, 12, 8, 7, 59, 0, 0, sh), time.Date(2026, 12, 8, 8, 0, 0, 0, sh)},
		{time.Date(2026, 12, 8, 8, 0, 0, 0, sh), time.Time{}},
	} {
		got, ok := alerts.QuietUntil(r, tc.at, sh)
		if ok != !tc.want.IsZero() || (ok && !got.Equal(tc.want)) {
			t.Errorf("at %v: %v %v, want %v", tc.at, got, ok, tc.want)
		}
	}
	day := models.AlertRule{QuietFrom: 12 * 60, QuietTo: 14 * 60}
	if got, ok := alerts.QuietUntil(day, time.Date(2026, 12, 7, 13, 0, 0, 0, sh), sh); !ok || got.Hour() != 14 {
		t.Errorf("midday quiet: %v %v", got, ok)
	}
	if _, ok := alerts.QuietUntil(models.AlertRule{}, time.Now(), sh); ok {
		t.Error("no quiet hours held")
	}
}

// Bad rules are refused: minutes 0, a clock past 23:59, another shop's channel.
func TestRuleChecks(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, nil)
	_, wb := f.channels(t, svc, f.shopB.ID, "b")
	for _, r := range []models.AlertRule{
		{ShopID: f.shopA.ID, Kind: alerts.RuleOffline, Threshold: 0},
		{ShopID: f.shopA.ID, Kind: alerts.RuleDrop, Threshold: 100},
		{ShopID: f.shopA.ID, Kind: alerts.RuleDaily, AtMinute: 24 * 60},
		{ShopID: f.shopA.ID, Kind: alerts.RuleVIP, Channels: []uint{wb.ID}},
		{ShopID: f.shopA.ID, Kind: "nope"},
	} {
		if err := svc.SaveRule(context.Background(), &r); err == nil {
			t.Errorf("rule %+v saved", r)
		}
	}
	if _, ok := alerts.ParseClock("25:00"); ok {
		t.Error("25:00 parsed")
	}
	if m, ok := alerts.ParseClock("08:30"); !ok || m != 510 {
		t.Errorf("08:30 = %d %v", m, ok)
	}
}
