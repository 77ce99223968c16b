package traffic

import (
	"context"
	"fmt"
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

// Report builds a report from the local tables only.
func (s *Service) Report(ctx context.Context, q Query) (Report, error) {
	if !q.Gran.Valid() {
		return Report{}, fmt.Errorf("traffic: granularity %q", q.Gran)
	}
	if q.To.Before(q.From) || q.Days() > MaxReportDays || (q.Gran == ByHour && q.Days() > MaxHourDays) {
		return Report{}, fmt.Errorf("%w: %v..%v by %s", ErrBadRange, q.From, q.To, q.Gran)
	}
	rep := Report{Query: q}
	today := vendors.DateOf(s.now(), q.Location)
	days, err := s.Store.TrafficDayRows(ctx, q.ShopIDs, q.From.String(), q.To.String())
	if err != nil {
		return rep, err
	}
	byDay := map[string]*Row{}
	for _, d := range days {
		r, ok := byDay[d.Day]
		if !ok {
			r = &Row{Have: vendors.Have(d.Have)}
			byDay[d.Day] = r
		}
		r.Have &= vendors.Have(d.Have) // known for all shops or shown as unknown
		r.Counts.Add(d.TrafficCounters)
	}
	rep.DaysWithData = len(byDay)
	rep.Total.NoData = true
	for d := q.From; !d.After(q.To); d = d.AddDays(1) {
		r, ok := byDay[d.String()]
		if !ok {
			continue
		}
		if rep.Total.NoData {
			rep.Total.Have, rep.Total.NoData = r.Have, false
		}
		rep.Total.Have &= r.Have
		rep.Total.Counts.Add(r.Counts)
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
		x, ok := byDay[d.String()]
		if !ok {
			continue
		}
		if r.NoData {
			r.Have, r.NoData = x.Have, false
		}
		r.Have &= x.Have
		r.Counts.Add(x.Counts)
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
// would mislead).
func (s *Service) Compare(ctx context.Context, q Query) (Row, bool, error) {
	p := q.Previous()
	p.Gran = ByDay
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
