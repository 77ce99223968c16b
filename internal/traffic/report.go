package traffic

import (
	"context"
	"fmt"
	"math/bits"
	"time"

	"storelens/internal/models"
	"storelens/internal/vendors"
)

// Granularity is the size of a report row.
type Granularity string

// The granularities.
const (
	ByHour  Granularity = "hour"
	ByDay   Granularity = "day"
	ByWeek  Granularity = "week"
	ByMonth Granularity = "month"
)

// Valid reports whether g is a known granularity.
func (g Granularity) Valid() bool { return g == ByHour || g == ByDay || g == ByWeek || g == ByMonth }

// MaxHourDays bounds an hourly report (a page of 31×24 rows is plenty).
const MaxHourDays = 31

// MaxReportDays bounds any report (two years and a bit).
const MaxReportDays = 800

// Query is a report: shops, a range of their days, and the row size.
type Query struct {
	ShopIDs  []uint
	Location *time.Location // for hour rows and "today"; each shop's days are its own dates
	From, To vendors.Date
	Gran     Granularity
}

// Days is the length of the range.
func (q Query) Days() int { return q.From.DaysTo(q.To) + 1 }

// Previous is the period of equal length just before q.
func (q Query) Previous() Query {
	p := q
	n := q.Days()
	p.To = q.From.AddDays(-1)
	p.From = q.From.AddDays(-n)
	return p
}

// Row is one row of a report.
type Row struct {
	Start  vendors.Date // the first day of the row (hour rows: their day)
	Hour   time.Time    // hour rows: the hour's start
	Label  string       // "2026-01-05", "2026-01-05 14:00", "2026-W02", "2026-01"
	Have   vendors.Have
	Counts models.TrafficCounters
	NoData bool // no bucket at all: the vendor said nothing, not 0
	Today  bool // the row holds today (numbers still moving)
}

// Outside is entries plus passers-by (OpRetail's outsidePassengerFlow).
func (r Row) Outside() int64 { return r.Counts.Entries + r.Counts.PassersBy }

// EntryRate is entries over outside, in 0..1; ok is false when there is
// nobody outside to divide by.
func (r Row) EntryRate() (float64, bool) {
	o := r.Outside()
	if o == 0 {
		return 0, false
	}
	return float64(r.Counts.Entries) / float64(o), true
}

// Report is a report's rows and its totals.
type Report struct {
	Query Query
	Rows  []Row
	Total Row
	// DaysWithData counts the days the range has numbers for.
	DaysWithData int
}

// Report builds a report from the local tables only: the day rollups
// (traffic_days, summed over the shops in SQLite) for hour, day and week
// rows, the month rollups (traffic_months) for month rows and for the
// whole months of a longer range.
func (s *Service) Report(ctx context.Context, q Query) (Report, error) {
	if !q.Gran.Valid() {
		return Report{}, fmt.Errorf("traffic: granularity %q", q.Gran)
	}
	if q.To.Before(q.From) || q.Days() > MaxReportDays || (q.Gran == ByHour && q.Days() > MaxHourDays) {
		return Report{}, fmt.Errorf("%w: %v..%v by %s", ErrBadRange, q.From, q.To, q.Gran)
	}
	today := vendors.DateOf(s.now(), q.Location)
	if q.Gran == ByMonth {
		return s.monthReport(ctx, q, today)
	}
	rep := Report{Query: q}
	byDay, err := s.daySums(ctx, q.ShopIDs, q.From, q.To)
	if err != nil {
		return rep, err
	}
	rep.DaysWithData = len(byDay)
	rep.Total.NoData = true
	for d := q.From; !d.After(q.To); d = d.AddDays(1) {
		if r, ok := byDay[d.String()]; ok {
			fold(&rep.Total, r)
		}
	}
	switch q.Gran {
	case ByHour:
		rep.Rows, err = s.hourRows(ctx, q, today)
	case ByDay:
		for d := q.From; !d.After(q.To); d = d.AddDays(1) {
			rep.Rows = append(rep.Rows, dayRow(d, byDay, today))
		}
	default:
		rep.Rows = groupRows(q, byDay, today)
	}
	return rep, err
}

