package handlers

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
	"storelens/internal/vendors/sunmicloud"
	"storelens/web/templates/cameras"
	"storelens/web/templates/components"
	"storelens/web/templates/shops"
)

const shopsPerPage = 50

// camerasPerPage bounds a shop page: a hundred thumbnails is already a wall.
const camerasPerPage = 100

// ListShops shows the shops the user may see: search and paging.
func (s *Server) ListShops(c *gin.Context) {
	q := c.Query("q")
	page, _ := strconv.Atoi(c.Query("page"))
	page = max(page, 1)
	rows, total, err := s.Store.ListShops(c.Request.Context(), scope(c), models.ShopFilter{Query: q, Page: page, PerPage: shopsPerPage})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, shops.List(shopListView(rows, total, q, page, currentUser(c).IsAdmin())))
}

func shopListView(rows []models.ShopRow, total int64, q string, page int, canEdit bool) shops.ListView {
	base := "/shops?"
	if q != "" {
		base += "q=" + url.QueryEscape(q) + "&"
	}
	v := shops.ListView{Query: q, CanEdit: canEdit, Rows: make([]shops.Row, 0, len(rows)),
		Pager: components.Pager{Page: page, Pages: int(math.Ceil(float64(total) / shopsPerPage)), Total: total, Base: base}}
	for _, r := range rows {
		v.Rows = append(v.Rows, shops.Row{
			Href: shopHref(r.ID), Name: r.Name, City: r.City, Address: r.Address, Timezone: r.Timezone,
			Cameras: strconv.Itoa(r.Cameras), Offline: strconv.Itoa(r.Offline), HasOffline: r.Offline > 0,
			Linked: r.HasSunmi(),
		})
	}
	return v
}

// accountOptions lists vendor accounts for the shop form, and which ids exist.
func (s *Server) accountOptions(c *gin.Context) ([]shops.AccountOption, map[string]bool, error) {
	accs, err := s.Store.VendorAccounts(c.Request.Context())
	if err != nil {
		return nil, nil, err
	}
	opts := make([]shops.AccountOption, 0, len(accs))
	ids := map[string]bool{}
	for _, a := range accs {
		if a.Vendor != sunmicloud.Name { // a shop links to a Sunmi cloud shop here; OpRetail, LAN and SenseLink accounts elsewhere
			continue
		}
		id := strconv.FormatUint(uint64(a.ID), 10)
		opts = append(opts, shops.AccountOption{ID: id, Label: fmt.Sprintf("%s (%s)", a.Name, s.vendorLabel(loc(c), a.Vendor))})
		ids[id] = true
	}
	return opts, ids, nil
}

// senselinkOptions lists the SenseLink accounts a shop may use for faces
// (the company is account-wide: several shops may share one).
func (s *Server) senselinkOptions(c *gin.Context) ([]shops.AccountOption, map[string]bool, error) {
	accs, err := s.Store.VendorAccounts(c.Request.Context())
	if err != nil {
		return nil, nil, err
	}
	var opts []shops.AccountOption
	ids := map[string]bool{}
	for _, a := range accs {
		if a.Vendor == senselink.Name {
			id := strconv.FormatUint(uint64(a.ID), 10)
			opts = append(opts, shops.AccountOption{ID: id, Label: a.Name})
			ids[id] = true
		}
	}
	return opts, ids, nil
}

// validShopForm validates f against the accounts that exist.
func (s *Server) validShopForm(c *gin.Context, f shopForm) (formErrors, error) {
	_, ids, err := s.accountOptions(c)
	if err != nil {
		return nil, err
	}
	_, slIDs, err := s.senselinkOptions(c)
	if err != nil {
		return nil, err
	}
	errs := f.validate(loc(c), ids)
	f.validateSenseLink(loc(c), errs, slIDs)
	return errs, nil
}

