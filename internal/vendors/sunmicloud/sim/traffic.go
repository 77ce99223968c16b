package sim

import (
	"time"
)

// Paths of 000 人流统计接口 §4.2 (and §6.6), relative to the base URL.
const (
	pathTodayLatest       = "/passengerFlow/stat/today/getLatest"
	pathTodayByTag        = "/passengerFlow/stat/today/groupByTag"
	pathTodayByGender     = "/passengerFlow/stat/today/groupByGender"
	pathTodayTrendByHour  = "/passengerFlow/stat/today/getTrendByHour"
	pathHistoryByTag      = "/passengerFlow/stat/history/groupByTag"
	pathHistoryByGender   = "/passengerFlow/stat/history/groupByGender"
	pathHistoryTrendHour  = "/passengerFlow/stat/history/getTrendByHour"
	pathHistoryTrendDay   = "/passengerFlow/stat/history/getTrendByDay"
	pathHistoryFrequency  = "/passengerFlow/stat/history/person/frequency/getList"
	codeTimeParam         = 5025 // 时间参数错误 (§4.3.11)
	historyMaxDays        = 30   // §4.3.5, 4.3.6, 4.3.8, 4.3.11: 区间限制为30天
	frequencyBuckets      = 50   // §4.3.11's list runs 1..50
	todayHourLabel        = "2006-01-02 15:00"
	historyHourLabelShort = "2006-01-02 "
)

// latest is §4.3.1's data.
type latest struct {
	TotalCount     int64 `json:"total_count"`
	UnexposedCount int64 `json:"unexposed_count"`
	PassCount      int64 `json:"pass_count"`
}

type countList[T any] struct {
	CountList []T `json:"count_list"`
}

// todayTag is an item of §4.3.2.
type todayTag struct {
	AgeRange      int   `json:"age_range"`
	StrangerCount int64 `json:"stranger_count"`
	RegularCount  int64 `json:"regular_count"`
	MemberCount   int64 `json:"member_count"`
}

// todayGender is an item of §4.3.3.
type todayGender struct {
	AgeRange           int   `json:"age_range"`
	MaleCount          int64 `json:"male_count"`
	MaleRegularCount   int64 `json:"male_regular_count"`
	MaleMemberCount    int64 `json:"male_member_count"`
	FemaleCount        int64 `json:"female_count"`
	FemaleRegularCount int64 `json:"female_regular_count"`
	FemaleMemberCount  int64 `json:"female_member_count"`
}

// historyGender is an item of §4.3.6: §4.3.3's fields plus unique people.
type historyGender struct {
	todayGender
	UniqMaleCount          int64 `json:"uniq_male_count"`
	UniqMaleRegularCount   int64 `json:"uniq_male_regular_count"`
	UniqMaleMemberCount    int64 `json:"uniq_male_member_count"`
	UniqFemaleCount        int64 `json:"uniq_female_count"`
	UniqFemaleRegularCount int64 `json:"uniq_female_regular_count"`
	UniqFemaleMemberCount  int64 `json:"uniq_female_member_count"`
}

// todayHour is an item of §4.3.4.
type todayHour struct {
	Time           string `json:"time"`
	TotalCount     int64  `json:"total_count"`
	PassCount      int64  `json:"pass_count"`
	UnexposedCount int64  `json:"unexposed_count"`
}

