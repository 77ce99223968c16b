package sunmilan

import (
	"context"
	"time"

	"storelens/internal/vendors"
)

// Counter counts a shop with its cameras on the LAN: each door camera
// counts its own door (003 Customer Flow Statistics), and the shop's
// counters are their sum. It implements vendors.Traffic.
type Counter struct {
	Cameras []*Client
	Now     func() time.Time // time.Now when nil
}

var _ vendors.Traffic = (*Counter)(nil)

// Close lets the cameras' connections go.
func (c *Counter) Close() error {
	for _, cam := range c.Cameras {
		cam.Close()
	}
	return nil
}

// TrafficFeatures implements vendors.Traffic: entries with age and gender,
// passers-by and people leaving; no face split, kinds of face or unique
// people. The cameras are asked a day at a time, by the hour.
func (c *Counter) TrafficFeatures() vendors.TrafficFeatures {
	return vendors.TrafficFeatures{Have: vendors.HaveLeft | vendors.HaveAges, HistoryDaysPerCall: 1}
}

// TrafficDays implements vendors.Traffic.
func (c *Counter) TrafficDays(ctx context.Context, t vendors.TrafficTarget, from, to vendors.Date) ([]vendors.TrafficDay, error) {
	var out []vendors.TrafficDay
	for d := from; !d.After(to); d = d.AddDays(1) {
		day, err := c.day(ctx, d, d.AddDays(1).Start(t.Location), t.Location)
		if err != nil {
			return nil, err
		}
		day.Final = true
		out = append(out, day)
	}
	return out, nil
}

// TrafficToday implements vendors.Traffic: today's hours up to now.
func (c *Counter) TrafficToday(ctx context.Context, t vendors.TrafficTarget) (vendors.TrafficDay, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	n := now()
	return c.day(ctx, vendors.DateOf(n, t.Location), n, t.Location)
}

// day sums every camera's hours of d that start before until.
func (c *Counter) day(ctx context.Context, d vendors.Date, until time.Time, loc *time.Location) (vendors.TrafficDay, error) {
	day := vendors.TrafficDay{Date: d, Have: vendors.HaveLeft | vendors.HaveAges}
	index := map[int64]int{}
	for _, h := range d.Hours(loc) {
		if !h.Before(until) {
			break
		}
		index[h.Unix()] = len(day.Hours)
		day.Hours = append(day.Hours, vendors.TrafficHour{Start: h, Have: vendors.HaveLeft})
	}
	if len(day.Hours) == 0 {
		return day, nil
	}
	var ages [vendors.AgeRangeCount]vendors.AgeCounts
	from, to := d.Start(loc), d.AddDays(1).Start(loc)
	for _, cam := range c.Cameras {
		for _, flow := range []Flow{FlowIn, FlowPass, FlowOut} {
			stats, err := cam.PeopleStats(ctx, flow, from, to, PeriodHour)
			if err != nil {
				return day, err
			}
			for _, s := range stats {
				i, ok := index[s.Start.Unix()]
				if !ok {
					continue // an hour not begun yet, or not of this day
				}
				h := &day.Hours[i].TrafficCounts
				switch flow {
				case FlowIn:
					h.Entries += s.Total
					for a := range ages {
						ages[a].Male += s.Male[a]
						ages[a].Female += s.Female[a]
					}
				case FlowPass:
					h.PassersBy += s.Total
				case FlowOut:
					h.Left += s.Total
				}
			}
		}
	}
	day.Ages = &ages
	return day, nil
}
