package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"storelens/internal/faces"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/web/templates/components"
	faceview "storelens/web/templates/faces"
)

// FacesOverview is the shop's faces tab: its groups and what to do with
// them. The first visit pulls the groups from the vendor.
func (s *Server) FacesOverview(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx := c.Request.Context()
	caps, err := s.Faces.Service.Capabilities(ctx, *sh, faceLib(c))
	if err != nil && !isVendorSide(err) {
		s.fail(c, err)
		return
	}
	groups, err := s.Store.FaceGroups(ctx, sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	var syncErr string
	if len(groupsOf(groups, caps)) == 0 && caps.Library {
		vctx, cancel := s.vendorCtx(c)
		err := s.Faces.Service.SyncGroups(vctx, *sh)
		cancel()
		if err != nil {
			if !isVendorSide(err) {
				s.fail(c, err)
				return
			}
			syncErr = vendorMessage(l, err)
		}
		if groups, err = s.Store.FaceGroups(ctx, sh.ID); err != nil {
			s.fail(c, err)
			return
		}
	}
	v, err := s.overviewView(c, sh, caps, groups)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.SyncError = syncErr
	s.render(c, http.StatusOK, faceview.Overview(v))
}

func (s *Server) overviewView(c *gin.Context, sh *models.Shop, caps faces.Caps, groups []models.FaceGroup) (faceview.OverviewView, error) {
	l := loc(c)
	base := facesHref(sh.ID)
	groups = groupsOf(groups, caps)
	lib := ""
	if len(caps.Libraries) > 1 {
		lib = caps.Key
	}
	v := faceview.OverviewView{Header: s.shopHeader(c, sh, "faces"), Vendor: s.vendorLabel(l, caps.Vendor),
		SyncAction: base + "/sync", NewGroupHref: withLib(base+"/groups/new", lib), EnrollHref: enrollHref(sh.ID, 0),
		BulkHref: bulkHref(sh.ID, 0), DeletionsHref: base + "/deletions"}
	if len(caps.Libraries) > 1 {
		v.Libraries = s.libraryTabs(l, sh, caps)
		v.Vendor = s.currentLibraryLabel(l, caps)
	}
	if caps.Search {
		v.SearchHref = withLib(base+"/search", lib)
	}
	if caps.TopVisitors || caps.Lapsed {
		v.VisitorsHref = withLib(base+"/visitors", lib)
	}
	if caps.Library {
		v.RosterHref = withLib(base+"/roster.csv", caps.Key)
	}
	counts, err := s.Store.CountFaces(c.Request.Context(), sh.ID)
	if err != nil {
		return v, err
	}
	per := map[uint]map[string]int{}
	for _, n := range counts {
		if per[n.GroupID] == nil {
			per[n.GroupID] = map[string]int{}
		}
		per[n.GroupID][n.State] += n.N
		switch n.State {
		case models.FacePending:
			v.Pending += n.N
		case models.FaceFailed:
			v.Failed += n.N
		case models.FaceMissing:
			v.Missing += n.N
		}
	}
	var stranger *models.FaceGroup
	for i, g := range groups {
		local := 0
		for _, n := range per[g.ID] {
			local += n
		}
		row := faceview.GroupRow{ID: g.ID, Href: faceGroupHref(sh.ID, g.ID), Name: l.Vendor(i18n.GroupName, g.Name), Kind: g.Kind, Description: g.Description,
			Count: max(g.FaceCount, local), Capacity: g.Capacity, Default: g.IsDefault, Keys: customKeys(g),
			EnrollHref: enrollHref(sh.ID, g.ID), BulkHref: bulkHref(sh.ID, g.ID),
			Pending: per[g.ID][models.FacePending], Failed: per[g.ID][models.FaceFailed], Missing: per[g.ID][models.FaceMissing]}
		switch {
		case g.IsDefault:
			row.CannotDelete = l.T("faces.default_locked")
		case local > 0:
			row.EditHref = faceGroupHref(sh.ID, g.ID) + "/edit"
			row.CannotDelete = l.Tn("faces.not_empty_locked", local, nil)
		case !caps.GroupDelete:
			row.EditHref = faceGroupHref(sh.ID, g.ID) + "/edit"
			row.CannotDelete = l.Tf("faces.no_group_delete", map[string]any{"Vendor": s.vendorLabel(l, g.Vendor)})
		default:
			row.EditHref = faceGroupHref(sh.ID, g.ID) + "/edit"
			row.DeleteHref = faceGroupHref(sh.ID, g.ID) + "/delete"
		}
		v.Groups = append(v.Groups, row)
		if g.Kind == string(vendors.GroupStranger) && g.IsDefault {
			stranger = &groups[i]
		}
	}
	if caps.Rules && stranger != nil {
		v.Rule = ruleView(l, sh, *stranger, groups, "", "", 0, nil)
	}
	return v, nil
}

// ruleView is the rule form: what was set here (the vendors cannot say),
// or what was typed after a refusal.
func ruleView(l *i18n.Localizer, sh *models.Shop, stranger models.FaceGroup, groups []models.FaceGroup, visits, days string, target uint, errs formErrors) *faceview.RuleForm {
	r := &faceview.RuleForm{Action: facesHref(sh.ID) + "/rule", Visits: visits, Days: days, Errors: errs, Set: stranger.RuleVisits > 0}
	if target == 0 && stranger.RuleTargetID != nil {
		target = *stranger.RuleTargetID
	}
	var targetName string
	for _, g := range groups {
		if g.ID == stranger.ID {
			continue
		}
		if target == 0 && g.Kind == string(vendors.GroupRegular) {
			target = g.ID
		}
		if g.ID == target {
			targetName = l.Vendor(i18n.GroupName, g.Name)
		}
	}
	r.Targets = groupOptions(l, groups, target, string(vendors.GroupStranger))
	if r.Set {
		r.Current = l.Tf("faces.rule_current", map[string]any{"Visits": stranger.RuleVisits, "Days": stranger.RuleDays, "Target": targetName})
		if visits == "" {
			r.Visits, r.Days = strconv.Itoa(stranger.RuleVisits), strconv.Itoa(stranger.RuleDays)
		}
	}
	if r.Visits == "" {
		r.Visits, r.Days = "5", "7" // the camera's default (003 Face Recognition 3)
	}
	return r
}

// SyncFaces reconciles the shop's faces with its vendor now.
func (s *Server) SyncFaces(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	res, err := s.Faces.Service.Reconcile(ctx, *sh)
	switch {
	case err == nil:
		s.flash(c, true, l.Tf("faces.synced", map[string]any{"Groups": res.Groups, "Added": res.Added, "Missing": res.Missing}))
		_ = s.Store.Audit(c.Request.Context(), actor(c).Entry("face.reconcile", "shop", strconv.FormatUint(uint64(sh.ID), 10),
			"by hand"))
	case isVendorSide(err):
		s.flash(c, false, l.T("faces.sync_failed")+": "+vendorMessage(l, err))
	default:
		s.fail(c, err)
		return
	}
	redirect(c, facesHref(sh.ID))
}

// SetFaceRule sets the stranger-to-regular rule, in days.
func (s *Server) SetFaceRule(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx := c.Request.Context()
	groups, err := s.Store.FaceGroups(ctx, sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	var stranger, target *models.FaceGroup
	tid, _ := strconv.ParseUint(text(c, "target"), 10, 32)
	for i, g := range groups {
		if g.Kind == string(vendors.GroupStranger) && g.IsDefault {
			stranger = &groups[i]
		} else if uint64(g.ID) == tid {
			target = &groups[i]
		}
	}
	if stranger == nil {
		s.notFound(c)
		return
	}
	vs, ds := text(c, "visits"), text(c, "days")
	errs := formErrors{}
	visits, err1 := strconv.Atoi(vs)
	days, err2 := strconv.Atoi(ds)
	if err1 != nil || visits < 1 || visits > 100 {
		errs.add("visits", l.Tf("faces.between", map[string]any{"Min": 1, "Max": 100}))
	}
	if err2 != nil || days < 1 || days > 100 {
		errs.add("days", l.Tf("faces.between", map[string]any{"Min": 1, "Max": 100}))
	}
	if target == nil {
		errs.add("target", l.T("form.required"))
	}
	var msg string
	if len(errs) == 0 {
		vctx, cancel := s.vendorCtx(c)
		err := s.Faces.Service.SetRule(vctx, actor(c), *sh, *stranger, *target, visits, days)
		cancel()
		if err == nil {
			s.flash(c, true, l.T("faces.rule_saved"))
			redirect(c, facesHref(sh.ID))
			return
		}
		if msg = explain(l, err); msg == "" {
			s.fail(c, err)
			return
		}
	}
	caps, _ := s.Faces.Service.Capabilities(ctx, *sh, faces.LibraryKey(stranger.Vendor, stranger.Source))
	v, err := s.overviewView(c, sh, caps, groups)
	if err != nil {
		s.fail(c, err)
		return
	}
	var t uint
	if target != nil {
		t = target.ID
	}
	v.Rule = ruleView(l, sh, *stranger, groups, vs, ds, t, errs)
	v.Rule.Error = msg
	s.render(c, http.StatusUnprocessableEntity, faceview.Overview(v))
}

// groupForm is the group form as typed.
type groupForm struct {
	Name, Description, Capacity, Kind, Purpose string
	Keys                                       [5]string
}

func bindGroupForm(c *gin.Context) groupForm {
	f := groupForm{Name: text(c, "name"), Description: text(c, "description"), Capacity: text(c, "capacity"), Kind: text(c, "kind"),
		Purpose: text(c, "purpose")}
	for i := range f.Keys {
		f.Keys[i] = text(c, "key"+strconv.Itoa(i+1))
	}
	return f
}

func (f groupForm) validate(l *i18n.Localizer, isNew bool, kinds []vendors.GroupKind) (faces.GroupInput, formErrors) {
	e := formErrors{}
	in := faces.GroupInput{Name: f.Name, Description: f.Description, Kind: vendors.GroupKind(f.Kind), CustomKeys: f.Keys, Purpose: f.Purpose}
	if f.Purpose != "" && !slices.Contains(purposes, f.Purpose) {
		e.add("purpose", l.T("form.required"))
	}
	switch {
	case f.Name == "":
		e.add("name", l.T("form.required"))
	case tooLong(f.Name, 32):
		e.add("name", l.Tf("form.too_long", map[string]any{"Max": 32}))
	}
	if tooLong(f.Description, 150) {
		e.add("description", l.Tf("form.too_long", map[string]any{"Max": 150}))
	}
	if f.Capacity != "" {
		n, err := strconv.Atoi(f.Capacity)
		if err != nil || n < 1 || n > 10000 {
			e.add("capacity", l.Tf("faces.between", map[string]any{"Min": 1, "Max": 10000}))
		}
		in.Capacity = n
	}
	for i, k := range f.Keys {
		if tooLong(k, 50) {
			e.add("key"+strconv.Itoa(i+1), l.Tf("form.too_long", map[string]any{"Max": 50}))
		}
	}
	if isNew {
		ok := false
		for _, k := range kinds {
			ok = ok || string(k) == f.Kind
		}
		if !ok {
			e.add("kind", l.T("form.required"))
		}
	}
	return in, e
}

func (s *Server) groupFormView(c *gin.Context, sh *models.Shop, g *models.FaceGroup, f groupForm, kinds []vendors.GroupKind, errs formErrors, msg string) faceview.GroupFormView {
	l := loc(c)
	v := faceview.GroupFormView{Header: s.shopHeader(c, sh, "faces"), IsNew: g == nil, Name: f.Name, Description: f.Description,
		Capacity: f.Capacity, Kind: f.Kind, Keys: f.Keys, Errors: errs, Error: msg}
	v.Purposes = append([]faceview.Option{{Value: "", Label: l.T("faces.group_purpose_by_kind"), Selected: f.Purpose == ""}},
		purposeOptions(l, f.Purpose)[1:]...)
	if g == nil {
		v.Action, v.Cancel = withLib(facesHref(sh.ID)+"/groups", faceLib(c)), withLib(facesHref(sh.ID), faceLib(c))
		for _, k := range kinds {
			v.Kinds = append(v.Kinds, faceview.Option{Value: string(k), Label: l.T("faces.kind." + string(k)), Selected: string(k) == f.Kind})
		}
	} else {
		v.Action, v.Cancel = faceGroupHref(sh.ID, g.ID), faceGroupHref(sh.ID, g.ID)
	}
	return v
}

// NewFaceGroup shows the create-group form.
func (s *Server) NewFaceGroup(c *gin.Context) {
	sh := currentShop(c)
	caps, err := s.Faces.Service.Capabilities(c.Request.Context(), *sh, faceLib(c))
	if err != nil && !isVendorSide(err) {
		s.fail(c, err)
		return
	}
	f := groupForm{Kind: string(vendors.GroupMember), Capacity: "1000"}
	if len(caps.GroupKinds) == 1 {
		f.Kind = string(caps.GroupKinds[0])
	}
	s.render(c, http.StatusOK, faceview.GroupForm(s.groupFormView(c, sh, nil, f, caps.GroupKinds, nil, "")))
}

// CreateFaceGroup creates a group at the vendor; a refusal keeps the form.
func (s *Server) CreateFaceGroup(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	caps, err := s.Faces.Service.Capabilities(c.Request.Context(), *sh, faceLib(c))
	if err != nil && !isVendorSide(err) {
		s.fail(c, err)
		return
	}
	f := bindGroupForm(c)
	in, errs := f.validate(l, true, caps.GroupKinds)
	if len(errs) > 0 {
		s.render(c, http.StatusUnprocessableEntity, faceview.GroupForm(s.groupFormView(c, sh, nil, f, caps.GroupKinds, errs, "")))
		return
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	g, err := s.Faces.Service.CreateGroup(ctx, actor(c), *sh, caps.Key, in)
	if err != nil {
		msg := explain(l, err)
		if msg == "" {
			s.fail(c, err)
			return
		}
		s.render(c, http.StatusUnprocessableEntity, faceview.GroupForm(s.groupFormView(c, sh, nil, f, caps.GroupKinds, nil, msg)))
		return
	}
	s.flash(c, true, l.Tf("faces.group_created", map[string]any{"Name": g.Name}))
	redirect(c, facesHref(sh.ID))
}

// EditFaceGroup shows the edit form; default groups say why they cannot.
func (s *Server) EditFaceGroup(c *gin.Context) {
	sh, g := currentShop(c), currentFaceGroup(c)
	f := groupForm{Name: g.Name, Description: g.Description, Capacity: strconv.Itoa(g.Capacity), Keys: g.CustomKeys(), Purpose: g.Purpose}
	msg := ""
	if g.IsDefault {
		msg = loc(c).T("faces.error.default_group")
	}
	s.render(c, http.StatusOK, faceview.GroupForm(s.groupFormView(c, sh, g, f, nil, nil, msg)))
}

// UpdateFaceGroup saves a group at the vendor, then here.
func (s *Server) UpdateFaceGroup(c *gin.Context) {
	sh, g := currentShop(c), currentFaceGroup(c)
	l := loc(c)
	f := bindGroupForm(c)
	in, errs := f.validate(l, false, nil)
	if len(errs) > 0 {
		s.render(c, http.StatusUnprocessableEntity, faceview.GroupForm(s.groupFormView(c, sh, g, f, nil, errs, "")))
		return
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	if err := s.Faces.Service.UpdateGroup(ctx, actor(c), *sh, *g, in); err != nil {
		msg := explain(l, err)
		if msg == "" {
			s.fail(c, err)
			return
		}
		s.render(c, http.StatusUnprocessableEntity, faceview.GroupForm(s.groupFormView(c, sh, g, f, nil, nil, msg)))
		return
	}
	s.flash(c, true, l.T("common.saved"))
	redirect(c, facesHref(sh.ID))
}

func (s *Server) deleteGroupConfirm(c *gin.Context, status int, msg string) {
	sh, g := currentShop(c), currentFaceGroup(c)
	l := loc(c)
	href := faceGroupHref(sh.ID, g.ID)
	s.render(c, status, faceview.ConfirmGroupDelete(s.shopHeader(c, sh, "faces"), msg,
		l.Tf("faces.group_delete_q", map[string]any{"Name": g.Name}), l.T("faces.group_delete_hint"), href+"/delete", href))
}

// DeleteFaceGroupForm asks to confirm deleting a group.
func (s *Server) DeleteFaceGroupForm(c *gin.Context) {
	s.deleteGroupConfirm(c, http.StatusOK, "")
}

// DeleteFaceGroup deletes an empty, non-default group at the vendor, then
// here; a refusal says why.
func (s *Server) DeleteFaceGroup(c *gin.Context) {
	sh, g := currentShop(c), currentFaceGroup(c)
	l := loc(c)
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	if err := s.Faces.Service.DeleteGroup(ctx, actor(c), *sh, *g); err != nil {
		msg := explain(l, err)
		if msg == "" {
			s.fail(c, err)
			return
		}
		s.deleteGroupConfirm(c, http.StatusUnprocessableEntity, msg)
		return
	}
	s.flash(c, true, l.Tf("faces.group_deleted", map[string]any{"Name": g.Name}))
	redirect(c, facesHref(sh.ID))
}

// faceSorts are the orders of a face list: by name, newest, most visits
// (the top visitors as the vendor counts them), and not seen for longest.
var faceSorts = []models.FaceSort{models.SortName, models.SortNewest, models.SortVisits, models.SortLongAbsent}

// GroupFaces lists a group's faces: search by name, sort, pages of 48.
func (s *Server) GroupFaces(c *gin.Context) {
	sh, g := currentShop(c), currentFaceGroup(c)
	l := loc(c)
	ctx := c.Request.Context()
	q, sortKey := strings.TrimSpace(c.Query("q")), models.FaceSort(c.Query("sort"))
	page, _ := strconv.Atoi(c.Query("page"))
	list, total, err := s.Store.Faces(ctx, models.FaceFilter{ShopID: sh.ID, GroupID: g.ID, Query: q, Sort: sortKey, Page: page, PerPage: 48})
	if err != nil {
		s.fail(c, err)
		return
	}
	groups, err := s.Store.FaceGroups(ctx, sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	tz := zone(sh.Timezone)
	href := faceGroupHref(sh.ID, g.ID)
	keys := g.CustomKeys()
	v := faceview.GroupFacesView{Header: s.shopHeader(c, sh, "faces"), Action: href, Query: q, Sort: string(sortKey),
		Total: int(total), Keys: keys[:], MoveAction: facesHref(sh.ID) + "/move", DeleteAction: facesHref(sh.ID) + "/delete",
		Group: faceview.GroupRow{ID: g.ID, Name: loc(c).Vendor(i18n.GroupName, g.Name), Kind: g.Kind, EnrollHref: enrollHref(sh.ID, g.ID), BulkHref: bulkHref(sh.ID, g.ID)}}
	for _, so := range faceSorts {
		v.Sorts = append(v.Sorts, faceview.Option{Value: string(so), Label: l.T("faces.sort." + string(so)), Selected: so == sortKey})
	}
	for _, f := range list {
		v.Faces = append(v.Faces, faceCard(l, sh.ID, f, tz))
	}
	for _, o := range groupOptions(l, sameLibrary(groups, *g), 0) {
		if o.Value != strconv.FormatUint(uint64(g.ID), 10) {
			v.MoveTargets = append(v.MoveTargets, o)
		}
	}
	pages := int((total + 47) / 48)
	base := href + "?q=" + urlQueryEscape(q) + "&sort=" + urlQueryEscape(string(sortKey)) + "&"
	v.Pager = components.Pager{Page: max(page, 1), Pages: pages, Total: total, Base: base}
	s.render(c, http.StatusOK, faceview.GroupFaces(v))
}

// FaceDeletions lists the shop's deletions, each until done on both sides.
func (s *Server) FaceDeletions(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ds, err := s.Store.FaceDeletionsOf(c.Request.Context(), sh.ID, 200)
	if err != nil {
		s.fail(c, err)
		return
	}
	tz := zone(sh.Timezone)
	v := faceview.DeletionsView{Header: s.shopHeader(c, sh, "faces"), Back: facesHref(sh.ID)}
	pendingLabel := l.T("faces.deletion_waiting")
	for _, d := range ds {
		r := faceview.DeletionRow{FaceID: d.FaceID, RequestedAt: formatTime(&d.RequestedAt, tz), By: d.RequestedBy,
			VendorDone: formatTime(d.VendorDoneAt, tz), LocalDone: formatTime(d.LocalDoneAt, tz), Note: deletionNote(l, d.Note),
			Attempts: d.Attempts, Complete: d.VendorDoneAt != nil && d.LocalDoneAt != nil}
		if d.VendorDoneAt == nil {
			r.VendorDone = pendingLabel
		}
		if d.LocalDoneAt == nil {
			r.LocalDone = pendingLabel
		}
		if d.LastError != "" {
			r.LastError = describeVendorError(l, vendors.ParseCompact(d.LastError))
		}
		v.Rows = append(v.Rows, r)
	}
	s.render(c, http.StatusOK, faceview.Deletions(v))
}

// deletionNote words a deletion's note code (faces.Note*); a note stored
// before the codes is English text and is shown as it is.
func deletionNote(l *i18n.Localizer, note string) string {
	if note == "" {
		return ""
	}
	key := "faces.deletion_note." + note
	if s := l.T(key); s != key {
		return s
	}
	return note
}
