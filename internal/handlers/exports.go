package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/csvout"
	"storelens/internal/faces"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/vendors"
)

// Exports of personal data (issue 17): the event history, the top
// visitors and a face library's roster, as CSV. Each is written through
// csvout (byte-order mark, quoting, formula cells defused: the traffic
// exports' writer), with headers and values in the reader's language and
// times in the shop's zone with its offset. Each reads the filters its
// page reads, with the page's own code, so a file holds exactly the rows
// the page lists (every page of them), and only shops the user may see.
// Exporting personal data is audited like any other action.

// eventExportPage is how many events one keyset page of an export reads.
const eventExportPage = 2000

// exportTimeLayout is how an export writes a time: the shop's wall clock
// and its offset, unambiguous in any spreadsheet.
const exportTimeLayout = "2006-01-02 15:04:05 -07:00"

// registerExports adds the export routes of the areas that are built.
func (s *Server) registerExports(rt routes) {
	if s.Events.Service != nil {
		rt.user.GET("/events/history.csv", s.EventHistoryCSV)
	}
	if s.Faces.Service != nil {
		rt.shop.GET("/faces/visitors.csv", s.VisitorsCSV)
		rt.shop.GET("/faces/roster.csv", s.FaceRosterCSV)
	}
}

// exportQuery is a page's query for its export link: its filters without
// the page's position (an export starts at the first row).
func exportQuery(q url.Values) string {
	out := url.Values{}
	for k, vals := range q {
		if k != "before" && k != "after" {
			out[k] = vals
		}
	}
	return out.Encode()
}

// attachCSV sends the headers of a CSV download named name (UTF-8, for
// filename*) with ascii as the fallback name.
func attachCSV(c *gin.Context, name, ascii string) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, rfc5987(name)))
	c.Header("Cache-Control", "no-store")
	c.Header("X-Content-Type-Options", "nosniff")
}

// exportAudit records an export before a byte of it is sent: an export
// whose record cannot be kept is not made.
func (s *Server) exportAudit(c *gin.Context, action, targetType, targetID, detail string) bool {
	if err := s.Store.Audit(c.Request.Context(), actor(c).Entry(action, targetType, targetID, detail)); err != nil {
		s.fail(c, err)
		return false
	}
	return true
}

