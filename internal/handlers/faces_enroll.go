package handlers

import (
	"context"
	"errors"
	"math"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/faces"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/photos"
	"storelens/internal/vendors"
	faceview "storelens/web/templates/faces"
)

// maxPhotoBody bounds an enrollment request: the largest photo the
// pipeline reads, and room for the other fields.
var maxPhotoBody = photos.DefaultLimits.MaxBytes + 1<<20

// enrollForm is the enrollment form as typed.
type enrollForm struct {
	Group, Name, Gender, Age, Token  string
	Custom                           [5]string
	Consent                          bool
	ConsentBy, ConsentPurpose        string
	VisitFrom, VisitTo, Receptionist string // visitor groups (SenseLink)
}

func bindEnrollForm(c *gin.Context) enrollForm {
	f := enrollForm{Group: text(c, "group"), Name: text(c, "name"), Gender: text(c, "gender"), Age: text(c, "age"),
		Token: text(c, "token"), Consent: c.PostForm("consent") == "1", ConsentBy: text(c, "consent_by"),
		ConsentPurpose: text(c, "consent_purpose"), VisitFrom: text(c, "visit_from"), VisitTo: text(c, "visit_to"),
		Receptionist: text(c, "receptionist")}
	for i := range f.Custom {
		f.Custom[i] = text(c, "custom"+strconv.Itoa(i+1))
	}
	return f
}

// faceFields checks a face's name and attributes (the enroll and edit
// forms share them).
func faceFields(l *i18n.Localizer, e formErrors, name, gender, age string, custom [5]string, nameRequired bool) vendors.FaceInput {
	in := vendors.FaceInput{Name: name, Gender: vendors.Gender(gender), Custom: custom}
	switch {
	case name == "" && nameRequired:
		e.add("name", l.T("form.required"))
	case tooLong(name, 50):
		e.add("name", l.Tf("form.too_long", map[string]any{"Max": 50}))
	}
	if gender == "" {
		in.Gender = vendors.GenderUnknown
	} else if !in.Gender.Valid() {
		e.add("gender", l.T("faces.error.bad_value"))
	}
	if a, err := strconv.Atoi(age); age != "" && (err != nil || a < 0 || a > 8) {
		e.add("age", l.T("faces.error.bad_value"))
	} else {
		in.Age = vendors.AgeRange(a)
	}
	for i, v := range custom {
		if tooLong(v, 50) {
			e.add("custom"+strconv.Itoa(i+1), l.Tf("form.too_long", map[string]any{"Max": 50}))
		}
	}
	return in
}

// groupPurpose is the purpose a group states for the faces in it, which
// the person consents to: staff lists are for attendance, members and
// regulars for recognising customers, visitors for receiving guests; the
// purpose an admin chose on the group's form before any of these. A custom
// group without one states none: the form asks for one.
func groupPurpose(g models.FaceGroup) string {
	if g.Purpose != "" {
		return g.Purpose
	}
	switch vendors.GroupKind(g.Kind) {
	case vendors.GroupStaff:
		return "staff"
	case vendors.GroupMember, vendors.GroupRegular:
		return "member"
	case vendors.GroupVisitor:
		return "visitor"
	}
	return ""
}

// consentFields checks the person's consent: one tick, for the purpose
// the group states (shown beside the tick, and sent back with the form so
// a group changed without the page following is caught), or for the one
// chosen where the group states none; collected by the signed-in user
// unless the form says who. The consent is recorded with the face and in
// the audit log (faces.Service.Enroll).
func consentFields(l *i18n.Localizer, e formErrors, g models.FaceGroup, given bool, by, purpose string) faces.Consent {
	want := groupPurpose(g)
	switch {
	case !given:
		e.add("consent", l.T("faces.error.consent"))
	case want != "" && purpose != want:
		// The tick was for another purpose: ask again for this one.
		e.add("consent", l.Tf("ux.enroll.consent_changed", map[string]any{"Purpose": purposeLabel(l, want)}))
	}
	if want != "" {
		purpose = want
	}
	switch {
	case by == "":
		e.add("consent_by", l.T("form.required"))
	case tooLong(by, 50):
		e.add("consent_by", l.Tf("form.too_long", map[string]any{"Max": 50}))
	}
	known := false
	for _, p := range purposes {
		known = known || p == purpose
	}
	if !known {
		e.add("consent_purpose", l.T("form.required"))
	}
	return faces.Consent{By: by, Purpose: purpose, At: time.Now()}
}

