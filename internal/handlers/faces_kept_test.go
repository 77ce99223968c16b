package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"storelens/internal/handlers"
	"storelens/internal/models"
)

// checkPhoto checks a photo as faces.js does, and returns its answer.
func checkPhoto(t *testing.T, b *browser, shop models.Shop, photo []byte) (token, photoURL string) {
	t.Helper()
	r := b.postMultipart("/shops/"+itoa(shop.ID)+"/faces/photo", nil, []part{{"photo", "p.png", photo}})
	var out struct {
		OK       bool   `json:"ok"`
		Token    string `json:"token"`
		PhotoURL string `json:"photo_url"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != http.StatusOK || !out.OK {
		t.Fatalf("check: %d %s", r.status, r.body)
	}
	return out.Token, out.PhotoURL
}

var keptNote = regexp.MustCompile(`<p class="notice small" role="status"( hidden)? data-photo-kept`)

// photoKept reports whether the page says the photo is kept (the note is
// rendered hidden when it is not).
func photoKept(t *testing.T, r result) bool {
	t.Helper()
	m := keptNote.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no kept-photo note\n%s", excerpt(r.body))
	}
	return m[1] == ""
}

// A validation error after the photo was checked keeps the photo: the
// page shows it again with the token, and the resubmission without a file
// enrolls it. The consent is one tick for the purpose the group states,
// recorded with the face.
func TestEnrollKeepsPhotoAfterError(t *testing.T) {
	a := newFacesApp(t)
	b := a.login("manager", managerPW)
	staff := a.group(a.shopA, "staff")
	path := "/shops/" + itoa(a.shopA.ID) + "/faces/enroll"

	form := b.get(path + "?group=" + itoa(staff.ID))
	form.has(t, "The person has agreed that their face is enrolled for staff attendance.", `name="consent_purpose" value="staff"`,
		"Consent collected by manager.", `data-purpose="member"`)
	form.lacks(t, `name="consent_by" value="" `)
	if photoKept(t, form) {
		t.Fatal("an empty form says a photo is kept")
	}

	token, photoURL := checkPhoto(t, b, a.shopA, testPhoto(t, "astronaut.png"))
	hash := photoURL[strings.LastIndex(photoURL, "/")+1:]
	if len(token) != 64 || token == hash {
		t.Fatalf("token %q is not a random token (photo %s)", token, hash)
	}
	// No name, no consent: refused, and the photo is still there.
	fields := enrollFields(staff, "", url.Values{"token": {token}, "consent": {""}})
	r := b.postMultipart(path, fields, nil)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form: %d", r.status)
	}
	r.has(t, "Confirm that the person has agreed.", `value="`+token+`"`, `data-testid="preview-thumb"`, photoURL)
	if !photoKept(t, r) {
		t.Fatal("the page does not say the photo is kept")
	}
	// A tick for a purpose the group does not state is not taken.
	other := enrollFields(staff, "Eileen", url.Values{"token": {token}, "consent_purpose": {"member"}})
	b.postMultipart(path, other, nil).has(t, "This group is kept for staff attendance: confirm that the person agreed to that.", `value="`+token+`"`)
	if n := len(a.sim.Faces("560279010301")); n != 0 {
		t.Fatalf("%d faces enrolled by refused forms", n)
	}
	// Resubmitted without a file: enrolled.
	r = b.postMultipart(path, enrollFields(staff, "Eileen", url.Values{"token": {token}}), nil)
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "/faces/people/") {
		t.Fatalf("resubmit: %d %s\n%s", r.status, r.location, excerpt(r.body))
	}
	b.get(r.location).has(t, "Eileen is enrolled.", "given to 王经理", "for staff attendance")
	if fs := a.sim.Faces("560279010301"); len(fs) != 1 || fs[0].Name != "Eileen" {
		t.Fatalf("vendor has %+v", fs)
	}
	// The consent is in the audit record too.
	admin := a.login("admin", adminPW)
	admin.get("/audit").has(t, "face.enroll", `consent by 王经理 for &#34;staff&#34;`)
	// The token is spent.
	b.postMultipart(path, enrollFields(staff, "Twice", url.Values{"token": {token}}), nil).has(t, "The checked photo has expired. Choose it again.")

	// Without script: a photo with no face is refused with its preview and
	// what was typed (the tick too); a replacement is shown, then enrolled
	// without choosing it again.
	r = b.postMultipart(path, enrollFields(staff, "Cat", nil), []part{{"photo", "chelsea.png", testPhoto(t, "chelsea.png")}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no face: %d", r.status)
	}
	r.has(t, "No face found in this photo", `data-testid="preview-svg"`, `value="Cat"`, `value="1" checked data-testid="consent-given"`)
	r = b.postMultipart(path, enrollFields(staff, "Cat", nil), []part{{"photo", "t.jpg", tinted(t, 30)}})
	m := tokenRe.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil || !photoKept(t, r) {
		t.Fatalf("replacement: %d\n%s", r.status, excerpt(r.body))
	}
	if r = b.postMultipart(path, enrollFields(staff, "Cat", url.Values{"token": {m[1]}}), nil); r.status != http.StatusSeeOther {
		t.Fatalf("replacement enroll: %d\n%s", r.status, excerpt(r.body))
	}
}

// A token belongs to the session that checked the photo: the same user in
// another browser, another user, or someone who knows the photo's hash
// cannot enroll with it.
func TestKeptPhotoOfAnotherSessionRefused(t *testing.T) {
	a := newFacesApp(t)
	mine := a.login("manager", managerPW)
	staff := a.group(a.shopA, "staff")
	path := "/shops/" + itoa(a.shopA.ID) + "/faces/enroll"
	token, photoURL := checkPhoto(t, mine, a.shopA, testPhoto(t, "astronaut.png"))
	hash := photoURL[strings.LastIndex(photoURL, "/")+1:]

	for who, b := range map[string]*browser{"same user, other session": a.login("manager", managerPW), "admin": a.login("admin", adminPW)} {
		checkPhoto(t, b, a.shopA, tinted(t, 3)) // a session with pending uploads of its own
		r := b.postMultipart(path, enrollFields(staff, "Thief", url.Values{"token": {token}}), nil)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d", who, r.status)
		}
		r.has(t, "The checked photo has expired. Choose it again.")
		r.lacks(t, token, `data-testid="preview-thumb"`)
	}
	// The photo's hash is not a token (as it was before).
	mine.postMultipart(path, enrollFields(staff, "Hash", url.Values{"token": {hash}}), nil).has(t, "The checked photo has expired.")
	if n := len(a.sim.Faces("560279010301")); n != 0 {
		t.Fatalf("%d faces enrolled with a foreign token", n)
	}
	// The same token in another shop of the same session: refused.
	other := "/shops/" + itoa(a.shopB.ID) + "/faces/enroll"
	admin := a.login("admin", adminPW)
	tokB, _ := checkPhoto(t, admin, a.shopA, tinted(t, 9))
	admin.postMultipart(other, enrollFields(a.group(a.shopB, "staff"), "Elsewhere", url.Values{"token": {tokB}}), nil).has(t, "The checked photo has expired.")
	// Its own session enrolls it.
	if r := mine.postMultipart(path, enrollFields(staff, "Eileen", url.Values{"token": {token}}), nil); r.status != http.StatusSeeOther {
		t.Fatalf("own session: %d\n%s", r.status, excerpt(r.body))
	}
}

// A kept photo waits 30 minutes for its form, then is asked for again.
func TestKeptPhotoExpires(t *testing.T) {
	var (
		mu  sync.Mutex
		now = time.Now()
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a := newFacesAppWith(t, func(d *handlers.FacesDeps) { d.Now = clock })
	b := a.login("manager", managerPW)
	staff := a.group(a.shopA, "staff")
	path := "/shops/" + itoa(a.shopA.ID) + "/faces/enroll"
	token, _ := checkPhoto(t, b, a.shopA, testPhoto(t, "astronaut.png"))
	mu.Lock()
	now = now.Add(29 * time.Minute)
	mu.Unlock()
	// Still kept at 29 minutes (a form error shows it again).
	b.postMultipart(path, enrollFields(staff, "", url.Values{"token": {token}}), nil).has(t, `value="`+token+`"`, `data-testid="preview-thumb"`)
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	r := b.postMultipart(path, enrollFields(staff, "Eileen", url.Values{"token": {token}}), nil)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("expired: %d", r.status)
	}
	r.has(t, "The checked photo has expired. Choose it again.", `value="Eileen"`)
	r.lacks(t, `value="`+token+`"`)
	if n := len(a.sim.Faces("560279010301")); n != 0 {
		t.Fatalf("%d faces enrolled from an expired photo", n)
	}
}
