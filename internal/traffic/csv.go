package traffic

import (
	"context"
	"io"
	"strings"
	"time"

	"storelens/internal/csvout"
	"storelens/internal/models"
	"storelens/internal/vendors"
)

// Metric is one column of a report: what it needs the vendor to have
// counted, and how to read it from a row.
type Metric struct {
	Key  string // message id suffix: traffic.metric.<Key>
	Need vendors.Have
	Rate bool // a ratio in 0..1, not a count
	// Unique is a count of unique people: per hour for hour rows, per day
	// for day rows, and summed days above (footnoted).
	Unique bool
	count  func(c *models.TrafficCounters) int64
	col    string // its traffic_hours column (counts), for the export's SQL
}

// Metrics are every column, in the order the table and exports show them.
var Metrics = []Metric{
	{Key: "entries", col: "entries", count: func(c *models.TrafficCounters) int64 { return c.Entries }},
	{Key: "entries_face", col: "entries_face", Need: vendors.HaveFaceSplit, count: func(c *models.TrafficCounters) int64 { return c.EntriesFace }},
	{Key: "entries_no_face", col: "entries_no_face", Need: vendors.HaveFaceSplit, count: func(c *models.TrafficCounters) int64 { return c.EntriesNoFace }},
	{Key: "passers_by", col: "passers_by", count: func(c *models.TrafficCounters) int64 { return c.PassersBy }},
	{Key: "outside", col: "(entries + passers_by)", count: func(c *models.TrafficCounters) int64 { return c.Entries + c.PassersBy }},
	{Key: "entry_rate", Rate: true},
	{Key: "strangers", col: "strangers", Need: vendors.HaveTags, count: func(c *models.TrafficCounters) int64 { return c.Strangers }},
	{Key: "regulars", col: "regulars", Need: vendors.HaveTags, count: func(c *models.TrafficCounters) int64 { return c.Regulars }},
	{Key: "members", col: "members", Need: vendors.HaveTags, count: func(c *models.TrafficCounters) int64 { return c.Members }},
	{Key: "uniq_total", col: "uniq_total", Need: vendors.HaveUnique, Unique: true, count: func(c *models.TrafficCounters) int64 { return c.UniqTotal }},
	{Key: "uniq_strangers", col: "uniq_strangers", Need: vendors.HaveUnique | vendors.HaveTags, Unique: true, count: func(c *models.TrafficCounters) int64 { return c.UniqStrangers }},
	{Key: "uniq_regulars", col: "uniq_regulars", Need: vendors.HaveUnique | vendors.HaveTags, Unique: true, count: func(c *models.TrafficCounters) int64 { return c.UniqRegulars }},
	{Key: "uniq_members", col: "uniq_members", Need: vendors.HaveUnique | vendors.HaveTags, Unique: true, count: func(c *models.TrafficCounters) int64 { return c.UniqMembers }},
	{Key: "left", col: "left_count", Need: vendors.HaveLeft, count: func(c *models.TrafficCounters) int64 { return c.LeftCount }},
}

// MetricByKey finds a metric.
func MetricByKey(key string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Key == key {
			return m, true
		}
	}
	return Metric{}, false
}

// Value reads the metric of a row: ok is false when the vendor did not
// count it (shown empty, never as 0) or the row has no data.
func (m Metric) Value(have vendors.Have, noData bool, c *models.TrafficCounters) (count int64, rate float64, ok bool) {
	if noData || !have.Has(m.Need) {
		return 0, 0, false
	}
	if m.Rate {
		o := c.Entries + c.PassersBy
		if o == 0 {
			return 0, 0, false
		}
		return 0, float64(c.Entries) / float64(o), true
	}
	return m.count(c), 0, true
}

// csvWriter is the shared export writer (csvout: byte-order mark,
// quoting, formula cells defused) with how the reader's language writes
// rates and uncounted cells.
type csvWriter struct {
	*csvout.Writer
	f       CSVFormat
	scratch []byte
}

func newCSV(w io.Writer, f CSVFormat) *csvWriter {
	return &csvWriter{Writer: csvout.New(w), f: f, scratch: make([]byte, 0, 32)}
}

// rate writes entries / outside as the reader's percentage ("23.4%"); the
// caller knows outside > 0.
func (c *csvWriter) rate(entries, passers int64) {
	pm, _ := Permille(entries, passers)
	p := c.f.Percent
	c.scratch = p.append(c.scratch[:0], pm)
	if strings.ContainsAny(p.Prefix+p.Suffix, ",\"\r\n") {
		c.Text(string(c.scratch))
		return
	}
	c.Raw(c.scratch)
}

