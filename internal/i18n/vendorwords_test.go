package i18n

import (
	"strings"
	"testing"
)

// Vendor defaults come out in the reader's language; anything else comes
// back as the vendor or the user wrote it.
func TestVendorWords(t *testing.T) {
	b := MustLoad()
	zh, en := b.For("zh-CN"), b.For("en")
	cases := []struct {
		kind   VendorKind
		raw    string
		zh, en string
	}{
		{GroupName, "stranger", "陌生人组", "stranger"},
		{GroupName, "Regular", "熟客组", "regular"}, // case does not matter
		{GroupName, " vip ", "VIP", "VIP"},
		{GroupName, "blacklist", "黑名单", "blacklist"},
		{EventKind, "face_recog_event", "人脸识别", "Face recognised"},
		{EventKind, "dynamic-detect-event", "移动侦测", "Motion detected"}, // dashes as underscores
		{DeviceState, "ONLINE", "在线", "Online"},
		{VendorName, "sunmicloud", "商米云", "Sunmi cloud"},
		{Language, "zh", "中文", "Chinese"},
		{Language, "zh-CN", "中文", "Chinese"},
	}
	for _, c := range cases {
		if got := zh.Vendor(c.kind, c.raw); got != c.zh {
			t.Errorf("zh %s %q = %q, want %q", c.kind, c.raw, got, c.zh)
		}
		if got := en.Vendor(c.kind, c.raw); got != c.en {
			t.Errorf("en %s %q = %q, want %q", c.kind, c.raw, got, c.en)
		}
		if !zh.KnowsVendor(c.kind, c.raw) {
			t.Errorf("KnowsVendor(%s, %q) = false", c.kind, c.raw)
		}
	}
	// A group the manager named, an unknown state: the raw value, untouched.
	for _, raw := range []string{"金卡会员", "Night shift", "rebooting"} {
		if got := zh.Vendor(GroupName, raw); got != raw {
			t.Errorf("unknown %q = %q", raw, got)
		}
		if zh.KnowsVendor(GroupName, raw) {
			t.Errorf("KnowsVendor(%q) = true", raw)
		}
	}
	// The same word is not translated under another kind.
	if got := zh.Vendor(DeviceState, "stranger"); got != "stranger" {
		t.Errorf("stranger as a state = %q", got)
	}
	if got := zh.VendorOr(VendorName, "acme", "ACME cloud"); got != "ACME cloud" {
		t.Errorf("VendorOr fallback = %q", got)
	}
	if zh.Vendor(GroupName, "") != "" {
		t.Error("empty value is not empty")
	}
}

// The help texts name no raw field: a vendor's field name is shown apart,
// as code, by the template, never inside the words.
func TestWordsHaveNoRawFieldNames(t *testing.T) {
	b := MustLoad()
	for _, lang := range []string{"zh-CN", "en"} {
		for id, text := range b.Keys(lang) {
			if !strings.HasPrefix(id, "words.") {
				continue
			}
			for _, raw := range []string{"sunmi_shop_no", "shop_id", "app_id", "app_key", "app_secret", "sunmi_company_no", "ipc_id", "_akey", "depId"} {
				if strings.Contains(text, raw) {
					t.Errorf("%s %s: %q names %s", lang, id, text, raw)
				}
			}
		}
	}
}
