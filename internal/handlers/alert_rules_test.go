package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"storelens/internal/models"
)

func rulesForm(ch string, minutes, quietFrom, quietTo string) url.Values {
	return url.Values{"vip_enabled": {"1"}, "vip_ch": {ch}, "offline_enabled": {"1"}, "offline_ch": {ch},
		"offline_minutes": {minutes}, "offline_quiet_from": {quietFrom}, "offline_quiet_to": {quietTo},
		"drop_percent": {"30"}, "daily_at": {"21:00"}, "weekly_at": {"09:00"}}
}

// A manager turns the offline rule on for their channel with quiet hours;
// the page shows them kept and the change is audited. Bad input (minutes
// 0, 25:00, another shop's channel) is refused in the page, form kept.
func TestAlertRulesPage(t *testing.T) {
	x := newAlertsApp(t)
	b := x.login("manager", managerPW)
	base := fmt.Sprintf("/shops/%d/alerts", x.shopA.ID)
	r := b.post(base, channelForm("wecom", "店长群", x.url+"/cgi-bin/webhook/send?key=key1", ""))
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.status, excerpt(r.body))
	}
	ch := r.location[strings.LastIndex(r.location, "/")+1:]
	b.get(base).has(t, `href="`+base+`/rules"`)
	page := b.get(base + "/rules")
	page.has(t, `data-testid="rule-offline"`, `name="offline_minutes"`, `value="10"`, `checked data-testid="rule-vip-ch-`+ch+`"`)

	r = b.post(base+"/rules", rulesForm(ch, "0", "25:00", "08:00"))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad rules: %d", r.status)
	}
	r.has(t, `data-testid="alert-rules-error"`, `data-testid="error-offline_minutes"`, `data-testid="error-offline_quiet_from"`,
		`value="25:00"`, `value="0"`)
	var n int64
	x.st.DB().Model(&models.AlertRule{}).Count(&n)
	if n != 0 {
		t.Fatalf("a refused form stored %d rules", n)
	}

	r = b.post(base+"/rules", rulesForm(ch, "15", "22:00", "08:00"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.status, excerpt(r.body))
	}
	page = b.get(base + "/rules")
	page.has(t, `value="15"`, `value="22:00"`, `value="08:00"`, `checked data-testid="rule-offline-ch-`+ch+`"`,
		`checked data-testid="rule-offline-enabled"`)
	var rule models.AlertRule
	if err := x.st.DB().Where("shop_id = ? AND kind = ?", x.shopA.ID, "offline").First(&rule).Error; err != nil {
		t.Fatal(err)
	}
	if !rule.Enabled || rule.Threshold != 15 || rule.QuietFrom != 22*60 || rule.QuietTo != 8*60 {
		t.Fatalf("stored %+v", rule)
	}
	x.st.DB().Model(&models.AuditEntry{}).Where("action = ?", "alerts.rule_edit").Count(&n)
	if n < 2 { // the VIP rule (first saved) and the offline rule
		t.Fatalf("audit entries %d", n)
	}
	// Saving the same again audits nothing new.
	b.post(base+"/rules", rulesForm(ch, "15", "22:00", "08:00"))
	var m int64
	x.st.DB().Model(&models.AuditEntry{}).Where("action = ?", "alerts.rule_edit").Count(&m)
	if m != n {
		t.Fatalf("unchanged save audited: %d -> %d", n, m)
	}

	// Shop B's manager cannot route shop B's rules to shop A's channel.
	x.addUser("mgrb", managerPW, models.RoleManager, x.shopB.ID)
	mb := x.login("mgrb", managerPW)
	r = mb.post(fmt.Sprintf("/shops/%d/alerts/rules", x.shopB.ID), rulesForm(ch, "10", "", ""))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("another shop's channel: %d", r.status)
	}
	r.has(t, `data-testid="error-vip_ch"`)
}
