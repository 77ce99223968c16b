package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
	"storelens/web/templates/layout"
	tv "storelens/web/templates/traffic"
)

// TrafficDeps is what the traffic area needs, built in cmd/web.
type TrafficDeps struct {
	Service *traffic.Service
	// LiveMaxAge is how old today's numbers may be before an open page's
	// refresh pulls them again (Sunmi refreshes today within 15 s).
	LiveMaxAge time.Duration
}

// registerTraffic adds the traffic area's routes, navigation and shop tabs.
func (s *Server) registerTraffic(rt routes) {
	if s.Traffic.Service == nil {
		return
	}
	s.nav = append(s.nav, layout.NavItem{Href: "/traffic", Key: "nav.traffic", Section: "traffic"})
	s.adminNav = append(s.adminNav, layout.NavItem{Href: "/settings/traffic", Key: "nav.traffic_sync", Section: "traffic_sync"})
	s.shopTabs = append(s.shopTabs, shopTab{Key: "tab.traffic", Path: "/traffic", Name: "traffic"})

	rt.user.GET("/traffic", s.AllTraffic)
	rt.user.GET("/traffic/report.csv", s.AllTrafficCSV)
	rt.user.GET("/traffic/chart.png", s.AllTrafficPNG)
	rt.user.GET("/traffic/hours.csv", s.AllTrafficHoursCSV)
	rt.user.GET("/traffic/compare", s.CompareTraffic)

	rt.shop.GET("/traffic", s.ShopTraffic)
	rt.shop.GET("/traffic/report.csv", s.ShopTrafficCSV)
	rt.shop.GET("/traffic/chart.png", s.ShopTrafficPNG)
	rt.shop.GET("/traffic/hours.csv", s.ShopTrafficHoursCSV)
	rt.shop.GET("/traffic/demographics", s.TrafficDemographics)
	rt.shop.GET("/traffic/frequency", s.TrafficFrequency)
	rt.shop.GET("/traffic/backfill", s.BackfillStatus)

	rt.shopAdmin.POST("/traffic/sync", s.SyncTraffic)
	rt.shopAdmin.POST("/traffic/backfill", s.StartBackfill)
	rt.shopAdmin.POST("/traffic/backfill/pause", s.PauseBackfill)
	rt.shopAdmin.POST("/traffic/backfill/resume", s.ResumeBackfill)
	rt.shopAdmin.GET("/traffic/source", s.TrafficSourceForm)
	rt.shopAdmin.POST("/traffic/source", s.SaveTrafficSource)

	rt.admin.GET("/settings/traffic", s.TrafficSettings)
	rt.admin.POST("/settings/traffic", s.SaveTrafficSettings)
	rt.admin.POST("/settings/traffic/sync", s.SyncAllTraffic)
	rt.admin.GET("/settings/opretail/new", s.NewOpRetailAccount)
	rt.admin.POST("/settings/opretail", s.CreateOpRetailAccount)
	rt.admin.GET("/settings/opretail/:account", s.loadAccount, s.EditOpRetailAccount)
	rt.admin.POST("/settings/opretail/:account", s.loadAccount, s.UpdateOpRetailAccount)
}

// filter is a report's period and row size as asked in the query string.
type filter struct {
	Preset, From, To, Gran string
	q                      traffic.Query
}

func (f filter) query() url.Values {
	v := url.Values{}
	v.Set("preset", f.Preset)
	if f.Preset == string(traffic.Custom) {
		v.Set("from", f.From)
		v.Set("to", f.To)
	}
	v.Set("gran", f.Gran)
	return v
}

// longRangeDays: a range longer than this opens by month unless a row size
// is asked for.
const longRangeDays = 92

