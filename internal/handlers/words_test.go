package handlers_test

import (
	"net/http"
	"testing"
)

// The vendor-account forms label every field in the reader's words, say
// what it is and where the vendor's console shows it, and keep the vendor's
// own field name apart as code (issue 14, "words").
func TestVendorFormsExplainTheirFields(t *testing.T) {
	d := newDevicesApp(t)
	b := d.login("admin", adminPW)
	b.lang = "zh-CN"
	r := b.get("/settings/vendors/new?vendor=sunmicloud")
	if r.status != http.StatusOK {
		t.Fatalf("new cloud account: %d", r.status)
	}
	r.has(t, `<label for="f-app_id">应用 ID</label>`, `aria-describedby="h-app_id"`, `id="h-app_id"`,
		"开始对接时由商米数字店铺提供", `<code translate="no">app_id</code>`,
		`<label for="f-company_no">企业编号(可选)</label>`, `<code translate="no">sunmi_company_no</code>`,
		"以 /openapi 结尾", "商米云")
	r.lacks(t, `<label for="f-app_id">app_id</label>`, "(sunmi_company_no")

	r = b.get("/settings/vendors/new?vendor=senselink")
	r.has(t, `<label for="f-app_id">AppKey</label>`, `<label for="f-secret">AppSecret</label>`, "企业管理 › 开放平台",
		`<code translate="no">app_key</code>`, `<code translate="no">app_secret</code>`, "商汤 SenseLink")
	r.lacks(t, `<label for="f-app_id">app_key</label>`)

	b.lang = "en"
	r = b.get("/settings/vendors/new?vendor=sunmilan")
	r.has(t, "Activation code", "Sunmi&#39;s customer service supplies it", `<code translate="no">secret_key</code>`, "Sunmi camera (LAN)")

	b.lang = "zh-CN"
	list := b.get("/settings/vendors")
	list.has(t, "<dt>应用 ID</dt>", "<dt>商米企业编号</dt>", `<dd translate="no">`+testAppID+"</dd>")
	list.lacks(t, "<dt>app_id</dt>", "<dt>sunmi_company_no</dt>")
}

// The shop form and the shop and camera pages name Sunmi's identifiers in
// words, never by their API field names.
func TestShopAndCameraPagesNameSunmiFieldsInWords(t *testing.T) {
	a := newTestApp(t)
	b := a.login("admin", adminPW)
	b.lang = "zh-CN"
	r := b.get("/shops/new")
	r.has(t, `<label for="f-sunmi_shop_no">商米门店编号</label>`, "商户店铺", `<code translate="no">sunmi_shop_no</code>`,
		`<label for="f-sunmi_shop_id">贵方门店编号</label>`, `<code translate="no">shop_id</code>`, "(商米云)")
	r.lacks(t, "商米门店编号(sunmi_shop_no)", "(Sunmi cloud)")

	// A mistake keeps the words: the error is in Chinese too.
	r = b.post("/shops", map[string][]string{"name": {"X"}, "timezone": {"Asia/Shanghai"}, "account_id": {itoa(a.account.ID)}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("linked shop without a shop number: %d", r.status)
	}
	r.has(t, "关联的门店需要填写商米门店编号或贵方门店编号。")

	shop := b.get("/shops/" + itoa(a.shopA.ID))
	shop.has(t, "商米门店编号 560279010301")
	shop.lacks(t, "sunmi_shop_no 560279010301")

	cam := a.camera(a.shopA.ID, "C201D8BS00101")
	page := b.get("/shops/" + itoa(a.shopA.ID) + "/cameras/" + itoa(cam.ID))
	page.has(t, ">设备 ID</dt>")
	page.lacks(t, "<dt>ipc_id</dt>")
}