// consentView is the consent box of the enroll and bulk forms for group
// g. A tick given for another purpose than g's is not shown as given.
func consentView(l *i18n.Localizer, g models.FaceGroup, given bool, by, purpose string, errs map[string][]string) faceview.ConsentView {
	v := faceview.ConsentView{By: by, Errors: errs, Purpose: groupPurpose(g)}
	if v.Purpose != "" {
		v.Given = given && purpose == v.Purpose
		v.PurposeLabel = purposeLabel(l, v.Purpose)
	} else {
		v.Given = given
		v.Purposes = purposeOptions(l, purpose)
	}
	return v
}

// withPurposes marks every group option with the purpose its group
// states, for faces.js to show the right one when the group changes.
func withPurposes(l *i18n.Localizer, opts []faceview.Option, groups []models.FaceGroup) []faceview.Option {
	for i := range opts {
		for _, g := range groups {
			if strconv.FormatUint(uint64(g.ID), 10) == opts[i].Value {
				if p := groupPurpose(g); p != "" {
					opts[i].Purpose, opts[i].PurposeLabel = p, purposeLabel(l, p)
				}
			}
		}
	}
	return opts
}

// pickGroup is the group chosen by id among the shop's, or the first group
// one would enroll into (not the strangers').
func pickGroup(groups []models.FaceGroup, id string) (models.FaceGroup, bool) {
	for _, g := range groups {
		if strconv.FormatUint(uint64(g.ID), 10) == id {
			return g, true
		}
	}
	for _, g := range groups {
		if g.Kind != string(vendors.GroupStranger) {
			return g, false
		}
	}
	return models.FaceGroup{}, false
}

func (s *Server) enrollView(c *gin.Context, sh *models.Shop, groups []models.FaceGroup, f enrollForm) faceview.EnrollView {
	l := loc(c)
	g, _ := pickGroup(groups, f.Group)
	age, _ := strconv.Atoi(f.Age)
	back := facesHref(sh.ID)
	if g.ID != 0 {
		back = faceGroupHref(sh.ID, g.ID)
	}
	if f.ConsentBy == "" {
		f.ConsentBy = userName(c)
	}
	return faceview.EnrollView{Header: s.shopHeader(c, sh, "faces"), Action: facesHref(sh.ID) + "/enroll",
		CheckAction: facesHref(sh.ID) + "/photo", Cancel: back,
		Groups: withPurposes(l, groupOptions(l, groups, g.ID, string(vendors.GroupStranger)), groups), Name: f.Name,
		Genders: genderOptions(l, f.Gender), Ages: ageOptions(l, age), Keys: g.CustomKeys(), Custom: f.Custom,
		Consent: consentView(l, g, f.Consent, f.ConsentBy, f.ConsentPurpose, nil),
		Token:   f.Token, MaxMB: int(photos.DefaultLimits.MaxBytes >> 20),
		Visit: hasVisitorGroups(groups), VisitFrom: f.VisitFrom, VisitTo: f.VisitTo,
		EmptyGroups:  len(groupOptions(l, groups, 0, string(vendors.GroupStranger))) == 0,
		NewGroupHref: facesHref(sh.ID) + "/groups/new"}
}

// withReceptionists fills the visitor fields' receptionists.
func (s *Server) withReceptionists(c *gin.Context, sh *models.Shop, v *faceview.EnrollView, selected string) error {
	if !v.Visit {
		return nil
	}
	opts, err := s.receptionistOptions(c.Request.Context(), sh.ID, selected)
	v.Receptionists = opts
	return err
}

// EnrollForm shows the enroll-by-photo form, for ?group= if given.
func (s *Server) EnrollForm(c *gin.Context) {
	sh := currentShop(c)
	groups, err := s.Store.FaceGroups(c.Request.Context(), sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	start := time.Now().In(zone(sh.Timezone)).Truncate(time.Hour).Add(time.Hour)
	v := s.enrollView(c, sh, groups, enrollForm{Group: c.Query("group"),
		VisitFrom: start.Format(visitLayout), VisitTo: start.Add(2 * time.Hour).Format(visitLayout)})
	if err := s.withReceptionists(c, sh, &v, ""); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, faceview.Enroll(v))
}

