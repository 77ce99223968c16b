package sunmicloud

import (
	"context"
	"errors"
	"strings"
	"time"

	"storelens/internal/vendors"
)

// The passengerFlow calls of 000 人流统计接口 §4.2 (and §6.6).
const (
	opTodayByTag       = "/passengerFlow/stat/today/groupByTag"
	opTodayByGender    = "/passengerFlow/stat/today/groupByGender"
	opTodayTrendByHour = "/passengerFlow/stat/today/getTrendByHour"
	opHistoryByGender  = "/passengerFlow/stat/history/groupByGender"
	opHistoryTrendHour = "/passengerFlow/stat/history/getTrendByHour"
	opHistoryTrendDay  = "/passengerFlow/stat/history/getTrendByDay"
	opHistoryFrequency = "/passengerFlow/stat/history/person/frequency/getList"

	// historyMaxDays: "每次接口调用, 开始时间和结束时间的区间限制为30天"
	// (§4.3.5, 4.3.6, 4.3.8, 4.3.11), read as 30 calendar days inclusive,
	// the reading a strict server cannot refuse.
	historyMaxDays = 30
)

var (
	_ vendors.Traffic        = (*Client)(nil)
	_ vendors.VisitFrequency = (*Client)(nil)
)

// TrafficFeatures implements vendors.Traffic: Sunmi counts faces and
// faceless entries, passers-by, kinds of face, unique people and ages; it
// does not count people leaving.
func (c *Client) TrafficFeatures() vendors.TrafficFeatures {
	return vendors.TrafficFeatures{
		Have:               vendors.HaveFaceSplit | vendors.HaveTags | vendors.HaveUnique | vendors.HaveAges,
		HistoryDaysPerCall: historyMaxDays,
	}
}

type hourItem struct {
	Time              string  `json:"time"`
	TotalCount        flexInt `json:"total_count"`
	UnexposedCount    flexInt `json:"unexposed_count"`
	PassCount         flexInt `json:"pass_count"` // missing in one of §4.3.4's items: 0 (NOTES 32)
	StrangerCount     flexInt `json:"stranger_count"`
	RegularCount      flexInt `json:"regular_count"`
	MemberCount       flexInt `json:"member_count"`
	UniqTotalCount    flexInt `json:"uniq_total_count"`
	UniqStrangerCount flexInt `json:"uniq_stranger_count"`
	UniqRegularCount  flexInt `json:"uniq_regular_count"`
	UniqMemberCount   flexInt `json:"uniq_member_count"`
}

func (h hourItem) counts() vendors.TrafficCounts {
	return vendors.TrafficCounts{
		EntriesFace: int64(h.TotalCount), EntriesNoFace: int64(h.UnexposedCount),
		Entries:   int64(h.TotalCount + h.UnexposedCount), // NOTES 7: entries = with a face + without
		PassersBy: int64(h.PassCount),
		Strangers: int64(h.StrangerCount), Regulars: int64(h.RegularCount), Members: int64(h.MemberCount),
		UniqTotal: int64(h.UniqTotalCount), UniqStrangers: int64(h.UniqStrangerCount),
		UniqRegulars: int64(h.UniqRegularCount), UniqMembers: int64(h.UniqMemberCount),
	}
}

type ageItem struct {
	AgeRange           flexInt `json:"age_range"`
	StrangerCount      flexInt `json:"stranger_count"`
	RegularCount       flexInt `json:"regular_count"`
	MemberCount        flexInt `json:"member_count"`
	MaleCount          flexInt `json:"male_count"`
	MaleRegularCount   flexInt `json:"male_regular_count"`
	MaleMemberCount    flexInt `json:"male_member_count"`
	FemaleCount        flexInt `json:"female_count"`
	FemaleRegularCount flexInt `json:"female_regular_count"`
	FemaleMemberCount  flexInt `json:"female_member_count"`
}

type countList[T any] struct {
	CountList []T `json:"count_list"`
}

// hourLabel reads "2020-02-11 00:00" (today) and "2019-12-01 0:00"
// (history, hour unpadded; NOTES 3) as a local hour of the shop.
func hourLabel(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 3:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("hour label " + s)
}

func (c *Client) malformed(op string, err error) error {
	return c.fail(op, vendors.KindMalformed, 0, "", err)
}

func dayParams(shop vendors.ShopRef, from, to vendors.Date) map[string]string {
	p := shopParams(shop)
	p["start_time"], p["end_time"] = from.String(), to.String()
	return p
}

