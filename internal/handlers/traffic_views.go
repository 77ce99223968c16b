package handlers

import (
	"math"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
	"storelens/internal/vendors/opretail"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmilan"
	tv "storelens/web/templates/traffic"
)

// figureKeys are the key figures above the chart, in order.
var figureKeys = []string{"entries", "passers_by", "outside", "entry_rate", "strangers", "regulars", "members", "left"}

// chartKeys are the series the chart draws.
var chartKeys = []string{"entries", "passers_by", "entries_face", "entries_no_face"}

// formatCount writes 12345 as "12,345".
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func value(m traffic.Metric, row traffic.Row) (float64, bool) {
	n, r, ok := m.Value(row.Have, row.NoData, &row.Counts)
	if m.Rate {
		return r, ok
	}
	return float64(n), ok
}

// footnote marks: the same mark wherever the same rule applies.
const (
	noteUnique = "¹"
	noteFaces  = "²"
	noteToday  = "³"
	noteLeft   = "⁴"
	noteDedup  = "⁵"
)

func metricNote(m traffic.Metric) string {
	switch {
	case m.Unique:
		return noteUnique
	case m.Key == "passers_by" || m.Key == "entries_no_face":
		return noteFaces
	case m.Key == "left":
		return noteLeft
	}
	return ""
}

// reportView builds the report page: figures with their change against
// the previous period, the chart's data, the table, footnotes.
func (s *Server) reportView(c *gin.Context, base string, ids []uint, f filter, msg string) (tv.ReportView, error) {
	l := loc(c)
	v := tv.ReportView{Filter: filterView(l, base, f, msg), Base: base}
	v.Tabs = trafficTabs(l, base, "report", f)
	if msg != "" {
		return v, nil
	}
	f.q.ShopIDs = ids
	svc := s.Traffic.Service
	rep, err := svc.Report(c.Request.Context(), f.q)
	if err != nil {
		return v, err
	}
	prev, complete, err := svc.Compare(c.Request.Context(), f.q)
	if err != nil {
		return v, err
	}
	qs := f.query().Encode()
	v.ExportHref, v.HoursHref, v.ChartHref = base+"/report.csv?"+qs, base+"/hours.csv?"+qs, base+"/chart.png?"+qs
	v.LiveHref = base + "?" + qs + "&fragment=1"
	v.RangeLabel = l.Tn("traffic.range", f.q.Days(), map[string]any{"From": f.q.From.String(), "To": f.q.To.String()})
	v.PrevLabel = l.Tf("traffic.vs_prev", map[string]any{"From": f.q.Previous().From.String(), "To": f.q.Previous().To.String()})
	today := svc.Today(f.q.Location)
	v.Live = !f.q.To.Before(today)
	v.Empty = rep.DaysWithData == 0
	// What the range's cameras counted decides the figures, the columns
	// and the CSV's (traffic.Counted): a figure they do not count is left
	// out, as its column is.
	counted := traffic.Counted(rep.Rows...)
	for _, key := range figureKeys {
		m, _ := traffic.MetricByKey(key)
		if !counted.Has(m.Need) {
			continue
		}
		fig := tv.Figure{Key: key, Label: l.T("traffic.metric." + key), Note: metricNote(m)}
		now, ok := value(m, rep.Total)
		if !ok {
			fig.Value, fig.Unknown = "—", true
		} else if m.Rate {
			fig.Value = formatRateOf(l, rep.Total.Counts.Entries, rep.Total.Counts.PassersBy)
		} else {
			fig.Value = formatCount(int64(now))
		}
		if before, pok := value(m, prev); ok && pok && complete && before != 0 {
			d := (now - before) / before
			if m.Rate { // a rate changes by points, not by percent of itself
				d = now - before
				fig.Change = signed(d*100, 1) + " " + l.T("traffic.points")
			} else {
				fig.Change = signed(d*100, 1) + "%"
			}
			fig.Up, fig.Down = d > 0, d < 0
		} else if ok && !complete {
			fig.Change = l.T("traffic.no_prev")
		}
		v.Figures = append(v.Figures, fig)
	}
	metrics := traffic.Shown(counted)
	v.Columns = append(v.Columns, tv.Column{Label: l.T("traffic.col.period." + string(f.q.Gran))})
	for _, m := range metrics {
		v.Columns = append(v.Columns, tv.Column{Key: m.Key, Label: l.T("traffic.metric." + m.Key), Note: metricNote(m), Num: true})
	}
	hasTodayTags := false
	for _, r := range rep.Rows {
		row := tv.TableRow{Label: rowLabel(l, f.q.Gran, r), Today: r.Today, NoData: r.NoData}
		for _, m := range metrics {
			row.Cells = append(row.Cells, reportCell(l, m, counted, r.Have, r.NoData, &r.Counts))
		}
		if r.Today && !r.NoData && f.q.Gran == traffic.ByHour {
			hasTodayTags = true
		}
		v.Rows = append(v.Rows, row)
	}
	total := tv.TableRow{Label: l.T("traffic.total")}
	for _, m := range metrics {
		total.Cells = append(total.Cells, reportCell(l, m, counted, rep.Total.Have, rep.Total.NoData, &rep.Total.Counts))
	}
	v.Total = total
	v.Chart = chartJSON(l, rep)
	v.ChartZone = chartZoneNote(l, f.q.Location, !strings.HasPrefix(base, "/shops/"))
	v.Notes = reportNotes(l, f.q.Gran, metrics, rep, hasTodayTags)
	return v, nil
}

