package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"storelens/internal/alerts"
	"storelens/internal/models"
	"storelens/internal/vendors"
	alertview "storelens/web/templates/alerts"
)

// registerAlertRules hangs a shop's alert rules page (issue 17, rules) and
// the weekly charts' signed picture links.
func (s *Server) registerAlertRules(rt routes) {
	rt.shop.GET("/alerts/rules", s.AlertRules)
	rt.shop.POST("/alerts/rules", s.SaveAlertRules)
	rt.engine.GET("/alerts/report/:shop/:week/:file", s.AlertReportPicture)
}

func ruleIDs(ids []uint) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[strconv.FormatUint(uint64(id), 10)] = true
	}
	return m
}

func ruleForm(r models.AlertRule) alertview.RuleForm {
	f := alertview.RuleForm{Kind: r.Kind, Enabled: r.Enabled, Channels: ruleIDs(r.Channels)}
	switch r.Kind {
	case alerts.RuleOffline, alerts.RuleDrop:
		f.Threshold = strconv.Itoa(r.Threshold)
	case alerts.RuleDaily, alerts.RuleWeekly:
		f.At = alerts.Clock(r.AtMinute)
	}
	if alerts.HasQuiet(r) {
		f.QuietFrom, f.QuietTo = alerts.Clock(r.QuietFrom), alerts.Clock(r.QuietTo)
	}
	return f
}

func (s *Server) rulesView(c *gin.Context, sh *models.Shop) (alertview.RulesView, []models.AlertRule, []models.AlertChannel, error) {
	v := alertview.RulesView{Header: s.shopHeader(c, sh, "alerts"), Action: shopHref(sh.ID) + "/alerts/rules",
		Back: shopHref(sh.ID) + "/alerts", Errors: map[string]string{}}
	rules, chans, err := s.Alerts.Service.RulesOf(c.Request.Context(), sh.ID)
	if err != nil {
		return v, nil, nil, err
	}
	l := loc(c)
	for _, ch := range chans {
		v.Channels = append(v.Channels, alertview.RuleChannel{ID: strconv.FormatUint(uint64(ch.ID), 10), Name: ch.Name,
			Kind: l.T("alerts.kind." + ch.Kind)})
	}
	for _, r := range rules {
		v.Rules = append(v.Rules, ruleForm(r))
	}
	return v, rules, chans, nil
}

