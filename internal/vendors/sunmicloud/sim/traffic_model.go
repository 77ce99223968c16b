package sim

import (
	"hash/fnv"
	"math"
	"sort"
	"strings"
	"time"
)

// TrafficProfile is how busy a simulated shop is. Every number the
// passengerFlow endpoints answer is a pure function of the profile, the
// shop number and the hour, so the same hour gives the same people whichever
// endpoint or granularity is asked, on every run.
type TrafficProfile struct {
	Seed int64
	// Size is the mean number of entries in an open hour of a weekday.
	Size float64
	// Location is the shop's time zone (NOTES.md item 4); Asia/Shanghai
	// when nil. Sunmi's dates and "today" are the shop's.
	Location *time.Location
	// Opens and Closes are the opening hours (local hour, Closes exclusive).
	Opens, Closes int
}

// SetTraffic sets the traffic profile of a shop. Shops without one get a
// profile derived from their shop number, so every shop has a day.
func (s *Server) SetTraffic(shopNo string, p TrafficProfile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profiles == nil {
		s.profiles = map[string]TrafficProfile{}
	}
	s.profiles[shopNo] = p
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// profile returns the shop's profile with defaults filled in. s.mu held.
func (s *Server) profile(shopNo string) TrafficProfile {
	p, ok := s.profiles[shopNo]
	if !ok {
		h := hashOf(shopNo)
		p = TrafficProfile{Seed: 1, Size: 15 + float64(h%50)}
	}
	if p.Location == nil {
		p.Location = shanghai
	}
	if p.Opens == 0 && p.Closes == 0 {
		p.Opens, p.Closes = 9, 22
	}
	if p.Size <= 0 {
		p.Size = 20
	}
	return p
}

// hashOf is the simulator's deterministic hash of some parts (a shop, a
// camera, what is drawn, a number): FNV-1a over the parts joined by "/".
func hashOf(parts ...string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.Join(parts, "/")))
	return h.Sum64()
}

// splitmix is a tiny deterministic random source: the same inputs give the
// same stream.
type splitmix uint64