// parseFilter reads preset, from, to and gran; a bad custom range is an
// error message, with what was typed kept.
func (s *Server) parseFilter(c *gin.Context, loc *time.Location, defaultPreset traffic.Preset) (filter, string) {
	l := loc_(c)
	f := filter{Preset: c.DefaultQuery("preset", string(defaultPreset)), From: c.Query("from"), To: c.Query("to"), Gran: c.Query("gran")}
	today := s.Traffic.Service.Today(loc)
	from, to, ok := traffic.Preset(f.Preset).Range(today)
	if !ok {
		f.Preset = string(traffic.Custom)
		a, err1 := vendors.ParseDate(f.From)
		b, err2 := vendors.ParseDate(f.To)
		switch {
		case err1 != nil || err2 != nil:
			return f, l.T("traffic.bad_dates")
		case b.Before(a):
			return f, l.T("traffic.bad_order")
		case a.DaysTo(b)+1 > traffic.MaxReportDays:
			return f, l.Tf("traffic.too_long", map[string]any{"Max": traffic.MaxReportDays})
		case b.After(today):
			return f, l.T("traffic.future")
		}
		from, to = a, b
	} else {
		f.From, f.To = from.String(), to.String()
	}
	g := traffic.Granularity(f.Gran)
	if !g.Valid() {
		g = traffic.ByDay
		switch n := from.DaysTo(to) + 1; {
		case n == 1:
			g = traffic.ByHour
		case n > longRangeDays: // a year opens by month (read from the month rollups)
			g = traffic.ByMonth
		}
	}
	if g == traffic.ByHour && from.DaysTo(to)+1 > traffic.MaxHourDays {
		return f, l.Tf("traffic.hour_too_long", map[string]any{"Max": traffic.MaxHourDays})
	}
	f.Gran = string(g)
	f.q = traffic.Query{Location: loc, From: from, To: to, Gran: g}
	return f, ""
}

// loc_ is the request's localizer (loc is taken by zones in this file).
func loc_(c *gin.Context) *i18n.Localizer { return loc(c) }

// ShopTraffic is a shop's traffic report.
func (s *Server) ShopTraffic(c *gin.Context) {
	sh := currentShop(c)
	ts, err := s.Store.TrafficShopOf(c.Request.Context(), scope(c), sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	z := traffic.Zone(sh.Timezone)
	f, msg := s.parseFilter(c, z, traffic.Last7)
	base := shopHref(sh.ID) + "/traffic"
	live := c.Query("fragment") == "1"
	if live && msg == "" && !f.q.To.Before(s.Traffic.Service.Today(z)) && ts.HasTrafficSource() {
		s.refreshToday(c, sh.ID)
	}
	v, err := s.reportView(c, base, []uint{sh.ID}, f, msg)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.NoSource = !ts.HasTrafficSource()
	v.Sync, err = s.syncView(c, ts)
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusOK
	if msg != "" {
		status = http.StatusUnprocessableEntity
	}
	if live {
		s.render(c, status, tv.ReportBody(v))
		return
	}
	h := s.shopHeader(c, sh, "traffic")
	s.render(c, status, tv.ShopReport(h, v))
}

// refreshToday pulls today's numbers for an open page, briefly; a slow or
// failing vendor leaves the stored ones (the page says when they are from).
func (s *Server) refreshToday(c *gin.Context, shopID uint) {
	maxAge := s.Traffic.LiveMaxAge
	if maxAge == 0 {
		maxAge = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	if err := s.Traffic.Service.RefreshToday(ctx, shopID, maxAge); err != nil && !errors.Is(err, traffic.ErrNoSource) {
		s.logger(c).Warn("traffic: refresh today", "shop", shopID, "err", err)
	}
}

// myShops lists the shops in scope with their zones.
func (s *Server) myShops(c *gin.Context) ([]models.TrafficShop, error) {
	return s.Store.TrafficShops(c.Request.Context(), scope(c))
}

func shopIDs(shops []models.TrafficShop) []uint {
	ids := make([]uint, len(shops))
	for i, sh := range shops {
		ids[i] = sh.ID
	}
	return ids
}

// AllTraffic is the report of all my shops together. Each shop's days are
// its own dates; hours and "today" are Shanghai's (DefaultTimezone).
func (s *Server) AllTraffic(c *gin.Context) {
	shops, err := s.myShops(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	z := traffic.Zone(models.DefaultTimezone)
	f, msg := s.parseFilter(c, z, traffic.Last7)
	v, err := s.reportView(c, "/traffic", shopIDs(shops), f, msg)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.AllShops, v.ShopCount = true, len(shops)
	status := http.StatusOK
	if msg != "" {
		status = http.StatusUnprocessableEntity
	}
	if c.Query("fragment") == "1" {
		s.render(c, status, tv.ReportBody(v))
		return
	}
	s.render(c, status, tv.AllReport(v))
}

// csvName is the download's file name: traffic-<shop>-<from>_<to>.csv,
// sent both as an ASCII fallback and UTF-8 (filename*), so a Chinese shop
// name survives.
func csvName(c *gin.Context, kind, shop string, q traffic.Query) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	downloadName(c, kind, shop, q, "csv")
}

// downloadName names a report's download "<kind>-<shop>-<from>_<to>.<ext>"
// in the reader's language, with an ASCII name for clients without
// filename*; reports change, so nothing caches them.
func downloadName(c *gin.Context, kind, shop string, q traffic.Query, ext string) {
	name := fmt.Sprintf("%s-%s-%s_%s.%s", kind, shop, q.From, q.To, ext)
	ascii := fmt.Sprintf("traffic-%s_%s.%s", q.From, q.To, ext)
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, rfc5987(name)))
	c.Header("Cache-Control", "no-store")
}