// AlertRules shows a shop's alert rules.
func (s *Server) AlertRules(c *gin.Context) {
	v, _, _, err := s.rulesView(c, alertShop(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, alertview.RulesPage(v))
}

// readRules reads the rules form: each rule as typed (kept on a refusal)
// and as stored, with the errors by field.
func readRules(c *gin.Context, shopID uint, old []models.AlertRule) ([]alertview.RuleForm, []models.AlertRule, map[string]string) {
	l := loc(c)
	errs := map[string]string{}
	var forms []alertview.RuleForm
	var rules []models.AlertRule
	for _, o := range old {
		k := o.Kind
		f := alertview.RuleForm{Kind: k, Enabled: c.PostForm(k+"_enabled") == "1", QuietFrom: text(c, k+"_quiet_from"),
			QuietTo: text(c, k+"_quiet_to"), Channels: map[string]bool{}}
		r := models.AlertRule{ShopID: shopID, Kind: k, Enabled: f.Enabled, Threshold: o.Threshold, AtMinute: o.AtMinute}
		for _, id := range c.PostFormArray(k + "_ch") {
			n, err := strconv.ParseUint(id, 10, 32)
			if err != nil {
				errs[k+"_ch"] = l.T("alertrules.err.channel")
				continue
			}
			f.Channels[id] = true
			r.Channels = append(r.Channels, uint(n))
		}
		slices.Sort(r.Channels)
		switch k {
		case alerts.RuleOffline:
			f.Threshold = text(c, "offline_minutes")
			n, err := strconv.Atoi(f.Threshold)
			if err != nil || n < 1 || n > alerts.MaxOfflineMinutes {
				errs["offline_minutes"] = l.Tf("alertrules.err.minutes", map[string]any{"Max": alerts.MaxOfflineMinutes})
			}
			r.Threshold = n
		case alerts.RuleDrop:
			f.Threshold = text(c, "drop_percent")
			n, err := strconv.Atoi(strings.TrimSuffix(f.Threshold, "%"))
			if err != nil || n < 1 || n > alerts.MaxDropPercent {
				errs["drop_percent"] = l.Tf("alertrules.err.percent", map[string]any{"Max": alerts.MaxDropPercent})
			}
			r.Threshold = n
		case alerts.RuleDaily, alerts.RuleWeekly:
			f.At = text(c, k+"_at")
			m, ok := alerts.ParseClock(f.At)
			if !ok {
				errs[k+"_at"] = l.T("alertrules.err.clock")
			}
			r.AtMinute = m
		}
		if f.QuietFrom != "" || f.QuietTo != "" {
			from, ok1 := alerts.ParseClock(f.QuietFrom)
			to, ok2 := alerts.ParseClock(f.QuietTo)
			if !ok1 {
				errs[k+"_quiet_from"] = l.T("alertrules.err.clock")
			}
			if !ok2 {
				errs[k+"_quiet_to"] = l.T("alertrules.err.clock")
			}
			if ok1 && ok2 && from == to {
				errs[k+"_quiet_to"] = l.T("alertrules.err.quiet_same")
			}
			r.QuietFrom, r.QuietTo = from, to
		}
		if r.Enabled && len(r.Channels) == 0 {
			errs[k+"_ch"] = l.T("alertrules.err.no_channel")
		}
		forms = append(forms, f)
		rules = append(rules, r)
	}
	return forms, rules, errs
}

func sameRule(a, b models.AlertRule) bool {
	return a.Enabled == b.Enabled && a.Threshold == b.Threshold && a.AtMinute == b.AtMinute && a.QuietFrom == b.QuietFrom &&
		a.QuietTo == b.QuietTo && slices.Equal(a.Channels, b.Channels)
}

func ruleDetail(r models.AlertRule) string {
	d := fmt.Sprintf("%s enabled=%t channels=%v", r.Kind, r.Enabled, r.Channels)
	switch r.Kind {
	case alerts.RuleOffline:
		d += fmt.Sprintf(" minutes=%d", r.Threshold)
	case alerts.RuleDrop:
		d += fmt.Sprintf(" percent=%d", r.Threshold)
	case alerts.RuleDaily, alerts.RuleWeekly:
		d += " at=" + alerts.Clock(r.AtMinute)
	}
	if alerts.HasQuiet(r) {
		d += " quiet=" + alerts.Clock(r.QuietFrom) + "-" + alerts.Clock(r.QuietTo)
	}
	return d
}

// SaveAlertRules saves a shop's rules; a refusal shows the messages in the
// page and keeps what was typed. Each changed rule is audited.
func (s *Server) SaveAlertRules(c *gin.Context) {
	sh := alertShop(c)
	l := loc(c)
	v, old, _, err := s.rulesView(c, sh)
	if err != nil {
		s.fail(c, err)
		return
	}
	forms, rules, errs := readRules(c, sh.ID, old)
	ctx := c.Request.Context()
	var saved []models.AlertRule
	if len(errs) == 0 {
		// Every rule is stored (a default, once saved, is the shop's own:
		// the VIP rule then sends to the channels ticked, not to each new
		// one); the changed ones are audited.
		for i := range rules {
			if err := s.Alerts.Service.SaveRule(ctx, &rules[i]); err != nil {
				if errors.Is(err, alerts.ErrRuleChannel) {
					errs[rules[i].Kind+"_ch"] = l.T("alertrules.err.channel")
					break
				}
				s.fail(c, err)
				return
			}
			if old[i].ID == 0 || !sameRule(rules[i], old[i]) {
				saved = append(saved, rules[i])
			}
		}
	}
	if len(errs) > 0 {
		v.Rules, v.Errors, v.Error = forms, errs, l.T("alertrules.err.form")
		s.render(c, http.StatusUnprocessableEntity, alertview.RulesPage(v))
		return
	}
	for _, r := range saved {
		e := actor(c).Entry("alerts.rule_edit", "alert_rule", strconv.FormatUint(uint64(r.ID), 10),
			ruleDetail(r)+" (shop "+strconv.FormatUint(uint64(sh.ID), 10)+")")
		if err := s.Store.Audit(ctx, e); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.flash(c, true, l.T("common.saved"))
	redirect(c, shopHref(sh.ID)+"/alerts/rules")
}

// AlertReportPicture serves a shop's weekly chart to a robot or a phone:
// no sign-in, the link's signature is the permission (one shop's week).
func (s *Server) AlertReportPicture(c *gin.Context) {
	shop, err := strconv.ParseUint(c.Param("shop"), 10, 32)
	week, werr := vendors.ParseDate(c.Param("week"))
	sig, png := strings.CutSuffix(c.Param("file"), ".png")
	if err != nil || werr != nil || !png || s.Alerts.Rules == nil || !s.Alerts.Service.CheckReportSig(uint(shop), week, sig) {
		s.notFound(c)
		return
	}
	b, err := s.Alerts.Rules.WeeklyPNG(c.Request.Context(), uint(shop), week)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, "image/png", b)
}