func (x *splitmix) next() uint64 {
	*x += 0x9E3779B97F4A7C15
	z := uint64(*x)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// float is uniform in [0,1).
func (x *splitmix) float() float64 { return float64(x.next()>>11) / (1 << 53) }

// hourCounts are one hour's people, the unit everything else sums.
type hourCounts struct {
	face, noFace, pass           int64
	stranger, regular, member    int64          // visits, face only; sum = face
	uStranger, uRegular, uMember int64          // unique in the hour
	ages                         [8][3][2]int64 // [age][tag][gender 0 male 1 female], sum = face
}

const (
	tagStranger = 0
	tagRegular  = 1
	tagMember   = 2
)

func gauss(x, mu, sigma float64) float64 {
	d := (x - mu) / sigma
	return math.Exp(-d * d / 2)
}

// hour computes the people of the local hour starting at start (UTC) for
// shopNo, complete. The shape: nobody outside opening hours but a few
// passers-by; a lunch peak around 12:30 and a larger evening one around
// 19:00; weekends a third busier; ±15% noise per hour.
func (s *Server) hour(shopNo string, p TrafficProfile, start time.Time) hourCounts {
	local := start.In(p.Location)
	h := local.Hour()
	rng := splitmix(uint64(p.Seed)*0x100000001B3 ^ hashOf(shopNo) ^ uint64(start.Unix()/3600)*0x9E3779B97F4A7C15)
	noise := 0.85 + 0.3*rng.float()
	var c hourCounts
	weekend := local.Weekday() == time.Saturday || local.Weekday() == time.Sunday
	mul := 1.0
	if weekend {
		mul = 1.35
	}
	// Passers-by never stop: the street is busy in the day, quiet at night.
	street := 0.15 + 1.2*gauss(float64(h), 13, 4.5)
	c.pass = int64(math.Round(p.Size * 1.8 * street * mul * noise))
	if h >= p.Opens && h < p.Closes {
		w := 0.45 + 0.75*gauss(float64(h)+0.5, 12.5, 1.1) + 1.0*gauss(float64(h)+0.5, 19, 1.4)
		entries := int64(math.Round(p.Size * w * mul * noise))
		faceRate := 0.72 + 0.12*rng.float()
		c.face = int64(math.Round(float64(entries) * faceRate))
		c.noFace = entries - c.face
		parts := apportion(c.face, []float64{0.66 + 0.05*rng.float(), 0.25, 0.09})
		c.stranger, c.regular, c.member = parts[0], parts[1], parts[2]
		// Within one hour almost everyone is seen once; a regular now and
		// then comes back for something forgotten.
		c.uStranger = c.stranger - c.stranger/40
		c.uRegular = c.regular - c.regular/12
		c.uMember = c.member - c.member/10
		ageW, female := shopDemography(shopNo)
		for tag, n := range []int64{c.stranger, c.regular, c.member} {
			w := ageW
			if tag == tagMember { // members are older
				w = [8]float64{0, 0, ageW[2] / 2, ageW[3] * 0.6, ageW[4], ageW[5] * 1.3, ageW[6] * 1.4, ageW[7] * 1.3}
			}
			cells := make([]float64, 16)
			for a := range 8 {
				cells[2*a] = w[a] * (1 - female)
				cells[2*a+1] = w[a] * female
			}
			got := apportion(n, cells)
			for a := range 8 {
				c.ages[a][tag][0], c.ages[a][tag][1] = got[2*a], got[2*a+1]
			}
		}
	}
	return c
}

// shopDemography is each shop's own age mix and share of women.
func shopDemography(shopNo string) ([8]float64, float64) {
	rng := splitmix(hashOf("demography:" + shopNo))
	base := [8]float64{0.02, 0.03, 0.07, 0.26, 0.24, 0.19, 0.12, 0.07}
	for i := range base {
		base[i] *= 0.8 + 0.4*rng.float()
	}
	return base, 0.48 + 0.14*rng.float()
}

// scaled returns c as it stands fraction of the way through the hour (the
// current hour of today): every counter scaled down, kept consistent.
func (c hourCounts) scaled(fraction float64) hourCounts {
	if fraction >= 1 {
		return c
	}
	f := func(n int64) int64 { return int64(math.Floor(float64(n) * fraction)) }
	var o hourCounts
	o.pass, o.noFace = f(c.pass), f(c.noFace)
	for a := range 8 {
		for t := range 3 {
			for g := range 2 {
				o.ages[a][t][g] = f(c.ages[a][t][g])
			}
		}
	}
	for a := range 8 {
		o.stranger += o.ages[a][tagStranger][0] + o.ages[a][tagStranger][1]
		o.regular += o.ages[a][tagRegular][0] + o.ages[a][tagRegular][1]
		o.member += o.ages[a][tagMember][0] + o.ages[a][tagMember][1]
	}
	o.face = o.stranger + o.regular + o.member
	o.uStranger = o.stranger - o.stranger/40
	o.uRegular = o.regular - o.regular/12
	o.uMember = o.member - o.member/10
	return o
}

// apportion splits n into len(w) whole parts proportional to w (largest
// remainder, ties to the lower index), so the parts always sum to n.
func apportion(n int64, w []float64) []int64 {
	out := make([]int64, len(w))
	var sum float64
	for _, x := range w {
		sum += x
	}
	if n <= 0 || sum <= 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(w))
	var given int64
	for i, x := range w {
		exact := float64(n) * x / sum
		out[i] = int64(math.Floor(exact))
		given += out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < n; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// dayCounts sums the hours of a closed local day and adds the day's unique
// people: fewer than the hours' uniques, because a person seen in two hours
// of one day is one person that day (NOTES.md item 7).
type dayCounts struct {
	hourCounts
	dStranger, dRegular, dMember int64 // unique in the day
}

func (s *Server) day(shopNo string, p TrafficProfile, d time.Time) (dayCounts, []hourCounts) {
	var out dayCounts
	hours := dayHours(d, p.Location)
	per := make([]hourCounts, len(hours))
	for i, h := range hours {
		c := s.hour(shopNo, p, h)
		per[i] = c
		out.add(c)
	}
	out.dStranger = out.uStranger - out.uStranger/50
	out.dRegular = out.uRegular - out.uRegular/5
	out.dMember = out.uMember - out.uMember/4
	return out, per
}

func (c *hourCounts) add(o hourCounts) {
	c.face += o.face
	c.noFace += o.noFace
	c.pass += o.pass
	c.stranger += o.stranger
	c.regular += o.regular
	c.member += o.member
	c.uStranger += o.uStranger
	c.uRegular += o.uRegular
	c.uMember += o.uMember
	for a := range 8 {
		for t := range 3 {
			for g := range 2 {
				c.ages[a][t][g] += o.ages[a][t][g]
			}
		}
	}
}

// dayHours lists the UTC starts of the hours of the local day of d.
func dayHours(d time.Time, loc *time.Location) []time.Time {
	y, m, dd := d.Date()
	start := time.Date(y, m, dd, 0, 0, 0, 0, loc)
	end := time.Date(y, m, dd+1, 0, 0, 0, 0, loc)
	var out []time.Time
	for t := start; t.Before(end); t = t.Add(time.Hour) {
		out = append(out, t.UTC())
	}
	return out
}

// rangeCounts sums the closed days first..last and derives the period's
// unique people: a regular who came on several days is one person in the
// period, so the period's uniques shrink with its length.
type rangeCounts struct {
	dayCounts
	rStranger, rRegular, rMember int64
}

func (s *Server) period(shopNo string, p TrafficProfile, first, last time.Time) rangeCounts {
	var out rangeCounts
	n := 0
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		dc, _ := s.day(shopNo, p, d)
		out.add(dc.hourCounts)
		out.dStranger += dc.dStranger
		out.dRegular += dc.dRegular
		out.dMember += dc.dMember
		n++
	}
	shrink := func(u int64, a float64) int64 {
		if u == 0 {
			return 0
		}
		return max(1, int64(math.Round(float64(u)/(1+a*float64(n-1)))))
	}
	out.rStranger = shrink(out.dStranger, 0.004)
	out.rRegular = shrink(out.dRegular, 0.09)
	out.rMember = shrink(out.dMember, 0.12)
	return out
}

// frequency spreads u unique people over visit counts 1..50 so that they
// made exactly v visits between them (v >= u): most come once, a few often.
func frequency(u, v int64) [50]int64 {
	var out [50]int64
	if u <= 0 {
		return out
	}
	if v < u {
		v = u
	}
	if v > 50*u {
		v = 50 * u
	}
	mean := float64(v) / float64(u)
	// A geometric law with this mean: P(k) = (1-q) q^(k-1), mean 1/(1-q).
	q := 1 - 1/mean
	w := make([]float64, 50)
	for k := range 50 {
		w[k] = math.Pow(q, float64(k))
	}
	parts := apportion(u, w)
	copy(out[:], parts)
	var got int64
	for k, c := range out {
		got += int64(k+1) * c
	}
	// Move single people between neighbouring counts until the visits
	// match: more people coming twice, or fewer coming most often.
	for got < v {
		for k := 0; k < 49; k++ {
			if out[k] > 0 {
				out[k]--
				out[k+1]++
				got++
				break
			}
		}
	}
	for got > v {
		for k := 49; k > 0; k-- {
			if out[k] > 0 {
				out[k]--
				out[k-1]++
				got--
				break
			}
		}
	}
	return out
}