// photoFormMemory is how much of a form with a photo is kept in memory as
// it arrives: the photo goes to a temporary file (net/http removes it after
// the request), so that a photo waiting for the pipeline is in memory once,
// read at its exact size, rather than in the form's buffer and a copy.
const photoFormMemory = 64 << 10

// readPhoto reads the photo part of a multipart form, if one was sent.
func (s *Server) readPhoto(c *gin.Context, field string) ([]byte, bool, error) {
	err := c.Request.ParseMultipartForm(photoFormMemory) // once: later reads of the form use it
	var fh *multipart.FileHeader
	if err == nil {
		_, fh, err = c.Request.FormFile(field)
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		return nil, false, nil
	case errors.As(err, &tooLarge):
		return nil, false, photos.ErrTooManyBytes
	case err != nil:
		return nil, false, photos.ErrCorrupt // a form the browser cut short
	}
	if fh.Size == 0 {
		return nil, false, nil
	}
	f, err := fh.Open()
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err := s.Faces.Service.Pipeline.ReadSized(f, fh.Size)
	return data, err == nil, err
}

// photoStatus is the status of a page or answer refusing a photo: 503 with
// Retry-After when the pipeline is busy (the same photo will go through
// later), 422 for anything wrong with the photo itself.
func (s *Server) photoStatus(c *gin.Context, err error) int {
	var busy *photos.BusyError
	if !errors.As(err, &busy) {
		return http.StatusUnprocessableEntity
	}
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(busy.RetryAfter.Seconds()))))
	if s.Log != nil {
		s.logger(c).Warn("photo refused: the photo pipeline is busy", "path", c.Request.URL.Path)
	}
	return http.StatusServiceUnavailable
}

// photoJSON is the answer to a photo check from faces.js.
type photoJSON struct {
	OK       bool       `json:"ok"`
	Token    string     `json:"token,omitempty"`
	PhotoURL string     `json:"photo_url,omitempty"`
	ThumbURL string     `json:"thumb_url,omitempty"`
	Width    int        `json:"width,omitempty"`
	Height   int        `json:"height,omitempty"`
	Boxes    []photoBox `json:"boxes"`
	Message  string     `json:"message,omitempty"`
	// The vendor's own verdict, where it checks photos (SenseLink).
	VendorCheck string `json:"vendor_check,omitempty"`
	VendorOK    bool   `json:"vendor_ok,omitempty"`
}

type photoBox struct {
	X    int `json:"x"`
	Y    int `json:"y"`
	Size int `json:"size"`
}

