package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
	devview "storelens/web/templates/devices"
)

const keySenseLink = "senselink_account"

// loadSenseLink loads the SenseLink account of the path; another vendor's
// account is a 404 here.
func (s *Server) loadSenseLink(c *gin.Context) {
	id, ok := s.paramID(c, "account")
	if !ok {
		return
	}
	a, err := s.Store.VendorAccount(c.Request.Context(), id)
	if err == nil && (a.Vendor != senselink.Name || s.Devices.SenseLink == nil) {
		err = models.ErrNotFound
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(keySenseLink, &a)
	c.Next()
}

func currentSenseLink(c *gin.Context) *models.VendorAccount {
	return c.MustGet(keySenseLink).(*models.VendorAccount)
}

// SenseLinkAccounts lists the SenseLink accounts; with one, it opens it.
func (s *Server) SenseLinkAccounts(c *gin.Context) {
	accs, err := s.Store.VendorAccountsOf(c.Request.Context(), senselink.Name)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(accs) == 1 {
		c.Redirect(http.StatusFound, senselinkHref(accs[0].ID))
		return
	}
	v := devview.SLAccountsView{}
	for _, a := range accs {
		v.Accounts = append(v.Accounts, devview.SLAccount{Name: a.Name, Href: senselinkHref(a.ID), BaseURL: a.BaseURL})
	}
	s.render(c, http.StatusOK, devview.SLAccounts(v))
}

// SenseLinkOverview shows the company and its terminals.
func (s *Server) SenseLinkOverview(c *gin.Context) {
	a := currentSenseLink(c)
	base := senselinkHref(a.ID)
	v := devview.SLOverviewView{Account: a.Name, Base: base, RetryHref: base}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	o, err := s.Devices.SenseLink.Overview(ctx, *a)
	if err != nil {
		if !isDevicesSide(err) {
			s.fail(c, err)
			return
		}
		v.Error = devicesMessage(loc(c), err)
		s.render(c, http.StatusOK, devview.SLOverview(v))
		return
	}
	tz := zone(models.DefaultTimezone)
	co := o.Company
	v.Company = devview.SLCompany{Name: co.Name, Contact: co.Contact, Welcome: co.Welcome, Introduction: co.Introduction,
		Language: co.Language, Threshold: strconv.FormatFloat(co.Threshold, 'f', -1, 64),
		Created: formatTime(&co.CreatedAt, tz), ValidFrom: formatTime(&co.ValidFrom, tz), ValidTo: formatTime(&co.ValidTo, tz)}
	for _, d := range o.Devices {
		row := devview.SLDevice{ID: strconv.FormatInt(d.ID, 10), Name: d.Name, SN: d.SN, Type: d.TypeName, Location: d.Location,
			Direction: strconv.Itoa(d.Direction), Online: d.Online,
			EditHref: fmt.Sprintf("%s/devices/%d/edit", base, d.ID), DeleteHref: fmt.Sprintf("%s/devices/%d/delete", base, d.ID)}
		for _, g := range d.Groups {
			row.Groups = append(row.Groups, g.Name)
		}
		v.Devices = append(v.Devices, row)
	}
	s.render(c, http.StatusOK, devview.SLOverview(v))
}

func (s *Server) slDeviceID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("device"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(c)
		return 0, false
	}
	return id, true
}

// slDeviceForm builds the device form from the device and the groups; the
// checked groups are the device's, or those ticked when a save failed.
func slDeviceForm(a *models.VendorAccount, d senselink.Device, groups []senselink.Group, checked map[int64]bool) devview.SLDeviceFormView {
	base := senselinkHref(a.ID)
	v := devview.SLDeviceFormView{Account: a.Name, Base: base, Action: fmt.Sprintf("%s/devices/%d", base, d.ID),
		Name: d.Name, Location: d.Location, Description: d.Description, Direction: strconv.Itoa(d.Direction), SN: d.SN, Type: d.TypeName}
	if checked == nil {
		checked = map[int64]bool{}
		for _, g := range d.Groups {
			checked[g.ID] = true
		}
	}
	for _, g := range groups {
		ch := devview.SLGroupChoice{ID: strconv.FormatInt(g.ID, 10), Name: g.Name, Checked: checked[g.ID]}
		if g.Type == senselink.GroupVisitor {
			v.Visitors = append(v.Visitors, ch)
		} else {
			v.Staff = append(v.Staff, ch)
		}
	}
	return v
}