func signed(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if f > 0 {
		return "+" + s
	}
	return s
}

func rowLabel(l *i18n.Localizer, g traffic.Granularity, r traffic.Row) string {
	switch g {
	case traffic.ByDay:
		return r.Label + " " + l.T("traffic.weekday."+strconv.Itoa(int(r.Start.Weekday())))
	case traffic.ByWeek:
		return l.Tf("traffic.week_of", map[string]any{"Date": r.Label})
	}
	return r.Label
}

// chartJSON is the chart's data: x in Unix seconds, one series per metric,
// null where there is no data (a gap, not a zero).
func chartJSON(l *i18n.Localizer, rep traffic.Report) string {
	out := newChart(l, rep.Query.Gran, rep.Query.Location)
	for _, r := range rep.Rows {
		x := r.Start.Start(rep.Query.Location).Unix()
		if out.Hourly {
			x = r.Hour.Unix()
		}
		out.X = append(out.X, x)
	}
	for _, key := range chartKeys {
		m, _ := traffic.MetricByKey(key)
		sr := chartSeries{Label: l.T("traffic.metric." + key)}
		any := false
		for _, r := range rep.Rows {
			if val, ok := value(m, r); ok {
				v := val
				sr.Values = append(sr.Values, &v)
				any = true
			} else {
				sr.Values = append(sr.Values, nil)
			}
		}
		if any {
			out.Series = append(out.Series, sr)
		}
	}
	return out.String()
}

// reportNotes says where counts differ by design, next to the figures.
func reportNotes(l *i18n.Localizer, g traffic.Granularity, metrics []traffic.Metric, rep traffic.Report, todayHours bool) []tv.Note {
	var notes []tv.Note
	shown := map[string]bool{}
	for _, m := range metrics {
		shown[m.Key] = true
	}
	if shown["uniq_total"] {
		key := "traffic.note.unique_day"
		switch g {
		case traffic.ByHour:
			key = "traffic.note.unique_hour"
		case traffic.ByWeek, traffic.ByMonth:
			key = "traffic.note.unique_sum"
		}
		notes = append(notes, tv.Note{Mark: noteUnique, Text: l.T(key)})
	}
	notes = append(notes, tv.Note{Mark: noteFaces, Text: l.T("traffic.note.faces")})
	if todayHours && shown["strangers"] {
		notes = append(notes, tv.Note{Mark: noteToday, Text: l.T("traffic.note.today_tags")})
	}
	var claimed vendors.Have // what the vendors' bits say, before the data is read (traffic.Counted)
	for _, r := range rep.Rows {
		if !r.NoData {
			claimed |= r.Have
		}
	}
	switch {
	case shown["left"]:
		notes = append(notes, tv.Note{Mark: noteLeft, Text: l.T("traffic.note.left")})
	case claimed.Has(vendors.HaveLeft):
		notes = append(notes, tv.Note{Mark: noteLeft, Text: l.T("charts.note.left_face")})
	default:
		notes = append(notes, tv.Note{Mark: noteLeft, Text: l.T("traffic.note.no_left")})
	}
	if !shown["entries_face"] && shown["uniq_total"] {
		notes = append(notes, tv.Note{Mark: noteDedup, Text: l.T("traffic.note.dedup")})
	}
	return notes
}

func filterView(l *i18n.Localizer, base string, f filter, msg string) tv.FilterView {
	v := tv.FilterView{Action: base, From: f.From, To: f.To, Error: msg, Custom: f.Preset == string(traffic.Custom)}
	for _, p := range traffic.Presets {
		v.Presets = append(v.Presets, tv.Option{Value: string(p), Label: l.T("traffic.preset." + string(p)), Selected: f.Preset == string(p)})
	}
	v.Presets = append(v.Presets, tv.Option{Value: string(traffic.Custom), Label: l.T("traffic.preset.custom"), Selected: f.Preset == string(traffic.Custom)})
	for _, g := range []traffic.Granularity{traffic.ByHour, traffic.ByDay, traffic.ByWeek, traffic.ByMonth} {
		v.Grans = append(v.Grans, tv.Option{Value: string(g), Label: l.T("traffic.gran." + string(g)), Selected: f.Gran == string(g)})
	}
	return v
}