// historyCounts is §4.3.5's data and an item of §4.3.7 and §4.3.8 (with
// time).
type historyCounts struct {
	Time              string `json:"time,omitempty"`
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

// frequencyItem is an item of §4.3.11 (note the *_uniq_count order, unlike
// uniq_*_count elsewhere: NOTES item 33).
type frequencyItem struct {
	Frequency         int   `json:"frequency"`
	StrangerUniqCount int64 `json:"stranger_uniq_count"`
	RegularUniqCount  int64 `json:"regular_uniq_count"`
	MemberUniqCount   int64 `json:"member_uniq_count"`
}

// trafficShop resolves the shop of a passengerFlow call: sunmi_shop_no or
// shop_id as in every other call (§4.3.x tables: 可互为替代).
func (s *Server) trafficShop(q *request) (*Shop, TrafficProfile, int) {
	if !hasShop(q) {
		return nil, TrafficProfile{}, codeInvalidParam
	}
	sh, code := s.resolveShop(q)
	if code != codeOK {
		return nil, TrafficProfile{}, code
	}
	return sh, s.profile(sh.ShopNo), codeOK
}

// today returns the shop's day so far: closed hours whole, the current hour
// scaled by the minutes gone, later hours absent.
func (s *Server) today(shopNo string, p TrafficProfile) ([]time.Time, []hourCounts) {
	now := s.now()
	hours := dayHours(now.In(p.Location), p.Location)
	var starts []time.Time
	var out []hourCounts
	for _, h := range hours {
		if h.After(now) {
			break
		}
		c := s.hour(shopNo, p, h)
		if elapsed := now.Sub(h); elapsed < time.Hour {
			c = c.scaled(elapsed.Seconds() / 3600)
		}
		starts = append(starts, h)
		out = append(out, c)
	}
	return starts, out
}

func (s *Server) todaySum(shopNo string, p TrafficProfile) hourCounts {
	var sum hourCounts
	_, hours := s.today(shopNo, p)
	for _, h := range hours {
		sum.add(h)
	}
	return sum
}

// todayLatest is §4.3.1.
func (s *Server) todayLatest(q *request) (int, any) {
	sh, p, code := s.trafficShop(q)
	if code != codeOK {
		return code, nil
	}
	c := s.todaySum(sh.ShopNo, p)
	return codeOK, latest{TotalCount: c.face, UnexposedCount: c.noFace, PassCount: c.pass}
}

// todayByTag is §4.3.2: today's visits per age range by kind of face.
func (s *Server) todayByTag(q *request) (int, any) {
	sh, p, code := s.trafficShop(q)
	if code != codeOK {
		return code, nil
	}
	c := s.todaySum(sh.ShopNo, p)
	out := countList[todayTag]{CountList: make([]todayTag, 8)}
	for a := range 8 {
		out.CountList[a] = todayTag{AgeRange: a + 1,
			StrangerCount: c.ages[a][tagStranger][0] + c.ages[a][tagStranger][1],
			RegularCount:  c.ages[a][tagRegular][0] + c.ages[a][tagRegular][1],
			MemberCount:   c.ages[a][tagMember][0] + c.ages[a][tagMember][1]}
	}
	return codeOK, out
}

func genderItem(a int, c hourCounts) todayGender {
	g := func(gender int) (all, reg, mem int64) {
		reg, mem = c.ages[a][tagRegular][gender], c.ages[a][tagMember][gender]
		return c.ages[a][tagStranger][gender] + reg + mem, reg, mem
	}
	m, mr, mm := g(0)
	f, fr, fm := g(1)
	return todayGender{AgeRange: a + 1, MaleCount: m, MaleRegularCount: mr, MaleMemberCount: mm,
		FemaleCount: f, FemaleRegularCount: fr, FemaleMemberCount: fm}
}

// todayByGender is §4.3.3.
func (s *Server) todayByGender(q *request) (int, any) {
	sh, p, code := s.trafficShop(q)
	if code != codeOK {
		return code, nil
	}
	c := s.todaySum(sh.ShopNo, p)
	out := countList[todayGender]{CountList: make([]todayGender, 8)}
	for a := range 8 {
		out.CountList[a] = genderItem(a, c)
	}
	return codeOK, out
}

// todayTrendByHour is §4.3.4: one item per hour from 00:00 to the current
// hour, labelled "2020-02-11 00:00" (zero-padded, as the example).
func (s *Server) todayTrendByHour(q *request) (int, any) {
	sh, p, code := s.trafficShop(q)
	if code != codeOK {
		return code, nil
	}
	starts, hours := s.today(sh.ShopNo, p)
	out := countList[todayHour]{CountList: make([]todayHour, len(hours))}
	for i, c := range hours {
		out.CountList[i] = todayHour{Time: starts[i].In(p.Location).Format(todayHourLabel),
			TotalCount: c.face, PassCount: c.pass, UnexposedCount: c.noFace}
	}
	return codeOK, out
}

// historyRange reads start_time and end_time ("YYYY-MM-DD", the shop's
// dates) and checks them: both required and well formed (5020), start not
// after end (5020), the range within maxDays days counted inclusively
// (5021), and entirely before the shop's today (5025: history is T+1).
func (s *Server) historyRange(q *request, p TrafficProfile, maxDays int) (time.Time, time.Time, int) {
	a, b := q.params["start_time"], q.params["end_time"]
	if a == "" || b == "" {
		return time.Time{}, time.Time{}, codeInvalidParam
	}
	first, err1 := time.ParseInLocation(time.DateOnly, a, p.Location)
	last, err2 := time.ParseInLocation(time.DateOnly, b, p.Location)
	if err1 != nil || err2 != nil || last.Before(first) {
		return time.Time{}, time.Time{}, codeInvalidParam
	}
	if days := int(last.Sub(first).Hours()/24+0.5) + 1; days > maxDays {
		return time.Time{}, time.Time{}, codeRangeTooLong
	}
	y, m, d := s.now().In(p.Location).Date()
	if !last.Before(time.Date(y, m, d, 0, 0, 0, 0, p.Location)) {
		return time.Time{}, time.Time{}, codeTimeParam
	}
	return first, last, codeOK
}

func historyOf(c hourCounts, uS, uR, uM int64) historyCounts {
	return historyCounts{TotalCount: c.face, RegularCount: c.regular, StrangerCount: c.stranger, MemberCount: c.member,
		UniqTotalCount: uS + uR + uM, UniqRegularCount: uR, UniqStrangerCount: uS, UniqMemberCount: uM,
		PassCount: c.pass, UnexposedCount: c.noFace}
}

// historyByTag is §4.3.5: the period's totals, visits and unique people.
func (s *Server) historyByTag(q *request) (int, any) {
	sh, p, code := s.trafficShop(q)
	if code != codeOK {
		return code, nil
	}
	first, last, code := s.historyRange(q, p, historyMaxDays)
	if code != codeOK {
		return code, nil
	}
	r := s.period(sh.ShopNo, p, first, last)
	return codeOK, historyOf(r.hourCounts, r.rStranger, r.rRegular, r.rMember)
}

// historyByGender is §4.3.6: per age range and gender, visits and unique
// people. The period's unique people of each kind are shared out over the
// cells in proportion to that kind's visits, so they add up to §4.3.5's.
func (s *Server) historyByGender(q *request) (int, any) {
	sh, p, code := s.trafficShop(q)
	if code != codeOK {
		return code, nil
	}
	first, last, code := s.historyRange(q, p, historyMaxDays)
	if code != codeOK {
		return code, nil
	}
	r := s.period(sh.ShopNo, p, first, last)
	var uniq [3][]int64 // [tag][age*2+gender]
	for t, u := range []int64{r.rStranger, r.rRegular, r.rMember} {
		w := make([]float64, 16)
		for a := range 8 {
			w[2*a], w[2*a+1] = float64(r.ages[a][t][0]), float64(r.ages[a][t][1])
		}
		uniq[t] = apportion(u, w)
	}
	out := countList[historyGender]{CountList: make([]historyGender, 8)}
	for a := range 8 {
		it := historyGender{todayGender: genderItem(a, r.hourCounts)}
		it.UniqMaleRegularCount, it.UniqMaleMemberCount = uniq[tagRegular][2*a], uniq[tagMember][2*a]
		it.UniqFemaleRegularCount, it.UniqFemaleMemberCount = uniq[tagRegular][2*a+1], uniq[tagMember][2*a+1]
		it.UniqMaleCount = uniq[tagStranger][2*a] + it.UniqMaleRegularCount + it.UniqMaleMemberCount
		it.UniqFemaleCount = uniq[tagStranger][2*a+1] + it.UniqFemaleRegularCount + it.UniqFemaleMemberCount
		out.CountList[a] = it
	}
	return codeOK, out
}

// historyTrendByHour is §4.3.7: one day only ("区间限制为24小时" with
// date-only parameters: start and end the same day, else 5021), 24 items
// labelled "2019-12-01 0:00" (the hour unpadded, as the example; NOTES 3).
func (s *Server) historyTrendByHour(q *request) (int, any) {
	sh, p, code := s.trafficShop(q)
	if code != codeOK {
		return code, nil
	}
	first, _, code := s.historyRange(q, p, 1)
	if code != codeOK {
		return code, nil
	}
	hours := dayHours(first, p.Location)
	out := countList[historyCounts]{CountList: make([]historyCounts, len(hours))}
	for i, h := range hours {
		c := s.hour(sh.ShopNo, p, h)
		it := historyOf(c, c.uStranger, c.uRegular, c.uMember)
		local := h.In(p.Location)
		it.Time = local.Format(historyHourLabelShort) + itoa(local.Hour()) + ":00"
		out.CountList[i] = it
	}
	return codeOK, out
}

// historyTrendByDay is §4.3.8: one item per day, each with that day's
// unique people.
func (s *Server) historyTrendByDay(q *request) (int, any) {
	sh, p, code := s.trafficShop(q)
	if code != codeOK {
		return code, nil
	}
	first, last, code := s.historyRange(q, p, historyMaxDays)
	if code != codeOK {
		return code, nil
	}
	var out countList[historyCounts]
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		dc, _ := s.day(sh.ShopNo, p, d)
		it := historyOf(dc.hourCounts, dc.dStranger, dc.dRegular, dc.dMember)
		it.Time = d.Format(time.DateOnly)
		out.CountList = append(out.CountList, it)
	}
	return codeOK, out
}

// historyFrequency is §4.3.11: how many unique people of each kind came
// 1..50 times in the period. The people add up to §4.3.5's unique people
// and their visits to its visits. end_time must be before today (5025).
func (s *Server) historyFrequency(q *request) (int, any) {
	sh, p, code := s.trafficShop(q)
	if code != codeOK {
		return code, nil
	}
	first, last, code := s.historyRange(q, p, historyMaxDays)
	if code != codeOK {
		return code, nil
	}
	r := s.period(sh.ShopNo, p, first, last)
	fs := frequency(r.rStranger, r.stranger)
	fr := frequency(r.rRegular, r.regular)
	fm := frequency(r.rMember, r.member)
	out := struct {
		FrequencyList []frequencyItem `json:"frequency_list"`
	}{FrequencyList: make([]frequencyItem, frequencyBuckets)}
	for k := range frequencyBuckets {
		out.FrequencyList[k] = frequencyItem{Frequency: k + 1, StrangerUniqCount: fs[k], RegularUniqCount: fr[k], MemberUniqCount: fm[k]}
	}
	return codeOK, out
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}
