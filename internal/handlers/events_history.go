package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/vendors/sunmilan/lanevents"
	evview "storelens/web/templates/events"
)

const historyPage = 50

// EventHistory searches the stored events: time range, shop, camera,
// group, person, kind; newest first, paged by id.
func (s *Server) EventHistory(c *gin.Context) {
	ctx := c.Request.Context()
	l := loc(c)
	hq, ok := s.historyFilter(c)
	if !ok {
		return
	}
	q, v, f := c.Request.URL.Query(), hq.v, hq.f
	v.ExportHref = "/events/history.csv"
	if e := exportQuery(q); e != "" {
		v.ExportHref += "?" + e
	}
	status := http.StatusOK
	if v.Error != "" {
		status = http.StatusUnprocessableEntity
		s.render(c, status, evview.History(v))
		return
	}
	evs, more, err := s.Store.SearchEvents(ctx, scope(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Cards = s.eventCards(ctx, l, evs, f.ShopID == 0)
	if len(evs) > 0 {
		base := url.Values{}
		for k, vals := range q {
			if k != "before" && k != "after" {
				base[k] = vals
			}
		}
		// more is about the direction of travel: older pages when going
		// back, newer ones when coming forward.
		if f.Before != nil || (f.After != nil && more) {
			nv := cloneValues(base)
			nv.Set("after", models.CursorOf(evs[0]).String())
			v.Newer = "/events/history?" + nv.Encode()
		}
		if (f.After == nil && more) || f.After != nil {
			ov := cloneValues(base)
			ov.Set("before", models.CursorOf(evs[len(evs)-1]).String())
			v.Older = "/events/history?" + ov.Encode()
		}
	}
	s.render(c, status, evview.History(v))
}

// historyQuery is the history's search as the request asks for it: the
// page's form, the filter, the zone its dates are in.
type historyQuery struct {
	v  evview.HistoryView
	f  models.EventFilter
	tz *time.Location
}

// historyFilter reads the history's filters (the page and its CSV export
// read them here: one rule). A shop that is not one of the user's answers
// 404; bad dates are in v.Error. ok is false when the answer is written.
func (s *Server) historyFilter(c *gin.Context) (historyQuery, bool) {
	ctx := c.Request.Context()
	l := loc(c)
	q := c.Request.URL.Query()
	v := evview.HistoryView{From: q.Get("from"), To: q.Get("to"), Group: strings.TrimSpace(q.Get("group")),
		Person: strings.TrimSpace(q.Get("person")), Alerts: q.Get("alerts") == "1"}
	f := models.EventFilter{Group: v.Group, Person: v.Person, Alerts: v.Alerts, PerPage: historyPage}
	shops, err := s.Store.AllShopsBrief(ctx, scope(c))
	if err != nil {
		s.fail(c, err)
		return historyQuery{}, false
	}
	tz := zone(models.DefaultTimezone)
	if id, err := strconv.ParseUint(q.Get("shop"), 10, 32); err == nil {
		for _, sh := range shops {
			if uint64(sh.ID) == id {
				f.ShopID = sh.ID
			}
		}
		if f.ShopID == 0 {
			s.notFound(c) // not one of the user's shops
			return historyQuery{}, false
		}
	}
	for _, sh := range shops {
		v.Shops = append(v.Shops, evview.Option{Value: strconv.FormatUint(uint64(sh.ID), 10), Label: sh.Name, Selected: sh.ID == f.ShopID})
	}
	if f.ShopID != 0 {
		sh, err := s.Store.Shop(ctx, scope(c), f.ShopID)
		if err != nil {
			s.fail(c, err)
			return historyQuery{}, false
		}
		tz = zone(sh.Timezone)
		cams, err := s.Store.Cameras(ctx, f.ShopID)
		if err != nil {
			s.fail(c, err)
			return historyQuery{}, false
		}
		camID, _ := strconv.ParseUint(q.Get("camera"), 10, 32)
		for _, cam := range cams {
			if uint64(cam.ID) == camID {
				f.CameraID = cam.ID
			}
			v.Cameras = append(v.Cameras, evview.Option{Value: strconv.FormatUint(uint64(cam.ID), 10), Label: cam.Name, Selected: uint64(cam.ID) == camID})
		}
	}
	f.Kind = q.Get("kind")
	if f.Kind != "face" && f.Kind != "motion" {
		f.Kind = ""
	}
	for _, k := range []string{"", "face", "motion"} {
		name := k
		if k == "" {
			name = "all"
		}
		v.Kinds = append(v.Kinds, evview.Option{Value: k, Label: l.T("events.kinds." + name), Selected: k == f.Kind})
	}
	// Dates are whole days in the shop's zone (China for all shops).
	var bad bool
	if f.From, bad = parseDay(v.From, tz); bad {
		v.Error = l.T("events.bad_date")
	}
	if to, badTo := parseDay(v.To, tz); badTo {
		v.Error = l.T("events.bad_date")
	} else if !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		v.Error = l.T("events.bad_range")
	}
	f.Before, _ = models.ParseEventCursor(q.Get("before"))
	f.After, _ = models.ParseEventCursor(q.Get("after"))
	return historyQuery{v: v, f: f, tz: tz}, true
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	return out
}

// parseDay reads a YYYY-MM-DD date as the start of that day in loc; bad is
// true for text that is not a date.
func parseDay(s string, loc *time.Location) (t time.Time, bad bool) {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	return t, err != nil
}

// ShopEventSettings shows a shop's alert groups and its event sources.
func (s *Server) ShopEventSettings(c *gin.Context) {
	sh := currentShop(c)
	groups, err := s.Events.Service.ShopAlertGroups(c.Request.Context(), sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, evview.ShopSettings(s.shopHeader(c, sh, "events"), s.shopSettingsView(c, sh, strings.Join(groups, ", "), "")))
}

func (s *Server) shopSettingsView(c *gin.Context, sh *models.Shop, groups, msg string) evview.ShopSettingsView {
	l := loc(c)
	v := evview.ShopSettingsView{AlertGroups: groups, Error: msg}
	if currentUser(c).IsAdmin() {
		v.Action = shopHref(sh.ID) + "/events/settings"
	}
	tz := zone(sh.Timezone)
	for _, st := range s.Events.Service.Sources().Status() {
		if st.ShopID != sh.ID && !slices.Contains(st.Shops, sh.ID) {
			continue
		}
		name := st.Name
		if name == "" {
			name = st.SN
		}
		r := evview.SourceRow{Name: name, Kind: l.T("events.source_kind." + st.Kind), Events: st.Events, OK: st.Connected && st.Err == ""}
		switch {
		case r.OK:
			r.State = l.T("events.source_up")
		case st.Standby:
			r.State = l.T("events.source_standby")
		default:
			r.State = l.T("events.source_down")
		}
		if !st.Since.IsZero() {
			r.Since = formatTime(&st.Since, tz)
		}
		if !st.LastEvent.IsZero() {
			r.LastEvent = formatTime(&st.LastEvent, tz)
		}
		if st.Err != "" {
			r.Error = st.Err
		}
		v.Sources = append(v.Sources, r)
	}
	cams, err := s.cameraDeliveries(c, sh, 0, "", "")
	if err != nil {
		s.logger(c).Error("events: LAN cameras of the shop", "shop", sh.ID, "err", err)
	}
	v.Cameras = cams
	return v
}

// SaveShopEventSettings stores a shop's alert groups (admins).
func (s *Server) SaveShopEventSettings(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	raw := text(c, "alert_groups")
	groups := events.ParseAlertGroups(raw)
	msg := ""
	switch {
	case tooLong(raw, 500):
		msg = l.Tf("form.too_long", map[string]any{"Max": 500})
	case len(groups) > 20:
		msg = l.T("events.too_many_groups")
	}
	for _, g := range groups {
		if tooLong(g, 32) {
			msg = l.Tf("events.group_too_long", map[string]any{"Max": 32})
		}
	}
	if msg != "" {
		s.render(c, http.StatusUnprocessableEntity, evview.ShopSettings(s.shopHeader(c, sh, "events"), s.shopSettingsView(c, sh, raw, msg)))
		return
	}
	if err := s.Events.Service.SaveShopSettings(c.Request.Context(), sh.ID, groups); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Store.Audit(c.Request.Context(), actor(c).Entry("events.alert_groups", "shop", strconv.FormatUint(uint64(sh.ID), 10), strings.Join(groups, ", "))); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.T("common.saved"))
	redirect(c, shopHref(sh.ID)+"/events/settings")
}

