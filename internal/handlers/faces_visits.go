package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"storelens/internal/faces"
	"storelens/internal/i18n"
	"storelens/internal/models"
	"storelens/internal/vendors"
	faceview "storelens/web/templates/faces"
)

// The pages here exist where the shop's vendor offers them (the camera on
// the LAN: "who is this?", top visitors for a range, not seen for
// longest). For others they are not linked, and answer that the vendor
// does not offer them.

func matchRow(l *i18n.Localizer, sh *models.Shop, groups []models.FaceGroup, m faces.Match) faceview.MatchRow {
	tz := zone(sh.Timezone)
	r := faceview.MatchRow{Name: m.Vendor.Name, Gender: genderLabel(l, string(m.Vendor.Gender)), Age: ageLabel(l, int(m.Vendor.Age)),
		Visits: strconv.Itoa(m.Vendor.Visits), LastVisit: formatTime(timeOrNil(m.Vendor.LastVisit), tz)}
	if m.Local != nil && m.Local.Name != "" {
		r.Name = m.Local.Name // the camera keeps no names: ours is the one
	}
	if r.Name == "" {
		r.Name = l.T("faces.unnamed")
	}
	if m.Local != nil {
		r.Known, r.Href = true, faceHref(sh.ID, m.Local.ID)
		if m.Local.ThumbHash != "" {
			r.Thumb = facePhotoHref(sh.ID, m.Local.ThumbHash)
		}
		for _, g := range groups {
			if g.ID == m.Local.GroupID {
				r.Group = l.Vendor(i18n.GroupName, g.Name)
			}
		}
	}
	return r
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) searchView(c *gin.Context, sh *models.Shop) faceview.SearchView {
	lib := faceLib(c)
	v := faceview.SearchView{Header: s.shopHeader(c, sh, "faces"), Action: withLib(facesHref(sh.ID)+"/search", lib), Back: withLib(facesHref(sh.ID), lib),
		EnrollHref: enrollHref(sh.ID, 0)}
	if caps, err := s.Faces.Service.Capabilities(c.Request.Context(), *sh, lib); err == nil {
		v.Library = s.currentLibraryLabel(loc(c), caps)
		if !caps.Search {
			v.Error = loc(c).T("vendor.unsupported")
		}
	}
	return v
}

// FaceSearchForm is "who is this?" in the library ?lib= names.
func (s *Server) FaceSearchForm(c *gin.Context) {
	s.render(c, http.StatusOK, faceview.Search(s.searchView(c, currentShop(c))))
}

// FaceSearch checks the photo (one face), then asks the vendor who it is.
func (s *Server) FaceSearch(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx := c.Request.Context()
	v := s.searchView(c, sh)
	v.Error = ""
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxPhotoBody)
	data, ok, err := s.readPhoto(c, "photo")
	if err == nil && !ok {
		v.PhotoError = l.T("faces.error.choose_photo")
		s.render(c, http.StatusUnprocessableEntity, faceview.Search(v))
		return
	}
	var st faces.Staged
	if err == nil {
		st, err = s.Faces.Service.CheckPhoto(ctx, sh.ID, data)
	}
	if err != nil {
		if v.PhotoError = photoMessage(l, err); v.PhotoError == "" {
			s.fail(c, err)
			return
		}
		s.render(c, s.photoStatus(c, err), faceview.Search(v))
		return
	}
	v.Preview = previewOf(l, sh.ID, st)
	v.Preview.ThumbURL = ""
	if st.FaceErr != nil {
		s.render(c, http.StatusUnprocessableEntity, faceview.Search(v))
		return
	}
	vctx, cancel := s.vendorCtx(c)
	defer cancel()
	m, found, err := s.Faces.Service.FindFace(vctx, *sh, faceLib(c), st)
	if err != nil {
		if v.Error = explain(l, err); v.Error == "" {
			s.fail(c, err)
			return
		}
		s.render(c, http.StatusUnprocessableEntity, faceview.Search(v))
		return
	}
	groups, err := s.Store.FaceGroups(ctx, sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Asked, v.Found = true, found
	if found {
		v.Match = matchRow(l, sh, groups, m)
	}
	s.render(c, http.StatusOK, faceview.Search(v))
}

// visitorsTop is how many top visitors the page lists (and its CSV).
const visitorsTop = 50