// SenseLinkDeviceForm edits a terminal's name, location, direction and
// groups.
func (s *Server) SenseLinkDeviceForm(c *gin.Context) {
	a := currentSenseLink(c)
	id, ok := s.slDeviceID(c)
	if !ok {
		return
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	d, groups, err := s.Devices.SenseLink.Device(ctx, *a, id)
	if err != nil {
		s.slFail(c, a, err)
		return
	}
	s.render(c, http.StatusOK, devview.SLDeviceForm(slDeviceForm(a, d, groups, nil)))
}

// slFail shows a vendor failure on the account's page with a retry, or the
// error page for anything else.
func (s *Server) slFail(c *gin.Context, a *models.VendorAccount, err error) {
	if errors.Is(err, models.ErrNotFound) || !isDevicesSide(err) {
		s.fail(c, err)
		return
	}
	base := senselinkHref(a.ID)
	s.render(c, http.StatusOK, devview.SLOverview(devview.SLOverviewView{Account: a.Name, Base: base, RetryHref: c.Request.URL.RequestURI(),
		Error: devicesMessage(loc(c), err)}))
}

func idsOf(c *gin.Context, name string) ([]int64, map[int64]bool) {
	var out []int64
	set := map[int64]bool{}
	for _, v := range c.PostFormArray(name) {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && !set[id] {
			out = append(out, id)
			set[id] = true
		}
	}
	return out, set
}

// SenseLinkUpdateDevice saves a terminal; a refusal keeps what was typed.
func (s *Server) SenseLinkUpdateDevice(c *gin.Context) {
	a := currentSenseLink(c)
	id, ok := s.slDeviceID(c)
	if !ok {
		return
	}
	l := loc(c)
	errs := formErrors{}
	staff, checked := idsOf(c, "staff")
	visitors, vset := idsOf(c, "visitor")
	for k := range vset {
		checked[k] = true
	}
	u := senselink.DeviceUpdate{ID: id, Name: text(c, "name"), Location: text(c, "location"), Description: text(c, "description"),
		Direction: intField(c, "direction", errs), StaffGroups: staff, VisitorGroups: visitors}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	msg := ""
	if len(errs) == 0 {
		err := s.Devices.SenseLink.UpdateDevice(ctx, actor(c), *a, u)
		if err == nil {
			s.flash(c, true, l.Tf("devices.senselink.device_saved", map[string]any{"Name": u.Name}))
			redirect(c, senselinkHref(a.ID))
			return
		}
		if fe, ok := fieldMessages(l, err); ok {
			errs = fe
		} else if isDevicesSide(err) {
			msg = devicesMessage(l, err)
		} else {
			s.fail(c, err)
			return
		}
	}
	d, groups, err := s.Devices.SenseLink.Device(ctx, *a, id)
	if err != nil {
		s.slFail(c, a, err)
		return
	}
	v := slDeviceForm(a, d, groups, checked)
	v.Name, v.Location, v.Description, v.Direction = u.Name, u.Location, u.Description, text(c, "direction")
	v.Errors, v.Error = errs, msg
	s.render(c, http.StatusUnprocessableEntity, devview.SLDeviceForm(v))
}

// SenseLinkDeleteDeviceForm asks to confirm deleting a terminal.
func (s *Server) SenseLinkDeleteDeviceForm(c *gin.Context) {
	a := currentSenseLink(c)
	id, ok := s.slDeviceID(c)
	if !ok {
		return
	}
	l := loc(c)
	base := senselinkHref(a.ID)
	s.render(c, http.StatusOK, devview.SLConfirm(devview.SLConfirmView{Account: a.Name, Base: base,
		Question: l.Tf("devices.senselink.delete_device_q", map[string]any{"ID": id}), Detail: l.T("devices.senselink.delete_device_detail"),
		Action: fmt.Sprintf("%s/devices/%d/delete", base, id), Cancel: base}))
}

// SenseLinkDeleteDevice deletes a terminal at SenseLink.
func (s *Server) SenseLinkDeleteDevice(c *gin.Context) {
	a := currentSenseLink(c)
	id, ok := s.slDeviceID(c)
	if !ok {
		return
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	if err := s.Devices.SenseLink.DeleteDevice(ctx, actor(c), *a, id); err != nil {
		s.slFail(c, a, err)
		return
	}
	s.flash(c, true, loc(c).T("devices.senselink.device_deleted"))
	redirect(c, senselinkHref(a.ID))
}

// deptView reads the tree into the departments page.
func (s *Server) deptView(c *gin.Context, a *models.VendorAccount) devview.SLDepartmentsView {
	base := senselinkHref(a.ID)
	l := loc(c)
	v := devview.SLDepartmentsView{Account: a.Name, Base: base, AddAction: base + "/departments", ParentID: "0"}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	root, err := s.Devices.SenseLink.Departments(ctx, *a)
	if err != nil {
		v.LoadError = devicesMessage(l, err)
		v.Parents = []devview.SLParent{{ID: "0", Label: l.T("devices.dept.top")}}
		return v
	}
	v.Company = root.Name
	v.Depts, v.Parents = deptRows(l.T("devices.dept.top"), base, root)
	return v
}

func deptRows(top, base string, root senselink.Department) ([]devview.SLDept, []devview.SLParent) {
	var rows []devview.SLDept
	parents := []devview.SLParent{{ID: "0", Label: top}}
	for _, f := range root.Flatten() {
		rows = append(rows, slDept(base, f.Department, f.Depth))
		indent := ""
		for range f.Depth {
			indent += "— "
		}
		parents = append(parents, devview.SLParent{ID: strconv.FormatInt(f.ID, 10), Label: indent + f.Name})
	}
	return rows, parents
}

func slDept(base string, d senselink.Department, depth int) devview.SLDept {
	return devview.SLDept{ID: strconv.FormatInt(d.ID, 10), Name: d.Name, Code: d.Code, Leader: d.LeaderName, Depth: depth, Users: d.UserNum,
		EditHref: fmt.Sprintf("%s/departments/%d/edit", base, d.ID), DeleteHref: fmt.Sprintf("%s/departments/%d/delete", base, d.ID)}
}

// SenseLinkDepartments shows the department tree, finds one by code
// (?code=), and offers the add form.
func (s *Server) SenseLinkDepartments(c *gin.Context) {
	a := currentSenseLink(c)
	v := s.deptView(c, a)
	if code := c.Query("code"); code != "" {
		v.Query = code
		ctx, cancel := s.vendorCtx(c)
		d, err := s.Devices.SenseLink.FindDepartment(ctx, *a, code)
		cancel()
		switch {
		case err == nil:
			row := slDept(v.Base, d, 0)
			v.Found = &row
		case vendors.KindOf(err) == vendors.KindNotFound:
			v.FindError = loc(c).Tf("devices.dept.code_unknown", map[string]any{"Code": code})
		case isDevicesSide(err):
			v.FindError = devicesMessage(loc(c), err)
		default:
			s.fail(c, err)
			return
		}
	}
	s.render(c, http.StatusOK, devview.SLDepartments(v))
}

// deptInput reads the department form.
func deptInput(c *gin.Context, errs formErrors) senselink.DepartmentInput {
	in := senselink.DepartmentInput{Name: text(c, "name"), Code: text(c, "code")}
	if p, err := strconv.ParseInt(text(c, "parentId"), 10, 64); err == nil && p >= 0 {
		in.ParentID = p
	} else {
		errs.add("parentId", loc(c).T("devices.err.integer"))
	}
	if v := text(c, "leaderId"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs.add("leaderId", loc(c).T("devices.err.integer"))
		}
		in.LeaderID = n
	}
	return in
}

// saveDept runs an add or update; it returns the form errors and message
// of a refusal, or nil, "" when saved.
func (s *Server) saveDept(c *gin.Context, a *models.VendorAccount, id int64) (senselink.DepartmentInput, formErrors, string, bool) {
	l := loc(c)
	errs := formErrors{}
	in := deptInput(c, errs)
	if len(errs) > 0 {
		return in, errs, "", false
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	_, err := s.Devices.SenseLink.SaveDepartment(ctx, actor(c), *a, id, in)
	switch {
	case err == nil:
		return in, nil, "", true
	case vendors.KindOf(err) == vendors.KindDuplicate:
		errs.add("name", l.T("devices.dept.duplicate"))
		return in, errs, "", false
	}
	if fe, ok := fieldMessages(l, err); ok {
		return in, fe, "", false
	}
	if !isDevicesSide(err) {
		s.fail(c, err)
		return in, nil, "", false
	}
	return in, nil, devicesMessage(l, err), false
}

// SenseLinkAddDepartment adds a department.
func (s *Server) SenseLinkAddDepartment(c *gin.Context) {
	a := currentSenseLink(c)
	in, errs, msg, ok := s.saveDept(c, a, 0)
	if c.IsAborted() {
		return
	}
	if ok {
		s.flash(c, true, loc(c).Tf("devices.dept.added", map[string]any{"Name": in.Name}))
		redirect(c, senselinkHref(a.ID)+"/departments")
		return
	}
	v := s.deptView(c, a)
	v.ParentID, v.Name, v.Code, v.LeaderID = text(c, "parentId"), in.Name, in.Code, text(c, "leaderId")
	v.Errors, v.Error = errs, msg
	s.render(c, http.StatusUnprocessableEntity, devview.SLDepartments(v))
}

func (s *Server) slDeptID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("dept"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(c)
		return 0, false
	}
	return id, true
}

// deptEditView is the edit form of a department: parents exclude itself
// and its sub-departments.
func (s *Server) deptEditView(c *gin.Context, a *models.VendorAccount, id int64) (devview.SLDeptEditView, senselink.Department, error) {
	base := senselinkHref(a.ID)
	l := loc(c)
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	root, err := s.Devices.SenseLink.Departments(ctx, *a)
	if err != nil {
		return devview.SLDeptEditView{}, senselink.Department{}, err
	}
	var self senselink.Department
	found := false
	parents := []devview.SLParent{{ID: "0", Label: l.T("devices.dept.top")}}
	skipDepth := -1
	for _, f := range root.Flatten() {
		if skipDepth >= 0 && f.Depth > skipDepth {
			continue
		}
		skipDepth = -1
		if f.ID == id {
			self, found, skipDepth = f.Department, true, f.Depth
			continue
		}
		indent := ""
		for range f.Depth {
			indent += "— "
		}
		parents = append(parents, devview.SLParent{ID: strconv.FormatInt(f.ID, 10), Label: indent + f.Name})
	}
	if !found {
		return devview.SLDeptEditView{}, self, models.ErrNotFound
	}
	leader := ""
	if self.LeaderID > 0 {
		leader = strconv.FormatInt(self.LeaderID, 10)
	}
	form := devview.SLDeptForm{Title: l.Tf("devices.dept.edit", map[string]any{"Name": self.Name}),
		Action: fmt.Sprintf("%s/departments/%d", base, id), Parents: parents, ParentID: strconv.FormatInt(self.ParentID, 10),
		Name: self.Name, Code: self.Code, LeaderID: leader, Cancel: base + "/departments"}
	return devview.SLDeptEditView{Account: a.Name, Base: base, Form: form}, self, nil
}

// SenseLinkDepartmentForm edits a department.
func (s *Server) SenseLinkDepartmentForm(c *gin.Context) {
	a := currentSenseLink(c)
	id, ok := s.slDeptID(c)
	if !ok {
		return
	}
	v, _, err := s.deptEditView(c, a, id)
	if err != nil {
		s.slFail(c, a, err)
		return
	}
	s.render(c, http.StatusOK, devview.SLDeptEdit(v))
}

// SenseLinkUpdateDepartment saves a department.
func (s *Server) SenseLinkUpdateDepartment(c *gin.Context) {
	a := currentSenseLink(c)
	id, ok := s.slDeptID(c)
	if !ok {
		return
	}
	in, errs, msg, saved := s.saveDept(c, a, id)
	if c.IsAborted() {
		return
	}
	if saved {
		s.flash(c, true, loc(c).T("common.saved"))
		redirect(c, senselinkHref(a.ID)+"/departments")
		return
	}
	v, _, err := s.deptEditView(c, a, id)
	if err != nil {
		s.slFail(c, a, err)
		return
	}
	v.Form.ParentID, v.Form.Name, v.Form.Code, v.Form.LeaderID = text(c, "parentId"), in.Name, in.Code, text(c, "leaderId")
	v.Form.Errors, v.Form.Error = errs, msg
	s.render(c, http.StatusUnprocessableEntity, devview.SLDeptEdit(v))
}

func (s *Server) deptConfirm(c *gin.Context, a *models.VendorAccount, id int64, name, msg string, status int) {
	l := loc(c)
	base := senselinkHref(a.ID)
	s.render(c, status, devview.SLConfirm(devview.SLConfirmView{Account: a.Name, Base: base,
		Question: l.Tf("devices.dept.delete_q", map[string]any{"Name": name}), Detail: l.T("devices.dept.delete_detail"),
		Action: fmt.Sprintf("%s/departments/%d/delete", base, id), Cancel: base + "/departments", Error: msg}))
}

// SenseLinkDeleteDepartmentForm asks to confirm deleting a department.
func (s *Server) SenseLinkDeleteDepartmentForm(c *gin.Context) {
	a := currentSenseLink(c)
	id, ok := s.slDeptID(c)
	if !ok {
		return
	}
	ctx, cancel := s.vendorCtx(c)
	d, err := s.Devices.SenseLink.Department(ctx, *a, id)
	cancel()
	if err != nil {
		if vendors.KindOf(err) == vendors.KindNotFound {
			err = models.ErrNotFound
		}
		s.slFail(c, a, err)
		return
	}
	s.deptConfirm(c, a, id, d.Name, "", http.StatusOK)
}

// SenseLinkDeleteDepartment deletes an empty department; SenseLink's 650
// (it still has sub-departments or people) is explained on the page.
func (s *Server) SenseLinkDeleteDepartment(c *gin.Context) {
	a := currentSenseLink(c)
	id, ok := s.slDeptID(c)
	if !ok {
		return
	}
	l := loc(c)
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	err := s.Devices.SenseLink.DeleteDepartment(ctx, actor(c), *a, id)
	switch {
	case err == nil:
		s.flash(c, true, l.T("devices.dept.deleted"))
		redirect(c, senselinkHref(a.ID)+"/departments")
	case vendors.KindOf(err) == vendors.KindNotEmpty:
		name := ""
		if d, derr := s.Devices.SenseLink.Department(ctx, *a, id); derr == nil {
			name = d.Name
		}
		s.deptConfirm(c, a, id, name, l.T("devices.dept.not_empty")+" "+describeCode(l, err), http.StatusUnprocessableEntity)
	case isDevicesSide(err):
		s.deptConfirm(c, a, id, "", devicesMessage(l, err), http.StatusUnprocessableEntity)
	default:
		s.fail(c, err)
	}
}

// describeCode is the vendor's code in brackets.
func describeCode(l interface {
	Tf(string, map[string]any) string
}, err error) string {
	var ve *vendors.Error
	if errors.As(err, &ve) && ve.Code != 0 {
		return l.Tf("vendor.code", map[string]any{"Code": ve.Code})
	}
	return ""
}
