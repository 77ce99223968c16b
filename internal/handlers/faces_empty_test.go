package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
)

// Empty lists say what they are for and link to the action that fills
// them, in both languages.
func TestFacesEmptyStates(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	staff := a.group(a.shopA, "staff")
	base := "/shops/" + itoa(a.shopA.ID) + "/faces"
	enroll := `href="` + base + `/enroll"`

	b.get(base+"/groups/"+itoa(staff.ID)).has(t, `data-testid="faces-empty"`, "This group has no faces yet.",
		`href="`+base+`/enroll?group=`+itoa(staff.ID)+`" data-testid="faces-empty-action"`)
	b.get(base+"/groups/"+itoa(staff.ID)+"?q=nobody").has(t, "No face in this group matches the search.", "Show all faces")

	// Search and visitors: where the library offers them (the camera's).
	a.addLANCamera()
	q := "?lib=" + url.QueryEscape("sunmilan:"+lanFacesSN)
	r := b.get(base + "/search" + q)
	if r.status != http.StatusOK {
		t.Fatalf("search %d", r.status)
	}
	r.has(t, `data-testid="search-empty"`, "No photo asked about yet.", "Only enrolled faces can be found.", enroll+` data-testid="search-empty-action"`)

	r = b.get(base + "/visitors" + q)
	if r.status != http.StatusOK {
		t.Fatalf("visitors %d", r.status)
	}
	r.has(t, `data-testid="visitors-what"`, "Who comes most often", `data-testid="top-empty"`,
		"Visits are counted when a camera recognises an enrolled face.", enroll+` data-testid="top-empty-action"`)

	b.lang = "zh-CN"
	b.get(base+"/search"+q).has(t, "还没有查询过照片。", "只有已登记的人脸才能被找到。", "登记")
	b.get(base+"/visitors"+q).has(t, "谁来得最多", "摄像机识别到已登记的人脸时才会记一次到店。")

	// Once a face is enrolled the group lists it, not the empty state.
	b.lang = "en"
	a.enroll(b, a.shopA, staff, "Eileen", testPhoto(t, "astronaut.png"))
	b.get(base+"/groups/"+itoa(staff.ID)).lacks(t, `data-testid="faces-empty"`)
}
