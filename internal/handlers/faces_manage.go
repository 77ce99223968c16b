package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/vendors"
	faceview "storelens/web/templates/faces"
)

// faceView builds a face's page.
func (s *Server) faceView(c *gin.Context, sh *models.Shop, f models.Face, groups []models.FaceGroup) faceview.FaceView {
	l := loc(c)
	tz := zone(sh.Timezone)
	var g models.FaceGroup
	for _, x := range groups {
		if x.ID == f.GroupID {
			g = x
		}
	}
	href := faceHref(sh.ID, f.ID)
	v := faceview.FaceView{Header: s.shopHeader(c, sh, "faces"), ID: f.ID, Name: f.Name, GroupName: loc(c).Vendor(i18n.GroupName, g.Name),
		GroupHref: faceGroupHref(sh.ID, g.ID), Gender: genderLabel(l, f.Gender), Age: ageLabel(l, f.AgeRange),
		State: f.State, StateLabel: stateLabel(l, f.State), Error: faceError(l, f), FromVendor: f.Origin == models.OriginVendor,
		Visits: strconv.Itoa(f.Visits), LastVisit: formatTime(f.LastVisitAt, tz), Created: formatTime(&f.CreatedAt, tz),
		EditAction: href, MoveAction: facesHref(sh.ID) + "/move", DeleteAction: facesHref(sh.ID) + "/delete",
		CanEdit: f.VendorFaceID != "" && f.State != models.FaceDeleting, Keys: g.CustomKeys(),
		EditName: f.Name, EditGender: f.Gender, EditCustom: f.Custom(), Genders: genderOptions(l, f.Gender), Ages: ageOptions(l, f.AgeRange)}
	if f.Origin == models.OriginVendor && f.VendorCreatedAt != nil {
		v.Created = formatTime(f.VendorCreatedAt, tz)
	}
	if f.EnrolledAt != nil {
		v.Enrolled = formatTime(f.EnrolledAt, tz)
	}
	if f.State == models.FaceFailed && f.Origin == models.OriginHere {
		v.RetryAction = href + "/retry"
	}
	if f.State == models.FaceMissing {
		v.Error = l.T("faces.missing_hint")
	}
	senselinkFaceView(l, f, g.Kind, tz, &v)
	if f.ConsentBy != "" {
		v.ConsentBy, v.ConsentAt, v.ConsentPurpose = f.ConsentBy, formatTime(f.ConsentAt, tz), purposeLabel(l, f.ConsentPurpose)
	}
	for i, k := range g.CustomKeys() {
		if k != "" {
			v.Custom = append(v.Custom, faceview.KeyValue{Key: k, Value: f.Custom()[i]})
		}
	}
	if f.PhotoHash != "" {
		v.Photo = s.photoPreview(sh.ID, f)
	}
	if f.ThumbHash != "" {
		v.Thumb = facePhotoHref(sh.ID, f.ThumbHash)
	}
	for _, o := range groupOptions(l, sameLibrary(groups, g), 0) {
		if o.Value != strconv.FormatUint(uint64(f.GroupID), 10) {
			v.MoveTargets = append(v.MoveTargets, o)
		}
	}
	return v
}

// photoPreview is the enrolled photo with its face's box. The photo's size
// is read from its header (cheap: the JPEG is not decoded).
func (s *Server) photoPreview(shopID uint, f models.Face) *faceview.Preview {
	data, err := s.Faces.Service.Photos.Get(f.PhotoHash)
	if err != nil {
		return nil
	}
	_, cfg, err := s.Faces.Service.Pipeline.Check(data)
	if err != nil {
		return nil
	}
	p := &faceview.Preview{PhotoURL: facePhotoHref(shopID, f.PhotoHash), Width: cfg.Width, Height: cfg.Height, OK: true}
	if f.BoxSize > 0 {
		p.Boxes = []faceview.Box{{X: f.BoxX, Y: f.BoxY, Size: f.BoxSize}}
	}
	return p
}

