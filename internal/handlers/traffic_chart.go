package handlers

import (
	"encoding/json"
	"strings"
	"time"

	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
)

// chartSeries is one line of a chart: null where there is no data (a gap,
// not a zero).
type chartSeries struct {
	Label  string     `json:"label"`
	Values []*float64 `json:"values"`
}

// chartData is what traffic.js draws: x in Unix seconds (each row's start
// in the zone TZ), the row size (it picks the axis: hours, days, weeks or
// months), and how the reader's language writes dates and numbers. Locale
// is an Intl locale, DayPattern and WeekPattern place Intl's parts
// ("{weekday} {date}": "Sat 5 Dec"; "{date} {weekday}": "12月5日 周六").
type chartData struct {
	X           []int64       `json:"x"`
	Gran        string        `json:"gran"`
	Hourly      bool          `json:"hourly"`
	TZ          string        `json:"tz"`
	Locale      string        `json:"locale"`
	DayPattern  string        `json:"dayPattern"`
	WeekPattern string        `json:"weekPattern"`
	Percent     bool          `json:"percent,omitempty"` // values are rates in 0..1
	Latest      string        `json:"latest"`            // the legend's word before any hover
	TapHint     string        `json:"tapHint"`
	Series      []chartSeries `json:"series"`
}

func newChart(l *i18n.Localizer, g traffic.Granularity, z *time.Location) chartData {
	return chartData{Gran: string(g), Hourly: g == traffic.ByHour, TZ: zoneName(z), Locale: l.T("charts.intl_locale"),
		DayPattern: l.T("charts.day_pattern"), WeekPattern: l.T("charts.week_pattern"), Latest: l.T("charts.latest"),
		TapHint: l.T("charts.tap_hint")}
}

func (d chartData) String() string {
	b, _ := json.Marshal(d)
	return string(b)
}

// zoneName is the IANA name of a shop's zone for Intl ("Local" is no zone
// to a browser: the default zone stands in).
func zoneName(z *time.Location) string {
	if z == nil || z.String() == "Local" || z.String() == "" {
		return models.DefaultTimezone
	}
	return z.String()
}

// chartZoneNote says in which zone the chart's times are: the shop's, or
// on the all-shops pages the one those pages use.
func chartZoneNote(l *i18n.Localizer, z *time.Location, allShops bool) string {
	key := "charts.zone.shop"
	if allShops {
		key = "charts.zone.all"
	}
	return l.Tf(key, map[string]any{"Zone": zoneName(z)})
}

// percentOf is the reader's percent pattern from the catalogue
// (charts.percent, "{{.Value}}%"), split around the number.
func percentOf(l *i18n.Localizer) traffic.Percent {
	s := l.Tf("charts.percent", map[string]any{"Value": "\x00"})
	pre, post, ok := strings.Cut(s, "\x00")
	if !ok {
		return traffic.Percent{Suffix: "%"}
	}
	return traffic.Percent{Prefix: pre, Suffix: post}
}

// csvFormat is how the reader's CSV writes rates and uncounted cells: the
// same words as the page.
func csvFormat(l *i18n.Localizer) traffic.CSVFormat {
	return traffic.CSVFormat{Percent: percentOf(l), NotCounted: l.T("charts.not_counted")}
}

// formatRateOf writes entries / (entries + passers) as the page and the
// CSV both do ("23.4%"); "—" with nobody outside.
func formatRateOf(l *i18n.Localizer, entries, passers int64) string {
	if s := percentOf(l).Format(entries, passers); s != "" {
		return s
	}
	return "—"
}

// reportCell renders a metric of a row for the table: "—" without data,
// "not counted by this camera" where the camera does not count it (the
// CSV writes the same), the rate as the reader's percentage.
func reportCell(l *i18n.Localizer, m traffic.Metric, counted, have vendors.Have, noData bool, c *models.TrafficCounters) string {
	if m.NotCounted(counted, have, noData) {
		return l.T("charts.not_counted")
	}
	n, _, ok := m.Value(have, noData, c)
	switch {
	case !ok:
		return "—"
	case m.Rate:
		return formatRateOf(l, c.Entries, c.PassersBy)
	default:
		return formatCount(n)
	}
}
