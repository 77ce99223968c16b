package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"storelens/internal/events"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmilan"
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

// A webhook delivery whose callback is on loopback (no --public-url, the
// server on 127.0.0.1) is refused for a camera on the shop's LAN, with a
// message naming --public-url in the user's language; the form keeps the
// choice and nothing is stored or audited. A camera on loopback itself
// may post there.
func TestCameraDeliveryRefusesLoopbackCallback(t *testing.T) {
	var accID uint
	a := newEventsApp(t, appOptions{cfg: func(c *events.Config) {
		c.Callback = events.CallbackURL(nil, "0.0.0.0:8080") // what a server without --public-url hands out
		c.LANAccount = func(_ context.Context, id uint) (*sunmilan.Account, error) {
			ad, err := sunmilan.NewAccount(vendors.Account{AppID: hookApp, Secret: hookSecret}, nil)
			if err != nil {
				return nil, err
			}
			return ad.(*sunmilan.Account), nil
		}
	}})
	ctx := context.Background()
	acc := models.VendorAccount{Vendor: sunmilan.Name, Name: "LAN", AppID: hookApp, SecretEnc: []byte("sealed")}
	if err := a.st.CreateVendorAccount(ctx, &acc); err != nil {
		t.Fatal(err)
	}
	accID = acc.ID
	cam := models.Camera{ShopID: a.shopA.ID, Vendor: sunmilan.Name, SN: "C201D8BS00778", Name: "后门 LAN", Model: "FM020",
		Address: "192.168.1.50", LANAccountID: &accID, CertFingerprint: strings.Repeat("ab", 32)}
	if err := a.st.AddLANCamera(ctx, &cam); err != nil {
		t.Fatal(err)
	}
	action := fmt.Sprintf("/shops/%d/cameras/%d/events/delivery", a.shopA.ID, cam.ID)
	admin := a.login("admin", adminPW)
	r := admin.post(action, url.Values{"delivery": {"webhook"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a loopback callback for a LAN camera: %d", r.status)
	}
	r.has(t, "--public-url", "STORELENS_PUBLIC_URL", "on loopback", `<option value="webhook" selected>`, `data-testid="delivery-error"`)
	admin.lang = "zh-CN"
	admin.post(action, url.Values{"delivery": {"webhook"}}).has(t, "--public-url", "回环地址", `<option value="webhook" selected>`)
	got, _ := a.st.Camera(ctx, a.shopA.ID, cam.ID)
	if got.EventDelivery != "" || got.HookCallback != "" {
		t.Errorf("refused choice stored: delivery %q, callback %q", got.EventDelivery, got.HookCallback)
	}
	var audits int64
	a.st.DB().Model(&models.AuditEntry{}).Where("action = ?", "events.delivery").Count(&audits)
	if audits != 0 {
		t.Errorf("%d audit entries for a refused choice", audits)
	}
	// The message channel does not need the callback.
	if r := admin.post(action, url.Values{"delivery": {"channel"}}); r.status != http.StatusSeeOther {
		t.Errorf("channel for the same camera: %d %s", r.status, r.body)
	}
	admin.post(action, url.Values{"delivery": {""}})

	// A camera on this machine reaches the loopback callback: allowed.
	loop := models.Camera{ShopID: a.shopA.ID, Vendor: sunmilan.Name, SN: "C201D8BS00779", Name: "本机 LAN", Model: "FM020",
		Address: "127.0.0.1:1", LANAccountID: &accID, CertFingerprint: strings.Repeat("cd", 32)}
	if err := a.st.AddLANCamera(ctx, &loop); err != nil {
		t.Fatal(err)
	}
	la := fmt.Sprintf("/shops/%d/cameras/%d/events/delivery", a.shopA.ID, loop.ID)
	if r := admin.post(la, url.Values{"delivery": {"webhook"}}); r.status != http.StatusSeeOther {
		t.Errorf("webhook for a camera on loopback: %d", r.status)
	}
	admin.post(la, url.Values{"delivery": {""}})
}
