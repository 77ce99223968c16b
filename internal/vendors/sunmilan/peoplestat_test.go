package sunmilan

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan/sim"
)

// 003 Customer Flow Statistics 5's own request and reply: the client sends
// start_time, end_time and period, and reads the example's stat_list
// (NOTES 57: nested, not the table's flat fields).
func TestPeopleStatDocumentExample(t *testing.T) {
	var form url.Values
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ = url.ParseQuery(string(b))
		if r.URL.Path != "/openapi/peopleFlow/getPeopleStat" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `{"code": 0, "data": {"total": 2998, "stat_list": [
			{"start_time": 1561910400, "end_time": 1561996800, "total": 1499,
			 "male_num_stat": [10, 20, 50, 109, 280, 380, 156, 10], "female_num_stat": [11, 34, 50, 78, 132, 45, 123, 11]},
			{"start_time": 1561996800, "end_time": 1562083200, "total": 1499,
			 "male_num_stat": [10, 20, 50, 109, 280, 380, 156, 10], "female_num_stat": [11, 34, 50, 78, 132, 45, 123, 11]}]}}`)
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	fp, err := FetchFingerprint(context.Background(), addr, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Address: addr, AppID: testAppID, Secret: testSecret, Pin: fp})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stats, err := c.PeopleStats(context.Background(), FlowIn, time.Unix(1561910400, 0), time.Unix(1562083200, 0), PeriodDay)
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("start_time") != "1561910400" || form.Get("end_time") != "1562083200" || form.Get("period") != "3" || form.Get("sign") == "" {
		t.Fatalf("sent %v", form)
	}
	if len(stats) != 2 || stats[0].Total != 1499 || !stats[0].Start.Equal(time.Unix(1561910400, 0)) ||
		!stats[1].End.Equal(time.Unix(1562083200, 0)) || stats[0].Male[3] != 109 || stats[0].Female[7] != 11 {
		t.Fatalf("read %+v", stats)
	}
}

// Against the simulator: a range without records is no periods, a bad
// period is refused before anything is sent.
func TestPeopleStatsAgainstSimulator(t *testing.T) {
	cam, c := activated(t)
	ctx := context.Background()
	now := time.Now()
	stats, err := c.PeopleStats(ctx, FlowIn, now.Add(-48*time.Hour), now, PeriodHour)
	if err != nil || stats != nil {
		t.Fatalf("no records: %v %v", stats, err)
	}
	before := len(cam.Calls())
	if _, err := c.PeopleStats(ctx, FlowOut, now.Add(-time.Hour), now, 0); vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Fatalf("period 0: %v", err)
	}
	if _, err := c.PeopleStats(ctx, FlowOut, now, now, PeriodHour); vendors.KindOf(err) != vendors.KindInvalidParam {
		t.Fatalf("empty range: %v", err)
	}
	if len(cam.Calls()) != before {
		t.Fatal("a refused call reached the camera")
	}
	cam.SetPeopleFlow(sim.FlowProfile{Seed: 1, Size: 30, Opens: 0, Closes: 24, Since: now.Add(-72 * time.Hour)})
	stats, err = c.PeopleStats(ctx, FlowPass, now.Add(-48*time.Hour), now.Add(-24*time.Hour), PeriodHour)
	if err != nil || len(stats) < 24 || stats[0].Total == 0 {
		t.Fatalf("pass-by: %d periods, %v", len(stats), err)
	}
}

// A shop with two door cameras: its hours are the sum of theirs, its age
// and gender split adds up to its entries, and today stops at now.
func TestCounterSumsCameras(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	now := time.Now().In(shanghai)
	camA, a := activated(t)
	camB, b := activated(t)
	camA.SetPeopleFlow(sim.FlowProfile{Seed: 1, Size: 30, Opens: 9, Closes: 22, Since: now.AddDate(0, 0, -3), Zone: "Asia/Shanghai"})
	camB.SetPeopleFlow(sim.FlowProfile{Seed: 2, Size: 10, Opens: 9, Closes: 22, Since: now.AddDate(0, 0, -3), Zone: "Asia/Shanghai"})
	counter := &Counter{Cameras: []*Client{a, b}, Now: func() time.Time { return now }}
	target := vendors.TrafficTarget{Location: shanghai}
	ctx := context.Background()
	yesterday := vendors.DateOf(now, shanghai).AddDays(-1)
	days, err := counter.TrafficDays(ctx, target, yesterday, yesterday)
	if err != nil || len(days) != 1 || !days[0].Final || len(days[0].Hours) != 24 {
		t.Fatalf("yesterday: %+v %v", days, err)
	}
	from, to := yesterday.Start(shanghai), yesterday.AddDays(1).Start(shanghai)
	want := map[Flow][]int64{}
	for _, flow := range []Flow{FlowIn, FlowPass, FlowOut} {
		want[flow] = make([]int64, 24)
		for _, cl := range []*Client{a, b} {
			stats, err := cl.PeopleStats(ctx, flow, from, to, PeriodHour)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range stats {
				want[flow][i] += s.Total
			}
		}
	}
	var entries, ages int64
	for i, h := range days[0].Hours {
		if h.Entries != want[FlowIn][i] || h.PassersBy != want[FlowPass][i] || h.Left != want[FlowOut][i] {
			t.Fatalf("hour %d: %+v, want in %d pass %d out %d", i, h.TrafficCounts, want[FlowIn][i], want[FlowPass][i], want[FlowOut][i])
		}
		entries += h.Entries
	}
	for _, ac := range days[0].Ages {
		ages += ac.Male + ac.Female
	}
	if entries == 0 || ages != entries {
		t.Fatalf("entries %d, by age and gender %d", entries, ages)
	}
	today, err := counter.TrafficToday(ctx, target)
	if err != nil || today.Final || len(today.Hours) != now.Hour()+1 {
		t.Fatalf("today at %v: %d hours, %v", now, len(today.Hours), err)
	}
}
