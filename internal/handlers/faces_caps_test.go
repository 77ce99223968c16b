package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"testing"
	"time"

	"storelens/internal/vendors"
	"storelens/internal/vendors/sunmicloud"
	"storelens/internal/vendors/sunmicloud/sim"
)

// lanLike is the Sunmi cloud adapter plus the capabilities only the camera
// on the LAN offers (003: getFaceByPicture, getFaceVisitDetail,
// getVisitorList, getFaceByArrival), answered from the simulator's state.
// It tests the pages through the capability interfaces with the cloud
// simulator's data; faces_lan_test.go tests them with the real LAN adapter.
type lanLike struct {
	*sunmicloud.Client
	sim *sim.Server
}

var (
	_ vendors.FaceSearch     = lanLike{}
	_ vendors.VisitHistory   = lanLike{}
	_ vendors.VisitorRanking = lanLike{}
	_ vendors.LapsedFaces    = lanLike{}
)

func wrapLAN(c *sunmicloud.Client, s *sim.Server) vendors.Adapter { return lanLike{Client: c, sim: s} }

func face(f sim.Face) vendors.Face {
	return vendors.Face{ID: f.ID, GroupID: f.GroupID, Name: f.Name, Visits: f.ArrivalCount, LastVisit: f.LastArrival,
		Gender: []vendors.Gender{"unknown", "male", "female"}[f.Gender], Age: vendors.AgeRange(f.AgeRange)}
}

// FindFace answers with the shop's first face named "Eileen", if any.
func (l lanLike) FindFace(ctx context.Context, shop vendors.ShopRef, jpeg []byte) (vendors.Face, bool, error) {
	for _, f := range l.sim.Faces(shop.ShopNo) {
		if f.Name == "Eileen" {
			return face(f), true, nil
		}
	}
	return vendors.Face{}, false, nil
}

func (l lanLike) FaceVisits(ctx context.Context, shop vendors.ShopRef, id string, from, to time.Time) ([]time.Time, error) {
	var out []time.Time
	for _, f := range l.sim.Faces(shop.ShopNo) {
		if f.ID == id {
			for _, t := range f.Arrivals {
				if !t.Before(from) && !t.After(to) {
					out = append(out, t)
				}
			}
		}
	}
	return out, nil
}

func (l lanLike) TopVisitors(ctx context.Context, shop vendors.ShopRef, q vendors.VisitorQuery) ([]vendors.Face, error) {
	var out []vendors.Face
	for _, f := range l.sim.Faces(shop.ShopNo) {
		if f.ArrivalCount > 0 && (q.GroupID == "" || f.GroupID == q.GroupID) {
			out = append(out, face(f))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Visits > out[j].Visits })
	return out, nil
}

func (l lanLike) LongestAbsent(ctx context.Context, shop vendors.ShopRef, group string, n int) ([]vendors.Face, error) {
	var out []vendors.Face
	for _, f := range l.sim.Faces(shop.ShopNo) {
		if f.GroupID == group {
			out = append(out, face(f))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastVisit.Before(out[j].LastVisit) })
	return out, nil
}

func TestCapabilityPagesHiddenAtSunmiCloud(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	base := "/shops/" + itoa(a.shopA.ID) + "/faces"
	b.get(base).lacks(t, `data-testid="faces-search"`, `data-testid="faces-visitors"`)
	b.get(base+"/search").has(t, "This vendor does not offer that.")
	b.get(base+"/visitors").has(t, "This vendor does not offer that.")
}

func TestWhoIsThisAndVisits(t *testing.T) {
	a := newFacesApp(t, wrapLAN)
	b := a.login("manager", managerPW)
	base := "/shops/" + itoa(a.shopA.ID) + "/faces"
	staff := a.group(a.shopA, "staff")
	r := a.enroll(b, a.shopA, staff, "Eileen", testPhoto(t, "astronaut.png"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("enroll: %d", r.status)
	}
	facePage := r.location
	b.get(base).has(t, `data-testid="faces-search"`, `data-testid="faces-visitors"`)

	// Who is this? A photo of one face: the vendor's answer, linked.
	r = b.postMultipart(base+"/search", nil, []part{{"photo", "q.jpg", tinted(t, 9)}})
	r.has(t, "The vendor found", `data-testid="match-name">Eileen`, facePage)
	b.postMultipart(base+"/search", nil, []part{{"photo", "cat.png", testPhoto(t, "chelsea.png")}}).has(t, "No face found in this photo")

	// Visits in a range, on the face's page.
	id := a.sim.Faces("560279010301")[0].ID
	day := time.Now().Add(-48 * time.Hour)
	a.sim.RecordArrival(id, day)
	a.sim.RecordArrival(id, time.Now().Add(-100*24*time.Hour))
	page := b.get(facePage)
	page.has(t, `data-testid="visit-log"`, day.In(mustZone(t)).Format("2006-01-02 15:04"))
	page.lacks(t, time.Now().Add(-100*24*time.Hour).In(mustZone(t)).Format("2006-01-02 15:04"))

	// Top visitors, and not seen for longest in the staff group.
	v := b.get(base + "/visitors?group=" + itoa(staff.ID) + "&" + url.Values{"gender": {""}}.Encode())
	v.has(t, `data-testid="top-visitors"`, "Eileen", `data-testid="longest-absent"`, "2 visits")
}

func mustZone(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
