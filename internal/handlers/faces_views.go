package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"storelens/internal/faces"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/photos"
	"storelens/internal/vendors"
	faceview "storelens/web/templates/faces"
)

func facesHref(shop uint) string { return fmt.Sprintf("/shops/%d/faces", shop) }
func faceGroupHref(shop, group uint) string {
	return fmt.Sprintf("/shops/%d/faces/groups/%d", shop, group)
}
func faceHref(shop, face uint) string { return fmt.Sprintf("/shops/%d/faces/people/%d", shop, face) }
func facePhotoHref(shop uint, h string) string {
	return fmt.Sprintf("/shops/%d/faces/photos/%s", shop, h)
}
func enrollHref(shop, group uint) string {
	if group == 0 {
		return facesHref(shop) + "/enroll"
	}
	return fmt.Sprintf("%s/enroll?group=%d", facesHref(shop), group)
}
func bulkHref(shop, group uint) string {
	if group == 0 {
		return facesHref(shop) + "/bulk"
	}
	return fmt.Sprintf("%s/bulk?group=%d", facesHref(shop), group)
}
func batchHref(shop, batch uint) string {
	return fmt.Sprintf("/shops/%d/faces/batches/%d", shop, batch)
}

// genderLabel and ageLabel say a face's attributes in the reader's language.
func genderLabel(l *i18n.Localizer, g string) string { return l.T("faces.gender." + genderOr(g)) }

func genderOr(g string) string {
	if vendors.Gender(g).Valid() {
		return g
	}
	return string(vendors.GenderUnknown)
}

func ageLabel(l *i18n.Localizer, a int) string {
	if a >= 1 && a <= 8 {
		return vendors.AgeRange(a).Label()
	}
	return l.T("faces.age.unknown")
}

func genderOptions(l *i18n.Localizer, selected string) []faceview.Option {
	out := make([]faceview.Option, 0, len(vendors.Genders))
	for _, g := range vendors.Genders {
		out = append(out, faceview.Option{Value: string(g), Label: l.T("faces.gender." + string(g)), Selected: string(g) == genderOr(selected)})
	}
	return out
}

func ageOptions(l *i18n.Localizer, selected int) []faceview.Option {
	out := []faceview.Option{{Value: "0", Label: l.T("faces.age.unknown"), Selected: selected == 0}}
	for _, a := range vendors.AgeRanges {
		out = append(out, faceview.Option{Value: strconv.Itoa(int(a)), Label: a.Label(), Selected: int(a) == selected})
	}
	return out
}

// purposes are what a face is enrolled for: recorded with the consent.
var purposes = []string{"member", "staff", "security", "visitor"}

func purposeOptions(l *i18n.Localizer, selected string) []faceview.Option {
	out := []faceview.Option{{Value: "", Label: l.T("faces.purpose.choose"), Selected: selected == ""}}
	for _, p := range purposes {
		out = append(out, faceview.Option{Value: p, Label: l.T("faces.purpose." + p), Selected: p == selected})
	}
	return out
}

func purposeLabel(l *i18n.Localizer, p string) string {
	for _, x := range purposes {
		if x == p {
			return l.T("faces.purpose." + p)
		}
	}
	return p
}

func groupOptions(l *i18n.Localizer, gs []models.FaceGroup, selected uint, skipKinds ...string) []faceview.Option {
	var out []faceview.Option
	// Groups of several libraries: a camera's are marked with its SN.
	mixed := false
	for _, g := range gs {
		mixed = mixed || g.Vendor != gs[0].Vendor || g.Source != gs[0].Source
	}
	for _, g := range gs {
		skip := false
		for _, k := range skipKinds {
			skip = skip || g.Kind == k
		}
		if skip {
			continue
		}
		label := l.Vendor(i18n.GroupName, g.Name) + " (" + l.T("faces.kind."+g.Kind) + ")"
		if mixed && g.Source != "" {
			label += " · " + g.Source
		}
		out = append(out, faceview.Option{Value: strconv.FormatUint(uint64(g.ID), 10), Label: label, Selected: g.ID == selected})
	}
	return out
}

func stateLabel(l *i18n.Localizer, state string) string { return l.T("faces.state." + state) }

// faceError is a stored vendor failure in the reader's language.
func faceError(l *i18n.Localizer, f models.Face) string {
	if f.Error == "" || (f.State != models.FaceFailed && f.State != models.FacePending) {
		return ""
	}
	return describeVendorError(l, vendors.ParseCompact(f.Error))
}

func faceCard(l *i18n.Localizer, shopID uint, f models.Face, tz *time.Location) faceview.FaceCard {
	custom := f.Custom()
	c := faceview.FaceCard{ID: f.ID, Href: faceHref(shopID, f.ID), Name: f.Name, Gender: genderLabel(l, f.Gender),
		Age: ageLabel(l, f.AgeRange), State: f.State, StateLabel: stateLabel(l, f.State), Visits: strconv.Itoa(f.Visits),
		LastVisit: formatTime(f.LastVisitAt, tz), Custom: custom[:], Error: faceError(l, f), FromVendor: f.Origin == models.OriginVendor}
	if f.ThumbHash != "" {
		c.Thumb = facePhotoHref(shopID, f.ThumbHash)
	}
	return c
}