// metric writes a metric of a row: empty without data (or a rate with
// nobody outside), the "not counted" mark where the camera does not count
// it (counted is the range's Counted, have the row's own bits).
func (c *csvWriter) metric(m Metric, counted, have vendors.Have, noData bool, counts *models.TrafficCounters) {
	if m.NotCounted(counted, have, noData) {
		c.Text(c.f.NotCounted)
		return
	}
	n, _, ok := m.Value(have, noData, counts)
	switch {
	case !ok:
		c.Empty()
	case m.Rate:
		c.rate(counts.Entries, counts.PassersBy)
	default:
		c.Int(n)
	}
}

// WriteReportCSV writes exactly the report's table: a period column, then
// the metrics in order (Shown(Counted(rep.Rows...)) for the page's).
// headers are the column titles in the reader's language (the period
// first); f says how rates and uncounted cells read in that language.
func WriteReportCSV(w io.Writer, headers []string, rep Report, metrics []Metric, f CSVFormat) error {
	counted := Counted(rep.Rows...)
	c := newCSV(w, f)
	for _, h := range headers {
		c.Text(h)
	}
	if err := c.End(); err != nil {
		return err
	}
	for i := range rep.Rows {
		r := &rep.Rows[i]
		c.Text(r.Label)
		for _, m := range metrics {
			c.metric(m, counted, r.Have, r.NoData, &r.Counts)
		}
		if err := c.End(); err != nil {
			return err
		}
	}
	return c.Flush()
}

// ExportShop is a shop in an hourly export.
type ExportShop struct {
	ID       uint
	Name     string
	Location *time.Location
	// Counted is what the shop's cameras count over the range
	// (CountedOver): an hour's own bits are read through it.
	Counted vendors.Have
}

// exportChunk is how many hours one keyset page reads.
const exportChunk = 4096

// ExportHours streams every hour of the shops from..to (each shop's own
// dates): shop, date, hour, then metrics (the columns of what any of the
// shops counted: Shown of their Counted together). It reads the
// table in keyset pages, writes each page and flushes it, so memory does
// not grow with the rows and no cursor stays open while the client reads.
// It returns the rows written.
func (s *Service) ExportHours(ctx context.Context, w io.Writer, flush func(), headers []string, shops []ExportShop, from, to vendors.Date, metrics []Metric, f CSVFormat) (int, error) {
	c := newCSV(w, f)
	for _, h := range headers {
		c.Text(h)
	}
	if err := c.End(); err != nil {
		return 0, err
	}
	rows := 0
	buf := make([]models.TrafficHour, 0, exportChunk)
	for _, sh := range shops {
		end := to.AddDays(1).Start(sh.Location).Unix()
		after := from.Start(sh.Location).Unix() - 1
		dayStart, dayEnd, dayLabel := int64(0), int64(-1), ""
		var err error
		for {
			buf, err = s.Store.HourChunkPacked(ctx, buf[:0], sh.ID, after, end, exportChunk)
			if err != nil {
				return rows, err
			}
			for i := range buf {
				h := &buf[i]
				// The date label changes once a day: work it out then.
				if h.HourStart >= dayEnd || h.HourStart < dayStart {
					d := vendors.DateOf(time.Unix(h.HourStart, 0), sh.Location)
					dayStart, dayEnd, dayLabel = d.Start(sh.Location).Unix(), d.AddDays(1).Start(sh.Location).Unix(), d.String()
				}
				hour := int((h.HourStart - dayStart) / 3600)
				if dayEnd-dayStart != 24*3600 { // a daylight-saving day: ask the zone
					hour = time.Unix(h.HourStart, 0).In(sh.Location).Hour()
				}
				c.Text(sh.Name)
				c.RawString(dayLabel)
				c.scratch = appendHour(c.scratch[:0], hour)
				c.Raw(c.scratch)
				for _, m := range metrics {
					c.metric(m, sh.Counted, vendors.Have(h.Have), false, &h.TrafficCounters)
				}
				if err := c.End(); err != nil {
					return rows, err
				}
				rows++
			}
			if err := c.Flush(); err != nil {
				return rows, err
			}
			if flush != nil {
				flush()
			}
			if len(buf) < exportChunk {
				break
			}
			after = buf[len(buf)-1].HourStart
		}
	}
	return rows, c.Flush()
}

func appendHour(b []byte, h int) []byte {
	return append(b, byte('0'+h/10), byte('0'+h%10), ':', '0', '0')
}