// RetentionForm shows how long events are kept (admins).
func (s *Server) RetentionForm(c *gin.Context) {
	days, err := s.Events.Service.RetentionDays(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, evview.Retention(evview.RetentionView{Days: strconv.Itoa(days)}))
}

// SaveRetention stores the retention in days.
func (s *Server) SaveRetention(c *gin.Context) {
	l := loc(c)
	raw := text(c, "days")
	days, err := strconv.Atoi(raw)
	if err != nil || days < 1 || days > 3650 {
		s.render(c, http.StatusUnprocessableEntity, evview.Retention(evview.RetentionView{Days: raw, Error: l.T("events.bad_retention")}))
		return
	}
	if err := s.Events.Service.SetRetentionDays(c.Request.Context(), days); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Store.Audit(c.Request.Context(), actor(c).Entry("events.retention", "settings", "events", strconv.Itoa(days))); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.T("common.saved"))
	redirect(c, "/settings/events")
}

// webhookTooLarge is the reason an oversized post is refused with.
var webhookTooLarge = fmt.Sprintf("body too large: a notification post is at most %d KiB", lanevents.MaxWebhookBody>>10)

// An oversized post's rest is read and dropped (at most webhookDrainMax
// bytes, for at most webhookDrainTime) before the 413 is written: a camera
// that writes its whole body before reading the answer would otherwise
// meet a connection closed under it, see a reset instead of the 413, and
// send the post again forever.
const (
	webhookDrainMax  = 32 << 20
	webhookDrainTime = 30 * time.Second
)