// fold adds x to r: counts add up, a counter stays known only if it is
// known in both.
func fold(r *Row, x *Row) {
	if r.NoData {
		r.Have, r.NoData = x.Have, false
	}
	r.Have &= x.Have
	r.Counts.Add(x.Counts)
}

// daySums is the shops' days from..to, each summed over the shops.
func (s *Service) daySums(ctx context.Context, ids []uint, from, to vendors.Date) (map[string]*Row, error) {
	sums, err := s.Store.TrafficDaySums(ctx, ids, from.String(), to.String())
	if err != nil {
		return nil, err
	}
	byDay := make(map[string]*Row, len(sums))
	for _, d := range sums {
		byDay[d.Period] = &Row{Have: vendors.Have(d.Have), Counts: d.TrafficCounters}
	}
	return byDay, nil
}

// monthStart is the first day of d's month.
func monthStart(d vendors.Date) vendors.Date {
	return vendors.Date{Year: d.Year, Month: d.Month, Day: 1}
}

// monthReport is a report by calendar month: a whole month of the range is
// its rollups' sum over the shops (one row a shop month), a month the range
// cuts (its first and last) the sum of the days it keeps.
func (s *Service) monthReport(ctx context.Context, q Query, today vendors.Date) (Report, error) {
	rep := Report{Query: q}
	type span struct{ from, to vendors.Date }
	var spans []span
	for m := monthStart(q.From); !m.After(q.To); m = monthStart(m.AddDays(31)) {
		sp := span{m, monthStart(m.AddDays(31)).AddDays(-1)}
		if sp.from.Before(q.From) {
			sp.from = q.From
		}
		if sp.to.After(q.To) {
			sp.to = q.To
		}
		spans = append(spans, sp)
	}
	whole := func(sp span) bool { return sp.from.Day == 1 && sp.to.AddDays(1).Day == 1 }
	// The whole months, read in one query.
	var wholeFrom, wholeTo string
	for _, sp := range spans {
		if whole(sp) {
			if wholeFrom == "" {
				wholeFrom = sp.from.String()[:7]
			}
			wholeTo = sp.from.String()[:7]
		}
	}
	months := map[string]models.TrafficSum{}
	if wholeFrom != "" {
		sums, err := s.Store.TrafficMonthSums(ctx, q.ShopIDs, wholeFrom, wholeTo)
		if err != nil {
			return rep, err
		}
		for _, m := range sums {
			months[m.Period] = m
		}
	}
	rep.Total.NoData = true
	for _, sp := range spans {
		r := Row{Start: monthStart(sp.from), NoData: true, Today: !today.Before(sp.from) && !today.After(sp.to)}
		r.Label = fmt.Sprintf("%04d-%02d", r.Start.Year, int(r.Start.Month))
		if whole(sp) {
			if m, ok := months[r.Label]; ok {
				fold(&r, &Row{Have: vendors.Have(m.Have), Counts: m.TrafficCounters})
				rep.DaysWithData += bits.OnesCount64(uint64(m.Days))
			}
		} else {
			sum, err := s.cutMonth(ctx, q.ShopIDs, sp.from, sp.to)
			if err != nil {
				return rep, err
			}
			if sum.Days != 0 {
				fold(&r, &Row{Have: vendors.Have(sum.Have), Counts: sum.TrafficCounters})
				rep.DaysWithData += bits.OnesCount64(uint64(sum.Days))
			}
		}
		if !r.NoData {
			fold(&rep.Total, &r)
		}
		rep.Rows = append(rep.Rows, r)
	}
	return rep, nil
}