// today is the shop's current date.
func (c *Client) today(loc *time.Location) vendors.Date { return vendors.DateOf(c.now(), loc) }

// TrafficToday implements vendors.Traffic with today/getTrendByHour (§4.3.4:
// hours with and without a face, passers-by), today/groupByTag (§4.3.2:
// kinds of face by age, for the day) and today/groupByGender (§4.3.3).
// Today's hours carry no kinds of face: Sunmi gives those per hour only in
// history (T+1), so they are the day's until the day closes.
func (c *Client) TrafficToday(ctx context.Context, t vendors.TrafficTarget) (vendors.TrafficDay, error) {
	loc := t.Location
	day := vendors.TrafficDay{Date: c.today(loc), Have: vendors.HaveTags | vendors.HaveAges}
	var hours countList[hourItem]
	if err := c.call(ctx, opTodayTrendByHour, shopParams(t.Shop), true, &hours); err != nil {
		return day, err
	}
	for _, it := range hours.CountList {
		start, err := hourLabel(it.Time, loc)
		if err != nil {
			return day, c.malformed(opTodayTrendByHour, err)
		}
		cnt := it.counts()
		cnt.Strangers, cnt.Regulars, cnt.Members = 0, 0, 0
		day.Hours = append(day.Hours, vendors.TrafficHour{Start: start, Have: vendors.HaveFaceSplit, TrafficCounts: cnt})
	}
	var tags, genders countList[ageItem]
	if err := c.call(ctx, opTodayByTag, shopParams(t.Shop), true, &tags); err != nil {
		return day, err
	}
	if err := c.call(ctx, opTodayByGender, shopParams(t.Shop), true, &genders); err != nil {
		return day, err
	}
	ages := ageCounts(genders.CountList)
	for _, it := range tags.CountList {
		if a := int(it.AgeRange); a >= 1 && a <= vendors.AgeRangeCount {
			ages[a-1].Strangers, ages[a-1].Regulars, ages[a-1].Member = int64(it.StrangerCount), int64(it.RegularCount), int64(it.MemberCount)
		}
		day.Day.Strangers += int64(it.StrangerCount)
		day.Day.Regulars += int64(it.RegularCount)
		day.Day.Members += int64(it.MemberCount)
	}
	day.Ages = &ages
	return day, nil
}

// ageCounts maps groupByGender's items onto the canonical ranges (the
// cloud's 1..8 are the canonical ones, NOTES 2). Strangers of a range are
// its visits less regulars and members (total_count holds all three kinds,
// §4.3.1's note).
func ageCounts(items []ageItem) [vendors.AgeRangeCount]vendors.AgeCounts {
	var out [vendors.AgeRangeCount]vendors.AgeCounts
	for _, it := range items {
		a := int(it.AgeRange)
		if a < 1 || a > vendors.AgeRangeCount {
			continue
		}
		ac := vendors.AgeCounts{Male: int64(it.MaleCount), Female: int64(it.FemaleCount),
			MaleRegular: int64(it.MaleRegularCount), FemaleRegular: int64(it.FemaleRegularCount),
			MaleMember: int64(it.MaleMemberCount), FemaleMember: int64(it.FemaleMemberCount)}
		ac.Regulars = ac.MaleRegular + ac.FemaleRegular
		ac.Member = ac.MaleMember + ac.FemaleMember
		ac.Strangers = max(0, ac.Male+ac.Female-ac.Regulars-ac.Member)
		out[a-1] = ac
	}
	return out
}

// errRange is a range the caller should never ask for.
func (c *Client) errRange(op, why string) error {
	return &vendors.Error{Vendor: Name, Op: op, Kind: vendors.KindInvalidParam, Err: errors.New(why)}
}

