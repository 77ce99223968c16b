package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"storelens/internal/accounts"
	"storelens/internal/models"
	"storelens/internal/traffic"
	"storelens/internal/vendors"
	"storelens/internal/vendors/opretail"
	tv "storelens/web/templates/traffic"
)

// TrafficDemographics shows a shop's visitors by age and gender (a
// population pyramid) and by kind of face.
func (s *Server) TrafficDemographics(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	base := shopHref(sh.ID) + "/traffic"
	f, msg := s.parseFilter(c, traffic.Zone(sh.Timezone), traffic.Last30)
	v := tv.DemographicsView{Filter: filterView(l, base+"/demographics", f, msg), Tabs: trafficTabs(l, base, "demographics", f)}
	v.Filter.NoGran = true
	if msg == "" {
		ages, days, err := s.Store.TrafficAgeTotals(c.Request.Context(), []uint{sh.ID}, f.q.From.String(), f.q.To.String())
		if err != nil {
			s.fail(c, err)
			return
		}
		v.RangeLabel = l.Tn("traffic.range", f.q.Days(), map[string]any{"From": f.q.From.String(), "To": f.q.To.String()})
		v.Days = days
		var most int64 = 1
		for _, a := range ages {
			most = max(most, a.Male, a.Female)
		}
		for i := vendors.AgeRangeCount - 1; i >= 0; i-- { // oldest at the top
			a := ages[i]
			row := tv.AgeRow{Label: vendors.AgeRange(i + 1).Label(), Male: formatCount(a.Male), Female: formatCount(a.Female),
				Strangers: formatCount(a.Strangers), Regulars: formatCount(a.Regulars), Members: formatCount(a.Members),
				Total: formatCount(a.Male + a.Female),
				// Bar widths in the SVG's units (0..300 each side).
				MaleW: int(a.Male * 300 / most), FemaleW: int(a.Female * 300 / most)}
			row.Y = (vendors.AgeRangeCount - 1 - i) * 28
			v.Rows = append(v.Rows, row)
			v.TotalMale += a.Male
			v.TotalFemale += a.Female
		}
		v.Male, v.Female = formatCount(v.TotalMale), formatCount(v.TotalFemale)
	}
	status := http.StatusOK
	if msg != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(c, status, tv.Demographics(s.shopHeader(c, sh, "traffic"), v))
}

