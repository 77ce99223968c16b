package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"storelens/internal/auth"
	"storelens/internal/models"
	"storelens/web/templates/users"
)

func userHref(id uint) string { return "/users/" + strconv.FormatUint(uint64(id), 10) }

func (s *Server) loadUser(c *gin.Context) {
	id, ok := s.paramID(c, "user")
	if !ok {
		return
	}
	u, err := s.Store.UserWithShops(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(keyTarget, &u)
	c.Next()
}

func targetUser(c *gin.Context) *models.User { return c.MustGet(keyTarget).(*models.User) }

// ListUsers shows every user.
func (s *Server) ListUsers(c *gin.Context) {
	list, err := s.Store.ListUsers(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	l := loc(c)
	v := users.ListView{}
	for _, u := range list {
		names := make([]string, 0, len(u.Shops))
		for _, sh := range u.Shops {
			names = append(names, sh.Name)
		}
		shops := strings.Join(names, "、")
		if u.IsAdmin() {
			shops = l.T("user.all_shops")
		}
		v.Rows = append(v.Rows, users.Row{Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role),
			EditHref: userHref(u.ID) + "/edit", Disabled: u.Disabled, Shops: shops})
	}
	s.render(c, http.StatusOK, users.List(v))
}

// userForm is the user create/edit form.
type userForm struct {
	Username, DisplayName, Role, Password string
	ShopIDs                               []uint
	Disabled                              bool
}

func bindUserForm(c *gin.Context) userForm {
	f := userForm{Username: text(c, "username"), DisplayName: text(c, "display_name"), Role: text(c, "role"),
		Password: c.PostForm("password"), Disabled: c.PostForm("disabled") == "1"}
	for _, v := range c.PostFormArray("shop_ids") {
		if n, err := strconv.ParseUint(v, 10, 32); err == nil && n > 0 {
			f.ShopIDs = append(f.ShopIDs, uint(n))
		}
	}
	return f
}

func (s *Server) renderUserForm(c *gin.Context, status int, action string, isNew bool, f userForm, errs formErrors, msg string) {
	shops, err := s.Store.AllShopsBrief(c.Request.Context(), models.AllShops())
	if err != nil {
		s.fail(c, err)
		return
	}
	checked := map[uint]bool{}
	for _, id := range f.ShopIDs {
		checked[id] = true
	}
	v := users.FormView{Action: action, IsNew: isNew, Username: f.Username, DisplayName: f.DisplayName, Role: f.Role,
		Disabled: f.Disabled, Errors: errs, Error: msg, ResetAction: action + "/password"}
	for _, sh := range shops {
		label := sh.Name
		if sh.City != "" {
			label += " · " + sh.City
		}
		v.Shops = append(v.Shops, users.ShopOption{ID: strconv.FormatUint(uint64(sh.ID), 10), Label: label, Checked: checked[sh.ID]})
	}
	s.render(c, status, users.Form(v))
}

// NewUser shows the empty user form.
func (s *Server) NewUser(c *gin.Context) {
	s.renderUserForm(c, http.StatusOK, "/users", true, userForm{Role: string(models.RoleManager)}, nil, "")
}

func (f userForm) validate(c *gin.Context, isNew bool) formErrors {
	l := loc(c)
	e := formErrors{}
	if isNew {
		if !usernamePattern.MatchString(f.Username) {
			e.add("username", l.T("user.bad_username"))
		}
		if auth.CheckPolicy(f.Password) != nil {
			e.add("password", l.T("password.too_short"))
		}
	}
	if tooLong(f.DisplayName, 100) {
		e.add("display_name", l.Tf("form.too_long", map[string]any{"Max": 100}))
	}
	if !models.Role(f.Role).Valid() {
		e.add("role", l.T("user.bad_role"))
	}
	return e
}

// CreateUser stores a new user.
func (s *Server) CreateUser(c *gin.Context) {
	f := bindUserForm(c)
	l := loc(c)
	if errs := f.validate(c, true); len(errs) > 0 {
		s.renderUserForm(c, http.StatusUnprocessableEntity, "/users", true, f, errs, "")
		return
	}
	ctx := c.Request.Context()
	hash, err := s.Hasher.Hash(ctx, f.Password)
	if err != nil {
		s.fail(c, err)
		return
	}
	u := models.User{Username: f.Username, DisplayName: f.DisplayName, Role: models.Role(f.Role), PasswordHash: hash}
	if err := s.Store.CreateUser(ctx, &u, f.ShopIDs); err != nil {
		if errors.Is(err, models.ErrConflict) {
			errs := formErrors{}
			errs.add("username", l.T("user.taken"))
			s.renderUserForm(c, http.StatusUnprocessableEntity, "/users", true, f, errs, "")
			return
		}
		s.fail(c, err)
		return
	}
	if err := s.Store.Audit(ctx, actor(c).Entry("user.create", "user", u.Username, string(u.Role))); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.Tf("users.created", map[string]any{"Name": u.Username}))
	redirect(c, "/users")
}