// TrafficDays implements vendors.Traffic for closed days: getTrendByDay
// (§4.3.8) in spans of at most 30 days for each day's unique people, then
// per day getTrendByHour (§4.3.7: one day per call) and groupByGender
// (§4.3.6). Dates are the shop's (t.Location). A day Sunmi has nothing for
// (5013 未找到数据) comes back as an empty closed day.
func (c *Client) TrafficDays(ctx context.Context, t vendors.TrafficTarget, from, to vendors.Date) ([]vendors.TrafficDay, error) {
	loc := t.Location
	if to.Before(from) {
		return nil, c.errRange(opHistoryTrendDay, "the range ends before it starts")
	}
	if !to.Before(c.today(loc)) {
		return nil, c.errRange(opHistoryTrendDay, "history ends yesterday (T+1)")
	}
	uniq := map[vendors.Date]hourItem{}
	for _, span := range vendors.SplitDays(from, to, historyMaxDays) {
		var days countList[hourItem]
		err := c.call(ctx, opHistoryTrendDay, dayParams(t.Shop, span[0], span[1]), true, &days)
		if vendors.KindOf(err) == vendors.KindNoData {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, it := range days.CountList {
			d, err := vendors.ParseDate(strings.TrimSpace(it.Time))
			if err != nil {
				return nil, c.malformed(opHistoryTrendDay, err)
			}
			uniq[d] = it
		}
	}
	out := make([]vendors.TrafficDay, 0, from.DaysTo(to)+1)
	for d := from; !d.After(to); d = d.AddDays(1) {
		day, err := c.historyDay(ctx, t, d, uniq[d])
		if err != nil {
			return out, err
		}
		out = append(out, day)
	}
	return out, nil
}

func (c *Client) historyDay(ctx context.Context, t vendors.TrafficTarget, d vendors.Date, dayItem hourItem) (vendors.TrafficDay, error) {
	day := vendors.TrafficDay{Date: d, Final: true}
	var hours countList[hourItem]
	err := c.call(ctx, opHistoryTrendHour, dayParams(t.Shop, d, d), true, &hours)
	if vendors.KindOf(err) == vendors.KindNoData {
		return day, nil
	}
	if err != nil {
		return day, err
	}
	const have = vendors.HaveFaceSplit | vendors.HaveTags | vendors.HaveUnique
	for _, it := range hours.CountList {
		start, err := hourLabel(it.Time, t.Location)
		if err != nil {
			return day, c.malformed(opHistoryTrendHour, err)
		}
		// §4.3.7's example answers 2019-12-01 to a request for 2020-01-01
		// (NOTES 32): an hour of another day is not this day's.
		if vendors.DateOf(start, t.Location) != d {
			return day, c.malformed(opHistoryTrendHour, errors.New("hour "+it.Time+" is not of "+d.String()))
		}
		day.Hours = append(day.Hours, vendors.TrafficHour{Start: start, Have: have, TrafficCounts: it.counts()})
	}
	day.Day = dayItem.counts()
	day.Have = vendors.HaveUnique | vendors.HaveTags
	var genders countList[ageItem]
	err = c.call(ctx, opHistoryByGender, dayParams(t.Shop, d, d), true, &genders)
	switch {
	case vendors.KindOf(err) == vendors.KindNoData:
	case err != nil:
		return day, err
	default:
		ages := ageCounts(genders.CountList)
		day.Ages = &ages
		day.Have |= vendors.HaveAges
	}
	return day, nil
}

type frequencyItem struct {
	Frequency         flexInt `json:"frequency"`
	StrangerUniqCount flexInt `json:"stranger_uniq_count"`
	RegularUniqCount  flexInt `json:"regular_uniq_count"`
	MemberUniqCount   flexInt `json:"member_uniq_count"`
}

// FrequencyMaxDays implements vendors.VisitFrequency.
func (c *Client) FrequencyMaxDays() int { return historyMaxDays }

// Frequency implements vendors.VisitFrequency with §4.3.11. Unique people
// cannot be added across calls, so a period longer than one call allows is
// refused here rather than split; it must end before today (5025).
func (c *Client) Frequency(ctx context.Context, t vendors.TrafficTarget, from, to vendors.Date) ([]vendors.FrequencyRow, error) {
	switch {
	case to.Before(from):
		return nil, c.errRange(opHistoryFrequency, "the range ends before it starts")
	case from.DaysTo(to)+1 > historyMaxDays:
		return nil, c.errRange(opHistoryFrequency, "at most 30 days")
	case !to.Before(c.today(t.Location)):
		return nil, c.errRange(opHistoryFrequency, "the period must end before today")
	}
	var list struct {
		FrequencyList []frequencyItem `json:"frequency_list"`
	}
	if err := c.call(ctx, opHistoryFrequency, dayParams(t.Shop, from, to), true, &list); err != nil {
		return nil, err
	}
	out := make([]vendors.FrequencyRow, 0, len(list.FrequencyList))
	for _, it := range list.FrequencyList {
		out = append(out, vendors.FrequencyRow{Visits: int(it.Frequency), Strangers: int64(it.StrangerUniqCount),
			Regulars: int64(it.RegularUniqCount), Members: int64(it.MemberUniqCount)})
	}
	return out, nil
}
