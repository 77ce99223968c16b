package sim

import (
	"hash/fnv"
	"math"
	"time"
)

const paramLayout = "2006-01-02 15:04:05"

type hourPeople struct{ in, pass, out int64 }

func hashOf(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// rnd is splitmix64: a deterministic stream from one seed.
type rnd uint64

func (x *rnd) float() float64 {
	*x += 0x9E3779B97F4A7C15
	z := uint64(*x)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return float64((z^(z>>31))>>11) / (1 << 53)
}

func bell(x, mu, sigma float64) float64 {
	d := (x - mu) / sigma
	return math.Exp(-d * d / 2)
}

func (d Department) withDefaults() Department {
	if d.Location == nil {
		d.Location = china
	}
	if d.Opens == 0 && d.Closes == 0 {
		d.Opens, d.Closes = 9, 22
	}
	if d.Size <= 0 {
		d.Size = 20
	}
	return d
}

// hour is the people of the hour starting at start: a pure function of the
// department and the hour, so every range and every run agrees. Lunch and
// evening peaks, weekends busier, a quiet street at night.
func (d Department) hour(start time.Time) hourPeople {
	local := start.In(d.Location)
	h := local.Hour()
	r := rnd(uint64(d.Seed)*0x100000001B3 ^ hashOf(d.DepID) ^ uint64(start.Unix()/3600)*0x9E3779B97F4A7C15)
	noise := 0.85 + 0.3*r.float()
	mul := 1.0
	if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
		mul = 1.3
	}
	var p hourPeople
	p.pass = int64(math.Round(d.Size * 2 * (0.15 + 1.2*bell(float64(h), 13, 4.5)) * mul * noise))
	if h >= d.Opens && h < d.Closes {
		w := 0.45 + 0.7*bell(float64(h)+0.5, 12.5, 1.1) + bell(float64(h)+0.5, 19, 1.4)
		p.in = int64(math.Round(d.Size * w * mul * noise))
	}
	if d.HeadShoulder {
		// People leave about when the next ones come: the hour before's
		// entries leave in this hour, mostly.
		prev := d.withoutLeft().hour(start.Add(-time.Hour))
		p.out = (prev.in*2 + p.in) / 3
	}
	return p
}

func (d Department) withoutLeft() Department { d.HeadShoulder = false; return d }

// dayEntries is a whole day's entries as face counters report them: a
// person seen in several hours of the day counts once (002 特殊说明).
func dedupDay(sumOfHours int64) int64 { return sumOfHours - sumOfHours/8 }

// indicator is getPassengerIndicatorData.
func (s *Server) indicator(p map[string]string) (int, any) {
	s.mu.Lock()
	dep, ok := s.deps[p["depId"]]
	s.mu.Unlock()
	if p["depId"] == "" {
		return CodeParam, nil
	}
	if !ok || dep.AppKey != p["_akey"] {
		return CodeNoDepartment, nil
	}
	dep = dep.withDefaults()
	from, err1 := time.ParseInLocation(paramLayout, p["startTime"], dep.Location)
	to, err2 := time.ParseInLocation(paramLayout, p["endTime"], dep.Location)
	onBusiness := p["isOnBusinessTime"] == "1"
	if err1 != nil || err2 != nil || to.Before(from) || (p["isOnBusinessTime"] != "" && p["isOnBusinessTime"] != "0" && !onBusiness) {
		return CodeParam, nil
	}
	now := s.now()
	var in, pass, out int64
	// Walk the local days the range touches.
	y, m, dd := from.Date()
	for day := time.Date(y, m, dd, 0, 0, 0, 0, dep.Location); !day.After(to); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, dep.Location) {
		next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, dep.Location)
		var dIn, dPass, dOut int64
		whole := !from.After(day) && !to.Before(next.Add(-time.Second))
		for h := day; h.Before(next); h = h.Add(time.Hour) {
			if h.Before(from) || h.After(to) || h.After(now) {
				continue
			}
			if onBusiness && (h.In(dep.Location).Hour() < dep.Opens || h.In(dep.Location).Hour() >= dep.Closes) {
				continue
			}
			c := dep.hour(h)
			if elapsed := now.Sub(h); elapsed < time.Hour { // the hour under way
				f := elapsed.Seconds() / 3600
				c = hourPeople{int64(float64(c.in) * f), int64(float64(c.pass) * f), int64(float64(c.out) * f)}
			}
			dIn += c.in
			dPass += c.pass
			dOut += c.out
		}
		if whole && !dep.HeadShoulder && !next.After(now) {
			dIn = dedupDay(dIn)
		}
		in += dIn
		pass += dPass
		out += dOut
	}
	rate := 0.0
	if in+pass > 0 {
		rate = math.Round(float64(in)/float64(in+pass)*10000) / 100
	}
	return CodeOK, map[string]any{
		"passengerFlow": in, "passPassengerFlow": pass, "outsidePassengerFlow": in + pass,
		"inShopRate": rate, "outFlowCount": out,
	}
}