// drainBody reads and drops what is left of the request body, within max
// bytes and d; past them the connection is simply closed after the reply.
func drainBody(c *gin.Context, max int64, d time.Duration) {
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(d))
	_, _ = io.Copy(io.Discard, io.LimitReader(c.Request.Body, max))
}

// EventWebhook receives a camera's notification-center post (003 §1.3).
// It answers at once: the event is stored (or refused) before the reply,
// and the reply is the acknowledgement. The codes in the JSON follow the
// camera's own table (NOTES.md item 37): 1 signature, 2 parameter, 3
// timestamp, 7 internal.
func (s *Server) EventWebhook(c *gin.Context) {
	body := http.MaxBytesReader(c.Writer, c.Request.Body, lanevents.MaxWebhookBody+8<<10)
	p, err := lanevents.ParseWebhook(c.GetHeader("Content-Type"), body)
	if err != nil {
		if errors.Is(err, lanevents.ErrTooLarge) {
			s.logger(c).Warn("webhook refused: body too large", "content_length", c.Request.ContentLength)
			drainBody(c, webhookDrainMax, webhookDrainTime)
			c.Header("Connection", "close")
			c.JSON(http.StatusRequestEntityTooLarge, gin.H{"code": 2, "msg": webhookTooLarge})
			return
		}
		c.JSON(http.StatusBadRequest, gin.H{"code": 2, "msg": "not a notification post"})
		return
	}
	_, err = s.Events.Service.Sources().ReceiveWebhook(c.Request.Context(), p)
	switch {
	case err == nil:
		c.JSON(http.StatusOK, gin.H{"code": 0})
	case errors.Is(err, lanevents.ErrSignature), errors.Is(err, events.ErrWebhookUnknownApp):
		s.logger(c).Warn("webhook refused: signature", "app_id", p.AppID)
		c.JSON(http.StatusUnauthorized, gin.H{"code": 1, "msg": "invalid sign"})
	case errors.Is(err, lanevents.ErrStale):
		s.logger(c).Warn("webhook refused: stale timestamp", "app_id", p.AppID, "err", err)
		c.JSON(http.StatusUnauthorized, gin.H{"code": 3, "msg": "timestamp expired"})
	case errors.Is(err, lanevents.ErrReplay):
		s.logger(c).Warn("webhook refused: replay", "app_id", p.AppID)
		c.JSON(http.StatusConflict, gin.H{"code": 1, "msg": "already received"})
	case errors.Is(err, lanevents.ErrPayload), errors.Is(err, lanevents.ErrWebhookForm), errors.Is(err, events.ErrWebhookUnknownSN):
		s.logger(c).Warn("webhook refused", "app_id", p.AppID, "err", err)
		c.JSON(http.StatusBadRequest, gin.H{"code": 2, "msg": "invalid parameter"})
	default:
		s.logger(c).Error("webhook not stored; the camera will retry", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"code": 7, "msg": "try again"})
	}
}
