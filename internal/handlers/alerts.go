package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/alerts"
	"storelens/internal/i18n"
	"storelens/internal/models"
	alertview "storelens/web/templates/alerts"
	"storelens/web/templates/layout"
)

// AlertsDeps is the alerts area (issue 17): the channels, their outbox
// and worker; Demo is the demo's simulated groups (nil outside the demo).
type AlertsDeps struct {
	Service *alerts.Service
	// Rules is the rules' checker (the weekly charts); nil: no charts.
	Rules *alerts.Checker
	// Demo lists the demo's simulated groups and what each received.
	Demo func() []alertview.DemoGroup
}

const keyAlertChannel = "alert_channel"

// registerAlerts hangs the alert channels' pages: a shop's (anyone who
// may see the shop: its managers route only its alerts), the chain's
// (company admins), and the signed picture links the robots fetch.
func (s *Server) registerAlerts(rt routes) {
	if s.Alerts.Service == nil {
		return
	}
	rt.engine.GET("/alerts/picture/:event/:sig", s.AlertPicture)
	s.registerAlertRules(rt) // alert_rules.go
	s.shopTabs = append(s.shopTabs, shopTab{Key: "alerts.tab", Path: "/alerts", Name: "alerts"})
	rt.shop.GET("/alerts", s.AlertChannels)
	rt.shop.POST("/alerts", s.CreateAlertChannel)
	ch := rt.shop.Group("/alerts/:channel", s.loadAlertChannel)
	ch.GET("", s.ShowAlertChannel)
	ch.POST("", s.UpdateAlertChannel)
	ch.POST("/test", s.TestAlertChannel)
	ch.POST("/delete", s.DeleteAlertChannel)

	rt.admin.GET("/settings/alerts", s.AlertChannels)
	rt.admin.POST("/settings/alerts", s.CreateAlertChannel)
	ach := rt.admin.Group("/settings/alerts/:channel", s.loadAlertChannel)
	ach.GET("", s.ShowAlertChannel)
	ach.POST("", s.UpdateAlertChannel)
	ach.POST("/test", s.TestAlertChannel)
	ach.POST("/delete", s.DeleteAlertChannel)
	s.adminNav = append(s.adminNav, layout.NavItem{Href: "/settings/alerts", Key: "alerts.nav", Section: "alerts"})
	if s.Alerts.Demo != nil {
		// Admins only: the page shows the simulated robots' webhooks and
		// secrets, and a manager's menu has no Settings group.
		rt.admin.GET("/alerts/demo", s.AlertDemoGroups)
		s.adminNav = append(s.adminNav, layout.NavItem{Href: "/alerts/demo", Key: "alerts.demo_nav", Section: "alerts"})
	}
}

// alertShop is the shop of a shop's alert page; nil on the chain's.
func alertShop(c *gin.Context) *models.Shop {
	if v, ok := c.Get(keyShop); ok {
		return v.(*models.Shop)
	}
	return nil
}

func alertBase(sh *models.Shop) string {
	if sh == nil {
		return "/settings/alerts"
	}
	return shopHref(sh.ID) + "/alerts"
}

// loadAlertChannel loads a channel of the page's scope: on a shop's page
// only that shop's own channels (another shop's id, or a chain-wide one,
// is a 404); on the chain's page only chain-wide ones.
func (s *Server) loadAlertChannel(c *gin.Context) {
	id, ok := s.paramID(c, "channel")
	if !ok {
		return
	}
	ch, err := s.Store.AlertChannel(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		c.Abort()
		return
	}
	sh := alertShop(c)
	if (sh == nil) != (ch.ShopID == nil) || (sh != nil && *ch.ShopID != sh.ID) {
		s.notFound(c)
		c.Abort()
		return
	}
	c.Set(keyAlertChannel, &ch)
	c.Next()
}

func (s *Server) alertView(c *gin.Context, sh *models.Shop) (alertview.View, error) {
	l := loc(c)
	v := alertview.View{Title: l.T("alerts.title"), Hint: l.T("alerts.hint")}
	if sh == nil {
		v.Title, v.Hint = l.T("alerts.chain_title"), l.T("alerts.chain_hint")
	} else {
		h := s.shopHeader(c, sh, "alerts")
		v.Header = &h
		v.RulesHref = shopHref(sh.ID) + "/alerts/rules"
	}
	var shopID uint
	if sh != nil {
		shopID = sh.ID
	}
	chans, err := s.Store.AlertChannelsOf(c.Request.Context(), shopID)
	if err != nil {
		return v, err
	}
	for _, ch := range chans {
		v.Channels = append(v.Channels, s.alertRow(c, ch, sh))
	}
	v.Form = alertview.Form{Action: alertBase(sh), IsNew: true, Kind: alerts.DingTalk, Enabled: true}
	return v, nil
}

