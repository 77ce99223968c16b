package handlers

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/vendors"
	"storelens/internal/vendors/senselink"
	faceview "storelens/web/templates/faces"
)

// The SenseLink parts of the faces pages: the vendor's photo check, the
// 30002 "similar person" with its forced retry, and visitors' window and
// receptionist.

// visitLayout is what an <input type="datetime-local"> sends.
const visitLayout = "2006-01-02T15:04"

// vendorPhotoCheck asks the shop's vendor to check a staged photo, where
// it can, and says the verdict in the reader's language.
func (s *Server) vendorPhotoCheck(c *gin.Context, sh *models.Shop, hash string, p *faceview.Preview) {
	if p == nil || !p.OK {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.VendorTimeout)
	defer cancel()
	res, ok, err := s.Faces.Service.VendorPhotoCheck(ctx, *sh, hash)
	l := loc(c)
	switch {
	case err != nil:
		reason := explain(l, err)
		if reason == "" {
			reason = err.Error()
		}
		p.VendorCheck = l.Tf("faces.senselink.check_failed", map[string]any{"Reason": reason})
	case !ok:
	case res.Faces != 1:
		p.VendorCheck = l.Tf("faces.senselink.check_faces", map[string]any{"Count": res.Faces})
	case res.QualityCode != 0:
		reason := l.T("faces.senselink.qa." + strconv.Itoa(res.QualityCode))
		if strings.HasPrefix(reason, "faces.senselink.qa.") {
			reason = l.T("vendor.error.photo_rejected")
		}
		p.VendorCheck = l.Tf("faces.senselink.check_quality", map[string]any{"Reason": reason, "Code": res.QualityCode})
	default:
		p.VendorCheck, p.VendorOK = l.T("faces.senselink.check_ok"), true
	}
}

// senselinkFaceError explains a SenseLink refusal stored on a face: 30002
// names the similar person; other codes get their own sentence.
func senselinkFaceError(l *i18n.Localizer, ve *vendors.Error) (msg string, similar bool) {
	if ve.Code == 30002 {
		existing := ve.Msg
		if i := strings.Index(existing, ": "); i >= 0 {
			existing = existing[i+2:]
		}
		return l.Tf("faces.senselink.similar", map[string]any{"Existing": existing}), true
	}
	msg = describeVendorError(l, ve)
	if extra := l.T("faces.senselink.code." + strconv.Itoa(ve.Code)); !strings.HasPrefix(extra, "faces.senselink.") {
		msg = extra + " " + msg
	}
	return msg, false
}

// senselinkFaceView adds the SenseLink parts to a face's page. A visitor
// is not editable here: §6.3.5 takes a visitor's details only with the
// photo again (the adapter refuses it).
func senselinkFaceView(l *i18n.Localizer, f models.Face, kind string, tz *time.Location, v *faceview.FaceView) {
	if f.Vendor != senselink.Name {
		return
	}
	if kind == string(vendors.GroupVisitor) && v.CanEdit {
		v.CanEdit, v.EditHint = false, l.T("faces.visit.no_edit")
	}
	if f.VisitFrom != nil && f.VisitTo != nil {
		v.VisitWindow = formatTime(f.VisitFrom, tz) + " – " + formatTime(f.VisitTo, tz)
	}
	if f.State != models.FaceFailed || f.Error == "" {
		return
	}
	msg, similar := senselinkFaceError(l, vendors.ParseCompact(f.Error))
	v.Error = msg
	if similar && v.RetryAction != "" {
		v.ForceAction = v.RetryAction
	}
}

// visitorFields reads and checks a visitor's window (in the shop's zone)
// and receptionist (one of the shop's enrolled staff).
func visitorFields(l *i18n.Localizer, e formErrors, f enrollForm, tz *time.Location, receptionists []faceview.Option) (from, to time.Time, rec string) {
	from, ferr := time.ParseInLocation(visitLayout, f.VisitFrom, tz)
	to, terr := time.ParseInLocation(visitLayout, f.VisitTo, tz)
	if ferr != nil || terr != nil || !to.After(from) {
		e.add("visit_to", l.T("faces.visit.bad_window"))
	}
	known := false
	for _, o := range receptionists {
		known = known || (o.Value == f.Receptionist && o.Value != "")
	}
	if !known {
		e.add("receptionist", l.T("faces.visit.no_staff"))
	}
	return from, to, f.Receptionist
}

// receptionistOptions are the shop's enrolled SenseLink staff, by vendor id.
func (s *Server) receptionistOptions(ctx context.Context, shopID uint, selected string) ([]faceview.Option, error) {
	fs, err := s.Faces.Service.Receptionists(ctx, shopID)
	if err != nil {
		return nil, err
	}
	out := make([]faceview.Option, 0, len(fs))
	for _, f := range fs {
		out = append(out, faceview.Option{Value: f.VendorFaceID, Label: f.Name, Selected: f.VendorFaceID == selected})
	}
	return out, nil
}

// hasVisitorGroups reports whether any of the groups is a visitor group.
func hasVisitorGroups(groups []models.FaceGroup) bool {
	for _, g := range groups {
		if g.Kind == string(vendors.GroupVisitor) {
			return true
		}
	}
	return false
}
