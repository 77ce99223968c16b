package traffic

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"storelens/internal/models"
	"storelens/internal/models/modelstest"
	"storelens/internal/vendors"
)

// The day and month rollups must agree with the hourly rows after any mix
// of syncs (today, not final), corrections (a vendor re-reporting a day
// with other numbers), backfills (runs of closed days, then the backfill's
// rebuild of their months): random operations on shops in two zones, then
// every rollup is compared with sums of traffic_hours, and every month
// report (read from the rollups) with the same range by day folded by
// hand. Seeds are fixed, so a failure repeats.
func TestRollupsAgreeWithHours(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) { rollupProperty(t, seed) })
	}
}

func rollupProperty(t *testing.T, seed uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rng := rand.New(rand.NewPCG(seed, 18))
	st := modelstest.Open(t, models.Options{Logger: slog.New(slog.DiscardHandler)})
	defer st.Close()
	zones := []string{"Asia/Shanghai", "Europe/Berlin", "UTC"}
	var shops []models.Shop
	for i := range 3 {
		sh := models.Shop{Name: fmt.Sprint("shop ", i), Timezone: zones[i]}
		if err := st.CreateShop(ctx, &sh); err != nil {
			t.Fatal(err)
		}
		shops = append(shops, sh)
	}
	first := vendors.Date{Year: 2025, Month: 12, Day: 20}
	const span = 75 // into March: three month ends, a February
	svc := &Service{Store: st, Now: func() time.Time { return first.AddDays(span).Start(time.UTC) }}
	haves := []vendors.Have{vendors.HaveFaceSplit | vendors.HaveTags, vendors.HaveLeft, vendors.HaveFaceSplit, vendors.HaveTags | vendors.HaveLeft}
	// Shops 1 and 2 report the same counters every day (as real vendors
	// do), each its own: their cut months are the month row minus the days
	// left out (cutMonth). Shop 0 mostly does, but one day in six other
	// ones: a month with such a day must be read by day.
	randomDay := func(shop int, d vendors.Date, loc *time.Location, final bool) vendors.TrafficDay {
		h := haves[shop]
		if shop == 0 && rng.IntN(6) == 0 {
			h = haves[rng.IntN(len(haves))]
		}
		day := vendors.TrafficDay{Date: d, Final: final, Have: vendors.HaveUnique}
		for i, start := range d.Hours(loc) {
			if rng.IntN(6) == 0 {
				continue // an hour the vendor did not report
			}
			e := int64(rng.IntN(60))
			if i < 7 {
				e = int64(rng.IntN(3))
			}
			face := e * int64(rng.IntN(4)) / 4
			c := vendors.TrafficCounts{Entries: e, PassersBy: int64(rng.IntN(100))}
			if h.Has(vendors.HaveFaceSplit) {
				c.EntriesFace, c.EntriesNoFace = face, e-face
			}
			if h.Has(vendors.HaveLeft) {
				c.Left = int64(rng.IntN(50))
			}
			if h.Has(vendors.HaveTags) {
				c.Strangers, c.Regulars = face/2, face/4
				c.Members = face - c.Strangers - c.Regulars
			}
			c.UniqTotal = e / 2
			day.Hours = append(day.Hours, vendors.TrafficHour{Start: start, Have: h | vendors.HaveUnique, TrafficCounts: c})
		}
		day.Day.UniqTotal = int64(rng.IntN(300)) // the day's own unique people, never a sum of hours
		return day
	}
	for op := range 160 {
		si := rng.IntN(len(shops))
		sh := shops[si]
		loc := Zone(sh.Timezone)
		d := first.AddDays(rng.IntN(span))
		switch k := rng.IntN(10); {
		case k < 4: // a sync of "today" (not final), later corrected
			if err := svc.save(ctx, sh.ID, loc, randomDay(si, d, loc, false)); err != nil {
				t.Fatal(err)
			}
		case k < 7: // a correction: the same day again, closed, other numbers
			if err := svc.save(ctx, sh.ID, loc, randomDay(si, d, loc, true)); err != nil {
				t.Fatal(err)
			}
		default: // a backfill chunk: a run of days, then its months rebuilt
			n := 1 + rng.IntN(backfillChunk+3)
			for i := range n {
				if err := svc.save(ctx, sh.ID, loc, randomDay(si, d.AddDays(i), loc, true)); err != nil {
					t.Fatal(err)
				}
			}
			if op%2 == 0 {
				if err := st.RebuildTrafficMonths(ctx, sh.ID, d.String(), d.AddDays(n-1).String()); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	db := st.DB().WithContext(ctx) // GORM: it spells the placeholders for either database
	// 1. Each day row's visits are its hours' sums.
	for _, sh := range shops {
		loc := Zone(sh.Timezone)
		rows, err := st.TrafficDayRows(ctx, []uint{sh.ID}, "0000", "9999")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			continue
		}
		for _, d := range rows {
			date, _ := vendors.ParseDate(d.Day)
			var c models.TrafficCounters
			err := db.Raw(`SELECT COALESCE(SUM(entries),0), COALESCE(SUM(entries_face),0), COALESCE(SUM(entries_no_face),0),
				COALESCE(SUM(passers_by),0), COALESCE(SUM(left_count),0), COALESCE(SUM(strangers),0), COALESCE(SUM(regulars),0), COALESCE(SUM(members),0)
				FROM traffic_hours WHERE shop_id = ? AND hour_start >= ? AND hour_start < ?`, sh.ID, date.Start(loc).Unix(), date.AddDays(1).Start(loc).Unix()).
				Row().Scan(&c.Entries, &c.EntriesFace, &c.EntriesNoFace, &c.PassersBy, &c.LeftCount, &c.Strangers, &c.Regulars, &c.Members)
			if err != nil {
				t.Fatal(err)
			}
			got := d.TrafficCounters
			got.UniqTotal, got.UniqStrangers, got.UniqRegulars, got.UniqMembers = 0, 0, 0, 0
			if got != c {
				t.Fatalf("shop %d %s: day row %+v, hours sum to %+v", sh.ID, d.Day, got, c)
			}
		}
	}
	// 2. Each month row is its days' sums, AND of haves, set of days; and
	// every month with days has a row.
	type month struct {
		days int64
		have uint8
		c    models.TrafficCounters
	}
	for _, sh := range shops {
		rows, _ := st.TrafficDayRows(ctx, []uint{sh.ID}, "0000", "9999")
		want := map[string]*month{}
		for _, d := range rows {
			m, ok := want[d.Day[:7]]
			if !ok {
				m = &month{have: 0xff}
				want[d.Day[:7]] = m
			}
			date, _ := vendors.ParseDate(d.Day)
			m.days |= 1 << (date.Day - 1)
			m.have &= d.Have
			m.c.Add(d.TrafficCounters)
		}
		var got []models.TrafficMonth
		if err := st.DB().Where("shop_id = ?", sh.ID).Order("month").Find(&got).Error; err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("shop %d: %d month rows, days span %d months", sh.ID, len(got), len(want))
		}
		for _, g := range got {
			w := want[g.Month]
			if w == nil || g.Days != w.days || g.Have != w.have || g.TrafficCounters != w.c {
				t.Fatalf("shop %d %s: month row %+v, days give %+v", sh.ID, g.Month, g, w)
			}
		}
	}
	// 3. A report by month (rollups for whole months, days for cut ones)
	// equals the same range by day folded by hand, for random ranges and
	// sets of shops; its comparison with the previous period too.
	for range 40 {
		from := first.AddDays(rng.IntN(span))
		to := from.AddDays(rng.IntN(span - first.DaysTo(from)))
		var ids []uint
		for _, sh := range shops {
			if rng.IntN(3) > 0 {
				ids = append(ids, sh.ID)
			}
		}
		q := Query{ShopIDs: ids, Location: time.UTC, From: from, To: to, Gran: ByDay}
		byDay, err := svc.Report(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		q.Gran = ByMonth
		byMonth, err := svc.Report(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var want []Row
		for _, r := range byDay.Rows {
			k := monthStart(r.Start)
			if len(want) == 0 || want[len(want)-1].Start != k {
				want = append(want, Row{Start: k, Label: fmt.Sprintf("%04d-%02d", k.Year, int(k.Month)), NoData: true})
			}
			if !r.NoData {
				fold(&want[len(want)-1], &r)
			}
		}
		if len(want) != len(byMonth.Rows) {
			t.Fatalf("%v..%v: %d month rows, want %d", from, to, len(byMonth.Rows), len(want))
		}
		for i, w := range want {
			g := byMonth.Rows[i]
			if g.Label != w.Label || g.NoData != w.NoData || g.Have != w.Have || g.Counts != w.Counts {
				t.Fatalf("%v..%v shops %v: month %s = %+v, days fold to %+v", from, to, ids, w.Label, g, w)
			}
		}
		if byMonth.Total != byDay.Total || byMonth.DaysWithData != byDay.DaysWithData {
			t.Fatalf("%v..%v: month report total %+v (%d days), by day %+v (%d days)", from, to, byMonth.Total, byMonth.DaysWithData,
				byDay.Total, byDay.DaysWithData)
		}
		// 4. The month report's days with data are the days any shop has.
		var n int
		err = db.Raw("SELECT COUNT(DISTINCT day) FROM traffic_days WHERE day BETWEEN ? AND ? AND shop_id IN ?",
			from.String(), to.String(), ids).Row().Scan(&n)
		if err != nil || n != byMonth.DaysWithData {
			t.Fatalf("%v..%v: %d days with data, the days table has %d (%v)", from, to, byMonth.DaysWithData, n, err)
		}
	}
}