// reportCSV writes exactly the table on screen.
func (s *Server) reportCSV(c *gin.Context, ids []uint, z *time.Location, name string) {
	f, rep, ok := s.filteredReport(c, ids, z)
	if !ok {
		return
	}
	l := loc_(c)
	metrics := traffic.Shown(traffic.Counted(rep.Rows...)) // the page's columns
	headers := []string{l.T("traffic.col.period." + string(f.q.Gran))}
	for _, m := range metrics {
		headers = append(headers, l.T("traffic.metric."+m.Key))
	}
	csvName(c, l.T("traffic.file.report"), name, f.q)
	c.Status(http.StatusOK)
	if err := traffic.WriteReportCSV(c.Writer, headers, rep, metrics, csvFormat(l)); err != nil {
		s.logger(c).Info("traffic csv: client went away", "err", err)
	}
}

// filteredReport is the report of shops ids for the page's filter (the
// query string), for the exports: a bad filter is its message, as text;
// ok is false once the answer is written.
func (s *Server) filteredReport(c *gin.Context, ids []uint, z *time.Location) (filter, traffic.Report, bool) {
	f, msg := s.parseFilter(c, z, traffic.Last7)
	if msg != "" {
		c.String(http.StatusUnprocessableEntity, msg)
		return f, traffic.Report{}, false
	}
	f.q.ShopIDs = ids
	rep, err := s.Traffic.Service.Report(c.Request.Context(), f.q)
	if err != nil {
		s.fail(c, err)
		return f, rep, false
	}
	return f, rep, true
}

// hoursCSV streams every hour of the shops with every metric any of them
// counted over the range (traffic.Counted, as the page); a shop that does
// not count one has "not counted by this camera" in its cells.
func (s *Server) hoursCSV(c *gin.Context, shops []models.TrafficShop, z *time.Location, name string) {
	f, msg := s.parseFilter(c, z, traffic.Last7)
	if msg != "" {
		c.String(http.StatusUnprocessableEntity, msg)
		return
	}
	l := loc_(c)
	list := make([]traffic.ExportShop, len(shops))
	var any vendors.Have
	for i, sh := range shops {
		zone := traffic.Zone(sh.Timezone)
		counted, err := s.Traffic.Service.CountedOver(c.Request.Context(), sh.ID, zone, f.q.From, f.q.To)
		if err != nil {
			s.fail(c, err)
			return
		}
		any |= counted
		list[i] = traffic.ExportShop{ID: sh.ID, Name: sh.Name, Location: zone, Counted: counted}
	}
	metrics := traffic.Shown(any)
	headers := []string{l.T("traffic.col.shop"), l.T("traffic.col.date"), l.T("traffic.col.hour")}
	for _, m := range metrics {
		headers = append(headers, l.T("traffic.metric."+m.Key))
	}
	csvName(c, l.T("traffic.file.hours"), name, f.q)
	c.Status(http.StatusOK)
	// The export streams: lift the server's write deadline for it.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
	if _, err := s.Traffic.Service.ExportHours(c.Request.Context(), c.Writer, c.Writer.Flush, headers, list, f.q.From, f.q.To, metrics, csvFormat(l)); err != nil {
		s.logger(c).Info("traffic export stopped", "err", err)
	}
}

// ShopTrafficCSV exports a shop's report table.
func (s *Server) ShopTrafficCSV(c *gin.Context) {
	sh := currentShop(c)
	s.reportCSV(c, []uint{sh.ID}, traffic.Zone(sh.Timezone), sh.Name)
}

