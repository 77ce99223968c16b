package handlers

import (
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"storelens/internal/accounts"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/netguard"
	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
	"storelens/internal/vendors/sunmilan"
)

// formErrors collects localized messages per field.
type formErrors map[string][]string

func (e formErrors) add(field, msg string) { e[field] = append(e[field], msg) }

// text reads a trimmed form value.
func text(c *gin.Context, name string) string { return strings.TrimSpace(c.PostForm(name)) }

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// shopForm is the shop create/edit form.
type shopForm struct {
	Name, Address, City, Timezone string
	AccountID                     string
	ShopNo, ShopID, CompanyNo     string
	SenseLinkAccountID            string // the SenseLink company whose face library the shop uses
}

func bindShopForm(c *gin.Context) shopForm {
	return shopForm{
		Name: text(c, "name"), Address: text(c, "address"), City: text(c, "city"), Timezone: text(c, "timezone"),
		AccountID: text(c, "account_id"), ShopNo: text(c, "sunmi_shop_no"), ShopID: text(c, "sunmi_shop_id"),
		CompanyNo: text(c, "sunmi_company_no"), SenseLinkAccountID: text(c, "senselink_account_id"),
	}
}

// validateSenseLink checks the SenseLink account against the ids that
// exist (SenseLink accounts only).
func (f shopForm) validateSenseLink(l *i18n.Localizer, e formErrors, ids map[string]bool) {
	if f.SenseLinkAccountID != "" && !ids[f.SenseLinkAccountID] {
		e.add("senselink_account_id", l.T("shop.bad_account"))
	}
}

var vendorIDPattern = regexp.MustCompile(`^[A-Za-z0-9_\-]{1,64}$`)

// validate checks the form; accounts are the ids that exist.
func (f shopForm) validate(l *i18n.Localizer, accounts map[string]bool) formErrors {
	e := formErrors{}
	switch {
	case f.Name == "":
		e.add("name", l.T("form.required"))
	case tooLong(f.Name, 100):
		e.add("name", l.Tf("form.too_long", map[string]any{"Max": 100}))
	}
	if tooLong(f.City, 50) {
		e.add("city", l.Tf("form.too_long", map[string]any{"Max": 50}))
	}
	if tooLong(f.Address, 200) {
		e.add("address", l.Tf("form.too_long", map[string]any{"Max": 200}))
	}
	if _, err := time.LoadLocation(f.Timezone); err != nil || f.Timezone == "" || f.Timezone == "Local" {
		e.add("timezone", l.T("shop.bad_timezone"))
	}
	for field, v := range map[string]string{"sunmi_shop_no": f.ShopNo, "sunmi_shop_id": f.ShopID, "sunmi_company_no": f.CompanyNo} {
		if v != "" && !vendorIDPattern.MatchString(v) {
			e.add(field, l.T("shop.bad_vendor_id"))
		}
	}
	if f.AccountID != "" {
		if !accounts[f.AccountID] {
			e.add("account_id", l.T("shop.bad_account"))
		} else if f.ShopNo == "" && f.ShopID == "" {
			e.add("sunmi_shop_no", l.T("words.error.need_shop_no"))
		}
	}
	return e
}

func (f shopForm) apply(sh *models.Shop) {
	sh.Name, sh.Address, sh.City, sh.Timezone = f.Name, f.Address, f.City, f.Timezone
	sh.SunmiShopNo, sh.SunmiShopID, sh.SunmiCompanyNo = f.ShopNo, f.ShopID, f.CompanyNo
	sh.SunmiAccountID = nil
	if n, err := strconv.ParseUint(f.AccountID, 10, 32); err == nil && n > 0 {
		id := uint(n)
		sh.SunmiAccountID = &id
	}
	sh.SenseLinkAccountID = nil
	if n, err := strconv.ParseUint(f.SenseLinkAccountID, 10, 32); err == nil && n > 0 {
		id := uint(n)
		sh.SenseLinkAccountID = &id
	}
}

func shopFormOf(sh models.Shop) shopForm {
	f := shopForm{Name: sh.Name, Address: sh.Address, City: sh.City, Timezone: sh.Timezone,
		ShopNo: sh.SunmiShopNo, ShopID: sh.SunmiShopID, CompanyNo: sh.SunmiCompanyNo}
	if sh.SunmiAccountID != nil {
		f.AccountID = strconv.FormatUint(uint64(*sh.SunmiAccountID), 10)
	}
	if sh.SenseLinkAccountID != nil {
		f.SenseLinkAccountID = strconv.FormatUint(uint64(*sh.SenseLinkAccountID), 10)
	}
	return f
}

// accountForm is the vendor account form, for each kind of vendor.
type accountForm struct {
	Vendor, Name, BaseURL, AppID, Secret, CompanyNo string
	// Sunmi LAN accounts: write-only like the secret.
	ActivationCode, CertPassword string
	Cert                         []byte
	CertName                     string
	RemoveCert                   bool
	// ViaShop: a SenseLink server inside that shop (0: reached directly).
	ViaShop uint
}

// maxClientCert caps an uploaded PKCS#12 file (a few KB in practice).
const maxClientCert = 64 << 10

