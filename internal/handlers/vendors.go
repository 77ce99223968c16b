package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"storelens/internal/accounts"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/opretail"
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
	for _, a := range accs {
		shops, err := s.Store.ShopsOfAccount(ctx, a.ID)
		if err != nil {
			s.fail(c, err)
			return
		}
		href := accountHref(a.ID)
		row := settings.AccountRow{Name: a.Name, Vendor: s.Registry.Label(a.Vendor), BaseURL: a.BaseURL, AppID: a.AppID,
			CompanyNo: a.CompanyNo, EditHref: href + "/edit", TestAction: href + "/test", DeleteHref: href + "/delete",
			DevicesHref: href + "/devices", Tested: a.LastTestAt != nil, TestOK: a.LastTestOK, Shops: len(shops)}
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

// NewAccount shows the empty account form.
func (s *Server) NewAccount(c *gin.Context) {
	s.render(c, http.StatusOK, settings.AccountForm(settings.AccountFormView{Action: "/settings/vendors", IsNew: true}))
}

func accountFormView(action string, isNew, hasSecret bool, f accountForm, errs formErrors, msg string) settings.AccountFormView {
	// The secret is never echoed back, not even what was just typed.
	return settings.AccountFormView{Action: action, IsNew: isNew, Name: f.Name, BaseURL: f.BaseURL, AppID: f.AppID,
		CompanyNo: f.CompanyNo, HasSecret: hasSecret, Errors: errs, Error: msg}
}

// CreateAccount stores a new Sunmi cloud account.
func (s *Server) CreateAccount(c *gin.Context) {
	f := bindAccountForm(c)
	l := loc(c)
	if errs := f.validate(l, true); len(errs) > 0 {
		s.render(c, http.StatusUnprocessableEntity, settings.AccountForm(accountFormView("/settings/vendors", true, false, f, errs, "")))
		return
	}
	in := accounts.Input{Vendor: sunmicloud.Name, Name: f.Name, BaseURL: f.BaseURL, AppID: f.AppID, Secret: f.Secret, CompanyNo: f.CompanyNo}
	if _, err := s.Accounts.Create(c.Request.Context(), actor(c), in); err != nil {
		if errors.Is(err, models.ErrConflict) {
			errs := formErrors{}
			errs.add("name", l.T("vendors.name_taken"))
			s.render(c, http.StatusUnprocessableEntity, settings.AccountForm(accountFormView("/settings/vendors", true, false, f, errs, "")))
			return
		}
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.Tf("vendors.created", map[string]any{"Name": f.Name}))
	redirect(c, "/settings/vendors")
}

// EditAccount shows the account form; the secret field is empty.
func (s *Server) EditAccount(c *gin.Context) {
	a := currentAccount(c)
	f := accountForm{Name: a.Name, BaseURL: a.BaseURL, AppID: a.AppID, CompanyNo: a.CompanyNo}
	s.render(c, http.StatusOK, settings.AccountForm(accountFormView(accountHref(a.ID), false, true, f, nil, "")))
}

// UpdateAccount saves the account form; an empty secret keeps the stored one.
func (s *Server) UpdateAccount(c *gin.Context) {
	a := currentAccount(c)
	f := bindAccountForm(c)
	l := loc(c)
	if errs := f.validate(l, false); len(errs) > 0 {
		s.render(c, http.StatusUnprocessableEntity, settings.AccountForm(accountFormView(accountHref(a.ID), false, true, f, errs, "")))
		return
	}
	in := accounts.Input{Name: f.Name, BaseURL: f.BaseURL, AppID: f.AppID, Secret: f.Secret, CompanyNo: f.CompanyNo}
	if err := s.Accounts.Update(c.Request.Context(), actor(c), *a, in); err != nil {
		if errors.Is(err, models.ErrConflict) {
			errs := formErrors{}
			errs.add("name", l.T("vendors.name_taken"))
			s.render(c, http.StatusUnprocessableEntity, settings.AccountForm(accountFormView(accountHref(a.ID), false, true, f, errs, "")))
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
