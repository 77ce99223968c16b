package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/opretail"
	"storelens/internal/vendors/senselink"
	"storelens/internal/vendors/sunmicloud"
	"storelens/web/templates/settings"
)

func accountHref(id uint) string { return "/settings/vendors/" + strconv.FormatUint(uint64(id), 10) }

func (s *Server) loadAccount(c *gin.Context) {
	id, ok := s.paramID(c, "account")
	if !ok {
		return
	}
	a, err := s.Store.VendorAccount(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(keyAccount, &a)
	c.Next()
}

func currentAccount(c *gin.Context) *models.VendorAccount {
	return c.MustGet(keyAccount).(*models.VendorAccount)
}

// ListAccounts shows Settings → Vendor accounts.
func (s *Server) ListAccounts(c *gin.Context) {
	ctx := c.Request.Context()
	accs, err := s.Store.VendorAccounts(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	l := loc(c)
	v := settings.AccountsView{}
	for _, n := range s.Registry.Names() {
		k := settings.VendorKind{Name: n, Label: s.vendorLabel(loc(c), n), Href: "/settings/vendors/new?vendor=" + n}
		if n == opretail.Name { // the traffic area's form (login fields)
			k.Href = "/settings/opretail/new"
		}
		v.Kinds = append(v.Kinds, k)
	}
	for _, a := range accs {
		shops, err := s.Store.ShopsOfAccount(ctx, a.ID)
		if err != nil {
			s.fail(c, err)
			return
		}
		href := accountHref(a.ID)
		row := settings.AccountRow{Name: a.Name, Vendor: s.vendorLabel(loc(c), a.Vendor), Kind: a.Vendor, BaseURL: a.BaseURL, AppID: a.AppID,
			CompanyNo: a.CompanyNo, EditHref: href + "/edit", TestAction: href + "/test", DeleteHref: href + "/delete",
			Tested: a.LastTestAt != nil, TestOK: a.LastTestOK, Shops: len(shops),
			HasActivation: len(a.ActivationCodeEnc) > 0, CertName: a.ClientCertName}
		switch a.Vendor {
		case sunmicloud.Name:
			row.DevicesHref = href + "/devices"
		case senselink.Name:
			row.DevicesHref = senselinkHref(a.ID)
		}
		if a.ViaShopID != nil {
			if sh, err := s.Store.Shop(ctx, models.AllShops(), *a.ViaShopID); err == nil {
				row.ViaShop = sh.Name
			}
		}
		if a.LastTestAt != nil {
			row.TestAt = formatTime(a.LastTestAt, zone(models.DefaultTimezone))
		}
		if ve := vendors.ParseCompact(a.LastTestMessage); ve != nil {
			row.TestMessage = describeVendorError(l, ve)
		}
		if a.Vendor == opretail.Name { // the traffic area's form (login fields)
			row.EditHref = "/settings/opretail/" + strconv.FormatUint(uint64(a.ID), 10)
		}
		v.Rows = append(v.Rows, row)
	}
	s.render(c, http.StatusOK, settings.Accounts(v))
}

// accountVendor is the vendor kind of a new account form: ?vendor= or the
// form's hidden field, Sunmi cloud when absent; unknown kinds are refused.
func (s *Server) accountVendor(c *gin.Context) (string, bool) {
	v := c.Query("vendor")
	if v == "" {
		v = c.PostForm("vendor")
	}
	if v == "" {
		return sunmicloud.Name, true
	}
	for _, n := range s.Registry.Names() {
		if n == v && n != opretail.Name { // OpRetail has its own form
			return v, true
		}
	}
	return "", false
}

// NewAccount shows the empty account form of a vendor kind.
func (s *Server) NewAccount(c *gin.Context) {
	vendor, ok := s.accountVendor(c)
	if !ok {
		s.notFound(c)
		return
	}
	s.render(c, http.StatusOK, settings.AccountForm(s.accountFormView(c, "/settings/vendors", true, nil, accountForm{Vendor: vendor}, nil, "")))
}

// accountFormView fills the form's view. Secrets, the activation code and
// the client certificate are never echoed back, not even what was just
// typed: the view only says whether one is stored.
func (s *Server) accountFormView(c *gin.Context, action string, isNew bool, a *models.VendorAccount, f accountForm, errs formErrors, msg string) settings.AccountFormView {
	v := settings.AccountFormView{Action: action, IsNew: isNew, Vendor: f.Vendor, VendorLabel: s.Registry.Label(f.Vendor),
		Name: f.Name, BaseURL: f.BaseURL, AppID: f.AppID, CompanyNo: f.CompanyNo, ViaShop: f.ViaShop, Errors: errs, Error: msg}
	if a != nil {
		v.HasSecret, v.HasActivation, v.CertName = true, len(a.ActivationCodeEnc) > 0, a.ClientCertName
	}
	if f.Vendor == senselink.Name {
		// A SenseLink server may sit inside a shop (chain mode).
		shops, err := s.Store.AllShopsBrief(c.Request.Context(), models.AllShops())
		if err != nil {
			s.logger(c).Error("vendors: shops for the SenseLink form", "err", err)
		}
		for _, sh := range shops {
			v.Shops = append(v.Shops, settings.ShopOption{ID: sh.ID, Name: sh.Name})
		}
	}
	return v
}

// checkViaShop refuses a shop that does not exist for a server inside one.
func (s *Server) checkViaShop(c *gin.Context, f accountForm, errs formErrors) error {
	if f.ViaShop == 0 {
		return nil
	}
	_, err := s.Store.Shop(c.Request.Context(), models.AllShops(), f.ViaShop)
	if errors.Is(err, models.ErrNotFound) {
		errs.add("via_shop", loc(c).T("vendors.via_shop_unknown"))
		return nil
	}
	return err
}

// CreateAccount stores a new vendor account of the form's kind.
func (s *Server) CreateAccount(c *gin.Context) {
	vendor, ok := s.accountVendor(c)
	if !ok {
		s.notFound(c)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 2*maxClientCert)
	f := bindAccountForm(c, vendor)
	l := loc(c)
	errs := f.validate(l, true)
	if err := s.checkViaShop(c, f, errs); err != nil {
		s.fail(c, err)
		return
	}
	if len(errs) > 0 {
		s.render(c, http.StatusUnprocessableEntity, settings.AccountForm(s.accountFormView(c, "/settings/vendors", true, nil, f, errs, "")))
		return
	}
	if _, err := s.Accounts.Create(c.Request.Context(), actor(c), f.input()); err != nil {
		if errors.Is(err, models.ErrConflict) {
			errs := formErrors{}
			errs.add("name", l.T("vendors.name_taken"))
			s.render(c, http.StatusUnprocessableEntity, settings.AccountForm(s.accountFormView(c, "/settings/vendors", true, nil, f, errs, "")))
			return
		}
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.Tf("vendors.created", map[string]any{"Name": f.Name}))
	redirect(c, "/settings/vendors")
}

// EditAccount shows the account form; the write-only fields are empty.
func (s *Server) EditAccount(c *gin.Context) {
	a := currentAccount(c)
	f := accountForm{Vendor: a.Vendor, Name: a.Name, BaseURL: a.BaseURL, AppID: a.AppID, CompanyNo: a.CompanyNo}
	if a.ViaShopID != nil {
		f.ViaShop = *a.ViaShopID
	}
	s.render(c, http.StatusOK, settings.AccountForm(s.accountFormView(c, accountHref(a.ID), false, a, f, nil, "")))
}

// UpdateAccount saves the account form; an empty secret (activation code,
// certificate) keeps the stored one.
func (s *Server) UpdateAccount(c *gin.Context) {
	a := currentAccount(c)
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 2*maxClientCert)
	f := bindAccountForm(c, a.Vendor)
	l := loc(c)
	errs := f.validate(l, false)
	if err := s.checkViaShop(c, f, errs); err != nil {
		s.fail(c, err)
		return
	}
	if len(errs) > 0 {
		s.render(c, http.StatusUnprocessableEntity, settings.AccountForm(s.accountFormView(c, accountHref(a.ID), false, a, f, errs, "")))
		return
	}
	if err := s.Accounts.Update(c.Request.Context(), actor(c), *a, f.input()); err != nil {
		if errors.Is(err, models.ErrConflict) {
			errs := formErrors{}
			errs.add("name", l.T("vendors.name_taken"))
			s.render(c, http.StatusUnprocessableEntity, settings.AccountForm(s.accountFormView(c, accountHref(a.ID), false, a, f, errs, "")))
			return
		}
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.T("common.saved"))
	redirect(c, "/settings/vendors")
}

// TestAccount makes a real signed call with the account and shows the result.
func (s *Server) TestAccount(c *gin.Context) {
	a := currentAccount(c)
	l := loc(c)
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	err := s.Accounts.Test(ctx, actor(c), *a)
	switch {
	case err == nil:
		s.flash(c, true, l.Tf("vendors.test_passed", map[string]any{"Name": a.Name}))
	case isVendorSide(err):
		s.flash(c, false, l.Tf("vendors.test_failed_named", map[string]any{"Name": a.Name})+": "+vendorMessage(l, err))
	default:
		s.fail(c, err)
		return
	}
	redirect(c, "/settings/vendors")
}

// DeleteAccountForm asks to confirm, or explains that shops still use it.
func (s *Server) DeleteAccountForm(c *gin.Context) {
	a := currentAccount(c)
	shops, err := s.Store.ShopsOfAccount(c.Request.Context(), a.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, settings.DeleteAccount(settings.DeleteAccountView{Name: a.Name, Action: accountHref(a.ID) + "/delete", Shops: len(shops)}))
}

// DeleteAccount deletes an account no shop uses.
func (s *Server) DeleteAccount(c *gin.Context) {
	a := currentAccount(c)
	l := loc(c)
	if err := s.Accounts.Delete(c.Request.Context(), actor(c), *a); err != nil {
		if errors.Is(err, models.ErrInUse) {
			s.DeleteAccountForm(c)
			return
		}
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.Tf("vendors.deleted", map[string]any{"Name": a.Name}))
	redirect(c, "/settings/vendors")
}

// AccountDevices lists every camera of the account's company at the vendor
// (getListByCompany), with the local shop each belongs to.
func (s *Server) AccountDevices(c *gin.Context) {
	a := currentAccount(c)
	v := settings.DevicesView{Account: a.Name, CompanyNo: a.CompanyNo}
	if a.CompanyNo == "" {
		v.NeedCompany = true
		s.render(c, http.StatusOK, settings.Devices(v))
		return
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	devs, err := s.Cameras.CompanyDevices(ctx, *a)
	if err != nil {
		if !isVendorSide(err) {
			s.fail(c, err)
			return
		}
		v.Error = vendorMessage(loc(c), err)
		s.render(c, http.StatusOK, settings.Devices(v))
		return
	}
	sns := make([]string, 0, len(devs))
	for _, d := range devs {
		sns = append(sns, d.SN)
	}
	local, err := s.Store.CamerasBySN(c.Request.Context(), sunmicloud.Name, sns)
	if err != nil {
		s.fail(c, err)
		return
	}
	shopNames := map[uint]string{}
	for _, d := range devs {
		row := settings.CompanyDevice{Name: d.Name, SN: d.SN, Model: d.Model, Firmware: d.Firmware, Online: d.Online}
		if cam, ok := local[d.SN]; ok {
			if _, seen := shopNames[cam.ShopID]; !seen {
				if sh, err := s.Store.Shop(c.Request.Context(), models.AllShops(), cam.ShopID); err == nil {
					shopNames[cam.ShopID] = sh.Name
				}
			}
			row.Shop, row.ShopHref = shopNames[cam.ShopID], shopHref(cam.ShopID)
		}
		v.Devices = append(v.Devices, row)
	}
	s.render(c, http.StatusOK, settings.Devices(v))
}

// vendorLabel is a vendor's name in the reader's language (words.vendor.*),
// else the registry's label.
func (s *Server) vendorLabel(l *i18n.Localizer, name string) string {
	return l.VendorOr(i18n.VendorName, name, s.Registry.Label(name))
}