func bindAccountForm(c *gin.Context, vendor string) accountForm {
	f := accountForm{Vendor: vendor, Name: text(c, "name"), BaseURL: text(c, "base_url"), AppID: text(c, "app_id"),
		Secret: strings.TrimSpace(c.PostForm("secret")), CompanyNo: text(c, "company_no"),
		ActivationCode: strings.TrimSpace(c.PostForm("activation_code")), CertPassword: c.PostForm("client_cert_password"),
		RemoveCert: c.PostForm("remove_client_cert") == "1"}
	if vendor == senselink.Name {
		if n, err := strconv.ParseUint(c.PostForm("via_shop"), 10, 32); err == nil {
			f.ViaShop = uint(n)
		}
	}
	if fh, err := c.FormFile("client_cert"); err == nil && fh.Size > 0 {
		f.CertName = fh.Filename
		if fh.Size > maxClientCert {
			f.Cert = make([]byte, maxClientCert+1) // refused by validate
			return f
		}
		if file, err := fh.Open(); err == nil {
			f.Cert, _ = io.ReadAll(io.LimitReader(file, maxClientCert+1))
			file.Close()
		}
	}
	return f
}

func (f accountForm) validate(l *i18n.Localizer, isNew bool) formErrors {
	e := formErrors{}
	if f.Name == "" {
		e.add("name", l.T("form.required"))
	} else if tooLong(f.Name, 100) {
		e.add("name", l.Tf("form.too_long", map[string]any{"Max": 100}))
	}
	if f.Vendor != sunmilan.Name { // a LAN account has no server: each camera has its address
		if u, err := url.Parse(f.BaseURL); f.BaseURL == "" {
			e.add("base_url", l.T("form.required"))
		} else if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			e.add("base_url", l.T("vendors.bad_url"))
		} else if err := netguard.CheckBaseURL(f.BaseURL); err != nil {
			// The vendor client refuses these addresses on every call
			// (netguard.VendorAPI); say so now rather than at the first sync.
			reason := "netguard.reason.host"
			if r, ok := netguard.IsRefusal(err); ok {
				reason = "netguard.reason." + string(r.Reason)
			}
			e.add("base_url", l.Tf("vendors.base_url_refused", map[string]any{"Reason": l.T(reason)}))
		}
	}
	if f.AppID == "" {
		e.add("app_id", l.T("form.required"))
	} else if !vendorIDPattern.MatchString(f.AppID) {
		e.add("app_id", l.T("shop.bad_vendor_id"))
	}
	if isNew && f.Secret == "" {
		e.add("secret", l.T("form.required"))
	} else if tooLong(f.Secret, 256) {
		e.add("secret", l.Tf("form.too_long", map[string]any{"Max": 256}))
	}
	if f.CompanyNo != "" && !vendorIDPattern.MatchString(f.CompanyNo) {
		e.add("company_no", l.T("shop.bad_vendor_id"))
	}
	if f.Vendor == sunmilan.Name {
		if isNew && f.ActivationCode == "" {
			e.add("activation_code", l.T("form.required"))
		} else if tooLong(f.ActivationCode, 128) {
			e.add("activation_code", l.Tf("form.too_long", map[string]any{"Max": 128}))
		}
		switch {
		case len(f.Cert) > maxClientCert:
			e.add("client_cert", l.T("devices.account.cert_too_large"))
		case len(f.Cert) > 0:
			if _, err := sunmilan.LoadPKCS12(f.Cert, f.CertPassword); err != nil {
				e.add("client_cert", l.T("devices.account.cert_unreadable"))
			}
		}
	}
	return e
}

func (f accountForm) input() accounts.Input {
	return accounts.Input{Vendor: f.Vendor, Name: f.Name, BaseURL: f.BaseURL, AppID: f.AppID, Secret: f.Secret, CompanyNo: f.CompanyNo,
		ActivationCode: f.ActivationCode, ClientCertP12: f.Cert, ClientCertName: f.CertName, ClientCertPassword: f.CertPassword,
		RemoveClientCert: f.RemoveCert, ViaShop: f.ViaShop}
}

var snPattern = regexp.MustCompile(`^[A-Z0-9]{6,32}$`)

// validateBind checks a bind form; the MAC is returned normalised.
func validateBind(l *i18n.Localizer, sn, mac string) (formErrors, string) {
	e := formErrors{}
	if sn == "" {
		e.add("sn", l.T("form.required"))
	} else if !snPattern.MatchString(strings.ToUpper(sn)) {
		e.add("sn", l.T("bind.bad_sn"))
	}
	norm, err := vendors.NormalizeMAC(mac)
	if mac == "" {
		e.add("mac", l.T("form.required"))
	} else if err != nil {
		e.add("mac", l.T("bind.bad_mac"))
	}
	return e, norm
}

// validateCameraName checks a new camera name (003: at most 36 characters).
func validateCameraName(l *i18n.Localizer, name string) formErrors {
	e := formErrors{}
	if name == "" {
		e.add("name", l.T("form.required"))
	} else if tooLong(name, 36) {
		e.add("name", l.Tf("form.too_long", map[string]any{"Max": 36}))
	}
	return e
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9._@\-]{3,64}$`)

// timezones offered in the shop form; the shop's own zone is added if absent.
var timezones = []string{
	"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Urumqi", "Asia/Singapore",
	"Asia/Kuala_Lumpur", "Asia/Bangkok", "Asia/Jakarta", "Asia/Manila", "Asia/Tokyo", "Asia/Seoul",
	"Asia/Dubai", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
	"Australia/Sydney", "UTC",
}

func timezoneOptions(current string) []string {
	for _, tz := range timezones {
		if tz == current {
			return timezones
		}
	}
	if current == "" {
		return timezones
	}
	return append([]string{current}, timezones...)
}
