package sim_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"storelens/internal/vendors/sunmicloud/sim"
)

// The fixture's clock t0 is 2020-02-10 19:26:10 in Shanghai, a Monday:
// today is 2020-02-10, history ends on 2020-02-09.

type hCounts struct {
	Time              string `json:"time"`
	TotalCount        int64  `json:"total_count"`
	RegularCount      int64  `json:"regular_count"`
	StrangerCount     int64  `json:"stranger_count"`
	MemberCount       int64  `json:"member_count"`
	UniqTotalCount    int64  `json:"uniq_total_count"`
	UniqRegularCount  int64  `json:"uniq_regular_count"`
	UniqStrangerCount int64  `json:"uniq_stranger_count"`
	UniqMemberCount   int64  `json:"uniq_member_count"`
	PassCount         int64  `json:"pass_count"`
	UnexposedCount    int64  `json:"unexposed_count"`
}

type gItem struct {
	AgeRange               int   `json:"age_range"`
	StrangerCount          int64 `json:"stranger_count"`
	RegularCount           int64 `json:"regular_count"`
	MemberCount            int64 `json:"member_count"`
	MaleCount              int64 `json:"male_count"`
	MaleRegularCount       int64 `json:"male_regular_count"`
	MaleMemberCount        int64 `json:"male_member_count"`
	FemaleCount            int64 `json:"female_count"`
	FemaleRegularCount     int64 `json:"female_regular_count"`
	FemaleMemberCount      int64 `json:"female_member_count"`
	UniqMaleCount          int64 `json:"uniq_male_count"`
	UniqMaleRegularCount   int64 `json:"uniq_male_regular_count"`
	UniqMaleMemberCount    int64 `json:"uniq_male_member_count"`
	UniqFemaleCount        int64 `json:"uniq_female_count"`
	UniqFemaleRegularCount int64 `json:"uniq_female_regular_count"`
	UniqFemaleMemberCount  int64 `json:"uniq_female_member_count"`
}

type list[T any] struct {
	CountList []T `json:"count_list"`
}

func shopRange(from, to string) map[string]string {
	return map[string]string{"sunmi_shop_no": shop1, "start_time": from, "end_time": to}
}

func ok[T any](t *testing.T, r reply) T {
	t.Helper()
	expect(t, r, 200, 0, "succeed")
	return decode[T](t, r.Data)
}

