package sim

import (
	"net/url"
	"strconv"
	"testing"
	"time"
)

// The statistics calls against hand-made requests: buckets follow the
// clock, the three periods agree, closed hours count nobody, and a range
// without records is 280 (doc.go).
func TestPeopleStat(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 6, 3, 15, 20, 0, 0, shanghai)
	c, err := New(Options{SN: "S1", AppID: "A1", Secret: "S", ActivationCode: "ACT", Activated: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stat := func(path string, from, to time.Time, period int) (int, map[string]any) {
		p := url.Values{"app_id": {"A1"}, "random": {"abc123"}, "timestamp": {strconv.FormatInt(now.Unix(), 10)},
			"start_time": {strconv.FormatInt(from.Unix(), 10)}, "end_time": {strconv.FormatInt(to.Unix(), 10)},
			"period": {strconv.Itoa(period)}}
		m := map[string]string{}
		for k := range p {
			m[k] = p.Get(k)
		}
		p.Set("sign", sign(m, "S"))
		_, r := post(t, c, path, p)
		data, _ := r["data"].(map[string]any)
		return code(r), data
	}
	day := time.Date(2026, 6, 2, 0, 0, 0, 0, shanghai)
	if got, _ := stat("/peopleFlow/getPeopleStat", day, day.AddDate(0, 0, 1), 2); got != codeNoRecord {
		t.Fatalf("before any record: %d", got)
	}
	c.SetPeopleFlow(FlowProfile{Seed: 7, Size: 20, Opens: 9, Closes: 21, Since: day.AddDate(0, 0, -1), Zone: "Asia/Shanghai"})
	if got, _ := stat("/peopleFlow/getPeopleStat", day, day, 2); got != codeParam {
		t.Fatalf("empty range: %d", got)
	}
	if got, _ := stat("/peopleFlow/getPeopleStat", day, day.AddDate(0, 0, 1), 4); got != codeParam {
		t.Fatalf("period 4: %d", got)
	}
	if got, _ := stat("/peopleFlow/getPeopleStat", day.AddDate(0, 0, -5), day.AddDate(0, 0, -3), 3); got != codeNoRecord {
		t.Fatalf("before Since: %d", got)
	}
	for _, path := range []string{"/peopleFlow/getPeopleStat", "/peopleFlow/getPeopleStatPass", "/peopleFlow/getPeopleStatOut"} {
		totals := map[int]float64{}
		for _, period := range []int{1, 2, 3} {
			got, d := stat(path, day, day.AddDate(0, 0, 1), period)
			if got != 0 {
				t.Fatalf("%s period %d: code %d", path, period, got)
			}
			list := d["stat_list"].([]any)
			want := map[int]int{1: 48, 2: 24, 3: 1}[period]
			if len(list) != want {
				t.Fatalf("%s period %d: %d buckets, want %d", path, period, len(list), want)
			}
			var sum float64
			for i, it := range list {
				b := it.(map[string]any)
				start := time.Unix(int64(b["start_time"].(float64)), 0).In(shanghai)
				sum += b["total"].(float64)
				if period == 2 {
					if !start.Equal(day.Add(time.Duration(i) * time.Hour)) {
						t.Fatalf("hour %d starts %v", i, start)
					}
					if (start.Hour() < 9 || start.Hour() >= 21) && b["total"].(float64) != 0 {
						t.Fatalf("%s: %v counted %v while closed", path, start, b["total"])
					}
				}
				if path == "/peopleFlow/getPeopleStat" {
					var ages float64
					for _, k := range []string{"male_num_stat", "female_num_stat"} {
						arr := b[k].([]any)
						if len(arr) != 8 {
							t.Fatalf("%s has %d ranges", k, len(arr))
						}
						for _, v := range arr {
							ages += v.(float64)
						}
					}
					if ages != b["total"].(float64) {
						t.Fatalf("ages add to %v, total %v", ages, b["total"])
					}
				} else if _, ok := b["male_num_stat"]; ok {
					t.Fatalf("%s carries ages", path)
				}
			}
			if sum != d["total"].(float64) || sum == 0 {
				t.Fatalf("%s period %d: buckets add to %v, total %v", path, period, sum, d["total"])
			}
			totals[period] = sum
		}
		if totals[1] != totals[2] || totals[2] != totals[3] {
			t.Fatalf("%s: half hours %v, hours %v, day %v", path, totals[1], totals[2], totals[3])
		}
	}
	// Today: only the hours recorded so far (up to 15:00).
	_, d := stat("/peopleFlow/getPeopleStat", day.AddDate(0, 0, 1), day.AddDate(0, 0, 2), 2)
	if n := len(d["stat_list"].([]any)); n != 15 {
		t.Fatalf("today so far: %d hours", n)
	}
}
