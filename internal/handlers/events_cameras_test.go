package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"storelens/internal/models"
)

// The shop's event settings list its LAN cameras with their delivery; an
// admin's choice that cannot run is refused with the reason in the user's
// language, the choice kept and nothing stored or audited; a manager sees
// the delivery read only and cannot post.
func TestCameraDeliveryChoice(t *testing.T) {
	a := newEventsApp(t)
	ctx := context.Background()
	cam := models.Camera{ShopID: a.shopA.ID, Vendor: "sunmilan", SN: "C201D8BS00777", Name: "收银台 LAN", Model: "FM020", Address: "127.0.0.1:1"}
	if err := a.st.AddLANCamera(ctx, &cam); err != nil {
		t.Fatal(err)
	}
	settings := fmt.Sprintf("/shops/%d/events/settings", a.shopA.ID)
	action := fmt.Sprintf("/shops/%d/cameras/%d/events/delivery", a.shopA.ID, cam.ID)

	mgr := a.login("manager", managerPW)
	r := mgr.get(settings)
	r.has(t, `data-testid="camera-delivery"`, "收银台 LAN", `data-testid="delivery">Off`)
	if strings.Contains(r.body, action) {
		t.Error("a manager is offered the delivery form")
	}
	if r := mgr.post(action, url.Values{"delivery": {"channel"}}); r.status != http.StatusForbidden {
		t.Errorf("manager posts a delivery: %d", r.status)
	}

	admin := a.login("admin", adminPW)
	admin.get(settings).has(t, action, `<option value="" selected>Off</option>`, `value="channel">Message channel`)
	r = admin.post(action, url.Values{"delivery": {"channel"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a camera without a LAN account: %d", r.status)
	}
	r.has(t, "no LAN vendor account", `<option value="channel" selected>`)
	admin.lang = "zh-CN"
	admin.post(action, url.Values{"delivery": {"webhook"}}).has(t, "没有可用的局域网厂商账号", `<option value="webhook" selected>`)
	if r := admin.post(action, url.Values{"delivery": {"carrier-pigeon"}}); r.status != http.StatusBadRequest {
		t.Errorf("unknown delivery: %d", r.status)
	}
	got, _ := a.st.Camera(ctx, a.shopA.ID, cam.ID)
	if got.EventDelivery != "" {
		t.Errorf("refused choice stored: %q", got.EventDelivery)
	}
	var audits int64
	a.st.DB().Model(&models.AuditEntry{}).Where("action = ?", "events.delivery").Count(&audits)
	if audits != 0 {
		t.Errorf("%d audit entries for refused choices", audits)
	}
	// Turning it off always works (nothing to run), and is audited.
	admin.lang = "en"
	if r := admin.post(action, url.Values{"delivery": {""}}); r.status != http.StatusSeeOther {
		t.Fatalf("off: %d", r.status)
	}
	a.st.DB().Model(&models.AuditEntry{}).Where("action = ? AND target_id = ?", "events.delivery", cam.SN).Count(&audits)
	if audits != 1 {
		t.Errorf("%d audit entries after off, want 1", audits)
	}
}