// The same people whichever endpoint or granularity is asked.
func TestTrafficEndpointsAgree(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	day := "2020-02-08"
	hours := ok[list[hCounts]](t, c.post("/passengerFlow/stat/history/getTrendByHour", shopRange(day, day))).CountList
	if len(hours) != 24 || hours[0].Time != "2020-02-08 0:00" || hours[13].Time != "2020-02-08 13:00" {
		t.Fatalf("hour labels: %d items, %q %q", len(hours), hours[0].Time, hours[13].Time)
	}
	var sum hCounts
	for _, h := range hours {
		if h.TotalCount != h.StrangerCount+h.RegularCount+h.MemberCount || h.UniqStrangerCount > h.StrangerCount ||
			h.UniqTotalCount != h.UniqStrangerCount+h.UniqRegularCount+h.UniqMemberCount {
			t.Fatalf("hour does not add up: %+v", h)
		}
		sum.TotalCount += h.TotalCount
		sum.StrangerCount += h.StrangerCount
		sum.RegularCount += h.RegularCount
		sum.MemberCount += h.MemberCount
		sum.PassCount += h.PassCount
		sum.UnexposedCount += h.UnexposedCount
		sum.UniqTotalCount += h.UniqTotalCount
	}
	days := ok[list[hCounts]](t, c.post("/passengerFlow/stat/history/getTrendByDay", shopRange("2020-02-07", "2020-02-09"))).CountList
	if len(days) != 3 || days[1].Time != day {
		t.Fatalf("days %+v", days)
	}
	d := days[1]
	if d.TotalCount != sum.TotalCount || d.StrangerCount != sum.StrangerCount || d.RegularCount != sum.RegularCount ||
		d.MemberCount != sum.MemberCount || d.PassCount != sum.PassCount || d.UnexposedCount != sum.UnexposedCount {
		t.Fatalf("day %+v is not the sum of its hours %+v", d, sum)
	}
	if d.TotalCount == 0 || d.UniqTotalCount >= sum.UniqTotalCount || d.UniqTotalCount == 0 {
		t.Fatalf("unique people of the day %d should be fewer than the hours' %d, and some", d.UniqTotalCount, sum.UniqTotalCount)
	}
	tag := ok[hCounts](t, c.post("/passengerFlow/stat/history/groupByTag", shopRange(day, day)))
	tag.Time = d.Time
	if tag != d {
		t.Fatalf("groupByTag of the day %+v, getTrendByDay %+v", tag, d)
	}
	// Demographics add up to the same day, visits and unique people.
	ages := ok[list[gItem]](t, c.post("/passengerFlow/stat/history/groupByGender", shopRange(day, day))).CountList
	var all, reg, mem, uniq int64
	for i, a := range ages {
		if a.AgeRange != i+1 {
			t.Fatalf("age ranges %+v", ages)
		}
		all += a.MaleCount + a.FemaleCount
		reg += a.MaleRegularCount + a.FemaleRegularCount
		mem += a.MaleMemberCount + a.FemaleMemberCount
		uniq += a.UniqMaleCount + a.UniqFemaleCount
	}
	if all != d.TotalCount || reg != d.RegularCount || mem != d.MemberCount || uniq != d.UniqTotalCount {
		t.Fatalf("ages %d/%d/%d/%d vs day %+v", all, reg, mem, uniq, d)
	}
	// A week: unique people of the period are fewer than the days' summed.
	week := ok[hCounts](t, c.post("/passengerFlow/stat/history/groupByTag", shopRange("2020-02-03", "2020-02-09")))
	wdays := ok[list[hCounts]](t, c.post("/passengerFlow/stat/history/getTrendByDay", shopRange("2020-02-03", "2020-02-09"))).CountList
	var visits, dayUniq int64
	for _, x := range wdays {
		visits += x.TotalCount
		dayUniq += x.UniqRegularCount
	}
	if week.TotalCount != visits || week.UniqRegularCount >= dayUniq {
		t.Fatalf("week %+v; days' visits %d, regulars unique summed %d", week, visits, dayUniq)
	}
	// The frequency list: its people are the period's unique people and
	// their visits the period's visits.
	var freq struct {
		FrequencyList []struct {
			Frequency         int   `json:"frequency"`
			StrangerUniqCount int64 `json:"stranger_uniq_count"`
			RegularUniqCount  int64 `json:"regular_uniq_count"`
			MemberUniqCount   int64 `json:"member_uniq_count"`
		} `json:"frequency_list"`
	}
	freq = ok[struct {
		FrequencyList []struct {
			Frequency         int   `json:"frequency"`
			StrangerUniqCount int64 `json:"stranger_uniq_count"`
			RegularUniqCount  int64 `json:"regular_uniq_count"`
			MemberUniqCount   int64 `json:"member_uniq_count"`
		} `json:"frequency_list"`
	}](t, c.post("/passengerFlow/stat/history/person/frequency/getList", shopRange("2020-02-03", "2020-02-09")))
	if len(freq.FrequencyList) != 50 || freq.FrequencyList[49].Frequency != 50 {
		t.Fatalf("frequency list of %d", len(freq.FrequencyList))
	}
	var people, times int64
	for _, f := range freq.FrequencyList {
		people += f.RegularUniqCount
		times += int64(f.Frequency) * f.RegularUniqCount
	}
	if people != week.UniqRegularCount || times != week.RegularCount {
		t.Fatalf("frequency: %d regulars, %d visits; period %+v", people, times, week)
	}
}