// filterDetail writes the filters of a query for the audit log, in a
// stable order ("group=vip, shop=3").
func filterDetail(q url.Values, keys ...string) string {
	var parts []string
	for _, k := range keys {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// eventColumns are the event export's columns (exports.events.col.<key>).
var eventColumns = []string{"time", "zone", "shop", "camera", "kind", "person", "person_id", "group", "group_kind",
	"age", "gender", "visits", "motion", "alert", "id"}

// eventWords are an export's values in the reader's language, looked up
// once per export, not per row.
type eventWords struct {
	kinds, groupKinds, genders, motions map[string]string
	alert                               string
}

func newEventWords(l *i18n.Localizer) eventWords {
	w := eventWords{kinds: map[string]string{}, groupKinds: map[string]string{}, genders: map[string]string{}, motions: map[string]string{},
		alert: l.T("exports.yes")}
	for _, k := range []string{"face", "motion"} {
		w.kinds[k] = l.T("exports.events.kind." + k)
	}
	for _, g := range []vendors.Gender{vendors.GenderMale, vendors.GenderFemale} {
		w.genders[string(g)] = l.T("events.gender." + string(g))
	}
	for _, m := range []vendors.MotionKind{vendors.MotionKindPicture, vendors.MotionKindSound, vendors.MotionKindBoth, vendors.MotionKindPerson} {
		w.motions[string(m)] = l.T("events.motion." + string(m))
	}
	return w
}

// groupKind is a group kind in words; a kind the catalogue lacks as is.
func (w eventWords) groupKind(l *i18n.Localizer, k string) string {
	if k == "" {
		return ""
	}
	if s, ok := w.groupKinds[k]; ok {
		return s
	}
	s, ok := lookup(l, "events.kind."+k)
	if !ok {
		s = k
	}
	w.groupKinds[k] = s
	return s
}

// EventHistoryCSV exports every event the history lists for the same
// filters (all its pages), newest first.
func (s *Server) EventHistoryCSV(c *gin.Context) {
	l := loc(c)
	hq, ok := s.historyFilter(c)
	if !ok {
		return
	}
	if hq.v.Error != "" {
		c.String(http.StatusUnprocessableEntity, hq.v.Error)
		return
	}
	q := c.Request.URL.Query()
	targetType, targetID := "", ""
	if hq.f.ShopID != 0 {
		targetType, targetID = "shop", strconv.FormatUint(uint64(hq.f.ShopID), 10)
	}
	if !s.exportAudit(c, "events.export", targetType, targetID, filterDetail(q, "from", "to", "camera", "group", "person", "kind", "alerts")) {
		return
	}
	stamp := time.Now().In(hq.tz).Format("20060102-150405")
	attachCSV(c, l.T("exports.events.file")+"-"+stamp+".csv", "events-"+stamp+".csv")
	c.Status(http.StatusOK)
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{}) // it streams
	if _, err := s.writeEventsCSV(c, l, hq.f); err != nil {
		s.logger(c).Info("events export stopped", "err", err)
	}
}

// writeEventsCSV streams the events of f in scope as CSV to the response,
// a keyset page at a time, and returns the rows written.
func (s *Server) writeEventsCSV(c *gin.Context, l *i18n.Localizer, f models.EventFilter) (int, error) {
	ctx := c.Request.Context()
	w := csvout.New(c.Writer)
	for _, k := range eventColumns {
		w.Text(l.T("exports.events.col." + k))
	}
	if err := w.End(); err != nil {
		return 0, err
	}
	words := newEventWords(l)
	shops := map[uint]cachedShop{}
	scratch := make([]byte, 0, 64)
	n, err := s.Store.EventPages(ctx, scope(c), f, eventExportPage, func(evs []models.Event) error {
		for i := range evs {
			ev := &evs[i]
			sh, ok := shops[ev.ShopID]
			if !ok {
				sh = s.Events.shops.get(ctx, ev.ShopID)
				shops[ev.ShopID] = sh
			}
			scratch = ev.OccurredAt.In(sh.loc).AppendFormat(scratch[:0], exportTimeLayout)
			w.Raw(scratch)
			w.Text(sh.loc.String())
			w.Text(sh.name)
			if ev.CameraName != "" {
				w.Text(ev.CameraName)
			} else {
				w.Text(ev.DeviceSN)
			}
			w.Text(words.kinds[ev.Kind])
			w.Text(ev.PersonName)
			switch {
			case ev.PersonID != "":
				w.Text(ev.PersonID)
			default:
				w.Text(ev.CloudPersonID)
			}
			w.Text(ev.GroupName)
			w.Text(words.groupKind(l, ev.GroupKind))
			if r := vendors.AgeRange(ev.AgeRange); r.Valid() {
				w.Text(r.Label())
			} else if ev.Age > 0 {
				w.Int(int64(ev.Age))
			} else {
				w.Empty()
			}
			w.Text(words.genders[ev.Gender])
			if ev.Visits > 0 {
				w.Int(int64(ev.Visits))
			} else {
				w.Empty()
			}
			if ev.Kind == string(vendors.EventMotion) {
				w.Text(words.motions[motionKey(ev.Motion)])
			} else {
				w.Empty()
			}
			if ev.Alert {
				w.Text(words.alert)
			} else {
				w.Empty()
			}
			w.Int(ev.ID)
			if err := w.End(); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		c.Writer.Flush()
		return nil
	})
	if err == nil {
		err = w.Flush()
	}
	return n, err
}

// VisitorsCSV exports the top visitors the visitors page lists for the
// same filters (the vendor's ranking, as many as the page shows).
func (s *Server) VisitorsCSV(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	caps, groups, ok := s.exportLibrary(c, sh, func(caps faces.Caps) bool { return caps.TopVisitors })
	if !ok {
		return
	}
	tz := zone(sh.Timezone)
	vf := readVisitorFilter(c, tz, groups)
	vctx, cancel := s.vendorCtx(c)
	ms, err := s.Faces.Service.TopVisitors(vctx, *sh, vf.query(caps.Key))
	cancel()
	if err != nil {
		if !isVendorSide(err) {
			s.fail(c, err)
			return
		}
		c.String(http.StatusBadGateway, vendorMessage(l, err))
		return
	}
	q := c.Request.URL.Query()
	if !s.exportAudit(c, "faces.visits_export", "shop", strconv.FormatUint(uint64(sh.ID), 10),
		filterDetail(q, "lib", "from", "to", "group", "gender", "age")) {
		return
	}
	span := vf.from.Format("20060102") + "_" + vf.to.Format("20060102")
	attachCSV(c, l.T("exports.visits.file")+"-"+sh.Name+"-"+span+".csv", "visitors-"+span+".csv")
	c.Status(http.StatusOK)
	w := csvout.New(c.Writer)
	for _, k := range []string{"rank", "name", "group", "gender", "age", "visits", "last_visit", "zone", "enrolled"} {
		w.Text(l.T("exports.visits.col." + k))
	}
	err = w.End()
	for i, m := range ms {
		if err != nil {
			break
		}
		r := matchRow(l, sh, groups, m) // the page's own row
		w.Int(int64(i + 1))
		w.Text(r.Name)
		w.Text(r.Group)
		w.Text(r.Gender)
		w.Text(r.Age)
		w.Int(int64(m.Vendor.Visits))
		if m.Vendor.LastVisit.IsZero() {
			w.Empty()
		} else {
			w.RawString(m.Vendor.LastVisit.In(tz).Format(exportTimeLayout))
		}
		w.Text(tz.String())
		if r.Known {
			w.Text(l.T("exports.yes"))
		} else {
			w.Empty()
		}
		err = w.End()
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		s.logger(c).Info("visitors export stopped", "err", err)
	}
}

// rosterPage is how many faces one keyset page of a roster reads.
const rosterPage = 1000

// FaceRosterCSV exports the people of a face library (?lib=, the shop's
// first without): name, group, state, where and when they were enrolled
// and by whom, and their consent (who collected it, when, for what). No
// photo nor anything of the face leaves: models.RosterColumns are all it
// reads.
func (s *Server) FaceRosterCSV(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx := c.Request.Context()
	caps, groups, ok := s.exportLibrary(c, sh, func(caps faces.Caps) bool { return caps.Library })
	if !ok {
		return
	}
	byID := map[uint]models.FaceGroup{}
	ids := make([]uint, 0, len(groups))
	for _, g := range groups {
		byID[g.ID] = g
		ids = append(ids, g.ID)
	}
	label := s.currentLibraryLabel(l, caps)
	if label == "" {
		label = s.vendorLabel(l, caps.Vendor)
	}
	if !s.exportAudit(c, "faces.roster_export", "shop", strconv.FormatUint(uint64(sh.ID), 10), label) {
		return
	}
	tz := zone(sh.Timezone)
	stamp := time.Now().In(tz).Format("20060102-150405")
	attachCSV(c, l.T("exports.roster.file")+"-"+sh.Name+"-"+stamp+".csv", "roster-"+stamp+".csv")
	c.Status(http.StatusOK)
	w := csvout.New(c.Writer)
	for _, k := range []string{"name", "group", "group_kind", "state", "origin", "enrolled_at", "enrolled_by",
		"consent_by", "consent_at", "consent_purpose", "zone"} {
		w.Text(l.T("exports.roster.col." + k))
	}
	if err := w.End(); err != nil {
		return
	}
	at := func(t *time.Time) {
		if t == nil || t.IsZero() {
			w.Empty()
			return
		}
		w.RawString(t.In(tz).Format(exportTimeLayout))
	}
	groupNames := map[uint]string{}
	for id, g := range byID {
		groupNames[id] = l.Vendor(i18n.GroupName, g.Name)
	}
	_, err := s.Store.FacePages(ctx, sh.ID, ids, rosterPage, func(fs []models.Face) error {
		for i := range fs {
			f := &fs[i]
			g := byID[f.GroupID]
			if f.Name != "" {
				w.Text(f.Name)
			} else {
				w.Text(l.T("faces.unnamed"))
			}
			w.Text(groupNames[f.GroupID])
			if s, ok := lookup(l, "events.kind."+g.Kind); ok {
				w.Text(s)
			} else {
				w.Text(g.Kind)
			}
			if s, ok := lookup(l, "faces.state."+f.State); ok {
				w.Text(s)
			} else {
				w.Text(f.State)
			}
			w.Text(l.T("exports.roster.origin." + originOr(f.Origin)))
			switch {
			case f.EnrolledAt != nil:
				at(f.EnrolledAt)
			case f.VendorCreatedAt != nil:
				at(f.VendorCreatedAt)
			default:
				at(&f.CreatedAt)
			}
			w.Text(f.CreatedBy)
			w.Text(f.ConsentBy)
			at(f.ConsentAt)
			w.Text(purposeLabel(l, f.ConsentPurpose))
			w.Text(tz.String())
			if err := w.End(); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		c.Writer.Flush()
		return nil
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		s.logger(c).Info("roster export stopped", "err", err)
	}
}

func originOr(o string) string {
	if o == models.OriginVendor {
		return o
	}
	return models.OriginHere
}

// exportLibrary is what a face export of the shop's chosen library needs:
// its capabilities, which must include what the export reads (need), and
// its groups. A vendor that cannot (or does not answer) is a message in
// the reader's language; ok is false once the answer is written.
func (s *Server) exportLibrary(c *gin.Context, sh *models.Shop, need func(faces.Caps) bool) (faces.Caps, []models.FaceGroup, bool) {
	l := loc(c)
	ctx := c.Request.Context()
	caps, err := s.Faces.Service.Capabilities(ctx, *sh, faceLib(c))
	if err != nil && !isVendorSide(err) {
		s.fail(c, err)
		return caps, nil, false
	}
	if err != nil || !need(caps) {
		msg := l.T("vendor.unsupported")
		if err != nil {
			msg = vendorMessage(l, err)
		}
		c.String(http.StatusUnprocessableEntity, msg)
		return caps, nil, false
	}
	all, err := s.Store.FaceGroups(ctx, sh.ID)
	if err != nil {
		s.fail(c, err)
		return caps, nil, false
	}
	return caps, groupsOf(all, caps), true
}