func trafficTabs(l *i18n.Localizer, base, active string, f filter) []tv.Tab {
	qs := "?" + f.query().Encode()
	tabs := []tv.Tab{{Href: base + qs, Label: l.T("traffic.tab.report"), Active: active == "report"}}
	if strings.HasPrefix(base, "/shops/") {
		tabs = append(tabs,
			tv.Tab{Href: base + "/demographics" + qs, Label: l.T("traffic.tab.demographics"), Active: active == "demographics"},
			tv.Tab{Href: base + "/frequency", Label: l.T("traffic.tab.frequency"), Active: active == "frequency"})
	} else {
		tabs = append(tabs, tv.Tab{Href: "/traffic/compare" + qs, Label: l.T("traffic.tab.compare"), Active: active == "compare"})
	}
	return tabs
}

// syncView is the shop's sync state and, for admins, its controls.
func (s *Server) syncView(c *gin.Context, ts models.TrafficShop) (*tv.SyncView, error) {
	l := loc(c)
	st, err := s.Store.TrafficSyncState(c.Request.Context(), ts.ID)
	if err != nil {
		return nil, err
	}
	z := traffic.Zone(ts.Timezone)
	href := shopHref(ts.ID) + "/traffic"
	v := &tv.SyncView{LastSuccess: formatTime(st.LastSuccessAt, z), LastAttempt: formatTime(st.LastAttemptAt, z),
		CanAdmin: currentUser(c).IsAdmin(), SyncAction: href + "/sync", BackfillAction: href + "/backfill",
		PauseAction: href + "/backfill/pause", ResumeAction: href + "/backfill/resume", StatusHref: href + "/backfill",
		SourceHref: href + "/source", BackfillFrom: c.Query("bf_from"), BackfillTo: c.Query("bf_to")}
	switch traffic.SourceVendor(ts) {
	case opretail.Name:
		v.Source = l.Tf("traffic.source.opretail", map[string]any{"DepID": ts.OpRetailDepID})
	case sunmicloud.Name:
		v.Source = l.Tf("traffic.source.sunmi", map[string]any{"ShopNo": ts.SunmiShopNo + ts.SunmiShopID})
	case sunmilan.Name:
		v.Source = l.Tn("traffic.source.lan", ts.LANCounters, nil)
		cams, err := s.Store.LANCounterCameras(c.Request.Context(), ts.ID)
		if err != nil {
			return nil, err
		}
		for _, cam := range cams {
			v.Counters = append(v.Counters, tv.Tab{Label: cam.Name, Href: lanHref(ts.ID, cam.ID) + "#flow"})
		}
	default:
		v.Source = l.T("traffic.source.none")
	}
	if st.LastError == "no_source||" {
		v.LastError = l.T("traffic.no_source")
	} else if ve := vendors.ParseCompact(st.LastError); ve != nil {
		v.LastError = describeVendorError(l, ve)
	}
	if v.BackfillFrom == "" {
		today := s.Traffic.Service.Today(z)
		v.BackfillFrom, v.BackfillTo = today.AddDays(-90).String(), today.AddDays(-1).String()
	}
	if st.BackfillState != "" {
		b := backfillView(l, st)
		v.Backfill = &b
	}
	return v, nil
}

func backfillView(l *i18n.Localizer, st models.TrafficSync) tv.BackfillView {
	b := tv.BackfillView{State: st.BackfillState, Done: st.BackfillDone, Total: max(st.BackfillTotal, 1),
		From: st.BackfillFrom, To: st.BackfillTo, StateLabel: l.T("traffic.backfill." + st.BackfillState),
		CanPause:  st.BackfillState == traffic.BackfillRunning,
		CanResume: st.BackfillState == traffic.BackfillPaused || st.BackfillState == traffic.BackfillFailed}
	b.Progress = l.Tf("traffic.backfill_progress", map[string]any{"Done": st.BackfillDone, "Total": st.BackfillTotal,
		"Percent": int(math.Round(float64(st.BackfillDone) * 100 / float64(b.Total)))})
	if ve := vendors.ParseCompact(st.BackfillError); ve != nil {
		b.Error = describeVendorError(l, ve)
	}
	return b
}
