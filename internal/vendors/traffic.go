package vendors

import (
	"context"
	"fmt"
	"time"
)

// Date is a calendar day in a shop's time zone. Vendors date their counters
// by the shop's day (NOTES.md item 4), never by the server's.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the day of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

func (d Date) noon() time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC) }

// String is "2006-01-02", the form Sunmi's history calls take.
func (d Date) String() string { return d.noon().Format(time.DateOnly) }

// IsZero reports whether d was never set.
func (d Date) IsZero() bool { return d.Year == 0 }

// Start is the first instant of d in loc (midnight, or the first hour a
// daylight-saving change leaves).
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays moves d by n calendar days.
func (d Date) AddDays(n int) Date {
	t := d.noon().AddDate(0, 0, n)
	return Date{t.Year(), t.Month(), t.Day()}
}

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.noon().Before(o.noon()) }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return o.Before(d) }

// DaysTo is the number of days from d to o (negative when o is earlier).
func (d Date) DaysTo(o Date) int { return int(o.noon().Sub(d.noon()).Hours() / 24) }

// Weekday is d's day of the week.
func (d Date) Weekday() time.Weekday { return d.noon().Weekday() }

// Hours lists the start of every hour of d in loc, in UTC: 24, or 23 and
// 25 on the days a daylight-saving change skips or repeats an hour.
func (d Date) Hours(loc *time.Location) []time.Time {
	start, end := d.Start(loc), d.AddDays(1).Start(loc)
	out := make([]time.Time, 0, 25)
	for t := start; t.Before(end); t = t.Add(time.Hour) {
		out = append(out, t.UTC())
	}
	return out
}

// Have says which counters a bucket or a day carries: vendors count
// different things, and a count the vendor does not give is unknown, not 0.
type Have uint8

// The counters a vendor may give.
const (
	HaveFaceSplit Have = 1 << iota // entries with and without a face (Sunmi)
	HaveTags                       // strangers, regulars, members (Sunmi history per hour; today per day)
	HaveLeft                       // people leaving (OpRetail head-shoulder counters)
	HaveUnique                     // unique people (per hour for hours, per day for days)
	HaveAges                       // age and gender
)

// Has reports whether every bit of w is set.
func (h Have) Has(w Have) bool { return h&w == w }

// TrafficCounts are the counters of one hour or one day. Visits (人次)
// count a person each time; Uniq* count each person once in the bucket
// (NOTES.md item 7: unique people of the hours do not add up to the day's).
type TrafficCounts struct {
	Entries       int64 // entered the shop (with a face and without)
	EntriesFace   int64 // Sunmi total_count: entered and recognised as a face
	EntriesNoFace int64 // Sunmi unexposed_count: entered, no face captured
	PassersBy     int64 // went by the door without entering
	Left          int64 // left the shop (only where the vendor counts it)

	Strangers, Regulars, Members int64 // visits by kind of face

	UniqTotal, UniqStrangers, UniqRegulars, UniqMembers int64
}

// Add adds o to c.
func (c *TrafficCounts) Add(o TrafficCounts) {
	c.Entries += o.Entries
	c.EntriesFace += o.EntriesFace
	c.EntriesNoFace += o.EntriesNoFace
	c.PassersBy += o.PassersBy
	c.Left += o.Left
	c.Strangers += o.Strangers
	c.Regulars += o.Regulars
	c.Members += o.Members
	c.UniqTotal += o.UniqTotal
	c.UniqStrangers += o.UniqStrangers
	c.UniqRegulars += o.UniqRegulars
	c.UniqMembers += o.UniqMembers
}

// TrafficHour is one hour of a shop's counters.
type TrafficHour struct {
	Start time.Time // the hour's first instant, UTC
	Have  Have
	TrafficCounts
}

// AgeCounts are the visits of one age range by gender and kind of face.
type AgeCounts struct {
	Male, Female                int64
	MaleRegular, FemaleRegular  int64
	MaleMember, FemaleMember    int64
	Strangers, Regulars, Member int64
}

// TrafficDay is one shop day as a vendor reports it.
type TrafficDay struct {
	Date  Date
	Final bool // a closed day from the vendor's history, not today so far
	Hours []TrafficHour
	// Day holds what the vendor says of the whole day and the hours cannot:
	// unique people of the day, and visits by kind of face when the hours
	// lack them (Sunmi's today). Its Have says which fields are real.
	Day  TrafficCounts
	Have Have
	// Ages is the day's visits by age range; nil when the vendor has none.
	Ages *[AgeRangeCount]AgeCounts
}

// TrafficTarget says whose counters to read.
type TrafficTarget struct {
	// Shop is the shop at the vendor: Sunmi's sunmi_shop_no or shop_id;
	// OpRetail's department id (depId) in ShopID.
	Shop ShopRef
	// Devices are the counting cameras, for vendors that count per device
	// (Sunmi cameras on the LAN: getPeopleStat per door camera).
	Devices []DeviceRef
	// Location is the shop's time zone: vendor dates are the shop's dates.
	Location *time.Location
}

// TrafficFeatures says what a vendor counts, so the page can footnote what
// is missing rather than show a false 0.
type TrafficFeatures struct {
	Have Have
	// HistoryDaysPerCall is how many days one history call may span.
	HistoryDaysPerCall int
}

// Traffic is the capability to read a shop's customer counters.
type Traffic interface {
	TrafficFeatures() TrafficFeatures
	// TrafficDays returns the closed days from..to (inclusive, both before
	// the shop's today), splitting the range into the vendor's limits.
	TrafficDays(ctx context.Context, t TrafficTarget, from, to Date) ([]TrafficDay, error)
	// TrafficToday returns today so far (hours up to now).
	TrafficToday(ctx context.Context, t TrafficTarget) (TrafficDay, error)
}

// FrequencyRow is how many unique people came Visits times in a period.
type FrequencyRow struct {
	Visits                       int
	Strangers, Regulars, Members int64
}

// VisitFrequency is the capability to tell how often people came back.
type VisitFrequency interface {
	// Frequency covers from..to (inclusive), which must end before today.
	Frequency(ctx context.Context, t TrafficTarget, from, to Date) ([]FrequencyRow, error)
	// FrequencyMaxDays is the longest period one call may cover.
	FrequencyMaxDays() int
}

// AsTraffic returns the Traffic capability of a, or ErrUnsupported.
func AsTraffic(a Adapter) (Traffic, error) {
	t, ok := a.(Traffic)
	if !ok {
		return nil, fmt.Errorf("%s: traffic: %w", a.Vendor(), ErrUnsupported)
	}
	return t, nil
}

// SplitDays cuts from..to (inclusive) into consecutive spans of at most n
// days: the vendors limit how long one history call may be.
func SplitDays(from, to Date, n int) [][2]Date {
	if n < 1 {
		n = 1
	}
	var out [][2]Date
	for start := from; !start.After(to); start = start.AddDays(n) {
		end := start.AddDays(n - 1)
		if end.After(to) {
			end = to
		}
		out = append(out, [2]Date{start, end})
	}
	return out
}