func TestTrafficToday(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	shop := map[string]string{"sunmi_shop_no": shop1}
	hours := ok[list[hCounts]](t, c.post("/passengerFlow/stat/today/getTrendByHour", shop)).CountList
	// 19:26: hours 00:00..19:00, labels zero-padded as §4.3.4's example.
	if len(hours) != 20 || hours[0].Time != "2020-02-10 00:00" || hours[19].Time != "2020-02-10 19:00" {
		t.Fatalf("today: %d hours, %q..%q", len(hours), hours[0].Time, hours[len(hours)-1].Time)
	}
	var face, noFace, pass int64
	for _, h := range hours {
		face += h.TotalCount
		noFace += h.UnexposedCount
		pass += h.PassCount
	}
	latest := ok[hCounts](t, c.post("/passengerFlow/stat/today/getLatest", shop))
	if latest.TotalCount != face || latest.UnexposedCount != noFace || latest.PassCount != pass || face == 0 {
		t.Fatalf("getLatest %+v, hours %d/%d/%d", latest, face, noFace, pass)
	}
	tags := ok[list[gItem]](t, c.post("/passengerFlow/stat/today/groupByTag", shop)).CountList
	genders := ok[list[gItem]](t, c.post("/passengerFlow/stat/today/groupByGender", shop)).CountList
	var byTag, byGender int64
	for i := range 8 {
		byTag += tags[i].StrangerCount + tags[i].RegularCount + tags[i].MemberCount
		byGender += genders[i].MaleCount + genders[i].FemaleCount
		if tags[i].RegularCount != genders[i].MaleRegularCount+genders[i].FemaleRegularCount {
			t.Fatalf("age %d: regulars by tag %d, by gender %+v", i+1, tags[i].RegularCount, genders[i])
		}
	}
	if byTag != face || byGender != face {
		t.Fatalf("today's ages %d / %d, faces %d", byTag, byGender, face)
	}
	// History stops yesterday: today is T+0 only.
	expect(t, c.post("/passengerFlow/stat/history/getTrendByDay", shopRange("2020-02-09", "2020-02-10")), 200, 5025, "时间参数错误")
}

func TestTrafficLimits(t *testing.T) {
	_, ts := newFixture(t)
	c := newCaller(t, ts)
	expect(t, c.post("/passengerFlow/stat/history/getTrendByDay", shopRange("2020-01-01", "2020-01-30")), 200, 0, "succeed")
	expect(t, c.post("/passengerFlow/stat/history/getTrendByDay", shopRange("2020-01-01", "2020-01-31")), 200, 5021, "")
	expect(t, c.post("/passengerFlow/stat/history/getTrendByHour", shopRange("2020-01-01", "2020-01-02")), 200, 5021, "")
	expect(t, c.post("/passengerFlow/stat/history/groupByTag", shopRange("2020-01-05", "2020-01-01")), 200, 5020, "")
	expect(t, c.post("/passengerFlow/stat/history/groupByTag", shopRange("2020/01/01", "2020-01-02")), 200, 5020, "")
	expect(t, c.post("/passengerFlow/stat/history/person/frequency/getList", shopRange("2020-02-01", "2020-02-10")), 200, 5025, "")
	expect(t, c.post("/passengerFlow/stat/history/groupByTag", map[string]string{"sunmi_shop_no": shop1}), 200, 5020, "")
	expect(t, c.post("/passengerFlow/stat/today/getLatest", map[string]string{}), 200, 5020, "")
	expect(t, c.post("/passengerFlow/stat/today/getLatest", map[string]string{"sunmi_shop_no": "999"}), 200, 5013, "")
	expect(t, c.post("/passengerFlow/stat/today/getLatest", map[string]string{"shop_id": "10096"}), 200, 0, "succeed")
	// Another app's shop is as unknown as a missing one.
	expect(t, c.post("/passengerFlow/stat/today/getLatest", map[string]string{"sunmi_shop_no": shopB}), 200, 5013, "")
}