// photoMessage says why a photo cannot be enrolled, in the reader's
// language, or "" for an error that is not about the photo.
func photoMessage(l *i18n.Localizer, err error) string {
	key, arg := faces.PhotoReason(err)
	if key == "" {
		return ""
	}
	return photoReasonText(l, key, arg)
}

// photoReasonText renders a photo refusal; the kinds of file that have no
// proper name ("text", "unknown") are said in the reader's language.
func photoReasonText(l *i18n.Localizer, key, arg string) string {
	if key == "unsupported" && (arg == "text" || arg == "unknown") {
		arg = l.T("faces.format." + arg)
	}
	return l.Tf("faces.photo."+key, map[string]any{"Arg": arg, "MB": photos.DefaultLimits.MaxBytes >> 20})
}

// facesMessage explains the faces service's refusals; "" for others.
func facesMessage(l *i18n.Localizer, err error) string {
	var dup *faces.DuplicateError
	switch {
	case errors.As(err, &dup):
		name := dup.Face.Name
		if name == "" {
			name = "#" + strconv.FormatUint(uint64(dup.Face.ID), 10)
		}
		return l.Tf("faces.error.duplicate", map[string]any{"Name": name})
	case errors.Is(err, faces.ErrConsentRequired):
		return l.T("faces.error.consent")
	case errors.Is(err, faces.ErrDefaultGroup):
		return l.T("faces.error.default_group")
	case errors.Is(err, faces.ErrGroupNotEmpty):
		return l.T("faces.error.group_not_empty")
	case errors.Is(err, faces.ErrPendingFace):
		return l.T("faces.error.pending")
	case errors.Is(err, faces.ErrPhotoExpired):
		return l.T("faces.error.photo_expired")
	case errors.Is(err, faces.ErrNoPhotoHere):
		return l.T("faces.error.no_photo")
	case errors.Is(err, faces.ErrSameGroup):
		return l.T("faces.error.same_group")
	case errors.Is(err, faces.ErrOtherLibrary):
		return l.T("faces.error.other_library")
	case errors.Is(err, faces.ErrTooManyPhotos):
		return l.Tf("faces.error.too_many", map[string]any{"Max": faces.MaxBatch})
	case errors.Is(err, vendors.ErrUnsupported):
		return l.T("faces.error.unsupported")
	}
	var ze *faces.ZipError
	if errors.As(err, &ze) {
		return l.Tf("faces.zip."+ze.Key, map[string]any{"Detail": ze.Detail})
	}
	if m := photoMessage(l, err); m != "" {
		return m
	}
	return ""
}

// explain is the page's message for any error of the faces flows, or ""
// when the error is ours (a 500).
func explain(l *i18n.Localizer, err error) string {
	if m := facesMessage(l, err); m != "" {
		return m
	}
	if isVendorSide(err) {
		return vendorMessage(l, err)
	}
	return ""
}

// batchMessage renders a batch item's result.
func batchMessage(l *i18n.Localizer, r models.BatchItemRow) string {
	res := r.Result
	switch {
	case res == "":
		if r.FaceState == models.FaceFailed {
			return describeVendorError(l, vendors.ParseCompact(r.FaceError))
		}
		return ""
	case strings.HasPrefix(res, "photo:"):
		return photoReasonText(l, strings.TrimPrefix(res, "photo:"), r.Detail)
	case res == "vendor":
		return describeVendorError(l, vendors.ParseCompact(r.Detail))
	default:
		return l.T("faces.bulk." + res)
	}
}

// batchState is the label a batch row shows: what became of the face.
func batchState(r models.BatchItemRow) string {
	switch {
	case r.State == models.ItemDone && r.FaceState != "":
		return r.FaceState
	case r.State == models.ItemSkipped:
		return "skipped"
	case r.State == models.ItemFailed:
		return models.FaceFailed
	}
	return r.State
}

func previewOf(l *i18n.Localizer, shopID uint, st faces.Staged) *faceview.Preview {
	p := &faceview.Preview{PhotoURL: facePhotoHref(shopID, st.PhotoHash), Width: st.Width, Height: st.Height, OK: st.FaceErr == nil}
	for _, b := range st.Faces {
		p.Boxes = append(p.Boxes, faceview.Box{X: b.X, Y: b.Y, Size: b.Size})
	}
	if st.ThumbHash != "" && st.FaceErr == nil {
		p.ThumbURL = facePhotoHref(shopID, st.ThumbHash)
	}
	if st.FaceErr != nil {
		p.Message = photoMessage(l, st.FaceErr)
	}
	return p
}

// customKeys lists a group's custom attribute names without the blanks.
func customKeys(g models.FaceGroup) []string {
	var out []string
	for _, k := range g.CustomKeys() {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}