// EditUser shows a user's form.
func (s *Server) EditUser(c *gin.Context) {
	u := targetUser(c)
	f := userForm{Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), Disabled: u.Disabled}
	for _, sh := range u.Shops {
		f.ShopIDs = append(f.ShopIDs, sh.ID)
	}
	s.renderUserForm(c, http.StatusOK, userHref(u.ID), false, f, nil, "")
}

// UpdateUser saves role, name, disabled and shop assignments.
func (s *Server) UpdateUser(c *gin.Context) {
	u := targetUser(c)
	f := bindUserForm(c)
	f.Username = u.Username
	l := loc(c)
	if errs := f.validate(c, false); len(errs) > 0 {
		s.renderUserForm(c, http.StatusUnprocessableEntity, userHref(u.ID), false, f, errs, "")
		return
	}
	upd := models.User{ID: u.ID, DisplayName: f.DisplayName, Role: models.Role(f.Role), Disabled: f.Disabled}
	ctx := c.Request.Context()
	if err := s.Store.UpdateUser(ctx, &upd, f.ShopIDs); err != nil {
		if errors.Is(err, models.ErrLastAdmin) {
			s.renderUserForm(c, http.StatusUnprocessableEntity, userHref(u.ID), false, f, nil, l.T("user.last_admin"))
			return
		}
		s.fail(c, err)
		return
	}
	detail := "role " + f.Role + ", shops " + strconv.Itoa(len(f.ShopIDs))
	if f.Disabled {
		detail += ", disabled"
	}
	if err := s.Store.Audit(ctx, actor(c).Entry("user.update", "user", u.Username, detail)); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.T("common.saved"))
	redirect(c, "/users")
}

// ResetPassword sets another user's password; their sessions end.
func (s *Server) ResetPassword(c *gin.Context) {
	u := targetUser(c)
	l := loc(c)
	pw := c.PostForm("password")
	if auth.CheckPolicy(pw) != nil {
		f := userForm{Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), Disabled: u.Disabled}
		for _, sh := range u.Shops {
			f.ShopIDs = append(f.ShopIDs, sh.ID)
		}
		s.renderUserForm(c, http.StatusUnprocessableEntity, userHref(u.ID), false, f, formErrors{"reset": {l.T("password.too_short")}}, "")
		return
	}
	ctx := c.Request.Context()
	hash, err := s.Hasher.Hash(ctx, pw)
	if err != nil {
		s.fail(c, err)
		return
	}
	if _, err := s.Store.SetPassword(ctx, u.ID, hash); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Store.Audit(ctx, actor(c).Entry("user.password", "user", u.Username, "reset by admin")); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, true, l.Tf("user.password_reset", map[string]any{"Name": u.Username}))
	redirect(c, "/users")
}