// ShopTrafficHoursCSV exports a shop's hours with every metric.
func (s *Server) ShopTrafficHoursCSV(c *gin.Context) {
	sh := currentShop(c)
	ts, err := s.Store.TrafficShopOf(c.Request.Context(), scope(c), sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.hoursCSV(c, []models.TrafficShop{ts}, traffic.Zone(sh.Timezone), sh.Name)
}

// AllTrafficCSV exports the all-shops report table.
func (s *Server) AllTrafficCSV(c *gin.Context) {
	shops, err := s.myShops(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.reportCSV(c, shopIDs(shops), traffic.Zone(models.DefaultTimezone), loc_(c).T("traffic.all_shops_file"))
}

// AllTrafficHoursCSV exports every hour of every shop in scope.
func (s *Server) AllTrafficHoursCSV(c *gin.Context) {
	shops, err := s.myShops(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.hoursCSV(c, shops, traffic.Zone(models.DefaultTimezone), loc_(c).T("traffic.all_shops_file"))
}

// SyncTraffic pulls the shop's counters now.
func (s *Server) SyncTraffic(c *gin.Context) {
	sh := currentShop(c)
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	r := s.Traffic.Service.SyncShop(ctx, sh.ID)
	l := loc_(c)
	switch {
	case r.Err == nil:
		s.flash(c, true, l.Tn("traffic.synced", r.Days, nil))
	case errors.Is(r.Err, traffic.ErrNoSource):
		s.flash(c, false, l.T("traffic.no_source"))
	case isVendorSide(r.Err):
		s.flash(c, false, l.T("traffic.sync_failed")+": "+vendorMessage(l, r.Err))
	default:
		s.fail(c, r.Err)
		return
	}
	redirect(c, shopHref(sh.ID)+"/traffic")
}

// StartBackfill starts pulling a range of closed days.
func (s *Server) StartBackfill(c *gin.Context) {
	sh := currentShop(c)
	l := loc_(c)
	from, err1 := vendors.ParseDate(text(c, "from"))
	to, err2 := vendors.ParseDate(text(c, "to"))
	back := shopHref(sh.ID) + "/traffic?" + url.Values{"bf_from": {text(c, "from")}, "bf_to": {text(c, "to")}}.Encode()
	if err1 != nil || err2 != nil {
		s.flash(c, false, l.T("traffic.bad_dates"))
		redirect(c, back)
		return
	}
	err := s.Traffic.Service.StartBackfill(c.Request.Context(), sh.ID, from, to)
	switch {
	case err == nil:
		s.flash(c, true, l.Tn("traffic.backfill_started", from.DaysTo(to)+1, nil))
		back = shopHref(sh.ID) + "/traffic"
	case errors.Is(err, traffic.ErrBadRange):
		s.flash(c, false, l.Tf("traffic.backfill_bad", map[string]any{"Max": traffic.MaxBackfillDays}))
	case errors.Is(err, traffic.ErrNoSource):
		s.flash(c, false, l.T("traffic.no_source"))
	default:
		s.fail(c, err)
		return
	}
	redirect(c, back)
}

func (s *Server) setBackfill(c *gin.Context, state string) {
	sh := currentShop(c)
	if err := s.Traffic.Service.SetBackfillState(c.Request.Context(), sh.ID, state); err != nil && !errors.Is(err, traffic.ErrBadRange) {
		s.fail(c, err)
		return
	}
	redirect(c, shopHref(sh.ID)+"/traffic")
}

// PauseBackfill pauses a shop's backfill after the chunk under way.
func (s *Server) PauseBackfill(c *gin.Context) { s.setBackfill(c, traffic.BackfillPaused) }

// ResumeBackfill resumes a paused or failed backfill where it stopped.
func (s *Server) ResumeBackfill(c *gin.Context) { s.setBackfill(c, traffic.BackfillRunning) }

// BackfillStatus is the backfill's progress as JSON, for the progress bar.
func (s *Server) BackfillStatus(c *gin.Context) {
	sh := currentShop(c)
	st, err := s.Store.TrafficSyncState(c.Request.Context(), sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	b := backfillView(loc_(c), st)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"state": st.BackfillState, "label": b.StateLabel, "done": st.BackfillDone, "total": st.BackfillTotal,
		"text": b.Progress, "error": b.Error})
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// rfc5987 percent-encodes a file name for filename*=UTF-8” (RFC 5987
// attr-char: letters, digits and !#$&+-.^_`|~ stay).
func rfc5987(s string) string {
	const keep = "!#$&+-.^_`|~"
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