func (s *Server) alertRow(c *gin.Context, ch models.AlertChannel, sh *models.Shop) alertview.ChannelRow {
	l := loc(c)
	r := alertview.ChannelRow{Name: ch.Name, Kind: l.T("alerts.kind." + ch.Kind), Host: s.Alerts.Service.WebhookHost(ch),
		Enabled: ch.Enabled, Flagged: alerts.Flagged(ch), LastError: ch.LastError}
	switch {
	case ch.ShopID == nil:
		r.Scope = l.T("alerts.scope_chain")
		if sh == nil {
			r.Href = fmt.Sprintf("/settings/alerts/%d", ch.ID)
		}
	default:
		if sh != nil {
			r.Scope = sh.Name
			r.Href = fmt.Sprintf("%s/%d", alertBase(sh), ch.ID)
		}
	}
	return r
}

// AlertChannels lists a shop's (or the chain's) channels, with the add form.
func (s *Server) AlertChannels(c *gin.Context) {
	v, err := s.alertView(c, alertShop(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, alertview.Page(v))
}

// readAlertForm reads and checks the channel form; errs is keyed by field.
func readAlertForm(c *gin.Context, isNew bool) (alerts.ChannelInput, alertview.Form, map[string]string) {
	l := loc(c)
	in := alerts.ChannelInput{Kind: text(c, "kind"), Name: text(c, "name"), Webhook: text(c, "webhook"),
		Secret: text(c, "secret"), Enabled: c.PostForm("enabled") == "1", ClearSecret: c.PostForm("clear_secret") == "1"}
	f := alertview.Form{IsNew: isNew, Kind: in.Kind, Name: in.Name, Webhook: in.Webhook, Secret: in.Secret, Enabled: in.Enabled}
	errs := map[string]string{}
	if in.Name == "" || tooLong(in.Name, 64) {
		errs["name"] = l.T("alerts.err.name")
	}
	if isNew && !alerts.ValidKind(in.Kind) {
		errs["kind"] = l.T("alerts.err.kind")
	}
	if isNew && in.Webhook == "" && in.Kind != alerts.Email {
		errs["webhook"] = l.T("alerts.err.webhook")
	}
	if tooLong(in.Webhook, 500) {
		errs["webhook"] = l.Tf("alerts.err.too_long", map[string]any{"Max": 500})
	}
	if tooLong(in.Secret, 200) {
		errs["secret"] = l.Tf("alerts.err.too_long", map[string]any{"Max": 200})
	}
	return in, f, errs
}

// webhookError words a refused webhook for its field.
func webhookError(l *i18n.Localizer, err error) (string, bool) {
	switch {
	case errors.Is(err, alerts.ErrBadWebhook):
		return l.T("alerts.err.webhook"), true
	case errors.Is(err, alerts.ErrNoToken):
		return l.T("alerts.err.token"), true
	case errors.Is(err, alerts.ErrNoKey):
		return l.T("alerts.err.key"), true
	case errors.Is(err, alerts.ErrBadKind):
		return l.T("alerts.err.kind"), true
	}
	return "", false
}

// CreateAlertChannel adds a channel to the page's shop (or the chain).
func (s *Server) CreateAlertChannel(c *gin.Context) {
	sh := alertShop(c)
	l := loc(c)
	in, f, errs := readAlertForm(c, true)
	readEmailFields(c, in.Kind, &in, &f, errs) // alerts_email.go
	if sh != nil {
		id := sh.ID
		in.ShopID = &id
	}
	var ch models.AlertChannel
	if len(errs) == 0 {
		var err error
		ch, err = s.Alerts.Service.CreateChannel(c.Request.Context(), in)
		if msg, ok := webhookError(l, err); ok {
			errs["webhook"] = msg
		} else if field, msg, ok := emailError(l, err); ok {
			errs[field] = msg
		} else if err != nil {
			s.fail(c, err)
			return
		}
	}
	if len(errs) > 0 {
		v, err := s.alertView(c, sh)
		if err != nil {
			s.fail(c, err)
			return
		}
		f.Action, f.Errors = v.Form.Action, errs
		v.Form = f
		s.render(c, http.StatusUnprocessableEntity, alertview.Page(v))
		return
	}
	if !s.auditAlert(c, "alerts.channel_add", ch, fmt.Sprintf("%s %q", ch.Kind, ch.Name)+emailAuditDetail(in)) {
		return
	}
	s.flash(c, true, l.T("common.saved"))
	redirect(c, fmt.Sprintf("%s/%d", alertBase(sh), ch.ID))
}

// auditAlert records a channel change (never its webhook or secret).
func (s *Server) auditAlert(c *gin.Context, action string, ch models.AlertChannel, detail string) bool {
	scope := "chain"
	if ch.ShopID != nil {
		scope = "shop " + strconv.FormatUint(uint64(*ch.ShopID), 10)
	}
	e := actor(c).Entry(action, "alert_channel", strconv.FormatUint(uint64(ch.ID), 10), detail+" ("+scope+")")
	if err := s.Store.Audit(c.Request.Context(), e); err != nil {
		s.fail(c, err)
		return false
	}
	return true
}

func currentAlertChannel(c *gin.Context) *models.AlertChannel {
	return c.MustGet(keyAlertChannel).(*models.AlertChannel)
}

// channelView is one channel's page: its form (as stored, or as typed
// after a refusal), Send test, the delivery log and the messages.
func (s *Server) channelView(c *gin.Context, ch *models.AlertChannel) (alertview.View, error) {
	sh := alertShop(c)
	l := loc(c)
	v, err := s.alertView(c, sh)
	if err != nil {
		return v, err
	}
	row := s.alertRow(c, *ch, sh)
	v.Channel, v.FailStreak = &row, ch.FailStreak
	base := fmt.Sprintf("%s/%d", alertBase(sh), ch.ID)
	v.TestAction, v.DeleteAction = base+"/test", base+"/delete"
	v.Form = alertview.Form{Action: base, Kind: ch.Kind, Name: ch.Name, HasSecret: len(ch.SecretEnc) > 0, Enabled: ch.Enabled}
	s.fillEmailForm(ch, &v.Form)
	tz := time.Local
	if sh != nil {
		tz = zone(sh.Timezone)
	}
	ctx := c.Request.Context()
	log, err := s.Store.AlertDeliveries(ctx, ch.ID, 50)
	if err != nil {
		return v, err
	}
	for _, d := range log {
		at := d.At
		v.Log = append(v.Log, alertview.LogRow{At: formatTime(&at, tz), Outcome: l.T("alerts.outcome." + d.Outcome), OutcomeKey: d.Outcome,
			Title: d.Title, Detail: d.Detail, Millis: strconv.FormatInt(d.Millis, 10)})
	}
	out, err := s.Store.AlertOutboxOf(ctx, ch.ID, 50)
	if err != nil {
		return v, err
	}
	for _, o := range out {
		at := o.CreatedAt
		v.Outbox = append(v.Outbox, alertview.OutboxRow{At: formatTime(&at, tz), Kind: l.T("alerts.msgkind." + o.Kind), Title: o.Title,
			State: l.T("alerts.state." + o.State), Attempts: strconv.Itoa(o.Attempts), Error: o.LastError})
	}
	return v, nil
}

// ShowAlertChannel shows one channel.
func (s *Server) ShowAlertChannel(c *gin.Context) {
	v, err := s.channelView(c, currentAlertChannel(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, alertview.Page(v))
}

// UpdateAlertChannel saves a channel's edit; a refusal keeps the form.
func (s *Server) UpdateAlertChannel(c *gin.Context) {
	ch := currentAlertChannel(c)
	l := loc(c)
	in, f, errs := readAlertForm(c, false)
	readEmailFields(c, ch.Kind, &in, &f, errs) // alerts_email.go
	if len(errs) == 0 {
		err := s.Alerts.Service.UpdateChannel(c.Request.Context(), ch, in)
		if msg, ok := webhookError(l, err); ok {
			errs["webhook"] = msg
		} else if field, msg, ok := emailError(l, err); ok {
			errs[field] = msg
		} else if err != nil {
			s.fail(c, err)
			return
		}
	}
	if len(errs) > 0 {
		v, err := s.channelView(c, ch)
		if err != nil {
			s.fail(c, err)
			return
		}
		f.Action, f.Kind, f.HasSecret, f.Errors = v.Form.Action, ch.Kind, len(ch.SecretEnc) > 0, errs
		f.Email.HasPassword = f.HasSecret
		v.Form = f
		s.render(c, http.StatusUnprocessableEntity, alertview.Page(v))
		return
	}
	detail := fmt.Sprintf("%q enabled=%t", ch.Name, ch.Enabled) + emailAuditDetail(in)
	if in.Webhook != "" {
		detail += ", webhook changed"
	}
	if in.Secret != "" {
		detail += ", secret changed"
	} else if in.ClearSecret {
		detail += ", secret removed"
	}
	if !s.auditAlert(c, "alerts.channel_edit", *ch, detail) {
		return
	}
	s.flash(c, true, l.T("common.saved"))
	redirect(c, fmt.Sprintf("%s/%d", alertBase(alertShop(c)), ch.ID))
}

// TestAlertChannel sends a test message now and shows the result in the page.
func (s *Server) TestAlertChannel(c *gin.Context) {
	ch := currentAlertChannel(c)
	l := loc(c)
	scope := l.T("alerts.scope_chain")
	if sh := alertShop(c); sh != nil {
		scope = sh.Name
	}
	err := s.Alerts.Service.SendTest(c.Request.Context(), *ch, l.T("alerts.test_title"),
		"### "+l.T("alerts.test_title")+"\n\n"+l.Tf("alerts.test_body", map[string]any{"Name": ch.Name, "Scope": scope}))
	if !s.auditAlert(c, "alerts.channel_test", *ch, fmt.Sprintf("%q ok=%t", ch.Name, err == nil)) {
		return
	}
	fresh, ferr := s.Store.AlertChannel(c.Request.Context(), ch.ID)
	if ferr != nil {
		s.fail(c, ferr)
		return
	}
	v, verr := s.channelView(c, &fresh)
	if verr != nil {
		s.fail(c, verr)
		return
	}
	status := http.StatusOK
	if err == nil {
		v.TestOK, v.TestResult = true, l.T("alerts.test_ok")
	} else {
		status = http.StatusBadGateway
		v.TestResult = l.Tf("alerts.test_failed", map[string]any{"Reason": sendReason(l, err)})
	}
	s.render(c, status, alertview.Page(v))
}

// sendReason words a send's failure in the user's language.
func sendReason(l *i18n.Localizer, err error) string {
	var se *alerts.SendError
	if !errors.As(err, &se) {
		return err.Error()
	}
	switch {
	case se.Throttled:
		return l.T("alerts.err.throttled")
	case se.SMTP:
		return l.Tf("alertsch.err.smtp", map[string]any{"Msg": se.Msg})
	case se.Code == alerts.FeishuSignFail:
		return l.T("alertsch.err.feishu_sign")
	case se.Code == 310000:
		return l.T("alerts.err.sign")
	case se.Code == 93000:
		return l.T("alerts.err.key_invalid")
	case se.Code != 0:
		return l.Tf("alerts.err.code", map[string]any{"Code": se.Code, "Msg": se.Msg})
	case se.Status != 0:
		return l.Tf("alerts.err.unavailable", map[string]any{"Status": se.Status})
	}
	return l.T("alerts.err.unreachable") + " (" + se.Msg + ")"
}

// DeleteAlertChannel deletes a channel with its messages and log.
func (s *Server) DeleteAlertChannel(c *gin.Context) {
	ch := currentAlertChannel(c)
	if err := s.Store.DeleteAlertChannel(c.Request.Context(), ch.ID); err != nil {
		s.fail(c, err)
		return
	}
	if !s.auditAlert(c, "alerts.channel_delete", *ch, fmt.Sprintf("%s %q", ch.Kind, ch.Name)) {
		return
	}
	s.flash(c, true, loc(c).T("alerts.deleted"))
	redirect(c, alertBase(alertShop(c)))
}

// AlertPicture serves an alert's picture to a robot or a phone: no
// sign-in, the link's signature is the permission (one event's picture).
func (s *Server) AlertPicture(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("event"), 10, 64)
	if err != nil || !s.Alerts.Service.CheckPictureSig(id, c.Param("sig")) || s.Events.Service == nil {
		s.notFound(c)
		return
	}
	ev, err := s.Store.EventInScope(c.Request.Context(), models.AllShops(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.servePicture(c, ev.Picture, "public, max-age=86400")
}

// AlertDemoGroups lists what the demo's simulated groups received.
func (s *Server) AlertDemoGroups(c *gin.Context) {
	s.render(c, http.StatusOK, alertview.DemoGroups(s.Alerts.Demo()))
}
