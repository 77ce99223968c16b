package sim

import (
	"hash/fnv"
	"strconv"
	"time"
)

// 003 Customer Flow Statistics 5-7: inflow (with age and gender), pass-by
// and outflow counts of a time range, by half hour, hour or day.
func init() {
	register("/peopleFlow/getPeopleStat", authSigned, func(c *Camera, q *Request) (int, any) { return c.peopleStat(q, flowIn) })
	register("/peopleFlow/getPeopleStatPass", authSigned, func(c *Camera, q *Request) (int, any) { return c.peopleStat(q, flowPass) })
	register("/peopleFlow/getPeopleStatOut", authSigned, func(c *Camera, q *Request) (int, any) { return c.peopleStat(q, flowOut) })
}

// FlowProfile shapes the counts the camera has recorded since Since: every
// hour's are computed from Seed (the same hour always counts the same),
// about Size people entering in an open hour between Opens and Closes
// o'clock in Zone (an IANA name kept with the state; Asia/Shanghai when
// empty or unknown), more at lunch, in the evening and at weekends.
type FlowProfile struct {
	Seed          int64
	Size          int
	Opens, Closes int
	Since         time.Time
	Zone          string
}

// SetPeopleFlow makes the camera's counter have recorded p.
func (c *Camera) SetPeopleFlow(p FlowProfile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.Flow = &p
}

type flowKind int

const (
	flowIn flowKind = iota
	flowPass
	flowOut
)

// hourCounts are one recorded hour: entries by gender and age range,
// passers-by and people leaving.
type hourCounts struct {
	male, female [8]int
	pass, out    int
}

func (h hourCounts) in() int {
	n := 0
	for i := range h.male {
		n += h.male[i] + h.female[i]
	}
	return n
}

// ageShare is how entries spread over the 8 age ranges, in percent.
var ageShare = [8]int{2, 4, 7, 27, 24, 18, 11, 7}

func (p *FlowProfile) zone() *time.Location {
	name := p.Zone
	if name == "" {
		name = "Asia/Shanghai"
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// hour computes the hour starting at start (whole hours of the zone).
func (p *FlowProfile) hour(start time.Time) hourCounts {
	var h hourCounts
	local := start.In(p.zone())
	if local.Hour() < p.Opens || local.Hour() >= p.Closes {
		return h
	}
	f := fnv.New64a()
	f.Write([]byte(strconv.FormatInt(p.Seed, 10) + "/" + strconv.FormatInt(start.Unix(), 10)))
	r := f.Sum64()
	n := p.Size/2 + int(r%uint64(p.Size+1))
	switch local.Hour() { // the lunch and evening peaks
	case 11, 12, 17, 18, 19:
		n = n * 8 / 5
	}
	if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
		n = n * 3 / 2
	}
	men := n * (40 + int(r>>8%20)) / 100
	for i, share := range ageShare {
		h.male[i] = men * share / 100
		h.female[i] = (n - men) * share / 100
	}
	h.pass = 2*h.in() + int(r>>16%7)
	h.out = h.in() - int(r>>24%3)
	if h.out < 0 {
		h.out = 0
	}
	return h
}

// peopleStat answers one statistics call. Buckets follow the clock of the
// camera's zone; only hours recorded (from Since to now) count, and a
// range with none is codeNoRecord, as 003 says ("Error will be returned
// if no record is found").
func (c *Camera) peopleStat(q *Request, kind flowKind) (int, any) {
	from, ok1 := int64Param(q, "start_time")
	to, ok2 := int64Param(q, "end_time")
	period, ok3 := intIn(q, "period", 1, 3)
	if !ok1 || !ok2 || !ok3 || to <= from {
		return codeParam, nil
	}
	p := c.st.Flow
	if p == nil {
		return codeNoRecord, nil
	}
	loc := p.zone()
	start, end := time.Unix(from, 0).In(loc), time.Unix(to, 0).In(loc)
	recordedFrom, recordedTo := p.Since.Truncate(time.Hour), c.now().Truncate(time.Hour)
	type bucket struct {
		start, end time.Time
		h          hourCounts
		any        bool
	}
	var buckets []*bucket
	bucketOf := func(t time.Time) time.Time {
		switch period {
		case 1:
			return t.Truncate(30 * time.Minute)
		case 2:
			return t.Truncate(time.Hour)
		}
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	var cur *bucket
	for t := start.Truncate(time.Hour); t.Before(end); t = t.Add(time.Hour) {
		if t.Before(recordedFrom) || !t.Before(recordedTo) {
			continue
		}
		h := p.hour(t)
		halves := []time.Time{t}
		if period == 1 {
			halves = append(halves, t.Add(30*time.Minute))
		}
		for i, hs := range halves {
			if hs.Before(start) || !hs.Before(end) {
				continue
			}
			b := bucketOf(hs)
			if cur == nil || !cur.start.Equal(b) {
				cur = &bucket{start: b}
				switch period {
				case 1:
					cur.end = b.Add(30 * time.Minute)
				case 2:
					cur.end = b.Add(time.Hour)
				default:
					cur.end = b.AddDate(0, 0, 1)
				}
				buckets = append(buckets, cur)
			}
			cur.any = true
			part := h
			if period == 1 { // an hour's counts split between its halves
				part = half(h, i == 0)
			}
			cur.h = add(cur.h, part)
		}
	}
	if len(buckets) == 0 {
		return codeNoRecord, nil
	}
	total := 0
	list := make([]map[string]any, 0, len(buckets))
	for _, b := range buckets {
		item := map[string]any{"start_time": b.start.Unix(), "end_time": b.end.Unix()}
		var n int
		switch kind {
		case flowIn:
			n = b.h.in()
			item["male_num_stat"], item["female_num_stat"] = b.h.male, b.h.female
		case flowPass:
			n = b.h.pass
		case flowOut:
			n = b.h.out
		}
		item["total"] = n
		total += n
		list = append(list, item)
	}
	return codeOK, map[string]any{"total": total, "stat_list": list}
}

func add(a, b hourCounts) hourCounts {
	for i := range a.male {
		a.male[i] += b.male[i]
		a.female[i] += b.female[i]
	}
	a.pass += b.pass
	a.out += b.out
	return a
}

// half is the first (or second) half hour's share of h: the second gets
// the odd ones.
func half(h hourCounts, first bool) hourCounts {
	split := func(n int) int {
		if first {
			return n / 2
		}
		return n - n/2
	}
	var o hourCounts
	for i := range h.male {
		o.male[i], o.female[i] = split(h.male[i]), split(h.female[i])
	}
	o.pass, o.out = split(h.pass), split(h.out)
	return o
}

func int64Param(q *Request, name string) (int64, bool) {
	v, ok := q.Params[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}