// cutMonth sums the shops' days from..to, which lie in one month the
// range cuts. When the range leaves out fewer days of the month than it
// keeps, and every shop month with a kept day knows the same counters on
// all its days (have = have_any), it is the month rows minus the days left
// out, and the kept days with data are the month rows' day sets under the
// kept mask: at 1,000 shops this reads a few thousand day rows where the
// kept days were up to 30,000. Otherwise it reads the kept days.
func (s *Service) cutMonth(ctx context.Context, ids []uint, from, to vendors.Date) (models.TrafficSum, error) {
	first := monthStart(from)
	last := monthStart(first.AddDays(31)).AddDays(-1)
	kept := to.Day - from.Day + 1
	if last.Day-kept < kept && len(ids) > 0 && !s.CutMonthsByDays {
		var keep int64
		for d := from.Day; d <= to.Day; d++ {
			keep |= 1 << (d - 1)
		}
		groups, err := s.Store.TrafficMonthGroups(ctx, ids, first.String()[:7], keep)
		if err != nil {
			return models.TrafficSum{}, err
		}
		out := models.TrafficSum{Period: first.String()[:7]}
		uniform := true
		for _, g := range groups {
			out.TrafficCounters.Add(g.TrafficCounters)
			if g.Days == 0 {
				continue
			}
			if g.Have != g.HaveAny {
				uniform = false
				break
			}
			if out.Days == 0 {
				out.Have = g.Have
			}
			out.Have &= g.Have
			out.Days |= g.Days
		}
		if uniform {
			for _, r := range [][2]vendors.Date{{first, from.AddDays(-1)}, {to.AddDays(1), last}} {
				if r[1].Before(r[0]) {
					continue
				}
				left, err := s.Store.TrafficSpanSum(ctx, ids, r[0].String(), r[1].String())
				if err != nil {
					return out, err
				}
				out.TrafficCounters.Sub(left.TrafficCounters)
			}
			if out.Days == 0 {
				out.TrafficCounters = models.TrafficCounters{}
			}
			return out, nil
		}
	}
	return s.Store.TrafficSpanSum(ctx, ids, from.String(), to.String())
}

func dayRow(d vendors.Date, byDay map[string]*Row, today vendors.Date) Row {
	r := Row{Start: d, Label: d.String(), Today: d == today}
	if x, ok := byDay[d.String()]; ok {
		r.Have, r.Counts = x.Have, x.Counts
	} else {
		r.NoData = true
	}
	return r
}

// groupRows folds day rows into weeks (Monday first, as in China) or
// calendar months. Unique people are summed over the days (the footnote
// says so): the vendors de-duplicate a day, not a week.
func groupRows(q Query, byDay map[string]*Row, today vendors.Date) []Row {
	var out []Row
	key := func(d vendors.Date) vendors.Date {
		if q.Gran == ByMonth {
			return vendors.Date{Year: d.Year, Month: d.Month, Day: 1}
		}
		off := (int(d.Weekday()) + 6) % 7 // days since Monday
		return d.AddDays(-off)
	}
	for d := q.From; !d.After(q.To); d = d.AddDays(1) {
		k := key(d)
		if len(out) == 0 || out[len(out)-1].Start != k {
			r := Row{Start: k, NoData: true}
			if q.Gran == ByMonth {
				r.Label = fmt.Sprintf("%04d-%02d", k.Year, int(k.Month))
			} else {
				r.Label = k.String()
			}
			out = append(out, r)
		}
		r := &out[len(out)-1]
		if d == today {
			r.Today = true
		}
		if x, ok := byDay[d.String()]; ok {
			fold(r, x)
		}
	}
	return out
}