// Realistic shape: closed at night, lunch and evening peaks, weekends
// busier, each shop its own size; and the same numbers on every run.
func TestTrafficShape(t *testing.T) {
	s, ts := newFixture(t)
	s.SetTraffic(shop1, sim.TrafficProfile{Seed: 7, Size: 25})
	s.SetTraffic(shop2, sim.TrafficProfile{Seed: 7, Size: 80})
	c := newCaller(t, ts)
	byHour := make([]int64, 24)
	var weekday, weekend, weekdays, weekends int64
	var small, big int64
	for d := time.Date(2020, 1, 6, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2020, 2, 3, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		hours := ok[list[hCounts]](t, c.post("/passengerFlow/stat/history/getTrendByHour", shopRange(day, day))).CountList
		var n int64
		for i, h := range hours {
			e := h.TotalCount + h.UnexposedCount
			byHour[i] += e
			n += e
		}
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			weekend += n
			weekends++
		} else {
			weekday += n
			weekdays++
		}
		small += n
		other := ok[list[hCounts]](t, c.post("/passengerFlow/stat/history/getTrendByHour",
			map[string]string{"sunmi_shop_no": shop2, "start_time": day, "end_time": day})).CountList
		for _, h := range other {
			big += h.TotalCount + h.UnexposedCount
		}
	}
	if byHour[3] != 0 || byHour[23] != 0 || byHour[8] != 0 {
		t.Errorf("entries while closed: %v", byHour)
	}
	if !(byHour[12] > byHour[10] && byHour[12] > byHour[15] && byHour[19] > byHour[15] && byHour[19] > byHour[12]) {
		t.Errorf("no lunch and evening peaks: %v", byHour)
	}
	if weekend*weekdays < weekday*weekends*12/10 {
		t.Errorf("weekends not busier: %d over %d days vs %d over %d", weekend, weekends, weekday, weekdays)
	}
	if big < small*2 {
		t.Errorf("shop sizes: %d vs %d", big, small)
	}
	// Same seed, same day, new simulator: the same numbers.
	s2, ts2 := newFixture(t)
	s2.SetTraffic(shop1, sim.TrafficProfile{Seed: 7, Size: 25})
	a := c.post("/passengerFlow/stat/history/groupByGender", shopRange("2020-01-06", "2020-01-20"))
	b := newCaller(t, ts2).post("/passengerFlow/stat/history/groupByGender", shopRange("2020-01-06", "2020-01-20"))
	if string(a.Data) != string(b.Data) || !strings.Contains(string(a.Data), "uniq_female_member_count") {
		t.Fatal("two runs disagree")
	}
}

// A shop in another time zone: its day is its own, whatever the caller's.
func TestTrafficTimeZone(t *testing.T) {
	s, ts := newFixture(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	s.SetTraffic(shop2, sim.TrafficProfile{Seed: 3, Size: 30, Location: berlin})
	c := newCaller(t, ts)
	// At t0 (11:26 UTC) Berlin's day is 2020-02-10 too; the hours of today
	// run to 12:00 Berlin time.
	hours := ok[list[hCounts]](t, c.post("/passengerFlow/stat/today/getTrendByHour", map[string]string{"sunmi_shop_no": shop2})).CountList
	if last := hours[len(hours)-1].Time; last != "2020-02-10 12:00" {
		t.Fatalf("Berlin's current hour %q", last)
	}
	var raw json.RawMessage = c.post("/passengerFlow/stat/history/getTrendByHour",
		map[string]string{"sunmi_shop_no": shop2, "start_time": "2020-02-09", "end_time": "2020-02-09"}).Data
	if !strings.Contains(string(raw), `"time":"2020-02-09 23:00"`) {
		t.Fatalf("Berlin day %s", raw)
	}
}