// visitorFilter is the visitors page's search: a range (30 days by
// default) in the shop's zone, a group, a gender, an age.
type visitorFilter struct {
	from, to time.Time
	group    models.FaceGroup
	picked   bool
	gender   vendors.Gender
	age      vendors.AgeRange
}

// readVisitorFilter reads the filters of the visitors page and its CSV
// (one rule for both).
func readVisitorFilter(c *gin.Context, tz *time.Location, groups []models.FaceGroup) visitorFilter {
	var f visitorFilter
	f.to = time.Now().In(tz)
	f.from = f.to.AddDate(0, 0, -30)
	if t, err := time.ParseInLocation("2006-01-02", c.Query("from"), tz); err == nil {
		f.from = t
	}
	if t, err := time.ParseInLocation("2006-01-02", c.Query("to"), tz); err == nil {
		f.to = t.Add(24*time.Hour - time.Second)
	}
	f.group, f.picked = pickGroup(groups, c.Query("group"))
	f.gender, _ = faces.ParseGender(c.Query("gender"))
	f.age, _ = faces.ParseAge(c.Query("age"))
	return f
}

// query is the vendor's top visitors query of the library key.
func (f visitorFilter) query(key string) faces.VisitorQuery {
	q := faces.VisitorQuery{Library: key, From: f.from, To: f.to, Gender: f.gender, Age: f.age, Limit: visitorsTop}
	if f.picked {
		q.GroupID = f.group.ID
	}
	return q
}

// Visitors is the top visitors of a range (30 days by default) with the
// filters the vendor takes, and the faces of a group not seen for longest.
func (s *Server) Visitors(c *gin.Context) {
	sh := currentShop(c)
	l := loc(c)
	ctx := c.Request.Context()
	caps, err := s.Faces.Service.Capabilities(ctx, *sh, faceLib(c))
	if err != nil && !isVendorSide(err) {
		s.fail(c, err)
		return
	}
	all, err := s.Store.FaceGroups(ctx, sh.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	groups := groupsOf(all, caps)
	vf := readVisitorFilter(c, zone(sh.Timezone), groups)
	from, to, g, picked, gender, age := vf.from, vf.to, vf.group, vf.picked, vf.gender, vf.age
	v := faceview.VisitorsView{Header: s.shopHeader(c, sh, "faces"), Action: facesHref(sh.ID) + "/visitors", Back: withLib(facesHref(sh.ID), faceLib(c)), Lib: faceLib(c),
		From: from.Format("2006-01-02"), To: to.Format("2006-01-02"), Genders: genderOptions(l, string(gender)), Ages: ageOptions(l, int(age)),
		TopOn: caps.TopVisitors, LapsedOn: caps.Lapsed, EnrollHref: enrollHref(sh.ID, 0)}
	v.Groups = append([]faceview.Option{{Value: "", Label: l.T("faces.all_groups"), Selected: !picked}}, groupOptions(l, groups, 0)...)
	for i := range v.Groups {
		v.Groups[i].Selected = v.Groups[i].Value == c.Query("group") && picked || (i == 0 && !picked)
	}
	if !caps.TopVisitors && !caps.Lapsed {
		v.Error = l.T("vendor.unsupported")
	}
	if caps.TopVisitors {
		v.ExportHref = facesHref(sh.ID) + "/visitors.csv"
		if e := exportQuery(c.Request.URL.Query()); e != "" {
			v.ExportHref += "?" + e
		}
	}
	vctx, cancel := s.vendorCtx(c)
	defer cancel()
	if caps.TopVisitors {
		ms, err := s.Faces.Service.TopVisitors(vctx, *sh, vf.query(caps.Key))
		if err != nil && !isVendorSide(err) {
			s.fail(c, err)
			return
		}
		if err != nil {
			v.Error = vendorMessage(l, err)
		}
		for _, m := range ms {
			v.Top = append(v.Top, matchRow(l, sh, groups, m))
		}
	}
	if caps.Lapsed && g.ID != 0 {
		v.LapsedGroup = loc(c).Vendor(i18n.GroupName, g.Name)
		ms, err := s.Faces.Service.LongestAbsent(vctx, *sh, g, 10)
		if err != nil && !isVendorSide(err) {
			s.fail(c, err)
			return
		}
		if err != nil {
			v.Error = vendorMessage(l, err)
		}
		for _, m := range ms {
			v.Lapsed = append(v.Lapsed, matchRow(l, sh, groups, m))
		}
	}
	s.render(c, http.StatusOK, faceview.Visitors(v))
}