// CheckFacePhoto runs a chosen photo through the pipeline for faces.js and
// answers where the faces are, and the token the enrollment then sends.
func (s *Server) CheckFacePhoto(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxPhotoBody)
	data, ok, err := s.readPhoto(c, "photo")
	if err == nil && !ok {
		err = photos.ErrEmpty
	}
	var st faces.Staged
	if err == nil {
		st, err = s.Faces.Service.CheckPhoto(c.Request.Context(), sh.ID, data)
	}
	if err != nil {
		msg := photoMessage(l, err)
		if msg == "" {
			s.fail(c, err)
			return
		}
		c.JSON(s.photoStatus(c, err), photoJSON{Message: msg, Boxes: []photoBox{}})
		return
	}
	p := previewOf(l, sh.ID, st)
	s.vendorPhotoCheck(c, sh, st.PhotoHash, p)
	out := photoJSON{OK: p.OK, PhotoURL: p.PhotoURL, ThumbURL: p.ThumbURL, Width: st.Width,
		Height: st.Height, Message: p.Message, Boxes: []photoBox{}, VendorOK: p.VendorOK}
	if p.VendorCheck != "" {
		out.VendorCheck = l.T("faces.senselink.check_title") + ": " + p.VendorCheck
	}
	if p.OK {
		out.Token = s.keepUpload(c, sh.ID, st.PhotoHash)
	}
	for _, b := range st.Faces {
		out.Boxes = append(out.Boxes, photoBox{X: b.X, Y: b.Y, Size: b.Size})
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

// Enroll enrolls a person from a checked photo. A form that carries a new
// photo (no script) first shows it with the faces found, so nothing is
// saved before the person has seen the face to be enrolled.
func (s *Server) Enroll(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx := c.Request.Context()
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxPhotoBody)
	data, fresh, perr := s.readPhoto(c, "photo")
	f := bindEnrollForm(c)
	groups, err := s.Store.FaceGroups(ctx, sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := s.enrollView(c, sh, groups, f)
	if err := s.withReceptionists(c, sh, &v, f.Receptionist); err != nil {
		s.fail(c, err)
		return
	}
	if perr != nil {
		v.PhotoError, v.Token = photoMessage(l, perr), ""
		s.render(c, http.StatusUnprocessableEntity, faceview.Enroll(v))
		return
	}
	if fresh {
		st, err := s.Faces.Service.CheckPhoto(ctx, sh.ID, data)
		if err != nil {
			if v.PhotoError = photoMessage(l, err); v.PhotoError == "" {
				s.fail(c, err)
				return
			}
			v.Token = ""
			s.render(c, s.photoStatus(c, err), faceview.Enroll(v))
			return
		}
		v.Preview = previewOf(l, sh.ID, st)
		s.vendorPhotoCheck(c, sh, st.PhotoHash, v.Preview)
		status := http.StatusOK
		if st.FaceErr != nil {
			status, v.Token = http.StatusUnprocessableEntity, ""
		} else {
			v.Token = s.keepUpload(c, sh.ID, st.PhotoHash)
		}
		s.render(c, status, faceview.Enroll(v))
		return
	}
	var st faces.Staged
	hash, ok := s.keptUpload(c, sh.ID, f.Token)
	if ok {
		st, ok = s.Faces.Service.StagedPhoto(sh.ID, hash)
	}
	if !ok {
		v.Token = ""
		v.PhotoError = l.T("faces.error.choose_photo")
		if f.Token != "" {
			v.PhotoError = l.T("faces.error.photo_expired")
		}
		s.render(c, http.StatusUnprocessableEntity, faceview.Enroll(v))
		return
	}
	v.Preview = previewOf(l, sh.ID, st)
	errs := formErrors{}
	g, ok := pickGroup(groups, f.Group)
	if !ok {
		errs.add("group", l.T("form.required"))
	}
	in := faces.EnrollInput{GroupID: g.ID, Face: faceFields(l, errs, f.Name, f.Gender, f.Age, f.Custom, true),
		Consent: consentFields(l, errs, g, f.Consent, f.ConsentBy, f.ConsentPurpose)}
	if g.Kind == string(vendors.GroupVisitor) {
		in.Face.VisitFrom, in.Face.VisitTo, in.Face.Receptionist = visitorFields(l, errs, f, zone(sh.Timezone), v.Receptionists)
	}
	if len(errs) > 0 {
		v.Errors, v.Consent.Errors = errs, errs
		s.render(c, http.StatusUnprocessableEntity, faceview.Enroll(v))
		return
	}
	vctx, cancel := context.WithTimeout(ctx, s.VendorTimeout+s.Faces.Service.ResolveWait)
	defer cancel()
	face, err := s.Faces.Service.Enroll(vctx, actor(c), *sh, in, st)
	if err != nil {
		if v.Error = explain(l, err); v.Error == "" {
			s.fail(c, err)
			return
		}
		s.render(c, http.StatusUnprocessableEntity, faceview.Enroll(v))
		return
	}
	s.Faces.uploads.drop(f.Token)
	switch face.State {
	case models.FaceEnrolled:
		s.flash(c, true, l.Tf("faces.enrolled", map[string]any{"Name": face.Name}))
	case models.FacePending:
		s.flash(c, true, l.Tf("faces.sent", map[string]any{"Name": face.Name}))
	default:
		s.flash(c, false, l.Tf("faces.not_enrolled", map[string]any{"Name": face.Name}))
	}
	redirect(c, faceHref(sh.ID, face.ID))
}

// userName is how the signed-in user is named on records they make.
func userName(c *gin.Context) string {
	u := currentUser(c)
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}