func (s *Server) renderShopForm(c *gin.Context, status int, f shopForm, action, cancel string, isNew bool, errs formErrors) {
	opts, _, err := s.accountOptions(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	slOpts, _, err := s.senselinkOptions(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, status, shops.Form(shops.FormView{
		Action: action, Cancel: cancel, IsNew: isNew, Name: f.Name, Address: f.Address, City: f.City,
		Timezone: f.Timezone, AccountID: f.AccountID, ShopNo: f.ShopNo, ShopID: f.ShopID, CompanyNo: f.CompanyNo,
		Accounts: opts, Timezones: timezoneOptions(f.Timezone), Errors: errs,
		SenseLinkAccountID: f.SenseLinkAccountID, SenseLinkAccounts: slOpts,
	}))
}

// NewShop shows the empty shop form.
func (s *Server) NewShop(c *gin.Context) {
	s.renderShopForm(c, http.StatusOK, shopForm{Timezone: models.DefaultTimezone}, "/shops", "/shops", true, nil)
}

// CreateShop stores a new shop.
func (s *Server) CreateShop(c *gin.Context) {
	f := bindShopForm(c)
	errs, err := s.validShopForm(c, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(errs) > 0 {
		s.renderShopForm(c, http.StatusUnprocessableEntity, f, "/shops", "/shops", true, errs)
		return
	}
	var sh models.Shop
	f.apply(&sh)
	ctx := c.Request.Context()
	if err := s.Store.CreateShop(ctx, &sh); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Store.Audit(ctx, actor(c).Entry("shop.create", "shop", strconv.FormatUint(uint64(sh.ID), 10), sh.Name)); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, loc(c).Tf("shops.created", map[string]any{"Name": sh.Name}))
	redirect(c, shopHref(sh.ID))
}

// EditShop shows the shop form filled in.
func (s *Server) EditShop(c *gin.Context) {
	sh := currentShop(c)
	s.renderShopForm(c, http.StatusOK, shopFormOf(*sh), shopHref(sh.ID), shopHref(sh.ID), false, nil)
}

// UpdateShop saves the shop form.
func (s *Server) UpdateShop(c *gin.Context) {
	sh := currentShop(c)
	f := bindShopForm(c)
	errs, err := s.validShopForm(c, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(errs) > 0 {
		s.renderShopForm(c, http.StatusUnprocessableEntity, f, shopHref(sh.ID), shopHref(sh.ID), false, errs)
		return
	}
	f.apply(sh)
	ctx := c.Request.Context()
	if err := s.Store.UpdateShop(ctx, sh); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Store.Audit(ctx, actor(c).Entry("shop.update", "shop", strconv.FormatUint(uint64(sh.ID), 10), sh.Name)); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, loc(c).T("common.saved"))
	redirect(c, shopHref(sh.ID))
}

// DeleteShopForm asks to confirm deleting a shop.
func (s *Server) DeleteShopForm(c *gin.Context) {
	sh := currentShop(c)
	cams, err := s.Store.Cameras(c.Request.Context(), sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, shops.Delete(shops.DeleteView{Name: sh.Name, Action: shopHref(sh.ID) + "/delete",
		Cancel: shopHref(sh.ID), Cameras: len(cams)}))
}

// DeleteShop deletes a shop and its local camera list. The cameras stay
// bound at the vendor: deleting a shop here is not an unbind.
func (s *Server) DeleteShop(c *gin.Context) {
	sh := currentShop(c)
	ctx := c.Request.Context()
	if err := s.Store.DeleteShop(ctx, scope(c), sh.ID); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Store.Audit(ctx, actor(c).Entry("shop.delete", "shop", strconv.FormatUint(uint64(sh.ID), 10), sh.Name)); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, loc(c).Tf("shops.deleted", map[string]any{"Name": sh.Name}))
	redirect(c, "/shops")
}

// ShowShop shows a shop and its cameras.
func (s *Server) ShowShop(c *gin.Context) {
	sh := currentShop(c)
	ctx := c.Request.Context()
	page, _ := strconv.Atoi(c.Query("page"))
	page = max(page, 1)
	cams, err := s.Store.CameraCards(ctx, sh.ID, page, camerasPerPage)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := s.shopView(c, *sh, cams, page)
	s.render(c, http.StatusOK, cameras.Shop(v))
}

func (s *Server) shopView(c *gin.Context, sh models.Shop, cams models.CameraPage, page int) cameras.ShopView {
	tz := zone(sh.Timezone)
	href := shopHref(sh.ID)
	v := cameras.ShopView{
		Header: s.shopHeader(c, &sh, "cameras"),
		ShopNo: sh.SunmiShopNo, ShopID: sh.SunmiShopID, CompanyNo: sh.SunmiCompanyNo,
		SyncAction: href + "/cameras/sync", BindHref: href + "/cameras/bind",
		Linked: sh.HasSunmi(), Cameras: make([]cameras.Card, 0, len(cams.Cards)),
		Online: int(cams.Total - cams.Offline), Offline: int(cams.Offline),
		Pager: components.Pager{Page: page, Pages: int(math.Ceil(float64(cams.Total) / camerasPerPage)), Total: cams.Total, Base: href + "?"},
	}
	if sh.SunmiAccountID != nil {
		if a, err := s.Store.VendorAccount(c.Request.Context(), *sh.SunmiAccountID); err == nil {
			v.Account = a.Name
		}
	}
	if sh.CamerasSyncedAt != nil {
		v.SyncedAt = formatTime(sh.CamerasSyncedAt, tz)
	}
	if ve := vendors.ParseCompact(sh.CamerasSyncError); ve != nil {
		v.SyncError = describeVendorError(loc(c), ve)
	}
	for _, cam := range cams.Cards {
		card := cameras.Card{Href: cameraHref(sh.ID, cam.ID), Name: cam.Name, SN: cam.SN, Model: cam.Model,
			Firmware: cam.Firmware, Online: cam.Online, LastConnect: formatTime(cam.LastConnectAt, tz)}
		if cam.HasScreenshot {
			card.Screenshot = screenshotHref(sh.ID, cam.ID)
		}
		v.Cameras = append(v.Cameras, card)
	}
	return v
}