// ShowFace is a face's page, with its visits fresh from the vendor; when
// the vendor cannot be asked, the stored ones and why.
func (s *Server) ShowFace(c *gin.Context) {
	sh, f := currentShop(c), currentFace(c)
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	fresh, err := s.Faces.Service.RefreshFace(ctx, *sh, *f)
	groups, gerr := s.Store.FaceGroups(c.Request.Context(), sh.ID)
	if gerr != nil {
		s.fail(c, gerr)
		return
	}
	if latest, lerr := s.Store.Face(c.Request.Context(), sh.ID, f.ID); lerr == nil {
		latest.Visits, latest.LastVisitAt = fresh.Visits, fresh.LastVisitAt
		fresh = latest
	}
	v := s.faceView(c, sh, fresh, groups)
	if err != nil {
		if !isVendorSide(err) {
			s.fail(c, err)
			return
		}
		v.RefreshError = vendorMessage(loc(c), err)
	}
	s.visitLog(c, sh, fresh, &v)
	s.render(c, http.StatusOK, faceview.Face(v))
}

// visitLog adds the visit times of a range where the vendor can say
// (VisitHistory: the camera on the LAN); others show the count and the
// last visit only.
func (s *Server) visitLog(c *gin.Context, sh *models.Shop, f models.Face, v *faceview.FaceView) {
	if f.VendorFaceID == "" {
		return
	}
	tz := zone(sh.Timezone)
	to := time.Now().In(tz)
	from := to.AddDate(0, 0, -30)
	if t, err := time.ParseInLocation("2006-01-02", c.Query("from"), tz); err == nil {
		from = t
	}
	if t, err := time.ParseInLocation("2006-01-02", c.Query("to"), tz); err == nil {
		to = t.Add(24*time.Hour - time.Second)
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	times, err := s.Faces.Service.Visits(ctx, *sh, f, from, to)
	if errors.Is(err, vendors.ErrUnsupported) {
		return
	}
	if err != nil && !isVendorSide(err) {
		s.logger(c).Warn("visit log failed", "face", f.ID, "err", err)
		return
	}
	log := &faceview.VisitLog{Action: faceHref(sh.ID, f.ID), From: from.Format("2006-01-02"), To: to.Format("2006-01-02")}
	if err != nil {
		log.Error = vendorMessage(loc(c), err)
	}
	for _, t := range times {
		log.Times = append(log.Times, t.In(tz).Format("2006-01-02 15:04"))
	}
	v.VisitLog = log
}

// UpdateFace saves a face's name and attributes at the vendor, then here.
func (s *Server) UpdateFace(c *gin.Context) {
	sh, f := currentShop(c), currentFace(c)
	l := loc(c)
	var custom [5]string
	for i := range custom {
		custom[i] = text(c, "custom"+strconv.Itoa(i+1))
	}
	errs := formErrors{}
	in := faceFields(l, errs, text(c, "name"), text(c, "gender"), text(c, "age"), custom, false)
	groups, err := s.Store.FaceGroups(c.Request.Context(), sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	rerender := func(msg string) {
		v := s.faceView(c, sh, *f, groups)
		v.EditName, v.EditGender, v.EditCustom, v.Errors, v.FormError = in.Name, string(in.Gender), custom, errs, msg
		v.Genders, v.Ages = genderOptions(l, string(in.Gender)), ageOptions(l, int(in.Age))
		s.render(c, http.StatusUnprocessableEntity, faceview.Face(v))
	}
	if len(errs) > 0 {
		rerender("")
		return
	}
	ctx, cancel := s.vendorCtx(c)
	defer cancel()
	if _, err := s.Faces.Service.UpdateFace(ctx, actor(c), *sh, *f, in); err != nil {
		msg := explain(l, err)
		if msg == "" {
			s.fail(c, err)
			return
		}
		rerender(msg)
		return
	}
	s.flash(c, true, l.T("common.saved"))
	redirect(c, faceHref(sh.ID, f.ID))
}

// RetryFace sends a failed face's photo to the vendor again.
func (s *Server) RetryFace(c *gin.Context) {
	sh, f := currentShop(c), currentFace(c)
	l := loc(c)
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.VendorTimeout+s.Faces.Service.ResolveWait)
	defer cancel()
	retry := s.Faces.Service.Retry
	if c.PostForm("force") == "1" { // after "similar person exists", confirmed
		if c.PostForm("confirm") != "1" {
			s.flash(c, false, l.T("faces.force_confirm"))
			redirect(c, faceHref(sh.ID, f.ID))
			return
		}
		retry = s.Faces.Service.RetryForced
	}
	face, err := retry(ctx, actor(c), *sh, *f)
	switch {
	case err != nil:
		msg := explain(l, err)
		if msg == "" {
			s.fail(c, err)
			return
		}
		s.flash(c, false, msg)
	case face.State == models.FaceEnrolled:
		s.flash(c, true, l.Tf("faces.enrolled", map[string]any{"Name": face.Name}))
	case face.State == models.FacePending:
		s.flash(c, true, l.Tf("faces.sent", map[string]any{"Name": face.Name}))
	default:
		s.flash(c, false, l.Tf("faces.not_enrolled", map[string]any{"Name": face.Name}))
	}
	redirect(c, faceHref(sh.ID, f.ID))
}

// selectedFaces reads the ids of the faces ticked in a list.
func selectedFaces(c *gin.Context) []uint {
	var ids []uint
	for _, v := range c.PostFormArray("ids") {
		if n, err := strconv.ParseUint(v, 10, 32); err == nil && n > 0 {
			ids = append(ids, uint(n))
		}
	}
	return ids
}

// MoveFaces moves the selected faces to another group.
func (s *Server) MoveFaces(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx := c.Request.Context()
	ids := selectedFaces(c)
	tid, _ := strconv.ParseUint(text(c, "target"), 10, 32)
	target, err := s.Store.FaceGroup(ctx, sh.ID, uint(tid))
	if err != nil {
		s.fail(c, err)
		return
	}
	back := faceGroupHref(sh.ID, target.ID)
	if len(ids) == 0 {
		s.flash(c, false, l.T("faces.error.none_selected"))
		redirect(c, facesHref(sh.ID))
		return
	}
	if first, err := s.Store.Face(ctx, sh.ID, ids[0]); err == nil {
		back = faceGroupHref(sh.ID, first.GroupID)
	}
	vctx, cancel := s.vendorCtx(c)
	defer cancel()
	n, err := s.Faces.Service.MoveFaces(vctx, actor(c), *sh, ids, target)
	if err != nil {
		msg := explain(l, err)
		if msg == "" {
			s.fail(c, err)
			return
		}
		if n > 0 {
			msg = l.Tn("faces.moved", n, map[string]any{"Group": target.Name}) + " " + msg
		}
		s.flash(c, false, msg)
		redirect(c, back)
		return
	}
	s.flash(c, true, l.Tn("faces.moved", n, map[string]any{"Group": target.Name}))
	redirect(c, faceGroupHref(sh.ID, target.ID))
}

// DeleteFaces asks to confirm, then deletes the selected faces at the
// vendor and here. A refusal shows the reason and changes nothing.
func (s *Server) DeleteFaces(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx := c.Request.Context()
	ids := selectedFaces(c)
	list, err := s.Store.FacesByID(ctx, sh.ID, ids)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(list) == 0 {
		s.flash(c, false, l.T("faces.error.none_selected"))
		redirect(c, facesHref(sh.ID))
		return
	}
	back := faceGroupHref(sh.ID, list[0].GroupID)
	v := faceview.ConfirmDeleteView{Header: s.shopHeader(c, sh, "faces"), Action: facesHref(sh.ID) + "/delete", Cancel: back}
	for _, f := range list {
		name := f.Name
		if name == "" {
			name = l.T("faces.unnamed") + " #" + strconv.FormatUint(uint64(f.ID), 10)
		}
		v.Names, v.IDs = append(v.Names, name), append(v.IDs, f.ID)
	}
	if c.PostForm("confirm") != "1" {
		s.render(c, http.StatusOK, faceview.ConfirmDelete(v))
		return
	}
	vctx, cancel := s.vendorCtx(c)
	defer cancel()
	res, err := s.Faces.Service.DeleteFaces(vctx, actor(c), *sh, v.IDs)
	if err != nil {
		if v.Error = explain(l, err); v.Error == "" {
			s.fail(c, err)
			return
		}
		s.render(c, http.StatusUnprocessableEntity, faceview.ConfirmDelete(v))
		return
	}
	msg := l.Tn("faces.deleted", res.Deleted, nil)
	if res.Waiting > 0 {
		msg += " " + l.Tn("faces.delete_waiting", res.Waiting, nil)
	}
	s.flash(c, true, msg)
	redirect(c, back)
}