// TrafficFrequency shows how many people came once, twice, ... in a
// stored 30-day period.
func (s *Server) TrafficFrequency(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx := c.Request.Context()
	base := shopHref(sh.ID) + "/traffic"
	ends, err := s.Store.TrafficFrequencyPeriods(ctx, sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := tv.FrequencyView{Action: base + "/frequency", Tabs: trafficTabs(l, base, "frequency", filter{Preset: string(traffic.Last30), Gran: "day"})}
	end := c.Query("end")
	if !slices.Contains(ends, end) && len(ends) > 0 {
		end = ends[0]
	}
	for _, e := range ends {
		v.Periods = append(v.Periods, tv.Option{Value: e, Label: e, Selected: e == end})
	}
	if end != "" {
		rows, err := s.Store.TrafficFrequencyRows(ctx, sh.ID, end)
		if err != nil {
			s.fail(c, err)
			return
		}
		last := 0
		for i, r := range rows {
			if r.Strangers+r.Regulars+r.Members > 0 {
				last = i
			}
		}
		var people, visits int64
		for i, r := range rows {
			n := r.Strangers + r.Regulars + r.Members
			people += n
			visits += n * int64(r.Visits)
			if i <= last {
				v.Rows = append(v.Rows, tv.FrequencyRow{Visits: l.Tn("traffic.times", r.Visits, nil), Strangers: formatCount(r.Strangers),
					Regulars: formatCount(r.Regulars), Members: formatCount(r.Members), Total: formatCount(n)})
			}
		}
		if len(rows) > 0 {
			v.Period = l.Tf("traffic.period", map[string]any{"From": rows[0].PeriodStart, "To": end})
			v.People, v.Visits = formatCount(people), formatCount(visits)
		}
	}
	s.render(c, http.StatusOK, tv.Frequency(s.shopHeader(c, sh, "traffic"), v))
}

// compareMetrics are the metrics shops can be compared on.
var compareMetrics = []string{"entries", "passers_by", "outside", "entry_rate", "strangers", "regulars", "members"}

// CompareTraffic shows several shops side by side over a range, and all
// my shops ranked by entries.
func (s *Server) CompareTraffic(c *gin.Context) {
	l := loc(c)
	shops, err := s.myShops(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	z := traffic.Zone(models.DefaultTimezone)
	f, msg := s.parseFilter(c, z, traffic.Last7)
	if f.Gran == string(traffic.ByHour) && msg == "" { // shops in different zones: compare days
		f.Gran, f.q.Gran = string(traffic.ByDay), traffic.ByDay
	}
	metricKey := c.DefaultQuery("metric", "entries")
	if !slices.Contains(compareMetrics, metricKey) {
		metricKey = "entries"
	}
	chosen := map[uint]bool{}
	for _, id := range c.QueryArray("shop") {
		if n, err := strconv.ParseUint(id, 10, 32); err == nil {
			chosen[uint(n)] = true
		}
	}
	v := tv.CompareView{Filter: filterView(l, "/traffic/compare", f, msg), Tabs: trafficTabs(l, "/traffic", "compare", f), Metric: metricKey}
	for _, k := range compareMetrics {
		v.Metrics = append(v.Metrics, tv.Option{Value: k, Label: l.T("traffic.metric." + k), Selected: k == metricKey})
	}
	var picked []models.TrafficShop
	for _, sh := range shops {
		v.Shops = append(v.Shops, tv.Option{Value: strconv.FormatUint(uint64(sh.ID), 10), Label: sh.Name, Selected: chosen[sh.ID]})
		if chosen[sh.ID] && len(picked) < 8 {
			picked = append(picked, sh)
		}
	}
	if msg == "" {
		if err := s.compareView(c, &v, f, picked, shops, metricKey); err != nil {
			s.fail(c, err)
			return
		}
	}
	status := http.StatusOK
	if msg != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(c, status, tv.Compare(v))
}

func (s *Server) compareView(c *gin.Context, v *tv.CompareView, f filter, picked, all []models.TrafficShop, metricKey string) error {
	l := loc(c)
	ctx := c.Request.Context()
	m, _ := traffic.MetricByKey(metricKey)
	v.RangeLabel = l.Tn("traffic.range", f.q.Days(), map[string]any{"From": f.q.From.String(), "To": f.q.To.String()})
	chart := newChart(l, f.q.Gran, f.q.Location)
	chart.Percent = m.Rate
	var reports []traffic.Report
	var counted []vendors.Have
	for _, sh := range picked {
		q := f.q
		q.ShopIDs, q.Location = []uint{sh.ID}, traffic.Zone(sh.Timezone)
		rep, err := s.Traffic.Service.Report(ctx, q)
		if err != nil {
			return err
		}
		reports = append(reports, rep)
		counted = append(counted, traffic.Counted(rep.Rows...))
		v.Columns = append(v.Columns, sh.Name)
		sr := chartSeries{Label: sh.Name}
		for _, r := range rep.Rows {
			if val, ok := value(m, r); ok {
				x := val
				sr.Values = append(sr.Values, &x)
			} else {
				sr.Values = append(sr.Values, nil)
			}
		}
		chart.Series = append(chart.Series, sr)
	}
	if len(reports) > 0 {
		for i, r := range reports[0].Rows {
			chart.X = append(chart.X, r.Start.Start(f.q.Location).Unix())
			row := tv.TableRow{Label: rowLabel(l, f.q.Gran, r)}
			for j, rep := range reports {
				rr := rep.Rows[i]
				row.Cells = append(row.Cells, reportCell(l, m, counted[j], rr.Have, rr.NoData, &rr.Counts))
			}
			v.Rows = append(v.Rows, row)
		}
		total := tv.TableRow{Label: l.T("traffic.total")}
		for j, rep := range reports {
			total.Cells = append(total.Cells, reportCell(l, m, counted[j], rep.Total.Have, rep.Total.NoData, &rep.Total.Counts))
		}
		v.Total = total
		v.Chart = chart.String()
		v.ChartZone = chartZoneNote(l, f.q.Location, true)
	}
	rank, err := s.Traffic.Service.Rank(ctx, shopIDs(all), f.q.From, f.q.To)
	if err != nil {
		return err
	}
	names := map[uint]string{}
	for _, sh := range all {
		names[sh.ID] = sh.Name
	}
	for i, r := range rank {
		row := tv.RankRow{Place: i + 1, Shop: names[r.ShopID], Href: shopHref(r.ShopID) + "/traffic?" + f.query().Encode(),
			Entries: formatCount(r.Entries), PassersBy: formatCount(r.PassersBy), Rate: "—"}
		if r.Days == 0 {
			row.Entries, row.PassersBy = "—", "—"
		} else {
			row.Rate = formatRateOf(l, r.Entries, r.PassersBy)
		}
		v.Ranking = append(v.Ranking, row)
	}
	return nil
}

// TrafficSettings shows the sync interval and every shop's sync state.
func (s *Server) TrafficSettings(c *gin.Context) {
	s.renderTrafficSettings(c, http.StatusOK, "", nil)
}

func (s *Server) renderTrafficSettings(c *gin.Context, status int, typed string, errs formErrors) {
	ctx := c.Request.Context()
	l := loc(c)
	shops, err := s.Store.TrafficShops(ctx, models.AllShops())
	if err != nil {
		s.fail(c, err)
		return
	}
	states, err := s.Store.TrafficSyncStates(ctx, shopIDs(shops))
	if err != nil {
		s.fail(c, err)
		return
	}
	v := tv.SettingsView{Interval: typed, Errors: errs}
	if typed == "" {
		v.Interval = strconv.Itoa(int(s.Traffic.Service.Interval(ctx).Minutes()))
	}
	for _, sh := range shops {
		st := states[sh.ID]
		z := traffic.Zone(sh.Timezone)
		row := tv.SyncRow{Shop: sh.Name, Href: shopHref(sh.ID) + "/traffic", LastSuccess: formatTime(st.LastSuccessAt, z)}
		if v := traffic.SourceVendor(sh); v != "" {
			row.Source = s.vendorLabel(l, v)
		} else {
			row.Source = l.T("traffic.source.none")
		}
		if st.LastError == "no_source||" {
			row.Error = l.T("traffic.no_source")
		} else if ve := vendors.ParseCompact(st.LastError); ve != nil {
			row.Error = describeVendorError(l, ve)
		}
		if st.BackfillState != "" {
			b := backfillView(l, st)
			row.Backfill = b.StateLabel + " · " + b.Progress
		}
		v.Rows = append(v.Rows, row)
	}
	s.render(c, status, tv.Settings(v))
}

// SaveTrafficSettings stores the sync interval.
func (s *Server) SaveTrafficSettings(c *gin.Context) {
	l := loc(c)
	typed := text(c, "interval")
	n, err := strconv.Atoi(typed)
	if err != nil || n < 1 || n > 1440 {
		errs := formErrors{}
		errs.add("interval", l.T("traffic.bad_interval"))
		s.renderTrafficSettings(c, http.StatusUnprocessableEntity, typed, errs)
		return
	}
	if err := s.Traffic.Service.SetInterval(c.Request.Context(), n); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Store.Audit(c.Request.Context(), actor(c).Entry("traffic.interval", "setting", traffic.SettingInterval, typed)); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.T("common.saved"))
	redirect(c, "/settings/traffic")
}

// SyncAllTraffic syncs every shop now, in the background: the page does
// not wait for every vendor.
func (s *Server) SyncAllTraffic(c *gin.Context) {
	s.Traffic.Service.SyncAllNow()
	s.flash(c, true, loc(c).T("traffic.sync_all_started"))
	redirect(c, "/settings/traffic")
}

// opretailForm is the OpRetail account form.
type opretailForm struct {
	accountForm
	User, Password string
}

func bindOpRetailForm(c *gin.Context) opretailForm {
	return opretailForm{accountForm: bindAccountForm(c, opretail.Name), User: text(c, "user_name"), Password: c.PostForm("password")}
}

func (f opretailForm) validate(c *gin.Context, isNew bool) formErrors {
	l := loc(c)
	e := f.accountForm.validate(l, isNew)
	if f.User == "" {
		e.add("user_name", l.T("form.required"))
	} else if tooLong(f.User, 100) {
		e.add("user_name", l.Tf("form.too_long", map[string]any{"Max": 100}))
	}
	if isNew && f.Password == "" {
		e.add("password", l.T("form.required"))
	} else if tooLong(f.Password, 256) {
		e.add("password", l.Tf("form.too_long", map[string]any{"Max": 256}))
	}
	return e
}

func opretailView(action string, isNew bool, f opretailForm, errs formErrors) tv.OpRetailFormView {
	// Secrets are never echoed back, not even what was just typed.
	return tv.OpRetailFormView{Action: action, IsNew: isNew, Name: f.Name, BaseURL: f.BaseURL, AppKey: f.AppID, User: f.User, Errors: errs}
}

// NewOpRetailAccount shows the empty OpRetail account form.
func (s *Server) NewOpRetailAccount(c *gin.Context) {
	s.render(c, http.StatusOK, tv.OpRetailForm(opretailView("/settings/opretail", true, opretailForm{}, nil)))
}

// CreateOpRetailAccount stores an OpRetail account: the vendor account
// (gateway URL, _akey, secret) and its login.
func (s *Server) CreateOpRetailAccount(c *gin.Context) {
	f := bindOpRetailForm(c)
	l := loc(c)
	if errs := f.validate(c, true); len(errs) > 0 {
		s.render(c, http.StatusUnprocessableEntity, tv.OpRetailForm(opretailView("/settings/opretail", true, f, errs)))
		return
	}
	ctx := c.Request.Context()
	a, err := s.Accounts.Create(ctx, actor(c), accounts.Input{Vendor: opretail.Name, Name: f.Name, BaseURL: f.BaseURL, AppID: f.AppID, Secret: f.Secret})
	if errors.Is(err, models.ErrConflict) {
		errs := formErrors{}
		errs.add("name", l.T("vendors.name_taken"))
		s.render(c, http.StatusUnprocessableEntity, tv.OpRetailForm(opretailView("/settings/opretail", true, f, errs)))
		return
	}
	if err == nil {
		err = s.saveOpRetailLogin(c, a.ID, f)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.Tf("vendors.created", map[string]any{"Name": f.Name}))
	redirect(c, "/settings/vendors")
}

func (s *Server) saveOpRetailLogin(c *gin.Context, accountID uint, f opretailForm) error {
	var sealed []byte
	if f.Password != "" {
		var err error
		if sealed, err = s.Accounts.Box.Seal(f.Password); err != nil {
			return err
		}
	}
	return s.Store.SaveOpRetailLogin(c.Request.Context(), accountID, f.User, sealed)
}

// EditOpRetailAccount shows an OpRetail account's form.
func (s *Server) EditOpRetailAccount(c *gin.Context) {
	a := currentAccount(c)
	if a.Vendor != opretail.Name {
		redirect(c, accountHref(a.ID)+"/edit")
		return
	}
	login, err := s.Store.OpRetailLogin(c.Request.Context(), a.ID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		s.fail(c, err)
		return
	}
	f := opretailForm{accountForm: accountForm{Name: a.Name, BaseURL: a.BaseURL, AppID: a.AppID}, User: login.UserName}
	s.render(c, http.StatusOK, tv.OpRetailForm(opretailView("/settings/opretail/"+strconv.FormatUint(uint64(a.ID), 10), false, f, nil)))
}

// UpdateOpRetailAccount saves it; empty secret and password keep theirs.
func (s *Server) UpdateOpRetailAccount(c *gin.Context) {
	a := currentAccount(c)
	f := bindOpRetailForm(c)
	action := "/settings/opretail/" + strconv.FormatUint(uint64(a.ID), 10)
	if errs := f.validate(c, false); len(errs) > 0 || a.Vendor != opretail.Name {
		s.render(c, http.StatusUnprocessableEntity, tv.OpRetailForm(opretailView(action, false, f, errs)))
		return
	}
	in := accounts.Input{Name: f.Name, BaseURL: f.BaseURL, AppID: f.AppID, Secret: f.Secret}
	err := s.Accounts.Update(c.Request.Context(), actor(c), *a, in)
	if errors.Is(err, models.ErrConflict) {
		errs := formErrors{}
		errs.add("name", loc(c).T("vendors.name_taken"))
		s.render(c, http.StatusUnprocessableEntity, tv.OpRetailForm(opretailView(action, false, f, errs)))
		return
	}
	if err == nil {
		err = s.saveOpRetailLogin(c, a.ID, f)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, loc(c).T("common.saved"))
	redirect(c, "/settings/vendors")
}

// TrafficSourceForm links the shop to an OpRetail department.
func (s *Server) TrafficSourceForm(c *gin.Context) {
	sh := currentShop(c)
	ts, err := s.Store.TrafficShopOf(c.Request.Context(), scope(c), sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	id := ""
	if ts.OpRetailAccountID != nil {
		id = strconv.FormatUint(uint64(*ts.OpRetailAccountID), 10)
	}
	s.renderSourceForm(c, http.StatusOK, id, ts.OpRetailDepID, nil)
}

func (s *Server) renderSourceForm(c *gin.Context, status int, accountID, depID string, errs formErrors) {
	sh := currentShop(c)
	opts, err := s.opretailAccounts(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := tv.SourceView{Action: shopHref(sh.ID) + "/traffic/source", Cancel: shopHref(sh.ID) + "/traffic", AccountID: accountID,
		DepID: depID, Accounts: opts, Errors: errs, HasSunmi: sh.HasSunmi()}
	s.render(c, status, tv.Source(s.shopHeader(c, sh, "traffic"), v))
}

func (s *Server) opretailAccounts(c *gin.Context) ([]tv.Option, error) {
	accs, err := s.Store.VendorAccounts(c.Request.Context())
	if err != nil {
		return nil, err
	}
	var out []tv.Option
	for _, a := range accs {
		if a.Vendor == opretail.Name {
			out = append(out, tv.Option{Value: strconv.FormatUint(uint64(a.ID), 10), Label: a.Name})
		}
	}
	return out, nil
}

// SaveTrafficSource saves (or removes, with no account) the shop's
// OpRetail department.
func (s *Server) SaveTrafficSource(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	accountID, depID := text(c, "account_id"), text(c, "dep_id")
	opts, err := s.opretailAccounts(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	errs := formErrors{}
	var id uint64
	if accountID != "" {
		known := slices.ContainsFunc(opts, func(o tv.Option) bool { return o.Value == accountID })
		id, err = strconv.ParseUint(accountID, 10, 32)
		switch {
		case err != nil || !known:
			errs.add("account_id", l.T("shop.bad_account"))
		case depID == "":
			errs.add("dep_id", l.T("form.required"))
		case !vendorIDPattern.MatchString(depID):
			errs.add("dep_id", l.T("shop.bad_vendor_id"))
		}
	}
	if len(errs) > 0 {
		s.renderSourceForm(c, http.StatusUnprocessableEntity, accountID, depID, errs)
		return
	}
	if err := s.Store.SetShopOpRetail(c.Request.Context(), sh.ID, uint(id), depID); err != nil {
		s.fail(c, err)
		return
	}
	detail := "opretail depId " + depID
	if id == 0 {
		detail = "opretail link removed"
	}
	if err := s.Store.Audit(c.Request.Context(), actor(c).Entry("shop.traffic_source", "shop", strconv.FormatUint(uint64(sh.ID), 10), detail)); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.T("common.saved"))
	redirect(c, shopHref(sh.ID)+"/traffic?"+url.Values{}.Encode())
}
