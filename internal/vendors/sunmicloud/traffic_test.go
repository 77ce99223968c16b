package sunmicloud_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmicloud/sim"
)

// clockAt is 2026-01-10 10:30 in Shanghai (02:30 UTC): a server in UTC
// would still think it is the same date, one in Los Angeles the 9th.
var clockAt = time.Date(2026, 1, 10, 2, 30, 0, 0, time.UTC)

func trafficSetup(t *testing.T) (*sunmicloud.Client, *sim.Server) {
	t.Helper()
	now := func() time.Time { return clockAt }
	s := sim.New(sim.Options{Now: now})
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	s.AddApp(appID, secret)
	s.AddShop(sim.Shop{ShopNo: shopNo, ShopID: "10096", CompanyNo: "560279010300", Name: "前门店", AppID: appID})
	s.SetTraffic(shopNo, sim.TrafficProfile{Seed: 42, Size: 30})
	c, err := sunmicloud.NewClient(vendors.Account{BaseURL: srv.URL + "/openapi", AppID: appID, Secret: secret}, srv.Client(),
		sunmicloud.WithClock(now), sunmicloud.WithBackoff(func(context.Context, time.Duration) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func mustLoc(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func callsTo(s *sim.Server, path string) []sim.Call {
	var out []sim.Call
	for _, c := range s.Calls() {
		if c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// 65 days: getTrendByDay in 30-day spans (30 + 30 + 5), one hour trend and
// one groupByGender per day; every day is the shop's day.
func TestTrafficDaysSplitsRanges(t *testing.T) {
	c, s := trafficSetup(t)
	sh := mustLoc(t, "Asia/Shanghai")
	target := vendors.TrafficTarget{Shop: shop, Location: sh}
	from, to := vendors.Date{Year: 2025, Month: 11, Day: 5}, vendors.Date{Year: 2026, Month: 1, Day: 8}
	days, err := c.TrafficDays(context.Background(), target, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 65 || days[0].Date != from || days[64].Date != to {
		t.Fatalf("%d days, %v..%v", len(days), days[0].Date, days[len(days)-1].Date)
	}
	spans := callsTo(s, "/passengerFlow/stat/history/getTrendByDay")
	want := [][2]string{{"2025-11-05", "2025-12-04"}, {"2025-12-05", "2026-01-03"}, {"2026-01-04", "2026-01-08"}}
	if len(spans) != len(want) {
		t.Fatalf("getTrendByDay called %d times", len(spans))
	}
	for i, w := range want {
		if spans[i].Params["start_time"] != w[0] || spans[i].Params["end_time"] != w[1] {
			t.Errorf("span %d: %s..%s, want %v", i, spans[i].Params["start_time"], spans[i].Params["end_time"], w)
		}
	}
	if n := len(callsTo(s, "/passengerFlow/stat/history/getTrendByHour")); n != 65 {
		t.Errorf("hour trend called %d times", n)
	}
	// A Shanghai day starts at 16:00 UTC the day before, whatever the
	// server's zone.
	d := days[64]
	if len(d.Hours) != 24 || !d.Hours[0].Start.Equal(time.Date(2026, 1, 7, 16, 0, 0, 0, time.UTC)) || !d.Final {
		t.Fatalf("day %v: %d hours from %v", d.Date, len(d.Hours), d.Hours[0].Start)
	}
	// The hours add up to the day; the day's unique people are fewer than
	// the hours' summed; ages add up to the faces.
	var sum vendors.TrafficCounts
	for _, h := range d.Hours {
		sum.Add(h.TrafficCounts)
		if h.Entries != h.EntriesFace+h.EntriesNoFace || !h.Have.Has(vendors.HaveTags|vendors.HaveFaceSplit) {
			t.Fatalf("hour %+v", h)
		}
	}
	if sum.EntriesFace != d.Day.EntriesFace || sum.Regulars != d.Day.Regulars || d.Day.UniqTotal >= sum.UniqTotal || d.Day.UniqTotal == 0 {
		t.Fatalf("day %+v vs hours %+v", d.Day, sum)
	}
	var faces int64
	for _, a := range d.Ages {
		faces += a.Male + a.Female
		if a.Strangers+a.Regulars+a.Member != a.Male+a.Female {
			t.Fatalf("age row %+v", a)
		}
	}
	if d.Ages == nil || faces != sum.EntriesFace {
		t.Fatalf("ages %d, faces %d", faces, sum.EntriesFace)
	}
}

// Today at 10:30 Shanghai: eleven hours (00..10), kinds of face for the
// day only; and history refuses today without asking the vendor.
func TestTrafficToday(t *testing.T) {
	c, s := trafficSetup(t)
	target := vendors.TrafficTarget{Shop: shop, Location: mustLoc(t, "Asia/Shanghai")}
	day, err := c.TrafficToday(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if day.Date != (vendors.Date{Year: 2026, Month: 1, Day: 10}) || day.Final || len(day.Hours) != 11 {
		t.Fatalf("today %v final %v, %d hours", day.Date, day.Final, len(day.Hours))
	}
	var faces, ageFaces int64
	for _, h := range day.Hours {
		faces += h.EntriesFace
		if h.Have.Has(vendors.HaveTags) {
			t.Fatal("today's hours claim kinds of face")
		}
	}
	for _, a := range day.Ages {
		ageFaces += a.Strangers + a.Regulars + a.Member
	}
	if faces == 0 || day.Day.Strangers+day.Day.Regulars+day.Day.Members != faces || ageFaces != faces {
		t.Fatalf("today: faces %d, by kind %+v, by age %d", faces, day.Day, ageFaces)
	}
	before := len(s.Calls())
	_, err = c.TrafficDays(context.Background(), target, vendors.Date{Year: 2026, Month: 1, Day: 9}, vendors.Date{Year: 2026, Month: 1, Day: 10})
	wantKind(t, err, vendors.KindInvalidParam, 0)
	_, err = c.Frequency(context.Background(), target, vendors.Date{Year: 2025, Month: 12, Day: 1}, vendors.Date{Year: 2026, Month: 1, Day: 1})
	wantKind(t, err, vendors.KindInvalidParam, 0) // 32 days
	if len(s.Calls()) != before {
		t.Fatal("a range the vendor would refuse was sent")
	}
}

// A shop in Los Angeles: at 02:30 UTC on the 10th it is still the 9th
// there; its day has its own hours; and a daylight-saving day has 23.
func TestTrafficOtherZone(t *testing.T) {
	c, s := trafficSetup(t)
	la := mustLoc(t, "America/Los_Angeles")
	s.SetTraffic(shopNo, sim.TrafficProfile{Seed: 42, Size: 30, Location: la, Opens: 10, Closes: 20})
	target := vendors.TrafficTarget{Shop: shop, Location: la}
	today, err := c.TrafficToday(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if today.Date != (vendors.Date{Year: 2026, Month: 1, Day: 9}) || len(today.Hours) != 19 {
		t.Fatalf("LA today %v with %d hours", today.Date, len(today.Hours))
	}
	dst := vendors.Date{Year: 2025, Month: 3, Day: 9} // clocks go forward at 02:00
	days, err := c.TrafficDays(context.Background(), target, dst, dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(days[0].Hours) != 23 || !days[0].Hours[0].Start.Equal(time.Date(2025, 3, 9, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("DST day: %d hours from %v", len(days[0].Hours), days[0].Hours[0].Start)
	}
	for _, h := range days[0].Hours {
		local := h.Start.In(la).Hour()
		if (local < 10 || local >= 20) && h.Entries != 0 {
			t.Fatalf("entries at %d:00 local while closed", local)
		}
	}
}

func TestTrafficFrequencyAndFaults(t *testing.T) {
	c, s := trafficSetup(t)
	target := vendors.TrafficTarget{Shop: shop, Location: mustLoc(t, "Asia/Shanghai")}
	rows, err := c.Frequency(context.Background(), target, vendors.Date{Year: 2025, Month: 12, Day: 10}, vendors.Date{Year: 2026, Month: 1, Day: 8})
	if err != nil || len(rows) != 50 || rows[0].Visits != 1 || rows[0].Strangers == 0 {
		t.Fatalf("frequency %v %v", rows, err)
	}
	s.SetFault("/passengerFlow/stat/history/getTrendByHour", sim.Fault{Code: 5000, Times: 1})
	_, err = c.TrafficDays(context.Background(), target, vendors.Date{Year: 2026, Month: 1, Day: 1}, vendors.Date{Year: 2026, Month: 1, Day: 2})
	wantKind(t, err, vendors.KindInternal, 5000)
	s.SetFault("/passengerFlow/stat/today/getTrendByHour", sim.Fault{Malformed: true, Times: 1})
	_, err = c.TrafficToday(context.Background(), target)
	wantKind(t, err, vendors.KindMalformed, 0)
	// 5013 for a day is an empty closed day, not a failure.
	s.SetFault("/passengerFlow/stat/history/getTrendByHour", sim.Fault{Code: 5013, Times: 1})
	days, err := c.TrafficDays(context.Background(), target, vendors.Date{Year: 2026, Month: 1, Day: 1}, vendors.Date{Year: 2026, Month: 1, Day: 1})
	if err != nil || len(days) != 1 || len(days[0].Hours) != 0 || !days[0].Final {
		t.Fatalf("no-data day: %+v %v", days, err)
	}
}