// hourRows sums the shops' hours of the range, labelled in q.Location.
func (s *Service) hourRows(ctx context.Context, q Query, today vendors.Date) ([]Row, error) {
	from, to := q.From.Start(q.Location), q.To.AddDays(1).Start(q.Location)
	hours, err := s.Store.TrafficHourRows(ctx, q.ShopIDs, from.Unix(), to.Unix())
	if err != nil {
		return nil, err
	}
	idx := map[int64]int{}
	var out []Row
	for d := q.From; !d.After(q.To); d = d.AddDays(1) {
		for _, h := range d.Hours(q.Location) {
			idx[h.Unix()] = len(out)
			out = append(out, Row{Start: d, Hour: h, Label: h.In(q.Location).Format("2006-01-02 15:00"), NoData: true, Today: d == today})
		}
	}
	for _, h := range hours {
		i, ok := idx[h.HourStart]
		if !ok {
			continue
		}
		r := &out[i]
		if r.NoData {
			r.Have, r.NoData = vendors.Have(h.Have), false
		}
		r.Have &= vendors.Have(h.Have)
		r.Counts.Add(h.TrafficCounters)
	}
	return out, nil
}

// Change is a figure and its change against the previous period.
type Change struct {
	Now, Before float64
	Known       bool // both periods have data
}

// Ratio is the relative change (0.12 = +12%); ok false when Before is 0.
func (c Change) Ratio() (float64, bool) {
	if !c.Known || c.Before == 0 {
		return 0, false
	}
	return (c.Now - c.Before) / c.Before, true
}

// Compare returns the totals of q's previous period of equal length, and
// whether every day of it has numbers (a change against half a period
// would mislead). It asks for month rows: its whole months come from the
// month rollups.
func (s *Service) Compare(ctx context.Context, q Query) (Row, bool, error) {
	p := q.Previous()
	p.Gran = ByMonth
	rep, err := s.Report(ctx, p)
	if err != nil {
		return Row{}, false, err
	}
	return rep.Total, rep.DaysWithData == p.Days(), nil
}

// Ranking is a shop's place by entries over a range.
type Ranking struct {
	ShopID              uint
	Entries, PassersBy  int64
	Strangers, Regulars int64
	Days                int64
}

// Rank sums each shop's days from..to and orders the shops by entries.
func (s *Service) Rank(ctx context.Context, shopIDs []uint, from, to vendors.Date) ([]Ranking, error) {
	totals, err := s.Store.TrafficTotals(ctx, shopIDs, from.String(), to.String())
	if err != nil {
		return nil, err
	}
	out := make([]Ranking, 0, len(shopIDs))
	for _, id := range shopIDs {
		t := totals[id]
		out = append(out, Ranking{ShopID: id, Entries: t.Entries, PassersBy: t.PassersBy, Strangers: t.Strangers,
			Regulars: t.Regulars, Days: t.Days})
	}
	sortRanking(out)
	return out, nil
}

func sortRanking(r []Ranking) {
	// Insertion sort keeps equal shops in their given (name) order.
	for i := 1; i < len(r); i++ {
		for j := i; j > 0 && r[j].Entries > r[j-1].Entries; j-- {
			r[j], r[j-1] = r[j-1], r[j]
		}
	}
}

// Preset names a period.
type Preset string

// The presets.
const (
	Today     Preset = "today"
	Yesterday Preset = "yesterday"
	Last7     Preset = "last7"
	Last30    Preset = "last30"
	ThisMonth Preset = "this_month"
	LastMonth Preset = "last_month"
	Custom    Preset = "custom"
)

// Presets lists the presets in the order the page offers them.
var Presets = []Preset{Today, Yesterday, Last7, Last30, ThisMonth, LastMonth}

// Range is the days of a preset, today being the shop's today. "Last 7
// days" ends today: its last row moves until midnight.
func (p Preset) Range(today vendors.Date) (vendors.Date, vendors.Date, bool) {
	first := vendors.Date{Year: today.Year, Month: today.Month, Day: 1}
	switch p {
	case Today:
		return today, today, true
	case Yesterday:
		y := today.AddDays(-1)
		return y, y, true
	case Last7:
		return today.AddDays(-6), today, true
	case Last30:
		return today.AddDays(-29), today, true
	case ThisMonth:
		return first, today, true
	case LastMonth:
		prevLast := first.AddDays(-1)
		return vendors.Date{Year: prevLast.Year, Month: prevLast.Month, Day: 1}, prevLast, true
	}
	return vendors.Date{}, vendors.Date{}, false
}
