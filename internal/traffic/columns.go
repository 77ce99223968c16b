package traffic

import (
	"context"
	"strconv"
	"time"

	"storelens/internal/vendors"
)

// Counted is what the cameras behind some rows counted: the one place
// that decides which columns a report, its CSV and the hourly export
// show, and which cells say "not counted by this camera".
//
// It starts from the vendors' own capability bits (the adapters set them
// per hour and day): Sunmi cloud never counts people leaving; Sunmi LAN
// door cameras count them (people stat flow "out"); OpRetail sends
// outFlowCount, but 002 (指标说明 4, 出店客流) says only head-shoulder
// devices count it, face devices cannot, and they report 0. The API does
// not say which kind of device a department has, so the data decides: a
// range in which people entered and not one left was counted by face
// devices, and leaving is not counted there.
func Counted(rows ...Row) vendors.Have {
	var have vendors.Have
	var entries, left int64
	for i := range rows {
		r := &rows[i]
		if r.NoData {
			continue
		}
		have |= r.Have
		if r.Have.Has(vendors.HaveLeft) {
			entries += r.Counts.Entries
			left += r.Counts.LeftCount
		}
	}
	if have.Has(vendors.HaveLeft) && left == 0 && entries > 0 {
		have &^= vendors.HaveLeft
	}
	return have
}

// Shown is the metrics a report of what was counted shows, in order.
func Shown(counted vendors.Have) []Metric {
	var out []Metric
	for _, m := range Metrics {
		if counted.Has(m.Need) {
			out = append(out, m)
		}
	}
	return out
}

// NotCounted reports whether a row with data lacks a metric because its
// camera does not count it (a row without data is simply empty). counted
// is the range's Counted: a row's own bits can claim more (OpRetail face
// devices claim people leaving).
func (m Metric) NotCounted(counted, have vendors.Have, noData bool) bool {
	return !noData && !(have & counted).Has(m.Need)
}

// CountedOver is Counted for a shop's days from..to, read from the month
// rollups (and the days of the months the range cuts): the hourly export
// asks it once a shop.
func (s *Service) CountedOver(ctx context.Context, shopID uint, loc *time.Location, from, to vendors.Date) (vendors.Have, error) {
	rep, err := s.Report(ctx, Query{ShopIDs: []uint{shopID}, Location: loc, From: from, To: to, Gran: ByMonth})
	if err != nil {
		return 0, err
	}
	return Counted(rep.Rows...), nil
}

// Permille is entries / (entries + passers) in tenths of a percent,
// rounded half up; ok is false when nobody was outside.
func Permille(entries, passers int64) (int64, bool) {
	o := entries + passers
	if o <= 0 {
		return 0, false
	}
	return (entries*2000 + o) / (2 * o), true
}

// Percent writes a rate the way the reader's catalogue says ("23.4%"):
// Prefix and Suffix surround the number with one decimal.
type Percent struct{ Prefix, Suffix string }

// Format writes entries / (entries + passers); "" when nobody was outside.
func (p Percent) Format(entries, passers int64) string {
	pm, ok := Permille(entries, passers)
	if !ok {
		return ""
	}
	return string(p.append(nil, pm))
}

func (p Percent) append(b []byte, permille int64) []byte {
	b = append(b, p.Prefix...)
	b = strconv.AppendInt(b, permille/10, 10)
	b = append(b, '.', byte('0'+permille%10))
	return append(b, p.Suffix...)
}

// CSVFormat is how a CSV writes what is not a plain count, in the reader's
// language: rates as percentages and the cells a camera does not count.
type CSVFormat struct {
	Percent    Percent
	NotCounted string
}
